//! `secpkg audit --baseline FILE`: what changed since `secpkg list --json > FILE`.
//!
//! Packages are matched by name, exactly: letter case matters, so a package renamed from `NTLM`
//! to `Ntlm` is reported as one removed and one added. A name listed several times is matched
//! occurrence by occurrence. The order of the list does not matter, nor does the provider's
//! origin (a baseline from another machine or path compares as well).

use crate::json;
use crate::{Context, Exit, Failure, Output, text};
use secpkg::{Capabilities, PackageId};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The baseline: the output of `secpkg list --json` (or of `show --json`, one package); `-`
    /// reads it from standard input
    #[arg(long, value_name = "FILE")]
    baseline: PathBuf,
}

/// `secpkg audit --json`.
#[derive(Debug, Default, Serialize)]
struct Report {
    /// Whether the packages are those of the baseline.
    equal: bool,
    /// Packages listed now and not in the baseline, in the provider's order.
    added: Vec<json::Package>,
    /// Packages of the baseline not listed now, in the baseline's order.
    removed: Vec<json::Package>,
    /// Packages in both that differ, in the baseline's order.
    changed: Vec<Changed>,
}

#[derive(Debug, Serialize)]
struct Changed {
    name: String,
    fields: Vec<FieldChange>,
}

/// One field that differs: a PACKAGE field's name, and its baseline and current JSON values.
#[derive(Debug, Serialize)]
struct FieldChange {
    field: &'static str,
    old: Value,
    new: Value,
}

pub fn run(args: &Args, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let from_stdin = args.baseline.as_os_str() == "-";
    let shown = if from_stdin { "from standard input".to_owned() } else { args.baseline.display().to_string() };
    let baseline = read_baseline(&args.baseline, from_stdin, &shown)?;
    let provider = context.provider()?;
    let current: Vec<json::Package> = provider.packages()?.into_vec()?.iter().map(json::Package::from).collect();
    let report = compare(&baseline, &current);

    if context.json() {
        json::write(out, &report)?;
    } else {
        write_text(&report, &shown, current.len(), out)?;
    }
    Ok(if report.equal { Exit::Success } else { Exit::Differences })
}

/// The baseline's packages, parsed and checked ([`json::baseline_packages`]); every problem is
/// one line naming the file (`shown`).
fn read_baseline(path: &Path, from_stdin: bool, shown: &str) -> Result<Vec<json::Package>, Failure> {
    let mut bytes = Vec::new();
    let read = if from_stdin {
        std::io::stdin().lock().read_to_end(&mut bytes).map(drop)
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    read.map_err(|e| Failure::usage(format!("cannot read the baseline {shown}: {e}")))?;
    json::baseline_packages(&bytes).map_err(|problem| Failure::usage(format!("the baseline {shown} {problem}")))
}

/// Each package keyed by its name and which occurrence of that name it is.
fn keyed(packages: &[json::Package]) -> Vec<((&str, usize), &json::Package)> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    packages
        .iter()
        .map(|package| {
            let count = seen.entry(&package.name).or_default();
            *count += 1;
            ((package.name.as_str(), *count), package)
        })
        .collect()
}

fn compare(baseline: &[json::Package], current: &[json::Package]) -> Report {
    let old = keyed(baseline);
    let new = keyed(current);
    let old_map: HashMap<_, _> = old.iter().copied().collect();
    let new_map: HashMap<_, _> = new.iter().copied().collect();
    let mut report = Report::default();
    for (key, before) in &old {
        match new_map.get(key) {
            None => report.removed.push((*before).clone()),
            Some(after) => {
                let fields = changes(before, after);
                if !fields.is_empty() {
                    report.changed.push(Changed { name: before.name.clone(), fields });
                }
            }
        }
    }
    report.added = new.iter().filter(|(key, _)| !old_map.contains_key(key)).map(|(_, p)| (*p).clone()).collect();
    report.equal = report.added.is_empty() && report.removed.is_empty() && report.changed.is_empty();
    report
}

/// The fields that differ. The capability fields of a checked package all follow from
/// `capability_bits`, so that one stands for the three.
fn changes(old: &json::Package, new: &json::Package) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let mut field = |field, differ: bool, old: Value, new: Value| {
        if differ {
            fields.push(FieldChange { field, old, new });
        }
    };
    field("comment", old.comment != new.comment, old.comment.clone().into(), new.comment.clone().into());
    field("version", old.version != new.version, old.version.into(), new.version.into());
    field("rpc_id", old.rpc_id != new.rpc_id, old.rpc_id.into(), new.rpc_id.into());
    field("max_token", old.max_token != new.max_token, old.max_token.into(), new.max_token.into());
    field(
        "capability_bits",
        old.capability_bits != new.capability_bits,
        old.capability_bits.into(),
        new.capability_bits.into(),
    );
    fields
}

