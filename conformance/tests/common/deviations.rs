//! The test provider's deviations from Windows behaviour, each with the conformance checks it must
//! fail and warn about, and the assertions on a report: shared by the library's in-process tests
//! (conformance/tests/conformance.rs) and the command's (cli/tests/conformance.rs), which include this file.
#![allow(dead_code)] // Each test binary uses part of it.

use secpkg::Capabilities;
use secpkg_conformance::{CheckId, Report, Verdict};
use secpkg_sys::{SEC_E_INSUFFICIENT_MEMORY, SEC_E_INTERNAL_ERROR, SEC_E_OK};
use secpkg_test_provider::{Package, Scenario};
use std::collections::BTreeSet;

/// A deviation of the test provider, and the checks it must fail and warn about: exactly those.
pub struct Deviation {
    pub name: &'static str,
    pub scenario: Scenario,
    pub fails: &'static [&'static str],
    pub warns: &'static [&'static str],
}

pub fn with(change: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut scenario = Scenario::default();
    change(&mut scenario);
    scenario
}

pub fn package<'s>(scenario: &'s mut Scenario, name: &str) -> &'s mut Package {
    scenario.packages.iter_mut().find(|p| p.name == name).unwrap()
}

/// The warnings of a scenario that lists no package: every record check, and the query probes
/// that need the list.
pub const NO_LIST: &[&str] = &[
    "package-name",
    "package-comment",
    "package-version",
    "package-capabilities",
    "package-capabilities-nonzero",
    "package-names-unique",
    "schannel-alias",
    "package-id",
    "package-max-token",
    "negotiate-max-token",
    "query-listed",
    "query-case",
];

/// Every check after `id`, in report order: those a failure of `id` leaves unable to run.
pub fn checks_after(id: &str) -> &'static [&'static str] {
    let names: Vec<&str> = CheckId::ALL.iter().map(|c| c.name()).collect();
    let at = names.iter().position(|n| *n == id).unwrap();
    names[at + 1..].to_vec().leak()
}

/// The checks a failed enumeration leaves unable to run: every record check, the query probes
/// that need the list, and the free.
pub fn no_enumeration() -> &'static [&'static str] {
    [&["enumerate-count", "enumerate-array"][..], NO_LIST, &["free-context-buffer"]].concat().leak()
}

/// The checks of the ANSI entry points. The test provider has no `InitSecurityInterfaceA` (nor
/// does a function table), so in every scenario they cannot run: warnings, which
/// [`assert_deviation`] expects beside a deviation's own. WinPR's run of them is in
/// cli/tests/conformance.rs.
pub const ANSI_CHECKS: &[&str] = &["ansi-table", "ansi-enumerate", "ansi-query-listed", "ansi-query-unknown"];

pub const QUERY_CHECKS: &[&str] =
    &["query-listed", "query-case", "query-unknown-status", "query-unknown-out", "query-empty-name"];

/// A capability bit outside the SDK's SECPKG_FLAG_* set.
pub fn unknown_bit() -> u32 {
    let unknown = !Capabilities::all().bits();
    assert_ne!(unknown, 0, "every bit is a SECPKG_FLAG_*");
    1 << unknown.trailing_zeros()
}

pub const UNISP: &str = "Microsoft Unified Security Protocol Provider";

