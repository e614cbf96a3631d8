//! The probes themselves: the provider calls and the checks on what comes back.

mod ansi;

use super::{Check, CheckId, Frees, Probe, ProbeOutcome, Target, TargetKind, Verdict, status_text};
use secpkg::{Capabilities, Error, Package, PackageId, Packages, Provider, QueriedPackage, Status};
use secpkg_sys::{SEC_E_OK, SEC_E_SECPKG_NOT_FOUND, SecPkgInfoW};

/// The name queried by the `query-unknown` probe.
const UNKNOWN_NAME: &str = "secpkg-conformance-no-such-package";

/// What the out-pointer holds before a query, to see whether the provider wrote it: non-null,
/// never a valid record address, and recognisable in a report.
const SENTINEL: usize = 0x5EC0_5EC0;

fn sentinel() -> *mut SecPkgInfoW {
    std::ptr::without_provenance_mut(SENTINEL)
}

/// What the checks look at in a provider's function table: its version, and which of the three
/// package functions it has.
#[derive(Clone, Copy, Debug)]
struct Table {
    version: u32,
    enumerate: bool,
    query: bool,
    free: bool,
}

/// A provider opened by secpkg (so its calls take secpkg's lock, and its library stays loaded
/// for good, as secpkg's do), with what its table holds.
struct Opened {
    table: Table,
    provider: Provider,
    origin: String,
    /// The library to find `InitSecurityInterfaceA` in: the one loaded, if the target is one.
    library: Option<std::path::PathBuf>,
}

/// Opens `target` as secpkg opens providers: [`Provider::system`], [`Provider::load`], or the
/// target's [`Provider::from_table`]. The error is secpkg's.
fn open(target: &Target) -> Result<Opened, Error> {
    let provider = match &target.0 {
        // SAFETY: Target::library's caller named this library as an SSPI provider.
        TargetKind::Library(path) => unsafe { Provider::load(path) }?,
        TargetKind::Table(provider) => provider.clone(),
        TargetKind::System => Provider::system()?,
    };
    let table = provider.with_raw_functions(|raw| Table {
        version: raw.version.value(),
        enumerate: raw.enumerate_security_packages.is_some(),
        query: raw.query_security_package_info.is_some(),
        free: raw.free_context_buffer.is_some(),
    });
    let origin = provider.origin().display().to_string();
    let library = match &target.0 {
        TargetKind::Table(_) => None,
        TargetKind::Library(_) | TargetKind::System => Some(provider.origin().to_owned()),
    };
    Ok(Opened { table, provider, origin, library })
}

/// `error` and each error under it, joined by ": " (a load error's source says why).
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line = format!("{line}: {cause}");
        source = cause.source();
    }
    line
}

/// One `SecPkgInfoW`, copied out of the provider's buffer as it was: a null string is `None`,
/// strings are UTF-16 units (possibly invalid).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Record {
    capabilities: u32,
    version: u16,
    rpc_id: u16,
    max_token: u32,
    name: Option<Vec<u16>>,
    comment: Option<Vec<u16>>,
}

impl Record {
    fn read(package: Package<'_>) -> Record {
        let raw = package.raw();
        Record {
            capabilities: raw.fCapabilities,
            version: raw.wVersion,
            rpc_id: raw.wRPCID,
            max_token: raw.cbMaxToken,
            name: (!raw.Name.is_null()).then(|| package.name().as_units().to_vec()),
            comment: (!raw.Comment.is_null()).then(|| package.comment().as_units().to_vec()),
        }
    }

    /// The name, if it is non-null, non-empty and valid UTF-16.
    fn valid_name(&self) -> Option<String> {
        self.name.as_deref().filter(|n| !n.is_empty()).and_then(|n| String::from_utf16(n).ok())
    }

    /// The name for messages: as listed, lossily, or `#index` when null.
    fn label(&self, index: usize) -> String {
        match &self.name {
            Some(units) => format!("{:?}", String::from_utf16_lossy(units)),
            None => format!("#{index} (null Name)"),
        }
    }

