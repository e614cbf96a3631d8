//! The toy exchange through the raw function table, in-process: the exchange itself, then each
//! fault as a raw caller sees it, with the handle and buffer counters the safe layer's tests
//! rely on.

use secpkg_sys::{
    ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_CONFIDENTIALITY, SEC_E_BUFFER_TOO_SMALL, SEC_E_INTERNAL_ERROR,
    SEC_E_INVALID_HANDLE, SEC_E_INVALID_PARAMETER, SEC_E_INVALID_TOKEN, SEC_E_LOGON_DENIED, SEC_E_NO_CREDENTIALS,
    SEC_E_OK, SEC_E_OUT_OF_SEQUENCE, SEC_E_SECPKG_NOT_FOUND, SEC_E_UNSUPPORTED_FUNCTION, SEC_I_COMPLETE_AND_CONTINUE,
    SEC_I_COMPLETE_NEEDED, SEC_I_CONTINUE_NEEDED, SEC_WINNT_AUTH_IDENTITY_UNICODE, SEC_WINNT_AUTH_IDENTITY_W,
    SECBUFFER_DATA, SECBUFFER_EMPTY, SECBUFFER_TOKEN, SECBUFFER_VERSION, SECPKG_ATTR_AUTH_NTLM_SAM_FILE,
    SECPKG_ATTR_NEGOTIATION_INFO, SECPKG_ATTR_PACKAGE_INFO, SECPKG_ATTR_SIZES, SECPKG_CRED_BOTH, SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND, SECPKG_ID_NONE, SECPKG_NEGOTIATION_COMPLETE, SECPKG_NEGOTIATION_IN_PROGRESS, SECURITY_STATUS,
    SecBuffer, SecBufferDesc, SecHandle, SecPkgContext_NegotiationInfoW, SecPkgContext_PackageInfoW,
    SecPkgContext_Sizes, SecPkgInfoW, SecurityFunctionTableW,
};
use secpkg_test_provider::{
    self as provider, CONTEXT_TAG, EXCHANGE_FUNCTIONS, Exchange, GARBAGE_HANDLE, Identity, Scenario, Stats, TOY,
    TOY_SIGNATURE_SIZE, UNLISTED, scenario_token, toy_package, toy_token,
};
use std::ffi::c_void;
use std::ptr;

/// The toy package's `cbMaxToken`.
const MAX: u32 = 256;

fn wz(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

fn handle_eq(a: SecHandle, b: SecHandle) -> bool {
    (a.dwLower, a.dwUpper) == (b.dwLower, b.dwUpper)
}

fn acquire(t: &SecurityFunctionTableW, package: &str, usage: u32) -> (SECURITY_STATUS, SecHandle) {
    let mut name = wz(package);
    let mut handle = SecHandle { dwLower: 1, dwUpper: 1 };
    let mut expiry = 0;
    // SAFETY: a NUL-terminated name, valid out-pointers, no identity.
    let status = unsafe {
        t.AcquireCredentialsHandleW.unwrap()(
            ptr::null_mut(),
            name.as_mut_ptr(),
            usage,
            ptr::null_mut(),
            ptr::null_mut(),
            None,
            ptr::null_mut(),
            &mut handle,
            &mut expiry,
        )
    };
    (status, handle)
}

/// What one exchange call gave back.
struct Leg {
    status: SECURITY_STATUS,
    /// What the call wrote where the new context goes (the sentinel 0x5E47:0x5E47 if nothing).
    context: SecHandle,
    /// The output token buffer as the call left it.
    out: SecBuffer,
    attributes: u32,
}

impl Leg {
    /// The token written, `cbBuffer` bytes (only while the caller's buffer lives, and where the
    /// test knows that it, or the allocated one, holds that many).
    fn token(&self) -> Vec<u8> {
        if self.out.pvBuffer.is_null() {
            return Vec::new();
        }
        // SAFETY: callers use this only where `cbBuffer` bytes lie at `pvBuffer`.
        unsafe { std::slice::from_raw_parts(self.out.pvBuffer.cast::<u8>(), self.out.cbBuffer as usize) }.to_vec()
    }
}

const SENTINEL: SecHandle = SecHandle { dwLower: 0x5E47, dwUpper: 0x5E47 };

/// One exchange call: the client's (`InitializeSecurityContextW`) when `client`, else the
/// server's. `out` is the caller's buffer for the token (`None`: a null one, for
/// `ISC_REQ_ALLOCATE_MEMORY`).
fn call(
    t: &SecurityFunctionTableW,
    client: bool,
    credential: &mut SecHandle,
    context: Option<&mut SecHandle>,
    input: Option<&[u8]>,
    out: Option<&mut [u8]>,
    requirements: u32,
) -> Leg {
    let mut input_bytes = input.map(<[u8]>::to_vec).unwrap_or_default();
    let mut in_buffer = SecBuffer {
        cbBuffer: input_bytes.len() as u32,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: input_bytes.as_mut_ptr().cast(),
    };
    let mut in_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut in_buffer };
    let input_desc: *mut SecBufferDesc = if input.is_some() { &mut in_desc } else { ptr::null_mut() };
    let (room, target) = match out {
        Some(out) => (out.len() as u32, out.as_mut_ptr().cast::<c_void>()),
        None => (0, ptr::null_mut()),
    };
    let mut out_buffer = SecBuffer { cbBuffer: room, BufferType: SECBUFFER_TOKEN, pvBuffer: target };
    let mut out_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut out_buffer };
    let context_ptr: *mut SecHandle = context.map_or(ptr::null_mut(), |c| c as *mut SecHandle);
    let mut new_context = SENTINEL;
    let (mut attributes, mut expiry) = (0, 0);
    let mut target_name = wz("host/toy");
    // SAFETY: every pointer is a valid local (or null where allowed); the input buffer holds
    // its `cbBuffer` bytes, the output buffer `room` writable bytes.
    let status = unsafe {
        if client {
            t.InitializeSecurityContextW.unwrap()(
                credential,
                context_ptr,
                target_name.as_mut_ptr(),
                requirements,
                0,
                0,
                input_desc,
                0,
                &mut new_context,
                &mut out_desc,
                &mut attributes,
                &mut expiry,
            )
        } else {
            t.AcceptSecurityContext.unwrap()(
                credential,
                context_ptr,
                input_desc,
                requirements,
                0,
                &mut new_context,
                &mut out_desc,
                &mut attributes,
                &mut expiry,
            )
        }
    };
    Leg { status, context: new_context, out: out_buffer, attributes }
}

