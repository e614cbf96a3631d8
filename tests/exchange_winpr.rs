//! Complete exchanges on WinPR through safe secpkg only: client and server in one process, NTLM
//! and Negotiate (whose server is NTLM in WinPR 2.11, and whose client falls back to NTLM without
//! a Kerberos ticket), the server's account in a SAM file the test writes with `winpr-hash`
//! (WinPR's NTLM server reads one: see `ServerContext::with_winpr_sam_file`). WinPR's only: a
//! Windows build (secur32, Wine's in CI) has no SAM file to point at, nor winpr-hash.
#![cfg(unix)]

mod common;

use secpkg::{
    ClientContext, ClientRequests, CredentialUse, Credentials, Error, Identity, Operation, PackageInfo, Provider,
    ServerContext, Status,
};
use std::path::{Path, PathBuf};
use std::process::Command;

const USER: &str = "alice";
const DOMAIN: &str = "EXAMPLE";
const PASSWORD: &str = "S3cret!-secpkg";

fn system() -> Option<Provider> {
    match Provider::system() {
        Ok(provider) => Some(provider),
        Err(error @ (Error::NoProvider { .. } | Error::Load { .. })) => {
            if common::providers_required() {
                panic!("SECPKG_REQUIRE_PROVIDERS=1, but there is no system provider: {error}");
            }
            eprintln!("skipped: no system SSPI provider: {error}");
            None
        }
        Err(error) => panic!("the system provider failed: {error}"),
    }
}

/// A directory of this test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("secpkg-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A SAM file in `dir` with the test's account, the line `winpr-hash -f sam` (Debian's
/// winpr-utils) prints for it; `None` (skipped) when winpr-hash does not run.
fn sam_file(dir: &Path) -> Option<PathBuf> {
    let args = ["-u", USER, "-p", PASSWORD, "-d", DOMAIN, "-f", "sam"];
    let output = match Command::new("winpr-hash").args(args).output() {
        Ok(output) if output.status.success() => output,
        other => {
            if common::providers_required() {
                panic!(
                    "SECPKG_REQUIRE_PROVIDERS=1, but winpr-hash (Debian: apt install winpr-utils) failed: {other:?}"
                );
            }
            eprintln!("skipped: winpr-hash (Debian: apt install winpr-utils) does not run: {other:?}");
            return None;
        }
    };
    let line = String::from_utf8(output.stdout).unwrap();
    assert!(line.starts_with(&format!("{USER}:{DOMAIN}:")), "winpr-hash printed {line:?}");
    let path = dir.join("SAM");
    std::fs::write(&path, line).unwrap();
    Some(path)
}

/// What one exchange showed.
#[derive(Debug)]
struct Exchanged {
    /// Every token sent, in order, with its length.
    tokens: Vec<usize>,
    client_buffer: usize,
    server_buffer: usize,
    client_max_token: u32,
    server_max_token: u32,
    client_package: Result<PackageInfo, Error>,
    server_package: Result<PackageInfo, Error>,
}

/// The credentials of both sides for `package`, the client's as `password`.
fn credentials<'p>(provider: &'p Provider, package: &str, password: &str) -> (Credentials<'p>, Credentials<'p>) {
    let identity = Identity::new(USER, DOMAIN, password);
    let client = provider.acquire_credentials(package, CredentialUse::SECPKG_CRED_OUTBOUND, Some(&identity)).unwrap();
    let server = provider.acquire_credentials(package, CredentialUse::SECPKG_CRED_INBOUND, None).unwrap();
    (client, server)
}

/// Runs client and server legs in turn until both are done: the first error is returned with
/// the side and leg it came from.
fn run(client: &mut ClientContext<'_>, server: &mut ServerContext<'_>) -> Result<Vec<usize>, (String, Error)> {
    let mut tokens = Vec::new();
    let mut to_client: Option<Vec<u8>> = None;
    loop {
        let to_server = match client.step(to_client.as_deref()) {
            Ok(step) => step.token().map(<[u8]>::to_vec),
            Err(error) => return Err((format!("client leg {}", client.legs()), error)),
        };
        let Some(token) = to_server else { break };
        tokens.push(token.len());
        to_client = match server.step(&token) {
            Ok(step) => step.token().map(<[u8]>::to_vec),
            Err(error) => return Err((format!("server leg {}", server.legs()), error)),
        };
        match &to_client {
            Some(token) => tokens.push(token.len()),
            None if client.is_complete() => break,
            None => {}
        }
    }
    Ok(tokens)
}

