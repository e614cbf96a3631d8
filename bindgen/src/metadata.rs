//! The Windows metadata: loading it, and resolving the spec's names against it.

use crate::Error;
use crate::spec::{Family, Kind, Spec, Supplement, SupplementValue};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use windows_metadata::reader::{File, Index, Item, TypeCategory};
use windows_metadata::{Type, Value};

/// One winmd file, indexed.
pub struct Metadata {
    pub bytes: Vec<u8>,
    pub index: Index,
    /// Where it came from, for the @generated header: the crate or the file name (no machine path).
    pub source: String,
    pub sha256: String,
    /// The namespaces, sorted: a name is looked up in each, the first that has it wins.
    namespaces: Vec<String>,
}

/// A constant of a family, as the metadata gives it (or the spec's supplement).
#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    pub value: MemberValue,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MemberValue {
    Int(i128),
    Str(String),
}

/// Where a family member comes from, which decides who emits it.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// A constant of the metadata: windows-bindgen emits it.
    Constant { namespace: String },
    /// A member of an enum of the metadata (classic metadata's RPC_C_AUTHN_LEVEL): the generator
    /// emits it as a constant of the family's type, without the enum.
    EnumMember { namespace: String, enumeration: String },
    /// The spec's supplement, naming the SDK header it comes from.
    Supplement { source: String },
}

/// A name the family's prefixes match but that does not join it, and why (for `diff`).
#[derive(Clone, Debug)]
pub struct LeftOut {
    pub name: String,
    pub reason: String,
}

/// A resolved family: its members sorted by name, and its type.
pub struct ResolvedFamily<'s> {
    pub spec: &'s Family,
    pub members: Vec<Member>,
    pub left_out: Vec<LeftOut>,
    /// The family's type as secpkg-sys names it (`u32`, `SECURITY_STATUS`), with its integer.
    pub ty: Option<(String, IntKind)>,
}

/// An integer type: its width and signedness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntKind {
    pub bits: u32,
    pub signed: bool,
}

impl IntKind {
    pub fn parse(rust: &str) -> Option<Self> {
        let (signed, bits) = match rust.split_at_checked(1)? {
            ("u", bits) => (false, bits),
            ("i", bits) => (true, bits),
            _ => return None,
        };
        let bits: u32 = bits.parse().ok().filter(|b| [8, 16, 32, 64].contains(b))?;
        Some(Self { bits, signed })
    }

    /// Reads a bit pattern (`0x8009036C`) as a value of this type.
    pub fn value_of_pattern(self, pattern: i128) -> i128 {
        if self.signed && pattern >= 1i128 << (self.bits - 1) && pattern < 1i128 << self.bits {
            pattern - (1i128 << self.bits)
        } else {
            pattern
        }
    }

    /// Whether `value` is a value of this type (a bit pattern of it, for a signed type).
    pub fn fits(self, value: i128) -> bool {
        let low = if self.signed { -(1i128 << (self.bits - 1)) } else { 0 };
        (low..1i128 << self.bits).contains(&value)
    }

    pub fn pattern(self, value: i128) -> u128 {
        (value as u128) & ((1u128 << self.bits) - 1)
    }
}

/// The constants and enum members the spec's families may name.
pub struct Candidates<'m>(Vec<Candidate<'m>>);

/// A named item of the metadata that a prefix can match: a constant or an enum member.
struct Candidate<'m> {
    name: &'m str,
    namespace: &'m str,
    enumeration: Option<&'m str>,
    value: MemberValue,
}

impl Metadata {
    /// The metadata bundled with windows-bindgen (crate `windows-default`).
    pub fn bundled() -> Result<Self, Error> {
        let version = crate::WINDOWS_BINDGEN_VERSION;
        Self::from_bytes(windows_default::WIN32.to_vec(), format!("windows-default {version} Windows.Win32.winmd"))
    }

