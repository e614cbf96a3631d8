//! Security contexts: a client's (`InitializeSecurityContextW`) and a server's
//! (`AcceptSecurityContext`), one leg per call, with token buffers secpkg owns and checks, and
//! the attributes a context reports of its package.

use crate::error::{InvalidItem, Operation};
use crate::packages::ProviderBuffer;
use crate::types::ContextPackage;
use crate::{
    ClientAttributes, ClientRequests, ContextSizes, Credentials, Error, NegotiationInfo, PackageInfo, ServerAttributes,
    ServerRequests,
};
use secpkg_sys::{
    SEC_E_OK, SEC_I_COMPLETE_AND_CONTINUE, SEC_I_COMPLETE_NEEDED, SEC_I_CONTINUE_NEEDED, SECBUFFER_TOKEN,
    SECBUFFER_VERSION, SECPKG_ATTR_AUTH_NTLM_SAM_FILE, SECPKG_ATTR_NEGOTIATION_INFO, SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_ATTR_SIZES, SecBuffer, SecBufferDesc, SecHandle, SecPkgContext_NegotiationInfoW, SecPkgContext_PackageInfoW,
    SecPkgContext_Sizes,
};
use std::ffi::{CString, c_void};
use std::fmt;
use std::path::Path;

/// What a leg gives: a token for the peer, and whether the exchange goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// Send this token to the peer, and give its answer to the next leg
    /// (`SEC_I_CONTINUE_NEEDED`, or `SEC_I_COMPLETE_AND_CONTINUE` after `CompleteAuthToken`).
    Continue(&'a [u8]),
    /// The context is established (`SEC_E_OK`, or `SEC_I_COMPLETE_NEEDED` after
    /// `CompleteAuthToken`); send the token to the peer if there is one.
    Done(Option<&'a [u8]>),
}

impl<'a> Step<'a> {
    /// The token to send to the peer, if any.
    #[must_use]
    pub fn token(&self) -> Option<&'a [u8]> {
        match *self {
            Step::Continue(token) => Some(token),
            Step::Done(token) => token,
        }
    }

    /// Whether the exchange is complete on this side.
    #[must_use]
    pub fn is_done(&self) -> bool {
        matches!(self, Step::Done(_))
    }
}

/// Where an exchange is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Running,
    Complete,
    Failed,
}

/// What a client's and a server's contexts share: the handle, the token buffer, the legs.
struct Exchange<'c> {
    credentials: &'c Credentials<'c>,
    handle: SecHandle,
    /// Whether `handle` is a context to delete: set by the first leg that did not fail,
    /// cleared by the delete.
    established: bool,
    state: State,
    buffer: Vec<u8>,
    legs: u32,
    max_legs: u32,
    attributes: u32,
}

/// Which side takes a leg, with what it passes.
enum Side {
    Client { target: *mut u16, requests: u32 },
    Server { requests: u32 },
}

impl<'c> Exchange<'c> {
    fn new(credentials: &'c Credentials<'c>, side: Operation) -> Result<Self, Error> {
        let functions = credentials.provider().functions();
        match side {
            Operation::InitializeSecurityContext => side.require(functions.initialize).map(drop)?,
            _ => side.require(functions.accept).map(drop)?,
        }
        Operation::DeleteSecurityContext.require(functions.delete)?;
        Ok(Exchange {
            credentials,
            handle: SecHandle::default(),
            established: false,
            state: State::Running,
            buffer: vec![0; credentials.token_buffer_size() as usize],
            legs: 0,
            max_legs: DEFAULT_MAX_LEGS,
            attributes: 0,
        })
    }

    fn set_token_buffer_size(&mut self, bytes: u32) -> Result<(), Error> {
        let least = self.credentials.token_buffer_size();
        if bytes < least {
            return Err(Error::InvalidArgument {
                argument: "token buffer size",
                reason: format!(
                    "{bytes} bytes, less than the {least} that {}'s tokens may take (Provider::token_buffer_size)",
                    self.credentials.package()
                ),
            });
        }
        self.buffer = vec![0; bytes as usize];
        Ok(())
    }

