//! The paired workloads of secpkg's benchmarks: each safe call beside the raw SSPI call sequence
//! it replaces, on the same provider, doing the same reads.
//!
//! | case | what |
//! |---|---|
//! | `raw_enumerate` | `EnumerateSecurityPackagesW`, read every field, `FreeContextBuffer` |
//! | `packages_iter` | `Provider::packages()` and borrowed iteration reading the same fields |
//! | `packages_to_vec` | `Provider::packages()?.to_vec()`: every record copied out (owned) |
//! | `raw_query` | `QuerySecurityPackageInfoW`, read every field, `FreeContextBuffer` |
//! | `query` | `Provider::query()`: the record, owned |
//!
//! A complete NTLM exchange on WinPR, raw and safe, is the other workload
//! ([`ExchangeSubject`], bench binary `benches/exchange.rs`).
//!
//! "Read every field" means: the UTF-16 units of `Name` and `Comment` up to their NUL and the
//! integer fields, summed into a value that goes through [`black_box`]. The two sides of a pair
//! compute the same sum ([`Subject::check`] asserts it before anything is measured).
//!
//! The bench binaries (`benches/fake.rs`, `benches/system.rs`) build a [`Subject`] and hand it to
//! criterion, or, when `SECPKG_BENCH_MODE` is set, to one of the modes of [`run_mode`]: a fixed
//! number of iterations of one case for `valgrind --tool=callgrind` (instruction counts), or a
//! self-timed harness that alternates the two sides of each pair. `scripts/bench` drives them.
//! Nothing here asserts a timing.
#![deny(unsafe_op_in_unsafe_fn)]

mod exchange;

pub use exchange::{
    DOMAIN, ExchangeCase, ExchangeSubject, PASSWORD, RawExchange, TARGET, Transcript, USER, counted_exchange,
    run_exchange_mode,
};
use secpkg::{PackageInfo, PackageName, Provider};
use secpkg_sys::{SEC_E_OK, SecPkgInfoW, SecurityFunctionTableW};
use std::ffi::c_void;
use std::hint::black_box;
use std::time::{Duration, Instant};

type EnumerateFn = unsafe extern "system" fn(*mut u32, *mut *mut SecPkgInfoW) -> i32;
type QueryFn = unsafe extern "system" fn(*mut u16, *mut *mut SecPkgInfoW) -> i32;
type FreeFn = unsafe extern "system" fn(*mut c_void) -> i32;

/// The three raw functions of a provider's `SecurityFunctionTableW`.
#[derive(Clone, Copy)]
pub struct Raw {
    enumerate: EnumerateFn,
    query: QueryFn,
    free: FreeFn,
}

impl Raw {
    /// The functions of `table`, or `None` if one of the three is missing.
    ///
    /// # Safety
    /// The table's functions follow the SSPI contract and stay callable while the `Raw` is used.
    pub unsafe fn new(table: &SecurityFunctionTableW) -> Option<Raw> {
        Some(Raw {
            enumerate: table.EnumerateSecurityPackagesW?,
            query: table.QuerySecurityPackageInfoW?,
            free: table.FreeContextBuffer?,
        })
    }
}

