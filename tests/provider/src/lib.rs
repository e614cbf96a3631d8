//! A scriptable fake SSPI provider, for testing code that calls `EnumerateSecurityPackagesW`,
//! `QuerySecurityPackageInfoW` and `FreeContextBuffer` through a `SecurityFunctionTableW`, and
//! the exchange (`AcquireCredentialsHandleW`, `InitializeSecurityContextW`,
//! `AcceptSecurityContext`, `CompleteAuthToken`, `QueryContextAttributesW`,
//! `DeleteSecurityContext`, `FreeCredentialsHandle`) as a deterministic toy exchange with faults
//! ([`Exchange`]).
//!
//! One implementation, used two ways:
//!
//! - **In-process** (rlib): [`install`] a [`Scenario`], call through [`table()`], then check
//!   [`stats()`] for leaks, double frees and call counts. The returned [`ScenarioGuard`]
//!   serializes tests that use the provider.
//! - **As a library**: `secpkg-test-provider-dll` (in `dll/`) exports these functions under the
//!   system's names from a cdylib (`libsecpkg_test_provider_dll.so`,
//!   `secpkg_test_provider_dll.dll`), loaded by path and entered through `InitSecurityInterfaceW`.
//!   There the scenario comes from [`ENV_VAR`] on first use: inline JSON or
//!   `@/path/to/file.json`. A malformed one makes `InitSecurityInterfaceW` return null (and the
//!   other functions `SEC_E_INTERNAL_ERROR`) after one line on stderr naming the problem.
//!
//! This crate itself exports no symbol, so a test binary that uses the in-process fake still
//! calls the system's own SSPI functions when it names them.
//!
//! Buffers are laid out as on Windows: one allocation holding the `SecPkgInfoW` records followed
//! by their NUL-terminated UTF-16 strings, so one `FreeContextBuffer` frees everything. Every
//! live allocation is tracked: freeing anything else is counted as a bad free and not performed,
//! and freed memory is poisoned before it is released so reads after free see garbage. The
//! same goes for tokens allocated for `ISC_REQ_ALLOCATE_MEMORY` and for the context attributes'
//! `SecPkgInfoW` records, and for credential and context handles (counted, not allocated).

mod exchange;
mod racy;
mod scenario;

pub use exchange::{
    AcceptSecurityContext, AcquireCredentialsHandleW, CONTEXT_TAG, CREDENTIAL_TAG, CompleteAuthToken,
    DeleteSecurityContext, FreeCredentialsHandle, GARBAGE_HANDLE, Identity, InitializeSecurityContextW,
    QueryContextAttributesW, SetContextAttributesW, TOY_SIGNATURE_SIZE, scenario_token, toy_token, toy_token_len,
};
pub use scenario::{
    ENV_VAR, EXCHANGE_FUNCTIONS, Exchange, Package, PanicMode, Scenario, TABLE_FUNCTIONS, TOY, UNLISTED,
    default_packages, toy_package,
};

use secpkg_sys::{
    SEC_E_INSUFFICIENT_MEMORY, SEC_E_INTERNAL_ERROR, SEC_E_INVALID_HANDLE, SEC_E_INVALID_PARAMETER, SEC_E_OK,
    SEC_E_SECPKG_NOT_FOUND, SEC_GET_KEY_FN, SECURITY_STATUS, SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
    SecBufferDesc, SecHandle, SecPkgInfoW, SecurityFunctionTableW,
};
use std::alloc::{self, Layout};
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The count a failing `EnumerateSecurityPackagesW` writes, to catch callers that trust it.
pub const GARBAGE_COUNT: u32 = 7;
/// The address a failing call writes to its pointer out-parameter: non-null and never valid.
pub const GARBAGE_ADDRESS: usize = 0x10;
/// The byte freed buffers are overwritten with before they are released.
pub const POISON: u8 = 0xDD;

