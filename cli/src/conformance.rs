//! `secpkg conformance`: checks the provider against Windows behaviour (crate secpkg-conformance),
//! each probe in a child process (`secpkg __conformance-probe PROBE`), so that a provider that
//! crashes fails the checks of that probe instead of ending the command.

use crate::{Context, Exit, Failure, Output, text};
use secpkg_conformance::{self as conformance, ChildProcess, Probe, Target};
use std::process::Command;

/// The hidden subcommand a probe child runs.
pub const PROBE_COMMAND: &str = "__conformance-probe";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print every check in full: what was observed, what Windows does, and the source
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The probe to run: table, enumerate, query-listed, query-case, query-unknown, query-empty,
    /// ansi, ansi-query-unknown
    probe: String,
}

/// The provider `--provider` names, else `SECPKG_PROVIDER`, else the system's.
fn target(context: &Context) -> Result<Target, Failure> {
    match context.provider.as_deref() {
        Some(path) if path.as_os_str().is_empty() => {
            Err(Failure::usage("--provider needs a library path, not an empty string"))
        }
        // SAFETY: the user named this library as the SSPI provider to check.
        Some(path) => Ok(unsafe { Target::library(path) }),
        // SAFETY: the command is where the user may name the provider in the environment.
        None => Ok(unsafe { Target::from_env() }),
    }
}

pub fn run(args: &Args, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let target = target(context)?;
    let exe = std::env::current_exe()
        .map_err(|error| Failure::usage(format!("cannot find the secpkg executable to run the probes: {error}")))?;
    let runner = ChildProcess::new(|target: &Target, probe: Probe| {
        let mut command = Command::new(&exe);
        command.args([PROBE_COMMAND, probe.name()]);
        if let Some(path) = target.library_path() {
            command.arg("--provider").arg(path);
        }
        command
    });
    let report = conformance::check(&target, &runner);
    // No provider to check: one line and status 2, as every other subcommand gives, not a
    // report of checks that could not run.
    if let Some(why) = &report.unavailable {
        return Err(Failure::usage(why.clone()));
    }
    if context.json() {
        out.write_all(report.to_json().as_bytes())?;
    } else {
        let text = if args.verbose { report.verbose().to_string() } else { report.to_string() };
        for line in text.lines() {
            writeln!(out, "{}", text::clean(line))?;
        }
    }
    Ok(if report.is_conformant() { Exit::Success } else { Exit::Nonconformant })
}

/// The child's side: runs one probe and prints its outcome as one JSON line.
pub fn probe(args: &ProbeArgs, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let names = Probe::ALL.map(Probe::name).join(", ");
    let probe = Probe::from_name(&args.probe)
        .ok_or_else(|| Failure::usage(format!("unknown probe '{}' (expected one of {names})", args.probe)))?;
    writeln!(out, "{}", conformance::run_probe(&target(context)?, probe).to_json_line())?;
    Ok(Exit::Success)
}
