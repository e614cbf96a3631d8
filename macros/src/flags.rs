//! `#[derive(Flags)]`: a fieldless enum of single-bit SDK constants becomes a
//! flag type plus a set type that keeps every bit it is given.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Error, Fields, Ident, LitStr, Result};

use crate::attrs::{self, Repr};

struct Family {
    repr: Repr,
    prefix: String,
    set: Ident,
    serde: bool,
}

struct Flag {
    ident: Ident,
    bit: i128,
    name: String,
    sdk_name: String,
    doc: String,
}

pub(crate) fn derive(input: DeriveInput) -> Result<TokenStream> {
    let variants = match &input.data {
        Data::Enum(data) => &data.variants,
        Data::Struct(data) => return Err(not_an_enum(data.struct_token.span)),
        Data::Union(data) => return Err(not_an_enum(data.union_token.span)),
    };
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(&input.generics, "a flag family cannot be generic: remove the `<...>`"));
    }
    let family = parse_family(&input)?;

    let mut errors: Option<Error> = None;
    let mut push = |e: Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut flags = Vec::new();
    let mut by_bit: BTreeMap<i128, Ident> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Ident> = BTreeMap::new();
    for variant in variants {
        match parse_flag(variant, &family) {
            Ok((flag, value_tokens, name_lit)) => {
                if let Some(first) = by_bit.get(&flag.bit) {
                    push(Error::new_spanned(
                        value_tokens,
                        format!("value {:#x} is already the bit of `{first}`: each flag needs its own bit", flag.bit),
                    ));
                    continue;
                }
                by_bit.insert(flag.bit, flag.ident.clone());
                // Both spellings are accepted by `from_name`, so they must not
                // collide across variants either.
                let mut spellings = vec![flag.name.clone(), flag.sdk_name.clone()];
                spellings.dedup();
                if let Some((spelling, first)) = spellings.iter().find_map(|s| by_name.get(s).map(|first| (s, first))) {
                    push(Error::new(
                        name_lit.span(),
                        format!("name `{spelling}` is already used by `{first}`: give each flag its own SDK name"),
                    ));
                    continue;
                }
                for s in spellings {
                    by_name.insert(s, flag.ident.clone());
                }
                flags.push(flag);
            }
            Err(e) => push(e),
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    flags.sort_by_key(|f| f.bit);
    Ok(expand(&input, &family, &flags))
}

fn not_an_enum(span: Span) -> Error {
    Error::new(
        span,
        "#[derive(Flags)] needs a fieldless enum: write `enum Name { Variant, .. }` with one unit variant per flag",
    )
}

fn parse_family(input: &DeriveInput) -> Result<Family> {
    let (mut repr, mut prefix, mut set, mut serde) = (None, None, None, false);
    attrs::for_each_item(&input.attrs, "family", &["repr", "prefix", "set", "serde"], |key, meta| match key {
        "repr" => attrs::set_once(&mut repr, Repr::parse(meta, false)?, meta, key),
        "prefix" => attrs::set_once(&mut prefix, attrs::parse_str(meta, key)?.value(), meta, key),
        "set" => {
            let ident = attrs::parse_ident(meta, key, &format!("{}Set", input.ident))?;
            attrs::set_once(&mut set, ident, meta, key)
        }
        _ => attrs::flag(&mut serde, meta, key),
    })?;
    let example = format!("#[family(repr = u32, set = {}Set)]", input.ident);
    let repr = repr.ok_or_else(|| {
        Error::new(input.ident.span(), format!("missing the flag type's integer repr: add {example}"))
    })?;
    let set = set.ok_or_else(|| {
        Error::new(input.ident.span(), format!("missing the name of the set type to generate: add {example}"))
    })?;
    Ok(Family { repr, prefix: prefix.unwrap_or_default(), set, serde })
}

/// Parses one variant's `#[sdk]`, returning the flag plus the value and name
/// tokens so that cross-variant checks can point at them.
fn parse_flag(variant: &syn::Variant, family: &Family) -> Result<(Flag, TokenStream, LitStr)> {
    if !matches!(variant.fields, Fields::Unit) {
        return Err(Error::new_spanned(
            &variant.fields,
            "a flag variant carries no data: remove the fields and give its bit in #[sdk(value = ...)]",
        ));
    }
    if let Some((eq, expr)) = &variant.discriminant {
        return Err(Error::new_spanned(
            quote!(#eq #expr),
            "remove the discriminant: a flag's bit is given by #[sdk(value = ...)]",
        ));
    }
    let (mut name, mut value) = (None, None);
    attrs::for_each_item(&variant.attrs, "sdk", &["name", "value"], |key, meta| match key {
        "name" => attrs::set_once(&mut name, attrs::parse_str(meta, key)?, meta, key),
        _ => attrs::set_once(&mut value, attrs::parse_int(meta)?, meta, key),
    })?;
    let example =
        format!("#[sdk(name = \"{}{}\", value = 0x1)]", family.prefix, variant.ident.to_string().to_uppercase());
    let (Some(name_lit), Some(value)) = (name, value) else {
        return Err(Error::new(variant.ident.span(), format!("each flag needs its SDK name and bit: add {example}")));
    };

    let bit = value.fit(&family.repr)?;
    if bit == 0 {
        return Err(Error::new_spanned(
            &value.tokens,
            "a flag is exactly one bit (0x1, 0x2, 0x4, ...) and 0 has none: leave the zero constant out of the flag family",
        ));
    }
    if bit & (bit - 1) != 0 {
        return Err(Error::new_spanned(
            &value.tokens,
            format!(
                "a flag is exactly one bit (0x1, 0x2, 0x4, ...) but {bit:#x} has {} bits set: give each bit its own variant",
                bit.count_ones()
            ),
        ));
    }

    let sdk_name = attrs::check_c_identifier(&name_lit)?;
    let Some(stripped) = sdk_name.strip_prefix(&family.prefix) else {
        return Err(Error::new(
            name_lit.span(),
            format!(
                "SDK name `{sdk_name}` does not start with the family prefix `{}`: fix the name or #[family(prefix = ...)]",
                family.prefix
            ),
        ));
    };
    // A short name that is empty or starts with a digit could not be told
    // apart from the empty list or a `0x..` number when parsing text.
    if stripped.is_empty() {
        return Err(Error::new(
            name_lit.span(),
            format!("`{sdk_name}` is only the family prefix: a flag needs a name after it, e.g. \"{sdk_name}NAME\""),
        ));
    }
    if stripped.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(Error::new(
            name_lit.span(),
            format!(
                "without the prefix `{}` the name `{sdk_name}` leaves `{stripped}`, which text parsing would read as a number: shorten the prefix",
                family.prefix
            ),
        ));
    }
    let flag = Flag {
        ident: variant.ident.clone(),
        bit,
        name: stripped.to_owned(),
        sdk_name,
        doc: attrs::first_doc_line(&variant.attrs),
    };
    Ok((flag, value.tokens, name_lit))
}

fn expand(input: &DeriveInput, family: &Family, flags: &[Flag]) -> TokenStream {
    let vis = &input.vis;
    let ty = &input.ident;
    let set = &family.set;
    let iter = format_ident!("{}Iter", set);
    let error = format_ident!("Parse{}Error", ty, span = ty.span());
    let repr = &family.repr.ident;
    let all_bits = family.repr.literal(flags.iter().map(|f| f.bit).sum(), true);

    let noun = attrs::human_noun(ty);
    let noun = if noun == "flag" || noun.ends_with(" flag") { noun } else { format!("{noun} flag") };

    let idents: Vec<_> = flags.iter().map(|f| &f.ident).collect();
    let bits: Vec<_> = flags.iter().map(|f| family.repr.literal(f.bit, true)).collect();
    let names: Vec<_> = flags.iter().map(|f| &f.name).collect();
    let sdk_names: Vec<_> = flags.iter().map(|f| &f.sdk_name).collect();
    let docs: Vec<_> = flags.iter().map(|f| &f.doc).collect();
    let spellings = flags.iter().map(|f| {
        if f.name == f.sdk_name {
            let name = &f.name;
            quote!(#name)
        } else {
            let (name, sdk) = (&f.name, &f.sdk_name);
            quote!(#name | #sdk)
        }
    });

    let set_str = set.to_string();
    let doc_set = format!(
        "A set of [`{ty}`] flags over `{repr}`, generated by `#[derive(Flags)]`.\n\n\
         Bits that no [`{ty}`] names are kept through every operation except the ones that \
         say otherwise ([`{set_str}::from_bits_truncate`], [`{set_str}::known`] and `!`/[`{set_str}::complement`]), \
         and print as one `0x..` number."
    );
    let doc_iter = format!("Iterator over the known [`{ty}`] flags of a [`{set_str}`], in ascending bit order.");
    let doc_error = format!("Error from parsing a [`{ty}`] or a [`{set_str}`] from text.");
    let parse_error = crate::attrs::parse_error_type(
        vis,
        &error,
        &doc_error,
        " The text the error is about: the unknown name or malformed number; the whole input when a name between two `|` is empty; `\"\"` when the input is empty.",
    );
    let doc_all = format!("Every [`{ty}`], in ascending bit order.");
    let doc_name = if family.prefix.is_empty() {
        "The flag's SDK name.".to_owned()
    } else {
        format!("The flag's SDK name without the family prefix `{}`.", family.prefix)
    };

    let msg_unknown = format!("unknown {noun} name");
    let msg_empty_name = format!("empty {noun} name");
    let msg_empty_token = format!("empty {noun} name in");
    let msg_empty_list = format!("empty {noun} list");
    let msg_bad_bits = format!("invalid {noun} bits");
    let expecting_flag = format!("a {noun} name");
    let expecting_set = format!("a sequence of {noun} names and `0x..` numbers");

    let assert_copy = quote_spanned! {ty.span()=>
        const _: () = {
            fn assert_copy<T: ::core::marker::Copy>() {}
            let _ = assert_copy::<#ty>;
        };
    };

    let ops = operators(ty, set);
    let serde =
        if family.serde { serde_impls(ty, set, repr, &expecting_flag, &expecting_set) } else { TokenStream::new() };

    quote! {
        #assert_copy

        #[doc = #doc_set]
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
            ::core::default::Default,
        )]
        #[repr(transparent)]
        #vis struct #set(#repr);

        #[doc = #doc_iter]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #iter {
            remaining: #repr,
        }

        #parse_error

        const _: () = {
            impl #ty {
                #[doc = #doc_all]
                pub const ALL: &'static [Self] = &[#(Self::#idents),*];

                /// The flag's single bit.
                pub const fn bits(self) -> #repr {
                    match self { #(Self::#idents => #bits,)* }
                }

                #[doc = #doc_name]
                pub const fn name(self) -> &'static str {
                    match self { #(Self::#idents => #names,)* }
                }

                /// The flag's full SDK name.
                pub const fn sdk_name(self) -> &'static str {
                    match self { #(Self::#idents => #sdk_names,)* }
                }

                /// The first line of the flag's documentation, or `""`.
                pub const fn doc(self) -> &'static str {
                    match self { #(Self::#idents => #docs,)* }
                }

                /// The flag whose bit is exactly `bits`; `None` for zero, several
                /// bits or an unknown bit.
                pub const fn from_bits(bits: #repr) -> ::core::option::Option<Self> {
                    match bits {
                        #(#bits => ::core::option::Option::Some(Self::#idents),)*
                        _ => ::core::option::Option::None,
                    }
                }

                /// The flag with this name, with or without the family prefix
                /// (exact case).
                pub fn from_name(name: &str) -> ::core::option::Option<Self> {
                    match name {
                        #(#spellings => ::core::option::Option::Some(Self::#idents),)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Display for #ty {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(self.name())
                }
            }

            #[automatically_derived]
            impl ::core::str::FromStr for #ty {
                type Err = #error;
                fn from_str(s: &str) -> ::core::result::Result<Self, #error> {
                    Self::from_name(s).ok_or_else(|| #error {
                        token: ::std::string::String::from(s),
                        reason: if s.is_empty() { #msg_empty_name } else { #msg_unknown },
                    })
                }
            }


            /// One token of the text form: a flag name or a `0x..` number.
            /// Returns the reason on failure; the caller knows the token.
            fn parse_token(token: &str) -> ::core::result::Result<#repr, &'static str> {
                if let ::core::option::Option::Some(hex) = token.strip_prefix("0x") {
                    // `from_str_radix` alone would also take a sign.
                    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return ::core::result::Result::Err(#msg_bad_bits);
                    }
                    return <#repr>::from_str_radix(hex, 16).map_err(|_| #msg_bad_bits);
                }
                match #ty::from_name(token) {
                    ::core::option::Option::Some(flag) => ::core::result::Result::Ok(flag.bits()),
                    ::core::option::Option::None if token.is_empty() => ::core::result::Result::Err(#msg_empty_name),
                    ::core::option::Option::None => ::core::result::Result::Err(#msg_unknown),
                }
            }

            impl #set {
                /// The set with no bits.
                pub const fn empty() -> Self {
                    Self(0)
                }

                /// The set of every known flag.
                pub const fn all() -> Self {
                    Self(#all_bits)
                }

                /// The raw bits, unknown ones included.
                pub const fn bits(self) -> #repr {
                    self.0
                }

                /// The set with exactly these bits, unknown ones included.
                pub const fn from_bits_retain(bits: #repr) -> Self {
                    Self(bits)
                }

                /// The set with these bits, or `None` if any bit is unknown.
                pub const fn from_bits(bits: #repr) -> ::core::option::Option<Self> {
                    if bits & !#all_bits == 0 {
                        ::core::option::Option::Some(Self(bits))
                    } else {
                        ::core::option::Option::None
                    }
                }

                /// The set with the known bits of `bits`; unknown bits are dropped.
                pub const fn from_bits_truncate(bits: #repr) -> Self {
                    Self(bits & #all_bits)
                }

                /// The bits that no known flag names.
                pub const fn unknown_bits(self) -> #repr {
                    self.0 & !#all_bits
                }

                /// The set without its unknown bits.
                pub const fn known(self) -> Self {
                    Self(self.0 & #all_bits)
                }

                /// Whether no bit at all is set (an unknown bit counts).
                pub const fn is_empty(self) -> bool {
                    self.0 == 0
                }

                /// Whether every known flag is set (unknown bits may be set too).
                pub const fn is_all(self) -> bool {
                    (self.0 & #all_bits) == #all_bits
                }

                /// Whether every bit of `other` is set in `self`.
                pub fn contains(self, other: impl ::core::convert::Into<Self>) -> bool {
                    let other = other.into().0;
                    (self.0 & other) == other
                }

                /// Whether `self` and `other` share any bit.
                pub fn intersects(self, other: impl ::core::convert::Into<Self>) -> bool {
                    (self.0 & other.into().0) != 0
                }

                /// Sets the bits of `other`.
                pub fn insert(&mut self, other: impl ::core::convert::Into<Self>) {
                    self.0 |= other.into().0;
                }

                /// Clears the bits of `other`.
                pub fn remove(&mut self, other: impl ::core::convert::Into<Self>) {
                    self.0 &= !other.into().0;
                }

                /// Flips the bits of `other`.
                pub fn toggle(&mut self, other: impl ::core::convert::Into<Self>) {
                    self.0 ^= other.into().0;
                }

                /// Sets (`value == true`) or clears the bits of `other`.
                pub fn set(&mut self, other: impl ::core::convert::Into<Self>, value: bool) {
                    if value { self.insert(other) } else { self.remove(other) }
                }

                /// The bits set in either (`|`).
                pub const fn union(self, other: Self) -> Self {
                    Self(self.0 | other.0)
                }

                /// The bits set in both (`&`).
                pub const fn intersection(self, other: Self) -> Self {
                    Self(self.0 & other.0)
                }

                /// The bits of `self` not set in `other` (`-`); unknown bits of
                /// `self` stay unless `other` has them.
                pub const fn difference(self, other: Self) -> Self {
                    Self(self.0 & !other.0)
                }

                /// The bits set in exactly one of them (`^`).
                pub const fn symmetric_difference(self, other: Self) -> Self {
                    Self(self.0 ^ other.0)
                }

                /// The known flags not in `self` (`!`). Like `bitflags`, this
                /// drops unknown bits: the complement of an unknown bit is
                /// every other unknown bit, which no one means.
                pub const fn complement(self) -> Self {
                    Self(!self.0 & #all_bits)
                }

                /// The known flags in the set, in ascending bit order.
                pub fn iter(&self) -> #iter {
                    #iter { remaining: self.0 & #all_bits }
                }
            }

            #[automatically_derived]
            impl ::core::iter::Iterator for #iter {
                type Item = #ty;

                fn next(&mut self) -> ::core::option::Option<#ty> {
                    while self.remaining != 0 {
                        let bit = self.remaining & self.remaining.wrapping_neg();
                        self.remaining &= !bit;
                        if let ::core::option::Option::Some(flag) = #ty::from_bits(bit) {
                            return ::core::option::Option::Some(flag);
                        }
                    }
                    ::core::option::Option::None
                }

                fn size_hint(&self) -> (usize, ::core::option::Option<usize>) {
                    let n = self.remaining.count_ones() as usize;
                    (n, ::core::option::Option::Some(n))
                }
            }

            #[automatically_derived]
            impl ::core::iter::DoubleEndedIterator for #iter {
                fn next_back(&mut self) -> ::core::option::Option<#ty> {
                    while self.remaining != 0 {
                        let bit: #repr = 1 << (<#repr>::BITS - 1 - self.remaining.leading_zeros());
                        self.remaining &= !bit;
                        if let ::core::option::Option::Some(flag) = #ty::from_bits(bit) {
                            return ::core::option::Option::Some(flag);
                        }
                    }
                    ::core::option::Option::None
                }
            }

            // Exact because `remaining` only ever holds known bits, each of
            // which maps to one flag.
            #[automatically_derived]
            impl ::core::iter::ExactSizeIterator for #iter {}

            #[automatically_derived]
            impl ::core::iter::FusedIterator for #iter {}

            #[automatically_derived]
            impl ::core::iter::IntoIterator for #set {
                type Item = #ty;
                type IntoIter = #iter;
                fn into_iter(self) -> #iter {
                    self.iter()
                }
            }

            #[automatically_derived]
            impl ::core::iter::IntoIterator for &#set {
                type Item = #ty;
                type IntoIter = #iter;
                fn into_iter(self) -> #iter {
                    self.iter()
                }
            }

            #[automatically_derived]
            impl ::core::iter::FromIterator<#ty> for #set {
                fn from_iter<I: ::core::iter::IntoIterator<Item = #ty>>(iter: I) -> Self {
                    let mut set = Self::empty();
                    ::core::iter::Extend::extend(&mut set, iter);
                    set
                }
            }

            #[automatically_derived]
            impl ::core::iter::FromIterator<#set> for #set {
                fn from_iter<I: ::core::iter::IntoIterator<Item = #set>>(iter: I) -> Self {
                    let mut set = Self::empty();
                    ::core::iter::Extend::extend(&mut set, iter);
                    set
                }
            }

            #[automatically_derived]
            impl ::core::iter::Extend<#ty> for #set {
                fn extend<I: ::core::iter::IntoIterator<Item = #ty>>(&mut self, iter: I) {
                    for flag in iter {
                        self.0 |= flag.bits();
                    }
                }
            }

            #[automatically_derived]
            impl ::core::iter::Extend<#set> for #set {
                fn extend<I: ::core::iter::IntoIterator<Item = #set>>(&mut self, iter: I) {
                    for set in iter {
                        self.0 |= set.0;
                    }
                }
            }

            #[automatically_derived]
            impl ::core::convert::From<#ty> for #set {
                fn from(flag: #ty) -> Self {
                    Self(flag.bits())
                }
            }

            #[automatically_derived]
            impl ::core::convert::From<#repr> for #set {
                fn from(bits: #repr) -> Self {
                    Self(bits)
                }
            }

            #[automatically_derived]
            impl ::core::convert::From<#set> for #repr {
                fn from(set: #set) -> Self {
                    set.0
                }
            }

            #ops

            #[automatically_derived]
            impl ::core::fmt::Display for #set {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    let mut first = true;
                    for flag in self.iter() {
                        if !first {
                            f.write_str(" | ")?;
                        }
                        first = false;
                        f.write_str(flag.name())?;
                    }
                    let unknown = self.unknown_bits();
                    if unknown != 0 || first {
                        if !first {
                            f.write_str(" | ")?;
                        }
                        ::core::write!(f, "{:#x}", unknown)?;
                    }
                    ::core::result::Result::Ok(())
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Debug for #set {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::write!(f, "{}({})", #set_str, self)
                }
            }

            #[automatically_derived]
            impl ::core::str::FromStr for #set {
                type Err = #error;
                fn from_str(s: &str) -> ::core::result::Result<Self, #error> {
                    if s.trim().is_empty() {
                        return ::core::result::Result::Err(#error {
                            token: ::std::string::String::new(),
                            reason: #msg_empty_list,
                        });
                    }
                    let mut bits: #repr = 0;
                    for token in s.split('|') {
                        let token = token.trim();
                        if token.is_empty() {
                            return ::core::result::Result::Err(#error {
                                token: ::std::string::String::from(s),
                                reason: #msg_empty_token,
                            });
                        }
                        match parse_token(token) {
                            ::core::result::Result::Ok(b) => bits |= b,
                            ::core::result::Result::Err(reason) => {
                                return ::core::result::Result::Err(#error {
                                    token: ::std::string::String::from(token),
                                    reason,
                                });
                            }
                        }
                    }
                    ::core::result::Result::Ok(Self(bits))
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Binary for #set {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::Binary::fmt(&self.0, f)
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Octal for #set {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::Octal::fmt(&self.0, f)
                }
            }

            #[automatically_derived]
            impl ::core::fmt::LowerHex for #set {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::LowerHex::fmt(&self.0, f)
                }
            }

            #[automatically_derived]
            impl ::core::fmt::UpperHex for #set {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::UpperHex::fmt(&self.0, f)
                }
            }

            #serde
        };
    }
}