/// Counters since the last [`install`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Buffers handed out: one per successful enumerate or query that returned one, per token
    /// allocated for `ISC_REQ_ALLOCATE_MEMORY`, per `SECPKG_ATTR_PACKAGE_INFO` or
    /// `SECPKG_ATTR_NEGOTIATION_INFO` answered.
    pub allocations: u64,
    /// `FreeContextBuffer` calls that released a live buffer.
    pub frees: u64,
    /// `FreeContextBuffer` calls on a pointer never handed out or already freed (not performed).
    pub bad_frees: u64,
    /// `FreeContextBuffer(NULL)` calls (accepted as a no-op, as on Windows).
    pub null_frees: u64,
    /// All `FreeContextBuffer` calls, whatever became of them.
    pub free_calls: u64,
    pub enumerate_calls: u64,
    pub query_calls: u64,
    /// Buffers handed out and not yet freed: `allocations - frees`.
    pub live: u64,
    pub acquire_calls: u64,
    /// Credential handles handed out.
    pub credentials_acquired: u64,
    /// `FreeCredentialsHandle` calls that released live credentials.
    pub credentials_freed: u64,
    /// `FreeCredentialsHandle` calls on a handle never handed out or already freed.
    pub bad_credential_frees: u64,
    /// Credentials freed while a context made with them was live (allowed by SSPI, which
    /// counts references; a safe layer that ties contexts to credentials should never do it).
    pub credentials_freed_in_use: u64,
    /// Credentials handed out and not yet freed.
    pub live_credentials: u64,
    /// Context handles handed out (a side's first successful call).
    pub contexts_created: u64,
    /// `DeleteSecurityContext` calls that released a live context.
    pub contexts_deleted: u64,
    /// `DeleteSecurityContext` calls on a handle never handed out or already deleted.
    pub bad_context_deletes: u64,
    /// Contexts handed out and not yet deleted.
    pub live_contexts: u64,
    /// Exchange calls other than the frees given a handle never handed out, freed, of the wrong
    /// kind or of the other side.
    pub bad_handle_uses: u64,
    pub initialize_calls: u64,
    pub accept_calls: u64,
    /// All `CompleteAuthToken` calls.
    pub complete_calls: u64,
    /// `CompleteAuthToken` calls that ended a wait a `SEC_I_COMPLETE_*` status began.
    pub completions: u64,
    pub attribute_calls: u64,
    /// All `SetContextAttributesW` calls.
    pub set_attribute_calls: u64,
    /// Tokens written (into the caller's buffer or an allocated one).
    pub tokens: u64,
    /// The length of the longest token written.
    pub largest_token: u64,
}

impl Stats {
    /// `Default::default()`, usable in a `static`.
    const ZERO: Stats = Stats {
        allocations: 0,
        frees: 0,
        bad_frees: 0,
        null_frees: 0,
        free_calls: 0,
        enumerate_calls: 0,
        query_calls: 0,
        live: 0,
        acquire_calls: 0,
        credentials_acquired: 0,
        credentials_freed: 0,
        bad_credential_frees: 0,
        credentials_freed_in_use: 0,
        live_credentials: 0,
        contexts_created: 0,
        contexts_deleted: 0,
        bad_context_deletes: 0,
        live_contexts: 0,
        bad_handle_uses: 0,
        initialize_calls: 0,
        accept_calls: 0,
        complete_calls: 0,
        completions: 0,
        attribute_calls: 0,
        set_attribute_calls: 0,
        tokens: 0,
        largest_token: 0,
    };
}

// One instance, in a static: boxing the scenario would save nothing.
#[allow(clippy::large_enum_variant)]
enum Config {
    /// Nothing installed: read [`ENV_VAR`] on next use.
    Unloaded,
    Ready(Scenario),
    /// [`ENV_VAR`] was malformed; the message was printed once.
    Broken,
}

/// A buffer handed out and not yet freed: its allocation, and where in it the handed-out
/// address lies (1 for `enumerate_misaligned`, else 0).
#[derive(Clone, Copy)]
struct Block {
    layout: Layout,
    offset: usize,
}

struct State {
    config: Config,
    /// Handed-out address -> allocation of every buffer handed out and not yet freed.
    live: BTreeMap<usize, Block>,
    stats: Stats,
    /// Credential handle id (`dwLower`) -> credentials, for every live credential handle.
    credentials: BTreeMap<usize, exchange::Credential>,
    /// Context handle id (`dwLower`) -> context, for every live context handle.
    contexts: BTreeMap<usize, exchange::Context>,
    /// The last handle id handed out; never reset, so a handle of an earlier scenario is unknown.
    next_handle: usize,
    last_identity: Option<Identity>,
    /// The path the last `SetContextAttributesW(SECPKG_ATTR_AUTH_NTLM_SAM_FILE)` set.
    last_sam_file: Option<Vec<u8>>,
}

