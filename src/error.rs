//! What can go wrong, with the operation and the provider's status.

use crate::Status;
use std::fmt;
use std::path::PathBuf;

/// The SSPI call an error comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Loading a provider library and calling its `InitSecurityInterfaceW`.
    InitSecurityInterface,
    /// `EnumerateSecurityPackagesW`.
    EnumerateSecurityPackages,
    /// `QuerySecurityPackageInfoW`.
    QuerySecurityPackageInfo,
    /// `FreeContextBuffer`.
    FreeContextBuffer,
    /// `AcquireCredentialsHandleW`.
    AcquireCredentialsHandle,
    /// `FreeCredentialsHandle`.
    FreeCredentialsHandle,
    /// `InitializeSecurityContextW`: a client's leg.
    InitializeSecurityContext,
    /// `AcceptSecurityContext`: a server's leg.
    AcceptSecurityContext,
    /// `CompleteAuthToken`.
    CompleteAuthToken,
    /// `QueryContextAttributesW`.
    QueryContextAttributes,
    /// `SetContextAttributesW`.
    SetContextAttributes,
    /// `DeleteSecurityContext`.
    DeleteSecurityContext,
}

impl Operation {
    /// The SSPI function's name.
    #[must_use]
    pub const fn function(self) -> &'static str {
        match self {
            Operation::InitSecurityInterface => "InitSecurityInterfaceW",
            Operation::EnumerateSecurityPackages => "EnumerateSecurityPackagesW",
            Operation::QuerySecurityPackageInfo => "QuerySecurityPackageInfoW",
            Operation::FreeContextBuffer => "FreeContextBuffer",
            Operation::AcquireCredentialsHandle => "AcquireCredentialsHandleW",
            Operation::FreeCredentialsHandle => "FreeCredentialsHandle",
            Operation::InitializeSecurityContext => "InitializeSecurityContextW",
            Operation::AcceptSecurityContext => "AcceptSecurityContext",
            Operation::CompleteAuthToken => "CompleteAuthToken",
            Operation::QueryContextAttributes => "QueryContextAttributesW",
            Operation::SetContextAttributes => "SetContextAttributesW",
            Operation::DeleteSecurityContext => "DeleteSecurityContext",
        }
    }

    /// The error for this call having returned the failure `status`.
    pub(crate) fn failed(self, status: i32) -> Error {
        Error::Status { operation: self, status: Status::from_value(status) }
    }

    /// The provider's function for this operation, or [`Error::Unsupported`] when its table has none.
    pub(crate) fn require<F>(self, function: Option<F>) -> Result<F, Error> {
        function.ok_or_else(|| Error::Unsupported { function: self.function() })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.function())
    }
}

