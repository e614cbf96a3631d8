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
    // SAFETY: `getauxval` has no preconditions: it reads the auxiliary vector the kernel gave the
    // process, and returns 0 for an entry that is absent.
    unsafe { libc::getauxval(libc::AT_SECURE) != 0 }
}

/// Whether this process runs setuid or setgid (other Unix systems have no `AT_SECURE`: real and
/// effective ids differ).
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
pub(crate) fn privileged() -> bool {
    // SAFETY: these calls have no preconditions and cannot fail.
    unsafe { libc::getuid() != libc::geteuid() || libc::getgid() != libc::getegid() }
}

/// Windows has no setuid: a process's environment comes from its own user.
#[cfg(not(unix))]
pub(crate) fn privileged() -> bool {
    false
}
