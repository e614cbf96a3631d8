//! The conformance checker (`secpkg::conformance`, `secpkg conformance`) against the test
//! provider with each deviation from Windows behaviour in turn: each must fail exactly the check
//! that names it, and nothing else. Then the real providers: WinPR on Linux, secur32 (Wine's, in
//! CI) on Windows, whose failing checks today are pinned so that a change is noticed.
//!
//! The in-process tests also count the test provider's allocations: every buffer the checker got
//! went back to FreeContextBuffer exactly once, and nothing else did.

mod common;

use secpkg::Capabilities;
use secpkg::conformance::{self, CheckId, ChildProcess, InProcess, Probe, Report, Target, Verdict};
use secpkg::sys::{SEC_E_INSUFFICIENT_MEMORY, SEC_E_INTERNAL_ERROR};
use secpkg_test_provider::{Package, Scenario, install, stats, table};
use std::collections::BTreeSet;

/// A deviation of the test provider, and the checks it must fail and warn about: exactly those.
struct Deviation {
    name: &'static str,
    scenario: Scenario,
    fails: &'static [&'static str],
    warns: &'static [&'static str],
}

fn with(change: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut scenario = Scenario::default();
    change(&mut scenario);
    scenario
}

fn package<'s>(scenario: &'s mut Scenario, name: &str) -> &'s mut Package {
    scenario.packages.iter_mut().find(|p| p.name == name).unwrap()
}

/// The warnings of a scenario that lists no package: every record check, and the query probes
/// that need the list.
const NO_LIST: &[&str] = &[
    "package-name",
    "package-comment",
    "package-version",
    "package-capabilities",
    "package-capabilities-nonzero",
    "package-names-unique",
    "schannel-alias",
    "package-id",
    "package-max-token",
    "query-listed",
    "query-case",
];

/// Every check after `id`, in report order: those a failure of `id` leaves unable to run.
fn checks_after(id: &str) -> &'static [&'static str] {
    let names: Vec<&str> = CheckId::ALL.iter().map(|c| c.name()).collect();
    let at = names.iter().position(|n| *n == id).unwrap();
    names[at + 1..].to_vec().leak()
}

/// The checks a failed enumeration leaves unable to run: every record check, the query probes
/// that need the list, and the free.
fn no_enumeration() -> &'static [&'static str] {
    [&["enumerate-count", "enumerate-array"][..], NO_LIST, &["free-context-buffer"]].concat().leak()
}

const QUERY_CHECKS: &[&str] =
    &["query-listed", "query-case", "query-unknown-status", "query-unknown-out", "query-empty-name"];

/// A capability bit outside the SDK's SECPKG_FLAG_* set.
fn unknown_bit() -> u32 {
    let unknown = !Capabilities::all().bits();
    assert_ne!(unknown, 0, "every bit is a SECPKG_FLAG_*");
    1 << unknown.trailing_zeros()
}

const UNISP: &str = "Microsoft Unified Security Protocol Provider";

/// Every deviation the checker must catch, each with the checks it fails (exactly).
fn deviations() -> Vec<Deviation> {
    let d = |name, scenario, fails, warns| Deviation { name, scenario, fails, warns };
    vec![
        d("none: the default scenario", Scenario::default(), &[], &[]),
        d(
            "unknown name: SEC_E_INTERNAL_ERROR instead of SEC_E_SECPKG_NOT_FOUND",
            with(|s| s.unknown_query_status = Some(SEC_E_INTERNAL_ERROR)),
            &["query-unknown-status"],
            &[],
        ),
        d("case-sensitive names", with(|s| s.query_case_sensitive = true), &["query-case"], &[]),
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
            &["enumerate-count", "enumerate-array"],
            NO_LIST,
        ),
        d(
            "enumeration fails",
            with(|s| s.enumerate_status = Some(SEC_E_INSUFFICIENT_MEMORY)),
            &["enumerate-status"],
            no_enumeration(),
        ),
        d(
            "the out-pointer overwritten on not-found",
            with(|s| s.unknown_query_writes_out = true),
            &["query-unknown-out"],
            &[],
        ),
        d("query returns another record", with(|s| s.query_returns_other_record = true), &["query-listed"], &[]),
        d(
            "every query fails",
            with(|s| s.query_status = Some(SEC_E_INTERNAL_ERROR)),
            &["query-listed", "query-unknown-status", "query-unknown-out"],
            &["query-case"],
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
        d("Negotiate with cbMaxToken 0", with(|s| package(s, "Negotiate").max_token = 0), &["package-max-token"], &[]),
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
            &["schannel-alias"],
            &[],
        ),
    ]
}

