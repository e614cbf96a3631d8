//! `#[derive(IdEnum)]`: an enum of named SDK values plus one variant that
//! carries any other raw value, so conversion from the raw integer is total
//! and lossless.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{DeriveInput, Error, Fields, Ident, Result, Type, Variant};

use crate::attrs::{self, Repr};
use crate::template;

struct Family {
    repr: Repr,
    prefix: Option<String>,
    hex: bool,
    serde: bool,
}

struct Known {
    ident: Ident,
    value: i128,
    name: String,
    aliases: Vec<String>,
    doc: String,
}

struct Unknown {
    ident: Ident,
    doc: String,
}

pub(crate) fn derive(input: DeriveInput) -> Result<TokenStream> {
    let variants = attrs::enum_variants(
        &input,
        "#[derive(IdEnum)] needs an enum: write `enum Name { Known, .., Unknown(i32) }` with unit variants and one variant for unknown values",
        "an id enum",
    )?;
    let family = parse_family(&input)?;
    let repr = &family.repr.ident;

    let mut errors = attrs::Errors::default();
    let mut known = Vec::new();
    let mut unknown: Option<Unknown> = None;
    let mut by_value: BTreeMap<i128, Ident> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Ident> = BTreeMap::new();
    for variant in variants {
        match &variant.fields {
            Fields::Unit => match parse_known(variant, &family) {
                Ok((k, value_tokens, name_spans)) => {
                    if let Some(first) = by_value.get(&k.value) {
                        errors.push(Error::new_spanned(
                            value_tokens,
                            format!(
                                "value {} is already the value of `{first}`: list the other SDK name as #[sdk(alias = \"{}\")] on `{first}`",
                                k.value, k.name
                            ),
                        ));
                        continue;
                    }
                    let spellings = std::iter::once(&k.name).chain(&k.aliases);
                    let mut clash = None;
                    for (spelling, span) in spellings.zip(&name_spans) {
                        if let Some(first) = by_name.get(spelling) {
                            clash = Some(Error::new(
                                *span,
                                format!(
                                    "name `{spelling}` is already used by `{first}`: each SDK name belongs to one variant"
                                ),
                            ));
                            break;
                        }
                        by_name.insert(spelling.clone(), k.ident.clone());
                    }
                    match clash {
                        Some(e) => errors.push(e),
                        None => {
                            by_value.insert(k.value, k.ident.clone());
                            known.push(k);
                        }
                    }
                }
                Err(e) => errors.push(e),
            },
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                if let Some(first) = &unknown {
                    errors.push(Error::new(
                        variant.ident.span(),
                        format!(
                            "`{}` already holds the values with no SDK name: make this a unit variant with #[sdk(name = \"...\", value = ...)]",
                            first.ident
                        ),
                    ));
                    continue;
                }
                // Recorded even when its field is wrong, so a second
                // tuple variant is still reported as one too many.
                unknown = Some(Unknown { ident: variant.ident.clone(), doc: attrs::first_doc_line(&variant.attrs) });
                if let Err(e) = check_unknown(variant, &fields.unnamed[0].ty, &family) {
                    errors.push(e);
                }
            }
            fields => errors.push(Error::new_spanned(
                fields,
                format!(
                    "a variant is either a unit variant with #[sdk(..)] or the one variant for unknown values: write `{}({repr})`",
                    variant.ident
                ),
            )),
        }
    }
    if unknown.is_none() {
        errors.push(Error::new(
            input.ident.span(),
            format!("add a variant that holds the values with no SDK name, e.g. `Unknown({repr})`"),
        ));
    }
    errors.finish()?;
    let Some(unknown) = unknown else {
        // Reported above; kept as a branch so this function cannot panic.
        return Ok(TokenStream::new());
    };
    known.sort_by_key(|k| k.value);
    expand(&input, &family, &known, &unknown)
}