    fn set_max_legs(&mut self, legs: u32) -> Result<(), Error> {
        if legs == 0 {
            return Err(Error::InvalidArgument {
                argument: "max legs",
                reason: "0: an exchange takes a leg at least".into(),
            });
        }
        self.max_legs = legs;
        Ok(())
    }

    /// One leg: checks the state, calls the provider, checks what it wrote, completes the token
    /// when the provider asks, and stops an exchange that goes on past `max_legs`. Any error
    /// ends the exchange. Whether it is done, and the token's length in the buffer.
    fn leg(&mut self, side: &Side, input: Option<&[u8]>) -> Result<(bool, usize), Error> {
        match self.state {
            State::Running => {}
            State::Complete => return Err(Error::ExchangeOver { reason: "the exchange is complete" }),
            State::Failed => return Err(Error::ExchangeOver { reason: "an earlier leg failed" }),
        }
        self.run_leg(side, input).inspect_err(|_| self.state = State::Failed)
    }

    /// The step of a leg that returned `(done, len)`.
    fn step(&self, (done, len): (bool, usize)) -> Step<'_> {
        let token = &self.buffer[..len];
        if done { Step::Done((len > 0).then_some(token)) } else { Step::Continue(token) }
    }

    /// The leg's call and checks: whether it is done, and the token's length.
    fn run_leg(&mut self, side: &Side, input: Option<&[u8]>) -> Result<(bool, usize), Error> {
        self.legs += 1;
        let operation = match side {
            Side::Client { .. } => Operation::InitializeSecurityContext,
            Side::Server { .. } => Operation::AcceptSecurityContext,
        };
        let provider = self.credentials.provider();
        let functions = provider.functions();
        let mut input_buffer = match input {
            None => None,
            Some(token) => Some(SecBuffer {
                cbBuffer: u32::try_from(token.len()).map_err(|_| Error::InvalidArgument {
                    argument: "input token",
                    reason: format!("{} bytes, more than a SecBuffer can hold", token.len()),
                })?,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: token.as_ptr().cast_mut().cast(),
            }),
        };
        let mut input_desc = input_buffer.as_mut().map(|buffer| SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: 1,
            pBuffers: buffer,
        });
        let input_ptr = input_desc.as_mut().map_or(std::ptr::null_mut(), std::ptr::from_mut);
        let capacity = self.buffer.len();
        let buffer_ptr: *mut c_void = self.buffer.as_mut_ptr().cast();
        // A buffer of u32::MAX bytes at most: set_token_buffer_size takes a u32.
        let mut output_buffer =
            SecBuffer { cbBuffer: capacity as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: buffer_ptr };
        let output_buffer_ptr: *mut SecBuffer = &mut output_buffer;
        let mut output_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: output_buffer_ptr };
        let mut credential = self.credentials.handle();
        // Later legs pass the context as both the one to continue and the new one, as sspi.h
        // allows; the first passes none, and the provider writes the new one there.
        let new_context: *mut SecHandle = &mut self.handle;
        let context_ptr = if self.established { new_context } else { std::ptr::null_mut() };
        let mut attributes = 0u32;
        let mut expiry = 0i64;
        let status = match *side {
            Side::Client { target, requests } => {
                let initialize = operation.require(functions.initialize)?;
                // SAFETY: obligation 8: the credentials handle is live (borrowed), the context
                // handle is null on the first leg and the one the provider gave after; the
                // input token is read only, the output buffer is `capacity` bytes the provider
                // may write, both descriptors and every out-pointer are valid for the call;
                // the target is null or NUL-terminated.
                provider.call(|| unsafe {
                    initialize(
                        &mut credential,
                        context_ptr,
                        target,
                        requests,
                        0,
                        0,
                        input_ptr,
                        0,
                        new_context,
                        &mut output_desc,
                        &mut attributes,
                        &mut expiry,
                    )
                })
            }
            Side::Server { requests } => {
                let accept = operation.require(functions.accept)?;
                // SAFETY: as for the client's leg (obligation 8).
                provider.call(|| unsafe {
                    accept(
                        &mut credential,
                        context_ptr,
                        input_ptr,
                        requests,
                        0,
                        new_context,
                        &mut output_desc,
                        &mut attributes,
                        &mut expiry,
                    )
                })
            }
        };
        if status >= 0 {
            self.established = true;
        }
        if status < 0 {
            return Err(operation.failed(status));
        }
        self.attributes = attributes;
        let mut len = check_output(operation, &output_desc, output_buffer_ptr, &output_buffer, buffer_ptr, capacity)?;
        let done = match status {
            SEC_E_OK => true,
            SEC_I_CONTINUE_NEEDED => false,
            SEC_I_COMPLETE_NEEDED | SEC_I_COMPLETE_AND_CONTINUE => {
                let complete = Operation::CompleteAuthToken.require(functions.complete)?;
                let handle = &mut self.handle;
                // SAFETY: obligation 8: the context is live, and the descriptor holds the token
                // the provider just wrote (its length as written), in our buffer.
                let completed = provider.call(|| unsafe { complete(handle, &mut output_desc) });
                if completed != SEC_E_OK {
                    return Err(Operation::CompleteAuthToken.failed(completed));
                }
                len = check_output(
                    Operation::CompleteAuthToken,
                    &output_desc,
                    output_buffer_ptr,
                    &output_buffer,
                    buffer_ptr,
                    capacity,
                )?;
                status == SEC_I_COMPLETE_NEEDED
            }
            other => return Err(operation.failed(other)),
        };
        if done {
            self.state = State::Complete;
        } else if self.legs >= self.max_legs {
            return Err(Error::TooManyLegs { limit: self.max_legs });
        }
        Ok((done, len))
    }

    /// Deletes the context, once; the provider's status (`SEC_E_OK` when there was none).
    fn delete(&mut self) -> i32 {
        if !std::mem::replace(&mut self.established, false) {
            return SEC_E_OK;
        }
        let provider = self.credentials.provider();
        // Present: `new` required it.
        let Some(delete) = provider.functions().delete else { return SEC_E_OK };
        let handle = &mut self.handle;
        // SAFETY: obligation 8: the handle is the provider's context, and this is its one delete
        // (`established` was set, and is cleared above).
        provider.call(|| unsafe { delete(handle) })
    }

    fn close(&mut self) -> Result<(), Error> {
        match self.delete() {
            SEC_E_OK => Ok(()),
            status => Err(Operation::DeleteSecurityContext.failed(status)),
        }
    }

    fn require_context(&self) -> Result<(), Error> {
        if self.established {
            return Ok(());
        }
        Err(Error::ExchangeOver { reason: "there is no context yet: no leg has succeeded" })
    }

    /// `QueryContextAttributesW` of `attribute` into `record`.
    fn query<R>(&mut self, attribute: u32, record: &mut R) -> Result<(), Error> {
        self.require_context()?;
        let provider = self.credentials.provider();
        let query = Operation::QueryContextAttributes.require(provider.functions().query_context)?;
        let handle = &mut self.handle;
        let record: *mut R = record;
        // SAFETY: obligations 8 and 9: the context is live, and `record` is the struct the
        // attribute writes, valid for writes.
        let status = provider.call(|| unsafe { query(handle, attribute, record.cast()) });
        match status {
            SEC_E_OK => Ok(()),
            status => Err(Operation::QueryContextAttributes.failed(status)),
        }
    }

    fn sizes(&mut self) -> Result<ContextSizes, Error> {
        let mut raw = SecPkgContext_Sizes::default();
        self.query(SECPKG_ATTR_SIZES, &mut raw)?;
        Ok(ContextSizes::from_raw(&raw))
    }

    fn package_info(&mut self) -> Result<PackageInfo, Error> {
        // The record is the provider's to free: no query without a way to give it back.
        Operation::FreeContextBuffer.require(self.credentials.provider().functions().free)?;
        let mut raw = SecPkgContext_PackageInfoW::default();
        self.query(SECPKG_ATTR_PACKAGE_INFO, &mut raw)?;
        let provider = self.credentials.provider();
        // SAFETY: on success the provider wrote one record, allocated for its FreeContextBuffer
        // (obligation 9), which the buffer calls once.
        let mut buffer =
            unsafe { ProviderBuffer::new(provider, raw.PackageInfo, 1) }.map_err(|what| Error::InvalidData {
                item: InvalidItem::ContextPackage,
                what: format!("QueryContextAttributesW(SECPKG_ATTR_PACKAGE_INFO) returned {what}"),
            })?;
        // SAFETY: the record is valid until the buffer frees it (obligations 3 and 4).
        let package = unsafe { ContextPackage::from_raw(&raw) }?.package;
        buffer.release()?;
        Ok(package)
    }

    fn negotiation_info(&mut self) -> Result<NegotiationInfo, Error> {
        Operation::FreeContextBuffer.require(self.credentials.provider().functions().free)?;
        let mut raw = SecPkgContext_NegotiationInfoW::default();
        self.query(SECPKG_ATTR_NEGOTIATION_INFO, &mut raw)?;
        let provider = self.credentials.provider();
        // SAFETY: as in `package_info` (obligation 9).
        let mut buffer =
            unsafe { ProviderBuffer::new(provider, raw.PackageInfo, 1) }.map_err(|what| Error::InvalidData {
                item: InvalidItem::NegotiatedPackage,
                what: format!("QueryContextAttributesW(SECPKG_ATTR_NEGOTIATION_INFO) returned {what}"),
            })?;
        // SAFETY: as in `package_info` (obligations 3 and 4).
        let info = unsafe { NegotiationInfo::from_raw(&raw) }?;
        buffer.release()?;
        Ok(info)
    }

    fn negotiated_package(&mut self) -> Result<PackageInfo, Error> {
        let info = self.negotiation_info()?;
        let packages = self.credentials.provider().packages()?;
        let listed = packages.iter().any(|package| package.name() == info.package.name.as_str());
        packages.close()?;
        if !listed {
            return Err(Error::InvalidData {
                item: InvalidItem::NegotiatedPackage,
                what: format!(
                    "QueryContextAttributesW(SECPKG_ATTR_NEGOTIATION_INFO) names the package '{}', which \
                     EnumerateSecurityPackagesW does not list",
                    info.package.name
                ),
            });
        }
        Ok(info.package)
    }
}

