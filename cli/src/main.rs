//! `secpkg`: which security packages does this system's SSPI provider offer, and what can each do?
//!
//! Each subcommand lives in its own module with an `Args` struct (its clap arguments) and a
//! `run(&args, &Context, &mut Output) -> Result<Exit, Failure>`; adding one is one variant of
//! [`Command`] and one arm in [`run`].

mod audit;
mod caps;
mod conformance;
mod failure;
#[cfg(all(unix, feature = "gssapi"))]
mod gssapi;
mod handshake;
mod json;
mod list;
mod show;
mod table;
mod text;

use clap::{Parser, Subcommand};
use failure::Failure;
use secpkg::Provider;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Provider: --provider PATH, else the library named by SECPKG_PROVIDER (on every target), else
the system's: secur32.dll on Windows, FreeRDP's WinPR (libwinpr3.so.3, libwinpr2.so.2) elsewhere.

GSSAPI (Unix): --gssapi lists, shows and maps the host's GSSAPI mechanisms instead, from the
library named by SECPKG_GSSAPI_LIB, else MIT Kerberos's, else Heimdal's. When neither
--provider nor SECPKG_PROVIDER is given and WinPR is missing, list and show fall back to them,
saying so on stderr.

list and show run in a child process, so that a provider that crashes ends the child, not them.

Exit status: 0 success; 1 the named package does not exist, or no package has every capability
list --require names; 2 usage, provider or I/O error, no provider to check, or a provider that
crashed list or show, or a handshake that did not authenticate; 3 audit found differences; 4
conformance found failing checks; 5 handshake authenticated, but a token exceeded cbMaxToken.";

/// Lists the security packages of an SSPI provider and what each can do
///
/// Answers the SSPI questions "which security packages does this system offer, and what can
/// each do" (EnumerateSecurityPackagesW, QuerySecurityPackageInfoW).
#[derive(Debug, Parser)]
#[command(name = "secpkg", version, after_help = AFTER_HELP, arg_required_else_help = true, verbatim_doc_comment)]
struct Cli {
    #[command(flatten)]
    global: Global,
    /// Answer for the host's GSSAPI mechanisms instead (list, show, caps and handshake; Unix)
    // Not a global option: audit and conformance have no GSSAPI form, so their help must not
    // offer it. list, show and caps take it after the subcommand as well (their Args).
    #[arg(long)]
    gssapi: bool,
    #[command(subcommand)]
    command: Command,
}

/// The options every subcommand takes.
#[derive(Debug, clap::Args)]
struct Global {
    /// Load the SSPI provider library at PATH (overrides SECPKG_PROVIDER)
    #[arg(long, global = true, value_name = "PATH")]
    provider: Option<PathBuf>,
    /// Print JSON instead of text (the shapes are documented in cli/README.md)
    #[arg(long, global = true)]
    json: bool,
    /// Run list or show in this process, not in a child process (what the child runs)
    #[arg(long, global = true, hide = true)]
    in_process: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the provider's security packages, one a row
    List(list::Args),
    /// Show one package in detail: every capability with its meaning
    ///
    /// The package is the one the provider's QuerySecurityPackageInfoW finds; if it finds none,
    /// the listed package whose name equals NAME ignoring case (Windows ignores case; WinPR does
    /// not). Exit status 1 when there is none.
    #[command(verbatim_doc_comment)]
    Show(show::Args),
    /// List every capability flag secpkg knows, with its bit and meaning
    Caps(caps::Args),
    /// Compare the packages with a baseline written by `secpkg list --json`
    ///
    /// Prints each package added, removed or changed (the field, old → new). Packages are
    /// matched by name, exactly: letter case matters. Their order does not, nor does the
    /// baseline's provider. Exit status 0 when the packages are the baseline's, 3 when they differ.
    #[command(verbatim_doc_comment)]
    Audit(audit::Args),
    /// Check the provider against Windows behaviour: PASS, FAIL or WARN for each check
    ///
    /// FAIL for documented behaviour or real harm, WARN for behaviour only observed on Windows.
    /// A FAIL or WARN says what was observed and what Windows does; --verbose adds the source,
    /// for every check. Each probe runs in a child process, so a provider that crashes fails the
    /// checks of that probe, with its panic's message and location. --handshake also runs a
    /// client and a server of --package (default Negotiate) with the credentials given, as
    /// `handshake` does, and checks the real tokens against cbMaxToken and the contexts' records
    /// (the handshake-* checks). Exit status 0 when no check fails (warnings allowed), 4 when one
    /// does, 2 when there is no provider to check.
    Conformance(conformance::Args),
    /// Run one conformance probe and print its outcome as one JSON line (for `conformance`)
    #[command(name = conformance::PROBE_COMMAND, hide = true)]
    ConformanceProbe(conformance::ProbeArgs),
    /// Authenticate a client to a server over a loopback socket, and measure each token
    ///
    /// The server offers one or several packages (--server-package, --require), the client uses
    /// one (--package, default Negotiate); both run in this process, as two threads, unless
    /// --listen or --connect runs one side. Prints each token's direction, package and size
    /// against the package's cbMaxToken, then each context's package and sizes. Exit status 0
    /// when authenticated, 5 when authenticated but a token exceeded cbMaxToken, 2 when not.
    #[command(verbatim_doc_comment)]
    Handshake(Box<handshake::Args>),
}

