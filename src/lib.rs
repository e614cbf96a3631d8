//! Which security packages does this system offer, and what can each do?
//!
//! secpkg answers the questions of the SSPI page "Getting information about security packages"
//! safely: it lists the packages (`EnumerateSecurityPackagesW`), queries one
//! (`QuerySecurityPackageInfoW`), and gives the provider's memory back with its
//! `FreeContextBuffer` exactly once, whatever happens.
//!
//! ```no_run
//! // The buffer size a Negotiate client needs for its tokens.
//! let max = secpkg::max_token("Negotiate")?;
//!
//! // Every package, read in place from the provider's buffer.
//! let provider = secpkg::Provider::system()?;
//! for package in provider.packages()?.iter() {
//!     println!("{} {} {}", package.name(), package.max_token(), package.capabilities());
//! }
//! # Ok::<(), secpkg::Error>(())
//! ```
//!
//! It also runs the exchange those answers exist for: credentials
//! ([`Provider::acquire_credentials`]), a client's and a server's context ([`ClientContext`],
//! [`ServerContext`]: one [`step`](ClientContext::step) per leg) with token buffers that hold
//! every token of the package ([`Provider::token_buffer_size`]), and what a context says of its
//! sizes and package.
//!
//! On Windows the provider is secur32.dll. Elsewhere it is any library that exports the SSPI
//! ABI's `InitSecurityInterfaceW`: FreeRDP's WinPR by default ([`Provider::system`]), or one you
//! name ([`Provider::load`], or `SECPKG_PROVIDER` through [`Provider::from_env`]).
#![deny(missing_docs, missing_debug_implementations, unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod context;
mod credentials;
mod env;
mod error;
#[cfg(all(unix, feature = "gssapi"))]
pub mod gssapi;
mod name;
mod packages;
mod provider;
mod types;
mod wide;

pub use context::{ClientContext, DEFAULT_MAX_LEGS, ServerContext, Step};
pub use credentials::{Credentials, Identity};
pub use error::{Error, InvalidItem, LoadError, Operation};
pub use name::PackageName;
pub use packages::{Iter, Package, Packages, QueriedPackage};
pub use provider::{PROVIDER_VAR, Provider, RawFunctions, UNIX_PROVIDERS};
/// What the typed items' signatures name from the derives' runtime: the SDK facts of a member
/// (`Capability::member`), the parse error behind `Parse*Error`, the iterator of
/// `Capabilities::flags`, the traits the families implement (`Family` for each, `Flag` for
/// `Capability`, `Values` for the newtypes: for code generic over families), and bitflags
/// (whose `Flags` trait `Capabilities` implements).
pub use secpkg_family::{Family, Flag, FlagIter, Member, ParseError, Values, bitflags};
pub use types::{
    Capabilities, Capability, ClientAttribute, ClientAttributes, ClientRequest, ClientRequests, ContextSizes,
    CredentialUse, InterfaceVersion, NegotiationInfo, NegotiationState, PackageId, PackageInfo, ParseCapabilityError,
    ParseClientAttributeError, ParseClientRequestError, ParseCredentialUseError, ParseInterfaceVersionError,
    ParseNegotiationStateError, ParsePackageIdError, ParseServerAttributeError, ParseServerRequestError,
    ParseStatusError, ServerAttribute, ServerAttributes, ServerRequest, ServerRequests, Status,
};
pub use wide::{Chars, WideStr};

use std::sync::OnceLock;

/// The system provider, loaded once and kept for the life of the process.
pub fn system_provider() -> Result<&'static Provider, Error> {
    static SYSTEM: OnceLock<Provider> = OnceLock::new();
    if let Some(provider) = SYSTEM.get() {
        return Ok(provider);
    }
    let provider = Provider::system()?;
    Ok(SYSTEM.get_or_init(|| provider))
}

/// Every security package of the system provider, owned.
pub fn packages() -> Result<Vec<PackageInfo>, Error> {
    system_provider()?.packages()?.into_vec()
}

/// The attributes of the system provider's package `name`.
pub fn query<'n>(name: impl Into<PackageName<'n>>) -> Result<PackageInfo, Error> {
    system_provider()?.query(name)
}

/// The largest token package `name` produces, in bytes, as the provider says (`cbMaxToken`).
///
/// For Negotiate this need not hold the token of the package Negotiate picks (on WinPR 2.11,
/// Negotiate says 12256 and Kerberos 48000): size token buffers with
/// [`Provider::token_buffer_size`], which for Negotiate is the largest `cbMaxToken` of every
/// package it can choose, and for any other package this value.
pub fn max_token<'n>(name: impl Into<PackageName<'n>>) -> Result<u32, Error> {
    Ok(query(name)?.max_token)
}

/// The README's example, compiled by `cargo test --doc` as a user would paste it.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctest;

/// What `package_name!` expands to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::name::{encode_name, wide_len};
}