static STATE: Mutex<State> = Mutex::new(State {
    config: Config::Unloaded,
    live: BTreeMap::new(),
    stats: Stats::ZERO,
    credentials: BTreeMap::new(),
    contexts: BTreeMap::new(),
    next_handle: 0,
    last_identity: None,
    last_sam_file: None,
});

/// Held by a [`ScenarioGuard`], so tests using the provider run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// A panic inside a provider call is caught and reported as a status, so the state may be
/// mid-update; it is still consistent enough for a test double, hence no poisoning.
fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// The current scenario, loading it from the environment on first use.
    fn scenario(&mut self) -> Result<Scenario, SECURITY_STATUS> {
        if let Config::Unloaded = self.config {
            self.config = match Scenario::from_env() {
                Ok(s) => Config::Ready(s),
                Err(e) => {
                    // One line, and never a panic: stderr may be closed in the host.
                    let line = e.replace(['\r', '\n'], " ");
                    let _ = writeln!(std::io::stderr(), "secpkg-test-provider: {ENV_VAR}: {line}");
                    Config::Broken
                }
            };
        }
        match &self.config {
            Config::Ready(s) => Ok(s.clone()),
            _ => Err(SEC_E_INTERNAL_ERROR),
        }
    }

    /// Allocates one block holding `records` and then their strings, as Windows does, and
    /// tracks it; the array starts `offset` bytes into the allocation.
    fn allocate(&mut self, records: &[Record], offset: usize) -> Result<*mut SecPkgInfoW, SECURITY_STATUS> {
        let (array, layout) = write_block(records, offset)?;
        // Exposed, so the guard can give back a buffer the caller never freed.
        self.live.insert(array.expose_provenance(), Block { layout, offset });
        self.stats.allocations += 1;
        Ok(array)
    }

    /// Allocates a tracked copy of `bytes` (at least one byte, so an empty token is still a
    /// buffer to free), freed by `FreeContextBuffer` like every other buffer.
    fn allocate_bytes(&mut self, bytes: &[u8]) -> Result<*mut u8, SECURITY_STATUS> {
        let layout =
            Layout::from_size_align(bytes.len().max(1), align_of::<u64>()).map_err(|_| SEC_E_INSUFFICIENT_MEMORY)?;
        // SAFETY: `layout` has a non-zero size.
        let block = unsafe { alloc::alloc(layout) };
        if block.is_null() {
            return Err(SEC_E_INSUFFICIENT_MEMORY);
        }
        // SAFETY: the block holds at least `bytes.len()` bytes and is new, so not overlapping.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), block, bytes.len()) };
        self.live.insert(block.expose_provenance(), Block { layout, offset: 0 });
        self.stats.allocations += 1;
        Ok(block)
    }
}