fn free_buffer<T>(t: &SecurityFunctionTableW, p: *mut T) -> SECURITY_STATUS {
    // SAFETY: the provider accepts any pointer; untracked ones are counted, not touched.
    unsafe { t.FreeContextBuffer.unwrap()(p.cast()) }
}

fn delete(t: &SecurityFunctionTableW, mut context: SecHandle) -> SECURITY_STATUS {
    // SAFETY: a valid local; unknown handles are counted, not touched.
    unsafe { t.DeleteSecurityContext.unwrap()(&mut context) }
}

fn free_credentials(t: &SecurityFunctionTableW, mut credential: SecHandle) -> SECURITY_STATUS {
    // SAFETY: as for `delete`.
    unsafe { t.FreeCredentialsHandle.unwrap()(&mut credential) }
}

fn query<T: Default>(t: &SecurityFunctionTableW, mut context: SecHandle, attribute: u32) -> (SECURITY_STATUS, T) {
    let mut value = T::default();
    // SAFETY: `value` is the attribute's struct, valid for a write.
    let status = unsafe { t.QueryContextAttributesW.unwrap()(&mut context, attribute, (&raw mut value).cast()) };
    (status, value)
}

fn complete(t: &SecurityFunctionTableW, mut context: SecHandle) -> SECURITY_STATUS {
    let mut buffer = SecBuffer::default();
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut buffer };
    // SAFETY: valid locals.
    unsafe { t.CompleteAuthToken.unwrap()(&mut context, &mut desc) }
}

/// The name and `cbMaxToken` of a live record.
fn record(info: *const SecPkgInfoW) -> (String, u32, u16) {
    // SAFETY: a record the provider handed out and not yet freed, name NUL-terminated.
    unsafe {
        let info = &*info;
        let len = (0..).take_while(|&i| *info.Name.add(i) != 0).count();
        (String::from_utf16(std::slice::from_raw_parts(info.Name, len)).unwrap(), info.cbMaxToken, info.wRPCID)
    }
}

/// Both sides' credentials for the toy package.
fn both(t: &SecurityFunctionTableW) -> (SecHandle, SecHandle) {
    let (status, client) = acquire(t, TOY, SECPKG_CRED_OUTBOUND);
    assert_eq!(status, SEC_E_OK);
    let (status, server) = acquire(t, "toy", SECPKG_CRED_INBOUND);
    assert_eq!(status, SEC_E_OK, "names match case-insensitively, as for queries");
    (client, server)
}

/// Everything handed out was given back once, and nothing else was.
#[track_caller]
fn assert_balanced() {
    let s = provider::stats();
    assert_eq!((s.allocations, s.live, s.bad_frees), (s.frees, 0, 0), "buffers: {s:?}");
    assert_eq!((s.credentials_acquired, s.live_credentials), (s.credentials_freed, 0), "credentials: {s:?}");
    assert_eq!((s.contexts_created, s.live_contexts), (s.contexts_deleted, 0), "contexts: {s:?}");
    assert_eq!((s.bad_credential_frees, s.bad_context_deletes), (0, 0), "{s:?}");
}

