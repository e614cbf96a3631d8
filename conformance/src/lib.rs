//! Checks an SSPI provider against Windows behaviour (`secpkg conformance`).
//!
//! A crate of its own, beside the library secpkg: the checker is an application of secpkg (a
//! report with serde and serde_json), which secpkg's users need not compile. It opens providers
//! with secpkg's own loading code ([`secpkg::Provider::system`], [`secpkg::Provider::load`],
//! [`secpkg::Provider::from_table`]) and reports secpkg's errors; its raw calls (unusual
//! arguments, out-parameters after a failure) go through
//! [`secpkg::Provider::with_raw_functions`], under the provider's lock, and what they return
//! is given back through [`secpkg::Packages::from_raw`] and [`secpkg::QueriedPackage::from_raw`].
//!
//! [`check`] runs every check on a [`Target`] (the system provider, a provider library, or a
//! function table) and returns a [`Report`]: one [`Check`] per check, each `PASS`, `FAIL` or
//! `WARN`, with what was observed, what Windows does, and where that expectation comes from.
//! The `secpkg` command (crate secpkg-cli) runs it as `secpkg conformance`.
//!
//! ```no_run
//! use secpkg_conformance::{self as conformance, InProcess, Target};
//!
//! // SAFETY: WinPR is an SSPI provider library.
//! let winpr = unsafe { Target::library("/usr/lib/x86_64-linux-gnu/libwinpr2.so.2") };
//! let report = conformance::check(&winpr, &InProcess);
//! print!("{report}");
//! assert!(report.is_conformant(), "{} checks failed", report.failed());
//! ```
//!
//! # Probes and crashes
//!
//! The checks are grouped into [`Probe`]s, each of which opens the provider, makes its calls
//! and returns its checks as a [`ProbeOutcome`]. Opening is secpkg's: a library's
//! `InitSecurityInterfaceW` runs once per process, so in a child process each probe starts from
//! a freshly loaded provider, and in process the probes share one. A [`ProbeRunner`] runs them:
//! [`InProcess`] in the calling process (for embedders and tests: a provider that crashes takes
//! the caller down with it), [`ChildProcess`] each in a child process that prints its outcome as
//! one JSON line ([`ProbeOutcome::to_json_line`]), so that a provider that crashes or hangs fails
//! the checks of that probe instead of killing the checker. The `secpkg` command re-executes
//! itself as `secpkg __conformance-probe PROBE [--provider PATH]` for this, calling
//! [`run_probe`] in the child. What the child wrote to stderr is kept: each Rust panic's message
//! and location (not the `note: run with RUST_BACKTRACE=1` line after it) in the failed checks
//! of a probe that crashed, and in [`Report::stderr`] for one that survived. [`run_child`] is the
//! same child-process machinery for other commands (`secpkg list` and `show` use it).
//!
//! # The checks
//!
//! A check **fails** ([`Verdict::Fail`]) when the provider deviates from documented behaviour
//! (Microsoft Learn, an SDK header, an RFC) or the deviation does real harm (a token that cannot
//! fit, a wrong record, a success for a package that does not exist, a buffer not given back, a
//! crash); it **warns** ([`Verdict::Warn`]) when only behaviour observed on Windows backs the
//! expectation. [`CheckId::deviation`] gives each check's verdict; the last column says why.
//!
//! | check | probe | expected | source | deviation |
//! |---|---|---|---|---|
//! | `init-table` | `table` | `InitSecurityInterfaceW` returns a function table | Microsoft Learn: InitSecurityInterfaceW | FAIL: documented |
//! | `table-version` | `table` | `dwVersion` is a `SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION*` (1 to 5) | SDK sspi.h | FAIL: documented |
//! | `table-functions` | `table` | `EnumerateSecurityPackagesW`, `QuerySecurityPackageInfoW`, `FreeContextBuffer` present | Microsoft Learn: SecurityFunctionTableW | FAIL: documented |
//! | `enumerate-status` | `enumerate` | `EnumerateSecurityPackagesW` returns `SEC_E_OK` | Microsoft Learn: EnumerateSecurityPackagesW | FAIL: documented |
//! | `enumerate-count` | `enumerate` | at least one package | observed on Windows 10/11 | WARN: observed only |
//! | `enumerate-array` | `enumerate` | the array is non-null exactly when the count is non-zero | Microsoft Learn: EnumerateSecurityPackagesW | FAIL: documented |
//! | `package-name` | `enumerate` | every `Name` non-null, non-empty, valid UTF-16 | Microsoft Learn: SecPkgInfoW | FAIL: documented |
//! | `package-comment` | `enumerate` | every `Comment` non-null, valid UTF-16 | Microsoft Learn: SecPkgInfoW | FAIL: documented |
//! | `package-version` | `enumerate` | every `wVersion` is 1 | Microsoft Learn: SecPkgInfoW ("Must be 1") | FAIL: documented |
//! | `package-capabilities` | `enumerate` | no `fCapabilities` bit outside `SECPKG_FLAG_*` | SDK sspi.h | FAIL: documented |
//! | `package-capabilities-nonzero` | `enumerate` | every package has some capability | observed on Windows 10/11 | WARN: observed only (the SDK allows 0) |
//! | `package-names-unique` | `enumerate` | no two names equal ignoring case | Microsoft Learn: QuerySecurityPackageInfoW; observed on Windows 10/11 | FAIL: harm (a query cannot tell them apart) |
//! | `schannel-alias` | `enumerate` | "Schannel" and "Microsoft Unified Security Protocol Provider", when both listed, have one record apart from the name | observed on Windows 10/11; SDK schannel.h | WARN: observed only |
//! | `package-id` | `enumerate` | well-known packages carry their SDK id (Negotiate 9, NTLM 10, Schannel 14, Kerberos 16, WDigest 21, …) | SDK rpcdce.h `RPC_C_AUTHN_*`; observed on Windows 10/11 | FAIL: documented |
//! | `package-max-token` | `enumerate` | well-known packages that issue tokens have a non-zero `cbMaxToken` | observed on Windows 10/11 | FAIL: harm (no room for a token) |
//! | `negotiate-max-token` | `enumerate` | Negotiate's `cbMaxToken` exceeds that of each listed package it negotiates (Kerberos, NTLM), whose tokens SPNEGO wraps; passes when Negotiate or both of those are not listed | Microsoft Learn: Microsoft Negotiate; RFC 4178; observed on Windows 10/11 (48256 > 48000) | FAIL: harm (the largest wrapped token is truncated) |
//! | `query-listed` | `query-listed` | querying each listed name returns the listed record | Microsoft Learn: QuerySecurityPackageInfoW | FAIL: documented |
//! | `query-case` | `query-case` | the name in upper and lower case returns the same record | observed on Windows 10/11 | WARN: observed only |
//! | `query-unknown-status` | `query-unknown` | an unknown name gives `SEC_E_SECPKG_NOT_FOUND` | observed on Windows 10/11; SDK winerror.h | WARN; FAIL for `SEC_E_OK` (harm) |
//! | `query-unknown-out` | `query-unknown` | an unknown name leaves the out-pointer untouched | observed Windows behaviour | WARN: observed only |
//! | `query-empty-name` | `query-empty` | an empty name fails, returning nothing to free | Microsoft Learn: QuerySecurityPackageInfoW | FAIL: documented |
//! | `ansi-table` | `ansi` | `InitSecurityInterfaceA` returns a table with the three A functions | Microsoft Learn: InitSecurityInterfaceA | FAIL: documented (not run, a WARN, when not exported) |
//! | `ansi-enumerate` | `ansi` | `EnumerateSecurityPackagesA` lists the W records, in order | Microsoft Learn: EnumerateSecurityPackagesA | FAIL: documented |
//! | `ansi-query-listed` | `ansi` | `QuerySecurityPackageInfoA` of each listed name returns its record | Microsoft Learn: QuerySecurityPackageInfoA | FAIL: documented |
//! | `ansi-query-unknown` | `ansi-query-unknown` | an unknown name gives `SEC_E_SECPKG_NOT_FOUND`, the out-pointer untouched | observed on Windows 10/11; SDK winerror.h | WARN; FAIL for `SEC_E_OK` (harm) |
//! | `free-context-buffer` | (all) | `FreeContextBuffer` returns `SEC_E_OK` for every buffer the provider returned | Microsoft Learn: FreeContextBuffer | FAIL: documented |
//!
//! [`check_with_handshake`] adds the checks of a real exchange ([`CheckId::HANDSHAKE`], probe
//! `handshake`), after those above. Its runner drives the exchange with the credentials it was
//! given (client and server both, in the probe's child process for `secpkg conformance
//! --handshake`) and [`handshake_outcome`] judges what the exchange gave ([`Exchange`]) against
//! the list the provider gave in the same process:
//!
//! | check | expected | source | deviation |
//! |---|---|---|---|
//! | `handshake-complete` | the exchange completes with the credentials given | Microsoft Learn: InitializeSecurityContextW, AcceptSecurityContextW | WARN: the checker cannot tell a provider's fault from wrong credentials |
//! | `handshake-token-max` | every token at most its side's package's listed `cbMaxToken` | Microsoft Learn: SecPkgInfoW (`cbMaxToken`), InitializeSecurityContextW | FAIL: documented, and harm (a buffer sized by it cannot hold the token) |
//! | `handshake-context-max` | every token at most the `cbMaxToken` of its context's `SECPKG_ATTR_SIZES` | Microsoft Learn: SecPkgContext_Sizes | FAIL: documented |
//! | `handshake-negotiate-covers` | for Negotiate: its `cbMaxToken` at least every token it produced through its sub-package, and, with Kerberos listed, at least Kerberos's plus the smallest SPNEGO wrapping ([`spnego_wrapping`], 43 bytes for 48000); passes, not applicable, for other packages | Microsoft Learn: Microsoft Negotiate; RFC 4178 4.2.1; RFC 2743 3.1; observed on Windows 10/11 (48256, 48000) | FAIL: harm (the largest wrapped Kerberos token is truncated), from documented framing |
//! | `handshake-negotiated-listed` | the package Negotiate chose and each context's package, where reported, are listed with that very record | Microsoft Learn: SecPkgContext_NegotiationInfoW, SecPkgContext_PackageInfoW | FAIL: documented; not run (WARN) when the provider reports none |
//!
//! A context check whose attribute the provider does not report, or whose context did not
//! complete, is not run (WARN) for that side.
//!
//! A check that cannot run (its function is missing, an earlier call failed) is a `WARN` whose
//! observed value starts with `not run:`, naming the check that explains why; a probe that
//! crashed fails all its checks. The unknown name, the empty name and the case variants are the
//! unusual inputs; the `query-*` and `ansi*` probes are also the only ones calling
//! `QuerySecurityPackageInfo*`, so a provider that crashes there fails exactly those checks.
//! When no probe could open a provider at all, [`Report::unavailable`] says why.
//!
//! # JSON
//!
//! [`Report::to_json`] (`secpkg conformance --json`) writes:
//!
//! ```json
//! {
//!   "provider": "libwinpr2.so.2",
//!   "checks": [
//!     {"check": "init-table", "status": "PASS", "observed": "…", "expected": "…", "source": "…"}
//!   ],
//!   "stderr": [{"probe": "query-unknown", "line": "panicked at src/lib.rs:10:5: …"}],
//!   "passed": 22,
//!   "failed": 1,
//!   "warned": 3
//! }
//! ```
//!
//! `provider` is the library loaded (or the target's description if none could be); `checks`
//! lists every check above, in that order (the `handshake-*` ones only from
//! [`check_with_handshake`]); `status` is `"PASS"`, `"FAIL"` or `"WARN"`; `stderr`
//! is [`Report::stderr`] (`unavailable`, [`Report::unavailable`], is there only when set); the
//! three counts add up to the number of checks. [`Report::from_json`] reads it back. [`Report`],
//! [`Check`] and [`ProbeOutcome`] implement serde's `Serialize` and `Deserialize` in these
//! shapes, so a report can also be part of a larger document.

