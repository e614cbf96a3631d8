//! Loads an SSPI provider from a path (a DLL, or a shared object such as FreeRDP's WinPR) and
//! prints what it offers.
//!
//! `cargo run --example provider -- /usr/lib/x86_64-linux-gnu/libwinpr2.so.2`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: provider PATH-TO-PROVIDER-LIBRARY");
        return ExitCode::from(2);
    };
    match run(path.as_ref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("provider: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &std::path::Path) -> Result<(), secpkg::Error> {
    // SAFETY: the user names an SSPI provider library on the command line.
    let provider = unsafe { secpkg::Provider::load(path) }?;
    println!("{} (interface version {})", provider.origin().display(), provider.interface_version());
    for package in provider.packages()?.into_vec()? {
        println!("{:<12} {:>6} bytes  {}", package.name, package.max_token, package.comment);
    }
    Ok(())
}
