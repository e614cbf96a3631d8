//! `secpkg caps`: every capability flag secpkg knows; with `--gssapi`, which GSSAPI mechanism
//! attribute gives which of them, and why. Needs no provider.

use crate::table::{Align, Table};
use crate::{Context, Exit, Failure, Output, json, text};
use secpkg::Capability;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which GSSAPI mechanism attribute gives which capability, and why (Unix)
    #[arg(long)]
    pub gssapi: bool,
}

pub fn run(_args: &Args, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    // The flags are secpkg's own: no provider is asked, so a named one would be silently unused.
    if let Some(path) = &context.provider {
        return Err(Failure::usage(format!(
            "caps needs no provider and loads none, so --provider {} would do nothing",
            path.display()
        )));
    }
    #[cfg(all(unix, feature = "gssapi"))]
    if context.gssapi() {
        return crate::gssapi::caps(context.json(), out);
    }
    if context.json() {
        let list = json::CapabilityList { capabilities: Capability::ALL.iter().map(|&flag| flag.into()).collect() };
        json::write(out, &list)?;
        return Ok(Exit::Success);
    }
    let mut table = Table::new(&[("BIT", Align::Left), ("NAME", Align::Left), ("DESCRIPTION", Align::Left)]);
    for flag in Capability::ALL {
        table.row(vec![text::hex(flag.bits()), flag.name().to_owned(), flag.doc().to_owned()]);
    }
    table.write(out, 0)?;
    Ok(Exit::Success)
}
