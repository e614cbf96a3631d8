//! `secpkg::gssapi` over a counting fake GSSAPI: in-process `extern "C"` doubles that allocate
//! every set and buffer on the heap, record each one live until its release, and fail on demand.
//! Every scenario ends by checking that each allocation was released exactly once, and nothing
//! else (a second release, or a pointer the fake never gave out) was passed to a release function.
//! Run under valgrind by scripts/test.
#![cfg(all(unix, feature = "gssapi"))]

use secpkg::gssapi::{
    ATTRIBUTE_CAPABILITIES, Functions, Gssapi, Mechanism, UNMAPPED_ATTRIBUTES, capabilities_of, oid_from_string,
    oid_to_string,
};
use secpkg::{Capabilities, Capability, Error, InvalidItem, PackageId};
use secpkg_gssapi_sys::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr::{null_mut, slice_from_raw_parts_mut};

const GSS_S_CALL_INACCESSIBLE_READ: u32 = 1 << 24;
const GSS_S_CALL_BAD_STRUCTURE: u32 = 3 << 24;
/// A supplementary bit (informational, not an error).
const GSS_S_DUPLICATE_TOKEN: u32 = 1 << 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Call {
    IndicateMechs,
    InquireSaslname,
    InquireAttrs,
    DisplayMechAttr,
    ReleaseOidSet,
    ReleaseBuffer,
}

/// What one output buffer of the fake holds.
#[derive(Clone, Debug)]
enum Buf {
    Text(&'static [u8]),
    Empty,
    /// `value` null with a non-zero `length`: nothing to read, nothing to free.
    NullValue(usize),
}

#[derive(Clone, Debug)]
struct FakeMech {
    oid: Vec<u8>,
    /// None: gss_inquire_saslname_for_mech answers GSS_S_UNAVAILABLE.
    sasl: Option<[Buf; 3]>,
    /// None: gss_inquire_attrs_for_mech answers GSS_S_UNAVAILABLE.
    attrs: Option<Vec<Vec<u8>>>,
}

/// The `nth` call (from 0) of `call` returns `major` and sets `minor`; when `produce`, it also
/// does its work first (allocates its outputs, or frees its input).
#[derive(Clone, Copy, Debug)]
struct Fault {
    call: Call,
    nth: usize,
    major: u32,
    minor: u32,
    produce: bool,
}

enum Alloc {
    Set { elements: *mut gss_OID_desc, len: usize, oids: Vec<*mut [u8]> },
    Buffer(*mut [u8]),
}

#[derive(Default)]
struct State {
    mechs: Vec<FakeMech>,
    /// Attribute OID → display name; an OID not here answers GSS_S_BAD_MECH_ATTR.
    names: Vec<(Vec<u8>, Buf)>,
    faults: Vec<Fault>,
    null_mech_set: bool,
    /// Applied to a set after it is built; the fake still frees what it allocated.
    tamper_mech_set: Option<fn(&mut gss_OID_set_desc)>,
    tamper_attr_set: Option<fn(&mut gss_OID_set_desc)>,
    calls: HashMap<Call, usize>,
    live: HashMap<usize, Alloc>,
    allocated: usize,
    released: usize,
    /// Releases of what is not live (a second release, a foreign pointer), and requests for
    /// outputs secpkg does not use.
    violations: Vec<String>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

impl State {
    fn count(&self, call: Call) -> usize {
        self.calls.get(&call).copied().unwrap_or(0)
    }

    /// Runs one call: counts it, applies a matching fault, else does `work`.
    fn call(&mut self, call: Call, minor: *mut u32, work: impl FnOnce(&mut State) -> u32) -> u32 {
        let nth = self.count(call);
        self.calls.insert(call, nth + 1);
        // SAFETY: secpkg always passes a valid minor status pointer.
        unsafe { *minor = 0 };
        let fault = self.faults.iter().find(|f| f.call == call && f.nth == nth).copied();
        match fault {
            None => work(self),
            Some(fault) => {
                if fault.produce {
                    work(self);
                }
                // SAFETY: as above.
                unsafe { *minor = fault.minor };
                fault.major
            }
        }
    }

    fn alloc_set(&mut self, oids: &[Vec<u8>], tamper: Option<fn(&mut gss_OID_set_desc)>) -> gss_OID_set {
        let raw: Vec<*mut [u8]> = oids.iter().map(|oid| Box::into_raw(oid.clone().into_boxed_slice())).collect();
        let descs: Box<[gss_OID_desc]> =
            raw.iter().map(|&p| gss_OID_desc { length: p.len() as u32, elements: p.cast::<c_void>() }).collect();
        let len = descs.len();
        let elements = if len == 0 { null_mut() } else { Box::into_raw(descs).cast::<gss_OID_desc>() };
        let mut desc = gss_OID_set_desc { count: len, elements };
        if let Some(tamper) = tamper {
            tamper(&mut desc);
        }
        let set = Box::into_raw(Box::new(desc));
        self.live.insert(set as usize, Alloc::Set { elements, len, oids: raw });
        self.allocated += 1;
        set
    }

