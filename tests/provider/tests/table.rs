//! The provider through its raw function table, in-process: every scenario option, and the
//! bookkeeping (counters, double and foreign frees) the safe layer's tests rely on.

use secpkg_sys::{
    SEC_E_INSUFFICIENT_MEMORY, SEC_E_INTERNAL_ERROR, SEC_E_INVALID_HANDLE, SEC_E_INVALID_PARAMETER, SEC_E_OK,
    SEC_E_SECPKG_NOT_FOUND, SECURITY_STATUS, SecPkgInfoW, SecurityFunctionTableW,
};
use secpkg_test_provider::{
    self as provider, GARBAGE_ADDRESS, GARBAGE_COUNT, Package, Scenario, Stats, TABLE_FUNCTIONS,
};
use std::ffi::c_void;
use std::ptr;

/// What a caller sees of one `SecPkgInfoW`, copied out of the provider's buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    name: Option<Vec<u16>>,
    comment: Option<Vec<u16>>,
    capabilities: u32,
    version: u16,
    rpc_id: u16,
    max_token: u32,
}

/// A value the provider never writes, to tell "untouched" from "written".
fn sentinel() -> *mut SecPkgInfoW {
    ptr::without_provenance_mut(0x5E47)
}

fn w(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn wz(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

/// # Safety
/// `p` is null or a NUL-terminated UTF-16 string.
unsafe fn wide(p: *const u16) -> Option<Vec<u16>> {
    if p.is_null() {
        return None;
    }
    let mut units = Vec::new();
    // SAFETY: NUL-terminated by the caller's guarantee, so every unit read is in bounds.
    while let unit @ 1.. = unsafe { p.add(units.len()).read() } {
        units.push(unit);
    }
    Some(units)
}

/// # Safety
/// `info` is a record the provider handed out and not yet freed.
unsafe fn seen(info: *const SecPkgInfoW) -> Seen {
    // SAFETY: a live record, whose string pointers are null or NUL-terminated (caller).
    unsafe {
        let info = &*info;
        Seen {
            name: wide(info.Name),
            comment: wide(info.Comment),
            capabilities: info.fCapabilities,
            version: info.wVersion,
            rpc_id: info.wRPCID,
            max_token: info.cbMaxToken,
        }
    }
}

fn expected(p: &Package) -> Seen {
    Seen {
        name: (!p.name_null).then(|| p.name_utf16.clone().unwrap_or_else(|| w(&p.name))),
        comment: p.comment_utf16.clone().or_else(|| p.comment.as_deref().map(w)),
        capabilities: p.capabilities,
        version: p.version,
        rpc_id: p.rpc_id,
        max_token: p.max_token,
    }
}

fn enumerate(t: &SecurityFunctionTableW) -> (SECURITY_STATUS, u32, *mut SecPkgInfoW) {
    let (mut count, mut array) = (0xFFFF_FFFF, sentinel());
    // SAFETY: both out-pointers are valid locals.
    let status = unsafe { t.EnumerateSecurityPackagesW.unwrap()(&mut count, &mut array) };
    (status, count, array)
}

/// Copies out `count` records from a live `array`.
fn records(array: *mut SecPkgInfoW, count: u32) -> Vec<Seen> {
    // SAFETY: the provider returned `array` with `count` records, not yet freed.
    (0..count as usize).map(|i| unsafe { seen(array.add(i)) }).collect()
}

fn query(t: &SecurityFunctionTableW, name: &[u16]) -> (SECURITY_STATUS, *mut SecPkgInfoW) {
    let mut name = name.to_vec();
    name.push(0);
    let mut info = sentinel();
    // SAFETY: `name` is NUL-terminated, `info` a valid local.
    let status = unsafe { t.QuerySecurityPackageInfoW.unwrap()(name.as_mut_ptr(), &mut info) };
    (status, info)
}

fn free<T>(t: &SecurityFunctionTableW, p: *mut T) -> SECURITY_STATUS {
    // SAFETY: the provider accepts any pointer; untracked ones are counted, not touched.
    unsafe { t.FreeContextBuffer.unwrap()(p.cast::<c_void>()) }
}

fn packages(json: &str) -> Vec<Package> {
    serde_json::from_str(json).unwrap()
}

#[test]
fn enumerate_then_free_balances() {
    let _g = provider::install(Scenario::default());
    let t = provider::table();
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count), (SEC_E_OK, 4));
    let listed = records(array, count);
    let want: Vec<Seen> = provider::default_packages().iter().map(expected).collect();
    assert_eq!(listed, want);
    let names: Vec<String> = listed.iter().map(|s| String::from_utf16(s.name.as_ref().unwrap()).unwrap()).collect();
    assert_eq!(names, ["Negotiate", "Kerberos", "NTLM", "Schannel"]);
    assert_eq!((listed[0].rpc_id, listed[0].max_token, listed[0].capabilities), (9, 48256, 0x0008_3BB3));
    assert_eq!(provider::stats(), Stats { allocations: 1, enumerate_calls: 1, live: 1, ..Stats::default() });

    assert_eq!(free(&t, array), SEC_E_OK);
    assert_eq!(
        provider::stats(),
        Stats { allocations: 1, frees: 1, free_calls: 1, enumerate_calls: 1, ..Stats::default() }
    );
}

