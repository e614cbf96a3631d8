//! An SSPI provider: one function table, from code that stays loaded for good, called under the
//! lock its library needs.

use crate::packages::{Packages, ProviderBuffer, QueriedPackage};
use crate::{Error, InterfaceVersion, Operation, PackageInfo, PackageName};
use secpkg_sys::{
    ENUMERATE_SECURITY_PACKAGES_FN_W, FREE_CONTEXT_BUFFER_FN, QUERY_SECURITY_PACKAGE_INFO_FN_W, SEC_E_OK,
    SEC_E_SECPKG_NOT_FOUND, SecPkgInfoW, SecurityFunctionTableW,
};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The library names tried, in order, by [`Provider::system`] outside Windows: FreeRDP's WinPR.
pub const UNIX_PROVIDERS: &[&str] = &["libwinpr3.so.3", "libwinpr2.so.2"];

/// The environment variable that [`Provider::from_env`] (and the `secpkg` command) read: the
/// path of a provider library to use instead of the system's.
pub const PROVIDER_VAR: &str = "SECPKG_PROVIDER";

/// One SSPI provider: the functions of its `SecurityFunctionTableW` that secpkg calls.
///
/// # The provider's obligations
///
/// Every `unsafe` block that calls a provider or reads what it returned relies on these, and
/// names them by number:
///
/// 1. **Signatures.** The table's functions have the signatures of sspi.h, only read their `[in]`
///    parameter (the package name), and stay callable for as long as the `Provider` lives (a
///    library is never unloaded, see below).
/// 2. **Out-parameters on success.** `EnumerateSecurityPackagesW` returning `SEC_E_OK` has
///    written a count and a pointer to exactly that many initialised `SecPkgInfoW` records (or
///    null with a count of 0); `QuerySecurityPackageInfoW` returning `SEC_E_OK` has written a
///    pointer to one. On failure secpkg reads neither, so the provider may write anything.
/// 3. **Buffers.** Records stay valid and unchanged until the pointer is given to this provider's
///    `FreeContextBuffer`, which secpkg does exactly once, on the thread that received it.
/// 4. **Strings.** `Name` and `Comment` are null or NUL-terminated UTF-16 inside that buffer.
/// 5. **Threads.** Calls may come from any thread, one at a time per library: secpkg serialises
///    every call into a library that is not known to be thread-safe (see below).
/// 6. **No callbacks.** The functions do not call back into secpkg (a call would wait for the
///    lock its caller holds).
///
/// What secpkg checks rather than trusts: a null array with a non-zero count, a record array
/// that is misaligned or whose byte size overflows `isize` or the address space, a null record
/// on success, misaligned strings and invalid UTF-16 are [`Error::InvalidData`], never a read.
///
/// # Threads
///
/// FreeRDP's WinPR 2.x, the provider of Linux, is not thread-safe: `sspi_winpr.c` keeps a
/// process-global table of the buffers it handed out, without a lock, grown with `realloc`,
/// and every enumerate, query and free touches it. So every call into a provider library goes
/// through a lock that is shared by every `Provider` with the same `FreeContextBuffer` (the same
/// library; the buffers' bookkeeping lives there), including the free in `Drop`. The only
/// exception is secur32.dll on Windows, which is thread-safe: Windows documents SSPI for
/// multithreaded services, and Wine's `dlls/secur32/sspi.c` guards its package table with a
/// critical section and allocates from the process heap.
///
/// # Loading
///
/// A library loaded as a provider stays loaded for the rest of the process: providers keep
/// global tables and thread-local state, and unloading one while any thread may still run its
/// code (or its thread-local destructors) crashes. Loading and initialising is serialised, since
/// providers such as WinPR build their tables on first use without a lock.
#[derive(Debug)]
pub struct Provider {
    version: u32,
    enumerate: ENUMERATE_SECURITY_PACKAGES_FN_W,
    query: QUERY_SECURITY_PACKAGE_INFO_FN_W,
    free: FREE_CONTEXT_BUFFER_FN,
    lock: CallLock,
    origin: PathBuf,
}