    pub fn read(path: &Path) -> Result<Self, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::new(format!("{}: cannot read the metadata: {e}", path.display())))?;
        Self::from_bytes(bytes, source_name(path)).map_err(|e| Error::new(format!("{}: {}", path.display(), e.message)))
    }

    fn from_bytes(bytes: Vec<u8>, source: String) -> Result<Self, Error> {
        let unreadable = |why: String| Error::new(format!("{source} is not a readable .winmd file{why}"));
        // windows-metadata checks little and trusts the rest: a stream header whose offset or
        // size points past the file (fuzz/winmd) panics in `File::new`, and tables that point past
        // its end (a truncated download) panic when indexed. Both are read under one guard.
        let (index, mut namespaces) = crate::catch_panic(|| {
            let file = File::new(bytes.clone())?;
            let index = Index::new(vec![file]);
            let namespaces: Vec<String> = index.namespaces().map(str::to_owned).collect();
            Some((index, namespaces))
        })
        .map_err(|panic| unreadable(format!(" (windows-metadata: {panic})")))?
        .ok_or_else(|| unreadable(String::new()))?;
        namespaces.sort();
        let sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { bytes, index, source, sha256, namespaces })
    }

    /// The namespace that defines `name`, whatever the metadata's namespace layout.
    pub fn namespace_of(&self, name: &str) -> Option<&str> {
        self.namespaces.iter().map(String::as_str).find(|ns| self.index.get_item(ns, name).next().is_some())
    }

    pub fn qualified(&self, name: &str) -> Option<String> {
        self.namespace_of(name).map(|ns| format!("{ns}.{name}"))
    }

    fn item(&self, name: &str) -> Option<Item<'_>> {
        let namespace = self.namespace_of(name)?;
        self.index.get_item(namespace, name).next()
    }

    pub fn is_function(&self, name: &str) -> bool {
        matches!(self.item(name), Some(Item::Fn(_)))
    }

    pub fn is_struct(&self, name: &str) -> bool {
        matches!(self.item(name), Some(Item::Type(t)) if t.category() == TypeCategory::Struct)
    }

    /// Every constant and every enum member that a family of the spec may name (its prefixes,
    /// names and exclusions), in the index's order. One pass over the metadata for all families.
    pub fn candidates<'m>(&'m self, spec: &Spec) -> Candidates<'m> {
        let mut wanted: Vec<&str> = Vec::new();
        for family in &spec.families {
            let names =
                family.prefixes.iter().chain(&family.names).chain(&family.exclude).chain(&family.exclude_prefixes);
            wanted.extend(names.map(|n| n.get_ref().as_str()));
        }
        let wanted = |name: &str| wanted.iter().any(|w| name.starts_with(w));
        let mut found = Vec::new();
        for (namespace, name, item) in self.index.iter_items() {
            match item {
                Item::Const(field) if wanted(name) => {
                    if let Some(value) = field.constant().and_then(|c| member_value(&c.value())) {
                        found.push(Candidate { name, namespace, enumeration: None, value });
                    }
                }
                Item::Type(def) if def.category() == TypeCategory::Enum => {
                    for field in def.fields().filter(|f| wanted(f.name())) {
                        if let Some(value) = field.constant().and_then(|c| member_value(&c.value())) {
                            found.push(Candidate { name: field.name(), namespace, enumeration: Some(name), value });
                        }
                    }
                }
                _ => {}
            }
        }
        Candidates(found)
    }

    /// The metadata type of `Struct.field`, of the result of `Function()`, or of the parameter
    /// `Function(param)`. An out-parameter (`*mut u32`, one level of pointer) gives its pointee:
    /// the flags a function writes back (`pfContextAttr`) are of the type they are written as.
    pub fn type_of(&self, path: &str) -> Option<Type> {
        if let Some(call) = path.strip_suffix(')') {
            let (function, parameter) = call.split_once('(')?;
            let Some(Item::Fn(method)) = self.item(function) else {
                return None;
            };
            let signature = method.signature(&[]);
            if parameter.is_empty() {
                return Some(signature.return_type);
            }
            let params = method.params_by_sequence(signature.types.len()).ok()?;
            let position = params.params().iter().position(|p| p.is_some_and(|p| p.name() == parameter))?;
            return Some(match signature.types[position].clone() {
                Type::PtrMut(pointee, 1) | Type::PtrConst(pointee, 1) => *pointee,
                ty => ty,
            });
        }
        let (strukt, field) = path.split_once('.')?;
        let Some(Item::Type(def)) = self.item(strukt) else {
            return None;
        };
        def.fields().find(|f| f.name() == field).map(|f| f.ty())
    }

    pub fn is_enum(&self, name: &str) -> bool {
        matches!(self.item(name), Some(Item::Type(t)) if t.category() == TypeCategory::Enum)
    }

    /// The integer type of `ty` if it names an enum of the metadata.
    pub fn enum_underlying(&self, ty: &Type) -> Option<Type> {
        let (Type::ValueName(name) | Type::ClassName(name)) = ty else {
            return None;
        };
        let def = self.index.get(&name.namespace, &name.name).next()?;
        (def.category() == TypeCategory::Enum).then(|| def.underlying_type()).flatten()
    }

    /// The fields of a struct of the metadata, in order.
    pub fn field_names(&self, strukt: &str) -> Vec<String> {
        match self.item(strukt) {
            Some(Item::Type(def)) => {
                def.fields().filter(|f| f.constant().is_none()).map(|f| f.name().to_owned()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Every name the family's prefixes and names match, minus its exclusions, in any namespace:
    /// what the metadata offers before the spec's scope and supplement.
    pub fn raw_members(&self, candidates: &Candidates, family: &Family) -> Vec<(String, MemberValue)> {
        let mut found: BTreeMap<String, MemberValue> = BTreeMap::new();
        for candidate in &candidates.0 {
            let matched = family.prefixes.iter().any(|p| candidate.name.starts_with(p.get_ref().as_str()))
                || family.names.iter().any(|n| n.get_ref() == candidate.name);
            let excluded = family.exclude_prefixes.iter().any(|x| candidate.name.starts_with(x.get_ref().as_str()))
                || family.exclude.iter().any(|x| x.get_ref() == candidate.name);
            if matched && !excluded {
                found.entry(candidate.name.to_owned()).or_insert_with(|| candidate.value.clone());
            }
        }
        found.into_iter().collect()
    }

    /// Expands a family: its prefixes and names against the metadata's constants and enum
    /// members, in its scope, then the supplement. Every problem is pushed to `errors`.
    pub fn resolve<'s>(
        &self,
        spec: &Spec,
        candidates: &Candidates,
        family: &'s Family,
        ty: Option<(String, IntKind)>,
        errors: &mut Vec<Error>,
        warnings: &mut Vec<String>,
    ) -> ResolvedFamily<'s> {
        let family_name = family.name.get_ref();
        let candidates = &candidates.0;
        // SSPI's own namespace: where the spec's functions and structs live (the one namespace of
        // flat metadata, Windows.Win32.Security.Authentication.Identity in classic metadata).
        let home: Vec<&str> =
            spec.functions.iter().chain(&spec.structs).filter_map(|n| self.namespace_of(n.get_ref())).collect();
        let in_namespace = |ns: &str| {
            family.namespaces.is_empty() || home.contains(&ns) || family.namespaces.iter().any(|n| n.get_ref() == ns)
        };
        let kind = ty.as_ref().map(|t| t.1);
        let in_values = |value: &MemberValue| match (value, kind) {
            (MemberValue::Int(v), Some(kind)) if !family.values.is_empty() => {
                // A value wider than the type has no bit pattern of it: it lies in no range.
                if !kind.fits(*v) {
                    return false;
                }
                let pattern = kind.pattern(*v) as i128;
                family.values.iter().any(|[low, high]| (*low as i128..=*high as i128).contains(&pattern))
            }
            _ => true,
        };
        let excluded = |name: &str| {
            family.exclude_prefixes.iter().any(|x| name.starts_with(x.get_ref().as_str()))
                || family.exclude.iter().any(|x| x.get_ref() == name)
        };
        let mut members: Vec<Member> = Vec::new();
        let mut left_out = Vec::new();
        let take = |candidate: &Candidate, members: &mut Vec<Member>, left_out: &mut Vec<LeftOut>| {
            if members.iter().any(|m| m.name == candidate.name) {
                return;
            }
            let reason = if !in_namespace(candidate.namespace) {
                Some(format!("{} is outside the family's namespaces", candidate.namespace))
            } else if !in_values(&candidate.value) {
                Some("its value is outside the family's `values`".to_owned())
            } else {
                None
            };
            if let Some(reason) = reason {
                left_out.push(LeftOut { name: candidate.name.to_owned(), reason });
                return;
            }
            let origin = match candidate.enumeration {
                None => Origin::Constant { namespace: candidate.namespace.to_owned() },
                Some(e) => Origin::EnumMember { namespace: candidate.namespace.to_owned(), enumeration: e.to_owned() },
            };
            members.push(Member { name: candidate.name.to_owned(), value: candidate.value.clone(), origin });
        };
        for prefix in &family.prefixes {
            let prefix_text = prefix.get_ref().as_str();
            let mut found: Vec<&Candidate> =
                candidates.iter().filter(|c| c.name.starts_with(prefix_text) && !excluded(c.name)).collect();
            found.sort_by_key(|c| (c.name, c.enumeration.is_some(), c.namespace));
            let before = members.len();
            for candidate in found {
                take(candidate, &mut members, &mut left_out);
            }
            let supplemented: Vec<Member> = spec
                .supplements
                .iter()
                .filter(|s| {
                    let name = s.name.get_ref();
                    name.starts_with(prefix_text) && !excluded(name) && !members.iter().any(|m| &m.name == name)
                })
                .map(|s| supplement_member(s, kind))
                // A supplement joins only the family whose values it lies in: a buffer type
                // (SECBUFFER_SESSION_TICKET) is no attribute flag of the same prefix.
                .filter(|member| in_values(&member.value))
                .collect();
            members.extend(supplemented);
            if members.len() == before {
                errors.push(spec.error_at(
                    prefix,
                    format!("family '{family_name}': prefix '{prefix_text}' matches no constant in {}", self.source),
                ));
            }
        }
        for name in &family.names {
            let name_text = name.get_ref();
            if let Some(candidate) = candidates.iter().find(|c| c.name == name_text) {
                take(candidate, &mut members, &mut left_out);
            } else if let Some(member) =
                spec.supplements.iter().find(|s| s.name.get_ref() == name_text).map(|s| supplement_member(s, kind))
            {
                members.push(member);
            } else {
                errors.push(spec.error_at(
                    name,
                    format!(
                        "family '{family_name}': constant '{name_text}' is not in {} nor in the spec's supplement",
                        self.source
                    ),
                ));
            }
        }
        for excluded in family.exclude.iter().chain(&family.exclude_prefixes) {
            if !candidates.iter().any(|c| c.name.starts_with(excluded.get_ref().as_str())) {
                warnings.push(format!(
                    "{}: family '{family_name}': excluded name '{}' matches nothing in {}",
                    spec.location(excluded),
                    excluded.get_ref(),
                    self.source
                ));
            }
        }
        for member in &members {
            let is_str = matches!(member.value, MemberValue::Str(_));
            if is_str != (family.kind == Kind::Strings) {
                errors.push(spec.error_at(
                    &family.name,
                    format!(
                        "family '{family_name}': constant '{}' is a {}, but the family's kind is {:?}",
                        member.name,
                        if is_str { "string" } else { "number" },
                        family.kind
                    ),
                ));
            }
        }
        members.sort_by(|a, b| a.name.cmp(&b.name));
        ResolvedFamily { spec: family, members, left_out, ty }
    }
}

fn supplement_member(supplement: &Supplement, kind: Option<IntKind>) -> Member {
    let value = match (&supplement.value, kind) {
        (SupplementValue::Str(s), _) => MemberValue::Str(s.clone()),
        (SupplementValue::Int(v), Some(kind)) => MemberValue::Int(kind.value_of_pattern(*v as i128)),
        (SupplementValue::Int(v), None) => MemberValue::Int(*v as i128),
    };
    Member {
        name: supplement.name.get_ref().clone(),
        value,
        origin: Origin::Supplement { source: supplement.source.clone() },
    }
}

/// The file's name, from the crate folder that holds it if there is one
/// (`windows-bindgen-0.62.1/default/Windows.Win32.winmd`): enough to tell releases apart, without
/// the machine's path.
fn source_name(path: &Path) -> String {
    let is_crate_folder =
        |name: &str| name.rsplit_once('-').is_some_and(|(_, v)| v.starts_with(|c: char| c.is_ascii_digit()));
    let crate_folder =
        path.ancestors().skip(1).find(|a| a.file_name().is_some_and(|n| is_crate_folder(&n.to_string_lossy())));
    match crate_folder.and_then(|folder| Some((folder.file_name()?, path.strip_prefix(folder).ok()?))) {
        Some((folder, relative)) => format!("{}/{}", folder.to_string_lossy(), relative.to_string_lossy()),
        None => path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
    }
}

fn member_value(value: &Value) -> Option<MemberValue> {
    match value {
        Value::Utf8(s) | Value::Utf16(s) => Some(MemberValue::Str(s.clone())),
        value => int_value(value).map(MemberValue::Int),
    }
}

fn int_value(value: &Value) -> Option<i128> {
    Some(match *value {
        Value::Bool(v) => v as i128,
        Value::U8(v) => v.into(),
        Value::I8(v) => v.into(),
        Value::U16(v) => v.into(),
        Value::I16(v) => v.into(),
        Value::U32(v) => v.into(),
        Value::I32(v) => v.into(),
        Value::U64(v) | Value::USize(v) => v.into(),
        Value::I64(v) | Value::ISize(v) => v.into(),
        Value::EnumValue(_, ref inner) => return int_value(inner),
        _ => return None,
    })
}