#[test]
fn the_toy_exchange_runs_to_completion() {
    let _g = provider::install(Scenario::toy(Exchange::default()));
    let t = provider::table();
    let (mut client_cred, mut server_cred) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];

    let leg1 = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), ISC_REQ_CONFIDENTIALITY);
    assert_eq!(leg1.status, SEC_I_CONTINUE_NEEDED);
    assert_eq!(leg1.out.BufferType, SECBUFFER_TOKEN);
    let token1 = leg1.token();
    assert!(token1.starts_with(b"TOY1:NEGOTIATE:"), "{token1:?}");
    assert_eq!(token1.len(), 64);
    assert_eq!(leg1.attributes, ISC_REQ_CONFIDENTIALITY);
    let mut client = leg1.context;
    assert_eq!(client.dwUpper, CONTEXT_TAG);

    let mut server_buffer = vec![0u8; MAX as usize];
    let leg2 = call(&t, false, &mut server_cred, None, Some(&token1), Some(&mut server_buffer), 0);
    assert_eq!(leg2.status, SEC_I_CONTINUE_NEEDED);
    let token2 = leg2.token();
    assert!(token2.starts_with(b"TOY2:CHALLENGE:"));
    assert_eq!(token2, toy_token(2, 104));
    let mut server = leg2.context;
    assert!(!handle_eq(client, server));

    let leg3 = call(&t, true, &mut client_cred, Some(&mut client), Some(&token2), Some(&mut buffer), 0);
    assert_eq!(leg3.status, SEC_E_OK, "the client is done once it has sent the last token");
    assert!(handle_eq(leg3.context, client), "a later call writes the same context back");
    let token3 = leg3.token();
    assert!(token3.starts_with(b"TOY3:AUTHENTICATE:"));
    assert_eq!(token3.len(), 144);

    let leg4 = call(&t, false, &mut server_cred, Some(&mut server), Some(&token3), Some(&mut server_buffer), 0);
    assert_eq!((leg4.status, leg4.out.cbBuffer), (SEC_E_OK, 0), "the last call makes no token");

    for context in [client, server] {
        let (status, sizes) = query::<SecPkgContext_Sizes>(&t, context, SECPKG_ATTR_SIZES);
        assert_eq!(status, SEC_E_OK);
        assert_eq!((sizes.cbMaxToken, sizes.cbMaxSignature), (MAX, TOY_SIGNATURE_SIZE));
        let (status, info) = query::<SecPkgContext_PackageInfoW>(&t, context, SECPKG_ATTR_PACKAGE_INFO);
        assert_eq!(status, SEC_E_OK);
        assert_eq!(record(info.PackageInfo), (TOY.to_owned(), MAX, SECPKG_ID_NONE));
        let (status, negotiation) = query::<SecPkgContext_NegotiationInfoW>(&t, context, SECPKG_ATTR_NEGOTIATION_INFO);
        assert_eq!(status, SEC_E_OK);
        assert_eq!(negotiation.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
        assert_eq!(record(negotiation.PackageInfo).0, TOY);
        assert_eq!(provider::stats().live, 2, "each attribute record is a buffer of its own");
        assert_eq!(free_buffer(&t, info.PackageInfo), SEC_E_OK);
        assert_eq!(free_buffer(&t, negotiation.PackageInfo), SEC_E_OK);
    }
    let s = provider::stats();
    assert_eq!((s.tokens, s.largest_token, s.initialize_calls, s.accept_calls), (3, 144, 2, 2));
    assert_eq!((s.contexts_created, s.live_contexts, s.credentials_acquired), (2, 2, 2));
    assert_eq!(delete(&t, client), SEC_E_OK);
    assert_eq!(delete(&t, server), SEC_E_OK);
    assert_eq!(free_credentials(&t, client_cred), SEC_E_OK);
    assert_eq!(free_credentials(&t, server_cred), SEC_E_OK);
    assert_balanced();
    let s = provider::stats();
    assert_eq!((s.allocations, s.credentials_freed_in_use, s.bad_handle_uses), (4, 0, 0));
}

#[test]
fn the_toy_package_is_listed_and_every_package_runs_the_exchange() {
    let mut packages = provider::default_packages();
    packages.push(toy_package());
    let _g = provider::install(Scenario { packages, ..Scenario::default() });
    let t = provider::table();
    let mut name = wz(TOY);
    let mut info = ptr::null_mut();
    // SAFETY: a NUL-terminated name and a valid out-pointer.
    assert_eq!(unsafe { t.QuerySecurityPackageInfoW.unwrap()(name.as_mut_ptr(), &mut info) }, SEC_E_OK);
    assert_eq!(record(info), (TOY.to_owned(), MAX, SECPKG_ID_NONE));
    assert_eq!(free_buffer(&t, info), SEC_E_OK);

    // NTLM's cbMaxToken (2888) leaves every token its full length.
    let (status, mut cred) = acquire(&t, "NTLM", SECPKG_CRED_BOTH);
    assert_eq!(status, SEC_E_OK);
    let mut buffer = vec![0u8; 2888];
    let leg1 = call(&t, true, &mut cred, None, None, Some(&mut buffer), 0);
    assert_eq!((leg1.status, leg1.token()), (SEC_I_CONTINUE_NEEDED, toy_token(1, 64)));
    let (status, sizes) = query::<SecPkgContext_Sizes>(&t, leg1.context, SECPKG_ATTR_SIZES);
    assert_eq!((status, sizes.cbMaxToken), (SEC_E_OK, 2888));
    assert_eq!(acquire(&t, "Digest", SECPKG_CRED_BOTH).0, SEC_E_SECPKG_NOT_FOUND);
    assert_eq!(delete(&t, leg1.context), SEC_E_OK);
    assert_eq!(free_credentials(&t, cred), SEC_E_OK);
    assert_balanced();
}

