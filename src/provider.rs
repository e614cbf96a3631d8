//! An SSPI provider: one function table, from code that stays loaded for good, called under the
//! lock its library needs.

use crate::error::{InvalidItem, LoadError};
use crate::packages::{Packages, ProviderBuffer, QueriedPackage};
use crate::{Capabilities, Error, InterfaceVersion, Operation, PackageInfo, PackageName};
use secpkg_sys::{
    ACCEPT_SECURITY_CONTEXT_FN, ACQUIRE_CREDENTIALS_HANDLE_FN_W, COMPLETE_AUTH_TOKEN_FN, DELETE_SECURITY_CONTEXT_FN,
    ENUMERATE_SECURITY_PACKAGES_FN_W, FREE_CONTEXT_BUFFER_FN, FREE_CREDENTIALS_HANDLE_FN,
    INITIALIZE_SECURITY_CONTEXT_FN_W, QUERY_CONTEXT_ATTRIBUTES_FN_W, QUERY_SECURITY_PACKAGE_INFO_FN_W, SEC_E_OK,
    SEC_E_SECPKG_NOT_FOUND, SET_CONTEXT_ATTRIBUTES_FN_W, SecPkgInfoW, SecurityFunctionTableW,
};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

/// The library names tried, in order, by [`Provider::system`] outside Windows: FreeRDP's WinPR.
pub const UNIX_PROVIDERS: &[&str] = &["libwinpr3.so.3", "libwinpr2.so.2"];

/// The environment variable that [`Provider::from_env`] (and the `secpkg` command) read: the
/// path of a provider library to use instead of the system's.
pub const PROVIDER_VAR: &str = "SECPKG_PROVIDER";

/// The bytes of a version-1 `SecurityFunctionTableW`: sspi.h's "Function table has all
/// routines through DecryptMessage" (216 on 64-bit targets, 108 on 32-bit); later versions only
/// append. The fields secpkg reads lie within it.
const VERSION_1_SIZE: usize = std::mem::offset_of!(SecurityFunctionTableW, SetContextAttributesW);
const _: () = {
    use std::mem::offset_of;
    type Table = SecurityFunctionTableW;
    const POINTER: usize = size_of::<usize>();
    assert!(offset_of!(Table, DecryptMessage) + POINTER == VERSION_1_SIZE);
    assert!(offset_of!(Table, EnumerateSecurityPackagesW) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, QuerySecurityPackageInfoW) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, FreeContextBuffer) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, AcquireCredentialsHandleW) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, FreeCredentialsHandle) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, InitializeSecurityContextW) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, AcceptSecurityContext) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, CompleteAuthToken) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, DeleteSecurityContext) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, QueryContextAttributesW) + POINTER <= VERSION_1_SIZE);
    assert!(offset_of!(Table, SetContextAttributesW) + POINTER == VERSION_2_SIZE);
};

/// The bytes of a version-2 table: sspi.h's "Interface has all routines through
/// SetContextAttributes", the one field secpkg reads beyond version 1.
const VERSION_2_SIZE: usize = std::mem::offset_of!(SecurityFunctionTableW, SetCredentialsAttributesW);

