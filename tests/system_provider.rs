//! The real system provider: WinPR on Linux, secur32 on Windows (Wine's in CI). Every fact is
//! checked against a second path to the same provider.

mod common;

use secpkg::{Error, InterfaceVersion, PackageInfo, PackageName, Provider};

fn system() -> Option<Provider> {
    match Provider::system() {
        Ok(provider) => Some(provider),
        Err(error @ (Error::NoProvider { .. } | Error::Load { .. })) => {
            if common::providers_required() {
                panic!("SECPKG_REQUIRE_PROVIDERS=1, but there is no system provider: {error}");
            }
            eprintln!("skipped: no system SSPI provider: {error}");
            None
        }
        Err(error) => panic!("the system provider failed: {error}"),
    }
}

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn every_listed_package_is_found_again_by_query() {
    let Some(provider) = system() else { return };
    let packages = provider.packages().unwrap().into_vec().unwrap();
    assert!(!packages.is_empty(), "{} lists no package", provider.origin().display());
    for listed in &packages {
        let queried = provider.query(&listed.name).unwrap();
        assert_eq!(&queried, listed, "query({:?}) differs from the listed record", listed.name);
    }
    eprintln!("{}: {} packages, each found again by query", provider.origin().display(), packages.len());
}

/// A name prepared at compile time reaches the real provider as the same name: for each
/// well-known package the provider lists, the prepared query, the borrowed one and the query by
/// `&str` give the listed record.
#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn prepared_names_find_what_text_names_find() {
    let Some(provider) = system() else { return };
    let listed = provider.packages().unwrap().into_vec().unwrap();
    let mut found = Vec::new();
    for name in [PackageName::NEGOTIATE, PackageName::KERBEROS, PackageName::NTLM] {
        let Some(record) = listed.iter().find(|p| p.name == name.as_str()) else { continue };
        assert_eq!(provider.query(name).unwrap(), *record, "{name}");
        assert_eq!(provider.query_in_place(name).unwrap().into_info().unwrap(), *record, "{name}");
        assert_eq!(provider.query(name.as_str()).unwrap(), *record, "{name}");
        found.push(name);
    }
    // WinPR and secur32 both list Negotiate, the package clients size their buffers by.
    assert!(found.contains(&PackageName::NEGOTIATE), "{} lists no Negotiate", provider.origin().display());
    eprintln!("{}: prepared names {found:?} found the listed records", provider.origin().display());
}

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn a_bogus_name_is_not_found() {
    let Some(provider) = system() else { return };
    let error = provider.query("secpkg-no-such-package").unwrap_err();
    assert!(matches!(&error, Error::NotFound { name } if name == "secpkg-no-such-package"), "{error}");
}

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn the_table_version_is_a_known_one() {
    let Some(provider) = system() else { return };
    let version = provider.interface_version();
    assert!(version.is_known(), "dwVersion {version} is no SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION");
    assert_ne!(version, InterfaceVersion(0));
}

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn the_convenience_functions_agree_with_the_provider() {
    let Some(provider) = system() else { return };
    let listed = provider.packages().unwrap().into_vec().unwrap();
    assert_eq!(secpkg::packages().unwrap(), listed);
    let first: &PackageInfo = &listed[0];
    assert_eq!(secpkg::query(&first.name).unwrap(), *first);
    assert_eq!(secpkg::max_token(&first.name).unwrap(), first.max_token);
}

/// Wine's secur32 (and Windows) list these, with tokens to size and no capability bit outside
/// the SDK's set.
#[cfg(windows)]
#[test]
fn windows_lists_the_well_known_packages() {
    let provider = Provider::system().expect("secur32 is always there on Windows");
    let packages = provider.packages().unwrap().into_vec().unwrap();
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    for expected in ["Negotiate", "Kerberos", "Schannel"] {
        assert!(names.iter().any(|n| n.eq_ignore_ascii_case(expected)), "{expected} missing from {names:?}");
    }
    assert!(secpkg::max_token("Negotiate").unwrap() > 0);
    for package in &packages {
        assert_eq!(package.capabilities.unknown_bits(), 0, "{}: {}", package.name, package.capabilities);
    }
}

/// The table's EnumerateSecurityPackagesW and the one linked from secur32 give the same list.
#[cfg(windows)]
#[test]
fn the_table_agrees_with_the_linked_functions() {
    use secpkg_sys::{EnumerateSecurityPackagesW, FreeContextBuffer, SEC_E_OK, SecPkgInfoW};
    let from_table = Provider::system().unwrap().packages().unwrap().into_vec().unwrap();
    let mut count = 0u32;
    let mut array: *mut SecPkgInfoW = std::ptr::null_mut();
    // SAFETY: secur32's EnumerateSecurityPackagesW fills both out-pointers on success.
    assert_eq!(unsafe { EnumerateSecurityPackagesW(&mut count, &mut array) }, SEC_E_OK);
    // SAFETY: on success `array` holds `count` records until FreeContextBuffer.
    let records = unsafe { std::slice::from_raw_parts(array, count as usize) };
    let linked: Vec<PackageInfo> =
        // SAFETY: the records' strings are secur32's NUL-terminated UTF-16, valid until freed below.
        records.iter().map(|r| unsafe { PackageInfo::from_raw(r) }.unwrap()).collect();
    // SAFETY: `array` came from EnumerateSecurityPackagesW and is freed once, here.
    assert_eq!(unsafe { FreeContextBuffer(array.cast()) }, SEC_E_OK);
    assert_eq!(from_table, linked);
}

/// secur32 takes no lock (see `Provider`): 16 threads each holding 8 lists at once, 20 rounds,
/// on the real secur32 (Wine's in CI) must give the same list every time. (On Linux the same
/// load runs against WinPR in child processes: tests/threads.rs.)
#[cfg(windows)]
#[test]
fn secur32_unlocked_serves_many_threads_holding_many_buffers() {
    let expected: Vec<String> =
        Provider::system().unwrap().packages().unwrap().iter().map(|p| p.name().to_string()).collect();
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| {
                for _ in 0..20 {
                    let provider = Provider::system().unwrap();
                    let held: Vec<_> = (0..8).map(|_| provider.packages().unwrap()).collect();
                    for packages in &held {
                        let names: Vec<String> = packages.iter().map(|p| p.name().to_string()).collect();
                        assert_eq!(names, expected);
                    }
                }
            });
        }
    });
}

/// Windows matches package names ignoring case, and so does secpkg on any provider: on WinPR,
/// which compares exactly, `max_token("negotiate")` finds Negotiate, as `query` and
/// `query_in_place` find every listed package by its name in other letter cases.
#[test]
fn names_match_ignoring_case_as_on_windows() {
    let Some(provider) = system() else { return };
    let listed = provider.packages().unwrap().into_vec().unwrap();
    let negotiate = listed.iter().find(|p| p.name == "Negotiate").expect("the provider lists Negotiate");
    assert_eq!(secpkg::max_token("negotiate").unwrap(), negotiate.max_token);
    assert_eq!(secpkg::query("NEGOTIATE").unwrap(), *negotiate);
    for package in &listed {
        for asked in [package.name.to_lowercase(), package.name.to_uppercase()] {
            assert_eq!(provider.query(&asked).unwrap(), *package, "query({asked:?})");
            let in_place = provider.query_in_place(&asked).unwrap();
            assert_eq!(in_place.package().name(), package.name.as_str(), "query_in_place({asked:?})");
        }
    }
    eprintln!("{}: {} packages found in lower and upper case", provider.origin().display(), listed.len());
}
