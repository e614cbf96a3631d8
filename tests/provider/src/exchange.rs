//! The toy exchange ([`Exchange`]): credential and context handles, the tokens of each call,
//! `CompleteAuthToken`, and the context attributes, with every handle and buffer tracked.
//!
//! Handles are two words: an id (`dwLower`) and a tag naming the kind (`dwUpper`), so a context
//! handle passed as credentials, or a handle never handed out, is recognised and counted.

use crate::scenario::Exchange;
use crate::{Package, Record, Scenario, State, guard, names_match, read_wide, state};
use secpkg_sys::{
    ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_CONFIDENTIALITY, ISC_REQ_DELEGATE, ISC_REQ_MUTUAL_AUTH, ISC_REQ_REPLAY_DETECT,
    ISC_REQ_SEQUENCE_DETECT, SEC_E_BUFFER_TOO_SMALL, SEC_E_INVALID_HANDLE, SEC_E_INVALID_PARAMETER,
    SEC_E_INVALID_TOKEN, SEC_E_LOGON_DENIED, SEC_E_NO_CREDENTIALS, SEC_E_OK, SEC_E_OUT_OF_SEQUENCE,
    SEC_E_SECPKG_NOT_FOUND, SEC_E_UNSUPPORTED_FUNCTION, SEC_GET_KEY_FN, SEC_I_COMPLETE_AND_CONTINUE,
    SEC_I_COMPLETE_NEEDED, SEC_I_CONTINUE_NEEDED, SEC_WINNT_AUTH_IDENTITY_W, SECBUFFER_TOKEN, SECBUFFER_VERSION,
    SECPKG_ATTR_AUTH_NTLM_SAM_FILE, SECPKG_ATTR_NEGOTIATION_INFO, SECPKG_ATTR_PACKAGE_INFO, SECPKG_ATTR_SIZES,
    SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND, SECPKG_ID_NONE, SECPKG_NEGOTIATION_COMPLETE,
    SECPKG_NEGOTIATION_IN_PROGRESS, SECURITY_STATUS, SecBuffer, SecBufferDesc, SecHandle,
    SecPkgContext_NegotiationInfoW, SecPkgContext_PackageInfoW, SecPkgContext_Sizes,
};
use std::ffi::c_void;

/// `dwUpper` of every credential handle this provider hands out.
pub const CREDENTIAL_TAG: usize = 0xC4ED;
/// `dwUpper` of every context handle this provider hands out.
pub const CONTEXT_TAG: usize = 0xC7E7;
/// The handle a failing call writes where a new handle would go: never handed out, so a caller
/// that frees or uses it is counted in `bad_*`.
pub const GARBAGE_HANDLE: SecHandle = SecHandle { dwLower: crate::GARBAGE_ADDRESS, dwUpper: 0xBAD };
/// `cbMaxSignature` and `cbSecurityTrailer` of `SECPKG_ATTR_SIZES` (the toy signs nothing; the
/// numbers are only there to be read back).
pub const TOY_SIGNATURE_SIZE: u32 = 16;
/// `SecBuffer::BufferType` bits that qualify the type rather than name it (`SECBUFFER_ATTRMASK`).
const BUFFER_ATTRIBUTE_BITS: u32 = 0xF000_0000;
/// The request bits echoed back as context attributes (the same bits in ISC_REQ/ISC_RET and
/// ASC_REQ/ASC_RET; ALLOCATE_MEMORY only when a buffer was allocated).
const ECHOED_REQUESTS: u32 =
    ISC_REQ_DELEGATE | ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY;

/// Which side of the exchange a context is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Client,
    Server,
}

pub(crate) struct Credential {
    package: Package,
    usage: u32,
    /// Live contexts made with these credentials.
    contexts: u64,
}

pub(crate) struct Context {
    package: Package,
    credential: usize,
    role: Role,
    /// The call number this context answers next.
    next_call: u32,
    complete_pending: bool,
    done: bool,
}

