//! NUL-terminated UTF-16 strings from a provider.

use crate::Error;
use std::fmt;

/// A borrowed NUL-terminated UTF-16 string of the provider's, without the NUL.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WideStr<'a>(&'a [u16]);

impl<'a> WideStr<'a> {
    /// Views the string at `ptr`; a null pointer is the empty string.
    ///
    /// # Safety
    /// `ptr` is null or points to a NUL-terminated UTF-16 string that stays valid and unchanged
    /// for `'a`.
    #[inline]
    pub(crate) unsafe fn from_ptr(ptr: *const u16) -> Self {
        // A misaligned pointer breaks the contract too; reading through it would be undefined.
        if ptr.is_null() || !ptr.is_aligned() {
            return Self(&[]);
        }
        let mut len = 0;
        // SAFETY: the caller guarantees a NUL terminator, so every unit up to it is readable.
        while unsafe { *ptr.add(len) } != 0 {
            len += 1;
        }
        // SAFETY: the `len` units before the terminator were just read, and live for 'a.
        Self(unsafe { std::slice::from_raw_parts(ptr, len) })
    }

    /// The UTF-16 code units, without the terminating NUL.
    #[inline]
    pub fn as_units(&self) -> &'a [u16] {
        self.0
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The string, or an error if it is not valid UTF-16 (an unpaired surrogate).
    pub fn to_string_checked(&self) -> Result<String, std::string::FromUtf16Error> {
        // Package names and comments are ASCII: copy them unit by unit (a loop the compiler
        // vectorises) instead of decoding each one as a char, as String::from_utf16 does.
        if self.0.iter().fold(0, |all, &unit| all | unit) < 0x80 {
            let bytes = self.0.iter().map(|&unit| unit as u8).collect();
            // SAFETY: every byte is below 0x80, so ASCII, so UTF-8.
            return Ok(unsafe { String::from_utf8_unchecked(bytes) });
        }
        String::from_utf16(self.0)
    }

    /// The string, with U+FFFD in place of each unpaired surrogate.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf16_lossy(self.0)
    }
}

/// Lossy, like [`WideStr::to_string_lossy`]; honours width and alignment.
impl fmt::Display for WideStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.to_string_lossy())
    }
}

impl fmt::Debug for WideStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string_lossy(), f)
    }
}

/// Compares code units, without allocating.
impl PartialEq<&str> for WideStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0.iter().copied().eq(other.encode_utf16())
    }
}

/// `field` of a provider record, which must be present and valid UTF-16.
///
/// # Safety
/// As [`WideStr::from_ptr`].
pub(crate) unsafe fn required_string(ptr: *mut u16, field: &'static str) -> Result<String, Error> {
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(Error::InvalidData { what: format!("{field} is a null or misaligned pointer") });
    }
    // SAFETY: forwarded from the caller.
    unsafe { optional_string(ptr, field) }
}

/// `field` of a provider record, where null means empty; it must be valid UTF-16.
///
/// # Safety
/// As [`WideStr::from_ptr`].
pub(crate) unsafe fn optional_string(ptr: *mut u16, field: &'static str) -> Result<String, Error> {
    if !ptr.is_aligned() {
        return Err(Error::InvalidData { what: format!("{field} is a misaligned pointer") });
    }
    // SAFETY: forwarded from the caller.
    let wide = unsafe { WideStr::from_ptr(ptr) };
    wide.to_string_checked()
        .map_err(|_| Error::InvalidData { what: format!("{field} is not valid UTF-16: {:?}", wide.to_string_lossy()) })
}

/// Names shorter than this many bytes are converted on the stack (every SSPI package name is).
const INLINE_NAME: usize = 64;

/// A package name as the provider takes it: NUL-terminated UTF-16.
pub(crate) enum WideName {
    /// Zero-padded, so the terminator is in place.
    Inline([u16; INLINE_NAME]),
    Heap(Vec<u16>),
}

impl WideName {
    /// The NUL-terminated string, for the provider (which does not write through it).
    pub(crate) fn as_mut_ptr(&mut self) -> *mut u16 {
        match self {
            WideName::Inline(units) => units.as_mut_ptr(),
            WideName::Heap(units) => units.as_mut_ptr(),
        }
    }
}

/// `name` as a NUL-terminated UTF-16 string for the provider.
pub(crate) fn to_wide(name: &str) -> Result<WideName, Error> {
    let invalid = |reason| Error::InvalidName { name: name.to_owned(), reason };
    if name.is_empty() {
        return Err(invalid("it is empty"));
    }
    if name.contains('\0') {
        return Err(invalid("it contains a NUL character, which would cut it short"));
    }
    // A UTF-8 string has at least as many bytes as its UTF-16 form has units, so a name of
    // fewer than INLINE_NAME bytes leaves room for the terminator.
    if name.len() < INLINE_NAME {
        let mut units = [0; INLINE_NAME];
        for (unit, wide) in units.iter_mut().zip(name.encode_utf16()) {
            *unit = wide;
        }
        return Ok(WideName::Inline(units));
    }
    Ok(WideName::Heap(name.encode_utf16().chain([0]).collect()))
}
