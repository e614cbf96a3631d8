//! `secpkg handshake`, run as a child process: against the test provider's toy exchange (its
//! token sizes are known, and its faults include a token longer than cbMaxToken), against WinPR's
//! NTLM and Negotiate with a SAM file this test writes, and over GSSAPI against the throw-away
//! realm of scripts/with-kdc.

#![cfg_attr(windows, allow(dead_code, unused_imports))] // The WinPR tests and helpers are Unix only.

mod common;

use common::{bare, failure_of};

use assert_cmd::Command;
use secpkg_test_provider::{Exchange, Package, Scenario, toy_package};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The command against the test provider with `scenario`.
fn toy(scenario: &Scenario) -> Command {
    let mut command = bare();
    command
        .arg("--provider")
        .arg(common::test_provider_library())
        .env("SECPKG_TEST_PROVIDER", serde_json::to_string(scenario).unwrap())
        .arg("handshake");
    command
}

/// Runs `command`, expecting `code`; its stdout as JSON, and stderr.
fn json_of(command: &mut Command, code: i32) -> (Value, String) {
    let output = command.arg("--json").output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    (report, stderr)
}

/// The top-level members of the report, in order (cli/README.md, "JSON").
const REPORT_FIELDS: [&str; 13] = [
    "provider",
    "mode",
    "address",
    "package",
    "server_packages",
    "max_token_source",
    "legs",
    "client",
    "server",
    "authenticated",
    "tokens_within_max_token",
    "error",
    // Counted below; kept last so the count is checked.
    "",
];

const LEG_FIELDS: [&str; 5] = ["direction", "package", "token_size", "max_token", "exceeds_max_token"];

const CONTEXT_FIELDS: [&str; 9] = [
    "package",
    "token_buffer_size",
    "context_package",
    "context_package_error",
    "negotiated_package",
    "negotiated_package_error",
    "sizes",
    "sizes_error",
    "",
];

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap().keys().map(String::as_str).collect()
}

fn assert_shape(report: &Value) {
    assert_eq!(keys(report), REPORT_FIELDS[..12], "{report:#}");
    for leg in report["legs"].as_array().unwrap() {
        assert_eq!(keys(leg), LEG_FIELDS, "{leg}");
    }
    for side in ["client", "server"] {
        if !report[side].is_null() {
            assert_eq!(keys(&report[side]), CONTEXT_FIELDS[..8], "{side}: {:#}", report[side]);
        }
    }
}

/// `(direction, token_size, max_token, exceeds)` of each leg.
fn legs(report: &Value) -> Vec<(String, u64, Option<u64>, bool)> {
    report["legs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|leg| {
            (
                leg["direction"].as_str().unwrap().to_owned(),
                leg["token_size"].as_u64().unwrap(),
                leg["max_token"].as_u64(),
                leg["exceeds_max_token"].as_bool().unwrap(),
            )
        })
        .collect()
}

const C2S: &str = "client-to-server";
const S2C: &str = "server-to-client";

