//! `#[derive(FromRaw)]`: an owned struct built field by field from a raw C
//! struct, with every mapping checked by the compiler at the user's tokens.

use std::collections::BTreeMap;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Fields, GenericArgument, Ident, Path, PathArguments, Result, ReturnType, Type};

use crate::attrs;

struct Options {
    raw: Path,
    error: Option<Type>,
    /// The `exhaustive` keyword, so a missing raw field is reported there.
    exhaustive: Option<Span>,
}

struct Mapping {
    owned: Ident,
    /// The owned field's type, for the `From` call that converts into it.
    ty: TokenStream,
    raw_field: Ident,
    with: Option<Path>,
}

pub(crate) fn derive(input: DeriveInput) -> Result<TokenStream> {
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => &named.named,
            other => {
                let span = match other {
                    Fields::Unit => input.ident.span(),
                    _ => other.span(),
                };
                return Err(Error::new(
                    span,
                    "#[derive(FromRaw)] needs named fields to map: write `struct Name { field: Type, .. }`",
                ));
            }
        },
        Data::Enum(data) => return Err(not_a_struct(data.enum_token.span)),
        Data::Union(data) => return Err(not_a_struct(data.union_token.span)),
    };
    let options = parse_options(&input)?;

    let mut errors = attrs::Errors::default();
    let mut mappings = Vec::new();
    let mut seen: BTreeMap<String, Ident> = BTreeMap::new();
    for field in fields {
        let Some(owned) = field.ident.clone() else {
            continue;
        };
        if let Err(e) = check_owned(&field.ty) {
            errors.push(e);
        }
        match parse_mapping(field, &owned) {
            Ok(mapping) => {
                if let Some(first) = seen.get(&mapping.raw_field.to_string()) {
                    errors.push(Error::new(
                        mapping.raw_field.span(),
                        format!(
                            "raw field `{}` is already mapped to `{first}`: map each raw field once and compute the rest after `from_raw`",
                            mapping.raw_field
                        ),
                    ));
                    continue;
                }
                seen.insert(mapping.raw_field.to_string(), owned);
                mappings.push(mapping);
            }
            Err(e) => errors.push(e),
        }
    }
    errors.finish()?;
    Ok(expand(&input, options, &mappings))
}

fn not_a_struct(span: Span) -> Error {
    Error::new(span, "#[derive(FromRaw)] needs a struct with named fields: write `struct Name { field: Type, .. }`")
}

fn parse_options(input: &DeriveInput) -> Result<Options> {
    let (mut raw, mut error, mut exhaustive, mut exhaustive_span) = (None, None, false, None);
    attrs::for_each_item(&input.attrs, "from_raw", &["raw", "error", "exhaustive"], |key, meta| match key {
        "raw" => {
            let value = meta.value()?;
            if !(value.peek(Ident::peek_any) || value.peek(syn::Token![::])) {
                return Err(value.error("`raw` takes the raw struct's path: raw = path::to::RawStruct"));
            }
            attrs::set_once(&mut raw, value.parse::<Path>()?, meta, key)
        }
        "error" => attrs::set_once(&mut error, meta.value()?.parse::<Type>()?, meta, key),
        _ => {
            attrs::flag(&mut exhaustive, meta, key)?;
            exhaustive_span = Some(meta.path.span());
            Ok(())
        }
    })?;
    let raw = raw.ok_or_else(|| {
        Error::new(
            input.ident.span(),
            "missing the raw struct to convert from: add #[from_raw(raw = path::to::RawStruct)]",
        )
    })?;
    Ok(Options { raw, error, exhaustive: exhaustive_span })
}

