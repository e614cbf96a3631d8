//! The Unix side: the system's authentication mechanisms through GSSAPI, in SSPI's vocabulary.
//!
//! GSSAPI names a mechanism by OID and describes it by RFC 5587 attributes; SSPI names a package
//! and describes it by `SECPKG_FLAG_*` capabilities. [`Mechanism`] carries both: the GSSAPI facts
//! as the library reports them, and the [`Capabilities`] that [`ATTRIBUTE_CAPABILITIES`] maps them
//! to, with the SSPI package of the same protocol where there is one.
//!
//! ```no_run
//! for mechanism in secpkg::gssapi::mechanisms()? {
//!     println!("{} {:?} {}", mechanism.oid, mechanism.sspi_name, mechanism.capabilities);
//! }
//! # Ok::<(), secpkg::Error>(())
//! ```
//!
//! A context exchange, here both sides in one process (for Kerberos, the initiator's ticket
//! comes from `KRB5CCNAME`, the acceptor's key from `KRB5_KTNAME`); [`Context::step`] runs one
//! side's legs where the tokens travel between processes:
//!
//! ```no_run
//! use secpkg::gssapi::{Gssapi, NameType};
//! let exchange = Gssapi::system()?.exchange("host@server.example", NameType::HostBasedService, None)?;
//! for token in &exchange.tokens {
//!     println!("{:?}: {} bytes", token.direction, token.size);
//! }
//! println!("{:?} authenticated by {}", exchange.initiator_name, exchange.acceptor_mechanism.oid);
//! # Ok::<(), secpkg::Error>(())
//! ```
//!
//! The library is loaded at run time ([`Gssapi::system`]); nothing is needed to build.
//! Unlike SSPI's `cbMaxToken`, GSSAPI has no static maximum token size (a mechanism's tokens
//! grow with tickets, PACs and group lists), so none is reported.

mod attributes;
mod context;
mod sys;

pub use attributes::{ATTRIBUTE_CAPABILITIES, UNMAPPED_ATTRIBUTES, capabilities_of};
pub use context::{
    Context, ContextFunctions, Credential, DEFAULT_FLAGS, Direction, Established, Exchange, Leg, MAX_LEGS, Name,
    NameType, TokenSize, Usage,
};

use crate::error::{InvalidItem, LoadError};
use crate::{Capabilities, Error, PackageId};
use secpkg_gssapi_sys as ffi;
use secpkg_gssapi_sys::{gss_OID, gss_OID_desc};
use std::fmt::Write;
use std::path::Path;
use sys::{Buffer, OidSet, check, no_answer};

/// The libraries [`Gssapi::system`] tries, in order.
#[cfg(target_vendor = "apple")]
pub const SYSTEM_LIBRARIES: &[&str] = &["/System/Library/Frameworks/GSS.framework/GSS"];
/// The libraries [`Gssapi::system`] tries, in order: MIT Kerberos, then Heimdal.
#[cfg(not(target_vendor = "apple"))]
pub const SYSTEM_LIBRARIES: &[&str] = &["libgssapi_krb5.so.2", "libgssapi.so.3"];

/// The environment variable that [`Gssapi::from_env`] (and the `secpkg` command) read: the
/// path or soname of a GSSAPI library to use instead of the system's.
pub const GSSAPI_VAR: &str = "SECPKG_GSSAPI_LIB";

/// The mechanisms that are the same protocol as an SSPI package: OID, package name, RPC id.
#[rustfmt::skip]
pub const SSPI_EQUIVALENTS: &[(&str, &str, PackageId)] = &[
    ("1.2.840.113554.1.2.2", "Kerberos", PackageId::RPC_C_AUTHN_GSS_KERBEROS),
    // Microsoft's misencoded Kerberos OID, which Windows' own Kerberos package still sends.
    ("1.2.840.48018.1.2.2", "Kerberos", PackageId::RPC_C_AUTHN_GSS_KERBEROS),
    ("1.3.6.1.5.5.2", "Negotiate", PackageId::RPC_C_AUTHN_GSS_NEGOTIATE),
    ("1.3.6.1.4.1.311.2.2.10", "NTLM", PackageId::RPC_C_AUTHN_WINNT),
];

