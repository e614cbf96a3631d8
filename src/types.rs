//! The typed forms of the raw items, derived from the generated constant families and struct.

use crate::Error;
use crate::wide::{optional_string, required_string};

secpkg_sys::capability_family! {
    /// One capability bit of a security package (`SECPKG_FLAG_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
    #[family(repr = u32, prefix = "SECPKG_FLAG_", set = Capabilities)]
    #[cfg_attr(feature = "serde", family(serde))]
    pub enum Capability {}
}

secpkg_sys::package_id_family! {
    /// A package identifier (`wRPCID`): `RPC_C_AUTHN_*` or `SECPKG_ID_NONE`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, secpkg_macros::IdEnum)]
    #[family(repr = u16)]
    #[cfg_attr(feature = "serde", family(serde))]
    pub enum PackageId {
        /// An id the SDK does not name.
        Unknown(u16),
    }
}

secpkg_sys::status_family! {
    /// An SSPI status code (`SECURITY_STATUS`): `SEC_E_*` and `SEC_I_*`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, secpkg_macros::IdEnum)]
    #[family(repr = i32, hex)]
    #[cfg_attr(feature = "serde", family(serde))]
    pub enum Status {
        /// A status the SDK does not name.
        Unknown(i32),
    }
}

secpkg_sys::interface_version_family! {
    /// A `SecurityFunctionTable.dwVersion` (`SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, secpkg_macros::IdEnum)]
    #[family(repr = u32)]
    pub enum InterfaceVersion {
        /// A version the SDK does not name.
        Unknown(u32),
    }
}

/// A security package's attributes (`SecPkgInfoW`), owned.
#[derive(Clone, Debug, PartialEq, Eq, Hash, secpkg_macros::FromRaw)]
#[from_raw(raw = secpkg_sys::SecPkgInfoW, error = Error, exhaustive)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PackageInfo {
    /// What the package can do (`fCapabilities`); unknown bits are kept.
    #[from_raw(field = fCapabilities)]
    pub capabilities: Capabilities,
    /// The package's version (`wVersion`).
    #[from_raw(field = wVersion)]
    pub version: u16,
    /// Its identifier (`wRPCID`).
    #[from_raw(field = wRPCID)]
    pub rpc_id: PackageId,
    /// The largest token it produces, in bytes (`cbMaxToken`).
    #[from_raw(field = cbMaxToken)]
    pub max_token: u32,
    /// Its name (`Name`), as the provider spells it.
    #[from_raw(field = Name, with = required_string)]
    pub name: String,
    /// Its description (`Comment`); empty when the provider gives none.
    #[from_raw(field = Comment, with = optional_string)]
    pub comment: String,
}
