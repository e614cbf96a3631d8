//! A complete NTLM exchange, client and server in one process, through secpkg's safe API beside
//! the raw call sequence a careful C programmer writes for it, on the same provider (WinPR).
//!
//! | case | what one run does |
//! |---|---|
//! | `raw_exchange` | the raw calls through the provider's function table, below |
//! | `exchange` | the same exchange through `acquire_credentials`, `ClientContext`, `ServerContext` |
//! | `raw_exchange_known_size` | `raw_exchange` with cbMaxToken learnt once, before (no query per run) |
//!
//! `raw_exchange`, in order: `QuerySecurityPackageInfoW("NTLM")` (cbMaxToken) and
//! `FreeContextBuffer`, then `AcquireCredentialsHandleW` outbound with an explicit
//! `SEC_WINNT_AUTH_IDENTITY_W`; the same query, then `AcquireCredentialsHandleW` inbound (the
//! seed's client and server each learn cbMaxToken; secpkg's `acquire_credentials` queries the
//! package too); one token buffer of cbMaxToken bytes per side, allocated once per exchange
//! and reused by every leg; `InitializeSecurityContextW` and `AcceptSecurityContext` in turn,
//! each with one `SECBUFFER_TOKEN` in and out, until a side has nothing to send;
//! `SetContextAttributesW(SECPKG_ATTR_AUTH_NTLM_SAM_FILE)` on the server's context after its
//! first leg; `CompleteAuthToken` when a leg asks for it; `QueryContextAttributesW
//! (SECPKG_ATTR_SIZES)` on the client's context; `DeleteSecurityContext` ×2 and
//! `FreeCredentialsHandle` ×2. Every status is checked, and every written length against its
//! buffer. The strings (package, target, user, domain, password, SAM path) are prepared once,
//! as a C program has them as literals.
//!
//! Outside the measured region, shared by all cases: loading WinPR, its function table, the SAM
//! file (written once by `winpr-hash` into a temporary directory), the prepared strings.
//! Inside: everything an exchange does, from the credentials to their release, including
//! WinPR's own work (its NTLM computations and the SAM file it opens and reads per exchange).

use crate::{PairTiming, env_number, paired};
use secpkg::{ClientContext, CredentialUse, Identity, PackageName, Provider, ServerContext, Step};
use secpkg_sys::{
    SEC_E_OK, SEC_I_COMPLETE_AND_CONTINUE, SEC_I_COMPLETE_NEEDED, SEC_I_CONTINUE_NEEDED,
    SEC_WINNT_AUTH_IDENTITY_UNICODE, SEC_WINNT_AUTH_IDENTITY_W, SECBUFFER_TOKEN, SECBUFFER_VERSION,
    SECPKG_ATTR_AUTH_NTLM_SAM_FILE, SECPKG_ATTR_SIZES, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND, SecBuffer,
    SecBufferDesc, SecHandle, SecPkgContext_Sizes, SecPkgInfoW, SecurityFunctionTableW,
};
use std::ffi::{CString, c_void};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Subjects made by [`ExchangeSubject::winpr`] in this process, for their directories' names.
static SUBJECTS: AtomicU32 = AtomicU32::new(0);

/// The account both sides use: the client's identity, the server's SAM file line.
pub const USER: &str = "alice";
pub const DOMAIN: &str = "EXAMPLE";
pub const PASSWORD: &str = "S3cret!-secpkg";
/// The client's target name.
pub const TARGET: &str = "HOST/localhost";

type AcquireFn = unsafe extern "system" fn(
    *mut u16,
    *mut u16,
    u32,
    *mut c_void,
    *mut c_void,
    secpkg_sys::SEC_GET_KEY_FN,
    *mut c_void,
    *mut SecHandle,
    *mut i64,
) -> i32;
type HandleFn = unsafe extern "system" fn(*mut SecHandle) -> i32;
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
) -> i32;
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
) -> i32;
type CompleteFn = unsafe extern "system" fn(*mut SecHandle, *mut SecBufferDesc) -> i32;
type QueryContextFn = unsafe extern "system" fn(*mut SecHandle, u32, *mut c_void) -> i32;
type SetContextFn = unsafe extern "system" fn(*mut SecHandle, u32, *mut c_void, u32) -> i32;
type QueryPackageFn = unsafe extern "system" fn(*mut u16, *mut *mut SecPkgInfoW) -> i32;
type FreeBufferFn = unsafe extern "system" fn(*mut c_void) -> i32;

