//! `#[derive(Values)]`: a newtype over a raw SDK integer (`struct Status(pub i32)`, as windows-rs
//! writes `HRESULT`) gets one associated constant per SDK value named on it, and the family's
//! table, names, text forms and serde. Every raw value is a value of the type; a name only
//! labels it, so a newer SDK naming a value changes no value's meaning.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Fields, Result};

use crate::attrs::{self, Errors};

pub(crate) fn derive(input: DeriveInput) -> Result<TokenStream> {
    let shape = "#[derive(Values)] needs a newtype over the raw integer: write `struct Name(pub i32);` (the repr)";
    let Data::Struct(data) = &input.data else {
        return Err(Error::new(input.ident.span(), shape));
    };
    attrs::no_generics(&input, "a family of values")?;
    let ty = &input.ident;
    let field = match &data.fields {
        Fields::Unnamed(fields) if fields.unnamed.len() == 1 => &fields.unnamed[0],
        Fields::Unit => return Err(Error::new(ty.span(), shape)),
        fields => return Err(Error::new_spanned(fields, shape)),
    };
    let mut errors = Errors::default();
    if let Some(attr) = field.attrs.iter().find(|a| a.path().is_ident("sdk")) {
        errors.push(Error::new_spanned(attr, "an #[sdk(..)] names one value: put it on the struct, not its field"));
    }
    let family = attrs::parse_family(&input.attrs, &["repr", "prefix", "hex", "serde"], true, ty);
    let family_read = family.is_ok();
    let family = family.unwrap_or_else(|e| {
        errors.push(e);
        attrs::Family::default()
    });
    let mut known = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sdk")) {
        match attrs::parse_sdk(std::slice::from_ref(attr), &["name", "value", "alias", "doc"], attr, "NAME") {
            Ok(named) => known.push(named),
            Err(e) => errors.push(e),
        }
    }
    if family_read && family.repr.is_none() {
        let message = "missing the raw integer type: add #[family(repr = i32)] (or u16, u32, ...)";
        errors.push(Error::new(ty.span(), message));
    }
    let prefix = family.prefix.unwrap_or_default();
    // The constants: by the one naming rule, each SDK name less the family's prefix.
    let mut idents = Vec::new();
    for named in &known {
        let name = named.short_name(&prefix);
        match syn::parse_str::<syn::Ident>(&name) {
            Ok(_) => idents.push(syn::Ident::new(&name, named.name.span())),
            Err(_) => errors.push(Error::new(named.name.span(), format!("`{name}` is no constant name"))),
        }
    }
    errors.finish()?;
    let Some(repr) = family.repr else {
        return Ok(TokenStream::new()); // reported above
    };

    let vis = &input.vis;
    let error = format_ident!("Parse{}Error", ty);
    let noun = attrs::human_noun(ty);
    let hex = family.hex;
    let positions: Vec<_> = (0..known.len()).collect();
    // Private constants, one per member's value, so that `member` can match on them.
    let value_consts: Vec<_> = positions.iter().map(|i| format_ident!("__SECPKG_VALUE_{i}")).collect();
    let members: Vec<_> = known.iter().map(|k| attrs::member(k, &prefix)).collect();
    let items: Vec<_> = idents.iter().map(|ident| quote!(Self::#ident)).collect();
    let docs: Vec<_> = known.iter().map(|k| format!(" {}", k.doc)).collect();
    let error_doc = format!("Error from parsing a [`{ty}`] from text.");
    // Spanned on the field's type: a field that is not the repr is reported there. The parameter
    // has that span too: from a `macro_rules!` body, the type's span carries that macro's
    // hygiene, and a parameter bound under another span would not resolve.
    let param = syn::Ident::new("value", field.ty.span());
    let serde = family.serde.then(|| attrs::serde_impls(ty, "value"));
    let text = attrs::text_impls(ty, &error, "fmt_value", "parse_value");
    let table = attrs::family_table(&repr, &noun, &members, &items);
    let family_impl = quote_spanned! {ty.span()=> impl ::secpkg_family::Family for #ty };
    let name = ty.to_string();
    Ok(quote! {
        #[doc = #error_doc]
        #vis type #error = ::secpkg_family::ParseError<#ty>;

        #family_impl {
            #table
            fn index(self) -> ::core::option::Option<usize> {
                #[allow(unreachable_patterns)]
                match self.value() {
                    #(Self::#value_consts => ::core::option::Option::Some(#positions),)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl ::secpkg_family::Values for #ty {
            const HEX: bool = #hex;
            fn from_value(value: #repr) -> Self {
                Self::from_value(value)
            }
            fn value(self) -> #repr {
                self.value()
            }
        }

        impl #ty {
            #(#[doc = #docs] pub const #idents: Self = Self::from_value(<Self as ::secpkg_family::Family>::MEMBERS[#positions].value);)*

            #(const #value_consts: #repr = <Self as ::secpkg_family::Family>::MEMBERS[#positions].value;)*

            /// Every named value, in ascending order.
            pub const ALL: &'static [Self] = <Self as ::secpkg_family::Family>::ALL;

            /// The value holding `value`, named or not.
            #[must_use] #[inline(always)]
            pub const fn from_value(#param: #repr) -> Self {
                Self(#param)
            }

            /// The raw value.
            #[must_use] #[inline(always)]
            pub const fn value(self) -> #repr {
                self.0
            }

            /// What the SDK says about this value; `None` for a value it does not name.
            #[must_use]
            pub const fn member(self) -> ::core::option::Option<&'static ::secpkg_family::Member<#repr>> {
                // Two members of one value (which the generator refuses) would give the first.
                #[allow(unreachable_patterns)]
                match self.0 {
                    #(Self::#value_consts => ::core::option::Option::Some(&<Self as ::secpkg_family::Family>::MEMBERS[#positions]),)*
                    _ => ::core::option::Option::None,
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

            /// The first line of the value's documentation; `""` for a value the SDK does not name.
            #[must_use]
            pub const fn doc(self) -> &'static str {
                match self.member() {
                    ::core::option::Option::Some(member) => member.doc,
                    ::core::option::Option::None => "",
                }
            }

            /// Other SDK names with the same value (accepted by `from_name` and `FromStr`).
            #[must_use]
            pub const fn aliases(self) -> &'static [&'static str] {
                match self.member() {
                    ::core::option::Option::Some(member) => member.aliases,
                    ::core::option::Option::None => &[],
                }
            }

            /// Whether the SDK names this value.
            #[must_use]
            pub const fn is_known(self) -> bool {
                self.member().is_some()
            }

            /// The value with this SDK name or alias (exact case).
            #[must_use]
            pub fn from_name(name: &str) -> ::core::option::Option<Self> {
                ::secpkg_family::find_by_name(name)
            }
        }

        impl ::core::convert::From<#repr> for #ty {
            fn from(value: #repr) -> Self {
                Self::from_value(value)
            }
        }

        impl ::core::convert::From<#ty> for #repr {
            fn from(value: #ty) -> Self {
                value.value()
            }
        }

        /// `Name(SDK_NAME)`, or `Name(number)` for a value the SDK does not name.
        impl ::core::fmt::Debug for #ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(#name)?;
                f.write_str("(")?;
                ::secpkg_family::fmt_value(*self, f)?;
                f.write_str(")")
            }
        }

        #text

        #serde
    })
}