/// Allocates one block holding `records` and then their strings, as Windows does, starting
/// `offset` bytes into an allocation aligned for `SecPkgInfoW` (an `offset` of 1 breaks the
/// SSPI contract on purpose); returns the array and the allocation's layout.
fn write_block(records: &[Record], offset: usize) -> Result<(*mut SecPkgInfoW, Layout), SECURITY_STATUS> {
    let strings = records.iter().flat_map(|r| [&r.name, &r.comment]).flatten();
    let string_bytes: usize = strings.map(|s| (s.len() + 1) * size_of::<u16>()).sum();
    // At least one byte: an empty array is still a real allocation to be freed.
    let size = (offset + records.len() * size_of::<SecPkgInfoW>() + string_bytes).max(1);
    let layout = Layout::from_size_align(size, align_of::<SecPkgInfoW>()).map_err(|_| SEC_E_INSUFFICIENT_MEMORY)?;
    // SAFETY: `layout` has a non-zero size.
    let base = unsafe { alloc::alloc(layout) };
    if base.is_null() {
        return Err(SEC_E_INSUFFICIENT_MEMORY);
    }
    // SAFETY: `size` counts `offset` first, so this is in bounds (or one past the end when there
    // is nothing else).
    let array = unsafe { base.add(offset) }.cast::<SecPkgInfoW>();
    // SAFETY: the block holds room for `records.len()` records after `offset`, so this is in
    // bounds; what follows is the strings area (aligned for u16 when `offset` is 0; every write
    // below is unaligned, so a misaligned block is written as well).
    let mut text = unsafe { array.add(records.len()) }.cast::<u16>();
    let mut put = |units: &Option<Vec<u16>>| match units {
        None => ptr::null_mut(),
        Some(units) => {
            let start = text;
            // SAFETY: `string_bytes` reserved `len + 1` units for this string after the
            // previous ones; the source is a live Vec, not part of the new block.
            unsafe {
                ptr::copy_nonoverlapping(units.as_ptr().cast::<u8>(), text.cast::<u8>(), units.len() * 2);
                text.add(units.len()).write_unaligned(0);
                text = text.add(units.len() + 1);
            }
            start
        }
    };
    for (i, r) in records.iter().enumerate() {
        let info = SecPkgInfoW {
            fCapabilities: r.capabilities,
            wVersion: r.version,
            wRPCID: r.rpc_id,
            cbMaxToken: r.max_token,
            Name: put(&r.name),
            Comment: put(&r.comment),
        };
        // SAFETY: record `i` lies in the array part of the block.
        unsafe { array.add(i).write_unaligned(info) };
    }
    Ok((array, layout))
}

/// One `SecPkgInfoW` to write, strings as UTF-16 units without NUL (`None`: null pointer).
struct Record {
    capabilities: u32,
    version: u16,
    rpc_id: u16,
    max_token: u32,
    name: Option<Vec<u16>>,
    comment: Option<Vec<u16>>,
}

impl From<&Package> for Record {
    fn from(p: &Package) -> Self {
        Record {
            capabilities: p.capabilities,
            version: p.version,
            rpc_id: p.rpc_id,
            max_token: p.max_token,
            name: (!p.name_null).then(|| p.name_units()),
            comment: p.comment_units(),
        }
    }
}

/// Keeps [`install`]ed scenarios from overlapping; dropping it uninstalls the scenario (the
/// provider then reads [`ENV_VAR`] again on next use). Counters stay readable after the drop.
#[must_use = "the scenario is uninstalled when the guard is dropped"]
pub struct ScenarioGuard {
    _serial: MutexGuard<'static, ()>,
}

impl Drop for ScenarioGuard {
    /// Also gives back the buffers still live (a scenario whose FreeContextBuffer refuses to
    /// free, or a caller that leaked), after the test has read the counters, so that leak
    /// checkers report only the leaks of the code under test.
    fn drop(&mut self) {
        let mut st = state();
        st.config = Config::Unloaded;
        // Handles own no memory: forgetting them is all the release they need.
        st.credentials.clear();
        st.contexts.clear();
        for (addr, Block { layout, offset }) in std::mem::take(&mut st.live) {
            // SAFETY: `addr` is the exposed address `offset` bytes into a block allocated with
            // `layout` by `write_block` and still in `live`, so not freed; the scenario is over,
            // so the caller no longer reads it (its guard is being dropped).
            unsafe { alloc::dealloc(std::ptr::with_exposed_provenance_mut::<u8>(addr - offset), layout) };
        }
    }
}

/// Makes `scenario` the provider's behaviour and resets the counters, after waiting for any other
/// guard to be dropped.
///
/// # Panics
/// If `scenario` does not [`validate`](Scenario::validate).
pub fn install(scenario: Scenario) -> ScenarioGuard {
    if let Err(e) = scenario.validate() {
        panic!("secpkg-test-provider: {e}");
    }
    // A test that panicked while holding the guard poisons SERIAL; the next test still runs.
    let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let mut st = state();
    st.config = Config::Ready(scenario);
    st.live.clear();
    st.credentials.clear();
    st.contexts.clear();
    st.last_identity = None;
    st.last_sam_file = None;
    st.stats = Stats::default();
    ScenarioGuard { _serial: serial }
}

