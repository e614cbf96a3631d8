//! `secpkg handshake`: the seed's exchange, for real. A server selects one or several packages
//! and listens on a TCP socket (loopback by default); a client selects one package (Negotiate
//! by default), connects, and the two run `InitializeSecurityContextW` / `AcceptSecurityContext`
//! (with `--gssapi`, `gss_init_sec_context` / `gss_accept_sec_context`) until both are done.
//! Every token crosses the socket in a frame, and is measured against the `cbMaxToken` its
//! package lists.
//!
//! Client and server are two threads of this process by default, each with its own end of the
//! socket: one command shows both sides and gives one exit status, the provider is loaded once
//! (its calls serialized by secpkg's lock, as for any multithreaded program), and the SAM file or
//! keytab the server reads is the one this process was given. `--listen ADDR` and `--connect
//! ADDR` run one side each, as two processes (or hosts).
//!
//! The wire: each frame is a kind byte, a length (u32, big-endian), then that many bytes, at most
//! [`MAX_FRAME`]. The client's first frame is `H` (hello) with the package name (UTF-8); then each
//! side sends `T` (a token: its context wants an answer) or `D` (its context is complete; the
//! payload is its last token, possibly empty), until both have sent `D`. A side that fails sends
//! `E` with its error (UTF-8) and stops.

use crate::{Context, Exit, Failure, Output, json, list, text};
use secpkg::{
    Capabilities, Capability, ClientContext, ClientRequests, ContextSizes, CredentialUse, Identity, PackageInfo,
    Provider, ServerContext, ServerRequests, Step,
};
use serde::Serialize;
use std::io::{self, BufRead, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;
use zeroize::Zeroizing;

/// The largest frame either side accepts: 1 MiB, twenty times Windows' largest `MaxTokenSize`
/// default (48000, for Kerberos tokens with large PACs). Anything longer is no token.
pub const MAX_FRAME: u32 = 1 << 20;

/// What the client asks of its context: what a client that signs and seals over a connection
/// asks, and what `--gssapi` requests too (`secpkg::gssapi::DEFAULT_FLAGS`). Mutual
/// authentication makes a Kerberos server answer with its AP-REP, so both of its tokens are
/// measured (without it, Wine's secur32 sends the AP-REQ alone).
const CLIENT_REQUESTS: ClientRequests = ClientRequests::MUTUAL_AUTH
    .union(ClientRequests::REPLAY_DETECT)
    .union(ClientRequests::SEQUENCE_DETECT)
    .union(ClientRequests::CONFIDENTIALITY)
    .union(ClientRequests::INTEGRITY)
    .union(ClientRequests::CONNECTION);

/// The server's side of [`CLIENT_REQUESTS`].
const SERVER_REQUESTS: ServerRequests = ServerRequests::MUTUAL_AUTH
    .union(ServerRequests::REPLAY_DETECT)
    .union(ServerRequests::SEQUENCE_DETECT)
    .union(ServerRequests::CONFIDENTIALITY)
    .union(ServerRequests::INTEGRITY)
    .union(ServerRequests::CONNECTION);

/// How long a side waits for its peer's next frame, or for a client to connect.
const PEER_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The client's package (default Negotiate). With --gssapi, its mechanism: krb5, spnego, an
    /// OID, or the SSPI name (Kerberos); default the library's own (Kerberos)
    #[arg(long, value_name = "NAME")]
    package: Option<String>,
    /// The server's packages (comma-separated, may be repeated; default: the client's package)
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    server_package: Vec<String>,
    /// The server offers the packages that have every one of these capabilities, as `list
    /// --require` selects them (with --server-package: those of its packages that have them)
    #[arg(long, value_name = "CAPABILITY,...", value_delimiter = ',', value_parser = list::capability)]
    require: Vec<Capability>,
    #[command(flatten)]
    credentials: CredentialArgs,
    /// The client's target name (pszTargetName, a service principal name such as
    /// HOST/localhost; default none). With --gssapi, service@host (default host@localhost), or a
    /// Kerberos principal when it holds a '/'
    #[arg(long, value_name = "NAME")]
    target: Option<String>,
    /// Token buffers of BYTES instead of Provider::token_buffer_size (which is the package's
    /// cbMaxToken, or for Negotiate the largest of the packages it can choose); at most 1 MiB
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_FRAME)))]
    token_buffer: Option<u32>,
    /// Run the server only: listen on ADDR (port 0: any) for one client, print
    /// `secpkg: listening on ADDR` on stderr
    #[arg(long, value_name = "ADDR", conflicts_with = "connect")]
    listen: Option<SocketAddr>,
    /// Run the client only: connect to a server at ADDR
    #[arg(long, value_name = "ADDR")]
    connect: Option<SocketAddr>,
    /// Run the exchange over GSSAPI (Unix): the client's credential is its ticket cache
    /// (KRB5CCNAME), the server's its keytab (KRB5_KTNAME)
    #[arg(long)]
    pub gssapi: bool,
}

/// The credentials options, shared with `secpkg conformance --handshake`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CredentialArgs {
    /// The client's user (SEC_WINNT_AUTH_IDENTITY_W); without it, the logged-on user's credentials
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// The client's domain (with --user)
    #[arg(long, value_name = "DOMAIN", requires = "user")]
    pub domain: Option<String>,
    /// Read the client's password from FILE (its first line; never an argument, never printed)
    #[arg(long, value_name = "FILE", requires = "user", conflicts_with = "password_stdin")]
    pub password_file: Option<PathBuf>,
    /// Read the client's password from the first line of standard input
    #[arg(long, requires = "user")]
    pub password_stdin: bool,
    /// The server's account file for WinPR's NTLM (also under Negotiate): lines that `winpr-hash
    /// -u USER -p PASSWORD -f sam` prints (SECPKG_ATTR_AUTH_NTLM_SAM_FILE)
    #[arg(long, value_name = "FILE")]
    pub sam_file: Option<PathBuf>,
    /// The server's credentials carry the client's account too (--user, --domain, the password):
    /// sspi-rs's NTLM server authenticates the client against its own credentials' identity
    #[arg(long, requires = "user")]
    pub server_account: bool,
}

