//! The safe layer against a fake provider that counts every allocation and every
//! FreeContextBuffer: each scenario ends with everything the provider allocated freed exactly
//! once, and nothing else freed. Run under valgrind by scripts/test, which also catches reads
//! after free.

use secpkg::{
    Capabilities, Capability, Error, InterfaceVersion, InvalidItem, Operation, PackageId, PackageInfo, Provider, Status,
};
use secpkg_sys::{SEC_E_INSUFFICIENT_MEMORY, SEC_E_INTERNAL_ERROR};
use secpkg_test_provider::{Package, Scenario, ScenarioGuard, install, stats, table};

fn package(name: &str, rpc_id: u16, max_token: u32) -> Package {
    Package {
        name: name.to_owned(),
        comment: Some(format!("{name} comment")),
        capabilities: 0x0000_0003,
        version: 1,
        rpc_id,
        max_token,
        ..Package::default()
    }
}

fn three() -> Vec<Package> {
    vec![package("Negotiate", 9, 48256), package("Kerberos", 16, 48000), package("NTLM", 10, 2888)]
}

/// With the fake linked into this binary, the system's SSPI functions are still the system's:
/// the fake exports no symbol (its provider library is the separate secpkg-test-provider-dll).
/// When it did, the linker bound `secpkg_sys::InitSecurityInterfaceW` to it.
#[cfg(windows)]
#[test]
fn linking_the_fake_leaves_the_system_provider_alone() {
    let _guard = install(Scenario { packages: vec![package("FakeOnly", 1, 1)], ..Scenario::default() });
    let listed = Provider::system().unwrap().packages().unwrap().into_vec().unwrap();
    let names: Vec<&str> = listed.iter().map(|p| p.name.as_str()).collect();
    assert!(names.contains(&"Negotiate") && !names.contains(&"FakeOnly"), "{names:?}");
    assert_eq!(stats().enumerate_calls, 0);
}

/// Installs `scenario` and builds a provider over the fake's table.
fn fake(scenario: Scenario) -> (ScenarioGuard, Provider) {
    let guard = install(scenario);
    // SAFETY: the fake's functions follow the SSPI contract and are static.
    let provider = unsafe { Provider::from_table(&table(), "fake") };
    (guard, provider)
}

fn with_packages(packages: Vec<Package>) -> Scenario {
    Scenario { packages, ..Scenario::default() }
}

/// Every allocation was freed once, and nothing else was passed to FreeContextBuffer.
#[track_caller]
fn assert_balanced() {
    let s = stats();
    assert_eq!(s.allocations, s.frees, "allocations vs frees: {s:?}");
    assert_eq!(s.bad_frees, 0, "foreign or double frees: {s:?}");
    assert_eq!(s.live, 0, "{s:?}");
}

#[test]
fn success_lists_every_field_and_frees_once() {
    let (_guard, provider) = fake(with_packages(three()));
    let packages = provider.packages().unwrap();
    assert_eq!(packages.len(), 3);
    let first = packages.get(0).unwrap();
    assert!(first.name() == "Negotiate");
    assert_eq!(first.comment().to_string_lossy(), "Negotiate comment");
    assert_eq!(first.rpc_id(), PackageId::RPC_C_AUTHN_GSS_NEGOTIATE);
    assert_eq!(first.max_token(), 48256);
    assert_eq!(first.version(), 1);
    assert_eq!(first.capabilities(), Capability::Integrity | Capability::Privacy);
    assert!(packages.get(3).is_none());
    let names: Vec<String> = packages.iter().map(|p| p.name().to_string()).collect();
    assert_eq!(names, ["Negotiate", "Kerberos", "NTLM"]);
    assert_eq!(stats().allocations, 1);
    assert_eq!(stats().frees, 0, "nothing is freed while the packages are in use");
    drop(packages);
    assert_balanced();
    assert_eq!(stats().frees, 1);
}

#[test]
fn owned_copies_equal_the_views_and_into_vec_frees() {
    let (_guard, provider) = fake(with_packages(three()));
    let packages = provider.packages().unwrap();
    let owned = packages.to_vec().unwrap();
    for (view, info) in packages.iter().zip(&owned) {
        assert_eq!(view.to_info().unwrap(), *info);
    }
    assert_eq!(
        owned[1],
        PackageInfo {
            capabilities: Capabilities::from_bits_retain(3),
            version: 1,
            rpc_id: PackageId::RPC_C_AUTHN_GSS_KERBEROS,
            max_token: 48000,
            name: "Kerberos".into(),
            comment: "Kerberos comment".into(),
        }
    );
    assert_eq!(packages.into_vec().unwrap(), owned);
    assert_balanced();
}

