//! `--gssapi`, and `list` and `show` when there is no SSPI provider: the host's GSSAPI mechanisms
//! (`secpkg::gssapi`) in the table and JSON of the SSPI packages. A mechanism's name is its
//! short name, else its SASL name, else its OID; its id is that of the SSPI package of the same
//! protocol, if any; it has no version and no maximum token size (GSSAPI has no static one), so
//! those are `-` in text and null in JSON; its capabilities are those its RFC 5587 attributes
//! map to (`secpkg caps --gssapi`).

use crate::list::Row;
use crate::table::{Align, Table};
use crate::{Exit, Failure, Output, json, text};
use secpkg::Capabilities;
use secpkg::gssapi::{ATTRIBUTE_CAPABILITIES, Gssapi, Mechanism, UNMAPPED_ATTRIBUTES};
use std::io::{self, Write};

/// The library `SECPKG_GSSAPI_LIB` names, else MIT's, else Heimdal's.
pub fn open() -> Result<Gssapi, Failure> {
    // SAFETY: the command is where the user may name the GSSAPI library in the environment;
    // from_env ignores it in a privileged process.
    Ok(unsafe { Gssapi::from_env() }?)
}

/// What to do for the SSPI packages when there is no provider; `audit`, which has no fallback,
/// says the same in its error (the library's `Error::NoProvider`).
const WINPR_HINT: &str = "install FreeRDP's WinPR (Debian: apt install libwinpr2-2), \
                          or set SECPKG_PROVIDER to a library that exports InitSecurityInterfaceW";

/// The GSSAPI library `list` and `show` fall back on when no SSPI provider was asked for and none
/// was found (`no_provider`), saying so in one line on stderr; status 2 when there is none either.
pub fn fallback(no_provider: secpkg::Error) -> Result<Gssapi, Failure> {
    match open() {
        Ok(gssapi) => {
            let note = format!(
                "no SSPI provider found (SECPKG_PROVIDER is not set and WinPR was not found: {WINPR_HINT}); \
                 using the GSSAPI mechanisms of {} instead (--gssapi asks for them)",
                gssapi.library_name()
            );
            // A failure to write a note is no reason to fail the command.
            let _ = writeln!(io::stderr().lock(), "secpkg: {}", text::clean(&note));
            Ok(gssapi)
        }
        Err(Failure::Error(why)) => {
            Err(Failure::Error(format!("{no_provider}; and no GSSAPI library to fall back on: {why}")))
        }
        Err(other) => Err(other),
    }
}

/// The JSON `provider` of a GSSAPI library: `gssapi:libgssapi_krb5.so.2`.
pub fn origin(gssapi: &Gssapi) -> String {
    format!("gssapi:{}", gssapi.library_name())
}

/// A mechanism's name: its short name (`krb5`), else its SASL name (`GS2-KRB5`), else its OID.
pub fn name(mechanism: &Mechanism) -> &str {
    mechanism.mech_name.as_deref().or(mechanism.sasl_name.as_deref()).unwrap_or(&mechanism.oid)
}

/// A mechanism as a PACKAGE.
pub fn package(mechanism: &Mechanism) -> json::GssapiPackage {
    json::GssapiPackage {
        name: name(mechanism).to_owned(),
        comment: mechanism.description.clone().unwrap_or_default(),
        version: None,
        rpc_id: mechanism.package_id.map(|id| id.value()),
        max_token: None,
        capabilities: json::capability_names(mechanism.capabilities),
        capability_bits: mechanism.capabilities.bits(),
        unknown_capability_bits: mechanism.capabilities.unknown_bits(),
        oid: mechanism.oid.clone(),
        sasl_name: mechanism.sasl_name.clone(),
        attributes: mechanism.attributes.clone(),
    }
}

/// The SSPI package id, `16 GSS_KERBEROS`, or `-` for a mechanism that has no SSPI package.
fn id(mechanism: &Mechanism) -> String {
    mechanism.package_id.map_or_else(|| "-".to_owned(), text::package_id)
}

