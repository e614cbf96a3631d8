//! Parsing shared by the three derives: helper-attribute key lists, integer
//! reprs and literals, doc lines and names.
//!
//! Every failure here is a `syn::Error` spanned on the token the user has to
//! change, so the derives can simply propagate with `?`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{
    Attribute, Data, DeriveInput, Error, Expr, ExprLit, Ident, Lit, LitInt, LitStr, Meta, Result, Token, Variant,
};

/// The variants of a derive's input, which must be a non-generic enum: otherwise `not_an_enum`
/// at the `struct`/`union` keyword, or "`what` cannot be generic" at the generics.
pub(crate) fn enum_variants<'a>(
    input: &'a DeriveInput,
    not_an_enum: &str,
    what: &str,
) -> Result<&'a Punctuated<Variant, Token![,]>> {
    let variants = match &input.data {
        Data::Enum(data) => &data.variants,
        Data::Struct(data) => return Err(Error::new(data.struct_token.span, not_an_enum)),
        Data::Union(data) => return Err(Error::new(data.union_token.span, not_an_enum)),
    };
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(&input.generics, format!("{what} cannot be generic: remove the `<...>`")));
    }
    Ok(variants)
}

/// Collects a derive's errors, so that one expansion reports every mistake, not just the first.
#[derive(Default)]
#[must_use = "call `finish()?`, or the collected errors are lost"]
pub(crate) struct Errors(Option<Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// `Err` with every error pushed, if any.
    pub(crate) fn finish(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Runs `each` on every item of every `#[name(...)]` attribute in `attrs`.
///
/// Keys outside `valid` are rejected here, once, so each derive only has to
/// handle the keys it knows and the message always lists the alternatives.
pub(crate) fn for_each_item(
    attrs: &[Attribute],
    name: &str,
    valid: &[&str],
    mut each: impl FnMut(&str, &ParseNestedMeta<'_>) -> Result<()>,
) -> Result<()> {
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        if !matches!(attr.meta, Meta::List(_)) {
            return Err(Error::new_spanned(
                attr,
                format!("write the attribute with arguments: #[{name}(...)] taking {}", key_list(valid)),
            ));
        }
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(Ident::to_string).filter(|key| valid.contains(&key.as_str()));
            match key {
                Some(key) => each(&key, &meta),
                None => Err(meta.error(format!(
                    "unknown key `{}` in #[{name}(...)]: expected one of {}",
                    meta.path.to_token_stream().to_string().replace(' ', ""),
                    key_list(valid),
                ))),
            }
        })?;
    }
    Ok(())
}

fn key_list(valid: &[&str]) -> String {
    valid.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// Stores a key's value, refusing a second one: silently taking the last of
/// two `repr`s (possibly in different `#[family]` attributes) would hide a
/// mistake.
pub(crate) fn set_once<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>, key: &str) -> Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("duplicate `{key}`: give it once")));
    }
    *slot = Some(value);
    Ok(())
}

/// Accepts a bare flag key (`serde`, `hex`, `exhaustive`); a value after it is
/// a mistake worth naming rather than a generic parse error.
pub(crate) fn flag(slot: &mut bool, meta: &ParseNestedMeta<'_>, key: &str) -> Result<()> {
    if !(meta.input.is_empty() || meta.input.peek(Token![,])) {
        return Err(meta.error(format!("`{key}` is a flag and takes no value: write just `{key}`")));
    }
    if *slot {
        return Err(meta.error(format!("duplicate `{key}`: give it once")));
    }
    *slot = true;
    Ok(())
}

pub(crate) fn parse_str(meta: &ParseNestedMeta<'_>, key: &str) -> Result<LitStr> {
    let input = meta.value()?;
    if !input.peek(LitStr) {
        return Err(input.error(format!("`{key}` takes a string literal: {key} = \"...\"")));
    }
    input.parse()
}

