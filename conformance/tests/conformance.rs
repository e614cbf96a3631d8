//! The conformance checker (secpkg-conformance), in this process and in child processes, against the test
//! provider with each deviation from Windows behaviour in turn: each must fail exactly the check
//! that names it, and nothing else. The command's tests (cli/tests/conformance.rs, which
//! includes tests/common/deviations.rs too) run the same deviations through `secpkg
//! conformance`, and the real providers.
//!
//! The in-process tests also count the test provider's allocations: every buffer the checker got
//! went back to FreeContextBuffer exactly once, and nothing else did.

#[path = "common/deviations.rs"]
mod deviations;

use deviations::{QUERY_CHECKS, assert_deviation, assert_shape, deviations, ids, package, set, with};
use secpkg_conformance::{self as conformance, CheckId, ChildProcess, InProcess, Probe, Report, Target, Verdict};
use secpkg_sys::SEC_E_INTERNAL_ERROR;
use secpkg_test_provider::{Scenario, install, stats, table};
use std::collections::BTreeSet;

#[test]
fn each_deviation_fails_its_check_and_nothing_else_in_process() {
    for deviation in deviations() {
        let guard = install(deviation.scenario.clone());
        // SAFETY: the test provider's functions follow the SSPI contract (deviating only where
        // the scenario says) and are static.
        let target = unsafe { Target::from_table(&table(), "test provider") };
        let report = conformance::check(&target, &InProcess);
        assert_eq!(report.provider, "test provider");
        assert_deviation(&deviation, &report);
        // Every buffer the checker received went back once, and nothing else did.
        let s = stats();
        assert_eq!(s.free_calls, s.allocations + s.null_frees, "{}: {s:?}", deviation.name);
        assert_eq!(s.bad_frees, 0, "{}: {s:?}", deviation.name);
        assert_eq!(s.null_frees, 0, "{}: {s:?}", deviation.name);
        drop(guard);
    }
}