#![deny(missing_docs, missing_debug_implementations, unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod handshake;
mod probe;
mod runner;

pub use handshake::{Exchange, ExchangeSide, handshake_outcome, spnego_wrapping};
pub use probe::run_probe;
pub use runner::{ChildError, ChildProcess, Finished, InProcess, ProbeRunner, run_child};

use secpkg::{Error, Provider, Status};
use secpkg_sys::SecurityFunctionTableW;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// A check's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    /// The provider behaves as Windows does.
    Pass,
    /// It does not: the report fails.
    Fail,
    /// Suspicious, or the check could not run; the report does not fail.
    Warn,
}

impl Verdict {
    /// `"PASS"`, `"FAIL"` or `"WARN"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Warn => "WARN",
        }
    }

    /// The verdict spelled `name` ([`as_str`](Verdict::as_str)).
    pub fn from_name(name: &str) -> Option<Verdict> {
        [Verdict::Pass, Verdict::Fail, Verdict::Warn].into_iter().find(|v| v.as_str() == name)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A group of checks that runs as one unit, possibly in a child process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "kebab-case")]
pub enum Probe {
    /// Loading the provider and reading its function table.
    Table,
    /// `EnumerateSecurityPackagesW` and the records it returns.
    Enumerate,
    /// `QuerySecurityPackageInfoW` of every listed name.
    QueryListed,
    /// `QuerySecurityPackageInfoW` of every listed name in other letter case.
    QueryCase,
    /// `QuerySecurityPackageInfoW` of a name no provider has.
    QueryUnknown,
    /// `QuerySecurityPackageInfoW` of the empty name.
    QueryEmpty,
    /// The ANSI entry points: `InitSecurityInterfaceA`'s table, `EnumerateSecurityPackagesA`,
    /// and `QuerySecurityPackageInfoA` of every listed name.
    Ansi,
    /// `QuerySecurityPackageInfoA` of a name no provider has.
    AnsiQueryUnknown,
    /// A real exchange, client and server, with credentials the caller gives: not in
    /// [`Probe::ALL`]; [`check_with_handshake`] runs it, and its runner drives the exchange
    /// ([`handshake_outcome`] makes its checks from what the exchange gave).
    Handshake,
}