fn exchange(provider: &Provider, package: &str, sam: &Path) -> Exchanged {
    let (client_credentials, server_credentials) = credentials(provider, package, PASSWORD);
    let mut client = ClientContext::new(&client_credentials, Some("HOST/localhost")).unwrap();
    let mut server = ServerContext::new(&server_credentials).unwrap().with_winpr_sam_file(sam).unwrap();
    let tokens = run(&mut client, &mut server).unwrap_or_else(|(leg, error)| panic!("{package}: {leg}: {error}"));
    assert!(client.is_complete() && server.is_complete(), "{package}: client {client:?}, server {server:?}");
    let exchanged = Exchanged {
        tokens,
        client_buffer: client.token_buffer_size(),
        server_buffer: server.token_buffer_size(),
        client_max_token: client.sizes().unwrap().max_token,
        server_max_token: server.sizes().unwrap().max_token,
        client_package: client.package_info(),
        server_package: server.package_info(),
    };
    client.close().unwrap();
    server.close().unwrap();
    client_credentials.close().unwrap();
    server_credentials.close().unwrap();
    exchanged
}

/// The context's package is the listed record, or (WinPR 2.11) the provider does not say:
/// its NTLM's QueryContextAttributesW knows SECPKG_ATTR_SIZES but not SECPKG_ATTR_PACKAGE_INFO
/// (winpr/libwinpr/sspi/NTLM/ntlm.c, `ntlm_QueryContextAttributesW`: "TODO: Implement"), and
/// its Negotiate forwards the query to NTLM.
fn assert_context_package(side: &str, package: &Result<PackageInfo, Error>, listed: &PackageInfo) {
    match package {
        Ok(package) => assert_eq!(package, listed, "{side}"),
        Err(error) => {
            assert_eq!(error.status(), Some(Status::SEC_E_NOT_SUPPORTED), "{side}: {error}");
            eprintln!("{side}: the provider does not say its package: {error}");
        }
    }
}

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn ntlm_exchange_completes_with_tokens_within_max_token() {
    let Some(provider) = system() else { return };
    let dir = TempDir::new("ntlm");
    let Some(sam) = sam_file(&dir.0) else { return };
    let listed = provider.query("NTLM").unwrap();
    let exchanged = exchange(&provider, "NTLM", &sam);
    eprintln!("NTLM: {exchanged:?}");
    // Negotiate, challenge, authenticate.
    assert_eq!(exchanged.tokens.len(), 3, "{exchanged:?}");
    assert_eq!(exchanged.client_buffer, listed.max_token as usize);
    assert_eq!(exchanged.server_buffer, listed.max_token as usize);
    for &len in &exchanged.tokens {
        assert!(len > 0 && len <= listed.max_token as usize, "a token of {len} bytes; cbMaxToken {}", listed.max_token);
        assert!(len <= exchanged.client_max_token as usize && len <= exchanged.server_max_token as usize);
    }
    assert_context_package("NTLM client", &exchanged.client_package, &listed);
    assert_context_package("NTLM server", &exchanged.server_package, &listed);
}

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn negotiate_exchange_completes_with_buffers_for_every_choosable_package() {
    let Some(provider) = system() else { return };
    let dir = TempDir::new("negotiate");
    let Some(sam) = sam_file(&dir.0) else { return };
    let negotiate = provider.query("Negotiate").unwrap();
    let ntlm = provider.query("NTLM").unwrap();
    let kerberos = provider.query("Kerberos").ok();
    let buffer = provider.token_buffer_size("Negotiate").unwrap();
    // The buffer holds a token of every package Negotiate can choose, Kerberos among them
    // (48000 on WinPR, beside Negotiate's own 12256); max_token keeps the provider's figure.
    assert!(buffer >= negotiate.max_token && buffer >= ntlm.max_token, "{buffer}");
    if let Some(kerberos) = &kerberos {
        assert!(buffer >= kerberos.max_token, "{buffer} < Kerberos' {}", kerberos.max_token);
    }
    assert_eq!(secpkg::max_token("Negotiate").unwrap(), negotiate.max_token);
    let exchanged = exchange(&provider, "Negotiate", &sam);
    eprintln!("Negotiate: {exchanged:?}");
    assert_eq!(exchanged.client_buffer, buffer as usize);
    assert_eq!(exchanged.server_buffer, buffer as usize);
    assert!(!exchanged.tokens.is_empty());
    for &len in &exchanged.tokens {
        // Within Negotiate's cbMaxToken and the negotiated NTLM's.
        assert!(len > 0 && len <= negotiate.max_token as usize && len <= ntlm.max_token as usize, "{len}");
        assert!(len <= exchanged.client_max_token as usize && len <= exchanged.server_max_token as usize);
    }
    // Negotiate chose NTLM here (WinPR 2.11's Negotiate server is NTLM only).
    assert_context_package("Negotiate client", &exchanged.client_package, &ntlm);
    assert_context_package("Negotiate server", &exchanged.server_package, &ntlm);
}