#[test]
fn the_toy_exchange_is_measured_leg_by_leg() {
    let (report, stderr) = json_of(toy(&Scenario::toy(Exchange::default())).args(["--package", "Toy"]), 0);
    assert!(stderr.is_empty(), "{stderr}");
    assert_shape(&report);
    assert_eq!(report["mode"], "threads");
    assert!(report["address"].as_str().unwrap().starts_with("127.0.0.1:"), "{report}");
    assert_eq!(report["package"], "Toy");
    assert_eq!(report["server_packages"], serde_json::json!(["Toy"]));
    assert_eq!(report["max_token_source"], "cbMaxToken of Toy");
    // The toy's tokens are 24 + 40 bytes per call (tests/provider): calls 1 to 3 make them,
    // call 4 (the server's) completes without one.
    let expected = [(C2S, 64), (S2C, 104), (C2S, 144)].map(|(d, n)| (d.to_owned(), n, Some(256), false));
    assert_eq!(legs(&report), expected);
    assert_eq!(report["authenticated"], true);
    assert_eq!(report["tokens_within_max_token"], true);
    assert_eq!(report["error"], Value::Null);
    for side in ["client", "server"] {
        let context = &report[side];
        assert_eq!(context["package"], "Toy");
        assert_eq!(context["token_buffer_size"], 256);
        assert_eq!(context["context_package"]["name"], "Toy", "{side}: {context}");
        assert_eq!(context["context_package"]["max_token"], 256);
        // Not Negotiate: nothing negotiated to report.
        assert_eq!(context["negotiated_package"], Value::Null);
        assert_eq!(context["negotiated_package_error"], Value::Null);
        assert!(context["sizes"]["max_token"].is_u64(), "{side}: {context}");
    }

    let output = toy(&Scenario::toy(Exchange::default())).args(["--package", "Toy"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = text.lines().filter(|line| line.contains(" → ")).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[1].split_whitespace().eq(["2", "server", "→", "client", "Toy", "104", "256"]), "{text}");
    assert!(text.ends_with("authenticated: 3 tokens, each within its cbMaxToken\n"), "{text}");
}

/// The test provider's fault: the server's token is cbMaxToken + 1 bytes. With a buffer that
/// holds it the exchange completes, and the command says which leg exceeded, with status 5.
#[test]
fn a_token_longer_than_max_token_gives_status_5() {
    let scenario = Scenario::toy(Exchange { oversize_call: Some(2), ..Exchange::default() });
    let (report, _) = json_of(toy(&scenario).args(["--package", "Toy", "--token-buffer", "4096"]), 5);
    assert_shape(&report);
    assert_eq!(report["authenticated"], true);
    assert_eq!(report["tokens_within_max_token"], false);
    let expected =
        [(C2S, 64, false), (S2C, 257, true), (C2S, 144, false)].map(|(d, n, over)| (d.to_owned(), n, Some(256), over));
    assert_eq!(legs(&report), expected);
    assert_eq!(report["client"]["token_buffer_size"], 4096);

    let output = toy(&scenario).args(["--package", "Toy", "--token-buffer", "4096"]).output().unwrap();
    assert_eq!(output.status.code(), Some(5));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("EXCEEDS cbMaxToken"), "{text}");
    assert!(text.ends_with("authenticated, but a token exceeded cbMaxToken: leg 2 (257 > 256 bytes)\n"), "{text}");

    // Without the larger buffer the provider has no room for it: not authenticated, status 2.
    let stderr = failure_of_with_report(toy(&scenario).args(["--package", "Toy"]), 2);
    assert!(stderr.starts_with("secpkg: the handshake failed: "), "{stderr}");
    assert!(stderr.contains("SEC_E_BUFFER_TOO_SMALL"), "{stderr}");
}

/// A token of exactly cbMaxToken bytes is within it: the toy's tokens are capped at the package's
/// figure, so a cbMaxToken of 104 gives 64, 104 and 104 bytes.
#[test]
fn a_token_of_exactly_max_token_is_within_it() {
    let mut package = toy_package();
    package.max_token = 104;
    let scenario = Scenario { packages: vec![package], ..Scenario::toy(Exchange::default()) };
    let (report, _) = json_of(toy(&scenario).args(["--package", "Toy"]), 0);
    let expected = [(C2S, 64), (S2C, 104), (C2S, 104)].map(|(d, n)| (d.to_owned(), n, Some(104), false));
    assert_eq!(legs(&report), expected);
    assert_eq!(report["tokens_within_max_token"], true);
}

/// As WinPR lists them: Negotiate's cbMaxToken below that of Kerberos, which it can choose.
/// The buffer (Provider::token_buffer_size) holds a Kerberos-sized token; a token above
/// Negotiate's own figure fits, authenticates, and is reported.
#[test]
fn negotiate_tokens_are_checked_against_negotiates_own_max_token() {
    let negotiate = Package::new("Negotiate", "Microsoft Package Negotiator", 0x0008_3BB3, 9, 256);
    let kerberos = Package::new("Kerberos", "Microsoft Kerberos V1.0", 0x000F_3BBF, 16, 48000);
    let scenario = Scenario {
        packages: vec![negotiate, kerberos],
        exchange: Exchange { oversize_call: Some(1), ..Exchange::default() },
        ..Scenario::default()
    };
    let (report, _) = json_of(&mut toy(&scenario), 5);
    assert_eq!(report["package"], "Negotiate");
    assert_eq!(report["client"]["token_buffer_size"], 48000);
    assert_eq!(legs(&report)[0], (C2S.to_owned(), 257, Some(256), true));
    // The toy's NegotiationInfo names the context's own package, which is listed.
    assert_eq!(report["client"]["negotiated_package"]["name"], "Negotiate", "{report:#}");
}

