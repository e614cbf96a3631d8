//! The name a query hands to the provider: NUL-terminated UTF-16, converted from a `&str` on
//! each call, or prepared once at compile time by [`package_name!`](crate::package_name).

use crate::Error;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A security package's name, as a query takes it.
///
/// Every query accepts a `&str` or `&String`, and converts it to the provider's UTF-16 on each
/// call. A name made by [`package_name!`](crate::package_name), or one of the constants here,
/// was converted and checked at compile time (as windows-rs's `w!` does) and goes to the provider
/// as it is: what a loop that queries one package again and again wants.
///
/// Names are equal when their text is, however they were made.
///
/// ```
/// use secpkg::{PackageName, package_name};
/// const SCHANNEL: PackageName<'static> = package_name!("Schannel");
/// assert_eq!(SCHANNEL.as_str(), "Schannel");
/// assert_eq!(PackageName::from("Kerberos"), PackageName::KERBEROS);
/// ```
#[derive(Clone, Copy)]
pub struct PackageName<'a> {
    text: &'a str,
    /// The same text as UTF-16 with its NUL terminator, when prepared at compile time.
    prepared: Option<&'a [u16]>,
}

impl PackageName<'static> {
    /// `Negotiate` (sspi.h's `NEGOSSP_NAME_W`): the package an HTTP or database client sizes its
    /// buffers by.
    pub const NEGOTIATE: Self = crate::package_name!("Negotiate");
    /// `Kerberos` (`MICROSOFT_KERBEROS_NAME_W`).
    pub const KERBEROS: Self = crate::package_name!("Kerberos");
    /// `NTLM` (`NTLMSP_NAME`).
    pub const NTLM: Self = crate::package_name!("NTLM");
}

impl<'a> PackageName<'a> {
    /// For [`package_name!`](crate::package_name) only: `wide` is `text` as UTF-16 followed by
    /// one NUL. `None` unless `wide` is non-empty and ends with its only NUL: the provider reads
    /// up to that NUL, so this (public, if hidden) function checks what soundness rests on.
    #[doc(hidden)]
    #[must_use]
    pub const fn __prepared(text: &'a str, wide: &'a [u16]) -> Option<Self> {
        let Some((&0, units)) = wide.split_last() else { return None };
        if units.is_empty() || wide.len() != wide_len(text) {
            return None;
        }
        let mut at = 0;
        while at < units.len() {
            if units[at] == 0 {
                return None;
            }
            at += 1;
        }
        Some(PackageName { text, prepared: Some(wide) })
    }

    /// The name as text.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.text
    }

    /// Whether the name was prepared at compile time, so that a query passes it as it is.
    #[must_use]
    pub const fn is_prepared(&self) -> bool {
        self.prepared.is_some()
    }

    /// Runs `use_name` with the name as the provider takes it (NUL-terminated UTF-16, valid
    /// for the call): the prepared form, or the text converted now.
    #[inline]
    pub(crate) fn with_wide<R>(self, use_name: impl FnOnce(*const u16) -> R) -> Result<R, Error> {
        match self.prepared {
            Some(units) => Ok(use_name(units.as_ptr())),
            None => Ok(use_name(to_wide(self.text)?.as_ptr())),
        }
    }
}

/// Text to convert on each call: `&str`, `&String`, `&&str`, `&Cow<str>`, `&Box<str>`...
impl<'a, S: AsRef<str> + ?Sized> From<&'a S> for PackageName<'a> {
    fn from(text: &'a S) -> Self {
        PackageName { text: text.as_ref(), prepared: None }
    }
}

impl PartialEq for PackageName<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for PackageName<'_> {}

impl Hash for PackageName<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Debug for PackageName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.text, f)
    }
}

impl fmt::Display for PackageName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.text)
    }
}

/// A [`PackageName`] converted and checked at compile time: a `const` of type
/// `PackageName<'static>`. An empty name, or one with a NUL character, does not compile.
///
/// ```
/// const SPNEGO: secpkg::PackageName<'static> = secpkg::package_name!("Negotiate");
/// ```
///
/// ```compile_fail
/// const CUT: secpkg::PackageName<'static> = secpkg::package_name!("Kerberos\0NTLM");
/// ```
#[macro_export]
macro_rules! package_name {
    ($name:expr) => {{
        const NAME: $crate::PackageName<'static> = {
            const TEXT: &str = $name;
            const WIDE: &[u16] = &$crate::__private::encode_name::<{ $crate::__private::wide_len(TEXT) }>(TEXT);
            match $crate::PackageName::__prepared(TEXT, WIDE) {
                ::core::option::Option::Some(name) => name,
                ::core::option::Option::None => ::core::panic!("package_name!: not a terminated UTF-16 name"),
            }
        };
        NAME
    }};
}