/// Which sides this process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Mode {
    /// Both, as two threads.
    Threads,
    /// The server only (`--listen`).
    Server,
    /// The client only (`--connect`).
    Client,
}

/// Which way a token went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
enum Direction {
    #[serde(rename = "client-to-server")]
    ClientToServer,
    #[serde(rename = "server-to-client")]
    ServerToClient,
}

impl Direction {
    fn text(self) -> &'static str {
        match self {
            Direction::ClientToServer => "client → server",
            Direction::ServerToClient => "server → client",
        }
    }
}

/// One token that crossed the socket, and the figure it was measured against.
#[derive(Clone, Debug, Serialize)]
struct Leg {
    direction: Direction,
    package: String,
    token_size: usize,
    /// The package's listed `cbMaxToken`; with `--gssapi`, the same host's SSPI figure for the
    /// mechanism's package, if any.
    max_token: Option<u32>,
    exceeds_max_token: bool,
}

/// What one side's established context says of itself, each attribute or why it is missing.
#[derive(Debug, Default, Serialize)]
struct ContextReport {
    /// The package the side's credentials are for, as listed (the mechanism's name, GSSAPI).
    package: String,
    /// The side's token buffer, in bytes (null for GSSAPI, which allocates its tokens).
    token_buffer_size: Option<usize>,
    /// `SECPKG_ATTR_PACKAGE_INFO` as a PACKAGE (GSSAPI: the context's mechanism).
    context_package: Option<PackageRecord>,
    context_package_error: Option<String>,
    /// For Negotiate (and SPNEGO), the package it chose, checked against the provider's list.
    negotiated_package: Option<PackageRecord>,
    negotiated_package_error: Option<String>,
    /// `SECPKG_ATTR_SIZES`.
    sizes: Option<Sizes>,
    sizes_error: Option<String>,
    /// What `secpkg conformance --handshake` judges, as the provider answered.
    #[serde(skip)]
    facts: ContextFacts,
}

/// An SSPI context's answers, as records (the report has them as JSON).
#[derive(Debug, Default)]
struct ContextFacts {
    max_token: Option<Result<u32, String>>,
    package: Option<Result<PackageInfo, String>>,
    /// `SECPKG_ATTR_NEGOTIATION_INFO`'s package, listed or not.
    negotiated: Option<Result<PackageInfo, String>>,
}

/// A PACKAGE of the command's JSON: an SSPI package's, or a GSSAPI mechanism's.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum PackageRecord {
    Sspi(json::Package),
    #[cfg(all(unix, feature = "gssapi"))]
    Gssapi(json::GssapiPackage),
}

impl PackageRecord {
    /// `NTLM (id 10, max token 2888)`, `krb5 (id 16, oid 1.2.840.113554.1.2.2)`.
    fn describe(&self) -> String {
        let (name, id, max, oid) = match self {
            PackageRecord::Sspi(p) => (&p.name, Some(p.rpc_id), Some(p.max_token), None::<&String>),
            #[cfg(all(unix, feature = "gssapi"))]
            PackageRecord::Gssapi(p) => (&p.name, p.rpc_id, p.max_token, Some(&p.oid)),
        };
        let mut facts = Vec::new();
        if let Some(id) = id {
            facts.push(format!("id {id}"));
        }
        if let Some(max) = max {
            facts.push(format!("max token {max}"));
        }
        if let Some(oid) = oid {
            facts.push(format!("oid {oid}"));
        }
        if facts.is_empty() { name.clone() } else { format!("{name} ({})", facts.join(", ")) }
    }
}

#[derive(Debug, Serialize)]
struct Sizes {
    max_token: u32,
    max_signature: u32,
    block_size: u32,
    security_trailer: u32,
}

impl From<ContextSizes> for Sizes {
    fn from(sizes: ContextSizes) -> Self {
        Sizes {
            max_token: sizes.max_token,
            max_signature: sizes.max_signature,
            block_size: sizes.block_size,
            security_trailer: sizes.security_trailer,
        }
    }
}

/// `secpkg handshake --json`.
#[derive(Debug, Serialize)]
struct Report {
    provider: String,
    mode: Mode,
    address: String,
    package: String,
    server_packages: Vec<String>,
    /// What `max_token` of each leg is: `cbMaxToken of NTLM`, or with `--gssapi` the SSPI
    /// figure it was taken from; null when there is none.
    max_token_source: Option<String>,
    legs: Vec<Leg>,
    client: Option<ContextReport>,
    server: Option<ContextReport>,
    authenticated: bool,
    tokens_within_max_token: bool,
    error: Option<String>,
}

/// What one side ended with.
struct Outcome {
    legs: Vec<Leg>,
    context: Option<ContextReport>,
    error: Option<String>,
}

/// The client's account: `--user`, `--domain` and the password, which is overwritten when
/// dropped and never printed.
pub struct Account {
    user: String,
    domain: String,
    password: Zeroizing<String>,
}

impl Account {
    /// The account `--user`, `--domain` and `--password-file` or `--password-stdin` give; `None`
    /// without `--user`.
    pub fn from_args(args: &CredentialArgs) -> Result<Option<Account>, Failure> {
        let Some(user) = &args.user else { return Ok(None) };
        let password = match (&args.password_file, args.password_stdin) {
            (Some(path), _) => {
                let contents = Zeroizing::new(std::fs::read_to_string(path).map_err(|error| {
                    Failure::usage(format!("cannot read the password file {}: {error}", path.display()))
                })?);
                first_line(&contents)
            }
            (None, true) => {
                let mut line = Zeroizing::new(String::new());
                let read = io::stdin().lock().read_line(&mut line).map_err(|error| {
                    Failure::usage(format!("cannot read the password from standard input: {error}"))
                })?;
                if read == 0 {
                    return Err(Failure::usage("--password-stdin: standard input is empty (no password line)"));
                }
                first_line(&line)
            }
            (None, false) => {
                return Err(Failure::usage(
                    "--user needs its password from --password-file FILE or --password-stdin (never an argument)",
                ));
            }
        };
        Ok(Some(Account { user: user.clone(), domain: args.domain.clone().unwrap_or_default(), password }))
    }

