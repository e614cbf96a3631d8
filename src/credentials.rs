//! Credentials: a handle from `AcquireCredentialsHandleW`, given back to the provider's
//! `FreeCredentialsHandle` exactly once.

use crate::error::Operation;
use crate::{CredentialUse, Error, PackageName, Provider};
use secpkg_sys::{SEC_E_OK, SEC_WINNT_AUTH_IDENTITY_UNICODE, SEC_WINNT_AUTH_IDENTITY_W, SecHandle};
use std::fmt;
use zeroize::Zeroizing;

/// An explicit identity for [`Provider::acquire_credentials`]: a user, a domain and a password
/// (`SEC_WINNT_AUTH_IDENTITY_W`), instead of the logged-on user's.
///
/// It borrows the strings and copies none of them until the acquiring call, which encodes them
/// as UTF-16 for the provider and overwrites that copy (with zeroize) as soon as the call
/// returns. The password never appears in `Debug` or in an error.
///
/// ```no_run
/// let provider = secpkg::Provider::system()?;
/// let password = std::env::var("PASSWORD").unwrap_or_default();
/// let identity = secpkg::Identity::new("alice", "EXAMPLE", &password);
/// let credentials = provider.acquire_credentials("NTLM", secpkg::CredentialUse::SECPKG_CRED_OUTBOUND, Some(&identity))?;
/// # Ok::<(), secpkg::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Identity<'a> {
    user: &'a str,
    domain: &'a str,
    password: &'a str,
}

impl<'a> Identity<'a> {
    /// The identity of `user` in `domain` (may be empty), with `password`.
    #[must_use]
    pub fn new(user: &'a str, domain: &'a str, password: &'a str) -> Self {
        Identity { user, domain, password }
    }

    /// The user.
    #[must_use]
    pub fn user(&self) -> &'a str {
        self.user
    }

    /// The domain.
    #[must_use]
    pub fn domain(&self) -> &'a str {
        self.domain
    }
}

impl fmt::Debug for Identity<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// One string of an identity as the provider reads it: UTF-16 with a NUL after the `len` units
/// the identity's length field gives, overwritten when dropped.
struct WideSecret {
    units: Zeroizing<Vec<u16>>,
    len: u32,
}

impl WideSecret {
    fn new(text: &str, argument: &'static str) -> Result<Self, Error> {
        let mut units = Zeroizing::new(Vec::with_capacity(text.len() + 1));
        units.extend(text.encode_utf16());
        let len = u32::try_from(units.len()).map_err(|_| Error::InvalidArgument {
            argument,
            reason: format!("{} UTF-16 units, more than a u32 length can say", units.len()),
        })?;
        units.push(0);
        Ok(WideSecret { units, len })
    }

    fn ptr(&mut self) -> *mut u16 {
        self.units.as_mut_ptr()
    }
}