/// One SSPI provider: the functions of its `SecurityFunctionTableW` that secpkg calls.
///
/// # The provider's obligations
///
/// Every `unsafe` block that calls a provider or reads what it returned relies on these, and
/// names them by number:
///
/// 1. **Table and signatures.** The table is at least as large as its `dwVersion` defines in
///    sspi.h ("The function table" below); its functions have the signatures of sspi.h, only
///    read their `[in]` parameter (the package name), and stay callable for as long as the
///    `Provider` lives (a library is never unloaded, see below).
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
/// 7. **Arguments read, not kept.** `AcquireCredentialsHandleW` reads the package name and the
///    explicit identity (`SEC_WINNT_AUTH_IDENTITY_W`: each string of its length, NUL after)
///    only during the call, copying what it keeps; a library exporting `SetContextAttributesW`
///    beside `InitSecurityInterfaceW` exports it with sspi.h's signature, acting on the handles
///    of the table `InitSecurityInterfaceW` returns (WinPR's sspi_export.c forwards to that
///    table).
/// 8. **Handles and token buffers.** A handle written by a successful
///    `AcquireCredentialsHandleW` stays valid until given to `FreeCredentialsHandle`, and a
///    context written by a first `InitializeSecurityContextW` or `AcceptSecurityContext` that
///    did not fail stays valid until given to `DeleteSecurityContext`, while its credentials'
///    handle is valid; secpkg frees and deletes each exactly once. A leg reads the input token
///    (one `SECBUFFER_TOKEN`, never written), and writes the output token only inside the
///    output buffer secpkg gives (without `ISC_REQ_ALLOCATE_MEMORY`, which secpkg never asks
///    for), setting the buffer's `cbBuffer` to the length written; `CompleteAuthToken` works
///    on that buffer in place. The output buffer, its descriptor and every out-parameter are
///    valid for the call only.
/// 9. **Context attributes.** `QueryContextAttributesW` returning `SEC_E_OK` has written the
///    attribute's struct (`SecPkgContext_Sizes`, `SecPkgContext_PackageInfoW`,
///    `SecPkgContext_NegotiationInfoW`), whose `PackageInfo` points to one `SecPkgInfoW` that
///    obligations 3 and 4 govern (freed with `FreeContextBuffer`, once, by secpkg).
/// 10. **WinPR's SAM file.** `SetContextAttributesW(SECPKG_ATTR_AUTH_NTLM_SAM_FILE)` reads its
///     buffer as a NUL-terminated path during the call and copies it (WinPR's ntlm.c
///     `_strdup`s it); a provider that does not know the attribute returns a failure.
///
/// What secpkg checks rather than trusts: a null array with a non-zero count, a record array
/// that is misaligned or whose byte size overflows `isize` or the address space, a null record
/// on success, misaligned strings and invalid UTF-16 are [`Error::InvalidData`], never a read.
/// So are an output token longer than its buffer, moved elsewhere or of another type than
/// `SECBUFFER_TOKEN`, a changed output descriptor, and a null or misaligned context attribute
/// record; an exchange that asks for legs for ever ends in [`Error::TooManyLegs`].
///
/// # Threads
///
/// FreeRDP's WinPR 2.x, the provider of Linux, is not thread-safe: `sspi_winpr.c` keeps a
/// process-global table of the buffers it handed out, without a lock, grown with `realloc`,
/// and every enumerate, query and free touches it. So every call into a provider library goes
/// through the lock of the library that holds the code (the shared object or DLL whose mapping
/// contains the function's address: `dladdr`'s `dli_fbase` on Unix, `GetModuleHandleExW` on
/// Windows), shared by every `Provider` whose functions lie in that library, including the
/// free in `Drop`. Two tables of one library thus share one lock whatever addresses they hold:
/// WinPR's exported `FreeContextBuffer` is a thunk at another address than its table's. A table
/// whose functions lie in several libraries takes the lock of each of them, always in the same
/// order; code that no loaded library holds (generated at run time) shares one lock of its own.
/// The only exception is secur32.dll on Windows ([`Provider::system`]), which is thread-safe:
/// Windows documents SSPI for multithreaded services, and Wine's `dlls/secur32/sspi.c` guards
/// its package table with a critical section and allocates from the process heap.
///
/// # Loading, and the end of the process
///
/// A library loaded as a provider stays loaded for the rest of the process: providers keep
/// global tables and thread-local state, and unloading one while any thread may still run its
/// code (or its thread-local destructors) crashes. Loading and initialising is serialised, since
/// providers such as WinPR build their tables on first use without a lock. Its
/// `InitSecurityInterfaceW` is called once for the life of the process, and its table kept:
/// making a `Provider` of a library again runs none of the library's code.
///
/// Threads that call into a provider (a first `Provider::system()` or `load`, which loads and
/// initialises the library, or any call of a `Provider`'s methods) must be joined before `main`
/// returns: the C library's teardown (WinPR's destructors, OpenSSL's cleanup) then runs, and
/// secpkg cannot keep it from freeing what those calls use.
///
/// # The function table
///
/// A table from a provider (`InitSecurityInterfaceW`, or [`Provider::from_table_ptr`]) is read
/// without assuming more than sspi.h defines for its `dwVersion`, and never through a reference
/// to a whole `SecurityFunctionTableW` (256 bytes, the size of version 5): the versions grew
/// the table at its end, and older headers and providers have shorter ones (version 1 ends
/// after `DecryptMessage`: 216 bytes on 64-bit targets). secpkg reads the `dwVersion`, then
/// the pointers it calls, each at its own offset; all but one lie in version 1's size
/// (asserted at compile time), so every version from 1 on holds them. `SetContextAttributesW`
/// ends version 2 ("Interface has all routines through SetContextAttributes") and is read only
/// from tables of version 2 and later. WinPR 2.11 fills that field but reports version 1
/// (`winpr_SecurityFunctionTableW` in winpr/libwinpr/sspi/sspi_winpr.c), so for a table of
/// version 1 a library that [`Provider::load`] loads is asked for its export of that name
/// instead (WinPR's sspi_export.c forwards it to the same table; obligation 7). A null table, a misaligned one and one of version 0 (which defines no size) are
/// [`Error::InvalidData`], with nothing read but the version of the last.
///
/// Misalignment is refused rather than read around with unaligned reads: a provider's table is
/// a C object of this struct's type, aligned by its compiler, so a misaligned pointer is no
/// table at all. What secpkg cannot check, that the memory is as large as the version says, is
/// part of obligation 1.
#[derive(Clone, Debug)]
pub struct Provider {
    functions: Functions,
    lock: CallLock,
    origin: PathBuf,
}