/// The counters since the last [`install`].
pub fn stats() -> Stats {
    let st = state();
    Stats {
        live: st.live.len() as u64,
        live_credentials: st.credentials.len() as u64,
        live_contexts: st.contexts.len() as u64,
        ..st.stats
    }
}

/// The identity (`SEC_WINNT_AUTH_IDENTITY_W`) the last `AcquireCredentialsHandleW` since the last
/// [`install`] was given, if any was.
pub fn last_identity() -> Option<Identity> {
    state().last_identity.clone()
}

/// The path (bytes, without the NUL) the last `SetContextAttributesW` of WinPR's
/// `SECPKG_ATTR_AUTH_NTLM_SAM_FILE` since the last [`install`] set, if one did.
pub fn last_sam_file() -> Option<Vec<u8>> {
    state().last_sam_file.clone()
}

/// This provider's function table for the current scenario, functions in `missing` left `None`.
/// (A malformed [`ENV_VAR`] gives the full table, whose functions return `SEC_E_INTERNAL_ERROR`.)
pub fn table() -> SecurityFunctionTableW {
    let scenario = state().scenario().ok();
    build_table(&TableShape::of(scenario.as_ref()))
}

/// What distinguishes one table from another.
#[derive(Clone, Copy, PartialEq, Eq)]
struct TableShape {
    version: u32,
    /// Presence of each of [`TABLE_FUNCTIONS`], in that order.
    present: [bool; 3],
    /// Presence of each of [`EXCHANGE_FUNCTIONS`], in that order.
    exchange: [bool; 8],
}

impl TableShape {
    fn of(scenario: Option<&Scenario>) -> Self {
        let Some(s) = scenario else {
            return TableShape {
                version: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
                present: [true; 3],
                exchange: [true; 8],
            };
        };
        let present = |f: &str| !s.missing.iter().any(|m| m == f);
        TableShape {
            version: s.table_version,
            present: TABLE_FUNCTIONS.map(present),
            exchange: EXCHANGE_FUNCTIONS.map(present),
        }
    }
}

type EnumerateFn = unsafe extern "system" fn(*mut u32, *mut *mut SecPkgInfoW) -> SECURITY_STATUS;
type QueryFn = unsafe extern "system" fn(*mut u16, *mut *mut SecPkgInfoW) -> SECURITY_STATUS;
type FreeFn = unsafe extern "system" fn(*mut c_void) -> SECURITY_STATUS;
type AcquireFn = unsafe extern "system" fn(
    *mut u16,
    *mut u16,
    u32,
    *mut c_void,
    *mut c_void,
    SEC_GET_KEY_FN,
    *mut c_void,
    *mut SecHandle,
    *mut i64,
) -> SECURITY_STATUS;
type HandleFn = unsafe extern "system" fn(*mut SecHandle) -> SECURITY_STATUS;
type InitializeFn = unsafe extern "system" fn(
    *mut SecHandle,
    *mut SecHandle,
    *mut u16,
    u32,
    u32,
    u32,
    *mut SecBufferDesc,
    u32,
    *mut SecHandle,
    *mut SecBufferDesc,
    *mut u32,
    *mut i64,
) -> SECURITY_STATUS;
type AcceptFn = unsafe extern "system" fn(
    *mut SecHandle,
    *mut SecHandle,
    *mut SecBufferDesc,
    u32,
    u32,
    *mut SecHandle,
    *mut SecBufferDesc,
    *mut u32,
    *mut i64,
) -> SECURITY_STATUS;
type CompleteFn = unsafe extern "system" fn(*mut SecHandle, *mut SecBufferDesc) -> SECURITY_STATUS;
type AttributesFn = unsafe extern "system" fn(*mut SecHandle, u32, *mut c_void) -> SECURITY_STATUS;
type SetAttributesFn = unsafe extern "system" fn(*mut SecHandle, u32, *mut c_void, u32) -> SECURITY_STATUS;

