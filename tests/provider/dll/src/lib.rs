//! The test provider (`secpkg-test-provider`) as a provider library: a cdylib exporting
//! `InitSecurityInterfaceW` and the functions of its table under the system's names, as
//! secur32.dll and WinPR do. Its scenario comes from `SECPKG_TEST_PROVIDER` on first use.
//!
//! The exports live here, not in `secpkg-test-provider`, so that a test binary that uses the
//! in-process fake does not also define the system's names: a binary that defines them binds its
//! own calls of `secpkg_sys::InitSecurityInterfaceW` and the others to them instead of
//! secur32.dll (on Linux because nothing else defines them, on x86_64-pc-windows-gnu because the
//! linker prefers the local definition).

use secpkg_sys::{SEC_GET_KEY_FN, SECURITY_STATUS, SecBufferDesc, SecHandle, SecPkgInfoW, SecurityFunctionTableW};
use secpkg_test_provider as provider;
use std::ffi::c_void;

/// See [`secpkg_test_provider::InitSecurityInterfaceW`].
#[unsafe(no_mangle)]
pub extern "system" fn InitSecurityInterfaceW() -> *mut SecurityFunctionTableW {
    provider::InitSecurityInterfaceW()
}

/// How many times this library's `InitSecurityInterfaceW` was called in this process: how a
/// test sees that a loader calls it once per library.
#[unsafe(no_mangle)]
pub extern "C" fn secpkg_test_provider_init_calls() -> u64 {
    provider::init_calls()
}

/// See [`secpkg_test_provider::EnumerateSecurityPackagesW`].
///
/// # Safety
/// As there: both pointers are null or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn EnumerateSecurityPackagesW(
    count: *mut u32,
    packages: *mut *mut SecPkgInfoW,
) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe { provider::EnumerateSecurityPackagesW(count, packages) }
}

/// See [`secpkg_test_provider::QuerySecurityPackageInfoW`].
///
/// # Safety
/// As there: `name` is null or NUL-terminated UTF-16; `info` is null or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn QuerySecurityPackageInfoW(
    name: *mut u16,
    info: *mut *mut SecPkgInfoW,
) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe { provider::QuerySecurityPackageInfoW(name, info) }
}

/// See [`secpkg_test_provider::FreeContextBuffer`].
///
/// # Safety
/// None beyond the call itself.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FreeContextBuffer(buffer: *mut c_void) -> SECURITY_STATUS {
    // SAFETY: any pointer is accepted; only the provider's own buffers are touched.
    unsafe { provider::FreeContextBuffer(buffer) }
}

/// See [`secpkg_test_provider::AcquireCredentialsHandleW`].
///
/// # Safety
/// As there.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the SDK function's signature
pub unsafe extern "system" fn AcquireCredentialsHandleW(
    principal: *mut u16,
    package: *mut u16,
    usage: u32,
    logon_id: *mut c_void,
    auth_data: *mut c_void,
    get_key: SEC_GET_KEY_FN,
    get_key_argument: *mut c_void,
    credential: *mut SecHandle,
    expiry: *mut i64,
) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe {
        provider::AcquireCredentialsHandleW(
            principal,
            package,
            usage,
            logon_id,
            auth_data,
            get_key,
            get_key_argument,
            credential,
            expiry,
        )
    }
}

/// See [`secpkg_test_provider::FreeCredentialsHandle`].
///
/// # Safety
/// As there.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FreeCredentialsHandle(credential: *mut SecHandle) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe { provider::FreeCredentialsHandle(credential) }
}

/// See [`secpkg_test_provider::InitializeSecurityContextW`].
///
/// # Safety
/// As there.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the SDK function's signature
pub unsafe extern "system" fn InitializeSecurityContextW(
    credential: *mut SecHandle,
    context: *mut SecHandle,
    target: *mut u16,
    requirements: u32,
    reserved1: u32,
    data_representation: u32,
    input: *mut SecBufferDesc,
    reserved2: u32,
    new_context: *mut SecHandle,
    output: *mut SecBufferDesc,
    attributes: *mut u32,
    expiry: *mut i64,
) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe {
        provider::InitializeSecurityContextW(
            credential,
            context,
            target,
            requirements,
            reserved1,
            data_representation,
            input,
            reserved2,
            new_context,
            output,
            attributes,
            expiry,
        )
    }
}

/// See [`secpkg_test_provider::AcceptSecurityContext`].
///
/// # Safety
/// As there.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the SDK function's signature
pub unsafe extern "system" fn AcceptSecurityContext(
    credential: *mut SecHandle,
    context: *mut SecHandle,
    input: *mut SecBufferDesc,
    requirements: u32,
    data_representation: u32,
    new_context: *mut SecHandle,
    output: *mut SecBufferDesc,
    attributes: *mut u32,
    expiry: *mut i64,
) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe {
        provider::AcceptSecurityContext(
            credential,
            context,
            input,
            requirements,
            data_representation,
            new_context,
            output,
            attributes,
            expiry,
        )
    }
}

/// See [`secpkg_test_provider::CompleteAuthToken`].
///
/// # Safety
/// As there.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn CompleteAuthToken(context: *mut SecHandle, token: *mut SecBufferDesc) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe { provider::CompleteAuthToken(context, token) }
}

/// See [`secpkg_test_provider::QueryContextAttributesW`].
///
/// # Safety
/// As there.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn QueryContextAttributesW(
    context: *mut SecHandle,
    attribute: u32,
    buffer: *mut c_void,
) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe { provider::QueryContextAttributesW(context, attribute, buffer) }
}

/// See [`secpkg_test_provider::DeleteSecurityContext`].
///
/// # Safety
/// As there.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn DeleteSecurityContext(context: *mut SecHandle) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe { provider::DeleteSecurityContext(context) }
}

/// See [`secpkg_test_provider::SetContextAttributesW`].
///
/// # Safety
/// As there.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn SetContextAttributesW(
    context: *mut SecHandle,
    attribute: u32,
    buffer: *mut c_void,
    size: u32,
) -> SECURITY_STATUS {
    // SAFETY: the caller upholds the same contract.
    unsafe { provider::SetContextAttributesW(context, attribute, buffer, size) }
}

/// The environment variable naming a file that loading this library creates (from an ELF
/// constructor, before any function is called), holding the `Uid:` line of the loading process
/// (real, effective, saved, filesystem): how a test sees that, and as whom, a process loaded
/// the library, even when it calls nothing in it.
pub const LOADED_MARKER_VAR: &str = "SECPKG_TEST_PROVIDER_LOADED";

/// Runs when the dynamic loader maps the library, as a C `__attribute__((constructor))` does.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static MARK_LOADED: extern "C" fn() = mark_loaded;

#[cfg(target_os = "linux")]
extern "C" fn mark_loaded() {
    let Some(marker) = std::env::var_os(LOADED_MARKER_VAR).filter(|m| !m.is_empty()) else { return };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find(|line| line.starts_with("Uid:")).unwrap_or("Uid: unknown");
    // Nothing may unwind out of a constructor, and a failure has no one to report to.
    let _ = std::fs::write(marker, format!("{uid}\n"));
}
