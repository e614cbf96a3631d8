//! A complete NTLM exchange on the system provider (WinPR), through secpkg and through the raw
//! function table of the same library (`secpkg_bench::ExchangeSubject`). See BENCHMARKS.md.
//! It needs WinPR and `winpr-hash` (Debian's winpr-utils) for the server's SAM file; without
//! them (or on Windows, where no SAM file applies) it prints `skipped: ...` and does nothing.

use criterion::Criterion;
use secpkg_bench::{ExchangeCase, ExchangeSubject};

fn main() {
    let subject = match ExchangeSubject::winpr() {
        Ok(subject) => subject,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    if secpkg_bench::run_exchange_mode(&subject) {
        return;
    }
    let legs = subject.check();
    eprintln!("{}: NTLM, {legs} legs", subject.label());
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group(subject.label());
    for case in ExchangeCase::ALL {
        group.bench_function(case.name(), |b| b.iter(|| subject.run(case)));
    }
    group.finish();
    criterion.final_summary();
}