/// The identity passed to the last `AcquireCredentialsHandleW` with one (UTF-16 decoded lossily).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub domain: String,
    pub password: String,
    pub flags: u32,
}

/// The name of call `call`'s token: the first three after NTLM's messages.
fn leg_name(call: u32) -> String {
    match call {
        1 => "NEGOTIATE".into(),
        2 => "CHALLENGE".into(),
        3 => "AUTHENTICATE".into(),
        n => format!("LEG{n}"),
    }
}

/// The token call `call` makes, `len` bytes: a header `TOY<call>:<NAME>:` (cut short when `len`
/// is smaller), then bytes that depend on the call and the position, so a token cut, shifted or
/// taken from another leg never matches.
pub fn toy_token(call: u32, len: usize) -> Vec<u8> {
    let header = format!("TOY{call}:{}:", leg_name(call)).into_bytes();
    (0..len).map(|i| header.get(i).copied().unwrap_or_else(|| (call as usize * 37 + i * 11) as u8)).collect()
}

/// The length of call `call`'s token for a package of `max_token`: growing with the call
/// (24 + 40 per call), at most `max_token`, or `max_token + 1` on [`Exchange::oversize_call`].
pub fn toy_token_len(exchange: &Exchange, call: u32, max_token: u32) -> usize {
    if exchange.oversize_call == Some(call) {
        return max_token as usize + 1;
    }
    (24 + 40 * call as usize).min(max_token as usize)
}

/// The token call `call` of this scenario's exchange makes for a package of `max_token`.
pub fn scenario_token(exchange: &Exchange, call: u32, max_token: u32) -> Vec<u8> {
    toy_token(call, toy_token_len(exchange, call, max_token))
}

/// # Safety
/// `h` is null or valid for a read.
unsafe fn handle_id(h: *const SecHandle, tag: usize) -> Option<usize> {
    // SAFETY: non-null, so readable by the caller's guarantee.
    let handle = unsafe { h.as_ref() }?;
    (handle.dwUpper == tag).then_some(handle.dwLower)
}

impl State {
    fn new_handle(&mut self, tag: usize) -> SecHandle {
        self.next_handle += 1;
        SecHandle { dwLower: self.next_handle, dwUpper: tag }
    }
}

/// The `index`th buffer of `desc`, which the caller guarantees holds `cBuffers` of them.
///
/// # Safety
/// `desc` is null or a valid `SecBufferDesc` whose `pBuffers` holds `cBuffers` buffers.
unsafe fn token_buffer(desc: *mut SecBufferDesc) -> Result<Option<*mut SecBuffer>, SECURITY_STATUS> {
    // SAFETY: the caller's guarantee.
    let Some(desc) = (unsafe { desc.as_ref() }) else { return Ok(None) };
    if desc.ulVersion != SECBUFFER_VERSION || (desc.cBuffers > 0 && desc.pBuffers.is_null()) {
        return Err(SEC_E_INVALID_PARAMETER);
    }
    for i in 0..desc.cBuffers as usize {
        // SAFETY: `pBuffers` holds `cBuffers` buffers (caller).
        let buffer = unsafe { desc.pBuffers.add(i) };
        // SAFETY: as above.
        if unsafe { (*buffer).BufferType } & !BUFFER_ATTRIBUTE_BITS == SECBUFFER_TOKEN {
            return Ok(Some(buffer));
        }
    }
    Ok(None)
}

/// The arguments `InitializeSecurityContextW` and `AcceptSecurityContext` share.
struct Step {
    role: Role,
    credential: *mut SecHandle,
    context: *mut SecHandle,
    requirements: u32,
    input: *mut SecBufferDesc,
    new_context: *mut SecHandle,
    output: *mut SecBufferDesc,
    attributes: *mut u32,
    expiry: *mut i64,
}

