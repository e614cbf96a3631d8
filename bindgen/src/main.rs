use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes generated/ (crate secpkg-sys) from bindgen/sspi.toml and the Windows metadata.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Regenerate in memory and exit 1, naming each stale file, if generated/ differs.
    #[arg(long)]
    check: bool,
    /// A Windows.Win32.winmd to read instead of the metadata bundled with windows-bindgen.
    #[arg(long = "in", value_name = "PATH")]
    input: Option<PathBuf>,
    /// The spec.
    #[arg(long, value_name = "PATH", default_value_os_t = secpkg_bindgen::default_spec())]
    spec: PathBuf,
    /// The folder of the generated crate.
    #[arg(long, value_name = "DIR", default_value_os_t = secpkg_bindgen::default_out())]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let files = match secpkg_bindgen::generate(&args.spec, args.input.as_deref()) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        let stale = secpkg_bindgen::stale_files(&files, &args.out);
        if stale.is_empty() {
            println!("{} is current ({} files)", args.out.display(), files.len());
            return ExitCode::SUCCESS;
        }
        for path in stale {
            eprintln!("stale: {}", args.out.join(path).display());
        }
        eprintln!("generated/ is not what the generator writes: run `cargo run -p secpkg-bindgen`");
        return ExitCode::FAILURE;
    }
    match secpkg_bindgen::write(&files, &args.out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