/// Every deviation the checker must catch, each with the checks it fails (exactly).
pub fn deviations() -> Vec<Deviation> {
    let d = |name, scenario, fails, warns| Deviation { name, scenario, fails, warns };
    vec![
        d("none: the default scenario", Scenario::default(), &[], &[]),
        d(
            "unknown name: SEC_E_INTERNAL_ERROR instead of SEC_E_SECPKG_NOT_FOUND",
            with(|s| s.unknown_query_status = Some(SEC_E_INTERNAL_ERROR)),
            &[],
            // Only observed on Windows: a warning.
            &["query-unknown-status"],
        ),
        d(
            "unknown name: SEC_E_OK, and no record (harm: a FAIL)",
            // The empty name is unknown too, and succeeds as well.
            with(|s| s.unknown_query_status = Some(SEC_E_OK)),
            &["query-unknown-status", "query-empty-name"],
            &["query-unknown-out"],
        ),
        d(
            "case-sensitive names (observed only: a warning)",
            with(|s| s.query_case_sensitive = true),
            &[],
            &["query-case"],
        ),
        d(
            "a package with no capability bit (a warning: the SDK allows it)",
            with(|s| package(s, "Kerberos").capabilities = 0),
            &[],
            &["package-capabilities-nonzero"],
        ),
        d(
            "a capability bit outside SECPKG_FLAG_*",
            with(|s| package(s, "NTLM").capabilities |= unknown_bit()),
            &["package-capabilities"],
            &[],
        ),
        d("wVersion 2", with(|s| package(s, "NTLM").version = 2), &["package-version"], &[]),
        d("FreeContextBuffer refuses to free", with(|s| s.free_rejects = true), &["free-context-buffer"], &[]),
        d(
            "FreeContextBuffer frees but fails",
            with(|s| s.free_status = Some(SEC_E_INTERNAL_ERROR)),
            &["free-context-buffer"],
            &[],
        ),
        d("a null Name", with(|s| package(s, "NTLM").name_null = true), &["package-name"], &[]),
        d(
            "an invalid UTF-16 Name (unpaired surrogate)",
            with(|s| package(s, "NTLM").name_utf16 = Some(vec![0xD800, 0x4E])),
            &["package-name"],
            &[],
        ),
        d(
            "an empty Name, which the empty-name query then finds",
            with(|s| package(s, "NTLM").name = String::new()),
            &["package-name", "query-empty-name"],
            &[],
        ),
        d("a null Comment", with(|s| package(s, "NTLM").comment = None), &["package-comment"], &[]),
        d(
            "a duplicate name",
            with(|s| {
                let copy = package(s, "NTLM").clone();
                s.packages.push(copy);
            }),
            &["package-names-unique"],
            &[],
        ),
        d(
            "names equal ignoring case",
            with(|s| {
                let copy = Package { name: "ntlm".into(), ..package(s, "NTLM").clone() };
                s.packages.push(copy);
            }),
            &["package-names-unique"],
            &[],
        ),
        d(
            "a count with a null array",
            with(|s| s.enumerate_null_array = true),
            &["enumerate-array"],
            // Nothing to read, hence nothing to free either.
            [NO_LIST, &["free-context-buffer"]].concat().leak(),
        ),
        d(
            "count 0 with a non-null array",
            with(|s| s.enumerate_empty_non_null = true),
            &["enumerate-array"],
            // No package at all is only unlike Windows; the array is documented.
            [&["enumerate-count"][..], NO_LIST].concat().leak(),
        ),
        d(
            "enumeration fails",
            with(|s| s.enumerate_status = Some(SEC_E_INSUFFICIENT_MEMORY)),
            &["enumerate-status"],
            no_enumeration(),
        ),
        d(
            "the out-pointer overwritten on not-found (observed only: a warning)",
            with(|s| s.unknown_query_writes_out = true),
            &[],
            &["query-unknown-out"],
        ),
        d("query returns another record", with(|s| s.query_returns_other_record = true), &["query-listed"], &[]),
        d(
            "every query fails",
            with(|s| s.query_status = Some(SEC_E_INTERNAL_ERROR)),
            &["query-listed"],
            &["query-case", "query-unknown-status", "query-unknown-out"],
        ),
        d(
            "no QuerySecurityPackageInfoW",
            with(|s| s.missing = vec!["QuerySecurityPackageInfoW".into()]),
            &["table-functions"],
            QUERY_CHECKS,
        ),
        d(
            "no FreeContextBuffer",
            with(|s| s.missing = vec!["FreeContextBuffer".into()]),
            &["table-functions"],
            checks_after("table-functions"),
        ),
        d(
            "no EnumerateSecurityPackagesW",
            with(|s| s.missing = vec!["EnumerateSecurityPackagesW".into()]),
            &["table-functions"],
            [&["enumerate-status"][..], no_enumeration()].concat().leak(),
        ),
        d("an unknown table version", with(|s| s.table_version = 7), &["table-version"], &[]),
        d("Kerberos with NTLM's id", with(|s| package(s, "Kerberos").rpc_id = 10), &["package-id"], &[]),
        d(
            "Negotiate with cbMaxToken 0",
            with(|s| package(s, "Negotiate").max_token = 0),
            &["package-max-token", "negotiate-max-token"],
            &[],
        ),
        d(
            "Negotiate's cbMaxToken below Kerberos's (WinPR 2.11: 12256 < 48000)",
            with(|s| package(s, "Negotiate").max_token = 12256),
            &["negotiate-max-token"],
            &[],
        ),
        d(
            "Negotiate's cbMaxToken below NTLM's, Kerberos not listed",
            with(|s| {
                s.packages.retain(|p| p.name != "Kerberos");
                package(s, "Negotiate").max_token = 2887;
            }),
            &["negotiate-max-token"],
            &[],
        ),
        d(
            "Negotiate's cbMaxToken equal to Kerberos's, no room for SPNEGO (Wine 8.0: 12000 and 12000)",
            with(|s| package(s, "Negotiate").max_token = 48000),
            &["negotiate-max-token"],
            &[],
        ),
        d(
            "Negotiate not listed, Kerberos's cbMaxToken the largest",
            with(|s| s.packages.retain(|p| p.name != "Negotiate")),
            &[],
            &[],
        ),
        d(
            "the Schannel alias with Schannel's record",
            with(|s| {
                let alias = Package { name: UNISP.into(), ..package(s, "Schannel").clone() };
                s.packages.push(alias);
            }),
            &[],
            &[],
        ),
        d(
            "the Schannel alias with another cbMaxToken",
            with(|s| {
                let alias = Package { name: UNISP.into(), max_token: 16384, ..package(s, "Schannel").clone() };
                s.packages.push(alias);
            }),
            &[],
            &["schannel-alias"],
        ),
    ]
}

