//! The declarative spec (`bindgen/sspi.toml`): what secpkg-sys exposes.

use crate::Error;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A parsed spec, with the text kept to turn spans into line numbers for errors.
pub struct Spec {
    pub path: PathBuf,
    text: String,
    pub functions: Vec<Spanned<String>>,
    pub structs: Vec<Spanned<String>>,
    pub families: Vec<Family>,
    pub supplements: Vec<Supplement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    functions: Vec<Spanned<String>>,
    structs: Vec<Spanned<String>>,
    #[serde(default, rename = "family")]
    families: Vec<Family>,
    #[serde(default, rename = "supplement")]
    supplements: Vec<Supplement>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Single-bit values with a description each: a flags set.
    Flags,
    /// Distinct values with an unknown case: an id enum.
    Values,
    /// String constants, emitted as they are.
    Strings,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "lowercase")]
pub enum VariantNames {
    /// `SECPKG_FLAG_MUTUAL_AUTH` with strip `SECPKG_FLAG_` becomes `MutualAuth`.
    Camel,
    /// The SDK name as it is.
    #[default]
    Sdk,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    pub name: Spanned<String>,
    pub kind: Kind,
    pub doc: String,
    #[serde(default)]
    pub prefixes: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude_prefixes: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub names: Vec<Spanned<String>>,
    #[serde(default, rename = "type")]
    pub ty: Option<Spanned<String>>,
    #[serde(default)]
    pub strip: String,
    #[serde(default)]
    pub variants: VariantNames,
    /// One description per member, keyed by the name without `strip`.
    #[serde(default)]
    pub docs: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supplement {
    pub name: Spanned<String>,
    pub value: String,
    pub source: String,
}

impl Spec {
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("{}: cannot read the spec: {e}", path.display())))?;
        Self::parse(path, text)
    }

    pub fn parse(path: &Path, text: String) -> Result<Self, Error> {
        let raw: RawSpec = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| line_of(&text, s.start)).unwrap_or(1);
            Error::new(format!("{}:{line}: malformed spec: {}", path.display(), e.message().replace('\n', " ")))
        })?;
        let spec = Spec {
            path: path.to_owned(),
            text,
            functions: raw.functions,
            structs: raw.structs,
            families: raw.families,
            supplements: raw.supplements,
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks what the metadata cannot: the shape of each family.
    fn validate(&self) -> Result<(), Error> {
        for family in &self.families {
            if family.prefixes.is_empty() && family.names.is_empty() {
                return Err(self.error_at(
                    &family.name,
                    format!("family '{}' selects nothing: give `prefixes` or `names`", family.name.get_ref()),
                ));
            }
            if family.kind != Kind::Strings && family.ty.is_none() {
                return Err(self.error_at(
                    &family.name,
                    format!("family '{}' needs a `type` (u32, u16, SECURITY_STATUS, ...)", family.name.get_ref()),
                ));
            }
        }
        Ok(())
    }

    /// An error naming the spec file and the line of `at`.
    pub fn error_at<T>(&self, at: &Spanned<T>, message: impl std::fmt::Display) -> Error {
        let line = line_of(&self.text, at.span().start);
        Error::new(format!("{}:{line}: {message}", self.path.display()))
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}