    fn fill(&mut self, buffer: gss_buffer_t, content: &Buf) {
        if buffer.is_null() {
            return;
        }
        let desc = match content {
            Buf::Empty => gss_buffer_desc { length: 0, value: null_mut() },
            Buf::NullValue(length) => gss_buffer_desc { length: *length, value: null_mut() },
            Buf::Text(text) => {
                let value = Box::into_raw(text.to_vec().into_boxed_slice());
                self.live.insert(value.cast::<u8>() as usize, Alloc::Buffer(value));
                self.allocated += 1;
                gss_buffer_desc { length: text.len(), value: value.cast() }
            }
        };
        // SAFETY: secpkg passes buffers valid for writes.
        unsafe { *buffer = desc };
    }

    fn free(&mut self, address: usize, what: &str) {
        match self.live.remove(&address) {
            // SAFETY: each pointer was made by Box::into_raw in alloc_set and is freed once: it
            // has just left `live`.
            Some(Alloc::Set { elements, len, oids }) => unsafe {
                oids.into_iter().for_each(|oid| drop(Box::from_raw(oid)));
                if len != 0 {
                    drop(Box::from_raw(slice_from_raw_parts_mut(elements, len)));
                }
                drop(Box::from_raw(address as *mut gss_OID_set_desc));
            },
            // SAFETY: made by Box::into_raw in `fill`, and has just left `live`.
            Some(Alloc::Buffer(value)) => unsafe { drop(Box::from_raw(value)) },
            None => {
                return self.violations.push(format!("{what} {address:#x}: not live"));
            }
        }
        self.released += 1;
    }

