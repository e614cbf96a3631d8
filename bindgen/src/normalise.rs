//! Normalising windows-bindgen's output to the spec's vocabulary, so that every metadata
//! generation gives the same secpkg-sys API:
//! - type names the spec replaces (`HRESULT` -> `SECURITY_STATUS`, `BOOLEAN` -> `bool`) are
//!   replaced wherever a signature, field or constant uses them;
//! - every other type alias (`PSecPkgInfoW`, `SEC_CHAR`, ...) is spelled out where it is used, and
//!   the aliases secpkg-sys exports are the spec's `[[typedef]]`s, emitted whatever the metadata
//!   has (checked against the metadata's own definition when it has one);
//! - struct fields take sspi.h's names through the spec's rename map;
//! - a union the spec says as an integer (`LARGE_INTEGER` where sspi.h says TimeStamp) is replaced
//!   in the signatures the spec lists, and dropped with the types only it needs once nothing else
//!   names it.
//! - an integer the spec says as its typedef (`i32` where sspi.h says SECURITY_STATUS) is replaced
//!   in the results and parameters the spec lists, and nowhere else.
//!
//! Function-pointer aliases (`ACCEPT_SECURITY_CONTEXT_FN`) are types of their own, not spellings,
//! and stay as they are.

use crate::Error;
use crate::layout::{Arch, union_of_integer};
use crate::metadata::{IntKind, Metadata};
use crate::spec::Spec;
use std::collections::{BTreeMap, BTreeSet};

/// What the spec says about type names, resolved once.
pub struct Vocabulary {
    /// Metadata name -> the name signatures use.
    replace: BTreeMap<String, String>,
    /// Names signatures keep (`SECURITY_STATUS`, `PCWSTR`), with their Rust type.
    kept: BTreeMap<String, String>,
    /// Exported aliases signatures spell out, with their Rust type.
    expanded: BTreeMap<String, String>,
    /// Unions said as an integer typedef in some signatures.
    unions: Vec<UnionScope>,
    /// Integers said as their typedef in some results and parameters.
    integers: Vec<IntegerScope>,
    /// Pointee types whose pointers signatures always say `*mut` (sspi.h's PCtxtHandle).
    mutable_pointees: BTreeSet<String>,
}

/// `integer` is said `typedef` in the results of `results` and in `parameters`, and nowhere else.
struct IntegerScope {
    typedef: String,
    integer: String,
    results: Vec<toml::Spanned<String>>,
    /// (the spec's entry, its item, its parameter)
    parameters: Vec<(toml::Spanned<String>, String, String)>,
}

/// `union` is said `typedef` (an integer) in the signatures of `items`, and nowhere else.
struct UnionScope {
    union: String,
    typedef: String,
    integer: IntKind,
    items: Vec<toml::Spanned<String>>,
}

