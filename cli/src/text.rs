//! Provider text made safe for a terminal, and the numbers' spellings shared by the subcommands.

use secpkg::{Capabilities, PackageId};
use std::borrow::Cow;

/// Whether `c` would break a line or reorder or restyle the terminal's text: the C0 and C1
/// controls (newline, escape) and the bidirectional formatting characters.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with each control or bidirectional formatting character written as a Rust escape
/// (`\n`, `\u{1b}`), so provider text stays on its line and cannot drive the terminal. JSON
/// output is not cleaned: there the text is exactly the provider's.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` in single quotes; when longer than `max` characters, its first `max` and `…` in quotes,
/// then its length: `'AAAA…' (131071 characters)`.
pub fn quote_elided(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => format!("'{s}'"),
        Some((end, _)) => format!("'{}…' ({} characters)", &s[..end], s.chars().count()),
    }
}

/// A package id as `16 GSS_KERBEROS`: the number, then the SDK name without `RPC_C_AUTHN_`
/// (`65535 SECPKG_ID_NONE`); just the number for an id the SDK does not name.
pub fn package_id(id: PackageId) -> String {
    match id.sdk_name() {
        Some(name) => format!("{} {}", id.value(), name.strip_prefix("RPC_C_AUTHN_").unwrap_or(name)),
        None => id.value().to_string(),
    }
}

/// A 32-bit value as 10 characters, `0x000f3bbf`.
pub fn hex(bits: u32) -> String {
    format!("{bits:#010x}")
}

/// The compact capability summary of `secpkg list`: `0x000f3bbf (16 flags)`, with the unknown
/// bits added when there are any, `0x040f3bbf (16 flags + 0x04000000)`.
pub fn capability_summary(capabilities: Capabilities) -> String {
    let known = capabilities.flags().len();
    let flags = if known == 1 { "flag" } else { "flags" };
    match capabilities.unknown_bits() {
        0 => format!("{} ({known} {flags})", hex(capabilities.bits())),
        unknown => format!("{} ({known} {flags} + {})", hex(capabilities.bits()), hex(unknown)),
    }
}

/// Every capability name and unknown bit, `INTEGRITY PRIVACY 0x04000000`; `-` for none.
pub fn capability_names(capabilities: Capabilities) -> String {
    let mut words: Vec<String> = capabilities.flags().map(|c| c.name().to_owned()).collect();
    words.extend(unknown_bits(capabilities.unknown_bits()).map(hex));
    if words.is_empty() { "-".to_owned() } else { words.join(" ") }
}

/// The single bits set in `bits`, ascending.
pub fn unknown_bits(bits: u32) -> impl Iterator<Item = u32> {
    (0..32).map(|shift| 1u32 << shift).filter(move |bit| bits & bit != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_escapes_controls_only() {
        assert_eq!(clean("Kerberos"), "Kerberos");
        assert_eq!(clean("Ünï 認証"), "Ünï 認証");
        assert_eq!(clean("a\nb\u{1b}[31m\u{202E}"), "a\\nb\\u{1b}[31m\\u{202e}");
    }

    #[test]
    fn long_names_are_elided() {
        assert_eq!(quote_elided("short", 10), "'short'");
        assert_eq!(quote_elided("ééééé", 2), "'éé…' (5 characters)");
    }

    #[test]
    fn ids_and_capabilities_are_spelled_compactly() {
        assert_eq!(package_id(PackageId::from_value(16)), "16 GSS_KERBEROS");
        assert_eq!(package_id(PackageId::from_value(0xFFFF)), "65535 SECPKG_ID_NONE");
        assert_eq!(package_id(PackageId::from_value(77)), "77");
        let caps = Capabilities::from_bits_retain(0x0400_0003);
        assert_eq!(capability_summary(caps), "0x04000003 (2 flags + 0x04000000)");
        assert_eq!(capability_summary(Capabilities::from_bits_retain(1)), "0x00000001 (1 flag)");
        assert_eq!(capability_names(caps), "INTEGRITY PRIVACY 0x04000000");
        assert_eq!(capability_names(Capabilities::empty()), "-");
    }
}