    /// How `self` differs from `other`, field by field.
    fn differences(&self, other: &Record) -> Vec<String> {
        let text = |s: &Option<Vec<u16>>| match s {
            Some(units) => format!("{:?}", String::from_utf16_lossy(units)),
            None => "null".to_owned(),
        };
        let mut out = Vec::new();
        let mut field = |name: &str, a: String, b: String| {
            if a != b {
                out.push(format!("{name} {a} (listed {b})"));
            }
        };
        field("fCapabilities", format!("{:#x}", self.capabilities), format!("{:#x}", other.capabilities));
        field("wVersion", self.version.to_string(), other.version.to_string());
        field("wRPCID", self.rpc_id.to_string(), other.rpc_id.to_string());
        field("cbMaxToken", self.max_token.to_string(), other.max_token.to_string());
        field("Name", text(&self.name), text(&other.name));
        field("Comment", text(&self.comment), text(&other.comment));
        out
    }
}

/// Case folding as Windows compares package names: unit by unit, to upper case where that is
/// one unit; surrogates stay as they are.
fn fold(units: &[u16]) -> Vec<u16> {
    units
        .iter()
        .map(|&unit| {
            let Some(c) = char::from_u32(u32::from(unit)) else { return unit };
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => u16::try_from(u32::from(u)).unwrap_or(unit),
                _ => unit,
            }
        })
        .collect()
}