#[test]
fn zero_packages_with_a_null_array_frees_nothing() {
    let (_guard, provider) = fake(Scenario { enumerate_null_array: true, ..with_packages(vec![]) });
    let packages = provider.packages().unwrap();
    assert!(packages.is_empty());
    assert_eq!(packages.iter().count(), 0);
    assert!(packages.into_vec().unwrap().is_empty());
    assert_eq!(stats().frees, 0);
    assert_balanced();
}

#[test]
fn zero_packages_with_an_array_still_frees_it() {
    let (_guard, provider) = fake(Scenario { enumerate_empty_non_null: true, ..with_packages(three()) });
    let packages = provider.packages().unwrap();
    assert!(packages.is_empty());
    drop(packages);
    assert_eq!(stats().frees, 1);
    assert_balanced();
}

#[test]
fn a_count_with_a_null_array_is_invalid_data() {
    let (_guard, provider) = fake(Scenario { enumerate_null_array: true, ..with_packages(three()) });
    let error = provider.packages().unwrap_err();
    assert!(
        matches!(&error, Error::InvalidData { item: InvalidItem::PackageArray, what } if what.contains("3 records and a null array")),
        "{error}"
    );
    assert_eq!(stats().frees, 0);
    assert_balanced();
}

#[test]
fn an_error_status_frees_nothing_and_ignores_the_out_pointers() {
    let (_guard, provider) =
        fake(Scenario { enumerate_status: Some(SEC_E_INSUFFICIENT_MEMORY), ..with_packages(three()) });
    let error = provider.packages().unwrap_err();
    assert_eq!(error.status(), Some(Status::SEC_E_INSUFFICIENT_MEMORY));
    assert_eq!(error.operation(), Some(Operation::EnumerateSecurityPackages));
    assert_eq!(error.to_string(), "EnumerateSecurityPackagesW failed: SEC_E_INSUFFICIENT_MEMORY (0x80090300)");
    assert_eq!(stats().frees, 0, "the garbage out-pointer must not be freed");
    assert_balanced();
}

#[test]
fn a_null_name_is_empty_in_view_and_an_error_when_owned() {
    let mut packages = three();
    packages[1].name_null = true;
    let (_guard, provider) = fake(with_packages(packages));
    let listed = provider.packages().unwrap();
    assert!(listed.get(1).unwrap().name().is_empty());
    let error = listed.to_vec().unwrap_err();
    assert!(
        matches!(&error, Error::InvalidData { item: InvalidItem::PackageName, what } if what == "Name is a null or misaligned pointer"),
        "{error}"
    );
    drop(listed);
    assert_balanced();
}

#[test]
fn a_null_comment_is_an_empty_comment() {
    let mut packages = three();
    packages[0].comment = None;
    let (_guard, provider) = fake(with_packages(packages));
    let owned = provider.packages().unwrap().into_vec().unwrap();
    assert_eq!(owned[0].comment, "");
    assert_eq!(owned[1].comment, "Kerberos comment");
    assert_balanced();
}

#[test]
fn an_unpaired_surrogate_is_lossy_in_view_and_an_error_when_owned() {
    let mut packages = three();
    packages[2].name_utf16 = Some(vec![0x4E, 0xD800, 0x4D]);
    let (_guard, provider) = fake(with_packages(packages));
    let listed = provider.packages().unwrap();
    let view = listed.get(2).unwrap();
    assert_eq!(view.name().as_units(), [0x4E, 0xD800, 0x4D]);
    assert_eq!(view.name().to_string_lossy(), "N\u{FFFD}M");
    assert!(view.name().to_string_checked().is_err());
    let error = listed.to_vec().unwrap_err();
    assert!(
        matches!(&error, Error::InvalidData { item: InvalidItem::PackageName, what } if what.starts_with("Name is not valid UTF-16")),
        "{error}"
    );
    drop(listed);
    assert_balanced();
}