// SAFETY: the fields are function pointers into a provider that outlives the value (obligation
// 1), and every call through them holds the library's lock unless the library is thread-safe
// (obligation 5).
unsafe impl Send for Provider {}
// SAFETY: as for Send; no method takes `&self` to mutate anything of secpkg's.
unsafe impl Sync for Provider {}

impl Provider {
    /// The system's provider.
    ///
    /// On Windows, `InitSecurityInterfaceW` of secur32.dll. Elsewhere, the first of FreeRDP's
    /// WinPR libraries ([`UNIX_PROVIDERS`]) that loads. The environment is not read: see
    /// [`Provider::from_env`] for a provider the user names.
    pub fn system() -> Result<Provider, Error> {
        #[cfg(windows)]
        {
            // SAFETY: secur32's InitSecurityInterfaceW takes no arguments and returns a pointer
            // to its static function table, or null.
            let table = unsafe { secpkg_sys::InitSecurityInterfaceW() };
            // SAFETY: a non-null table from secur32 is a valid, static SecurityFunctionTableW
            // (obligation 1): secur32 is imported by this binary and never unloaded.
            let provider = unsafe { Self::from_table_ptr(table, "secur32.dll".into()) }?;
            // secur32 is thread-safe (see "Threads" above): no lock.
            Ok(Provider { lock: CallLock(None), ..provider })
        }
        #[cfg(not(windows))]
        {
            let mut tried = Vec::new();
            for name in UNIX_PROVIDERS {
                // SAFETY: these are the sonames of the system's WinPR, found by the dynamic
                // loader's own search (which ignores LD_LIBRARY_PATH in privileged processes);
                // WinPR exports InitSecurityInterfaceW with sspi.h's signature.
                match unsafe { Self::load(name) } {
                    Err(Error::Load { source, .. }) => tried.push(format!("{name}: {}", crate::error::chain(&source))),
                    found => return found,
                }
            }
            Err(Error::NoProvider {
                hint: format!(
                    "install FreeRDP's WinPR (Debian: apt install libwinpr2-2), or name a library \
                     that exports InitSecurityInterfaceW (tried {})",
                    tried.join("; ")
                ),
            })
        }
    }

    /// The provider the user names with the environment variable `SECPKG_PROVIDER`
    /// ([`PROVIDER_VAR`]), else [`Provider::system`].
    ///
    /// The variable is ignored when it is empty, and in a process running with elevated
    /// privileges (setuid, setgid or file capabilities: the kernel's `AT_SECURE`), where the
    /// environment belongs to a less privileged user, as glibc ignores `LD_PRELOAD` there.
    ///
    /// # Safety
    /// As [`Provider::load`], for the library the variable names: whoever sets the environment
    /// chooses code that this process runs.
    pub unsafe fn from_env() -> Result<Provider, Error> {
        match Self::named_by_env() {
            // SAFETY: the caller vouches for the library the variable names.
            Some(path) => unsafe { Self::load(path) },
            None => Self::system(),
        }
    }

    /// The library `SECPKG_PROVIDER` names, as [`Provider::from_env`] reads it: `None` when it is
    /// unset or empty, or in a privileged process.
    #[must_use]
    pub fn named_by_env() -> Option<std::path::PathBuf> {
        crate::env::library_var(PROVIDER_VAR).map(Into::into)
    }

    /// Loads a provider library (a DLL or shared object exporting `InitSecurityInterfaceW`).
    ///
    /// # Safety
    /// Loading runs the library's initialisers, and calls its `InitSecurityInterfaceW`: the
    /// library must be an SSPI provider that keeps the obligations listed on [`Provider`]
    /// (1 to 4 and 6; secpkg takes care of 5 by serialising its calls).
    pub unsafe fn load(path: impl AsRef<Path>) -> Result<Provider, Error> {
        let path = path.as_ref();
        let load_error = |source| Error::Load { path: path.to_owned(), source };
        let _serial = serialise_loading();
        // SAFETY: the caller names this library as an SSPI provider; running its initialisers is
        // what loading one means.
        let library = unsafe { libloading::Library::new(path) }.map_err(load_error)?;
        type InitSecurityInterfaceW = unsafe extern "system" fn() -> *mut SecurityFunctionTableW;
        // SAFETY: an SSPI provider exports InitSecurityInterfaceW with exactly this signature
        // (obligation 1, vouched for by the caller).
        let init = unsafe { library.get::<InitSecurityInterfaceW>(b"InitSecurityInterfaceW\0") }
            .map_err(|source| Error::NotAProvider { path: path.to_owned(), source })?;
        // SAFETY: as above; it takes no arguments and returns its table or null. It runs under
        // `LOADING`, since WinPR builds its tables on first use without a lock.
        let table = unsafe { init() };
        std::mem::forget(library);
        // SAFETY: a non-null table is the provider's SecurityFunctionTableW, valid while the
        // library stays loaded, which is for good since its handle was just leaked.
        unsafe { Self::from_table_ptr(table, path.to_owned()) }
    }