/// One call of the exchange.
///
/// # Safety
/// The SSPI contract of `InitializeSecurityContextW`: every pointer is null or valid, buffer
/// descriptors hold `cBuffers` buffers, each input buffer holds `cbBuffer` readable bytes and
/// each output buffer `cbBuffer` writable ones.
unsafe fn step(st: &mut State, s: &Scenario, call: &Step) -> Result<SECURITY_STATUS, SECURITY_STATUS> {
    let ex = &s.exchange;
    // Which context (None: this side's first call), which call, which package.
    let (existing, number, package) = if call.context.is_null() {
        // SAFETY: null or valid (contract).
        let credential = unsafe { handle_id(call.credential, CREDENTIAL_TAG) };
        let Some(cred) = credential.and_then(|id| st.credentials.get(&id)) else {
            st.stats.bad_handle_uses += 1;
            return Err(SEC_E_INVALID_HANDLE);
        };
        let needed = match call.role {
            Role::Client => SECPKG_CRED_OUTBOUND,
            Role::Server => SECPKG_CRED_INBOUND,
        };
        if cred.usage & needed == 0 {
            return Err(SEC_E_NO_CREDENTIALS);
        }
        if call.new_context.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        let first = match call.role {
            Role::Client => 1,
            Role::Server => 2,
        };
        (None, first, cred.package.clone())
    } else {
        // SAFETY: non-null, so valid (contract).
        let id = unsafe { handle_id(call.context, CONTEXT_TAG) };
        let Some((id, ctx)) = id.and_then(|id| st.contexts.get(&id).map(|c| (id, c))) else {
            st.stats.bad_handle_uses += 1;
            return Err(SEC_E_INVALID_HANDLE);
        };
        if ctx.role != call.role {
            st.stats.bad_handle_uses += 1;
            return Err(SEC_E_INVALID_HANDLE);
        }
        if ctx.complete_pending || ctx.done {
            return Err(SEC_E_OUT_OF_SEQUENCE);
        }
        (Some(id), ctx.next_call, ctx.package.clone())
    };

    if number > 1 {
        let expected = scenario_token(ex, number - 1, package.max_token);
        // SAFETY: the contract on `input`.
        let buffer = unsafe { token_buffer(call.input) }?.ok_or(SEC_E_INVALID_TOKEN)?;
        // SAFETY: a buffer of `input` (contract).
        let SecBuffer { cbBuffer, pvBuffer, .. } = unsafe { buffer.read() };
        if cbBuffer as usize != expected.len() || pvBuffer.is_null() {
            return Err(SEC_E_INVALID_TOKEN);
        }
        // SAFETY: an input buffer holds `cbBuffer` readable bytes (contract).
        let got = unsafe { std::slice::from_raw_parts(pvBuffer.cast::<u8>(), expected.len()) };
        if got != expected {
            return Err(SEC_E_INVALID_TOKEN);
        }
    }

    // SAFETY: the contract on `output`.
    let output = unsafe { token_buffer(call.output) }?;
    if ex.fail_call == Some(number) {
        if let Some(buffer) = output {
            // SAFETY: a buffer of `output`, valid for writes (contract).
            unsafe { (*buffer).cbBuffer = u32::MAX };
        }
        if existing.is_none() {
            // SAFETY: checked non-null above, valid for a write (contract).
            unsafe { call.new_context.write(GARBAGE_HANDLE) };
        }
        return Err(ex.fail_status.unwrap_or(SEC_E_LOGON_DENIED));
    }

    let last = !ex.endless && number > ex.legs;
    let mut status = if !ex.endless && number >= ex.legs { SEC_E_OK } else { SEC_I_CONTINUE_NEEDED };
    let complete = ex.complete_call == Some(number);
    if complete {
        status = if status == SEC_E_OK { SEC_I_COMPLETE_NEEDED } else { SEC_I_COMPLETE_AND_CONTINUE };
    }
    let allocate = call.requirements & ISC_REQ_ALLOCATE_MEMORY != 0;
    let mut allocated = false;
    match (last, output) {
        (false, None) => return Err(SEC_E_INVALID_PARAMETER),
        (true, None) => {}
        (true, Some(buffer)) => {
            // SAFETY: a buffer of `output`, valid for writes (contract).
            unsafe {
                (*buffer).cbBuffer = 0;
                if allocate {
                    (*buffer).pvBuffer = std::ptr::null_mut();
                }
            }
        }
        (false, Some(buffer)) => {
            let token = scenario_token(ex, number, package.max_token);
            // SAFETY: a buffer of `output`, valid for reads and writes (contract).
            let SecBuffer { cbBuffer: room, pvBuffer: mut target, .. } = unsafe { buffer.read() };
            let capacity = if allocate {
                target = st.allocate_bytes(&token)?.cast();
                allocated = true;
                token.len()
            } else {
                if target.is_null() {
                    return Err(SEC_E_INVALID_PARAMETER);
                }
                if token.len() > room as usize {
                    return Err(SEC_E_BUFFER_TOO_SMALL);
                }
                // SAFETY: the caller's buffer holds `room` writable bytes, at least the token's.
                unsafe { std::ptr::copy_nonoverlapping(token.as_ptr(), target.cast::<u8>(), token.len()) };
                room as usize
            };
            let claimed = if ex.overclaim_call == Some(number) { capacity + 1 } else { token.len() };
            let kind = if ex.wrong_type_call == Some(number) { ex.wrong_type } else { SECBUFFER_TOKEN };
            let written =
                SecBuffer { cbBuffer: u32::try_from(claimed).unwrap_or(u32::MAX), BufferType: kind, pvBuffer: target };
            // SAFETY: as above.
            unsafe { buffer.write(written) };
            st.stats.tokens += 1;
            st.stats.largest_token = st.stats.largest_token.max(token.len() as u64);
        }
    }

    let done = status == SEC_E_OK || status == SEC_I_COMPLETE_NEEDED;
    let handle = match existing {
        None => {
            let handle = st.new_handle(CONTEXT_TAG);
            // SAFETY: the credential was found above (and the lock is held since).
            let credential = unsafe { handle_id(call.credential, CREDENTIAL_TAG) }.unwrap_or_default();
            if let Some(cred) = st.credentials.get_mut(&credential) {
                cred.contexts += 1;
            }
            let context = Context {
                package,
                credential,
                role: call.role,
                next_call: number + 2,
                complete_pending: complete,
                done,
            };
            st.contexts.insert(handle.dwLower, context);
            st.stats.contexts_created += 1;
            handle
        }
        Some(id) => {
            let ctx = st.contexts.get_mut(&id).ok_or(SEC_E_INVALID_HANDLE)?;
            ctx.next_call = number + 2;
            ctx.complete_pending = complete;
            ctx.done = done;
            SecHandle { dwLower: id, dwUpper: CONTEXT_TAG }
        }
    };
    // SAFETY: null or valid for a write (contract); for a first call, checked non-null above.
    unsafe {
        if let Some(new_context) = call.new_context.as_mut() {
            *new_context = handle;
        }
        if let Some(attributes) = call.attributes.as_mut() {
            *attributes = call.requirements & ECHOED_REQUESTS | if allocated { ISC_REQ_ALLOCATE_MEMORY } else { 0 };
        }
        if let Some(expiry) = call.expiry.as_mut() {
            *expiry = i64::MAX;
        }
    }
    Ok(status)
}