/// What the subcommands share: the global options, and the provider, opened on demand.
pub struct Context {
    provider: Option<PathBuf>,
    json: bool,
    gssapi: bool,
}

/// Where `list` and `show` find their packages.
pub enum Source {
    /// An SSPI provider.
    Sspi(Provider),
    /// A GSSAPI library: asked for with `--gssapi`, or the fallback when there is no SSPI provider.
    #[cfg(all(unix, feature = "gssapi"))]
    Gssapi(secpkg::gssapi::Gssapi),
}

impl Context {
    /// The GSSAPI library if `--gssapi` was given; else the provider, as [`Context::provider`],
    /// except that on Unix, when no provider was asked for (no `--provider`, no `SECPKG_PROVIDER`)
    /// and the system has none, the GSSAPI library, with a note on stderr.
    pub fn source(&self) -> Result<Source, Failure> {
        #[cfg(all(unix, feature = "gssapi"))]
        {
            if self.gssapi {
                return Ok(Source::Gssapi(gssapi::open()?));
            }
            if self.provider.is_none() && Provider::named_by_env().is_none() {
                return match Provider::system() {
                    Err(error @ secpkg::Error::NoProvider { .. }) => Ok(Source::Gssapi(gssapi::fallback(error)?)),
                    result => Ok(Source::Sspi(result?)),
                };
            }
        }
        Ok(Source::Sspi(self.provider()?))
    }

    /// The provider named by `--provider`, else by `SECPKG_PROVIDER`, else the system's.
    pub fn provider(&self) -> Result<Provider, Failure> {
        match &self.provider {
            // SAFETY: the user named this library as the SSPI provider to use (clap refuses an
            // empty PATH).
            Some(path) => Ok(unsafe { Provider::load(path) }?),
            // SAFETY: the command is where the user may name the provider in the environment;
            // from_env ignores it in a privileged process.
            None => Ok(unsafe { Provider::from_env() }?),
        }
    }

    /// Whether `--json` was given.
    pub fn json(&self) -> bool {
        self.json
    }

    /// Whether `--gssapi` was given.
    pub fn gssapi(&self) -> bool {
        self.gssapi
    }
}

/// Where a subcommand writes its results: standard output, buffered.
pub type Output<'a> = dyn Write + 'a;

/// How a subcommand that did its job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Exit status 0.
    Success,
    /// Exit status 3: `audit` found differences.
    Differences,
    /// Exit status 4: `conformance` found failing checks.
    Nonconformant,
    /// Exit status 5: `handshake` authenticated, but a token exceeded its package's cbMaxToken.
    TokenExceedsMaxToken,
}

fn run(command: &Command, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    if context.gssapi() {
        check_gssapi(command, context)?;
    }
    match command {
        Command::List(args) => list::run(args, context, out),
        Command::Show(args) => show::run(args, context, out),
        Command::Caps(args) => caps::run(args, context, out),
        Command::Audit(args) => audit::run(args, context, out),
        Command::Conformance(args) => conformance::run(args, context, out),
        Command::ConformanceProbe(args) => conformance::probe(args, context, out),
        Command::Handshake(args) => handshake::run(args, context, out),
    }
}