fn parse_mapping(field: &syn::Field, owned: &Ident) -> Result<Mapping> {
    let (mut raw_field, mut with) = (None, None);
    attrs::for_each_item(&field.attrs, "from_raw", &["field", "with"], |key, meta| match key {
        "field" => attrs::set_once(&mut raw_field, attrs::parse_ident(meta, key, "RawFieldName")?, meta, key),
        _ => attrs::set_once(&mut with, meta.value()?.parse::<Path>()?, meta, key),
    })?;
    let raw_field = raw_field.ok_or_else(|| {
        Error::new(
            owned.span(),
            format!(
                "map `{owned}` to the raw field it comes from: add #[from_raw(field = RawFieldName)], \
                 or #[from_raw(field = RawFieldName, with = path::to::convert)] for a pointer"
            ),
        )
    })?;
    Ok(Mapping { owned: owned.clone(), ty: field.ty.to_token_stream(), raw_field, with })
}

/// Rejects borrowed and pointer-like field types anywhere in the type: the
/// value outlives `raw`, so it cannot point into it (or into whatever `raw`
/// points at).
fn check_owned(ty: &Type) -> Result<()> {
    match ty {
        Type::Reference(r) => {
            let instead = match &*r.elem {
                Type::Path(p) if p.path.is_ident("str") => "`String`".to_owned(),
                Type::Slice(s) => format!("`Vec<{}>`", compact(&s.elem)),
                elem => format!("`{}`", compact(elem)),
            };
            Err(Error::new_spanned(
                ty,
                format!("owned types own their data: use {instead} instead of `{}`", compact(ty)),
            ))
        }
        Type::Ptr(_) => Err(Error::new_spanned(
            ty,
            format!(
                "owned types own their data: use String / Vec / an owned type instead of `{}`, \
                 converting the raw pointer with #[from_raw(field = .., with = path::to::convert)]",
                compact(ty)
            ),
        )),
        Type::ImplTrait(_) => Err(Error::new_spanned(
            ty,
            format!("`{}` is not a field type: name an owned type such as String or Vec<T>", compact(ty)),
        )),
        Type::BareFn(_) => Err(Error::new_spanned(
            ty,
            format!("owned types own their data: `{}` points at code; store an owned value instead", compact(ty)),
        )),
        Type::Array(a) => check_owned(&a.elem),
        Type::Slice(s) => check_owned(&s.elem),
        Type::Group(g) => check_owned(&g.elem),
        Type::Paren(p) => check_owned(&p.elem),
        Type::Tuple(t) => t.elems.iter().try_for_each(check_owned),
        Type::Path(p) => {
            if let Some(q) = &p.qself {
                check_owned(&q.ty)?;
            }
            for segment in &p.path.segments {
                match &segment.arguments {
                    PathArguments::AngleBracketed(args) => {
                        for arg in &args.args {
                            if let GenericArgument::Type(t) = arg {
                                check_owned(t)?;
                            }
                        }
                    }
                    PathArguments::Parenthesized(args) => {
                        args.inputs.iter().try_for_each(check_owned)?;
                        if let ReturnType::Type(_, t) = &args.output {
                            check_owned(t)?;
                        }
                    }
                    PathArguments::None => {}
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Type text as people write it (`&'static str`, `Vec<u8>`), not as token
/// streams print it (`& 'static str`, `Vec < u8 >`).
fn compact(ty: &Type) -> String {
    let spaced = ty.to_token_stream().to_string();
    let tokens: Vec<&str> = spaced.split(' ').collect();
    let word = |t: &str| t.starts_with(|c: char| c.is_alphanumeric() || c == '_');
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if let Some(prev) = i.checked_sub(1).map(|j| tokens[j]) {
            let space = (word(prev) && word(token))
                || prev.starts_with('\'')
                || matches!(prev, "," | ";" | "->")
                || *token == "->";
            if space {
                out.push(' ');
            }
        }
        out.push_str(token);
    }
    out
}

/// Moves every token to `span`'s location, keeping each token's own
/// hygiene, so names still resolve where the user wrote them.
fn relocate(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut moved = Group::new(group.delimiter(), relocate(group.stream(), span));
                moved.set_span(group.span().located_at(span));
                token = TokenTree::Group(moved);
            } else {
                token.set_span(token.span().located_at(span));
            }
            token
        })
        .collect()
}

fn expand(input: &DeriveInput, mut options: Options, mappings: &[Mapping]) -> TokenStream {
    // A struct pattern needs `Raw::<T>` where a type may say `Raw<T>`; the
    // turbofish form is valid in both places, so use it throughout.
    for segment in &mut options.raw.segments {
        if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
            args.colon2_token = Some(syn::token::PathSep::default());
        }
    }
    let ty = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let raw_ty = &options.raw;
    let error = match &options.error {
        Some(error) => quote!(#error),
        None => quote!(::core::convert::Infallible),
    };
    let raw = Ident::new("raw", Span::call_site());

    // Spanned on the user's raw field name, so a misspelled or retyped raw
    // field is reported by rustc at that token. The target type is spelled
    // out and moved there too: with an inferred `From::from`, rustc reports a
    // missing `From` impl at the derive instead.
    let values = mappings.iter().map(|m| {
        let (owned, field) = (&m.owned, &m.raw_field);
        let span = field.span();
        let access = quote_spanned!(span=> #raw.#field);
        let value = match &m.with {
            None => {
                let ty = relocate(m.ty.clone(), span);
                quote_spanned!(span=> <#ty as ::core::convert::From<_>>::from(#access))
            }
            Some(with) => {
                let name = field.to_string();
                let ty = relocate(m.ty.clone(), span);
                // Typed before `?`, so a `with` returning the wrong type is a
                // plain mismatch rather than a puzzle about `?` conversions.
                quote_spanned!(span=> {
                    let value: ::core::result::Result<#ty, _> = unsafe { #with(#access, #name) };
                    value?
                })
            }
        };
        quote!(#owned: #value)
    });

    // A struct expression without `..` names every raw field, so one that no
    // owned field maps is rustc's "missing field in initializer of `Raw`",
    // pointed at `exhaustive`. It sits in a closure that is never called, so
    // it costs nothing at run time; the raw fields it copies are the ones the
    // conversions above copy anyway.
    let exhaustive = options.exhaustive.map(|span| {
        let path = relocate(raw_ty.to_token_stream(), span);
        let fields = mappings.iter().map(|m| &m.raw_field);
        quote_spanned!(span=> let _ = |#raw: &#raw_ty| #path { #(#fields: #raw.#fields),* };)
    });

    let withs: Vec<String> = mappings
        .iter()
        .filter_map(|m| {
            m.with
                .as_ref()
                .map(|w| format!("`{}` for `{}`", w.to_token_stream().to_string().replace(' ', ""), m.raw_field))
        })
        .collect();
    let raw_name = raw_ty.to_token_stream().to_string().replace(' ', "");
    let safety = if withs.is_empty() {
        "No field is converted by a `with` function, so there is nothing to uphold; the function stays \
         `unsafe` so that adding one does not change its signature."
            .to_owned()
    } else {
        format!(
            "The raw fields must satisfy the safety contract of each `with` conversion: {}. \
             Typically their pointers must be null or valid for reads up to their terminator.",
            withs.join(", ")
        )
    };
    let doc = format!(
        "Builds a `{ty}` from a `{raw_name}`, converting each field with `From` or its `with` function \
         and returning the first error.\n\n# Safety\n\n{safety}"
    );

    quote! {
        impl #impl_generics #ty #ty_generics #where_clause {
            #[doc = #doc]
            // The conversions carry the user's spans, so lints treat them as
            // user code: a plain copy is a `From` to the same type on purpose,
            // and a safe `with` function sits in an `unsafe` block.
            #[allow(unused_unsafe, clippy::useless_conversion)]
            pub unsafe fn from_raw(#raw: &#raw_ty) -> ::core::result::Result<Self, #error> {
                #exhaustive
                ::core::result::Result::Ok(Self {
                    #(#values,)*
                })
            }
        }
    }
}
