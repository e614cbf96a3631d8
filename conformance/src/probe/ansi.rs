//! The ANSI entry points: `InitSecurityInterfaceA`'s table, `EnumerateSecurityPackagesA` and
//! `QuerySecurityPackageInfoA`. secpkg calls only the W functions, so these are called here,
//! through the library's own export, under the provider's lock
//! ([`Provider::with_raw_functions`]), and their buffers given back to the A table's
//! `FreeContextBuffer`, once each.

use super::{Answer, Opened, Record, SENTINEL, UNKNOWN_NAME, fail, not_run, pass, verdict};
use crate::{Check, CheckId, Frees, Probe, Verdict, status_text};
use secpkg::{Provider, Status};
use secpkg_sys::{SEC_E_OK, SEC_E_SECPKG_NOT_FOUND, SecPkgInfoA, SecurityFunctionTableA};
use std::ffi::CStr;

type Enumerate = unsafe extern "system" fn(*mut u32, *mut *mut SecPkgInfoA) -> i32;
type Query = unsafe extern "system" fn(*mut i8, *mut *mut SecPkgInfoA) -> i32;
type Free = unsafe extern "system" fn(*mut std::ffi::c_void) -> i32;

/// The A table's package functions, all present.
struct AnsiTable {
    enumerate: Enumerate,
    query: Query,
    free: Free,
}

/// Finds `InitSecurityInterfaceA` in the provider's library and reads its table: the table, or
/// the `ansi-table` check that says why there is none (a `WARN` "not run" when the library
/// exports no such function, a deviation when what it returns is no usable table).
fn table(opened: &Opened) -> Result<(AnsiTable, Check), Check> {
    let Some(path) = &opened.library else {
        return Err(Check::not_run(
            CheckId::AnsiTable,
            "a function table, not a library: no InitSecurityInterfaceA to call",
        ));
    };
    // SAFETY: the library is the provider secpkg already loaded from this path (so its
    // initialisers have run); loading it again only counts a reference.
    let library = match unsafe { libloading::Library::new(path) } {
        Ok(library) => library,
        Err(error) => {
            return Err(Check::not_run(CheckId::AnsiTable, &format!("cannot load {}: {error}", path.display())));
        }
    };
    type Init = unsafe extern "system" fn() -> *mut SecurityFunctionTableA;
    // SAFETY: an SSPI provider that exports InitSecurityInterfaceA exports it with this signature.
    let init = match unsafe { library.get::<Init>(b"InitSecurityInterfaceA\0") } {
        Ok(init) => *init,
        Err(_) => {
            let why = "the library exports no InitSecurityInterfaceA (Windows's secur32 does)";
            return Err(Check::not_run(CheckId::AnsiTable, why));
        }
    };
    // Kept loaded for good, as secpkg keeps its providers: the table's functions live in it.
    std::mem::forget(library);
    // SAFETY: the provider's InitSecurityInterfaceA takes nothing and returns its table or
    // null; it runs under the library's lock, as secpkg runs InitSecurityInterfaceW.
    let raw = opened.provider.with_raw_functions(|_| unsafe { init() });
    if raw.is_null() {
        return Err(fail(CheckId::AnsiTable, "InitSecurityInterfaceA returned null"));
    }
    if !raw.is_aligned() {
        return Err(fail(CheckId::AnsiTable, format!("InitSecurityInterfaceA returned {raw:p}, which is misaligned")));
    }
    // SAFETY: a non-null, aligned table of the provider's, which has at least its dwVersion
    // (the SSPI contract, as for the W table).
    let version = unsafe { raw.cast::<u32>().read() };
    if version == 0 {
        return Err(fail(CheckId::AnsiTable, "a table of dwVersion 0, which sspi.h does not define"));
    }
    // SAFETY: every version from 1 on holds these fields (the same offsets as the W table's,
    // which secpkg asserts lie within version 1's size); each read is aligned.
    let (enumerate, query, free) = unsafe {
        (
            (&raw const (*raw).EnumerateSecurityPackages).read(),
            (&raw const (*raw).QuerySecurityPackageInfo).read(),
            (&raw const (*raw).FreeContextBuffer).read(),
        )
    };
    let missing: Vec<&str> = [
        ("EnumerateSecurityPackagesA", enumerate.is_none()),
        ("QuerySecurityPackageInfoA", query.is_none()),
        ("FreeContextBuffer", free.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, missing)| missing.then_some(name))
    .collect();
    match (enumerate, query, free) {
        (Some(enumerate), Some(query), Some(free)) => {
            let check = pass(CheckId::AnsiTable, format!("dwVersion {version}, all three non-null"));
            Ok((AnsiTable { enumerate, query, free }, check))
        }
        _ => Err(fail(CheckId::AnsiTable, format!("{} null", missing.join(", ")))),
    }
}