/// A name of [`SSPI_EQUIVALENTS`]. Spelled `&'static str`, serde_derive would borrow it from
/// the input and deserialize a `Mechanism` only from `'static` data; `deserialize_sspi_name`
/// finds the name in the table instead, so the alias hides the reference from serde_derive.
type SspiName = &'static str;

/// One GSSAPI mechanism, owned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Mechanism {
    /// Its OID, dotted: `1.2.840.113554.1.2.2`.
    pub oid: String,
    /// Its SASL (GS2) name, `GS2-KRB5` (`gss_inquire_saslname_for_mech`).
    pub sasl_name: Option<String>,
    /// Its short name, `krb5`.
    pub mech_name: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its RFC 5587 attributes, named by `gss_display_mech_attr` (`GSS_C_MA_MECH_CONCRETE`), in
    /// the library's order; an attribute the library cannot name is given by its dotted OID.
    pub attributes: Vec<String>,
    /// What the attributes mean in SSPI's terms ([`ATTRIBUTE_CAPABILITIES`]).
    pub capabilities: Capabilities,
    /// The SSPI package of the same protocol ([`SSPI_EQUIVALENTS`]): `Kerberos`, `Negotiate`, `NTLM`.
    // `default`: missing, it is `None` like the other `Option` fields (without it serde_derive
    // refuses a missing `deserialize_with` field).
    #[cfg_attr(feature = "serde", serde(default, deserialize_with = "deserialize_sspi_name"))]
    pub sspi_name: Option<SspiName>,
    /// That package's RPC id.
    pub package_id: Option<PackageId>,
}

/// `sspi_name` is `&'static`: deserializing finds the same name in [`SSPI_EQUIVALENTS`].
#[cfg(feature = "serde")]
fn deserialize_sspi_name<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<&'static str>, D::Error> {
    let name: Option<String> = serde::Deserialize::deserialize(de)?;
    let known = |name: String| SSPI_EQUIVALENTS.iter().map(|(_, n, _)| *n).find(|n| *n == name).ok_or(name);
    let unknown = |name| serde::de::Error::custom(format!("no SSPI package {name:?} has a GSSAPI equivalent"));
    name.map(known).transpose().map_err(unknown)
}

/// The GSSAPI functions secpkg calls, for [`Gssapi::from_functions`]. The optional ones (RFC
/// 5801, RFC 5587) are missing from old libraries; without them the fields they fill stay empty.
///
/// The function types are those of the crate secpkg-gssapi-sys (the C declarations), which code
/// that builds this depends on; nothing else of secpkg's API names that crate.
#[derive(Clone, Copy, Debug)]
pub struct Functions {
    /// `gss_indicate_mechs`.
    pub indicate_mechs: ffi::IndicateMechsFn,
    /// `gss_release_oid_set`.
    pub release_oid_set: ffi::ReleaseOidSetFn,
    /// `gss_release_buffer`.
    pub release_buffer: ffi::ReleaseBufferFn,
    /// `gss_inquire_saslname_for_mech` (RFC 5801), if the library has it.
    pub inquire_saslname_for_mech: Option<ffi::InquireSaslnameForMechFn>,
    /// `gss_inquire_attrs_for_mech` (RFC 5587), if the library has it.
    pub inquire_attrs_for_mech: Option<ffi::InquireAttrsForMechFn>,
    /// `gss_display_mech_attr` (RFC 5587), if the library has it.
    pub display_mech_attr: Option<ffi::DisplayMechAttrFn>,
}

/// A GSSAPI library: its functions. A library loaded by [`Gssapi::load`] stays loaded for the
/// rest of the process, as SSPI providers do (see [`crate::Provider`]): MIT and Heimdal keep
/// global and thread-local state that unloading would leave dangling.
pub struct Gssapi {
    functions: Functions,
    /// The context functions ([`Gssapi::exchange`]): loaded by [`Gssapi::load`] when the library
    /// has them all, never given by [`Gssapi::from_functions`].
    context: Option<context::ContextFunctions>,
    name: String,
}