/// The functions of a provider's table that the raw exchange calls.
#[derive(Clone, Copy)]
pub struct RawExchange {
    acquire: AcquireFn,
    free_credentials: HandleFn,
    initialize: InitializeFn,
    accept: AcceptFn,
    complete: CompleteFn,
    query_context: QueryContextFn,
    set_context: SetContextFn,
    delete: HandleFn,
    query_package: QueryPackageFn,
    free_buffer: FreeBufferFn,
}

impl RawExchange {
    /// The functions of `table`, or the name of the first one missing.
    ///
    /// # Safety
    /// The table's functions follow the SSPI contract and stay callable while the value is used.
    pub unsafe fn new(table: &SecurityFunctionTableW) -> Result<RawExchange, &'static str> {
        Ok(RawExchange {
            acquire: table.AcquireCredentialsHandleW.ok_or("AcquireCredentialsHandleW")?,
            free_credentials: table.FreeCredentialsHandle.ok_or("FreeCredentialsHandle")?,
            initialize: table.InitializeSecurityContextW.ok_or("InitializeSecurityContextW")?,
            accept: table.AcceptSecurityContext.ok_or("AcceptSecurityContext")?,
            complete: table.CompleteAuthToken.ok_or("CompleteAuthToken")?,
            query_context: table.QueryContextAttributesW.ok_or("QueryContextAttributesW")?,
            set_context: table.SetContextAttributesW.ok_or("SetContextAttributesW")?,
            delete: table.DeleteSecurityContext.ok_or("DeleteSecurityContext")?,
            query_package: table.QuerySecurityPackageInfoW.ok_or("QuerySecurityPackageInfoW")?,
            free_buffer: table.FreeContextBuffer.ok_or("FreeContextBuffer")?,
        })
    }
}

/// What one exchange showed; both sides of the pair must show the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// Legs taken, client's and server's.
    pub legs: u32,
    /// The length of every token sent, summed.
    pub token_bytes: u64,
    /// The client context's cbMaxToken (`SECPKG_ATTR_SIZES`).
    pub context_max_token: u32,
}

/// One exchange workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangeCase {
    Raw,
    Safe,
    RawKnownSize,
}

impl ExchangeCase {
    pub const ALL: [ExchangeCase; 3] = [ExchangeCase::Raw, ExchangeCase::Safe, ExchangeCase::RawKnownSize];
    /// (raw, safe).
    pub const PAIRS: [(ExchangeCase, ExchangeCase); 2] =
        [(ExchangeCase::Raw, ExchangeCase::Safe), (ExchangeCase::RawKnownSize, ExchangeCase::Safe)];