/// `name` in upper or lower case, character by character where the mapping is one character
/// (so the length in UTF-16 units never changes).
fn recase(name: &str, upper: bool) -> String {
    name.chars()
        .map(|c| {
            let mapped: Vec<char> = if upper { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
            match mapped[..] {
                [m] if m.len_utf16() == c.len_utf16() => m,
                _ => c,
            }
        })
        .collect()
}

/// Well-known packages: name, the id of their SDK constant, whether they issue tokens.
const WELL_KNOWN: &[(&str, PackageId, bool)] = &[
    ("Negotiate", PackageId::RPC_C_AUTHN_GSS_NEGOTIATE, true),
    ("NTLM", PackageId::RPC_C_AUTHN_WINNT, true),
    ("Schannel", PackageId::RPC_C_AUTHN_GSS_SCHANNEL, true),
    ("Microsoft Unified Security Protocol Provider", PackageId::RPC_C_AUTHN_GSS_SCHANNEL, true),
    ("Default TLS SSP", PackageId::RPC_C_AUTHN_GSS_SCHANNEL, true),
    ("Kerberos", PackageId::RPC_C_AUTHN_GSS_KERBEROS, true),
    ("WDigest", PackageId::RPC_C_AUTHN_DIGEST, true),
    ("Digest", PackageId::RPC_C_AUTHN_DIGEST, true),
    ("NegoExtender", PackageId::RPC_C_AUTHN_NEGO_EXTENDER, true),
    ("pku2u", PackageId::RPC_C_AUTHN_PKU2U, true),
    ("CloudAP", PackageId::RPC_C_AUTHN_CLOUD_AP, false),
];

/// The packages Negotiate chooses between; its token buffer must hold either one's token.
const NEGOTIATED: &[&str] = &["Kerberos", "NTLM"];

const SCHANNEL: &str = "Schannel";
const UNISP: &str = "Microsoft Unified Security Protocol Provider";

fn id_text(id: u16) -> String {
    match PackageId::from_value(id).sdk_name() {
        Some(name) => format!("{id} ({name})"),
        None => id.to_string(),
    }
}

/// Runs `probe` against `target` in this process: what a probe child process does.
///
/// A provider that crashes here crashes the caller; [`ChildProcess`](super::ChildProcess) runs
/// this in a child instead.
pub fn run_probe(target: &Target, probe: Probe) -> ProbeOutcome {
    let mut frees = Frees::default();
    let mut unavailable = None;
    let (provider, checks) = match open(target) {
        Err(error) if probe == Probe::Table => {
            // No library, or not a provider: nothing to check. A table the provider gave but
            // secpkg refused (null, misaligned, dwVersion 0) is the provider's to fail.
            if matches!(error, Error::Load { .. } | Error::NotAProvider { .. } | Error::NoProvider { .. }) {
                unavailable = Some(chain(&error));
            }
            (None, table_checks(Err(chain(&error))))
        }
        Err(_) => (None, not_run(probe, "the provider has no function table (see init-table)")),
        Ok(opened) => {
            let checks = match probe {
                Probe::Table => table_checks(Ok(&opened.table)),
                Probe::Enumerate => enumerate_checks(&opened, &mut frees),
                Probe::QueryListed => query_listed(&opened, &mut frees),
                Probe::QueryCase => query_case(&opened, &mut frees),
                Probe::QueryUnknown => query_unknown(&opened, &mut frees),
                Probe::QueryEmpty => query_empty(&opened, &mut frees),
                Probe::Ansi => ansi::checks(&opened, &mut frees),
                Probe::AnsiQueryUnknown => ansi::query_unknown(&opened, &mut frees),
                // The exchange needs credentials, which only the runner has: it calls
                // handshake_outcome with what the exchange gave.
                Probe::Handshake => not_run(
                    probe,
                    "the handshake probe needs an exchange with credentials (secpkg conformance --handshake; \
                     handshake_outcome)",
                ),
            };
            (Some(opened.origin.clone()), checks)
        }
    };
    ProbeOutcome { probe, provider, checks, frees, unavailable, stderr: Vec::new() }
}

fn not_run(probe: Probe, why: &str) -> Vec<Check> {
    probe.checks().map(|c| Check::not_run(c, why)).collect()
}

fn pass(check: CheckId, observed: impl Into<String>) -> Check {
    Check::new(check, Verdict::Pass, observed)
}

/// A deviation: `FAIL` or `WARN` as the check's classification says ([`CheckId::deviation`]).
fn fail(check: CheckId, observed: impl Into<String>) -> Check {
    Check::new(check, check.deviation(), observed)
}

/// PASS with `ok` when `problems` is empty, else a deviation listing them.
fn verdict(check: CheckId, problems: Vec<String>, ok: impl Into<String>) -> Check {
    if problems.is_empty() { pass(check, ok) } else { fail(check, problems.join("; ")) }
}

fn table_checks(table: Result<&Table, String>) -> Vec<Check> {
    let table = match table {
        Ok(table) => table,
        Err(why) => {
            let mut checks = vec![fail(CheckId::InitTable, why)];
            checks
                .extend(Probe::Table.checks().skip(1).map(|c| Check::not_run(c, "no function table (see init-table)")));
            return checks;
        }
    };
    let version = secpkg::InterfaceVersion::from_value(table.version);
    let version_check = match version.sdk_name() {
        Some(name) => pass(CheckId::TableVersion, format!("dwVersion {} ({name})", table.version)),
        None => fail(CheckId::TableVersion, format!("dwVersion {}, which the SDK does not name", table.version)),
    };
    let present = [
        ("EnumerateSecurityPackagesW", table.enumerate),
        ("QuerySecurityPackageInfoW", table.query),
        ("FreeContextBuffer", table.free),
    ];
    let missing: Vec<String> = present.iter().filter(|(_, p)| !p).map(|(f, _)| format!("{f} is null")).collect();
    vec![
        pass(CheckId::InitTable, "a SecurityFunctionTableW"),
        version_check,
        verdict(CheckId::TableFunctions, missing, "all three non-null"),
    ]
}

/// The raw enumeration: the checks need the count and the array pointer as returned.
fn enumerate_checks(opened: &Opened, frees: &mut Frees) -> Vec<Check> {
    let called = opened.provider.with_raw_functions(|raw| {
        let (Some(enumerate), Some(_)) = (raw.enumerate_security_packages, raw.free_context_buffer) else {
            return None;
        };
        let mut count = 0u32;
        let mut array: *mut SecPkgInfoW = std::ptr::null_mut();
        // SAFETY: inside with_raw_functions (the provider's lock); both out-pointers are valid
        // for writes; the provider's EnumerateSecurityPackagesW fills them on success and leaves
        // nothing for the caller to free on failure.
        let status = unsafe { enumerate(&mut count, &mut array) };
        Some((status, count, array))
    });
    let Some((status, count, array)) = called else {
        return not_run(
            Probe::Enumerate,
            "the table lacks EnumerateSecurityPackagesW or FreeContextBuffer (see table-functions)",
        );
    };
    if status != SEC_E_OK {
        let mut checks = vec![fail(CheckId::EnumerateStatus, status_text(Status::from_value(status)))];
        let why = "EnumerateSecurityPackagesW failed (see enumerate-status)";
        checks.extend(Probe::Enumerate.checks().skip(1).map(|c| Check::not_run(c, why)));
        return checks;
    }
    let mut checks = vec![pass(CheckId::EnumerateStatus, "SEC_E_OK")];
    checks.push(match count {
        0 => fail(CheckId::EnumerateCount, "0 packages"),
        1 => pass(CheckId::EnumerateCount, "1 package"),
        n => pass(CheckId::EnumerateCount, format!("{n} packages")),
    });
    // SAFETY: on success the provider returned `count` records at `array` (or null), allocated
    // for its FreeContextBuffer, which the buffer calls exactly once (obligations 2 and 3 of
    // Provider); the call has returned, and `array` is not used again but through the buffer,
    // which checks the pointer before anything reads it.
    let buffer = unsafe { Packages::from_raw(&opened.provider, array, count) };
    checks.push(match (count, array.is_null()) {
        (0, true) => pass(CheckId::EnumerateArray, "count 0 and a null array"),
        (0, false) => fail(CheckId::EnumerateArray, "count 0 and a non-null array"),
        (n, true) => fail(CheckId::EnumerateArray, format!("count {n} and a null array")),
        (_, false) => match &buffer {
            Err(error) => fail(CheckId::EnumerateArray, error.to_string()),
            Ok(_) => pass(CheckId::EnumerateArray, format!("count {count} and a non-null array")),
        },
    });
    let unreadable = buffer.is_err();
    let records: Vec<Record> = match buffer {
        Ok(packages) => {
            let records = packages.iter().map(Record::read).collect();
            frees.record("the EnumerateSecurityPackagesW array", packages.close());
            records
        }
        Err(_) => Vec::new(),
    };
    if records.is_empty() {
        let why = if unreadable {
            "no array to read (see enumerate-array)"
        } else {
            "no package listed (see enumerate-count)"
        };
        checks.extend(Probe::Enumerate.checks().skip(3).map(|c| Check::not_run(c, why)));
        return checks;
    }
    checks.extend(record_checks(&records));
    checks
}

fn record_checks(records: &[Record]) -> Vec<Check> {
    let n = records.len();
    let labelled = || records.iter().enumerate().map(|(i, r)| (r.label(i), r));

    let mut problems = Vec::new();
    for (i, r) in records.iter().enumerate() {
        match &r.name {
            None => problems.push(format!("package #{i}: null Name")),
            Some(units) if units.is_empty() => problems.push(format!("package #{i}: empty Name")),
            Some(units) => {
                if String::from_utf16(units).is_err() {
                    problems.push(format!("package #{i}: Name {} is not valid UTF-16 ({units:04x?})", r.label(i)));
                }
            }
        }
    }
    let names: Vec<String> = labelled().map(|(l, _)| l).collect();
    let name_check = verdict(CheckId::PackageName, problems, names.join(", "));

    let mut problems = Vec::new();
    for (label, r) in labelled() {
        match &r.comment {
            None => problems.push(format!("{label}: null Comment")),
            Some(units) if String::from_utf16(units).is_err() => {
                problems.push(format!("{label}: Comment is not valid UTF-16 ({units:04x?})"))
            }
            Some(_) => {}
        }
    }
    let comment_check = verdict(CheckId::PackageComment, problems, format!("{n} valid comments"));

    let problems = labelled().filter(|(_, r)| r.version != 1).map(|(l, r)| format!("{l}: wVersion {}", r.version));
    let version_check =
        verdict(CheckId::PackageVersion, problems.collect(), format!("wVersion 1 for all {n} packages"));

    let problems = labelled().filter_map(|(l, r)| {
        let unknown = Capabilities::from_bits_retain(r.capabilities).unknown_bits();
        (unknown != 0)
            .then(|| format!("{l}: bits {unknown:#x} outside SECPKG_FLAG_* (fCapabilities {:#x})", r.capabilities))
    });
    let caps_check = verdict(CheckId::PackageCapabilities, problems.collect(), "only SECPKG_FLAG_* bits".to_owned());

    let problems = labelled().filter(|(_, r)| r.capabilities == 0).map(|(l, _)| format!("{l}: fCapabilities 0"));
    let nonzero_check = verdict(CheckId::PackageCapabilitiesNonzero, problems.collect(), "non-zero for every package");

    let mut groups: Vec<(Vec<u16>, Vec<String>)> = Vec::new();
    for (label, r) in labelled() {
        let Some(units) = &r.name else { continue };
        let key = fold(units);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, labels)) => labels.push(label),
            None => groups.push((key, vec![label])),
        }
    }
    let problems = groups
        .iter()
        .filter(|(_, labels)| labels.len() > 1)
        .map(|(_, labels)| format!("{} listed {} times", labels.join(" and "), labels.len()));
    let unique_check = verdict(CheckId::PackageNamesUnique, problems.collect(), format!("{n} distinct names"));

    vec![
        name_check,
        comment_check,
        version_check,
        caps_check,
        nonzero_check,
        unique_check,
        schannel_alias(records),
        well_known_ids(records),
        well_known_tokens(records),
        negotiate_tokens(records),
    ]
}

