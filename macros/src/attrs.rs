//! Reading what the derives share: `#[family(..)]` and each member's `#[sdk(..)]`, with syn's
//! `parse_nested_meta`. Nothing here checks an SDK fact (bits, duplicates, names): the generator
//! has checked those, and the compiler types each value. What is checked is the shape of the
//! input, and every error is spanned on the token to change.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Error, Expr, Ident, LitStr, Result, Token};

/// `#[family(..)]`: the keys each derive accepts are listed in `keys`.
#[derive(Default)]
pub(crate) struct Family {
    pub repr: Option<Ident>,
    pub prefix: Option<String>,
    pub set: Option<Ident>,
    pub hex: bool,
    pub serde: bool,
}

/// One named member: its `#[sdk(..)]` and doc line.
pub(crate) struct Named {
    pub name: LitStr,
    pub value: Expr,
    pub aliases: Vec<LitStr>,
    pub doc: String,
}

impl Named {
    /// The member's name by the one naming rule: its SDK name less the family's prefix.
    pub(crate) fn short_name(&self, prefix: &str) -> String {
        let name = self.name.value();
        name.strip_prefix(prefix).unwrap_or(&name).to_owned()
    }
}

/// Reads `#[family(..)]` (there may be several); `signed` allows a signed repr.
pub(crate) fn parse_family(attrs: &[Attribute], keys: &[&str], signed: bool, ty: &Ident) -> Result<Family> {
    let mut family = Family::default();
    for_each_item(attrs, "family", keys, |key, meta| match key.as_str() {
        "repr" => set_once(&mut family.repr, parse_repr(&meta, signed)?, &meta),
        "prefix" => set_once(&mut family.prefix, parse_str(&meta)?.value(), &meta),
        "set" => set_once(&mut family.set, parse_ident(&meta, &format!("{ty}Set"))?, &meta),
        "hex" => flag(&mut family.hex, &meta),
        _ => flag(&mut family.serde, &meta),
    })?;
    Ok(family)
}

/// Reads a member's `#[sdk(name = "..", value = <expr>, alias = "..", doc = "..")]` from the
/// `#[sdk]`s of `attrs` (`alias` and `doc` only where `keys` has them); `at` is where a missing
/// key is reported.
pub(crate) fn parse_sdk(attrs: &[Attribute], keys: &[&str], at: &dyn quote::ToTokens, example: &str) -> Result<Named> {
    let (mut name, mut value, mut aliases, mut doc) = (None, None, Vec::new(), None);
    for_each_item(attrs, "sdk", keys, |key, meta| match key.as_str() {
        "name" => set_once(&mut name, parse_str(&meta)?, &meta),
        "value" => set_once(&mut value, parse_value(meta.value()?)?, &meta),
        "doc" => set_once(&mut doc, first_line(&parse_str(&meta)?.value()), &meta),
        _ => {
            aliases.push(parse_str(&meta)?);
            Ok(())
        }
    })?;
    let (Some(name), Some(value)) = (name, value) else {
        let message =
            format!("each named member needs its SDK name and value: add #[sdk(name = \"{example}\", value = ...)]");
        return Err(Error::new_spanned(at, message));
    };
    Ok(Named { name, value, aliases, doc: doc.unwrap_or_default() })
}

/// A value: an expression as syn reads it without its `full` feature (serde_derive's features,
/// so that a graph with both builds syn once), else, for what needs `full` (a block with
/// statements), its tokens up to the next `,` outside any group, which the compiler then reads.
fn parse_value(input: syn::parse::ParseStream<'_>) -> Result<Expr> {
    let fork = input.fork();
    if fork.parse::<Expr>().is_ok() && (fork.is_empty() || fork.peek(Token![,])) {
        return input.parse();
    }
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<proc_macro2::TokenTree>()?]);
    }
    if tokens.is_empty() {
        return Err(input.error("`value` takes an expression: value = ..."));
    }
    Ok(Expr::Verbatim(tokens))
}