// SAFETY: the fields are function pointers into a library that is never unloaded. Unlike
// WinPR's SSPI, no lock is needed: MIT krb5 is built thread-safe (its docs' "Thread safety":
// the library may be used from several threads, and `gss_indicate_mechs` initialises its
// mechanism list under `g_mechListLock`), Heimdal's mechglue guards its list with a
// `HEIMDAL_MUTEX` and a once-initialisation, and the calls made here share no state between
// callers; `load` and `from_functions` put the same demand on their callers.
unsafe impl Send for Gssapi {}
// SAFETY: as for Send; nothing is mutated through `&self`.
unsafe impl Sync for Gssapi {}

impl std::fmt::Debug for Gssapi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gssapi").field("library", &self.name).finish_non_exhaustive()
    }
}

impl Gssapi {
    /// The first of [`SYSTEM_LIBRARIES`] that loads. The environment is not read: see
    /// [`Gssapi::from_env`] for a library the user names.
    pub fn system() -> Result<Gssapi, Error> {
        let mut tried = Vec::new();
        for name in SYSTEM_LIBRARIES {
            // SAFETY: these are the system's MIT and Heimdal GSSAPI libraries, found by the
            // dynamic loader's own search, with the RFC 2744 signatures.
            match unsafe { Self::load(name) } {
                Err(error @ Error::GssapiLoad { .. }) => tried.push(error),
                found => return found,
            }
        }
        Err(Error::NoGssapi { tried })
    }

    /// The library the user names with the environment variable `SECPKG_GSSAPI_LIB`
    /// ([`GSSAPI_VAR`]; no fallback when it is set), else [`Gssapi::system`].
    ///
    /// The variable is ignored when it is empty, and in a process running with elevated
    /// privileges (setuid, setgid or file capabilities), as MIT krb5 ignores `GSS_MECH_CONFIG`.
    ///
    /// # Safety
    /// As [`Gssapi::load`], for the library the variable names.
    pub unsafe fn from_env() -> Result<Gssapi, Error> {
        match crate::env::library_var(GSSAPI_VAR) {
            // SAFETY: the caller vouches for the library the variable names.
            Some(path) => unsafe { Self::load(path) },
            None => Self::system(),
        }
    }

    /// Loads a GSSAPI library by path or soname. It must export `gss_indicate_mechs`,
    /// `gss_release_oid_set` and `gss_release_buffer`; the RFC 5801 and 5587 functions are used
    /// when present. Outputs are released after failed calls too, as
    /// [`Gssapi::from_functions`] says.
    ///
    /// # Safety
    /// Loading runs the library's initialisers and calls its functions with the RFC's C
    /// signatures: the library must be a GSSAPI library whose functions behave as
    /// [`Gssapi::from_functions`] requires, thread safety included.
    pub unsafe fn load(path: impl AsRef<Path>) -> Result<Gssapi, Error> {
        let path = path.as_ref();
        let load_error = |source| Error::GssapiLoad { path: path.to_owned(), source: LoadError::new(source) };
        // SAFETY: the caller names a GSSAPI library; running its initialisers is what loading means.
        let library = unsafe { libloading::Library::new(path) }.map_err(load_error)?;
        // SAFETY: for each symbol, the RFC 2744 / 5587 / 5801 function of that name has the C
        // signature of `sys`; the pointers stay valid for good, since `library` is leaked below.
        let functions = unsafe {
            Functions {
                indicate_mechs: symbol(&library, "gss_indicate_mechs").map_err(load_error)?,
                release_oid_set: symbol(&library, "gss_release_oid_set").map_err(load_error)?,
                release_buffer: symbol(&library, "gss_release_buffer").map_err(load_error)?,
                inquire_saslname_for_mech: symbol(&library, "gss_inquire_saslname_for_mech").ok(),
                inquire_attrs_for_mech: symbol(&library, "gss_inquire_attrs_for_mech").ok(),
                display_mech_attr: symbol(&library, "gss_display_mech_attr").ok(),
            }
        };
        // SAFETY: as above, for the RFC 2744 context functions; all of them or none.
        let context = unsafe {
            (|| {
                Some(context::ContextFunctions {
                    import_name: symbol(&library, "gss_import_name").ok()?,
                    release_name: symbol(&library, "gss_release_name").ok()?,
                    display_name: symbol(&library, "gss_display_name").ok()?,
                    acquire_cred: symbol(&library, "gss_acquire_cred").ok()?,
                    release_cred: symbol(&library, "gss_release_cred").ok()?,
                    init_sec_context: symbol(&library, "gss_init_sec_context").ok()?,
                    accept_sec_context: symbol(&library, "gss_accept_sec_context").ok()?,
                    delete_sec_context: symbol(&library, "gss_delete_sec_context").ok()?,
                    display_status: symbol(&library, "gss_display_status").ok(),
                })
            })()
        };
        std::mem::forget(library);
        Ok(Gssapi { functions, context, name: path.display().to_string() })
    }

