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