/// A `secpkg_family::Member` for a named member.
pub(crate) fn member(named: &Named, prefix: &str) -> TokenStream {
    let (value, sdk_name, aliases, doc) = (&named.value, &named.name, &named.aliases, &named.doc);
    let name = named.short_name(prefix);
    quote!(::secpkg_family::Member::new(#value, #sdk_name, #name, &[#(#aliases),*], #doc))
}

/// The items of `Family` that both derives emit alike: the value type, the noun, the member
/// table in declaration order, and `ALL` (the given expressions of `Self`) sorted by value at
/// compile time.
pub(crate) fn family_table(repr: &Ident, noun: &str, members: &[TokenStream], items: &[TokenStream]) -> TokenStream {
    let positions = 0..items.len();
    let sorted = positions.clone();
    quote! {
        type Value = #repr;
        const NOUN: &'static str = #noun;
        const MEMBERS: &'static [::secpkg_family::Member<#repr>] = &[#(#members),*];
        const ALL: &'static [Self] = &{
            let order = ::secpkg_family::ascending([#(Self::MEMBERS[#positions].value as i128),*]);
            let declared: &[Self] = &[#(#items),*];
            [#(declared[order[#sorted]]),*]
        };
    }
}

/// `Display` and `FromStr` for `ty`, forwarding to `fmt` and `parse` of the runtime; `error` is
/// the parse error type.
pub(crate) fn text_impls(ty: &Ident, error: &Ident, fmt: &str, parse: &str) -> TokenStream {
    let (fmt, parse) = (quote::format_ident!("{fmt}"), quote::format_ident!("{parse}"));
    quote! {
        impl ::core::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::secpkg_family::#fmt(*self, f)
            }
        }

        impl ::core::str::FromStr for #ty {
            type Err = #error;
            fn from_str(text: &str) -> ::core::result::Result<Self, #error> {
                ::secpkg_family::#parse(text)
            }
        }
    }
}

/// serde's traits for `ty`, forwarding to `serialize_{kind}` and `deserialize_{kind}` of the
/// runtime's `serde_support`.
pub(crate) fn serde_impls(ty: &Ident, kind: &str) -> TokenStream {
    let rt = quote!(::secpkg_family::serde_support);
    let serialize = quote::format_ident!("serialize_{kind}");
    let deserialize = quote::format_ident!("deserialize_{kind}");
    quote! {
        impl #rt::serde::Serialize for #ty {
            fn serialize<S: #rt::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                #rt::#serialize(*self, serializer)
            }
        }
        impl<'de> #rt::serde::Deserialize<'de> for #ty {
            fn deserialize<D: #rt::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                #rt::#deserialize(deserializer)
            }
        }
    }
}

/// Refuses generics: the derived code is for one concrete SDK type.
pub(crate) fn no_generics(input: &syn::DeriveInput, what: &str) -> Result<()> {
    if input.generics.params.is_empty() {
        return Ok(());
    }
    Err(Error::new_spanned(&input.generics, format!("{what} cannot be generic: remove the `<...>`")))
}

/// Runs `each` on every item of every `#[name(...)]` attribute in `attrs`. Keys outside `valid`
/// are rejected here, once, so the message always lists the alternatives.
pub(crate) fn for_each_item(
    attrs: &[Attribute],
    name: &str,
    valid: &[&str],
    mut each: impl FnMut(String, ParseNestedMeta<'_>) -> Result<()>,
) -> Result<()> {
    let key_list = valid.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        // syn reads `#[name[..]]` and `#[name{..}]` as lists too; Rust's own attributes use `(..)`.
        if let syn::Meta::List(list) = &attr.meta {
            if !matches!(list.delimiter, syn::MacroDelimiter::Paren(_)) {
                return Err(Error::new_spanned(list, format!("expected parentheses: #[{name}(...)]")));
            }
        }
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
            if !valid.contains(&key.as_str()) {
                let message = format!("unknown key in #[{name}(...)]: expected one of {key_list}");
                return Err(Error::new_spanned(&meta.path, message));
            }
            each(key, meta)
        })?;
    }
    Ok(())
}

/// Stores a key's value, refusing a second one: silently taking the last of two `repr`s would
/// hide a mistake.
pub(crate) fn set_once<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) -> Result<()> {
    if slot.is_some() {
        let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
        return Err(Error::new_spanned(&meta.path, format!("duplicate `{key}`: give it once")));
    }
    *slot = Some(value);
    Ok(())
}