#[test]
fn tokens_are_checked_on_input() {
    let _g = provider::install(Scenario::toy(Exchange::default()));
    let t = provider::table();
    let (mut client_cred, mut server_cred) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];
    let token1 = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), 0).token();
    let mut short = token1.clone();
    short.pop();
    let mut flipped = token1.clone();
    flipped[40] ^= 1;
    for bad in [&short[..], &flipped[..], &toy_token(2, 104)[..], &[][..]] {
        let leg = call(&t, false, &mut server_cred, None, Some(bad), Some(&mut buffer), 0);
        assert_eq!(leg.status, SEC_E_INVALID_TOKEN, "{bad:?}");
        assert!(handle_eq(leg.context, SENTINEL), "no context for a rejected first call");
    }
    let leg = call(&t, false, &mut server_cred, None, None, Some(&mut buffer), 0);
    assert_eq!(leg.status, SEC_E_INVALID_TOKEN, "the server's first call needs the client's token");
    // Credentials for one direction only.
    let leg = call(&t, false, &mut client_cred, None, Some(&token1), Some(&mut buffer), 0);
    assert_eq!(leg.status, SEC_E_NO_CREDENTIALS);
    let s = provider::stats();
    assert_eq!((s.contexts_created, s.live_contexts, s.tokens), (1, 1, 1), "only the client's first call made one");
    let client = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), 0).context;
    assert_eq!(delete(&t, client), SEC_E_OK);
    assert_eq!(free_credentials(&t, client_cred), SEC_E_OK);
    assert_eq!(free_credentials(&t, server_cred), SEC_E_OK);
    // The first client context was never deleted: the counters show it.
    let s = provider::stats();
    assert_eq!((s.contexts_created, s.contexts_deleted, s.live_contexts), (2, 1, 1));
}

#[test]
fn allocated_tokens_are_buffers_to_free() {
    let _g = provider::install(Scenario::toy(Exchange::default()));
    let t = provider::table();
    let (mut client_cred, mut server_cred) = both(&t);
    let leg1 = call(&t, true, &mut client_cred, None, None, None, ISC_REQ_ALLOCATE_MEMORY);
    assert_eq!(leg1.status, SEC_I_CONTINUE_NEEDED);
    assert_eq!(leg1.attributes & ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_ALLOCATE_MEMORY, "ISC_RET_ALLOCATED_MEMORY");
    assert_eq!(leg1.token(), scenario_token(&Exchange::default(), 1, MAX));
    assert_eq!(provider::stats().live, 1);
    let leg2 = call(&t, false, &mut server_cred, None, Some(&leg1.token()), None, ISC_REQ_ALLOCATE_MEMORY);
    assert_eq!(leg2.status, SEC_I_CONTINUE_NEEDED);
    assert_eq!(provider::stats().live, 2);
    for leg in [&leg1, &leg2] {
        assert_eq!(free_buffer(&t, leg.out.pvBuffer), SEC_E_OK);
        assert_eq!(free_buffer(&t, leg.out.pvBuffer), SEC_E_INVALID_HANDLE, "a second free is refused");
    }
    assert_eq!(provider::stats().bad_frees, 2);
    assert_eq!(delete(&t, leg1.context), SEC_E_OK);
    assert_eq!(delete(&t, leg2.context), SEC_E_OK);
    assert_eq!(free_credentials(&t, client_cred), SEC_E_OK);
    assert_eq!(free_credentials(&t, server_cred), SEC_E_OK);
    let s = provider::stats();
    assert_eq!((s.allocations, s.frees, s.live, s.tokens), (2, 2, 0, 2));
}

#[test]
fn handles_are_released_once_and_misuse_is_counted() {
    let _g = provider::install(Scenario::toy(Exchange::default()));
    let t = provider::table();
    let (mut client_cred, server_cred) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];
    let leg1 = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), 0);
    let mut context = leg1.context;

    // A context handle passed as credentials, credentials passed as a context, a server
    // context continued by the client's function.
    let mut as_credentials = context;
    let leg = call(&t, true, &mut as_credentials, None, None, Some(&mut buffer), 0);
    assert_eq!(leg.status, SEC_E_INVALID_HANDLE);
    let mut as_context = client_cred;
    let leg = call(&t, true, &mut client_cred, Some(&mut as_context), None, Some(&mut buffer), 0);
    assert_eq!(leg.status, SEC_E_INVALID_HANDLE);
    let leg = call(&t, false, &mut client_cred.clone(), Some(&mut context), Some(&leg1.token()), Some(&mut buffer), 0);
    assert_eq!(leg.status, SEC_E_INVALID_HANDLE, "the client's context on the server's function");
    assert_eq!(provider::stats().bad_handle_uses, 3);

    assert_eq!(free_credentials(&t, client_cred), SEC_E_OK);
    assert_eq!(provider::stats().credentials_freed_in_use, 1, "freed while its context lives");
    assert_eq!(free_credentials(&t, client_cred), SEC_E_INVALID_HANDLE);
    assert_eq!(free_credentials(&t, context), SEC_E_INVALID_HANDLE, "a context is no credential");
    assert_eq!(delete(&t, context), SEC_E_OK);
    assert_eq!(delete(&t, context), SEC_E_INVALID_HANDLE);
    assert_eq!(delete(&t, GARBAGE_HANDLE), SEC_E_INVALID_HANDLE);
    // SAFETY: null handles are checked before any read.
    unsafe {
        assert_eq!(t.DeleteSecurityContext.unwrap()(ptr::null_mut()), SEC_E_INVALID_HANDLE);
        assert_eq!(t.FreeCredentialsHandle.unwrap()(ptr::null_mut()), SEC_E_INVALID_HANDLE);
    }
    let (status, _) = query::<SecPkgContext_Sizes>(&t, context, SECPKG_ATTR_SIZES);
    assert_eq!(status, SEC_E_INVALID_HANDLE, "a deleted context answers nothing");
    assert_eq!(free_credentials(&t, server_cred), SEC_E_OK);
    let s = provider::stats();
    assert_eq!((s.credentials_freed, s.bad_credential_frees, s.contexts_deleted, s.bad_context_deletes), (2, 3, 1, 3));
    assert_eq!((s.live_credentials, s.live_contexts, s.bad_handle_uses), (0, 0, 4));
}