impl Probe {
    /// Every probe [`check`] runs, in its order ([`Probe::Handshake`] is not among them).
    pub const ALL: [Probe; 8] = [
        Probe::Table,
        Probe::Enumerate,
        Probe::QueryListed,
        Probe::QueryCase,
        Probe::QueryUnknown,
        Probe::QueryEmpty,
        Probe::Ansi,
        Probe::AnsiQueryUnknown,
    ];

    /// The probe's name, as given to `secpkg __conformance-probe`.
    pub const fn name(self) -> &'static str {
        match self {
            Probe::Table => "table",
            Probe::Enumerate => "enumerate",
            Probe::QueryListed => "query-listed",
            Probe::QueryCase => "query-case",
            Probe::QueryUnknown => "query-unknown",
            Probe::QueryEmpty => "query-empty",
            Probe::Ansi => "ansi",
            Probe::AnsiQueryUnknown => "ansi-query-unknown",
            Probe::Handshake => "handshake",
        }
    }

    /// The probe named `name`.
    pub fn from_name(name: &str) -> Option<Probe> {
        Probe::ALL.into_iter().chain([Probe::Handshake]).find(|p| p.name() == name)
    }

    /// The checks this probe reports, in order.
    pub fn checks(self) -> ProbeChecks {
        let all = if self == Probe::Handshake { CheckId::HANDSHAKE } else { CheckId::ALL };
        ProbeChecks { probe: self, rest: all.iter() }
    }
}

/// The iterator of [`Probe::checks`].
#[derive(Clone, Debug)]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct ProbeChecks {
    probe: Probe,
    rest: std::slice::Iter<'static, CheckId>,
}

impl Iterator for ProbeChecks {
    type Item = CheckId;

    fn next(&mut self) -> Option<CheckId> {
        self.rest.by_ref().copied().find(|c| c.probe() == Some(self.probe))
    }
}

impl std::iter::FusedIterator for ProbeChecks {}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

macro_rules! check_ids {
    (
        $($(#[$doc:meta])* $variant:ident = $name:literal, $probe:expr, $deviation:ident, $expected:literal, $source:literal;)*
        @handshake
        $($(#[$hdoc:meta])* $hvariant:ident = $hname:literal, $hprobe:expr, $hdeviation:ident, $hexpected:literal, $hsource:literal;)*
    ) => {
        /// One conformance check. The crate documentation lists them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum CheckId {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
            $($(#[$hdoc])* #[serde(rename = $hname)] $hvariant,)*
        }

        impl CheckId {
            /// Every check [`check`] reports, in report order: all but the [`HANDSHAKE`](Self::HANDSHAKE) ones.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant),*];

            /// The checks of a real exchange ([`Probe::Handshake`]), which
            /// [`check_with_handshake`] reports after [`ALL`](Self::ALL)'s.
            pub const HANDSHAKE: &'static [CheckId] = &[$(CheckId::$hvariant),*];

            /// The check's id, as in the report (`"query-case"`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $name,)*
                    $(CheckId::$hvariant => $hname,)*
                }
            }

            /// The probe that reports it; `None` for [`CheckId::FreeContextBuffer`], which
            /// [`check`] derives from every probe's [`Frees`].
            pub const fn probe(self) -> Option<Probe> {
                match self {
                    $(CheckId::$variant => $probe,)*
                    $(CheckId::$hvariant => $hprobe,)*
                }
            }

            /// The verdict when the provider deviates: [`Verdict::Fail`] when documentation
            /// (Microsoft Learn, an SDK header, an RFC) backs the expectation or the deviation
            /// does real harm (a truncated token, a wrong record, memory not given back),
            /// [`Verdict::Warn`] when only behaviour observed on Windows backs it. A check may
            /// fail harder for a worse deviation (`query-unknown-status` fails when the query
            /// succeeds); the crate documentation gives each check's and why.
            pub const fn deviation(self) -> Verdict {
                match self {
                    $(CheckId::$variant => Verdict::$deviation,)*
                    $(CheckId::$hvariant => Verdict::$hdeviation,)*
                }
            }

            /// What Windows does.
            pub const fn expected(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $expected,)*
                    $(CheckId::$hvariant => $hexpected,)*
                }
            }

            /// Where that expectation comes from.
            pub const fn source(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $source,)*
                    $(CheckId::$hvariant => $hsource,)*
                }
            }
        }
    };
}

