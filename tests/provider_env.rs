//! `SECPKG_PROVIDER` names a provider only where the user asks for it (`Provider::from_env`),
//! never for `Provider::system` or `secpkg::packages`, and an empty value is unset. Its own test
//! binary, with one test, since it sets the process environment.
#![cfg(not(windows))]

mod common;

use secpkg::{PROVIDER_VAR, Provider};

#[test]
fn only_from_env_reads_secpkg_provider() {
    let library = common::test_provider_library();
    let set = |value: &std::ffi::OsStr| {
        // SAFETY: this binary's only test; no other thread reads the environment meanwhile.
        unsafe { std::env::set_var(PROVIDER_VAR, value) }
    };
    set(library.as_os_str());
    // SAFETY: the variable names the test provider, an SSPI provider library.
    let provider = unsafe { Provider::from_env() }.unwrap();
    assert_eq!(provider.origin(), library);
    assert_eq!(provider.packages().unwrap().len(), 4);
    assert_eq!(Provider::named_by_env(), Some(library.clone()));

    // The system provider, and the functions built on it, are WinPR's whatever the variable says.
    match Provider::system() {
        Ok(system) => {
            assert_ne!(system.origin(), library);
            assert_eq!(secpkg::packages().unwrap(), system.packages().unwrap().into_vec().unwrap());
        }
        Err(error) => assert!(matches!(error, secpkg::Error::NoProvider { .. }), "{error}"),
    }

    set("/nonexistent/provider.so".as_ref());
    // SAFETY: a path that does not exist loads nothing.
    let error = unsafe { Provider::from_env() }.unwrap_err();
    assert!(error.to_string().contains("/nonexistent/provider.so"), "{error}");

    // Empty is unset: the system's provider, never the main program that dlopen("") would give.
    set("".as_ref());
    assert_eq!(Provider::named_by_env(), None);
    // SAFETY: the variable names no library.
    let from_env = unsafe { Provider::from_env() }.map(|provider| provider.origin().to_owned());
    let system = Provider::system().map(|provider| provider.origin().to_owned());
    assert_eq!(from_env.ok(), system.ok());
}
