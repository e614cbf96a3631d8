// A context is deleted through its credentials' provider, and uses their handle on every leg,
// so the credentials must outlive it: returning the context from the block that owns them fails.
use secpkg::{ClientContext, CredentialUse};

fn main() -> Result<(), secpkg::Error> {
    let provider = secpkg::Provider::system()?;
    let context = {
        let credentials = provider.acquire_credentials("NTLM", CredentialUse::SECPKG_CRED_OUTBOUND, None)?;
        ClientContext::new(&credentials, None)?
    };
    drop(context);
    Ok(())
}