fn write_text(report: &Report, shown: &str, now: usize, out: &mut Output<'_>) -> Result<(), Failure> {
    for package in &report.removed {
        writeln!(out, "removed  {}", text::clean(&package.name))?;
    }
    for package in &report.added {
        writeln!(out, "added    {}", text::clean(&package.name))?;
    }
    for changed in &report.changed {
        for field in &changed.fields {
            writeln!(out, "changed  {}: {} {}", text::clean(&changed.name), field.field, describe(field))?;
        }
    }
    if report.equal {
        let s = if now == 1 { "" } else { "s" };
        writeln!(out, "no differences from the baseline {shown} ({now} package{s})")?;
    } else {
        let (added, removed, changed) = (report.added.len(), report.removed.len(), report.changed.len());
        let total = added + removed + changed;
        let s = if total == 1 { "" } else { "s" };
        writeln!(
            out,
            "{total} package{s} differ from the baseline {shown}: {added} added, {removed} removed, {changed} changed"
        )?;
    }
    Ok(())
}

/// `old → new`, each spelled for reading: strings quoted and escaped, ids named, capability
/// bits in hex with the flags gained and lost.
fn describe(change: &FieldChange) -> String {
    let (old, new) = (&change.old, &change.new);
    match change.field {
        "rpc_id" => {
            let id = |v: &Value| text::package_id(PackageId::from_value(v.as_u64().unwrap_or(0) as u16));
            format!("{} → {}", id(old), id(new))
        }
        "capability_bits" => {
            let bits = |v: &Value| v.as_u64().unwrap_or(0) as u32;
            let (old, new) = (bits(old), bits(new));
            let gained = Capabilities::from_bits_retain(new & !old);
            let lost = Capabilities::from_bits_retain(old & !new);
            let mut delta: Vec<String> = lost.flags().map(|f| format!("-{}", f.name())).collect();
            delta.extend(text::unknown_bits(lost.unknown_bits()).map(|b| format!("-{}", text::hex(b))));
            delta.extend(gained.flags().map(|f| format!("+{}", f.name())));
            delta.extend(text::unknown_bits(gained.unknown_bits()).map(|b| format!("+{}", text::hex(b))));
            format!("{} → {} ({})", text::hex(old), text::hex(new), delta.join(" "))
        }
        // Debug quoting escapes control characters, so the line stays one line.
        _ => match (old, new) {
            (Value::String(old), Value::String(new)) => format!("{old:?} → {new:?}"),
            _ => format!("{old} → {new}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, max_token: u32, bits: u32) -> json::Package {
        let set = Capabilities::from_bits_retain(bits);
        json::Package {
            name: name.into(),
            comment: "c".into(),
            version: 1,
            rpc_id: 16,
            max_token,
            capabilities: json::capability_names(set),
            capability_bits: bits,
            unknown_capability_bits: set.unknown_bits(),
        }
    }

    #[test]
    fn equal_lists_in_any_order() {
        let a = [package("A", 1, 3), package("B", 2, 1)];
        let b = [package("B", 2, 1), package("A", 1, 3)];
        assert!(compare(&a, &b).equal);
    }

    #[test]
    fn added_removed_changed_and_case() {
        let old = [package("A", 1, 3), package("B", 2, 1), package("NTLM", 3, 0)];
        let new = [package("A", 9, 0x0400_0001), package("C", 2, 1), package("Ntlm", 3, 0)];
        let report = compare(&old, &new);
        let names = |v: &[json::Package]| v.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&report.removed), ["B", "NTLM"]);
        assert_eq!(names(&report.added), ["C", "Ntlm"]);
        assert_eq!(report.changed.len(), 1);
        let fields: Vec<_> = report.changed[0].fields.iter().map(|f| (f.field, describe(f))).collect();
        assert_eq!(
            fields,
            [
                ("max_token", "1 → 9".to_owned()),
                ("capability_bits", "0x00000003 → 0x04000001 (-PRIVACY +0x04000000)".to_owned())
            ]
        );
    }

    #[test]
    fn duplicate_names_match_by_occurrence() {
        let old = [package("A", 1, 0), package("A", 2, 0)];
        let new = [package("A", 1, 0)];
        let report = compare(&old, &new);
        assert_eq!(report.removed.len(), 1);
        assert_eq!(report.removed[0].max_token, 2);
    }
}
