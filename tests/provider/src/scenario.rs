//! The scenario: which packages the provider reports and which ways it deviates from SSPI.

use secpkg_sys::{SECURITY_STATUS, SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION};
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The environment variable the cdylib reads its scenario from: inline JSON, or `@path` of a
/// JSON file. Unset (or empty) means [`Scenario::default`].
pub const ENV_VAR: &str = "SECPKG_TEST_PROVIDER";

/// The table functions this provider implements, spelled as `Scenario::missing` expects them.
pub const TABLE_FUNCTIONS: [&str; 3] = ["EnumerateSecurityPackagesW", "QuerySecurityPackageInfoW", "FreeContextBuffer"];

/// One package as the provider reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Package {
    /// The name, also what `QuerySecurityPackageInfoW` matches against (even with `name_null`).
    pub name: String,
    /// `None` gives a null `Comment` pointer.
    pub comment: Option<String>,
    /// Report a null `Name` pointer.
    pub name_null: bool,
    pub capabilities: u32,
    pub version: u16,
    pub rpc_id: u16,
    pub max_token: u32,
    /// Raw UTF-16 units used instead of `name` (e.g. an unpaired surrogate); no NUL.
    pub name_utf16: Option<Vec<u16>>,
    /// Raw UTF-16 units used instead of `comment`; no NUL.
    pub comment_utf16: Option<Vec<u16>>,
}

impl Package {
    /// A package with this name, comment and numbers, the rest defaulted.
    pub fn new(name: &str, comment: &str, capabilities: u32, rpc_id: u16, max_token: u32) -> Self {
        Package {
            name: name.into(),
            comment: Some(comment.into()),
            capabilities,
            version: 1,
            rpc_id,
            max_token,
            ..Package::default()
        }
    }

    /// The units the name is matched and reported as (without NUL).
    pub(crate) fn name_units(&self) -> Vec<u16> {
        self.name_utf16.clone().unwrap_or_else(|| self.name.encode_utf16().collect())
    }

    /// The units the comment is reported as, `None` for a null pointer.
    pub(crate) fn comment_units(&self) -> Option<Vec<u16>> {
        self.comment_utf16.clone().or_else(|| self.comment.as_ref().map(|c| c.encode_utf16().collect()))
    }
}

/// What a Windows 10 machine typically lists first (numbers as `EnumerateSecurityPackagesW`
/// reports them there).
pub fn default_packages() -> Vec<Package> {
    vec![
        Package::new("Negotiate", "Microsoft Package Negotiator", 0x0008_3BB3, 9, 48256),
        Package::new("Kerberos", "Microsoft Kerberos V1.0", 0x000F_3BBF, 16, 48000),
        Package::new("NTLM", "NTLM Security Package", 0x0008_2B37, 10, 2888),
        Package::new("Schannel", "Schannel Security Package", 0x0001_07B3, 14, 24576),
    ]
}