    /// A library from its functions, for tests and embedders that link GSSAPI themselves.
    ///
    /// # Outputs, after success and after failure
    ///
    /// Before each call secpkg sets every output it passes to the empty value: an OID set to
    /// `GSS_C_NO_OID_SET` (null), a buffer to `{ length: 0, value: null }`. After the call, on
    /// **success and on failure alike** (a `GSS_ERROR` status, or the `GSS_S_UNAVAILABLE`,
    /// `GSS_S_BAD_MECH` and `GSS_S_BAD_MECH_ATTR` by which a library has no answer), it
    /// releases each output that is no longer empty (a non-null set, a buffer with a non-null
    /// `value`) exactly once, with `release_oid_set` or `release_buffer`, and never looks at it
    /// otherwise: only after success does it read an output. The release functions' own
    /// outputs are never released again, whatever they return. This is the discipline of MIT
    /// and Heimdal (they set outputs to empty first, so a failure leaves them empty or holding
    /// what was allocated before the failure), and what keeps a library that fails after
    /// allocating from leaking.
    ///
    /// # Safety
    /// Each function must behave as its RFC says: on success its outputs are what the RFC
    /// describes; after any call, success or failure, each output holds the empty value secpkg
    /// put there or something the library allocated that the matching `release_oid_set` /
    /// `release_buffer` frees (see above: a failing call must not leave anything else in an
    /// output). The functions must be callable from any thread and stay callable for the life
    /// of the returned value.
    pub unsafe fn from_functions(functions: Functions, name: impl Into<String>) -> Gssapi {
        Gssapi { functions, context: None, name: name.into() }
    }

    /// The context functions, or [`Error::Unsupported`] naming `call` when the library was
    /// given without them.
    fn context_functions(&self, call: &'static str) -> Result<&context::ContextFunctions, Error> {
        self.context.as_ref().ok_or(Error::Unsupported { function: call })
    }

    /// The library's path or soname as it was loaded, or the `from_functions` name.
    pub fn library_name(&self) -> &str {
        &self.name
    }

    /// Every mechanism the library offers (`gss_indicate_mechs`), described.
    ///
    /// A failing call is an [`Error::Gssapi`], except that a mechanism or attribute the library
    /// has no answer for (`GSS_S_UNAVAILABLE`, `GSS_S_BAD_MECH`, `GSS_S_BAD_MECH_ATTR`) leaves
    /// its fields empty, or its attribute under its dotted OID.
    pub fn mechanisms(&self) -> Result<Vec<Mechanism>, Error> {
        let mut set = OidSet::new(self.functions.release_oid_set);
        let mut minor = 0;
        // SAFETY: both out-pointers are valid for writes; the set is released by `set`.
        let major = unsafe { (self.functions.indicate_mechs)(&mut minor, set.slot()) };
        check("gss_indicate_mechs", major, minor)?;
        let mechanisms =
            set.oids("gss_indicate_mechs")?.iter().map(|oid| self.describe(oid, "gss_indicate_mechs")).collect();
        set.release()?;
        mechanisms
    }

