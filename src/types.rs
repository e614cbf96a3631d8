//! The typed forms of the raw items: the generated constant families (which carry each
//! family's repr, prefix and members) with the derives, and the owned package record.

use secpkg_sys::SecPkgInfoW;

use crate::Error;
use crate::wide::{optional_string, required_string};

secpkg_sys::capability_family! {
    /// One capability bit of a security package (`SECPKG_FLAG_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
    #[family(set = Capabilities)]
    #[non_exhaustive]
    #[cfg_attr(feature = "serde", family(serde))]
    pub enum Capability {}
}

secpkg_sys::package_id_family! {
    /// A package identifier (`wRPCID`): `RPC_C_AUTHN_*` or `SECPKG_ID_NONE`.
    #[derive(Clone, Copy, Debug, secpkg_macros::IdEnum)]
    #[non_exhaustive]
    #[cfg_attr(feature = "serde", family(serde))]
    pub enum PackageId {
        /// An id the SDK does not name.
        Unknown(u16),
    }
}

secpkg_sys::status_family! {
    /// An SSPI status code (`SECURITY_STATUS`): `SEC_E_*` and `SEC_I_*`.
    #[derive(Clone, Copy, Debug, secpkg_macros::IdEnum)]
    #[non_exhaustive]
    #[family(hex)]
    #[cfg_attr(feature = "serde", family(serde))]
    pub enum Status {
        /// A status the SDK does not name.
        Unknown(i32),
    }
}

secpkg_sys::interface_version_family! {
    /// A `SecurityFunctionTable.dwVersion` (`SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION*`).
    #[derive(Clone, Copy, Debug, secpkg_macros::IdEnum)]
    #[non_exhaustive]
    pub enum InterfaceVersion {
        /// A version the SDK does not name.
        Unknown(u32),
    }
}

/// Ids are equal when their values are: `Unknown(16)` is the same id as `from_value(16)`, which
/// a newer SDK may name.
macro_rules! equal_by_value {
    ($($id:ty),*) => {$(
        impl PartialEq for $id {
            fn eq(&self, other: &Self) -> bool {
                self.value() == other.value()
            }
        }
        impl Eq for $id {}
        impl std::hash::Hash for $id {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.value().hash(state);
            }
        }
    )*};
}
equal_by_value!(PackageId, Status, InterfaceVersion);

/// A security package's attributes (`SecPkgInfoW`), owned. Its fields are those of
/// `SecPkgInfoW`, which the SSPI ABI fixes: it is exhaustive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PackageInfo {
    /// What the package can do (`fCapabilities`); unknown bits are kept.
    pub capabilities: Capabilities,
    /// The package's version (`wVersion`).
    pub version: u16,
    /// Its identifier (`wRPCID`).
    pub rpc_id: PackageId,
    /// The largest token it produces, in bytes (`cbMaxToken`).
    pub max_token: u32,
    /// Its name (`Name`), as the provider spells it.
    pub name: String,
    /// Its description (`Comment`); empty when the provider gives none.
    pub comment: String,
}

#[cfg(feature = "serde")]
crate::serde_record::serde_record!(PackageInfo { capabilities, version, rpc_id, max_token, name, comment });

impl PackageInfo {
    /// Copies a provider's `SecPkgInfoW` into owned values; `Err` names the field whose string
    /// is missing or not UTF-16.
    ///
    /// # Safety
    ///
    /// `Name` and `Comment` must each be null or valid for reads up to their NUL terminator.
    pub unsafe fn from_raw(raw: &SecPkgInfoW) -> Result<Self, Error> {
        // No `..`: a field added to the raw struct is a compile error here until it is mapped.
        let SecPkgInfoW { fCapabilities, wVersion, wRPCID, cbMaxToken, Name, Comment } = *raw;
        Ok(PackageInfo {
            capabilities: Capabilities::from_bits_retain(fCapabilities),
            version: wVersion,
            rpc_id: PackageId::from_value(wRPCID),
            max_token: cbMaxToken,
            // SAFETY: the caller's contract: each pointer is null or NUL-terminated and readable.
            name: unsafe { required_string(Name, "Name") }?,
            // SAFETY: as above.
            comment: unsafe { optional_string(Comment, "Comment") }?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{PackageId, Status};
    use std::collections::HashSet;

    #[test]
    fn an_unknown_id_equals_the_known_id_of_its_value() {
        assert_eq!(PackageId::Unknown(16), PackageId::from_value(16));
        assert_ne!(PackageId::Unknown(16), PackageId::from_value(9));
        assert_eq!(Status::Unknown(0), Status::from_value(0));
        let ids: HashSet<PackageId> = [PackageId::Unknown(16), PackageId::from_value(16)].into();
        assert_eq!(ids.len(), 1);
    }
}
