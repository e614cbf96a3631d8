//! The guards that release what a GSSAPI library allocates, over the C declarations of
//! secpkg-gssapi-sys.

use crate::Error;
use crate::error::InvalidItem;
use secpkg_gssapi_sys::{GSS_ERROR, GSS_S_BAD_MECH, GSS_S_BAD_MECH_ATTR, GSS_S_UNAVAILABLE, OM_uint32};
use secpkg_gssapi_sys::{gss_OID_desc, gss_OID_set, gss_OID_set_desc, gss_buffer_desc};
use std::ptr;

/// `Ok` unless `GSS_ERROR(major)`; then the error names the call and both codes.
pub(crate) fn check(call: &'static str, major: OM_uint32, minor: OM_uint32) -> Result<(), Error> {
    if GSS_ERROR(major) { Err(Error::Gssapi { call, major, minor, message: None }) } else { Ok(()) }
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
            return Err(Error::InvalidData { item: InvalidItem::GssapiOidSet, what });
        }
        // SAFETY: the library's set holds `count` OIDs at `elements` (the size was checked to be
        // addressable), valid until the set is released.
        Ok(unsafe { std::slice::from_raw_parts(elements, count) })
    }
}

impl Buffer {
    /// The bytes, copied (a token); empty when the library wrote nothing. A null value with a
    /// length, or a length no allocation can have, is [`Error::InvalidData`].
    pub(crate) fn bytes(&self, call: &str) -> Result<Vec<u8>, Error> {
        let gss_buffer_desc { length, value } = self.value;
        if length == 0 {
            return Ok(Vec::new());
        }
        if value.is_null() || length > isize::MAX as usize {
            let what = format!("{call} returned a buffer of {length} bytes at {value:p}");
            return Err(Error::InvalidData { item: InvalidItem::GssapiBuffer, what });
        }
        // SAFETY: the library wrote `length` bytes at `value` (the size was checked to be
        // addressable), valid until released.
        Ok(unsafe { std::slice::from_raw_parts(value.cast::<u8>(), length) }.to_vec())
    }

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