    fn identity(&self) -> Identity<'_> {
        Identity::new(&self.user, &self.domain, &self.password)
    }

    /// The user and domain, for a child process's `--user` and `--domain`.
    pub fn user_and_domain(&self) -> (&str, &str) {
        (&self.user, &self.domain)
    }

    /// The password as a line, for a child process's `--password-stdin`, wiped when dropped.
    pub fn password_line(&self) -> Zeroizing<Vec<u8>> {
        let mut line = Zeroizing::new(Vec::with_capacity(self.password.len() + 1));
        line.extend_from_slice(self.password.as_bytes());
        line.push(b'\n');
        line
    }
}

/// The first line of `text`, without its line ending.
fn first_line(text: &str) -> Zeroizing<String> {
    let line = text.split('\n').next().unwrap_or_default();
    Zeroizing::new(line.strip_suffix('\r').unwrap_or(line).to_owned())
}

pub fn run(args: &Args, context: &Context, out: &mut Output<'_>) -> Result<Exit, Failure> {
    let mode = match (args.listen, args.connect) {
        (Some(_), _) => Mode::Server,
        (None, Some(_)) => Mode::Client,
        (None, None) => Mode::Threads,
    };
    if mode == Mode::Client
        && (!args.server_package.is_empty()
            || !args.require.is_empty()
            || args.credentials.sam_file.is_some()
            || args.credentials.server_account)
    {
        return Err(Failure::usage(
            "--connect runs the client only: --server-package, --require, --sam-file and --server-account are \
             the server's",
        ));
    }
    if mode == Mode::Server
        && ((args.credentials.user.is_some() && !args.credentials.server_account) || args.target.is_some())
    {
        return Err(Failure::usage(
            "--listen runs the server only: --user (without --server-account) and --target are the client's",
        ));
    }
    if context.gssapi() {
        return gssapi_run(args, context, mode, out);
    }
    let account = if mode == Mode::Server && !args.credentials.server_account {
        None
    } else {
        Account::from_args(&args.credentials)?
    };
    let provider = context.provider()?;
    let package = args.package.as_deref().unwrap_or("Negotiate");
    let listed = provider.packages()?.into_vec()?;
    let client_package = match mode {
        Mode::Server => None,
        _ => Some(provider.query(package)?),
    };
    let offered = match mode {
        Mode::Client => Vec::new(),
        _ => server_packages(args, &provider, &listed, client_package.as_ref().map_or(package, |p| &p.name))?,
    };
    let sides = Sspi { provider: &provider, listed: &listed, args, account: account.as_ref() };
    let named = client_package.as_ref().map(|p| (p.name.as_str(), Some(p.max_token)));
    let (address, client, server) = connect(args, mode, &sides, named, &offered)?;
    let name = client_package.as_ref().map_or_else(|| offered.join(", "), |p| p.name.clone());
    let source = Some(match &client_package {
        Some(info) => format!("cbMaxToken of {}", info.name),
        None => "cbMaxToken of the client's package".to_owned(),
    });
    finish(provider.origin().display().to_string(), mode, address, name, offered, source, client, server, context, out)
}

/// `secpkg conformance --handshake`'s exchange: client and server of `package` as two threads of
/// this process over a loopback socket, as `secpkg handshake --package PACKAGE` runs them, with
/// the account and SAM file `credentials` give; what each side produced and its context said.
/// Each side's token buffer is [`MAX_FRAME`], not `cbMaxToken`: a token longer than
/// `cbMaxToken` is then written and measured, where a buffer of `cbMaxToken` would hide it
/// behind `SEC_E_BUFFER_TOO_SMALL` (or a provider's truncation).
/// Fails (status 2) only where `secpkg handshake` would before any token: the package or the
/// socket; a failed exchange is the report's.
pub fn exchange_for_conformance(
    provider: &Provider,
    listed: &[PackageInfo],
    package: &str,
    target: Option<&str>,
    credentials: &CredentialArgs,
    account: Option<&Account>,
) -> Result<secpkg_conformance::Exchange, Failure> {
    use secpkg_conformance::{Exchange, ExchangeSide};
    let args = Args {
        package: Some(package.to_owned()),
        server_package: Vec::new(),
        require: Vec::new(),
        credentials: credentials.clone(),
        target: target.map(str::to_owned),
        token_buffer: Some(MAX_FRAME),
        listen: None,
        connect: None,
        gssapi: false,
    };
    let info = provider.query(package)?;
    let offered = vec![info.name.clone()];
    let sides = Sspi { provider, listed, args: &args, account };
    let (_, client, server) =
        connect(&args, Mode::Threads, &sides, Some((&info.name, Some(info.max_token))), &offered)?;
    let (client, server) = (client.expect("threads mode runs the client"), server.expect("and the server"));
    let side = |outcome: &Outcome, role: Role| {
        let mut side = ExchangeSide::new(info.name.clone());
        // The client's log holds both directions: each side's tokens are the ones it sent.
        side.tokens =
            client.legs.iter().filter(|leg| leg.direction == role.sending()).map(|leg| leg.token_size).collect();
        if let Some(context) = &outcome.context {
            side.context_max_token = context.facts.max_token.clone();
            side.context_package = context.facts.package.clone();
            side.negotiated = context.facts.negotiated.clone();
        }
        side
    };
    let error = client.error.clone().or_else(|| server.error.clone());
    Ok(Exchange::new(side(&client, Role::Client), side(&server, Role::Server), error))
}