/// `AcquireCredentialsHandleW` for any listed package (names matched as by
/// `QuerySecurityPackageInfoW`).
///
/// # Safety
/// The SSPI contract: `package` is null or NUL-terminated UTF-16; `auth_data` is null or a
/// `SEC_WINNT_AUTH_IDENTITY_W` (the only kind this provider accepts) whose strings hold their
/// lengths; `credential` and `expiry` are null or valid for a write.
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn AcquireCredentialsHandleW(
    _principal: *mut u16,
    package: *mut u16,
    usage: u32,
    _logon_id: *mut c_void,
    auth_data: *mut c_void,
    _get_key: SEC_GET_KEY_FN,
    _get_key_argument: *mut c_void,
    credential: *mut SecHandle,
    expiry: *mut i64,
) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.acquire_calls += 1;
        let s = st.scenario()?;
        if credential.is_null() || usage & (SECPKG_CRED_INBOUND | SECPKG_CRED_OUTBOUND) == 0 {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        if let Some(status) = s.exchange.acquire_status.filter(|&e| e != SEC_E_OK) {
            // SAFETY: checked non-null, valid for a write (contract).
            unsafe { credential.write(GARBAGE_HANDLE) };
            return Err(status);
        }
        // SAFETY: null or NUL-terminated (contract).
        let wanted = (!package.is_null()).then(|| unsafe { read_wide(package) }).ok_or(SEC_E_SECPKG_NOT_FOUND)?;
        let found = s.packages.iter().find(|p| names_match(&p.name_units(), &wanted, s.query_case_sensitive));
        let package = found.ok_or(SEC_E_SECPKG_NOT_FOUND)?.clone();
        // SAFETY: null or a SEC_WINNT_AUTH_IDENTITY_W (contract).
        if let Some(identity) = unsafe { auth_data.cast::<SEC_WINNT_AUTH_IDENTITY_W>().as_ref() } {
            // SAFETY: each string holds its length in units (contract); null reads as empty.
            let text = |p: *mut u16, len: u32| match p.is_null() {
                true => String::new(),
                false => String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(p, len as usize) }),
            };
            st.last_identity = Some(Identity {
                user: text(identity.User, identity.UserLength),
                domain: text(identity.Domain, identity.DomainLength),
                password: text(identity.Password, identity.PasswordLength),
                flags: identity.Flags,
            });
        }
        let handle = st.new_handle(CREDENTIAL_TAG);
        st.credentials.insert(handle.dwLower, Credential { package, usage, contexts: 0 });
        st.stats.credentials_acquired += 1;
        // SAFETY: checked non-null / null or valid for a write (contract).
        unsafe {
            credential.write(handle);
            if let Some(expiry) = expiry.as_mut() {
                *expiry = i64::MAX;
            }
        }
        Ok(SEC_E_OK)
    })
}