check_ids! {
    /// `InitSecurityInterfaceW` returns a function table.
    InitTable = "init-table", Some(Probe::Table), Fail,
        "InitSecurityInterfaceW returns a SecurityFunctionTableW",
        "Microsoft Learn: InitSecurityInterfaceW";
    /// The table's `dwVersion` is a known one.
    TableVersion = "table-version", Some(Probe::Table), Fail,
        "dwVersion is a SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION* value (1 to 5)",
        "SDK sspi.h: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION*";
    /// The table has the three package functions.
    TableFunctions = "table-functions", Some(Probe::Table), Fail,
        "EnumerateSecurityPackagesW, QuerySecurityPackageInfoW and FreeContextBuffer are non-null",
        "Microsoft Learn: SecurityFunctionTableW";
    /// Enumeration succeeds.
    EnumerateStatus = "enumerate-status", Some(Probe::Enumerate), Fail,
        "EnumerateSecurityPackagesW returns SEC_E_OK",
        "Microsoft Learn: EnumerateSecurityPackagesW";
    /// At least one package is listed.
    EnumerateCount = "enumerate-count", Some(Probe::Enumerate), Warn,
        "at least 1 package",
        "observed on Windows 10/11 (Negotiate, Kerberos, NTLM and Schannel are always listed)";
    /// The array is non-null exactly when the count is non-zero.
    EnumerateArray = "enumerate-array", Some(Probe::Enumerate), Fail,
        "a non-null array exactly when the count is non-zero",
        "Microsoft Learn: EnumerateSecurityPackagesW";
    /// Every `Name` is a non-null, non-empty, valid UTF-16 string.
    PackageName = "package-name", Some(Probe::Enumerate), Fail,
        "every Name is a non-null, non-empty, valid UTF-16 string",
        "Microsoft Learn: SecPkgInfoW (Name: a null-terminated string with the package's name)";
    /// Every `Comment` is a non-null, valid UTF-16 string.
    PackageComment = "package-comment", Some(Probe::Enumerate), Fail,
        "every Comment is a non-null, valid UTF-16 string",
        "Microsoft Learn: SecPkgInfoW (Comment: a pointer to a null-terminated string)";
    /// Every `wVersion` is 1.
    PackageVersion = "package-version", Some(Probe::Enumerate), Fail,
        "wVersion 1 for every package",
        "Microsoft Learn: SecPkgInfoW (wVersion: must be 1)";
    /// No capability bit outside the SDK's `SECPKG_FLAG_*`.
    PackageCapabilities = "package-capabilities", Some(Probe::Enumerate), Fail,
        "no fCapabilities bit outside the SDK's SECPKG_FLAG_* set",
        "SDK sspi.h: SECPKG_FLAG_*";
    /// Every package claims some capability (a `WARN`, never a `FAIL`: the SDK allows 0).
    PackageCapabilitiesNonzero = "package-capabilities-nonzero", Some(Probe::Enumerate), Warn,
        "fCapabilities non-zero for every package",
        "observed on Windows 10/11 (every package sets some SECPKG_FLAG_*)";
    /// No two names are equal ignoring case.
    PackageNamesUnique = "package-names-unique", Some(Probe::Enumerate), Fail,
        "no two names equal ignoring case (the Schannel alias has a name of its own)",
        "Microsoft Learn: QuerySecurityPackageInfoW (one package per name); observed on Windows 10/11 (names match \
         ignoring case)";
    /// The Schannel alias, when listed, is the Schannel record under another name.
    SchannelAlias = "schannel-alias", Some(Probe::Enumerate), Warn,
        "\"Schannel\" and \"Microsoft Unified Security Protocol Provider\", when both listed, have the same record \
         apart from the name",
        "observed on Windows 10/11; SDK schannel.h: SCHANNEL_NAME, UNISP_NAME";
    /// Well-known packages carry the id of their SDK constant.
    PackageId = "package-id", Some(Probe::Enumerate), Fail,
        "wRPCID of each well-known package is its SDK id: Negotiate 9, NTLM 10, Schannel, Microsoft Unified Security \
         Protocol Provider and Default TLS SSP 14, Kerberos 16, WDigest and Digest 21, NegoExtender 30, pku2u 31, \
         CloudAP 36",
        "SDK rpcdce.h: RPC_C_AUTHN_*; observed on Windows 10/11";
    /// Well-known packages that issue tokens have a non-zero `cbMaxToken`.
    PackageMaxToken = "package-max-token", Some(Probe::Enumerate), Fail,
        "a non-zero cbMaxToken for each well-known package that issues tokens (all of package-id's but CloudAP)",
        "observed on Windows 10/11";
    /// Negotiate's `cbMaxToken` covers every listed package it negotiates.
    NegotiateMaxToken = "negotiate-max-token", Some(Probe::Enumerate), Fail,
        "Negotiate's cbMaxToken above that of each listed package it negotiates (Kerberos, NTLM): its client \
         sizes buffers by it, and gets their tokens wrapped in SPNEGO",
        "Microsoft Learn: Microsoft Negotiate (selects Kerberos or NTLM); RFC 4178 (SPNEGO wraps the mechanism's \
         token); observed on Windows 10/11 (Negotiate 48256, Kerberos 48000, NTLM 2888)";
    /// Querying each listed name returns the listed record.
    QueryListed = "query-listed", Some(Probe::QueryListed), Fail,
        "QuerySecurityPackageInfoW of each listed name returns SEC_E_OK and the listed record",
        "Microsoft Learn: QuerySecurityPackageInfoW";
    /// Querying a listed name in other letter case returns the same record.
    QueryCase = "query-case", Some(Probe::QueryCase), Warn,
        "each listed name in upper and in lower case returns SEC_E_OK and the same record as the name as listed",
        "observed on Windows 10/11 (package names match ignoring case)";
    /// An unknown name is `SEC_E_SECPKG_NOT_FOUND`.
    QueryUnknownStatus = "query-unknown-status", Some(Probe::QueryUnknown), Warn,
        "SEC_E_SECPKG_NOT_FOUND for a name no package has",
        "observed on Windows 10/11; SDK winerror.h: SEC_E_SECPKG_NOT_FOUND (the requested security package does \
         not exist)";
    /// An unknown name leaves the out-pointer untouched.
    QueryUnknownOut = "query-unknown-out", Some(Probe::QueryUnknown), Warn,
        "the out-pointer left untouched when the name is not found",
        "observed Windows behaviour (secur32 writes *ppPackageInfo only on success)";
    /// The empty name fails cleanly.
    QueryEmptyName = "query-empty-name", Some(Probe::QueryEmpty), Fail,
        "a failure status for the empty name, and no record to free",
        "Microsoft Learn: QuerySecurityPackageInfoW (no package has an empty name)";
    /// `InitSecurityInterfaceA` gives a table with the ANSI package functions.
    AnsiTable = "ansi-table", Some(Probe::Ansi), Fail,
        "InitSecurityInterfaceA returns a SecurityFunctionTableA with EnumerateSecurityPackagesA, \
         QuerySecurityPackageInfoA and FreeContextBuffer non-null",
        "Microsoft Learn: InitSecurityInterfaceA, SecurityFunctionTableA";
    /// `EnumerateSecurityPackagesA` lists what `EnumerateSecurityPackagesW` lists.
    AnsiEnumerate = "ansi-enumerate", Some(Probe::Ansi), Fail,
        "EnumerateSecurityPackagesA returns SEC_E_OK and the packages EnumerateSecurityPackagesW lists, \
         in order, with the same records (names and comments as ANSI strings)",
        "Microsoft Learn: EnumerateSecurityPackagesA (the ANSI form of EnumerateSecurityPackages)";
    /// `QuerySecurityPackageInfoA` of each listed name returns its record.
    AnsiQueryListed = "ansi-query-listed", Some(Probe::Ansi), Fail,
        "QuerySecurityPackageInfoA of each name EnumerateSecurityPackagesA lists returns SEC_E_OK and that record",
        "Microsoft Learn: QuerySecurityPackageInfoA";
    /// `QuerySecurityPackageInfoA` of an unknown name fails with `SEC_E_SECPKG_NOT_FOUND`.
    AnsiQueryUnknown = "ansi-query-unknown", Some(Probe::AnsiQueryUnknown), Warn,
        "SEC_E_SECPKG_NOT_FOUND from QuerySecurityPackageInfoA for a name no package has, the out-pointer untouched",
        "observed on Windows 10/11; SDK winerror.h: SEC_E_SECPKG_NOT_FOUND";
    /// `FreeContextBuffer` succeeds for every buffer the provider returned.
    FreeContextBuffer = "free-context-buffer", None, Fail,
        "SEC_E_OK from FreeContextBuffer for every buffer the provider returned",
        "Microsoft Learn: FreeContextBuffer";
    @handshake
    /// The exchange completes (a `WARN`: the checker cannot tell a provider's fault from wrong
    /// credentials).
    HandshakeComplete = "handshake-complete", Some(Probe::Handshake), Warn,
        "InitializeSecurityContextW and AcceptSecurityContextW complete the exchange with the credentials given",
        "Microsoft Learn: InitializeSecurityContextW, AcceptSecurityContextW (SEC_E_OK when the context is complete)";
    /// Every token fits its package's listed `cbMaxToken`.
    HandshakeTokenMax = "handshake-token-max", Some(Probe::Handshake), Fail,
        "every token of the exchange at most the cbMaxToken EnumerateSecurityPackagesW lists for the package of \
         the side that produced it",
        "Microsoft Learn: SecPkgInfoW (cbMaxToken: the maximum size, in bytes, of the security token); \
         InitializeSecurityContextW (the caller's buffer is sized by it)";
    /// Every token fits the `cbMaxToken` its context reports.
    HandshakeContextMax = "handshake-context-max", Some(Probe::Handshake), Fail,
        "every token at most the cbMaxToken of SECPKG_ATTR_SIZES of the context that produced it",
        "Microsoft Learn: SecPkgContext_Sizes (cbMaxToken: the maximum size of the security token used in the \
         authentication exchanges)";
    /// Negotiate's `cbMaxToken` covers what it produced and a wrapped Kerberos token.
    HandshakeNegotiateCovers = "handshake-negotiate-covers", Some(Probe::Handshake), Fail,
        "for a Negotiate exchange: Negotiate's cbMaxToken at least every token it produced through its \
         sub-package, and, when Kerberos is listed too, at least Kerberos's cbMaxToken plus the smallest SPNEGO \
         wrapping of a token of that size (NegTokenInit with one mechanism, in its InitialContextToken); \
         passes, not applicable, for other packages",
        "Microsoft Learn: Microsoft Negotiate; RFC 4178 4.2.1 (NegTokenInit), RFC 2743 3.1 \
         (InitialContextToken); observed on Windows 10/11 (Negotiate 48256, Kerberos 48000)";
    /// The negotiated package and each context's package are listed records.
    HandshakeNegotiatedListed = "handshake-negotiated-listed", Some(Probe::Handshake), Fail,
        "the package Negotiate chose (SECPKG_ATTR_NEGOTIATION_INFO) and each context's package \
         (SECPKG_ATTR_PACKAGE_INFO), where reported, listed by EnumerateSecurityPackagesW with that very record",
        "Microsoft Learn: SecPkgContext_NegotiationInfoW, SecPkgContext_PackageInfoW (a SecPkgInfoW of the \
         package)";
}

