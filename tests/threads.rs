//! Many threads, each holding many provider buffers at once, repeated: a provider that keeps
//! unlocked global bookkeeping (WinPR 2.11's `ContextBufferAllocTable`, or the test provider's
//! `racy_bookkeeping` mode that copies it) corrupts the heap here unless secpkg serialises the
//! calls. A corrupted heap crashes the process, so every run is a child process: this binary
//! again, running only [`stress_child`]. `scripts/stress` runs the same child many more times,
//! in release. (It replaces a test of 4 threads holding one buffer each: 4 buffers exactly fill
//! WinPR's 4-slot table, which then never grows, so that test could not see the race.)
#![cfg(not(windows))]

mod common;

use common::child::{self, Outcome};
use secpkg::{Packages, Provider};
use std::path::Path;
use std::sync::Barrier;
use std::time::Duration;

/// What the child loads: `system` for `Provider::system()`, else a library path.
const PROVIDER_VAR: &str = "SECPKG_STRESS_PROVIDER";
const THREADS: usize = 16;
const ROUNDS: usize = 20;
/// `Packages` each thread holds at once: 16 × 8 buffers make WinPR's 4-slot table grow 5 times.
const HELD: usize = 8;
/// Child runs in `cargo test`, per provider. On the unlocked code of 2026-11-25 (debug build,
/// 2 cores) a child against WinPR failed in 34 of 300 runs (11 %; 25 ms a run), so 120 runs miss
/// the race with a chance of about 1 in 10⁶; against the racy test provider every run failed.
const WINPR_RUNS: usize = 120;
const RACY_RUNS: usize = 20;
/// A child that has not finished by then is counted as hung (a corrupted heap can deadlock).
const CHILD_TIMEOUT: Duration = Duration::from_secs(60);
/// The scenario that turns on the test provider's unlocked bookkeeping.
const RACY_SCENARIO: &str = r#"{"racy_bookkeeping": true}"#;

fn names(packages: &Packages<'_>) -> Vec<String> {
    packages.iter().map(|package| package.name().to_string()).collect()
}

/// The child: 16 threads, each creating its own provider every round and holding 8 `Packages`
/// at once, for 20 rounds; every list must be the one read before the threads started. Prints
/// `stress: ok NAMES CHECKS` at the end.
#[test]
#[ignore = "the child process of the tests below, which run it with SECPKG_STRESS_PROVIDER set"]
fn stress_child() {
    let which = std::env::var(PROVIDER_VAR).expect("run by the stress tests, with SECPKG_STRESS_PROVIDER set");
    let open = || match which.as_str() {
        "system" => Provider::system(),
        // SAFETY: the parent names the test provider library, an SSPI provider.
        path => unsafe { Provider::load(path) },
    };
    let expected = names(&open().unwrap().packages().unwrap());
    assert!(!expected.is_empty(), "{which} lists no package");
    let start = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (open, expected, start) = (&open, &expected, &start);
            scope.spawn(move || {
                for round in 0..ROUNDS {
                    let provider = open().unwrap();
                    // Every round's calls start together: loading is serialised, which would
                    // otherwise stagger the threads.
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
    println!("stress: ok {} {}", expected.join(","), THREADS * ROUNDS * (HELD + 1));
}

/// Runs the child once: `provider` for `SECPKG_STRESS_PROVIDER`, `scenario` for the test
/// provider's. `expected` is the comma-separated list of names it must print.
fn run_child(provider: &str, scenario: Option<&str>, expected: &str) -> Outcome {
    let mut env = vec![(PROVIDER_VAR, provider)];
    env.extend(scenario.map(|scenario| (secpkg_test_provider::ENV_VAR, scenario)));
    child::run("stress_child", &env, &format!("stress: ok {expected} "), CHILD_TIMEOUT)
}

/// Runs the child `runs` times and fails, listing what went wrong, unless every run was right.
fn stress(label: &str, runs: usize, provider: &str, scenario: Option<&str>, expected: &[String]) {
    let expected = expected.join(",");
    let failures = child::failures(runs, || run_child(provider, scenario, &expected));
    assert!(
        failures.is_empty(),
        "{label}: {} of {runs} runs of {THREADS} threads × {ROUNDS} rounds × {HELD} held buffers failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{label}: {runs} runs of {THREADS} threads × {ROUNDS} rounds × {HELD} held buffers, all right");
}

#[test]
fn the_racy_test_provider_is_safe_from_many_threads_holding_many_buffers() {
    let library = common::test_provider_library();
    let expected: Vec<String> = secpkg_test_provider::default_packages().into_iter().map(|p| p.name).collect();
    stress("test provider, racy_bookkeeping", RACY_RUNS, path_str(&library), Some(RACY_SCENARIO), &expected);
}

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn winpr_is_safe_from_many_threads_holding_many_buffers() {
    let winpr = Provider::system();
    let provider = match winpr {
        Ok(provider) => provider,
        Err(error) => {
            if common::providers_required() {
                panic!("SECPKG_REQUIRE_PROVIDERS=1, but WinPR is not installed: {error}");
            }
            eprintln!("skipped: WinPR is not installed (Debian: apt install libwinpr2-2): {error}");
            return;
        }
    };
    let expected = names(&provider.packages().unwrap());
    stress(&format!("WinPR ({})", provider.origin().display()), WINPR_RUNS, "system", None, &expected);
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("the target directory's path is UTF-8")
}

/// The child's failures are classified, not just counted: an error from the provider is wrong,
/// a signal is a crash.
#[test]
fn a_child_that_cannot_load_its_provider_is_counted_wrong() {
    let outcome = run_child("/nonexistent/provider.so", None, "X");
    assert!(matches!(&outcome, Outcome::Wrong(why) if why.contains("/nonexistent/provider.so")), "{outcome:?}");
}
