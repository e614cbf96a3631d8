//! What the integration tests share: finding the test provider library, and skipping loudly (or
//! failing, when CI requires providers) when a real provider is missing.
#![allow(dead_code)] // Each test binary uses part of it.

use std::path::PathBuf;

/// Whether CI asked for every provider to be present (`SECPKG_REQUIRE_PROVIDERS=1`).
pub fn providers_required() -> bool {
    std::env::var_os("SECPKG_REQUIRE_PROVIDERS").is_some_and(|v| v == "1")
}

/// The test provider library cargo built beside this test binary (it is a dev-dependency).
pub fn test_provider_library() -> PathBuf {
    let name = format!("{}secpkg_test_provider_dll{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_owned();
    let path = deps.join(&name);
    assert!(path.exists(), "{} was not built; run the tests with cargo", path.display());
    path
}

/// The members of a PACKAGE in the command's JSON, in order (README, "JSON").
pub const PACKAGE_FIELDS: [&str; 8] =
    ["name", "comment", "version", "rpc_id", "max_token", "capabilities", "capability_bits", "unknown_capability_bits"];

/// The `secpkg` command cargo built for these tests.
#[cfg(feature = "cli")]
pub const BIN: &str = env!("CARGO_BIN_EXE_secpkg");

/// The command with a clean environment: no provider or library variable, no colour settings,
/// no test-provider scenario.
#[cfg(feature = "cli")]
pub fn bare() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(BIN);
    for var in [
        "SECPKG_PROVIDER",
        "SECPKG_TEST_PROVIDER",
        "SECPKG_GSSAPI_LIB",
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "TERM",
    ] {
        command.env_remove(var);
    }
    command
}

/// Runs `command`, expecting exit status `code`, nothing on stdout and no panic; returns stderr.
#[cfg(feature = "cli")]
pub fn failure_of(command: &mut assert_cmd::Command, code: i32) -> String {
    let output = command.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "stdout: {}", String::from_utf8_lossy(&output.stdout));
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}