fn build_table(shape: &TableShape) -> SecurityFunctionTableW {
    let [enumerate, query, free] = shape.present;
    let [acquire, free_credentials, initialize, accept, complete, attributes, delete, set_attributes] = shape.exchange;
    SecurityFunctionTableW {
        dwVersion: shape.version,
        EnumerateSecurityPackagesW: enumerate.then_some(EnumerateSecurityPackagesW as EnumerateFn),
        QuerySecurityPackageInfoW: query.then_some(QuerySecurityPackageInfoW as QueryFn),
        FreeContextBuffer: free.then_some(FreeContextBuffer as FreeFn),
        AcquireCredentialsHandleW: acquire.then_some(AcquireCredentialsHandleW as AcquireFn),
        FreeCredentialsHandle: free_credentials.then_some(FreeCredentialsHandle as HandleFn),
        InitializeSecurityContextW: initialize.then_some(InitializeSecurityContextW as InitializeFn),
        AcceptSecurityContext: accept.then_some(AcceptSecurityContext as AcceptFn),
        CompleteAuthToken: complete.then_some(CompleteAuthToken as CompleteFn),
        QueryContextAttributesW: attributes.then_some(QueryContextAttributesW as AttributesFn),
        DeleteSecurityContext: delete.then_some(DeleteSecurityContext as HandleFn),
        SetContextAttributesW: set_attributes.then_some(SetContextAttributesW as SetAttributesFn),
        ..SecurityFunctionTableW::default()
    }
}

/// A table leaked for `InitSecurityInterfaceW`, which must return a pointer that stays valid.
struct StaticTable(TableShape, *mut SecurityFunctionTableW);
// SAFETY: the pointee is a leaked, never-freed table that this crate never writes after creating
// it; the pointer is only handed out, so moving it between threads is harmless.
unsafe impl Send for StaticTable {}

/// One leaked table per shape (at most a handful), so repeated calls do not leak more.
static TABLES: Mutex<Vec<StaticTable>> = Mutex::new(Vec::new());

/// Runs a provider call, turning a panic into `SEC_E_INTERNAL_ERROR` so none crosses the FFI
/// boundary. `Err` is just an early return of a status.
fn guard(call: impl FnOnce() -> Result<SECURITY_STATUS, SECURITY_STATUS>) -> SECURITY_STATUS {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(status) | Err(status)) => status,
        Err(_) => SEC_E_INTERNAL_ERROR,
    }
}

fn garbage_pointer<T>() -> *mut T {
    ptr::without_provenance_mut(GARBAGE_ADDRESS)
}

/// Calls of [`InitSecurityInterfaceW`] in this process.
static INIT_CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many times [`InitSecurityInterfaceW`] was called in this process (of this copy of the
/// provider: the library exports it as `secpkg_test_provider_init_calls`).
pub fn init_calls() -> u64 {
    INIT_CALLS.load(std::sync::atomic::Ordering::SeqCst)
}

/// The provider's entry point: a pointer to a static table for the current scenario (valid for
/// the life of the process; do not write through it), or null with `null_table` or a malformed
/// [`ENV_VAR`].
#[allow(non_snake_case)] // the SDK function it stands in for
pub extern "system" fn InitSecurityInterfaceW() -> *mut SecurityFunctionTableW {
    INIT_CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let result = catch_unwind(|| {
        let scenario = state().scenario().ok()?;
        if scenario.null_table {
            return None;
        }
        let shape = TableShape::of(Some(&scenario));
        let mut tables = TABLES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(StaticTable(_, table)) = tables.iter().find(|t| t.0 == shape) {
            return Some(*table);
        }
        let table = Box::into_raw(Box::new(build_table(&shape)));
        tables.push(StaticTable(shape, table));
        Some(table)
    });
    result.ok().flatten().unwrap_or(ptr::null_mut())
}

/// `EnumerateSecurityPackagesW` as the scenario says.
///
/// # Safety
/// Both pointers are null or valid for one write (the SSPI contract).
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn EnumerateSecurityPackagesW(
    count: *mut u32,
    packages: *mut *mut SecPkgInfoW,
) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.enumerate_calls += 1;
        let s = st.scenario()?;
        // With racy bookkeeping the lock is let go here, as WinPR takes none.
        let mut st = (!s.racy_bookkeeping).then_some(st);
        let mut allocate = |records: &[Record], offset| match st.as_mut() {
            Some(st) => st.allocate(records, offset),
            None => racy::allocate(records),
        };
        if count.is_null() || packages.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        let (n, array) = if let Some(status) = s.enumerate_status.filter(|&e| e != SEC_E_OK) {
            // SAFETY: both checked non-null above, valid for writes by this fn's contract.
            unsafe { (count.write(GARBAGE_COUNT), packages.write(garbage_pointer())) };
            return Err(status);
        } else if s.enumerate_null_array {
            (s.packages.len(), ptr::null_mut())
        } else if let Some(address) = s.enumerate_array_address {
            let address = usize::try_from(address).map_err(|_| SEC_E_INTERNAL_ERROR)?;
            (s.packages.len(), ptr::without_provenance_mut(address))
        } else if s.enumerate_empty_non_null {
            (0, allocate(&[], 0)?)
        } else {
            let records: Vec<Record> = s.packages.iter().map(Record::from).collect();
            (records.len(), allocate(&records, usize::from(s.enumerate_misaligned))?)
        };
        let n = match s.enumerate_count {
            Some(n) => n,
            None => u32::try_from(n).map_err(|_| SEC_E_INSUFFICIENT_MEMORY)?,
        };
        // SAFETY: both checked non-null above, valid for writes by this fn's contract.
        unsafe { (count.write(n), packages.write(array)) };
        Ok(SEC_E_OK)
    })
}

