//! The `secpkg` command, run as a child process against the test provider library (loaded with
//! `--provider`, its packages set by `SECPKG_TEST_PROVIDER`), and once against the system's.

mod common;

use common::{BIN, bare, failure_of};

use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The command against the test provider, with `scenario` (JSON, or `@file`).
fn secpkg(scenario: &str) -> Command {
    let mut command = bare();
    command.arg("--provider").arg(common::test_provider_library()).env("SECPKG_TEST_PROVIDER", scenario);
    command
}

/// The test provider's default scenario: Negotiate, Kerberos, NTLM, Schannel.
const DEFAULT: &str = "{}";

/// A scenario with a wide non-ASCII name, a control character in a comment, a null comment, an
/// unknown capability bit, an unknown id, SECPKG_ID_NONE and the largest numbers.
fn mixed() -> Value {
    json!({"packages": [
        {"name": "Negotiate", "comment": "Microsoft Package Negotiator", "capabilities": 0x0008_3BB3,
         "version": 1, "rpc_id": 9, "max_token": 48256},
        {"name": "Ünïcødé 認証", "comment": "wide\nnames", "capabilities": 0x0400_0003,
         "version": 7, "rpc_id": 77, "max_token": 65535},
        {"name": "NoComment", "comment": null, "capabilities": 0,
         "version": 65535, "rpc_id": 65535, "max_token": 4_294_967_295u32},
    ]})
}