/// The first record named `name`, ignoring case.
fn find<'r>(records: &'r [Record], name: &str) -> Option<&'r Record> {
    let key = fold(&name.encode_utf16().collect::<Vec<_>>());
    records.iter().find(|r| r.name.as_deref().is_some_and(|n| fold(n) == key))
}

fn schannel_alias(records: &[Record]) -> Check {
    match (find(records, SCHANNEL), find(records, UNISP)) {
        (Some(schannel), Some(unisp)) => {
            let differences: Vec<String> =
                unisp.differences(schannel).into_iter().filter(|d| !d.starts_with("Name ")).collect();
            let differences = differences.iter().map(|d| d.replace("(listed ", "(Schannel "));
            let observed = format!("\"{UNISP}\" differs from \"{SCHANNEL}\" in");
            verdict(
                CheckId::SchannelAlias,
                differences.map(|d| format!("{observed} {d}")).collect(),
                "both listed, with the same record apart from the name",
            )
        }
        (Some(_), None) => {
            pass(CheckId::SchannelAlias, format!("only \"{SCHANNEL}\" listed (Windows also lists \"{UNISP}\")"))
        }
        (None, Some(_)) => {
            pass(CheckId::SchannelAlias, format!("only \"{UNISP}\" listed (Windows also lists \"{SCHANNEL}\")"))
        }
        (None, None) => pass(CheckId::SchannelAlias, "neither listed"),
    }
}