#[test]
fn strings_follow_the_array_in_the_same_block() {
    let _g = provider::install(Scenario::default());
    let t = provider::table();
    let (_, count, array) = enumerate(&t);
    // SAFETY: `array` holds `count` live records.
    let infos = unsafe { std::slice::from_raw_parts(array, count as usize) };
    let end_of_array = array.wrapping_add(count as usize).addr();
    let mut strings: Vec<usize> = infos.iter().flat_map(|i| [i.Name.addr(), i.Comment.addr()]).collect();
    assert!(strings.iter().all(|&s| s >= end_of_array), "strings before the end of the array");
    strings.sort();
    // Packed back to back, each with its NUL: the last string ends the block.
    assert_eq!(strings[0], end_of_array);
    assert_eq!(free(&t, array), SEC_E_OK);
    assert_eq!(provider::stats().allocations, 1);
}

#[test]
fn query_finds_every_listed_package_in_any_case() {
    let _g = provider::install(Scenario::default());
    let t = provider::table();
    let (_, count, array) = enumerate(&t);
    let listed = records(array, count);
    assert_eq!(free(&t, array), SEC_E_OK);
    for record in &listed {
        let name = String::from_utf16(record.name.as_ref().unwrap()).unwrap();
        for spelling in [name.clone(), name.to_lowercase(), name.to_uppercase()] {
            let (status, info) = query(&t, &w(&spelling));
            assert_eq!(status, SEC_E_OK, "{spelling}");
            // SAFETY: a live record just returned.
            assert_eq!(unsafe { seen(info) }, *record, "{spelling}");
            assert_eq!(free(&t, info), SEC_E_OK);
        }
    }
    let s = provider::stats();
    assert_eq!((s.query_calls, s.allocations, s.frees, s.live, s.bad_frees), (12, 13, 13, 0, 0));
}

#[test]
fn unknown_name_is_not_found_and_out_untouched() {
    let _g = provider::install(Scenario::default());
    let t = provider::table();
    for name in ["Digest", "", "Negotiate ", "NTL"] {
        assert_eq!(query(&t, &w(name)), (SEC_E_SECPKG_NOT_FOUND, sentinel()), "{name:?}");
    }
    let mut info = sentinel();
    // SAFETY: a null name is accepted (treated as unknown); `info` is a valid local.
    let status = unsafe { t.QuerySecurityPackageInfoW.unwrap()(ptr::null_mut(), &mut info) };
    assert_eq!((status, info), (SEC_E_SECPKG_NOT_FOUND, sentinel()));
    assert_eq!(provider::stats().allocations, 0);
}

#[test]
fn null_out_pointers_are_invalid_parameters() {
    let _g = provider::install(Scenario::default());
    let t = provider::table();
    let mut count = 0;
    let mut name = wz("NTLM");
    // SAFETY: null out-pointers are checked by the provider before any write.
    unsafe {
        assert_eq!(t.EnumerateSecurityPackagesW.unwrap()(&mut count, ptr::null_mut()), SEC_E_INVALID_PARAMETER);
        assert_eq!(t.EnumerateSecurityPackagesW.unwrap()(ptr::null_mut(), &mut sentinel()), SEC_E_INVALID_PARAMETER);
        assert_eq!(t.QuerySecurityPackageInfoW.unwrap()(name.as_mut_ptr(), ptr::null_mut()), SEC_E_INVALID_PARAMETER);
    }
    assert_eq!(provider::stats().allocations, 0);
}

