//! A security context between an initiator and an acceptor (RFC 2743 section 1.1.3): the names,
//! the credentials, and the legs of `gss_init_sec_context` and `gss_accept_sec_context`.
//!
//! Every object the library allocates (name, credential, context, token buffer) is owned by a
//! guard that releases it exactly once, with the library's own function, after success and after
//! failure alike (the discipline of [`Gssapi::from_functions`]). A context is used by one thread
//! at a time (it is neither `Send` nor `Sync`), as MIT and Heimdal require of a `gss_ctx_id_t`.

use super::sys::{Buffer, check};
use super::{Gssapi, Mechanism, as_oid};
use crate::Error;
use crate::error::InvalidItem;
use secpkg_gssapi_sys as ffi;
use secpkg_gssapi_sys::GSS_ERROR;
use secpkg_gssapi_sys::{OM_uint32, gss_OID, gss_OID_desc, gss_OID_set_desc, gss_buffer_desc};
use std::ffi::c_void;
use std::ptr::{self, null_mut};

/// The RFC 2744 functions of a context exchange: loaded with the rest by [`Gssapi::load`], or
/// given with [`Gssapi::with_context_functions`].
#[derive(Clone, Copy, Debug)]
pub struct ContextFunctions {
    /// `gss_import_name`.
    pub import_name: ffi::ImportNameFn,
    /// `gss_release_name`.
    pub release_name: ffi::ReleaseNameFn,
    /// `gss_display_name`.
    pub display_name: ffi::DisplayNameFn,
    /// `gss_acquire_cred`.
    pub acquire_cred: ffi::AcquireCredFn,
    /// `gss_release_cred`.
    pub release_cred: ffi::ReleaseCredFn,
    /// `gss_init_sec_context`.
    pub init_sec_context: ffi::InitSecContextFn,
    /// `gss_accept_sec_context`.
    pub accept_sec_context: ffi::AcceptSecContextFn,
    /// `gss_delete_sec_context`.
    pub delete_sec_context: ffi::DeleteSecContextFn,
    /// `gss_display_status`, for the words of an [`Error::Gssapi`]; without it, there are none.
    pub display_status: Option<ffi::DisplayStatusFn>,
}

/// The context flags [`Context::initiator`] requests: mutual authentication, replay and sequence
/// detection, confidentiality and integrity (`GSS_C_*_FLAG`, RFC 2744's values).
pub const DEFAULT_FLAGS: u32 = ffi::GSS_C_MUTUAL_FLAG
    | ffi::GSS_C_REPLAY_FLAG
    | ffi::GSS_C_SEQUENCE_FLAG
    | ffi::GSS_C_CONF_FLAG
    | ffi::GSS_C_INTEG_FLAG;

/// The legs [`Gssapi::exchange`] runs before it gives up: Kerberos needs 2, SPNEGO over
/// Kerberos 2 or 3.
pub const MAX_LEGS: usize = 16;

/// How a name's text is to be read (`gss_import_name`'s name type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameType {
    /// `service@host` (`GSS_C_NT_HOSTBASED_SERVICE`, 1.2.840.113554.1.2.1.4): `host@localhost`.
    HostBasedService,
    /// A Kerberos principal (`GSS_KRB5_NT_PRINCIPAL_NAME`, 1.2.840.113554.1.2.2.1):
    /// `host/localhost@EXAMPLE.COM`.
    KerberosPrincipal,
}

impl NameType {
    /// The name type's OID, DER contents octets.
    fn der(self) -> &'static [u8] {
        match self {
            NameType::HostBasedService => &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x04],
            NameType::KerberosPrincipal => &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01],
        }
    }
}

/// What a credential is for (`gss_cred_usage_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Usage {
    /// `GSS_C_INITIATE`: a client's, from its ticket cache (`KRB5CCNAME` for Kerberos).
    Initiate,
    /// `GSS_C_ACCEPT`: a service's, from its keytab (`KRB5_KTNAME` for Kerberos).
    Accept,
}

/// Which side sent a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Direction {
    /// `gss_init_sec_context`'s token, for the acceptor.
    ToAcceptor,
    /// `gss_accept_sec_context`'s token, for the initiator.
    ToInitiator,
}

/// A handle the library allocated (a name or a credential), released exactly once by its
/// release function, on drop.
struct Handle {
    raw: *mut c_void,
    release: ReleaseFn,
}