    /// A provider from a function table, for embedders and tests. Its calls are serialised with
    /// those of every other `Provider` that has the same `FreeContextBuffer` function: give the
    /// table the library's `InitSecurityInterfaceW` returns, not one built from its exported
    /// symbols (which may be other addresses, such as wrappers). secpkg cannot serialise other
    /// code in the process that calls the same library directly.
    ///
    /// # Safety
    /// Every non-null function in `table` must keep the obligations listed on [`Provider`] (1
    /// to 4, and 6) and stay callable for the life of the returned value.
    pub unsafe fn from_table(table: &SecurityFunctionTableW, origin: impl Into<PathBuf>) -> Provider {
        Provider {
            version: table.dwVersion,
            enumerate: table.EnumerateSecurityPackagesW,
            query: table.QuerySecurityPackageInfoW,
            free: table.FreeContextBuffer,
            lock: CallLock::for_library(table.FreeContextBuffer.map_or(0, |free| free as usize)),
            origin: origin.into(),
        }
    }

    /// # Safety
    /// `table` is null or a valid table whose functions stay loaded for good.
    unsafe fn from_table_ptr(table: *const SecurityFunctionTableW, origin: PathBuf) -> Result<Provider, Error> {
        // SAFETY: guaranteed by the caller.
        let Some(table) = (unsafe { table.as_ref() }) else {
            return Err(Error::InvalidData {
                what: format!("InitSecurityInterfaceW of {} returned no table", origin.display()),
            });
        };
        // SAFETY: the table's functions come from the provider, whose obligations the caller
        // accepts.
        Ok(unsafe { Self::from_table(table, origin) })
    }

    /// Where the provider comes from: `secur32.dll`, the library's path as it was loaded (not
    /// necessarily UTF-8), or the `from_table` origin.
    #[must_use]
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// The table's `dwVersion`.
    #[must_use]
    pub fn interface_version(&self) -> InterfaceVersion {
        InterfaceVersion::from_value(self.version)
    }

    /// Runs `call`, a call into the provider's library, under the library's lock.
    #[inline]
    pub(crate) fn call<R>(&self, call: impl FnOnce() -> R) -> R {
        let _serial = self.lock.hold();
        call()
    }

    /// Gives `buffer` back to the provider's `FreeContextBuffer`, returning its status. A buffer
    /// exists only where the table has a `FreeContextBuffer` (`packages` and `query_in_place`
    /// check first).
    ///
    /// # Safety
    /// `buffer` came from this provider and is not used or freed again.
    #[inline]
    pub(crate) unsafe fn free(&self, buffer: *mut SecPkgInfoW) -> i32 {
        let Some(free) = self.free else { return SEC_E_OK };
        // SAFETY: obligation 3, with the caller's promise that this is the buffer's only free.
        self.call(|| unsafe { free(buffer.cast()) })
    }