/// An error from secpkg.
///
/// Its `Display` is one line without the underlying error, which
/// [`source`](std::error::Error::source) returns (libloading's, for the load errors), as the
/// Rust API guidelines ask: error reporters such as anyhow print the chain once.
///
/// ```no_run
/// match secpkg::query("Kerberos") {
///     Ok(info) => println!("Kerberos tokens are at most {} bytes", info.max_token),
///     Err(secpkg::Error::NotFound { .. }) => println!("no Kerberos here"),
///     Err(error) => eprintln!("{error}"),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The provider returned a failure status.
    Status {
        /// The call that failed.
        operation: Operation,
        /// Its status, with the SDK name when it is a known one.
        status: Status,
    },
    /// No security package has that name (`SEC_E_SECPKG_NOT_FOUND`).
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// No security package has that name exactly, and several have it ignoring case (a provider
    /// that matches names exactly may list names that differ only in case).
    Ambiguous {
        /// The name asked for.
        name: String,
        /// The listed names equal to it ignoring case, in the provider's order.
        candidates: Vec<String>,
    },
    /// The name cannot be passed to the provider as it is.
    InvalidName {
        /// The name given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// An argument cannot be passed to the provider as it is (a string with a NUL inside, a token
    /// buffer smaller than the package's largest token, a request secpkg does not offer).
    InvalidArgument {
        /// Which argument, as the method's documentation names it.
        argument: &'static str,
        /// Why it was refused, in words (its wording is not part of the API).
        reason: String,
    },
    /// The provider still asked for another leg after the most an exchange may take (a
    /// context's `max_legs`): an exchange that does not end is stopped rather than run for ever.
    TooManyLegs {
        /// The most legs the context was to take.
        limit: u32,
    },
    /// The context takes no further leg: its exchange is complete, or an earlier leg failed.
    ExchangeOver {
        /// Which, in words.
        reason: &'static str,
    },
    /// The provider's function table lacks a function the operation needs.
    Unsupported {
        /// The missing function.
        function: &'static str,
    },
    /// The provider (or GSSAPI library) returned something that breaks its contract.
    InvalidData {
        /// Which output was wrong, as the SDK names it: [`InvalidItem`] lists them.
        item: InvalidItem,
        /// What was wrong with it, in words (for people; its wording is not part of the API).
        what: String,
    },
    /// The provider library could not be loaded.
    Load {
        /// The library's path.
        path: PathBuf,
        /// Why loading failed.
        source: LoadError,
    },
    /// The library loaded, but exports no `InitSecurityInterfaceW`.
    NotAProvider {
        /// The library's path.
        path: PathBuf,
        /// Why loading failed.
        source: LoadError,
    },
    /// No provider was found on this system: none of the libraries tried loads.
    NoProvider {
        /// The library tried, each with why it did not load (an [`Error::Load`] each), in the
        /// order tried.
        tried: Vec<Error>,
    },
    /// A GSSAPI call failed: `GSS_ERROR(major)`.
    #[cfg(all(unix, feature = "gssapi"))]
    Gssapi {
        /// The GSSAPI function.
        call: &'static str,
        /// Its major status (RFC 2744 routine and calling error bits).
        major: u32,
        /// Its minor (mechanism-specific) status.
        minor: u32,
        /// The library's words for the status (`gss_display_status`: the minor status's, else
        /// the major's), where it was asked: for the context exchange's calls.
        message: Option<String>,
    },
    /// A GSSAPI library could not be loaded, or lacks a required function.
    #[cfg(all(unix, feature = "gssapi"))]
    GssapiLoad {
        /// The library's path or soname.
        path: PathBuf,
        /// Why loading failed (its message names the missing symbol).
        source: LoadError,
    },
    /// A name or credential of one GSSAPI library was given to another, which would read it as
    /// its own: refused before any call.
    #[cfg(all(unix, feature = "gssapi"))]
    GssapiForeign {
        /// What was given: `"name"` or `"credential"`.
        object: &'static str,
        /// The library it was given to ([`crate::gssapi::Gssapi::library_name`]).
        library: String,
    },
    /// No GSSAPI library was found on this system: none of the libraries tried loads.
    #[cfg(all(unix, feature = "gssapi"))]
    NoGssapi {
        /// The libraries tried, each with why it did not load (an [`Error::GssapiLoad`] each).
        tried: Vec<Error>,
    },
}

/// Which provider output an [`Error::InvalidData`] is about: what a program can match on,
/// while the error's `what` says in words what was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidItem {
    /// The `SecurityFunctionTableW` of `InitSecurityInterfaceW` (or given to
    /// [`Provider::from_table_ptr`](crate::Provider::from_table_ptr)): null, misaligned, or of
    /// `dwVersion` 0.
    FunctionTable,
    /// The record array of `EnumerateSecurityPackagesW`: null with a non-zero count, misaligned,
    /// or too large.
    PackageArray,
    /// The record of `QuerySecurityPackageInfoW`: null on success, or misaligned.
    PackageRecord,
    /// A record's `Name`: null, misaligned, or not UTF-16.
    PackageName,
    /// A record's `Comment`: misaligned, or not UTF-16.
    PackageComment,
    /// The output token of a leg: longer than the buffer given, or moved to memory secpkg did
    /// not give (without `ISC_REQ_ALLOCATE_MEMORY`, which secpkg does not ask for).
    OutputToken,
    /// The output buffer's `BufferType`: another type than the `SECBUFFER_TOKEN` asked for.
    OutputBufferType,
    /// The output `SecBufferDesc`: its buffer count or buffer array changed by the provider.
    OutputBufferDesc,
    /// The record of `SECPKG_ATTR_PACKAGE_INFO` (`SecPkgContext_PackageInfoW.PackageInfo`):
    /// null or misaligned on success.
    ContextPackage,
    /// The record of `SECPKG_ATTR_NEGOTIATION_INFO`
    /// (`SecPkgContext_NegotiationInfoW.PackageInfo`): null or misaligned on success, or naming
    /// a package the provider does not list.
    NegotiatedPackage,
    /// An OID a GSSAPI function returned: truncated, null with a length, or not an OID.
    #[cfg(all(unix, feature = "gssapi"))]
    GssapiOid,
    /// An OID set a GSSAPI function returned: null elements with a count, or too large.
    #[cfg(all(unix, feature = "gssapi"))]
    GssapiOidSet,
    /// A buffer a GSSAPI function returned (a token): null with a length, or too large.
    #[cfg(all(unix, feature = "gssapi"))]
    GssapiBuffer,
    /// A GSSAPI context exchange that breaks RFC 2743: a side that needs a token it did not
    /// ask for, a token for a peer that had completed, no end within `gssapi::MAX_LEGS` tokens.
    #[cfg(all(unix, feature = "gssapi"))]
    GssapiContext,
}

