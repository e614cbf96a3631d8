//! A provider's records and strings: the test provider (secpkg-test-provider, in process) hands
//! secpkg `SecPkgInfoW` arrays and records whose numbers, UTF-16 strings (unpaired surrogates,
//! inner NULs, null pointers) and statuses come from the fuzzer, within the SSPI contract
//! `Provider::from_table` states. Through the safe API, every answer must be a value or an error,
//! each record read as the provider wrote it, and every buffer freed exactly once (the fake counts
//! them; ASan, the default sanitizer, sees reads out of bounds or after free).
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use secpkg::{Error, Provider};
use secpkg_test_provider::{Package, Scenario, TABLE_FUNCTIONS, install, stats, table};
use serde::Deserialize;

#[derive(Arbitrary, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Record {
    /// None: a null `Name`.
    name: Option<Vec<u16>>,
    /// None: a null `Comment`.
    comment: Option<Vec<u16>>,
    capabilities: u32,
    version: u16,
    rpc_id: u16,
    max_token: u32,
}

#[derive(Arbitrary, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Input {
    records: Vec<Record>,
    enumerate_status: Option<i32>,
    enumerate_null_array: bool,
    enumerate_empty_non_null: bool,
    query_status: Option<i32>,
    query_case_sensitive: bool,
    unknown_query_status: Option<i32>,
    unknown_query_writes_out: bool,
    query_returns_other_record: bool,
    free_status: Option<i32>,
    free_rejects: bool,
    missing: [bool; 3],
    table_version: u32,
    /// Names queried, owned and in place.
    queries: Vec<String>,
}

/// The units up to the first NUL: what a reader of a NUL-terminated string sees.
fn terminated(units: &[u16]) -> &[u16] {
    &units[..units.iter().position(|&u| u == 0).unwrap_or(units.len())]
}

/// A JSON object (the seeds: real records, readable) or, for the fuzzer's own inputs, any
/// bytes read as `Arbitrary` data.
fn decode(data: &[u8]) -> Option<Input> {
    if data.first() == Some(&b'{') {
        return serde_json::from_slice(data).ok();
    }
    Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = decode(data) else { return };
    let mut unknown_query_status = input.unknown_query_status;
    // Writing garbage to the out-pointer and succeeding would break obligation 2 (a success
    // writes a record); a failure may write anything.
    if input.unknown_query_writes_out && unknown_query_status.is_none_or(|s| s == 0) {
        unknown_query_status = Some(secpkg_sys::SEC_E_SECPKG_NOT_FOUND);
    }
    let packages: Vec<Package> = input
        .records
        .iter()
        .take(16)
        .map(|r| Package {
            name: String::from_utf16_lossy(r.name.as_deref().unwrap_or_default()),
            name_null: r.name.is_none(),
            name_utf16: r.name.clone(),
            comment: None,
            comment_utf16: r.comment.clone(),
            capabilities: r.capabilities,
            version: r.version,
            rpc_id: r.rpc_id,
            max_token: r.max_token,
        })
        .collect();
    let scenario = Scenario {
        packages,
        enumerate_status: input.enumerate_status,
        enumerate_null_array: input.enumerate_null_array,
        enumerate_empty_non_null: input.enumerate_empty_non_null,
        query_status: input.query_status,
        query_case_sensitive: input.query_case_sensitive,
        unknown_query_status,
        unknown_query_writes_out: input.unknown_query_writes_out,
        query_returns_other_record: input.query_returns_other_record,
        free_status: input.free_status,
        free_rejects: input.free_rejects,
        missing: TABLE_FUNCTIONS.iter().zip(input.missing).filter(|(_, m)| *m).map(|(f, _)| (*f).to_owned()).collect(),
        table_version: input.table_version,
        ..Scenario::default()
    };
    let plain_listing = scenario.enumerate_status.is_none_or(|s| s == 0)
        && !scenario.enumerate_null_array
        && !scenario.enumerate_empty_non_null
        && scenario.missing.is_empty();
    let records = &input.records[..scenario.packages.len()];
    let guard = install(scenario);
    // SAFETY: the test provider's functions keep the SSPI contract (the scenario asks for no
    // contract breach: see the guard on `unknown_query_writes_out` above) and are static.
    let provider = unsafe { Provider::from_table(&table(), "fuzz") };
    let _ = provider.interface_version();

    match provider.packages() {
        Ok(listed) => {
            if plain_listing {
                assert_eq!(listed.len(), records.len(), "every record is listed");
            }
            for (package, record) in listed.iter().zip(records) {
                let _ = (package.capabilities().to_string(), package.rpc_id().to_string());
                assert_eq!(package.capabilities().bits(), record.capabilities, "no capability bit is lost");
                assert_eq!((package.version(), package.rpc_id().value()), (record.version, record.rpc_id));
                assert_eq!(package.max_token(), record.max_token);
                let name = record.name.as_deref().map(terminated).unwrap_or_default();
                assert_eq!(package.name().as_units(), name, "the name as the provider wrote it");
                let comment = record.comment.as_deref().map(terminated).unwrap_or_default();
                assert_eq!(package.comment().as_units(), comment);
                let _ = (package.name().to_string_lossy(), format!("{}", package.comment()));
                match package.to_info() {
                    Ok(info) => {
                        assert!(record.name.is_some(), "a null name is an error");
                        assert_eq!(info.name, String::from_utf16(name).unwrap());
                        assert_eq!(info.comment, String::from_utf16(comment).unwrap());
                    }
                    Err(Error::InvalidData { what, .. }) => assert!(!what.is_empty()),
                    Err(other) => panic!("a record is read or invalid data, not {other:?}"),
                }
            }
            let owned = listed.to_vec();
            // A null array (a listing of nothing) is no buffer: nothing is freed, nothing fails.
            let holds_buffer = stats().live != 0;
            let consumed = listed.into_vec();
            let free_fails = holds_buffer && (input.free_rejects || input.free_status.is_some_and(|s| s != 0));
            assert_eq!(consumed.is_ok(), owned.is_ok() && !free_fails, "{owned:?} then {consumed:?}");
            if let (Ok(owned), Ok(consumed)) = (owned, consumed) {
                assert_eq!(owned, consumed);
            }
        }
        Err(error) => {
            let _ = error.to_string();
            assert!(!plain_listing, "a listing within the contract is listed: {error}");
        }
    }
    for name in input.queries.iter().take(4) {
        match provider.query(name.as_str()) {
            Ok(info) => {
                assert_eq!(info.name.encode_utf16().count(), name.encode_utf16().count(), "{info:?} for {name:?}")
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
        if let Ok(found) = provider.query_in_place(name) {
            let _ = (found.package().name().to_string_lossy(), found.package().to_info());
            let _ = found.close();
        }
    }
    drop(provider);

    let counted = stats();
    assert_eq!(counted.bad_frees, 0, "only the provider's own buffers are freed, once: {counted:?}");
    if !input.free_rejects {
        assert_eq!((counted.live, counted.allocations), (0, counted.frees), "every buffer is freed: {counted:?}");
    }
    drop(guard);
});
