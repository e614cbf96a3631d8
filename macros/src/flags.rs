//! `#[derive(Flags)]`: from a fieldless enum of single-bit SDK constants, the enum's table and
//! impls, and its set: a `bitflags!` type with one constant per flag.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Error, Fields, Result};

use crate::attrs::{self, Errors};

pub(crate) fn derive(input: DeriveInput) -> Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        let message =
            "#[derive(Flags)] needs a fieldless enum: write `enum Name { Variant, .. }` with one unit variant per flag";
        return Err(Error::new(input.ident.span(), message));
    };
    attrs::no_generics(&input, "a flag family")?;
    let ty = &input.ident;
    let mut errors = Errors::default();
    let family = attrs::parse_family(&input.attrs, &["repr", "prefix", "set", "serde"], false, ty);
    // An unreadable #[family] is reported alone: every key it holds would read as missing.
    let family_read = family.is_ok();
    let family = family.unwrap_or_else(|e| {
        errors.push(e);
        attrs::Family::default()
    });
    let mut flags = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            let message = "a flag variant carries no data: remove the fields and give its bit in #[sdk(value = ...)]";
            errors.push(Error::new_spanned(&variant.fields, message));
            continue;
        }
        if let Some((_, discriminant)) = &variant.discriminant {
            let message = "remove the discriminant: the value is given by #[sdk(value = ...)]";
            errors.push(Error::new_spanned(discriminant, message));
            continue;
        }
        let example = variant.ident.to_string().to_uppercase();
        match attrs::parse_sdk(&variant.attrs, &["name", "value"], &variant.ident, &example) {
            Ok(mut flag) => {
                flag.doc = attrs::first_doc_line(&variant.attrs);
                flags.push((&variant.ident, flag));
            }
            Err(e) => errors.push(e),
        }
    }
    let example = format!("#[family(repr = u32, set = {ty}Set)]");
    if family_read && family.repr.is_none() {
        errors.push(Error::new(ty.span(), format!("missing the flag type's integer repr: add {example}")));
    }
    if family_read && family.set.is_none() {
        errors.push(Error::new(ty.span(), format!("missing the name of the set type: add {example}")));
    }
    errors.finish()?;
    let (Some(repr), Some(set)) = (family.repr, family.set) else {
        return Ok(TokenStream::new()); // reported above
    };
    let prefix = family.prefix.unwrap_or_default();

    let vis = &input.vis;
    let error = format_ident!("Parse{}Error", ty);
    let noun = attrs::human_noun(ty);
    let noun = if noun == "flag" || noun.ends_with(" flag") { noun } else { format!("{noun} flag") };
    let members: Vec<_> = flags.iter().map(|(_, flag)| attrs::member(flag, &prefix)).collect();
    let idents: Vec<_> = flags.iter().map(|(ident, _)| *ident).collect();
    let items: Vec<_> = idents.iter().map(|ident| quote!(Self::#ident)).collect();
    // The set's constants: by the one naming rule, each flag's SDK name less the prefix.
    let mut consts = Vec::new();
    for (_, flag) in &flags {
        let name = flag.short_name(&prefix);
        let ident = syn::parse_str::<syn::Ident>(&name).map_err(|_| {
            Error::new(flag.name.span(), format!("`{name}` (the name less the prefix) is no constant name"))
        })?;
        let (value, doc) = (&flag.value, format!(" {}", flag.doc));
        consts.push(quote!(#[doc = #doc] const #ident = #value;));
    }
    let set_doc = format!(
        " A set of [`{ty}`] flags over `{repr}`, a [`bitflags`](::secpkg_family::bitflags) type: one constant per \
         flag, named as its text, and unknown bits kept (`from_bits_retain`)."
    );
    let flags_doc = format!(
        " The known flags in the set, as [`{ty}`]s in ascending bit order (`iter` gives one-flag sets and \
         then the unknown bits)."
    );
    let error_doc = format!("Error from parsing a [`{ty}`] or a [`{set}`] from text.");
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
                    ::core::ops::#op::#method(#set::from(self), rhs.into())
                }
            }
        }
    });
    // A flag on the right of a set's operator acts as its one-flag set.
    let set_ops = [
        (quote!(BitOr), quote!(bitor), quote!(BitOrAssign), quote!(bitor_assign)),
        (quote!(BitAnd), quote!(bitand), quote!(BitAndAssign), quote!(bitand_assign)),
        (quote!(BitXor), quote!(bitxor), quote!(BitXorAssign), quote!(bitxor_assign)),
        (quote!(Sub), quote!(sub), quote!(SubAssign), quote!(sub_assign)),
    ]
    .map(|(op, method, assign, assign_method)| {
        quote! {
            impl ::core::ops::#op<#ty> for #set {
                type Output = #set;
                fn #method(self, rhs: #ty) -> #set {
                    ::core::ops::#op::#method(self, rhs.set())
                }
            }
            impl ::core::ops::#assign<#ty> for #set {
                fn #assign_method(&mut self, rhs: #ty) {
                    ::core::ops::#assign::#assign_method(self, rhs.set());
                }
            }
        }
    });
    let serde = family.serde.then(|| {
        let flag = attrs::serde_impls(ty, "flag");
        let rt = quote!(::secpkg_family::serde_support);
        quote! {
            #flag
            impl #rt::serde::Serialize for #set {
                fn serialize<S: #rt::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    #rt::serialize_set::<#ty, S>(self, serializer)
                }
            }
            impl<'de> #rt::serde::Deserialize<'de> for #set {
                fn deserialize<D: #rt::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    #rt::deserialize_set::<#ty, D>(deserializer)
                }
            }
        }
    });
    let text = attrs::text_impls(ty, &error, "fmt_flag", "parse_flag");
    let table = attrs::family_table(&repr, &noun, &members, &items);
    // Spanned on the type's name: the compiler reports an enum that is not `Copy` there.
    let family_impl = quote_spanned! {ty.span()=> impl ::secpkg_family::Family for #ty };
    Ok(quote! {
        ::secpkg_family::bitflags::bitflags! {
            #[doc = #set_doc]
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
            #[repr(transparent)]
            #vis struct #set: #repr {
                #(#consts)*
            }
        }

        #[doc = #error_doc]
        #vis type #error = ::secpkg_family::ParseError<#ty>;

        #family_impl {
            #table
            fn index(self) -> ::core::option::Option<usize> {
                ::core::option::Option::Some(self as usize)
            }
        }

        impl ::secpkg_family::Flag for #ty {
            type Set = #set;
        }

        impl #ty {
            /// Every flag, in ascending bit order.
            pub const ALL: &'static [Self] = <Self as ::secpkg_family::Family>::ALL;

            /// What the SDK says about this flag.
            #[must_use]
            pub const fn member(self) -> &'static ::secpkg_family::Member<#repr> {
                &<Self as ::secpkg_family::Family>::MEMBERS[self as usize]
            }

            /// The flag's single bit.
            #[must_use]
            pub const fn bits(self) -> #repr {
                self.member().value
            }

            /// The flag's name: its SDK name without the family prefix, as its set's constant.
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

            /// The set holding just this flag.
            #[must_use]
            pub const fn set(self) -> #set {
                #set::from_bits_retain(self.bits())
            }

            /// The flag whose bit is exactly `bits`; `None` for zero, several bits or an unknown bit.
            #[must_use]
            pub fn from_bits(bits: #repr) -> ::core::option::Option<Self> {
                ::secpkg_family::find_by_value(bits)
            }

            /// The flag with this name, with or without the family prefix (exact case).
            #[must_use]
            pub fn from_name(name: &str) -> ::core::option::Option<Self> {
                ::secpkg_family::find_by_name(name)
            }
        }

        impl ::core::convert::From<#ty> for #set {
            fn from(flag: #ty) -> Self {
                flag.set()
            }
        }

        impl ::core::convert::TryFrom<#set> for #ty {
            type Error = #set;
            /// The flag that is exactly this set; the set back if it holds no flag, several, or
            /// an unknown bit.
            fn try_from(set: #set) -> ::core::result::Result<Self, #set> {
                Self::from_bits(set.bits()).ok_or(set)
            }
        }

        impl #set {
            /// The bits that no known flag names.
            #[must_use]
            pub const fn unknown_bits(&self) -> #repr {
                self.bits() & !Self::all().bits()
            }

            #[doc = #flags_doc]
            pub fn flags(&self) -> ::secpkg_family::FlagIter<#ty> {
                ::secpkg_family::FlagIter::new(self.bits())
            }
        }

        impl ::core::iter::FromIterator<#ty> for #set {
            fn from_iter<I: ::core::iter::IntoIterator<Item = #ty>>(flags: I) -> Self {
                flags.into_iter().map(#ty::set).collect()
            }
        }

        impl ::core::iter::Extend<#ty> for #set {
            fn extend<I: ::core::iter::IntoIterator<Item = #ty>>(&mut self, flags: I) {
                ::core::iter::Extend::extend(self, flags.into_iter().map(#ty::set));
            }
        }

        impl ::core::fmt::Display for #set {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::secpkg_family::fmt_set::<#ty>(self, f)
            }
        }

        impl ::core::str::FromStr for #set {
            type Err = #error;
            fn from_str(text: &str) -> ::core::result::Result<Self, #error> {
                ::secpkg_family::parse_set::<#ty>(text)
            }
        }

        #text

        #(#ops)*

        #(#set_ops)*

        impl ::core::ops::Not for #ty {
            type Output = #set;
            fn not(self) -> #set {
                !#set::from(self)
            }
        }

        #serde
    })
}