impl InvalidItem {
    /// The item as the SDK (or RFC 2744) names it: `"SecurityFunctionTableW"`, `"SecPkgInfoW.Name"`.
    #[must_use]
    pub const fn sdk_name(self) -> &'static str {
        match self {
            InvalidItem::FunctionTable => "SecurityFunctionTableW",
            InvalidItem::PackageArray => "SecPkgInfoW array",
            InvalidItem::PackageRecord => "SecPkgInfoW",
            InvalidItem::PackageName => "SecPkgInfoW.Name",
            InvalidItem::PackageComment => "SecPkgInfoW.Comment",
            InvalidItem::OutputToken => "SecBuffer (output token)",
            InvalidItem::OutputBufferType => "SecBuffer.BufferType",
            InvalidItem::OutputBufferDesc => "SecBufferDesc (output)",
            InvalidItem::ContextPackage => "SecPkgContext_PackageInfoW.PackageInfo",
            InvalidItem::NegotiatedPackage => "SecPkgContext_NegotiationInfoW.PackageInfo",
            #[cfg(all(unix, feature = "gssapi"))]
            InvalidItem::GssapiOid => "gss_OID",
            #[cfg(all(unix, feature = "gssapi"))]
            InvalidItem::GssapiOidSet => "gss_OID_set",
            #[cfg(all(unix, feature = "gssapi"))]
            InvalidItem::GssapiBuffer => "gss_buffer_desc",
            #[cfg(all(unix, feature = "gssapi"))]
            InvalidItem::GssapiContext => "gss_ctx_id_t",
        }
    }
}

impl fmt::Display for InvalidItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sdk_name())
    }
}

/// Why a library did not load, or lacks a symbol: the loader's error (`dlopen`'s or
/// `LoadLibraryExW`'s message, with the OS error as its [`source`](std::error::Error::source)).
///
/// Its own type, so that secpkg's API does not depend on the loader crate it uses.
pub struct LoadError(libloading::Error);

impl LoadError {
    pub(crate) fn new(error: libloading::Error) -> LoadError {
        LoadError(error)
    }
}

impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status { operation, status } => write!(f, "{operation} failed: {status} ({:#010x})", status.value()),
            Self::NotFound { name } => write!(f, "no security package named '{name}'"),
            Self::Ambiguous { name, candidates } => {
                let candidates: Vec<String> = candidates.iter().map(|c| format!("'{c}'")).collect();
                write!(
                    f,
                    "no security package named '{name}'; ignoring case, several packages match: {}",
                    candidates.join(", ")
                )
            }
            Self::InvalidName { name, reason } => write!(f, "invalid security package name {name:?}: {reason}"),
            Self::InvalidArgument { argument, reason } => write!(f, "invalid {argument}: {reason}"),
            Self::TooManyLegs { limit } => {
                write!(f, "the exchange did not end within {limit} legs: the provider kept asking for more")
            }
            Self::ExchangeOver { reason } => write!(f, "the context takes no further token: {reason}"),
            Self::Unsupported { function } if function.starts_with("gss_") => {
                write!(f, "the GSSAPI library was given without {function} (see Gssapi::with_context_functions)")
            }
            Self::Unsupported { function } => {
                write!(f, "the provider does not implement {function} (its function table has a null pointer there)")
            }
            Self::InvalidData { what, .. } => write!(f, "the provider returned invalid data: {what}"),
            Self::Load { path, .. } => write!(f, "cannot load the SSPI provider {}", path.display()),
            Self::NotAProvider { path, .. } => {
                write!(f, "{} is not an SSPI provider: it exports no InitSecurityInterfaceW", path.display())
            }
            Self::NoProvider { tried } => write!(
                f,
                "no SSPI provider found: install FreeRDP's WinPR (Debian: apt install libwinpr2-2), or name a \
                 library that exports InitSecurityInterfaceW (tried {})",
                tried_text(tried)
            ),
            #[cfg(all(unix, feature = "gssapi"))]
            Self::Gssapi { call, major, minor, message: None } => {
                write!(f, "{call} failed: major status {major:#010x}, minor status {minor:#x}")
            }
            #[cfg(all(unix, feature = "gssapi"))]
            Self::Gssapi { call, major, minor, message: Some(message) } => {
                write!(f, "{call} failed: {message} (major status {major:#010x}, minor status {minor:#x})")
            }
            #[cfg(all(unix, feature = "gssapi"))]
            Self::GssapiLoad { path, .. } => write!(f, "cannot load the GSSAPI library {}", path.display()),
            #[cfg(all(unix, feature = "gssapi"))]
            Self::GssapiForeign { object, library } => {
                write!(f, "the {object} belongs to another GSSAPI library than {library}")
            }
            #[cfg(all(unix, feature = "gssapi"))]
            Self::NoGssapi { tried } => write!(
                f,
                "no GSSAPI library found: install MIT Kerberos (Debian: apt install libgssapi-krb5-2) or Heimdal \
                 (libgssapi3-heimdal), or name a GSSAPI library (tried {})",
                tried_text(tried)
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Load { source, .. } | Self::NotAProvider { source, .. } => Some(source),
            #[cfg(all(unix, feature = "gssapi"))]
            Self::GssapiLoad { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// The provider's status, when the error carries one.
    #[must_use]
    pub fn status(&self) -> Option<Status> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::NotFound { .. } | Error::Ambiguous { .. } => Some(Status::SEC_E_SECPKG_NOT_FOUND),
            _ => None,
        }
    }

    /// The SSPI call that failed, when the error comes from one.
    #[must_use]
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Status { operation, .. } => Some(*operation),
            Error::NotFound { .. } | Error::Ambiguous { .. } => Some(Operation::QuerySecurityPackageInfo),
            Error::Load { .. } | Error::NotAProvider { .. } | Error::NoProvider { .. } => {
                Some(Operation::InitSecurityInterface)
            }
            _ => None,
        }
    }
}