#[test]
fn double_and_foreign_frees_are_counted_not_performed() {
    let _g = provider::install(Scenario::default());
    let t = provider::table();
    let (_, _, array) = enumerate(&t);
    assert_eq!(free(&t, array), SEC_E_OK);
    assert_eq!(free(&t, array), SEC_E_INVALID_HANDLE, "double free");
    let (_, _, array) = enumerate(&t);
    assert_eq!(free(&t, array.wrapping_add(1)), SEC_E_INVALID_HANDLE, "interior pointer");
    let mut local = 0u64;
    assert_eq!(free(&t, &mut local), SEC_E_INVALID_HANDLE, "foreign pointer");
    assert_eq!(free(&t, ptr::null_mut::<c_void>()), SEC_E_OK, "null is a no-op");
    assert_eq!(
        provider::stats(),
        Stats {
            allocations: 2,
            frees: 1,
            bad_frees: 3,
            null_frees: 1,
            free_calls: 5,
            enumerate_calls: 2,
            query_calls: 0,
            live: 1,
            ..Stats::default()
        }
    );
    // The interior free did not disturb the real buffer: it is still freeable, once.
    assert_eq!(free(&t, array), SEC_E_OK);
    assert_eq!(provider::stats().live, 0);
}

#[test]
fn enumerate_status_fails_and_writes_garbage() {
    let _g = provider::install(Scenario { enumerate_status: Some(SEC_E_INSUFFICIENT_MEMORY), ..Scenario::default() });
    let t = provider::table();
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count, array.addr()), (SEC_E_INSUFFICIENT_MEMORY, GARBAGE_COUNT, GARBAGE_ADDRESS));
    assert_eq!(free(&t, array), SEC_E_INVALID_HANDLE, "the garbage pointer is not a buffer");
    let s = provider::stats();
    assert_eq!((s.allocations, s.bad_frees, s.live), (0, 1, 0));
}

#[test]
fn enumerate_status_ok_is_normal() {
    let _g = provider::install(Scenario { enumerate_status: Some(SEC_E_OK), ..Scenario::default() });
    let t = provider::table();
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count), (SEC_E_OK, 4));
    assert_eq!(free(&t, array), SEC_E_OK);
}

#[test]
fn enumerate_null_array() {
    let _g = provider::install(Scenario { enumerate_null_array: true, ..Scenario::default() });
    let (status, count, array) = enumerate(&provider::table());
    assert_eq!((status, count, array), (SEC_E_OK, 4, ptr::null_mut()));
    assert_eq!(provider::stats().allocations, 0);
}

#[test]
fn enumerate_empty_non_null() {
    let _g = provider::install(Scenario { enumerate_empty_non_null: true, ..Scenario::default() });
    let t = provider::table();
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count), (SEC_E_OK, 0));
    assert!(!array.is_null() && array != sentinel());
    assert_eq!(provider::stats().live, 1, "an empty array is still a buffer to free");
    assert_eq!(free(&t, array), SEC_E_OK);
    assert_eq!(provider::stats().live, 0);
}

#[test]
fn empty_package_list() {
    let _g = provider::install(Scenario { packages: vec![], ..Scenario::default() });
    let t = provider::table();
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count), (SEC_E_OK, 0));
    assert!(!array.is_null());
    assert_eq!(free(&t, array), SEC_E_OK);
    assert_eq!(query(&t, &w("NTLM")), (SEC_E_SECPKG_NOT_FOUND, sentinel()));
}

#[test]
fn query_status_fails_every_query_with_garbage() {
    let _g = provider::install(Scenario { query_status: Some(SEC_E_INTERNAL_ERROR), ..Scenario::default() });
    let t = provider::table();
    for name in ["NTLM", "Unknown"] {
        let (status, info) = query(&t, &w(name));
        assert_eq!((status, info.addr()), (SEC_E_INTERNAL_ERROR, GARBAGE_ADDRESS), "{name}");
    }
    let s = provider::stats();
    assert_eq!((s.query_calls, s.allocations), (2, 0));
}

