//! `Provider::system` honours SECPKG_PROVIDER outside Windows. Its own test binary, since it
//! sets the process environment.
#![cfg(not(windows))]

mod common;

#[test]
fn secpkg_provider_names_the_system_provider() {
    let library = common::test_provider_library();
    // SAFETY: this binary's only test; no other thread reads the environment meanwhile.
    unsafe { std::env::set_var("SECPKG_PROVIDER", &library) };
    let provider = secpkg::Provider::system().unwrap();
    assert_eq!(provider.origin(), library.display().to_string());
    assert_eq!(provider.packages().unwrap().len(), 4);
    // SAFETY: as above.
    unsafe { std::env::set_var("SECPKG_PROVIDER", "/nonexistent/provider.so") };
    let error = secpkg::Provider::system().unwrap_err();
    assert!(error.to_string().contains("/nonexistent/provider.so"), "{error}");
}