/// Panics inside a function that cannot unwind, so the process aborts after the panic hook has
/// printed the message and location, as a provider's panic that reaches its C entry point does.
#[allow(improper_ctypes_definitions)] // called from Rust only: the ABI is for its no-unwind rule
extern "C" fn panic_into_c(name: &str) -> ! {
    panic!("secpkg-test-provider: no package named {name:?}")
}

/// `QuerySecurityPackageInfoW` as the scenario says.
///
/// # Safety
/// `name` is null or a NUL-terminated UTF-16 string; `info` is null or valid for one write.
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn QuerySecurityPackageInfoW(
    name: *mut u16,
    info: *mut *mut SecPkgInfoW,
) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.query_calls += 1;
        let s = st.scenario()?;
        // With racy bookkeeping the lock is let go here, as WinPR takes none.
        let st = (!s.racy_bookkeeping).then_some(st);
        if s.crash_on_query {
            std::process::abort();
        }
        if info.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        if let Some(status) = s.query_status.filter(|&e| e != SEC_E_OK) {
            // SAFETY: checked non-null above, valid for a write by this fn's contract.
            unsafe { info.write(garbage_pointer()) };
            return Err(status);
        }
        // SAFETY: non-null, so NUL-terminated UTF-16 by this fn's contract.
        let wanted = (!name.is_null()).then(|| unsafe { read_wide(name) });
        let found = wanted.as_ref().and_then(|wanted| {
            s.packages.iter().find(|p| names_match(&p.name_units(), wanted, s.query_case_sensitive))
        });
        let Some(package) = found else {
            let unknown = wanted.as_deref().map(String::from_utf16_lossy).unwrap_or_default();
            match s.unknown_query_panics {
                Some(PanicMode::Unwind) => panic!("secpkg-test-provider: no package named {unknown:?}"),
                Some(PanicMode::Abort) => panic_into_c(&unknown),
                None => {}
            }
            if s.unknown_query_writes_out {
                // SAFETY: checked non-null above, valid for a write by this fn's contract.
                unsafe { info.write(garbage_pointer()) };
            }
            return Err(s.unknown_query_status.unwrap_or(SEC_E_SECPKG_NOT_FOUND));
        };
        let mut record = Record::from(package);
        if s.query_returns_other_record {
            record.max_token = record.max_token.wrapping_add(1);
        }
        let block = match st {
            Some(mut st) => st.allocate(&[record], 0)?,
            None => racy::allocate(&[record])?,
        };
        // SAFETY: checked non-null above, valid for a write by this fn's contract.
        unsafe { info.write(block) };
        Ok(SEC_E_OK)
    })
}

