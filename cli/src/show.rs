//! `secpkg show NAME`: one package in detail; with `--gssapi` (or when there is no SSPI provider,
//! on Unix), one GSSAPI mechanism.

use crate::table::{Align, Table};
use crate::{Context, Exit, Failure, Output, Source, json, text};
use secpkg::{PackageInfo, Provider};
use std::ffi::OsString;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The package's name, in any letter case (as Windows matches package names); with
    /// --gssapi, the mechanism's name or SASL name in any letter case, or its OID
    #[arg(value_name = "NAME")]
    name: OsString,
    /// Find NAME among the host's GSSAPI mechanisms instead (Unix)
    #[arg(long)]
    pub gssapi: bool,
}

pub fn run(args: &Args, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    // Taken as an OsString so a name that is not Unicode gets this message, not clap's.
    let Some(name) = args.name.to_str() else {
        // Debug shows the bytes (or UTF-16 units) that are not Unicode as escapes.
        let shown = format!("{:?}", args.name);
        let shown = match shown.char_indices().nth(200) {
            Some((end, _)) => format!("{}…", &shown[..end]),
            None => shown,
        };
        return Err(Failure::usage(format!("the package name {shown} is not valid Unicode, so no package has it")));
    };
    match context.source()? {
        Source::Sspi(provider) => sspi(&provider, name, context, out),
        #[cfg(all(unix, feature = "gssapi"))]
        Source::Gssapi(gssapi) => crate::gssapi::show(&gssapi, name, context.json(), out),
    }
}

fn sspi(provider: &Provider, name: &str, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let info = find(provider, name)?;
    if context.json() {
        json::write(out, &json::Package::from(&info))?;
    } else {
        write_text(&info, &provider.origin().display().to_string(), out)?;
    }
    Ok(Exit::Success)
}

/// The package `name`, as the provider's `QuerySecurityPackageInfoW` finds it; if it finds
/// none, the one listed package whose name equals `name` ignoring case, since Windows matches
/// package names that way and some providers (WinPR) do not.
fn find(provider: &Provider, name: &str) -> Result<PackageInfo, Failure> {
    let not_found = match provider.query(name) {
        Err(secpkg::Error::NotFound { name }) => Failure::NotFound { name },
        result => return Ok(result?),
    };
    // The query's answer stands if the list cannot be read.
    let Ok(packages) = provider.packages() else {
        return Err(not_found);
    };
    let wanted = name.to_lowercase();
    let matches: Vec<_> = packages.iter().filter(|p| p.name().to_string_lossy().to_lowercase() == wanted).collect();
    match matches.as_slice() {
        [] => Err(not_found),
        [package] => Ok(package.to_info()?),
        several => {
            let names: Vec<String> = several.iter().map(|p| format!("'{}'", p.name())).collect();
            // Still no package of that exact name, so still status 1, with the candidates named.
            Err(Failure::Ambiguous(format!(
                "{}; ignoring case, several packages match: {}",
                crate::failure::not_found_message(name),
                names.join(", ")
            )))
        }
    }
}

fn write_text(info: &PackageInfo, origin: &str, out: &mut Output<'_>) -> Result<(), Failure> {
    let mut fields = Table::headless(&[Align::Left, Align::Left]);
    let bits = info.capabilities.bits();
    let known = info.capabilities.iter().len();
    let unknown = text::unknown_bits(info.capabilities.unknown_bits()).count();
    let mut count = format!("{known} flag{}", if known == 1 { "" } else { "s" });
    if unknown > 0 {
        count.push_str(&format!(" and {unknown} unknown bit{}", if unknown == 1 { "" } else { "s" }));
    }
    fields.row(vec!["name".into(), info.name.clone()]);
    fields.row(vec!["comment".into(), info.comment.clone()]);
    fields.row(vec!["id".into(), text::package_id(info.rpc_id)]);
    fields.row(vec!["version".into(), info.version.to_string()]);
    fields.row(vec!["max token".into(), format!("{} bytes", info.max_token)]);
    fields.row(vec!["provider".into(), origin.to_owned()]);
    fields.row(vec!["capabilities".into(), format!("{}: {count}", text::hex(bits))]);
    fields.write(out, 0)?;

    let mut flags = Table::headless(&[Align::Left, Align::Left, Align::Left]);
    for flag in info.capabilities.iter() {
        flags.row(vec![text::hex(flag.bits()), flag.name().to_owned(), flag.doc().to_owned()]);
    }
    for bit in text::unknown_bits(info.capabilities.unknown_bits()) {
        flags.row(vec![
            text::hex(bit),
            "(unknown)".to_owned(),
            "A bit that is no SECPKG_FLAG_ secpkg knows.".to_owned(),
        ]);
    }
    flags.write(out, 2)?;
    Ok(())
}
