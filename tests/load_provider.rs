//! The real dynamic-loading path: the test provider built as a shared library (a DLL on
//! Windows), loaded by path like any third-party provider.

mod common;

use common::test_provider_library;
use secpkg::{Error, Provider};

#[test]
fn the_library_lists_and_finds_its_packages() {
    // SAFETY: the test provider (an SSPI provider), or a library without InitSecurityInterfaceW,
    // which is refused before any call.
    let provider = unsafe { Provider::load(test_provider_library()) }.unwrap();
    assert_eq!(provider.origin(), test_provider_library());
    assert!(provider.interface_version().is_known());
    let packages = provider.packages().unwrap().into_vec().unwrap();
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Negotiate", "Kerberos", "NTLM", "Schannel"]);
    for listed in &packages {
        assert_eq!(&provider.query(&listed.name).unwrap(), listed);
        assert_eq!(provider.query(&listed.name.to_uppercase()).unwrap().name, listed.name);
    }
    assert!(matches!(provider.query("Bogus"), Err(Error::NotFound { .. })));
}

#[test]
fn a_missing_library_is_a_load_error_naming_it() {
    // SAFETY: the test provider (an SSPI provider), or a library without InitSecurityInterfaceW,
    // which is refused before any call.
    let error = unsafe { Provider::load("/nonexistent/libsspi-provider.so") }.unwrap_err();
    assert!(matches!(&error, Error::Load { path, .. } if path.ends_with("libsspi-provider.so")), "{error}");
    assert_eq!(error.to_string(), "cannot load the SSPI provider /nonexistent/libsspi-provider.so");
    // libloading's error is the source; dlerror names the file, Windows' LoadLibraryExW does not.
    let sources = common::sources(&error);
    assert!(cfg!(windows) || sources.contains("libsspi-provider.so"), "{sources}");
}

#[test]
fn a_library_without_the_sspi_entry_point_is_refused() {
    // Any shared library that is not a provider: the test binary's own directory holds the
    // proc-macro and other dependencies; the C library is on every system.
    let not_a_provider = if cfg!(windows) { "kernel32.dll" } else { "libc.so.6" };
    // SAFETY: the test provider (an SSPI provider), or a library without InitSecurityInterfaceW,
    // which is refused before any call.
    let error = unsafe { Provider::load(not_a_provider) }.unwrap_err();
    assert!(matches!(&error, Error::NotAProvider { path, .. } if path.ends_with(not_a_provider)), "{error}");
    assert!(error.to_string().contains("InitSecurityInterfaceW"), "{error}");
    // dlerror names the symbol, Windows' GetProcAddress does not.
    let sources = common::sources(&error);
    assert!(cfg!(windows) || sources.contains("InitSecurityInterfaceW"), "{sources}");
}

/// A library path that is not UTF-8 (Linux allows any bytes but `/` and NUL) is kept whole.
#[cfg(unix)]
#[test]
fn a_non_utf8_library_path_is_the_origin_as_it_was() {
    use std::os::unix::ffi::OsStrExt;
    let dir = std::env::temp_dir().join(format!("secpkg-origin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join(std::ffi::OsStr::from_bytes(b"provider-\xff.so"));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(test_provider_library(), &link).unwrap();
    // SAFETY: a link to the test provider, an SSPI provider.
    let provider = unsafe { Provider::load(&link) }.unwrap();
    assert_eq!(provider.origin().as_os_str().as_bytes(), link.as_os_str().as_bytes());
    assert_eq!(provider.packages().unwrap().len(), 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The library's `InitSecurityInterfaceW` runs once for the life of the process, however many
/// times and by whatever path the library is loaded: later loads reuse its table.
#[test]
fn init_security_interface_is_called_once_per_library() {
    let library = test_provider_library();
    let copies = std::env::temp_dir().join(format!("secpkg-init-once-{}", std::process::id()));
    std::fs::create_dir_all(&copies).unwrap();
    // Another path to the same file: the dynamic loader knows it for the same library.
    let other_path = copies.join(library.file_name().unwrap());
    let _ = std::fs::remove_file(&other_path);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&library, &other_path).unwrap();
    let linked = cfg!(unix);
    for _ in 0..3 {
        // SAFETY: the test provider, an SSPI provider.
        let provider = unsafe { Provider::load(&library) }.unwrap();
        assert_eq!(provider.packages().unwrap().len(), 4);
        if linked {
            // SAFETY: the same library by another path.
            let provider = unsafe { Provider::load(&other_path) }.unwrap();
            assert_eq!(provider.origin(), other_path);
        }
    }
    // SAFETY: the test provider exports this counter with this signature; the handle is the
    // already loaded library's.
    let calls = unsafe {
        let loaded = libloading::Library::new(&library).unwrap();
        let counter = loaded.get::<unsafe extern "C" fn() -> u64>(b"secpkg_test_provider_init_calls\0").unwrap();
        let calls = counter();
        std::mem::forget(loaded);
        calls
    };
    assert_eq!(calls, 1, "InitSecurityInterfaceW calls in this process");
    std::fs::remove_dir_all(&copies).unwrap();
}