#[test]
fn complete_needed_on_the_last_leg_waits_for_complete_auth_token() {
    let exchange = Exchange { complete_call: Some(3), ..Exchange::default() };
    let _g = provider::install(Scenario::toy(exchange));
    let t = provider::table();
    let (mut client_cred, mut server_cred) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];
    let leg1 = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), 0);
    let mut client = leg1.context;
    let mut server_buffer = vec![0u8; MAX as usize];
    let leg2 = call(&t, false, &mut server_cred, None, Some(&leg1.token()), Some(&mut server_buffer), 0);
    let leg3 = call(&t, true, &mut client_cred, Some(&mut client), Some(&leg2.token()), Some(&mut buffer), 0);
    assert_eq!(leg3.status, SEC_I_COMPLETE_NEEDED);
    assert!(leg3.token().starts_with(b"TOY3:"), "the token comes with the status");
    let (status, _) = query::<SecPkgContext_Sizes>(&t, client, SECPKG_ATTR_SIZES);
    assert_eq!(status, SEC_E_OUT_OF_SEQUENCE, "nothing before CompleteAuthToken");
    assert_eq!(complete(&t, client), SEC_E_OK);
    assert_eq!(complete(&t, client), SEC_E_OUT_OF_SEQUENCE, "nothing left to complete");
    assert_eq!(query::<SecPkgContext_Sizes>(&t, client, SECPKG_ATTR_SIZES).0, SEC_E_OK);
    let mut server = leg2.context;
    let leg4 = call(&t, false, &mut server_cred, Some(&mut server), Some(&leg3.token()), Some(&mut buffer), 0);
    assert_eq!(leg4.status, SEC_E_OK);
    let s = provider::stats();
    assert_eq!((s.complete_calls, s.completions), (2, 1));
    for (context, cred) in [(client, client_cred), (server, server_cred)] {
        assert_eq!((delete(&t, context), free_credentials(&t, cred)), (SEC_E_OK, SEC_E_OK));
    }
    assert_balanced();
}

#[test]
fn complete_and_continue_mid_exchange_blocks_the_next_leg() {
    let _g = provider::install(Scenario::toy(Exchange { complete_call: Some(2), ..Exchange::default() }));
    let t = provider::table();
    let (mut client_cred, mut server_cred) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];
    let leg1 = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), 0);
    let mut client = leg1.context;
    let mut server_buffer = vec![0u8; MAX as usize];
    let leg2 = call(&t, false, &mut server_cred, None, Some(&leg1.token()), Some(&mut server_buffer), 0);
    assert_eq!(leg2.status, SEC_I_COMPLETE_AND_CONTINUE);
    let mut server = leg2.context;
    let leg3 = call(&t, true, &mut client_cred, Some(&mut client), Some(&leg2.token()), Some(&mut buffer), 0);
    assert_eq!(leg3.status, SEC_E_OK);
    let early = call(&t, false, &mut server_cred, Some(&mut server), Some(&leg3.token()), Some(&mut buffer), 0);
    assert_eq!(early.status, SEC_E_OUT_OF_SEQUENCE, "the server must complete first");
    assert_eq!(complete(&t, server), SEC_E_OK);
    let leg4 = call(&t, false, &mut server_cred, Some(&mut server), Some(&leg3.token()), Some(&mut buffer), 0);
    assert_eq!(leg4.status, SEC_E_OK);
    for (context, cred) in [(client, client_cred), (server, server_cred)] {
        assert_eq!((delete(&t, context), free_credentials(&t, cred)), (SEC_E_OK, SEC_E_OK));
    }
    assert_balanced();
}

