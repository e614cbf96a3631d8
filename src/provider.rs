//! An SSPI provider: one function table, from code that stays loaded for good.

use crate::packages::{Packages, ProviderBuffer};
use crate::wide::to_wide;
use crate::{Error, InterfaceVersion, Operation, PackageInfo};
use secpkg_sys::{
    ENUMERATE_SECURITY_PACKAGES_FN_W, FREE_CONTEXT_BUFFER_FN, QUERY_SECURITY_PACKAGE_INFO_FN_W, SEC_E_OK,
    SEC_E_SECPKG_NOT_FOUND, SecPkgInfoW, SecurityFunctionTableW,
};
use std::path::Path;

/// The library names tried, in order, by [`Provider::system`] outside Windows: FreeRDP's WinPR.
#[cfg(not(windows))]
pub const UNIX_PROVIDERS: &[&str] = &["libwinpr3.so.3", "libwinpr2.so.2"];

/// One SSPI provider: the functions of its `SecurityFunctionTableW` that secpkg calls.
///
/// A library loaded as a provider stays loaded for the rest of the process: providers keep
/// global tables and thread-local state, and unloading one while any thread may still run its
/// code (or its thread-local destructors) crashes. Loading and initialising is serialised, since
/// providers such as WinPR build their tables on first use without a lock.
///
/// `Provider` is `Send` and `Sync`: SSPI functions may be called from any thread, and the
/// enumeration and query functions keep no per-caller state. A provider must honour that, and:
/// return buffers that stay valid until given to its own `FreeContextBuffer`; give NUL-terminated
/// UTF-16 `Name` and `Comment` strings; and write its out-parameters only on success, or write
/// nothing that secpkg reads (secpkg reads them only on `SEC_E_OK`).
#[derive(Debug)]
pub struct Provider {
    version: u32,
    enumerate: ENUMERATE_SECURITY_PACKAGES_FN_W,
    query: QUERY_SECURITY_PACKAGE_INFO_FN_W,
    free: FREE_CONTEXT_BUFFER_FN,
    origin: String,
}

// SAFETY: the fields are function pointers into a provider that is never unloaded; the SSPI
// contract above makes the functions callable from any thread.
unsafe impl Send for Provider {}
// SAFETY: as for Send; no method takes `&self` to mutate anything.
unsafe impl Sync for Provider {}

impl Provider {
    /// The system's provider.
    ///
    /// On Windows, `InitSecurityInterfaceW` of secur32.dll. Elsewhere, the library named by the
    /// environment variable `SECPKG_PROVIDER` (if set and not empty), else FreeRDP's WinPR
    /// ([`UNIX_PROVIDERS`]).
    pub fn system() -> Result<Provider, Error> {
        #[cfg(windows)]
        {
            // SAFETY: secur32's InitSecurityInterfaceW takes no arguments and returns a pointer
            // to its static function table, or null.
            let table = unsafe { secpkg_sys::InitSecurityInterfaceW() };
            // SAFETY: a non-null table from secur32 is a valid, static SecurityFunctionTableW.
            unsafe { Self::from_table_ptr(table, "secur32.dll".to_owned()) }
        }
        #[cfg(not(windows))]
        {
            if let Some(path) = std::env::var_os("SECPKG_PROVIDER").filter(|path| !path.is_empty()) {
                return Self::load(path);
            }
            let mut tried = Vec::new();
            for name in UNIX_PROVIDERS {
                match Self::load(name) {
                    Err(Error::Load { source, .. }) => tried.push(format!("{name}: {source}")),
                    found => return found,
                }
            }
            Err(Error::NoProvider {
                hint: format!(
                    "install FreeRDP's WinPR (Debian: apt install libwinpr2-2) or set SECPKG_PROVIDER \
                     to a library that exports InitSecurityInterfaceW (tried {})",
                    tried.join("; ")
                ),
            })
        }
    }