/// An ANSI string as the record's UTF-16 units (lossily: the names compared are ASCII), `None`
/// for a null pointer.
///
/// # Safety
/// `text` is null or a NUL-terminated string of the provider's, valid while it is read.
unsafe fn units(text: *const i8) -> Option<Vec<u16>> {
    // SAFETY: the caller's promise.
    (!text.is_null()).then(|| unsafe { CStr::from_ptr(text) }.to_string_lossy().encode_utf16().collect())
}

/// One `SecPkgInfoA` as a [`Record`].
///
/// # Safety
/// `info` points to a record of the provider's, whose strings are null or NUL-terminated.
unsafe fn read(info: *const SecPkgInfoA) -> Record {
    // SAFETY: the caller's promise.
    let raw = unsafe { info.read() };
    Record {
        capabilities: raw.fCapabilities,
        version: raw.wVersion,
        rpc_id: raw.wRPCID,
        max_token: raw.cbMaxToken,
        // SAFETY: the caller's promise, for the strings.
        name: unsafe { units(raw.Name) },
        // SAFETY: as above.
        comment: unsafe { units(raw.Comment) },
    }
}

/// `EnumerateSecurityPackagesA`: the records, or why there are none to compare.
fn enumerate(provider: &Provider, t: &AnsiTable, frees: &mut Frees) -> Result<Vec<Record>, String> {
    let (mut count, mut array) = (0u32, std::ptr::null_mut::<SecPkgInfoA>());
    // SAFETY: under the provider's lock; both out-pointers are valid for writes.
    let status = provider.with_raw_functions(|_| unsafe { (t.enumerate)(&mut count, &mut array) });
    if status != SEC_E_OK {
        return Err(status_text(Status::from_value(status)));
    }
    if array.is_null() {
        return if count == 0 { Ok(Vec::new()) } else { Err(format!("count {count} and a null array")) };
    }
    let fits = (count as usize)
        .checked_mul(size_of::<SecPkgInfoA>())
        .is_some_and(|size| size <= isize::MAX as usize && array.addr().checked_add(size).is_some());
    let records = if !array.is_aligned() {
        Err(format!("an array at {array:p}, which is misaligned"))
    } else if !fits {
        Err(format!("count {count} at {array:p}, past the end of the address space"))
    } else {
        // SAFETY: on success the provider returned `count` records at `array` (aligned, and
        // within the address space, as checked), each with null or NUL-terminated strings.
        Ok((0..count as usize).map(|i| unsafe { read(array.add(i)) }).collect())
    };
    // SAFETY: the array is the provider's, given back once, to its own FreeContextBuffer.
    let freed = provider.with_raw_functions(|_| unsafe { (t.free)(array.cast()) });
    frees.record_status("the EnumerateSecurityPackagesA array", freed);
    records
}

/// `QuerySecurityPackageInfoA` of `name`, the out-pointer preset to the sentinel.
fn query(provider: &Provider, t: &AnsiTable, name: &[u8], frees: &mut Frees) -> Answer {
    let mut bytes: Vec<u8> = name.iter().copied().chain([0]).collect();
    let mut out: *mut SecPkgInfoA = std::ptr::without_provenance_mut(SENTINEL);
    // SAFETY: under the provider's lock; `bytes` is NUL-terminated and outlives the call; `out`
    // is valid for a write.
    let status = provider.with_raw_functions(|_| unsafe { (t.query)(bytes.as_mut_ptr().cast(), &mut out) });
    if status != SEC_E_OK {
        return Answer::Failed { status: Status::from_value(status), out: out.addr() };
    }
    if out.is_null() || out.addr() == SENTINEL {
        return Answer::NoRecord;
    }
    let answer = if out.is_aligned() {
        // SAFETY: on success `out` points to one record of the provider's.
        Answer::Record(unsafe { read(out) })
    } else {
        Answer::Invalid(format!("a record at {out:p}, which is misaligned"))
    };
    // SAFETY: the record is the provider's, given back once, to its own FreeContextBuffer.
    let freed = provider.with_raw_functions(|_| unsafe { (t.free)(out.cast()) });
    let what = format!("the QuerySecurityPackageInfoA record of {:?}", String::from_utf8_lossy(name));
    frees.record_status(&what, freed);
    answer
}