impl CheckId {
    /// The check named `name` ([`name`](CheckId::name)).
    pub fn from_name(name: &str) -> Option<CheckId> {
        CheckId::ALL.iter().chain(CheckId::HANDSHAKE).copied().find(|c| c.name() == name)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Check {
    /// Which check.
    pub check: CheckId,
    /// Its verdict.
    pub status: Verdict,
    /// What the provider did.
    pub observed: String,
    /// What Windows does.
    pub expected: String,
    /// Where the expectation comes from.
    pub source: String,
}

impl Check {
    /// A result of `check`, with its standard expectation and source.
    pub fn new(check: CheckId, status: Verdict, observed: impl Into<String>) -> Check {
        Check {
            check,
            status,
            observed: observed.into(),
            expected: check.expected().to_owned(),
            source: check.source().to_owned(),
        }
    }

    /// A check that could not run: a `WARN` whose observed value is `not run: {why}`.
    pub fn not_run(check: CheckId, why: &str) -> Check {
        Check::new(check, Verdict::Warn, format!("not run: {why}"))
    }
}

/// The widest line of the text report, in characters, where words allow.
pub const TEXT_WIDTH: usize = 100;

/// How far a check's continuation lines are indented: past `FAIL `.
const INDENT: &str = "     ";

/// The short form, as the report prints it: `PASS check: observed` on one line of at most
/// [`TEXT_WIDTH`] characters (cut with `…`); a `FAIL` or `WARN` with all it observed, wrapped,
/// then `expected: …`. [`Check::verbose`] adds the source.
impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = format!("{} {}: {}", self.status, self.check, self.observed);
        if self.status == Verdict::Pass {
            return f.write_str(&cut(&head, TEXT_WIDTH));
        }
        write_wrapped(f, &head, "")?;
        f.write_str("\n")?;
        write_wrapped(f, &format!("expected: {}", self.expected), INDENT)
    }
}

impl Check {
    /// The full form: the verdict and the check, then `observed:`, `expected:` and `source:`
    /// each on lines of their own, wrapped to [`TEXT_WIDTH`] (`secpkg conformance --verbose`).
    pub fn verbose(&self) -> impl fmt::Display + '_ {
        struct Verbose<'c>(&'c Check);
        impl fmt::Display for Verbose<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let c = self.0;
                writeln!(f, "{} {}", c.status, c.check)?;
                write_wrapped(f, &format!("observed: {}", c.observed), INDENT)?;
                f.write_str("\n")?;
                write_wrapped(f, &format!("expected: {}", c.expected), INDENT)?;
                f.write_str("\n")?;
                write_wrapped(f, &format!("source:   {}", c.source), INDENT)
            }
        }
        Verbose(self)
    }
}