/// The server's packages: `--server-package` (else the client's), or with `--require` the
/// listed ones with every capability it names (of `--server-package`'s, when given); each
/// spelled as listed.
fn server_packages(
    args: &Args,
    provider: &Provider,
    listed: &[PackageInfo],
    client: &str,
) -> Result<Vec<String>, Failure> {
    let required: Capabilities = args.require.iter().copied().collect();
    let named: Vec<PackageInfo> = if !args.server_package.is_empty() {
        args.server_package.iter().map(|name| Ok(provider.query(name.trim())?)).collect::<Result<_, Failure>>()?
    } else if !args.require.is_empty() {
        listed.to_vec()
    } else {
        vec![provider.query(client)?]
    };
    let kept: Vec<String> =
        named.iter().filter(|p| p.capabilities.contains(required)).map(|p| p.name.clone()).collect();
    if kept.is_empty() {
        let names: Vec<&str> = args.require.iter().map(|flag| flag.name()).collect();
        return Err(Failure::NoMatch(format!(
            "none of the {} packages the server may offer has every capability --require names ({})",
            named.len(),
            names.join(", ")
        )));
    }
    Ok(kept)
}

/// What each side does on its end of the socket.
trait Sides: Sync {
    fn client(&self, package: &str, max_token: Option<u32>, stream: TcpStream) -> Outcome;
    fn server(&self, offered: &[String], stream: TcpStream) -> Outcome;
}

/// Binds, connects and runs the sides of `mode`, the client with its package's name and
/// `cbMaxToken`: the address, then the client's and the server's outcomes (`None` for a side
/// this process does not run).
fn connect(
    args: &Args,
    mode: Mode,
    sides: &dyn Sides,
    client: Option<(&str, Option<u32>)>,
    offered: &[String],
) -> Result<(SocketAddr, Option<Outcome>, Option<Outcome>), Failure> {
    let listen = |addr: SocketAddr| {
        TcpListener::bind(addr).map_err(|error| Failure::usage(format!("cannot listen on {addr}: {error}")))
    };
    match mode {
        Mode::Threads => {
            let listener = listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
            let address = listener.local_addr()?;
            let (name, max_token) = client.expect("the client's package is known in threads mode");
            let (client, server) = std::thread::scope(|scope| {
                let server = scope.spawn(|| match accept(&listener) {
                    Ok(stream) => sides.server(offered, stream),
                    Err(error) => failed(error),
                });
                let client = match TcpStream::connect(address) {
                    Ok(stream) => sides.client(name, max_token, stream),
                    Err(error) => failed(format!("cannot connect to {address}: {error}")),
                };
                // A client that could not connect leaves the server waiting: wake it.
                if client.legs.is_empty() && client.error.is_some() {
                    let _ = TcpStream::connect(address);
                }
                let server = server.join().unwrap_or_else(|_| failed("the server thread panicked".to_owned()));
                (client, server)
            });
            Ok((address, Some(client), Some(server)))
        }
        Mode::Server => {
            let listener = listen(args.listen.expect("--listen gives server mode"))?;
            let address = listener.local_addr()?;
            // The caller (a script, the other process) reads the port from here when ADDR had 0.
            let _ = writeln!(io::stderr().lock(), "secpkg: listening on {address}");
            let server = match accept(&listener) {
                Ok(stream) => sides.server(offered, stream),
                Err(error) => failed(error),
            };
            Ok((address, None, Some(server)))
        }
        Mode::Client => {
            let address = args.connect.expect("--connect gives client mode");
            let stream = TcpStream::connect(address)
                .map_err(|error| Failure::usage(format!("cannot connect to {address}: {error}")))?;
            let (name, max_token) = client.expect("the client's package is known in client mode");
            Ok((address, Some(sides.client(name, max_token, stream)), None))
        }
    }
}

/// The first client to connect, with [`PEER_TIMEOUT`] set on its stream.
fn accept(listener: &TcpListener) -> Result<TcpStream, String> {
    let (stream, _) = listener.accept().map_err(|error| format!("cannot accept a client: {error}"))?;
    stream.set_read_timeout(Some(PEER_TIMEOUT)).map_err(|error| error.to_string())?;
    Ok(stream)
}

fn failed(error: String) -> Outcome {
    Outcome { legs: Vec::new(), context: None, error: Some(error) }
}

/// One frame read or written.
#[derive(Debug)]
enum Frame {
    Hello(String),
    Token(Vec<u8>),
    Done(Vec<u8>),
    Error(String),
}

fn write_frame(stream: &mut TcpStream, frame: &Frame) -> Result<(), String> {
    let (kind, payload) = match frame {
        Frame::Hello(name) => (b'H', name.as_bytes()),
        Frame::Token(token) => (b'T', token.as_slice()),
        Frame::Done(token) => (b'D', token.as_slice()),
        Frame::Error(message) => (b'E', message.as_bytes()),
    };
    let len = u32::try_from(payload.len()).ok().filter(|&len| len <= MAX_FRAME).ok_or_else(|| {
        format!("a frame of {} bytes is more than the {MAX_FRAME} the other side accepts", payload.len())
    })?;
    let mut bytes = Vec::with_capacity(5 + payload.len());
    bytes.push(kind);
    bytes.extend_from_slice(&len.to_be_bytes());
    bytes.extend_from_slice(payload);
    stream.write_all(&bytes).and_then(|()| stream.flush()).map_err(|error| format!("cannot send to the peer: {error}"))
}

fn read_frame(stream: &mut TcpStream) -> Result<Frame, String> {
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).map_err(|error| match error.kind() {
        io::ErrorKind::UnexpectedEof => "the peer closed the connection".to_owned(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            format!("the peer sent nothing for {} s", PEER_TIMEOUT.as_secs())
        }
        _ => format!("cannot read from the peer: {error}"),
    })?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    if len > MAX_FRAME {
        return Err(format!(
            "the peer sent a frame of {len} bytes, more than the {MAX_FRAME} accepted (is it secpkg handshake?)"
        ));
    }
    let mut payload = vec![0; len as usize];
    stream
        .read_exact(&mut payload)
        .map_err(|error| format!("the peer's frame of {len} bytes was cut short: {error}"))?;
    let text = |payload: Vec<u8>| String::from_utf8_lossy(&payload).into_owned();
    match head[0] {
        b'H' => Ok(Frame::Hello(text(payload))),
        b'T' => Ok(Frame::Token(payload)),
        b'D' => Ok(Frame::Done(payload)),
        b'E' => Ok(Frame::Error(text(payload))),
        kind => Err(format!("the peer sent a frame of unknown kind {kind:#04x} (is it secpkg handshake?)")),
    }
}