#[test]
fn a_64ki_character_name_is_kept_whole() {
    let long: String = "ab".repeat(32 * 1024);
    let (_guard, provider) = fake(with_packages(vec![package(&long, 9, 1)]));
    let owned = provider.packages().unwrap().into_vec().unwrap();
    assert_eq!(owned[0].name.len(), 65536);
    assert_eq!(owned[0].name, long);
    let queried = provider.query(&long).unwrap();
    assert_eq!(queried, owned[0]);
    assert_balanced();
}

#[test]
fn non_ascii_names_round_trip() {
    let names = ["Kerberös", "认证包", "🔐 Schannel", "Ωμέγα"];
    let (_guard, provider) = fake(with_packages(names.iter().map(|n| package(n, 14, 10)).collect()));
    let owned = provider.packages().unwrap().into_vec().unwrap();
    let got: Vec<&str> = owned.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(got, names);
    for name in names {
        assert_eq!(provider.query(name).unwrap().name, name);
    }
    assert_balanced();
}

#[test]
fn all_32_capability_bits_are_kept() {
    let mut packages = three();
    packages[0].capabilities = u32::MAX;
    let (_guard, provider) = fake(with_packages(packages));
    let listed = provider.packages().unwrap();
    let caps = listed.get(0).unwrap().capabilities();
    assert_eq!(caps.bits(), u32::MAX);
    assert_eq!(caps.unknown_bits(), !Capabilities::all().bits());
    assert_eq!(caps.flags().count(), Capability::ALL.len());
    // bitflags' own iteration gives one set per flag, then the unknown bits as one more.
    assert_eq!(caps.iter().count(), Capability::ALL.len() + 1);
    assert_eq!(caps.iter().last().map(|rest| rest.bits()), Some(caps.unknown_bits()));
    assert_eq!(listed.to_vec().unwrap()[0].capabilities.bits(), u32::MAX);
    drop(listed);
    assert_balanced();
}

#[test]
fn a_panic_while_reading_still_frees_once() {
    let (_guard, provider) = fake(with_packages(three()));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let listed = provider.packages().unwrap();
        for package in listed.iter() {
            if package.name() == "Kerberos" {
                panic!("a caller's conversion panics");
            }
        }
    }));
    assert!(result.is_err());
    assert_eq!(stats().frees, 1);
    assert_balanced();
}

#[test]
fn packages_dropped_unread_are_freed() {
    let (_guard, provider) = fake(with_packages(three()));
    for _ in 0..5 {
        drop(provider.packages().unwrap());
    }
    assert_eq!(stats().allocations, 5);
    assert_balanced();
}

#[test]
fn a_missing_enumerate_function_is_unsupported() {
    let (_guard, provider) =
        fake(Scenario { missing: vec!["EnumerateSecurityPackagesW".into()], ..with_packages(three()) });
    let error = provider.packages().unwrap_err();
    assert!(matches!(error, Error::Unsupported { function: "EnumerateSecurityPackagesW" }), "{error}");
    assert!(provider.query("NTLM").is_ok(), "query does not need it");
    assert_balanced();
}

#[test]
fn a_missing_query_function_is_unsupported() {
    let (_guard, provider) =
        fake(Scenario { missing: vec!["QuerySecurityPackageInfoW".into()], ..with_packages(three()) });
    let error = provider.query("NTLM").unwrap_err();
    assert!(matches!(error, Error::Unsupported { function: "QuerySecurityPackageInfoW" }), "{error}");
    assert_eq!(provider.packages().unwrap().len(), 3, "enumeration does not need it");
    assert_balanced();
}

#[test]
fn a_missing_free_function_stops_before_anything_is_allocated() {
    let (_guard, provider) = fake(Scenario { missing: vec!["FreeContextBuffer".into()], ..with_packages(three()) });
    for error in [provider.packages().map(drop).unwrap_err(), provider.query("NTLM").map(drop).unwrap_err()] {
        assert!(matches!(error, Error::Unsupported { function: "FreeContextBuffer" }), "{error}");
    }
    assert_eq!((stats().enumerate_calls, stats().query_calls, stats().allocations), (0, 0, 0));
}

