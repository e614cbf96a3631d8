//! Lists the system's security packages, read in place from the provider's buffer.

fn main() -> Result<(), secpkg::Error> {
    let provider = secpkg::Provider::system()?;
    let packages = provider.packages()?;
    println!("{} packages from {}", packages.len(), provider.origin().display());
    for package in packages.iter() {
        println!(
            "{:<12} id {:<4} max token {:>6}  {}",
            package.name(),
            package.rpc_id().value(),
            package.max_token(),
            package.capabilities()
        );
    }
    // Dropping `packages` gives the buffer back to the provider; `close` reports a failure to.
    packages.close()
}