/// `FreeContextBuffer`: releases a buffer this provider handed out, once.
///
/// # Safety
/// None beyond the call itself: any pointer is accepted, and only tracked ones are touched.
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn FreeContextBuffer(buffer: *mut c_void) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.free_calls += 1;
        let s = st.scenario()?;
        if buffer.is_null() {
            st.stats.null_frees += 1;
            return Ok(SEC_E_OK);
        }
        if s.racy_bookkeeping {
            drop(st);
            // SAFETY: FreeContextBuffer accepts any pointer; `racy::free` touches only its own.
            unsafe { racy::free(buffer.cast()) };
            return Ok(s.free_status.unwrap_or(SEC_E_OK));
        }
        let Some(&Block { layout, offset }) = st.live.get(&buffer.addr()) else {
            st.stats.bad_frees += 1;
            return Err(SEC_E_INVALID_HANDLE);
        };
        if s.free_rejects {
            return Err(SEC_E_INVALID_HANDLE);
        }
        st.live.remove(&buffer.addr());
        st.stats.frees += 1;
        // SAFETY: `buffer` lies `offset` bytes into a live block that `write_block` allocated.
        let base = unsafe { buffer.cast::<u8>().sub(offset) };
        // SAFETY: `base` was allocated with `layout` by `write_block` and, having been in `live`
        // until just now, was not freed before.
        unsafe { poison_and_free(base, layout) };
        Ok(s.free_status.unwrap_or(SEC_E_OK))
    })
}

/// Overwrites a block with [`POISON`], so that reads after free see garbage, and frees it.
///
/// # Safety
/// `base` was allocated with `layout` by the global allocator and is not freed yet.
unsafe fn poison_and_free(base: *mut u8, layout: Layout) {
    for i in 0..layout.size() {
        // SAFETY: the block has `layout.size()` bytes. Volatile, so the poisoning is not dropped
        // as a dead store before dealloc.
        unsafe { base.add(i).write_volatile(POISON) };
    }
    // SAFETY: guaranteed by the caller.
    unsafe { alloc::dealloc(base, layout) };
}

/// Reads a NUL-terminated UTF-16 string (without the NUL).
///
/// # Safety
/// `p` points to a NUL-terminated UTF-16 string.
unsafe fn read_wide(p: *const u16) -> Vec<u16> {
    let mut units = Vec::new();
    // SAFETY: every unit up to and including the NUL is readable by the caller's guarantee.
    while let unit @ 1.. = unsafe { p.add(units.len()).read() } {
        units.push(unit);
    }
    units
}

/// Compares names as SSPI does: case-insensitively by default, unit by unit, so unpaired
/// surrogates compare as themselves.
fn names_match(a: &[u16], b: &[u16], case_sensitive: bool) -> bool {
    fn fold(unit: u16) -> u16 {
        let Some(c) = char::from_u32(u32::from(unit)) else {
            return unit;
        };
        let mut upper = c.to_uppercase();
        match (upper.next(), upper.next()) {
            (Some(u), None) => u16::try_from(u32::from(u)).unwrap_or(unit),
            _ => unit,
        }
    }
    if case_sensitive {
        return a == b;
    }
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| fold(x) == fold(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal_error() {
        assert_eq!(guard(|| panic!("provider bug")), SEC_E_INTERNAL_ERROR);
        assert_eq!(guard(|| Err(SEC_E_INVALID_HANDLE)), SEC_E_INVALID_HANDLE);
        assert_eq!(guard(|| Ok(SEC_E_OK)), SEC_E_OK);
    }

    #[test]
    fn names_fold_case_unit_by_unit() {
        let w = |s: &str| s.encode_utf16().collect::<Vec<_>>();
        assert!(names_match(&w("Negotiate"), &w("nEGOTIATE"), false));
        assert!(!names_match(&w("Negotiate"), &w("nEGOTIATE"), true));
        assert!(names_match(&w("Ünï"), &w("üNÏ"), false));
        assert!(!names_match(&w("NTLM"), &w("NTLMX"), false));
        // An unpaired surrogate only matches itself; 'ß' uppercases to two chars, so stays put.
        assert!(names_match(&[0xD800, 0x61], &[0xD800, 0x41], false));
        assert!(!names_match(&[0xD800], &[0xDC00], false));
        assert!(names_match(&w("ß"), &w("ß"), false));
    }
}