/// The raw table of the provider `Provider::system()` loaded: on Windows secur32's, elsewhere
/// the one `InitSecurityInterfaceW` of the same library returns (the library stays loaded).
pub fn system_table(provider: &Provider) -> SecurityFunctionTableW {
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

/// The integer fields of a record, summed.
#[inline(always)]
fn sum_fixed(capabilities: u32, version: u16, rpc_id: u16, max_token: u32) -> u64 {
    u64::from(capabilities) + u64::from(version) + u64::from(rpc_id) + u64::from(max_token)
}

/// The units of a NUL-terminated UTF-16 string (null: none), summed, as a raw caller reads them.
///
/// # Safety
/// `p` is null or points to a NUL-terminated UTF-16 string.
#[inline(always)]
unsafe fn sum_wide(mut p: *const u16) -> u64 {
    let mut sum = 0u64;
    if p.is_null() {
        return 0;
    }
    loop {
        // SAFETY: every unit up to the NUL is readable (the caller's contract).
        let unit = unsafe { *p };
        if unit == 0 {
            return sum;
        }
        sum += u64::from(unit);
        // SAFETY: `unit` was not the NUL, so the next unit is still part of the string.
        p = unsafe { p.add(1) };
    }
}

/// Every field of a raw record, summed.
///
/// # Safety
/// `record`'s strings are null or NUL-terminated UTF-16.
#[inline(always)]
unsafe fn sum_record(record: &SecPkgInfoW) -> u64 {
    let fixed = sum_fixed(record.fCapabilities, record.wVersion, record.wRPCID, record.cbMaxToken);
    // SAFETY: forwarded from the caller.
    fixed + unsafe { sum_wide(record.Name) + sum_wide(record.Comment) }
}

fn sum_units(units: &[u16]) -> u64 {
    units.iter().map(|&u| u64::from(u)).sum()
}

/// Every field of an owned record, summed (strings re-encoded as UTF-16, as the provider gave
/// them): for [`Subject::check`] only, never measured.
pub fn sum_owned(info: &PackageInfo) -> u64 {
    let utf16 = |s: &str| s.encode_utf16().map(u64::from).sum::<u64>();
    sum_fixed(info.capabilities.bits(), info.version, info.rpc_id.value(), info.max_token)
        + utf16(&info.name)
        + utf16(&info.comment)
}

/// A record owned as a windows-sys user would: `String::from_utf16` of each string, a null
/// `Comment` empty. Panics on what the safe side reports as an error.
///
/// # Safety
/// The record's strings are null or NUL-terminated UTF-16.
unsafe fn owned_record(record: &SecPkgInfoW) -> PackageInfo {
    // SAFETY: forwarded from the caller.
    let string = |p: *const u16| unsafe {
        if p.is_null() {
            return String::new();
        }
        let len = (0..).take_while(|&i| *p.add(i) != 0).count();
        String::from_utf16(std::slice::from_raw_parts(p, len)).expect("valid UTF-16")
    };
    PackageInfo {
        capabilities: secpkg::Capabilities::from_bits_retain(record.fCapabilities),
        version: record.wVersion,
        rpc_id: secpkg::PackageId::from_value(record.wRPCID),
        max_token: record.cbMaxToken,
        name: string(record.Name),
        comment: string(record.Comment),
    }
}

/// One benchmark workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// `EnumerateSecurityPackagesW` + read every field + `FreeContextBuffer`.
    RawEnumerate,
    /// `packages()` + borrowed iteration reading every field.
    PackagesIter,
    /// `packages()?.to_vec()`.
    PackagesToVec,
    /// `QuerySecurityPackageInfoW` + read every field + `FreeContextBuffer`.
    RawQuery,
    /// `query()`.
    Query,
    /// What a windows-sys user writes for owned records: `EnumerateSecurityPackagesW`, one `Vec`,
    /// `String::from_utf16` per string field, `FreeContextBuffer`.
    RawToVec,
    /// The same for one record: `QuerySecurityPackageInfoW`, `String::from_utf16` per string
    /// field, `FreeContextBuffer`.
    RawQueryOwned,
    /// `query_in_place()` + reading every field in place.
    QueryInPlace,
}

impl Case {
    /// Every case, raw ones first.
    pub const ALL: [Case; 8] = [
        Case::RawEnumerate,
        Case::RawToVec,
        Case::RawQuery,
        Case::RawQueryOwned,
        Case::PackagesIter,
        Case::PackagesToVec,
        Case::Query,
        Case::QueryInPlace,
    ];

    /// The pairs compared: (raw, safe), each safe call against the hand-written raw code that
    /// gets the same result.
    pub const PAIRS: [(Case, Case); 4] = [
        (Case::RawEnumerate, Case::PackagesIter),
        (Case::RawToVec, Case::PackagesToVec),
        (Case::RawQueryOwned, Case::Query),
        (Case::RawQuery, Case::QueryInPlace),
    ];

