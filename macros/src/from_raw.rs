//! `#[derive(FromRaw)]`: an owned record's `from_raw`, which copies a raw SDK struct field by
//! field through each field's declared conversion. The raw struct is destructured without `..`,
//! so a field a newer SDK adds is a compile error until a record field maps it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Fields, Ident, Path, Result};

use crate::attrs::{self, Errors};

/// How a raw field becomes its owned field.
#[derive(Clone, Copy, PartialEq)]
enum Conversion {
    /// The value as it is.
    Copy,
    /// A flag set from its bits, unknown bits kept: `from_bits_retain`.
    Flags,
    /// A newtype id or status from its raw integer: `From`.
    Id,
    /// A NUL-terminated UTF-16 string that must be present: `strings::required_string`.
    Wide,
    /// A NUL-terminated UTF-16 string where null is empty: `strings::optional_string`.
    OptionalWide,
    /// A pointer to one raw record that must be present, read by the field type's own
    /// `from_raw`: `strings::required_record`.
    Record,
}

const CONVERSIONS: &str = "`copy`, `flags`, `id`, `wide`, `optional_wide` or `record`";

impl Conversion {
    fn parse(ident: &Ident) -> Result<Self> {
        Ok(match ident.to_string().as_str() {
            "copy" => Conversion::Copy,
            "flags" => Conversion::Flags,
            "id" => Conversion::Id,
            "wide" => Conversion::Wide,
            "optional_wide" => Conversion::OptionalWide,
            "record" => Conversion::Record,
            other => {
                return Err(Error::new(ident.span(), format!("unknown conversion `{other}`: use {CONVERSIONS}")));
            }
        })
    }

    /// Whether reading the field follows a pointer, and so can fail.
    fn is_fallible(self) -> bool {
        matches!(self, Conversion::Wide | Conversion::OptionalWide | Conversion::Record)
    }
}

/// A record field and the raw field it comes from.
struct Mapped<'a> {
    field: &'a Ident,
    ty: &'a syn::Type,
    raw: Ident,
    conversion: Conversion,
}