fn well_known_ids(records: &[Record]) -> Check {
    let mut seen = Vec::new();
    let mut problems = Vec::new();
    for &(name, id, _) in WELL_KNOWN {
        let Some(r) = find(records, name) else { continue };
        if r.rpc_id == id.value() {
            seen.push(format!("{name} {}", r.rpc_id));
        } else {
            problems.push(format!("{name}: wRPCID {}, SDK id {}", id_text(r.rpc_id), id_text(id.value())));
        }
    }
    let ok = if seen.is_empty() { "no well-known package listed".to_owned() } else { seen.join(", ") };
    verdict(CheckId::PackageId, problems, ok)
}

fn well_known_tokens(records: &[Record]) -> Check {
    let mut seen = Vec::new();
    let mut problems = Vec::new();
    for &(name, _, issues_tokens) in WELL_KNOWN {
        let Some(r) = find(records, name).filter(|_| issues_tokens) else { continue };
        if r.max_token == 0 {
            problems.push(format!("{name}: cbMaxToken 0"));
        } else {
            seen.push(format!("{name} {}", r.max_token));
        }
    }
    let ok = if seen.is_empty() { "no well-known token-issuing package listed".to_owned() } else { seen.join(", ") };
    verdict(CheckId::PackageMaxToken, problems, ok)
}