    pub const fn name(self) -> &'static str {
        match self {
            ExchangeCase::Raw => "raw_exchange",
            ExchangeCase::Safe => "exchange",
            ExchangeCase::RawKnownSize => "raw_exchange_known_size",
        }
    }

    pub fn from_name(name: &str) -> Option<ExchangeCase> {
        ExchangeCase::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// NUL-terminated UTF-16.
fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

/// The provider, its raw functions, and everything both sides share.
pub struct ExchangeSubject {
    label: String,
    provider: Provider,
    raw: RawExchange,
    package: PackageName<'static>,
    package_wide: Vec<u16>,
    target_wide: Vec<u16>,
    user_wide: Vec<u16>,
    domain_wide: Vec<u16>,
    password_wide: Vec<u16>,
    sam_path: PathBuf,
    sam_c: CString,
    /// cbMaxToken, learnt once for `raw_exchange_known_size`.
    known_max_token: u32,
    /// The directory of the SAM file, when the subject wrote it: removed when dropped.
    _sam_dir: Option<TempDir>,
}

/// A directory of the subject's own, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl ExchangeSubject {
    /// NTLM on `provider`, whose raw functions are `raw`, the server's accounts in `sam_path`.
    pub fn new(label: &str, provider: Provider, raw: RawExchange, sam_path: &Path) -> ExchangeSubject {
        let sam_c = CString::new(sam_path.to_str().expect("a Unicode SAM path")).expect("a SAM path without NUL");
        let mut subject = ExchangeSubject {
            label: label.to_owned(),
            provider,
            raw,
            package: PackageName::NTLM,
            package_wide: wide(PackageName::NTLM.as_str()),
            target_wide: wide(TARGET),
            user_wide: wide(USER),
            domain_wide: wide(DOMAIN),
            password_wide: wide(PASSWORD),
            sam_path: sam_path.to_owned(),
            sam_c,
            known_max_token: 0,
            _sam_dir: None,
        };
        subject.known_max_token = subject.raw_max_token();
        subject
    }

    /// NTLM on the system provider, which must be WinPR, with a SAM file of [`USER`] that
    /// `winpr-hash` (Debian's winpr-utils) writes into a new temporary directory. `Err` says
    /// why there is none: no system provider, not WinPR, no winpr-hash (or Windows, where the
    /// SAM file does not apply).
    pub fn winpr() -> Result<ExchangeSubject, String> {
        if cfg!(windows) {
            return Err("the exchange benchmark is WinPR's (its server reads a SAM file)".into());
        }
        let provider = match Provider::system() {
            Ok(provider) => provider,
            Err(error @ (secpkg::Error::NoProvider { .. } | secpkg::Error::Load { .. })) => {
                return Err(format!("no system SSPI provider: {error}"));
            }
            Err(error) => panic!("the system provider failed: {error}"),
        };
        if !provider.origin().to_string_lossy().contains("winpr") {
            return Err(format!("the system provider is {}, not WinPR", provider.origin().display()));
        }
        let args = ["-u", USER, "-p", PASSWORD, "-d", DOMAIN, "-f", "sam"];
        let output = match Command::new("winpr-hash").args(args).output() {
            Ok(output) if output.status.success() => output,
            other => return Err(format!("winpr-hash (Debian: apt install winpr-utils) does not run: {other:?}")),
        };
        let dir = TempDir(std::env::temp_dir().join(format!(
            "secpkg-bench-exchange-{}-{}",
            std::process::id(),
            SUBJECTS.fetch_add(1, Ordering::Relaxed)
        )));
        std::fs::create_dir_all(&dir.0).expect("a temporary directory");
        let sam = dir.0.join("SAM");
        std::fs::write(&sam, &output.stdout).expect("writing the SAM file");
        let table = crate::system_table(&provider);
        // SAFETY: the system provider's functions follow the SSPI contract and stay loaded.
        let raw = unsafe { RawExchange::new(&table) }
            .unwrap_or_else(|missing| panic!("the system provider's table has no {missing}"));
        let mut subject = ExchangeSubject::new("winpr-ntlm", provider, raw, &sam);
        subject._sam_dir = Some(dir);
        Ok(subject)
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// `QuerySecurityPackageInfoW` of the package: its cbMaxToken.
    fn raw_max_token(&self) -> u32 {
        let mut info: *mut SecPkgInfoW = std::ptr::null_mut();
        // SAFETY: the name is NUL-terminated and only read; `info` is valid for a write.
        let status = unsafe { (self.raw.query_package)(self.package_wide.as_ptr().cast_mut(), &mut info) };
        assert_eq!(status, SEC_E_OK, "QuerySecurityPackageInfoW");
        assert!(!info.is_null(), "QuerySecurityPackageInfoW: no record");
        // SAFETY: on success, one record, valid until freed below.
        let max_token = unsafe { (*info).cbMaxToken };
        // SAFETY: the provider's buffer, freed once.
        let status = unsafe { (self.raw.free_buffer)(info.cast()) };
        assert_eq!(status, SEC_E_OK, "FreeContextBuffer");
        max_token
    }

    /// `AcquireCredentialsHandleW` of the package for `usage`, as `identity` or the default.
    fn raw_acquire(&self, usage: u32, identity: *mut SEC_WINNT_AUTH_IDENTITY_W) -> SecHandle {
        let mut handle = SecHandle::default();
        let mut expiry = 0i64;
        // SAFETY: the name is NUL-terminated; `identity` is null or points to a structure whose
        // strings are NUL-terminated with the lengths given, alive for the call; the handle and
        // expiry are valid for writes.
        let status = unsafe {
            (self.raw.acquire)(
                std::ptr::null_mut(),
                self.package_wide.as_ptr().cast_mut(),
                usage,
                std::ptr::null_mut(),
                identity.cast(),
                None,
                std::ptr::null_mut(),
                &mut handle,
                &mut expiry,
            )
        };
        assert_eq!(status, SEC_E_OK, "AcquireCredentialsHandleW({usage})");
        handle
    }

    /// The exchange as a careful C programmer writes it (see the module's docs); cbMaxToken
    /// queried per side when `query_size`, else the one learnt at setup.
    pub fn raw_exchange(&self, query_size: bool) -> Transcript {
        let raw = &self.raw;
        let units = |s: &[u16]| (s.len() - 1) as u32;
        let mut identity = SEC_WINNT_AUTH_IDENTITY_W {
            User: self.user_wide.as_ptr().cast_mut(),
            UserLength: units(&self.user_wide),
            Domain: self.domain_wide.as_ptr().cast_mut(),
            DomainLength: units(&self.domain_wide),
            Password: self.password_wide.as_ptr().cast_mut(),
            PasswordLength: units(&self.password_wide),
            Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        };
        let client_max = if query_size { self.raw_max_token() } else { self.known_max_token };
        let mut client_credentials = self.raw_acquire(SECPKG_CRED_OUTBOUND, &mut identity);
        let server_max = if query_size { self.raw_max_token() } else { self.known_max_token };
        let mut server_credentials = self.raw_acquire(SECPKG_CRED_INBOUND, std::ptr::null_mut());
        // malloc(cbMaxToken) per side: the provider writes the tokens, nothing reads the rest.
        let mut client_buffer: Vec<u8> = Vec::with_capacity(client_max as usize);
        let mut server_buffer: Vec<u8> = Vec::with_capacity(server_max as usize);
        let client_memory: *mut c_void = client_buffer.as_mut_ptr().cast();
        let server_memory: *mut c_void = server_buffer.as_mut_ptr().cast();

        let mut client_context = SecHandle::default();
        let mut server_context = SecHandle::default();
        let (mut client_live, mut server_live) = (false, false);
        // Set by every client leg; the server's stays false if the client stops first.
        let mut client_done: bool;
        let mut server_done = false;
        let mut attributes = 0u32;
        let mut expiry = 0i64;
        let mut transcript = Transcript { legs: 0, token_bytes: 0, context_max_token: 0 };
        // The server's last token, in `server_buffer`: none before the first leg.
        let mut server_len: Option<u32> = None;
        loop {
            // The client's leg: the server's token in, the client's out.
            let mut input =
                SecBuffer { cbBuffer: server_len.unwrap_or(0), BufferType: SECBUFFER_TOKEN, pvBuffer: server_memory };
            let mut input_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut input };
            let mut output = SecBuffer { cbBuffer: client_max, BufferType: SECBUFFER_TOKEN, pvBuffer: client_memory };
            let mut output_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut output };
            let context: *mut SecHandle = &mut client_context;
            // SAFETY: live credentials; the context null on the first leg and the provider's
            // after; the input token is the server's last, within its buffer; the output
            // buffer is `client_max` bytes of ours; every out-pointer valid for the call.
            let status = unsafe {
                (raw.initialize)(
                    &mut client_credentials,
                    if client_live { context } else { std::ptr::null_mut() },
                    self.target_wide.as_ptr().cast_mut(),
                    0,
                    0,
                    0,
                    if server_len.is_some() { &mut input_desc } else { std::ptr::null_mut() },
                    0,
                    context,
                    &mut output_desc,
                    &mut attributes,
                    &mut expiry,
                )
            };
            assert!(status >= 0, "InitializeSecurityContextW: {status:#x}");
            client_live = true;
            if status == SEC_I_COMPLETE_NEEDED || status == SEC_I_COMPLETE_AND_CONTINUE {
                // SAFETY: the live context and the token it just wrote.
                let completed = unsafe { (raw.complete)(&mut client_context, &mut output_desc) };
                assert_eq!(completed, SEC_E_OK, "CompleteAuthToken (client)");
            }
            client_done = match status {
                SEC_E_OK | SEC_I_COMPLETE_NEEDED => true,
                SEC_I_CONTINUE_NEEDED | SEC_I_COMPLETE_AND_CONTINUE => false,
                other => panic!("InitializeSecurityContextW: {other:#x}"),
            };
            assert!(output.cbBuffer <= client_max, "InitializeSecurityContextW wrote {} bytes", output.cbBuffer);
            transcript.legs += 1;
            transcript.token_bytes += u64::from(output.cbBuffer);
            if output.cbBuffer == 0 {
                break;
            }

            // The server's leg: the client's token in, the server's out.
            let mut input =
                SecBuffer { cbBuffer: output.cbBuffer, BufferType: SECBUFFER_TOKEN, pvBuffer: client_memory };
            let mut input_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut input };
            let mut output = SecBuffer { cbBuffer: server_max, BufferType: SECBUFFER_TOKEN, pvBuffer: server_memory };
            let mut output_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut output };
            let context: *mut SecHandle = &mut server_context;
            // SAFETY: as for the client's leg.
            let status = unsafe {
                (raw.accept)(
                    &mut server_credentials,
                    if server_live { context } else { std::ptr::null_mut() },
                    &mut input_desc,
                    0,
                    0,
                    context,
                    &mut output_desc,
                    &mut attributes,
                    &mut expiry,
                )
            };
            assert!(status >= 0, "AcceptSecurityContext: {status:#x}");
            if !server_live {
                server_live = true;
                let path = self.sam_c.as_bytes_with_nul();
                // SAFETY: the live context; WinPR reads (and copies) the NUL-terminated path.
                let set = unsafe {
                    (raw.set_context)(
                        &mut server_context,
                        SECPKG_ATTR_AUTH_NTLM_SAM_FILE,
                        path.as_ptr().cast_mut().cast(),
                        path.len() as u32,
                    )
                };
                assert_eq!(set, SEC_E_OK, "SetContextAttributesW(SECPKG_ATTR_AUTH_NTLM_SAM_FILE)");
            }
            if status == SEC_I_COMPLETE_NEEDED || status == SEC_I_COMPLETE_AND_CONTINUE {
                // SAFETY: the live context and the token it just wrote.
                let completed = unsafe { (raw.complete)(&mut server_context, &mut output_desc) };
                assert_eq!(completed, SEC_E_OK, "CompleteAuthToken (server)");
            }
            server_done = match status {
                SEC_E_OK | SEC_I_COMPLETE_NEEDED => true,
                SEC_I_CONTINUE_NEEDED | SEC_I_COMPLETE_AND_CONTINUE => false,
                other => panic!("AcceptSecurityContext: {other:#x}"),
            };
            assert!(output.cbBuffer <= server_max, "AcceptSecurityContext wrote {} bytes", output.cbBuffer);
            transcript.legs += 1;
            transcript.token_bytes += u64::from(output.cbBuffer);
            if output.cbBuffer == 0 {
                break;
            }
            server_len = Some(output.cbBuffer);
        }
        assert!(client_done && server_done, "the exchange stopped before both sides were done");

        let mut sizes = SecPkgContext_Sizes::default();
        // SAFETY: the live context; SECPKG_ATTR_SIZES writes a SecPkgContext_Sizes.
        let status = unsafe {
            (raw.query_context)(&mut client_context, SECPKG_ATTR_SIZES, std::ptr::from_mut(&mut sizes).cast())
        };
        assert_eq!(status, SEC_E_OK, "QueryContextAttributesW(SECPKG_ATTR_SIZES)");
        transcript.context_max_token = sizes.cbMaxToken;

        // SAFETY: each handle the provider's, released once.
        unsafe {
            assert_eq!((raw.delete)(&mut client_context), SEC_E_OK, "DeleteSecurityContext (client)");
            assert_eq!((raw.delete)(&mut server_context), SEC_E_OK, "DeleteSecurityContext (server)");
            assert_eq!((raw.free_credentials)(&mut client_credentials), SEC_E_OK, "FreeCredentialsHandle (client)");
            assert_eq!((raw.free_credentials)(&mut server_credentials), SEC_E_OK, "FreeCredentialsHandle (server)");
        }
        transcript
    }

    /// The same exchange through secpkg's safe API, every error checked (here: a panic).
    pub fn safe_exchange(&self) -> Transcript {
        let provider = &self.provider;
        let identity = Identity::new(USER, DOMAIN, PASSWORD);
        let client_credentials = provider
            .acquire_credentials(self.package, CredentialUse::SECPKG_CRED_OUTBOUND, Some(&identity))
            .expect("acquire_credentials (outbound)");
        let server_credentials = provider
            .acquire_credentials(self.package, CredentialUse::SECPKG_CRED_INBOUND, None)
            .expect("acquire_credentials (inbound)");
        let mut client = ClientContext::new(&client_credentials, Some(TARGET)).expect("ClientContext::new");
        let mut server = ServerContext::new(&server_credentials)
            .and_then(|server| server.with_winpr_sam_file(&self.sam_path))
            .expect("ServerContext");
        let mut transcript = Transcript { legs: 0, token_bytes: 0, context_max_token: 0 };
        let mut step: Step<'_> = client.step(None).expect("client leg");
        loop {
            transcript.legs += 1;
            let token = match step.token() {
                Some(token) if !token.is_empty() => token,
                _ => break,
            };
            transcript.token_bytes += token.len() as u64;
            let answer = server.step(token).expect("server leg");
            transcript.legs += 1;
            let token = match answer.token() {
                Some(token) if !token.is_empty() => token,
                _ => break,
            };
            transcript.token_bytes += token.len() as u64;
            step = client.step(Some(token)).expect("client leg");
        }
        assert!(client.is_complete() && server.is_complete(), "the exchange stopped before both sides were done");
        transcript.context_max_token = client.sizes().expect("sizes").max_token;
        client.close().expect("client close");
        server.close().expect("server close");
        client_credentials.close().expect("client credentials close");
        server_credentials.close().expect("server credentials close");
        transcript
    }

    #[inline(always)]
    pub fn run(&self, case: ExchangeCase) {
        match case {
            ExchangeCase::Raw => black_box(self.raw_exchange(true)),
            ExchangeCase::Safe => black_box(self.safe_exchange()),
            ExchangeCase::RawKnownSize => black_box(self.raw_exchange(false)),
        };
    }

    /// Panics unless every case shows the same transcript; returns its legs.
    pub fn check(&self) -> u32 {
        let raw = self.raw_exchange(true);
        assert_eq!(raw, self.safe_exchange(), "{}: raw and safe exchanges differ", self.label);
        assert_eq!(raw, self.raw_exchange(false), "{}: the raw exchanges differ", self.label);
        assert!(raw.legs >= 3, "{}: {raw:?}", self.label);
        raw.legs
    }
}

