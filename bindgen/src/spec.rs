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
    pub typedefs: Vec<Typedef>,
    pub retype: BTreeMap<String, Spanned<String>>,
    pub renames: Vec<FieldRename>,
    pub mutable_pointers: Vec<MutablePointer>,
    pub acknowledged: Vec<Acknowledged>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    functions: Vec<Spanned<String>>,
    structs: Vec<Spanned<String>>,
    #[serde(default, rename = "typedef")]
    typedefs: Vec<Typedef>,
    #[serde(default)]
    retype: BTreeMap<String, Spanned<String>>,
    #[serde(default, rename = "rename")]
    renames: Vec<FieldRename>,
    #[serde(default, rename = "mutable_pointer")]
    mutable_pointers: Vec<MutablePointer>,
    #[serde(default, rename = "family")]
    families: Vec<Family>,
    #[serde(default, rename = "supplement")]
    supplements: Vec<Supplement>,
    #[serde(default, rename = "acknowledge")]
    acknowledged: Vec<Acknowledged>,
}

/// A type alias secpkg-sys exports, whatever the metadata has.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Typedef {
    pub name: Spanned<String>,
    /// The Rust type it stands for.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    pub source: String,
    /// Signatures spell the alias out (`*mut SecPkgInfoW`, not `PSecPkgInfoW`), so they read the
    /// same whether or not a metadata generation has it. Without `expand`, signatures keep the
    /// name: it is part of the vocabulary (SECURITY_STATUS).
    #[serde(default)]
    pub expand: bool,
    /// Metadata type names that signatures say as this name (classic metadata's HRESULT for
    /// sspi.h's SECURITY_STATUS).
    #[serde(default)]
    pub replaces: Vec<Spanned<String>>,
    /// A union of the metadata that some signatures say as this integer: older classic metadata
    /// resolves sspi.h's TimeStamp (a SECURITY_INTEGER) to the LARGE_INTEGER union itself.
    #[serde(default)]
    pub replaces_union: Option<UnionReplacement>,
    /// Places where some metadata says the typedef's own integer and sspi.h says the typedef:
    /// windows-metadata 0.31 to 0.34 give plain `i32` for every SECURITY_STATUS.
    #[serde(default)]
    pub replaces_integer: Option<IntegerReplacement>,
}

/// Where a metadata's plain integer is the typedef: the results and parameters listed, and
/// nowhere else (an `i32` anywhere else stays `i32`, and the lock refuses the change it makes).
/// A family whose `type_of` is a listed result takes the typedef too.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegerReplacement {
    /// Functions and function-pointer types whose result sspi.h says as the typedef
    /// (`FreeContextBuffer`, `FREE_CONTEXT_BUFFER_FN`).
    #[serde(default)]
    pub results: Vec<Spanned<String>>,
    /// Parameters sspi.h says as the typedef (or a pointer to it), as `Item.Parameter`
    /// (`SEC_GET_KEY_FN.Status`); the name is compared without case, as windows-bindgen lowercases
    /// parameter names.
    #[serde(default)]
    pub parameters: Vec<Spanned<String>>,
}

/// Where a metadata union stands for the typedef's integer: in the listed signatures only, so a
/// union anywhere else stays a union (and the lock refuses the change it makes).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnionReplacement {
    /// The union's name in the metadata (`LARGE_INTEGER`).
    pub union: Spanned<String>,
    /// Functions and function-pointer types whose signatures say the union where sspi.h says the
    /// typedef (`ACCEPT_SECURITY_CONTEXT_FN`).
    #[serde(rename = "in")]
    pub items: Vec<Spanned<String>>,
}

/// A type that signatures point to with `*mut` only: sspi.h declares its pointers mutable, where
/// some metadata says `*const` for the parameters a function only reads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MutablePointer {
    pub pointee: Spanned<String>,
    pub source: String,
}

/// A struct field as sspi.h names it, and the name some metadata gives it instead.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRename {
    #[serde(rename = "struct")]
    pub strukt: Spanned<String>,
    /// field as sspi.h spells it -> the name some metadata gives it
    pub fields: BTreeMap<String, Spanned<String>>,
}

/// A breaking change to generated/API.lock that the spec accepts, and why.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledged {
    /// The lock key, as the compatibility report prints it (`fn FreeContextBuffer`).
    pub item: Spanned<String>,
    pub reason: String,
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
    /// Where the family's type comes from: `Struct.field`, `Function()` for a return type, or
    /// `Function(param)` for a parameter (an out-parameter's pointee).
    #[serde(default)]
    pub type_of: Option<Spanned<String>>,
    /// The namespaces of classic metadata whose items may join; items of other namespaces (the
    /// OLE DB SEC_E_* of Windows.Win32.System.Search) do not. Flat metadata has one namespace.
    #[serde(default)]
    pub namespaces: Vec<Spanned<String>>,
    /// Inclusive value ranges a member must lie in, as bit patterns of the family's type.
    #[serde(default)]
    pub values: Vec<[i64; 2]>,
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
    pub value: SupplementValue,
    pub source: String,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(untagged)]
pub enum SupplementValue {
    Str(String),
    /// A bit pattern, read in the type of the family it joins.
    Int(i64),
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
            typedefs: raw.typedefs,
            retype: raw.retype,
            renames: raw.renames,
            mutable_pointers: raw.mutable_pointers,
            acknowledged: raw.acknowledged,
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
            if family.kind != Kind::Strings && family.type_of.is_none() {
                return Err(self.error_at(
                    &family.name,
                    format!(
                        "family '{}' needs a `type_of`: the field it describes (`SecPkgInfoW.fCapabilities`), \
                         a function whose result it is (`FreeContextBuffer()`) or a parameter it is passed as \
                         (`AcquireCredentialsHandleW(fCredentialUse)`)",
                        family.name.get_ref()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// An error naming the spec file and the line of `at`.
    pub fn error_at<T>(&self, at: &Spanned<T>, message: impl std::fmt::Display) -> Error {
        Error::new(format!("{}: {message}", self.location(at)))
    }

    /// `path:line` of `at`.
    pub fn location<T>(&self, at: &Spanned<T>) -> String {
        format!("{}:{}", self.path.display(), line_of(&self.text, at.span().start))
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}
