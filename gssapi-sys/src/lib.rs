//! The few GSSAPI C types and functions secpkg uses (RFC 2744, RFC 5587, RFC 5801), declared
//! here so that building needs no headers: what `secpkg::gssapi::Gssapi::from_functions` takes,
//! for code that links or fakes a GSSAPI library itself. secpkg's own users need none of it.
#![no_std]
#![allow(non_camel_case_types, non_snake_case)]
#![deny(missing_docs, missing_debug_implementations)]

use core::ffi::c_void;

/// `OM_uint32`.
pub type OM_uint32 = u32;

/// `gss_OID_desc`: the DER contents octets of an object identifier (no tag, no length).
///
/// Apple's headers pack this struct to 2 bytes on Intel (`#pragma pack(push,2)`, kept from old
/// MIT releases for binary compatibility), so there `elements` sits at offset 4.
#[repr(C)]
#[cfg_attr(all(target_vendor = "apple", target_arch = "x86_64"), repr(packed(2)))]
#[derive(Clone, Copy, Debug)]
pub struct gss_OID_desc {
    /// Bytes in `elements`.
    pub length: OM_uint32,
    /// The OID's DER content bytes.
    pub elements: *mut c_void,
}
/// `gss_OID`.
pub type gss_OID = *mut gss_OID_desc;

/// `gss_OID_set_desc`: `count` OIDs at `elements`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct gss_OID_set_desc {
    /// OIDs in `elements`.
    pub count: usize,
    /// The OIDs.
    pub elements: gss_OID,
}
/// `gss_OID_set`.
pub type gss_OID_set = *mut gss_OID_set_desc;

/// `gss_buffer_desc`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct gss_buffer_desc {
    /// Bytes in `value`.
    pub length: usize,
    /// The bytes.
    pub value: *mut c_void,
}
/// `gss_buffer_t`.
pub type gss_buffer_t = *mut gss_buffer_desc;

/// `gss_indicate_mechs(minor, &set)`.
pub type IndicateMechsFn = unsafe extern "C" fn(*mut OM_uint32, *mut gss_OID_set) -> OM_uint32;
/// `gss_release_oid_set(minor, &set)`.
pub type ReleaseOidSetFn = unsafe extern "C" fn(*mut OM_uint32, *mut gss_OID_set) -> OM_uint32;
/// `gss_release_buffer(minor, buffer)`.
pub type ReleaseBufferFn = unsafe extern "C" fn(*mut OM_uint32, gss_buffer_t) -> OM_uint32;
/// `gss_inquire_saslname_for_mech(minor, mech, sasl_mech_name, mech_name, mech_description)`.
pub type InquireSaslnameForMechFn =
    unsafe extern "C" fn(*mut OM_uint32, gss_OID, gss_buffer_t, gss_buffer_t, gss_buffer_t) -> OM_uint32;
/// `gss_inquire_attrs_for_mech(minor, mech, &mech_attrs, &known_mech_attrs)`.
pub type InquireAttrsForMechFn =
    unsafe extern "C" fn(*mut OM_uint32, gss_OID, *mut gss_OID_set, *mut gss_OID_set) -> OM_uint32;
/// `gss_display_mech_attr(minor, mech_attr, name, short_desc, long_desc)`.
pub type DisplayMechAttrFn =
    unsafe extern "C" fn(*mut OM_uint32, gss_OID, gss_buffer_t, gss_buffer_t, gss_buffer_t) -> OM_uint32;

/// `gss_name_t`: an opaque internal name, released by `gss_release_name`.
pub type gss_name_t = *mut c_void;
/// `gss_cred_id_t`: an opaque credential, released by `gss_release_cred`.
pub type gss_cred_id_t = *mut c_void;
/// `gss_ctx_id_t`: an opaque security context, deleted by `gss_delete_sec_context`.
pub type gss_ctx_id_t = *mut c_void;
/// `gss_channel_bindings_t`; secpkg passes `GSS_C_NO_CHANNEL_BINDINGS` (null).
pub type gss_channel_bindings_t = *mut c_void;
/// `gss_cred_usage_t`: `GSS_C_BOTH`, `GSS_C_INITIATE` or `GSS_C_ACCEPT`.
pub type gss_cred_usage_t = i32;