/// Which side this end is, for the log and the messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Client,
    Server,
}

impl Role {
    fn peer(self) -> &'static str {
        match self {
            Role::Client => "server",
            Role::Server => "client",
        }
    }

    fn sending(self) -> Direction {
        match self {
            Role::Client => Direction::ClientToServer,
            Role::Server => Direction::ServerToClient,
        }
    }

    fn receiving(self) -> Direction {
        match self {
            Role::Client => Direction::ServerToClient,
            Role::Server => Direction::ClientToServer,
        }
    }
}

/// The log of one side: every token it sent and received, measured.
struct Log {
    package: String,
    max_token: Option<u32>,
    legs: Vec<Leg>,
}

impl Log {
    fn record(&mut self, direction: Direction, token: &[u8]) {
        if token.is_empty() {
            return;
        }
        let exceeds = self.max_token.is_some_and(|max| token.len() > max as usize);
        self.legs.push(Leg {
            direction,
            package: self.package.clone(),
            token_size: token.len(),
            max_token: self.max_token,
            exceeds_max_token: exceeds,
        });
    }
}

/// One side's legs over `stream` until both sides are done: `step` takes the peer's last token
/// (none for the client's first leg) and gives the next one and whether this side is done.
fn converse(
    role: Role,
    stream: &mut TcpStream,
    log: &mut Log,
    mut step: impl FnMut(Option<&[u8]>) -> Result<(Vec<u8>, bool), String>,
) -> Result<(), String> {
    let peer = role.peer();
    let mut peer_done = false;
    let mut input: Option<Vec<u8>> = None;
    if role == Role::Server {
        let (token, done) = receive(stream, peer, log, role)?;
        if token.is_empty() {
            return Err(refuse(stream, format!("the {peer}'s first frame holds no token")));
        }
        input = Some(token);
        peer_done = done;
    }
    loop {
        let (token, done) = match step(input.as_deref()) {
            Ok(leg) => leg,
            Err(error) => return Err(refuse(stream, error)),
        };
        log.record(role.sending(), &token);
        write_frame(stream, &if done { Frame::Done(token) } else { Frame::Token(token) })?;
        if done {
            if peer_done {
                return Ok(());
            }
            let (token, peer_now_done) = receive(stream, peer, log, role)?;
            if !token.is_empty() {
                return Err(format!(
                    "the {peer} sent a token of {} bytes after this side's context was complete",
                    token.len()
                ));
            }
            if !peer_now_done {
                return Err(format!("the {peer} wants another leg, but this side's context is complete"));
            }
            return Ok(());
        }
        if peer_done {
            return Err(refuse(stream, format!("the {peer}'s context is complete, but this side's wants another leg")));
        }
        let (token, now_done) = receive(stream, peer, log, role)?;
        if token.is_empty() {
            return Err(refuse(stream, format!("the {peer} sent no token, but this side's context wants one")));
        }
        peer_done = now_done;
        input = Some(token);
    }
}

/// The peer's next token and whether it is its last.
fn receive(stream: &mut TcpStream, peer: &str, log: &mut Log, role: Role) -> Result<(Vec<u8>, bool), String> {
    let (token, done) = match read_frame(stream)? {
        Frame::Token(token) => (token, false),
        Frame::Done(token) => (token, true),
        Frame::Error(message) => return Err(format!("the {peer} failed: {message}")),
        Frame::Hello(_) => return Err(format!("the {peer} sent a second hello")),
    };
    log.record(role.receiving(), &token);
    Ok((token, done))
}

/// Tells the peer why this side stops (if it still listens), and gives the reason back.
fn refuse(stream: &mut TcpStream, reason: String) -> String {
    let _ = write_frame(stream, &Frame::Error(reason.clone()));
    reason
}

/// The SSPI sides.
struct Sspi<'a> {
    provider: &'a Provider,
    listed: &'a [PackageInfo],
    args: &'a Args,
    account: Option<&'a Account>,
}

impl Sspi<'_> {
    /// The listed record of `name`, for the `max_token` of the legs.
    fn max_token(&self, name: &str) -> Option<u32> {
        self.listed.iter().find(|p| p.name == name).map(|p| p.max_token)
    }
}

/// The attributes of an established SSPI context (client or server alike).
macro_rules! context_report {
    ($context:expr, $package:expr, $listed:expr) => {{
        let context = $context;
        let mut report = ContextReport {
            package: $package.to_owned(),
            token_buffer_size: Some(context.token_buffer_size()),
            ..ContextReport::default()
        };
        let package = context.package_info().map_err(|error| attribute_error("SECPKG_ATTR_PACKAGE_INFO", error));
        match &package {
            Ok(info) => report.context_package = Some(package_value(info)),
            Err(error) => report.context_package_error = Some(error.clone()),
        }
        report.facts.package = Some(package);
        if $package.eq_ignore_ascii_case("Negotiate") {
            // As ClientContext::negotiated_package, against the list the exchange started with;
            // the conformance check sees the package whether listed or not.
            let negotiated = context
                .negotiation_info()
                .map(|info| info.package)
                .map_err(|error| attribute_error("SECPKG_ATTR_NEGOTIATION_INFO", error));
            match &negotiated {
                Ok(info) if $listed.iter().any(|p: &PackageInfo| p.name == info.name) => {
                    report.negotiated_package = Some(package_value(info))
                }
                Ok(info) => {
                    report.negotiated_package_error = Some(format!(
                        "SECPKG_ATTR_NEGOTIATION_INFO: QueryContextAttributesW(SECPKG_ATTR_NEGOTIATION_INFO) names \
                         the package '{}', which EnumerateSecurityPackagesW does not list",
                        text::clean(&info.name)
                    ))
                }
                Err(error) => report.negotiated_package_error = Some(error.clone()),
            }
            report.facts.negotiated = Some(negotiated);
        }
        let sizes = context.sizes().map_err(|error| attribute_error("SECPKG_ATTR_SIZES", error));
        match &sizes {
            Ok(sizes) => report.sizes = Some((*sizes).into()),
            Err(error) => report.sizes_error = Some(error.clone()),
        }
        report.facts.max_token = Some(sizes.map(|sizes| sizes.max_token));
        report
    }};
}

