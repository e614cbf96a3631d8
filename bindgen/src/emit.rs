//! Writing secpkg-sys: windows-bindgen's output normalised to the spec's vocabulary, with the
//! families' types fixed, the supplement and enum members as constants, one `*_family!` macro
//! per family, the layout facts, and API.lock.

use crate::layout::{Arch, StructLayout, struct_layout};
use crate::lock;
use crate::metadata::{Candidates, IntKind, Member, MemberValue, Metadata, Origin, ResolvedFamily};
use crate::normalise::{Vocabulary, normalise, undefined_types};
use crate::spec::{Family, Kind, Spec, VariantNames};
use crate::{Error, WINDOWS_BINDGEN_VERSION};
use quote::{format_ident, quote};
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};
use windows_metadata::Type;

/// Every file of generated/, by path relative to it.
pub type Files = BTreeMap<String, String>;

/// Everything one run computes: the files, and what `diff` and the lock comparison need.
pub struct Output {
    pub files: Files,
    /// The public API as generated/API.lock lists it.
    pub lock: lock::Items,
    /// The same, from windows-bindgen's output as it is and every prefix match, for `diff`.
    pub raw_lock: lock::Items,
    /// Why an item of the raw lock is not in the lock as it is, or where a supplied one comes from.
    pub notes: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

pub fn generate(spec: &Spec, metadata: &Metadata) -> Result<Output, Error> {
    let mut errors: Vec<Error> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for name in &spec.functions {
        if !metadata.is_function(name.get_ref()) {
            errors.push(spec.error_at(name, format!("function '{}' is not in {}", name.get_ref(), metadata.source)));
        }
    }
    for name in &spec.structs {
        if !metadata.is_struct(name.get_ref()) {
            errors.push(spec.error_at(name, format!("struct '{}' is not in {}", name.get_ref(), metadata.source)));
        }
    }
    check_renames(spec, metadata, &mut errors);
    let vocabulary = Vocabulary::new(spec, &mut errors);
    vocabulary.check_unions(spec, metadata, &mut errors);
    let candidates = metadata.candidates(spec);
    let families: Vec<ResolvedFamily> = spec
        .families
        .iter()
        .map(|family| {
            let ty = family_type(spec, metadata, &vocabulary, family).unwrap_or_else(|e| {
                errors.push(e);
                None
            });
            metadata.resolve(spec, &candidates, family, ty, &mut errors, &mut warnings)
        })
        .collect();
    if !errors.is_empty() {
        return Err(Error::many(errors));
    }

    let mut filters: Vec<String> = Vec::new();
    for name in spec.functions.iter().chain(&spec.structs) {
        filters.extend(metadata.qualified(name.get_ref()));
    }
    for family in &families {
        filters.extend(family.members.iter().filter_map(|m| match &m.origin {
            Origin::Constant { namespace } => Some(format!("{namespace}.{}", m.name)),
            _ => None,
        }));
    }

    let raw = run_windows_bindgen(metadata, &filters)?;
    let is_enum = |name: &str| metadata.is_enum(name);
    let normalised = normalise(spec, &vocabulary, &raw, &metadata.source, &is_enum, &mut errors, &mut warnings)?;
    if !errors.is_empty() {
        return Err(Error::many(errors));
    }
    let mut bindings_text = format!("{BINDINGS_PREAMBLE}{normalised}");
    for family in &families {
        if let Some((name, kind)) = &family.ty {
            bindings_text = retype_constants(spec, &bindings_text, family, name, IntType::from(*kind))?;
        }
    }
    bindings_text.push_str(&vocabulary.items(spec));
    bindings_text.push_str(&generated_members(&families)?);

    let bindings_file: syn::File =
        syn::parse_str(&bindings_text).map_err(|e| Error::new(format!("the normalised bindings do not parse: {e}")))?;
    let undefined = undefined_types(&bindings_file);
    if !undefined.is_empty() {
        return Err(Error::many(
            undefined
                .into_iter()
                .map(|(name, user)| {
                    Error::new(format!(
                        "src/bindings.rs would name the type '{name}' (in {user}), which nothing defines: \
                         add it to the spec's [[typedef]] or fix the one that names it; nothing was written"
                    ))
                })
                .collect(),
        ));
    }

    let mut macros = String::from("//! One macro per constant family of the spec.\n");
    for family in &families {
        if let Some((_, kind)) = &family.ty {
            macros.push_str(&family_macro(spec, family, IntType::from(*kind))?);
        }
    }

    let mut layouts = spec
        .structs
        .iter()
        .flat_map(|name| Arch::ALL.map(|arch| struct_layout(metadata, name.get_ref(), arch)))
        .collect::<Result<Vec<_>, _>>()?;
    for layout in &mut layouts {
        for rename in spec.renames.iter().filter(|r| r.strukt.get_ref() == &layout.name) {
            for field in &mut layout.fields {
                if let Some((sdk, _)) = rename.fields.iter().find(|(_, from)| from.get_ref() == &field.name) {
                    field.name = sdk.clone();
                }
            }
        }
    }

    let lock_items = lock::items(&bindings_file, &families);
    let raw_lock = raw_lock(&raw, metadata, &candidates, &families)?;
    let notes = notes(&families);

    let header = header(spec, metadata);
    let mut files = Files::new();
    let sources = [
        ("src/bindings.rs", bindings_text),
        ("src/families.rs", macros),
        ("src/layout.rs", layout_file(&layouts)),
        ("src/lib.rs", include_str!("../templates/lib.rs").to_owned()),
    ];
    // One rustfmt process per file, side by side: they are most of a regeneration's wall time.
    let formatted: Vec<Result<String, Error>> = std::thread::scope(|scope| {
        let jobs: Vec<_> = sources.iter().map(|(_, body)| scope.spawn(|| rustfmt(body))).collect();
        jobs.into_iter()
            .map(|job| job.join().unwrap_or_else(|_| Err(Error::new("rustfmt's thread panicked"))))
            .collect()
    });
    for ((path, _), text) in sources.iter().zip(formatted) {
        files.insert((*path).into(), format!("{}{}", comment(&header, "//"), text?));
    }
    files.insert("LAYOUT.md".into(), format!("<!--\n{header}-->\n\n{}", layout_table(&layouts)));
    files.insert("Cargo.toml".into(), format!("{}{}", comment(&header, "#"), include_str!("../templates/Cargo.toml")));
    files.insert(lock::FILE.into(), lock::render(spec, &metadata.source, &metadata.sha256, &lock_items));
    Ok(Output { files, lock: lock_items, raw_lock, notes, warnings })
}

/// The family's type, from the field it describes or the function whose result it is, named in
/// the spec's vocabulary.
fn family_type(
    spec: &Spec,
    metadata: &Metadata,
    vocabulary: &Vocabulary,
    family: &Family,
) -> Result<Option<(String, IntKind)>, Error> {
    let Some(path) = &family.type_of else {
        return Ok(None);
    };
    let family_name = family.name.get_ref();
    let ty = metadata.type_of(path.get_ref()).ok_or_else(|| {
        spec.error_at(
            path,
            format!(
                "family '{family_name}': type_of '{}' is no struct field, function or parameter of {}",
                path.get_ref(),
                metadata.source
            ),
        )
    })?;
    // Classic metadata types some parameters as an enum of their flags (ISC_REQ_FLAGS for
    // fContextReq): the family's type is then the enum's integer, which is what signatures say.
    let ty = metadata.enum_underlying(&ty).unwrap_or(ty);
    let name = match &ty {
        Type::U8 => "u8",
        Type::U16 => "u16",
        Type::U32 => "u32",
        Type::U64 => "u64",
        Type::I8 => "i8",
        Type::I16 => "i16",
        Type::I32 => "i32",
        Type::I64 => "i64",
        Type::ValueName(name) | Type::ClassName(name) => vocabulary.spelling(&name.name),
        _ => "",
    };
    // A result the spec says as an integer typedef (FreeContextBuffer's SECURITY_STATUS) gives
    // the family that typedef, whatever the metadata calls it.
    let name = match path.get_ref().strip_suffix("()") {
        Some(function) => vocabulary.result_spelling(function, name),
        None => name,
    };
    match IntKind::parse(vocabulary.underlying(name)) {
        Some(kind) => Ok(Some((name.to_owned(), kind))),
        None => Err(spec.error_at(
            path,
            format!(
                "family '{family_name}': {} has the type {ty:?} in {}, which is no integer type of the spec's \
                 vocabulary",
                path.get_ref(),
                metadata.source
            ),
        )),
    }
}

/// Each rename must meet the metadata one way or the other: the struct has the metadata's name
/// (renamed) or sspi.h's (nothing to do), never both and never neither.
fn check_renames(spec: &Spec, metadata: &Metadata, errors: &mut Vec<Error>) {
    for rename in &spec.renames {
        let strukt = rename.strukt.get_ref();
        if !spec.structs.iter().any(|s| s.get_ref() == strukt) {
            errors.push(spec.error_at(&rename.strukt, format!("rename: '{strukt}' is not one of the spec's structs")));
            continue;
        }
        let fields = metadata.field_names(strukt);
        if fields.is_empty() {
            continue;
        }
        for (sdk, from) in &rename.fields {
            match (fields.contains(sdk), fields.contains(from.get_ref())) {
                (true, true) => errors.push(spec.error_at(
                    from,
                    format!("rename {strukt}.{} -> {sdk}: {} has both fields", from.get_ref(), metadata.source),
                )),
                (false, false) => errors.push(spec.error_at(
                    from,
                    format!(
                        "rename {strukt}.{} -> {sdk}: {} has neither field; drop or fix the rename",
                        from.get_ref(),
                        metadata.source
                    ),
                )),
                _ => {}
            }
        }
    }
}

/// The lock of windows-bindgen's output as it is, with every prefix match of the families (in
/// or out of scope) and the metadata's own types for them: what the metadata says before the
/// spec's normalisation.
fn raw_lock(
    raw: &str,
    metadata: &Metadata,
    candidates: &Candidates,
    families: &[ResolvedFamily],
) -> Result<lock::Items, Error> {
    let file: syn::File =
        syn::parse_str(raw).map_err(|e| Error::new(format!("windows-bindgen's output does not parse: {e}")))?;
    let mut items = lock::items(&file, &[]);
    items.retain(|key, _| !key.starts_with("const "));
    // The constants' own metadata types are left out: a family's type comes from what it describes.
    for family in families {
        let kind = family.ty.as_ref().map(|t| t.1);
        for (name, value) in metadata.raw_members(candidates, family.spec) {
            let rest = match value {
                MemberValue::Int(v) => format!(" = 0x{:X}", kind.map_or(v as u128, |k| k.pattern(v))),
                MemberValue::Str(s) => format!(" = {s:?}"),
            };
            items.insert(format!("const {name}"), rest);
        }
    }
    Ok(items)
}

fn notes(families: &[ResolvedFamily]) -> BTreeMap<String, String> {
    let mut notes = BTreeMap::new();
    for family in families {
        let family_name = family.spec.name.get_ref();
        for left in &family.left_out {
            notes.insert(format!("const {}", left.name), format!("not in '{family_name}': {}", left.reason));
        }
        for member in &family.members {
            match &member.origin {
                Origin::Supplement { source } => {
                    notes.insert(format!("const {}", member.name), format!("from the spec's supplement ({source})"));
                }
                Origin::EnumMember { enumeration, .. } => {
                    notes.insert(
                        format!("const {}", member.name),
                        format!("a member of the enum {enumeration}, emitted as a constant"),
                    );
                }
                Origin::Constant { .. } => {}
            }
        }
    }
    notes
}

fn header(spec: &Spec, metadata: &Metadata) -> String {
    let spec_name = spec.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    format!(
        "@generated by secpkg-bindgen from bindgen/{spec_name}: do not edit; run `cargo run -p secpkg-bindgen`.\n\
         windows-bindgen {WINDOWS_BINDGEN_VERSION}; metadata: {} (sha256 {}).\n",
        metadata.source, metadata.sha256
    )
}

fn comment(text: &str, marker: &str) -> String {
    text.lines().map(|line| format!("{marker} {line}\n")).collect::<String>() + "\n"
}

/// The workspace's rustfmt.toml, passed explicitly so the output does not depend on the folder
/// the generator runs in.
const RUSTFMT_CONFIG: &str = "max_width=120,use_small_heuristics=Max";

/// windows-bindgen documents nothing, and its `link!` imports take no doc attributes: the items
/// keep their SDK names, whose documentation is Microsoft's.
const BINDINGS_PREAMBLE: &str = "//! The functions, structs, constants and type aliases windows-bindgen emits, under their SDK \
    names: see the Windows SDK documentation of each name.\n#![allow(missing_docs)]\n\n";

/// windows-bindgen panics on errors; the spec's names were all resolved before this call, so a
/// panic here is a windows-bindgen limitation, reported as an error rather than a crash.
fn run_windows_bindgen(metadata: &Metadata, filters: &[String]) -> Result<String, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::new(format!("cannot create a temporary directory: {e}")))?;
    let out = dir.path().join("bindings.rs");
    let result = crate::catch_panic(|| {
        windows_bindgen::builder()
            .input_bytes(&metadata.bytes)
            .output(&out)
            .sys()
            .flat()
            .filters(filters)
            .rustfmt(RUSTFMT_CONFIG)
            .write();
    });
    if let Err(message) = result {
        return Err(Error::new(format!("windows-bindgen failed on {}: {message}", metadata.source)));
    }
    std::fs::read_to_string(&out).map_err(|e| Error::new(format!("windows-bindgen wrote no output: {e}")))
}