/// `--gssapi` is for `list`, `show` and `caps`, without `--provider`, in a Unix build with the
/// `gssapi` feature.
fn check_gssapi(command: &Command, context: &Context) -> Result<(), Failure> {
    if cfg!(not(unix)) {
        return Err(Failure::usage("--gssapi lists GSSAPI mechanisms, which secpkg reads on Unix only"));
    }
    if cfg!(not(feature = "gssapi")) {
        return Err(Failure::usage(
            "--gssapi needs GSSAPI support, which this secpkg was built without (cargo feature `gssapi`)",
        ));
    }
    let other = match command {
        Command::List(_) | Command::Show(_) | Command::Caps(_) | Command::Handshake(_) => None,
        Command::Audit(_) => Some("audit"),
        Command::Conformance(_) | Command::ConformanceProbe(_) => Some("conformance"),
    };
    if let Some(other) = other {
        return Err(Failure::usage(format!(
            "--gssapi is for list, show, caps and handshake; {other} works on SSPI providers only"
        )));
    }
    if context.provider.is_some() {
        return Err(Failure::usage(
            "--gssapi and --provider exclude each other: --provider names an SSPI provider \
             (SECPKG_GSSAPI_LIB chooses the GSSAPI library)",
        ));
    }
    Ok(())
}

/// How long `list` or `show` may take in its child process before it is killed.
const CHILD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs `list` or `show` in a child process, this program again with `--in-process`, with
/// secpkg-conformance's runner (as the conformance probes run), so that a provider that crashes
/// or hangs ends the child, and this process says so in one line with status 2. The child's
/// output, messages and status are passed on as they are. `None` when the child cannot be
/// started at all: the command then runs in this process.
fn in_child(command: &Command, out: &mut BufWriter<io::StdoutLock<'_>>) -> Option<ExitCode> {
    let exe = std::env::current_exe().ok()?;
    let mut child = std::process::Command::new(exe);
    // First, so that it stays an option whatever follows (even after `--`).
    child.arg("--in-process").args(std::env::args_os().skip(1));
    let finished = match secpkg_conformance::run_child(&mut child, CHILD_TIMEOUT) {
        Ok(finished) => finished,
        Err(secpkg_conformance::ChildError::NotStarted { .. }) => return None,
        Err(error) => return Some(provider_crashed(command, &format!("its child process {error}"))),
    };
    let written = out.write_all(&finished.stdout).and_then(|()| out.flush());
    if let Some(crash) = finished.crash() {
        return Some(provider_crashed(command, &format!("its child process {crash}")));
    }
    let _ = io::stderr().write_all(&finished.stderr);
    match written {
        Err(error) => Some(Failure::Output(error).report()),
        Ok(()) => Some(ExitCode::from(finished.status.code().map_or(2, |code| u8::try_from(code).unwrap_or(2)))),
    }
}

/// `secpkg: the provider ended secpkg show, which ran in a child process: …`, status 2.
fn provider_crashed(command: &Command, why: &str) -> ExitCode {
    let name = if matches!(command, Command::Show(_)) { "show" } else { "list" };
    Failure::usage(format!("the provider ended secpkg {name}, which ran in a child process: {why}")).report()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout with status 0, usage errors to stderr with status 2;
        // clap ignores a failure to print (a closed pipe), so this never panics.
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let gssapi = cli.gssapi
        || match &cli.command {
            Command::List(args) => args.gssapi,
            Command::Show(args) => args.gssapi,
            Command::Caps(args) => args.gssapi,
            Command::Handshake(args) => args.gssapi,
            Command::Audit(_) | Command::Conformance(_) | Command::ConformanceProbe(_) => false,
        };
    let context = Context { provider: cli.global.provider, json: cli.global.json, gssapi };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if matches!(cli.command, Command::List(_) | Command::Show(_))
        && !cli.global.in_process
        && let Some(exit) = in_child(&cli.command, &mut out)
    {
        return exit;
    }
    let result = run(&cli.command, &context, &mut out).and_then(|exit| {
        out.flush()?;
        Ok(exit)
    });
    match result {
        Ok(Exit::Success) => ExitCode::SUCCESS,
        Ok(Exit::Differences) => ExitCode::from(3),
        Ok(Exit::Nonconformant) => ExitCode::from(4),
        Ok(Exit::TokenExceedsMaxToken) => ExitCode::from(5),
        Err(failure) => {
            // What was written before the failure goes out first (a failure to, silently).
            drop(out);
            failure.report()
        }
    }
}
