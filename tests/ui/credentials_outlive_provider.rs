// `Credentials` give their handle back through their provider when dropped, so the provider must
// outlive them; the implicit drop at the end of `main` needs `provider` still alive.
use secpkg::CredentialUse;

fn main() -> Result<(), secpkg::Error> {
    let provider = secpkg::Provider::system()?;
    let _credentials = provider.acquire_credentials("NTLM", CredentialUse::SECPKG_CRED_OUTBOUND, None)?;
    drop(provider);
    Ok(())
}