fn stdout_of(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: impl AsRef<[u8]>) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = format!("secpkg-cli-{}-{}-{name}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(unique);
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// `@path`, a scenario spec naming this file.
    fn spec(&self) -> String {
        format!("@{}", self.0.display())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// PACKAGE as the README documents it, from a scenario package.
fn expected_package(scenario: &Value) -> Value {
    let bits = scenario["capabilities"].as_u64().unwrap() as u32;
    let known: Vec<&str> =
        secpkg::Capability::ALL.iter().filter(|flag| bits & flag.bits() != 0).map(|flag| flag.name()).collect();
    let known_mask = secpkg::Capability::ALL.iter().fold(0, |mask, flag| mask | flag.bits());
    json!({
        "name": scenario["name"],
        "comment": scenario["comment"].as_str().unwrap_or(""),
        "version": scenario["version"],
        "rpc_id": scenario["rpc_id"],
        "max_token": scenario["max_token"],
        "capabilities": known,
        "capability_bits": bits,
        "unknown_capability_bits": bits & !known_mask,
    })
}

/// Compares one PACKAGE of the command's JSON with the scenario's, field by field.
fn assert_package(actual: &Value, scenario: &Value) {
    let expected = expected_package(scenario);
    let fields = actual.as_object().unwrap();
    let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(keys, common::PACKAGE_FIELDS);
    for (key, value) in fields {
        assert_eq!(value, &expected[key], "field {key} of {}", scenario["name"]);
    }
}

// ---- list ----

#[test]
fn list_prints_an_aligned_table() {
    let stdout = stdout_of(secpkg(DEFAULT).arg("list"));
    assert_eq!(
        stdout,
        "\
NAME       ID                MAX TOKEN  VERSION  CAPABILITIES
Negotiate   9 GSS_NEGOTIATE      48256        1  0x00083bb3 (11 flags)
Kerberos   16 GSS_KERBEROS       48000        1  0x000f3bbf (16 flags)
NTLM       10 WINNT               2888        1  0x00082b37 (10 flags)
Schannel   14 GSS_SCHANNEL       24576        1  0x000107b3 (9 flags)
"
    );
}

#[test]
fn list_aligns_wide_names_and_escapes_control_characters() {
    let stdout = stdout_of(secpkg(&mixed().to_string()).arg("list").arg("--long"));
    // 認証 takes two terminal cells a character; the comment's newline is shown as \n. The id's
    // number and name are aligned apart; the capability names go under the row, wrapped.
    assert_eq!(
        stdout,
        "\
NAME          ID                     MAX TOKEN  VERSION  COMMENT
Negotiate         9 GSS_NEGOTIATE        48256        1  Microsoft Package Negotiator
    0x00083bb3: INTEGRITY PRIVACY CONNECTION MULTI_REQUIRED EXTENDED_ERROR IMPERSONATION
    ACCEPT_WIN32_NAME NEGOTIABLE GSS_COMPATIBLE LOGON RESTRICTED_TOKENS
Ünïcødé 認証     77                      65535        7  wide\\nnames
    0x04000003: INTEGRITY PRIVACY 0x04000000
NoComment     65535 SECPKG_ID_NONE  4294967295    65535
    0x00000000: no capability flag
"
    );
    let short = stdout_of(secpkg(&mixed().to_string()).arg("list"));
    assert!(
        short
            .contains("\nÜnïcødé 認証     77                      65535        7  0x04000003 (2 flags + 0x04000000)\n"),
        "{short}"
    );
}

/// `list --long` stays within 100 columns however many flags a package has, and the ids' SDK
/// names start in one column whatever the width of their numbers.
#[test]
fn list_long_is_narrow_and_aligns_the_id_names() {
    let every_flag = secpkg::Capability::ALL.iter().fold(0u32, |mask, flag| mask | flag.bits());
    let scenario = json!({"packages": [
        {"name": "All", "comment": "every flag", "capabilities": every_flag, "rpc_id": 9, "max_token": 1},
        {"name": "Kerberos", "comment": "k", "capabilities": 0x000F_3BBF, "rpc_id": 16, "max_token": 48000},
        {"name": "None", "comment": "n", "capabilities": 1, "rpc_id": 65535, "max_token": 2},
    ]});
    let stdout = stdout_of(secpkg(&scenario.to_string()).args(["list", "--long"]));
    for line in stdout.lines() {
        assert!(line.chars().count() <= 100, "{} columns: {line}", line.chars().count());
    }
    // Every flag name is there, each once, under its row.
    let names: Vec<&str> =
        stdout.lines().skip(2).take_while(|line| line.starts_with("    ")).flat_map(str::split_whitespace).collect();
    let expected: Vec<&str> = secpkg::Capability::ALL.iter().map(|flag| flag.name()).collect();
    assert_eq!(names[0], format!("{every_flag:#010x}:"));
    assert_eq!(names[1..], expected[..]);
    for args in [&["list"][..], &["list", "--long"]] {
        let stdout = stdout_of(secpkg(&scenario.to_string()).args(args));
        let rows: Vec<&str> = stdout.lines().filter(|line| !line.starts_with(' ')).collect();
        let column = |row: &str, name: &str| row.find(name).unwrap_or_else(|| panic!("{name} in {row}"));
        let at = column(rows[1], " GSS_NEGOTIATE") + 1;
        assert_eq!(column(rows[2], " GSS_KERBEROS") + 1, at, "{stdout}");
        assert_eq!(column(rows[3], " SECPKG_ID_NONE") + 1, at, "{stdout}");
    }
}

#[test]
fn list_of_no_packages_is_the_header() {
    let stdout = stdout_of(secpkg(r#"{"packages": []}"#).arg("list"));
    assert_eq!(stdout, "NAME  ID  MAX TOKEN  VERSION  CAPABILITIES\n");
}

#[test]
fn list_json_is_the_documented_shape() {
    let scenario = mixed();
    let stdout = stdout_of(secpkg(&scenario.to_string()).args(["list", "--json"]));
    let list: Value = serde_json::from_str(&stdout).unwrap();
    let keys: Vec<&String> = list.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["provider", "packages"]);
    assert_eq!(list["provider"].as_str().unwrap(), common::test_provider_library().display().to_string());
    let packages = list["packages"].as_array().unwrap();
    let expected = scenario["packages"].as_array().unwrap();
    assert_eq!(packages.len(), expected.len());
    for (actual, scenario) in packages.iter().zip(expected) {
        assert_package(actual, scenario);
    }
    // The global option also goes before the subcommand.
    assert_eq!(stdout_of(secpkg(&scenario.to_string()).args(["--json", "list"])), stdout);
}

#[test]
fn a_name_that_is_not_utf16_is_replaced_in_text_and_refused_in_json() {
    let scenario = json!({"packages": [{"name": "x", "name_utf16": [0x41, 0xD800], "capabilities": 1}]});
    let stdout = stdout_of(secpkg(&scenario.to_string()).arg("list"));
    assert!(stdout.contains("\nA\u{FFFD}    0 NONE  "), "{stdout}");
    let stderr = failure_of(secpkg(&scenario.to_string()).args(["list", "--json"]), 2);
    assert!(stderr.starts_with("secpkg: the provider returned invalid data: Name is not valid UTF-16"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

// ---- list --require ----

/// The test provider's default packages (`DEFAULT`), as scenario JSON.
fn default_packages() -> Vec<Value> {
    secpkg_test_provider::default_packages().iter().map(|package| serde_json::to_value(package).unwrap()).collect()
}

/// The names of `list --json`'s packages, each checked against its scenario package.
fn listed_names(list: &Value, scenario: &[Value]) -> Vec<String> {
    let packages = list["packages"].as_array().unwrap();
    packages
        .iter()
        .map(|package| {
            let name = package["name"].as_str().unwrap();
            assert_package(package, scenario.iter().find(|p| p["name"] == name).unwrap());
            name.to_owned()
        })
        .collect()
}

#[test]
fn list_require_keeps_the_packages_that_have_every_capability() {
    let scenario = default_packages();
    // (the option's values, the default packages that have all of them, in the provider's order)
    let cases: [(&[&str], &[&str]); 5] = [
        (&["INTEGRITY,PRIVACY"], &["Negotiate", "Kerberos", "NTLM", "Schannel"]),
        (&["INTEGRITY,TOKEN_ONLY"], &["Kerberos", "NTLM"]),
        (&["MUTUAL_AUTH"], &["Kerberos", "Schannel"]),
        // Repeated, and with the SDK's prefix: the same as one comma-separated list.
        (&["TOKEN_ONLY", "SECPKG_FLAG_MUTUAL_AUTH"], &["Kerberos"]),
        (&["STREAM"], &["Schannel"]),
    ];
    for (values, expected) in cases {
        let mut command = secpkg(DEFAULT);
        command.args(["list", "--json"]);
        for value in values {
            command.args(["--require", value]);
        }
        let list: Value = serde_json::from_str(&stdout_of(&mut command)).unwrap();
        assert_eq!(list["provider"].as_str().unwrap(), common::test_provider_library().display().to_string());
        assert_eq!(listed_names(&list, &scenario), expected, "--require {values:?}");
        // What the scenario says: every listed package has each named bit, and no other does.
        let required = values
            .iter()
            .flat_map(|value| value.split(','))
            .map(|name| name.parse::<secpkg::Capability>().unwrap())
            .fold(0, |mask, flag| mask | flag.bits());
        let having: Vec<&str> = scenario
            .iter()
            .filter(|p| p["capabilities"].as_u64().unwrap() as u32 & required == required)
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(having, expected, "--require {values:?}");
    }
}

#[test]
fn list_require_filters_the_text_table() {
    let stdout = stdout_of(secpkg(DEFAULT).args(["list", "--require", "MUTUAL_AUTH"]));
    assert_eq!(
        stdout,
        "\
NAME      ID               MAX TOKEN  VERSION  CAPABILITIES
Kerberos  16 GSS_KERBEROS      48000        1  0x000f3bbf (16 flags)
Schannel  14 GSS_SCHANNEL      24576        1  0x000107b3 (9 flags)
"
    );
    // A package with unknown bits is kept when it has the named ones.
    let stdout = stdout_of(secpkg(&mixed().to_string()).args(["list", "--require", "INTEGRITY,PRIVACY", "--long"]));
    let names: Vec<&str> = stdout
        .lines()
        .skip(1)
        .filter(|line| !line.starts_with(' '))
        .map(|line| line.split("  ").next().unwrap())
        .collect();
    assert_eq!(names, ["Negotiate", "Ünïcødé 認証"], "{stdout}");
}

/// Capability names match in any letter case, as package names do, and a list may have spaces
/// after its commas: each spelling selects what the exact one does.
#[test]
fn list_require_ignores_case_and_spaces() {
    let exact = stdout_of(secpkg(DEFAULT).args(["list", "--json", "--require", "INTEGRITY,TOKEN_ONLY"]));
    let list: Value = serde_json::from_str(&exact).unwrap();
    assert_eq!(listed_names(&list, &default_packages()), ["Kerberos", "NTLM"]);
    for value in [
        "integrity,token_only",
        "INTEGRITY, TOKEN_ONLY",
        " Integrity , secpkg_flag_Token_Only ",
        "INTEGRITY,\tTOKEN_ONLY",
    ] {
        assert_eq!(
            stdout_of(secpkg(DEFAULT).args(["list", "--json", "--require", value])),
            exact,
            "--require {value:?}"
        );
    }
    assert_eq!(
        stdout_of(secpkg(DEFAULT).args(["list", "--require", "mutual_auth, stream"])),
        stdout_of(secpkg(DEFAULT).args(["list", "--require", "MUTUAL_AUTH,STREAM"]))
    );
}

/// A filter that leaves no package says so (the header alone would look like a provider with
/// no packages) and exits 1, as a name that matches nothing does; JSON still prints the empty
/// list, for scripts.
#[test]
fn list_require_matching_nothing_says_so_and_exits_1() {
    let stderr = failure_of(secpkg(DEFAULT).args(["list", "--require", "client_only"]), 1);
    assert_eq!(stderr, "secpkg: none of the 4 packages has every capability --require names (CLIENT_ONLY)\n");
    let stderr = failure_of(secpkg(DEFAULT).args(["list", "--require", "STREAM, TOKEN_ONLY"]), 1);
    assert_eq!(stderr, "secpkg: none of the 4 packages has every capability --require names (STREAM, TOKEN_ONLY)\n");
    let output = secpkg(DEFAULT).args(["list", "--json", "--require", "CLIENT_ONLY"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(list["packages"], json!([]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("(CLIENT_ONLY)"));
    // Without a filter, a provider with no packages is a header and status 0.
    assert_eq!(stdout_of(secpkg(r#"{"packages": []}"#).arg("list")), "NAME  ID  MAX TOKEN  VERSION  CAPABILITIES\n");
}

#[test]
fn list_require_names_the_unknown_capability() {
    for (value, bad) in [
        ("INTEGRITY,NO_SUCH_FLAG", "'NO_SUCH_FLAG'"),
        ("integrity, no_such_flag", "'no_such_flag'"),
        ("INTEGRITY,,PRIVACY", "empty"),
        ("INTEGRITY, ", "empty"),
    ] {
        let stderr = failure_of(secpkg(DEFAULT).args(["list", "--require", value]), 2);
        assert!(stderr.starts_with("error: invalid value "), "{stderr}");
        assert!(stderr.contains(bad), "{value}: {stderr}");
        assert!(stderr.contains("`secpkg caps` lists the names"), "{stderr}");
    }
    let stderr = failure_of(secpkg(DEFAULT).args(["list", "--require", "INTEGRITY,NO_SUCH_FLAG"]), 2);
    assert!(stderr.contains("unknown capability flag name 'NO_SUCH_FLAG'"), "{stderr}");
    assert!(!stderr.contains("'INTEGRITY'"), "only the bad name is named: {stderr}");
}

/// `--require` takes exactly the names `caps` prints.
#[test]
fn list_require_takes_every_name_caps_prints() {
    let caps: Value = serde_json::from_str(&stdout_of(bare().args(["caps", "--json"]))).unwrap();
    let names: Vec<&str> =
        caps["capabilities"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), secpkg::Capability::ALL.len());
    let scenario = default_packages();
    for name in names {
        let output = secpkg(DEFAULT).args(["list", "--json", "--require", name]).output().unwrap();
        let list: Value = serde_json::from_slice(&output.stdout).unwrap();
        let bit = name.parse::<secpkg::Capability>().unwrap().bits();
        let having: Vec<&str> = scenario
            .iter()
            .filter(|p| p["capabilities"].as_u64().unwrap() as u32 & bit != 0)
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(listed_names(&list, &scenario), having, "--require {name}");
        // Status 1 exactly when no package has the flag.
        assert_eq!(output.status.code(), Some(if having.is_empty() { 1 } else { 0 }), "--require {name}");
    }
}

// ---- show ----

#[test]
fn show_json_is_one_package() {
    let scenario = mixed();
    for package in scenario["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let stdout = stdout_of(secpkg(&scenario.to_string()).args(["show", "--json", name]));
        assert_package(&serde_json::from_str(&stdout).unwrap(), package);
    }
}

#[test]
fn show_explains_each_capability_and_unknown_bit() {
    let stdout = stdout_of(secpkg(&mixed().to_string()).args(["show", "Ünïcødé 認証"]));
    let library = common::test_provider_library();
    assert_eq!(
        stdout,
        format!(
            "\
name          Ünïcødé 認証
comment       wide\\nnames
id            77
version       7
max token     65535 bytes
provider      {}
capabilities  0x04000003: 2 flags and 1 unknown bit
  0x00000001  INTEGRITY  Signs messages and checks signatures, so tampering is detected.
  0x00000002  PRIVACY    Encrypts and decrypts messages.
  0x04000000  (unknown)  A bit that is no SECPKG_FLAG_ secpkg knows.
",
            library.display()
        )
    );
    let kerberos = stdout_of(secpkg(DEFAULT).args(["show", "Kerberos"]));
    for flag in secpkg::Capabilities::from_bits_retain(0x000F_3BBF).flags() {
        let line = format!("  {:#010x}  {:<22}  {}\n", flag.bits(), flag.name(), flag.doc());
        assert!(kerberos.contains(&line), "{line:?} missing from\n{kerberos}");
    }
}

#[test]
fn show_finds_a_name_in_another_letter_case() {
    let listed = stdout_of(secpkg(DEFAULT).args(["show", "Kerberos", "--json"]));
    for spelling in ["kerberos", "KERBEROS", "kErBeRoS"] {
        // The provider's query ignores case, as Windows does.
        assert_eq!(stdout_of(secpkg(DEFAULT).args(["show", "--json", spelling])), listed);
        // A provider whose query does not (WinPR): found by the listing, ignoring case.
        let strict = r#"{"query_case_sensitive": true}"#;
        assert_eq!(stdout_of(secpkg(strict).args(["show", "--json", spelling])), listed);
    }
    let ambiguous = json!({"packages": [{"name": "NTLM"}, {"name": "ntlm"}], "query_case_sensitive": true});
    let stderr = failure_of(secpkg(&ambiguous.to_string()).args(["show", "Ntlm"]), 1);
    assert_eq!(
        stderr,
        "secpkg: no security package named 'Ntlm'; ignoring case, several packages match: 'NTLM', 'ntlm'\n"
    );
}

#[test]
fn show_of_a_missing_name_exits_1() {
    let stderr = failure_of(secpkg(DEFAULT).args(["show", "Bogus"]), 1);
    assert_eq!(stderr, "secpkg: no security package named 'Bogus'\n");
    let stderr = failure_of(secpkg(DEFAULT).args(["show", "--json", "Bogus"]), 1);
    assert_eq!(stderr, "secpkg: no security package named 'Bogus'\n");
}

/// `show` and `list` run in a child process: a provider that aborts on a name it does not list
/// (as sspi-rs built with its production profile, `panic = "abort"`, does) ends the child, and
/// `show` says so on one line, with the panic's message and location, and status 2.
#[test]
fn show_survives_a_provider_that_aborts_on_an_unknown_name() {
    let aborts = r#"{"unknown_query_panics": "abort"}"#;
    let output = secpkg(aborts).args(["show", "NoSuchPackage"]).env_remove("RUST_BACKTRACE").output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let expected = "secpkg: the provider ended secpkg show, which ran in a child process: its child process crashed: ";
    assert!(stderr.starts_with(expected), "{stderr}");
    assert!(stderr.contains(", after it panicked at tests/provider/src/lib.rs:"), "{stderr}");
    if cfg!(unix) {
        assert!(stderr.contains("crashed: killed by signal 6 (SIGABRT), after"), "{stderr}");
    }
    assert!(stderr.ends_with(": secpkg-test-provider: no package named \"NoSuchPackage\"\n"), "{stderr}");

    // A listed name is found through the child as ever, and `list` never queries.
    let shown = stdout_of(secpkg(aborts).args(["show", "Negotiate"]));
    assert!(shown.starts_with("name          Negotiate\n"), "{shown}");
    assert!(stdout_of(secpkg(aborts).arg("list")).starts_with("NAME "));
    let show_json: Value = serde_json::from_str(&stdout_of(secpkg(aborts).args(["show", "--json", "NTLM"]))).unwrap();
    assert_eq!(show_json["name"], "NTLM");
    // Without the child (its own `--in-process`), the provider takes the command with it.
    let output = secpkg(aborts).args(["--in-process", "show", "NoSuchPackage"]).output().unwrap();
    assert!(output.status.code().is_none_or(|code| code != 1 && code != 2), "{:?}", output.status);
}

#[test]
fn show_of_an_empty_name_is_a_usage_error() {
    let stderr = failure_of(secpkg(DEFAULT).args(["show", ""]), 2);
    assert_eq!(stderr, "secpkg: invalid package name '': it is empty\n");
}

#[cfg(unix)]
#[test]
fn show_of_a_name_that_is_not_utf8_exits_2() {
    use std::os::unix::ffi::OsStringExt;
    let name = std::ffi::OsString::from_vec(b"Neg\xFFotiate".to_vec());
    let stderr = failure_of(secpkg(DEFAULT).arg("show").arg(name), 2);
    assert_eq!(stderr, "secpkg: the package name \"Neg\\xFFotiate\" is not valid Unicode, so no package has it\n");
}

#[cfg(windows)]
#[test]
fn show_of_a_name_that_is_not_utf16_exits_2() {
    use std::os::windows::ffi::OsStringExt;
    let name = std::ffi::OsString::from_wide(&[0x4E, 0xD800, 0x4D]);
    let stderr = failure_of(secpkg(DEFAULT).arg("show").arg(name), 2);
    assert!(stderr.starts_with("secpkg: the package name \"N\\u{d800}M\" is not valid Unicode"), "{stderr}");
}

#[test]
fn show_of_a_huge_name_is_not_found_with_a_short_message() {
    // As long as one argument can be: Linux limits each to 128 KiB (MAX_ARG_STRLEN), Windows a
    // whole command line to 32767 UTF-16 units; 1 MB cannot be passed at all.
    let len = if cfg!(windows) { 30_000 } else { 128 * 1024 - 1 };
    let name = "N".repeat(len);
    let stderr = failure_of(secpkg(DEFAULT).args(["show", &name]), 1);
    let expected = format!("secpkg: no security package named '{}…' ({len} characters)\n", "N".repeat(200));
    assert_eq!(stderr, expected);
    // The same through the case-insensitive fallback.
    let stderr = failure_of(secpkg(r#"{"query_case_sensitive": true}"#).args(["show", &name]), 1);
    assert_eq!(stderr, expected);
}

// ---- caps ----

#[test]
fn caps_lists_every_flag_with_its_bit_and_description() {
    let stdout = stdout_of(bare().arg("caps"));
    let mut lines = stdout.lines();
    assert_eq!(lines.next().unwrap().split_whitespace().collect::<Vec<_>>(), ["BIT", "NAME", "DESCRIPTION"]);
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), secpkg::Capability::ALL.len());
    for (row, flag) in rows.iter().zip(secpkg::Capability::ALL) {
        assert!(!flag.doc().is_empty(), "{flag:?} has no description");
        let words: Vec<&str> = row.splitn(3, "  ").map(str::trim).collect::<Vec<_>>();
        assert_eq!(words[0], format!("{:#010x}", flag.bits()), "{row}");
        assert!(row.contains(&format!("  {}  ", flag.name())), "{row}");
        assert!(row.ends_with(flag.doc()), "{row}");
    }

    let json: Value = serde_json::from_str(&stdout_of(bare().args(["caps", "--json"]))).unwrap();
    let flags = json["capabilities"].as_array().unwrap();
    assert_eq!(flags.len(), secpkg::Capability::ALL.len());
    for (value, flag) in flags.iter().zip(secpkg::Capability::ALL) {
        assert_eq!(
            value,
            &json!({"name": flag.name(), "sdk_name": flag.sdk_name(), "bit": flag.bits(), "description": flag.doc()})
        );
    }
}

// ---- audit ----

/// A baseline file written by `secpkg list --json` with `scenario`.
fn baseline(scenario: &str) -> TempFile {
    TempFile::new("baseline.json", stdout_of(secpkg(scenario).args(["list", "--json"])))
}

fn audit(scenario: &str, baseline: &TempFile) -> std::process::Output {
    secpkg(scenario).arg("audit").arg("--baseline").arg(baseline.path()).output().unwrap()
}

#[test]
fn audit_of_the_same_packages_exits_0() {
    let file = baseline(DEFAULT);
    let output = audit(DEFAULT, &file);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("no differences from the baseline {} (4 packages)\n", file.path().display())
    );
    // Order does not matter.
    let reordered = json!({"packages": [
        {"name": "Schannel", "comment": "Schannel Security Package", "capabilities": 0x0001_07B3, "version": 1, "rpc_id": 14, "max_token": 24576},
        {"name": "NTLM", "comment": "NTLM Security Package", "capabilities": 0x0008_2B37, "version": 1, "rpc_id": 10, "max_token": 2888},
        {"name": "Kerberos", "comment": "Microsoft Kerberos V1.0", "capabilities": 0x000F_3BBF, "version": 1, "rpc_id": 16, "max_token": 48000},
        {"name": "Negotiate", "comment": "Microsoft Package Negotiator", "capabilities": 0x0008_3BB3, "version": 1, "rpc_id": 9, "max_token": 48256},
    ]});
    assert_eq!(audit(&reordered.to_string(), &file).status.code(), Some(0));
}

#[test]
fn audit_reports_added_removed_and_changed_packages_and_exits_3() {
    let file = baseline(DEFAULT);
    let current = json!({"packages": [
        // Negotiate: unchanged. Kerberos: three fields changed. NTLM: removed. Schannel → schannel:
        // letter case matters, so one removed and one added. Digest: added.
        {"name": "Negotiate", "comment": "Microsoft Package Negotiator", "capabilities": 0x0008_3BB3, "version": 1, "rpc_id": 9, "max_token": 48256},
        {"name": "Kerberos", "comment": "Microsoft Kerberos V2", "capabilities": 0x040D_3BBF, "version": 1, "rpc_id": 16, "max_token": 65535},
        {"name": "schannel", "comment": "Schannel Security Package", "capabilities": 0x0001_07B3, "version": 1, "rpc_id": 14, "max_token": 24576},
        {"name": "Digest", "comment": "Digest Authentication for Windows", "capabilities": 0x0000_4030, "version": 1, "rpc_id": 21, "max_token": 4096},
    ]});
    let output = audit(&current.to_string(), &file);
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!(
            "\
removed  NTLM
removed  Schannel
added    schannel
added    Digest
changed  Kerberos: comment \"Microsoft Kerberos V1.0\" → \"Microsoft Kerberos V2\"
changed  Kerberos: max_token 48000 → 65535
changed  Kerberos: capability_bits 0x000f3bbf → 0x040d3bbf (-DELEGATION +0x04000000)
5 packages differ from the baseline {}: 2 added, 2 removed, 1 changed
",
            file.path().display()
        )
    );

    let output =
        secpkg(&current.to_string()).args(["audit", "--json", "--baseline"]).arg(file.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let names = |key: &str| -> Vec<String> {
        report[key].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(report["equal"], false);
    assert_eq!(names("added"), ["schannel", "Digest"]);
    assert_eq!(names("removed"), ["NTLM", "Schannel"]);
    assert_package(&report["added"][1], &current["packages"][3]);
    assert_eq!(
        report["changed"],
        json!([{"name": "Kerberos", "fields": [
            {"field": "comment", "old": "Microsoft Kerberos V1.0", "new": "Microsoft Kerberos V2"},
            {"field": "max_token", "old": 48000, "new": 65535},
            {"field": "capability_bits", "old": 0x000F_3BBF, "new": 0x040D_3BBF},
        ]}])
    );
}

#[test]
fn audit_reports_each_kind_of_difference_alone() {
    let base = json!({"packages": [
        {"name": "A", "comment": "a", "capabilities": 3, "version": 1, "rpc_id": 9, "max_token": 100},
        {"name": "B", "comment": "b", "capabilities": 1, "version": 1, "rpc_id": 10, "max_token": 200},
    ]});
    let file = baseline(&base.to_string());
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut scenario = base.clone();
        edit(&mut scenario);
        let output = audit(&scenario.to_string(), &file);
        assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().lines().next().unwrap().to_owned()
    };
    let added = with(&|s| s["packages"].as_array_mut().unwrap().push(json!({"name": "C"})));
    assert_eq!(added, "added    C");
    let removed = with(&|s| {
        s["packages"].as_array_mut().unwrap().remove(0);
    });
    assert_eq!(removed, "removed  A");
    assert_eq!(with(&|s| s["packages"][1]["version"] = json!(2)), "changed  B: version 1 → 2");
    assert_eq!(with(&|s| s["packages"][1]["rpc_id"] = json!(16)), "changed  B: rpc_id 10 WINNT → 16 GSS_KERBEROS");
    assert_eq!(
        with(&|s| s["packages"][0]["capabilities"] = json!(1)),
        "changed  A: capability_bits 0x00000003 → 0x00000001 (-PRIVACY)"
    );
    assert_eq!(with(&|s| s["packages"][0]["comment"] = json!(null)), "changed  A: comment \"a\" → \"\"");
}

#[test]
fn audit_of_a_missing_baseline_exits_2() {
    let missing = std::env::temp_dir().join("secpkg-cli-no-such-baseline.json");
    let stderr = failure_of(secpkg(DEFAULT).arg("audit").arg("--baseline").arg(&missing), 2);
    assert!(stderr.starts_with(&format!("secpkg: cannot read the baseline {}: ", missing.display())), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn audit_of_a_corrupt_baseline_exits_2() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("truncated", br#"{"provider": "x", "packages": [{"name": "#, "is not the output of `secpkg list --json`: EOF"),
        ("not JSON", b"\xFF\xFE garbage", "is not the output of `secpkg list --json`: expected value"),
        ("a partial show", br#"{"name": "NTLM"}"#, "is not the output of `secpkg show --json`: missing field `comment`"),
        ("an array", b"[]", "is not the output of `secpkg list --json`: invalid length 0"),
        (
            "an out-of-range id",
            br#"{"provider": "x", "packages": [{"name": "N", "comment": "", "version": 1, "rpc_id": 70000,
                "max_token": 1, "capabilities": [], "capability_bits": 0, "unknown_capability_bits": 0}]}"#,
            "invalid value: integer `70000`, expected u16",
        ),
        (
            "capabilities that are not the bits",
            br#"{"provider": "x", "packages": [{"name": "N", "comment": "", "version": 1, "rpc_id": 10,
                "max_token": 1, "capabilities": ["INTEGRITY"], "capability_bits": 3, "unknown_capability_bits": 0}]}"#,
            "is inconsistent: package 0 ('N'): \"capability_bits\" 0x00000003 sets \"PRIVACY\", which \"capabilities\" \
             does not list",
        ),
        (
            "a flag the bits lack",
            br#"{"provider": "x", "packages": [{"name": "N", "comment": "", "version": 1, "rpc_id": 10,
                "max_token": 1, "capabilities": ["INTEGRITY", "STREAM"], "capability_bits": 1, "unknown_capability_bits": 0}]}"#,
            "is inconsistent: package 0 ('N'): \"capabilities\" lists \"STREAM\", which \"capability_bits\" 0x00000001 \
             does not set",
        ),
        (
            "an unknown flag name",
            br#"{"provider": "x", "packages": [{"name": "N", "comment": "", "version": 1, "rpc_id": 10,
                "max_token": 1, "capabilities": ["TELEPATHY"], "capability_bits": 0, "unknown_capability_bits": 0}]}"#,
            "\"capabilities\" lists \"TELEPATHY\", which is no capability flag secpkg knows",
        ),
        (
            "wrong unknown bits",
            br#"{"provider": "x", "packages": [{"name": "N", "comment": "", "version": 1, "rpc_id": 10,
                "max_token": 1, "capabilities": [], "capability_bits": 67108864, "unknown_capability_bits": 0}]}"#,
            "\"unknown_capability_bits\" 0x00000000 does not match \"capability_bits\" 0x04000000",
        ),
    ];
    for (what, contents, message) in cases {
        let file = TempFile::new("corrupt.json", contents);
        let stderr = failure_of(secpkg(DEFAULT).arg("audit").arg("--baseline").arg(file.path()), 2);
        let prefix = format!("secpkg: the baseline {} ", file.path().display());
        assert!(stderr.starts_with(&prefix), "{what}: {stderr}");
        assert!(stderr.contains(message), "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
    }
}

