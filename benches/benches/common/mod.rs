//! The criterion driver shared by the bench binaries.

use criterion::Criterion;
use secpkg_bench::{Case, Subject};

/// Runs `SECPKG_BENCH_MODE`'s mode if one is set, else criterion over every case of `subject`,
/// in a group named after its label (`target/criterion/LABEL/CASE/new/estimates.json`).
pub fn main(subject: &Subject) {
    if secpkg_bench::run_mode(subject) {
        return;
    }
    let packages = subject.check();
    eprintln!("{}: {} ({packages} packages)", subject.label(), subject.provider().origin().display());
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group(subject.label());
    for case in Case::ALL {
        group.bench_function(case.name(), |b| b.iter(|| subject.run(case)));
    }
    group.finish();
    criterion.final_summary();
}