/// `FreeCredentialsHandle`: releases credentials this provider handed out, once.
///
/// # Safety
/// `credential` is null or valid for a read.
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn FreeCredentialsHandle(credential: *mut SecHandle) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.scenario()?;
        // SAFETY: null or valid for a read (contract).
        let id = unsafe { handle_id(credential, CREDENTIAL_TAG) };
        let Some(freed) = id.and_then(|id| st.credentials.remove(&id)) else {
            st.stats.bad_credential_frees += 1;
            return Err(SEC_E_INVALID_HANDLE);
        };
        st.stats.credentials_freed += 1;
        if freed.contexts > 0 {
            st.stats.credentials_freed_in_use += 1;
        }
        Ok(SEC_E_OK)
    })
}

/// `InitializeSecurityContextW`: the client's calls of the toy exchange (odd calls).
///
/// # Safety
/// The SSPI contract: every pointer null or valid, buffer descriptors holding `cBuffers`
/// buffers, input buffers `cbBuffer` readable bytes and output buffers `cbBuffer` writable ones.
#[allow(non_snake_case, clippy::too_many_arguments)] // the SDK function it stands in for
pub unsafe extern "system" fn InitializeSecurityContextW(
    credential: *mut SecHandle,
    context: *mut SecHandle,
    _target: *mut u16,
    requirements: u32,
    _reserved1: u32,
    _data_representation: u32,
    input: *mut SecBufferDesc,
    _reserved2: u32,
    new_context: *mut SecHandle,
    output: *mut SecBufferDesc,
    attributes: *mut u32,
    expiry: *mut i64,
) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.initialize_calls += 1;
        let s = st.scenario()?;
        let call = Step {
            role: Role::Client,
            credential,
            context,
            requirements,
            input,
            new_context,
            output,
            attributes,
            expiry,
        };
        // SAFETY: this fn's contract is step's.
        unsafe { step(&mut st, &s, &call) }
    })
}