/// `SECPKG_ATTR_SIZES: QueryContextAttributesW failed: …`.
fn attribute_error(attribute: &str, error: secpkg::Error) -> String {
    format!("{attribute}: {}", Failure::from(error).message())
}

fn package_value(info: &PackageInfo) -> PackageRecord {
    PackageRecord::Sspi(json::Package::from(info))
}

impl Sides for Sspi<'_> {
    fn client(&self, package: &str, max_token: Option<u32>, mut stream: TcpStream) -> Outcome {
        let mut log = Log { package: package.to_owned(), max_token, legs: Vec::new() };
        let result = (|| {
            stream.set_read_timeout(Some(PEER_TIMEOUT)).map_err(|error| error.to_string())?;
            let identity = self.account.map(Account::identity);
            let credentials = self
                .provider
                .acquire_credentials(package, CredentialUse::SECPKG_CRED_OUTBOUND, identity.as_ref())
                .map_err(|error| refuse(&mut stream, Failure::from(error).message()))?;
            let mut context = ClientContext::new(&credentials, self.args.target.as_deref())
                .and_then(|context| context.with_requests(CLIENT_REQUESTS))
                .and_then(|context| match self.args.token_buffer {
                    Some(bytes) => context.with_token_buffer_size(bytes),
                    None => Ok(context),
                })
                .map_err(|error| refuse(&mut stream, Failure::from(error).message()))?;
            write_frame(&mut stream, &Frame::Hello(package.to_owned()))?;
            converse(Role::Client, &mut stream, &mut log, |input| {
                leg(context.step(input)).map_err(|error| Failure::from(error).message())
            })?;
            Ok(context_report!(&mut context, package, self.listed))
        })();
        outcome(log, result)
    }

    fn server(&self, offered: &[String], mut stream: TcpStream) -> Outcome {
        let mut log = Log { package: String::new(), max_token: None, legs: Vec::new() };
        let result = (|| {
            let package = hello(&mut stream, offered)?;
            log.package.clone_from(&package);
            log.max_token = self.max_token(&package);
            let identity = self.account.filter(|_| self.args.credentials.server_account).map(Account::identity);
            let credentials = self
                .provider
                .acquire_credentials(package.as_str(), CredentialUse::SECPKG_CRED_INBOUND, identity.as_ref())
                .map_err(|error| refuse(&mut stream, Failure::from(error).message()))?;
            let mut context = ServerContext::new(&credentials)
                .and_then(|context| context.with_requests(SERVER_REQUESTS))
                .and_then(|context| match &self.args.credentials.sam_file {
                    Some(path) => context.with_winpr_sam_file(path),
                    None => Ok(context),
                })
                .and_then(|context| match self.args.token_buffer {
                    Some(bytes) => context.with_token_buffer_size(bytes),
                    None => Ok(context),
                })
                .map_err(|error| refuse(&mut stream, Failure::from(error).message()))?;
            converse(Role::Server, &mut stream, &mut log, |input| {
                leg(context.step(input.unwrap_or_default())).map_err(|error| Failure::from(error).message())
            })?;
            Ok(context_report!(&mut context, package, self.listed))
        })();
        outcome(log, result)
    }
}

/// A step's token, copied out of the context's buffer, and whether the context is complete.
fn leg(step: Result<Step<'_>, secpkg::Error>) -> Result<(Vec<u8>, bool), secpkg::Error> {
    let step = step?;
    Ok((step.token().unwrap_or_default().to_vec(), step.is_done()))
}

/// The client's hello: the package it uses, which must be one `offered` (as listed, or the same
/// ignoring ASCII case); the package as the server offers it.
fn hello(stream: &mut TcpStream, offered: &[String]) -> Result<String, String> {
    match read_frame(stream)? {
        Frame::Hello(name) => match offered.iter().find(|o| **o == name || o.eq_ignore_ascii_case(&name)) {
            Some(package) => Ok(package.clone()),
            None => {
                Err(refuse(stream, format!("the server offers {}, not '{}'", offered.join(", "), text::clean(&name))))
            }
        },
        Frame::Error(message) => Err(format!("the client failed: {message}")),
        other => Err(refuse(stream, format!("the client's first frame is no hello: {other:?}"))),
    }
}

fn outcome(log: Log, result: Result<ContextReport, String>) -> Outcome {
    match result {
        Ok(context) => Outcome { legs: log.legs, context: Some(context), error: None },
        Err(error) => Outcome { legs: log.legs, context: None, error: Some(error) },
    }
}

/// Writes the report and gives the exit: 0, [`Exit::TokenExceedsMaxToken`], or status 2 with the
/// first error (the client's in threads mode: it names the server's when that came first).
#[allow(clippy::too_many_arguments)]
fn finish(
    provider: String,
    mode: Mode,
    address: SocketAddr,
    package: String,
    server_packages: Vec<String>,
    max_token_source: Option<String>,
    client: Option<Outcome>,
    server: Option<Outcome>,
    context: &Context,
    out: &mut Output<'_>,
) -> Result<Exit, Failure> {
    let (legs, client_error, client_context) = match client {
        Some(outcome) => (Some(outcome.legs), outcome.error, outcome.context),
        None => (None, None, None),
    };
    let (server_legs, server_error, server_context) = match server {
        Some(outcome) => (outcome.legs, outcome.error, outcome.context),
        None => (Vec::new(), None, None),
    };
    // The client saw every token in threads mode; the server, in its own.
    let legs = legs.unwrap_or(server_legs);
    let error = client_error.or(server_error);
    let within = legs.iter().all(|leg| !leg.exceeds_max_token);
    let report = Report {
        provider,
        mode,
        address: address.to_string(),
        package,
        server_packages,
        max_token_source,
        legs,
        client: client_context,
        server: server_context,
        authenticated: error.is_none(),
        tokens_within_max_token: within,
        error,
    };
    if context.json() {
        json::write(out, &report)?;
    } else {
        write_text(&report, out)?;
    }
    match (&report.error, within) {
        (Some(error), _) => Err(Failure::usage(format!("the handshake failed: {error}"))),
        (None, true) => Ok(Exit::Success),
        (None, false) => Ok(Exit::TokenExceedsMaxToken),
    }
}

