//! `SECPKG_GSSAPI_LIB` chooses the library only where the user asks for it (`Gssapi::from_env`,
//! with no fallback), never for `Gssapi::system`, and an empty value is unset. Its own test
//! binary, with one test, because it sets the process environment.
#![cfg(all(unix, feature = "gssapi"))]

use secpkg::Error;
use secpkg::gssapi::{GSSAPI_VAR, Gssapi};

/// A library the test needs is missing: a failure when CI requires every provider
/// (`SECPKG_REQUIRE_PROVIDERS=1`), else one `skipped: …` line; the caller then returns.
fn skip(why: &str) {
    if std::env::var_os("SECPKG_REQUIRE_PROVIDERS").is_some_and(|v| v == "1") {
        panic!("SECPKG_REQUIRE_PROVIDERS=1, but {why}");
    }
    eprintln!("skipped: {why}");
}

#[test]
fn only_from_env_reads_secpkg_gssapi_lib() {
    let set = |value: &str| {
        // SAFETY: this binary's only test runs on one thread; nothing else reads the environment.
        unsafe { std::env::set_var(GSSAPI_VAR, value) }
    };

    set("/nonexistent/libgssapi.so");
    // SAFETY: a path that does not exist loads nothing.
    let error = unsafe { Gssapi::from_env() }.unwrap_err();
    assert!(
        matches!(&error, Error::GssapiLoad { path, .. } if path.as_os_str() == "/nonexistent/libgssapi.so"),
        "{error:?}"
    );

    // Heimdal is never the default where MIT is installed, so choosing it shows the override.
    // SAFETY: Heimdal's GSSAPI library.
    if unsafe { Gssapi::load("libgssapi.so.3") }.is_err() {
        skip("libgssapi.so.3 is not installed (Debian: apt install libgssapi3-heimdal)");
        return;
    }
    set("libgssapi.so.3");
    // SAFETY: the variable names Heimdal's GSSAPI library.
    let chosen = unsafe { Gssapi::from_env() }.unwrap();
    assert_eq!(chosen.library_name(), "libgssapi.so.3");
    // SAFETY: as above.
    let direct = unsafe { Gssapi::load("libgssapi.so.3") }.unwrap().mechanisms().unwrap();
    assert!(!direct.is_empty());
    assert_eq!(chosen.mechanisms().unwrap(), direct);

    // The system's library, and the functions built on it, ignore the variable.
    let system = Gssapi::system().unwrap();
    assert_ne!(system.library_name(), "libgssapi.so.3");
    assert_eq!(secpkg::gssapi::mechanisms().unwrap(), system.mechanisms().unwrap());

    // Empty is unset: the system's library, never the main program that dlopen("") would give.
    set("");
    // SAFETY: the variable names no library.
    assert_eq!(unsafe { Gssapi::from_env() }.unwrap().library_name(), system.library_name());
}
