//! The generator end to end: determinism, --check, bad input, and a second metadata layout.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_secpkg-bindgen"))
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    bin().args(args).output().expect("the generator runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A copy of generated/ to break or regenerate without touching the real one.
fn copy_of_generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&secpkg_bindgen::default_out(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn generated_crate_is_current_and_generation_is_deterministic() {
    let spec = secpkg_bindgen::default_spec();
    let first = secpkg_bindgen::generate(&spec, None).unwrap();
    let second = secpkg_bindgen::generate(&spec, None).unwrap();
    assert_eq!(first, second, "two runs on the same input differ");
    assert_eq!(secpkg_bindgen::stale_files(&first, &secpkg_bindgen::default_out()), Vec::<String>::new());
    for (path, text) in &first {
        let marker = match path.rsplit_once('.').map(|(_, ext)| ext) {
            Some("toml" | "lock") => "# @generated",
            Some("md") => "<!--\n@generated",
            _ => "// @generated",
        };
        assert!(text.starts_with(marker), "{path} lacks the @generated header");
        assert!(
            text.contains("windows-bindgen 0.100.0") && text.contains("sha256 "),
            "{path}: header names no version or hash"
        );
    }
}

#[test]
fn generated_crate_has_the_spec_items() {
    let files = secpkg_bindgen::generate(&secpkg_bindgen::default_spec(), None).unwrap();
    let bindings = &files["src/bindings.rs"];
    let flags = bindings.matches("pub const SECPKG_FLAG_").count();
    assert_eq!(flags, 26, "SECPKG_FLAG_* constants");
    for line in bindings.lines().filter(|l| l.starts_with("pub const SECPKG_FLAG_")) {
        assert!(line.contains(": u32 = "), "{line}");
    }
    assert!(bindings.contains("pub const SECPKG_ID_NONE: u16 = 65535;"));
    assert!(bindings.contains("pub const RPC_C_AUTHN_GSS_KERBEROS: u16 = 16;"));
    assert!(!bindings.contains("RPC_C_AUTHN_LEVEL_"), "the authentication levels are not package ids");
    assert!(bindings.contains("pub const SEC_E_SECPKG_NOT_FOUND: SECURITY_STATUS"));
    for function in [
        "EnumerateSecurityPackagesW",
        "EnumerateSecurityPackagesA",
        "QuerySecurityPackageInfoW",
        "QuerySecurityPackageInfoA",
        "FreeContextBuffer",
        "InitSecurityInterfaceW",
        "InitSecurityInterfaceA",
    ] {
        assert!(bindings.contains(&format!("\"system\" fn {function}(")), "{function}");
    }
    for ty in ["SecPkgInfoW", "SecPkgInfoA", "SecurityFunctionTableW", "SecurityFunctionTableA"] {
        assert!(bindings.contains(&format!("pub struct {ty} {{")), "{ty}");
    }
    // The supplement fills what the bundled metadata lacks, and says where it comes from.
    assert!(bindings.contains("pub const NEGOSSP_NAME_W: PCWSTR"));
    assert!(bindings.contains("pub const NTLMSP_NAME: PCWSTR = [78u16, 84u16, 76u16, 77u16, 0u16]"));
    let families = &files["src/families.rs"];
    for name in ["capability_family", "package_id_family", "status_family", "interface_version_family"] {
        assert!(families.contains(&format!("macro_rules! {name} {{")), "{name}");
    }
    // A flag family is an enum of UpperCamel variants; a family of values a newtype of its repr.
    assert!(families.contains("$vis enum $name {") && families.contains("            MutualAuth,\n"));
    assert!(families.contains("$vis struct $name(pub u16);") && families.contains("$vis struct $name(pub i32);"));
    // SEC_E_NOT_SUPPORTED and SEC_E_UNSUPPORTED_FUNCTION share a value: the first name wins.
    assert!(
        families.contains(
            r#"#[sdk(name = "SEC_E_NOT_SUPPORTED", value = $crate::SEC_E_NOT_SUPPORTED, alias = "SEC_E_UNSUPPORTED_FUNCTION", doc = "#
        )
    );
}

#[test]
fn check_names_each_stale_file_and_passes_when_current() {
    let dir = copy_of_generated();
    let ok = run(&["--check".as_ref(), "--out".as_ref(), dir.path().as_os_str()]);
    assert!(ok.status.success(), "{}", stderr(&ok));

    let lib = dir.path().join("src/families.rs");
    let mut bytes = std::fs::read(&lib).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&lib, bytes).unwrap();
    std::fs::write(dir.path().join("src/extra.rs"), "// not generated\n").unwrap();
    let stale = run(&["--check".as_ref(), "--out".as_ref(), dir.path().as_os_str()]);
    assert_eq!(stale.status.code(), Some(1));
    let err = stderr(&stale);
    assert!(err.contains("stale: ") && err.contains("families.rs"), "{err}");
    assert!(err.contains("extra.rs"), "a file the generator does not write is stale too: {err}");
    assert!(!err.contains("bindings.rs"), "only the changed files are named: {err}");

    let regenerate = run(&["--out".as_ref(), dir.path().as_os_str()]);
    assert!(regenerate.status.success(), "{}", stderr(&regenerate));
    assert!(run(&["--check".as_ref(), "--out".as_ref(), dir.path().as_os_str()]).status.success());
    assert!(!dir.path().join("src/extra.rs").exists());
}

/// Runs the generator on a broken spec or metadata: it must fail with one line naming the
/// problem and write nothing.
fn assert_rejected(spec_text: Option<&str>, metadata: Option<&Path>, expected: &[&str]) {
    assert_rejected_with_lines(spec_text, metadata, expected, 1);
}

/// The same, with one error line for each of `lines` problems: a run reports them all.
fn assert_rejected_with_lines(spec_text: Option<&str>, metadata: Option<&Path>, expected: &[&str], lines: usize) {
    let out = copy_of_generated();
    let before = snapshot(out.path());
    let spec_dir = tempfile::tempdir().unwrap();
    let spec = spec_dir.path().join("sspi.toml");
    let original = std::fs::read_to_string(secpkg_bindgen::default_spec()).unwrap();
    std::fs::write(&spec, spec_text.unwrap_or(&original)).unwrap();
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["--spec".as_ref(), spec.as_os_str(), "--out".as_ref(), out.path().as_os_str()];
    if let Some(metadata) = metadata {
        args.extend(["--in".as_ref(), metadata.as_os_str()]);
    }
    let output = run(&args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), lines, "{lines} line(s): {err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("error: ")).count(), lines, "{err}");
    for part in expected {
        assert!(err.contains(part), "expected {part:?} in: {err}");
    }
    assert_eq!(snapshot(out.path()), before, "a failed run wrote files");
}

fn spec_with(from: &str, to: &str) -> String {
    let original = std::fs::read_to_string(secpkg_bindgen::default_spec()).unwrap();
    assert!(original.contains(from), "the spec has {from:?}");
    original.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> String {
    let offset = text.find(needle).unwrap();
    format!(":{}:", text[..offset].matches('\n').count() + 1)
}

#[test]
fn unknown_function_is_named_with_file_and_line() {
    let spec = spec_with("\"QuerySecurityPackageInfoA\"", "\"QuerySecurityPackageInfoX\"");
    let line = line_of(&spec, "QuerySecurityPackageInfoX");
    assert_rejected(Some(&spec), None, &["sspi.toml", &line, "function 'QuerySecurityPackageInfoX' is not in"]);
}

#[test]
fn unknown_struct_is_named() {
    let spec = spec_with("\"SecPkgInfoA\"", "\"SecPkgInfoZ\"");
    let line = line_of(&spec, "SecPkgInfoZ");
    assert_rejected(Some(&spec), None, &[&line, "struct 'SecPkgInfoZ' is not in"]);
}

#[test]
fn prefix_matching_nothing_is_named() {
    let spec = spec_with("prefixes = [\"SECPKG_FLAG_\"]", "prefixes = [\"SECPKG_FLAGS_\"]");
    let line = line_of(&spec, "SECPKG_FLAGS_");
    assert_rejected(Some(&spec), None, &[&line, "prefix 'SECPKG_FLAGS_' matches no constant"]);
}

#[test]
fn unknown_family_constant_is_named() {
    let spec = spec_with("names = [\"SECPKG_ID_NONE\"]", "names = [\"SECPKG_ID_NOTHING\"]");
    assert_rejected(
        Some(&spec),
        None,
        &[&line_of(&spec, "SECPKG_ID_NOTHING"), "constant 'SECPKG_ID_NOTHING' is not in"],
    );
}

#[test]
fn value_that_does_not_fit_the_family_type_is_named() {
    let spec = spec_with("exclude = [\"RPC_C_AUTHN_DEFAULT\"]\n", "");
    assert_rejected(Some(&spec), None, &["RPC_C_AUTHN_DEFAULT = 0xffffffff does not fit its type u16"]);
}

#[test]
fn description_of_a_flag_the_metadata_lacks_is_named() {
    let spec = spec_with("APPLY_LOOPBACK = ", "APPLY_LOOPBACKS = ");
    assert_rejected(
        Some(&spec),
        None,
        &[&line_of(&spec, "APPLY_LOOPBACKS"), "'APPLY_LOOPBACKS', which the metadata does not have"],
    );
}

#[test]
fn malformed_spec_is_named_with_its_line() {
    let spec = spec_with("kind = \"flags\"\ndoc", "kind = flags\ndoc");
    assert_rejected(Some(&spec), None, &["sspi.toml", &line_of(&spec, "kind = flags"), "malformed spec"]);
    let spec = spec_with("kind = \"flags\"\ndoc", "kind = \"bits\"\ndoc");
    assert_rejected(Some(&spec), None, &[&line_of(&spec, "\"bits\""), "malformed spec", "unknown variant `bits`"]);
}

#[test]
fn unreadable_metadata_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.winmd");
    assert_rejected(None, Some(&missing), &["missing.winmd", "cannot read the metadata"]);
    let garbage = dir.path().join("garbage.winmd");
    std::fs::write(&garbage, b"MZ this is no metadata").unwrap();
    assert_rejected(None, Some(&garbage), &["garbage.winmd", "not a readable .winmd file"]);
}

/// Found by fuzz/'s winmd target: the first half of the bundled metadata has a header that reads,
/// and tables that point past its end; windows-metadata panicked indexing it (reader/file.rs:
/// "range start index 6903888 out of range for slice of length 6691328").
#[test]
fn truncated_metadata_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("truncated.winmd");
    let bundled = secpkg_bindgen::Metadata::bundled().unwrap().bytes;
    std::fs::write(&truncated, &bundled[..bundled.len() / 2]).unwrap();
    assert_rejected(None, Some(&truncated), &["truncated.winmd", "not a readable .winmd file", "out of range"]);
}

