//! NUL-terminated UTF-16 strings from a provider.

use crate::Error;
use crate::error::InvalidItem;
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
        // SAFETY: the caller guarantees a NUL terminator, so every unit up to it is readable;
        // each unit is read only after the one before it was found not to be the NUL.
        let at = |index: usize| unsafe { *ptr.add(index) };
        // Four units a step: a quarter of the loop branches, on the scan every read starts with.
        let mut len = 0;
        loop {
            if at(len) == 0 {
                break;
            } else if at(len + 1) == 0 {
                len += 1;
            } else if at(len + 2) == 0 {
                len += 2;
            } else if at(len + 3) == 0 {
                len += 3;
            } else {
                len += 4;
                continue;
            }
            break;
        }
        // SAFETY: the `len` units before the terminator were just read, and live for 'a.
        Self(unsafe { std::slice::from_raw_parts(ptr, len) })
    }

    /// The UTF-16 code units, without the terminating NUL.
    ///
    /// ```no_run
    /// let provider = secpkg::Provider::system()?;
    /// let packages = provider.packages()?;
    /// let units: usize = packages.iter().map(|package| package.name().as_units().len()).sum();
    /// # Ok::<(), secpkg::Error>(())
    /// ```
    #[inline]
    #[must_use]
    pub fn as_units(&self) -> &'a [u16] {
        self.0
    }

    /// The length in UTF-16 code units, without the NUL.
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The characters, with U+FFFD in place of each unpaired surrogate, without allocating.
    pub fn chars(&self) -> Chars<'a> {
        Chars { units: self.0 }
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
    #[must_use]
    pub fn to_string_lossy(&self) -> String {
        String::from_utf16_lossy(self.0)
    }
}

/// The iterator of [`WideStr::chars`]: UTF-16 decoded from either end, U+FFFD for each
/// unpaired surrogate.
#[derive(Clone, Debug)]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Chars<'a> {
    units: &'a [u16],
}

impl std::iter::FusedIterator for Chars<'_> {}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let (&first, rest) = self.units.split_first()?;
        let pair = rest.first().map(|&second| [first, second]);
        match pair.and_then(|pair| char::decode_utf16(pair).next()?.ok().filter(|c| c.len_utf16() == 2)) {
            Some(c) => {
                self.units = &rest[1..];
                Some(c)
            }
            None => {
                self.units = rest;
                Some(char::from_u32(u32::from(first)).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Each char is one or two units.
        (self.units.len().div_ceil(2), Some(self.units.len()))
    }
}

impl DoubleEndedIterator for Chars<'_> {
    fn next_back(&mut self) -> Option<char> {
        let (&last, rest) = self.units.split_last()?;
        let pair = rest.last().map(|&first| [first, last]);
        match pair.and_then(|pair| char::decode_utf16(pair).next()?.ok().filter(|c| c.len_utf16() == 2)) {
            Some(c) => {
                self.units = &rest[..rest.len() - 1];
                Some(c)
            }
            None => {
                self.units = rest;
                Some(char::from_u32(u32::from(last)).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
        }
    }
}

/// Lossy, like [`WideStr::to_string_lossy`], without allocating; honours width, fill,
/// alignment and precision as `str` does.
impl fmt::Display for WideStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        // Precision truncates, as for `str`.
        let precision = f.precision().unwrap_or(usize::MAX);
        let shown = || self.chars().take(precision);
        let len = shown().count();
        let pad = f.width().map_or(0, |width| width.saturating_sub(len));
        let (before, after) = match f.align() {
            Some(fmt::Alignment::Right) => (pad, 0),
            Some(fmt::Alignment::Center) => (pad / 2, pad - pad / 2),
            _ => (0, pad),
        };
        let fill = f.fill();
        (0..before).try_for_each(|_| f.write_char(fill))?;
        shown().try_for_each(|c| f.write_char(c))?;
        (0..after).try_for_each(|_| f.write_char(fill))
    }
}

impl fmt::Debug for WideStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string_lossy(), f)
    }
}

/// Compares code units, without allocating.
impl PartialEq<str> for WideStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0.iter().copied().eq(other.encode_utf16())
    }
}

