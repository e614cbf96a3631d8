//! The typed forms of the raw items: the generated constant families (which carry each
//! family's repr, prefix and members) with the derives, and the owned package record.

use secpkg_sys::{SecPkgContext_NegotiationInfoW, SecPkgContext_PackageInfoW, SecPkgContext_Sizes, SecPkgInfoW};

use crate::Error;

secpkg_sys::capability_family! {
    /// One capability bit of a security package (`SECPKG_FLAG_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
    #[family(set = Capabilities)]
    #[non_exhaustive]
    #[cfg_attr(feature = "serde", family(serde))]
    pub enum Capability {}
}

secpkg_sys::package_id_family! {
    /// A package identifier (`wRPCID`): `RPC_C_AUTHN_*` or `SECPKG_ID_NONE`. Every `u16` is one;
    /// the constants are those the SDK names.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Values)]
    #[cfg_attr(feature = "serde", family(serde))]
    pub struct PackageId;
}

secpkg_sys::status_family! {
    /// An SSPI status code (`SECURITY_STATUS`): `SEC_E_*` and `SEC_I_*`. Every `i32` is one; the
    /// constants are those the SDK names.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, secpkg_macros::Values)]
    #[family(hex)]
    #[cfg_attr(feature = "serde", family(serde))]
    pub struct Status;
}

secpkg_sys::interface_version_family! {
    /// A `SecurityFunctionTable.dwVersion` (`SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION*`).
    /// Every `u32` is one; the constants are those the SDK names.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Values)]
    pub struct InterfaceVersion;
}

secpkg_sys::isc_req_family! {
    /// One thing a client asks of its context (`ISC_REQ_*`, `fContextReq` of
    /// `InitializeSecurityContextW`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
    #[family(set = ClientRequests)]
    #[non_exhaustive]
    pub enum ClientRequest {}
}

secpkg_sys::isc_ret_family! {
    /// One thing a client's context provides (`ISC_RET_*`, `*pfContextAttr` of
    /// `InitializeSecurityContextW`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
    #[family(set = ClientAttributes)]
    #[non_exhaustive]
    pub enum ClientAttribute {}
}

secpkg_sys::asc_req_family! {
    /// One thing a server asks of its context (`ASC_REQ_*`, `fContextReq` of
    /// `AcceptSecurityContext`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
    #[family(set = ServerRequests)]
    #[non_exhaustive]
    pub enum ServerRequest {}
}

secpkg_sys::asc_ret_family! {
    /// One thing a server's context provides (`ASC_RET_*`, `*pfContextAttr` of
    /// `AcceptSecurityContext`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
    #[family(set = ServerAttributes)]
    #[non_exhaustive]
    pub enum ServerAttribute {}
}

secpkg_sys::credential_use_family! {
    /// What credentials are for (`fCredentialUse` of `AcquireCredentialsHandleW`):
    /// `SECPKG_CRED_OUTBOUND` for a client, `SECPKG_CRED_INBOUND` for a server. Every `u32` is
    /// one; the constants are those the SDK names.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Values)]
    pub struct CredentialUse;
}

secpkg_sys::negotiation_state_family! {
    /// The state of a Negotiate exchange (`SecPkgContext_NegotiationInfoW.NegotiationState`,
    /// `SECPKG_NEGOTIATION_*`). Every `u32` is one; the constants are those the SDK names.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Values)]
    pub struct NegotiationState;
}

/// The sizes a context works with (`SECPKG_ATTR_SIZES`: `SecPkgContext_Sizes`), owned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, secpkg_macros::FromRaw)]
#[raw(from = SecPkgContext_Sizes)]
pub struct ContextSizes {
    /// The largest token of this context, in bytes (`cbMaxToken`): the context's own, which
    /// may differ from its package's (WinPR 2.11's NTLM says 2010 here, 2888 for the package).
    #[raw(cbMaxToken = copy)]
    pub max_token: u32,
    /// The largest signature `MakeSignature` makes (`cbMaxSignature`).
    #[raw(cbMaxSignature = copy)]
    pub max_signature: u32,
    /// The block size messages are padded to (`cbBlockSize`); 0 for none.
    #[raw(cbBlockSize = copy)]
    pub block_size: u32,
    /// The size of the trailer `EncryptMessage` appends (`cbSecurityTrailer`).
    #[raw(cbSecurityTrailer = copy)]
    pub security_trailer: u32,
}