/// The functions of a provider's table that secpkg calls, as the provider gave them (null ones
/// `None`), for [`Provider::with_raw_functions`]: call them only inside its closure.
///
/// The function types are secpkg-sys's (the generated SSPI declarations), which code that calls
/// them depends on. This is the one place besides [`Provider::from_table`],
/// [`Package::raw`](crate::Package::raw) and the `from_raw` constructors where secpkg's API
/// names that crate.
#[derive(Debug)]
#[non_exhaustive]
pub struct RawFunctions {
    /// The table's `dwVersion`.
    pub version: InterfaceVersion,
    /// `EnumerateSecurityPackagesW`.
    pub enumerate_security_packages: ENUMERATE_SECURITY_PACKAGES_FN_W,
    /// `QuerySecurityPackageInfoW`.
    pub query_security_package_info: QUERY_SECURITY_PACKAGE_INFO_FN_W,
    /// `FreeContextBuffer`.
    pub free_context_buffer: FREE_CONTEXT_BUFFER_FN,
    /// `AcquireCredentialsHandleW`.
    pub acquire_credentials_handle: ACQUIRE_CREDENTIALS_HANDLE_FN_W,
    /// `FreeCredentialsHandle`.
    pub free_credentials_handle: FREE_CREDENTIALS_HANDLE_FN,
    /// `InitializeSecurityContextW`.
    pub initialize_security_context: INITIALIZE_SECURITY_CONTEXT_FN_W,
    /// `AcceptSecurityContext`.
    pub accept_security_context: ACCEPT_SECURITY_CONTEXT_FN,
    /// `CompleteAuthToken`.
    pub complete_auth_token: COMPLETE_AUTH_TOKEN_FN,
    /// `DeleteSecurityContext`.
    pub delete_security_context: DELETE_SECURITY_CONTEXT_FN,
    /// `QueryContextAttributesW`.
    pub query_context_attributes: QUERY_CONTEXT_ATTRIBUTES_FN_W,
    /// `SetContextAttributesW`: the table's when its `dwVersion` is 2 or more, else the
    /// library's export of that name (see "The function table" on [`Provider`]).
    pub set_context_attributes: SET_CONTEXT_ATTRIBUTES_FN_W,
}

/// What secpkg calls of a provider's function table, read as "The function table" says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Functions {
    version: u32,
    enumerate: ENUMERATE_SECURITY_PACKAGES_FN_W,
    query: QUERY_SECURITY_PACKAGE_INFO_FN_W,
    pub(crate) free: FREE_CONTEXT_BUFFER_FN,
    pub(crate) acquire: ACQUIRE_CREDENTIALS_HANDLE_FN_W,
    pub(crate) free_credentials: FREE_CREDENTIALS_HANDLE_FN,
    pub(crate) initialize: INITIALIZE_SECURITY_CONTEXT_FN_W,
    pub(crate) accept: ACCEPT_SECURITY_CONTEXT_FN,
    pub(crate) complete: COMPLETE_AUTH_TOKEN_FN,
    pub(crate) delete: DELETE_SECURITY_CONTEXT_FN,
    pub(crate) query_context: QUERY_CONTEXT_ATTRIBUTES_FN_W,
    pub(crate) set_context: SET_CONTEXT_ATTRIBUTES_FN_W,
}

impl Functions {
    fn of(table: &SecurityFunctionTableW) -> Functions {
        Functions {
            version: table.dwVersion,
            enumerate: table.EnumerateSecurityPackagesW,
            query: table.QuerySecurityPackageInfoW,
            free: table.FreeContextBuffer,
            acquire: table.AcquireCredentialsHandleW,
            free_credentials: table.FreeCredentialsHandle,
            initialize: table.InitializeSecurityContextW,
            accept: table.AcceptSecurityContext,
            complete: table.CompleteAuthToken,
            delete: table.DeleteSecurityContext,
            query_context: table.QueryContextAttributesW,
            // A reference is a whole table: the field is there whatever dwVersion says.
            set_context: if table.dwVersion >= 2 { table.SetContextAttributesW } else { None },
        }
    }