/// The provider's behaviour. Every field has a default, so `{}` is the default scenario
/// (the [`default_packages`], behaving as SSPI specifies).
///
/// Status fields accept a JSON integer (in `i32` or `u32` range, so both `-2146893052` and
/// `2148074244` mean `SEC_E_INTERNAL_ERROR`), a string `"0x80090304"`, or `null`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    pub packages: Vec<Package>,
    /// Fail enumeration with this status (a non-`SEC_E_OK` one also writes garbage to both
    /// out-pointers: count 7, array 0x10).
    #[serde(deserialize_with = "status")]
    pub enumerate_status: Option<SECURITY_STATUS>,
    /// Succeed with the real count but a null array.
    pub enumerate_null_array: bool,
    /// Succeed with count 0 but an allocated array (which must still be freed).
    pub enumerate_empty_non_null: bool,
    /// Fail every query with this status (a non-`SEC_E_OK` one also writes garbage, 0x10, to
    /// the out-pointer).
    #[serde(deserialize_with = "status")]
    pub query_status: Option<SECURITY_STATUS>,
    /// Deviation: match names exactly instead of case-insensitively.
    pub query_case_sensitive: bool,
    /// Status for an unknown name instead of `SEC_E_SECPKG_NOT_FOUND`.
    #[serde(deserialize_with = "status")]
    pub unknown_query_status: Option<SECURITY_STATUS>,
    /// Deviation: write garbage (0x10) to the out-pointer for an unknown name.
    pub unknown_query_writes_out: bool,
    /// Deviation: the queried record's `cbMaxToken` is the listed one + 1.
    pub query_returns_other_record: bool,
    /// `FreeContextBuffer` frees (once) but returns this status.
    #[serde(deserialize_with = "status")]
    pub free_status: Option<SECURITY_STATUS>,
    /// `FreeContextBuffer` returns `SEC_E_INVALID_HANDLE` without freeing (the provider leaks).
    pub free_rejects: bool,
    /// Table functions left `None`: any of [`TABLE_FUNCTIONS`].
    pub missing: Vec<String>,
    /// The table's `dwVersion`.
    pub table_version: u32,
    /// `InitSecurityInterfaceW` returns null.
    pub null_table: bool,
    /// `QuerySecurityPackageInfoW` aborts the process.
    pub crash_on_query: bool,
    /// `QuerySecurityPackageInfoW` of a name no package has panics, as sspi-rs's lookup does:
    /// the panic message and location go to stderr, then the provider either catches it
    /// (`"unwind"`: `SEC_E_INTERNAL_ERROR`) or lets it reach the C boundary (`"abort"`).
    pub unknown_query_panics: Option<PanicMode>,
    /// Contract breach: enumeration returns its array one byte past an aligned address (the
    /// records are written there unaligned; `FreeContextBuffer` takes that address back).
    pub enumerate_misaligned: bool,
    /// Contract breach: enumeration reports this count instead of the number of records.
    pub enumerate_count: Option<u32>,
    /// Contract breach: enumeration returns this address as its array, allocating nothing.
    /// With a large `enumerate_count`, an array whose end lies past the end of the address
    /// space: the 64-bit form of a byte size that overflows.
    pub enumerate_array_address: Option<u64>,
    /// WinPR 2.11's flaw (`sspi_winpr.c`, `ContextBufferAllocTable`): every buffer is recorded
    /// in a process-global table of 4 slots, grown with `realloc`, that enumeration, query and
    /// `FreeContextBuffer` read and write with no lock. Concurrent callers corrupt it, and the
    /// process crashes or misbehaves. Such buffers are not counted in [`crate::Stats`].
    pub racy_bookkeeping: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            packages: default_packages(),
            enumerate_status: None,
            enumerate_null_array: false,
            enumerate_empty_non_null: false,
            query_status: None,
            query_case_sensitive: false,
            unknown_query_status: None,
            unknown_query_writes_out: false,
            query_returns_other_record: false,
            free_status: None,
            free_rejects: false,
            missing: Vec::new(),
            table_version: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
            null_table: false,
            crash_on_query: false,
            unknown_query_panics: None,
            enumerate_misaligned: false,
            enumerate_count: None,
            enumerate_array_address: None,
            racy_bookkeeping: false,
        }
    }
}

/// How [`Scenario::unknown_query_panics`] ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PanicMode {
    /// Caught by the provider's guard: the call returns `SEC_E_INTERNAL_ERROR`.
    Unwind,
    /// Not caught: it reaches an `extern "C"` function, and the process aborts.
    Abort,
}

impl Scenario {
    /// Checks what serde cannot: the names in `missing`.
    pub fn validate(&self) -> Result<(), String> {
        match self.missing.iter().find(|m| !TABLE_FUNCTIONS.contains(&m.as_str())) {
            Some(m) => Err(format!("unknown function {m:?} in \"missing\" (expected one of {TABLE_FUNCTIONS:?})")),
            None => Ok(()),
        }
    }

