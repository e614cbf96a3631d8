//! Reading the input both derives share: the enum, `#[family(..)]`, each variant's `#[sdk(..)]`
//! and doc line. Nothing here checks an SDK fact (bits, duplicates, names): the generator has
//! checked those, and the compiler types each value. What is checked is the shape of the input,
//! and every error is spanned on the token to change.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::quote;

use crate::parse::{self, Error, Input, Meta, Result, Variant};

/// `#[family(..)]`: the keys each derive accepts are listed in `keys`.
#[derive(Default)]
pub(crate) struct Family {
    pub repr: Option<Ident>,
    pub prefix: Option<String>,
    pub set: Option<Ident>,
    pub hex: bool,
    pub serde: bool,
}

/// One named variant's `#[sdk(..)]` and doc line.
pub(crate) struct Named {
    pub ident: Ident,
    pub name: String,
    pub value: TokenStream,
    pub aliases: Vec<String>,
    pub doc: String,
}

/// Reads a derive's input, which must be a non-generic enum, and its `#[family]`.
pub(crate) fn parse_enum(input: TokenStream, not_an_enum: &str, what: &str, keys: &[&str]) -> Result<(Input, Family)> {
    let input = parse::parse_input(input, not_an_enum, what)?;
    let mut family = Family::default();
    for_each_item(&input.attrs, "family", keys, |item| match item.key.as_str() {
        "repr" => set_once(&mut family.repr, parse_repr(item, keys.contains(&"hex"))?, item),
        "prefix" => set_once(&mut family.prefix, parse_str(item)?, item),
        "set" => set_once(&mut family.set, parse_ident(item, &format!("{}Set", input.ident))?, item),
        "hex" => flag(&mut family.hex, item),
        _ => flag(&mut family.serde, item),
    })?;
    Ok((input, family))
}

/// Reads a named variant's `#[sdk(name = "..", value = <expr>, alias = "..")]` (`alias` only
/// where `keys` has it).
pub(crate) fn parse_named(variant: &Variant, keys: &[&str]) -> Result<Named> {
    if !variant.discriminant.is_empty() {
        let message = "remove the discriminant: the value is given by #[sdk(value = ...)]";
        return Err(Error::over(&variant.discriminant, message));
    }
    let (mut name, mut value, mut aliases) = (None, None, Vec::new());
    for_each_item(&variant.attrs, "sdk", keys, |item| match item.key.as_str() {
        "name" => set_once(&mut name, parse_str(item)?, item),
        "value" => {
            let expr = item.value().ok_or_else(|| item.error("`value` takes an expression: value = ..."))?;
            set_once(&mut value, expr.iter().cloned().collect(), item)
        }
        _ => {
            aliases.push(parse_str(item)?);
            Ok(())
        }
    })?;
    let (Some(name), Some(value)) = (name, value) else {
        let example = variant.ident.to_string().to_uppercase();
        let message =
            format!("each named variant needs its SDK name and value: add #[sdk(name = \"{example}\", value = ...)]");
        return Err(Error::new(variant.ident.span(), message));
    };
    Ok(Named { ident: variant.ident.clone(), name, value, aliases, doc: first_doc_line(&variant.attrs) })
}

/// A `secpkg_family::Member` for a named variant; `name` is the SDK name without `prefix`.
pub(crate) fn member(named: &Named, prefix: &str) -> TokenStream {
    let (value, sdk_name, aliases, doc) = (&named.value, &named.name, &named.aliases, &named.doc);
    let name = sdk_name.strip_prefix(prefix).unwrap_or(sdk_name);
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

/// Runs `each` on every item of every `#[name(...)]` attribute in `attrs`. Keys outside `valid`
/// are rejected here, once, so the message always lists the alternatives.
fn for_each_item(attrs: &[Meta], name: &str, valid: &[&str], mut each: impl FnMut(&Meta) -> Result<()>) -> Result<()> {
    let key_list = valid.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    for attr in attrs.iter().filter(|a| a.key == name) {
        let Some(items) = attr.items() else {
            return Err(attr.error(format!("write the attribute with arguments: #[{name}(...)] taking {key_list}")));
        };
        for item in items {
            if !valid.contains(&item.key.as_str()) {
                let message = format!("unknown key `{}` in #[{name}(...)]: expected one of {key_list}", item.key);
                return Err(item.key_error(message));
            }
            each(&item)?;
        }
    }
    Ok(())
}

/// Stores a key's value, refusing a second one: silently taking the last of two `repr`s would
/// hide a mistake.
fn set_once<T>(slot: &mut Option<T>, value: T, item: &Meta) -> Result<()> {
    if slot.is_some() {
        return Err(item.error(format!("duplicate `{}`: give it once", item.key)));
    }
    *slot = Some(value);
    Ok(())
}

/// A bare flag key (`serde`, `hex`); a value after it is a mistake worth naming.
fn flag(slot: &mut bool, item: &Meta) -> Result<()> {
    let key = &item.key;
    if !item.is_flag() {
        return Err(item.key_error(format!("`{key}` is a flag and takes no value: write just `{key}`")));
    }
    if *slot {
        return Err(item.key_error(format!("duplicate `{key}`: give it once")));
    }
    *slot = true;
    Ok(())
}

/// `repr = <integer>`: the integers `secpkg_family::Int` covers (fixed-width, as the SDK's C
/// types are), unsigned only for a flag set.
fn parse_repr(item: &Meta, signed: bool) -> Result<Ident> {
    let ident = parse_ident(item, "u32")?;
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

fn parse_str(item: &Meta) -> Result<String> {
    let key = &item.key;
    item.single(parse::string_value, &format!("`{key}` takes a string literal: {key} = \"...\""))
}

fn parse_ident(item: &Meta, example: &str) -> Result<Ident> {
    let ident = |tree: &TokenTree| if let TokenTree::Ident(ident) = tree { Some(ident.clone()) } else { None };
    item.single(ident, &format!("`{0}` takes a name: {0} = {example}", item.key))
}

/// The first non-empty line of the item's doc comments, trimmed; `""` if it has none. Docs
/// built by macros (`#[doc = concat!(..)]`) are skipped: documentation, but not readable here.
pub(crate) fn first_doc_line(attrs: &[Meta]) -> String {
    attrs
        .iter()
        .filter(|a| a.key == "doc")
        .filter_map(|a| a.single(parse::string_value, "").ok())
        .flat_map(|doc| doc.lines().map(str::trim).map(str::to_owned).collect::<Vec<_>>())
        .find(|line| !line.is_empty())
        .unwrap_or_default()
}

/// A lower-case noun for messages, from the type's CamelCase name: `KeyUsage` -> "key usage",
/// `HTTPStatus` -> "http status".
pub(crate) fn human_noun(ident: &Ident) -> String {
    let name = ident.to_string().trim_start_matches("r#").to_owned();
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