#[test]
fn a_failing_free_is_reported_once_and_not_retried() {
    let (_guard, provider) = fake(Scenario { free_status: Some(SEC_E_INTERNAL_ERROR), ..with_packages(three()) });
    let error = provider.packages().unwrap().into_vec().unwrap_err();
    assert_eq!(error.operation(), Some(Operation::FreeContextBuffer));
    assert_eq!(error.status(), Some(Status::SEC_E_INTERNAL_ERROR));
    let error = provider.packages().unwrap().close().unwrap_err();
    assert_eq!(error.operation(), Some(Operation::FreeContextBuffer));
    let error = provider.query("NTLM").unwrap_err();
    assert_eq!(error.operation(), Some(Operation::FreeContextBuffer));
    drop(provider.packages().unwrap());
    assert_eq!(stats().frees, 4, "one FreeContextBuffer per buffer, failing or not");
    assert_balanced();
}

#[test]
fn a_provider_that_cannot_free_is_not_asked_twice() {
    let (_guard, provider) = fake(Scenario { free_rejects: true, ..with_packages(three()) });
    let error = provider.packages().unwrap().close().unwrap_err();
    assert_eq!(error.status(), Some(Status::SEC_E_INVALID_HANDLE));
    let s = stats();
    assert_eq!((s.allocations, s.frees, s.bad_frees, s.live), (1, 0, 0, 1), "the provider's own leak: {s:?}");
}

#[test]
fn query_returns_the_listed_record_and_frees_it() {
    let (_guard, provider) = fake(with_packages(three()));
    let listed = provider.packages().unwrap().into_vec().unwrap();
    for info in &listed {
        assert_eq!(&provider.query(&info.name).unwrap(), info);
    }
    assert_eq!(provider.query("negotiate").unwrap().name, "Negotiate", "names match ignoring case");
    assert_balanced();
    assert_eq!(stats().allocations, 1 + 4);
}

#[test]
fn an_unknown_name_is_not_found_after_one_search_of_the_listing() {
    let (_guard, provider) = fake(with_packages(three()));
    let error = provider.query("Bogus").unwrap_err();
    assert!(matches!(&error, Error::NotFound { name } if name == "Bogus"), "{error}");
    assert_eq!(error.to_string(), "no security package named 'Bogus'");
    assert_eq!(error.status(), Some(Status::SEC_E_SECPKG_NOT_FOUND));
    assert_eq!(std::io::Error::from(error).kind(), std::io::ErrorKind::NotFound);
    // The query found nothing; the listing searched ignoring case was freed.
    assert_eq!((stats().query_calls, stats().enumerate_calls, stats().frees), (1, 1, 1));
    assert_balanced();
}

#[test]
fn a_query_error_ignores_the_out_pointer() {
    let (_guard, provider) = fake(Scenario { query_status: Some(SEC_E_INTERNAL_ERROR), ..with_packages(three()) });
    let error = provider.query("NTLM").unwrap_err();
    assert_eq!(error.to_string(), "QuerySecurityPackageInfoW failed: SEC_E_INTERNAL_ERROR (0x80090304)");
    assert_eq!(stats().frees, 0);
    assert_balanced();
}

#[test]
fn names_that_cannot_be_passed_whole_are_refused_before_the_call() {
    let (_guard, provider) = fake(with_packages(three()));
    for name in ["", "NTLM\0Kerberos"] {
        let error = provider.query(name).unwrap_err();
        assert!(matches!(&error, Error::InvalidName { name: n, .. } if n == name), "{error}");
        assert_eq!(std::io::Error::from(error).kind(), std::io::ErrorKind::InvalidInput);
    }
    assert_eq!(stats().query_calls, 0);
}

#[test]
fn a_provider_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Provider>();
    let (_guard, provider) = fake(with_packages(three()));
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..25 {
                    assert_eq!(provider.packages().unwrap().len(), 3);
                    assert_eq!(provider.query("Kerberos").unwrap().max_token, 48000);
                }
            });
        }
    });
    assert_eq!(stats().allocations, 200);
    assert_balanced();
}