#[test]
fn query_case_sensitive() {
    let _g = provider::install(Scenario { query_case_sensitive: true, ..Scenario::default() });
    let t = provider::table();
    assert_eq!(query(&t, &w("negotiate")), (SEC_E_SECPKG_NOT_FOUND, sentinel()));
    let (status, info) = query(&t, &w("Negotiate"));
    assert_eq!(status, SEC_E_OK);
    assert_eq!(free(&t, info), SEC_E_OK);
}

#[test]
fn unknown_query_status() {
    let _g = provider::install(Scenario { unknown_query_status: Some(SEC_E_INTERNAL_ERROR), ..Scenario::default() });
    let t = provider::table();
    assert_eq!(query(&t, &w("Digest")), (SEC_E_INTERNAL_ERROR, sentinel()));
    let (status, info) = query(&t, &w("ntlm"));
    assert_eq!(status, SEC_E_OK, "known names are unaffected");
    assert_eq!(free(&t, info), SEC_E_OK);
}

#[test]
fn unknown_query_status_ok_claims_success_without_a_record() {
    let _g = provider::install(Scenario { unknown_query_status: Some(SEC_E_OK), ..Scenario::default() });
    assert_eq!(query(&provider::table(), &w("Digest")), (SEC_E_OK, sentinel()));
}

#[test]
fn unknown_query_writes_out() {
    let _g = provider::install(Scenario { unknown_query_writes_out: true, ..Scenario::default() });
    let (status, info) = query(&provider::table(), &w("Digest"));
    assert_eq!((status, info.addr()), (SEC_E_SECPKG_NOT_FOUND, GARBAGE_ADDRESS));
}

#[test]
fn query_returns_other_record() {
    let _g = provider::install(Scenario { query_returns_other_record: true, ..Scenario::default() });
    let t = provider::table();
    let (status, info) = query(&t, &w("NTLM"));
    assert_eq!(status, SEC_E_OK);
    // SAFETY: a live record just returned.
    let got = unsafe { seen(info) };
    assert_eq!(got.max_token, 2889);
    assert_eq!(Seen { max_token: 2888, ..got }, expected(&provider::default_packages()[2]));
    assert_eq!(free(&t, info), SEC_E_OK);
}

#[test]
fn free_status_frees_once_but_reports_failure() {
    let _g = provider::install(Scenario { free_status: Some(SEC_E_INTERNAL_ERROR), ..Scenario::default() });
    let t = provider::table();
    let (_, _, array) = enumerate(&t);
    assert_eq!(free(&t, array), SEC_E_INTERNAL_ERROR);
    assert_eq!((provider::stats().frees, provider::stats().live), (1, 0));
    assert_eq!(free(&t, array), SEC_E_INVALID_HANDLE, "it really was freed");
    assert_eq!(provider::stats().bad_frees, 1);
}

#[test]
fn free_rejects_leaks_in_the_provider() {
    let _g = provider::install(Scenario { free_rejects: true, ..Scenario::default() });
    let t = provider::table();
    let (_, _, array) = enumerate(&t);
    assert_eq!(free(&t, array), SEC_E_INVALID_HANDLE);
    assert_eq!(free(&t, array), SEC_E_INVALID_HANDLE);
    let s = provider::stats();
    assert_eq!((s.frees, s.bad_frees, s.free_calls, s.live), (0, 0, 2, 1), "rejected, not a bad free");
    // Still readable: it was never released.
    assert_eq!(records(array, 4).len(), 4);
}

#[test]
fn missing_functions_are_none() {
    for missing in TABLE_FUNCTIONS {
        let _g = provider::install(Scenario { missing: vec![missing.into()], ..Scenario::default() });
        let t = provider::table();
        let present = [
            t.EnumerateSecurityPackagesW.is_some(),
            t.QuerySecurityPackageInfoW.is_some(),
            t.FreeContextBuffer.is_some(),
        ];
        let expected = TABLE_FUNCTIONS.map(|f| f != missing);
        assert_eq!(present, expected, "{missing}");
        // SAFETY: no arguments; the returned table is static.
        let init = unsafe { &*provider::InitSecurityInterfaceW() };
        assert_eq!(init.FreeContextBuffer.is_some(), missing != "FreeContextBuffer");
    }
    let _g = provider::install(Scenario { missing: TABLE_FUNCTIONS.map(String::from).to_vec(), ..Scenario::default() });
    let t = provider::table();
    assert!(
        t.EnumerateSecurityPackagesW.is_none()
            && t.QuerySecurityPackageInfoW.is_none()
            && t.FreeContextBuffer.is_none()
    );
    assert!(t.AcquireCredentialsHandleW.is_some(), "the exchange's functions are missing only when named");
    assert!(t.QueryCredentialsAttributesW.is_none(), "nothing outside the ten functions is provided");
}