/// The length of the token the provider wrote, after checking that it wrote it where and as
/// asked: one buffer, ours, of type `SECBUFFER_TOKEN`, no longer than `capacity`.
fn check_output(
    operation: Operation,
    desc: &SecBufferDesc,
    buffer_ptr: *mut SecBuffer,
    buffer: &SecBuffer,
    memory: *mut c_void,
    capacity: usize,
) -> Result<usize, Error> {
    let fault = |item, what: String| Err(Error::InvalidData { item, what: format!("{operation} {what}") });
    if desc.cBuffers != 1 || desc.pBuffers != buffer_ptr {
        return fault(
            InvalidItem::OutputBufferDesc,
            format!("changed the output SecBufferDesc to {} buffers at {:p}", desc.cBuffers, desc.pBuffers),
        );
    }
    if buffer.pvBuffer != memory {
        return fault(
            InvalidItem::OutputToken,
            format!(
                "moved the output token to {:p}, memory secpkg did not give (no ISC_REQ_ALLOCATE_MEMORY)",
                buffer.pvBuffer
            ),
        );
    }
    if buffer.BufferType != SECBUFFER_TOKEN {
        return fault(
            InvalidItem::OutputBufferType,
            format!("returned an output buffer of type {:#x}, where SECBUFFER_TOKEN (2) was given", buffer.BufferType),
        );
    }
    let len = buffer.cbBuffer as usize;
    if len > capacity {
        return fault(InvalidItem::OutputToken, format!("wrote a token of {len} bytes into a buffer of {capacity}"));
    }
    Ok(len)
}

