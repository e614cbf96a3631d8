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
    /// prints them, in any letter case, comma-separated; the option may be repeated). Exit
    /// status 1 when no package has them all
    #[arg(long, value_name = "CAPABILITY,...", value_delimiter = ',', value_parser = capability)]
    require: Vec<Capability>,
    /// List the host's GSSAPI mechanisms instead (Unix)
    #[arg(long)]
    pub gssapi: bool,
}

impl Args {
    /// Whether `--require` was given: an empty result is then a filter's, not the provider's.
    pub fn filtered(&self) -> bool {
        !self.require.is_empty()
    }

    /// Whether `--long` was given.
    // Only `secpkg gssapi` (Unix) asks; `list` reads the field itself.
    #[cfg_attr(not(unix), allow(dead_code))]
    pub fn long(&self) -> bool {
        self.long
    }

    /// The capabilities a listed package must have, all of them; empty for every package.
    pub fn required(&self) -> Capabilities {
        self.require.iter().copied().collect()
    }

    /// The names `--require` gave, as `secpkg caps` prints them, for the message that no
    /// package has them all.
    fn required_names(&self) -> String {
        self.require.iter().map(|flag| flag.name()).collect::<Vec<_>>().join(", ")
    }
}

/// One name of `--require`: a flag name as `secpkg caps` prints it (`INTEGRITY`), or with the
/// SDK's prefix (`SECPKG_FLAG_INTEGRITY`). Package names match in any letter case, so these do
/// too, and the spaces of a list written `"INTEGRITY, PRIVACY"` are no part of a name: the
/// name is trimmed and upper-cased (ASCII: every flag name is) before it is parsed.
pub(crate) fn capability(name: &str) -> Result<Capability, String> {
    let normal = name.trim().to_ascii_uppercase();
    if normal.is_empty() {
        return Err("empty capability flag name (`secpkg caps` lists the names)".to_owned());
    }
    normal
        .parse::<Capability>()
        .map_err(|_| format!("unknown capability flag name '{}' (`secpkg caps` lists the names)", name.trim()))
}

/// When `--require` left no package: status 1 with a line saying which capabilities no package
/// had together (a table of nothing but its header would look like a provider without packages).
pub fn nothing_matched(args: &Args, listed: usize) -> Failure {
    let s = if listed == 1 { "" } else { "s" };
    Failure::NoMatch(format!(
        "none of the {listed} package{s} has every capability --require names ({})",
        args.required_names()
    ))
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
        Source::Gssapi(gssapi) => crate::gssapi::list(&gssapi, args, context.json(), out),
    }
}

fn sspi(args: &Args, context: &Context, provider: &Provider, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let packages = provider.packages()?;
    let required = args.required();
    if context.json() {
        // Strict: a name or comment that is not valid UTF-16 cannot be written exactly, and is
        // an error rather than a silently altered string.
        let packages = packages.into_vec()?;
        let listed = packages.len();
        let list = json::PackageList {
            provider: provider.origin().display().to_string(),
            packages: packages
                .iter()
                .filter(|package| package.capabilities.contains(required))
                .map(json::Package::from)
                .collect(),
        };
        // The document is printed all the same: an empty list is an answer a script can read.
        json::write(out, &list)?;
        if list.packages.is_empty() && args.filtered() {
            return Err(nothing_matched(args, listed));
        }
        return Ok(Exit::Success);
    }
    // Text is for people: an invalid string is shown with U+FFFD rather than refused.
    let listed = packages.len();
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
    if rows.is_empty() && args.filtered() {
        return Err(nothing_matched(args, listed));
    }
    write_rows(rows, args.long, out)?;
    Ok(Exit::Success)
}

/// The widest line `list --long` writes for a package's capability names, in terminal cells.
const LONG_WIDTH: usize = 100;

/// The table: NAME, ID, MAX TOKEN, VERSION, then CAPABILITIES (the summary); with `long`,
/// COMMENT instead, and under each row its capability bits and every name, wrapped to lines of
/// at most [`LONG_WIDTH`] cells (one row of every name ran to some 250 columns).
pub fn write_rows(rows: Vec<Row>, long: bool, out: &mut Output<'_>) -> Result<(), Failure> {
    let mut columns =
        vec![("NAME", Align::Left), ("ID", Align::Left), ("MAX TOKEN", Align::Right), ("VERSION", Align::Right)];
    columns.push(if long { ("COMMENT", Align::Left) } else { ("CAPABILITIES", Align::Left) });
    let ids = aligned_ids(rows.iter().map(|row| row.id.as_str()));
    let mut table = Table::new(&columns);
    for (row, id) in rows.into_iter().zip(ids) {
        let mut cells = vec![row.name, id, row.max_token, row.version];
        if long {
            cells.push(row.comment);
            let bits = row.summary.split(' ').next().unwrap_or_default();
            let names = if row.names == "-" { "no capability flag" } else { &row.names };
            table.row_with_notes(cells, wrap(&format!("{bits}: {names}"), LONG_WIDTH - LONG_INDENT));
        } else {
            cells.push(row.summary);
            table.row(cells);
        }
    }
    table.write(out, 0)?;
    Ok(())
}

/// How far `list --long` indents the lines under a row.
const LONG_INDENT: usize = 4;

/// `words` broken at spaces into lines of at most `width` characters (a longer word has a line
/// of its own), each indented by [`LONG_INDENT`].
fn wrap(words: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words.split(' ') {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.into_iter().map(|line| format!("{}{line}", " ".repeat(LONG_INDENT))).collect()
}

/// The ID cells with the number and the SDK name aligned apart (`9 GSS_NEGOTIATE` under
/// `10 WINNT` as ` 9 GSS_NEGOTIATE`), so the names line up.
fn aligned_ids<'a>(ids: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
    let split = |id: &'a str| id.split_once(' ').unwrap_or((id, ""));
    let width = ids.clone().map(|id| split(id).0.len()).max().unwrap_or(0);
    ids.map(|id| match split(id) {
        (number, "") => format!("{number:>width$}"),
        (number, name) => format!("{number:>width$} {name}"),
    })
    .collect()
}
