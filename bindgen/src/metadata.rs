//! The Windows metadata: loading it, and resolving the spec's names against it.

use crate::Error;
use crate::spec::{Family, Kind, Spec};
use sha2::{Digest, Sha256};
use std::path::Path;
use windows_metadata::Value;
use windows_metadata::reader::{File, Index, Item, TypeCategory};

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

/// A constant of a family, as the metadata gives it.
#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    pub value: MemberValue,
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MemberValue {
    Int(i128),
    Str(String),
}

/// A resolved family: its members in the metadata's order of names (sorted, for determinism).
pub struct ResolvedFamily<'s> {
    pub spec: &'s Family,
    pub members: Vec<Member>,
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
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        Self::from_bytes(bytes, name).map_err(|e| Error::new(format!("{}: {}", path.display(), e.message)))
    }

    fn from_bytes(bytes: Vec<u8>, source: String) -> Result<Self, Error> {
        let file =
            File::new(bytes.clone()).ok_or_else(|| Error::new(format!("{source} is not a readable .winmd file")))?;
        let index = Index::new(vec![file]);
        let mut namespaces: Vec<String> = index.namespaces().map(str::to_owned).collect();
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

    fn constant(&self, name: &str) -> Option<MemberValue> {
        let Some(Item::Const(field)) = self.item(name) else {
            return None;
        };
        match field.constant()?.value() {
            Value::Utf8(s) | Value::Utf16(s) => Some(MemberValue::Str(s)),
            value => int_value(&value).map(MemberValue::Int),
        }
    }

    /// Expands a family: its prefixes and names against the metadata, then the supplement.
    pub fn resolve<'s>(&self, spec: &Spec, family: &'s Family) -> Result<ResolvedFamily<'s>, Error> {
        let mut members = Vec::new();
        for prefix in &family.prefixes {
            let mut found: Vec<&str> = self
                .index
                .iter_items()
                .map(|(_, name, _)| name)
                .filter(|n| n.starts_with(prefix.get_ref().as_str()))
                .filter(|n| !family.exclude_prefixes.iter().any(|x| n.starts_with(x.get_ref().as_str())))
                .filter(|n| !family.exclude.iter().any(|x| x.get_ref() == n))
                .filter(|n| self.constant(n).is_some())
                .collect();
            if found.is_empty() {
                return Err(spec.error_at(
                    prefix,
                    format!(
                        "family '{}': prefix '{}' matches no constant in {}",
                        family.name.get_ref(),
                        prefix.get_ref(),
                        self.source
                    ),
                ));
            }
            found.sort_unstable();
            found.dedup();
            for name in found {
                members.push(self.member(name));
            }
        }
        for name in &family.names {
            if self.constant(name.get_ref()).is_some() {
                members.push(self.member(name.get_ref()));
            } else if let Some(supplement) = spec.supplements.iter().find(|s| s.name.get_ref() == name.get_ref()) {
                members.push(Member {
                    name: name.get_ref().clone(),
                    value: MemberValue::Str(supplement.value.clone()),
                    namespace: None,
                });
            } else {
                return Err(spec.error_at(
                    name,
                    format!(
                        "family '{}': constant '{}' is not in {} nor in the spec's supplement",
                        family.name.get_ref(),
                        name.get_ref(),
                        self.source
                    ),
                ));
            }
        }
        for excluded in family.exclude.iter().chain(&family.exclude_prefixes) {
            if !self.index.iter_items().any(|(_, n, _)| n.starts_with(excluded.get_ref().as_str())) {
                return Err(spec.error_at(
                    excluded,
                    format!(
                        "family '{}': excluded name '{}' is not in {}; drop it from the spec",
                        family.name.get_ref(),
                        excluded.get_ref(),
                        self.source
                    ),
                ));
            }
        }
        for member in &members {
            let is_str = matches!(member.value, MemberValue::Str(_));
            if is_str != (family.kind == Kind::Strings) {
                return Err(spec.error_at(
                    &family.name,
                    format!(
                        "family '{}': constant '{}' is a {}, but the family's kind is {:?}",
                        family.name.get_ref(),
                        member.name,
                        if is_str { "string" } else { "number" },
                        family.kind
                    ),
                ));
            }
        }
        Ok(ResolvedFamily { spec: family, members })
    }

    fn member(&self, name: &str) -> Member {
        Member {
            name: name.to_owned(),
            value: self.constant(name).expect("resolved above"),
            namespace: self.namespace_of(name).map(str::to_owned),
        }
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
