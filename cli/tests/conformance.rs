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

// ---- --handshake: the checks of a real exchange ----

/// The default packages and the toy's, with `exchange`: the other checks as without it.
fn toy_exchange(exchange: secpkg_test_provider::Exchange) -> Scenario {
    let mut packages = secpkg_test_provider::default_packages();
    packages.push(secpkg_test_provider::toy_package());
    Scenario { packages, exchange, ..Scenario::default() }
}

/// `secpkg conformance --handshake --json ARGS` on the test provider: the report, whose checks
/// are every other check, in order, then the handshake's; and the handshake checks' verdicts.
#[track_caller]
fn handshake_report(args: &[&str], scenario: &Scenario) -> (Run, Report, Vec<(CheckId, Verdict)>) {
    let library = common::test_provider_library();
    let mut all = vec!["conformance", "--json", "--handshake"];
    all.extend_from_slice(args);
    let run = secpkg(&all, Some(&library), Some(scenario));
    let report = Report::from_json(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    let ids: Vec<CheckId> = report.checks.iter().map(|c| c.check).collect();
    assert_eq!(ids, [CheckId::ALL, CheckId::HANDSHAKE].concat(), "{report}");
    assert_eq!(run.code, Some(if report.is_conformant() { 0 } else { 4 }), "{}", run.stderr);
    let verdicts = report.checks[CheckId::ALL.len()..].iter().map(|c| (c.check, c.status)).collect();
    (run, report, verdicts)
}

fn verdicts(expected: [Verdict; 5]) -> Vec<(CheckId, Verdict)> {
    CheckId::HANDSHAKE.iter().copied().zip(expected).collect()
}

const PASS: Verdict = Verdict::Pass;
const FAIL: Verdict = Verdict::Fail;
const WARN: Verdict = Verdict::Warn;

/// The toy exchange: 3 tokens (64, 104, 144 bytes) within the toy's cbMaxToken (256) and the
/// context's, its context's package the listed record. The other checks are as without
/// --handshake; so is the report without it.
#[test]
fn the_toy_exchange_passes_the_handshake_checks() {
    let scenario = toy_exchange(secpkg_test_provider::Exchange::default());
    let (run, report, handshake) = handshake_report(&["--package", "Toy"], &scenario);
    assert_eq!(handshake, verdicts([PASS; 5]), "{report}");
    assert_eq!(run.code, Some(0));
    let observed = |id| report.get(id).unwrap().observed.as_str();
    assert_eq!(observed(CheckId::HandshakeTokenMax), "client Toy 64, 144 of 256; server Toy 104 of 256");
    assert_eq!(observed(CheckId::HandshakeNegotiateCovers), "not applicable: the exchange used Toy, not Negotiate");
    assert_eq!(
        observed(CheckId::HandshakeNegotiatedListed),
        "client's package Toy, server's package Toy: listed records"
    );
    let without = secpkg(&["conformance", "--json"], Some(&common::test_provider_library()), Some(&scenario));
    let without = json_report(&without);
    assert_eq!(without.checks[..], report.checks[..CheckId::ALL.len()]);

    // Negotiate, as the default packages list it (48256 ≥ Kerberos 48000 + SPNEGO's 43).
    let (_, report, handshake) = handshake_report(&[], &scenario);
    assert_eq!(handshake, verdicts([PASS; 5]), "{report}");
    let covers = report.get(CheckId::HandshakeNegotiateCovers).unwrap();
    assert_eq!(
        covers.observed,
        "Negotiate 48256 ≥ client's largest token through Negotiate 144, server's largest \
                                 token through Negotiate 104, Kerberos 48000 + SPNEGO 43 = 48043"
    );
}

/// The test provider's fault: the server's token is cbMaxToken + 1 bytes (257). The exchange's
/// buffers hold it, so it is measured: handshake-token-max fails, and so does
/// handshake-context-max (the toy's SECPKG_ATTR_SIZES says 256 too); the command exits 4.
#[test]
fn a_token_longer_than_max_token_fails_handshake_token_max() {
    let scenario = toy_exchange(secpkg_test_provider::Exchange { oversize_call: Some(2), ..Default::default() });
    let (run, report, handshake) = handshake_report(&["--package", "Toy"], &scenario);
    assert_eq!(handshake, verdicts([PASS, FAIL, FAIL, PASS, PASS]), "{report}");
    assert_eq!(run.code, Some(4));
    let check = report.get(CheckId::HandshakeTokenMax).unwrap();
    assert_eq!(check.observed, "server Toy tokens of 257 bytes > cbMaxToken 256");
    assert_eq!(ids(&report, Verdict::Fail), set(&["handshake-token-max", "handshake-context-max"]));
    let context = report.get(CheckId::HandshakeContextMax).unwrap();
    assert_eq!(context.observed, "server tokens of 257 bytes > its context's cbMaxToken 256");

    let text = secpkg(
        &["conformance", "--handshake", "--package", "Toy"],
        Some(&common::test_provider_library()),
        Some(&scenario),
    );
    assert_eq!(text.code, Some(4), "{}", text.stderr);
    assert!(
        text.stdout.contains("\nFAIL handshake-token-max: server Toy tokens of 257 bytes > cbMaxToken 256\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.replace("\n     ", " ").contains(" 2 failed (handshake-token-max, handshake-context-max), "),
        "{}",
        text.stdout
    );
}

/// Negotiate's cbMaxToken below a wrapped Kerberos token, and a negotiated package the provider
/// does not list: each fails its check; a failing leg warns and leaves the context checks
/// not run.
#[test]
fn negotiate_faults_fail_their_handshake_checks() {
    let mut scenario = toy_exchange(secpkg_test_provider::Exchange::default());
    deviations::package(&mut scenario, "Negotiate").max_token = 48000;
    let (_, report, handshake) = handshake_report(&[], &scenario);
    assert_eq!(handshake, verdicts([PASS, PASS, PASS, FAIL, PASS]), "{report}");
    assert_eq!(
        report.get(CheckId::HandshakeNegotiateCovers).unwrap().observed,
        "Negotiate's cbMaxToken 48000 < Kerberos 48000 + SPNEGO 43 = 48043"
    );

    let unlisted = secpkg_test_provider::Exchange {
        negotiated: Some(secpkg_test_provider::UNLISTED.to_owned()),
        ..Default::default()
    };
    let (_, report, handshake) = handshake_report(&[], &toy_exchange(unlisted));
    assert_eq!(handshake, verdicts([PASS, PASS, PASS, PASS, FAIL]), "{report}");
    let observed = &report.get(CheckId::HandshakeNegotiatedListed).unwrap().observed;
    assert!(
        observed.contains(&format!("the client's negotiated package {} is not listed", secpkg_test_provider::UNLISTED)),
        "{observed}"
    );

    let failing = toy_exchange(secpkg_test_provider::Exchange { fail_call: Some(2), ..Default::default() });
    let (run, report, handshake) = handshake_report(&["--package", "Toy"], &failing);
    assert_eq!(handshake, verdicts([WARN, PASS, WARN, PASS, WARN]), "{report}");
    assert_eq!(run.code, Some(0));
    let complete = &report.get(CheckId::HandshakeComplete).unwrap().observed;
    assert!(complete.starts_with("not complete after 1 token: "), "{complete}");
}

/// The exchange's options need --handshake; a package the provider does not have is the
/// report's (handshake-complete), not a crash.
#[test]
fn handshake_options_need_handshake_and_an_unknown_package_is_reported() {
    let library = common::test_provider_library();
    let run = secpkg(&["conformance", "--package", "Toy"], Some(&library), None);
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(run.stderr.starts_with("secpkg: ") && run.stderr.contains("add --handshake"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    // --server-account (the handshake's too) needs --user, and is the server's.
    let run = secpkg(&["conformance", "--handshake", "--server-account"], Some(&library), None);
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(run.stderr.contains("--user"), "{}", run.stderr);
    let run = secpkg(
        &["handshake", "--connect", "127.0.0.1:9", "--user", "a", "--password-stdin", "--server-account"],
        Some(&library),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(run.stderr.contains("--server-account are the server's"), "{}", run.stderr);

    let (_, report, handshake) = handshake_report(&["--package", "NoSuch"], &toy_exchange(Default::default()));
    assert_eq!(handshake, verdicts([WARN, WARN, WARN, PASS, WARN]), "{report}");
    let complete = &report.get(CheckId::HandshakeComplete).unwrap().observed;
    assert!(
        complete.starts_with("not complete after 0 tokens: no exchange: ") && complete.contains("NoSuch"),
        "{complete}"
    );
}

/// WinPR's NTLM and Negotiate, the server's account from a SAM file this test writes, the
/// password from a file and from stdin (handed to the probe child on its stdin, never printed).
/// Both authenticate within both maxima; WinPR reports neither the context's package nor the
/// negotiated one (SEC_E_UNSUPPORTED_FUNCTION): a WARN; and its Negotiate lists 12256, below
/// a wrapped Kerberos token (48000 + 43): a FAIL.
#[cfg(not(windows))]
#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn winpr_ntlm_and_negotiate_give_the_recorded_handshake_verdicts() {
    const PASSWORD: &str = "Pa55-conformance-secpkg";
    if Command::new(env!("CARGO_BIN_EXE_secpkg"))
        .args(["--in-process", "show", "NTLM"])
        .env_remove("SECPKG_PROVIDER")
        .output()
        .map_or(true, |o| !o.status.success())
    {
        assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but WinPR (NTLM) is missing");
        eprintln!("skipped: no system SSPI provider with NTLM (WinPR)");
        return;
    }
    let hash = Command::new("winpr-hash").args(["-u", "alice", "-p", PASSWORD, "-d", "EXAMPLE", "-f", "sam"]).output();
    let line = match hash {
        Ok(output) if output.status.success() => String::from_utf8(output.stdout).unwrap(),
        other => {
            assert!(
                !common::providers_required(),
                "SECPKG_REQUIRE_PROVIDERS=1, but winpr-hash does not run: {other:?}"
            );
            eprintln!("skipped: winpr-hash (Debian: apt install winpr-utils) does not run: {other:?}");
            return;
        }
    };
    let dir = std::env::temp_dir().join(format!("secpkg-cli-conformance-handshake-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (sam, password) = (dir.join("SAM"), dir.join("password"));
    std::fs::write(&sam, line).unwrap();
    std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
    for (package, stdin) in [("NTLM", false), ("Negotiate", true)] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_secpkg"));
        command.env_remove("SECPKG_PROVIDER").env_remove(secpkg_test_provider::ENV_VAR);
        command.args([
            "conformance",
            "--json",
            "--handshake",
            "--package",
            package,
            "--user",
            "alice",
            "--domain",
            "EXAMPLE",
        ]);
        command.arg("--sam-file").arg(&sam);
        let output = if stdin {
            command
                .arg("--password-stdin")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = command.spawn().unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
            child.wait_with_output().unwrap()
        } else {
            command.arg("--password-file").arg(&password).output().unwrap()
        };
        let (stdout, stderr) =
            (String::from_utf8(output.stdout).unwrap(), String::from_utf8_lossy(&output.stderr).into_owned());
        assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD), "the password was printed");
        let report = Report::from_json(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
        eprint!("{package}:\n{report}");
        assert_eq!(output.status.code(), Some(4), "{stderr}");
        let handshake: Vec<(CheckId, Verdict)> =
            report.checks[CheckId::ALL.len()..].iter().map(|c| (c.check, c.status)).collect();
        let covers = if package == "NTLM" { PASS } else { FAIL };
        assert_eq!(handshake, verdicts([PASS, PASS, PASS, covers, WARN]), "{report}");
        let observed = |id| report.get(id).unwrap().observed.clone();
        assert!(observed(CheckId::HandshakeComplete).ends_with("complete after 3 tokens"), "{report}");
        let max = if package == "NTLM" { "2888" } else { "12256" };
        assert!(observed(CheckId::HandshakeTokenMax).ends_with(&format!(" of {max}")), "{report}");
        if package == "Negotiate" {
            assert_eq!(
                observed(CheckId::HandshakeNegotiateCovers),
                "Negotiate's cbMaxToken 12256 < Kerberos 48000 + SPNEGO 43 = 48043"
            );
        }
        assert!(
            observed(CheckId::HandshakeNegotiatedListed)
                .starts_with("not run: the client's package: SECPKG_ATTR_PACKAGE_INFO: "),
            "{report}"
        );
        let mut fails = WINPR2_FAILS.to_vec();
        if package == "Negotiate" {
            fails.push("handshake-negotiate-covers");
        }
        assert_eq!(ids(&report, Verdict::Fail), set(&fails), "{report}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