    /// Reads a provider's table as "The function table" on [`Provider`] says; the error says
    /// what was wrong with it.
    ///
    /// # Safety
    /// `table` is null, misaligned (nothing is read then), or points to a table of at least the
    /// size its `dwVersion` defines in sspi.h, valid for reads for the duration of the call.
    unsafe fn read(table: *const SecurityFunctionTableW) -> Result<Functions, String> {
        if table.is_null() {
            return Err("no table (a null pointer)".into());
        }
        if !table.is_aligned() {
            let align = align_of::<SecurityFunctionTableW>();
            return Err(format!("a table at {table:p}, which is not aligned to {align} bytes"));
        }
        // SAFETY: an aligned, non-null table has at least its dwVersion (the caller's promise),
        // at offset 0.
        let version = unsafe { table.cast::<u32>().read() };
        if version == 0 {
            return Err("a table of dwVersion 0, which sspi.h does not define (nor, so, its size)".into());
        }
        // SAFETY: every version from 1 on defines at least VERSION_1_SIZE bytes, which hold the
        // fields read here (asserted where it is defined), so each read lies within what the
        // caller promised; each is aligned, as the table is and the offset is the field's.
        let mut functions = unsafe {
            Functions {
                version,
                enumerate: (&raw const (*table).EnumerateSecurityPackagesW).read(),
                query: (&raw const (*table).QuerySecurityPackageInfoW).read(),
                free: (&raw const (*table).FreeContextBuffer).read(),
                acquire: (&raw const (*table).AcquireCredentialsHandleW).read(),
                free_credentials: (&raw const (*table).FreeCredentialsHandle).read(),
                initialize: (&raw const (*table).InitializeSecurityContextW).read(),
                accept: (&raw const (*table).AcceptSecurityContext).read(),
                complete: (&raw const (*table).CompleteAuthToken).read(),
                delete: (&raw const (*table).DeleteSecurityContext).read(),
                query_context: (&raw const (*table).QueryContextAttributesW).read(),
                set_context: None,
            }
        };
        if version >= 2 {
            // SAFETY: version 2 and later define VERSION_2_SIZE bytes, which end with this field
            // (asserted where it is defined); aligned as above.
            functions.set_context = unsafe { (&raw const (*table).SetContextAttributesW).read() };
        }
        Ok(functions)
    }

    /// The addresses of the functions present.
    fn addresses(&self) -> impl Iterator<Item = usize> {
        [
            self.enumerate.map(|f| f as usize),
            self.query.map(|f| f as usize),
            self.free.map(|f| f as usize),
            self.acquire.map(|f| f as usize),
            self.free_credentials.map(|f| f as usize),
            self.initialize.map(|f| f as usize),
            self.accept.map(|f| f as usize),
            self.complete.map(|f| f as usize),
            self.delete.map(|f| f as usize),
            self.query_context.map(|f| f as usize),
            self.set_context.map(|f| f as usize),
        ]
        .into_iter()
        .flatten()
    }
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
    /// [`Provider::from_env`] for a provider the user names. The first success is kept for the
    /// life of the process: later calls run no provider code at all.
    pub fn system() -> Result<Provider, Error> {
        static SYSTEM: OnceLock<Provider> = OnceLock::new();
        if let Some(provider) = SYSTEM.get() {
            return Ok(provider.clone());
        }
        let provider = Self::find_system()?;
        Ok(SYSTEM.get_or_init(|| provider).clone())
    }

    #[cfg(windows)]
    fn find_system() -> Result<Provider, Error> {
        let origin = PathBuf::from("secur32.dll");
        let _serial = serialise_loading();
        // SAFETY: secur32's InitSecurityInterfaceW takes no arguments and returns a pointer to
        // its static function table, or null. `system` calls it until it first succeeds.
        let table = unsafe { secpkg_sys::InitSecurityInterfaceW() };
        // SAFETY: a non-null table from secur32 is its static SecurityFunctionTableW, of the size
        // its dwVersion defines (obligation 1): secur32 is imported by this binary and never
        // unloaded.
        let functions = unsafe { Functions::read(table) }.map_err(|what| invalid_table(&origin, &what))?;
        // secur32 is thread-safe (see "Threads" above): no lock.
        Ok(Provider { functions, lock: CallLock::None, origin })
    }

