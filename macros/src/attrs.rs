//! Reading the input both derives share: the enum, `#[family(..)]`, each variant's `#[sdk(..)]`
//! and doc line. Nothing here checks an SDK fact (bits, duplicates, names): the generator has
//! checked those, and the compiler types each value. What is checked is the shape of the input,
//! and every error is spanned on the token to change.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Data, DeriveInput, Error, Expr, ExprLit, Ident, Lit, LitStr, Meta, Result, Token, Variant};

/// `#[family(..)]`: the keys each derive accepts are listed in `keys`.
#[derive(Default)]
pub(crate) struct Family {
    pub repr: Option<Ident>,
    pub prefix: Option<LitStr>,
    pub set: Option<Ident>,
    pub hex: bool,
    pub serde: bool,
}

/// One named variant's `#[sdk(..)]` and doc line.
pub(crate) struct Named {
    pub ident: Ident,
    pub name: LitStr,
    pub value: Expr,
    pub aliases: Vec<LitStr>,
    pub doc: String,
}

/// The variants of a derive's input, which must be a non-generic enum, and its `#[family]`.
pub(crate) fn parse_enum<'a>(
    input: &'a DeriveInput,
    not_an_enum: &str,
    what: &str,
    keys: &[&str],
) -> Result<(Vec<&'a Variant>, Family)> {
    let variants = match &input.data {
        Data::Enum(data) => data.variants.iter().collect(),
        Data::Struct(data) => return Err(Error::new(data.struct_token.span, not_an_enum)),
        Data::Union(data) => return Err(Error::new(data.union_token.span, not_an_enum)),
    };
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(&input.generics, format!("{what} cannot be generic: remove the `<...>`")));
    }
    let mut family = Family::default();
    for_each_item(&input.attrs, "family", keys, |key, meta| match key {
        "repr" => set_once(&mut family.repr, parse_repr(meta, keys.contains(&"hex"))?, meta, key),
        "prefix" => set_once(&mut family.prefix, parse_str(meta, key)?, meta, key),
        "set" => set_once(&mut family.set, parse_ident(meta, key, &format!("{}Set", input.ident))?, meta, key),
        "hex" => flag(&mut family.hex, meta, key),
        _ => flag(&mut family.serde, meta, key),
    })?;
    Ok((variants, family))
}

/// Reads a named variant's `#[sdk(name = "..", value = <expr>, alias = "..")]` (`alias` only
/// where `keys` has it).
pub(crate) fn parse_named(variant: &Variant, keys: &[&str]) -> Result<Named> {
    if let Some((eq, expr)) = &variant.discriminant {
        return Err(Error::new_spanned(
            quote!(#eq #expr),
            "remove the discriminant: the value is given by #[sdk(value = ...)]",
        ));
    }
    let (mut name, mut value, mut aliases) = (None, None, Vec::new());
    for_each_item(&variant.attrs, "sdk", keys, |key, meta| match key {
        "name" => set_once(&mut name, parse_str(meta, key)?, meta, key),
        "value" => set_once(&mut value, meta.value()?.parse::<Expr>()?, meta, key),
        _ => {
            aliases.push(parse_str(meta, key)?);
            Ok(())
        }
    })?;
    let (Some(name), Some(value)) = (name, value) else {
        let example = variant.ident.to_string().to_uppercase();
        return Err(Error::new(
            variant.ident.span(),
            format!("each named variant needs its SDK name and value: add #[sdk(name = \"{example}\", value = ...)]"),
        ));
    };
    Ok(Named { ident: variant.ident.clone(), name, value, aliases, doc: first_doc_line(&variant.attrs) })
}

/// A `secpkg_family::Member` for a named variant; `name` is the SDK name without `prefix`.
pub(crate) fn member(named: &Named, prefix: &str) -> TokenStream {
    let (value, sdk_name, aliases, doc) = (&named.value, named.name.value(), &named.aliases, &named.doc);
    let name = sdk_name.strip_prefix(prefix).unwrap_or(&sdk_name);
    quote!(::secpkg_family::Member::new(#value, #sdk_name, #name, &[#(#aliases),*], #doc))
}

/// The items of `Family` that both derives emit alike: the value type, the noun, the member
/// table in declaration order, and `ALL` sorted by value at compile time.
pub(crate) fn family_table(
    rt: &TokenStream,
    repr: &Ident,
    noun: &str,
    members: impl Iterator<Item = TokenStream>,
    idents: &[&Ident],
) -> TokenStream {
    let positions = 0..idents.len();
    let (members, sorted) = (members.collect::<Vec<_>>(), positions.clone());
    quote! {
        type Value = #repr;
        const NOUN: &'static str = #noun;
        const MEMBERS: &'static [#rt::Member<#repr>] = &[#(#members),*];
        const ALL: &'static [Self] = &{
            let order = #rt::ascending([#(Self::MEMBERS[#positions].value as i128),*]);
            let declared: &[Self] = &[#(Self::#idents),*];
            [#(declared[order[#sorted]]),*]
        };
    }
}

/// `Display` and `FromStr` for `ty`, forwarding to `fmt_{kind}` and `parse_{kind}` of the
/// runtime; `error` is the parse error type.
pub(crate) fn text_impls(rt: &TokenStream, ty: &Ident, error: &Ident, kind: &str) -> TokenStream {
    let fmt = quote::format_ident!("fmt_{kind}");
    let parse = quote::format_ident!("parse_{kind}");
    quote! {
        impl ::core::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #rt::#fmt(*self, f)
            }
        }

        impl ::core::str::FromStr for #ty {
            type Err = #error;
            fn from_str(text: &str) -> ::core::result::Result<Self, #error> {
                #rt::#parse(text)
            }
        }
    }
}