#[test]
fn a_misaligned_string_is_invalid_data_not_a_crash() {
    let bytes = [b'N', 0, b'T', 0, 0, 0, 0, 0];
    // One byte into the array: no u16 may be read there.
    let misaligned = bytes.as_ptr().wrapping_add(1).cast::<u16>().cast_mut();
    let name = [u16::from(b'N'), 0];
    let raw = secpkg_sys::SecPkgInfoW { Name: name.as_ptr().cast_mut(), Comment: misaligned, ..Default::default() };
    // SAFETY: Name is a NUL-terminated UTF-16 string; Comment is the contract breach under test.
    let error = unsafe { PackageInfo::from_raw(&raw) }.unwrap_err();
    assert!(
        matches!(&error, Error::InvalidData { item: InvalidItem::PackageComment, what } if what == "Comment is a misaligned pointer"),
        "{error}"
    );
}

/// What a contract breach in the array must give: the error, and never a read of the records.
/// (On code that does not check, the read happens here, of the first records.)
/// The error, and the fake's counters read while this test still holds the fake.
fn array_breach(scenario: Scenario) -> (Error, secpkg_test_provider::Stats) {
    let (_guard, provider) = fake(scenario);
    match provider.packages() {
        Err(error) => (error, stats()),
        Ok(packages) => {
            let read: Vec<u32> = packages.iter().take(4).map(|package| package.max_token()).collect();
            panic!("{} records were taken as valid, and read: max tokens {read:?}", packages.len())
        }
    }
}

#[test]
fn a_misaligned_array_is_invalid_data_and_is_not_read() {
    let (error, after) = array_breach(Scenario { enumerate_misaligned: true, ..with_packages(three()) });
    assert!(
        matches!(&error, Error::InvalidData { item: InvalidItem::PackageArray, what } if what.contains("EnumerateSecurityPackagesW") && what.contains("not aligned")),
        "{error}"
    );
    // The provider's buffer is still its own, given back once.
    assert_eq!((after.allocations, after.frees, after.bad_frees), (1, 1, 0), "{after:?}");
}

/// On 64-bit targets no u32 count of 56-byte records overflows `isize`; what does overflow is
/// the array's end, past the end of the address space: 4294967295 records from an address
/// 64 GiB below the top. (On i686, 4294967295 records of 20 bytes overflow `isize` itself.)
#[test]
fn a_count_whose_size_overflows_is_invalid_data_and_is_not_read() {
    let top = u64::MAX - (64 << 30) + 1;
    let (error, after) = array_breach(Scenario {
        enumerate_count: Some(u32::MAX),
        enumerate_array_address: Some(top),
        ..with_packages(three())
    });
    assert!(
        matches!(&error, Error::InvalidData { item: InvalidItem::PackageArray, what } if what.contains("EnumerateSecurityPackagesW") && what.contains("4294967295")),
        "{error}"
    );
    assert_eq!(after.allocations, 0, "{after:?}");
}

#[test]
fn a_query_read_in_place_equals_the_owned_one_and_frees_once() {
    let (_guard, provider) = fake(with_packages(three()));
    let owned = provider.query("Kerberos").unwrap();
    let in_place = provider.query_in_place("Kerberos").unwrap();
    assert_eq!(in_place.package().name(), "Kerberos");
    assert_eq!(in_place.package().max_token(), 48000);
    assert_eq!(in_place.package().to_info().unwrap(), owned);
    assert_eq!(format!("{in_place:?}"), format!("{:?}", in_place.package()));
    assert_eq!(stats().frees, 1, "the owned query freed its record; the borrowed one holds its own");
    drop(in_place);
    assert_eq!(stats().frees, 2);
    provider.query_in_place("NTLM").unwrap().close().unwrap();
    assert_eq!(provider.query_in_place("Negotiate").unwrap().into_info().unwrap().max_token, 48256);
    assert!(matches!(provider.query_in_place("Bogus"), Err(Error::NotFound { name }) if name == "Bogus"));
    assert_balanced();
    assert_eq!(stats().frees, 4 + 1, "four records and the listing searched for Bogus");
}

#[test]
fn packages_compare_by_content_and_print_as_a_list() {
    use std::collections::HashSet;
    let (_guard, provider) = fake(with_packages(three()));
    let (first, second) = (provider.packages().unwrap(), provider.packages().unwrap());
    // Two buffers, equal records.
    assert!(first.iter().zip(&second).all(|(a, b)| a == b));
    assert_ne!(first.get(0), first.get(1));
    let distinct: HashSet<_> = first.iter().chain(&second).collect();
    assert_eq!(distinct.len(), 3);
    assert_eq!(PackageInfo::try_from(first.get(2).unwrap()).unwrap().name, "NTLM");
    let listed = format!("{first:?}");
    assert!(listed.starts_with("[Package { name: \"Negotiate\""), "{listed}");
    assert_eq!(listed.matches("Package {").count(), 3, "{listed}");
    let mut iter = first.iter();
    assert_eq!(iter.len(), 3);
    assert_eq!(iter.next_back().unwrap().name(), "NTLM");
    assert_eq!(format!("{iter:?}").matches("Package {").count(), 2);
}