    /// The mechanism `oid`, which `call` returned.
    fn describe(&self, oid: &gss_OID_desc, call: &str) -> Result<Mechanism, Error> {
        let dotted = dotted(oid, call)?;
        let [sasl_name, mech_name, description] = self.sasl_names(oid)?;
        let attributes = self.attributes(oid)?;
        let sspi = SSPI_EQUIVALENTS.iter().find(|(known, ..)| *known == dotted);
        Ok(Mechanism {
            oid: dotted,
            sasl_name,
            mech_name,
            description,
            capabilities: capabilities_of(&attributes),
            attributes,
            sspi_name: sspi.map(|(_, name, _)| *name),
            package_id: sspi.map(|(.., id)| *id),
        })
    }

    fn sasl_names(&self, oid: &gss_OID_desc) -> Result<[Option<String>; 3], Error> {
        let Some(inquire) = self.functions.inquire_saslname_for_mech else {
            return Ok([None, None, None]);
        };
        let mut buffers = [(); 3].map(|_| Buffer::new(self.functions.release_buffer));
        let [sasl, name, description] = buffers.each_mut().map(Buffer::slot);
        let mut minor = 0;
        // SAFETY: `oid` is an element of the library's live mechanism set (it reads it only);
        // the out-pointers are valid for writes, and the buffers release what is written.
        let major = unsafe { inquire(&mut minor, as_oid(oid), sasl, name, description) };
        if no_answer(major) {
            return Ok([None, None, None]);
        }
        check("gss_inquire_saslname_for_mech", major, minor)?;
        let texts = buffers.each_ref().map(Buffer::text);
        buffers.into_iter().try_for_each(Buffer::release)?;
        Ok(texts)
    }

    fn attributes(&self, oid: &gss_OID_desc) -> Result<Vec<String>, Error> {
        let Some(inquire) = self.functions.inquire_attrs_for_mech else {
            return Ok(Vec::new());
        };
        let mut set = OidSet::new(self.functions.release_oid_set);
        let mut minor = 0;
        // SAFETY: as in `sasl_names`; RFC 5587 lets known_mech_attrs be null (not wanted).
        let major = unsafe { inquire(&mut minor, as_oid(oid), set.slot(), std::ptr::null_mut()) };
        if no_answer(major) {
            return Ok(Vec::new());
        }
        check("gss_inquire_attrs_for_mech", major, minor)?;
        let names = set.oids("gss_inquire_attrs_for_mech")?.iter().map(|attr| self.attribute_name(attr)).collect();
        set.release()?;
        names
    }

    fn attribute_name(&self, attr: &gss_OID_desc) -> Result<String, Error> {
        let dotted = dotted(attr, "gss_inquire_attrs_for_mech")?;
        let Some(display) = self.functions.display_mech_attr else {
            return Ok(dotted);
        };
        let mut name = Buffer::new(self.functions.release_buffer);
        let mut minor = 0;
        let null = std::ptr::null_mut();
        // SAFETY: `attr` is an element of the library's live attribute set; `name` is valid for
        // writes and releases what is written; RFC 5587 lets both descriptions be null.
        let major = unsafe { display(&mut minor, as_oid(attr), name.slot(), null, null) };
        if no_answer(major) {
            return Ok(dotted);
        }
        check("gss_display_mech_attr", major, minor)?;
        let text = name.text();
        name.release()?;
        Ok(text.unwrap_or(dotted))
    }
}

/// Every mechanism of [`Gssapi::system`].
pub fn mechanisms() -> Result<Vec<Mechanism>, Error> {
    Gssapi::system()?.mechanisms()
}