/// `text` cut to `width` characters, the last of them `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `indent` then `text`, wrapped at spaces so that each line (continuations indented by
/// [`INDENT`]) has at most [`TEXT_WIDTH`] characters where the words allow; no final newline.
fn write_wrapped(f: &mut fmt::Formatter<'_>, text: &str, indent: &str) -> fmt::Result {
    let mut line = String::from(indent);
    let mut width = indent.chars().count();
    let mut empty = true;
    for word in text.split(' ') {
        let word_width = word.chars().count();
        if !empty && width + 1 + word_width > TEXT_WIDTH {
            writeln!(f, "{line}")?;
            line = String::from(INDENT);
            width = INDENT.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            width += 1;
        }
        line.push_str(word);
        width += word_width;
        empty = false;
    }
    f.write_str(&line)
}

/// What happened to the buffers a probe got from the provider, each given back once to its
/// `FreeContextBuffer`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Frees {
    /// How many were freed with `SEC_E_OK`.
    pub ok: u32,
    /// One line for each that was not: which buffer, and the status.
    pub failed: Vec<String>,
}

impl Frees {
    /// Counts the outcome of giving back `what` (e.g. `Packages::close`).
    pub fn record(&mut self, what: &str, freed: Result<(), Error>) {
        match freed {
            Ok(()) => self.ok += 1,
            Err(error) => self.failed.push(match error.status() {
                Some(status) => format!("{what}: {}", status_text(status)),
                None => format!("{what}: {error}"),
            }),
        }
    }

    /// Counts the status a `FreeContextBuffer` called directly (not through secpkg) returned.
    pub(crate) fn record_status(&mut self, what: &str, status: i32) {
        if status == secpkg_sys::SEC_E_OK {
            self.ok += 1;
        } else {
            self.failed.push(format!("{what}: {}", status_text(Status::from_value(status))));
        }
    }

    fn merge(&mut self, other: Frees) {
        self.ok += other.ok;
        self.failed.extend(other.failed);
    }
}

/// `SEC_E_INTERNAL_ERROR (0x80090304)`, or just the hex for a status the SDK does not name.
pub(crate) fn status_text(status: Status) -> String {
    let raw = status.value() as u32;
    match status.sdk_name() {
        Some(name) => format!("{name} ({raw:#010x})"),
        None => format!("{raw:#010x}"),
    }
}

/// What one probe found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProbeOutcome {
    /// The probe.
    pub probe: Probe,
    /// The provider it loaded (a library path or name, `secur32.dll`), if it loaded one.
    pub provider: Option<String>,
    /// Its checks, in [`Probe::checks`] order.
    pub checks: Vec<Check>,
    /// The buffers it freed.
    pub frees: Frees,
    /// Why the probe could not open the provider at all (no library at the path, or one that
    /// exports no `InitSecurityInterfaceW`), in secpkg's words; `None` when it opened one, or
    /// when what it opened failed a check (a null or invalid table fails `init-table`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// What the provider wrote to stderr in a probe that gave its answer: each panic as
    /// `panicked at FILE:LINE:COL: MESSAGE`, else the last line. Empty when it wrote nothing, or
    /// when the probe ran in process. (A probe that gave no answer has it in its checks.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stderr: Vec<String>,
}

impl ProbeOutcome {
    /// The outcome of a probe that gave no answer (it crashed, hung, or printed garbage): every
    /// one of its checks fails with observed `the probe {why}`.
    pub fn failed(probe: Probe, why: &str) -> ProbeOutcome {
        ProbeOutcome {
            probe,
            provider: None,
            checks: probe.checks().map(|c| Check::new(c, Verdict::Fail, format!("the probe {why}"))).collect(),
            frees: Frees::default(),
            unavailable: None,
            stderr: Vec::new(),
        }
    }

    /// The outcome as one line of JSON (no newline): what a probe child process prints.
    ///
    /// `{"probe": NAME, "provider": STRING|null, "checks": [CHECK...], "frees": {"ok": N, "failed": [STRING...]}}`,
    /// each CHECK as in [`Report::to_json`].
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("a probe outcome serializes")
    }

    /// Parses [`to_json_line`](ProbeOutcome::to_json_line)'s output.
    pub fn from_json_line(line: &str) -> Result<ProbeOutcome, serde_json::Error> {
        serde_json::from_str(line)
    }
}

/// The provider to check.
#[derive(Clone, Debug)]
pub struct Target(TargetKind);

#[derive(Clone, Debug)]
enum TargetKind {
    System,
    Library(PathBuf),
    /// A provider made with `Provider::from_table`: its calls take the lock of its library.
    Table(Provider),
}

impl Target {
    /// The system provider, as [`Provider::system`] finds it:
    /// secur32.dll on Windows, else WinPR.
    pub fn system() -> Target {
        Target(TargetKind::System)
    }

    /// The provider [`Provider::from_env`] would use: the library `SECPKG_PROVIDER` names
    /// ([`Provider::named_by_env`]), else the system's.
    ///
    /// # Safety
    /// As [`Target::library`], for the library the variable names.
    pub unsafe fn from_env() -> Target {
        match Provider::named_by_env() {
            Some(path) => Target(TargetKind::Library(path)),
            None => Target::system(),
        }
    }

    /// The provider library at `path` (or a name the dynamic loader looks up).
    ///
    /// # Safety
    /// Checking it loads the library in the probes' process with [`Provider::load`]: it must be
    /// an SSPI provider.
    pub unsafe fn library(path: impl Into<PathBuf>) -> Target {
        Target(TargetKind::Library(path.into()))
    }

    /// The provider behind a function table, named `origin` in the report. Only an
    /// [`InProcess`] runner can check it (a child process cannot be handed a table).
    ///
    /// # Safety
    /// As [`Provider::from_table`]: every non-null function of `table` follows the SSPI
    /// contract, and stays callable for as long as the target (or a clone) is used.
    pub unsafe fn from_table(table: &SecurityFunctionTableW, origin: impl Into<String>) -> Target {
        // SAFETY: the caller's promise, as Provider::from_table requires it.
        Target(TargetKind::Table(unsafe { Provider::from_table(table, origin.into()) }))
    }

    /// The library path, for a [`Target::library`].
    pub fn library_path(&self) -> Option<&Path> {
        match &self.0 {
            TargetKind::Library(path) => Some(path),
            _ => None,
        }
    }

    /// Whether this is [`Target::system`].
    pub fn is_system(&self) -> bool {
        matches!(self.0, TargetKind::System)
    }

