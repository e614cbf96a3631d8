// A `Package` reads the provider's buffer in place, so it cannot outlive the `Packages` that
// frees that buffer.
fn main() -> Result<(), secpkg::Error> {
    let provider = secpkg::Provider::system()?;
    let packages = provider.packages()?;
    let first = packages.get(0);
    drop(packages);
    println!("{first:?}");
    Ok(())
}
