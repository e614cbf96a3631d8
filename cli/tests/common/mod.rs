//! What the command's tests share: the library's test helpers (tests/common), and running the
//! `secpkg` command cargo built for them.
#![allow(dead_code)] // Each test binary uses part of it.

#[path = "../../../tests/common/mod.rs"]
mod shared;

#[allow(unused_imports)] // Some test binaries use only this file's own items.
pub use shared::*;

/// The members of a PACKAGE in the command's JSON, in order (cli/README.md, "JSON").
pub const PACKAGE_FIELDS: [&str; 8] =
    ["name", "comment", "version", "rpc_id", "max_token", "capabilities", "capability_bits", "unknown_capability_bits"];

/// The `secpkg` command cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_secpkg");

/// The command with a clean environment: no provider or library variable, no colour settings,
/// no test-provider scenario.
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
pub fn failure_of(command: &mut assert_cmd::Command, code: i32) -> String {
    let output = command.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "stdout: {}", String::from_utf8_lossy(&output.stdout));
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}
