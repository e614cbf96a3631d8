//! `secpkg conformance`: the deviations of the checker crate's tests (conformance/tests/common/deviations.rs)
//! through the command, with the test provider built as a library and configured through its
//! environment variable, each probe in a child process. Then the real providers: WinPR on Linux,
//! secur32 (Wine's, in CI) on Windows, whose failing checks today are pinned so that a change is
//! noticed.

mod common;
#[path = "../../conformance/tests/common/deviations.rs"]
mod deviations;

use deviations::{Deviation, QUERY_CHECKS, assert_deviation, assert_shape, checks_after, deviations, ids, set, with};
use secpkg_conformance::{self as conformance, CheckId, Probe, Report, Verdict};
use secpkg_test_provider::Scenario;
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
    assert_eq!(keys, ["checks", "failed", "passed", "provider", "stderr", "warned"], "{}", run.stdout);
    assert!(value["provider"].is_string());
    for note in value["stderr"].as_array().unwrap() {
        let mut members: Vec<&str> = note.as_object().unwrap().keys().map(String::as_str).collect();
        members.sort_unstable();
        assert_eq!(members, ["line", "probe"], "{note}");
    }
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

/// A provider that panics on a name it does not list, as sspi-rs does: the report gives the
/// panic's message and location, from a probe that crashed and from one that survived.
#[test]
fn a_panic_in_the_provider_is_reported_with_its_location() {
    let library = common::test_provider_library();
    let panic = "panicked at tests/provider/src/lib.rs:";
    let message = r#"secpkg-test-provider: no package named "secpkg-conformance-no-such-package""#;
    let aborts = with(|s| s.unknown_query_panics = Some(secpkg_test_provider::PanicMode::Abort));
    let run = secpkg(&["conformance"], Some(&library), Some(&aborts));
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    // The crash, then where and why it panicked, wrapped onto the lines that follow.
    let text = run.stdout.replace("\n     ", " ");
    assert!(text.contains("FAIL query-unknown-status: the probe process crashed: "), "{text}");
    assert!(text.contains(&format!(", after it {panic}")) && text.contains(message), "{text}");
    assert!(!text.contains("RUST_BACKTRACE"), "{text}");

    let unwinds = with(|s| s.unknown_query_panics = Some(secpkg_test_provider::PanicMode::Unwind));
    let report = json_report(&secpkg(&["conformance", "--json"], Some(&library), Some(&unwinds)));
    assert_eq!(report.get(CheckId::QueryUnknownStatus).unwrap().status, Verdict::Warn);
    let note = report.stderr.iter().find(|n| n.probe == Probe::QueryUnknown).expect("the surviving probe's stderr");
    assert!(note.line.starts_with(panic) && note.line.ends_with(message), "{}", note.line);
}

/// No provider to check (none at the path, or a library that is none): one line and status 2,
/// as `audit` gives, text or JSON, instead of a report of checks that could not run.
#[test]
fn no_provider_is_one_line_and_status_2() {
    let not_a_provider = if cfg!(windows) { "kernel32.dll" } else { "libc.so.6" };
    let missing = std::env::temp_dir().join("secpkg-no-such-provider.so");
    for args in [&["conformance"][..], &["conformance", "--json"]] {
        let run = secpkg(args, Some(Path::new(not_a_provider)), None);
        assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        // secpkg's own error (Error::NotAProvider) with the loader's reason as its source.
        let secpkg_error =
            format!("secpkg: {not_a_provider} is not an SSPI provider: it exports no InitSecurityInterfaceW: ");
        assert!(run.stderr.starts_with(&secpkg_error), "{}", run.stderr);
        let audit = secpkg(&["audit", "--baseline", "-"], Some(Path::new(not_a_provider)), None);
        assert_eq!(audit.code, Some(2));

        let run = secpkg(args, Some(&missing), None);
        assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!("secpkg: cannot load the SSPI provider {}:", missing.display())),
            "{}",
            run.stderr
        );
    }
}

/// A table the provider gave that secpkg refuses is the provider's failure: a report.
#[test]
fn a_null_table_is_a_report_not_a_missing_provider() {
    let library = common::test_provider_library();
    let run = secpkg(&["conformance", "--json"], Some(&library), Some(&with(|s| s.null_table = true)));
    let report = json_report(&run);
    assert_eq!(ids(&report, Verdict::Fail), set(&["init-table"]));
    assert_eq!(report.unavailable, None);
}