    fn find_mech(&self, oid: gss_OID) -> Option<FakeMech> {
        // SAFETY: secpkg passes an OID of the set the fake gave it, still live.
        let bytes = unsafe { oid_bytes(&*oid) };
        self.mechs.iter().find(|m| m.oid == bytes).cloned()
    }
}

/// # Safety
/// `oid` holds `length` readable bytes at `elements`.
unsafe fn oid_bytes(oid: &gss_OID_desc) -> Vec<u8> {
    let gss_OID_desc { length, elements } = *oid;
    if length == 0 {
        return Vec::new();
    }
    // SAFETY: the caller's guarantee.
    unsafe { std::slice::from_raw_parts(elements.cast::<u8>(), length as usize) }.to_vec()
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

unsafe extern "C" fn indicate_mechs(minor: *mut u32, set: *mut gss_OID_set) -> u32 {
    with(|s| {
        s.call(Call::IndicateMechs, minor, |s| {
            let oids: Vec<Vec<u8>> = s.mechs.iter().map(|m| m.oid.clone()).collect();
            let made = if s.null_mech_set { null_mut() } else { s.alloc_set(&oids, s.tamper_mech_set) };
            // SAFETY: secpkg passes a set pointer valid for writes.
            unsafe { *set = made };
            GSS_S_COMPLETE
        })
    })
}

unsafe extern "C" fn inquire_saslname(
    minor: *mut u32,
    mech: gss_OID,
    sasl: gss_buffer_t,
    name: gss_buffer_t,
    description: gss_buffer_t,
) -> u32 {
    with(|s| {
        s.call(Call::InquireSaslname, minor, |s| match s.find_mech(mech) {
            None => GSS_S_BAD_MECH,
            Some(FakeMech { sasl: None, .. }) => GSS_S_UNAVAILABLE,
            Some(FakeMech { sasl: Some(bufs), .. }) => {
                for (buffer, content) in [sasl, name, description].into_iter().zip(&bufs) {
                    s.fill(buffer, content);
                }
                GSS_S_COMPLETE
            }
        })
    })
}

unsafe extern "C" fn inquire_attrs(
    minor: *mut u32,
    mech: gss_OID,
    attrs: *mut gss_OID_set,
    known: *mut gss_OID_set,
) -> u32 {
    with(|s| {
        if !known.is_null() {
            s.violations.push("known_mech_attrs asked for".into());
        }
        s.call(Call::InquireAttrs, minor, |s| match s.find_mech(mech) {
            None => GSS_S_BAD_MECH,
            Some(FakeMech { attrs: None, .. }) => GSS_S_UNAVAILABLE,
            Some(FakeMech { attrs: Some(list), .. }) => {
                let made = s.alloc_set(&list, s.tamper_attr_set);
                // SAFETY: secpkg passes a set pointer valid for writes.
                unsafe { *attrs = made };
                GSS_S_COMPLETE
            }
        })
    })
}

unsafe extern "C" fn display_mech_attr(
    minor: *mut u32,
    attr: gss_OID,
    name: gss_buffer_t,
    short: gss_buffer_t,
    long: gss_buffer_t,
) -> u32 {
    assert!(short.is_null() && long.is_null(), "secpkg asks for the name only");
    with(|s| {
        s.call(Call::DisplayMechAttr, minor, |s| {
            // SAFETY: secpkg passes an OID of a live attribute set.
            let bytes = unsafe { oid_bytes(&*attr) };
            match s.names.iter().find(|(oid, _)| *oid == bytes).map(|(_, n)| n.clone()) {
                None => GSS_S_BAD_MECH_ATTR,
                Some(content) => {
                    s.fill(name, &content);
                    GSS_S_COMPLETE
                }
            }
        })
    })
}

unsafe extern "C" fn release_oid_set(minor: *mut u32, set: *mut gss_OID_set) -> u32 {
    with(|s| {
        s.call(Call::ReleaseOidSet, minor, |s| {
            // Left as it is (a library need not reset it) so that a second release would show.
            // SAFETY: secpkg passes a pointer to its set pointer.
            let address = unsafe { *set } as usize;
            if address != 0 {
                s.free(address, "gss_release_oid_set");
            }
            GSS_S_COMPLETE
        })
    })
}

unsafe extern "C" fn release_buffer(minor: *mut u32, buffer: gss_buffer_t) -> u32 {
    with(|s| {
        s.call(Call::ReleaseBuffer, minor, |s| {
            // SAFETY: secpkg passes its own buffer, which is left as it is, as above.
            let desc = unsafe { *buffer };
            if desc.value.is_null() {
                s.violations.push("gss_release_buffer of a null value".into());
            } else {
                s.free(desc.value as usize, "gss_release_buffer");
            }
            GSS_S_COMPLETE
        })
    })
}

fn all_functions() -> Functions {
    Functions {
        indicate_mechs,
        release_oid_set,
        release_buffer,
        inquire_saslname_for_mech: Some(inquire_saslname),
        inquire_attrs_for_mech: Some(inquire_attrs),
        display_mech_attr: Some(display_mech_attr),
    }
}

/// Runs `mechanisms()` over the fake in `state`; checks that everything allocated was released
/// exactly once and nothing else was released; returns the result and the final state.
fn run_with(state: State, functions: Functions) -> (Result<Vec<Mechanism>, Error>, State) {
    STATE.with(|s| *s.borrow_mut() = state);
    // SAFETY: the fake functions follow the GSSAPI contract (they allocate only what their
    // release functions free) and live for the whole program.
    let gssapi = unsafe { Gssapi::from_functions(functions, "fake") };
    assert_eq!(gssapi.library_name(), "fake");
    let result = gssapi.mechanisms();
    let state = STATE.with(|s| std::mem::take(&mut *s.borrow_mut()));
    assert!(state.violations.is_empty(), "contract violations: {:?}", state.violations);
    assert!(state.live.is_empty(), "{} of {} allocations never released", state.live.len(), state.allocated);
    assert_eq!(state.released, state.allocated);
    (result, state)
}

fn run(state: State) -> (Result<Vec<Mechanism>, Error>, State) {
    run_with(state, all_functions())
}

/// DER contents octets of a dotted OID, written independently of the decoder under test.
fn der(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u128> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut out = Vec::new();
    for arc in std::iter::once(arcs[0] * 40 + arcs[1]).chain(arcs[2..].iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest != 0 {
            groups.push((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    out
}

const KRB5: &str = "1.2.840.113554.1.2.2";
const SPNEGO: &str = "1.3.6.1.5.5.2";
const NTLM: &str = "1.3.6.1.4.1.311.2.2.10";
const IAKERB: &str = "1.3.6.1.5.2.5";

fn ma(n: u32) -> Vec<u8> {
    der(&format!("1.3.6.1.5.5.13.{n}"))
}

/// RFC 5587's attribute OIDs 1.3.6.1.5.5.13.1..=27, named as MIT names them.
fn rfc5587_names() -> Vec<(Vec<u8>, Buf)> {
    #[rustfmt::skip]
    const NAMES: [&str; 27] = [
        "GSS_C_MA_MECH_CONCRETE", "GSS_C_MA_MECH_PSEUDO", "GSS_C_MA_MECH_COMPOSITE", "GSS_C_MA_MECH_NEGO",
        "GSS_C_MA_MECH_GLUE", "GSS_C_MA_NOT_MECH", "GSS_C_MA_DEPRECATED", "GSS_C_MA_NOT_DFLT_MECH",
        "GSS_C_MA_ITOK_FRAMED", "GSS_C_MA_AUTH_INIT", "GSS_C_MA_AUTH_TARG", "GSS_C_MA_AUTH_INIT_INIT",
        "GSS_C_MA_AUTH_TARG_INIT", "GSS_C_MA_AUTH_INIT_ANON", "GSS_C_MA_AUTH_TARG_ANON", "GSS_C_MA_DELEG_CRED",
        "GSS_C_MA_INTEG_PROT", "GSS_C_MA_CONF_PROT", "GSS_C_MA_MIC", "GSS_C_MA_WRAP", "GSS_C_MA_PROT_READY",
        "GSS_C_MA_REPLAY_DET", "GSS_C_MA_OOS_DET", "GSS_C_MA_CBINDINGS", "GSS_C_MA_PFS", "GSS_C_MA_COMPRESS",
        "GSS_C_MA_CTX_TRANS",
    ];
    (1..=27).map(|n| (ma(n), Buf::Text(NAMES[n as usize - 1].as_bytes()))).collect()
}

fn sasl(names: [&'static str; 3]) -> Option<[Buf; 3]> {
    Some(names.map(|n| Buf::Text(n.as_bytes())))
}

/// MIT's mechanisms, as this machine's libgssapi_krb5 reports them (abridged attribute lists).
fn mit_like() -> State {
    State {
        mechs: vec![
            FakeMech {
                oid: der(KRB5),
                sasl: sasl(["GS2-KRB5", "krb5", "Kerberos 5 GSS-API Mechanism"]),
                attrs: Some([1, 9, 10, 11, 16, 17, 18, 19, 20].map(ma).to_vec()),
            },
            FakeMech {
                oid: der(IAKERB),
                sasl: sasl(["GS2-IAKERB", "iakerb", "IAKERB"]),
                attrs: Some([1, 9, 11, 8].map(ma).to_vec()),
            },
            FakeMech { oid: der(SPNEGO), sasl: sasl(["SPNEGO", "spnego", "SPNEGO"]), attrs: Some(vec![ma(4), ma(9)]) },
            FakeMech {
                oid: der(NTLM),
                sasl: sasl(["GS2-NTLM", "NTLM", "NTLM Mechanism"]),
                attrs: Some(vec![ma(17), ma(18)]),
            },
        ],
        names: rfc5587_names(),
        ..State::default()
    }
}

fn gss_error(result: Result<Vec<Mechanism>, Error>) -> (&'static str, u32, u32) {
    match result {
        Err(Error::Gssapi { call, major, minor, .. }) => (call, major, minor),
        other => panic!("expected a GSSAPI status error, got {other:?}"),
    }
}

fn invalid_data(result: Result<Vec<Mechanism>, Error>) -> String {
    match result {
        Err(Error::InvalidData { item: InvalidItem::GssapiOid | InvalidItem::GssapiOidSet, what }) => what,
        other => panic!("expected invalid data, got {other:?}"),
    }
}

fn fault(call: Call, nth: usize, major: u32, produce: bool) -> Fault {
    Fault { call, nth, major, minor: 0x2a, produce }
}

#[test]
fn lists_each_mechanism_with_its_names_attributes_and_capabilities() {
    let (result, state) = run(mit_like());
    let mechs = result.unwrap();
    let oids: Vec<&str> = mechs.iter().map(|m| m.oid.as_str()).collect();
    assert_eq!(oids, [KRB5, IAKERB, SPNEGO, NTLM]);

    let krb5 = &mechs[0];
    assert_eq!(krb5.sasl_name.as_deref(), Some("GS2-KRB5"));
    assert_eq!(krb5.mech_name.as_deref(), Some("krb5"));
    assert_eq!(krb5.description.as_deref(), Some("Kerberos 5 GSS-API Mechanism"));
    assert_eq!(krb5.attributes[..3], ["GSS_C_MA_MECH_CONCRETE", "GSS_C_MA_ITOK_FRAMED", "GSS_C_MA_AUTH_INIT"]);
    assert_eq!(krb5.attributes.len(), 9);
    let expected = Capabilities::INTEGRITY
        | Capabilities::PRIVACY
        | Capabilities::GSS_COMPATIBLE
        | Capabilities::MUTUAL_AUTH
        | Capabilities::DELEGATION;
    assert_eq!(krb5.capabilities, expected, "{}", krb5.capabilities);
    assert_eq!((krb5.sspi_name, krb5.package_id), (Some("Kerberos"), Some(PackageId::RPC_C_AUTHN_GSS_KERBEROS)));

    assert_eq!((mechs[1].sspi_name, mechs[1].package_id), (None, None), "iakerb has no SSPI package");
    assert_eq!(mechs[1].attributes.last().map(String::as_str), Some("GSS_C_MA_NOT_DFLT_MECH"));
    assert_eq!(
        (mechs[2].sspi_name, mechs[2].package_id),
        (Some("Negotiate"), Some(PackageId::RPC_C_AUTHN_GSS_NEGOTIATE))
    );
    assert_eq!(mechs[2].capabilities, Capabilities::from(Capability::GssCompatible), "MECH_NEGO maps to nothing");
    assert_eq!((mechs[3].sspi_name, mechs[3].package_id), (Some("NTLM"), Some(PackageId::RPC_C_AUTHN_WINNT)));
    assert_eq!(mechs[3].capabilities, Capability::Integrity | Capability::Privacy);

    assert_eq!(state.count(Call::IndicateMechs), 1);
    assert_eq!(state.count(Call::InquireSaslname), 4);
    assert_eq!(state.count(Call::InquireAttrs), 4);
    assert_eq!(state.count(Call::DisplayMechAttr), 9 + 4 + 2 + 2);
    assert_eq!(state.count(Call::ReleaseOidSet), 1 + 4);
    assert_eq!(state.count(Call::ReleaseBuffer), 4 * 3 + 17);
}

#[test]
fn a_failing_gss_indicate_mechs_is_reported_with_both_codes() {
    for produce in [false, true] {
        let mut state = mit_like();
        state.faults = vec![Fault { minor: 0x96c73a8c, ..fault(Call::IndicateMechs, 0, GSS_S_FAILURE, produce) }];
        let (result, state) = run(state);
        let error = result.unwrap_err();
        assert_eq!(error.to_string(), "gss_indicate_mechs failed: major status 0x000d0000, minor status 0x96c73a8c");
        assert_eq!(gss_error(Err(error)), ("gss_indicate_mechs", GSS_S_FAILURE, 0x96c73a8c));
        // A set allocated despite the failure is released all the same.
        assert_eq!(state.count(Call::ReleaseOidSet), usize::from(produce));
        assert_eq!(state.count(Call::InquireSaslname), 0);
    }
}

#[test]
fn a_failing_gss_inquire_saslname_for_mech_is_an_error_and_frees_what_came_before() {
    let mut state = mit_like();
    state.faults = vec![fault(Call::InquireSaslname, 1, GSS_S_FAILURE, true)];
    let (result, state) = run(state);
    assert_eq!(gss_error(result), ("gss_inquire_saslname_for_mech", GSS_S_FAILURE, 0x2a));
    // krb5 fully described (its set and 3 + 9 buffers), iakerb's 3 buffers, the mechanism set.
    assert_eq!(state.count(Call::ReleaseOidSet), 2);
    assert_eq!(state.count(Call::ReleaseBuffer), 3 + 9 + 3);
}

#[test]
fn a_mechanism_without_sasl_names_leaves_them_empty() {
    let mut state = mit_like();
    state.mechs[0].sasl = None; // GSS_S_UNAVAILABLE
    state.faults = vec![fault(Call::InquireSaslname, 1, GSS_S_BAD_MECH, false)];
    let (result, _) = run(state);
    let mechs = result.unwrap();
    for mech in &mechs[..2] {
        assert_eq!((&mech.sasl_name, &mech.mech_name, &mech.description), (&None, &None, &None), "{}", mech.oid);
        assert!(!mech.attributes.is_empty(), "attributes are still asked for");
    }
    assert_eq!(mechs[2].sasl_name.as_deref(), Some("SPNEGO"));
}

#[test]
fn a_failing_gss_inquire_attrs_for_mech_is_an_error_and_its_set_is_released() {
    let mut state = mit_like();
    state.faults = vec![fault(Call::InquireAttrs, 2, GSS_S_CALL_INACCESSIBLE_READ, true)];
    let (result, state) = run(state);
    assert_eq!(gss_error(result), ("gss_inquire_attrs_for_mech", GSS_S_CALL_INACCESSIBLE_READ, 0x2a));
    assert_eq!(state.count(Call::ReleaseOidSet), 1 + 3, "three attribute sets and the mechanism set");
}

#[test]
fn a_failing_gss_display_mech_attr_for_one_attribute_is_an_error() {
    let mut state = mit_like();
    state.faults = vec![fault(Call::DisplayMechAttr, 4, GSS_S_FAILURE, true)];
    let (result, state) = run(state);
    assert_eq!(gss_error(result), ("gss_display_mech_attr", GSS_S_FAILURE, 0x2a));
    assert_eq!(state.count(Call::DisplayMechAttr), 5);
    assert_eq!(state.count(Call::ReleaseOidSet), 2);
    assert_eq!(state.count(Call::ReleaseBuffer), 3 + 5, "krb5's names and the five attribute names");
}

#[test]
fn an_attribute_the_library_cannot_name_is_kept_under_its_oid() {
    let mut state = mit_like();
    let private = der("1.3.6.1.4.1.5322.99.1");
    state.mechs[3].attrs = Some(vec![ma(17), private, ma(18)]);
    state.faults = vec![fault(Call::DisplayMechAttr, 9 + 4 + 2, GSS_S_UNAVAILABLE, false)];
    let (result, _) = run(state);
    let ntlm = &result.unwrap()[3];
    assert_eq!(ntlm.attributes, ["1.3.6.1.5.5.13.17", "1.3.6.1.4.1.5322.99.1", "GSS_C_MA_CONF_PROT"]);
    assert_eq!(ntlm.capabilities, Capabilities::from(Capability::Privacy), "only named attributes map");
}

#[test]
fn release_failures_are_reported_and_never_retried() {
    for (call, nth) in
        [(Call::ReleaseOidSet, 0), (Call::ReleaseOidSet, 4), (Call::ReleaseBuffer, 0), (Call::ReleaseBuffer, 5)]
    {
        let mut state = mit_like();
        state.faults = vec![fault(call, nth, GSS_S_FAILURE, true)];
        let (result, state) = run(state);
        let name = if call == Call::ReleaseOidSet { "gss_release_oid_set" } else { "gss_release_buffer" };
        assert_eq!(gss_error(result), (name, GSS_S_FAILURE, 0x2a));
        assert_eq!(state.released, state.allocated, "{call:?} #{nth}");
    }
}

#[test]
fn an_empty_or_null_mechanism_set_is_no_mechanism() {
    let (result, state) = run(State::default());
    assert_eq!(result.unwrap(), []);
    assert_eq!((state.allocated, state.count(Call::ReleaseOidSet)), (1, 1));

    let (result, state) = run(State { null_mech_set: true, ..mit_like() });
    assert_eq!(result.unwrap(), []);
    assert_eq!(state.count(Call::ReleaseOidSet), 0);
}

#[test]
fn missing_optional_symbols_leave_their_fields_empty() {
    let bare = Functions {
        inquire_saslname_for_mech: None,
        inquire_attrs_for_mech: None,
        display_mech_attr: None,
        ..all_functions()
    };
    let (result, state) = run_with(mit_like(), bare);
    for mech in result.unwrap() {
        assert_eq!((mech.sasl_name, mech.attributes.len(), mech.capabilities), (None, 0, Capabilities::empty()));
        assert!(mech.sspi_name.is_some() || mech.oid == IAKERB);
    }
    assert_eq!((state.count(Call::InquireSaslname), state.count(Call::ReleaseBuffer)), (0, 0));

    let no_display = Functions { display_mech_attr: None, ..all_functions() };
    let (result, state) = run_with(mit_like(), no_display);
    let mechs = result.unwrap();
    assert_eq!(mechs[2].attributes, ["1.3.6.1.5.5.13.4", "1.3.6.1.5.5.13.9"]);
    assert_eq!(mechs[2].sasl_name.as_deref(), Some("SPNEGO"));
    assert_eq!(state.count(Call::DisplayMechAttr), 0);
}

#[test]
fn a_mechanism_without_attributes_has_no_capabilities() {
    let mut state = mit_like();
    state.mechs[0].attrs = Some(Vec::new()); // a set of zero count, null elements
    state.mechs[1].attrs = None; // GSS_S_UNAVAILABLE
    let (result, state) = run(state);
    let mechs = result.unwrap();
    for mech in &mechs[..2] {
        assert_eq!((mech.attributes.len(), mech.capabilities), (0, Capabilities::empty()), "{}", mech.oid);
    }
    assert_eq!(state.count(Call::ReleaseOidSet), 1 + 3, "the empty attribute set is released too");
}

#[test]
fn oids_with_multi_byte_arcs_decode() {
    let huge = format!("2.25.{}", u128::MAX);
    let oids = [KRB5, NTLM, "2.999.1", "0.0", "1.39.4294967296", huge.as_str()];
    let state = State {
        mechs: oids.iter().map(|o| FakeMech { oid: der(o), sasl: None, attrs: None }).collect(),
        ..State::default()
    };
    let (result, _) = run(state);
    let decoded: Vec<String> = result.unwrap().into_iter().map(|m| m.oid).collect();
    assert_eq!(decoded, oids);
    assert_eq!(der(KRB5), [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02]);
    assert_eq!(der("2.999.1"), [0x88, 0x37, 0x01]);
    assert_eq!(oid_to_string(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]).as_deref(), Some(SPNEGO));
}

#[test]
fn oid_from_string_encodes_what_oid_to_string_decodes() {
    let huge = format!("2.25.{}", u128::MAX);
    for oid in [KRB5, SPNEGO, NTLM, IAKERB, "2.999.1", "0.0", "1.39.4294967296", "2.25.0.128", huge.as_str()] {
        let encoded = oid_from_string(oid).unwrap_or_else(|| panic!("{oid} refused"));
        assert_eq!(encoded, der(oid), "{oid}");
        assert_eq!(oid_to_string(&encoded).as_deref(), Some(oid));
    }
    let past_u128 = format!("2.25.{}0", u128::MAX);
    let first_past_u128 = format!("2.{}", u128::MAX);
    for bad in ["", "1", "1.", ".1", "1..2", "3.1", "0.40", "1.40", "1.2.x", "1.2.-3", "1.2.+3", " 1.2", &past_u128] {
        assert_eq!(oid_from_string(bad), None, "{bad:?}");
    }
    assert_eq!(oid_from_string(&first_past_u128), None, "the first subidentifier, 80 + arc, overflows");
    assert_eq!(oid_from_string("2.40").as_deref(), Some(&[0x78][..]), "arcs under 2 may pass 39");
}

#[test]
fn invalid_oids_are_invalid_data_and_everything_is_still_released() {
    let mut too_big = vec![0x84];
    too_big.extend([0xff; 18]);
    too_big.push(0x7f); // one arc of 136 bits, past u128
    let odd: [Vec<u8>; 5] = [vec![], vec![0x2a, 0x86], vec![0x2a, 0x80, 0x01], too_big, vec![0x2b; 5]];
    for (i, bad) in odd.into_iter().enumerate() {
        let mut state = mit_like();
        state.mechs.insert(1, FakeMech { oid: bad.clone(), sasl: None, attrs: None });
        if i == 4 {
            // SAFETY: the set the fake just built holds this and krb5's OID, so element 1 exists.
            state.tamper_mech_set = Some(|set| unsafe { (*set.elements.add(1)).elements = null_mut() });
        }
        let (result, state) = run(state);
        let what = invalid_data(result);
        assert!(what.contains("gss_indicate_mechs"), "{what}");
        assert_eq!(state.count(Call::ReleaseOidSet), 2, "krb5's attributes and the mechanism set, for OID {bad:02x?}");
    }
    assert_eq!(oid_to_string(&[0x2b, 0x06]).as_deref(), Some("1.3.6"));
    assert_eq!(oid_to_string(&[0x80, 0x01]), None);

    // An attribute OID that cannot be decoded fails the same way.
    let mut state = mit_like();
    state.mechs[2].attrs = Some(vec![ma(4), vec![0xff]]);
    let (result, state) = run(state);
    assert!(invalid_data(result).contains("gss_inquire_attrs_for_mech"));
    assert_eq!(state.count(Call::ReleaseOidSet), 4);
}

#[test]
fn malformed_sets_are_invalid_data_and_still_released() {
    let tampers: [fn(&mut gss_OID_set_desc); 2] = [|set| set.elements = null_mut(), |set| set.count = usize::MAX];
    for tamper in tampers {
        let (result, state) = run(State { tamper_mech_set: Some(tamper), ..mit_like() });
        assert!(invalid_data(result).contains("gss_indicate_mechs returned a set of"));
        assert_eq!((state.count(Call::ReleaseOidSet), state.count(Call::InquireSaslname)), (1, 0));

        let (result, state) = run(State { tamper_attr_set: Some(tamper), ..mit_like() });
        assert!(invalid_data(result).contains("gss_inquire_attrs_for_mech returned a set of"));
        assert_eq!(state.count(Call::ReleaseOidSet), 2);
    }
}

#[test]
fn null_empty_and_odd_buffers_are_read_safely() {
    let mut state = mit_like();
    state.mechs[0].sasl = Some([Buf::NullValue(7), Buf::Empty, Buf::Text(b"Kerberos\xff 5\0")]);
    state.names[16].1 = Buf::NullValue(19); // GSS_C_MA_INTEG_PROT
    state.names[17].1 = Buf::Text(b"GSS_C_MA_CONF_PROT\0");
    let (result, state) = run(state);
    let krb5 = &result.unwrap()[0];
    assert_eq!((&krb5.sasl_name, &krb5.mech_name), (&None, &None));
    assert_eq!(krb5.description.as_deref(), Some("Kerberos\u{fffd} 5"));
    assert!(krb5.attributes.contains(&"1.3.6.1.5.5.13.17".to_owned()), "{:?}", krb5.attributes);
    assert!(krb5.capabilities.contains(Capabilities::PRIVACY), "a trailing NUL is not part of the name");
    assert!(krb5.capabilities.contains(Capabilities::INTEGRITY), "GSS_C_MA_MIC still gives integrity");
    assert_eq!(state.count(Call::ReleaseBuffer), state.allocated - state.count(Call::ReleaseOidSet));
}

#[test]
fn supplementary_status_bits_are_not_errors_but_calling_errors_are() {
    let mut state = mit_like();
    state.faults = vec![fault(Call::IndicateMechs, 0, GSS_S_DUPLICATE_TOKEN, true)];
    let (result, _) = run(state);
    assert_eq!(result.unwrap().len(), 4);

    let mut state = mit_like();
    state.faults = vec![fault(Call::IndicateMechs, 0, GSS_S_CALL_BAD_STRUCTURE | GSS_S_FAILURE, false)];
    let (result, _) = run(state);
    assert_eq!(gss_error(result).1, GSS_S_CALL_BAD_STRUCTURE | GSS_S_FAILURE);
    assert!(GSS_ERROR(GSS_S_CALL_BAD_STRUCTURE) && !GSS_ERROR(GSS_S_DUPLICATE_TOKEN));
}

#[test]
fn the_mapping_table_covers_every_rfc5587_attribute_once() {
    for (_, name) in rfc5587_names() {
        let Buf::Text(name) = name else { unreachable!() };
        let name = std::str::from_utf8(name).unwrap();
        let mapped = ATTRIBUTE_CAPABILITIES.iter().any(|(a, ..)| *a == name);
        let unmapped = UNMAPPED_ATTRIBUTES.iter().any(|(a, _)| *a == name);
        assert!(mapped != unmapped, "{name} must be in exactly one table");
    }
    for (attribute, capability, why) in ATTRIBUTE_CAPABILITIES {
        assert!(attribute.starts_with("GSS_C_MA_") && !why.is_empty(), "{attribute}");
        assert!(capabilities_of(&[attribute]).contains(capability.set()), "{attribute}");
    }
    assert_eq!(capabilities_of(&["GSS_C_MA_DEPRECATED", "GSS_C_MA_MECH_NEGO", "1.2.3"]), Capabilities::empty());
    assert_eq!(capabilities_of(&["GSS_C_MA_NEGOEX_AND_SPNEGO"]), Capability::Negotiable | Capability::Negotiable2);
}

/// The contract of `Gssapi::from_functions`: after a call that fails, or has no answer, each
/// output the library wrote is released exactly once and never read; an output it left empty
/// is not released (no release call at all). For each call that has outputs, each such status,
/// with and without the library allocating first, the release calls differ by exactly what the
/// failing call allocated, and `run` checks that everything allocated was released once.
#[test]
fn outputs_written_by_a_failing_call_are_released_once_and_never_read() {
    // The call, and what it allocates when it works: (OID sets, buffers).
    let calls = [
        (Call::IndicateMechs, (1, 0)),
        (Call::InquireSaslname, (0, 3)),
        (Call::InquireAttrs, (1, 0)),
        (Call::DisplayMechAttr, (0, 1)),
    ];
    let statuses = [GSS_S_FAILURE, GSS_S_UNAVAILABLE, GSS_S_BAD_MECH, GSS_S_BAD_MECH_ATTR];
    for (call, (sets, buffers)) in calls {
        for major in statuses {
            let releases = |produce| {
                let mut state = mit_like();
                state.faults = vec![fault(call, 0, major, produce)];
                let (result, state) = run(state);
                let released = (state.count(Call::ReleaseOidSet), state.count(Call::ReleaseBuffer));
                (result, released)
            };
            let (left_empty, (sets_empty, buffers_empty)) = releases(false);
            let (allocated, (sets_full, buffers_full)) = releases(true);
            let case = format!("{call:?} returning {major:#x}");
            assert_eq!((sets_full - sets_empty, buffers_full - buffers_empty), (sets, buffers), "{case}");
            // Whether the library allocated changes nothing but the releases.
            assert_eq!(format!("{left_empty:?}"), format!("{allocated:?}"), "{case}");
            let no_answer = major != GSS_S_FAILURE && call != Call::IndicateMechs;
            if no_answer {
                // Never read: the first mechanism's names or the first attribute's name stay empty.
                let first = &allocated.unwrap()[0];
                match call {
                    Call::InquireSaslname => assert_eq!(first.sasl_name, None, "{case}"),
                    Call::InquireAttrs => assert!(first.attributes.is_empty(), "{case}"),
                    _ => assert!(first.attributes[0].starts_with("1.3.6.1.5.5.13."), "{case}: {:?}", first.attributes),
                }
            } else {
                assert!(matches!(allocated, Err(Error::Gssapi { major: m, .. }) if m == major), "{case}");
            }
        }
    }
}