/// # Safety
/// `T` is the type of the library's symbol `name`.
unsafe fn symbol<T: Copy>(library: &libloading::Library, name: &str) -> Result<T, libloading::Error> {
    // SAFETY: the caller's guarantee; the value is copied out of the symbol, and the caller
    // keeps the library loaded for as long as it is used.
    unsafe { library.get::<T>(name.as_bytes()).map(|symbol| *symbol) }
}

/// GSSAPI declares its OID inputs `gss_OID` (not const) but only reads them.
fn as_oid(oid: &gss_OID_desc) -> gss_OID {
    (oid as *const gss_OID_desc).cast_mut()
}

fn dotted(oid: &gss_OID_desc, call: &str) -> Result<String, Error> {
    let gss_OID_desc { length, elements } = *oid;
    let bytes: &[u8] = match (length, elements.is_null()) {
        (0, _) => &[],
        (_, true) => {
            let what = format!("{call} returned an OID of {length} bytes at null");
            return Err(Error::InvalidData { item: InvalidItem::GssapiOid, what });
        }
        // SAFETY: the library's OID holds `length` bytes at `elements`, valid while its set lives,
        // which outlasts this borrow.
        _ => unsafe { std::slice::from_raw_parts(elements.cast::<u8>(), length as usize) },
    };
    oid_to_string(bytes).ok_or_else(|| Error::InvalidData {
        item: InvalidItem::GssapiOid,
        what: format!("{call} returned the invalid OID {bytes:02x?}"),
    })
}

/// The DER contents octets of a dotted OID (`1.2.840.113554.1.2.2` → `2a 86 48 86 f7 12 01 02
/// 02`), the inverse of [`oid_to_string`], or None when it is not one: fewer than two arcs, a
/// first arc above 2, a second above 39 under 0 or 1, an empty or non-decimal arc, or an arc
/// above `u128::MAX`.
pub fn oid_from_string(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u128> = dotted
        .split('.')
        .map(|arc| arc.bytes().all(|b| b.is_ascii_digit()).then(|| arc.parse().ok()).flatten())
        .collect::<Option<_>>()?;
    let [first, second, rest @ ..] = arcs.as_slice() else {
        return None;
    };
    if *first > 2 || (*first < 2 && *second >= 40) {
        return None;
    }
    let mut der = Vec::new();
    for arc in std::iter::once(first * 40).map(|head| head.checked_add(*second)).chain(rest.iter().copied().map(Some)) {
        let arc = arc?;
        // Base 128, most significant group first, every group but the last with its top bit set.
        let groups = (0..=18).rev().map(|shift| (arc >> (7 * shift)) as u8 & 0x7f);
        let start = der.len();
        der.extend(groups.skip_while(|&group| group == 0));
        if der.len() == start {
            der.push(0);
        }
        let last = der.len() - 1;
        der[start..last].iter_mut().for_each(|byte| *byte |= 0x80);
    }
    Some(der)
}

/// The dotted form of an OID's DER contents octets (`2a 86 48 86 f7 12 01 02 02` →
/// `1.2.840.113554.1.2.2`), or None when they are not a valid OID: empty, truncated, padded
/// with a leading 0x80, or with an arc above `u128::MAX`.
pub fn oid_to_string(der: &[u8]) -> Option<String> {
    if der.last()? & 0x80 != 0 {
        return None;
    }
    let mut dotted = String::new();
    let (mut arc, mut fresh) = (0u128, true);
    for &byte in der {
        if fresh && byte == 0x80 {
            return None;
        }
        arc = arc.checked_mul(128)? | u128::from(byte & 0x7f);
        fresh = byte & 0x80 == 0;
        if fresh {
            // The first subidentifier packs two arcs: 40 * first + second, first <= 2.
            let _ = match (dotted.is_empty(), arc) {
                (true, 0..40) => write!(dotted, "0.{arc}"),
                (true, 40..80) => write!(dotted, "1.{}", arc - 40),
                (true, _) => write!(dotted, "2.{}", arc - 80),
                (false, _) => write!(dotted, ".{arc}"),
            };
            arc = 0;
        }
    }
    Some(dotted)
}