/// A function table as a C provider may hand it out: the first `len` bytes of the fake's table
/// (its `dwVersion` replaced by `version`) in an allocation of exactly `offset + len` bytes, at
/// `offset`. Under valgrind (scripts/test), a read past those bytes is an error.
struct RawTable {
    base: *mut u8,
    layout: std::alloc::Layout,
    offset: usize,
}

impl RawTable {
    fn new(version: u32, len: usize, offset: usize) -> RawTable {
        use secpkg_sys::SecurityFunctionTableW;
        let full = SecurityFunctionTableW { dwVersion: version, ..table() };
        assert!(len <= size_of::<SecurityFunctionTableW>());
        let layout =
            std::alloc::Layout::from_size_align((offset + len).max(1), align_of::<SecurityFunctionTableW>()).unwrap();
        // SAFETY: the layout has a non-zero size.
        let base = unsafe { std::alloc::alloc(layout) };
        assert!(!base.is_null());
        // SAFETY: `len` bytes of `full` are readable, and the block holds `len` bytes after
        // `offset`; the two do not overlap.
        unsafe { std::ptr::copy_nonoverlapping((&raw const full).cast::<u8>(), base.add(offset), len) };
        RawTable { base, layout, offset }
    }

    fn ptr(&self) -> *const secpkg_sys::SecurityFunctionTableW {
        self.base.wrapping_add(self.offset).cast()
    }
}

impl Drop for RawTable {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, freed only here.
        unsafe { std::alloc::dealloc(self.base, self.layout) };
    }
}

/// sspi.h's version 1 runs through `DecryptMessage`: 216 bytes on 64-bit targets, 108 on 32-bit.
fn version_1_size() -> usize {
    std::mem::offset_of!(secpkg_sys::SecurityFunctionTableW, SetContextAttributesW)
}

#[test]
fn a_version_1_table_is_read_within_its_size() {
    assert_eq!(version_1_size(), if cfg!(target_pointer_width = "64") { 216 } else { 108 });
    let _guard = install(with_packages(three()));
    let raw = RawTable::new(1, version_1_size(), 0);
    // SAFETY: the fake's functions follow the SSPI contract; the table holds the 216 (108)
    // bytes version 1 defines.
    let provider = unsafe { Provider::from_table_ptr(raw.ptr(), "version 1") }.unwrap();
    assert_eq!(provider.interface_version(), secpkg::InterfaceVersion::from_value(1));
    assert_eq!(provider.packages().unwrap().len(), 3);
    assert_eq!(provider.query("NTLM").unwrap().max_token, 2888);
    drop(provider);
    assert_balanced();
}

/// A version above 5 (which sspi.h does not define yet) only appends: read as version 5.
#[test]
fn a_table_of_a_later_version_is_read_as_the_last_one() {
    let _guard = install(with_packages(three()));
    let raw = RawTable::new(7, size_of::<secpkg_sys::SecurityFunctionTableW>(), 0);
    // SAFETY: as above, with a table of the full size.
    let provider = unsafe { Provider::from_table_ptr(raw.ptr(), "version 7") }.unwrap();
    assert_eq!(provider.interface_version(), secpkg::InterfaceVersion::from_value(7));
    assert_eq!(provider.packages().unwrap().len(), 3);
}

/// Version 0 defines no size: refused after reading the version alone (the block holds only
/// those 4 bytes, so valgrind sees any read of the function pointers).
#[test]
fn a_table_of_version_0_is_invalid_data_and_read_no_further() {
    let _guard = install(with_packages(three()));
    let raw = RawTable::new(0, 4, 0);
    // SAFETY: the block holds the dwVersion, all that version 0 can promise.
    let error = unsafe { Provider::from_table_ptr(raw.ptr(), "short") }.unwrap_err();
    let Error::InvalidData { item: InvalidItem::FunctionTable, what } = &error else { panic!("{error:?}") };
    assert_eq!(
        what,
        "the function table given for short is a table of dwVersion 0, which sspi.h does not define (nor, so, its size)"
    );
    assert_eq!(stats().enumerate_calls + stats().query_calls + stats().free_calls, 0);
}

