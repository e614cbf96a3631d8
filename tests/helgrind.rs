//! A threaded scenario for helgrind (`scripts/helgrind`): 4 threads, each holding 4 buffers of
//! the test provider in its `racy_bookkeeping` mode (WinPR's unlocked table) for 3 rounds, all
//! through secpkg, whose lock must keep the provider's calls apart.
//!
//! No test harness (`harness = false`) and no std synchronisation beyond spawning and joining:
//! helgrind sees pthread calls only, so libtest's channels and std's `Barrier` (futexes) would
//! be reported as races of their own. Under `cargo test` (and under Wine, with the provider as a
//! DLL) it runs as a plain program, and prints libtest's summary lines, which `scripts/test` and
//! `scripts/windows-tests` count.

mod common;

fn main() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 3;
    const HELD: usize = 4;
    println!("running 1 test");
    let library = common::test_provider_library();
    // SAFETY: no other thread runs yet, so nothing reads the environment meanwhile.
    unsafe { std::env::set_var(secpkg_test_provider::ENV_VAR, r#"{"racy_bookkeeping": true}"#) };
    let expected: Vec<String> = secpkg_test_provider::default_packages().into_iter().map(|p| p.name).collect();
    std::thread::scope(|scope| {
        // Each thread is joined by hand (pthread_join, which helgrind sees), not by the scope's
        // own wait (a futex), so that reading a thread's result comes after the thread.
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..ROUNDS {
                        // SAFETY: the test provider library is an SSPI provider.
                        let provider = unsafe { secpkg::Provider::load(&library) }.unwrap();
                        let held: Vec<_> = (0..HELD).map(|_| provider.packages().unwrap()).collect();
                        for packages in &held {
                            let names: Vec<String> = packages.iter().map(|p| p.name().to_string()).collect();
                            assert_eq!(names, expected);
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    });
    println!("helgrind scenario: {THREADS} threads × {ROUNDS} rounds × {HELD} held buffers, all right");
    println!("\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}