fn parse_family(input: &DeriveInput) -> Result<Family> {
    let (mut repr, mut prefix, mut hex, mut serde) = (None, None, false, false);
    attrs::for_each_item(&input.attrs, "family", &["repr", "prefix", "hex", "serde"], |key, meta| match key {
        "repr" => attrs::set_once(&mut repr, Repr::parse(meta, true)?, meta, key),
        "prefix" => attrs::set_once(&mut prefix, attrs::parse_str(meta, key)?.value(), meta, key),
        "hex" => attrs::flag(&mut hex, meta, key),
        _ => attrs::flag(&mut serde, meta, key),
    })?;
    let repr = repr.ok_or_else(|| {
        Error::new(input.ident.span(), "missing the raw integer type: add #[family(repr = i32)] (or u16, u32, ...)")
    })?;
    Ok(Family { repr, prefix, hex, serde })
}

/// Parses a unit variant's `#[sdk]`; also returns the value tokens and the
/// spans of the name and each alias, for the cross-variant checks.
fn parse_known(variant: &Variant, family: &Family) -> Result<(Known, TokenStream, Vec<Span>)> {
    if let Some((eq, expr)) = &variant.discriminant {
        return Err(Error::new_spanned(
            quote!(#eq #expr),
            "remove the discriminant: the value is given by #[sdk(value = ...)]",
        ));
    }
    let (mut name, mut value, mut aliases) = (None, None, Vec::new());
    attrs::for_each_item(&variant.attrs, "sdk", &["name", "value", "alias"], |key, meta| match key {
        "name" => attrs::set_once(&mut name, attrs::parse_str(meta, key)?, meta, key),
        "value" => attrs::set_once(&mut value, attrs::parse_int(meta)?, meta, key),
        _ => {
            aliases.push(attrs::parse_str(meta, key)?);
            Ok(())
        }
    })?;
    let (Some(name_lit), Some(value)) = (name, value) else {
        let example = format!("{}{}", family.prefix.as_deref().unwrap_or(""), variant.ident.to_string().to_uppercase());
        return Err(Error::new(
            variant.ident.span(),
            format!("each known variant needs its SDK name and value: add #[sdk(name = \"{example}\", value = ...)]"),
        ));
    };
    let mut spans = vec![name_lit.span()];
    let name = attrs::check_c_identifier(&name_lit)?;
    let mut alias_names = Vec::new();
    for alias in &aliases {
        alias_names.push(attrs::check_c_identifier(alias)?);
        spans.push(alias.span());
    }
    let known = Known {
        ident: variant.ident.clone(),
        value: value.fit(&family.repr)?,
        name,
        aliases: alias_names,
        doc: attrs::first_doc_line(&variant.attrs),
    };
    Ok((known, value.tokens, spans))
}

fn check_unknown(variant: &Variant, ty: &Type, family: &Family) -> Result<()> {
    if let Some(attr) = variant.attrs.iter().find(|a| a.path().is_ident("sdk")) {
        return Err(Error::new_spanned(attr, "the variant for unknown values has no SDK name: remove this #[sdk(..)]"));
    }
    // Another primitive integer is certainly wrong; anything else (an alias
    // such as `HRESULT`) is left to the type checker, which sees through it.
    if let Type::Path(path) = ty {
        if let Some(ident) = path.path.get_ident() {
            let primitive = ["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize"];
            if primitive.contains(&ident.to_string().as_str()) && *ident != family.repr.ident {
                return Err(Error::new_spanned(
                    ty,
                    format!(
                        "the unknown variant holds the raw value: write `{}({})`",
                        variant.ident, family.repr.ident
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn expand(input: &DeriveInput, family: &Family, known: &[Known], unknown: &Unknown) -> Result<TokenStream> {
    let vis = &input.vis;
    let ty = &input.ident;
    let error = format_ident!("Parse{}Error", ty, span = ty.span());
    let repr = &family.repr.ident;
    let unsigned = family.repr.unsigned();
    let unk = &unknown.ident;
    let unk_doc = &unknown.doc;

    let idents: Vec<_> = known.iter().map(|k| &k.ident).collect();
    let values: Vec<_> = known.iter().map(|k| family.repr.literal(k.value, false)).collect();
    let names: Vec<_> = known.iter().map(|k| &k.name).collect();
    let docs: Vec<_> = known.iter().map(|k| &k.doc).collect();
    let aliases = known.iter().map(|k| {
        let a = &k.aliases;
        quote!(&[#(#a),*])
    });
    let spellings = known.iter().map(|k| {
        let (name, aliases) = (&k.name, &k.aliases);
        quote!(#name #(| #aliases)*)
    });

    let noun = attrs::human_noun(ty);
    let msg_unknown = format!("unknown {noun} name");
    let msg_empty = format!("empty {noun} name");
    let msg_bad_value = format!("invalid {noun} value");
    let expecting = format!("a {noun} name or integer");

    let display_unknown =
        if family.hex { quote!(::core::write!(f, "{:#X}", raw)) } else { quote!(::core::fmt::Display::fmt(&raw, f)) };
    let from_pattern = if family.repr.signed {
        quote!(<#unsigned>::from_str_radix(hex, 16).ok().map(|bits| bits as #repr))
    } else {
        quote!(<#repr>::from_str_radix(hex, 16).ok())
    };

    let doc_known = format!("Every named [`{ty}`], in ascending order of raw value.");
    let doc_name = match &family.prefix {
        Some(prefix) => {
            format!("The full SDK name (these start with `{prefix}`); `None` for [`{ty}::{unk}`].")
        }
        None => format!("The full SDK name; `None` for [`{ty}::{unk}`]."),
    };
    let doc_from_raw = format!(
        "The variant for `raw`: the named one if the SDK names this value, else [`{ty}::{unk}`]. \
         This is the canonical constructor: `{unk}` holding a named value is never produced."
    );
    let doc_error = format!("Error from parsing a [`{ty}`] from text.");
    let parse_error = attrs::parse_error_type(vis, &error, &doc_error, " The text that could not be parsed.")?;
    let hex_doc = if family.hex { "`0x` and the upper-case hex bit pattern" } else { "the decimal value" };
    let doc_display = format!("Formats the SDK name, or for an unknown value {hex_doc}.");

    let assert_copy = quote_spanned! {ty.span()=>
        const _: () = {
            fn assert_copy<T: ::core::marker::Copy>() {}
            let _ = assert_copy::<#ty>;
        };
    };

    let serde = if family.serde {
        // A signed family also takes the unsigned bit pattern (an HRESULT
        // written as 2148074245 by a tool that thinks in DWORDs), as its hex
        // text does.
        let from_u64 = if family.repr.signed {
            quote! {
                <#repr as ::core::convert::TryFrom<u64>>::try_from(v)
                    .ok()
                    .or_else(|| <#unsigned as ::core::convert::TryFrom<u64>>::try_from(v).ok().map(|bits| bits as #repr))
            }
        } else {
            quote!(<#repr as ::core::convert::TryFrom<u64>>::try_from(v).ok())
        };
        let holes = [
            ("ty", quote!(#ty)),
            ("repr", quote!(#repr)),
            ("from_u64", from_u64),
            ("expecting", template::string(&expecting)),
        ];
        template::fill("id_enum_serde", include_str!("templates/id_enum_serde.rs.in"), &holes)?
    } else {
        TokenStream::new()
    };

    let holes = [
        ("assert_copy", assert_copy),
        ("parse_error", parse_error),
        ("serde", serde),
        ("ty", quote!(#ty)),
        ("error", quote!(#error)),
        ("repr", quote!(#repr)),
        ("unk", quote!(#unk)),
        ("all", quote!(#(Self::#idents),*)),
        ("from_raw_arms", quote!(#(#values => Self::#idents,)*)),
        ("raw_arms", quote!(#(Self::#idents => #values,)*)),
        ("name_arms", quote!(#(Self::#idents => ::core::option::Option::Some(#names),)*)),
        ("doc_arms", quote!(#(Self::#idents => #docs,)*)),
        ("alias_arms", quote!(#(Self::#idents => #aliases,)*)),
        ("from_name_arms", quote!(#(#spellings => return ::core::result::Result::Ok(Self::#idents),)*)),
        ("display_unknown", display_unknown),
        ("from_pattern", from_pattern),
        ("unk_doc", template::string(unk_doc)),
        ("doc_known", template::string(&doc_known)),
        ("doc_from_raw", template::string(&doc_from_raw)),
        ("doc_name", template::string(&doc_name)),
        ("doc_display", template::string(&doc_display)),
        ("msg_unknown", template::string(&msg_unknown)),
        ("msg_empty", template::string(&msg_empty)),
        ("msg_bad_value", template::string(&msg_bad_value)),
    ];
    template::fill("id_enum", include_str!("templates/id_enum.rs.in"), &holes)
}