fn ids(report: &Report, verdict: Verdict) -> BTreeSet<String> {
    report.with_status(verdict).map(|c| c.name().to_owned()).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|&n| n.to_owned()).collect()
}

/// The report lists every check once, in order, and counts them right.
#[track_caller]
fn assert_shape(report: &Report) {
    let order: Vec<CheckId> = report.checks.iter().map(|c| c.check).collect();
    assert_eq!(order, CheckId::ALL, "{report}");
    assert_eq!(report.passed() + report.failed() + report.warned(), CheckId::ALL.len());
    for check in &report.checks {
        assert!(!check.observed.is_empty() && !check.expected.is_empty() && !check.source.is_empty(), "{check}");
    }
}

#[track_caller]
fn assert_deviation(deviation: &Deviation, report: &Report) {
    assert_shape(report);
    let context = format!("deviation {:?}:\n{report}", deviation.name);
    assert_eq!(ids(report, Verdict::Fail), set(deviation.fails), "failing checks, {context}");
    assert_eq!(ids(report, Verdict::Warn), set(deviation.warns), "warnings, {context}");
    assert_eq!(report.is_conformant(), deviation.fails.is_empty(), "{context}");
}

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
    assert_eq!((report.passed(), report.failed(), report.warned()), (CheckId::ALL.len(), 0, 0), "{report}");
    let observed = |id| report.get(id).unwrap().observed.as_str();
    assert_eq!(observed(CheckId::PackageName), r#""Negotiate", "Kerberos", "NTLM", "Schannel""#);
    assert_eq!(observed(CheckId::PackageId), "Negotiate 9, NTLM 10, Schannel 14, Kerberos 16");
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
        assert_eq!(check.status, Verdict::Fail, "{report}");
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
    let s = with(|s| s.free_rejects = true);
    let text = observed(s, CheckId::FreeContextBuffer);
    assert!(text.starts_with("18 of 18 buffers not freed with SEC_E_OK: the EnumerateSecurityPackagesW array: SEC_E_INVALID_HANDLE (0x80090301)"), "{text}");
    let s = with(|s| s.query_case_sensitive = true);
    assert!(observed(s, CheckId::QueryCase).starts_with(r#""NEGOTIATE": SEC_E_SECPKG_NOT_FOUND (0x80090305); "#));
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
        json.ends_with(&format!("  \"passed\": {},\n  \"failed\": 1,\n  \"warned\": 0\n}}\n", CheckId::ALL.len() - 1))
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
    assert_eq!((report.failed(), report.warned()), (0, 0), "{report}");
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

/// `secpkg conformance`: the same deviations through the command, with the test provider built
/// as a library and configured through its environment variable, each probe in a child process.
#[cfg(feature = "cli")]
mod command {
    use super::*;
    use serde_json::Value;
    use std::path::Path;
    use std::process::Command;

    /// What one run of the command gave.
    struct Run {
        code: Option<i32>,
        stdout: String,
        stderr: String,
    }

    fn secpkg(args: &[&str], provider: Option<&Path>, scenario: Option<&Scenario>) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_secpkg"));
        command.args(args);
        if let Some(path) = provider {
            command.arg("--provider").arg(path);
        }
        command.env_remove(secpkg_test_provider::ENV_VAR).env_remove("SECPKG_PROVIDER");
        if let Some(scenario) = scenario {
            command.env(secpkg_test_provider::ENV_VAR, serde_json::to_string(scenario).unwrap());
        }
        let output = command.output().unwrap();
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The `--json` report, its shape checked member by member as a `serde_json::Value` (not
    /// only by the library's `Deserialize`): the documented members and nothing else, every
    /// check once and in order, the counts right.
    #[track_caller]
    fn json_report(run: &Run) -> Report {
        let value: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
        let object = value.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["checks", "failed", "passed", "provider", "warned"], "{}", run.stdout);
        assert!(value["provider"].is_string());
        let checks = value["checks"].as_array().unwrap();
        let mut counts = [0u64; 3];
        for (check, id) in checks.iter().zip(CheckId::ALL) {
            let mut members: Vec<&str> = check.as_object().unwrap().keys().map(String::as_str).collect();
            members.sort_unstable();
            assert_eq!(members, ["check", "expected", "observed", "source", "status"], "{check}");
            assert_eq!(check["check"], id.name());
            assert_eq!(check["expected"], id.expected());
            assert_eq!(check["source"], id.source());
            let status = check["status"].as_str().unwrap();
            counts[["PASS", "FAIL", "WARN"].iter().position(|&s| s == status).expect(status)] += 1;
        }
        assert_eq!(checks.len(), CheckId::ALL.len());
        assert_eq!([&value["passed"], &value["failed"], &value["warned"]], counts.map(Value::from).each_ref());
        let report = Report::from_json(&run.stdout).unwrap();
        assert_shape(&report);
        // Exit status 0 when nothing fails, 4 when something does.
        assert_eq!(run.code, Some(if report.is_conformant() { 0 } else { 4 }), "{}", run.stderr);
        report
    }

    /// Runs `deviations` through the command, a few at a time.
    fn through_the_command(deviations: Vec<Deviation>) {
        let library = common::test_provider_library();
        std::thread::scope(|scope| {
            for chunk in deviations.chunks(deviations.len().div_ceil(4)) {
                let library = &library;
                scope.spawn(move || {
                    for deviation in chunk {
                        let run = secpkg(&["conformance", "--json"], Some(library), Some(&deviation.scenario));
                        let report = json_report(&run);
                        assert_eq!(report.provider, library.display().to_string());
                        assert_deviation(deviation, &report);
                    }
                });
            }
        });
    }

    #[test]
    fn each_deviation_fails_its_check_and_nothing_else() {
        through_the_command(deviations());
    }

    /// What only a child process survives, or only a library shows: crashes, no table.
    #[test]
    fn a_provider_that_crashes_fails_the_probing_checks_and_the_checker_survives() {
        through_the_command(vec![
            Deviation {
                name: "a crash in QuerySecurityPackageInfoW",
                scenario: with(|s| s.crash_on_query = true),
                fails: QUERY_CHECKS,
                warns: &[],
            },
            Deviation {
                name: "InitSecurityInterfaceW returns null",
                scenario: with(|s| s.null_table = true),
                fails: &["init-table"],
                warns: checks_after("init-table"),
            },
        ]);
        let library = common::test_provider_library();
        let run = secpkg(&["conformance", "--json"], Some(&library), Some(&with(|s| s.crash_on_query = true)));
        let report = json_report(&run);
        for id in QUERY_CHECKS {
            let check = report.get(CheckId::from_name(id).unwrap()).unwrap();
            assert!(check.observed.starts_with("the probe process crashed: "), "{check}");
        }
    }

    #[test]
    fn a_library_that_is_no_provider_fails_init_table() {
        let not_a_provider = if cfg!(windows) { "kernel32.dll" } else { "libc.so.6" };
        let run = secpkg(&["conformance", "--json"], Some(Path::new(not_a_provider)), None);
        let report = json_report(&run);
        assert_eq!(ids(&report, Verdict::Fail), set(&["init-table"]));
        let observed = &report.get(CheckId::InitTable).unwrap().observed;
        assert!(observed.starts_with(&format!("{not_a_provider} exports no InitSecurityInterfaceW")), "{observed}");
    }

    #[test]
    fn the_text_report_has_one_line_per_check_and_a_summary() {
        let library = common::test_provider_library();
        let run = secpkg(&["conformance"], Some(&library), Some(&with(|s| s.query_case_sensitive = true)));
        assert_eq!(run.code, Some(4), "{}", run.stderr);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), CheckId::ALL.len() + 1, "{}", run.stdout);
        for (line, id) in lines.iter().zip(CheckId::ALL) {
            let verdict = if *id == CheckId::QueryCase { "FAIL" } else { "PASS" };
            assert!(line.starts_with(&format!("{verdict} {id}: observed ")), "{line}");
            assert!(line.contains(&format!("; expected {} [{}]", id.expected(), id.source())), "{line}");
        }
        let summary = format!("{}: {} passed, 1 failed, 0 warned", library.display(), CheckId::ALL.len() - 1);
        assert_eq!(lines.last(), Some(&summary.as_str()));

        let run = secpkg(&["conformance"], Some(&library), None);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stdout.ends_with(&format!("{} passed, 0 failed, 0 warned\n", CheckId::ALL.len())));
    }

    #[test]
    fn the_hidden_probe_command_prints_one_json_line() {
        let library = common::test_provider_library();
        let run = secpkg(&["__conformance-probe", "query-unknown"], Some(&library), None);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
        let outcome = conformance::ProbeOutcome::from_json_line(run.stdout.trim_end()).unwrap();
        assert_eq!(outcome.probe, Probe::QueryUnknown);
        let checks: Vec<(CheckId, Verdict)> = outcome.checks.iter().map(|c| (c.check, c.status)).collect();
        assert_eq!(checks, [(CheckId::QueryUnknownStatus, Verdict::Pass), (CheckId::QueryUnknownOut, Verdict::Pass)]);

        let run = secpkg(&["__conformance-probe", "no-such-probe"], Some(&library), None);
        assert_eq!(run.code, Some(2), "{}", run.stdout);
        assert!(run.stderr.contains("no-such-probe"), "{}", run.stderr);
        let help = secpkg(&["--help"], None, None);
        assert!(help.stdout.contains("conformance") && !help.stdout.contains("__conformance-probe"), "{}", help.stdout);
    }

    /// Runs `secpkg conformance --json` on a real provider; `None` when it is not installed.
    #[cfg(not(windows))]
    fn real_provider(provider: Option<&Path>, what: &str) -> Option<Report> {
        let report = json_report(&secpkg(&["conformance", "--json"], provider, None));
        let init = report.get(CheckId::InitTable).unwrap();
        let missing = init.observed.starts_with("cannot load") || init.observed.starts_with("no SSPI provider found");
        if init.status == Verdict::Fail && missing {
            assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but {what} is missing: {init}");
            eprintln!("skipped: {what} is not installed: {}", init.observed);
            return None;
        }
        Some(report)
    }

    /// What WinPR 2 fails today: it matches package names case-sensitively, and writes NULL to
    /// the out-pointer of a query that finds nothing. Pinned, so that a change is noticed.
    #[cfg(not(windows))]
    const WINPR2_FAILS: &[&str] = &["query-case", "query-unknown-out"];

    #[cfg(not(windows))]
    #[test]
    fn winpr_fails_exactly_what_it_failed_when_recorded() {
        let Some(report) = real_provider(Some(Path::new("libwinpr2.so.2")), "WinPR 2 (libwinpr2.so.2)") else {
            return;
        };
        eprint!("{report}");
        assert_eq!(report.provider, "libwinpr2.so.2");
        assert_eq!(ids(&report, Verdict::Fail), set(WINPR2_FAILS), "{report}");
        assert_eq!(ids(&report, Verdict::Warn), set(&[]), "{report}");
        let observed = |id| report.get(id).unwrap().observed.as_str();
        assert_eq!(observed(CheckId::QueryUnknownOut), "overwritten: 0x5ec05ec0 became 0x0");
        assert!(observed(CheckId::QueryCase).starts_with(r#""ntlm": SEC_E_SECPKG_NOT_FOUND (0x80090305); "#));
        assert_eq!(observed(CheckId::PackageId), "Negotiate 9, NTLM 10, Schannel 14, Kerberos 16");
    }

    /// Without --provider the command checks the system provider: WinPR here when installed.
    #[cfg(not(windows))]
    #[test]
    fn the_system_provider_is_checked_without_provider() {
        let Some(report) = real_provider(None, "a system SSPI provider (WinPR)") else { return };
        assert!(secpkg::UNIX_PROVIDERS.contains(&report.provider.as_str()), "{}", report.provider);
        if report.provider == "libwinpr2.so.2" {
            assert_eq!(ids(&report, Verdict::Fail), set(WINPR2_FAILS), "{report}");
        }
    }

    /// What Wine's secur32 fails (Wine 8.0, recorded in the README's Conformance section): it
    /// lists "Microsoft Unified Security Protocol Provider" with a Comment of its own instead of
    /// Schannel's record. Real Windows fails nothing.
    #[cfg(windows)]
    const WINE_FAILS: &[&str] = &["schannel-alias"];

    /// Whether this runs under Wine: its ntdll exports `wine_get_version`.
    #[cfg(windows)]
    fn wine_version() -> Option<String> {
        // SAFETY: ntdll.dll is loaded in every Windows process; loading it again only counts a
        // reference and runs no initialiser.
        let ntdll = unsafe { libloading::Library::new("ntdll.dll") }.ok()?;
        // SAFETY: Wine's wine_get_version takes nothing and returns a static NUL-terminated string.
        let get =
            unsafe { ntdll.get::<unsafe extern "C" fn() -> *const std::ffi::c_char>(b"wine_get_version\0") }.ok()?;
        // SAFETY: as above: a valid C string that lives as long as ntdll.
        let version = unsafe { std::ffi::CStr::from_ptr(get()) };
        Some(version.to_string_lossy().into_owned())
    }

    #[cfg(windows)]
    #[test]
    fn secur32_fails_exactly_what_windows_or_wine_is_known_to() {
        let run = secpkg(&["conformance", "--json"], None, None);
        let report = json_report(&run);
        eprint!("{report}");
        assert_eq!(report.provider, "secur32.dll");
        match wine_version() {
            Some(version) => {
                eprintln!("Wine {version}");
                assert_eq!(ids(&report, Verdict::Fail), set(WINE_FAILS), "Wine {version}:\n{report}");
                let alias = &report.get(CheckId::SchannelAlias).unwrap().observed;
                assert!(alias.contains(r#"differs from "Schannel" in Comment "#), "{alias}");
            }
            None => assert_eq!(ids(&report, Verdict::Fail), set(&[]), "{report}"),
        }
    }
}