/// `--baseline -` is standard input, as for most commands that read a file.
#[test]
fn audit_reads_the_baseline_from_standard_input() {
    let list = stdout_of(secpkg(DEFAULT).args(["list", "--json"]));
    let output = secpkg(DEFAULT).args(["audit", "--baseline", "-"]).write_stdin(list.clone()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "no differences from the baseline from standard input (4 packages)\n"
    );
    let fewer = json!({"packages": [{"name": "Negotiate", "comment": "Microsoft Package Negotiator", "capabilities": 0x0008_3BB3,
        "version": 1, "rpc_id": 9, "max_token": 48256}]});
    let output = secpkg(&fewer.to_string()).args(["audit", "--baseline", "-"]).write_stdin(list).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .ends_with("differ from the baseline from standard input: 0 added, 3 removed, 0 changed\n")
    );
    let stderr = failure_of(secpkg(DEFAULT).args(["audit", "--baseline", "-"]).write_stdin("{"), 2);
    assert!(
        stderr.starts_with("secpkg: the baseline from standard input is not the output of `secpkg list --json`: EOF"),
        "{stderr}"
    );
}

/// `show --json` prints one PACKAGE; as a baseline it is a list of that one package. Nor does a
/// list need its `provider`, which audit never compares.
#[test]
fn audit_takes_show_json_and_a_list_without_provider() {
    let kerberos = TempFile::new("show.json", stdout_of(secpkg(DEFAULT).args(["show", "--json", "Kerberos"])));
    let only_kerberos = json!({"packages": [secpkg_test_provider::default_packages().iter()
        .map(|package| serde_json::to_value(package).unwrap()).find(|p| p["name"] == "Kerberos").unwrap()]});
    let output = audit(&only_kerberos.to_string(), &kerberos);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    // Against all four packages: the others are added, Kerberos is unchanged.
    let output = audit(DEFAULT, &kerberos);
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().filter(|line| line.starts_with("added ")).count(), 3, "{stdout}");
    assert!(!stdout.contains("Kerberos"), "{stdout}");

    let mut list: Value = serde_json::from_str(&stdout_of(secpkg(DEFAULT).args(["list", "--json"]))).unwrap();
    list.as_object_mut().unwrap().remove("provider");
    let without_provider = TempFile::new("no-provider.json", list.to_string());
    assert_eq!(audit(DEFAULT, &without_provider).status.code(), Some(0));
}