    /// Every security package the provider offers, in the provider's buffer.
    pub fn packages(&self) -> Result<Packages<'_>, Error> {
        let enumerate = Operation::EnumerateSecurityPackages.require(self.enumerate)?;
        Operation::FreeContextBuffer.require(self.free)?;
        let mut count = 0u32;
        let mut array: *mut SecPkgInfoW = std::ptr::null_mut();
        // SAFETY: both out-pointers are valid for writes; obligation 2 says what the provider
        // writes there.
        let status = self.call(|| unsafe { enumerate(&mut count, &mut array) });
        if status != SEC_E_OK {
            // The out-parameters are not trusted on failure: nothing is read or freed.
            return Err(Operation::EnumerateSecurityPackages.failed(status));
        }
        // SAFETY: on success the provider returned `count` records at `array`, allocated for its
        // FreeContextBuffer (obligations 2 and 3), which the buffer calls once.
        let buffer = unsafe { ProviderBuffer::new(self, array, count) };
        let buffer = buffer
            .map_err(|what| Error::InvalidData { what: format!("EnumerateSecurityPackagesW returned {what}") })?;
        Ok(Packages::new(buffer))
    }

    /// The attributes of the package named `name`, owned, matched as the provider matches:
    /// Windows ignores case, some other providers (WinPR) do not.
    ///
    /// ```no_run
    /// let provider = secpkg::Provider::system()?;
    /// let negotiate = provider.query("Negotiate")?;
    /// let token_buffer = vec![0u8; negotiate.max_token as usize];
    /// # Ok::<(), secpkg::Error>(())
    /// ```
    pub fn query<'n>(&self, name: impl Into<PackageName<'n>>) -> Result<PackageInfo, Error> {
        self.query_in_place(name)?.into_info()
    }

    /// The attributes of the package named `name`, read in place from the provider's buffer,
    /// which is given back to its `FreeContextBuffer` exactly once: when the value is dropped,
    /// or by [`QueriedPackage::close`].
    ///
    /// ```no_run
    /// let provider = secpkg::Provider::system()?;
    /// let kerberos = provider.query_in_place("Kerberos")?;
    /// println!("{}: {} bytes", kerberos.package().name(), kerberos.package().max_token());
    /// # Ok::<(), secpkg::Error>(())
    /// ```
    pub fn query_in_place<'n>(&self, name: impl Into<PackageName<'n>>) -> Result<QueriedPackage<'_>, Error> {
        self.query_named(name.into())
    }

    fn query_named(&self, name: PackageName<'_>) -> Result<QueriedPackage<'_>, Error> {
        let query = Operation::QuerySecurityPackageInfo.require(self.query)?;
        Operation::FreeContextBuffer.require(self.free)?;
        let mut record: *mut SecPkgInfoW = std::ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated and outlives the call; the provider reads it and does
        // not write through it (obligation 1: sspi.h's `[in]` parameter); `record` is valid for
        // writes.
        let status = name.with_wide(|wide| self.call(|| unsafe { query(wide.cast_mut(), &mut record) }))?;
        if status == SEC_E_OK && !record.is_null() {
            // SAFETY: on success `record` is one record allocated for the provider's
            // FreeContextBuffer (obligations 2 and 3), which the buffer calls once (also when
            // `new` refuses the record).
            return match unsafe { ProviderBuffer::new(self, record, 1) } {
                Ok(buffer) => Ok(QueriedPackage::new(buffer)),
                Err(what) => Err(invalid_record(&what)),
            };
        }
        Err(query_failure(name, status))
    }
}

/// A query that failed, or that succeeded without a record.
#[cold]
fn query_failure(name: PackageName<'_>, status: i32) -> Error {
    match status {
        SEC_E_OK => Error::InvalidData { what: "QuerySecurityPackageInfoW succeeded with a null record".into() },
        SEC_E_SECPKG_NOT_FOUND => Error::NotFound { name: name.as_str().to_owned() },
        status => Operation::QuerySecurityPackageInfo.failed(status),
    }
}

#[cold]
fn invalid_record(what: &str) -> Error {
    Error::InvalidData { what: format!("QuerySecurityPackageInfoW returned {what}") }
}

/// Holds the lock that serialises loading and initialising provider libraries, until dropped:
/// providers such as WinPR build their tables on first use without a lock.
pub(crate) fn serialise_loading() -> CallGuard {
    static LOADING: CallMutex = CallMutex::new();
    LOADING.lock()
}