    /// Loads a provider library (a DLL or shared object exporting `InitSecurityInterfaceW`).
    ///
    /// Loading runs the library's initialisation code: name only libraries you trust as SSPI
    /// providers.
    pub fn load(path: impl AsRef<Path>) -> Result<Provider, Error> {
        let path = path.as_ref();
        let load_error = |source| Error::Load { path: path.to_owned(), source };
        static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _serial = LOADING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // SAFETY: the caller names this library as an SSPI provider; running its initialisers is
        // what loading one means.
        let library = unsafe { libloading::Library::new(path) }.map_err(load_error)?;
        type InitSecurityInterfaceW = unsafe extern "system" fn() -> *mut SecurityFunctionTableW;
        // SAFETY: an SSPI provider exports InitSecurityInterfaceW with exactly this signature.
        let init = unsafe { library.get::<InitSecurityInterfaceW>(b"InitSecurityInterfaceW\0") }
            .map_err(|source| Error::NotAProvider { path: path.to_owned(), source })?;
        // SAFETY: as above; it takes no arguments and returns its table or null.
        let table = unsafe { init() };
        std::mem::forget(library);
        // SAFETY: a non-null table is the provider's SecurityFunctionTableW, valid while the
        // library stays loaded, which is for good since its handle was just leaked.
        unsafe { Self::from_table_ptr(table, path.display().to_string()) }
    }

    /// A provider from a function table, for embedders and tests.
    ///
    /// # Safety
    /// Every non-null function in `table` must follow the SSPI contract described on
    /// [`Provider`] and stay callable for the life of the returned value.
    pub unsafe fn from_table(table: &SecurityFunctionTableW, origin: impl Into<String>) -> Provider {
        Provider {
            version: table.dwVersion,
            enumerate: table.EnumerateSecurityPackagesW,
            query: table.QuerySecurityPackageInfoW,
            free: table.FreeContextBuffer,
            origin: origin.into(),
        }
    }

    /// # Safety
    /// `table` is null or a valid table whose functions stay loaded for good.
    unsafe fn from_table_ptr(table: *const SecurityFunctionTableW, origin: String) -> Result<Provider, Error> {
        // SAFETY: guaranteed by the caller.
        let Some(table) = (unsafe { table.as_ref() }) else {
            return Err(Error::InvalidData { what: format!("InitSecurityInterfaceW of {origin} returned no table") });
        };
        // SAFETY: the table's functions come from the provider, whose contract the caller accepts.
        Ok(unsafe { Self::from_table(table, origin) })
    }

    /// Where the provider comes from: `secur32.dll`, a library path, or the `from_table` origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The table's `dwVersion`.
    pub fn interface_version(&self) -> InterfaceVersion {
        InterfaceVersion::from_value(self.version)
    }

    /// Every security package the provider offers, in the provider's buffer.
    pub fn packages(&self) -> Result<Packages<'_>, Error> {
        let enumerate = Operation::EnumerateSecurityPackages.require(self.enumerate)?;
        let free = Operation::FreeContextBuffer.require(self.free)?;
        let mut count = 0u32;
        let mut array: *mut SecPkgInfoW = std::ptr::null_mut();
        // SAFETY: both out-pointers are valid for writes; the provider fills them on success.
        let status = unsafe { enumerate(&mut count, &mut array) };
        if status != SEC_E_OK {
            // The out-parameters are not trusted on failure: nothing is read or freed.
            return Err(Operation::EnumerateSecurityPackages.failed(status));
        }
        if array.is_null() && count != 0 {
            return Err(Error::InvalidData {
                what: format!("EnumerateSecurityPackagesW returned {count} packages and a null array"),
            });
        }
        // SAFETY: on success the provider returned `count` records at `array`, allocated for
        // its FreeContextBuffer, which the buffer frees once.
        Ok(Packages::new(unsafe { ProviderBuffer::new(array, count as usize, free) }))
    }

    /// The attributes of the package named `name`, matched as the provider matches: Windows
    /// ignores case, some other providers (WinPR) do not.
    pub fn query(&self, name: &str) -> Result<PackageInfo, Error> {
        let query = Operation::QuerySecurityPackageInfo.require(self.query)?;
        let free = Operation::FreeContextBuffer.require(self.free)?;
        let mut wide = to_wide(name)?;
        let mut record: *mut SecPkgInfoW = std::ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated and outlives the call; `record` is valid for writes.
        let status = unsafe { query(wide.as_mut_ptr(), &mut record) };
        match status {
            SEC_E_OK if record.is_null() => {
                Err(Error::InvalidData { what: "QuerySecurityPackageInfoW succeeded with a null record".into() })
            }
            // SAFETY: on success `record` is one record allocated for the provider's
            // FreeContextBuffer, which the buffer frees once.
            SEC_E_OK => unsafe { ProviderBuffer::new(record, 1, free) }.into_single(),
            SEC_E_SECPKG_NOT_FOUND => Err(Error::NotFound { name: name.to_owned() }),
            status => Err(Operation::QuerySecurityPackageInfo.failed(status)),
        }
    }
}