/// serde's traits for `ty`, forwarding to `serialize_{kind}` and `deserialize_{kind}` of the
/// runtime's `serde_support`.
pub(crate) fn serde_impls(rt: &TokenStream, ty: &Ident, kind: &str) -> TokenStream {
    let serde = quote!(#rt::serde_support::serde);
    let serialize = quote::format_ident!("serialize_{kind}");
    let deserialize = quote::format_ident!("deserialize_{kind}");
    quote! {
        impl #serde::Serialize for #ty {
            fn serialize<S: #serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                #rt::serde_support::#serialize(*self, serializer)
            }
        }
        impl<'de> #serde::Deserialize<'de> for #ty {
            fn deserialize<D: #serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                #rt::serde_support::#deserialize(deserializer)
            }
        }
    }
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

    pub(crate) fn finish(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Runs `each` on every item of every `#[name(...)]` attribute in `attrs`. Keys outside `valid`
/// are rejected here, once, so the message always lists the alternatives.
fn for_each_item(
    attrs: &[Attribute],
    name: &str,
    valid: &[&str],
    mut each: impl FnMut(&str, &ParseNestedMeta<'_>) -> Result<()>,
) -> Result<()> {
    let key_list = valid.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        if !matches!(attr.meta, Meta::List(_)) {
            return Err(Error::new_spanned(
                attr,
                format!("write the attribute with arguments: #[{name}(...)] taking {key_list}"),
            ));
        }
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(Ident::to_string).filter(|key| valid.contains(&key.as_str()));
            match key {
                Some(key) => each(&key, &meta),
                None => Err(meta.error(format!(
                    "unknown key `{}` in #[{name}(...)]: expected one of {key_list}",
                    meta.path.to_token_stream().to_string().replace(' ', ""),
                ))),
            }
        })?;
    }
    Ok(())
}

/// Stores a key's value, refusing a second one: silently taking the last of two `repr`s would
/// hide a mistake.
fn set_once<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>, key: &str) -> Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("duplicate `{key}`: give it once")));
    }
    *slot = Some(value);
    Ok(())
}

/// A bare flag key (`serde`, `hex`); a value after it is a mistake worth naming.
fn flag(slot: &mut bool, meta: &ParseNestedMeta<'_>, key: &str) -> Result<()> {
    if !(meta.input.is_empty() || meta.input.peek(Token![,])) {
        return Err(meta.error(format!("`{key}` is a flag and takes no value: write just `{key}`")));
    }
    if *slot {
        return Err(meta.error(format!("duplicate `{key}`: give it once")));
    }
    *slot = true;
    Ok(())
}

/// `repr = <integer>`: the integers `secpkg_family::Int` covers (fixed-width, as the SDK's C
/// types are), unsigned only for a flag set.
fn parse_repr(meta: &ParseNestedMeta<'_>, signed: bool) -> Result<Ident> {
    let ident = parse_ident(meta, "repr", "u32")?;
    let name = ident.to_string();
    let unsigned = ["u8", "u16", "u32", "u64"].contains(&name.as_str());
    if unsigned || (signed && ["i8", "i16", "i32", "i64"].contains(&name.as_str())) {
        return Ok(ident);
    }
    let message = match name.strip_prefix('i') {
        Some(width) if !signed && ["8", "16", "32", "64"].contains(&width) => {
            format!("a flag set needs an unsigned repr: use `u{width}` instead of `{name}`")
        }
        _ if signed => format!("unsupported repr `{name}`: use one of u8, u16, u32, u64, i8, i16, i32 or i64"),
        _ => format!("unsupported repr `{name}`: use one of u8, u16, u32 or u64"),
    };
    Err(Error::new(ident.span(), message))
}

fn parse_str(meta: &ParseNestedMeta<'_>, key: &str) -> Result<LitStr> {
    let input = meta.value()?;
    if !input.peek(LitStr) {
        return Err(input.error(format!("`{key}` takes a string literal: {key} = \"...\"")));
    }
    input.parse()
}

fn parse_ident(meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> Result<Ident> {
    let input = meta.value()?;
    if !input.peek(Ident) {
        return Err(input.error(format!("`{key}` takes a name: {key} = {example}")));
    }
    input.parse()
}

/// The first non-empty line of the item's doc comments, trimmed; `""` if it has none. Docs
/// built by macros (`#[doc = concat!(..)]`) are skipped: documentation, but not readable here.
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

/// A lower-case noun for messages, from the type's CamelCase name: `KeyUsage` -> "key usage",
/// `HTTPStatus` -> "http status".
pub(crate) fn human_noun(ident: &Ident) -> String {
    let name = syn::ext::IdentExt::unraw(ident).to_string();
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || (chars[i - 1].is_uppercase() && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
        if (boundary || c == '_') && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        if c != '_' {
            out.extend(c.to_lowercase());
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

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
