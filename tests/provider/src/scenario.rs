//! The scenario: which packages the provider reports and which ways it deviates from SSPI.

use secpkg_sys::{
    SECBUFFER_DATA, SECPKG_FLAG_CONNECTION, SECPKG_FLAG_INTEGRITY, SECPKG_ID_NONE, SECURITY_STATUS,
    SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
};
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The environment variable the cdylib reads its scenario from: inline JSON, or `@path` of a
/// JSON file. Unset (or empty) means [`Scenario::default`].
pub const ENV_VAR: &str = "SECPKG_TEST_PROVIDER";

/// The table functions this provider implements, spelled as `Scenario::missing` expects them.
pub const TABLE_FUNCTIONS: [&str; 3] = ["EnumerateSecurityPackagesW", "QuerySecurityPackageInfoW", "FreeContextBuffer"];

/// The exchange functions this provider implements (the toy exchange of [`Exchange`]), also
/// accepted by `Scenario::missing`.
pub const EXCHANGE_FUNCTIONS: [&str; 8] = [
    "AcquireCredentialsHandleW",
    "FreeCredentialsHandle",
    "InitializeSecurityContextW",
    "AcceptSecurityContext",
    "CompleteAuthToken",
    "QueryContextAttributesW",
    "DeleteSecurityContext",
    "SetContextAttributesW",
];

/// The name of [`toy_package`].
pub const TOY: &str = "Toy";

/// The package named by a NegotiationInfo with [`Exchange::negotiated`] set to it: listed by no
/// scenario of this crate's own.
pub const UNLISTED: &str = "Unlisted";

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

/// The package made for the toy exchange: small `cbMaxToken` (256), so tokens near and past the
/// limit stay cheap. Any listed package runs the same exchange; this one exists so that a
/// scenario can list a package that is plainly the fake's.
pub fn toy_package() -> Package {
    Package::new(
        TOY,
        "secpkg-test-provider's toy exchange",
        SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_CONNECTION,
        SECPKG_ID_NONE,
        256,
    )
}

/// The toy exchange and its faults. The exchange has `legs` tokens, made by `legs + 1` calls
/// that alternate between client (`InitializeSecurityContextW`, odd calls) and server
/// (`AcceptSecurityContext`, even calls): call `n` takes token `n - 1` (none for call 1) and
/// makes token `n` ([`crate::toy_token`]), except call `legs + 1`, which takes the last token
/// and makes none. The call that makes the last token, and the last call, return `SEC_E_OK`;
/// the others `SEC_I_CONTINUE_NEEDED`. Each side's first call creates its context.
///
/// Every fault names the call (1-based) it happens on, and the faults on one call combine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Exchange {
    /// How many tokens a complete exchange has (default 3: NEGOTIATE, CHALLENGE, AUTHENTICATE).
    pub legs: u32,
    /// This call returns `SEC_I_COMPLETE_NEEDED` (where it would return `SEC_E_OK`) or
    /// `SEC_I_COMPLETE_AND_CONTINUE` (where it would continue). Until `CompleteAuthToken`, the
    /// context answers every other call with `SEC_E_OUT_OF_SEQUENCE`.
    pub complete_call: Option<u32>,
    /// The package `SECPKG_ATTR_NEGOTIATION_INFO` names (default: the context's own). A name
    /// the scenario does not list (e.g. [`UNLISTED`]) is a fault: its record is made up
    /// (`SECPKG_ID_NONE`, `cbMaxToken` 65535).
    pub negotiated: Option<String>,
    /// Fault: this call's token is `cbMaxToken + 1` bytes, written whole when the caller's
    /// buffer (or an allocated one) holds it, else `SEC_E_BUFFER_TOO_SMALL`.
    pub oversize_call: Option<u32>,
    /// Fault: this call writes its token but claims one byte more in `cbBuffer` than the
    /// caller's buffer holds (or than it allocated). Nothing is written past the buffer.
    pub overclaim_call: Option<u32>,
    /// Fault: this call's output buffer comes back with type [`Exchange::wrong_type`] instead of
    /// `SECBUFFER_TOKEN` (the token is still written).
    pub wrong_type_call: Option<u32>,
    /// The type [`Exchange::wrong_type_call`] gives (default `SECBUFFER_DATA`).
    pub wrong_type: u32,
    /// Fault: every call makes a token and returns `SEC_I_CONTINUE_NEEDED`; it never ends.
    pub endless: bool,
    /// Fault: this call fails with [`Exchange::fail_status`]. It writes `u32::MAX` to the output
    /// token's `cbBuffer`, and on a side's first call a garbage handle (never handed out) to the
    /// new context, to catch callers that read either after a failure.
    pub fail_call: Option<u32>,
    /// The status of [`Exchange::fail_call`] (default `SEC_E_LOGON_DENIED`).
    #[serde(deserialize_with = "status")]
    pub fail_status: Option<SECURITY_STATUS>,
    /// Fault: `AcquireCredentialsHandleW` fails with this status (a non-`SEC_E_OK` one also
    /// writes a garbage handle).
    #[serde(deserialize_with = "status")]
    pub acquire_status: Option<SECURITY_STATUS>,
}