/// The record of `SECPKG_ATTR_PACKAGE_INFO`: the package a context runs.
#[derive(secpkg_macros::FromRaw)]
#[raw(from = SecPkgContext_PackageInfoW, error = Error, strings = crate::wide)]
pub(crate) struct ContextPackage {
    #[raw(PackageInfo = record)]
    pub(crate) package: PackageInfo,
}

/// What Negotiate chose (`SECPKG_ATTR_NEGOTIATION_INFO`: `SecPkgContext_NegotiationInfoW`),
/// owned.
///
/// The package is what the provider reports, as it reports it: a provider may name one it does
/// not list (a broken provider, or one whose list changed). To find out, look it up among the
/// listed packages: [`ClientContext::negotiated_package`](crate::ClientContext::negotiated_package)
/// does, and is [`Error::InvalidData`] with [`InvalidItem::NegotiatedPackage`](crate::InvalidItem)
/// for a package the provider does not list by that name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, secpkg_macros::FromRaw)]
#[raw(from = SecPkgContext_NegotiationInfoW, error = Error, strings = crate::wide)]
pub struct NegotiationInfo {
    /// The package Negotiate chose (`PackageInfo`).
    #[raw(PackageInfo = record)]
    pub package: PackageInfo,
    /// How far the negotiation is (`NegotiationState`).
    #[raw(NegotiationState = id)]
    pub state: NegotiationState,
}

/// A security package's attributes (`SecPkgInfoW`), owned. Its fields are those of
/// `SecPkgInfoW`, which the SSPI ABI fixes: it is exhaustive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, secpkg_macros::FromRaw)]
#[raw(from = SecPkgInfoW, error = Error, strings = crate::wide)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PackageInfo {
    /// What the package can do (`fCapabilities`); unknown bits are kept.
    #[raw(fCapabilities = flags)]
    pub capabilities: Capabilities,
    /// The package's version (`wVersion`).
    #[raw(wVersion = copy)]
    pub version: u16,
    /// Its identifier (`wRPCID`).
    #[raw(wRPCID = id)]
    pub rpc_id: PackageId,
    /// The largest token it produces, in bytes (`cbMaxToken`).
    #[raw(cbMaxToken = copy)]
    pub max_token: u32,
    /// Its name (`Name`), as the provider spells it.
    #[raw(Name = wide)]
    pub name: String,
    /// Its description (`Comment`); empty when the provider gives none.
    #[raw(Comment = optional_wide)]
    pub comment: String,
}

#[cfg(test)]
mod tests {
    use super::{InterfaceVersion, PackageId, Status};
    use std::collections::HashSet;

    #[test]
    fn a_value_is_its_integer_named_or_not() {
        assert_eq!(PackageId(16), PackageId::RPC_C_AUTHN_GSS_KERBEROS);
        assert_ne!(PackageId(16), PackageId::from_value(9));
        assert_eq!(Status(0), Status::SEC_E_OK);
        let ids: HashSet<PackageId> = [PackageId(16), PackageId::RPC_C_AUTHN_GSS_KERBEROS].into();
        assert_eq!(ids.len(), 1);
        assert_eq!(PackageId(77).sdk_name(), None);
        assert_eq!(InterfaceVersion(1), InterfaceVersion::SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION);
    }

    #[test]
    fn debug_display_and_parse_use_the_names() {
        assert_eq!(format!("{:?}", PackageId(16)), "PackageId(RPC_C_AUTHN_GSS_KERBEROS)");
        assert_eq!(format!("{:?}", PackageId(77)), "PackageId(77)");
        assert_eq!(format!("{:?}", Status(0x8009_0999_u32 as i32)), "Status(0x80090999)");
        assert_eq!(PackageId::SECPKG_ID_NONE.to_string(), "SECPKG_ID_NONE");
        assert_eq!("RPC_C_AUTHN_NONE".parse(), Ok(PackageId(0)));
        assert_eq!("65535".parse(), Ok(PackageId::SECPKG_ID_NONE));
    }
}