type ReleaseFn = unsafe extern "C" fn(*mut OM_uint32, *mut *mut c_void) -> OM_uint32;

impl Handle {
    fn new(release: ReleaseFn) -> Handle {
        Handle { raw: null_mut(), release }
    }

    /// Refuses a handle that `gssapi`'s `release` would not release: another library's, whose
    /// object this one would read as its own.
    fn owned_by(&self, release: ReleaseFn, gssapi: &Gssapi, object: &'static str) -> Result<(), Error> {
        if std::ptr::fn_addr_eq(self.release, release) {
            Ok(())
        } else {
            Err(Error::GssapiForeign { object, library: gssapi.library_name().to_owned() })
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if self.raw.is_null() {
            return;
        }
        let mut minor = 0;
        // SAFETY: `raw` came from this library's import_name / acquire_cred / accept_sec_context
        // (whose release function `new` took) and was not released yet; it is nulled right
        // after, and a failing release is not retried (it would be a second release).
        let _ = unsafe { (self.release)(&mut minor, &mut self.raw) };
        self.raw = null_mut();
    }
}

/// A name the library imported (`gss_import_name`), released on drop.
pub struct Name<'a> {
    gssapi: &'a Gssapi,
    handle: Handle,
}

impl std::fmt::Debug for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Name").field("display", &self.display().ok()).finish()
    }
}

impl<'a> Name<'a> {
    /// Imports `text` as a name of type `kind`: `host@localhost` as a
    /// [`NameType::HostBasedService`].
    ///
    /// An empty text or one with a NUL is an [`Error::InvalidName`], before any call.
    pub fn import(gssapi: &'a Gssapi, text: &str, kind: NameType) -> Result<Name<'a>, Error> {
        if text.is_empty() || text.contains('\0') {
            let reason = if text.is_empty() { "a GSSAPI name is not empty" } else { "a GSSAPI name has no NUL" };
            return Err(Error::InvalidName { name: text.to_owned(), reason });
        }
        let functions = gssapi.context_functions("gss_import_name")?;
        let mut buffer = gss_buffer_desc { length: text.len(), value: text.as_ptr().cast_mut().cast() };
        let type_oid = oid_desc(kind.der());
        let mut name = Name { gssapi, handle: Handle::new(functions.release_name) };
        let mut minor = 0;
        // SAFETY: the buffer points to `text.len()` bytes of `text` and the OID to a static
        // array, both only read (RFC 2744 inputs) and alive for the call; the out-pointer is
        // valid for writes, and what the library writes there is released by `name`'s handle.
        let major =
            unsafe { (functions.import_name)(&mut minor, &mut buffer, as_oid(&type_oid), &mut name.handle.raw) };
        gssapi.check_status("gss_import_name", major, minor)?;
        Ok(name)
    }

    /// The name as the library prints it (`gss_display_name`): `host@localhost`,
    /// `user@EXAMPLE.COM`.
    pub fn display(&self) -> Result<String, Error> {
        display(self.gssapi, self.handle.raw)
    }
}

fn display(gssapi: &Gssapi, name: ffi::gss_name_t) -> Result<String, Error> {
    let functions = gssapi.context_functions("gss_display_name")?;
    let mut text = Buffer::new(gssapi.functions.release_buffer);
    let mut minor = 0;
    // SAFETY: `name` is a live name of this library (its owner outlives this borrow); the
    // buffer is valid for writes and releases what is written; RFC 2744 lets the type be null.
    let major = unsafe { (functions.display_name)(&mut minor, name, text.slot(), null_mut()) };
    gssapi.check_status("gss_display_name", major, minor)?;
    let shown = text.text().unwrap_or_default();
    text.release()?;
    Ok(shown)
}

/// A credential the library acquired (`gss_acquire_cred`), released on drop.
pub struct Credential<'a> {
    #[allow(dead_code)] // Holds the library borrowed, for `handle`'s release.
    gssapi: &'a Gssapi,
    handle: Handle,
}

impl std::fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential").finish_non_exhaustive()
    }
}