/// Like `failure_of`, for a command that prints its report (the legs so far) before failing.
fn failure_of_with_report(command: &mut Command, code: i32) -> String {
    let output = command.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("not authenticated after"), "{stdout}");
    stderr
}

#[test]
fn a_failing_leg_fails_the_handshake_with_status_2() {
    let scenario = Scenario::toy(Exchange { fail_call: Some(2), ..Exchange::default() });
    let (report, stderr) = json_of(toy(&scenario).args(["--package", "Toy"]), 2);
    assert_shape(&report);
    assert_eq!(report["authenticated"], false);
    // The server's leg failed; the client reports it, from the server's error frame.
    let error = report["error"].as_str().unwrap();
    assert!(error.starts_with("the server failed: AcceptSecurityContext failed: SEC_E_LOGON_DENIED"), "{error}");
    assert_eq!(stderr, format!("secpkg: the handshake failed: {error}\n"));
    assert_eq!(legs(&report), [(C2S.to_owned(), 64, Some(256), false)]);
    assert_eq!(report["client"], Value::Null);
}

/// A server that offers several packages (`--require`), and a client whose package is not one.
#[test]
fn the_server_offers_what_require_selects() {
    let mut packages = secpkg_test_provider::default_packages();
    packages.push(toy_package());
    let scenario = Scenario { packages, ..Scenario::default() };
    // Every package here signs over connections; MUTUAL_AUTH leaves Kerberos and Schannel.
    let (report, stderr) = json_of(toy(&scenario).args(["--package", "Toy", "--require", "integrity,connection"]), 0);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(report["server_packages"], serde_json::json!(["Negotiate", "Kerberos", "NTLM", "Schannel", "Toy"]));
    assert_eq!(report["authenticated"], true);

    let (report, stderr) = json_of(toy(&scenario).args(["--package", "Toy", "--require", "MUTUAL_AUTH"]), 2);
    assert_eq!(report["server_packages"], serde_json::json!(["Kerberos", "Schannel"]));
    // The client's first token went with its hello, before the server's refusal came back.
    assert_eq!(legs(&report), [(C2S.to_owned(), 64, Some(256), false)]);
    assert_eq!(
        stderr, "secpkg: the handshake failed: the server failed: the server offers Kerberos, Schannel, not 'Toy'\n",
        "{report:#}"
    );

    let stderr = failure_of(toy(&scenario).args(["--package", "Toy", "--require", "CLIENT_ONLY"]), 1);
    assert!(stderr.starts_with("secpkg: none of the 5 packages the server may offer has every capability"), "{stderr}");
}

#[test]
fn bad_usage_gives_status_2_and_one_clear_line() {
    let scenario = Scenario::toy(Exchange::default());
    let cases: [(&[&str], &str); 7] = [
        (&["--user", "alice"], "secpkg: --user needs its password from --password-file FILE or --password-stdin"),
        // The password is never an argument.
        (&["--user", "alice", "--password", "x"], "error: unexpected argument '--password' found"),
        (
            &["--listen", "127.0.0.1:0", "--connect", "127.0.0.1:1"],
            "error: the argument '--listen <ADDR>' cannot be used with '--connect <ADDR>'",
        ),
        (&["--connect", "127.0.0.1:1", "--sam-file", "SAM"], "secpkg: --connect runs the client only"),
        (&["--token-buffer", "0"], "error: invalid value '0' for '--token-buffer <BYTES>'"),
        (&["--token-buffer", "1048577"], "error: invalid value '1048577' for '--token-buffer <BYTES>'"),
        (&["--package", "NoSuch"], "secpkg: no security package named 'NoSuch'"),
    ];
    for (args, start) in cases {
        let code = if start.contains("no security package") { 1 } else { 2 };
        let stderr = failure_of(toy(&scenario).args(args), code);
        assert!(stderr.starts_with(start), "{args:?}: {stderr}");
    }
    let stderr = failure_of(toy(&scenario).args(["--user", "a", "--password-stdin"]).write_stdin(""), 2);
    assert_eq!(stderr, "secpkg: --password-stdin: standard input is empty (no password line)\n");
    let missing = std::env::temp_dir().join("secpkg-handshake-no-such-password-file");
    let stderr = failure_of(toy(&scenario).args(["--user", "a", "--password-file"]).arg(&missing), 2);
    assert!(stderr.starts_with(&format!("secpkg: cannot read the password file {}", missing.display())), "{stderr}");
}