/// A misaligned table is no C object of the struct's type: refused before any read (the
/// pointer is one past the end of a one-byte block, so valgrind sees any read).
#[test]
fn a_misaligned_table_is_invalid_data_and_not_read() {
    let _guard = install(with_packages(three()));
    let raw = RawTable::new(1, 0, 1);
    // SAFETY: a misaligned table, which is read not at all.
    let error = unsafe { Provider::from_table_ptr(raw.ptr(), "misaligned") }.unwrap_err();
    let Error::InvalidData { item: InvalidItem::FunctionTable, what } = &error else { panic!("{error:?}") };
    let align = align_of::<secpkg_sys::SecurityFunctionTableW>();
    let wanted = format!(
        "the function table given for misaligned is a table at {:p}, which is not aligned to {align} bytes",
        raw.ptr()
    );
    assert_eq!(what, &wanted);
    // SAFETY: a null table, which is read not at all.
    let error = unsafe { Provider::from_table_ptr(std::ptr::null(), "null") }.unwrap_err();
    assert_eq!(
        error.to_string(),
        "the provider returned invalid data: the function table given for null is no table (a null pointer)"
    );
}

/// Names match as on Windows whatever the provider's own matching: the exact name, else the one
/// listed package equal to it ignoring case (Unicode's simple uppercase, unit by unit).
#[test]
fn names_match_ignoring_case_on_a_provider_that_compares_exactly() {
    let mut packages = three();
    packages.push(package("Ünïcode", 99, 7));
    let (_guard, provider) = fake(Scenario { query_case_sensitive: true, ..with_packages(packages) });
    for (asked, listed) in
        [("ntlm", "NTLM"), ("nEGOTIATE", "Negotiate"), ("KERBEROS", "Kerberos"), ("üNÏCODE", "Ünïcode")]
    {
        assert_eq!(provider.query(asked).unwrap().name, listed, "query({asked:?})");
        assert_eq!(provider.query_in_place(asked).unwrap().package().name(), listed, "query_in_place({asked:?})");
    }
    // An exact name is one query, no listing.
    let before = stats();
    assert_eq!(provider.query("NTLM").unwrap().max_token, 2888);
    assert_eq!((stats().query_calls - before.query_calls, stats().enumerate_calls - before.enumerate_calls), (1, 0));
    // Ignoring case: the exact query, the listing, then the query by the listed name.
    let before = stats();
    assert_eq!(provider.query("ntlm").unwrap().max_token, 2888);
    assert_eq!((stats().query_calls - before.query_calls, stats().enumerate_calls - before.enumerate_calls), (2, 1));
    // Simple case mapping only: 'ß' is not "SS", and a longer or shorter name is no match.
    for asked in ["NTL", "NTLMX", "Negotiat", ""] {
        assert!(matches!(provider.query(asked), Err(Error::NotFound { .. } | Error::InvalidName { .. })), "{asked:?}");
    }
    drop(provider);
    assert_balanced();
}

#[test]
fn sharp_s_is_not_ss_and_several_case_matches_are_ambiguous() {
    let packages = vec![package("Straße", 1, 1), package("NTLM", 10, 2888), package("ntlm", 11, 28)];
    let (_guard, provider) = fake(Scenario { query_case_sensitive: true, ..with_packages(packages) });
    assert!(matches!(provider.query("STRASSE"), Err(Error::NotFound { name }) if name == "STRASSE"));
    assert_eq!(provider.query("STRAßE").unwrap().name, "Straße");
    // Each exact name finds its own package; another case of both is ambiguous.
    assert_eq!(provider.query("ntlm").unwrap().rpc_id, PackageId::from_value(11));
    assert_eq!(provider.query("NTLM").unwrap().rpc_id, PackageId::from_value(10));
    let error = provider.query_in_place("Ntlm").unwrap_err();
    let Error::Ambiguous { name, candidates } = &error else { panic!("{error:?}") };
    assert_eq!((name.as_str(), candidates.as_slice()), ("Ntlm", &["NTLM".to_owned(), "ntlm".to_owned()][..]));
    assert_eq!(
        error.to_string(),
        "no security package named 'Ntlm'; ignoring case, several packages match: 'NTLM', 'ntlm'"
    );
    assert_eq!(error.status(), Some(Status::from_value(secpkg_sys::SEC_E_SECPKG_NOT_FOUND)));
    drop(provider);
    assert_balanced();
}