/// `AcceptSecurityContext`: the server's calls of the toy exchange (even calls).
///
/// # Safety
/// As [`InitializeSecurityContextW`].
#[allow(non_snake_case, clippy::too_many_arguments)] // the SDK function it stands in for
pub unsafe extern "system" fn AcceptSecurityContext(
    credential: *mut SecHandle,
    context: *mut SecHandle,
    input: *mut SecBufferDesc,
    requirements: u32,
    _data_representation: u32,
    new_context: *mut SecHandle,
    output: *mut SecBufferDesc,
    attributes: *mut u32,
    expiry: *mut i64,
) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.accept_calls += 1;
        let s = st.scenario()?;
        let call = Step {
            role: Role::Server,
            credential,
            context,
            requirements,
            input,
            new_context,
            output,
            attributes,
            expiry,
        };
        // SAFETY: this fn's contract is step's.
        unsafe { step(&mut st, &s, &call) }
    })
}

/// `CompleteAuthToken`: ends the wait a `SEC_I_COMPLETE_*` status began.
///
/// # Safety
/// `context` is null or valid for a read.
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn CompleteAuthToken(context: *mut SecHandle, token: *mut SecBufferDesc) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.complete_calls += 1;
        st.scenario()?;
        // SAFETY: null or valid for a read (contract).
        let id = unsafe { handle_id(context, CONTEXT_TAG) };
        let Some(ctx) = id.and_then(|id| st.contexts.get_mut(&id)) else {
            st.stats.bad_handle_uses += 1;
            return Err(SEC_E_INVALID_HANDLE);
        };
        if token.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        if !ctx.complete_pending {
            return Err(SEC_E_OUT_OF_SEQUENCE);
        }
        ctx.complete_pending = false;
        st.stats.completions += 1;
        Ok(SEC_E_OK)
    })
}

/// `QueryContextAttributesW`: `SECPKG_ATTR_SIZES`, `SECPKG_ATTR_PACKAGE_INFO` and
/// `SECPKG_ATTR_NEGOTIATION_INFO` (the last two hand out a buffer to free with
/// `FreeContextBuffer`); any other attribute is `SEC_E_UNSUPPORTED_FUNCTION`.
///
/// # Safety
/// `context` is null or valid for a read; `buffer` is null or valid for a write of the
/// attribute's struct.
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn QueryContextAttributesW(
    context: *mut SecHandle,
    attribute: u32,
    buffer: *mut c_void,
) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.attribute_calls += 1;
        let s = st.scenario()?;
        // SAFETY: null or valid for a read (contract).
        let id = unsafe { handle_id(context, CONTEXT_TAG) };
        let Some(ctx) = id.and_then(|id| st.contexts.get(&id)) else {
            st.stats.bad_handle_uses += 1;
            return Err(SEC_E_INVALID_HANDLE);
        };
        if ctx.complete_pending {
            return Err(SEC_E_OUT_OF_SEQUENCE);
        }
        if buffer.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        let (package, done) = (ctx.package.clone(), ctx.done);
        match attribute {
            SECPKG_ATTR_SIZES => {
                let sizes = SecPkgContext_Sizes {
                    cbMaxToken: package.max_token,
                    cbMaxSignature: TOY_SIGNATURE_SIZE,
                    cbBlockSize: 0,
                    cbSecurityTrailer: TOY_SIGNATURE_SIZE,
                };
                // SAFETY: valid for a write of the attribute's struct (contract).
                unsafe { buffer.cast::<SecPkgContext_Sizes>().write_unaligned(sizes) };
            }
            SECPKG_ATTR_PACKAGE_INFO => {
                let info = st.allocate(&[Record::from(&package)], 0)?;
                // SAFETY: as above.
                unsafe {
                    buffer
                        .cast::<SecPkgContext_PackageInfoW>()
                        .write_unaligned(SecPkgContext_PackageInfoW { PackageInfo: info })
                };
            }
            SECPKG_ATTR_NEGOTIATION_INFO => {
                let chosen = negotiated(&s, &package);
                let info = st.allocate(&[Record::from(&chosen)], 0)?;
                let state = if done { SECPKG_NEGOTIATION_COMPLETE } else { SECPKG_NEGOTIATION_IN_PROGRESS };
                let negotiation = SecPkgContext_NegotiationInfoW { PackageInfo: info, NegotiationState: state };
                // SAFETY: as above.
                unsafe { buffer.cast::<SecPkgContext_NegotiationInfoW>().write_unaligned(negotiation) };
            }
            _ => return Err(SEC_E_UNSUPPORTED_FUNCTION),
        }
        Ok(SEC_E_OK)
    })
}

