//! `secpkg::gssapi`'s context exchange over a counting fake GSSAPI: a two-leg "mechanism"
//! (token, answer) whose names, credentials, contexts and token buffers are heap allocations
//! recorded live until released, with faults on demand. Every scenario ends by checking that
//! each allocation was released exactly once, by its own release function, and that nothing
//! else was released.
#![cfg(all(unix, feature = "gssapi"))]

use secpkg::gssapi::{
    Context, ContextFunctions, Credential, Direction, Functions, Gssapi, Leg, MAX_LEGS, Name, NameType, TokenSize,
    Usage,
};
use secpkg::{Error, InvalidItem};
use secpkg_gssapi_sys::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr::null_mut;

const GSS_S_DEFECTIVE_TOKEN: u32 = 9 << 16;
const KRB5_DER: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
const REQUEST: &[u8] = b"the initiator's token";
const ANSWER: &[u8] = b"the acceptor's";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Name,
    Cred,
    Context,
    Buffer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Call {
    ImportName,
    AcquireCred,
    Init,
    Accept,
    Display,
}

/// How a call misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Does its work, then fails with this major status.
    FailAfterWork(u32),
    /// Returns a token of 5 bytes at null.
    NullToken,
    /// Completes without naming its mechanism.
    NoMechanism,
    /// Always CONTINUE_NEEDED, with a token.
    Forever,
    /// Completes without a token though its peer is waiting.
    CompleteSilently,
}

#[derive(Default)]
struct State {
    faults: HashMap<Call, Fault>,
    live: HashMap<usize, (Kind, Box<[u8]>)>,
    allocated: usize,
    released: HashMap<Kind, usize>,
    violations: Vec<String>,
    /// Legs each context has run, by its address.
    legs: HashMap<usize, usize>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

impl State {
    fn alloc(&mut self, kind: Kind, bytes: &[u8]) -> *mut c_void {
        let mut boxed: Box<[u8]> = bytes.into();
        // Never empty, so that every allocation has an address of its own.
        if boxed.is_empty() {
            boxed = Box::new([0]);
        }
        let address = boxed.as_mut_ptr().cast::<c_void>();
        self.live.insert(address as usize, (kind, boxed));
        self.allocated += 1;
        address
    }

    fn free(&mut self, address: *mut c_void, kind: Kind) {
        match self.live.remove(&(address as usize)) {
            Some((live_kind, _)) if live_kind == kind => *self.released.entry(kind).or_default() += 1,
            Some((live_kind, bytes)) => {
                self.violations.push(format!("{kind:?} release of a {live_kind:?}"));
                self.live.insert(address as usize, (live_kind, bytes));
            }
            None => self.violations.push(format!("{kind:?} release of {address:p}, not live")),
        }
    }