impl Vocabulary {
    pub fn new(spec: &Spec, errors: &mut Vec<Error>) -> Self {
        let mut replace = BTreeMap::new();
        for (from, to) in &spec.retype {
            replace.insert(from.clone(), to.get_ref().clone());
        }
        let (mut kept, mut expanded) = (BTreeMap::new(), BTreeMap::new());
        let mut unions = Vec::new();
        let mut integers: Vec<IntegerScope> = Vec::new();
        for typedef in &spec.typedefs {
            let name = typedef.name.get_ref();
            if syn::parse_str::<syn::Type>(typedef.ty.get_ref()).is_err() {
                errors.push(
                    spec.error_at(
                        &typedef.ty,
                        format!("typedef '{name}': '{}' is not a Rust type", typedef.ty.get_ref()),
                    ),
                );
                continue;
            }
            let target = if typedef.expand { &mut expanded } else { &mut kept };
            if target.insert(name.clone(), typedef.ty.get_ref().clone()).is_some() {
                errors.push(spec.error_at(&typedef.name, format!("typedef '{name}' is defined twice")));
            }
            for from in &typedef.replaces {
                if replace.insert(from.get_ref().clone(), name.clone()).is_some() {
                    errors.push(spec.error_at(from, format!("'{}' is replaced twice", from.get_ref())));
                }
            }
            if let Some(replacement) = &typedef.replaces_integer {
                let integer = typedef.ty.get_ref();
                if IntKind::parse(integer).is_none() {
                    errors.push(spec.error_at(
                        &typedef.ty,
                        format!(
                            "typedef '{name}': `replaces_integer` says it where the metadata says its integer, but \
                             '{integer}' is no integer"
                        ),
                    ));
                } else if typedef.expand {
                    errors.push(spec.error_at(
                        &typedef.name,
                        format!(
                            "typedef '{name}': with `expand`, signatures spell it out as '{integer}', so \
                             `replaces_integer` changes nothing: drop one of them"
                        ),
                    ));
                } else if replacement.results.is_empty() && replacement.parameters.is_empty() {
                    errors.push(spec.error_at(
                        &typedef.name,
                        format!(
                            "typedef '{name}': `replaces_integer` lists no result or parameter where '{integer}' \
                             is said {name}"
                        ),
                    ));
                } else {
                    let listed = |scope: &IntegerScope, entry: &str| {
                        scope
                            .results
                            .iter()
                            .chain(scope.parameters.iter().map(|(p, _, _)| p))
                            .any(|e| e.get_ref() == entry)
                    };
                    let mut scope = IntegerScope {
                        typedef: name.clone(),
                        integer: integer.clone(),
                        results: Vec::new(),
                        parameters: Vec::new(),
                    };
                    for result in &replacement.results {
                        if integers.iter().chain([&scope]).any(|s| listed(s, result.get_ref())) {
                            errors.push(
                                spec.error_at(result, format!("the result of '{}' is listed twice", result.get_ref())),
                            );
                        }
                        scope.results.push(result.clone());
                    }
                    for parameter in &replacement.parameters {
                        if integers.iter().chain([&scope]).any(|s| listed(s, parameter.get_ref())) {
                            errors.push(
                                spec.error_at(
                                    parameter,
                                    format!("parameter '{}' is listed twice", parameter.get_ref()),
                                ),
                            );
                        }
                        match parameter.get_ref().split_once('.') {
                            Some((item, param)) if !item.is_empty() && !param.is_empty() && !param.contains('.') => {
                                scope.parameters.push((parameter.clone(), item.to_owned(), param.to_owned()));
                            }
                            _ => errors.push(spec.error_at(
                                parameter,
                                format!(
                                    "typedef '{name}': parameter '{}' is not `Item.Parameter` (`SEC_GET_KEY_FN.Status`)",
                                    parameter.get_ref()
                                ),
                            )),
                        }
                    }
                    integers.push(scope);
                }
            }
            if let Some(replacement) = &typedef.replaces_union {
                let union = replacement.union.get_ref();
                let Some(integer) = IntKind::parse(typedef.ty.get_ref()) else {
                    errors.push(spec.error_at(
                        &typedef.ty,
                        format!(
                            "typedef '{name}': only an integer typedef can replace the union '{union}', not '{}'",
                            typedef.ty.get_ref()
                        ),
                    ));
                    continue;
                };
                if replace.contains_key(union) || unions.iter().any(|u: &UnionScope| &u.union == union) {
                    errors.push(spec.error_at(&replacement.union, format!("'{union}' is replaced twice")));
                }
                if replacement.items.is_empty() {
                    errors.push(spec.error_at(
                        &replacement.union,
                        format!("typedef '{name}': `in` lists no signature where '{union}' is said {name}"),
                    ));
                }
                unions.push(UnionScope {
                    union: union.clone(),
                    typedef: name.clone(),
                    integer,
                    items: replacement.items.clone(),
                });
            }
        }
        let mut mutable_pointees = BTreeSet::new();
        for pointer in &spec.mutable_pointers {
            if !mutable_pointees.insert(pointer.pointee.get_ref().clone()) {
                errors.push(spec.error_at(
                    &pointer.pointee,
                    format!("mutable_pointer '{}' is given twice", pointer.pointee.get_ref()),
                ));
            }
        }
        Self { replace, kept, expanded, unions, integers, mutable_pointees }
    }

    /// The name of the result of `function`, whose metadata type is `raw`: the typedef where the
    /// spec says that result is the typedef and the metadata says its integer, else `raw`.
    pub fn result_spelling<'a>(&'a self, function: &str, raw: &'a str) -> &'a str {
        self.integers
            .iter()
            .find(|scope| scope.integer == raw && scope.results.iter().any(|r| r.get_ref() == function))
            .map_or(raw, |scope| scope.typedef.as_str())
    }