#[test]
#[should_panic(expected = "FreeContextBuffers")]
fn missing_with_an_unknown_name_is_a_test_bug() {
    let _g = provider::install(Scenario { missing: vec!["FreeContextBuffers".into()], ..Scenario::default() });
}

#[test]
fn table_version_and_init_security_interface() {
    let _g = provider::install(Scenario::default());
    assert_eq!(provider::table().dwVersion, 1);
    let first = provider::InitSecurityInterfaceW();
    assert!(!first.is_null());
    assert_eq!(provider::InitSecurityInterfaceW(), first, "one static table per shape");
    drop(_g);

    let _g = provider::install(Scenario { table_version: 4, ..Scenario::default() });
    assert_eq!(provider::table().dwVersion, 4);
    let table = provider::InitSecurityInterfaceW();
    assert_ne!(table, first);
    // SAFETY: a non-null table from InitSecurityInterfaceW is static.
    let table = unsafe { &*table };
    assert_eq!(table.dwVersion, 4);
    // The static table calls the same provider.
    let (status, count, array) = enumerate(table);
    assert_eq!((status, count), (SEC_E_OK, 4));
    assert_eq!(free(table, array), SEC_E_OK);
    assert_eq!(provider::stats().live, 0);
}

#[test]
fn null_table() {
    let _g = provider::install(Scenario { null_table: true, ..Scenario::default() });
    assert!(provider::InitSecurityInterfaceW().is_null());
}

#[test]
fn odd_packages_are_reported_as_configured() {
    let odd = packages(
        r#"[
            {"name": "NoComment", "capabilities": 1, "version": 2, "rpc_id": 65535, "max_token": 0},
            {"name": "Hidden", "name_null": true, "comment": "no name pointer"},
            {"name": "ignored", "name_utf16": [55296, 65], "comment_utf16": [56320]},
            {"name": "Ünïcödé", "comment": ""}
        ]"#,
    );
    let _g = provider::install(Scenario { packages: odd.clone(), ..Scenario::default() });
    let t = provider::table();
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count), (SEC_E_OK, 4));
    let listed = records(array, count);
    assert_eq!(listed, odd.iter().map(expected).collect::<Vec<_>>());
    assert_eq!(listed[0].comment, None);
    assert_eq!(listed[1].name, None);
    assert_eq!(listed[2].name, Some(vec![0xD800, 0x41]));
    assert_eq!(listed[3].comment, Some(vec![]));
    assert_eq!(free(&t, array), SEC_E_OK);

    // Queries match the raw units (case-folded where they are characters) and the hidden name.
    for (name, index) in [(vec![0xD800, 0x61], 2), (w("hidden"), 1), (w("ÜNÏCÖDÉ"), 3)] {
        let (status, info) = query(&t, &name);
        assert_eq!(status, SEC_E_OK, "{name:?}");
        // SAFETY: a live record just returned.
        assert_eq!(unsafe { seen(info) }, listed[index]);
        assert_eq!(free(&t, info), SEC_E_OK);
    }
    assert_eq!(query(&t, &w("ignored")), (SEC_E_SECPKG_NOT_FOUND, sentinel()));
    assert_eq!(provider::stats().live, 0);
}

#[test]
fn install_resets_the_counters_and_outlives_the_guard() {
    {
        let _g = provider::install(Scenario::default());
        enumerate(&provider::table());
        assert_eq!(provider::stats().live, 1);
    }
    assert_eq!(provider::stats().allocations, 1, "readable after the guard is dropped");
    let _g = provider::install(Scenario::default());
    assert_eq!(provider::stats(), Stats::default());
}

#[test]
fn a_panicking_test_does_not_block_the_next() {
    let panicked = std::thread::spawn(|| {
        let _g = provider::install(Scenario { packages: vec![], ..Scenario::default() });
        panic!("a failing test while holding the guard");
    })
    .join();
    assert!(panicked.is_err());
    let _g = provider::install(Scenario::default());
    let (status, count, array) = enumerate(&provider::table());
    assert_eq!((status, count), (SEC_E_OK, 4));
    assert_eq!(free(&provider::table(), array), SEC_E_OK);
}

