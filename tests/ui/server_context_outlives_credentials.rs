// As for a client context: a server context cannot outlive the credentials it borrows, here
// dropped by hand while the context is still used.
use secpkg::{CredentialUse, ServerContext};

fn main() -> Result<(), secpkg::Error> {
    let provider = secpkg::Provider::system()?;
    let credentials = provider.acquire_credentials("NTLM", CredentialUse::SECPKG_CRED_INBOUND, None)?;
    let mut context = ServerContext::new(&credentials)?;
    drop(credentials);
    context.step(b"token")?;
    Ok(())
}
