//! secpkg against the system provider (WinPR on Linux, secur32 on Windows), safe and raw on the
//! same function table. See BENCHMARKS.md.

mod common;

use secpkg::{Error, PackageName, Provider};
use secpkg_bench::{Raw, Subject};
use secpkg_sys::SecurityFunctionTableW;

/// The raw table of the provider `Provider::system()` loaded: on Windows secur32's, elsewhere
/// the one `InitSecurityInterfaceW` of the same library returns (the library stays loaded).
fn raw_table(provider: &Provider) -> SecurityFunctionTableW {
    #[cfg(windows)]
    let table = {
        let _ = provider;
        // SAFETY: secur32's InitSecurityInterfaceW takes no argument and returns its static
        // table, the one Provider::system() uses.
        unsafe { secpkg_sys::InitSecurityInterfaceW() }
    };
    #[cfg(not(windows))]
    let table = {
        // SAFETY: the library Provider::system() already loaded (so its initialisers have run);
        // this only takes another reference to it, kept for the life of the process.
        let library = unsafe { libloading::Library::new(provider.origin()) }
            .unwrap_or_else(|e| panic!("loading {}: {e}", provider.origin().display()));
        type Init = unsafe extern "system" fn() -> *mut SecurityFunctionTableW;
        // SAFETY: an SSPI provider exports InitSecurityInterfaceW with this signature.
        let init = unsafe { library.get::<Init>(b"InitSecurityInterfaceW\0") }.expect("InitSecurityInterfaceW");
        // SAFETY: as above; it takes no argument.
        let table = unsafe { init() };
        std::mem::forget(library);
        table
    };
    // SAFETY: a non-null table from the provider is valid while its library is loaded (forever).
    *unsafe { table.as_ref() }.expect("InitSecurityInterfaceW returned no table")
}

fn main() {
    let provider = match Provider::system() {
        Ok(provider) => provider,
        Err(error @ (Error::NoProvider { .. } | Error::Load { .. })) => {
            eprintln!("skipped: no system SSPI provider: {error}");
            return;
        }
        Err(error) => panic!("the system provider failed: {error}"),
    };
    let table = raw_table(&provider);
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