#[test]
fn guards_serialize_threads() {
    let workers: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                for _ in 0..25 {
                    let packages = provider::default_packages()[..i + 1].to_vec();
                    let _g = provider::install(Scenario { packages, ..Scenario::default() });
                    let t = provider::table();
                    let (status, count, array) = enumerate(&t);
                    assert_eq!((status, count), (SEC_E_OK, i as u32 + 1));
                    assert_eq!(free(&t, array), SEC_E_OK);
                    assert_eq!(
                        provider::stats(),
                        Stats { allocations: 1, frees: 1, free_calls: 1, enumerate_calls: 1, ..Stats::default() }
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
fn enumerate_misaligned_writes_the_records_one_byte_off_and_takes_them_back() {
    let _g = provider::install(Scenario { enumerate_misaligned: true, ..Scenario::default() });
    let t = provider::table();
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count), (SEC_E_OK, 4));
    assert_eq!(array.addr() % align_of::<SecPkgInfoW>(), 1);
    // SAFETY: the provider wrote 4 records at `array`, unaligned; the first one's Name is a
    // NUL-terminated, unaligned UTF-16 string in the same block.
    let (record, name) = unsafe {
        let record = array.read_unaligned();
        let name: Vec<u16> = (0..).map(|i| record.Name.add(i).read_unaligned()).take_while(|&unit| unit != 0).collect();
        (record, name)
    };
    assert_eq!((record.cbMaxToken, name), (48256, w("Negotiate")));
    assert_eq!(free(&t, array), SEC_E_OK);
    assert_eq!(
        provider::stats(),
        Stats { allocations: 1, frees: 1, free_calls: 1, enumerate_calls: 1, ..Stats::default() }
    );
}

#[test]
fn enumerate_count_and_array_address_are_reported_as_given() {
    let _g = provider::install(Scenario {
        enumerate_count: Some(u32::MAX),
        enumerate_array_address: Some(0xFFFF_FFF0_0000_0000),
        ..Scenario::default()
    });
    let t = provider::table();
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count, array.addr()), (SEC_E_OK, u32::MAX, 0xFFFF_FFF0_0000_0000));
    assert_eq!(provider::stats().allocations, 0);
    assert_eq!(free(&t, array), SEC_E_INVALID_HANDLE, "nothing was allocated there");

    let _g = {
        drop(_g);
        provider::install(Scenario { enumerate_count: Some(2), ..Scenario::default() })
    };
    let (status, count, array) = enumerate(&t);
    assert_eq!((status, count), (SEC_E_OK, 2), "4 records, 2 reported");
    assert_eq!(records(array, count).len(), 2);
    assert_eq!(free(&t, array), SEC_E_OK);
}

/// Without concurrent callers, the racy bookkeeping is correct: 200 buffers held at once grow
/// its table from 4 slots to 256, and every one is found and freed again, in any order.
#[test]
fn racy_bookkeeping_is_right_on_one_thread() {
    let _g = provider::install(Scenario { racy_bookkeeping: true, ..Scenario::default() });
    let t = provider::table();
    let mut held = Vec::new();
    for i in 0..200 {
        let (status, count, array) = enumerate(&t);
        assert_eq!((status, count), (SEC_E_OK, 4));
        held.push(array);
        if i % 3 == 0 {
            let (status, info) = query(&t, &w("ntlm"));
            assert_eq!(status, SEC_E_OK);
            held.push(info);
        }
    }
    let want: Vec<Seen> = provider::default_packages().iter().map(expected).collect();
    assert_eq!(records(held[0], 4), want);
    // Every other buffer first, then the rest: slots are found wherever they are.
    let (evens, odds): (Vec<_>, Vec<_>) = held.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    for (_, &buffer) in evens.into_iter().chain(odds) {
        assert_eq!(free(&t, buffer), SEC_E_OK);
    }
    let s = provider::stats();
    assert_eq!((s.allocations, s.live, s.bad_frees), (0, 0, 0), "racy buffers are not counted: {s:?}");
    assert_eq!((s.enumerate_calls, s.free_calls), (200, 267));
}
