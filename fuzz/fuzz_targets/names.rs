//! Package names and capability text from the command line: `PackageName` from any `&str`, as a
//! query passes it to the (test) provider, and `str::parse` for a capability (what `secpkg list
//! --require` parses each name with), a capability set, a package id and a status. What parses
//! prints back to text that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpkg::{Capabilities, Capability, Error, PackageId, PackageName, Provider, Status};
use secpkg_test_provider::{Scenario, default_packages, install, stats, table};
use std::fmt::Debug;
use std::str::FromStr;

/// `text` parses to a value that prints back to text of the same value, or to an error that
/// says something.
fn round_trip<T: FromStr<Err: std::fmt::Display> + std::fmt::Display + PartialEq + Debug>(text: &str) {
    match text.parse::<T>() {
        Ok(value) => {
            let printed = value.to_string();
            let again = printed.parse::<T>().unwrap_or_else(|e| panic!("{text:?} -> {printed:?} does not parse: {e}"));
            assert_eq!(again, value, "{text:?} -> {printed:?}");
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

fuzz_target!(|text: &str| {
    round_trip::<Capability>(text);
    round_trip::<Capabilities>(text);
    round_trip::<PackageId>(text);
    round_trip::<Status>(text);
    if let Ok(flag) = text.parse::<Capability>() {
        assert_eq!(Capability::from_name(flag.name()), Some(flag));
        assert_eq!(Capabilities::from(flag).bits().count_ones(), 1);
    }

    let name = PackageName::from(text);
    assert_eq!((name.as_str(), name.is_prepared()), (text, false));
    assert_eq!(format!("{name}"), text);
    let guard = install(Scenario::default());
    // SAFETY: the test provider's functions keep the SSPI contract and are static.
    let provider = unsafe { Provider::from_table(&table(), "fuzz") };
    let known = default_packages();
    match provider.query(name) {
        Ok(info) => {
            assert!(known.iter().any(|p| p.name == info.name), "{info:?} is a package of the provider");
            assert!(
                info.name.eq_ignore_ascii_case(text) || info.name.to_uppercase() == text.to_uppercase(),
                "{text:?}"
            );
        }
        Err(Error::NotFound { name }) => {
            assert_eq!(name, text);
            assert!(!known.iter().any(|p| p.name == text), "{text:?} is listed, so it is found");
        }
        Err(Error::InvalidName { name, reason }) => {
            assert_eq!(name, text);
            assert!(text.is_empty() || text.contains('\0'), "{text:?} refused: {reason}");
        }
        Err(other) => panic!("{text:?}: {other}"),
    }
    drop(provider);
    let counted = stats();
    assert_eq!((counted.live, counted.bad_frees), (0, 0), "{counted:?}");
    drop(guard);
});