/// The `ansi` probe: `ansi-table`, `ansi-enumerate`, `ansi-query-listed`.
pub(super) fn checks(opened: &Opened, frees: &mut Frees) -> Vec<Check> {
    let (t, table_check) = match table(opened) {
        Ok(found) => found,
        Err(check) => {
            let why = format!("no ANSI function table (see ansi-table: {})", check.observed);
            let mut checks = vec![check];
            checks.extend(Probe::Ansi.checks().skip(1).map(|c| Check::not_run(c, &why)));
            return checks;
        }
    };
    let mut checks = vec![table_check];
    let ansi = match enumerate(&opened.provider, &t, frees) {
        Ok(records) => records,
        Err(why) => {
            checks.push(fail(CheckId::AnsiEnumerate, format!("EnumerateSecurityPackagesA: {why}")));
            checks.push(Check::not_run(
                CheckId::AnsiQueryListed,
                "EnumerateSecurityPackagesA failed (see ansi-enumerate)",
            ));
            return checks;
        }
    };
    checks.push(match opened.provider.packages() {
        Err(_) => Check::not_run(CheckId::AnsiEnumerate, "EnumerateSecurityPackagesW failed (see enumerate-*)"),
        Ok(packages) => {
            let wide: Vec<Record> = packages.iter().map(Record::read).collect();
            frees.record("the EnumerateSecurityPackagesW array", packages.close());
            let mut problems = Vec::new();
            if ansi.len() != wide.len() {
                problems.push(format!("{} packages, EnumerateSecurityPackagesW {}", ansi.len(), wide.len()));
            }
            for (i, (a, w)) in ansi.iter().zip(&wide).enumerate() {
                let differences = a.differences(w).join(", ").replace("(listed ", "(W: ");
                if !differences.is_empty() {
                    problems.push(format!("{}: {differences}", a.label(i)));
                }
            }
            verdict(
                CheckId::AnsiEnumerate,
                problems,
                format!("the {} records EnumerateSecurityPackagesW lists", ansi.len()),
            )
        }
    });
    let mut problems = Vec::new();
    let mut queried = 0;
    for record in &ansi {
        let Some(name) = record.valid_name() else { continue };
        queried += 1;
        match query(&opened.provider, &t, name.as_bytes(), frees) {
            Answer::Record(r) if r == *record => {}
            Answer::Record(r) => problems.push(format!("{name:?}: {}", r.differences(record).join(", "))),
            other => problems.push(format!("{name:?}: {}", other.text())),
        }
    }
    checks.push(if queried == 0 {
        Check::not_run(CheckId::AnsiQueryListed, "EnumerateSecurityPackagesA listed no valid name")
    } else {
        verdict(CheckId::AnsiQueryListed, problems, format!("the listed record for each of the {queried} names"))
    });
    checks
}

/// The `ansi-query-unknown` probe.
pub(super) fn query_unknown(opened: &Opened, frees: &mut Frees) -> Vec<Check> {
    let t = match table(opened) {
        Ok((t, _)) => t,
        Err(_) => return not_run(Probe::AnsiQueryUnknown, "no ANSI function table (see ansi-table)"),
    };
    let answer = query(&opened.provider, &t, UNKNOWN_NAME.as_bytes(), frees);
    let observed = format!("{UNKNOWN_NAME:?}: {}", answer.text());
    vec![match answer {
        Answer::Failed { status, out: SENTINEL } if status.value() == SEC_E_SECPKG_NOT_FOUND => {
            pass(CheckId::AnsiQueryUnknown, format!("{observed}, out-pointer untouched"))
        }
        Answer::Failed { out, .. } => {
            let out = if out == SENTINEL { "untouched".to_owned() } else { format!("{SENTINEL:#x} became {out:#x}") };
            fail(CheckId::AnsiQueryUnknown, format!("{observed}, out-pointer {out}"))
        }
        // Success for a name no package has: harm, as for query-unknown-status.
        _ => Check::new(CheckId::AnsiQueryUnknown, Verdict::Fail, observed),
    }]
}
