//! secpkg against the system provider (WinPR on Linux, secur32 on Windows), safe and raw on the
//! same function table. See BENCHMARKS.md.

mod common;

use secpkg::sys::SecurityFunctionTableW;
use secpkg::{Error, Provider};
use secpkg_bench::{Raw, Subject};

/// The raw table of the provider `Provider::system()` loaded: on Windows secur32's, elsewhere
/// the one `InitSecurityInterfaceW` of the same library returns (the library stays loaded).
fn raw_table(provider: &Provider) -> SecurityFunctionTableW {
    #[cfg(windows)]
    let table = {
        let _ = provider;
        // SAFETY: secur32's InitSecurityInterfaceW takes no argument and returns its static
        // table, the one Provider::system() uses.
        unsafe { secpkg::sys::InitSecurityInterfaceW() }
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
    // Negotiate where the provider has it (WinPR and Windows do), else its first package.
    let names: Vec<String> =
        provider.packages().expect("packages()").iter().map(|p| p.name().to_string_lossy()).collect();
    let query = names
        .iter()
        .find(|n| *n == "Negotiate")
        .or(names.first())
        .expect("the system provider lists no package")
        .clone();
    common::main(&Subject::new(label, provider, raw, &query));
}