/// Found by fuzz/winmd: four bytes of the bundled metadata's stream headers changed (at 624)
/// made windows-metadata's `File::new` panic before any table was indexed.
#[test]
fn a_corrupt_stream_header_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.winmd");
    let mut bytes = secpkg_bindgen::Metadata::bundled().unwrap().bytes;
    bytes[624..628].copy_from_slice(&[0xa2, 0, 0, 0]);
    std::fs::write(&corrupt, &bytes).unwrap();
    assert_rejected(None, Some(&corrupt), &["corrupt.winmd", "not a readable .winmd file", "windows-metadata:"]);
}

#[test]
fn every_problem_of_a_run_is_reported() {
    let spec = spec_with("\"QuerySecurityPackageInfoA\"", "\"QuerySecurityPackageInfoX\"");
    let spec = spec.replacen("\"SecPkgInfoA\"", "\"SecPkgInfoZ\"", 1);
    let spec = spec.replacen("prefixes = [\"SECPKG_FLAG_\"]", "prefixes = [\"SECPKG_FLAGS_\"]", 1);
    assert_rejected_with_lines(
        Some(&spec),
        None,
        &["function 'QuerySecurityPackageInfoX'", "struct 'SecPkgInfoZ'", "prefix 'SECPKG_FLAGS_'"],
        3,
    );
}