/// A bare flag key (`serde`, `hex`); a value after it is a mistake worth naming.
fn flag(slot: &mut bool, meta: &ParseNestedMeta<'_>) -> Result<()> {
    let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        let message = format!("`{key}` is a flag and takes no value: write just `{key}`");
        return Err(Error::new_spanned(&meta.path, message));
    }
    if *slot {
        return Err(Error::new_spanned(&meta.path, format!("duplicate `{key}`: give it once")));
    }
    *slot = true;
    Ok(())
}

/// `repr = <integer>`: the integers `secpkg_family::Int` covers (fixed-width, as the SDK's C
/// types are), unsigned only for a flag set.
fn parse_repr(meta: &ParseNestedMeta<'_>, signed: bool) -> Result<Ident> {
    let ident = parse_ident(meta, "u32")?;
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

pub(crate) fn parse_str(meta: &ParseNestedMeta<'_>) -> Result<LitStr> {
    let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
    let value = meta.value()?;
    value
        .parse::<LitStr>()
        .map_err(|e| Error::new(e.span(), format!("`{key}` takes a string literal: {key} = \"...\"")))
}

pub(crate) fn parse_ident(meta: &ParseNestedMeta<'_>, example: &str) -> Result<Ident> {
    let key = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
    let value = meta.value()?;
    value.parse::<Ident>().map_err(|e| Error::new(e.span(), format!("`{key}` takes a name: {key} = {example}")))
}

/// The first non-empty line of the item's doc comments, trimmed; `""` if it has none. Docs
/// built by macros (`#[doc = concat!(..)]`) are skipped: documentation, but not readable here.
pub(crate) fn first_doc_line(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }),
                ..
            }) => Some(s.value()),
            _ => None,
        })
        .map(|doc| first_line(&doc))
        .find(|line| !line.is_empty())
        .unwrap_or_default()
}

/// The first non-empty line of `doc`, trimmed.
fn first_line(doc: &str) -> String {
    doc.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or_default().to_owned()
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

/// Gathers errors so that one compile reports every mistake of the input.
#[derive(Default)]
pub(crate) struct Errors(Option<Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
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

    fn sdk(attr: Attribute) -> Result<Named> {
        parse_sdk(&[attr], &["name", "value", "alias"], &Ident::new("A", Span::call_site()), "A")
    }

    /// The inputs the hand-written token parser misread: generic arguments inside a value.
    #[test]
    fn a_value_is_a_whole_expression() {
        let named = sdk(syn::parse_quote!(#[sdk(name = "A", value = pick::<u8, u16>())])).unwrap();
        let value = &named.value;
        assert_eq!(quote!(#value).to_string(), quote!(pick::<u8, u16>()).to_string());
        let named = sdk(syn::parse_quote!(#[sdk(value = <X<u8, u16> as T>::V, name = "B", alias = "C")])).unwrap();
        let value = &named.value;
        assert_eq!(quote!(#value).to_string(), quote!(<X<u8, u16> as T>::V).to_string());
        assert_eq!((named.name.value(), named.aliases.len()), ("B".to_owned(), 1));
    }

    #[test]
    fn a_key_without_equals_is_syns_error() {
        let error = sdk(syn::parse_quote!(#[sdk(name: "A", value = 1)])).err().unwrap();
        assert_eq!(error.to_string(), "expected `=`");
        let attr: Attribute = syn::parse_quote!(#[family(repr: u32)]);
        let ty = Ident::new("F", Span::call_site());
        let error = parse_family(&[attr], &["repr"], false, &ty).err().unwrap();
        assert_eq!(error.to_string(), "expected `=`");
    }

    /// The hand-written parser took any group; syn checks the delimiter.
    #[test]
    fn an_attribute_in_brackets_or_braces_is_refused() {
        let ty = Ident::new("F", Span::call_site());
        for attr in [syn::parse_quote!(#[family[repr = u32]]), syn::parse_quote!(#[family{repr = u32}])] {
            let error = parse_family(&[attr], &["repr"], false, &ty).err().unwrap();
            assert!(error.to_string().starts_with("expected parentheses"), "{error}");
        }
        let ok: Attribute = syn::parse_quote!(#[family(repr = u32)]);
        assert_eq!(parse_family(&[ok], &["repr"], false, &ty).unwrap().repr.unwrap(), "u32");
    }
}