    /// How the report names the target when no probe could load it.
    pub fn description(&self) -> String {
        match &self.0 {
            TargetKind::System => "the system provider".to_owned(),
            TargetKind::Library(path) => path.display().to_string(),
            TargetKind::Table(provider) => provider.origin().display().to_string(),
        }
    }
}

/// The result of [`check`]: every check, in [`CheckId::ALL`] order.
///
/// It serializes with its counts (as [`to_json`](Report::to_json) writes), and deserializing
/// checks that they agree with the checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ReportJson", try_from = "ReportJson")]
#[non_exhaustive]
pub struct Report {
    /// The provider checked (the library loaded, `secur32.dll`, or the target's description).
    pub provider: String,
    /// The checks.
    pub checks: Vec<Check>,
    /// What the provider wrote to stderr in the probes that gave their answer
    /// ([`ProbeOutcome::stderr`]), probe by probe.
    pub stderr: Vec<StderrNote>,
    /// Why no provider could be opened at all ([`ProbeOutcome::unavailable`] of the `table`
    /// probe): the checks then say nothing about a provider, and `secpkg conformance` prints
    /// this instead, with exit status 2.
    pub unavailable: Option<String>,
}

/// A line of what the provider wrote to stderr during a probe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StderrNote {
    /// The probe.
    pub probe: Probe,
    /// A panic, `panicked at FILE:LINE:COL: MESSAGE`, or the last line written.
    pub line: String,
}

impl Report {
    fn count(&self, verdict: Verdict) -> usize {
        self.checks.iter().filter(|c| c.status == verdict).count()
    }

    /// How many checks passed.
    pub fn passed(&self) -> usize {
        self.count(Verdict::Pass)
    }

    /// How many failed.
    pub fn failed(&self) -> usize {
        self.count(Verdict::Fail)
    }

    /// How many warned (including those that could not run).
    pub fn warned(&self) -> usize {
        self.count(Verdict::Warn)
    }

    /// Whether no check failed (warnings allowed): `secpkg conformance` then exits 0, else 4.
    pub fn is_conformant(&self) -> bool {
        self.failed() == 0
    }

    /// The checks with `verdict`.
    pub fn with_status(&self, verdict: Verdict) -> WithStatus<'_> {
        WithStatus { verdict, rest: self.checks.iter() }
    }

    /// The result of `check`.
    pub fn get(&self, check: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == check)
    }

    /// The report as a JSON document (described in the [module documentation](self)), with a
    /// final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes") + "\n"
    }

    /// Parses [`to_json`](Report::to_json)'s output (any JSON layout), checking that the counts
    /// agree with the checks.
    pub fn from_json(text: &str) -> Result<Report, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// The iterator of [`Report::with_status`].
#[derive(Clone, Debug)]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct WithStatus<'a> {
    verdict: Verdict,
    rest: std::slice::Iter<'a, Check>,
}

impl Iterator for WithStatus<'_> {
    type Item = CheckId;

    fn next(&mut self) -> Option<CheckId> {
        let verdict = self.verdict;
        self.rest.by_ref().find(|c| c.status == verdict).map(|c| c.check)
    }
}

impl std::iter::FusedIterator for WithStatus<'_> {}

/// A [`Report`] as JSON: with the counts.
#[derive(Serialize, Deserialize)]
struct ReportJson {
    provider: String,
    checks: Vec<Check>,
    #[serde(default)]
    stderr: Vec<StderrNote>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unavailable: Option<String>,
    passed: usize,
    failed: usize,
    warned: usize,
}

impl From<Report> for ReportJson {
    fn from(report: Report) -> ReportJson {
        let (passed, failed, warned) = (report.passed(), report.failed(), report.warned());
        let Report { provider, checks, stderr, unavailable } = report;
        ReportJson { provider, checks, stderr, unavailable, passed, failed, warned }
    }
}

impl TryFrom<ReportJson> for Report {
    type Error = String;

    fn try_from(json: ReportJson) -> Result<Report, String> {
        let report =
            Report { provider: json.provider, checks: json.checks, stderr: json.stderr, unavailable: json.unavailable };
        let counts = [
            ("passed", json.passed, report.passed()),
            ("failed", json.failed, report.failed()),
            ("warned", json.warned, report.warned()),
        ];
        for (key, stated, count) in counts {
            if stated != count {
                return Err(format!("\"{key}\" is {stated}, but {count} checks have that status"));
            }
        }
        Ok(report)
    }
}

/// Each check in its short form ([`Check`]'s `Display`), what the provider wrote to stderr, then
/// the closing line (wrapped as the others are): `PROVIDER: N passed, N failed (CHECK, …), N
/// warned (CHECK, …)`.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            writeln!(f, "{check}")?;
        }
        self.write_end(f)
    }
}

impl Report {
    /// The report with every check in its full form ([`Check::verbose`]).
    pub fn verbose(&self) -> impl fmt::Display + '_ {
        struct Verbose<'r>(&'r Report);
        impl fmt::Display for Verbose<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for check in &self.0.checks {
                    writeln!(f, "{}", check.verbose())?;
                }
                self.0.write_end(f)
            }
        }
        Verbose(self)
    }

    /// The stderr notes and the closing line.
    fn write_end(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for note in &self.stderr {
            write_wrapped(f, &format!("stderr of probe {}: {}", note.probe, note.line), "")?;
            f.write_str("\n")?;
        }
        let named = |verdict: Verdict| {
            let names: Vec<&str> = self.with_status(verdict).map(CheckId::name).collect();
            if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) }
        };
        let end = format!(
            "{}: {} passed, {} failed{}, {} warned{}",
            self.provider,
            self.passed(),
            self.failed(),
            named(Verdict::Fail),
            self.warned(),
            named(Verdict::Warn)
        );
        write_wrapped(f, &end, "")?;
        f.write_str("\n")
    }
}

/// Runs every check on `target`, each [`Probe`] through `runner`.
pub fn check(target: &Target, runner: &dyn ProbeRunner) -> Report {
    let mut provider = None;
    let mut checks = Vec::new();
    let mut frees = Frees::default();
    let mut stderr = Vec::new();
    let mut unavailable = None;
    for probe in Probe::ALL {
        let outcome = validate(probe, runner.run(target, probe));
        provider = provider.or(outcome.provider);
        checks.extend(outcome.checks);
        frees.merge(outcome.frees);
        stderr.extend(outcome.stderr.into_iter().map(|line| StderrNote { probe, line }));
        if probe == Probe::Table {
            unavailable = outcome.unavailable;
        }
    }
    checks.push(free_check(&frees));
    Report { provider: provider.unwrap_or_else(|| target.description()), checks, stderr, unavailable }
}

