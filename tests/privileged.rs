//! A privileged process must not load the library that its environment names: glibc ignores
//! such variables under AT_SECURE (setuid, setgid, file capabilities), and so must secpkg, for
//! `SECPKG_PROVIDER` and `SECPKG_GSSAPI_LIB` alike.
//!
//! The test makes a setuid-root copy of this binary and runs it as `nobody` through `setpriv`,
//! with the variable naming the test provider library; the copy calls what reads the variable
//! (`Provider::from_env`, `Gssapi::from_env`) and what must not (`secpkg::packages`,
//! `gssapi::mechanisms`). The library is the test provider, whose ELF constructor writes a marker
//! file (`SECPKG_TEST_PROVIDER_LOADED`) when anything loads it. The same copy without the setuid
//! bit, run the same way, must load it: that shows the marker works and the variable was seen.
//! It needs root (CI runs as root) and a filesystem that honours setuid.
#![cfg(target_os = "linux")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

/// Which library variable the child is run with: `sspi` or `gssapi`.
const CHILD_VAR: &str = "SECPKG_PRIVILEGED_CHILD";
/// The test provider library's marker variable (`secpkg_test_provider_dll::LOADED_MARKER_VAR`).
const MARKER_VAR: &str = "SECPKG_TEST_PROVIDER_LOADED";

/// `Uid:` of /proc/self/status: real, effective, saved and filesystem user ids.
fn uids() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|line| line.starts_with("Uid:"))
        .unwrap()
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The child: asks secpkg for the system's packages (or GSSAPI mechanisms) the way an ordinary
/// program does, and prints its user ids and what it got. Whether the library was loaded is
/// told by the marker file, not by this output.
#[test]
#[ignore = "the child process of the tests below, which run it setuid with SECPKG_PRIVILEGED_CHILD set"]
fn privileged_child() {
    let which = std::env::var(CHILD_VAR).expect("run by the privileged tests, with SECPKG_PRIVILEGED_CHILD set");
    println!("uids: {}", uids());
    match which.as_str() {
        "sspi" => {
            println!("packages: {:?}", secpkg::packages().map(|packages| packages.len()));
            // SAFETY: the variable names the test provider library, an SSPI provider.
            let named = unsafe { secpkg::Provider::from_env() };
            println!("from_env: {:?}", named.map(|provider| provider.origin().to_owned()));
        }
        #[cfg(feature = "gssapi")]
        "gssapi" => {
            println!("mechanisms: {:?}", secpkg::gssapi::mechanisms().map(|mechanisms| mechanisms.len()));
            // SAFETY: the variable names the test provider library, whose loading is the test;
            // it is no GSSAPI library, so from_env fails before calling anything in it.
            let named = unsafe { secpkg::gssapi::Gssapi::from_env() };
            println!("from_env: {:?}", named.map(|gssapi| gssapi.library_name().to_owned()));
        }
        other => panic!("unknown {CHILD_VAR} {other:?}"),
    }
}

/// Why the test cannot run here; a failure when CI requires every provider.
fn skip(why: &str) {
    if common::providers_required() {
        panic!("SECPKG_REQUIRE_PROVIDERS=1, but {why}");
    }
    eprintln!("skipped: {why}");
}

/// A fresh directory that `nobody` can enter and read, holding a copy of this binary and of the
/// test provider library, and a `markers` directory anyone may write to.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new(label: &str) -> Sandbox {
        let dir = std::env::temp_dir().join(format!("secpkg-privileged-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let markers = dir.join("markers");
        std::fs::create_dir(&markers).unwrap();
        std::fs::set_permissions(&markers, std::fs::Permissions::from_mode(0o777)).unwrap();
        for (from, to, mode) in [
            (std::env::current_exe().unwrap(), "plain", 0o755),
            (std::env::current_exe().unwrap(), "setuid", 0o4755),
            (common::test_provider_library(), "libprovider.so", 0o644),
        ] {
            std::fs::copy(from, dir.join(to)).unwrap();
            // After the copy: copying does not carry the setuid bit over.
            std::fs::set_permissions(dir.join(to), std::fs::Permissions::from_mode(mode)).unwrap();
        }
        Sandbox { dir }
    }

    /// Runs the copy `program` (`plain` or `setuid`) as nobody with `variable` naming the
    /// library; returns the child's uids line and whether the library was loaded, with the
    /// marker's content.
    fn run(&self, program: &str, child: &str, variable: &str) -> (String, Option<String>) {
        let marker = self.dir.join("markers").join(format!("{program}-{child}"));
        let output = Command::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(self.dir.join(program))
            .args(["--ignored", "--exact", "privileged_child", "--nocapture", "--test-threads=1"])
            .env_remove("SECPKG_PROVIDER")
            .env_remove("SECPKG_GSSAPI_LIB")
            .env_remove("SECPKG_TEST_PROVIDER")
            .env(variable, self.dir.join("libprovider.so"))
            .env(MARKER_VAR, &marker)
            .env(CHILD_VAR, child)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{program} {child}: {}\n{stdout}\n{stderr}", output.status);
        let uids = stdout.lines().find_map(|line| line.split_once("uids: ")).map(|(_, uids)| uids.to_owned());
        let uids = uids.unwrap_or_else(|| panic!("{program} {child} printed no uids: {stdout}"));
        let loaded = std::fs::read_to_string(&marker).ok().map(|text| text.trim().to_owned());
        eprintln!(
            "{program} {child}: uids {uids}; loaded: {loaded:?}; {}",
            stdout.lines().find(|line| line.starts_with("from_env: ")).unwrap_or("")
        );
        (uids, loaded)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether this process can run the test: root, with setpriv.
fn can_run() -> bool {
    if uids().split(' ').nth(1) != Some("0") {
        skip("the setuid-root test needs root, to make a setuid-root copy of itself");
        return false;
    }
    if Command::new("setpriv").arg("--version").output().is_err() {
        skip("setpriv is not installed (Debian: util-linux)");
        return false;
    }
    true
}

/// The unprivileged copy loads what `variable` names; the setuid copy must not.
fn setuid_copy_ignores(child: &str, variable: &str) {
    if !can_run() {
        return;
    }
    let sandbox = Sandbox::new(child);
    let (plain_uids, plain_loaded) = sandbox.run("plain", child, variable);
    assert_eq!(plain_uids, "65534 65534 65534 65534", "setpriv did not run the copy as nobody");
    let plain_loaded = plain_loaded.unwrap_or_else(|| {
        panic!("the unprivileged copy did not load the library {variable} names, so the marker shows nothing")
    });
    assert!(plain_loaded.ends_with("65534\t65534\t65534\t65534"), "{plain_loaded}");

    let (setuid_uids, setuid_loaded) = sandbox.run("setuid", child, variable);
    if setuid_uids != "65534 0 0 0" {
        skip(&format!(
            "the setuid copy ran with uids {setuid_uids}, not as root: {} does not honour setuid",
            sandbox.dir.display()
        ));
        return;
    }
    assert_eq!(
        setuid_loaded, None,
        "a setuid-root process (uids {setuid_uids}) loaded the library {variable} names, running its constructor as root"
    );
}

#[test]
fn a_setuid_program_ignores_secpkg_provider() {
    setuid_copy_ignores("sspi", "SECPKG_PROVIDER");
}

#[cfg(feature = "gssapi")]
#[test]
fn a_setuid_program_ignores_secpkg_gssapi_lib() {
    setuid_copy_ignores("gssapi", "SECPKG_GSSAPI_LIB");
}
