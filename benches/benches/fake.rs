//! secpkg against the in-process fake provider (`secpkg-test-provider`, default scenario: four
//! packages), safe and raw on the same function table. See BENCHMARKS.md.

mod common;

use secpkg::{PackageName, Provider};
use secpkg_bench::{Raw, Subject};
use secpkg_test_provider::{Scenario, install, table};

fn main() {
    let _guard = install(Scenario::default());
    let table = table();
    // SAFETY: the fake's functions follow the SSPI contract and are static.
    let provider = unsafe { Provider::from_table(&table, "secpkg-test-provider") };
    // SAFETY: as above.
    let raw = unsafe { Raw::new(&table) }.expect("the fake's table is complete");
    common::main(&Subject::new("fake", provider, raw, PackageName::NEGOTIATE));
}
