//! `secpkg conformance`: checks the provider against Windows behaviour (crate secpkg-conformance),
//! each probe in a child process (`secpkg __conformance-probe PROBE`), so that a provider that
//! crashes fails the checks of that probe instead of ending the command.

use crate::handshake::{self, Account};
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
    /// Also authenticate a client to a server of --package, as `secpkg handshake` does, and check
    /// the real tokens and contexts (the handshake-* checks), with the credentials below
    #[arg(long)]
    handshake: bool,
    #[command(flatten)]
    exchange: ExchangeArgs,
}

/// The exchange `--handshake` runs: `secpkg handshake`'s options for it.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ExchangeArgs {
    /// With --handshake: the package of client and server (default Negotiate)
    #[arg(long, value_name = "NAME")]
    package: Option<String>,
    /// With --handshake: the client's target name (pszTargetName, such as HOST/localhost)
    #[arg(long, value_name = "NAME")]
    target: Option<String>,
    #[command(flatten)]
    credentials: handshake::CredentialArgs,
}

impl ExchangeArgs {
    fn given(&self) -> bool {
        let c = &self.credentials;
        self.package.is_some()
            || self.target.is_some()
            || c.user.is_some()
            || c.sam_file.is_some()
            || c.password_file.is_some()
            || c.password_stdin
            || c.server_account
    }
}

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The probe to run: table, enumerate, query-listed, query-case, query-unknown, query-empty,
    /// ansi, ansi-query-unknown, handshake
    probe: String,
    /// The handshake probe's exchange (its password on standard input)
    #[command(flatten)]
    exchange: ExchangeArgs,
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
    if args.exchange.given() && !args.handshake {
        return Err(Failure::usage(
            "--package, --target, --user, --password-file, --password-stdin, --sam-file and --server-account are \
             for the exchange: add --handshake",
        ));
    }
    let target = target(context)?;
    // Read here, once: the handshake child gets the password on its standard input.
    let account = if args.handshake { Account::from_args(&args.exchange.credentials)? } else { None };
    let exe = std::env::current_exe()
        .map_err(|error| Failure::usage(format!("cannot find the secpkg executable to run the probes: {error}")))?;
    let mut runner = ChildProcess::new(|target: &Target, probe: Probe| {
        let mut command = Command::new(&exe);
        command.args([PROBE_COMMAND, probe.name()]);
        if let Some(path) = target.library_path() {
            command.arg("--provider").arg(path);
        }
        if probe == Probe::Handshake {
            let exchange = &args.exchange;
            if let Some(package) = &exchange.package {
                command.arg("--package").arg(package);
            }
            if let Some(name) = &exchange.target {
                command.arg("--target").arg(name);
            }
            if let Some(sam) = &exchange.credentials.sam_file {
                command.arg("--sam-file").arg(sam);
            }
            if let Some(account) = &account {
                let (user, domain) = account.user_and_domain();
                command.args(["--user", user, "--domain", domain, "--password-stdin"]);
            }
            if exchange.credentials.server_account {
                command.arg("--server-account");
            }
        }
        command
    });
    if let Some(account) = &account {
        runner = runner.stdin_for(Probe::Handshake, &account.password_line());
    }
    let report = if args.handshake {
        conformance::check_with_handshake(&target, &runner)
    } else {
        conformance::check(&target, &runner)
    };
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
    let probe = Probe::from_name(&args.probe).ok_or_else(|| {
        Failure::usage(format!("unknown probe '{}' (expected one of {names}, handshake)", args.probe))
    })?;
    let outcome = match probe {
        Probe::Handshake => handshake_probe(&args.exchange, context)?,
        _ => conformance::run_probe(&target(context)?, probe),
    };
    writeln!(out, "{}", outcome.to_json_line())?;
    Ok(Exit::Success)
}

/// The handshake probe: `secpkg handshake`'s exchange in this (child) process, judged against
/// what the provider lists here.
fn handshake_probe(args: &ExchangeArgs, context: &Context) -> Result<conformance::ProbeOutcome, Failure> {
    let account = Account::from_args(&args.credentials)?;
    let provider = context.provider()?;
    let listed = provider.packages()?.into_vec()?;
    let package = args.package.as_deref().unwrap_or("Negotiate");
    let exchange = handshake::exchange_for_conformance(
        &provider,
        &listed,
        package,
        args.target.as_deref(),
        &args.credentials,
        account.as_ref(),
    )
    // No exchange (the package is not found, no socket): handshake-complete says why, and the
    // other checks did not run.
    .unwrap_or_else(|failure| {
        let side = || conformance::ExchangeSide::new(package);
        conformance::Exchange::new(side(), side(), Some(format!("no exchange: {}", failure.message())))
    });
    Ok(conformance::handshake_outcome(Some(provider.origin().display().to_string()), &listed, &exchange))
}