impl Default for Exchange {
    fn default() -> Self {
        Exchange {
            legs: 3,
            complete_call: None,
            negotiated: None,
            oversize_call: None,
            overclaim_call: None,
            wrong_type_call: None,
            wrong_type: SECBUFFER_DATA,
            endless: false,
            fail_call: None,
            fail_status: None,
            acquire_status: None,
        }
    }
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
    /// Table functions left `None`: any of [`TABLE_FUNCTIONS`] and [`EXCHANGE_FUNCTIONS`].
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
    /// The toy exchange, run by every listed package, and its faults.
    pub exchange: Exchange,
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
            exchange: Exchange::default(),
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
    /// The [`toy_package`] alone, with this exchange.
    pub fn toy(exchange: Exchange) -> Self {
        Scenario { packages: vec![toy_package()], exchange, ..Scenario::default() }
    }

    /// Checks what serde cannot: the names in `missing`, and an exchange of at least one leg.
    pub fn validate(&self) -> Result<(), String> {
        let known = |m: &str| TABLE_FUNCTIONS.contains(&m) || EXCHANGE_FUNCTIONS.contains(&m);
        if let Some(m) = self.missing.iter().find(|m| !known(m)) {
            return Err(format!(
                "unknown function {m:?} in \"missing\" (expected one of {TABLE_FUNCTIONS:?} or {EXCHANGE_FUNCTIONS:?})"
            ));
        }
        if self.exchange.legs == 0 {
            return Err("\"exchange\": \"legs\" must be at least 1".into());
        }
        Ok(())
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
        s.missing = vec!["FreeContextBuffer".into(), "AcceptSecurityContext".into()];
        s.exchange = Exchange {
            legs: 5,
            complete_call: Some(2),
            negotiated: Some(UNLISTED.into()),
            fail_call: Some(4),
            fail_status: Some(SEC_E_INTERNAL_ERROR),
            endless: true,
            ..Exchange::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(Scenario::from_json(&json).unwrap(), s);
    }

    #[test]
    fn exchange_faults_from_json() {
        let s = Scenario::from_json(
            r#"{"packages": [], "exchange": {"fail_call": 2, "fail_status": "0x8009030C", "wrong_type_call": 1}}"#,
        )
        .unwrap();
        let want = Exchange {
            fail_call: Some(2),
            fail_status: Some(secpkg_sys::SEC_E_LOGON_DENIED),
            wrong_type_call: Some(1),
            ..Exchange::default()
        };
        assert_eq!(s.exchange, want);
        assert_eq!(s.exchange.legs, 3);
        let err = Scenario::from_json(r#"{"exchange": {"legs": 0}}"#).unwrap_err();
        assert!(err.contains("legs"), "{err}");
        let err = Scenario::from_json(r#"{"exchange": {"fail_cal": 2}}"#).unwrap_err();
        assert!(err.contains("unknown field `fail_cal`"), "{err}");
        assert!(Scenario::from_json(r#"{"missing": ["CompleteAuthToken"]}"#).is_ok());
    }
}