#[test]
fn fault_a_token_longer_than_max_token() {
    let exchange = Exchange { oversize_call: Some(1), ..Exchange::default() };
    let _g = provider::install(Scenario::toy(exchange.clone()));
    let t = provider::table();
    let (mut cred, _) = both(&t);
    // A buffer of cbMaxToken cannot hold it: the provider says so and creates nothing.
    let mut exact = vec![0u8; MAX as usize];
    let leg = call(&t, true, &mut cred, None, None, Some(&mut exact), 0);
    assert_eq!(leg.status, SEC_E_BUFFER_TOO_SMALL);
    assert!(exact.iter().all(|&b| b == 0), "nothing written");
    assert!(handle_eq(leg.context, SENTINEL));
    // A larger buffer (the caller asked for more) gets all cbMaxToken + 1 bytes.
    let mut larger = vec![0u8; MAX as usize + 100];
    let leg = call(&t, true, &mut cred, None, None, Some(&mut larger), 0);
    assert_eq!(leg.status, SEC_I_CONTINUE_NEEDED);
    assert_eq!(leg.token().len(), MAX as usize + 1);
    assert_eq!(leg.token(), scenario_token(&exchange, 1, MAX));
    assert!(larger[MAX as usize + 1..].iter().all(|&b| b == 0));
    // And an allocated one.
    let allocated = call(&t, true, &mut cred, None, None, None, ISC_REQ_ALLOCATE_MEMORY);
    assert_eq!((allocated.status, allocated.out.cbBuffer), (SEC_I_CONTINUE_NEEDED, MAX + 1));
    assert_eq!(provider::stats().largest_token, u64::from(MAX) + 1);
    assert_eq!(free_buffer(&t, allocated.out.pvBuffer), SEC_E_OK);
    assert_eq!((delete(&t, leg.context), delete(&t, allocated.context)), (SEC_E_OK, SEC_E_OK));
}

#[test]
fn fault_a_written_length_longer_than_the_buffer() {
    let _g = provider::install(Scenario::toy(Exchange { overclaim_call: Some(1), ..Exchange::default() }));
    let t = provider::table();
    let (mut cred, _) = both(&t);
    // A canary after the token's 64 bytes, in the caller's 100-byte buffer.
    let mut buffer = vec![0xAAu8; 100];
    let leg = call(&t, true, &mut cred, None, None, Some(&mut buffer), 0);
    assert_eq!(leg.status, SEC_I_CONTINUE_NEEDED);
    assert_eq!(leg.out.cbBuffer, 101, "claims one byte more than the buffer holds");
    assert_eq!(buffer[..64], toy_token(1, 64)[..], "the token itself is written");
    assert!(buffer[64..].iter().all(|&b| b == 0xAA), "nothing is written past the token");
    let allocated = call(&t, true, &mut cred, None, None, None, ISC_REQ_ALLOCATE_MEMORY);
    assert_eq!(allocated.out.cbBuffer, 65, "claims one byte more than it allocated");
    assert_eq!(free_buffer(&t, allocated.out.pvBuffer), SEC_E_OK);
    assert_eq!((delete(&t, leg.context), delete(&t, allocated.context)), (SEC_E_OK, SEC_E_OK));
}

#[test]
fn fault_an_output_buffer_of_another_type() {
    for kind in [SECBUFFER_DATA, SECBUFFER_EMPTY] {
        let exchange = Exchange { wrong_type_call: Some(2), wrong_type: kind, ..Exchange::default() };
        let _g = provider::install(Scenario::toy(exchange));
        let t = provider::table();
        let (mut client_cred, mut server_cred) = both(&t);
        let mut buffer = vec![0u8; MAX as usize];
        let leg1 = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), 0);
        assert_eq!(leg1.out.BufferType, SECBUFFER_TOKEN, "only call 2 is faulty");
        let mut server_buffer = vec![0u8; MAX as usize];
        let leg2 = call(&t, false, &mut server_cred, None, Some(&leg1.token()), Some(&mut server_buffer), 0);
        assert_eq!((leg2.status, leg2.out.BufferType), (SEC_I_CONTINUE_NEEDED, kind));
        assert_eq!(leg2.token(), toy_token(2, 104), "the bytes are still the token's");
        assert_eq!((delete(&t, leg1.context), delete(&t, leg2.context)), (SEC_E_OK, SEC_E_OK));
    }
}

#[test]
fn fault_continue_needed_for_ever() {
    let exchange = Exchange { endless: true, ..Exchange::default() };
    let _g = provider::install(Scenario::toy(exchange.clone()));
    let t = provider::table();
    let (mut client_cred, mut server_cred) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];
    let mut contexts: [Option<SecHandle>; 2] = [None, None];
    let mut token: Option<Vec<u8>> = None;
    for number in 1..=20u32 {
        let client = number % 2 == 1;
        let cred = if client { &mut client_cred } else { &mut server_cred };
        let side = &mut contexts[usize::from(!client)];
        let leg = call(&t, client, cred, side.as_mut(), token.as_deref(), Some(&mut buffer), 0);
        assert_eq!(leg.status, SEC_I_CONTINUE_NEEDED, "call {number}");
        assert_eq!(leg.token(), scenario_token(&exchange, number, MAX), "call {number}");
        assert!(leg.token().len() <= MAX as usize);
        *side = Some(leg.context);
        token = Some(leg.token());
    }
    assert_eq!(provider::stats().largest_token, u64::from(MAX), "lengths stop at cbMaxToken");
    for context in contexts.into_iter().flatten() {
        assert_eq!(delete(&t, context), SEC_E_OK);
    }
}