    fn token(&mut self, buffer: gss_buffer_t, bytes: &[u8]) {
        let value = self.alloc(Kind::Buffer, bytes);
        // SAFETY: secpkg passes an output buffer valid for writes.
        unsafe { *buffer = gss_buffer_desc { length: bytes.len(), value } };
    }
}

thread_local! {
    /// The mechanism OID the fake returns: it stays valid for the thread, as a library's static OID.
    static KRB5: gss_OID_desc = const { gss_OID_desc { length: 9, elements: KRB5_DER.as_ptr().cast_mut().cast() } };
}

unsafe extern "C" fn import_name(minor: *mut u32, text: gss_buffer_t, _: gss_OID, name: *mut gss_name_t) -> u32 {
    with(|s| {
        // SAFETY: secpkg passes a valid minor status.
        unsafe { *minor = 0 };
        // SAFETY: secpkg's input buffer holds `length` bytes of its name text.
        let bytes = unsafe { std::slice::from_raw_parts((*text).value.cast::<u8>(), (*text).length) }.to_vec();
        // SAFETY: secpkg passes an output name valid for writes.
        unsafe { *name = s.alloc(Kind::Name, &bytes) };
        match s.faults.get(&Call::ImportName) {
            Some(Fault::FailAfterWork(major)) => *major,
            _ => GSS_S_COMPLETE,
        }
    })
}

unsafe extern "C" fn release_name(_: *mut u32, name: *mut gss_name_t) -> u32 {
    // Left as it is (a library need not reset it) so that a second release would show.
    // SAFETY: secpkg passes a pointer to its name.
    with(|s| s.free(unsafe { *name }, Kind::Name));
    GSS_S_COMPLETE
}

unsafe extern "C" fn display_name(minor: *mut u32, name: gss_name_t, out: gss_buffer_t, _: *mut gss_OID) -> u32 {
    with(|s| {
        // SAFETY: secpkg passes a valid minor and output buffer, and a live name of the fake.
        unsafe { *minor = 0 };
        let Some((Kind::Name, bytes)) = s.live.get(&(name as usize)).map(|(k, b)| (*k, b.clone())) else {
            s.violations.push(format!("gss_display_name of {name:p}, not a live name"));
            return GSS_S_FAILURE;
        };
        s.token(out, &bytes);
        match s.faults.get(&Call::Display) {
            Some(Fault::FailAfterWork(major)) => *major,
            _ => GSS_S_COMPLETE,
        }
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn acquire_cred(
    minor: *mut u32,
    _: gss_name_t,
    _: u32,
    _: gss_OID_set,
    _: gss_cred_usage_t,
    cred: *mut gss_cred_id_t,
    actual: *mut gss_OID_set,
    time: *mut u32,
) -> u32 {
    with(|s| {
        if !actual.is_null() || !time.is_null() {
            s.violations.push("gss_acquire_cred: outputs secpkg does not use were asked for".into());
        }
        // SAFETY: secpkg passes a valid minor status.
        unsafe { *minor = 0 };
        // SAFETY: secpkg passes an output credential valid for writes.
        unsafe { *cred = s.alloc(Kind::Cred, b"cred") };
        match s.faults.get(&Call::AcquireCred) {
            Some(Fault::FailAfterWork(major)) => *major,
            _ => GSS_S_COMPLETE,
        }
    })
}

unsafe extern "C" fn release_cred(_: *mut u32, cred: *mut gss_cred_id_t) -> u32 {
    // SAFETY: secpkg passes a pointer to its credential.
    with(|s| s.free(unsafe { *cred }, Kind::Cred));
    GSS_S_COMPLETE
}

/// One leg of either side: makes the context on the first call, counts the legs, writes the
/// token, and misbehaves as `call`'s fault says.
fn leg(
    call: Call,
    context: *mut gss_ctx_id_t,
    mech: *mut gss_OID,
    out: gss_buffer_t,
    token: &[u8],
    done_at: usize,
) -> u32 {
    with(|s| {
        // SAFETY: secpkg passes a valid context slot, mechanism slot and output buffer.
        unsafe {
            if (*context).is_null() {
                *context = s.alloc(Kind::Context, b"context");
            }
        }
        // SAFETY: as above.
        let address = unsafe { *context } as usize;
        let legs = s.legs.entry(address).or_default();
        *legs += 1;
        let legs = *legs;
        let fault = s.faults.get(&call).copied();
        if legs < done_at || fault == Some(Fault::Forever) {
            s.token(out, if token.is_empty() { REQUEST } else { token });
            return GSS_S_CONTINUE_NEEDED;
        }
        match fault {
            // SAFETY: as above.
            Some(Fault::NullToken) => unsafe { *out = gss_buffer_desc { length: 5, value: null_mut() } },
            Some(Fault::CompleteSilently) => {}
            Some(Fault::FailAfterWork(_)) => s.token(out, b"an error token"),
            _ if !token.is_empty() => s.token(out, token),
            _ => {}
        }
        if fault != Some(Fault::NoMechanism) {
            // SAFETY: as above.
            unsafe { *mech = KRB5.with(|oid| std::ptr::from_ref(oid).cast_mut()) };
        }
        match fault {
            Some(Fault::FailAfterWork(major)) => major,
            _ => GSS_S_COMPLETE,
        }
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn init_sec_context(
    minor: *mut u32,
    _: gss_cred_id_t,
    context: *mut gss_ctx_id_t,
    _: gss_name_t,
    _: gss_OID,
    _: u32,
    _: u32,
    _: gss_channel_bindings_t,
    _: gss_buffer_t,
    mech: *mut gss_OID,
    out: gss_buffer_t,
    _: *mut u32,
    _: *mut u32,
) -> u32 {
    // SAFETY: secpkg passes a valid minor status.
    unsafe { *minor = 0 };
    // The first leg sends the request; the second, on the answer, completes with nothing.
    // SAFETY: secpkg passes a valid context slot.
    let first = with(|s| unsafe { (*context).is_null() } || !s.legs.contains_key(&(unsafe { *context } as usize)));
    leg(Call::Init, context, mech, out, if first { REQUEST } else { b"" }, 2)
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn accept_sec_context(
    minor: *mut u32,
    context: *mut gss_ctx_id_t,
    _: gss_cred_id_t,
    input: gss_buffer_t,
    _: gss_channel_bindings_t,
    src_name: *mut gss_name_t,
    mech: *mut gss_OID,
    out: gss_buffer_t,
    _: *mut u32,
    _: *mut u32,
    delegated: *mut gss_cred_id_t,
) -> u32 {
    // SAFETY: secpkg passes a valid minor status, input and name slot.
    unsafe { *minor = 0 };
    // SAFETY: as above.
    let length = unsafe { (*input).length };
    with(|s| {
        if !delegated.is_null() {
            s.violations.push("gss_accept_sec_context: a delegated credential was asked for".into());
        }
        if length == 0 {
            s.violations.push("gss_accept_sec_context without a token".into());
        }
    });
    let major = leg(Call::Accept, context, mech, out, ANSWER, 1);
    if major == GSS_S_COMPLETE {
        // SAFETY: as above.
        with(|s| unsafe { *src_name = s.alloc(Kind::Name, b"user@FAKE") });
    }
    major
}

unsafe extern "C" fn delete_sec_context(_: *mut u32, context: *mut gss_ctx_id_t, out: gss_buffer_t) -> u32 {
    with(|s| {
        if !out.is_null() {
            s.violations.push("gss_delete_sec_context: an output token was asked for".into());
        }
        // SAFETY: secpkg passes a pointer to its context handle.
        s.free(unsafe { *context }, Kind::Context);
    });
    GSS_S_COMPLETE
}

unsafe extern "C" fn release_buffer(_: *mut u32, buffer: gss_buffer_t) -> u32 {
    // SAFETY: secpkg passes its own buffer.
    let value = unsafe { (*buffer).value };
    with(|s| s.free(value, Kind::Buffer));
    GSS_S_COMPLETE
}

unsafe extern "C" fn indicate_mechs(_: *mut u32, _: *mut gss_OID_set) -> u32 {
    GSS_S_FAILURE
}

unsafe extern "C" fn release_oid_set(_: *mut u32, _: *mut gss_OID_set) -> u32 {
    GSS_S_FAILURE
}

fn base() -> Functions {
    Functions {
        indicate_mechs,
        release_oid_set,
        release_buffer,
        inquire_saslname_for_mech: None,
        inquire_attrs_for_mech: None,
        display_mech_attr: None,
    }
}

fn fake() -> Gssapi {
    // SAFETY: as in `with_functions`.
    unsafe { with_functions(context_functions()) }
}

fn context_functions() -> ContextFunctions {
    ContextFunctions {
        import_name,
        release_name,
        display_name,
        acquire_cred,
        release_cred,
        init_sec_context,
        accept_sec_context,
        delete_sec_context,
        display_status: Some(display_status),
    }
}

/// A status's words in two messages: "status N", then "(fake)".
unsafe extern "C" fn display_status(
    minor: *mut u32,
    value: u32,
    kind: i32,
    _: gss_OID,
    message_context: *mut u32,
    out: gss_buffer_t,
) -> u32 {
    with(|s| {
        // SAFETY: secpkg passes valid minor, message context and output buffer pointers.
        unsafe {
            *minor = 0;
            let text = if *message_context == 0 { format!("{kind}: status {value:#x}") } else { "(fake)".into() };
            s.token(out, text.as_bytes());
            *message_context = if *message_context == 0 { 1 } else { 0 };
        }
    });
    GSS_S_COMPLETE
}

/// # Safety
/// `functions` are the fake's, or release what the fake allocated as the fake's do.
unsafe fn with_functions(functions: ContextFunctions) -> Gssapi {
    // SAFETY: the fake allocates only what its release functions free, leaves an output empty
    // or allocated, and lives for the whole program.
    unsafe { Gssapi::from_functions(base(), "fake").with_context_functions(functions) }
}

/// Another library's release functions: the same fake underneath, at other addresses.
unsafe extern "C" fn other_release_name(minor: *mut u32, name: *mut gss_name_t) -> u32 {
    // SAFETY: the caller's, as for release_name.
    unsafe { release_name(minor, name) }
}

unsafe extern "C" fn other_release_cred(minor: *mut u32, cred: *mut gss_cred_id_t) -> u32 {
    // SAFETY: the caller's, as for release_cred.
    unsafe { release_cred(minor, cred) }
}

/// Runs `body` over a fresh fake with `faults`; checks that every allocation was released once,
/// by its own function, and that nothing else was; returns the result and the releases.
fn run<R>(faults: &[(Call, Fault)], body: impl FnOnce(&Gssapi) -> R) -> (R, HashMap<Kind, usize>) {
    STATE.with(|s| *s.borrow_mut() = State { faults: faults.iter().copied().collect(), ..State::default() });
    let gssapi = fake();
    let result = body(&gssapi);
    let state = STATE.with(|s| std::mem::take(&mut *s.borrow_mut()));
    assert!(state.violations.is_empty(), "contract violations: {:?}", state.violations);
    let live: Vec<Kind> = state.live.values().map(|(kind, _)| *kind).collect();
    assert!(live.is_empty(), "never released: {live:?}");
    assert_eq!(state.released.values().sum::<usize>(), state.allocated);
    (result, state.released)
}

fn invalid(result: Result<impl std::fmt::Debug, Error>, item: InvalidItem) -> String {
    match result {
        Err(Error::InvalidData { item: got, what }) if got == item => what,
        other => panic!("wanted InvalidData about {item:?}, got {other:?}"),
    }
}

#[test]
fn an_exchange_releases_every_name_buffer_and_context_once() {
    let (exchange, released) = run(&[], |g| g.exchange("host@localhost", NameType::HostBasedService, None).unwrap());
    let sizes = [(Direction::ToAcceptor, REQUEST.len()), (Direction::ToInitiator, ANSWER.len())];
    let sizes = sizes.map(|(direction, size)| TokenSize { direction, size });
    assert_eq!(exchange.tokens, sizes);
    assert_eq!(exchange.initiator_mechanism.oid, "1.2.840.113554.1.2.2");
    assert_eq!(exchange.acceptor_mechanism.sspi_name, Some("Kerberos"));
    assert_eq!(exchange.initiator_name.as_deref(), Some("user@FAKE"));
    // The target and the acceptor's src_name; both tokens and the displayed name; both contexts.
    assert_eq!(released, HashMap::from([(Kind::Name, 2), (Kind::Buffer, 3), (Kind::Context, 2)]));
}

#[test]
fn explicit_credentials_are_released_once_too() {
    let ((), released) = run(&[], |g| {
        let target = Name::import(g, "host/localhost@FAKE", NameType::KerberosPrincipal).unwrap();
        assert_eq!(target.display().unwrap(), "host/localhost@FAKE");
        let client = Credential::acquire(g, Usage::Initiate, None, Some("1.2.840.113554.1.2.2")).unwrap();
        let server = Credential::acquire(g, Usage::Accept, Some(&target), None).unwrap();
        let initiator = Context::initiator(g, &target, Some(&client), None, 0).unwrap();
        let Leg::Continue(initiator, request) = initiator.step(&[]).unwrap() else { panic!("completed at once") };
        let Leg::Complete(accepted, answer) = Context::acceptor(g, Some(&server)).unwrap().step(&request).unwrap()
        else {
            panic!("the acceptor needs more")
        };
        assert_eq!(accepted.initiator_name(), Some("user@FAKE"));
        let Leg::Complete(initiated, rest) = initiator.step(&answer).unwrap() else { panic!("no completion") };
        assert!(rest.is_empty());
        assert_eq!(initiated.mechanism().oid, accepted.mechanism().oid);
    });
    assert_eq!(released[&Kind::Cred], 2);
    assert_eq!(released[&Kind::Context], 2);
}

#[test]
fn a_failing_leg_releases_its_error_token_and_deletes_the_context() {
    let (result, released) = run(&[(Call::Init, Fault::FailAfterWork(GSS_S_DEFECTIVE_TOKEN))], |g| {
        g.exchange("a@b", NameType::HostBasedService, None)
    });
    let error = result.unwrap_err();
    assert!(
        matches!(error, Error::Gssapi { call: "gss_init_sec_context", major: GSS_S_DEFECTIVE_TOKEN, .. }),
        "{error:?}"
    );
    assert_eq!(released[&Kind::Context], 2, "the initiator's, left after its failed second leg, and the acceptor's");
    // The major status's words (the minor is 0), both messages, their buffers released too.
    assert_eq!(
        error.to_string(),
        "gss_init_sec_context failed: 1: status 0x90000; (fake) (major status 0x00090000, minor status 0x0)"
    );
    assert_eq!(released[&Kind::Buffer], 6, "the request, the answer, the displayed name, the error token, 2 messages");

    for (call, fault) in [
        (Call::ImportName, Fault::FailAfterWork(GSS_S_FAILURE)),
        (Call::AcquireCred, Fault::FailAfterWork(GSS_S_FAILURE)),
    ] {
        let (result, _) = run(&[(call, fault)], |g| {
            let target = Name::import(g, "host@localhost", NameType::HostBasedService)?;
            Credential::acquire(g, Usage::Initiate, Some(&target), None).map(|_| ())
        });
        assert!(matches!(result, Err(Error::Gssapi { major: GSS_S_FAILURE, .. })), "{call:?}: {result:?}");
    }
    // A failing gss_display_name of the acceptor's src_name: its buffer is still released.
    let (result, _) = run(&[(Call::Display, Fault::FailAfterWork(GSS_S_FAILURE))], |g| {
        g.exchange("host@localhost", NameType::HostBasedService, None)
    });
    assert!(matches!(result, Err(Error::Gssapi { call: "gss_display_name", .. })), "{result:?}");
}

#[test]
fn what_breaks_the_contract_is_invalid_data_and_still_released() {
    let exchange = |g: &Gssapi| g.exchange("host@localhost", NameType::HostBasedService, None);
    let (result, _) = run(&[(Call::Accept, Fault::NullToken)], exchange);
    let what = invalid(result, InvalidItem::GssapiBuffer);
    assert!(what.contains("gss_accept_sec_context returned a buffer of 5 bytes"), "{what}");

    let (result, _) = run(&[(Call::Accept, Fault::NoMechanism)], exchange);
    assert!(invalid(result, InvalidItem::GssapiOid).contains("without naming its mechanism"));

    let (result, released) = run(&[(Call::Init, Fault::Forever), (Call::Accept, Fault::Forever)], exchange);
    assert!(invalid(result, InvalidItem::GssapiContext).contains(&format!("did not complete in {MAX_LEGS} tokens")));
    assert_eq!(released[&Kind::Buffer], MAX_LEGS, "every token");

    let (result, _) = run(&[(Call::Accept, Fault::CompleteSilently)], exchange);
    let what = invalid(result, InvalidItem::GssapiContext);
    assert!(what.contains("acceptor completed without a token, but its peer has not"), "{what}");
}

#[test]
fn bad_input_is_refused_before_any_call() {
    let (result, released) = run(&[], |g| {
        let errors = [
            Name::import(g, "", NameType::HostBasedService).map(|_| ()),
            Name::import(g, "host\0@x", NameType::HostBasedService).map(|_| ()),
            Credential::acquire(g, Usage::Accept, None, Some("1.2.x")).map(|_| ()),
            g.exchange("host@localhost", NameType::HostBasedService, Some("9.1")).map(|_| ()),
        ];
        errors.map(|result| result.unwrap_err())
    });
    for error in &result {
        assert!(matches!(error, Error::InvalidName { .. }), "{error:?}");
    }
    assert!(result[3].to_string().contains("\"9.1\""), "{}", result[3]);
    // Only the last one's target name was imported before its mechanism was refused.
    assert_eq!(released, HashMap::from([(Kind::Name, 1)]));
}

#[test]
fn another_librarys_names_and_credentials_are_refused_before_any_call() {
    let ((), released) = run(&[], |g| {
        let other_functions = ContextFunctions {
            release_name: other_release_name,
            release_cred: other_release_cred,
            ..context_functions()
        };
        // SAFETY: the fake's functions, with release functions that release what the fake made.
        let other = unsafe { with_functions(other_functions) };
        let name = Name::import(g, "host@localhost", NameType::HostBasedService).unwrap();
        let credential = Credential::acquire(g, Usage::Initiate, None, None).unwrap();
        let errors = [
            Credential::acquire(&other, Usage::Accept, Some(&name), None).map(|_| ()),
            Context::initiator(&other, &name, None, None, 0).map(|_| ()),
            Context::acceptor(&other, Some(&credential)).map(|_| ()),
        ];
        for (error, object) in errors.into_iter().zip(["name", "name", "credential"]) {
            let error = error.unwrap_err();
            assert!(matches!(&error, Error::GssapiForeign { object: o, library } if *o == object && library == "fake"));
            assert_eq!(error.to_string(), format!("the {object} belongs to another GSSAPI library than fake"));
        }
        // The same library's objects work with a second `Gssapi` of it.
        // SAFETY: the fake's own functions.
        let again = unsafe { with_functions(context_functions()) };
        assert!(Context::initiator(&again, &name, Some(&credential), None, 0).is_ok());
    });
    assert_eq!(released, HashMap::from([(Kind::Name, 1), (Kind::Cred, 1)]), "nothing was made for the refused calls");
}

#[test]
fn a_library_without_context_functions_says_so() {
    // SAFETY: the fake's base functions; no context function is given.
    let bare = unsafe { Gssapi::from_functions(base(), "bare") };
    let error = bare.exchange("host@localhost", NameType::HostBasedService, None).unwrap_err();
    assert!(matches!(error, Error::Unsupported { function: "gss_import_name" }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the GSSAPI library was given without gss_import_name (see Gssapi::with_context_functions)"
    );
}