impl From<Error> for std::io::Error {
    fn from(error: Error) -> Self {
        use std::io::ErrorKind;
        let kind = match &error {
            Error::NotFound { .. } | Error::Ambiguous { .. } | Error::NoProvider { .. } => ErrorKind::NotFound,
            #[cfg(all(unix, feature = "gssapi"))]
            Error::NoGssapi { .. } => ErrorKind::NotFound,
            Error::InvalidName { .. } | Error::InvalidArgument { .. } => ErrorKind::InvalidInput,
            #[cfg(all(unix, feature = "gssapi"))]
            Error::GssapiForeign { .. } => ErrorKind::InvalidInput,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::InvalidData { .. } => ErrorKind::InvalidData,
            _ => ErrorKind::Other,
        };
        std::io::Error::new(kind, error)
    }
}

/// `NAME: why; NAME: why`, each tried library's load error with its causes: the loader's own
/// message ("dlopen failed") says what failed and its source says why.
fn tried_text(tried: &[Error]) -> String {
    let each = tried.iter().map(|error| match error {
        Error::Load { path, source } => format!("{}: {}", path.display(), chain(source)),
        #[cfg(all(unix, feature = "gssapi"))]
        Error::GssapiLoad { path, source } => format!("{}: {}", path.display(), chain(source)),
        other => chain(other),
    });
    each.collect::<Vec<_>>().join("; ")
}

/// `error` and each error under it, joined by ": ".
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line = format!("{line}: {cause}");
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::{Error, LoadError};

    #[test]
    fn errors_box_into_dyn_error_send_sync() {
        fn boxes<T: std::error::Error + Send + Sync + 'static>() {}
        boxes::<Error>();
        boxes::<LoadError>();
    }

    /// The load error keeps the loader's message and its source chain; NoProvider says what
    /// to install and lists each library tried with that chain.
    #[cfg(unix)]
    #[test]
    fn no_provider_lists_each_library_tried_with_its_load_error() {
        use std::error::Error as _;
        let path = "/nonexistent/libsecpkg-none.so";
        // SAFETY: the file does not exist: nothing is loaded or run.
        let source = unsafe { libloading::Library::new(path) }.unwrap_err();
        let loader_text = source.to_string();
        let load = Error::Load { path: path.into(), source: LoadError::new(source) };
        let Some(cause) = load.source() else { panic!("{load:?}") };
        assert_eq!(cause.to_string(), loader_text);
        // libloading's "dlopen failed", whose own source is dlerror's text: still reachable.
        let Some(why) = cause.source().map(ToString::to_string) else { panic!("{cause:?}") };
        assert!(why.contains("libsecpkg-none.so"), "{why}");
        let error = Error::NoProvider { tried: vec![load] };
        let text = error.to_string();
        assert!(text.starts_with("no SSPI provider found: install FreeRDP's WinPR"), "{text}");
        assert!(text.ends_with(&format!("(tried {path}: {loader_text}: {why})")), "{text}");
        assert_eq!(std::io::Error::from(error).kind(), std::io::ErrorKind::NotFound);
    }
}