/// `iterations` exchanges of `case`: the function `callgrind --toggle-collect` names
/// (`*secpkg_bench*counted*`).
#[inline(never)]
pub fn counted_exchange(subject: &ExchangeSubject, case: ExchangeCase, iterations: u64) {
    for _ in 0..iterations {
        subject.run(case);
    }
}

/// As [`crate::run_mode`], for the exchange cases: `count:CASE:N` (10 warm-up exchanges, then
/// `N` inside [`counted_exchange`]) or `paired` (over [`ExchangeCase::PAIRS`]). Every mode first
/// runs [`ExchangeSubject::check`] and prints `legs LABEL N`.
pub fn run_exchange_mode(subject: &ExchangeSubject) -> bool {
    let Ok(mode) = std::env::var("SECPKG_BENCH_MODE") else {
        return false;
    };
    let legs = subject.check();
    println!("legs {} {legs}", subject.label);
    if let Some(spec) = mode.strip_prefix("count:") {
        let (case, iterations) =
            spec.split_once(':').unwrap_or_else(|| panic!("SECPKG_BENCH_MODE=count:CASE:N, not {mode:?}"));
        let case = ExchangeCase::from_name(case).unwrap_or_else(|| panic!("no case {case:?}"));
        let iterations: u64 = iterations.parse().unwrap_or_else(|_| panic!("{iterations:?} is not a number"));
        for _ in 0..10 {
            subject.run(case);
        }
        counted_exchange(subject, case, iterations);
        println!("counted {} {} {iterations}", subject.label, case.name());
    } else if mode == "paired" {
        let rounds = env_number("SECPKG_BENCH_ROUNDS", 41);
        let batch = Duration::from_secs_f64(env_number("SECPKG_BENCH_BATCH_MS", 5.0) / 1000.0);
        for (raw, safe) in ExchangeCase::PAIRS {
            let t: PairTiming<ExchangeCase> = paired(&|case| subject.run(case), raw, safe, rounds, batch, 20);
            println!(
                "paired {} {} {} raw_ns={:.1} safe_ns={:.1} ratio={:.4} q1={:.4} q3={:.4} rounds={} batch={}",
                subject.label,
                safe.name(),
                raw.name(),
                t.raw_ns,
                t.safe_ns,
                t.ratio,
                t.ratio_q1,
                t.ratio_q3,
                t.rounds,
                t.batch
            );
        }
    } else {
        panic!("SECPKG_BENCH_MODE: expected count:CASE:N or paired, not {mode:?}");
    }
    true
}