/// What a raw `QuerySecurityPackageInfoW` gave.
enum Answer {
    /// `SEC_E_OK` and a record (copied; the buffer was freed).
    Record(Record),
    /// `SEC_E_OK` but no record: the out-pointer is null or was not written.
    NoRecord,
    /// `SEC_E_OK` and a record pointer that cannot be read (misaligned): why. It was freed.
    Invalid(String),
    /// A failure status, and the out-pointer as the provider left it (not trusted, not freed).
    Failed { status: Status, out: usize },
}

impl Answer {
    fn text(&self) -> String {
        match self {
            Answer::Record(_) => "SEC_E_OK and a record".to_owned(),
            Answer::NoRecord => "SEC_E_OK without a record".to_owned(),
            Answer::Invalid(fault) => format!("SEC_E_OK and {fault}"),
            Answer::Failed { status, .. } => status_text(*status),
        }
    }
}

/// Queries `name` (UTF-16, without NUL) with the out-pointer preset to the sentinel. The raw
/// call, since the checks need the status, the out-pointer and the free status separately.
fn query_raw(opened: &Opened, name: &[u16], frees: &mut Frees) -> Answer {
    let mut wide: Vec<u16> = name.iter().copied().chain([0]).collect();
    let mut out = sentinel();
    let status = opened.provider.with_raw_functions(|raw| {
        let query = raw.query_security_package_info.expect("the query probes check for the function first");
        // SAFETY: inside with_raw_functions (the provider's lock); `wide` is NUL-terminated and
        // outlives the call; `out` is valid for a write. The provider writes a record pointer
        // there on success only (what query-unknown-out checks).
        unsafe { query(wide.as_mut_ptr(), &mut out) }
    });
    if status != SEC_E_OK {
        return Answer::Failed { status: Status::from_value(status), out: out.addr() };
    }
    if out.is_null() || out.addr() == SENTINEL {
        return Answer::NoRecord;
    }
    // SAFETY: on success `out` points to one record allocated for the provider's
    // FreeContextBuffer, which `close` calls exactly once (obligations 2 and 3 of Provider); the
    // call has returned, and `out` is not used again.
    let queried = match unsafe { QueriedPackage::from_raw(&opened.provider, out) } {
        Ok(queried) => queried,
        Err(error) => return Answer::Invalid(error.to_string()),
    };
    let record = Record::read(queried.package());
    let what = format!("the QuerySecurityPackageInfoW record of {:?}", String::from_utf16_lossy(name));
    frees.record(&what, queried.close());
    Answer::Record(record)
}

/// The listed packages with a valid name, one per name ignoring case (the first), through the
/// library's own enumeration.
fn listed(opened: &Opened, frees: &mut Frees) -> Result<Vec<(String, Record)>, String> {
    let t = &opened.table;
    if !(t.enumerate && t.query && t.free) {
        return Err("the table lacks a package function (see table-functions)".into());
    }
    let packages =
        opened.provider.packages().map_err(|e| format!("cannot list the packages: {e} (see enumerate-*)"))?;
    let records: Vec<Record> = packages.iter().map(Record::read).collect();
    frees.record("the EnumerateSecurityPackagesW array", packages.close());
    let mut seen: Vec<Vec<u16>> = Vec::new();
    let mut out = Vec::new();
    for record in records {
        let Some(name) = record.valid_name() else { continue };
        let key = fold(&name.encode_utf16().collect::<Vec<_>>());
        if !seen.contains(&key) {
            seen.push(key);
            out.push((name, record));
        }
    }
    if out.is_empty() {
        return Err("no listed package has a valid name (see enumerate-*)".into());
    }
    Ok(out)
}

