//! The few GSSAPI C types and functions secpkg uses (RFC 2744, RFC 5587, RFC 5801), declared
//! here so that building needs no headers, and the guards that release what the library allocates.
#![allow(non_camel_case_types, non_snake_case)]

use crate::Error;
use std::ffi::c_void;
use std::ptr;

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

/// `Ok` unless `GSS_ERROR(major)`; then the error names the call and both codes.
pub(crate) fn check(call: &'static str, major: OM_uint32, minor: OM_uint32) -> Result<(), Error> {
    if GSS_ERROR(major) { Err(Error::Gssapi { call, major, minor }) } else { Ok(()) }
}

/// The routine errors by which a library says it has no answer for this mechanism or attribute
/// (RFC 5801 and RFC 5587 use them so), as opposed to failing.
pub(crate) fn no_answer(major: OM_uint32) -> bool {
    let error = major & 0xffff_0000;
    matches!(error, GSS_S_UNAVAILABLE | GSS_S_BAD_MECH | GSS_S_BAD_MECH_ATTR)
}

/// What the library allocates into an out-parameter: an OID set, or a buffer's value.
pub(crate) trait Allocated: Copy {
    const EMPTY: Self;
    const RELEASE: &'static str;
    fn holds_nothing(&self) -> bool;
}

impl Allocated for gss_OID_set {
    const EMPTY: Self = ptr::null_mut();
    const RELEASE: &'static str = "gss_release_oid_set";
    fn holds_nothing(&self) -> bool {
        self.is_null()
    }
}

impl Allocated for gss_buffer_desc {
    const EMPTY: Self = gss_buffer_desc { length: 0, value: ptr::null_mut() };
    const RELEASE: &'static str = "gss_release_buffer";
    // A null value holds nothing to free, whatever its length says.
    fn holds_nothing(&self) -> bool {
        self.value.is_null()
    }
}

/// An out-parameter whose contents are released by the library's matching `gss_release_*`
/// exactly once: by [`release`](Self::release), which reports a failure, or on drop.
pub(crate) struct Owned<T: Allocated> {
    value: T,
    release: unsafe extern "C" fn(*mut OM_uint32, *mut T) -> OM_uint32,
}

pub(crate) type OidSet = Owned<gss_OID_set>;
pub(crate) type Buffer = Owned<gss_buffer_desc>;

impl<T: Allocated> Owned<T> {
    pub(crate) fn new(release: unsafe extern "C" fn(*mut OM_uint32, *mut T) -> OM_uint32) -> Self {
        Self { value: T::EMPTY, release }
    }

    /// The out-parameter, empty until the library writes it. Whatever the library leaves there
    /// is released, after success or failure, because a library may fail after allocating (the
    /// contract of `Gssapi::from_functions`).
    pub(crate) fn slot(&mut self) -> *mut T {
        &mut self.value
    }

    /// Releases now; afterwards the contents are never released again, even if this failed.
    pub(crate) fn release(mut self) -> Result<(), Error> {
        self.release_once()
    }

    fn release_once(&mut self) -> Result<(), Error> {
        if self.value.holds_nothing() {
            return Ok(());
        }
        let mut minor = 0;
        // SAFETY: the contents came from this library (`new` takes its release function) and
        // were not released yet: they are emptied right after, before any second chance.
        let major = unsafe { (self.release)(&mut minor, &mut self.value) };
        self.value = T::EMPTY;
        check(T::RELEASE, major, minor)
    }
}

impl<T: Allocated> Drop for Owned<T> {
    fn drop(&mut self) {
        // Drop runs on paths that already report an error; a second one would hide it.
        let _ = self.release_once();
    }
}

impl OidSet {
    /// The OIDs; a null set is an empty one.
    pub(crate) fn oids(&self, call: &str) -> Result<&[gss_OID_desc], Error> {
        // SAFETY: a non-null set written by the library points to its gss_OID_set_desc, valid
        // until released, which needs `&mut self`.
        let Some(&gss_OID_set_desc { count, elements }) = (unsafe { self.value.as_ref() }) else {
            return Ok(&[]);
        };
        if count == 0 {
            return Ok(&[]);
        }
        if elements.is_null() || count > isize::MAX as usize / size_of::<gss_OID_desc>() {
            let what = format!("{call} returned a set of {count} OIDs at {elements:p}");
            return Err(Error::InvalidData { what });
        }
        // SAFETY: the library's set holds `count` OIDs at `elements` (the size was checked to be
        // addressable), valid until the set is released.
        Ok(unsafe { std::slice::from_raw_parts(elements, count) })
    }
}

impl Buffer {
    /// The text, or None when empty. Bytes that are not UTF-8 are replaced, never trusted.
    pub(crate) fn text(&self) -> Option<String> {
        let gss_buffer_desc { length, value } = self.value;
        if value.is_null() || length == 0 || length > isize::MAX as usize {
            return None;
        }
        // SAFETY: the library wrote `length` bytes at `value`, valid until released.
        let bytes = unsafe { std::slice::from_raw_parts(value.cast::<u8>(), length) };
        let text = String::from_utf8_lossy(bytes);
        // Some libraries count the C string's terminator in `length`.
        let text = text.trim_end_matches('\0');
        (!text.is_empty()).then(|| text.to_owned())
    }
}