/// The length of `text` in UTF-16 code units, plus one for the NUL. For `package_name!`.
#[doc(hidden)]
pub const fn wide_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut at, mut units) = (0, 1);
    while at < bytes.len() {
        // A lead byte of four starts a supplementary character: a surrogate pair in UTF-16.
        units += match bytes[at] {
            0xF0.. => 2,
            byte if byte & 0xC0 == 0x80 => 0,
            _ => 1,
        };
        at += 1;
    }
    units
}

/// `text` as UTF-16 with a NUL terminator, `N` units (from [`wide_len`]). Panics, at compile
/// time in `package_name!`, on an empty name or a NUL character.
#[doc(hidden)]
pub const fn encode_name<const N: usize>(text: &str) -> [u16; N] {
    assert!(!text.is_empty(), "a package name cannot be empty");
    assert!(N == wide_len(text), "encode_name: N must be wide_len(text)");
    let bytes = text.as_bytes();
    let mut units = [0; N];
    let (mut at, mut unit) = (0, 0);
    while at < bytes.len() {
        // `text` is a `str`, so valid UTF-8: decode one scalar value.
        let lead = bytes[at] as u32;
        let (mut scalar, continuation) = match lead {
            0..0x80 => (lead, 0),
            0xC0..0xE0 => (lead & 0x1F, 1),
            0xE0..0xF0 => (lead & 0x0F, 2),
            _ => (lead & 0x07, 3),
        };
        let mut k = 1;
        while k <= continuation {
            scalar = (scalar << 6) | (bytes[at + k] as u32 & 0x3F);
            k += 1;
        }
        at += 1 + continuation;
        assert!(scalar != 0, "a package name cannot contain a NUL character: it would cut the name short");
        if scalar >= 0x1_0000 {
            let offset = scalar - 0x1_0000;
            units[unit] = 0xD800 | (offset >> 10) as u16;
            units[unit + 1] = 0xDC00 | (offset & 0x3FF) as u16;
            unit += 2;
        } else {
            units[unit] = scalar as u16;
            unit += 1;
        }
    }
    units
}

/// Names shorter than this many bytes are converted on the stack (every SSPI package name is).
const INLINE_NAME: usize = 64;

/// A package name converted for the provider: NUL-terminated UTF-16.
enum WideName {
    /// Zero-padded, so the terminator is in place.
    Inline([u16; INLINE_NAME]),
    Heap(Vec<u16>),
}

impl WideName {
    /// The NUL-terminated string. The provider takes it as `SEC_WCHAR *` but does not write
    /// through it (`pszPackageName` is an `[in]` parameter).
    fn as_ptr(&self) -> *const u16 {
        match self {
            WideName::Inline(units) => units.as_ptr(),
            WideName::Heap(units) => units.as_ptr(),
        }
    }
}

/// `name` as a NUL-terminated UTF-16 string for the provider.
fn to_wide(name: &str) -> Result<WideName, Error> {
    let invalid = |reason| Error::InvalidName { name: name.to_owned(), reason };
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(invalid("it is empty"));
    }
    // A UTF-8 string has at least as many bytes as its UTF-16 form has units, so a name of
    // fewer than INLINE_NAME bytes leaves room for the terminator.
    if bytes.len() < INLINE_NAME {
        // Every package name is ASCII: widen byte by byte, noting the smallest byte (a NUL?) and
        // the union of all (ASCII?) in the same pass, a loop the compiler vectorises.
        let mut units = [0; INLINE_NAME];
        let (mut smallest, mut union) = (u8::MAX, 0);
        for (unit, &byte) in units.iter_mut().zip(bytes) {
            *unit = u16::from(byte);
            smallest = smallest.min(byte);
            union |= byte;
        }
        if smallest != 0 && union < 0x80 {
            return Ok(WideName::Inline(units));
        }
    }
    if bytes.contains(&0) {
        return Err(invalid("it contains a NUL character, which would cut it short"));
    }
    if bytes.len() < INLINE_NAME {
        let mut units = [0; INLINE_NAME];
        for (unit, wide) in units.iter_mut().zip(name.encode_utf16()) {
            *unit = wide;
        }
        return Ok(WideName::Inline(units));
    }
    Ok(WideName::Heap(name.encode_utf16().chain([0]).collect()))
}