pub(crate) fn parse_ident(meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> Result<Ident> {
    let input = meta.value()?;
    if !input.peek(Ident) {
        return Err(input.error(format!("`{key}` takes a name: {key} = {example}")));
    }
    input.parse()
}

/// The integer type named by `repr = ...`.
pub(crate) struct Repr {
    pub ident: Ident,
    pub bits: u32,
    pub signed: bool,
}

impl Repr {
    /// Parses `repr = <int type>`. Pointer-sized and 128-bit types are left
    /// out: the SDK constants are fixed-width C types, and values are checked
    /// against the width at expansion time, which `usize` does not have.
    pub(crate) fn parse(meta: &ParseNestedMeta<'_>, allow_signed: bool) -> Result<Repr> {
        let supported = if allow_signed { "u8, u16, u32, u64, i8, i16, i32 or i64" } else { "u8, u16, u32 or u64" };
        let ident = parse_ident(meta, "repr", "u32")?;
        let name = ident.to_string();
        let (signed, bits) = if let Some(width) = name.strip_prefix('u') {
            (false, width)
        } else if let Some(width) = name.strip_prefix('i') {
            (true, width)
        } else {
            (false, "")
        };
        let bits = match bits {
            "8" => 8,
            "16" => 16,
            "32" => 32,
            "64" => 64,
            _ => 0,
        };
        if bits == 0 {
            return Err(Error::new(ident.span(), format!("unsupported repr `{name}`: use one of {supported}")));
        }
        if signed && !allow_signed {
            return Err(Error::new(
                ident.span(),
                format!("a flag set needs an unsigned repr: use `u{bits}` instead of `{name}`"),
            ));
        }
        Ok(Repr { ident, bits, signed })
    }

    pub(crate) fn min(&self) -> i128 {
        if self.signed { -(1i128 << (self.bits - 1)) } else { 0 }
    }

    pub(crate) fn max(&self) -> i128 {
        if self.signed { (1i128 << (self.bits - 1)) - 1 } else { (1i128 << self.bits) - 1 }
    }

    /// The unsigned type of the same width, used to read and print bit
    /// patterns of signed values.
    pub(crate) fn unsigned(&self) -> Ident {
        Ident::new(&format!("u{}", self.bits), self.ident.span())
    }

    /// A literal of this type. Negative values are emitted as `-` and a
    /// positive literal, since that is how rustc itself tokenizes them, and
    /// the form is valid in both expressions and patterns.
    pub(crate) fn literal(&self, value: i128, hex: bool) -> TokenStream {
        let magnitude = value.unsigned_abs();
        let text = if hex { format!("{magnitude:#x}{}", self.ident) } else { format!("{magnitude}{}", self.ident) };
        let lit = LitInt::new(&text, Span::call_site());
        if value < 0 { quote!(- #lit) } else { quote!(#lit) }
    }
}

/// An integer literal from `value = ...`, possibly negated.
pub(crate) struct IntLit {
    pub value: i128,
    /// Written in hex, octal or binary: such a literal names a bit pattern,
    /// which is what lets `0x80090305` stand for a negative `i32`.
    pub pattern: bool,
    pub suffix: String,
    /// The `-` (if any) and the literal, for error spans.
    pub tokens: TokenStream,
}

pub(crate) fn parse_int(meta: &ParseNestedMeta<'_>) -> Result<IntLit> {
    let input = meta.value()?;
    let minus: Option<Token![-]> = input.parse()?;
    if !input.peek(LitInt) {
        return Err(input.error("`value` takes an integer literal: value = 0x1 or value = -5"));
    }
    let lit: LitInt = input.parse()?;
    let tokens = quote!(#minus #lit);
    let magnitude: u128 = lit
        .base10_parse()
        .map_err(|_| Error::new_spanned(&tokens, "integer literal too large: SDK values fit in 64 bits"))?;
    let value = i128::try_from(magnitude)
        .map(|m| if minus.is_some() { -m } else { m })
        .map_err(|_| Error::new_spanned(&tokens, "integer literal too large: SDK values fit in 64 bits"))?;
    let digits = lit.to_string();
    let pattern = ["0x", "0o", "0b"].iter().any(|p| digits.starts_with(p));
    Ok(IntLit { value, pattern, suffix: lit.suffix().to_owned(), tokens })
}

impl IntLit {
    /// Checks the literal against the repr and returns the value the repr
    /// holds. For a signed repr, a non-decimal literal above the maximum but
    /// within the width is the unsigned bit pattern (HRESULT style,
    /// `0x80090305` for `i32`) and is reinterpreted; a decimal one is not,
    /// because nobody writes a bit pattern in decimal on purpose.
    pub(crate) fn fit(&self, repr: &Repr) -> Result<i128> {
        if !self.suffix.is_empty() && self.suffix != repr.ident.to_string().as_str() {
            return Err(Error::new_spanned(
                &self.tokens,
                format!(
                    "literal suffix `{}` does not match the repr: drop the suffix or write `{}`",
                    self.suffix, repr.ident
                ),
            ));
        }
        let v = self.value;
        if (repr.min()..=repr.max()).contains(&v) {
            return Ok(v);
        }
        let width_max = (1i128 << repr.bits) - 1;
        if repr.signed && self.pattern && v > 0 && v <= width_max {
            return Ok(v - (1i128 << repr.bits));
        }
        let hint = if repr.signed && v > 0 && v <= width_max {
            format!("; write the bit pattern in hex ({v:#x}) or the negative value {}", v - (1i128 << repr.bits))
        } else if v < 0 && !repr.signed {
            format!(": a negative value needs a signed repr such as `i{}`", repr.bits)
        } else {
            format!(" (range {}..={}): use a wider repr", repr.min(), repr.max())
        };
        Err(Error::new_spanned(&self.tokens, format!("value {} does not fit `{}`{hint}", self.display(), repr.ident)))
    }

    pub(crate) fn display(&self) -> String {
        self.tokens.to_string().replace(' ', "")
    }
}

/// The `Parse<Name>Error` type both derives generate: the struct, `token()`, Display and Error.
pub(crate) fn parse_error_type(
    vis: &syn::Visibility,
    error: &Ident,
    doc: &str,
    token_doc: &str,
) -> Result<TokenStream> {
    let holes = [
        ("vis", vis.to_token_stream()),
        ("error", error.to_token_stream()),
        ("doc", crate::template::string(doc)),
        ("token_doc", crate::template::string(token_doc)),
    ];
    crate::template::fill("parse_error", include_str!("templates/parse_error.rs.in"), &holes)
}

/// The first non-empty line of the item's doc comments, trimmed; `""` if it
/// has none. Docs built by macros (`#[doc = concat!(..)]`) are skipped rather
/// than rejected: they are still documentation, just not one we can read.
pub(crate) fn first_doc_line(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|doc| doc.lines().map(str::trim).map(str::to_owned).collect::<Vec<_>>())
        .find(|line| !line.is_empty())
        .unwrap_or_default()
}

/// SDK names are C identifiers. Requiring that keeps the textual forms
/// unambiguous: a name can never contain the `|` separator or whitespace, nor
/// be mistaken for a number.
pub(crate) fn check_c_identifier(lit: &LitStr) -> Result<String> {
    let name = lit.value();
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(Error::new(
            lit.span(),
            format!("SDK name {name:?} is not a C identifier: write the constant's name, e.g. \"SOME_CONSTANT\""),
        ))
    }
}

/// A lower-case noun for messages, from the type's CamelCase name:
/// `Capability` -> "capability", `KeyUsage` -> "key usage",
/// `HTTPStatus` -> "http status".
pub(crate) fn human_noun(ident: &Ident) -> String {
    let name = syn::ext::IdentExt::unraw(ident).to_string();
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
            continue;
        }
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || (chars[i - 1].is_uppercase() && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
        if boundary && !out.ends_with(' ') {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nouns() {
        let noun = |s: &str| human_noun(&Ident::new(s, Span::call_site()));
        assert_eq!(noun("Capability"), "capability");
        assert_eq!(noun("KeyUsage"), "key usage");
        assert_eq!(noun("HTTPStatus"), "http status");
        assert_eq!(noun("Status"), "status");
        assert_eq!(noun("Win32Error"), "win32 error");
    }
}
