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
    // Matched as Windows matches names: exactly, else the one listed package equal to it
    // ignoring case (the library does it, whatever the provider's own matching).
    let info = provider.query(name)?;
    if context.json() {
        json::write(out, &json::Package::from(&info))?;
    } else {
        write_text(&info, &provider.origin().display().to_string(), out)?;
    }
    Ok(Exit::Success)
}

fn write_text(info: &PackageInfo, origin: &str, out: &mut Output<'_>) -> Result<(), Failure> {
    let mut fields = Table::headless(&[Align::Left, Align::Left]);
    let bits = info.capabilities.bits();
    let known = info.capabilities.flags().len();
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
    for flag in info.capabilities.flags() {
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