/// The most legs a context takes by default before [`Error::TooManyLegs`]: NTLM takes 3 in
/// all, Kerberos 2 or 3, Negotiate one more.
pub const DEFAULT_MAX_LEGS: u32 = 16;

/// A client's security context (`InitializeSecurityContextW`): one [`step`](ClientContext::step)
/// per leg, from no token to the server's last.
///
/// It borrows its [`Credentials`], which cannot go first (nor their [`Provider`](crate::Provider)).
/// `DeleteSecurityContext` runs exactly once, when it is dropped or by
/// [`close`](ClientContext::close), once a leg has created the context. Its token buffer is
/// [`Credentials::token_buffer_size`] bytes, or more
/// ([`with_token_buffer_size`](ClientContext::with_token_buffer_size)); the provider writes the
/// tokens there (secpkg never asks for `ISC_REQ_ALLOCATE_MEMORY`), and a token that claims more,
/// lies elsewhere or is of another type than `SECBUFFER_TOKEN` is [`Error::InvalidData`].
///
/// It is `Send` and `Sync`: a context may move to another thread between legs (SSPI contexts
/// are not tied to a thread), legs take `&mut self`, and every call holds the provider library's
/// lock.
///
/// ```no_run
/// use secpkg::{ClientContext, CredentialUse, Step};
/// let provider = secpkg::Provider::system()?;
/// let credentials = provider.acquire_credentials("Negotiate", CredentialUse::SECPKG_CRED_OUTBOUND, None)?;
/// let mut client = ClientContext::new(&credentials, Some("HTTP/example.com"))?;
/// # fn send(_: &[u8]) {} fn receive() -> Vec<u8> { Vec::new() }
/// let mut answer: Option<Vec<u8>> = None;
/// loop {
///     match client.step(answer.as_deref())? {
///         Step::Continue(token) => send(token),
///         Step::Done(token) => {
///             token.map(send);
///             break;
///         }
///     }
///     answer = Some(receive());
/// }
/// println!("{:?}", client.sizes()?);
/// # Ok::<(), secpkg::Error>(())
/// ```
pub struct ClientContext<'c> {
    exchange: Exchange<'c>,
    /// The target name, NUL-terminated, or empty for none.
    target: Vec<u16>,
    requests: ClientRequests,
}