    /// Parses and validates a JSON scenario.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let scenario: Scenario = serde_json::from_str(json).map_err(|e| format!("invalid scenario JSON: {e}"))?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Parses a value of [`ENV_VAR`]: `@path` reads JSON from that file, anything else is JSON.
    pub fn from_spec(spec: &str) -> Result<Self, String> {
        match spec.strip_prefix('@') {
            Some(path) => {
                let json =
                    std::fs::read_to_string(path).map_err(|e| format!("cannot read scenario file {path}: {e}"))?;
                Scenario::from_json(&json).map_err(|e| format!("{path}: {e}"))
            }
            None => Scenario::from_json(spec),
        }
    }

    /// The scenario [`ENV_VAR`] describes; unset or empty gives the default.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var_os(ENV_VAR) {
            None => Ok(Scenario::default()),
            Some(value) => match value.to_str() {
                None => Err("value is not valid Unicode".into()),
                Some(spec) if spec.trim().is_empty() => Ok(Scenario::default()),
                Some(spec) => Scenario::from_spec(spec),
            },
        }
    }
}

/// Deserializes an optional `SECURITY_STATUS` written as an integer or a `"0x..."` string, since
/// statuses are usually quoted in hex and an `i32` field would reject `0x80090304` as decimal.
fn status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SECURITY_STATUS>, D::Error> {
    struct StatusVisitor;

    fn from_i64(v: i64) -> Option<SECURITY_STATUS> {
        i32::try_from(v).ok().or_else(|| u32::try_from(v).ok().map(|u| u as i32))
    }

    impl<'de> Visitor<'de> for StatusVisitor {
        type Value = Option<SECURITY_STATUS>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a SECURITY_STATUS: an i32 or u32 integer, a \"0x...\" string, or null")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            from_i64(v).map(Some).ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            let fits = i64::try_from(v).ok().and_then(from_i64);
            fits.map(Some).ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok().map(|u| u as i32),
                None => v.parse::<i64>().ok().and_then(from_i64),
            };
            parsed.map(Some).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    deserializer.deserialize_option(StatusVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secpkg_sys::{SEC_E_INTERNAL_ERROR, SEC_E_OK};

    #[test]
    fn empty_object_is_the_default() {
        assert_eq!(Scenario::from_json("{}").unwrap(), Scenario::default());
        assert_eq!(Scenario::default().packages.len(), 4);
        assert_eq!(Scenario::default().table_version, 1);
    }

    #[test]
    fn statuses_in_every_spelling() {
        for spelling in ["-2146893052", "2148074244", "\"0x80090304\"", "\"0X80090304\"", "\"-2146893052\""] {
            let s = Scenario::from_json(&format!(r#"{{"enumerate_status": {spelling}}}"#)).unwrap();
            assert_eq!(s.enumerate_status, Some(SEC_E_INTERNAL_ERROR), "{spelling}");
        }
        let s = Scenario::from_json(r#"{"free_status": 0, "query_status": null}"#).unwrap();
        assert_eq!((s.free_status, s.query_status), (Some(SEC_E_OK), None));
        for bad in ["4294967296", "-2147483649", "\"0xZZ\"", "\"NOPE\"", "1.5", "true"] {
            let err = Scenario::from_json(&format!(r#"{{"free_status": {bad}}}"#)).unwrap_err();
            assert!(err.contains("SECURITY_STATUS"), "{bad}: {err}");
        }
    }

    #[test]
    fn unknown_fields_and_functions_are_rejected() {
        let err = Scenario::from_json(r#"{"packges": []}"#).unwrap_err();
        assert!(err.contains("unknown field `packges`"), "{err}");
        let err = Scenario::from_json(r#"{"packages": [{"nme": "x"}]}"#).unwrap_err();
        assert!(err.contains("unknown field `nme`"), "{err}");
        let err = Scenario::from_json(r#"{"missing": ["FreeContextBuffers"]}"#).unwrap_err();
        assert!(err.contains("FreeContextBuffers"), "{err}");
    }

    #[test]
    fn round_trips_through_json() {
        let mut s = Scenario::default();
        s.packages[0].name_utf16 = Some(vec![0xD800, 0x41]);
        s.free_status = Some(SEC_E_INTERNAL_ERROR);
        s.missing = vec!["FreeContextBuffer".into()];
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(Scenario::from_json(&json).unwrap(), s);
    }
}
