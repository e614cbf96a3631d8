//! The seed's client and server: "When a client starts, it selects a security package for its
//! transactions with a server and then contacts that server. A server selects one or several
//! security packages and waits for a client connection." Both learn cbMaxToken, size their token
//! buffers by it, and exchange tokens over a loopback TCP socket until the client is
//! authenticated. The server runs on a thread of this process; each side has only its socket.
//!
//! ```sh
//! # WinPR: the server's account comes from a SAM file (`winpr-hash` is in Debian's winpr-utils).
//! winpr-hash -u alice -p 'S3cret!' -d EXAMPLE -f sam > /tmp/SAM
//! printf '%s\n' 'S3cret!' > /tmp/password
//! EXCHANGE_USER=alice EXCHANGE_DOMAIN=EXAMPLE EXCHANGE_PASSWORD_FILE=/tmp/password \
//!     EXCHANGE_SAM_FILE=/tmp/SAM cargo run --example exchange -- Negotiate NTLM Negotiate
//! # Another provider: SECPKG_PROVIDER=/path/to/provider.so cargo run --example exchange -- NTLM
//! ```
//!
//! Arguments: the client's package (default Negotiate), then the server's packages (default the
//! client's). Without EXCHANGE_USER the client uses the logged-on user's credentials.
//!
//! On the socket each token is a frame: one byte (1 when the sender's context is complete, else
//! 0), its length as a u32 big-endian, then the token. The first frame of the client names its
//! package (UTF-8). A receiver refuses a frame longer than its own buffer, which it sized by the
//! package's cbMaxToken: a token that does not fit is an error, not a truncated read.

use secpkg::{ClientContext, CredentialUse, Identity, Provider, ServerContext, Step};
use std::error::Error;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

fn main() -> Result<()> {
    // SAFETY: this program is run by whoever names the provider library in SECPKG_PROVIDER;
    // without it the system's (WinPR here) is loaded.
    let provider = unsafe { Provider::from_env() }?;
    let mut args = std::env::args().skip(1);
    let client_package = args.next().unwrap_or_else(|| "Negotiate".to_owned());
    let mut server_packages: Vec<String> = args.collect();
    if server_packages.is_empty() {
        server_packages.push(client_package.clone());
    }
    // The seed's sizing step: what each package says its largest token is, and the buffer that
    // holds any token of it (for Negotiate, of every package it can choose as well).
    let mut selected: Vec<&String> = server_packages.iter().chain([&client_package]).collect();
    selected.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    for package in selected {
        let info = provider.query(package.as_str())?;
        let buffer = provider.token_buffer_size(package.as_str())?;
        println!("{}: cbMaxToken {}, token buffer {buffer} bytes", info.name, info.max_token);
    }

    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let address = listener.local_addr()?;
    println!("server: {} on {address}", server_packages.join(", "));
    std::thread::scope(|scope| {
        let server = scope.spawn(|| serve(&provider, &server_packages, &listener));
        let client = TcpStream::connect(address)
            .map_err(Into::into)
            .and_then(|stream| client(&provider, &client_package, stream));
        let server = server.join().map_err(|_| "the server thread panicked")?;
        client.and(server)
    })
}

fn client(provider: &Provider, package: &str, mut stream: TcpStream) -> Result<()> {
    let password = match std::env::var_os("EXCHANGE_PASSWORD_FILE") {
        Some(path) => std::fs::read_to_string(path)?.lines().next().unwrap_or_default().to_owned(),
        None => String::new(),
    };
    let (user, domain) = (std::env::var("EXCHANGE_USER").ok(), std::env::var("EXCHANGE_DOMAIN").unwrap_or_default());
    let identity = user.as_deref().map(|user| Identity::new(user, &domain, &password));
    let credentials = provider.acquire_credentials(package, CredentialUse::SECPKG_CRED_OUTBOUND, identity.as_ref())?;
    // The context's token buffer is credentials.token_buffer_size() bytes: cbMaxToken.
    let mut context = ClientContext::new(&credentials, std::env::var("EXCHANGE_TARGET").ok().as_deref())?;
    let mut buffer = vec![0u8; credentials.token_buffer_size() as usize];
    send(&mut stream, false, credentials.package().as_bytes())?;
    let mut answer: Option<Vec<u8>> = None;
    let mut server_done = false;
    loop {
        let step = context.step(answer.as_deref())?;
        let done = step.is_done();
        let token = step.token().unwrap_or_default();
        if !token.is_empty() {
            println!("client → server: {} bytes", token.len());
        }
        send(&mut stream, done, token)?;
        if done && server_done {
            break;
        }
        // The server says when it is done too, with its last token if it has one.
        let (now_done, len) = receive(&mut stream, &mut buffer)?;
        server_done = now_done;
        if len > 0 {
            println!("server → client: {len} bytes");
        }
        match (done, len) {
            (true, 0) if server_done => break,
            (true, _) => return Err("the server wants more after the client's context was complete".into()),
            (false, 0) => return Err("the server sent no token, but the client's context wants one".into()),
            (false, _) => answer = Some(buffer[..len].to_vec()),
        }
    }
    let sizes = context.sizes()?;
    println!("client: authenticated with {}; the context's cbMaxToken is {}", credentials.package(), sizes.max_token);
    Ok(())
}

fn serve(provider: &Provider, packages: &[String], listener: &TcpListener) -> Result<()> {
    let (mut stream, peer) = listener.accept()?;
    let mut name = vec![0u8; 256];
    let (_, len) = receive(&mut stream, &mut name)?;
    let name = String::from_utf8(name[..len].to_vec())?;
    if !packages.iter().any(|package| package.eq_ignore_ascii_case(&name)) {
        return Err(format!("{peer} asked for {name}, which this server does not offer").into());
    }
    let credentials = provider.acquire_credentials(name.as_str(), CredentialUse::SECPKG_CRED_INBOUND, None)?;
    let mut context = ServerContext::new(&credentials)?;
    if let Some(sam) = std::env::var_os("EXCHANGE_SAM_FILE") {
        context = context.with_winpr_sam_file(sam)?;
    }
    let mut buffer = vec![0u8; credentials.token_buffer_size() as usize];
    loop {
        let (client_done, len) = receive(&mut stream, &mut buffer)?;
        let step = context.step(&buffer[..len])?;
        let (done, token) = match step {
            Step::Continue(token) => (false, token),
            Step::Done(token) => (true, token.unwrap_or_default()),
        };
        send(&mut stream, done, token)?;
        if done {
            if !client_done {
                // The client takes the last token, and says it is done with an empty frame.
                receive(&mut stream, &mut buffer)?;
            }
            break;
        }
    }
    println!("server: {peer} authenticated with {name}");
    Ok(())
}

fn send(stream: &mut TcpStream, done: bool, token: &[u8]) -> Result<()> {
    let len = u32::try_from(token.len())?;
    let mut frame = vec![u8::from(done)];
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(token);
    stream.write_all(&frame)?;
    Ok(())
}

/// The next frame into `buffer`: whether the sender is done, and the token's length.
fn receive(stream: &mut TcpStream, buffer: &mut [u8]) -> Result<(bool, usize)> {
    let mut head = [0u8; 5];
    stream.read_exact(&mut head)?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if len > buffer.len() {
        return Err(format!("a token of {len} bytes, more than the {} of cbMaxToken", buffer.len()).into());
    }
    stream.read_exact(&mut buffer[..len])?;
    Ok((head[0] == 1, len))
}