/// [`check`], then the [`Probe::Handshake`] checks of a real exchange, which `runner` drives
/// (`secpkg conformance --handshake`: a child process running client and server with the
/// credentials given), after the others. Without a provider ([`Report::unavailable`]) the
/// exchange is not tried.
pub fn check_with_handshake(target: &Target, runner: &dyn ProbeRunner) -> Report {
    let mut report = check(target, runner);
    if report.unavailable.is_some() {
        return report;
    }
    let outcome = validate(Probe::Handshake, runner.run(target, Probe::Handshake));
    report.checks.extend(outcome.checks);
    report.stderr.extend(outcome.stderr.into_iter().map(|line| StderrNote { probe: Probe::Handshake, line }));
    report
}

/// The runner's outcome if it is one of `probe` with exactly its checks, else a failed one.
fn validate(probe: Probe, outcome: ProbeOutcome) -> ProbeOutcome {
    let ids: Vec<CheckId> = outcome.checks.iter().map(|c| c.check).collect();
    let wanted: Vec<CheckId> = probe.checks().collect();
    if outcome.probe != probe {
        ProbeOutcome::failed(probe, &format!("runner answered for probe {} instead", outcome.probe))
    } else if ids != wanted {
        let names = |ids: &[CheckId]| ids.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ");
        ProbeOutcome::failed(probe, &format!("answered with checks [{}] instead of [{}]", names(&ids), names(&wanted)))
    } else {
        outcome
    }
}

fn free_check(frees: &Frees) -> Check {
    let total = frees.ok as usize + frees.failed.len();
    if total == 0 {
        return Check::not_run(CheckId::FreeContextBuffer, "the provider returned no buffer to free");
    }
    if frees.failed.is_empty() {
        let observed =
            if total == 1 { "1 buffer, SEC_E_OK".to_owned() } else { format!("{total} buffers, each SEC_E_OK") };
        return Check::new(CheckId::FreeContextBuffer, Verdict::Pass, observed);
    }
    let observed =
        format!("{} of {total} buffers not freed with SEC_E_OK: {}", frees.failed.len(), frees.failed.join("; "));
    Check::new(CheckId::FreeContextBuffer, Verdict::Fail, observed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_but_the_free_one_belongs_to_a_probe_in_order() {
        let from_probes: Vec<CheckId> = Probe::ALL.into_iter().flat_map(Probe::checks).collect();
        assert_eq!(from_probes, CheckId::ALL[..CheckId::ALL.len() - 1]);
        assert_eq!(CheckId::ALL.last(), Some(&CheckId::FreeContextBuffer));
        for &c in CheckId::ALL {
            assert_eq!(CheckId::from_name(c.name()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.name());
            assert!(!c.expected().is_empty() && !c.source().is_empty(), "{c}");
        }
        for v in [Verdict::Pass, Verdict::Fail, Verdict::Warn] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        // The handshake's checks are their probe's, and after the others.
        assert_eq!(Probe::Handshake.checks().collect::<Vec<_>>(), CheckId::HANDSHAKE);
        assert!(!Probe::ALL.contains(&Probe::Handshake));
        for &c in CheckId::HANDSHAKE {
            assert_eq!(CheckId::from_name(c.name()), Some(c));
            assert!(c.name().starts_with("handshake-") && !CheckId::ALL.contains(&c), "{c}");
        }
        assert_eq!(Probe::from_name("handshake"), Some(Probe::Handshake));
        for p in Probe::ALL {
            assert_eq!(Probe::from_name(p.name()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.name());
            assert!(p.checks().next().is_some(), "{p} has no check");
        }
    }

    #[test]
    fn probe_outcomes_round_trip_through_a_json_line() {
        let mut outcome = ProbeOutcome::failed(Probe::QueryUnknown, "crashed: \"signal\" 6\n");
        outcome.provider = Some("C:\\x\\secur32.dll".into());
        outcome.checks[1].status = Verdict::Warn;
        outcome.frees = Frees { ok: 3, failed: vec!["query(\"NTLM\"): SEC_E_INVALID_HANDLE".into()] };
        let line = outcome.to_json_line();
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(ProbeOutcome::from_json_line(&line).unwrap(), outcome);
        assert!(ProbeOutcome::from_json_line(r#"{"probe": "nope", "checks": [], "frees": {}}"#).is_err());
    }

    #[test]
    fn reports_round_trip_and_count() {
        let frees = Frees { ok: 1, failed: vec!["x: SEC_E_INVALID_HANDLE (0x80090301)".into()] };
        let report = Report {
            provider: "p".into(),
            checks: vec![
                Check::new(CheckId::InitTable, Verdict::Pass, "a table"),
                Check::not_run(CheckId::TableVersion, "why"),
                free_check(&frees),
            ],
            stderr: vec![StderrNote { probe: Probe::Table, line: "panicked at a.rs:1:1: x".into() }],
            unavailable: None,
        };
        assert_eq!((report.passed(), report.failed(), report.warned()), (1, 1, 1));
        assert!(!report.is_conformant());
        assert_eq!(Report::from_json(&report.to_json()).unwrap(), report);
        let tampered = report.to_json().replace("\"failed\": 1", "\"failed\": 0");
        assert!(Report::from_json(&tampered).unwrap_err().to_string().contains("\"failed\" is 0"));
        let text = report.to_string();
        assert!(
            text.starts_with("PASS init-table: a table\nWARN table-version: not run: why\n     expected: dwVersion"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "stderr of probe table: panicked at a.rs:1:1: x\n\
                 p: 1 passed, 1 failed (free-context-buffer), 1 warned (table-version)\n"
            ),
            "{text}"
        );
        let verbose = report.verbose().to_string();
        assert!(
            verbose.starts_with(
                "PASS init-table\n     observed: a table\n     expected: InitSecurityInterfaceW returns a \
                 SecurityFunctionTableW\n     source:   Microsoft Learn: InitSecurityInterfaceW\n"
            ),
            "{verbose}"
        );
    }

    #[test]
    fn a_runner_answering_with_the_wrong_checks_fails_the_probe() {
        let wrong = ProbeOutcome::failed(Probe::Table, "x");
        let validated = validate(Probe::Enumerate, wrong);
        assert_eq!(validated.probe, Probe::Enumerate);
        assert!(validated.checks.iter().all(|c| c.status == Verdict::Fail && c.observed.contains("instead")));
    }
}