impl<'a> Credential<'a> {
    /// The default credential for `usage` (`GSS_C_NO_NAME`: for Kerberos, the ticket cache's
    /// principal when initiating, any key of the keytab when accepting), or `name`'s, for the
    /// mechanism with the dotted OID `mechanism` (None: every mechanism the library has).
    pub fn acquire(
        gssapi: &'a Gssapi,
        usage: Usage,
        name: Option<&Name<'a>>,
        mechanism: Option<&str>,
    ) -> Result<Credential<'a>, Error> {
        let functions = gssapi.context_functions("gss_acquire_cred")?;
        let der = mechanism.map(oid_der).transpose()?;
        let mut mech = der.as_deref().map(oid_desc);
        let mut set = mech.as_mut().map(|mech| gss_OID_set_desc { count: 1, elements: mech });
        let set_ptr = set.as_mut().map_or(null_mut(), ptr::from_mut);
        let usage = match usage {
            Usage::Initiate => ffi::GSS_C_INITIATE,
            Usage::Accept => ffi::GSS_C_ACCEPT,
        };
        if let Some(name) = name {
            name.handle.owned_by(functions.release_name, gssapi, "name")?;
        }
        let desired = name.map_or(null_mut(), |name| name.handle.raw);
        let mut credential = Credential { gssapi, handle: Handle::new(functions.release_cred) };
        let mut minor = 0;
        // SAFETY: the name is live (borrowed) or GSS_C_NO_NAME; the set, its OID and the OID's
        // bytes live on this frame through the call and are only read; actual_mechs and time_rec
        // may be null (RFC 2744: not wanted); what the library writes to the credential slot is
        // released by its handle.
        let major = unsafe {
            (functions.acquire_cred)(
                &mut minor,
                desired,
                ffi::GSS_C_INDEFINITE,
                set_ptr,
                usage,
                &mut credential.handle.raw,
                null_mut(),
                null_mut(),
            )
        };
        gssapi.check_status("gss_acquire_cred", major, minor)?;
        Ok(credential)
    }
}

/// A context handle, deleted exactly once (`gss_delete_sec_context`) on drop.
struct ContextHandle {
    raw: ffi::gss_ctx_id_t,
    delete: ffi::DeleteSecContextFn,
}

impl Drop for ContextHandle {
    fn drop(&mut self) {
        if self.raw.is_null() {
            return;
        }
        let mut minor = 0;
        // SAFETY: a context of this library, not deleted yet (nulled right after, not retried);
        // GSS_C_NO_BUFFER asks for no output token, as RFC 2744 recommends.
        let _ = unsafe { (self.delete)(&mut minor, &mut self.raw, null_mut()) };
        self.raw = null_mut();
    }
}

enum Side<'a> {
    Initiator { target: &'a Name<'a>, credential: Option<&'a Credential<'a>>, mechanism: Option<Vec<u8>> },
    Acceptor { credential: Option<&'a Credential<'a>> },
}

/// A context being established: call [`step`](Context::step) with each token from the peer
/// (the initiator's first with none) until it is [`Leg::Complete`].
pub struct Context<'a> {
    gssapi: &'a Gssapi,
    functions: ContextFunctions,
    handle: ContextHandle,
    side: Side<'a>,
    flags: u32,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let side = match self.side {
            Side::Initiator { .. } => "initiator",
            Side::Acceptor { .. } => "acceptor",
        };
        f.debug_struct("Context").field("side", &side).field("flags", &self.flags).finish_non_exhaustive()
    }
}

/// What one [`Context::step`] gives: the token for the peer (possibly empty), and the context,
/// still being established or complete.
#[derive(Debug)]
pub enum Leg<'a> {
    /// `GSS_S_CONTINUE_NEEDED`: send the token, and step again with the peer's answer.
    Continue(Context<'a>, Vec<u8>),
    /// `GSS_S_COMPLETE`: send the token if it is not empty; the context is established.
    Complete(Established<'a>, Vec<u8>),
}

/// An established context, deleted on drop.
pub struct Established<'a> {
    #[allow(dead_code)] // Deletes the context on drop.
    handle: ContextHandle,
    mechanism: Mechanism,
    flags: u32,
    initiator: Option<String>,
    _library: std::marker::PhantomData<&'a Gssapi>,
}

impl std::fmt::Debug for Established<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Established")
            .field("mechanism", &self.mechanism.oid)
            .field("flags", &self.flags)
            .field("initiator", &self.initiator)
            .finish_non_exhaustive()
    }
}

impl Established<'_> {
    /// The mechanism the context runs: for SPNEGO, the one it negotiated (`actual_mech_type`
    /// / `mech_type`), described as [`Gssapi::mechanisms`] describes it.
    pub fn mechanism(&self) -> &Mechanism {
        &self.mechanism
    }

    /// The context's flags (`ret_flags`: `GSS_C_MUTUAL_FLAG` and the others, RFC 2744's values).
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// On the acceptor, the authenticated initiator's name (`src_name`): `user@EXAMPLE.COM`.
    pub fn initiator_name(&self) -> Option<&str> {
        self.initiator.as_deref()
    }
}