    /// The name used by criterion, the modes and scripts/bench.
    pub const fn name(self) -> &'static str {
        match self {
            Case::RawEnumerate => "raw_enumerate",
            Case::PackagesIter => "packages_iter",
            Case::PackagesToVec => "packages_to_vec",
            Case::RawQuery => "raw_query",
            Case::Query => "query",
            Case::RawToVec => "raw_to_vec",
            Case::RawQueryOwned => "raw_query_owned",
            Case::QueryInPlace => "query_in_place",
        }
    }

    /// The case named `name`.
    pub fn from_name(name: &str) -> Option<Case> {
        Case::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// A provider to measure, reached both ways: through secpkg and through its raw table.
pub struct Subject {
    label: String,
    provider: Provider,
    raw: Raw,
    /// Prepared at compile time, as `query_wide` is for the raw calls.
    query_name: PackageName<'static>,
    /// `query_name`, NUL-terminated UTF-16, prepared once as a raw caller would (windows-rs's
    /// `w!`).
    query_wide: Vec<u16>,
}

impl Subject {
    /// `provider` and the raw functions of the same provider's table; `query_name` is the
    /// package the query cases ask for.
    pub fn new(label: &str, provider: Provider, raw: Raw, query_name: PackageName<'static>) -> Subject {
        Subject {
            label: label.to_owned(),
            provider,
            raw,
            query_name,
            query_wide: query_name.as_str().encode_utf16().chain([0]).collect(),
        }
    }

    /// The label given to [`Subject::new`] (criterion's group name).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// (a) `EnumerateSecurityPackagesW`, every field read, `FreeContextBuffer`.
    pub fn raw_enumerate(&self) -> u64 {
        let mut count = 0u32;
        let mut array: *mut SecPkgInfoW = std::ptr::null_mut();
        // SAFETY: both out-pointers are valid for writes; `Raw::new`'s contract.
        let status = unsafe { (self.raw.enumerate)(&mut count, &mut array) };
        assert_eq!(status, SEC_E_OK, "EnumerateSecurityPackagesW failed");
        let mut sum = 0;
        if !array.is_null() {
            // SAFETY: on success, `count` records at `array`, valid until freed below.
            let records = unsafe { std::slice::from_raw_parts(array, count as usize) };
            for record in records {
                // SAFETY: the provider's strings are null or NUL-terminated UTF-16.
                sum += unsafe { sum_record(record) };
            }
        }
        // SAFETY: the provider's own buffer, freed once.
        let status = unsafe { (self.raw.free)(array.cast()) };
        assert_eq!(status, SEC_E_OK, "FreeContextBuffer failed");
        sum
    }

    /// (b) `packages()` and borrowed iteration reading the same fields.
    pub fn packages_iter(&self) -> u64 {
        let packages = self.provider.packages().expect("packages()");
        let mut sum = 0;
        for package in packages.iter() {
            sum += sum_fixed(
                package.capabilities().bits(),
                package.version(),
                package.rpc_id().value(),
                package.max_token(),
            );
            sum += sum_units(package.name().as_units()) + sum_units(package.comment().as_units());
        }
        sum
    }

    /// (c) `packages()?.to_vec()`: every record owned.
    pub fn packages_to_vec(&self) -> Vec<PackageInfo> {
        let packages = self.provider.packages().expect("packages()");
        packages.to_vec().expect("to_vec()")
    }

    /// (d) `QuerySecurityPackageInfoW` of the prepared name, every field read, `FreeContextBuffer`.
    pub fn raw_query(&self) -> u64 {
        let mut record: *mut SecPkgInfoW = std::ptr::null_mut();
        // The provider takes a mutable pointer but does not write through it.
        let name = self.query_wide.as_ptr().cast_mut();
        // SAFETY: `name` is NUL-terminated; `record` is valid for a write.
        let status = unsafe { (self.raw.query)(name, &mut record) };
        assert_eq!(status, SEC_E_OK, "QuerySecurityPackageInfoW failed");
        assert!(!record.is_null(), "QuerySecurityPackageInfoW: null record");
        // SAFETY: on success, one record, valid until freed below; its strings are null or
        // NUL-terminated UTF-16.
        let sum = unsafe { sum_record(&*record) };
        // SAFETY: the provider's own buffer, freed once.
        let status = unsafe { (self.raw.free)(record.cast()) };
        assert_eq!(status, SEC_E_OK, "FreeContextBuffer failed");
        sum
    }

    /// (e) `query()`: the record, owned.
    pub fn query(&self) -> PackageInfo {
        self.provider.query(self.query_name).expect("query()")
    }

    /// (f) Owned records as a windows-sys user writes them: one `Vec`, `String::from_utf16` of
    /// each string (its length found by a scan for the NUL), the buffer freed.
    pub fn raw_to_vec(&self) -> Vec<PackageInfo> {
        let mut count = 0u32;
        let mut array: *mut SecPkgInfoW = std::ptr::null_mut();
        // SAFETY: both out-pointers are valid for writes; `Raw::new`'s contract.
        let status = unsafe { (self.raw.enumerate)(&mut count, &mut array) };
        assert_eq!(status, SEC_E_OK, "EnumerateSecurityPackagesW failed");
        let mut packages = Vec::with_capacity(count as usize);
        if !array.is_null() {
            // SAFETY: on success, `count` records at `array`, valid until freed below.
            let records = unsafe { std::slice::from_raw_parts(array, count as usize) };
            for record in records {
                // SAFETY: the provider's strings are null or NUL-terminated UTF-16.
                packages.push(unsafe { owned_record(record) });
            }
        }
        // SAFETY: the provider's own buffer, freed once.
        let status = unsafe { (self.raw.free)(array.cast()) };
        assert_eq!(status, SEC_E_OK, "FreeContextBuffer failed");
        packages
    }

    /// (g) One owned record as a windows-sys user writes it.
    pub fn raw_query_owned(&self) -> PackageInfo {
        let mut record: *mut SecPkgInfoW = std::ptr::null_mut();
        let name = self.query_wide.as_ptr().cast_mut();
        // SAFETY: `name` is NUL-terminated; `record` is valid for a write.
        let status = unsafe { (self.raw.query)(name, &mut record) };
        assert_eq!(status, SEC_E_OK, "QuerySecurityPackageInfoW failed");
        assert!(!record.is_null(), "QuerySecurityPackageInfoW: null record");
        // SAFETY: on success, one record, valid until freed below; its strings are null or
        // NUL-terminated UTF-16.
        let info = unsafe { owned_record(&*record) };
        // SAFETY: the provider's own buffer, freed once.
        let status = unsafe { (self.raw.free)(record.cast()) };
        assert_eq!(status, SEC_E_OK, "FreeContextBuffer failed");
        info
    }

    /// (h) `query_in_place()`: the record read in place, the same fields as `raw_query`.
    pub fn query_in_place(&self) -> u64 {
        let queried = self.provider.query_in_place(self.query_name).expect("query_in_place()");
        let package = queried.package();
        sum_fixed(package.capabilities().bits(), package.version(), package.rpc_id().value(), package.max_token())
            + sum_units(package.name().as_units())
            + sum_units(package.comment().as_units())
    }

    /// Runs `case` once, its result through [`black_box`].
    #[inline(always)]
    pub fn run(&self, case: Case) {
        match case {
            Case::RawEnumerate => {
                black_box(self.raw_enumerate());
            }
            Case::PackagesIter => {
                black_box(self.packages_iter());
            }
            Case::PackagesToVec => {
                black_box(self.packages_to_vec());
            }
            Case::RawQuery => {
                black_box(self.raw_query());
            }
            Case::Query => {
                black_box(self.query());
            }
            Case::RawToVec => {
                black_box(self.raw_to_vec());
            }
            Case::RawQueryOwned => {
                black_box(self.raw_query_owned());
            }
            Case::QueryInPlace => {
                black_box(self.query_in_place());
            }
        }
    }

    /// Panics unless both sides of every pair read the same values: what is measured is the
    /// same work. Returns the number of packages.
    pub fn check(&self) -> usize {
        let raw = self.raw_enumerate();
        assert_eq!(raw, self.packages_iter(), "{}: raw and borrowed enumeration disagree", self.label);
        let owned = self.packages_to_vec();
        assert_eq!(raw, owned.iter().map(sum_owned).sum::<u64>(), "{}: raw and owned enumeration disagree", self.label);
        assert_eq!(owned, self.raw_to_vec(), "{}: hand-written and safe owned records disagree", self.label);
        assert_eq!(self.raw_query(), sum_owned(&self.query()), "{}: raw and safe query disagree", self.label);
        assert_eq!(self.raw_query_owned(), self.query(), "{}: hand-written and safe owned query disagree", self.label);
        assert_eq!(self.raw_query(), self.query_in_place(), "{}: raw and borrowed query disagree", self.label);
        owned.len()
    }
}

/// `iterations` runs of `case`; the one function a `callgrind --toggle-collect` names
/// (`*secpkg_bench*counted*`), so its inclusive instruction count divided by `iterations` is
/// the cost of one run.
#[inline(never)]
pub fn counted(subject: &Subject, case: Case, iterations: u64) {
    for _ in 0..iterations {
        subject.run(case);
    }
}

/// Timing of one pair by the self-timed harness ([`paired`]).
#[derive(Clone, Debug)]
pub struct PairTiming<C = Case> {
    pub raw: C,
    pub safe: C,
    /// Median nanoseconds per run of each side.
    pub raw_ns: f64,
    pub safe_ns: f64,
    /// Median, first and third quartile of the per-round ratios safe/raw.
    pub ratio: f64,
    pub ratio_q1: f64,
    pub ratio_q3: f64,
    pub rounds: usize,
    pub batch: u64,
}

fn time_batch<C: Copy>(run: &impl Fn(C), case: C, batch: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..batch {
        run(case);
    }
    start.elapsed().as_secs_f64() * 1e9 / batch as f64
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    quantile(values, 0.5)
}

/// A self-timed harness that alternates the two sides of a pair in batches of about
/// `batch_time` (ABBA order), `rounds` times, so that a change of load on the machine hits both
/// sides alike; the ratio is the median of the per-round ratios. `warm_up` runs of each side
/// come first, and `warm_up` runs of each size the batch.
pub fn paired<C: Copy>(
    run: &impl Fn(C),
    raw: C,
    safe: C,
    rounds: usize,
    batch_time: Duration,
    warm_up: u64,
) -> PairTiming<C> {
    // Warm up, then size the batch on the slower side.
    for _ in 0..warm_up {
        run(raw);
        run(safe);
    }
    let per_run = time_batch(run, raw, warm_up).max(time_batch(run, safe, warm_up));
    let batch = ((batch_time.as_secs_f64() * 1e9 / per_run) as u64).max(1);
    let (mut raws, mut safes, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        let (r, s) = if round % 2 == 0 {
            let r = time_batch(run, raw, batch);
            (r, time_batch(run, safe, batch))
        } else {
            let s = time_batch(run, safe, batch);
            (time_batch(run, raw, batch), s)
        };
        raws.push(r);
        safes.push(s);
        ratios.push(s / r);
    }
    let ratio = median(&mut ratios);
    PairTiming {
        raw,
        safe,
        raw_ns: median(&mut raws),
        safe_ns: median(&mut safes),
        ratio,
        ratio_q1: quantile(&ratios, 0.25),
        ratio_q3: quantile(&ratios, 0.75),
        rounds: rounds.max(1),
        batch,
    }
}

pub(crate) fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value.parse().unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

/// The modes a bench binary runs instead of criterion, chosen by `SECPKG_BENCH_MODE`:
///
/// - `count:CASE:N`: warm up (100 runs), then `N` runs of `CASE` inside [`counted`]; for
///   `valgrind --tool=callgrind --toggle-collect='*secpkg_bench*counted*'`.
/// - `paired`: the self-timed harness ([`paired`]) over [`Case::PAIRS`], one line per pair:
///   `paired LABEL SAFE RAW raw_ns=… safe_ns=… ratio=… q1=… q3=… rounds=… batch=…`.
///   `SECPKG_BENCH_ROUNDS` (default 41) and `SECPKG_BENCH_BATCH_MS` (default 5) tune it.
///
/// Returns false when the variable is not set (run criterion then). Every mode first runs
/// [`Subject::check`] and prints `packages LABEL N`.
pub fn run_mode(subject: &Subject) -> bool {
    let Ok(mode) = std::env::var("SECPKG_BENCH_MODE") else {
        return false;
    };
    let packages = subject.check();
    println!("packages {} {packages}", subject.label);
    if let Some(spec) = mode.strip_prefix("count:") {
        let (case, iterations) =
            spec.split_once(':').unwrap_or_else(|| panic!("SECPKG_BENCH_MODE=count:CASE:N, not {mode:?}"));
        let case = Case::from_name(case).unwrap_or_else(|| panic!("no case {case:?}"));
        let iterations: u64 = iterations.parse().unwrap_or_else(|_| panic!("{iterations:?} is not a number"));
        for _ in 0..100 {
            subject.run(case);
        }
        counted(subject, case, iterations);
        println!("counted {} {} {iterations}", subject.label, case.name());
    } else if mode == "paired" {
        let rounds = env_number("SECPKG_BENCH_ROUNDS", 41);
        let batch = Duration::from_secs_f64(env_number("SECPKG_BENCH_BATCH_MS", 5.0) / 1000.0);
        for (raw, safe) in Case::PAIRS {
            let t = paired(&|case| subject.run(case), raw, safe, rounds, batch, 1000);
            println!(
                "paired {} {} {} raw_ns={:.1} safe_ns={:.1} ratio={:.4} q1={:.4} q3={:.4} rounds={} batch={}",
                subject.label,
                safe.name(),
                raw.name(),
                t.raw_ns,
                t.safe_ns,
                t.ratio,
                t.ratio_q1,
                t.ratio_q3,
                t.rounds,
                t.batch
            );
        }
    } else {
        panic!("SECPKG_BENCH_MODE: expected count:CASE:N or paired, not {mode:?}");
    }
    true
}