/// The lock around the calls into one provider library, or none for a thread-safe one.
#[derive(Clone, Copy, Debug)]
struct CallLock(Option<&'static CallMutex>);

impl CallLock {
    /// The lock of the library whose `FreeContextBuffer` is at `free`: one per library, made on
    /// first use and kept, like the library itself, for the life of the process.
    fn for_library(free: usize) -> Self {
        static LOCKS: Mutex<Vec<(usize, &'static CallMutex)>> = Mutex::new(Vec::new());
        let mut locks = LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
        let lock = match locks.iter().find(|(key, _)| *key == free) {
            Some((_, lock)) => *lock,
            None => {
                let lock: &'static CallMutex = Box::leak(Box::new(CallMutex::new()));
                locks.push((free, lock));
                lock
            }
        };
        CallLock(Some(lock))
    }

    #[inline]
    fn hold(self) -> Option<CallGuard> {
        self.0.map(CallMutex::lock)
    }
}

pub(crate) use call_mutex::CallGuard;
use call_mutex::CallMutex;

/// The mutex of [`CallLock`]: std's, whose uncontended lock and unlock are one atomic
/// instruction each (a pthread mutex costs about 50 instructions more per lock and unlock, a
/// few percent of a WinPR call; BENCHMARKS.md). Built with `--cfg secpkg_helgrind`
/// (`scripts/helgrind` does), it is a pthread mutex at the same call sites instead: helgrind
/// models pthread mutexes but not the futexes under std's, and so can then prove that every call
/// into a provider holds the lock. A provider call cannot unwind (`extern "system"` aborts), so
/// there is nothing to poison.
#[cfg(all(unix, secpkg_helgrind))]
mod call_mutex {
    use std::cell::UnsafeCell;
    use std::marker::PhantomData;

    #[derive(Debug)]
    pub(crate) struct CallMutex(UnsafeCell<libc::pthread_mutex_t>);

    // SAFETY: a pthread mutex exists to be shared between threads; it is only touched through
    // pthread_mutex_lock and pthread_mutex_unlock.
    unsafe impl Sync for CallMutex {}

    impl CallMutex {
        pub(crate) const fn new() -> Self {
            CallMutex(UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER))
        }

        /// Locks until the guard drops. `'static`: a locked pthread mutex must not move or die.
        #[inline]
        pub(crate) fn lock(&'static self) -> CallGuard {
            // SAFETY: the mutex was initialised by `new`, has not moved since it was first used
            // (it is `'static`), and is a default (non-recursive) mutex that this thread does not
            // hold: secpkg makes no call while holding it but the provider's, and a provider does
            // not call back into secpkg (obligation 6 of Provider).
            let status = unsafe { libc::pthread_mutex_lock(self.0.get()) };
            if status != 0 {
                // Going on unlocked would race the provider's state; this cannot happen with a
                // default mutex used as above.
                std::process::abort();
            }
            CallGuard(self, PhantomData)
        }
    }

    /// Holds a [`CallMutex`]. Not `Send`: a pthread mutex is unlocked by the thread that
    /// locked it.
    pub(crate) struct CallGuard(&'static CallMutex, PhantomData<*const ()>);

    impl Drop for CallGuard {
        #[inline]
        fn drop(&mut self) {
            // SAFETY: this thread locked the mutex in `lock` and unlocks it once.
            let status = unsafe { libc::pthread_mutex_unlock(self.0.0.get()) };
            if status != 0 {
                std::process::abort();
            }
        }
    }
}

#[cfg(not(all(unix, secpkg_helgrind)))]
mod call_mutex {
    use std::sync::{Mutex, MutexGuard, PoisonError};

    #[derive(Debug)]
    pub(crate) struct CallMutex(Mutex<()>);

    impl CallMutex {
        pub(crate) const fn new() -> Self {
            CallMutex(Mutex::new(()))
        }

        /// Locks until the guard drops.
        #[inline]
        pub(crate) fn lock(&'static self) -> CallGuard {
            // A provider call cannot unwind, so a poisoned lock guards nothing broken.
            CallGuard { _held: self.0.lock().unwrap_or_else(PoisonError::into_inner) }
        }
    }

    /// Holds a [`CallMutex`].
    pub(crate) struct CallGuard {
        _held: MutexGuard<'static, ()>,
    }
}