fn write_text(report: &Report, out: &mut Output<'_>) -> Result<(), Failure> {
    use crate::table::{Align, Table};
    let sides = match report.mode {
        Mode::Threads => "client and server in this process",
        Mode::Server => "server",
        Mode::Client => "client",
    };
    writeln!(
        out,
        "{} ({sides}) over {}: client {}, server offers {}",
        text::clean(&report.provider),
        report.address,
        text::clean(&report.package),
        if report.server_packages.is_empty() {
            "?".to_owned()
        } else {
            text::clean(&report.server_packages.join(", ")).into_owned()
        }
    )?;
    let mut table = Table::new(&[
        ("LEG", Align::Right),
        ("DIRECTION", Align::Left),
        ("PACKAGE", Align::Left),
        ("TOKEN", Align::Right),
        ("MAX TOKEN", Align::Right),
        ("", Align::Left),
    ]);
    for (number, leg) in report.legs.iter().enumerate() {
        table.row(vec![
            (number + 1).to_string(),
            leg.direction.text().to_owned(),
            leg.package.clone(),
            leg.token_size.to_string(),
            leg.max_token.map_or_else(|| "-".to_owned(), |max| max.to_string()),
            if leg.exceeds_max_token { "EXCEEDS cbMaxToken".to_owned() } else { String::new() },
        ]);
    }
    table.write(out, 0)?;
    if let Some(source) = &report.max_token_source {
        writeln!(out, "MAX TOKEN: {}", text::clean(source))?;
    } else {
        writeln!(out, "MAX TOKEN: none to check against (GSSAPI advertises no maximum, and no SSPI figure was found)")?;
    }
    for (side, context) in [("client", &report.client), ("server", &report.server)] {
        let Some(context) = context else { continue };
        writeln!(out, "{side} context ({})", text::clean(&context.package))?;
        let mut table = Table::headless(&[Align::Left, Align::Left]);
        if let Some(size) = context.token_buffer_size {
            table.row(vec!["token buffer".into(), format!("{size} bytes")]);
        }
        let describe = |value: &Option<PackageRecord>, error: &Option<String>| match (value, error) {
            (Some(value), _) => value.describe(),
            (None, Some(error)) => format!("not reported: {error}"),
            (None, None) => "-".to_owned(),
        };
        table.row(vec!["package".into(), describe(&context.context_package, &context.context_package_error)]);
        if context.negotiated_package.is_some() || context.negotiated_package_error.is_some() {
            table.row(vec![
                "negotiated".into(),
                describe(&context.negotiated_package, &context.negotiated_package_error),
            ]);
        }
        let sizes = match (&context.sizes, &context.sizes_error) {
            (Some(s), _) => format!(
                "max token {}, max signature {}, block size {}, security trailer {}",
                s.max_token, s.max_signature, s.block_size, s.security_trailer
            ),
            (None, Some(error)) => format!("not reported: {error}"),
            (None, None) => "-".to_owned(),
        };
        table.row(vec!["sizes".into(), sizes]);
        table.write(out, 2)?;
    }
    let tokens = report.legs.len();
    let s = if tokens == 1 { "" } else { "s" };
    match (&report.error, report.tokens_within_max_token) {
        (Some(_), _) => writeln!(out, "not authenticated after {tokens} token{s}")?,
        (None, true) => writeln!(out, "authenticated: {tokens} token{s}, each within its cbMaxToken")?,
        (None, false) => {
            let over: Vec<String> = report
                .legs
                .iter()
                .enumerate()
                .filter(|(_, leg)| leg.exceeds_max_token)
                .map(|(n, leg)| format!("leg {} ({} > {} bytes)", n + 1, leg.token_size, leg.max_token.unwrap_or(0)))
                .collect();
            writeln!(out, "authenticated, but a token exceeded cbMaxToken: {}", over.join(", "))?;
        }
    }
    Ok(())
}

#[cfg(all(unix, feature = "gssapi"))]
fn gssapi_run(args: &Args, context: &Context, mode: Mode, out: &mut Output<'_>) -> Result<Exit, Failure> {
    gssapi_side::run(args, context, mode, out)
}

#[cfg(not(all(unix, feature = "gssapi")))]
fn gssapi_run(_: &Args, _: &Context, _: Mode, _: &mut Output<'_>) -> Result<Exit, Failure> {
    unreachable!("main's check_gssapi refuses --gssapi without GSSAPI support")
}

#[cfg(all(unix, feature = "gssapi"))]
mod gssapi_side {
    use super::*;
    use secpkg::gssapi::{Credential, Gssapi, Leg as GssLeg, Mechanism, Name, NameType, Usage};