/// `secpkg list --gssapi`: the mechanisms as the rows of `secpkg list`, only those whose
/// capabilities include every one `--require` names.
pub fn list(gssapi: &Gssapi, args: &crate::list::Args, as_json: bool, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let mut mechanisms = gssapi.mechanisms()?;
    let listed = mechanisms.len();
    let required: Capabilities = args.required();
    mechanisms.retain(|mechanism| mechanism.capabilities.contains(required));
    let nothing_matched = mechanisms.is_empty() && args.filtered();
    if as_json {
        let list =
            json::GssapiPackageList { provider: origin(gssapi), packages: mechanisms.iter().map(package).collect() };
        json::write(out, &list)?;
        return if nothing_matched { Err(crate::list::nothing_matched(args, listed)) } else { Ok(Exit::Success) };
    }
    if nothing_matched {
        return Err(crate::list::nothing_matched(args, listed));
    }
    let rows = mechanisms
        .iter()
        .map(|mechanism| Row {
            name: name(mechanism).to_owned(),
            id: id(mechanism),
            max_token: "-".to_owned(),
            version: "-".to_owned(),
            summary: text::capability_summary(mechanism.capabilities),
            comment: mechanism.description.clone().unwrap_or_default(),
            names: text::capability_names(mechanism.capabilities),
        })
        .collect();
    crate::list::write_rows(rows, args.long(), out)?;
    Ok(Exit::Success)
}

/// `secpkg show --gssapi NAME`.
pub fn show(gssapi: &Gssapi, wanted: &str, as_json: bool, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let mechanisms = gssapi.mechanisms()?;
    let mechanism = find(&mechanisms, wanted)?;
    if as_json {
        json::write(out, &package(mechanism))?;
    } else {
        write_text(mechanism, &origin(gssapi), out)?;
    }
    Ok(Exit::Success)
}

/// The mechanism whose OID is `wanted`, or whose name, short name or SASL name is `wanted` in
/// any letter case; failing that, the one whose SSPI package is (`Kerberos` finds `krb5`).
pub fn find<'a>(mechanisms: &'a [Mechanism], wanted: &str) -> Result<&'a Mechanism, Failure> {
    let folded = wanted.to_lowercase();
    let named = |name: Option<&str>| name.is_some_and(|name| name.to_lowercase() == folded);
    let by_name: Vec<&Mechanism> = mechanisms
        .iter()
        .filter(|m| {
            m.oid == wanted || named(Some(name(m))) || named(m.mech_name.as_deref()) || named(m.sasl_name.as_deref())
        })
        .collect();
    let matches = match by_name.is_empty() {
        true => mechanisms.iter().filter(|m| named(m.sspi_name)).collect(),
        false => by_name,
    };
    match matches.as_slice() {
        [] => Err(Failure::NotFound { name: wanted.to_owned() }),
        [mechanism] => Ok(mechanism),
        several => {
            let names: Vec<String> = several.iter().map(|m| format!("'{}' ({})", name(m), m.oid)).collect();
            Err(Failure::Ambiguous(format!(
                "{}; several GSSAPI mechanisms match: {}",
                crate::failure::not_found_message(wanted),
                names.join(", ")
            )))
        }
    }
}

/// The capabilities `attribute` gives, by name.
fn capabilities_of(attribute: &str) -> Vec<&'static str> {
    ATTRIBUTE_CAPABILITIES
        .iter()
        .filter(|(name, ..)| *name == attribute)
        .map(|(_, capability, _)| capability.name())
        .collect()
}

/// What an attribute gives: capability names; `-` when it is an attribute secpkg knows gives
/// none, `(unknown)` when the mapping does not know it.
fn mapping(attribute: &str) -> String {
    let capabilities = capabilities_of(attribute);
    if !capabilities.is_empty() {
        capabilities.join(" ")
    } else if UNMAPPED_ATTRIBUTES.iter().any(|(name, _)| *name == attribute) {
        "-".to_owned()
    } else {
        "(unknown)".to_owned()
    }
}