/// `gss_import_name(minor, input_name_buffer, input_name_type, &output_name)`.
pub type ImportNameFn = unsafe extern "C" fn(*mut OM_uint32, gss_buffer_t, gss_OID, *mut gss_name_t) -> OM_uint32;
/// `gss_release_name(minor, &name)`.
pub type ReleaseNameFn = unsafe extern "C" fn(*mut OM_uint32, *mut gss_name_t) -> OM_uint32;
/// `gss_display_name(minor, name, output_name_buffer, &output_name_type)`.
pub type DisplayNameFn = unsafe extern "C" fn(*mut OM_uint32, gss_name_t, gss_buffer_t, *mut gss_OID) -> OM_uint32;
/// `gss_acquire_cred(minor, desired_name, time_req, desired_mechs, cred_usage, &output_cred_handle,
/// &actual_mechs, &time_rec)`.
pub type AcquireCredFn = unsafe extern "C" fn(
    *mut OM_uint32,
    gss_name_t,
    OM_uint32,
    gss_OID_set,
    gss_cred_usage_t,
    *mut gss_cred_id_t,
    *mut gss_OID_set,
    *mut OM_uint32,
) -> OM_uint32;
/// `gss_release_cred(minor, &cred_handle)`.
pub type ReleaseCredFn = unsafe extern "C" fn(*mut OM_uint32, *mut gss_cred_id_t) -> OM_uint32;
/// `gss_init_sec_context(minor, claimant_cred_handle, &context_handle, target_name, mech_type,
/// req_flags, time_req, input_chan_bindings, input_token, &actual_mech_type, output_token,
/// &ret_flags, &time_rec)`.
pub type InitSecContextFn = unsafe extern "C" fn(
    *mut OM_uint32,
    gss_cred_id_t,
    *mut gss_ctx_id_t,
    gss_name_t,
    gss_OID,
    OM_uint32,
    OM_uint32,
    gss_channel_bindings_t,
    gss_buffer_t,
    *mut gss_OID,
    gss_buffer_t,
    *mut OM_uint32,
    *mut OM_uint32,
) -> OM_uint32;
/// `gss_accept_sec_context(minor, &context_handle, acceptor_cred_handle, input_token_buffer,
/// input_chan_bindings, &src_name, &mech_type, output_token, &ret_flags, &time_rec,
/// &delegated_cred_handle)`.
pub type AcceptSecContextFn = unsafe extern "C" fn(
    *mut OM_uint32,
    *mut gss_ctx_id_t,
    gss_cred_id_t,
    gss_buffer_t,
    gss_channel_bindings_t,
    *mut gss_name_t,
    *mut gss_OID,
    gss_buffer_t,
    *mut OM_uint32,
    *mut OM_uint32,
    *mut gss_cred_id_t,
) -> OM_uint32;
/// `gss_delete_sec_context(minor, &context_handle, output_token)`.
pub type DeleteSecContextFn = unsafe extern "C" fn(*mut OM_uint32, *mut gss_ctx_id_t, gss_buffer_t) -> OM_uint32;

/// `gss_display_status(minor, status_value, status_type, mech_type, &message_context,
/// status_string)`.
pub type DisplayStatusFn =
    unsafe extern "C" fn(*mut OM_uint32, OM_uint32, i32, gss_OID, *mut OM_uint32, gss_buffer_t) -> OM_uint32;

/// `gss_display_status` of a major status.
pub const GSS_C_GSS_CODE: i32 = 1;
/// `gss_display_status` of a minor (mechanism) status.
pub const GSS_C_MECH_CODE: i32 = 2;

/// `gss_acquire_cred` for both initiating and accepting.
pub const GSS_C_BOTH: gss_cred_usage_t = 0;
/// `gss_acquire_cred` for initiating contexts only.
pub const GSS_C_INITIATE: gss_cred_usage_t = 1;
/// `gss_acquire_cred` for accepting contexts only.
pub const GSS_C_ACCEPT: gss_cred_usage_t = 2;
/// No time limit (`time_req`).
pub const GSS_C_INDEFINITE: OM_uint32 = 0xffff_ffff;
/// Request: delegate the initiator's credentials.
pub const GSS_C_DELEG_FLAG: OM_uint32 = 1;
/// Request: mutual authentication.
pub const GSS_C_MUTUAL_FLAG: OM_uint32 = 2;
/// Request: replay detection for per-message tokens.
pub const GSS_C_REPLAY_FLAG: OM_uint32 = 4;
/// Request: out-of-sequence detection for per-message tokens.
pub const GSS_C_SEQUENCE_FLAG: OM_uint32 = 8;
/// Request: confidentiality (wrapping with encryption).
pub const GSS_C_CONF_FLAG: OM_uint32 = 16;
/// Request: integrity (MICs).
pub const GSS_C_INTEG_FLAG: OM_uint32 = 32;

/// Supplementary: the context needs another token from the peer.
pub const GSS_S_CONTINUE_NEEDED: OM_uint32 = 1;
/// Success.
pub const GSS_S_COMPLETE: OM_uint32 = 0;
/// An unsupported mechanism was requested.
pub const GSS_S_BAD_MECH: OM_uint32 = 1 << 16;
/// Unspecified failure; the minor status says more.
pub const GSS_S_FAILURE: OM_uint32 = 13 << 16;
/// The operation is not available.
pub const GSS_S_UNAVAILABLE: OM_uint32 = 16 << 16;
/// An unknown mechanism attribute.
pub const GSS_S_BAD_MECH_ATTR: OM_uint32 = 19 << 16;

/// `GSS_ERROR(major)`: a calling or routine error; supplementary bits alone are not errors.
pub const fn GSS_ERROR(major: OM_uint32) -> bool {
    major & 0xffff_0000 != 0
}
