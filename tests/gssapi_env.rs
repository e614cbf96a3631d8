//! `SECPKG_GSSAPI_LIB` chooses the library of `Gssapi::system`, with no fallback. Its own test
//! binary, with one test, because it sets the process environment.
#![cfg(all(unix, feature = "gssapi"))]

use secpkg::Error;
use secpkg::gssapi::{self, Gssapi};

/// A library the test needs is missing: a failure when CI requires every provider
/// (`SECPKG_REQUIRE_PROVIDERS=1`), else one `skipped: …` line; the caller then returns.
fn skip(why: &str) {
    if std::env::var_os("SECPKG_REQUIRE_PROVIDERS").is_some_and(|v| v == "1") {
        panic!("SECPKG_REQUIRE_PROVIDERS=1, but {why}");
    }
    eprintln!("skipped: {why}");
}

#[test]
fn secpkg_gssapi_lib_overrides_the_default_and_never_falls_back() {
    let set = |value: &str| {
        // SAFETY: this binary's only test runs on one thread; nothing else reads the environment.
        unsafe { std::env::set_var("SECPKG_GSSAPI_LIB", value) }
    };

    set("/nonexistent/libgssapi.so");
    let error = Gssapi::system().unwrap_err();
    assert!(
        matches!(&error, Error::GssapiLoad { path, .. } if path.as_os_str() == "/nonexistent/libgssapi.so"),
        "{error:?}"
    );
    assert!(matches!(gssapi::mechanisms(), Err(Error::GssapiLoad { .. })));

    // Heimdal is never the default where MIT is installed, so choosing it shows the override.
    if Gssapi::load("libgssapi.so.3").is_err() {
        skip("libgssapi.so.3 is not installed (Debian: apt install libgssapi3-heimdal)");
        return;
    }
    set("libgssapi.so.3");
    let system = Gssapi::system().unwrap();
    assert_eq!(system.library_name(), "libgssapi.so.3");
    let direct = Gssapi::load("libgssapi.so.3").unwrap().mechanisms().unwrap();
    assert!(!direct.is_empty());
    assert_eq!(system.mechanisms().unwrap(), direct);
    assert_eq!(gssapi::mechanisms().unwrap(), direct);
}