#[test]
fn a_type_the_output_names_but_nobody_defines_is_refused() {
    let spec = format!(
        "{}\n[[typedef]]\nname = \"PSecBufferDesc\"\ntype = \"*mut SecBufferDescriptor\"\nexpand = true\nsource = \"a typo\"\n",
        spec_with("", "")
    );
    assert_rejected(
        Some(&spec),
        None,
        &[
            "would name the type 'SecBufferDescriptor' (in PSecBufferDesc), which nothing defines",
            "nothing was written",
        ],
    );
}

#[test]
fn a_family_type_comes_from_the_field_it_describes() {
    let spec = spec_with("type_of = \"SecPkgInfoW.wRPCID\"", "type_of = \"SecPkgInfoW.wRPCIDs\"");
    assert_rejected(
        Some(&spec),
        None,
        &[
            &line_of(&spec, "SecPkgInfoW.wRPCIDs"),
            "type_of 'SecPkgInfoW.wRPCIDs' is no struct field, function or parameter",
        ],
    );
    // wVersion is a u16 like wRPCID: the same family, typed from another field, is the same API.
    let out = copy_of_generated();
    let spec_dir = tempfile::tempdir().unwrap();
    let path = spec_dir.path().join("sspi.toml");
    std::fs::write(&path, spec_with("type_of = \"SecPkgInfoW.wRPCID\"", "type_of = \"SecPkgInfoW.wVersion\"")).unwrap();
    let output = run(&["--spec".as_ref(), path.as_os_str(), "--out".as_ref(), out.path().as_os_str()]);
    assert!(output.status.success(), "{}", stderr(&output));
    // A 32-bit field makes every package id a u32: a breaking retype the spec does not acknowledge.
    std::fs::write(&path, spec_with("type_of = \"SecPkgInfoW.wRPCID\"", "type_of = \"SecPkgInfoW.cbMaxToken\""))
        .unwrap();
    let output = run(&["--spec".as_ref(), path.as_os_str(), "--out".as_ref(), out.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("retyped const RPC_C_AUTHN_WINNT"), "{}", stderr(&output));
}

#[test]
fn a_family_type_comes_from_a_parameter_or_its_pointee() {
    let spec = spec_with(
        "type_of = \"AcquireCredentialsHandleW(fCredentialUse)\"",
        "type_of = \"AcquireCredentialsHandleW(fCredentialUsage)\"",
    );
    assert_rejected(
        Some(&spec),
        None,
        &[
            &line_of(&spec, "fCredentialUsage"),
            "type_of 'AcquireCredentialsHandleW(fCredentialUsage)' is no struct field, function or parameter",
        ],
    );
    // The committed lock: a u32 parameter, and the u32 an out-parameter (`*mut u32`) points to.
    let lock = std::fs::read_to_string(secpkg_bindgen::default_out().join("API.lock")).unwrap();
    for line in [
        "const SECPKG_CRED_INBOUND: u32 = 0x00000001 in credential_use",
        "const ISC_RET_MUTUAL_AUTH: u32 = 0x00000002 in isc_ret",
        "const ASC_RET_MUTUAL_AUTH: u32 = 0x00000002 in asc_ret",
    ] {
        assert!(lock.contains(line), "{line}");
    }
}

/// A supplement joins only the family whose `values` it lies in: SECBUFFER_* holds buffer types
/// below SECBUFFER_ATTRMASK (family buffer_type) and attribute bits in it (buffer_attribute, of
/// kind flags, which would refuse 0x7F as no single bit).
#[test]
fn a_supplement_joins_the_family_whose_values_it_lies_in() {
    let extra = "\n[[supplement]]\nname = \"SECBUFFER_TEST_TYPE\"\nvalue = 0x7F\nsource = \"test\"\n";
    let spec = std::fs::read_to_string(secpkg_bindgen::default_spec()).unwrap() + extra;
    let out = copy_of_generated();
    let spec_dir = tempfile::tempdir().unwrap();
    let path = spec_dir.path().join("sspi.toml");
    std::fs::write(&path, &spec).unwrap();
    let output = run(&["--spec".as_ref(), path.as_os_str(), "--out".as_ref(), out.path().as_os_str()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lock = std::fs::read_to_string(out.path().join("API.lock")).unwrap();
    assert!(lock.contains("const SECBUFFER_TEST_TYPE: u32 = 0x0000007F in buffer_type\n"), "{lock}");
    let families = std::fs::read_to_string(out.path().join("src/families.rs")).unwrap();
    let attribute = &families[families.find("macro_rules! buffer_attribute_family").unwrap()..];
    let attribute = &attribute[..attribute[1..].find("macro_rules!").map_or(attribute.len(), |n| n + 1)];
    assert!(attribute.contains("SECBUFFER_READONLY") && !attribute.contains("SECBUFFER_TEST_TYPE"), "{attribute}");
}

/// Classic metadata says `*const SecHandle` for the handles a function only reads; without the
/// spec's [[mutable_pointer]] the lock of such a release changes.
#[test]
fn a_mutable_pointer_keeps_classic_handles_as_sspi_h_has_them() {
    let Some(releases) = real_releases() else { return };
    let original = std::fs::read_to_string(secpkg_bindgen::default_spec()).unwrap();
    let start = original.find("[[mutable_pointer]]\npointee = \"SecHandle\"").expect("the spec has the rule");
    let end = start + original[start..].find("\n\n").unwrap();
    let spec = format!("{}{}", &original[..start], &original[end..]);
    let out = copy_of_generated();
    let spec_dir = tempfile::tempdir().unwrap();
    let path = spec_dir.path().join("sspi.toml");
    std::fs::write(&path, &spec).unwrap();
    let output = run(&[
        "--spec".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
        "--in".as_ref(),
        releases[1].as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    for item in
        ["retyped fn DeleteSecurityContext", "retyped fn AcceptSecurityContext", "retyped fn FreeCredentialsHandle"]
    {
        assert!(err.contains(item), "expected {item:?} in: {err}");
    }
}

#[test]
fn an_unacknowledged_breaking_change_is_refused_and_an_acknowledged_one_written() {
    let spec = spec_with("    \"InitSecurityInterfaceA\",\n", "");
    assert_rejected(
        Some(&spec),
        None,
        &["1 breaking change(s) to API.lock", "removed fn InitSecurityInterfaceA", "nothing was written"],
    );

    let acknowledged =
        format!("{spec}\n[[acknowledge]]\nitem = \"fn InitSecurityInterfaceA\"\nreason = \"the test drops it\"\n");
    let out = copy_of_generated();
    let spec_dir = tempfile::tempdir().unwrap();
    let path = spec_dir.path().join("sspi.toml");
    std::fs::write(&path, acknowledged).unwrap();
    let output = run(&["--spec".as_ref(), path.as_os_str(), "--out".as_ref(), out.path().as_os_str()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("removed (breaking): fn InitSecurityInterfaceA() -> *mut SecurityFunctionTableA"),
        "{report}"
    );
    let lock = std::fs::read_to_string(out.path().join("API.lock")).unwrap();
    assert!(!lock.contains("fn InitSecurityInterfaceA") && lock.contains("fn InitSecurityInterfaceW"), "{lock}");
    // Once the lock has the change, the acknowledgement is stale: a warning, not an error.
    let again = run(&["--spec".as_ref(), path.as_os_str(), "--out".as_ref(), out.path().as_os_str()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("acknowledged change 'fn InitSecurityInterfaceA' is not a change"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn check_fails_on_a_stale_lock_and_reports_the_change() {
    let dir = copy_of_generated();
    let lock = dir.path().join("API.lock");
    let text = std::fs::read_to_string(&lock).unwrap();
    let line = "const SEC_E_OK: SECURITY_STATUS = 0x00000000 in status";
    assert!(text.contains(line), "the lock lists {line}");
    std::fs::write(&lock, text.replace(line, "const SEC_E_OK: SECURITY_STATUS = 0x00000001 in status")).unwrap();
    let output = run(&["--check".as_ref(), "--out".as_ref(), dir.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("stale: ") && stderr(&output).contains("API.lock"), "{}", stderr(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("revalued (breaking): const SEC_E_OK: SECURITY_STATUS = 0x00000001 in status"), "{report}");
}

#[test]
fn an_exclusion_that_matches_nothing_is_a_warning() {
    let spec =
        spec_with("exclude = [\"RPC_C_AUTHN_DEFAULT\"]", "exclude = [\"RPC_C_AUTHN_DEFAULT\", \"RPC_C_AUTHN_NOPE\"]");
    let out = copy_of_generated();
    let spec_dir = tempfile::tempdir().unwrap();
    let path = spec_dir.path().join("sspi.toml");
    std::fs::write(&path, &spec).unwrap();
    let output =
        run(&["--spec".as_ref(), path.as_os_str(), "--out".as_ref(), out.path().as_os_str(), "--check".as_ref()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.starts_with("warning: ") && err.contains(&line_of(&spec, "RPC_C_AUTHN_NOPE")), "{err}");
    assert!(err.contains("excluded name 'RPC_C_AUTHN_NOPE' matches nothing"), "{err}");
}

/// The classic metadata of real windows-bindgen releases, from cargo's registry (scripts/real-metadata
/// fetches them), or None with the reason.
fn real_release(version: &str) -> Result<PathBuf, String> {
    real_crate_release("windows-bindgen", version)
}

fn real_crate_release(krate: &str, version: &str) -> Result<PathBuf, String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .ok_or("no CARGO_HOME or HOME")?;
    let registry = home.join("registry/src");
    let entries = std::fs::read_dir(&registry).map_err(|e| format!("{}: {e}", registry.display()))?;
    entries
        .flatten()
        .map(|index| index.path().join(format!("{krate}-{version}/default/Windows.Win32.winmd")))
        .find(|path| path.is_file())
        .ok_or_else(|| format!("{krate} {version} is not in {} (scripts/real-metadata fetches it)", registry.display()))
}

fn real_releases() -> Option<Vec<PathBuf>> {
    let found: Result<Vec<PathBuf>, String> = ["0.51.1", "0.62.1"].into_iter().map(real_release).collect();
    match found {
        Ok(paths) => Some(paths),
        Err(reason) if std::env::var("SECPKG_REQUIRE_PROVIDERS").as_deref() == Ok("1") => panic!("{reason}"),
        Err(reason) => {
            println!("skipped: real metadata releases: {reason}");
            None
        }
    }
}

/// windows-metadata 0.44.0, the last classic release that says the LARGE_INTEGER union where
/// sspi.h says TimeStamp, or None (skipped) if cargo's registry lacks it.
fn large_integer_release() -> Option<PathBuf> {
    match real_crate_release("windows-metadata", "0.44.0") {
        Ok(path) => Some(path),
        Err(reason) if std::env::var("SECPKG_REQUIRE_PROVIDERS").as_deref() == Ok("1") => panic!("{reason}"),
        Err(reason) => {
            println!("skipped: LARGE_INTEGER metadata: {reason}");
            None
        }
    }
}

fn without_metadata_lines(lock: &str) -> String {
    lock.lines().filter(|l| !l.starts_with("# metadata")).collect::<Vec<_>>().join("\n")
}

#[test]
fn large_integer_where_sspi_says_timestamp_is_the_committed_i64() {
    let Some(winmd) = large_integer_release() else { return };
    // The input really says the union: diff names it, and the spec's [[typedef]] covers it.
    let diff = run(&["diff".as_ref(), winmd.as_os_str()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    let diff = String::from_utf8_lossy(&diff.stdout).into_owned();
    assert!(diff.contains("0 not covered by the spec"), "{diff}");
    let covered = "the spec's [[typedef]] SECURITY_INTEGER: LARGE_INTEGER is said SECURITY_INTEGER";
    for item in [
        "covered  union LARGE_INTEGER  ->  (absent)",
        "*mut LARGE_INTEGER) -> HRESULT>  ->  type ACCEPT_SECURITY_CONTEXT_FN",
    ] {
        assert!(diff.contains(item), "expected {item:?} in:\n{diff}");
    }
    // The union, its 3 fields, its 2 anonymous structs and their 4 fields, the 7 *_FN types and
    // the 3 functions with a ptsExpiry (AcquireCredentialsHandleW, InitializeSecurityContextW,
    // AcceptSecurityContext).
    assert_eq!(diff.matches(covered).count(), 20, "{diff}");

    let out = tempfile::tempdir().unwrap();
    let output = run(&["--in".as_ref(), winmd.as_os_str(), "--out".as_ref(), out.path().as_os_str()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "no warning, no acknowledgement needed");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "", "no change to the lock");
    let committed = std::fs::read_to_string(secpkg_bindgen::default_out().join("API.lock")).unwrap();
    let lock = std::fs::read_to_string(out.path().join("API.lock")).unwrap();
    assert_eq!(without_metadata_lines(&lock), without_metadata_lines(&committed));
    assert!(lock.contains("# metadata: windows-metadata-0.44.0/default/Windows.Win32.winmd"), "{lock}");
    assert!(lock.contains(
        "type ACCEPT_SECURITY_CONTEXT_FN = Option<unsafe extern \"system\" fn(*mut SecHandle, *mut SecHandle, \
         *mut SecBufferDesc, u32, u32, *mut SecHandle, *mut SecBufferDesc, *mut u32, *mut i64) -> SECURITY_STATUS>"
    ));
    // The union and its two anonymous structs go with the last signature that named them.
    let bindings = std::fs::read_to_string(out.path().join("src/bindings.rs")).unwrap();
    assert!(!bindings.contains("union LARGE_INTEGER") && !bindings.contains("LARGE_INTEGER_0"), "{bindings}");
    assert_eq!(bindings.matches("LARGE_INTEGER").count(), 1, "only SECURITY_INTEGER's doc names it");
}

#[test]
fn large_integer_outside_the_listed_signatures_is_still_refused() {
    let Some(winmd) = large_integer_release() else { return };
    let spec = spec_with("    \"ADD_CREDENTIALS_FN_W\",\n    \"INITIALIZE", "    \"INITIALIZE");
    assert_rejected(
        Some(&spec),
        Some(&winmd),
        &["1 breaking change(s) to API.lock", "retyped type ADD_CREDENTIALS_FN_W", "nothing was written"],
    );
}

#[test]
fn a_union_said_as_an_integer_must_be_one_and_its_signatures_must_exist() {
    let Some(winmd) = large_integer_release() else { return };
    // LARGE_INTEGER's integer is QuadPart, an i64: it is no i32, whatever the spec says.
    let narrower = spec_with(
        "type = \"i64\"\nexpand = true\nsource = \"sspi.h: typedef LARGE_INTEGER",
        "type = \"i32\"\nexpand = true\nsource = \"sspi.h: typedef LARGE_INTEGER",
    );
    assert_rejected(
        Some(&narrower),
        Some(&winmd),
        &[
            &line_of(&narrower, "union = \"LARGE_INTEGER\""),
            "typedef 'SECURITY_INTEGER'",
            "the union 'LARGE_INTEGER' has no member of type i32: it is no such integer",
        ],
    );
    // FILETIME is 8 bytes too, but a struct of two u32, not a union with an i64.
    let not_union = spec_with("union = \"LARGE_INTEGER\"", "union = \"FILETIME\"");
    assert_rejected(Some(&not_union), Some(&winmd), &["typedef 'SECURITY_INTEGER'", "'FILETIME' is not a union"]);
    // A listed signature the metadata lacks is named, with its line.
    // (The union's `in`: the integer rule lists ADD_CREDENTIALS_FN_W too, followed by APPLY_...)
    let unknown = spec_with(
        "    \"ADD_CREDENTIALS_FN_W\",\n    \"INITIALIZE",
        "    \"ADD_CREDENTIALS_FN_W\",\n    \"NO_SUCH_FN\",\n    \"INITIALIZE",
    );
    assert_rejected(
        Some(&unknown),
        Some(&winmd),
        &[
            &line_of(&unknown, "NO_SUCH_FN"),
            "'NO_SUCH_FN', where LARGE_INTEGER is said SECURITY_INTEGER, is no function",
        ],
    );
}

/// windows-metadata 0.31.0 (0.32.0 to 0.34.0 ship the same winmd), the classic release that says
/// plain i32 where sspi.h says SECURITY_STATUS, or None (skipped) if cargo's registry lacks it.
fn plain_status_release() -> Option<PathBuf> {
    match real_crate_release("windows-metadata", "0.31.0") {
        Ok(path) => Some(path),
        Err(reason) if std::env::var("SECPKG_REQUIRE_PROVIDERS").as_deref() == Ok("1") => panic!("{reason}"),
        Err(reason) => {
            println!("skipped: plain-i32 SECURITY_STATUS metadata: {reason}");
            None
        }
    }
}

#[test]
fn plain_i32_where_sspi_says_security_status_is_the_committed_api() {
    let Some(winmd) = plain_status_release() else { return };
    // The input really says i32: diff shows it, and the spec's rule covers it.
    let diff = run(&["diff".as_ref(), winmd.as_os_str()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    let diff = String::from_utf8_lossy(&diff.stdout).into_owned();
    assert!(diff.contains("0 not covered by the spec"), "{diff}");
    let covered = "the spec's [[typedef]] SECURITY_STATUS: i32 is said SECURITY_STATUS in the results and \
                   parameters its `replaces_integer` lists";
    for item in [
        "covered  fn FreeContextBuffer(*mut core::ffi::c_void) -> i32  ->  fn FreeContextBuffer(*mut core::ffi::c_void) -> SECURITY_STATUS",
        "*mut *mut core::ffi::c_void, *mut i32)>  ->  type SEC_GET_KEY_FN",
    ] {
        assert!(diff.contains(item), "expected {item:?} in:\n{diff}");
    }
    // The 13 functions (SetContextAttributesW among them), the 40 *_FN types and SEC_GET_KEY_FN.
    assert_eq!(diff.matches(covered).count(), 54, "{diff}");

    let out = tempfile::tempdir().unwrap();
    let output = run(&["--in".as_ref(), winmd.as_os_str(), "--out".as_ref(), out.path().as_os_str()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "no warning, no acknowledgement needed");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "", "no change to the lock");
    let committed = std::fs::read_to_string(secpkg_bindgen::default_out().join("API.lock")).unwrap();
    let lock = std::fs::read_to_string(out.path().join("API.lock")).unwrap();
    assert_eq!(without_metadata_lines(&lock), without_metadata_lines(&committed));
    assert!(lock.contains("# metadata: windows-metadata-0.31.0/default/Windows.Win32.winmd"), "{lock}");
    let bindings = std::fs::read_to_string(out.path().join("src/bindings.rs")).unwrap();
    assert!(bindings.contains("fn FreeContextBuffer(pvcontextbuffer : *mut core::ffi::c_void) -> SECURITY_STATUS);"));
    assert!(bindings.contains("status: *mut SECURITY_STATUS,"), "SEC_GET_KEY_FN's parameter");
    assert!(bindings.contains("pub const SEC_E_INTERNAL_ERROR: SECURITY_STATUS = "), "the status family");
    // Only the typedefs themselves still say i32.
    let i32s: Vec<&str> =
        bindings.lines().filter(|l| l.split(|c: char| !c.is_alphanumeric()).any(|w| w == "i32")).collect();
    assert_eq!(i32s, ["pub type SECURITY_STATUS = i32;", "pub type HRESULT = i32;"]);
}

#[test]
fn plain_i32_outside_the_listed_results_and_parameters_is_still_refused() {
    let Some(winmd) = plain_status_release() else { return };
    let spec = spec_with("    \"ENCRYPT_MESSAGE_FN\",\n", "");
    let spec = spec.replacen("parameters = [\"SEC_GET_KEY_FN.Status\"]\n", "", 1);
    assert_rejected(
        Some(&spec),
        Some(&winmd),
        &[
            "2 breaking change(s) to API.lock",
            "retyped type ENCRYPT_MESSAGE_FN",
            "retyped type SEC_GET_KEY_FN",
            "nothing was written",
        ],
    );
    // Without FreeContextBuffer the status family, whose type_of it is, says i32 too.
    let spec = spec_with("    \"FreeContextBuffer\",\n    \"ACCEPT", "    \"ACCEPT");
    assert_rejected(
        Some(&spec),
        Some(&winmd),
        &[
            "retyped fn FreeContextBuffer",
            "retyped const SEC_E_OK",
            "retyped const SEC_I_RENEGOTIATE",
            "nothing was written",
        ],
    );
}

/// The rule's checks hold for every metadata: these run on the bundled one (where the results
/// say SECURITY_STATUS already) and on the plain-i32 one.
#[test]
fn an_integer_said_as_its_typedef_must_be_so_where_the_spec_lists_it() {
    let bad = spec_with(
        "    \"FreeContextBuffer\",\n    \"ACCEPT",
        "    \"FreeContextBuffer\",\n    \"InitSecurityInterfaceW\",\n    \"SEC_GET_KEY_FN\",\n    \"NO_SUCH_FN\",\n    \"ACCEPT",
    );
    let bad = bad.replacen(
        "parameters = [\"SEC_GET_KEY_FN.Status\"]",
        "parameters = [\"SEC_GET_KEY_FN.Status\", \"SEC_GET_KEY_FN.Key\", \"SEC_GET_KEY_FN.Nope\"]",
        1,
    );
    let parameters = line_of(&bad, "parameters = [");
    let expected = [
        &*line_of(&bad, "\"InitSecurityInterfaceW\",\n    \"SEC_GET_KEY_FN"),
        // (as the metadata spells it: PSecurityFunctionTableW, or *mut SecurityFunctionTableW)
        "typedef 'SECURITY_STATUS': the result of 'InitSecurityInterfaceW' is '",
        "SecurityFunctionTableW' in ",
        "neither i32 nor SECURITY_STATUS",
        &*line_of(&bad, "\"SEC_GET_KEY_FN\",\n    \"NO_SUCH"),
        "typedef 'SECURITY_STATUS': 'SEC_GET_KEY_FN' returns nothing",
        &*line_of(&bad, "\"NO_SUCH_FN\""),
        "'NO_SUCH_FN', whose result is said SECURITY_STATUS, is no function or function-pointer type",
        &*parameters,
        "parameter Key of 'SEC_GET_KEY_FN' is '*mut *mut core::ffi::c_void'",
        "neither i32 nor SECURITY_STATUS (or a pointer to one)",
        "'SEC_GET_KEY_FN' has no parameter Nope",
        "(it has: arg, principal, keyver, key, status)",
    ];
    assert_rejected_with_lines(Some(&bad), None, &expected, 5);
    if let Some(winmd) = plain_status_release() {
        assert_rejected_with_lines(Some(&bad), Some(&winmd), &expected, 5);
    }

    // Only a kept integer typedef can stand for its integer, and an entry names an item's parameter.
    let malformed =
        spec_with("parameters = [\"SEC_GET_KEY_FN.Status\"]", "parameters = [\"SEC_GET_KEY_FN.Status\", \"Status\"]");
    let malformed = malformed.replacen(
        "    \"VERIFY_SIGNATURE_FN\",\n]",
        "    \"VERIFY_SIGNATURE_FN\",\n    \"DECRYPT_MESSAGE_FN\",\n]",
        1,
    );
    let malformed = malformed.replacen(
        "source = \"winnt.h: typedef CONST WCHAR *PCWSTR;\"\n",
        "source = \"winnt.h: typedef CONST WCHAR *PCWSTR;\"\n[typedef.replaces_integer]\nresults = [\"FreeContextBuffer\"]\n",
        1,
    );
    let malformed = malformed.replacen(
        "source = \"winnt.h: typedef LONG HRESULT;\"\n",
        "source = \"winnt.h: typedef LONG HRESULT;\"\n[typedef.replaces_integer]\nparameters = [\"SEC_GET_KEY_FN.Status\"]\n",
        1,
    );
    assert_rejected_with_lines(
        Some(&malformed),
        None,
        &[
            &line_of(&malformed, "\"Status\"]"),
            "typedef 'SECURITY_STATUS': parameter 'Status' is not `Item.Parameter`",
            &line_of(&malformed, "type = \"*const u16\""),
            "typedef 'PCWSTR': `replaces_integer` says it where the metadata says its integer, but '*const u16' is no integer",
            &line_of(&malformed, "name = \"HRESULT\""),
            "typedef 'HRESULT': with `expand`, signatures spell it out as 'i32', so `replaces_integer` changes nothing",
            &line_of(&malformed, "    \"DECRYPT_MESSAGE_FN\",\n]"),
            "the result of 'DECRYPT_MESSAGE_FN' is listed twice",
        ],
        4,
    );
}

#[test]
fn real_classic_releases_give_the_committed_api() {
    let Some(releases) = real_releases() else { return };
    let committed = std::fs::read_to_string(secpkg_bindgen::default_out().join("API.lock")).unwrap();
    let without_metadata =
        |lock: &str| lock.lines().filter(|l| !l.starts_with("# metadata")).collect::<Vec<_>>().join("\n");
    for winmd in releases {
        let out = tempfile::tempdir().unwrap();
        let output = run(&["--in".as_ref(), winmd.as_os_str(), "--out".as_ref(), out.path().as_os_str()]);
        assert!(output.status.success(), "{}: {}", winmd.display(), stderr(&output));
        let lock = std::fs::read_to_string(out.path().join("API.lock")).unwrap();
        assert_eq!(without_metadata(&lock), without_metadata(&committed), "{}", winmd.display());
        assert!(lock.contains("# metadata: windows-bindgen-0."), "{lock}");
        let bindings = std::fs::read_to_string(out.path().join("src/bindings.rs")).unwrap();
        // The OLE DB statuses of Windows.Win32.System.Search are no SSPI statuses.
        assert!(!bindings.contains("SEC_E_NOOWNER") && !bindings.contains("SEC_E_PERMISSIONDENIED"));
        assert!(bindings.contains("from the spec's supplement: winerror.h"), "SEC_I_INVALID_SESSION_STATE");
        assert!(bindings.contains("pub const SEC_I_INVALID_SESSION_STATE: SECURITY_STATUS = -2146892948;"));
        assert!(bindings.contains("pub EnumerateSecurityPackages: ENUMERATE_SECURITY_PACKAGES_FN_A,"));
        assert!(!bindings.contains("HRESULT,") && !bindings.contains("-> HRESULT"), "signatures say SECURITY_STATUS");
        let families = std::fs::read_to_string(out.path().join("src/families.rs")).unwrap();
        assert!(!families.contains("SEC_E_NOOWNER") && families.contains("SEC_I_INVALID_SESSION_STATE"));
        assert!(!families.contains("RPC_C_AUTHN_LEVEL_"), "authentication levels are enum members, excluded");
    }
}

/// The status family has two guards against items that are no SSPI status: its namespaces and its
/// value ranges. Each alone keeps the OLE DB SEC_E_* (Windows.Win32.System.Search, 0x80040Exx)
/// out; without both, a prefix search lets them in.
#[test]
fn each_scope_guard_alone_keeps_the_ole_db_statuses_out_of_status() {
    let Some(releases) = real_releases() else { return };
    let namespaces = "namespaces = [\"Windows.Win32.Foundation\"]\n";
    let values = "values = [[0, 0], [0x00090000, 0x0009FFFF], [0x80090000, 0x8009FFFF]]\n";
    let spec_dir = tempfile::tempdir().unwrap();
    let path = spec_dir.path().join("sspi.toml");
    for (spec, ole_db_joins) in [
        (spec_with(namespaces, ""), false),
        (spec_with(values, ""), false),
        (spec_with(namespaces, "").replacen(values, "", 1), true),
    ] {
        std::fs::write(&path, &spec).unwrap();
        let out = tempfile::tempdir().unwrap();
        let output = run(&[
            "--spec".as_ref(),
            path.as_os_str(),
            "--in".as_ref(),
            releases[1].as_os_str(),
            "--out".as_ref(),
            out.path().as_os_str(),
        ]);
        let families = std::fs::read_to_string(out.path().join("src/families.rs")).unwrap_or_default();
        if ole_db_joins {
            // 13 statuses added to the API: compatible for the lock, wrong for SSPI.
            assert!(output.status.success(), "{}", stderr(&output));
            let report = String::from_utf8_lossy(&output.stdout);
            assert!(report.contains("added (compatible): const SEC_E_NOOWNER: SECURITY_STATUS = 0x80040E6E in status"));
            assert_eq!(report.matches("added (compatible): const SEC_E_").count(), 13, "{report}");
            assert!(families.contains("SEC_E_NOOWNER"));
        } else {
            assert!(output.status.success(), "{}", stderr(&output));
            assert!(!families.contains("SEC_E_NOOWNER") && families.contains("SEC_E_SECPKG_NOT_FOUND"));
        }
    }
}

/// Classic metadata has RPC_C_AUTHN_LEVEL_* as members of the enum RPC_C_AUTHN_LEVEL, the flat one
/// as constants: a family over them is the same API from both, as constants of the family's type.
#[test]
fn a_family_of_enum_members_is_the_same_api_as_one_of_constants() {
    let Some(releases) = real_releases() else { return };
    let spec = format!(
        "{}\n[[family]]\nname = \"authn_level\"\nkind = \"values\"\ndoc = \"RPC authentication levels.\"\n\
         prefixes = [\"RPC_C_AUTHN_LEVEL_\"]\ntype_of = \"SecPkgInfoW.fCapabilities\"\n\
         namespaces = [\"Windows.Win32.System.Com\"]\n",
        spec_with("", "")
    );
    let spec_dir = tempfile::tempdir().unwrap();
    let path = spec_dir.path().join("sspi.toml");
    std::fs::write(&path, &spec).unwrap();
    let mut locks = Vec::new();
    for metadata in [None, Some(&releases[1])] {
        let out = copy_of_generated();
        let mut args: Vec<&std::ffi::OsStr> =
            vec!["--spec".as_ref(), path.as_os_str(), "--out".as_ref(), out.path().as_os_str()];
        if let Some(metadata) = metadata {
            args.extend(["--in".as_ref(), metadata.as_os_str()]);
        }
        let output = run(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let report = String::from_utf8_lossy(&output.stdout);
        assert_eq!(report.matches("added (compatible): const RPC_C_AUTHN_LEVEL_").count(), 7, "{report}");
        let bindings = std::fs::read_to_string(out.path().join("src/bindings.rs")).unwrap();
        assert!(bindings.contains("pub const RPC_C_AUTHN_LEVEL_PKT_PRIVACY: u32 = 6;"), "{bindings}");
        if metadata.is_some() {
            assert!(bindings.contains("A member of the metadata's enum `RPC_C_AUTHN_LEVEL`"));
        }
        let lock = std::fs::read_to_string(out.path().join("API.lock")).unwrap();
        locks.push(lock.lines().filter(|l| !l.starts_with("# metadata")).collect::<Vec<_>>().join("\n"));
    }
    assert_eq!(locks[0], locks[1]);
    assert!(locks[0].contains("const RPC_C_AUTHN_LEVEL_CALL: u32 = 0x00000003 in authn_level"));
}

#[test]
fn diff_reports_what_a_real_release_differs_in_and_writes_nothing() {
    let Some(releases) = real_releases() else { return };
    let before = snapshot(&secpkg_bindgen::default_out());
    let text = run(&["diff".as_ref(), releases[1].as_os_str()]);
    assert!(text.status.success(), "{}", stderr(&text));
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.starts_with("windows-bindgen-0.62.1/default/Windows.Win32.winmd -> windows-default 0.100.0"),
        "{text}"
    );
    assert!(text.contains("0 not covered by the spec"), "{text}");
    for expected in [
        "covered  (absent)  ->  const SEC_I_INVALID_SESSION_STATE = 0x8009036C\n         from the spec's supplement",
        "covered  const SEC_E_NOOWNER = 0x80040E6E  ->  (absent)\n         not in 'status': Windows.Win32.System.Search is outside",
        "covered  fn FreeContextBuffer(*mut core::ffi::c_void) -> HRESULT  ->  fn FreeContextBuffer(*mut core::ffi::c_void) -> SECURITY_STATUS",
        "field SecurityFunctionTableA.01 EnumerateSecurityPackagesA: ENUMERATE_SECURITY_PACKAGES_FN_A  ->  field SecurityFunctionTableA.01 EnumerateSecurityPackages: ENUMERATE_SECURITY_PACKAGES_FN_A\n         the spec's [[rename]]",
        "covered  (absent)  ->  type PSecPkgInfoW = *mut SecPkgInfoW\n         the spec's [[typedef]] PSecPkgInfoW",
    ] {
        assert!(text.contains(expected), "expected {expected:?} in:\n{text}");
    }
    // Nothing spurious: what both metadata files agree on is not listed.
    assert!(!text.contains("SEC_E_OK") && !text.contains("SecPkgInfoW.00 "), "{text}");

    let json = run(&["diff".as_ref(), releases[1].as_os_str(), "--json".as_ref()]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("diff --json prints JSON");
    let differences = json["differences"].as_array().unwrap();
    assert_eq!(
        differences.len(),
        text.lines().filter(|l| l.starts_with("covered") || l.starts_with("CHANGES")).count()
    );
    assert!(differences.iter().all(|d| d["covered"] == true));
    assert!(differences.iter().any(|d| d["item"] == "const SEC_E_NOOWNER" && d["new"].is_null()));

    // Two classic releases differ only in a buffer type the older lacks, which the supplement gives.
    let two = run(&["diff".as_ref(), releases[0].as_os_str(), releases[1].as_os_str()]);
    let two = String::from_utf8_lossy(&two.stdout).into_owned();
    assert!(two.contains(": 1 difference(s) in the spec's items, 0 not covered by the spec"), "{two}");
    assert!(
        two.contains(
            "covered  (absent)  ->  const SECBUFFER_CHANNEL_BINDINGS_RESULT = 0x1E\n         from the spec's supplement"
        ),
        "{two}"
    );
    // A release against itself differs in nothing.
    let same = run(&["diff".as_ref(), releases[1].as_os_str(), releases[1].as_os_str()]);
    assert!(String::from_utf8_lossy(&same.stdout).contains(": 0 difference(s)"));
    assert_eq!(snapshot(&secpkg_bindgen::default_out()), before, "diff writes nothing");
}

#[test]
fn pinned_windows_bindgen_matches_the_header_version() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let pin = format!("windows-bindgen = \"={}\"", secpkg_bindgen::WINDOWS_BINDGEN_VERSION);
    assert!(manifest.contains(&pin), "bindgen/Cargo.toml must pin {pin}");
}
