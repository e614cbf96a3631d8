//! The command's JSON, a stable format of its own (documented in the README), independent of
//! the library's serde shapes.

use secpkg::{Capabilities, Capability, PackageInfo};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// `secpkg list --json`: `{"provider": STRING, "packages": [PACKAGE...]}`; also the baseline
/// `secpkg audit` reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageList {
    /// Where the provider came from: `secur32.dll`, or the library's name or path.
    pub provider: String,
    /// Every package, in the provider's order.
    pub packages: Vec<Package>,
}

/// One PACKAGE: `secpkg show --json`, and each element of a [`PackageList`].
///
/// The three capability fields say the same thing three ways; a baseline where they disagree
/// is rejected ([`Package::check`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// `Name`, exactly as the provider spells it.
    pub name: String,
    /// `Comment`, exactly; empty when the provider gives none.
    pub comment: String,
    /// `wVersion`.
    pub version: u16,
    /// `wRPCID`, the integer.
    pub rpc_id: u16,
    /// `cbMaxToken`, in bytes.
    pub max_token: u32,
    /// The known capability flags, SDK names without `SECPKG_FLAG_`, in ascending bit order.
    pub capabilities: Vec<String>,
    /// `fCapabilities`, every bit.
    pub capability_bits: u32,
    /// The bits of `fCapabilities` that are no flag secpkg knows.
    pub unknown_capability_bits: u32,
}

impl From<&PackageInfo> for Package {
    fn from(info: &PackageInfo) -> Self {
        Package {
            name: info.name.clone(),
            comment: info.comment.clone(),
            version: info.version,
            rpc_id: info.rpc_id.value(),
            max_token: info.max_token,
            capabilities: capability_names(info.capabilities),
            capability_bits: info.capabilities.bits(),
            unknown_capability_bits: info.capabilities.unknown_bits(),
        }
    }
}

/// The names of the known flags in `capabilities`, ascending.
pub fn capability_names(capabilities: Capabilities) -> Vec<String> {
    capabilities.flags().map(|flag| flag.name().to_owned()).collect()
}

/// `list --json` output as a baseline: only its packages are read, not its `provider`, so a
/// baseline from another machine or path compares as well.
#[derive(Deserialize)]
struct Baseline {
    packages: Vec<Package>,
}

/// The packages of a baseline for `secpkg audit`: `list --json` output gives its packages,
/// `show --json` output its one package, each checked. `Err` is the problem, worded to follow
/// "the baseline FILE ".
pub fn baseline_packages(bytes: &[u8]) -> Result<Vec<Package>, String> {
    let not_a_baseline = |e: serde_json::Error| format!("is not the output of `secpkg list --json`: {e}");
    // Which of the two documents it is, by its members; then parsed again as that one, so that
    // serde's error gives the line and column in the file.
    let document: serde_json::Value = serde_json::from_slice(bytes).map_err(not_a_baseline)?;
    let packages = if document.get("packages").is_some() || document.get("name").is_none() {
        serde_json::from_slice::<Baseline>(bytes).map_err(not_a_baseline)?.packages
    } else {
        vec![
            serde_json::from_slice::<Package>(bytes)
                .map_err(|e| format!("is not the output of `secpkg show --json`: {e}"))?,
        ]
    };
    for (index, package) in packages.iter().enumerate() {
        package.check().map_err(|problem| {
            format!("is inconsistent: package {index} ({}): {problem}", crate::text::quote_elided(&package.name, 100))
        })?;
    }
    Ok(packages)
}

impl Package {
    /// The capabilities as a flag set.
    pub fn capability_set(&self) -> Capabilities {
        Capabilities::from_bits_retain(self.capability_bits)
    }

    /// Checks that the capability fields agree: `capabilities` names exactly the known flags of
    /// `capability_bits`, in ascending order, and `unknown_capability_bits` is the rest.
    pub fn check(&self) -> Result<(), String> {
        let set = self.capability_set();
        if let Some(unknown) = self.capabilities.iter().find(|name| Capability::from_name(name).is_none()) {
            return Err(format!(
                "\"capabilities\" lists {unknown:?}, which is no capability flag secpkg knows (see `secpkg caps`)"
            ));
        }
        let expected = capability_names(set);
        if self.capabilities != expected {
            // Name the flags that differ, not both whole lists.
            let bits = crate::text::hex(self.capability_bits);
            let quoted =
                |names: Vec<&String>| names.iter().map(|name| format!("{name:?}")).collect::<Vec<_>>().join(", ");
            let extra: Vec<&String> = self.capabilities.iter().filter(|name| !expected.contains(name)).collect();
            let missing: Vec<&String> = expected.iter().filter(|name| !self.capabilities.contains(name)).collect();
            let mut problems = Vec::new();
            if !extra.is_empty() {
                problems.push(format!(
                    "\"capabilities\" lists {}, which \"capability_bits\" {bits} does not set",
                    quoted(extra)
                ));
            }
            if !missing.is_empty() {
                problems.push(format!(
                    "\"capability_bits\" {bits} sets {}, which \"capabilities\" does not list",
                    quoted(missing)
                ));
            }
            if problems.is_empty() {
                problems.push(format!(
                    "\"capabilities\" names the flags of \"capability_bits\" {bits}, but not once each in ascending bit order ({expected:?})"
                ));
            }
            return Err(problems.join("; "));
        }
        if self.unknown_capability_bits != set.unknown_bits() {
            return Err(format!(
                "\"unknown_capability_bits\" {} does not match \"capability_bits\" {}, whose unknown bits are {}",
                crate::text::hex(self.unknown_capability_bits),
                crate::text::hex(self.capability_bits),
                crate::text::hex(set.unknown_bits()),
            ));
        }
        Ok(())
    }
}