#[test]
fn the_default_scenario_passes_with_the_facts_it_observed() {
    let _guard = install(Scenario::default());
    // SAFETY: as above.
    let target = unsafe { Target::from_table(&table(), "test provider") };
    let report = conformance::check(&target, &InProcess);
    // All but the ANSI checks, which a function table cannot run.
    let ansi = deviations::ANSI_CHECKS.len();
    assert_eq!((report.passed(), report.failed(), report.warned()), (CheckId::ALL.len() - ansi, 0, ansi), "{report}");
    let ansi_table = &report.get(CheckId::AnsiTable).unwrap().observed;
    assert_eq!(ansi_table, "not run: a function table, not a library: no InitSecurityInterfaceA to call");
    let observed = |id| report.get(id).unwrap().observed.as_str();
    assert_eq!(observed(CheckId::PackageName), r#""Negotiate", "Kerberos", "NTLM", "Schannel""#);
    assert_eq!(observed(CheckId::PackageId), "Negotiate 9, NTLM 10, Schannel 14, Kerberos 16");
    assert_eq!(observed(CheckId::NegotiateMaxToken), "Negotiate 48256 > Kerberos 48000, NTLM 2888");
    assert_eq!(observed(CheckId::QueryUnknownOut), "left untouched (still 0x5ec05ec0)");
    // Upper and lower case of each name, but "NTLM" is upper case already.
    assert_eq!(observed(CheckId::QueryCase), "7 case variants, each the record of the name as listed");
    // One enumeration per probe that lists (3), one query per name (4), and in query-case one
    // per name as listed and per variant (4 + 7): 18 buffers.
    assert_eq!(observed(CheckId::FreeContextBuffer), "18 buffers, each SEC_E_OK");
    assert_eq!(stats().allocations, 18);
}

#[test]
fn failures_name_what_was_observed() {
    let observed = |scenario: Scenario, id: CheckId| {
        let _guard = install(scenario);
        // SAFETY: as above.
        let target = unsafe { Target::from_table(&table(), "test provider") };
        let report = conformance::check(&target, &InProcess);
        let check = report.get(id).unwrap().clone();
        assert_eq!(check.status, id.deviation(), "{report}");
        check.observed
    };
    let s = with(|s| s.unknown_query_status = Some(SEC_E_INTERNAL_ERROR));
    assert_eq!(
        observed(s, CheckId::QueryUnknownStatus),
        r#""secpkg-conformance-no-such-package": SEC_E_INTERNAL_ERROR (0x80090304)"#
    );
    let s = with(|s| s.unknown_query_writes_out = true);
    assert_eq!(observed(s, CheckId::QueryUnknownOut), "overwritten: 0x5ec05ec0 became 0x10");
    let s = with(|s| s.query_returns_other_record = true);
    assert!(observed(s, CheckId::QueryListed).starts_with(r#""Negotiate": cbMaxToken 48257 (listed 48256); "#));
    let s = with(|s| package(s, "Kerberos").rpc_id = 10);
    assert_eq!(
        observed(s, CheckId::PackageId),
        "Kerberos: wRPCID 10 (RPC_C_AUTHN_WINNT), SDK id 16 (RPC_C_AUTHN_GSS_KERBEROS)"
    );
    let s = with(|s| package(s, "Negotiate").max_token = 12256);
    assert_eq!(observed(s, CheckId::NegotiateMaxToken), "Negotiate 12256 < Kerberos 48000");
    let s = with(|s| package(s, "Negotiate").max_token = 2000);
    assert_eq!(observed(s, CheckId::NegotiateMaxToken), "Negotiate 2000 < Kerberos 48000; Negotiate 2000 < NTLM 2888");
    // SPNEGO wraps Kerberos's token: an equal figure has no room for the wrapping.
    let s = with(|s| package(s, "Negotiate").max_token = 48000);
    assert_eq!(observed(s, CheckId::NegotiateMaxToken), "Negotiate 48000 = Kerberos 48000, no room for SPNEGO");
    let s = with(|s| s.free_rejects = true);
    let text = observed(s, CheckId::FreeContextBuffer);
    assert!(text.starts_with("18 of 18 buffers not freed with SEC_E_OK: the EnumerateSecurityPackagesW array: SEC_E_INVALID_HANDLE (0x80090301)"), "{text}");
    let s = with(|s| s.query_case_sensitive = true);
    assert!(observed(s, CheckId::QueryCase).starts_with(r#""NEGOTIATE": SEC_E_SECPKG_NOT_FOUND (0x80090305); "#));
}

/// The Negotiate check has nothing to compare without Negotiate, or without the packages it
/// negotiates: a PASS that says so, as `schannel-alias` does when neither name is listed.
#[test]
fn the_negotiate_check_passes_and_says_why_when_there_is_nothing_to_compare() {
    let observed = |scenario: Scenario| {
        let _guard = install(scenario);
        // SAFETY: as above.
        let target = unsafe { Target::from_table(&table(), "test provider") };
        let report = conformance::check(&target, &InProcess);
        let check = report.get(CheckId::NegotiateMaxToken).unwrap().clone();
        assert_eq!(check.status, Verdict::Pass, "{report}");
        check.observed
    };
    let s = with(|s| s.packages.retain(|p| p.name != "Negotiate"));
    assert_eq!(observed(s), "Negotiate not listed");
    let s = with(|s| s.packages.retain(|p| p.name != "Kerberos" && p.name != "NTLM"));
    assert_eq!(observed(s), "Negotiate 48256, and none of Kerberos, NTLM listed");
}

#[test]
fn the_json_report_reads_back() {
    let _guard = install(with(|s| s.query_case_sensitive = true));
    // SAFETY: as above.
    let target = unsafe { Target::from_table(&table(), "test \"provider\"") };
    let report = conformance::check(&target, &InProcess);
    let json = report.to_json();
    assert!(json.starts_with("{\n  \"provider\": \"test \\\"provider\\\"\",\n  \"checks\": [\n"), "{json}");
    assert!(
        json.ends_with(&format!("  \"passed\": {},\n  \"failed\": 0,\n  \"warned\": 5\n}}\n", CheckId::ALL.len() - 5))
    );
    assert_eq!(Report::from_json(&json).unwrap(), report);
}

/// The library's child-process runner, without the `secpkg` command: this test binary re-runs
/// itself with `--exact probe_child_entry`, whose probe crashes (crash_on_query) or answers.
#[test]
fn the_child_process_runner_survives_a_provider_that_crashes() {
    let runner = |scenario: &'static str| {
        ChildProcess::new(move |_: &Target, probe: Probe| {
            let mut command = std::process::Command::new(std::env::current_exe().unwrap());
            command.args(["--exact", "probe_child_entry", "--nocapture", "--test-threads=1"]);
            command.env(CHILD_PROBE, probe.name()).env(secpkg_test_provider::ENV_VAR, scenario);
            command
        })
    };
    // SAFETY: as above. The table only names the functions; each child builds its own.
    let target = unsafe { Target::from_table(&table(), "test provider") };
    let report = conformance::check(&target, &runner(r#"{"crash_on_query": true}"#));
    assert_shape(&report);
    assert_eq!(ids(&report, Verdict::Fail), set(QUERY_CHECKS), "{report}");
    let crashed = &report.get(CheckId::QueryUnknownStatus).unwrap().observed;
    assert!(crashed.starts_with("the probe process crashed: "), "{crashed}");
    if cfg!(unix) {
        assert!(crashed.contains("signal 6 (SIGABRT)"), "{crashed}");
    }
    let report = conformance::check(&target, &runner("{}"));
    assert_eq!((report.failed(), report.warned()), (0, deviations::ANSI_CHECKS.len()), "{report}");
    assert!(report.stderr.is_empty(), "{report}");
}

/// A provider that panics (as sspi-rs's lookup does for a name it does not list): the panic's
/// message and location are in the report, not the `note: run with RUST_BACKTRACE=1` line that
/// follows them, whether the panic aborts the probe or the provider catches it.
#[test]
fn a_panic_is_reported_with_its_message_and_location() {
    let runner = |scenario: &'static str| {
        ChildProcess::new(move |_: &Target, probe: Probe| {
            let mut command = std::process::Command::new(std::env::current_exe().unwrap());
            command.args(["--exact", "probe_child_entry", "--nocapture", "--test-threads=1"]);
            command.env(CHILD_PROBE, probe.name()).env(secpkg_test_provider::ENV_VAR, scenario);
            command.env_remove("RUST_BACKTRACE");
            command
        })
    };
    let panic = "panicked at tests/provider/src/lib.rs:";
    let message = r#": secpkg-test-provider: no package named "secpkg-conformance-no-such-package""#;
    // SAFETY: as above.
    let target = unsafe { Target::from_table(&table(), "test provider") };

    let report = conformance::check(&target, &runner(r#"{"unknown_query_panics": "abort"}"#));
    assert_eq!(ids(&report, Verdict::Fail), set(&["query-unknown-status", "query-unknown-out", "query-empty-name"]));
    let crashed = &report.get(CheckId::QueryUnknownStatus).unwrap().observed;
    assert!(crashed.starts_with("the probe process crashed: "), "{crashed}");
    assert!(crashed.contains(&format!(", after it {panic}")) && crashed.ends_with(message), "{crashed}");
    assert!(!crashed.contains("RUST_BACKTRACE") && !crashed.contains("cannot unwind"), "{crashed}");

    let report = conformance::check(&target, &runner(r#"{"unknown_query_panics": "unwind"}"#));
    let warns = [&["query-unknown-status"][..], deviations::ANSI_CHECKS].concat();
    assert_eq!((report.failed(), ids(&report, Verdict::Warn)), (0, set(&warns)), "{report}");
    let notes: Vec<(Probe, &str)> = report.stderr.iter().map(|n| (n.probe, n.line.as_str())).collect();
    assert_eq!(notes.len(), 2, "{report}");
    assert_eq!(notes[0].0, Probe::QueryUnknown);
    assert!(notes[0].1.starts_with(panic) && notes[0].1.ends_with(message), "{report}");
    assert_eq!(notes[1].0, Probe::QueryEmpty);
    assert!(report.to_string().contains(&format!("stderr of probe query-unknown: {panic}")), "{report}");
}

/// A probe program that cannot be started fails every check, after a few attempts, and says so.
#[test]
fn a_probe_that_cannot_start_fails_every_check() {
    let missing = std::env::temp_dir().join("secpkg-no-such-probe-program");
    let runner = ChildProcess::new(move |_: &Target, _: Probe| std::process::Command::new(&missing));
    // SAFETY: as above; the probes never get as far as the table.
    let target = unsafe { Target::from_table(&table(), "test provider") };
    let report = conformance::check(&target, &runner);
    assert_shape(&report);
    let probed: BTreeSet<String> =
        Probe::ALL.into_iter().flat_map(Probe::checks).map(|c| c.name().to_owned()).collect();
    assert_eq!(ids(&report, Verdict::Fail), probed, "{report}");
    let observed = &report.get(CheckId::EnumerateStatus).unwrap().observed;
    assert!(observed.starts_with("the probe process could not be started (3 attempts): "), "{observed}");
}

/// Set in a child of the test above: the probe to run and print.
const CHILD_PROBE: &str = "SECPKG_CONFORMANCE_TEST_PROBE";

/// In a child of `the_child_process_runner_survives_a_provider_that_crashes` (with
/// [`CHILD_PROBE`] set), runs that probe on the test provider configured by its environment and
/// prints the outcome's JSON line; in a normal run it does nothing.
#[test]
fn probe_child_entry() {
    let Some(probe) = std::env::var_os(CHILD_PROBE) else { return };
    let probe = Probe::from_name(probe.to_str().unwrap()).unwrap();
    // SAFETY: as above.
    let target = unsafe { Target::from_table(&table(), "test provider") };
    println!("{}", conformance::run_probe(&target, probe).to_json_line());
}