#[test]
fn audit_needs_a_baseline() {
    let stderr = failure_of(secpkg(DEFAULT).arg("audit"), 2);
    assert!(stderr.contains("--baseline <FILE>"), "{stderr}");
}

// ---- providers ----

/// caps needs no provider: one named with --provider is refused rather than silently unused
/// (a path that does not exist would otherwise pass unnoticed).
#[test]
fn caps_refuses_a_provider_it_would_not_use() {
    for path in [Path::new("/nonexistent/libsspi.so"), common::test_provider_library().as_path()] {
        let stderr = failure_of(bare().arg("caps").arg("--provider").arg(path), 2);
        assert_eq!(
            stderr,
            format!(
                "secpkg: caps needs no provider and loads none, so --provider {} would do nothing\n",
                path.display()
            )
        );
    }
    // SECPKG_PROVIDER is the environment's default provider, not a request: caps ignores it.
    let output = bare().arg("caps").env("SECPKG_PROVIDER", "/nonexistent/libsspi.so").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_provider_path_that_does_not_exist_exits_2_naming_it() {
    let path = std::env::temp_dir().join("secpkg-cli-no-such-provider.so");
    let stderr = failure_of(bare().arg("--provider").arg(&path).arg("list"), 2);
    assert!(stderr.starts_with(&format!("secpkg: cannot load the SSPI provider {}: ", path.display())), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_library_that_is_not_a_provider_exits_2_naming_it() {
    let not_a_provider = if cfg!(windows) { "kernel32.dll" } else { "libc.so.6" };
    let stderr = failure_of(bare().args(["list", "--provider", not_a_provider]), 2);
    assert!(stderr.starts_with(&format!("secpkg: {not_a_provider} is not an SSPI provider")), "{stderr}");
    assert!(stderr.contains("InitSecurityInterfaceW"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[cfg(not(windows))]
#[test]
fn secpkg_provider_names_the_provider_when_no_option_does() {
    let library = common::test_provider_library();
    let stdout = stdout_of(bare().arg("list").env("SECPKG_PROVIDER", &library));
    assert!(stdout.contains("\nKerberos   16 GSS_KERBEROS"), "{stdout}");
    // --provider wins over the variable.
    let missing = std::env::temp_dir().join("secpkg-cli-no-such-provider.so");
    let stderr = failure_of(bare().arg("list").env("SECPKG_PROVIDER", &library).arg("--provider").arg(&missing), 2);
    assert!(stderr.contains("secpkg-cli-no-such-provider.so"), "{stderr}");
    // A variable naming nothing loadable: status 2 and one line saying so.
    let stderr = failure_of(bare().arg("list").env("SECPKG_PROVIDER", &missing), 2);
    assert!(stderr.starts_with(&format!("secpkg: cannot load the SSPI provider {}", missing.display())), "{stderr}");
    // An empty one is unset: the same output as without it.
    let unset = bare().args(["list", "--json"]).output().unwrap();
    let empty = bare().args(["list", "--json"]).env("SECPKG_PROVIDER", "").output().unwrap();
    assert_eq!((empty.status.code(), &empty.stdout), (unset.status.code(), &unset.stdout));
}

#[test]
fn a_provider_that_breaks_is_reported_on_one_line() {
    let stderr = failure_of(secpkg(r#"{"enumerate_status": "0x80090304"}"#).arg("list"), 2);
    assert_eq!(stderr, "secpkg: EnumerateSecurityPackagesW failed: SEC_E_INTERNAL_ERROR (0x80090304)\n");
    let stderr = failure_of(secpkg(r#"{"free_status": "0x80090304"}"#).arg("list"), 2);
    assert!(stderr.starts_with("secpkg: FreeContextBuffer failed"), "{stderr}");
}

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn the_system_provider_is_listed() {
    let output = bare().args(["list", "--json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(2) && stderr.contains("no SSPI provider found") {
        assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("install"), "{stderr}");
        eprintln!("skipped: no system SSPI provider: {stderr}");
        return;
    }
    assert!(output.status.success(), "{stderr}");
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    // On Unix without WinPR, list falls back to GSSAPI (tests/cli_gssapi.rs checks that).
    if list["provider"].as_str().is_some_and(|provider| provider.starts_with("gssapi:")) {
        assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but {stderr}");
        eprintln!("skipped: no system SSPI provider: {stderr}");
        return;
    }
    let packages = list["packages"].as_array().unwrap();
    assert!(!packages.is_empty(), "the system provider lists no package");
    for package in packages {
        let name = package["name"].as_str().unwrap();
        let shown: Value = serde_json::from_str(&stdout_of(bare().args(["show", "--json", name]))).unwrap();
        assert_eq!(&shown, package, "show {name}");
        // Found ignoring case, whatever the provider's own matching.
        let shown: Value =
            serde_json::from_str(&stdout_of(bare().args(["show", "--json", &name.to_lowercase()]))).unwrap();
        assert_eq!(shown["name"], package["name"]);
    }
    let table = stdout_of(bare().arg("list"));
    assert!(table.starts_with("NAME "), "{table}");
    assert_eq!(table.lines().count(), packages.len() + 1, "{table}");
    eprintln!("{}: {} packages", list["provider"], packages.len());
}

// ---- usage, colour, pipes ----

#[test]
fn help_and_version() {
    let help = stdout_of(bare().arg("--help"));
    for word in ["list", "show", "caps", "audit", "--provider", "--json", "Exit status"] {
        assert!(help.contains(word), "{word} missing from\n{help}");
    }
    assert_eq!(stdout_of(bare().arg("--version")), format!("secpkg {}\n", env!("CARGO_PKG_VERSION")));
    // No subcommand: the help, on stderr, status 2. An unknown one: clap's usage error.
    let output = bare().output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage: secpkg"));
    let stderr = failure_of(bare().arg("bogus"), 2);
    assert!(stderr.contains("unrecognized subcommand 'bogus'"), "{stderr}");
}

#[test]
fn no_escape_codes_when_piped_or_with_no_color() {
    for args in [&["list"][..], &["list", "--long"], &["show", "Kerberos"], &["--help"]] {
        let output = secpkg(DEFAULT).args(args).output().unwrap();
        assert!(output.status.success());
        assert!(!output.stdout.contains(&0x1B), "{args:?}");
    }
    {
        let output = bare().arg("caps").output().unwrap();
        assert!(output.status.success());
        assert!(!output.stdout.contains(&0x1B), "caps");
    }
    // Even where colour would be forced, NO_COLOR wins for clap's messages.
    for args in [&["--help"][..], &["bogus"]] {
        let output = secpkg(DEFAULT).args(args).env("NO_COLOR", "1").output().unwrap();
        assert!(!output.stdout.contains(&0x1B) && !output.stderr.contains(&0x1B), "{args:?}");
    }
    // Control characters from the provider are escaped, not sent to the terminal.
    let hostile = json!({"packages": [{"name": "Evil\u{1b}[31m", "comment": "\u{202e}x"}]});
    for args in [&["list", "--long"][..], &["show", "Evil\u{1b}[31m"]] {
        let stdout = stdout_of(secpkg(&hostile.to_string()).args(args));
        assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'), "{stdout}");
        assert!(stdout.contains("Evil\\u{1b}[31m"), "{stdout}");
    }
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    // Enough packages that the output overflows any pipe buffer, so a write fails.
    let packages: Vec<Value> = (0..3000)
        .map(|i| json!({"name": format!("Package{i}"), "comment": "x".repeat(40), "capabilities": 0x000F_3BBF, "rpc_id": 16}))
        .collect();
    let scenario = TempFile::new("many.json", json!({ "packages": packages }).to_string());
    for args in [&["list"][..], &["list", "--json"], &["list", "--long"]] {
        let mut child = std::process::Command::new(BIN)
            .arg("--provider")
            .arg(common::test_provider_library())
            .args(args)
            .env("SECPKG_TEST_PROVIDER", scenario.spec())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        // The reader is dropped: the pipe is closed, as by `head -1`.
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
        assert_eq!(status.code(), Some(0), "{args:?}");
    }
}