/// `{"capabilities": [{"name", "sdk_name", "bit", "description"}...]}`: `secpkg caps --json`.
#[derive(Debug, Serialize)]
pub struct CapabilityList {
    pub capabilities: Vec<CapabilityFlag>,
}

/// One flag of [`CapabilityList`].
#[derive(Debug, Serialize)]
pub struct CapabilityFlag {
    /// Without `SECPKG_FLAG_`: `INTEGRITY`.
    pub name: &'static str,
    /// `SECPKG_FLAG_INTEGRITY`.
    pub sdk_name: &'static str,
    /// The flag's single bit, an integer.
    pub bit: u32,
    /// What a package with the flag can do.
    pub description: &'static str,
}

impl From<Capability> for CapabilityFlag {
    fn from(flag: Capability) -> Self {
        CapabilityFlag { name: flag.name(), sdk_name: flag.sdk_name(), bit: flag.bits(), description: flag.doc() }
    }
}

/// `secpkg list --gssapi --json`: `{"provider": "gssapi:LIBRARY", "packages": [PACKAGE...]}`, each
/// PACKAGE a [`GssapiPackage`].
#[cfg(all(unix, feature = "gssapi"))]
#[derive(Debug, Serialize)]
pub struct GssapiPackageList {
    /// `gssapi:` and the GSSAPI library's name or path as loaded.
    pub provider: String,
    /// Every mechanism, in the library's order.
    pub packages: Vec<GssapiPackage>,
}

/// A GSSAPI mechanism as a PACKAGE: the fields of [`Package`], in its order, with `null` where
/// GSSAPI has no such fact, then the mechanism's own.
#[cfg(all(unix, feature = "gssapi"))]
#[derive(Debug, Serialize)]
pub struct GssapiPackage {
    /// The mechanism's name, else its SASL name, else its OID.
    pub name: String,
    /// Its description; empty when the library gives none.
    pub comment: String,
    /// Always null: a mechanism has no version.
    pub version: Option<u16>,
    /// The SSPI package id of the same protocol (Kerberos 16, Negotiate 9, NTLM 10), else null.
    pub rpc_id: Option<u16>,
    /// Always null: GSSAPI has no static maximum token size.
    pub max_token: Option<u32>,
    /// The capabilities its attributes map to (`secpkg caps --gssapi`), ascending.
    pub capabilities: Vec<String>,
    /// Those capabilities' bits.
    pub capability_bits: u32,
    /// Always 0: the mapping gives only known flags.
    pub unknown_capability_bits: u32,
    /// Its OID, dotted.
    pub oid: String,
    /// Its SASL (GS2) name, else null.
    pub sasl_name: Option<String>,
    /// Its RFC 5587 attributes as the library names them, in the library's order.
    pub attributes: Vec<String>,
}

/// `secpkg caps --gssapi --json`: `{"attributes": [ATTRIBUTE...]}`, the mapped attributes in
/// the mapping's order, then the unmapped ones.
#[cfg(all(unix, feature = "gssapi"))]
#[derive(Debug, Serialize)]
pub struct AttributeList {
    pub attributes: Vec<AttributeMapping>,
}

/// One row of [`AttributeList`]: an attribute, the capability it gives (null for none), why.
#[cfg(all(unix, feature = "gssapi"))]
#[derive(Debug, Serialize)]
pub struct AttributeMapping {
    /// As `gss_display_mech_attr` names it: `GSS_C_MA_INTEG_PROT`.
    pub attribute: &'static str,
    /// The capability's name without `SECPKG_FLAG_`, or null.
    pub capability: Option<&'static str>,
    /// The capability's bit, or null.
    pub bit: Option<u32>,
    /// Why the attribute gives that capability, or none.
    pub reason: &'static str,
}

/// Writes `value` as pretty JSON and a newline.
pub fn write(out: &mut dyn Write, value: &impl Serialize) -> Result<(), crate::Failure> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(capabilities: &[&str], bits: u32, unknown: u32) -> Package {
        Package {
            name: "X".into(),
            comment: String::new(),
            version: 1,
            rpc_id: 10,
            max_token: 1,
            capabilities: capabilities.iter().map(|&s| s.to_owned()).collect(),
            capability_bits: bits,
            unknown_capability_bits: unknown,
        }
    }

    #[test]
    fn consistent_capabilities_pass() {
        package(&["INTEGRITY", "PRIVACY"], 3, 0).check().unwrap();
        package(&["PRIVACY"], 0x0400_0002, 0x0400_0000).check().unwrap();
        package(&[], 0, 0).check().unwrap();
    }

    #[test]
    fn inconsistent_capabilities_are_named() {
        // The flag that differs is named, not both lists.
        let err = package(&["INTEGRITY"], 3, 0).check().unwrap_err();
        assert_eq!(err, "\"capability_bits\" 0x00000003 sets \"PRIVACY\", which \"capabilities\" does not list");
        let err = package(&["INTEGRITY", "PRIVACY", "STREAM"], 3, 0).check().unwrap_err();
        assert_eq!(err, "\"capabilities\" lists \"STREAM\", which \"capability_bits\" 0x00000003 does not set");
        let err = package(&["PRIVACY", "INTEGRITY"], 3, 0).check().unwrap_err();
        assert!(err.contains("not once each in ascending bit order ([\"INTEGRITY\", \"PRIVACY\"])"), "{err}");
        let err = package(&["BOGUS"], 0, 0).check().unwrap_err();
        assert!(err.contains("\"BOGUS\", which is no capability flag"), "{err}");
        let err = package(&[], 0x0400_0000, 0).check().unwrap_err();
        assert!(err.contains("\"unknown_capability_bits\" 0x00000000"), "{err}");
    }
}