/// Credentials of one security package (`AcquireCredentialsHandleW`), for contexts
/// ([`ClientContext`](crate::ClientContext), [`ServerContext`](crate::ServerContext)) to use.
///
/// The handle is given back to the provider's `FreeCredentialsHandle` exactly once: when the value
/// is dropped, or by [`close`](Credentials::close), which reports a failure. It borrows the
/// [`Provider`], which cannot go first; the contexts borrow the credentials in turn, so no context
/// outlives them. It is `Send` and `Sync`: SSPI credentials handles are used from any thread,
/// and every call through them holds the provider library's lock.
pub struct Credentials<'p> {
    handle: SecHandle,
    /// Whether the handle is still to be freed.
    live: bool,
    provider: &'p Provider,
    package: String,
    usage: CredentialUse,
    token_buffer_size: u32,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("package", &self.package)
            .field("usage", &self.usage)
            .field("token_buffer_size", &self.token_buffer_size)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// Credentials for `usage` (a client's [`CredentialUse::SECPKG_CRED_OUTBOUND`], a server's
    /// [`CredentialUse::SECPKG_CRED_INBOUND`]) of the package named `package`, as the logged-on
    /// user or as `identity`.
    ///
    /// The package is looked up first, by [`Provider::token_buffer_size`] (which matches names as
    /// [`Provider::query`] does): the credentials keep its name as the provider spells it, and
    /// the buffer size their contexts' tokens get by default.
    pub fn acquire_credentials<'n>(
        &self,
        package: impl Into<PackageName<'n>>,
        usage: CredentialUse,
        identity: Option<&Identity<'_>>,
    ) -> Result<Credentials<'_>, Error> {
        let acquire = Operation::AcquireCredentialsHandle.require(self.functions().acquire)?;
        Operation::FreeCredentialsHandle.require(self.functions().free_credentials)?;
        let (name, token_buffer_size) = self.token_buffer_size_of(package.into())?;
        let mut wide_name: Vec<u16> = name.encode_utf16().chain([0]).collect();
        let mut strings = match identity {
            None => None,
            Some(identity) => Some([
                WideSecret::new(identity.user, "identity user")?,
                WideSecret::new(identity.domain, "identity domain")?,
                WideSecret::new(identity.password, "identity password")?,
            ]),
        };
        let mut auth = strings.as_mut().map(|[user, domain, password]| SEC_WINNT_AUTH_IDENTITY_W {
            User: user.ptr(),
            UserLength: user.len,
            Domain: domain.ptr(),
            DomainLength: domain.len,
            Password: password.ptr(),
            PasswordLength: password.len,
            Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        });
        let auth_ptr = auth.as_mut().map_or(std::ptr::null_mut(), |auth| std::ptr::from_mut(auth).cast());
        let mut handle = SecHandle::default();
        let mut expiry = 0i64;
        // SAFETY: the name is NUL-terminated and the identity's strings are NUL-terminated with
        // the lengths given, all alive until the call returns, which reads them and copies what
        // it keeps (obligation 7); the handle and expiry are valid for writes; no principal,
        // logon id or key function is passed (null, as sspi.h allows).
        let status = self.call(|| unsafe {
            acquire(
                std::ptr::null_mut(),
                wide_name.as_mut_ptr(),
                usage.value(),
                std::ptr::null_mut(),
                auth_ptr,
                None,
                std::ptr::null_mut(),
                &mut handle,
                &mut expiry,
            )
        });
        // The provider has its copy; ours is overwritten now (Zeroizing), not when `self` goes.
        drop(strings);
        if status != SEC_E_OK {
            return Err(Operation::AcquireCredentialsHandle.failed(status));
        }
        Ok(Credentials { handle, live: true, provider: self, package: name, usage, token_buffer_size })
    }
}

impl<'p> Credentials<'p> {
    /// The provider the credentials come from.
    #[must_use]
    pub fn provider(&self) -> &'p Provider {
        self.provider
    }

    /// The package's name, as the provider lists it.
    #[must_use]
    pub fn package(&self) -> &str {
        &self.package
    }

    /// What they were acquired for.
    #[must_use]
    pub fn usage(&self) -> CredentialUse {
        self.usage
    }

    /// The token buffer size their contexts use by default: [`Provider::token_buffer_size`] of
    /// their package, found when they were acquired.
    #[must_use]
    pub fn token_buffer_size(&self) -> u32 {
        self.token_buffer_size
    }

    /// The handle, for the contexts' calls.
    pub(crate) fn handle(&self) -> SecHandle {
        self.handle
    }

    /// Gives the handle back to the provider's `FreeCredentialsHandle` now, reporting its failure
    /// (dropping does the same, silently).
    pub fn close(mut self) -> Result<(), Error> {
        match self.free() {
            SEC_E_OK => Ok(()),
            status => Err(Operation::FreeCredentialsHandle.failed(status)),
        }
    }

    fn free(&mut self) -> i32 {
        if !std::mem::replace(&mut self.live, false) {
            return SEC_E_OK;
        }
        // Present: `acquire_credentials` required it.
        let Some(free) = self.provider.functions().free_credentials else { return SEC_E_OK };
        let handle = &mut self.handle;
        // SAFETY: the handle is the provider's, from a successful AcquireCredentialsHandleW, and
        // this is its one free (`live` was set, and is cleared above); no context borrows the
        // credentials any more (the borrow checker's). Obligation 8.
        self.provider.call(|| unsafe { free(handle) })
    }
}

impl Drop for Credentials<'_> {
    fn drop(&mut self) {
        // A failure cannot be reported from drop; `close` reports it.
        self.free();
    }
}

#[cfg(test)]
mod tests {
    use super::{Identity, WideSecret};

    #[test]
    fn the_password_is_not_in_debug() {
        let identity = Identity::new("alice", "EXAMPLE", "hunter2-secret");
        let debug = format!("{identity:?} {identity:#?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("alice") && debug.contains("EXAMPLE"), "{debug}");
    }

    #[test]
    fn identity_strings_are_utf16_with_their_length_and_a_nul() {
        let mut secret = WideSecret::new("pé🔒", "identity password").unwrap();
        // p, é, and the lock as a surrogate pair: the length counts UTF-16 units, as sspi.h's does.
        assert_eq!(secret.len, 4);
        // SAFETY: `len + 1` units were written, the last a NUL.
        let units = unsafe { std::slice::from_raw_parts(secret.ptr(), 5) };
        assert_eq!(units, [0x70, 0xE9, 0xD83D, 0xDD12, 0]);
    }
}
