//! `secpkg list`: every package of the provider, one a row; with `--gssapi` (or when there is no
//! SSPI provider, on Unix), every GSSAPI mechanism.

use crate::table::{Align, Table};
use crate::{Context, Exit, Failure, Output, Source, json, text};
use secpkg::{Capabilities, Capability, Provider};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Add each package's comment and every capability name (JSON always has them)
    #[arg(short, long)]
    long: bool,
    /// Only the packages that have every one of these capabilities (names as `secpkg caps`
    /// prints them, comma-separated; the option may be repeated)
    #[arg(long, value_name = "CAPABILITY,...", value_delimiter = ',', value_parser = capability)]
    require: Vec<Capability>,
}

impl Args {
    /// The capabilities a listed package must have, all of them; empty for every package.
    fn required(&self) -> Capabilities {
        self.require.iter().copied().collect()
    }
}

/// One name of `--require`: a flag name as `secpkg caps` prints it (`INTEGRITY`), or with the
/// SDK's prefix (`SECPKG_FLAG_INTEGRITY`).
fn capability(name: &str) -> Result<Capability, String> {
    name.parse::<Capability>().map_err(|error| format!("{error} (`secpkg caps` lists the names)"))
}

/// One row, copied out of the provider's buffer so the buffer is freed (and a failure to free
/// reported) before anything is printed; each cell as printed.
pub struct Row {
    pub name: String,
    pub id: String,
    pub max_token: String,
    pub version: String,
    pub summary: String,
    pub comment: String,
    pub names: String,
}

pub fn run(args: &Args, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    match context.source()? {
        Source::Sspi(provider) => sspi(args, context, &provider, out),
        #[cfg(all(unix, feature = "gssapi"))]
        Source::Gssapi(gssapi) => crate::gssapi::list(&gssapi, args.long, args.required(), context.json(), out),
    }
}

fn sspi(args: &Args, context: &Context, provider: &Provider, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let packages = provider.packages()?;
    let required = args.required();
    if context.json() {
        // Strict: a name or comment that is not valid UTF-16 cannot be written exactly, and is
        // an error rather than a silently altered string.
        let packages = packages.into_vec()?;
        let list = json::PackageList {
            provider: provider.origin().display().to_string(),
            packages: packages
                .iter()
                .filter(|package| package.capabilities.contains(required))
                .map(json::Package::from)
                .collect(),
        };
        json::write(out, &list)?;
        return Ok(Exit::Success);
    }
    // Text is for people: an invalid string is shown with U+FFFD rather than refused.
    let rows: Vec<Row> = packages
        .iter()
        .filter(|package| package.capabilities().contains(required))
        .map(|package| Row {
            name: package.name().to_string_lossy(),
            id: text::package_id(package.rpc_id()),
            max_token: package.max_token().to_string(),
            version: package.version().to_string(),
            summary: text::capability_summary(package.capabilities()),
            comment: package.comment().to_string_lossy(),
            names: text::capability_names(package.capabilities()),
        })
        .collect();
    packages.close()?;
    write_rows(rows, args.long, out)?;
    Ok(Exit::Success)
}

/// The table: NAME, ID, MAX TOKEN, VERSION, then CAPABILITIES (the summary), or with `long`
/// COMMENT and CAPABILITIES (every name).
pub fn write_rows(rows: Vec<Row>, long: bool, out: &mut Output<'_>) -> Result<(), Failure> {
    let mut columns =
        vec![("NAME", Align::Left), ("ID", Align::Left), ("MAX TOKEN", Align::Right), ("VERSION", Align::Right)];
    if long {
        columns.extend([("COMMENT", Align::Left), ("CAPABILITIES", Align::Left)]);
    } else {
        columns.push(("CAPABILITIES", Align::Left));
    }
    let mut table = Table::new(&columns);
    for row in rows {
        let mut cells = vec![row.name, row.id, row.max_token, row.version];
        if long {
            cells.extend([row.comment, row.names]);
        } else {
            cells.push(row.summary);
        }
        table.row(cells);
    }
    table.write(out, 0)?;
    Ok(())
}