/// `| & ^ -` for every mix of set and flag operands (a flag on either side
/// acts as the one-flag set), their assigning forms on the set, and `!`.
fn operators(ty: &Ident, set: &Ident) -> TokenStream {
    let ops = [
        (quote!(BitOr), quote!(bitor), quote!(BitOrAssign), quote!(bitor_assign), quote!(union)),
        (quote!(BitAnd), quote!(bitand), quote!(BitAndAssign), quote!(bitand_assign), quote!(intersection)),
        (quote!(BitXor), quote!(bitxor), quote!(BitXorAssign), quote!(bitxor_assign), quote!(symmetric_difference)),
        (quote!(Sub), quote!(sub), quote!(SubAssign), quote!(sub_assign), quote!(difference)),
    ];
    let as_set = |operand: &TokenStream, is_set: bool| {
        if is_set { quote!(#operand) } else { quote!(#set::from(#operand)) }
    };
    let mut out = TokenStream::new();
    for (trait_, method, assign_trait, assign_method, set_method) in &ops {
        for (lhs_is_set, rhs_is_set) in [(true, true), (true, false), (false, true), (false, false)] {
            let lhs = if lhs_is_set { set } else { ty };
            let rhs = if rhs_is_set { set } else { ty };
            let l = as_set(&quote!(self), lhs_is_set);
            let r = as_set(&quote!(rhs), rhs_is_set);
            out.extend(quote! {
                #[automatically_derived]
                impl ::core::ops::#trait_<#rhs> for #lhs {
                    type Output = #set;
                    fn #method(self, rhs: #rhs) -> #set {
                        #l.#set_method(#r)
                    }
                }
            });
            if lhs_is_set {
                out.extend(quote! {
                    #[automatically_derived]
                    impl ::core::ops::#assign_trait<#rhs> for #set {
                        fn #assign_method(&mut self, rhs: #rhs) {
                            *self = self.#set_method(#r);
                        }
                    }
                });
            }
        }
    }
    out.extend(quote! {
        #[automatically_derived]
        impl ::core::ops::Not for #set {
            type Output = #set;
            fn not(self) -> #set {
                self.complement()
            }
        }

        #[automatically_derived]
        impl ::core::ops::Not for #ty {
            type Output = #set;
            fn not(self) -> #set {
                #set::from(self).complement()
            }
        }
    });
    out
}

