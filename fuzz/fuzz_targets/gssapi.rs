//! A GSSAPI library's OID sets and buffers: `Gssapi::mechanisms` over an in-process fake (as
//! tests/gssapi_fake.rs builds it) whose mechanism OIDs, SASL names, attribute sets, attribute
//! names, statuses and failing calls come from the fuzzer. Every answer must be mechanisms or an
//! error, and everything the fake allocated released exactly once, nothing else released.
//! `oid_to_string` also gets the raw bytes.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use secpkg::Error;
use secpkg_gssapi_sys::*;
use secpkg::gssapi::{Functions, Gssapi, oid_to_string};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr::{null_mut, slice_from_raw_parts_mut};

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
enum Call {
    IndicateMechs,
    InquireSaslname,
    InquireAttrs,
    DisplayMechAttr,
    ReleaseOidSet,
    ReleaseBuffer,
}

/// One output buffer.
#[derive(Arbitrary, Clone, Debug, Deserialize)]
enum Buf {
    Bytes(Vec<u8>),
    Empty,
    /// `value` null with a non-zero `length`: nothing to read, nothing to free.
    NullValue(u16),
}

/// What the library does to a set after building it: the malformed sets a library may return
/// that secpkg can tell from a good one (the fake still frees what it allocated).
#[derive(Arbitrary, Clone, Copy, Debug, Default, Deserialize)]
enum Tamper {
    #[default]
    None,
    /// Elements null with a non-zero count.
    NullElements,
    /// A count no allocation can hold.
    HugeCount,
    /// One OID's bytes null with a non-zero length.
    NullOid(u8),
}

#[derive(Arbitrary, Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Mech {
    oid: Vec<u8>,
    /// None: gss_inquire_saslname_for_mech answers GSS_S_UNAVAILABLE.
    sasl: Option<[Buf; 3]>,
    /// None: gss_inquire_attrs_for_mech answers GSS_S_UNAVAILABLE.
    attrs: Option<Vec<Vec<u8>>>,
}

/// The `nth` call of `call` returns `major` and sets `minor`; when `produce`, it first does its
/// work (allocates its outputs, or frees its input).
#[derive(Arbitrary, Clone, Copy, Debug, Deserialize)]
struct Fault {
    call: Call,
    nth: u8,
    major: u32,
    minor: u32,
    produce: bool,
}

#[derive(Arbitrary, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Input {
    mechs: Vec<Mech>,
    /// Attribute OID → display name; an OID not here answers GSS_S_BAD_MECH_ATTR.
    names: Vec<(Vec<u8>, Buf)>,
    faults: Vec<Fault>,
    null_mech_set: bool,
    tamper_mech_set: Tamper,
    tamper_attr_set: Tamper,
    /// Which of the optional functions the library has.
    optional: [bool; 3],
    raw_oid: Vec<u8>,
}

enum Alloc {
    Set { elements: *mut gss_OID_desc, len: usize, oids: Vec<*mut [u8]> },
    Buffer(*mut [u8]),
}

#[derive(Default)]
struct State {
    mechs: Vec<Mech>,
    names: Vec<(Vec<u8>, Buf)>,
    faults: Vec<Fault>,
    null_mech_set: bool,
    tamper_mech_set: Option<Tamper>,
    tamper_attr_set: Option<Tamper>,
    calls: HashMap<Call, usize>,
    live: HashMap<usize, Alloc>,
    allocated: usize,
    released: usize,
    violations: Vec<String>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

impl State {
    fn call(&mut self, call: Call, minor: *mut u32, work: impl FnOnce(&mut State) -> u32) -> u32 {
        let nth = self.calls.get(&call).copied().unwrap_or(0);
        self.calls.insert(call, nth + 1);
        // SAFETY: secpkg passes a valid minor status pointer.
        unsafe { *minor = 0 };
        let fault = self.faults.iter().find(|f| f.call == call && usize::from(f.nth) == nth).copied();
        match fault {
            None => work(self),
            Some(fault) => {
                // A release that fails without releasing leaks in the library; that is no
                // fault of the caller's, so releases always release.
                if fault.produce || matches!(call, Call::ReleaseOidSet | Call::ReleaseBuffer) {
                    work(self);
                }
                // SAFETY: as above.
                unsafe { *minor = fault.minor };
                fault.major
            }
        }
    }