// ---- WinPR ----

const USER: &str = "alice";
const DOMAIN: &str = "EXAMPLE";
const PASSWORD: &str = "Pa55-handshake-secpkg";

/// A directory of this test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("secpkg-cli-handshake-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn skip(why: &str) {
    assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but {why}");
    eprintln!("skipped: {why}");
}

/// WinPR's system provider is there (`secpkg list` lists NTLM), and a SAM file for the account,
/// from `winpr-hash`, and the password file; else skipped (failed under
/// SECPKG_REQUIRE_PROVIDERS=1).
fn winpr(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let output = bare().args(["--in-process", "show", "NTLM"]).output().unwrap();
    if !output.status.success() {
        skip(&format!("no system SSPI provider with NTLM: {}", String::from_utf8_lossy(&output.stderr).trim()));
        return None;
    }
    let hash =
        std::process::Command::new("winpr-hash").args(["-u", USER, "-p", PASSWORD, "-d", DOMAIN, "-f", "sam"]).output();
    let line = match hash {
        Ok(output) if output.status.success() => String::from_utf8(output.stdout).unwrap(),
        other => {
            skip(&format!("winpr-hash (Debian: apt install winpr-utils) does not run: {other:?}"));
            return None;
        }
    };
    assert!(line.starts_with(&format!("{USER}:{DOMAIN}:")), "{line}");
    let sam = dir.join("SAM");
    std::fs::write(&sam, line).unwrap();
    let password = dir.join("password");
    std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
    Some((sam, password))
}

fn assert_no_password(output: &std::process::Output) {
    for stream in [&output.stdout, &output.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains(PASSWORD), "the password was printed");
    }
}