impl<'a> Context<'a> {
    /// An initiator's context for `target`, with `credential` (None: `GSS_C_NO_CREDENTIAL`, the
    /// default one), for the mechanism with the dotted OID `mechanism` (None: the library's
    /// default, Kerberos for MIT and Heimdal), requesting `flags` (see [`DEFAULT_FLAGS`]).
    ///
    /// `target` and `credential` must be of the same library as `gssapi` (loaded once or
    /// several times): another library's is an [`Error::GssapiForeign`].
    pub fn initiator(
        gssapi: &'a Gssapi,
        target: &'a Name<'a>,
        credential: Option<&'a Credential<'a>>,
        mechanism: Option<&str>,
        flags: u32,
    ) -> Result<Context<'a>, Error> {
        let mechanism = mechanism.map(oid_der).transpose()?;
        let functions = gssapi.context_functions("gss_init_sec_context")?;
        target.handle.owned_by(functions.release_name, gssapi, "name")?;
        if let Some(credential) = credential {
            credential.handle.owned_by(functions.release_cred, gssapi, "credential")?;
        }
        Self::new(gssapi, Side::Initiator { target, credential, mechanism }, flags, "gss_init_sec_context")
    }

    /// An acceptor's context, with `credential` (None: `GSS_C_NO_CREDENTIAL`, any key of the
    /// default keytab), which must be of the same library as `gssapi`, as for the initiator.
    pub fn acceptor(gssapi: &'a Gssapi, credential: Option<&'a Credential<'a>>) -> Result<Context<'a>, Error> {
        if let Some(credential) = credential {
            let functions = gssapi.context_functions("gss_accept_sec_context")?;
            credential.handle.owned_by(functions.release_cred, gssapi, "credential")?;
        }
        Self::new(gssapi, Side::Acceptor { credential }, 0, "gss_accept_sec_context")
    }

    fn new(gssapi: &'a Gssapi, side: Side<'a>, flags: u32, call: &'static str) -> Result<Context<'a>, Error> {
        let functions = *gssapi.context_functions(call)?;
        let handle = ContextHandle { raw: null_mut(), delete: functions.delete_sec_context };
        Ok(Context { gssapi, functions, handle, side, flags })
    }

    /// One leg: `input` is the peer's last token (empty for the initiator's first leg).
    ///
    /// A failing call is an [`Error::Gssapi`] (its error token, if any, is released unsent),
    /// and the context is deleted.
    pub fn step(mut self, input: &[u8]) -> Result<Leg<'a>, Error> {
        let mut token = Buffer::new(self.gssapi.functions.release_buffer);
        let mut input_desc = gss_buffer_desc { length: input.len(), value: input.as_ptr().cast_mut().cast() };
        let mut mech: gss_OID = null_mut();
        let mut flags: OM_uint32 = 0;
        let mut peer = Handle::new(self.functions.release_name);
        let mut minor = 0;
        let (major, call) = match &self.side {
            Side::Initiator { target, credential, mechanism } => {
                let wanted = mechanism.as_deref().map(oid_desc);
                let wanted_ptr = wanted.as_ref().map_or(null_mut(), as_oid);
                // The first leg has no input: GSS_C_NO_BUFFER.
                let input_ptr = if input.is_empty() { null_mut() } else { &raw mut input_desc };
                // SAFETY: the credential and target are live objects of this library
                // (borrowed for 'a); the context slot holds null or this context's handle; the
                // input buffer and the wanted OID live on this frame through the call and are
                // only read; no channel bindings; the output token is released by `token`;
                // actual_mech_type, ret_flags and time_rec are valid for writes or null (RFC
                // 2744: not wanted).
                let major = unsafe {
                    (self.functions.init_sec_context)(
                        &mut minor,
                        credential.map_or(null_mut(), |c| c.handle.raw),
                        &mut self.handle.raw,
                        target.handle.raw,
                        wanted_ptr,
                        self.flags,
                        0,
                        null_mut(),
                        input_ptr,
                        &mut mech,
                        token.slot(),
                        &mut flags,
                        null_mut(),
                    )
                };
                (major, "gss_init_sec_context")
            }
            Side::Acceptor { credential } => {
                // SAFETY: as for the initiator; src_name is released by `peer`, and no
                // delegated credential is asked for (null, RFC 2744: not wanted).
                let major = unsafe {
                    (self.functions.accept_sec_context)(
                        &mut minor,
                        &mut self.handle.raw,
                        credential.map_or(null_mut(), |c| c.handle.raw),
                        &mut input_desc,
                        null_mut(),
                        &mut peer.raw,
                        &mut mech,
                        token.slot(),
                        &mut flags,
                        null_mut(),
                        null_mut(),
                    )
                };
                (major, "gss_accept_sec_context")
            }
        };
        self.gssapi.check_status(call, major, minor)?;
        let output = token.bytes(call)?;
        token.release()?;
        if major & ffi::GSS_S_CONTINUE_NEEDED != 0 {
            return Ok(Leg::Continue(self, output));
        }
        // SAFETY: on completion the library points `mech` at an OID it keeps (static, or in the
        // context, which lives until `self.handle` is dropped after this), or leaves it null.
        let Some(oid) = (unsafe { mech.as_ref() }) else {
            let what = format!("{call} completed without naming its mechanism");
            return Err(Error::InvalidData { item: InvalidItem::GssapiOid, what });
        };
        let mechanism = self.gssapi.describe(oid, call)?;
        let initiator = if peer.raw.is_null() { None } else { Some(display(self.gssapi, peer.raw)?) };
        let established =
            Established { handle: self.handle, mechanism, flags, initiator, _library: std::marker::PhantomData };
        Ok(Leg::Complete(established, output))
    }
}