    fn alloc_set(&mut self, oids: &[Vec<u8>], tamper: Option<Tamper>) -> gss_OID_set {
        let raw: Vec<*mut [u8]> = oids.iter().map(|oid| Box::into_raw(oid.clone().into_boxed_slice())).collect();
        let descs: Box<[gss_OID_desc]> =
            raw.iter().map(|&p| gss_OID_desc { length: p.len() as u32, elements: p.cast::<c_void>() }).collect();
        let len = descs.len();
        let elements = if len == 0 { null_mut() } else { Box::into_raw(descs).cast::<gss_OID_desc>() };
        let mut desc = gss_OID_set_desc { count: len, elements };
        match tamper {
            None | Some(Tamper::None) => {}
            Some(Tamper::NullElements) if len != 0 => desc.elements = null_mut(),
            Some(Tamper::HugeCount) => desc.count = usize::MAX,
            Some(Tamper::NullOid(at)) if len != 0 => {
                // SAFETY: `at % len` is an element of the array just allocated.
                let oid = unsafe { &mut *elements.add(usize::from(at) % len) };
                if oid.length != 0 {
                    oid.elements = null_mut();
                }
            }
            Some(_) => {}
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
            Buf::NullValue(length) => gss_buffer_desc { length: usize::from(*length), value: null_mut() },
            Buf::Bytes(bytes) => {
                // NUL-terminated, as MIT's and Heimdal's are: also a real allocation when
                // `bytes` is empty (an empty Box is a dangling address every empty one shares).
                let value = Box::into_raw([bytes.as_slice(), &[0]].concat().into_boxed_slice());
                self.live.insert(value.cast::<u8>() as usize, Alloc::Buffer(value));
                self.allocated += 1;
                gss_buffer_desc { length: bytes.len(), value: value.cast() }
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
            None => return self.violations.push(format!("{what} {address:#x}: not live")),
        }
        self.released += 1;
    }

    fn find_mech(&self, oid: gss_OID) -> Option<Mech> {
        // SAFETY: secpkg passes an OID of the set the fake gave it, still live.
        let bytes = unsafe { oid_bytes(&*oid) };
        self.mechs.iter().find(|m| m.oid == bytes).cloned()
    }
}

/// # Safety
/// `oid` holds `length` readable bytes at `elements`, or `elements` is null.
unsafe fn oid_bytes(oid: &gss_OID_desc) -> Vec<u8> {
    let gss_OID_desc { length, elements } = *oid;
    if length == 0 || elements.is_null() {
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
            Some(Mech { sasl: None, .. }) => GSS_S_UNAVAILABLE,
            Some(Mech { sasl: Some(bufs), .. }) => {
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
            Some(Mech { attrs: None, .. }) => GSS_S_UNAVAILABLE,
            Some(Mech { attrs: Some(list), .. }) => {
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
    with(|s| {
        if !short.is_null() || !long.is_null() {
            s.violations.push("descriptions asked for".into());
        }
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

/// A JSON object (the seeds: real records, readable) or, for the fuzzer's own inputs, any
/// bytes read as `Arbitrary` data.
fn decode(data: &[u8]) -> Option<Input> {
    if data.first() == Some(&b'{') {
        return serde_json::from_slice(data).ok();
    }
    Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = decode(data) else { return };
    if let Some(dotted) = oid_to_string(&input.raw_oid) {
        assert!(!dotted.is_empty() && dotted.split('.').all(|arc| arc.parse::<u128>().is_ok()), "{dotted}");
    }
    let [sasl, attrs, display] = input.optional;
    let functions = Functions {
        indicate_mechs,
        release_oid_set,
        release_buffer,
        inquire_saslname_for_mech: sasl.then_some(inquire_saslname as InquireSaslnameForMechFn),
        inquire_attrs_for_mech: attrs.then_some(inquire_attrs as InquireAttrsForMechFn),
        display_mech_attr: display.then_some(display_mech_attr as DisplayMechAttrFn),
    };
    let state = State {
        mechs: input.mechs.into_iter().take(8).collect(),
        names: input.names,
        faults: input.faults,
        null_mech_set: input.null_mech_set,
        tamper_mech_set: Some(input.tamper_mech_set),
        tamper_attr_set: Some(input.tamper_attr_set),
        ..State::default()
    };
    let expected_oids: Vec<Option<String>> = state.mechs.iter().map(|m| oid_to_string(&m.oid)).collect();
    STATE.with(|s| *s.borrow_mut() = state);
    // SAFETY: the fake functions keep the GSSAPI contract (what they allocate, their release
    // functions free; the tampered sets are the malformed ones secpkg checks for) and live for
    // the whole program.
    let gssapi = unsafe { Gssapi::from_functions(functions, "fuzz") };
    let result = gssapi.mechanisms();
    let state = STATE.with(|s| std::mem::take(&mut *s.borrow_mut()));
    assert!(state.violations.is_empty(), "contract violations: {:?}", state.violations);
    assert!(state.live.is_empty(), "{} of {} allocations never released", state.live.len(), state.allocated);
    assert_eq!(state.released, state.allocated);
    match result {
        Ok(mechanisms) => {
            let clean =
                state.faults.is_empty() && !state.null_mech_set && matches!(input.tamper_mech_set, Tamper::None);
            if clean {
                let oids: Vec<Option<String>> = mechanisms.iter().map(|m| Some(m.oid.clone())).collect();
                assert_eq!(oids, expected_oids, "every mechanism, by its OID, in the library's order");
            }
            for mechanism in &mechanisms {
                let _ = (mechanism.capabilities.to_string(), format!("{mechanism:?}"));
            }
        }
        Err(Error::Gssapi { call, major, .. }) => {
            assert!(call.starts_with("gss_") && GSS_ERROR(major), "{call} {major:#x}")
        }
        Err(Error::InvalidData { what, .. }) => assert!(what.starts_with("gss_"), "{what}"),
        Err(other) => panic!("a GSSAPI failure or invalid data, not {other:?}"),
    }
});