#[test]
fn fault_a_failure_on_the_servers_first_call() {
    let _g = provider::install(Scenario::toy(Exchange { fail_call: Some(2), ..Exchange::default() }));
    let t = provider::table();
    let (mut client_cred, mut server_cred) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];
    let leg1 = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), 0);
    let leg2 = call(&t, false, &mut server_cred, None, Some(&leg1.token()), Some(&mut buffer), 0);
    assert_eq!(leg2.status, SEC_E_LOGON_DENIED);
    assert!(handle_eq(leg2.context, GARBAGE_HANDLE), "garbage where no context was made");
    assert_eq!(leg2.out.cbBuffer, u32::MAX, "garbage where no token was written");
    let s = provider::stats();
    assert_eq!((s.contexts_created, s.live_contexts), (1, 1), "the client's context only");
    assert_eq!(delete(&t, leg2.context), SEC_E_INVALID_HANDLE, "deleting the garbage is counted");
    assert_eq!(provider::stats().bad_context_deletes, 1);
    assert_eq!(delete(&t, leg1.context), SEC_E_OK);
}

#[test]
fn fault_a_failure_on_a_later_call_leaves_the_context_to_delete() {
    let exchange = Exchange { fail_call: Some(3), fail_status: Some(SEC_E_INTERNAL_ERROR), ..Exchange::default() };
    let _g = provider::install(Scenario::toy(exchange));
    let t = provider::table();
    let (mut client_cred, mut server_cred) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];
    let leg1 = call(&t, true, &mut client_cred, None, None, Some(&mut buffer), 0);
    let mut client = leg1.context;
    let mut server_buffer = vec![0u8; MAX as usize];
    let leg2 = call(&t, false, &mut server_cred, None, Some(&leg1.token()), Some(&mut server_buffer), 0);
    let leg3 = call(&t, true, &mut client_cred, Some(&mut client), Some(&leg2.token()), Some(&mut buffer), 0);
    assert_eq!(leg3.status, SEC_E_INTERNAL_ERROR);
    assert!(handle_eq(leg3.context, SENTINEL), "an existing context's handle is left alone");
    assert_eq!(provider::stats().live_contexts, 2);
    assert_eq!((delete(&t, client), delete(&t, leg2.context)), (SEC_E_OK, SEC_E_OK));
    for cred in [client_cred, server_cred] {
        assert_eq!(free_credentials(&t, cred), SEC_E_OK);
    }
    assert_balanced();
}

#[test]
fn fault_negotiation_info_naming_an_unlisted_package() {
    let _g = provider::install(Scenario::toy(Exchange { negotiated: Some(UNLISTED.into()), ..Exchange::default() }));
    let t = provider::table();
    let (mut cred, _) = both(&t);
    let mut buffer = vec![0u8; MAX as usize];
    let leg1 = call(&t, true, &mut cred, None, None, Some(&mut buffer), 0);
    let (status, negotiation) = query::<SecPkgContext_NegotiationInfoW>(&t, leg1.context, SECPKG_ATTR_NEGOTIATION_INFO);
    assert_eq!((status, negotiation.NegotiationState), (SEC_E_OK, SECPKG_NEGOTIATION_IN_PROGRESS));
    assert_eq!(record(negotiation.PackageInfo), (UNLISTED.to_owned(), 65535, SECPKG_ID_NONE));
    let mut name = wz(UNLISTED);
    let mut info = ptr::null_mut();
    // SAFETY: a NUL-terminated name and a valid out-pointer.
    let listed = unsafe { t.QuerySecurityPackageInfoW.unwrap()(name.as_mut_ptr(), &mut info) };
    assert_eq!(listed, SEC_E_SECPKG_NOT_FOUND, "the provider lists no such package");
    assert_eq!(free_buffer(&t, negotiation.PackageInfo), SEC_E_OK);
    assert_eq!(
        query::<SecPkgContext_Sizes>(&t, leg1.context, 0x7777).0,
        SEC_E_UNSUPPORTED_FUNCTION,
        "an attribute the toy does not answer"
    );
    assert_eq!(delete(&t, leg1.context), SEC_E_OK);
}

#[test]
fn negotiation_info_naming_a_listed_package_gives_its_record() {
    let mut scenario = Scenario::toy(Exchange { negotiated: Some("ntlm".into()), ..Exchange::default() });
    scenario.packages.extend(provider::default_packages());
    let _g = provider::install(scenario);
    let t = provider::table();
    let (mut cred, _) = both(&t);
    let leg1 = call(&t, true, &mut cred, None, None, Some(&mut vec![0u8; 300]), 0);
    let (_, negotiation) = query::<SecPkgContext_NegotiationInfoW>(&t, leg1.context, SECPKG_ATTR_NEGOTIATION_INFO);
    assert_eq!(record(negotiation.PackageInfo), ("NTLM".to_owned(), 2888, 10));
    assert_eq!(free_buffer(&t, negotiation.PackageInfo), SEC_E_OK);
    assert_eq!(delete(&t, leg1.context), SEC_E_OK);
}

#[test]
fn unfreed_attribute_buffers_and_handles_show_in_the_counters() {
    let _g = provider::install(Scenario::toy(Exchange::default()));
    let t = provider::table();
    let (mut cred, _) = both(&t);
    let leg1 = call(&t, true, &mut cred, None, None, Some(&mut vec![0u8; 300]), 0);
    let (_, info) = query::<SecPkgContext_PackageInfoW>(&t, leg1.context, SECPKG_ATTR_PACKAGE_INFO);
    assert!(!info.PackageInfo.is_null());
    // What a leaking caller leaves: the guard's drop gives the buffer back (valgrind stays
    // quiet about the test itself), the counters say what was left.
    let s = provider::stats();
    assert_eq!((s.live, s.live_contexts, s.live_credentials), (1, 1, 2));
}