/// A server's security context (`AcceptSecurityContext`): one [`step`](ServerContext::step) per
/// token from the client. As [`ClientContext`] for the buffers and the handle.
pub struct ServerContext<'c> {
    exchange: Exchange<'c>,
    requests: ServerRequests,
    sam_file: Option<CString>,
}

impl fmt::Debug for ClientContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("package", &self.exchange.credentials.package())
            .field("requests", &self.requests)
            .field("legs", &self.exchange.legs)
            .field("state", &self.exchange.state)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ServerContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerContext")
            .field("package", &self.exchange.credentials.package())
            .field("requests", &self.requests)
            .field("legs", &self.exchange.legs)
            .field("state", &self.exchange.state)
            .field("sam_file", &self.sam_file)
            .finish_non_exhaustive()
    }
}

/// The methods both contexts have, on the shared exchange.
macro_rules! context_methods {
    ($attributes:ty) => {
        /// The attributes the provider reported for the last leg (`*pfContextAttr`).
        #[must_use]
        pub fn attributes(&self) -> $attributes {
            <$attributes>::from_bits_retain(self.exchange.attributes)
        }

        /// Whether the exchange is complete: the last leg was [`Step::Done`].
        #[must_use]
        pub fn is_complete(&self) -> bool {
            self.exchange.state == State::Complete
        }

        /// The legs taken so far, failed ones included.
        #[must_use]
        pub fn legs(&self) -> u32 {
            self.exchange.legs
        }

        /// The size of the token buffer, in bytes.
        #[must_use]
        pub fn token_buffer_size(&self) -> usize {
            self.exchange.buffer.len()
        }

        /// The credentials the context uses.
        #[must_use]
        pub fn credentials(&self) -> &'c Credentials<'c> {
            self.exchange.credentials
        }

        /// A buffer of `bytes` for the tokens instead of the default
        /// [`Credentials::token_buffer_size`]; fewer bytes than that is [`Error::InvalidArgument`].
        pub fn with_token_buffer_size(mut self, bytes: u32) -> Result<Self, Error> {
            self.exchange.set_token_buffer_size(bytes)?;
            Ok(self)
        }

        /// At most `legs` legs (default [`DEFAULT_MAX_LEGS`]): a leg past them that the provider
        /// wants continued is [`Error::TooManyLegs`]. 0 is [`Error::InvalidArgument`].
        pub fn with_max_legs(mut self, legs: u32) -> Result<Self, Error> {
            self.exchange.set_max_legs(legs)?;
            Ok(self)
        }

        /// The context's sizes (`SECPKG_ATTR_SIZES`), its own `cbMaxToken` among them.
        pub fn sizes(&mut self) -> Result<ContextSizes, Error> {
            self.exchange.sizes()
        }

        /// The context's package (`SECPKG_ATTR_PACKAGE_INFO`), read from the provider's record,
        /// which is given back to its `FreeContextBuffer` exactly once. WinPR 2.11 answers
        /// `SEC_E_UNSUPPORTED_FUNCTION` (its NTLM's QueryContextAttributesW has no such
        /// attribute).
        pub fn package_info(&mut self) -> Result<PackageInfo, Error> {
            self.exchange.package_info()
        }

        /// What Negotiate chose (`SECPKG_ATTR_NEGOTIATION_INFO`), as the provider reports it,
        /// its record given back to its `FreeContextBuffer` exactly once. Whether the package
        /// is one the provider lists is not checked here: see
        /// [`negotiated_package`](Self::negotiated_package).
        pub fn negotiation_info(&mut self) -> Result<NegotiationInfo, Error> {
            self.exchange.negotiation_info()
        }

        /// The package Negotiate chose, checked against the provider's list: a package that
        /// [`Provider::packages`](crate::Provider::packages) does not list by that exact name is
        /// [`Error::InvalidData`] with [`InvalidItem::NegotiatedPackage`].
        pub fn negotiated_package(&mut self) -> Result<PackageInfo, Error> {
            self.exchange.negotiated_package()
        }

        /// Deletes the context now (`DeleteSecurityContext`), reporting a failure (dropping does
        /// the same, silently). Nothing is deleted when no leg created a context.
        pub fn close(mut self) -> Result<(), Error> {
            self.exchange.close()
        }
    };
}