    #[cfg(not(windows))]
    fn find_system() -> Result<Provider, Error> {
        let mut tried = Vec::new();
        for name in UNIX_PROVIDERS {
            // SAFETY: these are the sonames of the system's WinPR, found by the dynamic
            // loader's own search (which ignores LD_LIBRARY_PATH in privileged processes);
            // WinPR exports InitSecurityInterfaceW with sspi.h's signature.
            match unsafe { Self::load(name) } {
                Err(error @ Error::Load { .. }) => tried.push(error),
                found => return found,
            }
        }
        Err(Error::NoProvider { tried })
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
    /// The library's `InitSecurityInterfaceW` is called once for the life of the process, the
    /// first time any path loads it; later loads of the same library reuse its table (and
    /// report the same error, when the table was refused).
    ///
    /// # Safety
    /// Loading runs the library's initialisers, and calls its `InitSecurityInterfaceW`: the
    /// library must be an SSPI provider that keeps the obligations listed on [`Provider`]
    /// (1 to 4 and 6; secpkg takes care of 5 by serialising its calls), and its table must be
    /// at least as large as its `dwVersion` defines ("The function table" above).
    pub unsafe fn load(path: impl AsRef<Path>) -> Result<Provider, Error> {
        let path = path.as_ref();
        let load_error = |source| Error::Load { path: path.to_owned(), source: LoadError::new(source) };
        let _serial = serialise_loading();
        // SAFETY: the caller names this library as an SSPI provider; running its initialisers is
        // what loading one means.
        let library = unsafe { libloading::Library::new(path) }.map_err(load_error)?;
        type InitSecurityInterfaceW = unsafe extern "system" fn() -> *mut SecurityFunctionTableW;
        type SetContextAttributesW =
            unsafe extern "system" fn(*mut secpkg_sys::SecHandle, u32, *mut std::ffi::c_void, u32) -> i32;
        // SAFETY: an SSPI provider exports InitSecurityInterfaceW with exactly this signature
        // (obligation 1, vouched for by the caller).
        let init = unsafe { library.get::<InitSecurityInterfaceW>(b"InitSecurityInterfaceW\0") }
            .map(|init| *init)
            .map_err(|source| Error::NotAProvider { path: path.to_owned(), source: LoadError::new(source) })?;
        // WinPR 2.11 fills its table's SetContextAttributesW but says dwVersion 1, which ends
        // before it (sspi_winpr.c: `winpr_SecurityFunctionTableW = { 1, ...,
        // winpr_SetContextAttributesW }`), so the table's field is not read; its export of that
        // name (sspi_export.c, forwarding to the same table) is used instead (obligation 7).
        // SAFETY: obligation 7, vouched for by the caller: an export of this name has sspi.h's
        // signature.
        let exported_set_context =
            unsafe { library.get::<SetContextAttributesW>(b"SetContextAttributesW\0") }.ok().map(|set| *set);
        std::mem::forget(library);
        /// What one InitSecurityInterfaceW gave: the functions and their lock, or why its table
        /// was refused.
        type Kept = Result<(Functions, CallLock), String>;
        // One InitSecurityInterfaceW, one table: keyed by the function (the same library, by
        // whatever path, or a library whose lookup found it in a dependency).
        static INITIALISED: Mutex<Vec<(usize, Kept)>> = Mutex::new(Vec::new());
        let mut initialised = INITIALISED.lock().unwrap_or_else(PoisonError::into_inner);
        let key = init as usize;
        let kept = match initialised.iter().find(|(done, _)| *done == key) {
            Some((_, kept)) => kept.clone(),
            None => {
                // SAFETY: as above; it takes no arguments and returns its table or null. It runs
                // under `LOADING`, since WinPR builds its tables on first use without a lock.
                let table = unsafe { init() };
                // SAFETY: the table is null or the provider's, of the size its dwVersion defines
                // (the caller's promise), valid while the library stays loaded, which is for good
                // since its handle was just leaked.
                let functions = unsafe { Functions::read(table) }.map(|mut functions| {
                    if functions.set_context.is_none() {
                        functions.set_context = exported_set_context;
                    }
                    functions
                });
                let kept = functions.map(|functions| (functions, CallLock::for_functions(&functions)));
                initialised.push((key, kept.clone()));
                kept
            }
        };
        match kept {
            Ok((functions, lock)) => Ok(Provider { functions, lock, origin: path.to_owned() }),
            Err(what) => Err(invalid_table(path, &what)),
        }
    }

    /// A provider from a function table, for embedders and tests. Its calls are serialised with
    /// those of every other `Provider` whose functions lie in the same library (see "Threads"
    /// above), whatever their addresses: the table the library's `InitSecurityInterfaceW`
    /// returns and one built from its exported symbols share one lock. secpkg cannot serialise
    /// other code in the process that calls the same library directly, nor see through a
    /// function of one library that forwards to another (it is locked as the first library's).
    ///
    /// A reference is a promise of a whole, aligned `SecurityFunctionTableW`; for a table as a
    /// C provider hands it out, see [`Provider::from_table_ptr`]. The table's type is
    /// secpkg-sys's, which code that builds one depends on.
    ///
    /// # Safety
    /// Every non-null function in `table` must keep the obligations listed on [`Provider`] (1
    /// to 4, and 6) and stay callable for the life of the returned value. Obligation 5 secpkg
    /// meets by locking the library that holds each function's code (`dladdr`'s `dli_fbase`,
    /// `GetModuleHandleExW`'s module), one lock per library for every table, and all of them
    /// for a table that spans several; a function that forwards into another library that is
    /// not thread-safe gets no lock of that other library, so such a table must make those
    /// calls safe itself.
    pub unsafe fn from_table(table: &SecurityFunctionTableW, origin: impl Into<PathBuf>) -> Provider {
        let functions = Functions::of(table);
        Provider { functions, lock: CallLock::for_functions(&functions), origin: origin.into() }
    }

    /// A provider from a pointer to a function table as a C provider returns it, read as "The
    /// function table" above says: a null or misaligned table, or one of version 0, is
    /// [`Error::InvalidData`]. Locked as [`Provider::from_table`] says.
    ///
    /// # Safety
    /// `table` is null, misaligned, or valid for reads of the size its `dwVersion` defines for
    /// the duration of the call; its non-null functions are as [`Provider::from_table`]
    /// requires.
    pub unsafe fn from_table_ptr(
        table: *const SecurityFunctionTableW,
        origin: impl Into<PathBuf>,
    ) -> Result<Provider, Error> {
        let origin = origin.into();
        // SAFETY: the caller's promise for the table's memory.
        let functions = unsafe { Functions::read(table) }.map_err(|what| Error::InvalidData {
            item: InvalidItem::FunctionTable,
            what: format!("the function table given for {} is {what}", origin.display()),
        })?;
        Ok(Provider { functions, lock: CallLock::for_functions(&functions), origin })
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
        InterfaceVersion::from_value(self.functions.version)
    }

    /// Runs `call` with the provider's raw functions, holding the locks that secpkg holds for its
    /// own calls into the provider (see "Threads" above): for code that must call them itself,
    /// such as the conformance checker (crate secpkg-conformance), which passes unusual
    /// arguments and looks at out-parameters after failures.
    ///
    /// Getting the functions is safe; calling one is `unsafe`, and sound only inside `call`
    /// (the lock is obligation 5), with arguments as sspi.h defines them. What a call returns is
    /// the caller's to give back: a buffer to [`Packages::from_raw`] or
    /// [`QueriedPackage::from_raw`] (after `call` returns), or to `free_context_buffer` within
    /// `call`, exactly once. `call` must not use this provider (or another of the same library)
    /// through secpkg: its calls wait for the lock `call` holds.
    ///
    /// ```no_run
    /// let provider = secpkg::Provider::system()?;
    /// let status = provider.with_raw_functions(|raw| {
    ///     let enumerate = raw.enumerate_security_packages?;
    ///     let (mut count, mut array) = (0, std::ptr::null_mut());
    ///     // SAFETY: inside with_raw_functions; both out-pointers are valid for writes.
    ///     let status = unsafe { enumerate(&mut count, &mut array) };
    ///     Some((status, count, array))
    /// });
    /// if let Some((0, count, array)) = status {
    ///     // SAFETY: the provider's enumeration succeeded: `count` records at `array`, not freed.
    ///     let packages = unsafe { secpkg::Packages::from_raw(&provider, array, count) }?;
    ///     println!("{} packages", packages.len());
    /// }
    /// # Ok::<(), secpkg::Error>(())
    /// ```
    pub fn with_raw_functions<R>(&self, call: impl FnOnce(&RawFunctions) -> R) -> R {
        let raw = RawFunctions {
            version: self.interface_version(),
            enumerate_security_packages: self.functions.enumerate,
            query_security_package_info: self.functions.query,
            free_context_buffer: self.functions.free,
            acquire_credentials_handle: self.functions.acquire,
            free_credentials_handle: self.functions.free_credentials,
            initialize_security_context: self.functions.initialize,
            accept_security_context: self.functions.accept,
            complete_auth_token: self.functions.complete,
            delete_security_context: self.functions.delete,
            query_context_attributes: self.functions.query_context,
            set_context_attributes: self.functions.set_context,
        };
        self.call(|| call(&raw))
    }

    /// The provider's functions, for the exchange's modules.
    #[inline]
    pub(crate) fn functions(&self) -> &Functions {
        &self.functions
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
        let Some(free) = self.functions.free else { return SEC_E_OK };
        // SAFETY: obligation 3, with the caller's promise that this is the buffer's only free.
        self.call(|| unsafe { free(buffer.cast()) })
    }

    /// Every security package the provider offers, in the provider's buffer.
    pub fn packages(&self) -> Result<Packages<'_>, Error> {
        let enumerate = Operation::EnumerateSecurityPackages.require(self.functions.enumerate)?;
        Operation::FreeContextBuffer.require(self.functions.free)?;
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
        let buffer = buffer.map_err(|what| Error::InvalidData {
            item: InvalidItem::PackageArray,
            what: format!("EnumerateSecurityPackagesW returned {what}"),
        })?;
        Ok(Packages::new(buffer))
    }

