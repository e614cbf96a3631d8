//! `#[derive(Flags)]`: a fieldless enum of single-bit SDK constants becomes a
//! flag type plus a set type that keeps every bit it is given.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{DeriveInput, Error, Fields, Ident, LitStr, Result};

use crate::attrs::{self, Repr};
use crate::template;

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
    let variants = attrs::enum_variants(
        &input,
        "#[derive(Flags)] needs a fieldless enum: write `enum Name { Variant, .. }` with one unit variant per flag",
        "a flag family",
    )?;
    let family = parse_family(&input)?;

    let mut errors = attrs::Errors::default();
    let mut flags = Vec::new();
    let mut by_bit: BTreeMap<i128, Ident> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Ident> = BTreeMap::new();
    for variant in variants {
        match parse_flag(variant, &family) {
            Ok((flag, value_tokens, name_lit)) => {
                if let Some(first) = by_bit.get(&flag.bit) {
                    errors.push(Error::new_spanned(
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
                    errors.push(Error::new(
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
            Err(e) => errors.push(e),
        }
    }
    errors.finish()?;
    flags.sort_by_key(|f| f.bit);
    expand(&input, &family, &flags)
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

fn expand(input: &DeriveInput, family: &Family, flags: &[Flag]) -> Result<TokenStream> {
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
    )?;
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
    let serde = if family.serde {
        let holes = [
            ("ty", quote!(#ty)),
            ("set", quote!(#set)),
            ("repr", quote!(#repr)),
            ("expecting_flag", template::string(&expecting_flag)),
            ("expecting_set", template::string(&expecting_set)),
        ];
        template::fill("flags_serde", include_str!("templates/flags_serde.rs.in"), &holes)?
    } else {
        TokenStream::new()
    };

    let holes = [
        ("assert_copy", assert_copy),
        ("parse_error", parse_error),
        ("ops", ops),
        ("serde", serde),
        ("vis", quote!(#vis)),
        ("ty", quote!(#ty)),
        ("set", quote!(#set)),
        ("iter", quote!(#iter)),
        ("error", quote!(#error)),
        ("repr", quote!(#repr)),
        ("all_bits", all_bits),
        ("all", quote!(#(Self::#idents),*)),
        ("bits_arms", quote!(#(Self::#idents => #bits,)*)),
        ("name_arms", quote!(#(Self::#idents => #names,)*)),
        ("sdk_name_arms", quote!(#(Self::#idents => #sdk_names,)*)),
        ("doc_arms", quote!(#(Self::#idents => #docs,)*)),
        ("from_bits_arms", quote!(#(#bits => ::core::option::Option::Some(Self::#idents),)*)),
        ("from_name_arms", quote!(#(#spellings => ::core::option::Option::Some(Self::#idents),)*)),
        ("set_str", template::string(&set_str)),
        ("doc_set", template::string(&doc_set)),
        ("doc_iter", template::string(&doc_iter)),
        ("doc_all", template::string(&doc_all)),
        ("doc_name", template::string(&doc_name)),
        ("msg_unknown", template::string(&msg_unknown)),
        ("msg_empty_name", template::string(&msg_empty_name)),
        ("msg_empty_token", template::string(&msg_empty_token)),
        ("msg_empty_list", template::string(&msg_empty_list)),
        ("msg_bad_bits", template::string(&msg_bad_bits)),
    ];
    template::fill("flags", include_str!("templates/flags.rs.in"), &holes)
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