impl<'c> ClientContext<'c> {
    /// A client context of `credentials` (outbound ones), for the server named `target`
    /// (`pszTargetName`: a service principal name for Kerberos, `None` for none), asking for
    /// nothing in particular (see [`with_requests`](ClientContext::with_requests)).
    pub fn new(credentials: &'c Credentials<'_>, target: Option<&str>) -> Result<Self, Error> {
        let target = match target {
            None => Vec::new(),
            Some(target) if target.contains('\0') => {
                return Err(Error::InvalidArgument { argument: "target", reason: format!("{target:?} holds a NUL") });
            }
            Some(target) => target.encode_utf16().chain([0]).collect(),
        };
        let exchange = Exchange::new(credentials, Operation::InitializeSecurityContext)?;
        Ok(ClientContext { exchange, target, requests: ClientRequests::empty() })
    }

    /// What the client asks of the context (`fContextReq`). `ISC_REQ_ALLOCATE_MEMORY` is
    /// [`Error::InvalidArgument`]: secpkg gives the provider its own buffer.
    pub fn with_requests(mut self, requests: ClientRequests) -> Result<Self, Error> {
        if requests.contains(ClientRequests::ALLOCATE_MEMORY) {
            return Err(Error::InvalidArgument {
                argument: "requests",
                reason: "ISC_REQ_ALLOCATE_MEMORY: secpkg gives the provider its token buffer".into(),
            });
        }
        self.requests = requests;
        Ok(self)
    }

    /// One leg: the server's last token (`None` on the first leg) in, the next token or
    /// [`Step::Done`] out. An error ends the exchange: later legs are [`Error::ExchangeOver`].
    pub fn step(&mut self, input: Option<&[u8]>) -> Result<Step<'_>, Error> {
        let target = if self.target.is_empty() { std::ptr::null_mut() } else { self.target.as_mut_ptr() };
        let side = Side::Client { target, requests: self.requests.bits() };
        let leg = self.exchange.leg(&side, input)?;
        Ok(self.exchange.step(leg))
    }

    context_methods!(ClientAttributes);
}

impl<'c> ServerContext<'c> {
    /// A server context of `credentials` (inbound ones), asking for nothing in particular (see
    /// [`with_requests`](ServerContext::with_requests)).
    pub fn new(credentials: &'c Credentials<'_>) -> Result<Self, Error> {
        let exchange = Exchange::new(credentials, Operation::AcceptSecurityContext)?;
        Ok(ServerContext { exchange, requests: ServerRequests::empty(), sam_file: None })
    }