    /// Each union the spec says as an integer must be one in `metadata`: a union with a member of
    /// that integer type, of its size and alignment on every architecture. Metadata without the
    /// union has nothing to replace.
    pub fn check_unions(&self, spec: &Spec, metadata: &Metadata, errors: &mut Vec<Error>) {
        for scope in &self.unions {
            let typedef = spec.typedefs.iter().find(|t| t.name.get_ref() == &scope.typedef).expect("in the vocabulary");
            let at = &typedef.replaces_union.as_ref().expect("a union replacement").union;
            let bytes = scope.integer.bits as usize / 8;
            for arch in Arch::ALL {
                match union_of_integer(metadata, &scope.union, scope.integer, arch) {
                    Ok(None) => break,
                    Ok(Some((size, align))) if size == bytes && align == bytes => {}
                    Ok(Some((size, align))) => {
                        errors.push(spec.error_at(
                            at,
                            format!(
                                "typedef '{}': in {}, {} is {size} bytes aligned to {align} on {}, not the {bytes} bytes of {}: \
                                 it is no {}",
                                scope.typedef,
                                metadata.source,
                                scope.union,
                                arch.name(),
                                typedef.ty.get_ref(),
                                typedef.ty.get_ref()
                            ),
                        ));
                        break;
                    }
                    Err(e) => {
                        errors.push(spec.error_at(at, format!("typedef '{}': {}", scope.typedef, e.message)));
                        break;
                    }
                }
            }
        }
    }

    /// The name signatures use for the metadata's type name `name`.
    pub fn spelling<'a>(&'a self, name: &'a str) -> &'a str {
        self.replace.get(name).map_or(name, String::as_str)
    }

    /// The integer type behind a kept name (`SECURITY_STATUS` -> `i32`), or the name itself.
    pub fn underlying<'a>(&'a self, name: &'a str) -> &'a str {
        self.kept.get(name).or_else(|| self.expanded.get(name)).map_or(name, String::as_str)
    }

    /// The spec's typedefs as Rust items, each documented with its source.
    pub fn items(&self, spec: &Spec) -> String {
        let mut out = String::new();
        for typedef in &spec.typedefs {
            out.push_str(&format!(
                "/// From the spec: {}\npub type {} = {};\n",
                typedef.source.replace('\n', " "),
                typedef.name.get_ref(),
                typedef.ty.get_ref()
            ));
        }
        out
    }
}