    struct GssSides<'a> {
        gssapi: &'a Gssapi,
        mechanisms: &'a [Mechanism],
        target: String,
        max_token: Option<u32>,
    }

    pub fn run(args: &Args, context: &Context, mode: Mode, out: &mut Output<'_>) -> Result<Exit, Failure> {
        if args.credentials.user.is_some()
            || args.credentials.sam_file.is_some()
            || args.credentials.server_account
            || args.token_buffer.is_some()
        {
            return Err(Failure::usage(
                "--gssapi takes the client's credential from its ticket cache (KRB5CCNAME, kinit) and the \
                 server's from its keytab (KRB5_KTNAME): --user, --sam-file and --token-buffer are SSPI's",
            ));
        }
        let gssapi = crate::gssapi::open()?;
        let mechanisms = gssapi.mechanisms()?;
        let client = match &args.package {
            Some(name) => Some(crate::gssapi::find(&mechanisms, name)?.clone()),
            None => mechanisms.iter().find(|m| m.sspi_name == Some("Kerberos")).cloned(),
        };
        let Some(client) = client else {
            return Err(Failure::usage(format!(
                "{} has no Kerberos mechanism to default to: name one with --package",
                gssapi.library_name()
            )));
        };
        let required: Capabilities = args.require.iter().copied().collect();
        let offered: Vec<String> = if mode == Mode::Client {
            Vec::new()
        } else if !args.server_package.is_empty() {
            args.server_package
                .iter()
                .map(|name| crate::gssapi::find(&mechanisms, name.trim()))
                .collect::<Result<Vec<_>, Failure>>()?
                .into_iter()
                .filter(|m| m.capabilities.contains(required))
                .map(|m| crate::gssapi::name(m).to_owned())
                .collect()
        } else if !args.require.is_empty() {
            mechanisms
                .iter()
                .filter(|m| m.capabilities.contains(required))
                .map(|m| crate::gssapi::name(m).to_owned())
                .collect()
        } else {
            vec![crate::gssapi::name(&client).to_owned()]
        };
        if offered.is_empty() && mode != Mode::Client {
            return Err(Failure::NoMatch(
                "no GSSAPI mechanism the server may offer has every capability --require names".into(),
            ));
        }
        // GSSAPI advertises no maximum token size: the same host's SSPI figure for the
        // mechanism's package (Kerberos for krb5) is what a Windows-side peer sizes by.
        let (max_token, source) = match client.sspi_name {
            Some(sspi) => match context.provider().ok().and_then(|p| p.query(sspi).ok().map(|info| (p, info))) {
                Some((provider, info)) => (
                    Some(info.max_token),
                    Some(format!("the SSPI {sspi} cbMaxToken of {}", provider.origin().display())),
                ),
                None => (None, None),
            },
            None => (None, None),
        };
        let sides = GssSides {
            gssapi: &gssapi,
            mechanisms: &mechanisms,
            target: args.target.clone().unwrap_or_else(|| "host@localhost".to_owned()),
            max_token,
        };
        let name = crate::gssapi::name(&client).to_owned();
        let (address, client_outcome, server_outcome) =
            connect(args, mode, &sides, Some((name.as_str(), max_token)), &offered)?;
        finish(
            crate::gssapi::origin(&gssapi),
            mode,
            address,
            name,
            offered,
            source,
            client_outcome,
            server_outcome,
            context,
            out,
        )
    }

    impl GssSides<'_> {
        fn mechanism(&self, name: &str) -> Option<&Mechanism> {
            self.mechanisms.iter().find(|m| crate::gssapi::name(m) == name)
        }
    }

    fn established_report(package: &str, established: &secpkg::gssapi::Established<'_>, spnego: bool) -> ContextReport {
        let record = || PackageRecord::Gssapi(crate::gssapi::package(established.mechanism()));
        ContextReport {
            package: package.to_owned(),
            token_buffer_size: None,
            context_package: Some(record()),
            negotiated_package: spnego.then(record),
            sizes_error: Some("GSSAPI reports no context sizes".to_owned()),
            ..ContextReport::default()
        }
    }

    fn gss_message(error: secpkg::Error) -> String {
        Failure::from(error).message()
    }

    impl Sides for GssSides<'_> {
        fn client(&self, package: &str, _: Option<u32>, mut stream: TcpStream) -> Outcome {
            let mut log = Log { package: package.to_owned(), max_token: self.max_token, legs: Vec::new() };
            let result = (|| {
                stream.set_read_timeout(Some(PEER_TIMEOUT)).map_err(|error| error.to_string())?;
                let mechanism = self.mechanism(package).map(|m| m.oid.clone());
                let kind =
                    if self.target.contains('/') { NameType::KerberosPrincipal } else { NameType::HostBasedService };
                let target =
                    Name::import(self.gssapi, &self.target, kind).map_err(|e| refuse(&mut stream, gss_message(e)))?;
                let credential = Credential::acquire(self.gssapi, Usage::Initiate, None, mechanism.as_deref())
                    .map_err(|e| refuse(&mut stream, gss_message(e)))?;
                let context = secpkg::gssapi::Context::initiator(
                    self.gssapi,
                    &target,
                    Some(&credential),
                    mechanism.as_deref(),
                    secpkg::gssapi::DEFAULT_FLAGS,
                )
                .map_err(|e| refuse(&mut stream, gss_message(e)))?;
                write_frame(&mut stream, &Frame::Hello(package.to_owned()))?;
                let mut pending = Some(context);
                let mut established = None;
                converse(Role::Client, &mut stream, &mut log, |input| {
                    gss_step(&mut pending, &mut established, input.unwrap_or_default())
                })?;
                let established = established.ok_or("the context did not complete")?;
                let spnego = self.mechanism(package).is_some_and(|m| m.sspi_name == Some("Negotiate"));
                Ok(established_report(package, &established, spnego))
            })();
            outcome(log, result)
        }

        fn server(&self, offered: &[String], mut stream: TcpStream) -> Outcome {
            let mut log = Log { package: String::new(), max_token: self.max_token, legs: Vec::new() };
            let result = (|| {
                let package = hello(&mut stream, offered)?;
                log.package.clone_from(&package);
                let context = secpkg::gssapi::Context::acceptor(self.gssapi, None)
                    .map_err(|e| refuse(&mut stream, gss_message(e)))?;
                let mut pending = Some(context);
                let mut established = None;
                converse(Role::Server, &mut stream, &mut log, |input| {
                    gss_step(&mut pending, &mut established, input.unwrap_or_default())
                })?;
                let established = established.ok_or("the context did not complete")?;
                let spnego = self.mechanism(&package).is_some_and(|m| m.sspi_name == Some("Negotiate"));
                Ok(established_report(&package, &established, spnego))
            })();
            outcome(log, result)
        }
    }

    fn gss_step<'a>(
        pending: &mut Option<secpkg::gssapi::Context<'a>>,
        established: &mut Option<secpkg::gssapi::Established<'a>>,
        input: &[u8],
    ) -> Result<(Vec<u8>, bool), String> {
        let context = pending.take().ok_or("the context is complete: it takes no further token")?;
        match context.step(input).map_err(gss_message)? {
            GssLeg::Continue(context, token) => {
                *pending = Some(context);
                Ok((token, false))
            }
            GssLeg::Complete(done, token) => {
                *established = Some(done);
                Ok((token, true))
            }
        }
    }
}