/// The default text: a short line per PASS, a FAIL or WARN with what was observed and what was
/// expected on lines of their own, no line over 100 columns, and a closing line naming the
/// checks that failed and warned. `--verbose` gives every check's observed, expected and source.
#[test]
fn the_text_report_is_short_and_names_what_failed() {
    let library = common::test_provider_library();
    let scenario = with(|s| {
        s.query_case_sensitive = true;
        deviations::package(s, "Negotiate").max_token = 12256;
    });
    let run = secpkg(&["conformance"], Some(&library), Some(&scenario));
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    // The closing line, wrapped as the others are, joined again.
    let joined = run.stdout.replace("\n     ", " ");
    // The test provider exports no InitSecurityInterfaceA: the ANSI checks cannot run.
    let summary = format!(
        "{}: {} passed, 1 failed (negotiate-max-token), 5 warned (query-case, {})",
        library.display(),
        CheckId::ALL.len() - 6,
        deviations::ANSI_CHECKS.join(", ")
    );
    assert_eq!(joined.lines().last(), Some(summary.as_str()), "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    for line in &lines {
        assert!(line.chars().count() <= 100, "{} columns: {line}", line.chars().count());
    }
    let starts: Vec<&str> = lines.iter().copied().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(starts.len(), CheckId::ALL.len() + 1, "{}", run.stdout);
    assert!(summary.starts_with(starts[starts.len() - 1]), "{}", run.stdout);
    for (line, id) in starts.iter().zip(CheckId::ALL) {
        let verdict = match id {
            CheckId::QueryCase | CheckId::AnsiTable | CheckId::AnsiEnumerate => "WARN",
            CheckId::AnsiQueryListed | CheckId::AnsiQueryUnknown => "WARN",
            CheckId::NegotiateMaxToken => "FAIL",
            _ => "PASS",
        };
        assert!(line.starts_with(&format!("{verdict} {id}: ")), "{line}");
        assert!(!line.contains(id.source()), "{line}");
    }
    let text = run.stdout.replace("\n     ", " ");
    let negotiate = CheckId::NegotiateMaxToken;
    assert!(
        text.contains(&format!(
            "FAIL {negotiate}: Negotiate 12256 < Kerberos 48000 expected: {}\n",
            negotiate.expected()
        )),
        "{text}"
    );

    let run = secpkg(&["conformance", "--verbose"], Some(&library), Some(&scenario));
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    for id in CheckId::ALL {
        let at = lines.iter().position(|l| l.split_once(' ').is_some_and(|(_, rest)| rest == id.name()));
        let at = at.unwrap_or_else(|| panic!("no line for {id}: {}", run.stdout));
        assert!(lines[at + 1].starts_with("     observed: "), "{id}: {}", lines[at + 1]);
    }
    // Wrapped lines joined again: each check's expectation and source, whole.
    let joined = run.stdout.replace("\n     ", " ");
    for id in CheckId::ALL {
        assert!(
            joined.contains(&format!(" expected: {} source:   {}\n", id.expected(), id.source())),
            "{id}: {joined}"
        );
    }

    let run = secpkg(&["conformance"], Some(&library), None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let end =
        format!("{} passed, 0 failed, 4 warned ({})\n", CheckId::ALL.len() - 4, deviations::ANSI_CHECKS.join(", "));
    assert!(run.stdout.replace("\n     ", " ").ends_with(&end), "{}", run.stdout);
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
    let run = secpkg(&["conformance", "--json"], provider, None);
    let missing =
        run.stderr.starts_with("secpkg: cannot load") || run.stderr.starts_with("secpkg: no SSPI provider found");
    if run.code == Some(2) && missing {
        assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but {what} is missing: {}", run.stderr);
        eprintln!("skipped: {what} is not installed: {}", run.stderr.trim_end());
        return None;
    }
    Some(json_report(&run))
}

/// What WinPR 2 fails today: it gives Negotiate a smaller cbMaxToken than Kerberos (12256 <
/// 48000). And what it is warned about, unlike Windows but undocumented: it matches package
/// names case-sensitively, and writes NULL to the out-pointer of a query that finds nothing.
/// Pinned, so that a change is noticed.
#[cfg(not(windows))]
const WINPR2_FAILS: &[&str] = &["negotiate-max-token"];
#[cfg(not(windows))]
const WINPR2_WARNS: &[&str] = &["query-case", "query-unknown-out", "ansi-query-unknown"];

#[cfg(not(windows))]
#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn winpr_fails_exactly_what_it_failed_when_recorded() {
    let Some(report) = real_provider(Some(Path::new("libwinpr2.so.2")), "WinPR 2 (libwinpr2.so.2)") else {
        return;
    };
    eprint!("{report}");
    assert_eq!(report.provider, "libwinpr2.so.2");
    assert_eq!(ids(&report, Verdict::Fail), set(WINPR2_FAILS), "{report}");
    assert_eq!(ids(&report, Verdict::Warn), set(WINPR2_WARNS), "{report}");
    let observed = |id| report.get(id).unwrap().observed.as_str();
    // Its ANSI entry points list and find what the W ones do; only the out-pointer differs.
    assert_eq!(observed(CheckId::AnsiEnumerate), "the 5 records EnumerateSecurityPackagesW lists");
    assert_eq!(observed(CheckId::AnsiQueryListed), "the listed record for each of the 5 names");
    assert_eq!(
        observed(CheckId::AnsiQueryUnknown),
        r#""secpkg-conformance-no-such-package": SEC_E_SECPKG_NOT_FOUND (0x80090305), out-pointer 0x5ec05ec0 became 0x0"#
    );
    assert_eq!(observed(CheckId::QueryUnknownOut), "overwritten: 0x5ec05ec0 became 0x0");
    assert!(observed(CheckId::QueryCase).starts_with(r#""ntlm": SEC_E_SECPKG_NOT_FOUND (0x80090305); "#));
    assert_eq!(observed(CheckId::PackageId), "Negotiate 9, NTLM 10, Schannel 14, Kerberos 16");
    assert_eq!(observed(CheckId::NegotiateMaxToken), "Negotiate 12256 < Kerberos 48000");
}

/// Without --provider the command checks the system provider: WinPR here when installed.
#[cfg(not(windows))]
#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn the_system_provider_is_checked_without_provider() {
    let Some(report) = real_provider(None, "a system SSPI provider (WinPR)") else { return };
    assert!(secpkg::UNIX_PROVIDERS.contains(&report.provider.as_str()), "{}", report.provider);
    if report.provider == "libwinpr2.so.2" {
        assert_eq!(ids(&report, Verdict::Fail), set(WINPR2_FAILS), "{report}");
    }
}

/// What Wine's secur32 fails (Wine 8.0, recorded in cli/README.md's Conformance section): its
/// Negotiate's cbMaxToken equals its Kerberos's (12000), with no room for SPNEGO's wrapping.
/// (It also lists "Microsoft Unified Security Protocol Provider" with a Comment of its own
/// instead of Schannel's record: a warning, as only Windows's behaviour backs it.) Real
/// Windows fails nothing.
#[cfg(windows)]
const WINE_FAILS: &[&str] = &["negotiate-max-token"];

/// Whether this runs under Wine: its ntdll exports `wine_get_version`.
#[cfg(windows)]
fn wine_version() -> Option<String> {
    // SAFETY: ntdll.dll is loaded in every Windows process; loading it again only counts a
    // reference and runs no initialiser.
    let ntdll = unsafe { libloading::Library::new("ntdll.dll") }.ok()?;
    // SAFETY: Wine's wine_get_version takes nothing and returns a static NUL-terminated string.
    let get = unsafe { ntdll.get::<unsafe extern "C" fn() -> *const std::ffi::c_char>(b"wine_get_version\0") }.ok()?;
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
            assert_eq!(ids(&report, Verdict::Warn), set(&["schannel-alias"]), "Wine {version}:\n{report}");
            let alias = &report.get(CheckId::SchannelAlias).unwrap().observed;
            assert!(alias.contains(r#"differs from "Schannel" in Comment "#), "{alias}");
        }
        None => assert_eq!(ids(&report, Verdict::Fail), set(&[]), "{report}"),
    }
}
