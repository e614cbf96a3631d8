//! What the integration tests share: finding the test provider library, and skipping loudly (or
//! failing, when CI requires providers) when a real provider is missing.
#![allow(dead_code)] // Each test binary uses part of it.

pub mod child;
pub mod kdc;

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

/// The sources under `error`, joined by ": " (libloading's errors say what failed, their sources
/// say why).
pub fn sources(error: &dyn std::error::Error) -> String {
    std::iter::successors(error.source(), |cause| cause.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}