    /// The attributes of the package named `name`, owned, matched as Windows matches names:
    /// the package of exactly that name, else the one listed package whose name is equal to it
    /// ignoring case (see [`Provider::query_in_place`]).
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
    /// Names match as on Windows, whatever the provider's own matching: the provider is asked
    /// for `name`; if it has no package of that name (WinPR compares exactly), the one package
    /// it lists whose name is equal to `name` ignoring case is asked for by its own name. Case
    /// is folded as Windows folds it (`RtlEqualUnicodeString`, which Wine's `wcsicmp` matches):
    /// each UTF-16 unit by Unicode's simple uppercase mapping, so `ü` matches `Ü` but `ß` does
    /// not match `SS`. Unicode rather than ASCII, since that is what code ported from Windows
    /// gets there. Several listed names equal to `name` ignoring case, none of them exactly, are
    /// [`Error::Ambiguous`].
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
        match self.query_exactly(name) {
            Err(Error::NotFound { .. }) => self.query_ignoring_case(name),
            found => found,
        }
    }

    /// The one listed package whose name equals `name` ignoring case, queried by its own name;
    /// `NotFound` when there is none (or the list cannot be read: the query's answer stands).
    #[cold]
    fn query_ignoring_case(&self, name: PackageName<'_>) -> Result<QueriedPackage<'_>, Error> {
        let not_found = || Error::NotFound { name: name.as_str().to_owned() };
        let Ok(packages) = self.packages() else { return Err(not_found()) };
        let wanted: Vec<u16> = name.as_str().encode_utf16().collect();
        let matching: Vec<_> = packages.iter().filter(|p| equal_ignoring_case(p.name().as_units(), &wanted)).collect();
        let listed = match matching[..] {
            [] => return Err(not_found()),
            [package] => package.name().to_string_checked().map_err(|_| not_found())?,
            ref several => {
                return Err(Error::Ambiguous {
                    name: name.as_str().to_owned(),
                    candidates: several.iter().map(|p| p.name().to_string_lossy()).collect(),
                });
            }
        };
        drop(packages);
        self.query_exactly(PackageName::from(&listed))
    }

    fn query_exactly(&self, name: PackageName<'_>) -> Result<QueriedPackage<'_>, Error> {
        let query = Operation::QuerySecurityPackageInfo.require(self.functions.query)?;
        Operation::FreeContextBuffer.require(self.functions.free)?;
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

impl Provider {
    /// The size of a buffer that holds any token of the package named `name`, in bytes: its
    /// `cbMaxToken`, except for Negotiate, where it is the largest `cbMaxToken` of Negotiate and
    /// of every listed package that Negotiate can choose (flagged `SECPKG_FLAG_NEGOTIABLE`,
    /// `SECPKG_FLAG_NEGOTIABLE2` or `SECPKG_FLAG_NEGO_EXTENDER`).
    ///
    /// Negotiate's own `cbMaxToken` does not bound the tokens of the package it picks: WinPR
    /// 2.11 lists Negotiate with 12256 bytes and Kerberos, which Negotiate tries first, with
    /// 48000; Windows raised Kerberos' MaxTokenSize to 48000 for tokens with large PACs. A
    /// buffer of [`max_token`](crate::max_token)`("Negotiate")` can thus be short, and this is
    /// what the contexts' token buffers get by default
    /// ([`Credentials::token_buffer_size`](crate::Credentials::token_buffer_size)).
    /// [`Provider::query`] and `max_token` keep returning what the provider says.
    ///
    /// Names match as [`Provider::query`] matches them; Negotiate is the package whose listed
    /// name is `Negotiate`, ignoring case.
    ///
    /// ```no_run
    /// let provider = secpkg::Provider::system()?;
    /// let buffer = vec![0u8; provider.token_buffer_size("Negotiate")? as usize];
    /// # Ok::<(), secpkg::Error>(())
    /// ```
    pub fn token_buffer_size<'n>(&self, name: impl Into<PackageName<'n>>) -> Result<u32, Error> {
        Ok(self.token_buffer_size_of(name.into())?.1)
    }

    /// The package's name as the provider lists it, and [`Provider::token_buffer_size`].
    pub(crate) fn token_buffer_size_of(&self, name: PackageName<'_>) -> Result<(String, u32), Error> {
        let info = self.query_named(name)?.into_info()?;
        let negotiate: Vec<u16> = "Negotiate".encode_utf16().collect();
        let listed: Vec<u16> = info.name.encode_utf16().collect();
        if !equal_ignoring_case(&listed, &negotiate) {
            return Ok((info.name, info.max_token));
        }
        let choosable = Capabilities::NEGOTIABLE | Capabilities::NEGOTIABLE2 | Capabilities::NEGO_EXTENDER;
        let packages = self.packages()?;
        let largest = packages
            .iter()
            .filter(|package| package.capabilities().intersects(choosable))
            .map(|package| package.max_token())
            .fold(info.max_token, u32::max);
        packages.close()?;
        Ok((info.name, largest))
    }
}

/// Whether two names are equal ignoring case as Windows compares package names: unit by unit,
/// each UTF-16 unit that is a character with a one-unit simple uppercase taken as that
/// uppercase (what `RtlUpcaseUnicodeChar` does), others (surrogates, `ß`) as themselves.
fn equal_ignoring_case(a: &[u16], b: &[u16]) -> bool {
    fn upcase(unit: u16) -> u16 {
        let Some(c) = char::from_u32(u32::from(unit)) else { return unit };
        let mut upper = c.to_uppercase();
        match (upper.next(), upper.next()) {
            (Some(u), None) => u16::try_from(u32::from(u)).unwrap_or(unit),
            _ => unit,
        }
    }
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| x == y || upcase(x) == upcase(y))
}

/// A query that failed, or that succeeded without a record.
#[cold]
fn query_failure(name: PackageName<'_>, status: i32) -> Error {
    match status {
        SEC_E_OK => Error::InvalidData {
            item: InvalidItem::PackageRecord,
            what: "QuerySecurityPackageInfoW succeeded with a null record".into(),
        },
        SEC_E_SECPKG_NOT_FOUND => Error::NotFound { name: name.as_str().to_owned() },
        status => Operation::QuerySecurityPackageInfo.failed(status),
    }
}

#[cold]
fn invalid_table(origin: &Path, what: &str) -> Error {
    Error::InvalidData {
        item: InvalidItem::FunctionTable,
        what: format!("InitSecurityInterfaceW of {} returned {what}", origin.display()),
    }
}

#[cold]
fn invalid_record(what: &str) -> Error {
    Error::InvalidData { item: InvalidItem::PackageRecord, what: format!("QuerySecurityPackageInfoW returned {what}") }
}

/// Holds the lock that serialises loading and initialising provider libraries, until dropped:
/// providers such as WinPR build their tables on first use without a lock.
fn serialise_loading() -> CallGuard {
    static LOADING: CallMutex = CallMutex::new();
    LOADING.lock()
}

/// The locks around the calls into a provider's libraries: none for a thread-safe one (secur32),
/// one per library its functions lie in, taken in one global order (by library address) so
/// that tables sharing some libraries cannot deadlock.
#[derive(Clone, Copy, Debug)]
enum CallLock {
    /// secur32 ([`Provider::system`] on Windows).
    #[cfg(windows)]
    None,
    One(&'static CallMutex),
    Several(&'static [&'static CallMutex]),
}

/// Holds a [`CallLock`]'s mutexes until dropped.
pub(crate) enum CallGuards {
    #[cfg(windows)]
    None,
    One(#[allow(dead_code)] CallGuard),
    Several(#[allow(dead_code)] Vec<CallGuard>),
}

impl CallLock {
    /// The locks of the libraries that hold `functions`' code: one per library, made on first
    /// use and kept, like the library itself, for the life of the process.
    fn for_functions(functions: &Functions) -> Self {
        let mut libraries: Vec<usize> = functions.addresses().map(library_of).collect();
        libraries.sort_unstable();
        libraries.dedup();
        static LOCKS: Mutex<Vec<(usize, &'static CallMutex)>> = Mutex::new(Vec::new());
        let mut locks = LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
        let mut lock_of = |library: usize| match locks.iter().find(|(key, _)| *key == library) {
            Some((_, lock)) => *lock,
            None => {
                let lock: &'static CallMutex = Box::leak(Box::new(CallMutex::new()));
                locks.push((library, lock));
                lock
            }
        };
        match libraries[..] {
            // No function at all: nothing is ever called, but a lock costs nothing here.
            [] => CallLock::One(lock_of(0)),
            [library] => CallLock::One(lock_of(library)),
            // Rare (a table mixing libraries), so one small leak per such provider is fine.
            _ => CallLock::Several(Box::leak(libraries.into_iter().map(lock_of).collect())),
        }
    }

    #[inline]
    fn hold(self) -> CallGuards {
        match self {
            #[cfg(windows)]
            CallLock::None => CallGuards::None,
            CallLock::One(lock) => CallGuards::One(lock.lock()),
            CallLock::Several(locks) => CallGuards::Several(locks.iter().map(|lock| lock.lock()).collect()),
        }
    }
}

/// The start of the mapping of the library (shared object, DLL, executable) that holds the code
/// at `address`, or 0 for code that no loaded library holds (all such code shares one lock).
#[cfg(unix)]
fn library_of(address: usize) -> usize {
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::uninit();
    // SAFETY: dladdr only looks `address` up in the loader's list of mappings (it never reads
    // it) and writes `info` when it returns non-zero.
    let found = unsafe { libc::dladdr(std::ptr::with_exposed_provenance(address), info.as_mut_ptr()) };
    if found == 0 {
        return 0;
    }
    // SAFETY: written by dladdr, which returned non-zero.
    unsafe { info.assume_init() }.dli_fbase.addr()
}

/// The module (DLL or executable) that holds the code at `address`, or 0 for code that no
/// module holds (all such code shares one lock).
#[cfg(windows)]
fn library_of(address: usize) -> usize {
    use windows_sys::Win32::System::LibraryLoader::{
        GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, GetModuleHandleExW,
    };
    let mut module = std::ptr::null_mut();
    let flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
    // SAFETY: with FROM_ADDRESS the name argument is an address inside the module, only looked
    // up (never read); UNCHANGED_REFCOUNT takes no reference, so there is nothing to release;
    // `module` is valid for a write.
    let found = unsafe { GetModuleHandleExW(flags, std::ptr::with_exposed_provenance(address), &mut module) };
    if found == 0 { 0 } else { module.addr() }
}

/// Elsewhere: every provider shares one lock.
#[cfg(not(any(unix, windows)))]
fn library_of(_address: usize) -> usize {
    0
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