pub fn ids(report: &Report, verdict: Verdict) -> BTreeSet<String> {
    report.with_status(verdict).map(|c| c.name().to_owned()).collect()
}

pub fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|&n| n.to_owned()).collect()
}

/// The report lists every check once, in order, and counts them right.
#[track_caller]
pub fn assert_shape(report: &Report) {
    let order: Vec<CheckId> = report.checks.iter().map(|c| c.check).collect();
    assert_eq!(order, CheckId::ALL, "{report}");
    assert_eq!(report.passed() + report.failed() + report.warned(), CheckId::ALL.len());
    for check in &report.checks {
        assert!(!check.observed.is_empty() && !check.expected.is_empty() && !check.source.is_empty(), "{check}");
    }
}

/// Every check's verdict follows its classification: a deviation is [`CheckId::deviation`],
/// except a check that could not run (a `WARN`), a crashed probe (harm: a `FAIL`) and
/// `query-unknown-status`'s success for a name no package has (harm: a `FAIL`).
#[track_caller]
pub fn assert_classified(report: &Report) {
    for check in &report.checks {
        let exempt = check.observed.starts_with("not run: ")
            || check.observed.starts_with("the probe ")
            || (check.check == CheckId::QueryUnknownStatus && check.observed.contains("SEC_E_OK"));
        if check.status != Verdict::Pass && !exempt {
            assert_eq!(check.status, check.check.deviation(), "{check}");
        }
    }
}

#[track_caller]
pub fn assert_deviation(deviation: &Deviation, report: &Report) {
    assert_shape(report);
    assert_classified(report);
    let context = format!("deviation {:?}:\n{report}", deviation.name);
    assert_eq!(ids(report, Verdict::Fail), set(deviation.fails), "failing checks, {context}");
    let warns = [deviation.warns, ANSI_CHECKS].concat();
    assert_eq!(ids(report, Verdict::Warn), set(&warns), "warnings, {context}");
    for id in ANSI_CHECKS {
        let check = report.get(CheckId::from_name(id).unwrap()).unwrap();
        assert!(check.observed.starts_with("not run: "), "{check}");
    }
    assert_eq!(report.is_conformant(), deviation.fails.is_empty(), "{context}");
}