fn query_listed(opened: &Opened, frees: &mut Frees) -> Vec<Check> {
    let listed = match listed(opened, frees) {
        Ok(listed) => listed,
        Err(why) => return not_run(Probe::QueryListed, &why),
    };
    let mut problems = Vec::new();
    for (name, record) in &listed {
        match query_raw(opened, &name.encode_utf16().collect::<Vec<_>>(), frees) {
            Answer::Record(queried) if queried == *record => {}
            Answer::Record(queried) => problems.push(format!("{name:?}: {}", queried.differences(record).join(", "))),
            other => problems.push(format!("{name:?}: {}", other.text())),
        }
    }
    let ok = format!("the listed record for each of the {} names", listed.len());
    vec![verdict(CheckId::QueryListed, problems, ok)]
}

fn query_case(opened: &Opened, frees: &mut Frees) -> Vec<Check> {
    let listed = match listed(opened, frees) {
        Ok(listed) => listed,
        Err(why) => return not_run(Probe::QueryCase, &why),
    };
    let mut problems = Vec::new();
    let mut compared = 0;
    for (name, _) in &listed {
        let mut variants = vec![recase(name, true), recase(name, false)];
        variants.retain(|v| v != name);
        variants.dedup();
        if variants.is_empty() {
            continue;
        }
        let Answer::Record(exact) = query_raw(opened, &name.encode_utf16().collect::<Vec<_>>(), frees) else {
            continue; // query-listed reports it.
        };
        for variant in variants {
            compared += 1;
            match query_raw(opened, &variant.encode_utf16().collect::<Vec<_>>(), frees) {
                Answer::Record(r) if r == exact => {}
                Answer::Record(r) => {
                    let differences = r.differences(&exact).join(", ").replace("(listed ", "(as listed: ");
                    problems.push(format!("{variant:?}: {differences}"));
                }
                other => problems.push(format!("{variant:?}: {}", other.text())),
            }
        }
    }
    if compared == 0 {
        return not_run(Probe::QueryCase, "no listed name has letters in another case that its own query found");
    }
    let ok = format!("{compared} case variants, each the record of the name as listed");
    vec![verdict(CheckId::QueryCase, problems, ok)]
}

fn has_query_functions(table: &Table) -> bool {
    table.query && table.free
}

fn query_unknown(opened: &Opened, frees: &mut Frees) -> Vec<Check> {
    if !has_query_functions(&opened.table) {
        let why = "the table lacks QuerySecurityPackageInfoW or FreeContextBuffer (see table-functions)";
        return not_run(Probe::QueryUnknown, why);
    }
    let answer = query_raw(opened, &UNKNOWN_NAME.encode_utf16().collect::<Vec<_>>(), frees);
    let status_check = match &answer {
        Answer::Failed { status, .. } if status.value() == SEC_E_SECPKG_NOT_FOUND => {
            pass(CheckId::QueryUnknownStatus, format!("{UNKNOWN_NAME:?}: {}", answer.text()))
        }
        // Another failure status is only not what Windows returns; success for a name no
        // package has is harm: the caller takes whatever came back for that package's record.
        failed @ Answer::Failed { .. } => {
            fail(CheckId::QueryUnknownStatus, format!("{UNKNOWN_NAME:?}: {}", failed.text()))
        }
        succeeded => {
            Check::new(CheckId::QueryUnknownStatus, Verdict::Fail, format!("{UNKNOWN_NAME:?}: {}", succeeded.text()))
        }
    };
    let out_check = match answer {
        Answer::Failed { out: SENTINEL, .. } => {
            pass(CheckId::QueryUnknownOut, format!("left untouched (still {SENTINEL:#x})"))
        }
        Answer::Failed { out, .. } => {
            fail(CheckId::QueryUnknownOut, format!("overwritten: {SENTINEL:#x} became {out:#x}"))
        }
        _ => Check::not_run(CheckId::QueryUnknownOut, "the query did not fail (see query-unknown-status)"),
    };
    vec![status_check, out_check]
}