/// One token of an [`Exchange`]: who sent it, and its size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TokenSize {
    /// Who sent it.
    pub direction: Direction,
    /// Its size in bytes.
    pub size: usize,
}

/// A complete exchange within this process ([`Gssapi::exchange`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// Every token sent, in order, empty ones left out.
    pub tokens: Vec<TokenSize>,
    /// The mechanism as the initiator reports it (`actual_mech_type`).
    pub initiator_mechanism: Mechanism,
    /// The mechanism as the acceptor reports it (`mech_type`).
    pub acceptor_mechanism: Mechanism,
    /// The initiator's context flags.
    pub initiator_flags: u32,
    /// The acceptor's context flags.
    pub acceptor_flags: u32,
    /// The initiator's name as the acceptor authenticated it.
    pub initiator_name: Option<String>,
}

impl Gssapi {
    /// [`check`], with the library's words for a failure's status.
    fn check_status(&self, call: &'static str, major: OM_uint32, minor: OM_uint32) -> Result<(), Error> {
        check(call, major, minor).map_err(|error| match error {
            Error::Gssapi { call, major, minor, .. } => {
                Error::Gssapi { call, major, minor, message: self.status_text(major, minor) }
            }
            other => other,
        })
    }

    /// `gss_display_status` of the minor status (the mechanism's reason) when there is one, else
    /// of the major; None when the library has no words for it.
    fn status_text(&self, major: OM_uint32, minor: OM_uint32) -> Option<String> {
        let display = self.context.as_ref()?.display_status?;
        let (value, kind) = if minor != 0 { (minor, ffi::GSS_C_MECH_CODE) } else { (major, ffi::GSS_C_GSS_CODE) };
        let mut parts = Vec::new();
        let mut message_context = 0;
        // A status may take several messages; a library that never ends them is cut short.
        for _ in 0..8 {
            let mut text = Buffer::new(self.functions.release_buffer);
            let mut status_minor = 0;
            // SAFETY: the out-pointers are valid for writes, `text` releases what is written, and
            // GSS_C_NO_OID asks for the default mechanism's words (RFC 2744).
            let status =
                unsafe { display(&mut status_minor, value, kind, null_mut(), &mut message_context, text.slot()) };
            if GSS_ERROR(status) {
                break;
            }
            parts.extend(text.text());
            if message_context == 0 {
                break;
            }
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// This library with the context functions `functions`, for tests and embedders that link
    /// GSSAPI themselves (a library from [`Gssapi::from_functions`] has none).
    ///
    /// # Safety
    /// As [`Gssapi::from_functions`], for these functions too: each behaves as RFC 2744 says,
    /// and after any call, success or failure, each output (name, credential, context, token
    /// buffer) holds the null or empty value secpkg put there, or what the library allocated
    /// and the matching release function (`release_name`, `release_cred`,
    /// `delete_sec_context`, the base `release_buffer`) frees; a context handle secpkg passes
    /// back is left as it was or replaced by one of the library's. A mechanism OID the library
    /// returns stays valid while the context lives.
    pub unsafe fn with_context_functions(mut self, functions: ContextFunctions) -> Gssapi {
        self.context = Some(functions);
        self
    }

    /// Runs a whole exchange between an initiator and an acceptor of this process, each with
    /// its default credential (for Kerberos: `KRB5CCNAME`'s ticket, `KRB5_KTNAME`'s keys), for
    /// the service `target` named as `kind`, over the mechanism `mechanism` (a dotted OID; None:
    /// the library's default), with [`DEFAULT_FLAGS`].
    ///
    /// An exchange that does not complete within [`MAX_LEGS`] tokens, or where one side
    /// completes while the other still waits for a token, is an [`Error::InvalidData`].
    pub fn exchange(&self, target: &str, kind: NameType, mechanism: Option<&str>) -> Result<Exchange, Error> {
        let target = Name::import(self, target, kind)?;
        let mut initiator = Some(Context::initiator(self, &target, None, mechanism, DEFAULT_FLAGS)?);
        let mut acceptor = Some(Context::acceptor(self, None)?);
        let (mut initiated, mut accepted) = (None, None);
        let mut tokens = Vec::new();
        let mut token = Vec::new();
        let mut direction = Direction::ToAcceptor;
        let broken = |what: String| Error::InvalidData { item: InvalidItem::GssapiContext, what };
        loop {
            if tokens.len() >= MAX_LEGS {
                return Err(broken(format!("the exchange did not complete in {MAX_LEGS} tokens")));
            }
            let (leg, side) = match direction {
                Direction::ToAcceptor => (initiator.take().map(|c| c.step(&token)), "initiator"),
                Direction::ToInitiator => (acceptor.take().map(|c| c.step(&token)), "acceptor"),
            };
            let Some(leg) = leg else {
                return Err(broken(format!("the {side} completed, but its peer sent it another token")));
            };
            token = match leg? {
                Leg::Continue(context, token) => {
                    match direction {
                        Direction::ToAcceptor => initiator = Some(context),
                        Direction::ToInitiator => acceptor = Some(context),
                    }
                    if token.is_empty() {
                        return Err(broken(format!("the {side} needs another token, but sent none to ask for it")));
                    }
                    token
                }
                Leg::Complete(established, token) => {
                    match direction {
                        Direction::ToAcceptor => initiated = Some(established),
                        Direction::ToInitiator => accepted = Some(established),
                    }
                    token
                }
            };
            let both = initiated.is_some() && accepted.is_some();
            match (token.is_empty(), both) {
                (true, true) => break,
                (true, false) => {
                    return Err(broken(format!("the {side} completed without a token, but its peer has not")));
                }
                (false, true) => return Err(broken(format!("the {side} sent a token to a peer that had completed"))),
                (false, false) => {}
            }
            tokens.push(TokenSize { direction, size: token.len() });
            direction = match direction {
                Direction::ToAcceptor => Direction::ToInitiator,
                Direction::ToInitiator => Direction::ToAcceptor,
            };
        }
        let (Some(initiated), Some(accepted)) = (initiated, accepted) else {
            return Err(broken("the exchange ended before both sides completed".to_owned()));
        };
        Ok(Exchange {
            tokens,
            initiator_mechanism: initiated.mechanism.clone(),
            acceptor_mechanism: accepted.mechanism.clone(),
            initiator_flags: initiated.flags,
            acceptor_flags: accepted.flags,
            initiator_name: accepted.initiator.clone(),
        })
    }
}

/// A `gss_OID_desc` over `der`, which must outlive every use of it.
fn oid_desc(der: &[u8]) -> gss_OID_desc {
    // OIDs here are at most a few dozen bytes (`oid_der` refuses longer ones).
    gss_OID_desc { length: der.len() as OM_uint32, elements: der.as_ptr().cast_mut().cast() }
}

/// The DER contents of a dotted OID, or [`Error::InvalidName`].
fn oid_der(dotted: &str) -> Result<Vec<u8>, Error> {
    super::oid_from_string(dotted).filter(|der| der.len() <= 1024).ok_or_else(|| Error::InvalidName {
        name: dotted.to_owned(),
        reason: "not a dotted OID such as 1.2.840.113554.1.2.2",
    })
}