/// A provider that ignores case itself (as Windows does) answers the first query: no listing.
#[test]
fn a_provider_that_ignores_case_is_asked_once() {
    let (_guard, provider) = fake(with_packages(three()));
    assert_eq!(provider.query("ntlm").unwrap().name, "NTLM");
    assert_eq!((stats().query_calls, stats().enumerate_calls), (1, 0));
    drop(provider);
    assert_balanced();
}

/// The raw level the conformance checker uses: the table's functions under the provider's lock,
/// and what they return given back through `Packages::from_raw` and `QueriedPackage::from_raw`,
/// each buffer freed once by the provider, or refused as InvalidData naming the item.
#[test]
fn raw_calls_hand_their_buffers_to_from_raw_which_frees_them_once() {
    use secpkg::{Packages, QueriedPackage};
    let (_guard, provider) = fake(with_packages(three()));
    let (status, count, array) = provider.with_raw_functions(|raw| {
        assert_eq!(raw.version, InterfaceVersion::SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION);
        let enumerate = raw.enumerate_security_packages.unwrap();
        let (mut count, mut array) = (0, std::ptr::null_mut());
        // SAFETY: inside with_raw_functions; both out-pointers are valid for writes.
        let status = unsafe { enumerate(&mut count, &mut array) };
        (status, count, array)
    });
    assert_eq!((status, count), (secpkg_sys::SEC_E_OK, 3));
    // SAFETY: the fake's successful enumeration: `count` records at `array`, not freed yet.
    let packages = unsafe { Packages::from_raw(&provider, array, count) }.unwrap();
    assert_eq!(packages.get(1).unwrap().name(), "Kerberos");
    assert_eq!(stats().live, 1);
    packages.close().unwrap();

    let mut name: Vec<u16> = "NTLM".encode_utf16().chain([0]).collect();
    let record = provider.with_raw_functions(|raw| {
        let query = raw.query_security_package_info.unwrap();
        let mut record = std::ptr::null_mut();
        // SAFETY: inside with_raw_functions; `name` is NUL-terminated, `record` valid for a write.
        assert_eq!(unsafe { query(name.as_mut_ptr(), &mut record) }, secpkg_sys::SEC_E_OK);
        record
    });
    // SAFETY: the fake's successful query: one record, not freed yet.
    let queried = unsafe { QueriedPackage::from_raw(&provider, record) }.unwrap();
    assert_eq!(queried.into_info().unwrap().max_token, 2888);

    // SAFETY: null, which is refused before anything is read or freed.
    let error = unsafe { QueriedPackage::from_raw(&provider, std::ptr::null_mut()) }.unwrap_err();
    assert!(matches!(error, Error::InvalidData { item: InvalidItem::PackageRecord, .. }), "{error:?}");
    // SAFETY: a null array with a count: refused, nothing read or freed.
    let error = unsafe { Packages::from_raw(&provider, std::ptr::null_mut(), 2) }.unwrap_err();
    assert!(matches!(error, Error::InvalidData { item: InvalidItem::PackageArray, .. }), "{error:?}");
    assert_eq!(stats().null_frees, 0);
    assert_balanced();
}

/// `with_raw_functions` holds the provider's lock for its whole closure: another thread's call
/// waits for it (were the lock not held, the other thread's enumeration would land inside the
/// closure's 200 ms and be counted there).
#[test]
fn raw_functions_run_under_the_providers_lock() {
    let (_guard, provider) = fake(with_packages(three()));
    let started = std::sync::Barrier::new(2);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            provider.with_raw_functions(|_| {
                started.wait();
                std::thread::sleep(std::time::Duration::from_millis(200));
                assert_eq!(stats().enumerate_calls, 0, "another thread called into the provider");
            })
        });
        started.wait();
        assert_eq!(provider.packages().unwrap().len(), 3);
    });
    assert_eq!(stats().enumerate_calls, 1);
}