pub(crate) fn derive(input: DeriveInput) -> Result<TokenStream> {
    let shape = "#[derive(FromRaw)] needs a struct with named fields, one per field of the raw struct";
    let Data::Struct(data) = &input.data else {
        return Err(Error::new(input.ident.span(), shape));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(Error::new(input.ident.span(), shape));
    };
    attrs::no_generics(&input, "a record read from a raw struct")?;
    let ty = &input.ident;
    let mut errors = Errors::default();
    let (mut raw_ty, mut error_ty, mut strings): (Option<Path>, Option<Path>, Option<Path>) = (None, None, None);
    let parsed = attrs::for_each_item(&input.attrs, "raw", &["from", "error", "strings"], |key, meta| {
        let path = meta.value()?.parse::<Path>()?;
        match key.as_str() {
            "from" => attrs::set_once(&mut raw_ty, path, &meta),
            "error" => attrs::set_once(&mut error_ty, path, &meta),
            _ => attrs::set_once(&mut strings, path, &meta),
        }
    });
    if let Err(e) = parsed {
        errors.push(e);
    }
    let mut mapped = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named fields have names");
        let mut found = None;
        let parsed = field.attrs.iter().filter(|a| a.path().is_ident("raw")).try_for_each(|attr| {
            attr.parse_nested_meta(|meta| {
                let raw = meta.path.require_ident()?.clone();
                let conversion = Conversion::parse(&meta.value()?.parse::<Ident>()?)?;
                if found.is_some() {
                    return Err(meta.error("a field comes from one raw field: give one #[raw(RawField = conversion)]"));
                }
                found = Some((raw, conversion));
                Ok(())
            })
        });
        match (parsed, found) {
            (Err(e), _) => errors.push(e),
            (Ok(()), Some((raw, conversion))) => mapped.push(Mapped { field: ident, ty: &field.ty, raw, conversion }),
            (Ok(()), None) => errors.push(Error::new(
                ident.span(),
                format!("say which raw field `{ident}` comes from: add #[raw(RawField = conversion)], a conversion being {CONVERSIONS}"),
            )),
        }
    }
    let Some(raw_ty) = raw_ty else {
        errors.push(Error::new(ty.span(), "name the raw struct: add #[raw(from = RawStruct)]"));
        return Err(errors.finish().expect_err("just pushed"));
    };
    let wide: Vec<_> = mapped.iter().filter(|m| m.conversion.is_fallible()).collect();
    if !wide.is_empty() && (error_ty.is_none() || strings.is_none()) {
        let message = "a wide string or record field can fail: add #[raw(error = ErrorType, strings = \
                       path::to::module)], whose `required_string`, `optional_string` and `required_record` read them";
        errors.push(Error::new(ty.span(), message));
    }
    errors.finish()?;

    let raw_fields: Vec<_> = mapped.iter().map(|m| &m.raw).collect();
    // Bound under names of their own: a raw field named as a type in scope (`NegotiationState`
    // beside the newtype of that name) would otherwise be a pattern of that type.
    let bindings: Vec<_> = mapped.iter().map(|m| quote::format_ident!("raw_{}", m.raw)).collect();
    let values = mapped.iter().zip(&bindings).map(|(m, raw)| {
        let field_ty = m.ty;
        let name = m.raw.to_string();
        let strings = &strings;
        // Spanned on the record field's type: a conversion that does not fit is reported there.
        match m.conversion {
            Conversion::Copy => quote_spanned!(field_ty.span()=> *#raw),
            Conversion::Flags => quote_spanned!(field_ty.span()=> <#field_ty>::from_bits_retain(*#raw)),
            Conversion::Id => quote_spanned!(field_ty.span()=> <#field_ty as ::core::convert::From<_>>::from(*#raw)),
            // SAFETY (of the `unsafe` blocks, which the derive cannot comment): the caller's
            // contract, stated in `from_raw`'s `# Safety`.
            Conversion::Wide => quote!(unsafe { #strings::required_string(*#raw, #name) }?),
            Conversion::OptionalWide => quote!(unsafe { #strings::optional_string(*#raw, #name) }?),
            Conversion::Record => {
                quote!(unsafe { #strings::required_record(*#raw, #name, <#field_ty>::from_raw) }?)
            }
        }
    });
    let fields: Vec<_> = mapped.iter().map(|m| m.field).collect();
    let raw_name = raw_ty.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    // Spanned on the raw struct's name: an unmapped raw field is then reported as such there
    // (E0027), where under the derive's span the compiler calls it inaccessible.
    let destructure = quote_spanned!(raw_ty.span()=> let #raw_ty { #(#raw_fields: #bindings),* } = raw;);
    // Bindings are the raw struct's field names, which follow the SDK's spelling.
    let allow = quote!(#[allow(non_snake_case)]);
    if wide.is_empty() {
        let doc =
            format!(" Copies a [`{raw_name}`]({}) into owned values.", quote!(#raw_ty).to_string().replace(' ', ""));
        return Ok(quote! {
            impl #ty {
                #[doc = #doc]
                #[must_use]
                #allow
                pub fn from_raw(raw: &#raw_ty) -> Self {
                    #destructure
                    Self { #(#fields: #values),* }
                }
            }
        });
    }
    let names: Vec<_> = wide.iter().map(|m| format!("`{}`", m.raw)).collect();
    let list = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let each = if wide.len() == 1 { "must be" } else { "must each be" };
    let docs = [
        format!(
            " Copies a [`{raw_name}`]({}) into owned values; `Err` names the field whose string is missing or \
             not UTF-16.",
            quote!(#raw_ty).to_string().replace(' ', "")
        ),
        String::new(),
        " # Safety".to_owned(),
        String::new(),
        format!(
            " {list} {each} null or valid for reads (up to a NUL terminator for a string; of one record, as its \
             own `from_raw` requires, for a record), and unchanged during the call."
        ),
    ];
    let error_ty = error_ty.expect("checked above");
    Ok(quote! {
        impl #ty {
            #(#[doc = #docs])*
            #allow
            #[allow(clippy::undocumented_unsafe_blocks)]
            pub unsafe fn from_raw(raw: &#raw_ty) -> ::core::result::Result<Self, #error_ty> {
                #destructure
                ::core::result::Result::Ok(Self { #(#fields: #values),* })
            }
        }
    })
}