/// The package a context's NegotiationInfo names: [`Exchange::negotiated`] as listed, made up
/// when not listed, or the context's own.
fn negotiated(s: &Scenario, own: &Package) -> Package {
    let Some(name) = &s.exchange.negotiated else { return own.clone() };
    let wanted: Vec<u16> = name.encode_utf16().collect();
    let listed = s.packages.iter().find(|p| names_match(&p.name_units(), &wanted, s.query_case_sensitive));
    listed.cloned().unwrap_or_else(|| Package::new(name, "not listed by this provider", 0, SECPKG_ID_NONE, 65535))
}

/// `SetContextAttributesW`: only WinPR's `SECPKG_ATTR_AUTH_NTLM_SAM_FILE` (1004: the SAM file its
/// NTLM server reads accounts from, a NUL-terminated path), whose path is recorded (see
/// [`crate::last_sam_file`]); any other attribute is `SEC_E_UNSUPPORTED_FUNCTION`.
///
/// # Safety
/// `context` is null or valid for a read; `buffer` is null or holds `size` readable bytes.
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn SetContextAttributesW(
    context: *mut SecHandle,
    attribute: u32,
    buffer: *mut c_void,
    size: u32,
) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.stats.set_attribute_calls += 1;
        st.scenario()?;
        // SAFETY: null or valid for a read (contract).
        let id = unsafe { handle_id(context, CONTEXT_TAG) };
        if !id.is_some_and(|id| st.contexts.contains_key(&id)) {
            st.stats.bad_handle_uses += 1;
            return Err(SEC_E_INVALID_HANDLE);
        }
        if attribute != SECPKG_ATTR_AUTH_NTLM_SAM_FILE {
            return Err(SEC_E_UNSUPPORTED_FUNCTION);
        }
        if buffer.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        // SAFETY: `size` readable bytes (contract).
        let bytes = unsafe { std::slice::from_raw_parts(buffer.cast::<u8>(), size as usize) };
        // The path ends at its NUL, which must lie within `size`, as WinPR's strdup needs.
        let path = bytes.split(|&b| b == 0).next().filter(|p| p.len() < bytes.len()).ok_or(SEC_E_INVALID_PARAMETER)?;
        st.last_sam_file = Some(path.to_vec());
        Ok(SEC_E_OK)
    })
}

/// `DeleteSecurityContext`: releases a context this provider handed out, once.
///
/// # Safety
/// `context` is null or valid for a read.
#[allow(non_snake_case)] // the SDK function it stands in for
pub unsafe extern "system" fn DeleteSecurityContext(context: *mut SecHandle) -> SECURITY_STATUS {
    guard(|| {
        let mut st = state();
        st.scenario()?;
        // SAFETY: null or valid for a read (contract).
        let id = unsafe { handle_id(context, CONTEXT_TAG) };
        let Some(deleted) = id.and_then(|id| st.contexts.remove(&id)) else {
            st.stats.bad_context_deletes += 1;
            return Err(SEC_E_INVALID_HANDLE);
        };
        st.stats.contexts_deleted += 1;
        if let Some(cred) = st.credentials.get_mut(&deleted.credential) {
            cred.contexts -= 1;
        }
        Ok(SEC_E_OK)
    })
}