fn serde_impls(ty: &Ident, set: &Ident, repr: &Ident, expecting_flag: &str, expecting_set: &str) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        #[automatically_derived]
        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #ty;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting_flag)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> ::core::result::Result<#ty, E> {
                        v.parse::<#ty>().map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }

        #[automatically_derived]
        impl ::serde::Serialize for #set {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeSeq as _;
                let unknown = self.unknown_bits();
                let len = self.iter().len() + usize::from(unknown != 0);
                let mut seq = serializer.serialize_seq(::core::option::Option::Some(len))?;
                for flag in self.iter() {
                    seq.serialize_element(flag.name())?;
                }
                if unknown != 0 {
                    seq.serialize_element(&::std::format!("{:#x}", unknown))?;
                }
                seq.end()
            }
        }

        #[automatically_derived]
        impl<'de> ::serde::Deserialize<'de> for #set {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #set;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting_set)
                    }
                    fn visit_seq<A: ::serde::de::SeqAccess<'de>>(self, mut seq: A) -> ::core::result::Result<#set, A::Error> {
                        let mut bits: #repr = 0;
                        while let ::core::option::Option::Some(token) = seq.next_element::<::std::string::String>()? {
                            match parse_token(&token) {
                                ::core::result::Result::Ok(b) => bits |= b,
                                ::core::result::Result::Err(reason) => {
                                    return ::core::result::Result::Err(<A::Error as ::serde::de::Error>::custom(
                                        ::core::format_args!("{} '{}'", reason, token),
                                    ));
                                }
                            }
                        }
                        ::core::result::Result::Ok(#set::from_bits_retain(bits))
                    }
                }
                deserializer.deserialize_seq(Visitor)
            }
        }
    }
}
