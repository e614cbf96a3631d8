use clap::{Parser, Subcommand};
use secpkg_bindgen::{Error, Spec, lock};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Writes generated/ (crate secpkg-sys) from bindgen/sspi.toml and the Windows metadata.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Regenerate in memory and exit 1, naming each stale file (API.lock included), if the output
    /// folder differs.
    #[arg(long)]
    check: bool,
    /// A Windows.Win32.winmd to read instead of the metadata bundled with windows-bindgen.
    #[arg(long = "in", value_name = "PATH")]
    input: Option<PathBuf>,
    /// The spec.
    #[arg(long, value_name = "PATH", global = true, default_value_os_t = secpkg_bindgen::default_spec())]
    spec: PathBuf,
    /// The folder of the generated crate. Its API.lock (or, if it has none, the committed
    /// generated/API.lock) is the API the regeneration is compared with.
    #[arg(long, value_name = "DIR", default_value_os_t = secpkg_bindgen::default_out())]
    out: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Print, for the spec's items, what two metadata files differ in and whether the spec's
    /// normalisation or supplement covers each difference. Writes nothing.
    Diff {
        /// The metadata a maintainer moves from.
        old: PathBuf,
        /// The metadata a maintainer moves to; the bundled one if absent.
        new: Option<PathBuf>,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match &args.command {
        Some(Command::Diff { old, new, json }) => diff(&args.spec, old, new.as_deref(), *json),
        None => regenerate(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn regenerate(args: &Args) -> Result<ExitCode, Error> {
    let spec = Spec::read(&args.spec)?;
    let metadata = secpkg_bindgen::read_metadata(args.input.as_deref())?;
    let output = secpkg_bindgen::generate_output(&spec, &metadata)?;
    for warning in &output.warnings {
        eprintln!("warning: {warning}");
    }
    let old_lock = [args.out.join(lock::FILE), secpkg_bindgen::default_out().join(lock::FILE)]
        .into_iter()
        .find_map(|path| std::fs::read_to_string(path).ok());
    let compatibility = secpkg_bindgen::compatibility(&spec, old_lock.as_deref(), &output.lock);
    for warning in &compatibility.stale_acknowledgements {
        eprintln!("warning: {warning}");
    }
    if !compatibility.changes.is_empty() {
        let mut report = format!("API.lock: {} change(s) from the current lock:\n", compatibility.changes.len());
        for change in &compatibility.changes {
            report.push_str(&format!("  {}\n", change.line()));
        }
        print_out(&report);
    }
    if args.check {
        let stale = secpkg_bindgen::stale_files(&output.files, &args.out);
        if stale.is_empty() {
            println!("{} is current ({} files)", args.out.display(), output.files.len());
            return Ok(ExitCode::SUCCESS);
        }
        for path in stale {
            eprintln!("stale: {}", args.out.join(path).display());
        }
        eprintln!("{} is not what the generator writes: run `cargo run -p secpkg-bindgen`", args.out.display());
        return Ok(ExitCode::FAILURE);
    }
    if !compatibility.unacknowledged.is_empty() {
        let keys: Vec<String> =
            compatibility.unacknowledged.iter().map(|c| format!("{} {}", c.kind.word(), c.key)).collect();
        return Err(Error::new(format!(
            "{} breaking change(s) to API.lock that {} does not acknowledge: {}; add an [[acknowledge]] \
             (item = \"<key>\", reason = \"...\") for each, or keep the API; nothing was written",
            keys.len(),
            args.spec.display(),
            keys.join(", ")
        )));
    }
    secpkg_bindgen::write(&output.files, &args.out)?;
    Ok(ExitCode::SUCCESS)
}

fn diff(spec_path: &Path, old: &Path, new: Option<&Path>, json: bool) -> Result<ExitCode, Error> {
    let spec = Spec::read(spec_path)?;
    let old_metadata = secpkg_bindgen::read_metadata(Some(old))?;
    let new_metadata = secpkg_bindgen::read_metadata(new)?;
    let old_output = secpkg_bindgen::generate_output(&spec, &old_metadata)
        .map_err(|e| Error::new(format!("{}: {e}", old_metadata.source)))?;
    let new_output = secpkg_bindgen::generate_output(&spec, &new_metadata)
        .map_err(|e| Error::new(format!("{}: {e}", new_metadata.source)))?;
    let report =
        secpkg_bindgen::DiffReport::new(&spec, &old_output, &new_output, &old_metadata.source, &new_metadata.source);
    print_out(&if json { report.json() + "\n" } else { report.text() });
    Ok(ExitCode::SUCCESS)
}

/// Prints a report; a reader that stops early (`| head`) is no error.
fn print_out(text: &str) {
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
}