    /// What the server asks of the context (`fContextReq`). `ASC_REQ_ALLOCATE_MEMORY` is
    /// [`Error::InvalidArgument`]: secpkg gives the provider its own buffer.
    pub fn with_requests(mut self, requests: ServerRequests) -> Result<Self, Error> {
        if requests.contains(ServerRequests::ALLOCATE_MEMORY) {
            return Err(Error::InvalidArgument {
                argument: "requests",
                reason: "ASC_REQ_ALLOCATE_MEMORY: secpkg gives the provider its token buffer".into(),
            });
        }
        self.requests = requests;
        Ok(self)
    }

    /// WinPR's extension: the SAM file that WinPR's NTLM server (directly, or under Negotiate)
    /// reads the client's account from, instead of its default.
    ///
    /// WinPR 2.11's NTLM server looks the user up in a SAM file when it completes the client's
    /// AUTHENTICATE message: `AcceptSecurityContext` reads the message and returns
    /// `SEC_I_COMPLETE_NEEDED`, and the `CompleteAuthToken` that secpkg then calls runs
    /// `ntlm_server_AuthenticateComplete` (winpr/libwinpr/sspi/NTLM/ntlm_message.c), whose
    /// `ntlm_fetch_ntlm_v2_hash` (ntlm_compute.c) calls `SamOpen(context->SamFile, TRUE)`; a wrong
    /// password or an unknown account is that leg's error. `SamOpen` opens `/etc/winpr/SAM` when
    /// given none (`WINPR_SAM_FILE` in winpr/libwinpr/utils/sam.c; `C:\SAM` on Windows). The context's
    /// file is set by `SetContextAttributes(SECPKG_ATTR_AUTH_NTLM_SAM_FILE = 1004, const char*
    /// path)` (ntlm.c, `ntlm_SetContextAttributesW`, which copies the string), on a context that
    /// exists: after the first `AcceptSecurityContext`. So secpkg keeps the path and sets it right
    /// after the first leg that creates the context, before the client's AUTHENTICATE message can
    /// arrive; Negotiate forwards it to its NTLM sub-context (negotiate.c,
    /// `negotiate_SetContextAttributesW`). Each line of the file is `USER:DOMAIN:LM hash:NT
    /// hash:::` (the LM hash may be empty), which `winpr-hash -u USER -p PASSWORD [-d DOMAIN] -f
    /// sam` (Debian's winpr-utils) prints.
    ///
    /// A path with a NUL inside (or, on Windows, not Unicode) is [`Error::InvalidArgument`]; a
    /// provider with no `SetContextAttributesW` is [`Error::Unsupported`]. A provider that does
    /// not know the attribute fails the first leg with its status.
    pub fn with_winpr_sam_file(mut self, path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        Operation::SetContextAttributes.require(self.exchange.credentials.provider().functions().set_context)?;
        #[cfg(unix)]
        let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
        #[cfg(not(unix))]
        let bytes = path
            .to_str()
            .ok_or_else(|| Error::InvalidArgument {
                argument: "SAM file",
                reason: format!("{} is not Unicode", path.display()),
            })?
            .as_bytes()
            .to_vec();
        let path = CString::new(bytes).map_err(|_| Error::InvalidArgument {
            argument: "SAM file",
            reason: format!("{} holds a NUL", path.display()),
        })?;
        self.sam_file = Some(path);
        Ok(self)
    }