fn write_text(mechanism: &Mechanism, origin: &str, out: &mut Output<'_>) -> Result<(), Failure> {
    let capabilities = mechanism.capabilities;
    let known = capabilities.flags().len();
    let flags = if known == 1 { "flag" } else { "flags" };
    let id = match (mechanism.package_id, mechanism.sspi_name) {
        (Some(id), Some(sspi)) => format!("{} (the SSPI package {sspi})", text::package_id(id)),
        (Some(id), None) => text::package_id(id),
        (None, _) => "- (no SSPI package is this protocol)".to_owned(),
    };
    let count = mechanism.attributes.len();
    let unmapped = mechanism.attributes.iter().filter(|attribute| capabilities_of(attribute).is_empty()).count();
    // The first column of the fields, so that the attributes' line lines up with them.
    const LABEL: usize = "capabilities".len();

    let mut fields = Table::headless(&[Align::Left, Align::Left]);
    fields.row(vec!["name".into(), name(mechanism).to_owned()]);
    fields.row(vec!["comment".into(), mechanism.description.clone().unwrap_or_default()]);
    fields.row(vec!["oid".into(), mechanism.oid.clone()]);
    fields.row(vec!["sasl name".into(), mechanism.sasl_name.clone().unwrap_or_else(|| "-".to_owned())]);
    fields.row(vec!["id".into(), id]);
    fields.row(vec!["version".into(), "- (GSSAPI mechanisms have none)".into()]);
    fields.row(vec!["max token".into(), "- (GSSAPI has no static maximum token size)".into()]);
    fields.row(vec!["provider".into(), origin.to_owned()]);
    fields.row(vec!["capabilities".into(), format!("{}: {known} {flags}", text::hex(capabilities.bits()))]);
    fields.write(out, 0)?;

    let mut rows = Table::headless(&[Align::Left, Align::Left, Align::Left]);
    for flag in capabilities.flags() {
        rows.row(vec![text::hex(flag.bits()), flag.name().to_owned(), flag.doc().to_owned()]);
    }
    rows.write(out, 2)?;

    let s = if count == 1 { "" } else { "s" };
    writeln!(out, "{:<LABEL$}  {count} attribute{s}, {unmapped} without an SSPI capability", "attributes")?;
    let mut attributes = Table::headless(&[Align::Left, Align::Left]);
    for attribute in &mechanism.attributes {
        attributes.row(vec![attribute.clone(), mapping(attribute)]);
    }
    attributes.write(out, 2)?;
    Ok(())
}

/// `secpkg caps --gssapi`: which RFC 5587 attribute gives which capability, and why; then the
/// attributes that give none, and why not.
pub fn caps(as_json: bool, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let mapped = ATTRIBUTE_CAPABILITIES.iter().map(|&(attribute, capability, reason)| json::AttributeMapping {
        attribute,
        capability: Some(capability.name()),
        bit: Some(capability.bits()),
        reason,
    });
    let unmapped = UNMAPPED_ATTRIBUTES.iter().map(|&(attribute, reason)| json::AttributeMapping {
        attribute,
        capability: None,
        bit: None,
        reason,
    });
    let rows: Vec<json::AttributeMapping> = mapped.chain(unmapped).collect();
    if as_json {
        json::write(out, &json::AttributeList { attributes: rows })?;
        return Ok(Exit::Success);
    }
    let mut table = Table::new(&[("ATTRIBUTE", Align::Left), ("CAPABILITY", Align::Left), ("WHY", Align::Left)]);
    for row in rows {
        table.row(vec![row.attribute.to_owned(), row.capability.unwrap_or("-").to_owned(), row.reason.to_owned()]);
    }
    table.write(out, 0)?;
    Ok(Exit::Success)
}
