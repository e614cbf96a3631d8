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
            Some("toml") => "# @generated",
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
    // SEC_E_NOT_SUPPORTED and SEC_E_UNSUPPORTED_FUNCTION share a value: the first name wins.
    assert!(
        families.contains(
            r#"#[sdk(name = "SEC_E_NOT_SUPPORTED", value = $crate::SEC_E_NOT_SUPPORTED, alias = "SEC_E_UNSUPPORTED_FUNCTION")]"#
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
    assert_eq!(err.lines().count(), 1, "one line: {err}");
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
    assert_rejected(Some(&spec), None, &["RPC_C_AUTHN_DEFAULT = 4294967295 does not fit its type u16"]);
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

/// The classic metadata puts these items in namespaces such as
/// Windows.Win32.Security.Authentication.Identity; remapping the flat bundled file into that
/// layout gives a second, differently shaped metadata file with the same items.
#[test]
fn classic_namespaced_metadata_gives_the_same_bindings() {
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("Windows.Win32.winmd");
    std::fs::write(&flat, windows_default::WIN32).unwrap();
    let classic = dir.path().join("Classic.winmd");
    let identity = "Windows.Win32.Security.Authentication.Identity";
    let spec = std::fs::read_to_string(secpkg_bindgen::default_spec()).unwrap();
    let mut remapper = windows_metadata::remap();
    remapper.input(&flat).output(&classic).source("Windows.Win32").fallback("Windows.Win32.Foundation");
    for name in [
        "SecPkgInfoW",
        "SecPkgInfoA",
        "SecurityFunctionTableW",
        "SecurityFunctionTableA",
        "EnumerateSecurityPackagesW",
        "FreeContextBuffer",
        "SECPKG_FLAG_INTEGRITY",
        "SEC_E_OK",
    ] {
        assert!(spec.contains(name) || name.starts_with("SEC"));
        remapper.route(name, identity);
    }
    remapper.remap().expect("remap the bundled metadata");

    let metadata = secpkg_bindgen::Metadata::read(&classic).unwrap();
    assert_eq!(metadata.namespace_of("SecPkgInfoW"), Some(identity));
    assert_eq!(metadata.namespace_of("QuerySecurityPackageInfoW"), Some("Windows.Win32.Foundation"));

    let from_flat = secpkg_bindgen::generate(&secpkg_bindgen::default_spec(), None).unwrap();
    let from_classic = secpkg_bindgen::generate(&secpkg_bindgen::default_spec(), Some(&classic)).unwrap();
    let body = |text: &str| text.split_once("\n\n").map(|(_, body)| body.to_owned()).unwrap();
    for (path, text) in &from_flat {
        assert!(body(text) == body(&from_classic[path]), "{path} differs between the two metadata layouts");
        assert!(from_classic[path].contains("metadata: Classic.winmd"), "{path} names its metadata");
    }
}

#[test]
fn pinned_windows_bindgen_matches_the_header_version() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let pin = format!("windows-bindgen = \"={}\"", secpkg_bindgen::WINDOWS_BINDGEN_VERSION);
    assert!(manifest.contains(&pin), "bindgen/Cargo.toml must pin {pin}");
}