/// A plain alias of windows-bindgen's output: `pub type X = <not a function pointer>;`.
fn is_plain_alias(item: &syn::ItemType) -> bool {
    !matches!(&*item.ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

pub fn normalise(
    spec: &Spec,
    vocabulary: &Vocabulary,
    source: &str,
    metadata_name: &str,
    is_metadata_enum: &dyn Fn(&str) -> bool,
    errors: &mut Vec<Error>,
    warnings: &mut Vec<String>,
) -> Result<String, Error> {
    let said = say_integers(vocabulary, spec, source, metadata_name, errors)?;
    let source = said.as_str();
    let file: syn::File =
        syn::parse_str(source).map_err(|e| Error::new(format!("windows-bindgen's output does not parse: {e}")))?;
    let line_starts: Vec<usize> = std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |at: proc_macro2::LineColumn| line_starts[at.line - 1] + at.column;
    let span_of = |node: &dyn syn::spanned::Spanned| {
        let span = node.span();
        (offset(span.start()), offset(span.end()))
    };

    // The metadata's aliases: every one is dropped from windows-bindgen's text; the spec's
    // typedefs are emitted instead.
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    let mut removed: Vec<(usize, usize)> = Vec::new();
    let mut renamed_fields: Vec<(usize, usize, String)> = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Type(alias) if is_plain_alias(alias) => {
                let (start, end) = span_of(&alias.ty);
                aliases.insert(alias.ident.to_string(), source[start..end].to_owned());
                let (start, end) = span_of(item);
                let end = if source[end..].starts_with('\n') { end + 1 } else { end };
                removed.push((start, end));
            }
            syn::Item::Struct(strukt) => {
                for rename in spec.renames.iter().filter(|r| strukt.ident == r.strukt.get_ref()) {
                    for field in strukt.fields.iter() {
                        let Some(ident) = &field.ident else { continue };
                        if let Some((sdk, _)) = rename.fields.iter().find(|(_, from)| ident == from.get_ref()) {
                            let (start, end) = span_of(ident);
                            renamed_fields.push((start, end, sdk.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let spelled = |text: &str| spell_out(text, vocabulary, &aliases);
    let metadata_aliases: BTreeMap<String, String> =
        aliases.iter().map(|(name, ty)| (name.clone(), canonical_type(&spelled(ty)))).collect();
    for (name, ty) in &metadata_aliases {
        let spec_ty = vocabulary.kept.get(name).or_else(|| vocabulary.expanded.get(name));
        match spec_ty {
            Some(spec_ty) if canonical_type(&spelled(spec_ty)) != *ty => {
                let typedef = spec.typedefs.iter().find(|t| t.name.get_ref() == name).expect("in the vocabulary");
                errors.push(spec.error_at(
                    &typedef.ty,
                    format!("typedef '{name}': the spec says '{spec_ty}', {metadata_name} says '{ty}'"),
                ));
            }
            Some(_) => {}
            None if vocabulary.replace.contains_key(name) => {}
            // Classic metadata groups constants into enums that sspi.h does not have (ISC_REQ_FLAGS
            // for ISC_REQ_*, typed unsigned long there); windows-bindgen emits each as an alias of
            // its integer. No SDK name is lost by spelling it out, so there is nothing to export.
            None if is_metadata_enum(name) => {}
            None => warnings.push(format!(
                "{metadata_name} has the alias {name} = {ty}, which the spec does not export: signatures spell it \
                 out; add a [[typedef]] to {} to export it",
                spec.path.display()
            )),
        }
    }

    // The signatures the spec lists say a union as its integer: each is respelled whole with the
    // union replaced. A union named anywhere else stays, and with it the lock's refusal.
    // What each item names, through the aliases it uses (they are spelled out); an alias itself
    // is dropped, so it names nothing.
    let direct: Vec<BTreeSet<String>> = file.items.iter().map(referenced_types).collect();
    let alias_references: BTreeMap<String, &BTreeSet<String>> = file
        .items
        .iter()
        .zip(&direct)
        .filter_map(|(item, names)| match item {
            syn::Item::Type(alias) if is_plain_alias(alias) => Some((alias.ident.to_string(), names)),
            _ => None,
        })
        .collect();
    let mut references: Vec<BTreeSet<String>> = file
        .items
        .iter()
        .zip(&direct)
        .map(|(item, names)| {
            if matches!(item, syn::Item::Type(alias) if is_plain_alias(alias)) {
                return BTreeSet::new();
            }
            let mut all = names.clone();
            let mut pending: Vec<String> = names.iter().cloned().collect();
            while let Some(name) = pending.pop() {
                for used in alias_references.get(&name).into_iter().flat_map(|n| n.iter()) {
                    if all.insert(used.clone()) {
                        pending.push(used.clone());
                    }
                }
            }
            all
        })
        .collect();
    let mut scoped: Vec<(usize, usize, String)> = Vec::new();
    for scope in &vocabulary.unions {
        for listed in &scope.items {
            let found = file.items.iter().position(|item| signature_name(item).is_some_and(|n| &n == listed.get_ref()));
            let Some(position) = found else {
                errors.push(spec.error_at(
                    listed,
                    format!(
                        "typedef '{}': '{}', where {} is said {}, is no function or function-pointer type of \
                         {metadata_name}",
                        scope.typedef,
                        listed.get_ref(),
                        scope.union,
                        scope.typedef
                    ),
                ));
                continue;
            };
            let (start, end) = span_of(&file.items[position]);
            let text = respell(&source[start..end], vocabulary, &aliases, Some(scope), true, 0);
            scoped.push((start, end, text));
            references[position].remove(&scope.union);
        }
    }

    // A replaced union no item names any more goes, with the types only it needed
    // (LARGE_INTEGER's anonymous structs).
    let owner: Vec<Option<String>> = file.items.iter().map(owned_type).collect();
    let mut dropped: BTreeSet<String> = BTreeSet::new();
    let mut unneeded: Vec<String> = vocabulary.unions.iter().map(|scope| scope.union.clone()).collect();
    while let Some(name) = unneeded.pop() {
        let defined = owner.iter().any(|o| o.as_ref() == Some(&name));
        let still_named = (0..file.items.len()).any(|i| {
            owner[i].as_ref().is_none_or(|o| o != &name && !dropped.contains(o)) && references[i].contains(&name)
        });
        if !defined || still_named || !dropped.insert(name.clone()) {
            continue;
        }
        for i in (0..file.items.len()).filter(|&i| owner[i].as_ref() == Some(&name)) {
            unneeded.extend(references[i].iter().cloned());
        }
    }
    for (item, owner) in file.items.iter().zip(&owner) {
        if owner.as_ref().is_some_and(|o| dropped.contains(o))
            && !matches!(item, syn::Item::Type(a) if is_plain_alias(a))
        {
            let (start, end) = span_of(item);
            let end = if source[end..].starts_with('\n') { end + 1 } else { end };
            removed.push((start, end));
        }
    }

    // One pass over the text: dropped items, renamed fields, scoped signatures, and every type
    // name respelled.
    let mut edits: Vec<(usize, usize, String)> = removed.iter().map(|&(s, e)| (s, e, String::new())).collect();
    edits.extend(renamed_fields);
    edits.extend(scoped);
    edits.sort_by_key(|&(start, _, _)| start);
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for (start, end, replacement) in edits {
        if start < at {
            return Err(Error::new(format!(
                "the spec edits one item of windows-bindgen's output twice, near '{}'",
                source[start..end].lines().next().unwrap_or_default()
            )));
        }
        out.push_str(&spelled_skipping_names(&source[at..start], vocabulary, &aliases));
        out.push_str(&replacement);
        at = end;
    }
    out.push_str(&spelled_skipping_names(&source[at..], vocabulary, &aliases));
    Ok(out)
}

/// Says each integer typedef in the results and parameters its `replaces_integer` lists, where
/// the metadata says its integer (windows-metadata 0.31's `i32` for SECURITY_STATUS). Where the
/// metadata says the typedef already (or a name the spec replaces by it: HRESULT) nothing
/// changes; anything else there, or a listed item or parameter the output lacks, is an error
/// naming the spec's entry. Only those spans change: every other `i32` stays.
fn say_integers(
    vocabulary: &Vocabulary,
    spec: &Spec,
    source: &str,
    metadata_name: &str,
    errors: &mut Vec<Error>,
) -> Result<String, Error> {
    if vocabulary.integers.is_empty() {
        return Ok(source.to_owned());
    }
    let file: syn::File =
        syn::parse_str(source).map_err(|e| Error::new(format!("windows-bindgen's output does not parse: {e}")))?;
    let line_starts: Vec<usize> = std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |at: proc_macro2::LineColumn| line_starts[at.line - 1] + at.column;
    let signatures: BTreeMap<String, SignatureTypes> = file.items.iter().filter_map(signature_types).collect();
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    for scope in &vocabulary.integers {
        // `ty` is the typedef already, or its integer (whose span is `edits`'s), or wrong.
        let say = |entry: &toml::Spanned<String>, what: String, ty: &syn::Type, through_pointers: bool| {
            let mut inner = ty;
            while let (true, syn::Type::Ptr(pointer)) = (through_pointers, inner) {
                inner = &pointer.elem;
            }
            let ident = match inner {
                syn::Type::Path(path) if path.qself.is_none() => path.path.get_ident(),
                _ => None,
            };
            match ident.map(ToString::to_string) {
                Some(name) if name == scope.integer => {
                    let span = syn::spanned::Spanned::span(inner);
                    Ok(Some((offset(span.start()), offset(span.end()))))
                }
                Some(name) if vocabulary.spelling(&name) == scope.typedef => Ok(None),
                _ => Err(spec.error_at(
                    entry,
                    format!(
                        "typedef '{}': {what} is '{}' in {metadata_name}, neither {} nor {}{}",
                        scope.typedef,
                        canonical_type(&quote::ToTokens::to_token_stream(ty).to_string()),
                        scope.integer,
                        scope.typedef,
                        if through_pointers { " (or a pointer to one)" } else { "" }
                    ),
                )),
            }
        };
        let mut said: Vec<Result<Option<(usize, usize)>, Error>> = Vec::new();
        for listed in &scope.results {
            let name = listed.get_ref();
            match signatures.get(name) {
                None => errors.push(spec.error_at(
                    listed,
                    format!(
                        "typedef '{}': '{name}', whose result is said {}, is no function or function-pointer type of \
                         {metadata_name}",
                        scope.typedef, scope.typedef
                    ),
                )),
                Some(SignatureTypes { result: None, .. }) => errors.push(spec.error_at(
                    listed,
                    format!("typedef '{}': '{name}' returns nothing in {metadata_name}", scope.typedef),
                )),
                Some(SignatureTypes { result: Some(result), .. }) => {
                    said.push(say(listed, format!("the result of '{name}'"), result, false))
                }
            }
        }
        for (entry, item, parameter) in &scope.parameters {
            let Some(SignatureTypes { parameters, .. }) = signatures.get(item) else {
                errors.push(spec.error_at(
                    entry,
                    format!(
                        "typedef '{}': '{item}', whose parameter {parameter} is said {}, is no function or \
                         function-pointer type of {metadata_name}",
                        scope.typedef, scope.typedef
                    ),
                ));
                continue;
            };
            let found =
                parameters.iter().find(|(name, _)| name.as_ref().is_some_and(|n| n.eq_ignore_ascii_case(parameter)));
            match found {
                Some((_, ty)) => said.push(say(entry, format!("parameter {parameter} of '{item}'"), ty, true)),
                None => {
                    let names: Vec<&str> = parameters.iter().map(|(n, _)| n.as_deref().unwrap_or("_")).collect();
                    errors.push(spec.error_at(
                        entry,
                        format!(
                            "typedef '{}': '{item}' has no parameter {parameter} in {metadata_name} (it has: {})",
                            scope.typedef,
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
        for result in said {
            match result {
                Ok(Some((start, end))) => edits.push((start, end, scope.typedef.as_str())),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
    }
    edits.sort_unstable_by_key(|&(start, _, _)| start);
    edits.dedup();
    let mut out = source.to_owned();
    for (start, end, typedef) in edits.into_iter().rev() {
        out.replace_range(start..end, typedef);
    }
    Ok(out)
}

/// The types of a function (`link!`) or function-pointer type.
struct SignatureTypes {
    /// Each with its name, where the output has one.
    parameters: Vec<(Option<String>, syn::Type)>,
    result: Option<syn::Type>,
}

/// The name and types of a function or function-pointer type.
fn signature_types(item: &syn::Item) -> Option<(String, SignatureTypes)> {
    let result = |output: &syn::ReturnType| match output {
        syn::ReturnType::Default => None,
        syn::ReturnType::Type(_, ty) => Some((**ty).clone()),
    };
    match item {
        syn::Item::Macro(m) => {
            let signature = link_signature(m)?;
            let parameters = signature
                .inputs
                .iter()
                .filter_map(|input| match input {
                    syn::FnArg::Typed(typed) => {
                        let name = match &*typed.pat {
                            syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
                            _ => None,
                        };
                        Some((name, (*typed.ty).clone()))
                    }
                    syn::FnArg::Receiver(_) => None,
                })
                .collect();
            Some((signature.ident.to_string(), SignatureTypes { parameters, result: result(&signature.output) }))
        }
        syn::Item::Type(alias) if !is_plain_alias(alias) => {
            let syn::Type::Path(option) = &*alias.ty else { return None };
            let syn::PathArguments::AngleBracketed(arguments) = &option.path.segments.last()?.arguments else {
                return None;
            };
            let Some(syn::GenericArgument::Type(syn::Type::BareFn(function))) = arguments.args.first() else {
                return None;
            };
            let parameters = function
                .inputs
                .iter()
                .map(|input| (input.name.as_ref().map(|(name, _)| name.to_string()), input.ty.clone()))
                .collect();
            Some((alias.ident.to_string(), SignatureTypes { parameters, result: result(&function.output) }))
        }
        _ => None,
    }
}

/// Respells every type name in `text`: replaced names, then aliases spelled out (recursively),
/// keeping the vocabulary's names.
pub fn spell_out(text: &str, vocabulary: &Vocabulary, aliases: &BTreeMap<String, String>) -> String {
    respell(text, vocabulary, aliases, None, false, 0)
}

fn spelled_skipping_names(text: &str, vocabulary: &Vocabulary, aliases: &BTreeMap<String, String>) -> String {
    respell(text, vocabulary, aliases, None, true, 0)
}

/// The function (`link!`) or function-pointer type an item defines.
fn signature_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Type(alias) if !is_plain_alias(alias) => Some(alias.ident.to_string()),
        syn::Item::Macro(m) => link_signature(m).map(|signature| signature.ident.to_string()),
        _ => None,
    }
}

/// The type an item defines, or an `impl` is for.
fn owned_type(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Type(t) => Some(t.ident.to_string()),
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Union(u) => Some(u.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Impl(i) => match &*i.self_ty {
            syn::Type::Path(p) => p.path.get_ident().map(ToString::to_string),
            _ => None,
        },
        _ => None,
    }
}

/// Every single-segment type name an item uses.
fn referenced_types(item: &syn::Item) -> BTreeSet<String> {
    use syn::visit::Visit;
    #[derive(Default)]
    struct Names(BTreeSet<String>);
    impl<'a> Visit<'a> for Names {
        fn visit_type_path(&mut self, path: &'a syn::TypePath) {
            if let Some(ident) = path.path.get_ident() {
                self.0.insert(ident.to_string());
            }
            syn::visit::visit_type_path(self, path);
        }
    }
    let mut names = Names::default();
    match item {
        syn::Item::Macro(m) => {
            if let Some(signature) = link_signature(m) {
                names.visit_signature(&signature);
            }
        }
        item => names.visit_item(item),
    }
    names.0
}

/// Word-level respelling. With `skip_names`, a word followed by a single `:` (a field, parameter
/// or constant name) or preceded by `type`/`struct`/`fn`/`const` is left alone.
/// With `scope`, its union is said as its integer typedef, in `text` and in the aliases it uses.
fn respell(
    text: &str,
    vocabulary: &Vocabulary,
    aliases: &BTreeMap<String, String>,
    scope: Option<&UnionScope>,
    skip_names: bool,
    depth: usize,
) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut previous_word = "";
    let mut in_string = false;
    while i < bytes.len() {
        let c = bytes[i];
        if !(c.is_ascii_alphabetic() || c == b'_') {
            in_string ^= c == b'"';
            let next = text[i..].find(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '"');
            let next = next.map_or(text.len(), |n| if n == 0 { i + 1 } else { i + n });
            out.push_str(&text[i..next]);
            i = next;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let word = &text[start..i];
        let rest = text[i..].trim_start();
        let is_name = skip_names
            && ((rest.starts_with(':') && !rest.starts_with("::"))
                || matches!(previous_word, "type" | "struct" | "fn" | "const" | "union"));
        // `*const T` names a pointee, not a constant: only a `const` that starts an item names one.
        let pointer_qualifier = word == "const" && text[..start].trim_end().ends_with('*');
        previous_word = if pointer_qualifier { "" } else { word };
        if pointer_qualifier {
            let pointee: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push_str(if vocabulary.mutable_pointees.contains(&pointee) { "mut" } else { word });
            continue;
        }
        if is_name || in_string || depth > 16 {
            out.push_str(word);
            continue;
        }
        let word = match scope {
            Some(scope) if word == scope.union => scope.typedef.as_str(),
            _ => vocabulary.spelling(word),
        };
        if vocabulary.kept.contains_key(word) {
            out.push_str(word);
        } else if let Some(expansion) = vocabulary.expanded.get(word).or_else(|| aliases.get(word)) {
            out.push_str(&respell(expansion, vocabulary, aliases, scope, false, depth + 1));
        } else {
            out.push_str(word);
        }
    }
    out
}

/// A type as one line, the way the lock writes it (`*mut *mut SecPkgInfoW`).
pub fn canonical_type(text: &str) -> String {
    match syn::parse_str::<syn::Type>(text) {
        Ok(mut ty) => type_text(&mut ty),
        Err(_) => text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// One line for a type, with function-pointer parameter names dropped (they are no API).
pub fn type_text(ty: &mut syn::Type) -> String {
    use syn::visit_mut::VisitMut;
    struct DropNames;
    impl VisitMut for DropNames {
        fn visit_bare_fn_arg_mut(&mut self, arg: &mut syn::BareFnArg) {
            arg.name = None;
            syn::visit_mut::visit_bare_fn_arg_mut(self, arg);
        }
    }
    DropNames.visit_type_mut(ty);
    let item: syn::File = syn::parse_quote!(type T = #ty;);
    let text = prettyplease::unparse(&item);
    let text = text.trim().trim_start_matches("type T =").trim_end_matches(';');
    let mut line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [("( ", "("), (" )", ")"), ("< ", "<"), (" >", ">"), (",)", ")"), (",>", ">")] {
        line = line.replace(from, to);
    }
    line
}

/// Every type name a Rust file uses but does not define, with an item that uses it.
pub fn undefined_types(file: &syn::File) -> BTreeMap<String, String> {
    use syn::visit::Visit;
    struct Uses {
        current: String,
        used: BTreeMap<String, String>,
    }
    impl<'a> Visit<'a> for Uses {
        fn visit_type_path(&mut self, path: &'a syn::TypePath) {
            if path.qself.is_none() && path.path.segments.len() == 1 {
                self.used.entry(path.path.segments[0].ident.to_string()).or_insert_with(|| self.current.clone());
            }
            syn::visit::visit_type_path(self, path);
        }
    }
    let mut defined: BTreeSet<String> = BTreeSet::new();
    let mut uses = Uses { current: String::new(), used: BTreeMap::new() };
    for item in &file.items {
        let type_name = match item {
            syn::Item::Type(t) => Some(&t.ident),
            syn::Item::Struct(s) => Some(&s.ident),
            syn::Item::Union(u) => Some(&u.ident),
            syn::Item::Enum(e) => Some(&e.ident),
            _ => None,
        };
        if let Some(name) = type_name {
            defined.insert(name.to_string());
            uses.current = name.to_string();
        }
        match item {
            syn::Item::Const(c) => uses.current = c.ident.to_string(),
            syn::Item::Macro(m) => {
                if let Some(signature) = link_signature(m) {
                    uses.current = signature.ident.to_string();
                    uses.visit_signature(&signature);
                }
                continue;
            }
            _ => {}
        }
        uses.visit_item(item);
    }
    const BUILTIN: &[&str] = &[
        "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
        "f64", "Option", "Self",
    ];
    uses.used.retain(|name, _| !defined.contains(name) && !BUILTIN.contains(&name.as_str()));
    uses.used
}

/// The function a `windows_link::link!("dll" "abi" fn Name(...) -> R)` imports.
pub fn link_signature(item: &syn::ItemMacro) -> Option<syn::Signature> {
    use syn::parse::Parser;
    if item.mac.path.segments.last()?.ident != "link" {
        return None;
    }
    let parser = |input: syn::parse::ParseStream| {
        input.parse::<syn::LitStr>()?;
        input.parse::<syn::LitStr>()?;
        let signature: syn::Signature = input.parse()?;
        input.parse::<Option<syn::Token![;]>>()?;
        Ok(signature)
    };
    parser.parse2(item.mac.tokens.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn vocabulary() -> Vocabulary {
        let spec = Spec::parse(
            Path::new("test.toml"),
            r#"
functions = []
structs = []
[[typedef]]
name = "SEC_WCHAR"
type = "u16"
expand = true
source = "sspi.h"
[[mutable_pointer]]
pointee = "SecHandle"
source = "sspi.h"
"#
            .to_owned(),
        )
        .expect("the spec parses");
        let mut errors = Vec::new();
        let vocabulary = Vocabulary::new(&spec, &mut errors);
        assert!(errors.is_empty());
        vocabulary
    }

    /// InitializeSecurityContextW's target name is `*const SEC_WCHAR` in the flat metadata: the
    /// `const` of a pointer must not make the pointee read as a constant's name.
    #[test]
    fn an_alias_behind_a_const_pointer_is_spelled_out() {
        let vocabulary = vocabulary();
        let text = "fn f(name : *const SEC_WCHAR, out : *mut SEC_WCHAR) -> u32";
        let spelled = spelled_skipping_names(text, &vocabulary, &BTreeMap::new());
        assert_eq!(spelled, "fn f(name : *const u16, out : *mut u16) -> u32");
    }

    /// A constant's own name stays, whatever alias it shares a spelling with.
    #[test]
    fn a_constant_name_is_not_respelled() {
        let vocabulary = vocabulary();
        let text = "pub const SEC_WCHAR: SEC_WCHAR = 0;";
        let spelled = spelled_skipping_names(text, &vocabulary, &BTreeMap::new());
        assert_eq!(spelled, "pub const SEC_WCHAR: u16 = 0;");
    }

    /// Classic metadata marks in-only handles const; sspi.h's PCtxtHandle is `SecHandle *`.
    #[test]
    fn a_mutable_pointee_is_pointed_to_mutably_and_no_other() {
        let vocabulary = vocabulary();
        let text = "fn f(context : *const SecHandle, input : *const SecBufferDesc, out : *mut SecHandle)";
        let spelled = spelled_skipping_names(text, &vocabulary, &BTreeMap::new());
        assert_eq!(spelled, "fn f(context : *mut SecHandle, input : *const SecBufferDesc, out : *mut SecHandle)");
    }
}
