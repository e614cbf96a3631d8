//! secpkg against the system provider (WinPR on Linux, secur32 on Windows), safe and raw on the
//! same function table. See BENCHMARKS.md.

mod common;

use secpkg::{Error, PackageName, Provider};
use secpkg_bench::{Raw, Subject, system_table};

fn main() {
    let provider = match Provider::system() {
        Ok(provider) => provider,
        Err(error @ (Error::NoProvider { .. } | Error::Load { .. })) => {
            eprintln!("skipped: no system SSPI provider: {error}");
            return;
        }
        Err(error) => panic!("the system provider failed: {error}"),
    };
    let table = system_table(&provider);
    // SAFETY: the system provider's functions follow the SSPI contract and stay loaded.
    let raw = unsafe { Raw::new(&table) }.expect("the system provider's table is incomplete");
    let label = if cfg!(windows) {
        "secur32"
    } else if provider.origin().to_string_lossy().contains("winpr") {
        "winpr"
    } else {
        "system"
    };
    // Negotiate, which WinPR and Windows both list: the package whose cbMaxToken clients query.
    let packages = provider.packages().expect("packages()");
    let listed = packages.iter().any(|p| p.name() == PackageName::NEGOTIATE.as_str());
    drop(packages);
    assert!(listed, "the system provider ({}) lists no Negotiate package", provider.origin().display());
    common::main(&Subject::new(label, provider, raw, PackageName::NEGOTIATE));
}
