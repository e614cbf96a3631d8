//! `#[derive(Flags)]`: the table of a fieldless enum of single-bit SDK constants, its set type
//! (an alias of `secpkg_family::FlagSet`) and thin forwarding impls.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::attrs;
use crate::parse::{Error, Result};

pub(crate) fn derive(input: TokenStream) -> Result<TokenStream> {
    let (input, family) = attrs::parse_enum(
        input,
        "#[derive(Flags)] needs a fieldless enum: write `enum Name { Variant, .. }` with one unit variant per flag",
        "a flag family",
        &["repr", "prefix", "set", "serde"],
    )?;
    let mut errors = Error::default();
    let mut flags = Vec::new();
    for variant in &input.variants {
        if let Some(fields) = &variant.fields {
            let message = "a flag variant carries no data: remove the fields and give its bit in #[sdk(value = ...)]";
            errors.push(Error::new(fields.span(), message));
            continue;
        }
        match attrs::parse_named(variant, &["name", "value"]) {
            Ok(flag) => flags.push(flag),
            Err(e) => errors.push(e),
        }
    }
    let example = format!("#[family(repr = u32, set = {}Set)]", input.ident);
    if family.repr.is_none() {
        errors.push(Error::new(input.ident.span(), format!("missing the flag type's integer repr: add {example}")));
    }
    if family.set.is_none() {
        errors.push(Error::new(input.ident.span(), format!("missing the name of the set type: add {example}")));
    }
    errors.finish()?;
    let (Some(repr), Some(set)) = (family.repr, family.set) else {
        return Ok(TokenStream::new()); // reported above
    };
    let prefix = family.prefix.unwrap_or_default();

    let ty = &input.ident;
    let vis = &input.vis;
    let error = format_ident!("Parse{}Error", ty);
    let rt = quote!(::secpkg_family);
    let noun = attrs::human_noun(ty);
    let noun = if noun == "flag" || noun.ends_with(" flag") { noun } else { format!("{noun} flag") };
    let members = flags.iter().map(|flag| attrs::member(flag, &prefix));
    let idents: Vec<_> = flags.iter().map(|f| &f.ident).collect();
    let set_name = set.to_string();
    let set_doc = format!("A set of [`{ty}`] flags over `{repr}`: see [`secpkg_family::FlagSet`].");
    let error_doc = format!("Error from parsing a [`{ty}`] or a [`{set_name}`] from text.");
    let ops = [
        (quote!(BitOr), quote!(bitor)),
        (quote!(BitAnd), quote!(bitand)),
        (quote!(BitXor), quote!(bitxor)),
        (quote!(Sub), quote!(sub)),
    ]
    .map(|(op, method)| {
        quote! {
            impl<R: ::core::convert::Into<#set>> ::core::ops::#op<R> for #ty {
                type Output = #set;
                fn #method(self, rhs: R) -> #set {
                    ::core::ops::#op::#method(#set::from(self), rhs)
                }
            }
        }
    });
    let serde = family.serde.then(|| attrs::serde_impls(&rt, ty, "flag"));
    // Spanned on the type's name: the compiler reports an enum that is not `Copy` there.
    let text = attrs::text_impls(&rt, ty, &error, "flag");
    let table = attrs::family_table(&rt, &repr, &noun, members, &idents);
    let family_impl = quote_spanned! {ty.span()=> impl #rt::Family for #ty };
    Ok(quote! {
        #[doc = #set_doc]
        #vis type #set = #rt::FlagSet<#ty, #repr>;
        #[doc = #error_doc]
        #vis type #error = #rt::ParseError<#ty>;

        #family_impl {
            #table
            fn index(self) -> ::core::option::Option<usize> {
                ::core::option::Option::Some(self as usize)
            }
        }

        impl #rt::Flag for #ty {
            const SET: &'static str = #set_name;
            const ALL_BITS: #repr = {
                let (mut bits, mut i) = (0, 0);
                while i < <Self as #rt::Family>::MEMBERS.len() {
                    bits |= <Self as #rt::Family>::MEMBERS[i].value;
                    i += 1;
                }
                bits
            };
        }

        impl #ty {
            /// Every flag, in ascending bit order.
            pub const ALL: &'static [Self] = <Self as #rt::Family>::ALL;

            /// What the SDK says about this flag.
            #[must_use]
            pub const fn member(self) -> &'static #rt::Member<#repr> {
                &<Self as #rt::Family>::MEMBERS[self as usize]
            }

            /// The flag's single bit.
            #[must_use]
            pub const fn bits(self) -> #repr {
                self.member().value
            }

            /// The flag's SDK name without the family prefix.
            #[must_use]
            pub const fn name(self) -> &'static str {
                self.member().name
            }

            /// The flag's full SDK name.
            #[must_use]
            pub const fn sdk_name(self) -> &'static str {
                self.member().sdk_name
            }

            /// The first line of the flag's documentation, or `""`.
            #[must_use]
            pub const fn doc(self) -> &'static str {
                self.member().doc
            }

            /// The flag whose bit is exactly `bits`; `None` for zero, several bits or an unknown bit.
            #[must_use]
            pub fn from_bits(bits: #repr) -> ::core::option::Option<Self> {
                #rt::find_by_value(bits)
            }

            /// The flag with this name, with or without the family prefix (exact case).
            #[must_use]
            pub fn from_name(name: &str) -> ::core::option::Option<Self> {
                #rt::find_by_name(name)
            }
        }

        #text

        #(#ops)*

        impl ::core::ops::Not for #ty {
            type Output = #set;
            fn not(self) -> #set {
                !#set::from(self)
            }
        }

        #serde
    })
}