#[cfg(test)]
mod tests {
    use super::{INLINE_NAME, PackageName, WideName, encode_name, to_wide, wide_len};
    use crate::wide::WideStr;

    fn units(name: PackageName<'_>) -> Vec<u16> {
        // SAFETY: `with_wide` passes a NUL-terminated string that lives for the closure.
        name.with_wide(|wide| unsafe { WideStr::from_ptr(wide) }.as_units().to_vec()).unwrap()
    }

    #[test]
    fn names_are_widened_with_their_terminator() {
        let long = "K".repeat(INLINE_NAME);
        let short_non_ascii = "Négociation \u{1F512}";
        for name in ["Kerberos", short_non_ascii, "K", long.as_str(), &"\u{E9}".repeat(40)] {
            assert_eq!(String::from_utf16(&units(name.into())).unwrap(), name);
        }
        assert!(matches!(to_wide(&long), Ok(WideName::Heap(_))));
    }

    #[test]
    fn empty_names_and_names_with_a_nul_are_refused_by_name() {
        for (name, reason) in
            [("", "it is empty"), ("Kerb\0eros", "NUL"), ("\u{E9}\0", "NUL"), (&"\0K".repeat(40), "NUL")]
        {
            let error = PackageName::from(name).with_wide(|_| ()).unwrap_err().to_string();
            assert!(error.contains(reason) && error.contains(&format!("{name:?}")), "{error}");
        }
    }

    #[test]
    fn prepared_names_are_the_converted_ones() {
        const LOCK: PackageName<'static> = crate::package_name!("Négociation \u{1F512}");
        for text in ["Negotiate", "Négociation \u{1F512}", "\u{10FFFF}\u{7FF}\u{800}\u{FFFF}\u{10000}x"] {
            let wide: Vec<u16> = text.encode_utf16().chain([0]).collect();
            assert_eq!(wide_len(text), wide.len(), "{text}");
            assert_eq!(units(PackageName::from(text)), wide[..wide.len() - 1], "{text}");
        }
        assert_eq!(encode_name::<2>("x"), [0x78, 0]);
        assert_eq!(units(LOCK), "Négociation \u{1F512}".encode_utf16().collect::<Vec<_>>());
        assert!(LOCK.is_prepared() && !PackageName::from("x").is_prepared());
        // What the provider's read of the name rests on, checked even for hand-made input.
        assert!(PackageName::__prepared("K", &[0x4B, 0]).is_some());
        for unterminated in [&[][..], &[0], &[0x4B], &[0x4B, 0, 0], &[0, 0x4B, 0], &[0x4B, 0x4B, 0]] {
            assert!(PackageName::__prepared("K", unterminated).is_none(), "{unterminated:?}");
        }
        assert_eq!(LOCK, PackageName::from("Négociation \u{1F512}"));
    }

    #[test]
    fn text_of_every_kind_converts() {
        let owned = String::from("NTLM");
        let boxed: Box<str> = "NTLM".into();
        let cow = std::borrow::Cow::Borrowed("NTLM");
        let names = [PackageName::from("NTLM"), (&owned).into(), (&boxed).into(), (&cow).into(), (&&"NTLM").into()];
        for name in names {
            assert_eq!(name, PackageName::NTLM);
            assert!(!name.is_prepared());
            assert_eq!(units(name), units(PackageName::NTLM));
        }
    }

    /// The constants spell the SDK's own names (from secpkg-sys).
    #[test]
    fn the_constants_are_the_sdks_names() {
        use secpkg_sys::{MICROSOFT_KERBEROS_NAME_W, NEGOSSP_NAME_W, NTLMSP_NAME};
        let sdk = [NEGOSSP_NAME_W, MICROSOFT_KERBEROS_NAME_W, NTLMSP_NAME];
        let ours = [PackageName::NEGOTIATE, PackageName::KERBEROS, PackageName::NTLM];
        for (sdk, ours) in sdk.into_iter().zip(ours) {
            // SAFETY: the SDK constants are NUL-terminated static arrays.
            let sdk = unsafe { WideStr::from_ptr(sdk) };
            assert_eq!(units(ours), sdk.as_units());
            assert_eq!(sdk, ours.as_str());
        }
    }
}