/// The account does come from the SAM file: a wrong password, and an account the file lacks,
/// fail the server's leg that reads the client's AUTHENTICATE message.
#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn the_server_checks_the_client_against_the_sam_file() {
    let Some(provider) = system() else { return };
    let dir = TempDir::new("sam");
    let Some(sam) = sam_file(&dir.0) else { return };
    let empty = dir.0.join("EMPTY");
    std::fs::write(&empty, "").unwrap();
    for package in ["NTLM", "Negotiate"] {
        let cases = [("wrong", &sam, Status::SEC_E_MESSAGE_ALTERED), (PASSWORD, &empty, Status::SEC_E_INTERNAL_ERROR)];
        for (password, file, expected) in cases {
            let (client_credentials, server_credentials) = credentials(&provider, package, password);
            let mut client = ClientContext::new(&client_credentials, None).unwrap();
            let mut server = ServerContext::new(&server_credentials).unwrap().with_winpr_sam_file(file).unwrap();
            let (leg, error) = run(&mut client, &mut server).expect_err(package);
            assert_eq!(leg, "server leg 2", "{package}: {error}");
            // WinPR reads the account when the server completes the AUTHENTICATE message
            // (CompleteAuthToken after SEC_I_COMPLETE_NEEDED): a wrong password fails the
            // message's MIC, an account the file lacks has no hash to check it with.
            assert_eq!(error.operation(), Some(Operation::CompleteAuthToken), "{package}: {error}");
            assert_eq!(error.status(), Some(expected), "{package}: {error}");
            eprintln!("{package}, password {password:?}, SAM {}: {error}", file.display());
            assert!(!server.is_complete());
            // The exchange is over: a further leg is refused without calling the provider.
            assert!(matches!(server.step(b"again"), Err(Error::ExchangeOver { .. })), "{package}");
            assert_eq!(server.legs(), 2);
        }
    }
}

/// What secpkg refuses before any call, and after the end.
#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn contexts_refuse_what_would_break_the_buffer_rules() {
    let Some(provider) = system() else { return };
    let dir = TempDir::new("rules");
    let Some(sam) = sam_file(&dir.0) else { return };
    let (client_credentials, server_credentials) = credentials(&provider, "NTLM", PASSWORD);
    let least = client_credentials.token_buffer_size();
    let client = || ClientContext::new(&client_credentials, None).unwrap();
    let refused = client().with_requests(ClientRequests::ALLOCATE_MEMORY | ClientRequests::CONNECTION).unwrap_err();
    assert!(matches!(refused, Error::InvalidArgument { argument: "requests", .. }), "{refused}");
    let refused = client().with_token_buffer_size(least - 1).unwrap_err();
    assert!(matches!(refused, Error::InvalidArgument { argument: "token buffer size", .. }), "{refused}");
    assert!(matches!(client().with_max_legs(0), Err(Error::InvalidArgument { .. })));
    let refused = ClientContext::new(&client_credentials, Some("HOST/a\0b")).unwrap_err();
    assert!(matches!(refused, Error::InvalidArgument { argument: "target", .. }), "{refused}");
    // No context before a leg.
    assert!(matches!(client().sizes(), Err(Error::ExchangeOver { .. })));

    // A larger buffer than needed works; the exchange ends, and a step after the end is refused.
    let mut client = client().with_token_buffer_size(least * 2).unwrap();
    assert_eq!(client.token_buffer_size(), least as usize * 2);
    let mut server = ServerContext::new(&server_credentials).unwrap().with_winpr_sam_file(&sam).unwrap();
    run(&mut client, &mut server).unwrap();
    assert!(client.is_complete() && server.is_complete());
    assert!(matches!(client.step(None), Err(Error::ExchangeOver { .. })));
    assert!(matches!(server.step(b"more"), Err(Error::ExchangeOver { .. })));

    // Two legs at most: NTLM's client needs two, its server two, so one is too few.
    let mut client = ClientContext::new(&client_credentials, None).unwrap().with_max_legs(1).unwrap();
    let mut server = ServerContext::new(&server_credentials).unwrap().with_winpr_sam_file(&sam).unwrap();
    let (leg, error) = run(&mut client, &mut server).unwrap_err();
    assert_eq!(leg, "client leg 1");
    assert!(matches!(error, Error::TooManyLegs { limit: 1 }), "{error}");
}

/// WinPR is not thread-safe (sspi_winpr.c's global buffer table, its handle allocations): every
/// call holds the library's lock, so exchanges on several threads at once all complete.
#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn exchanges_on_several_threads_complete() {
    let Some(provider) = system() else { return };
    let dir = TempDir::new("threads");
    let Some(sam) = sam_file(&dir.0) else { return };
    let ntlm = provider.query("NTLM").unwrap();
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let (provider, sam, ntlm) = (&provider, &sam, &ntlm);
                scope.spawn(move || {
                    for round in 0..25 {
                        let package = if (thread + round) % 2 == 0 { "NTLM" } else { "Negotiate" };
                        let exchanged = exchange(provider, package, sam);
                        assert!(exchanged.tokens.iter().all(|&len| len > 0 && len <= ntlm.max_token as usize));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    });
}