fn query_empty(opened: &Opened, frees: &mut Frees) -> Vec<Check> {
    if !has_query_functions(&opened.table) {
        let why = "the table lacks QuerySecurityPackageInfoW or FreeContextBuffer (see table-functions)";
        return not_run(Probe::QueryEmpty, why);
    }
    vec![match query_raw(opened, &[], frees) {
        answer @ Answer::Failed { out, .. } => {
            let out = if out == SENTINEL { "out-pointer untouched" } else { "out-pointer overwritten" };
            pass(CheckId::QueryEmptyName, format!("{}, {out}", answer.text()))
        }
        Answer::Record(r) => {
            fail(CheckId::QueryEmptyName, format!("SEC_E_OK and the record of {} (freed)", r.label(0)))
        }
        answer @ (Answer::NoRecord | Answer::Invalid(_)) => fail(CheckId::QueryEmptyName, answer.text()),
    }]
}

/// A Negotiate client allocates Negotiate's `cbMaxToken`, and gets the token of the package it
/// negotiated inside SPNEGO's wrapping (RFC 4178: the mechanism's token is an OCTET STRING in a
/// NegTokenInit or NegTokenResp): a figure no larger than that package's leaves no room for the
/// wrapping of its largest token, which is then truncated. A FAIL: harm, from documented framing.
fn negotiate_tokens(records: &[Record]) -> Check {
    let Some(negotiate) = find(records, "Negotiate") else {
        return pass(CheckId::NegotiateMaxToken, "Negotiate not listed");
    };
    let negotiated: Vec<(&str, u32)> =
        NEGOTIATED.iter().filter_map(|&name| find(records, name).map(|r| (name, r.max_token))).collect();
    if negotiated.is_empty() {
        return pass(
            CheckId::NegotiateMaxToken,
            format!("Negotiate {}, and none of {} listed", negotiate.max_token, NEGOTIATED.join(", ")),
        );
    }
    let ours = negotiate.max_token;
    let problems = negotiated
        .iter()
        .filter(|&&(_, max_token)| ours <= max_token)
        .map(|&(name, max_token)| match ours.cmp(&max_token) {
            std::cmp::Ordering::Equal => format!("Negotiate {ours} = {name} {max_token}, no room for SPNEGO"),
            _ => format!("Negotiate {ours} < {name} {max_token}"),
        })
        .collect();
    let others: Vec<String> = negotiated.iter().map(|(name, max_token)| format!("{name} {max_token}")).collect();
    verdict(CheckId::NegotiateMaxToken, problems, format!("Negotiate {ours} > {}", others.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_variants_keep_their_length() {
        assert_eq!(recase("Negotiate", true), "NEGOTIATE");
        assert_eq!(recase("Negotiate", false), "negotiate");
        assert_eq!(recase("straße", true), "STRAßE"); // 'ß' uppercases to "SS": left alone
        assert_eq!(recase("İx", false), "İx"); // 'İ' lowercases to two chars: left alone
        assert_eq!(fold(&"nTlm".encode_utf16().collect::<Vec<_>>()), "NTLM".encode_utf16().collect::<Vec<_>>());
        assert_eq!(fold(&[0xD800, 0x61]), [0xD800, 0x41]);
    }

    #[test]
    fn record_differences_name_each_field() {
        let a = Record {
            capabilities: 1,
            version: 1,
            rpc_id: 9,
            max_token: 10,
            name: Some("A".encode_utf16().collect()),
            comment: None,
        };
        let b = Record { max_token: 11, comment: Some(vec![0x41]), ..a.clone() };
        assert_eq!(b.differences(&a), ["cbMaxToken 11 (listed 10)", "Comment \"A\" (listed null)"]);
        assert!(a.differences(&a).is_empty());
    }
}