/// The handshake's report over WinPR, `package`, with the password from the file or stdin.
fn winpr_report(package: &str, sam: &Path, password: &Path, stdin: bool) -> Value {
    let mut command = bare();
    command.args(["handshake", "--json", "--package", package, "--user", USER, "--domain", DOMAIN]);
    command.arg("--sam-file").arg(sam);
    if stdin {
        command.arg("--password-stdin").write_stdin(format!("{PASSWORD}\n"));
    } else {
        command.arg("--password-file").arg(password);
    }
    let output = command.output().unwrap();
    assert_no_password(&output);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
#[cfg(unix)] // WinPR's SAM file and winpr-hash; under Wine, secur32 has neither.
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn ntlm_and_negotiate_authenticate_on_winpr() {
    let dir = TempDir::new("winpr");
    let Some((sam, password)) = winpr(&dir.0) else { return };
    let listed: Value = serde_json::from_slice(&bare().args(["list", "--json"]).output().unwrap().stdout).unwrap();
    let max_token = |name: &str| {
        listed["packages"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["max_token"].as_u64()
    };
    for (package, stdin) in [("NTLM", false), ("Negotiate", true)] {
        let report = winpr_report(package, &sam, &password, stdin);
        eprintln!("{package}: {report}");
        assert_shape(&report);
        assert_eq!(report["authenticated"], true);
        assert_eq!(report["tokens_within_max_token"], true);
        assert_eq!(report["package"], package);
        let legs = legs(&report);
        // NTLM's NEGOTIATE, CHALLENGE, AUTHENTICATE (WinPR's Negotiate chooses NTLM here).
        let directions: Vec<&str> = legs.iter().map(|leg| leg.0.as_str()).collect();
        assert_eq!(directions, [C2S, S2C, C2S], "{report:#}");
        for (_, size, max, exceeds) in &legs {
            assert_eq!(*max, max_token(package));
            assert!(*size > 0 && *size <= max.unwrap() && !exceeds, "{report:#}");
        }
        for side in ["client", "server"] {
            let context = &report[side];
            // Every token within the context's own cbMaxToken too.
            let context_max = context["sizes"]["max_token"].as_u64().unwrap();
            assert!(legs.iter().all(|leg| leg.1 <= context_max), "{side}: {context}");
            // WinPR 2.11 does not say the context's package (SEC_E_UNSUPPORTED_FUNCTION); if
            // it does, it is the listed record.
            if let Some(name) = context["context_package"]["name"].as_str() {
                assert!(name == package || name == "NTLM", "{context}");
            } else {
                assert!(context["context_package_error"].as_str().unwrap().starts_with("SECPKG_ATTR_PACKAGE_INFO: "));
            }
            assert_eq!(
                context["negotiated_package"].is_null() && context["negotiated_package_error"].is_null(),
                package == "NTLM"
            );
        }
    }
}

/// A wrong password: WinPR's server checks the AUTHENTICATE message against the SAM file's hash,
/// and the handshake fails with status 2 and the server's reason.
#[test]
#[cfg(unix)]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn a_wrong_password_fails_the_handshake_on_winpr() {
    let dir = TempDir::new("wrong");
    let Some((sam, _)) = winpr(&dir.0) else { return };
    let output = bare()
        .args(["handshake", "--package", "NTLM", "--user", USER, "--domain", DOMAIN, "--password-stdin", "--sam-file"])
        .arg(&sam)
        .write_stdin("not-the-password\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    // WinPR logs lines of its own ("[time] [pid:tid] [ERROR]…") before the command's one line.
    let ours: Vec<&str> = stderr.lines().filter(|line| line.starts_with("secpkg: ")).collect();
    assert_eq!(
        ours,
        [
            "secpkg: the handshake failed: the server failed: CompleteAuthToken failed: SEC_E_MESSAGE_ALTERED (0x8009030f)"
        ],
        "{stderr}"
    );
    assert!(
        !stderr.contains("not-the-password") && !String::from_utf8_lossy(&output.stdout).contains("not-the-password")
    );
}

/// The same as two processes: `--listen 127.0.0.1:0` prints its address, `--connect` uses it.
#[test]
#[cfg(unix)]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn listen_and_connect_run_the_sides_as_two_processes() {
    let dir = TempDir::new("processes");
    let Some((sam, password)) = winpr(&dir.0) else { return };
    let mut server = std::process::Command::new(common::BIN)
        .args(["handshake", "--json", "--package", "NTLM", "--listen", "127.0.0.1:0", "--sam-file"])
        .arg(&sam)
        .env_remove("SECPKG_PROVIDER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let address = line.strip_prefix("secpkg: listening on ").unwrap_or_else(|| panic!("{line}")).trim().to_owned();
    let client = bare()
        .args(["handshake", "--json", "--package", "NTLM", "--user", USER, "--domain", DOMAIN, "--connect", &address])
        .arg("--password-file")
        .arg(&password)
        .output()
        .unwrap();
    assert_no_password(&client);
    let server = server.wait_with_output().unwrap();
    assert_eq!(client.status.code(), Some(0), "{}", String::from_utf8_lossy(&client.stderr));
    assert_eq!(server.status.code(), Some(0));
    let client: Value = serde_json::from_slice(&client.stdout).unwrap();
    let server: Value = serde_json::from_slice(&server.stdout).unwrap();
    assert_shape(&client);
    assert_shape(&server);
    assert_eq!((client["mode"].as_str(), server["mode"].as_str()), (Some("client"), Some("server")));
    assert!(client["server"].is_null() && server["client"].is_null());
    // Both saw the same tokens.
    assert_eq!(legs(&client), legs(&server));
    assert_eq!(legs(&client).len(), 3);
}

// ---- GSSAPI against a real KDC ----

#[test]
#[cfg(all(unix, feature = "gssapi"))]
#[cfg_attr(secpkg_no_krb5kdc, ignore = "needs MIT's KDC (Debian: apt install krb5-kdc krb5-admin-server krb5-user)")]
fn kerberos_over_gssapi_against_the_local_kdc() {
    // scripts/with-kdc below makes a realm of its own, so the programs must be here.
    if !common::kdc::installed() {
        skip("krb5kdc is not installed (Debian: apt install krb5-kdc krb5-admin-server krb5-user)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    // scripts/with-kdc starts the realm around the command and stops it whatever happens.
    let output = std::process::Command::new(root.join("scripts/with-kdc"))
        .arg(common::BIN)
        .args(["handshake", "--gssapi", "--json"])
        .env_remove("SECPKG_PROVIDER")
        .env_remove("SECPKG_TEST_PROVIDER")
        .env_remove("SECPKG_GSSAPI_LIB")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // scripts/kdc says on stdout where the realm runs, before the command's document.
    let stdout = String::from_utf8(output.stdout).unwrap();
    let document = stdout.find("\n{").map_or(stdout.as_str(), |at| &stdout[at + 1..]);
    let report: Value = serde_json::from_str(document).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    eprintln!("{report}");
    assert_shape(&report);
    assert!(report["provider"].as_str().unwrap().starts_with("gssapi:"), "{report}");
    assert_eq!(report["package"], "krb5");
    assert_eq!(report["authenticated"], true);
    // AP-REQ, then AP-REP (mutual authentication).
    let legs = legs(&report);
    assert_eq!(legs.iter().map(|leg| leg.0.as_str()).collect::<Vec<_>>(), [C2S, S2C], "{report:#}");
    // Checked against this host's SSPI Kerberos figure where it lists Kerberos, else nothing.
    let kerberos = bare().args(["--in-process", "show", "--json", "Kerberos"]).output().unwrap();
    match kerberos.status.success() {
        true => {
            let max = serde_json::from_slice::<Value>(&kerberos.stdout).unwrap()["max_token"].as_u64();
            assert!(legs.iter().all(|leg| leg.2 == max && leg.1 <= max.unwrap()), "{report:#}");
            assert!(report["max_token_source"].as_str().unwrap().starts_with("the SSPI Kerberos cbMaxToken of "));
        }
        false => {
            assert!(legs.iter().all(|leg| leg.2.is_none()), "{report:#}");
            assert_eq!(report["max_token_source"], Value::Null);
        }
    }
    for side in ["client", "server"] {
        assert_eq!(report[side]["context_package"]["oid"], "1.2.840.113554.1.2.2", "{side}");
        assert_eq!(report[side]["sizes"], Value::Null);
    }
}

// ---- Kerberos through an SSPI provider: Wine's secur32 ----

/// Wine 8.0's secur32 runs Kerberos on the host's MIT krb5, which reads KRB5_CONFIG and
/// KRB5CCNAME from the environment Wine passes on: run under scripts/with-kdc (SECPKG_KDC_DIR
/// set), Kerberos and Negotiate authenticate against its realm. Skipped outside it, failed
/// then under SECPKG_REQUIRE_PROVIDERS=1.
#[test]
#[cfg(windows)]
fn kerberos_and_negotiate_through_secur32_against_the_local_kdc() {
    if std::env::var_os("SECPKG_KDC_DIR").is_none() {
        skip("no KDC: run the Windows tests under scripts/with-kdc");
        return;
    }
    let service = std::env::var("SECPKG_KDC_SERVICE").unwrap();
    let target = service.split('@').next().unwrap().to_owned();
    for package in ["Kerberos", "Negotiate"] {
        let (report, stderr) = json_of(bare().args(["handshake", "--package", package, "--target", &target]), 0);
        eprintln!("{package}: {report}\n{stderr}");
        assert_shape(&report);
        assert_eq!(report["provider"], "secur32.dll");
        assert_eq!(report["authenticated"], true);
        assert_eq!(report["tokens_within_max_token"], true);
        // AP-REQ, then AP-REP (the client asks for mutual authentication).
        let directions: Vec<String> = legs(&report).into_iter().map(|leg| leg.0).collect();
        assert_eq!(directions, [C2S, S2C], "{report:#}");
        if package == "Negotiate" {
            for side in ["client", "server"] {
                assert_eq!(report[side]["negotiated_package"]["name"], "Kerberos", "{side}: {report:#}");
            }
        }
    }
}
