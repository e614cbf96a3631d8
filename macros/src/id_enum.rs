//! `#[derive(IdEnum)]`: the table of an enum of named SDK values plus one variant that carries
//! any other raw value, and thin forwarding impls, so conversion from the raw integer is total.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::attrs;
use crate::parse::{Error, Result};

pub(crate) fn derive(input: TokenStream) -> Result<TokenStream> {
    let (input, family) = attrs::parse_enum(
        input,
        "#[derive(IdEnum)] needs an enum: write `enum Name { Known, .., Unknown(i32) }` with unit variants and one variant for unknown values",
        "an id enum",
        &["repr", "prefix", "hex", "serde"],
    )?;
    let mut errors = Error::default();
    let mut known = Vec::new();
    let mut unknown: Option<(Ident, Span, String)> = None;
    for variant in &input.variants {
        match (&variant.fields, variant.single_field_type()) {
            (None, _) => match attrs::parse_named(variant, &["name", "value", "alias"]) {
                Ok(named) => known.push(named),
                Err(e) => errors.push(e),
            },
            (Some(_), Some(field_type)) => {
                if let Some((first, ..)) = &unknown {
                    let message = format!(
                        "`{first}` already holds the values with no SDK name: make this a unit variant with #[sdk(name = \"...\", value = ...)]"
                    );
                    errors.push(Error::new(variant.ident.span(), message));
                } else if let Some(attr) = variant.attrs.iter().find(|a| a.key == "sdk") {
                    errors.push(attr.error("the variant for unknown values has no SDK name: remove this #[sdk(..)]"));
                } else {
                    let doc = attrs::first_doc_line(&variant.attrs);
                    unknown = Some((variant.ident.clone(), field_type, doc));
                }
            }
            (Some(fields), None) => {
                let message = format!(
                    "a variant is either a unit variant with #[sdk(..)] or the one variant for unknown values: write `{}(i32)` (the repr)",
                    variant.ident
                );
                errors.push(Error::new(fields.span(), message));
            }
        }
    }
    let repr = family.repr.clone().unwrap_or_else(|| format_ident!("i32"));
    if family.repr.is_none() {
        let message = "missing the raw integer type: add #[family(repr = i32)] (or u16, u32, ...)";
        errors.push(Error::new(input.ident.span(), message));
    }
    if unknown.is_none() {
        let message = format!("add a variant that holds the values with no SDK name, e.g. `Unknown({repr})`");
        errors.push(Error::new(input.ident.span(), message));
    }
    errors.finish()?;
    let Some((unk, unk_ty, unk_doc)) = unknown else {
        return Ok(TokenStream::new()); // reported above
    };

    let ty = &input.ident;
    let vis = &input.vis;
    let error = format_ident!("Parse{}Error", ty);
    let rt = quote!(::secpkg_family);
    let noun = attrs::human_noun(ty);
    let hex = family.hex;
    let idents: Vec<_> = known.iter().map(|k| &k.ident).collect();
    let positions: Vec<_> = (0..known.len()).collect();
    // Private constants, one per member's value, so that `from_value` can match on them.
    let value_consts: Vec<_> = positions.iter().map(|i| quote::format_ident!("__SECPKG_VALUE_{i}")).collect();
    let prefix = family.prefix.unwrap_or_default();
    let members = known.iter().map(|k| attrs::member(k, &prefix));
    let error_doc = format!("Error from parsing a [`{ty}`] from text.");
    // Spanned on the unknown variant's field type: a field that is not the repr is reported there.
    // Each arm binds `value` under that span too: written in a `macro_rules!` body, the type's span
    // carries that macro's hygiene, and a `value` bound under another span would not resolve.
    let wrap_unknown = quote_spanned!(unk_ty=> value => Self::#unk(value));
    let unwrap_unknown = quote_spanned!(unk_ty=> Self::#unk(value) => value);
    let serde = family.serde.then(|| attrs::serde_impls(&rt, ty, "id"));
    // Spanned on the type's name: the compiler reports an enum that is not `Copy` there.
    let text = attrs::text_impls(&rt, ty, &error, "id");
    let table = attrs::family_table(&rt, &repr, &noun, members, &idents);
    let family_impl = quote_spanned! {ty.span()=> impl #rt::Family for #ty };
    Ok(quote! {
        #[doc = #error_doc]
        #vis type #error = #rt::ParseError<#ty>;

        #family_impl {
            #table
            fn index(self) -> ::core::option::Option<usize> {
                match self {
                    #(Self::#idents => ::core::option::Option::Some(#positions),)*
                    Self::#unk(_) => ::core::option::Option::None,
                }
            }
        }

        impl #rt::IdEnum for #ty {
            const HEX: bool = #hex;
            fn from_value(value: #repr) -> Self {
                Self::from_value(value)
            }
            fn value(self) -> #repr {
                self.value()
            }
        }

        impl #ty {
            #(const #value_consts: #repr = <Self as #rt::Family>::MEMBERS[#positions].value;)*

            /// Every named variant, in ascending order of value.
            pub const ALL: &'static [Self] = <Self as #rt::Family>::ALL;

            /// What the SDK says about this variant; `None` for a value it does not name.
            #[must_use]
            pub const fn member(self) -> ::core::option::Option<&'static #rt::Member<#repr>> {
                match self {
                    #(Self::#idents => ::core::option::Option::Some(&<Self as #rt::Family>::MEMBERS[#positions]),)*
                    Self::#unk(_) => ::core::option::Option::None,
                }
            }

            /// The variant for `value`: the named one if the SDK names this value, else the
            /// unknown variant (which is never produced holding a named value).
            #[must_use] #[inline(always)]
            pub const fn from_value(value: #repr) -> Self {
                // A match on constants (a jump table, not a walk over the table), inlined always
                // so that a caller's `from_value(x).value()` folds away. Two members of one value
                // (which the generator refuses) would give the first, as the table's order does.
                #[allow(unreachable_patterns)]
                match value {
                    #(Self::#value_consts => Self::#idents,)*
                    #wrap_unknown,
                }
            }

            /// The raw value.
            #[must_use]
            pub const fn value(self) -> #repr {
                match self {
                    #(Self::#idents => <Self as #rt::Family>::MEMBERS[#positions].value,)*
                    #unwrap_unknown,
                }
            }

            /// The full SDK name; `None` for a value the SDK does not name.
            #[must_use]
            pub const fn sdk_name(self) -> ::core::option::Option<&'static str> {
                match self.member() {
                    ::core::option::Option::Some(member) => ::core::option::Option::Some(member.sdk_name),
                    ::core::option::Option::None => ::core::option::Option::None,
                }
            }

            /// The first line of the variant's documentation, or `""`.
            #[must_use]
            pub const fn doc(self) -> &'static str {
                match self.member() {
                    ::core::option::Option::Some(member) => member.doc,
                    ::core::option::Option::None => #unk_doc,
                }
            }

            /// Other SDK names with the same value (accepted by `from_name` and `FromStr`).
            pub const fn aliases(self) -> &'static [&'static str] {
                match self.member() {
                    ::core::option::Option::Some(member) => member.aliases,
                    ::core::option::Option::None => &[],
                }
            }

            /// Whether the SDK names this value.
            pub const fn is_known(self) -> bool {
                self.member().is_some()
            }

            /// The variant with this SDK name or alias (exact case).
            #[must_use]
            pub fn from_name(name: &str) -> ::core::option::Option<Self> {
                #rt::find_by_name(name)
            }
        }

        impl ::core::convert::From<#repr> for #ty {
            fn from(value: #repr) -> Self {
                Self::from_value(value)
            }
        }

        impl ::core::convert::From<#ty> for #repr {
            fn from(id: #ty) -> Self {
                id.value()
            }
        }

        #text

        #serde
    })
}
