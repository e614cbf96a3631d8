//! The environment, where it may choose a library: an empty value is unset, and a process with
//! elevated privileges reads none of it.

use std::ffi::OsString;

/// The value of `name`, unless it is empty or this process runs with elevated privileges.
pub(crate) fn library_var(name: &str) -> Option<OsString> {
    if privileged() {
        return None;
    }
    std::env::var_os(name).filter(|value| !value.is_empty())
}

/// Whether this process runs with privileges its environment's author may lack: setuid, setgid
/// or file capabilities. Linux tells the program through `AT_SECURE`, as it tells glibc, which
/// then ignores `LD_PRELOAD` and `LD_LIBRARY_PATH` too.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn privileged() -> bool {
    use std::ffi::c_ulong;
    // glibc (2.16 and later), musl and bionic export it. Declared here rather than taken from
    // the libc crate, whose build was a quarter of the library's clean build (BENCHMARKS.md).
    unsafe extern "C" {
        safe fn getauxval(kind: c_ulong) -> c_ulong;
    }
    /// linux/auxvec.h.
    const AT_SECURE: c_ulong = 23;
    getauxval(AT_SECURE) != 0
}

/// Whether this process runs setuid or setgid (other Unix systems: real and effective ids
/// differ).
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
pub(crate) fn privileged() -> bool {
    // POSIX; uid_t and gid_t are 32-bit unsigned on every Unix Rust supports.
    unsafe extern "C" {
        safe fn getuid() -> u32;
        safe fn geteuid() -> u32;
        safe fn getgid() -> u32;
        safe fn getegid() -> u32;
    }
    getuid() != geteuid() || getgid() != getegid()
}

/// Windows has no setuid: a process's environment comes from its own user.
#[cfg(not(unix))]
pub(crate) fn privileged() -> bool {
    false
}