#[test]
fn acquire_records_the_identity_and_fails_as_told() {
    let _g =
        provider::install(Scenario::toy(Exchange { acquire_status: Some(SEC_E_LOGON_DENIED), ..Exchange::default() }));
    let t = provider::table();
    let (status, handle) = acquire(&t, TOY, SECPKG_CRED_OUTBOUND);
    assert_eq!(status, SEC_E_LOGON_DENIED);
    assert!(handle_eq(handle, GARBAGE_HANDLE));
    assert_eq!(free_credentials(&t, handle), SEC_E_INVALID_HANDLE);
    drop(_g);

    let _g = provider::install(Scenario::toy(Exchange::default()));
    let t = provider::table();
    let (mut user, mut domain, mut password) = (wz("alice"), wz("TOYLAND"), wz("s3cret"));
    let mut identity = SEC_WINNT_AUTH_IDENTITY_W {
        User: user.as_mut_ptr(),
        UserLength: 5,
        Domain: domain.as_mut_ptr(),
        DomainLength: 7,
        Password: password.as_mut_ptr(),
        PasswordLength: 6,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    let mut name = wz(TOY);
    let mut handle = SecHandle::default();
    // SAFETY: a NUL-terminated name, an identity whose strings hold their lengths, valid out.
    let status = unsafe {
        t.AcquireCredentialsHandleW.unwrap()(
            ptr::null_mut(),
            name.as_mut_ptr(),
            SECPKG_CRED_OUTBOUND,
            ptr::null_mut(),
            (&raw mut identity).cast(),
            None,
            ptr::null_mut(),
            &mut handle,
            ptr::null_mut(),
        )
    };
    assert_eq!(status, SEC_E_OK);
    let want = Identity { user: "alice".into(), domain: "TOYLAND".into(), password: "s3cret".into(), flags: 2 };
    assert_eq!(provider::last_identity(), Some(want));
    assert_eq!(free_credentials(&t, handle), SEC_E_OK);
    assert_eq!(
        provider::stats(),
        Stats { acquire_calls: 1, credentials_acquired: 1, credentials_freed: 1, ..Stats::default() }
    );
}

#[test]
fn set_context_attributes_takes_winprs_sam_file_only() {
    let _g = provider::install(Scenario::toy(Exchange::default()));
    let t = provider::table();
    let (mut cred, _) = both(&t);
    let leg1 = call(&t, true, &mut cred, None, None, Some(&mut vec![0u8; 300]), 0);
    let set = |mut context: SecHandle, attribute, bytes: &[u8]| {
        let mut bytes = bytes.to_vec();
        // SAFETY: `bytes.len()` readable bytes; a valid local handle.
        unsafe {
            t.SetContextAttributesW.unwrap()(&mut context, attribute, bytes.as_mut_ptr().cast(), bytes.len() as u32)
        }
    };
    assert_eq!(set(leg1.context, SECPKG_ATTR_AUTH_NTLM_SAM_FILE, b"/tmp/SAM\0"), SEC_E_OK);
    assert_eq!(provider::last_sam_file().as_deref(), Some(&b"/tmp/SAM"[..]));
    assert_eq!(set(leg1.context, SECPKG_ATTR_AUTH_NTLM_SAM_FILE, b"/no/nul"), SEC_E_INVALID_PARAMETER);
    assert_eq!(set(leg1.context, SECPKG_ATTR_SIZES, b"\0"), SEC_E_UNSUPPORTED_FUNCTION);
    assert_eq!(set(GARBAGE_HANDLE, SECPKG_ATTR_AUTH_NTLM_SAM_FILE, b"x\0"), SEC_E_INVALID_HANDLE);
    assert_eq!(provider::stats().set_attribute_calls, 4);
    assert_eq!(delete(&t, leg1.context), SEC_E_OK);
}

#[test]
fn missing_exchange_functions_are_none() {
    for missing in EXCHANGE_FUNCTIONS {
        let _g = provider::install(Scenario { missing: vec![missing.into()], ..Scenario::toy(Exchange::default()) });
        let t = provider::table();
        let present = [
            t.AcquireCredentialsHandleW.is_some(),
            t.FreeCredentialsHandle.is_some(),
            t.InitializeSecurityContextW.is_some(),
            t.AcceptSecurityContext.is_some(),
            t.CompleteAuthToken.is_some(),
            t.QueryContextAttributesW.is_some(),
            t.DeleteSecurityContext.is_some(),
            t.SetContextAttributesW.is_some(),
        ];
        assert_eq!(present, EXCHANGE_FUNCTIONS.map(|f| f != missing), "{missing}");
        assert!(t.EnumerateSecurityPackagesW.is_some() && t.FreeContextBuffer.is_some());
        // SAFETY: no arguments; the returned table is static.
        let init = unsafe { &*provider::InitSecurityInterfaceW() };
        assert_eq!(init.CompleteAuthToken.is_some(), missing != "CompleteAuthToken");
    }
}
