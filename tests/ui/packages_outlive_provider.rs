// A `Packages` frees its buffer through its provider when dropped, so the provider must outlive
// it; the implicit drop at the end of `main` needs `provider` still alive.
fn main() -> Result<(), secpkg::Error> {
    let provider = secpkg::Provider::system()?;
    let _packages = provider.packages()?;
    drop(provider);
    Ok(())
}