    /// One leg: the client's token in, the next token or [`Step::Done`] out. An error ends the
    /// exchange: later legs are [`Error::ExchangeOver`].
    pub fn step(&mut self, input: &[u8]) -> Result<Step<'_>, Error> {
        let side = Side::Server { requests: self.requests.bits() };
        let first = !self.exchange.established;
        let leg = self.exchange.leg(&side, Some(input))?;
        if first && self.exchange.established {
            // The context exists from this leg on; the client's AUTHENTICATE message, which
            // makes WinPR read the SAM file, can only come to a later one.
            self.set_sam_file().inspect_err(|_| self.exchange.state = State::Failed)?;
        }
        Ok(self.exchange.step(leg))
    }

    /// `SetContextAttributesW(SECPKG_ATTR_AUTH_NTLM_SAM_FILE)` with the kept path.
    fn set_sam_file(&mut self) -> Result<(), Error> {
        let Some(path) = &self.sam_file else { return Ok(()) };
        if !self.exchange.established {
            return Ok(());
        }
        let provider = self.exchange.credentials.provider();
        let set = Operation::SetContextAttributes.require(provider.functions().set_context)?;
        let handle = &mut self.exchange.handle;
        let bytes = path.as_bytes_with_nul();
        let (ptr, len) = (bytes.as_ptr().cast_mut().cast::<c_void>(), bytes.len() as u32);
        // SAFETY: obligations 8 and 10: the context is live, and the attribute's buffer is a
        // NUL-terminated path that WinPR reads (and copies) during the call.
        let status = provider.call(|| unsafe { set(handle, SECPKG_ATTR_AUTH_NTLM_SAM_FILE, ptr, len) });
        match status {
            SEC_E_OK => Ok(()),
            status => Err(Operation::SetContextAttributes.failed(status)),
        }
    }

    context_methods!(ServerAttributes);
}

impl Drop for Exchange<'_> {
    fn drop(&mut self) {
        // A failure cannot be reported from drop; `close` reports it.
        self.delete();
    }
}

#[cfg(test)]
mod tests {
    use super::check_output;
    use crate::error::{InvalidItem, Operation};
    use crate::{Error, Step};
    use secpkg_sys::{SECBUFFER_DATA, SECBUFFER_TOKEN, SecBuffer, SecBufferDesc};

    /// What a leg's output check says of a provider that wrote `written` into the buffer,
    /// with `moved` the pointer it left (None: ours), `count` buffers in the descriptor.
    fn check(written: SecBuffer, moved: Option<*mut core::ffi::c_void>, count: u32) -> Result<usize, InvalidItem> {
        let mut memory = [0u8; 16];
        let ours = memory.as_mut_ptr().cast();
        let mut buffer = SecBuffer { pvBuffer: moved.unwrap_or(ours), ..written };
        let buffer_ptr: *mut SecBuffer = &mut buffer;
        let desc = SecBufferDesc { ulVersion: 0, cBuffers: count, pBuffers: buffer_ptr };
        // check_output reads the structs only, never the memory they point to.
        check_output(Operation::InitializeSecurityContext, &desc, buffer_ptr, &buffer, ours, memory.len()).map_err(
            |error| match error {
                Error::InvalidData { item, what } => {
                    assert!(what.starts_with("InitializeSecurityContextW "), "{what}");
                    item
                }
                other => panic!("{other}"),
            },
        )
    }

    #[test]
    fn a_token_within_the_buffer_passes_and_anything_else_is_named() {
        let token = |len| SecBuffer { cbBuffer: len, BufferType: SECBUFFER_TOKEN, pvBuffer: std::ptr::null_mut() };
        assert_eq!(check(token(0), None, 1), Ok(0));
        assert_eq!(check(token(16), None, 1), Ok(16));
        // Longer than the buffer: never read past it.
        assert_eq!(check(token(17), None, 1), Err(InvalidItem::OutputToken));
        assert_eq!(check(token(u32::MAX), None, 1), Err(InvalidItem::OutputToken));
        // Moved to memory secpkg did not give (an ALLOCATE_MEMORY reflex).
        let elsewhere = std::ptr::dangling_mut::<u64>().cast();
        assert_eq!(check(token(4), Some(elsewhere), 1), Err(InvalidItem::OutputToken));
        // Another type than the token asked for.
        let data = SecBuffer { BufferType: SECBUFFER_DATA, ..token(4) };
        assert_eq!(check(data, None, 1), Err(InvalidItem::OutputBufferType));
        // A descriptor the provider changed.
        assert_eq!(check(token(4), None, 2), Err(InvalidItem::OutputBufferDesc));
        assert_eq!(check(token(4), None, 0), Err(InvalidItem::OutputBufferDesc));
    }

    #[test]
    fn a_step_says_what_to_send() {
        assert_eq!(Step::Continue(b"abc").token(), Some(&b"abc"[..]));
        assert!(!Step::Continue(b"").is_done());
        assert_eq!(Step::Done(None).token(), None);
        assert!(Step::Done(Some(b"x")).is_done());
    }
}