/// Compares code units, without allocating.
impl PartialEq<&str> for WideStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

/// Compares code units, without allocating.
impl PartialEq<WideStr<'_>> for str {
    fn eq(&self, other: &WideStr<'_>) -> bool {
        other == self
    }
}

/// Compares code units, without allocating.
impl PartialEq<WideStr<'_>> for &str {
    fn eq(&self, other: &WideStr<'_>) -> bool {
        other == *self
    }
}

/// `field` of a provider record, which must be present and valid UTF-16.
///
/// # Safety
/// As [`WideStr::from_ptr`].
pub(crate) unsafe fn required_string(ptr: *mut u16, field: &'static str) -> Result<String, Error> {
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(Error::InvalidData {
            item: item_of(field),
            what: format!("{field} is a null or misaligned pointer"),
        });
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
        return Err(Error::InvalidData { item: item_of(field), what: format!("{field} is a misaligned pointer") });
    }
    // SAFETY: forwarded from the caller.
    let wide = unsafe { WideStr::from_ptr(ptr) };
    wide.to_string_checked().map_err(|_| Error::InvalidData {
        item: item_of(field),
        what: format!("{field} is not valid UTF-16: {:?}", wide.to_string_lossy()),
    })
}

/// The record a context attribute points to (`field`, e.g. `PackageInfo`), which must be present
/// and aligned, read by `read` (the record type's derived `from_raw`).
///
/// # Safety
/// `ptr` is null, misaligned, or points to a record that `read` may read (its own `# Safety`),
/// valid and unchanged for the duration of the call.
pub(crate) unsafe fn required_record<R, T>(
    ptr: *mut R,
    field: &'static str,
    read: unsafe fn(&R) -> Result<T, Error>,
) -> Result<T, Error> {
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(Error::InvalidData {
            item: InvalidItem::ContextPackage,
            what: format!("{field} is a null or misaligned pointer"),
        });
    }
    // SAFETY: non-null and aligned (checked), and valid as `read` requires (the caller's promise).
    unsafe { read(&*ptr) }
}

/// The item of a `SecPkgInfoW` string field, by the field's name (what `FromRaw` passes).
fn item_of(field: &str) -> InvalidItem {
    match field {
        "Name" => InvalidItem::PackageName,
        "Comment" => InvalidItem::PackageComment,
        _ => InvalidItem::PackageRecord,
    }
}

#[cfg(test)]
mod tests {
    use super::WideStr;

    #[test]
    fn views_compare_count_and_print_without_allocating() {
        // "Ké", U+1F512 (a surrogate pair), a lone high surrogate, "!".
        let units = [0x4B, 0xE9, 0xD83D, 0xDD12, 0xD800, 0x21];
        let wide = WideStr(&units);
        assert_eq!(wide.len(), 6);
        assert_eq!(wide.chars().collect::<String>(), "K\u{e9}\u{1f512}\u{fffd}!");
        assert_eq!(wide.chars().rev().collect::<String>(), "!\u{fffd}\u{1f512}\u{e9}K");
        // 5 chars from 6 units: the hint brackets them, and shrinks as they are taken.
        assert_eq!(wide.chars().size_hint(), (3, Some(6)));
        let mut chars = wide.chars();
        chars.nth(2);
        assert_eq!(chars.size_hint(), (1, Some(2)));
        assert_eq!(chars.count(), 2);
        assert_eq!(wide.to_string(), wide.to_string_lossy());
        let ascii = WideStr(&[0x4E, 0x54, 0x4C, 0x4D]);
        assert_eq!(ascii, "NTLM");
        assert_eq!("NTLM", ascii);
        assert_eq!(*"NTLM", ascii);
        assert_ne!(ascii, "NTLMv2");
        assert_eq!(format!("[{ascii:>6}|{ascii:-<6}|{ascii:^8}|{ascii:2}]"), "[  NTLM|NTLM--|  NTLM  |NTLM]");
        assert_eq!(format!("[{ascii:.2}|{ascii:>4.3}|{wide:.3}]"), "[NT| NTL|K\u{e9}\u{1f512}]");
    }
}