/// The integer behind a family's type.
#[derive(Clone, Copy)]
struct IntType {
    bits: u32,
    signed: bool,
}

impl From<IntKind> for IntType {
    fn from(kind: IntKind) -> Self {
        Self { bits: kind.bits, signed: kind.signed }
    }
}

impl IntType {
    fn primitive(self) -> proc_macro2::Ident {
        format_ident!("{}{}", if self.signed { "i" } else { "u" }, self.bits.to_string())
    }

    fn fits(self, value: i128) -> bool {
        if self.signed {
            let max = (1i128 << (self.bits - 1)) - 1;
            (-max - 1..=max).contains(&value)
        } else {
            (0..1i128 << self.bits).contains(&value)
        }
    }
}

fn int_members<'f>(family: &'f ResolvedFamily) -> impl Iterator<Item = (&'f Member, i128)> + 'f {
    family.members.iter().filter_map(|m| match m.value {
        MemberValue::Int(v) => Some((m, v)),
        MemberValue::Str(_) => None,
    })
}

/// The metadata types constants by how they are written in C (SECPKG_FLAG_* as i32, while
/// fCapabilities is u32): give each member its family's type, after checking the value fits.
/// syn finds each constant's type; only that span of windows-bindgen's text is replaced.
fn retype_constants(
    spec: &Spec,
    source: &str,
    family: &ResolvedFamily,
    type_name: &str,
    ty: IntType,
) -> Result<String, Error> {
    let file: syn::File =
        syn::parse_str(source).map_err(|e| Error::new(format!("windows-bindgen's output does not parse: {e}")))?;
    let mut pending: HashSet<&str> = HashSet::new();
    let mut too_wide = Vec::new();
    for (member, value) in int_members(family) {
        if !ty.fits(value) {
            too_wide.push(spec.error_at(
                &family.spec.name,
                format!(
                    "family '{}': {} = {value:#x} does not fit its type {type_name}",
                    family.spec.name.get_ref(),
                    member.name,
                ),
            ));
        }
        if matches!(member.origin, Origin::Constant { .. }) {
            pending.insert(&member.name);
        }
    }
    if !too_wide.is_empty() {
        return Err(Error::many(too_wide));
    }
    let line_starts: Vec<usize> = std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |at: proc_macro2::LineColumn| line_starts[at.line - 1] + at.column;
    let mut spans = Vec::new();
    for item in &file.items {
        if let syn::Item::Const(constant) = item
            && pending.remove(constant.ident.to_string().as_str())
        {
            let span = syn::spanned::Spanned::span(&*constant.ty);
            spans.push((offset(span.start()), offset(span.end())));
        }
    }
    if let Some(missing) = pending.into_iter().min() {
        return Err(Error::new(format!("windows-bindgen emitted no constant '{missing}'")));
    }
    let mut out = source.to_owned();
    spans.sort_unstable();
    for (start, end) in spans.into_iter().rev() {
        out.replace_range(start..end, type_name);
    }
    Ok(out)
}

/// The members windows-bindgen does not emit: the supplement's, and enum members (as constants
/// of the family's type, in windows-bindgen's style).
fn generated_members(families: &[ResolvedFamily]) -> Result<String, Error> {
    let mut out = String::new();
    for family in families {
        for member in &family.members {
            let name = format_ident!("{}", member.name);
            let doc = match &member.origin {
                Origin::Constant { .. } => continue,
                Origin::Supplement { source } => format!(" Not in the metadata; from the spec's supplement: {source}"),
                Origin::EnumMember { enumeration, .. } => {
                    format!(" A member of the metadata's enum `{enumeration}`, as a constant of the family's type.")
                }
            };
            let item: syn::Item = match (&member.value, &family.ty) {
                (MemberValue::Str(value), _) => {
                    let units: Vec<u16> = value.encode_utf16().chain([0]).collect();
                    let doc = format!(" `{value}`.{doc}");
                    syn::parse_quote! {
                        #[doc = #doc]
                        pub const #name: PCWSTR = [#(#units),*].as_ptr();
                    }
                }
                (MemberValue::Int(value), Some((type_name, _))) => {
                    let ty = format_ident!("{}", type_name);
                    let value = proc_macro2::Literal::i128_unsuffixed(*value);
                    syn::parse_quote! {
                        #[doc = #doc]
                        pub const #name: #ty = #value;
                    }
                }
                (MemberValue::Int(_), None) => {
                    return Err(Error::new(format!(
                        "family '{}': {} is a number, but the family has no type",
                        family.spec.name.get_ref(),
                        member.name
                    )));
                }
            };
            out.push_str(&prettyplease::unparse(&syn::File { shebang: None, attrs: vec![], items: vec![item] }));
        }
    }
    Ok(out)
}

fn family_macro(spec: &Spec, family: &ResolvedFamily, ty: IntType) -> Result<String, Error> {
    let f = family.spec;
    let family_name = f.name.get_ref();
    let mut by_value: BTreeMap<i128, Vec<&str>> = BTreeMap::new();
    for (member, value) in int_members(family) {
        by_value.entry(value).or_default().push(&member.name);
    }
    for key in f.docs.keys() {
        if !family.members.iter().any(|m| m.name.strip_prefix(f.strip.as_str()) == Some(key.as_str())) {
            return Err(spec.error_at(
                &f.docs[key],
                format!("family '{family_name}': a description for '{key}', which the metadata does not have"),
            ));
        }
    }
    let mut variants = String::new();
    let mut idents = HashSet::new();
    for (value, names) in &by_value {
        // Several SDK names for one value: the alphabetically first is the variant, the others
        // are its aliases, so the choice does not depend on the metadata's order.
        let mut names = names.clone();
        names.sort_unstable();
        let (name, aliases) = (names[0], &names[1..]);
        if f.kind == Kind::Flags && (*value <= 0 || value.count_ones() != 1) {
            return Err(spec.error_at(
                &f.name,
                format!("family '{family_name}' is of kind flags, but {name} = {value:#x} is not a single bit"),
            ));
        }
        if f.kind == Kind::Flags && !aliases.is_empty() {
            return Err(spec.error_at(
                &f.name,
                format!("family '{family_name}': {name} and {} have the same bit", aliases.join(", ")),
            ));
        }
        let short = name.strip_prefix(f.strip.as_str()).unwrap_or(name);
        // A flag's short name is its text form: empty or leading with a digit, it would read
        // as the empty list or a number.
        if f.kind == Kind::Flags && !short.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(spec.error_at(
                &f.name,
                format!("family '{family_name}': {name} without the prefix '{}' is no name", f.strip),
            ));
        }
        // The one naming rule (secpkg-macros' docs): a member is its SDK name less `strip`, as
        // it is for constants and text, in UpperCamel for a flag enum's variants.
        let ident = match (f.kind, f.variants) {
            (Kind::Flags, VariantNames::Camel) => camel_case(short),
            _ => short.to_owned(),
        };
        if !idents.insert(ident.clone()) || syn::parse_str::<syn::Ident>(&ident).is_err() {
            return Err(spec.error_at(&f.name, format!(
                "family '{family_name}': {name} makes the variant name '{ident}', which is taken or not an identifier"
            )));
        }
        let doc = match (f.kind, f.docs.get(short)) {
            (Kind::Flags, Some(doc)) => doc.get_ref().clone(),
            (Kind::Flags, None) => {
                eprintln!("warning: family '{family_name}': no description for {name} in the spec");
                format!("{name} (no description in bindgen/sspi.toml yet).")
            }
            _ if aliases.is_empty() => format!("`{name}`."),
            _ => format!("`{name}`, also named `{}`.", aliases.join("`, `")),
        };
        let aliases: String = aliases.iter().map(|alias| format!(", alias = {alias:?}")).collect();
        // The constant itself, so the compiler types the value as the family's repr. A flag is an
        // enum variant with its doc; a value is one `#[sdk]` of the newtype, its doc inside.
        variants.push_str(&match f.kind {
            Kind::Flags => format!(
                "            #[doc = {:?}]\n            #[sdk(name = {name:?}, value = $crate::{name}{aliases})]\n            {ident},\n",
                format!(" {doc}")
            ),
            _ => format!(
                "        #[sdk(name = {name:?}, value = $crate::{name}{aliases}, doc = {:?})]\n",
                format!(" {doc}")
            ),
        });
    }
    let count = idents.len();
    let repr = ty.primitive();
    let sources: Vec<String> = f
        .prefixes
        .iter()
        .map(|p| format!("{}*", p.get_ref()))
        .chain(f.names.iter().map(|n| n.get_ref().clone()))
        .collect();
    let sources = sources.join(", ");
    let prefix = if f.strip.is_empty() { String::new() } else { format!(", prefix = {:?}", f.strip) };
    if f.kind == Kind::Flags {
        let doc = format!(
            "{}\n///\n/// Expands `$(#[meta])* $vis enum Name {{ extra variants }}` to that enum with \
             `#[family(repr = {repr}, ..)]` and one variant per member of the family ({sources}; {count} in \
             all, in ascending order of value), each with `#[sdk(name = \"…\", value = $crate::…)]` and a \
             doc line, for `secpkg_macros::Flags`.",
            f.doc
        );
        return Ok(format!(
            "\n/// {doc}\n#[macro_export]\nmacro_rules! {family_name}_family {{\n    \
             ($(#[$meta:meta])* $vis:vis enum $name:ident {{ $($extra:tt)* }}) => {{\n        \
             $(#[$meta])*\n        #[family(repr = {repr}{prefix})]\n        \
             $vis enum $name {{\n{variants}            $($extra)*\n        }}\n    }};\n}}\n"
        ));
    }
    let doc = format!(
        "{}\n///\n/// Expands `$(#[meta])* $vis struct Name;` to the newtype `#[repr(transparent)] $vis struct \
         Name(pub {repr});` with `#[family(repr = {repr}, ..)]` and one `#[sdk(name = \"…\", value = \
         $crate::…, doc = \"…\")]` per member of the family ({sources}; {count} in all, in ascending order \
         of value), for `secpkg_macros::Values`.",
        f.doc
    );
    Ok(format!(
        "\n/// {doc}\n#[macro_export]\nmacro_rules! {family_name}_family {{\n    \
         ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {{\n        \
         $(#[$meta])*\n        #[family(repr = {repr}{prefix})]\n{variants}        \
         #[repr(transparent)]\n        $vis struct $name(pub {repr});\n    }};\n}}\n"
    ))
}

fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn layout_file(layouts: &[StructLayout]) -> String {
    let facts = layouts.iter().map(|l| {
        let (name, arch, size, align) =
            (&l.name, format_ident!("{}", l.arch.variant()), usize_lit(l.size), usize_lit(l.align));
        let fields = l.fields.iter().map(|f| {
            let (field, offset, size) = (&f.name, usize_lit(f.offset), usize_lit(f.size));
            quote!(FieldLayout { name: #field, offset: #offset, size: #size })
        });
        quote!(StructLayout { name: #name, arch: Arch::#arch, size: #size, align: #align, fields: &[#(#fields),*] })
    });
    let checks = Arch::ALL.iter().map(|&arch| {
        let target = arch.target_arch();
        let asserts = layouts.iter().filter(|l| l.arch == arch).flat_map(|l| {
            let ty = format_ident!("{}", l.name);
            let (size, align) = (usize_lit(l.size), usize_lit(l.align));
            let what =
                |what: &str| format!("{}: {what} differs from the metadata's layout on {}", l.name, arch.variant());
            let (size_msg, align_msg) = (what("size"), what("alignment"));
            let head = quote! {
                assert!(size_of::<crate::#ty>() == #size, #size_msg);
                assert!(align_of::<crate::#ty>() == #align, #align_msg);
            };
            let fields = l.fields.iter().map(move |f| {
                let field = format_ident!("{}", f.name);
                let (offset, size) = (usize_lit(f.offset), usize_lit(f.size));
                let (offset_msg, size_msg) =
                    (what(&format!("offset of {}", f.name)), what(&format!("size of {}", f.name)));
                quote! {
                    assert!(offset_of!(crate::#ty, #field) == #offset, #offset_msg);
                    assert!(field_size(|s: &crate::#ty| &s.#field) == #size, #size_msg);
                }
            });
            std::iter::once(head).chain(fields)
        });
        quote! {
            #[cfg(target_arch = #target)]
            const _: () = { #(#asserts)* };
        }
    });
    let file: syn::File = syn::parse_quote! {
        //! The C layout of the spec's structs on each Windows architecture, computed from the
        //! metadata's field types, and compile-time checks that the Rust structs match it on the
        //! target being built.

        use core::mem::{align_of, offset_of, size_of};

        /// A Windows architecture.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Arch {
            /// 32-bit x86.
            X86,
            /// x86-64.
            X64,
            /// 64-bit ARM.
            Arm64,
        }

        impl Arch {
            /// Every architecture with layout facts.
            pub const ALL: [Arch; 3] = [Arch::X86, Arch::X64, Arch::Arm64];

            /// `x86`, `x64` or `arm64`.
            pub const fn name(self) -> &'static str {
                match self {
                    Arch::X86 => "x86",
                    Arch::X64 => "x64",
                    Arch::Arm64 => "arm64",
                }
            }
        }

        /// Where one field lies in its struct.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct FieldLayout {
            /// The field's name in the metadata.
            pub name: &'static str,
            /// Its offset in bytes.
            pub offset: usize,
            /// Its size in bytes.
            pub size: usize,
        }

        /// The layout of one struct on one architecture.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct StructLayout {
            /// The struct's name.
            pub name: &'static str,
            /// The architecture.
            pub arch: Arch,
            /// Its size in bytes.
            pub size: usize,
            /// Its alignment in bytes.
            pub align: usize,
            /// Every field, in declaration order.
            pub fields: &'static [FieldLayout],
        }

        /// Every struct of the spec on every architecture.
        pub const LAYOUTS: &[StructLayout] = &[#(#facts),*];

        /// The size of a field's type, named through a projection.
        const fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
            size_of::<F>()
        }

        #(#checks)*
    };
    prettyplease::unparse(&file)
}

/// The layout facts as a Markdown table, for people auditing them.
fn layout_table(layouts: &[StructLayout]) -> String {
    let mut out = String::from(
        "# Audited layouts\n\nComputed by secpkg-bindgen from the metadata's field types with C layout rules; \
         asserted at compile time by secpkg-sys on each target, and compared with the mingw-w64 headers \
         for x64 and x86 by `tests/layout_oracle.rs`. Offsets in bytes, field size in parentheses.\n\n\
         | struct | arch | size | align | fields: offset (size) |\n|---|---|---|---|---|\n",
    );
    for l in layouts {
        let fields: Vec<String> = l.fields.iter().map(|f| format!("{} {} ({})", f.name, f.offset, f.size)).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            l.name,
            l.arch.name(),
            l.size,
            l.align,
            fields.join(", ")
        ));
    }
    out
}

fn rustfmt(source: &str) -> Result<String, Error> {
    let missing = |e: std::io::Error| {
        Error::new(format!(
            "cannot run rustfmt ({e}); windows-bindgen needs it on PATH: `rustup component add rustfmt`"
        ))
    };
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--config", &format!("newline_style=Unix,{RUSTFMT_CONFIG}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(missing)?;
    child.stdin.take().expect("piped").write_all(source.as_bytes()).map_err(missing)?;
    let output = child.wait_with_output().map_err(missing)?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "rustfmt rejected the generated code: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    String::from_utf8(output.stdout).map_err(|e| Error::new(format!("rustfmt wrote non-UTF-8: {e}")))
}

/// Checks rustfmt up front, so a missing one is named before windows-bindgen panics on it.
pub fn require_rustfmt() -> Result<(), Error> {
    rustfmt("").map(drop)
}

fn usize_lit(value: usize) -> proc_macro2::Literal {
    proc_macro2::Literal::usize_unsuffixed(value)
}
