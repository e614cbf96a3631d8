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
    pub const fn function(self) -> &'static str {
        match self {
            Operation::InitSecurityInterface => "InitSecurityInterfaceW",
            Operation::EnumerateSecurityPackages => "EnumerateSecurityPackagesW",
            Operation::QuerySecurityPackageInfo => "QuerySecurityPackageInfoW",
            Operation::FreeContextBuffer => "FreeContextBuffer",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.function())
    }
}

/// An error from secpkg.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider returned a failure status.
    #[error("{operation} failed: {status} ({raw:#010x})", raw = status.raw())]
    Status {
        /// The call that failed.
        operation: Operation,
        /// Its status, with the SDK name when it is a known one.
        status: Status,
    },
    /// No security package has that name (`SEC_E_SECPKG_NOT_FOUND`).
    #[error("no security package named '{name}'")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// The name cannot be passed to the provider as it is.
    #[error("invalid security package name {name:?}: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The provider's function table lacks a function the operation needs.
    #[error("the provider does not implement {function} (its function table has a null pointer there)")]
    Unsupported {
        /// The missing function.
        function: &'static str,
    },
    /// The provider returned something that breaks the SSPI contract.
    #[error("the provider returned invalid data: {what}")]
    InvalidData {
        /// What was wrong.
        what: String,
    },
    /// The provider library could not be loaded.
    #[error("cannot load the SSPI provider {}: {source}", path.display())]
    Load {
        /// The library's path.
        path: PathBuf,
        /// Why loading failed.
        #[source]
        source: libloading::Error,
    },
    /// The library loaded, but exports no `InitSecurityInterfaceW`.
    #[error("{} is not an SSPI provider: it exports no InitSecurityInterfaceW ({source})", path.display())]
    NotAProvider {
        /// The library's path.
        path: PathBuf,
        /// Why loading failed.
        #[source]
        source: libloading::Error,
    },
    /// No provider was found on this system.
    #[error("no SSPI provider found: {hint}")]
    NoProvider {
        /// What to install or set.
        hint: String,
    },
    /// A GSSAPI call failed: `GSS_ERROR(major)`.
    #[error("{call} failed: major status {major:#010x}, minor status {minor:#x}")]
    Gssapi {
        /// The GSSAPI function.
        call: &'static str,
        /// Its major status (RFC 2744 routine and calling error bits).
        major: u32,
        /// Its minor (mechanism-specific) status.
        minor: u32,
    },
    /// A GSSAPI library could not be loaded, or lacks a required function.
    #[error("cannot load the GSSAPI library {}: {source}", path.display())]
    GssapiLoad {
        /// The library's path or soname.
        path: PathBuf,
        /// Why loading failed (libloading's message names the missing symbol).
        #[source]
        source: libloading::Error,
    },
    /// No GSSAPI library was found on this system.
    #[error("no GSSAPI library found: {hint}")]
    NoGssapi {
        /// What to install or set.
        hint: String,
    },
}

impl Error {
    /// The provider's status, when the error carries one.
    pub fn status(&self) -> Option<Status> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::NotFound { .. } => Some(Status::SEC_E_SECPKG_NOT_FOUND),
            _ => None,
        }
    }

    /// The SSPI call that failed, when the error comes from one.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Status { operation, .. } => Some(*operation),
            Error::NotFound { .. } => Some(Operation::QuerySecurityPackageInfo),
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
            Error::NotFound { .. } | Error::NoProvider { .. } | Error::NoGssapi { .. } => ErrorKind::NotFound,
            Error::InvalidName { .. } => ErrorKind::InvalidInput,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::InvalidData { .. } => ErrorKind::InvalidData,
            _ => ErrorKind::Other,
        };
        std::io::Error::new(kind, error)
    }
}
