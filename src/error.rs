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
    /// The provider's function table lacks a function the operation needs.
    Unsupported {
        /// The missing function.
        function: &'static str,
    },
    /// The provider returned something that breaks the SSPI contract.
    InvalidData {
        /// What was wrong.
        what: String,
    },
    /// The provider library could not be loaded.
    Load {
        /// The library's path.
        path: PathBuf,
        /// Why loading failed.
        source: libloading::Error,
    },
    /// The library loaded, but exports no `InitSecurityInterfaceW`.
    NotAProvider {
        /// The library's path.
        path: PathBuf,
        /// Why loading failed.
        source: libloading::Error,
    },
    /// No provider was found on this system.
    NoProvider {
        /// What to install or set.
        hint: String,
    },
    /// A GSSAPI call failed: `GSS_ERROR(major)`.
    Gssapi {
        /// The GSSAPI function.
        call: &'static str,
        /// Its major status (RFC 2744 routine and calling error bits).
        major: u32,
        /// Its minor (mechanism-specific) status.
        minor: u32,
    },
    /// A GSSAPI library could not be loaded, or lacks a required function.
    GssapiLoad {
        /// The library's path or soname.
        path: PathBuf,
        /// Why loading failed (libloading's message names the missing symbol).
        source: libloading::Error,
    },
    /// No GSSAPI library was found on this system.
    NoGssapi {
        /// What to install or set.
        hint: String,
    },
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
            Self::Unsupported { function } => {
                write!(f, "the provider does not implement {function} (its function table has a null pointer there)")
            }
            Self::InvalidData { what } => write!(f, "the provider returned invalid data: {what}"),
            Self::Load { path, .. } => write!(f, "cannot load the SSPI provider {}", path.display()),
            Self::NotAProvider { path, .. } => {
                write!(f, "{} is not an SSPI provider: it exports no InitSecurityInterfaceW", path.display())
            }
            Self::NoProvider { hint } => write!(f, "no SSPI provider found: {hint}"),
            Self::Gssapi { call, major, minor } => {
                write!(f, "{call} failed: major status {major:#010x}, minor status {minor:#x}")
            }
            Self::GssapiLoad { path, .. } => write!(f, "cannot load the GSSAPI library {}", path.display()),
            Self::NoGssapi { hint } => write!(f, "no GSSAPI library found: {hint}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Load { source, .. } | Self::NotAProvider { source, .. } | Self::GssapiLoad { source, .. } => {
                Some(source)
            }
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
            Error::NotFound { .. } | Error::Ambiguous { .. } | Error::NoProvider { .. } | Error::NoGssapi { .. } => {
                ErrorKind::NotFound
            }
            Error::InvalidName { .. } => ErrorKind::InvalidInput,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::InvalidData { .. } => ErrorKind::InvalidData,
            _ => ErrorKind::Other,
        };
        std::io::Error::new(kind, error)
    }
}

/// `error` and each error under it, joined by ": ": libloading's own message ("dlopen failed")
/// says what failed and its source says why. (Windows loads secur32 without libloading.)
#[cfg(any(not(windows), feature = "conformance"))]
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line = format!("{line}: {cause}");
        source = cause.source();
    }
    line
}
