//! Two function tables of one provider library must share one lock, whatever addresses they
//! hold. WinPR exports `FreeContextBuffer` (and the others) as thunks at other addresses than the
//! functions of the table its `InitSecurityInterfaceW` returns; a [`Provider::from_table`] built
//! from those exports, used beside [`Provider::system`], once got a lock of its own, and the two
//! raced on WinPR's unlocked buffer table (4 of 20 runs of 8 threads crashed). The same holds for
//! the test provider library in its racy mode, whose exports wrap the table's functions.
//!
//! Each run is a child process ([`lock_race_child`]), as a corrupted heap kills the process.
//! `SECPKG_LOCK_RACE_RUNS=100 cargo test -p secpkg --test lock_key` runs each case 100 times.
//! On Windows (under Wine in scripts/windows-tests) the test provider's case checks the key
//! `GetModuleHandleExW` gives; secur32 takes no lock, so WinPR's case is Unix's.

mod common;

use common::child::{self, Outcome};
use secpkg::{Packages, Provider};
use secpkg_sys::{
    ENUMERATE_SECURITY_PACKAGES_FN_W, FREE_CONTEXT_BUFFER_FN, QUERY_SECURITY_PACKAGE_INFO_FN_W, SecurityFunctionTableW,
};
use std::sync::Barrier;
use std::time::Duration;

/// `system` for WinPR through `Provider::system()`, else the path of a provider library.
const LIBRARY_VAR: &str = "SECPKG_LOCK_RACE_LIBRARY";
const THREADS: usize = 8;
const ROUNDS: usize = 20;
/// `Packages` each thread holds at once, so WinPR's buffer table grows while others use it.
const HELD: usize = 8;
const RACY_SCENARIO: &str = r#"{"racy_bookkeeping": true}"#;

fn names(packages: &Packages<'_>) -> Vec<String> {
    packages.iter().map(|package| package.name().to_string()).collect()
}

/// A provider from the library's exported `EnumerateSecurityPackagesW`,
/// `QuerySecurityPackageInfoW` and `FreeContextBuffer`: what an embedder that links the library
/// builds, and what meets every obligation `from_table` lists.
fn from_exports(path: &str) -> Provider {
    // SAFETY: the parent names an SSPI provider library, whose exports have sspi.h's signatures;
    // the handle is leaked, so the functions stay loaded for good.
    unsafe {
        let library = libloading::Library::new(path).unwrap_or_else(|error| panic!("{path}: {error}"));
        let table = SecurityFunctionTableW {
            dwVersion: 1,
            EnumerateSecurityPackagesW: *library
                .get::<ENUMERATE_SECURITY_PACKAGES_FN_W>(b"EnumerateSecurityPackagesW\0")
                .unwrap(),
            QuerySecurityPackageInfoW: *library
                .get::<QUERY_SECURITY_PACKAGE_INFO_FN_W>(b"QuerySecurityPackageInfoW\0")
                .unwrap(),
            FreeContextBuffer: *library.get::<FREE_CONTEXT_BUFFER_FN>(b"FreeContextBuffer\0").unwrap(),
            ..SecurityFunctionTableW::default()
        };
        std::mem::forget(library);
        Provider::from_table(&table, format!("{path} exports"))
    }
}

/// The child: half the threads use the library's own table (a new `Provider` every round), half
/// the table of its exports; each holds 8 `Packages` at once and queries one name, every round.
/// Prints `lock race: ok` when every list was the one read first.
#[test]
#[ignore = "the child process of the tests below, which run it with SECPKG_LOCK_RACE_LIBRARY set"]
fn lock_race_child() {
    let which = std::env::var(LIBRARY_VAR).expect("run by the tests below, with SECPKG_LOCK_RACE_LIBRARY set");
    let own = || match which.as_str() {
        "system" => Provider::system().unwrap(),
        // SAFETY: the parent names the test provider library, an SSPI provider.
        path => unsafe { Provider::load(path) }.unwrap(),
    };
    let library = match which.as_str() {
        "system" => own().origin().to_str().unwrap().to_owned(),
        path => path.to_owned(),
    };
    let exports = from_exports(&library);
    let expected = names(&own().packages().unwrap());
    assert_eq!(names(&exports.packages().unwrap()), expected);
    let start = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (own, exports, expected, start) = (&own, &exports, &expected, &start);
            scope.spawn(move || {
                for round in 0..ROUNDS {
                    let mine = (thread % 2 == 0).then(own);
                    let provider = mine.as_ref().unwrap_or(exports);
                    start.wait();
                    let held: Vec<Packages<'_>> = (0..HELD).map(|_| provider.packages().unwrap()).collect();
                    for packages in &held {
                        assert_eq!(&names(packages), expected, "thread {thread}, round {round}");
                    }
                    let name = &expected[(thread + round) % expected.len()];
                    assert_eq!(&provider.query(name).unwrap().name, name, "thread {thread}, round {round}");
                }
            });
        }
    });
    println!("lock race: ok");
}

fn race(label: &str, runs: usize, library: &str, scenario: Option<&str>) {
    let mut env = vec![(LIBRARY_VAR, library)];
    env.extend(scenario.map(|scenario| (secpkg_test_provider::ENV_VAR, scenario)));
    let failures =
        child::failures(runs, || child::run("lock_race_child", &env, "lock race: ok", Duration::from_secs(60)));
    assert!(
        failures.is_empty(),
        "{label}: {} of {runs} runs of {THREADS} threads (own table beside the exports' table) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{label}: {runs} runs of {THREADS} threads, own table beside the exports' table, all right");
}

#[cfg(not(windows))]
#[test]
fn winpr_exports_and_its_own_table_share_one_lock() {
    if let Err(error) = Provider::system() {
        assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but WinPR is not installed: {error}");
        eprintln!("skipped: WinPR is not installed (Debian: apt install libwinpr2-2): {error}");
        return;
    }
    race("WinPR", child::runs("SECPKG_LOCK_RACE_RUNS", 30), "system", None);
}

#[test]
fn the_racy_test_providers_exports_and_its_own_table_share_one_lock() {
    let library = common::test_provider_library();
    let library = library.to_str().expect("the target directory's path is UTF-8");
    race("test provider, racy_bookkeeping", child::runs("SECPKG_LOCK_RACE_RUNS", 10), library, Some(RACY_SCENARIO));
}

/// A crash is told from a wrong answer, so the tests above fail for the right reason.
#[test]
fn a_child_that_cannot_load_its_library_is_counted_wrong() {
    let outcome =
        child::run("lock_race_child", &[(LIBRARY_VAR, "/nonexistent/p.so")], "lock race: ok", Duration::from_secs(60));
    assert!(matches!(&outcome, Outcome::Wrong(why) if why.contains("/nonexistent/p.so")), "{outcome:?}");
}
