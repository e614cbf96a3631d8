//! Kerberos through GSSAPI against a real MIT KDC on loopback (scripts/kdc): MIT's krb5
//! mechanism, SPNEGO over it, and Heimdal's krb5 against the same realm, each a complete
//! initiator/acceptor exchange with its token sizes. Its own test binary, with one test, because
//! it sets the process environment (KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME) that the libraries read.
//!
//! The KDC is the one `scripts/with-kdc` runs around the test, or one the test starts and stops
//! (panic or not). Without krb5kdc the test prints one `skipped:` line, and fails under
//! SECPKG_REQUIRE_PROVIDERS=1.
#![cfg(all(unix, feature = "gssapi"))]

mod common;

use common::kdc::{self, Kdc};
use secpkg::Error;
use secpkg::gssapi::{
    Context, Credential, DEFAULT_FLAGS, Direction, Exchange, Gssapi, Leg, Name, NameType, TokenSize, Usage,
};
use secpkg::{Capabilities, PackageId};

const MIT: &str = "libgssapi_krb5.so.2";
const HEIMDAL: &str = "libgssapi.so.3";
const KRB5: &str = "1.2.840.113554.1.2.2";
const SPNEGO: &str = "1.3.6.1.5.5.2";
const GSS_C_MUTUAL_FLAG: u32 = 2;

fn skip(why: &str) {
    if common::providers_required() {
        panic!("SECPKG_REQUIRE_PROVIDERS=1, but {why}");
    }
    eprintln!("skipped: {why}");
}

fn load(soname: &str, package: &str) -> Option<Gssapi> {
    // SAFETY: the system's GSSAPI libraries, or a library that is missing, which loads nothing.
    match unsafe { Gssapi::load(soname) } {
        Ok(gssapi) => Some(gssapi),
        Err(error @ Error::GssapiLoad { .. }) => {
            skip(&format!("{soname} is not installed (Debian: apt install {package}): {error}"));
            None
        }
        Err(error) => panic!("{soname}: {error}"),
    }
}

fn sizes(tokens: &[TokenSize]) -> String {
    let leg = |t: &TokenSize| match t.direction {
        Direction::ToAcceptor => format!("initiator -> acceptor {} bytes", t.size),
        Direction::ToInitiator => format!("acceptor -> initiator {} bytes", t.size),
    };
    tokens.iter().map(leg).collect::<Vec<_>>().join(", ")
}

/// A Kerberos exchange with mutual authentication: AP-REQ, then AP-REP, both non-empty; both
/// sides on krb5, the acceptor seeing the realm's user.
fn assert_kerberos(what: &str, exchange: &Exchange, user: &str) {
    println!("{what}: {}; mechanism {}", sizes(&exchange.tokens), exchange.initiator_mechanism.oid);
    let directions: Vec<Direction> = exchange.tokens.iter().map(|t| t.direction).collect();
    assert_eq!(directions[..2], [Direction::ToAcceptor, Direction::ToInitiator], "{what}: {exchange:?}");
    assert!(exchange.tokens.iter().all(|t| t.size > 0), "{what}: {exchange:?}");
    for mechanism in [&exchange.initiator_mechanism, &exchange.acceptor_mechanism] {
        assert_eq!(mechanism.oid, KRB5, "{what}");
        assert_eq!(
            (mechanism.sspi_name, mechanism.package_id),
            (Some("Kerberos"), Some(PackageId::RPC_C_AUTHN_GSS_KERBEROS))
        );
        assert!(mechanism.capabilities.contains(Capabilities::MUTUAL_AUTH), "{what}: {}", mechanism.capabilities);
    }
    assert_eq!(exchange.initiator_name.as_deref(), Some(user), "{what}");
    assert_ne!(exchange.initiator_flags & GSS_C_MUTUAL_FLAG, 0, "{what}: {:#x}", exchange.initiator_flags);
    assert_ne!(exchange.acceptor_flags & GSS_C_MUTUAL_FLAG, 0, "{what}: {:#x}", exchange.acceptor_flags);
}

/// The step API with explicit credentials (the ticket cache's for the initiator, the keytab's
/// key of the named service for the acceptor), leg by leg as Kerberos with mutual
/// authentication runs: AP-REQ, AP-REP, and the initiator completes with nothing more to send.
fn step_by_step(gssapi: &Gssapi, service: &str, user: &str) -> Vec<usize> {
    let target = Name::import(gssapi, service, NameType::KerberosPrincipal).unwrap();
    assert_eq!(target.display().unwrap(), service);
    let client = Credential::acquire(gssapi, Usage::Initiate, None, Some(KRB5)).unwrap();
    let server = Credential::acquire(gssapi, Usage::Accept, Some(&target), Some(KRB5)).unwrap();
    let initiator = Context::initiator(gssapi, &target, Some(&client), Some(KRB5), DEFAULT_FLAGS).unwrap();
    let acceptor = Context::acceptor(gssapi, Some(&server)).unwrap();
    let Leg::Continue(initiator, ap_req) = initiator.step(&[]).unwrap() else {
        panic!("the initiator completed without the AP-REP it asked for");
    };
    let Leg::Complete(accepted, ap_rep) = acceptor.step(&ap_req).unwrap() else {
        panic!("the acceptor needs more than the AP-REQ");
    };
    let Leg::Complete(initiated, rest) = initiator.step(&ap_rep).unwrap() else {
        panic!("the initiator needs more than the AP-REP");
    };
    assert!(rest.is_empty(), "{} bytes after the AP-REP", rest.len());
    assert_eq!(initiated.mechanism().oid, KRB5);
    assert_eq!(accepted.mechanism().oid, KRB5);
    assert_eq!(accepted.initiator_name(), Some(user));
    assert_eq!(initiated.initiator_name(), None, "only the acceptor learns a peer name");
    // The AP-REQ is an RFC 2743 initial context token: tag 0x60, then the krb5 OID.
    assert_eq!(ap_req[0], 0x60);
    let krb5_oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
    assert!(ap_req.windows(krb5_oid.len()).take(8).any(|w| w == krb5_oid), "{:02x?}", &ap_req[..16]);
    vec![ap_req.len(), ap_rep.len()]
}

/// An initiator of one library and an acceptor of another, each with its default credential.
fn across(initiating: &Gssapi, accepting: &Gssapi, user: &str) -> Vec<usize> {
    let target = Name::import(initiating, "host@localhost", NameType::HostBasedService).unwrap();
    let initiator = Context::initiator(initiating, &target, None, Some(KRB5), DEFAULT_FLAGS).unwrap();
    let acceptor = Context::acceptor(accepting, None).unwrap();
    let Leg::Continue(initiator, ap_req) = initiator.step(&[]).unwrap() else { panic!("no AP-REP asked for") };
    let Leg::Complete(accepted, ap_rep) = acceptor.step(&ap_req).unwrap() else { panic!("the acceptor needs more") };
    let Leg::Complete(initiated, rest) = initiator.step(&ap_rep).unwrap() else { panic!("the initiator needs more") };
    assert!(rest.is_empty());
    assert_eq!((initiated.mechanism().oid.as_str(), accepted.mechanism().oid.as_str()), (KRB5, KRB5));
    assert_eq!(accepted.initiator_name(), Some(user));
    vec![ap_req.len(), ap_rep.len()]
}

#[test]
#[cfg_attr(secpkg_no_krb5kdc, ignore = "needs MIT's KDC (Debian: apt install krb5-kdc krb5-admin-server krb5-user)")]
fn kerberos_against_a_real_kdc() {
    if std::env::var_os("SECPKG_KDC_DIR").is_none() && !kdc::installed() {
        skip("krb5kdc is not installed (Debian: apt install krb5-kdc krb5-admin-server krb5-user)");
        return;
    }
    let kdc = Kdc::start();
    for (name, value) in &kdc.env {
        // SAFETY: this binary's only test runs on one thread, before any library reads it.
        unsafe { std::env::set_var(name, value) };
    }
    let (user, service) = (kdc.var("SECPKG_KDC_USER").to_owned(), kdc.var("SECPKG_KDC_SERVICE").to_owned());
    let pid = kdc.pid();
    // Every Kerberos token of the exchanges below, for the SSPI figure at the end.
    let mut kerberos_tokens: Vec<usize> = Vec::new();

    if let Some(mit) = load(MIT, "libgssapi-krb5-2") {
        let krb5 = mit.exchange("host@localhost", NameType::HostBasedService, Some(KRB5)).unwrap();
        assert_kerberos("MIT krb5, host@localhost", &krb5, &user);
        assert_eq!(krb5.tokens.len(), 2, "AP-REQ and AP-REP: {krb5:?}");
        // The library's default mechanism, and the principal name type, reach the same service.
        let default = mit.exchange(&service, NameType::KerberosPrincipal, None).unwrap();
        assert_kerberos("MIT default mechanism, principal name", &default, &user);
        kerberos_tokens.extend(krb5.tokens.iter().chain(&default.tokens).map(|t| t.size));

        let sizes = step_by_step(&mit, &service, &user);
        println!("MIT krb5 step by step: {sizes:?}");
        assert_eq!(sizes.len(), 2, "{sizes:?}");
        // The same ticket, so the same sizes but for the authenticator's and the AP-REP's own
        // fields: their time (cusec) and sequence number are DER integers whose width varies by
        // a byte or two from one exchange to the next (697 and 696 seen).
        let whole: Vec<usize> = krb5.tokens.iter().map(|t| t.size).collect();
        assert!(
            sizes.iter().zip(&whole).all(|(&a, &b)| a.abs_diff(b) <= 8),
            "the same ticket, sizes within 8 bytes: {sizes:?} and {whole:?}"
        );

        // Several threads at once, each with its own names and contexts (they are neither Send
        // nor Sync), over the one library, as `Gssapi: Sync` allows.
        std::thread::scope(|scope| {
            let runs: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..3)
                            .map(|_| mit.exchange("host@localhost", NameType::HostBasedService, Some(KRB5)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for run in runs {
                for exchange in run.join().unwrap() {
                    assert_kerberos("MIT krb5, 4 threads", &exchange.unwrap(), &user);
                }
            }
        });

        if mit.mechanisms().unwrap().iter().any(|m| m.oid == SPNEGO) {
            let spnego = mit.exchange("host@localhost", NameType::HostBasedService, Some(SPNEGO)).unwrap();
            // The context reports the mechanism SPNEGO negotiated, Kerberos, as SSPI's
            // Negotiate reports the package it chose.
            assert_kerberos("MIT SPNEGO", &spnego, &user);
            assert!(
                spnego.tokens[0].size > krb5.tokens[0].size,
                "SPNEGO's NegTokenInit wraps the AP-REQ: {} vs {}",
                spnego.tokens[0].size,
                krb5.tokens[0].size
            );
        } else {
            skip("MIT offers no SPNEGO");
        }

        // A service the realm does not have: the KDC refuses the ticket, and the error names the call.
        let error = mit.exchange("nosuch@localhost", NameType::HostBasedService, Some(KRB5)).unwrap_err();
        assert!(matches!(error, Error::Gssapi { call: "gss_init_sec_context", .. }), "{error:?}");
        // MIT's words for the minor status, with the principal it looked up.
        let text = error.to_string();
        assert!(text.contains("nosuch/localhost@SECPKG.TEST not found in Kerberos database"), "{text}");
        println!("MIT, unknown service: {error}");
        // A name type's text it cannot hold is refused before any call.
        let error = Name::import(&mit, "host\0@localhost", NameType::HostBasedService).unwrap_err();
        assert!(matches!(error, Error::InvalidName { .. }), "{error:?}");
        let error = mit.exchange("host@localhost", NameType::HostBasedService, Some("1.2.x")).unwrap_err();
        assert!(matches!(&error, Error::InvalidName { name, .. } if name == "1.2.x"), "{error:?}");
    }

    if let Some(heimdal) = load(HEIMDAL, "libgssapi3-heimdal") {
        // Heimdal reads the same krb5.conf, MIT's ticket cache and the keytab.
        let krb5 = heimdal.exchange("host@localhost", NameType::HostBasedService, Some(KRB5)).unwrap();
        assert_kerberos("Heimdal krb5", &krb5, &user);
        kerberos_tokens.extend(krb5.tokens.iter().map(|t| t.size));
        // One library's initiator and the other's acceptor speak the same protocol.
        if let Some(mit) = load(MIT, "libgssapi-krb5-2") {
            // But neither reads the other's objects.
            let name = Name::import(&mit, "host@localhost", NameType::HostBasedService).unwrap();
            let error = Context::initiator(&heimdal, &name, None, None, DEFAULT_FLAGS).unwrap_err();
            assert!(
                matches!(&error, Error::GssapiForeign { object: "name", library } if library == HEIMDAL),
                "{error:?}"
            );
            for (initiator, acceptor, what) in [(&mit, &heimdal, "MIT to Heimdal"), (&heimdal, &mit, "Heimdal to MIT")]
            {
                let sizes = across(initiator, acceptor, &user);
                println!("{what}: {sizes:?}");
                assert!(sizes.iter().all(|&size| size > 0), "{what}: {sizes:?}");
            }
        }
    }

    // GSSAPI advertises no maximum token size; where this host's SSPI provider lists Kerberos,
    // its cbMaxToken is the figure a client would size its buffers by.
    match secpkg::query("Kerberos") {
        Ok(info) => {
            let largest = kerberos_tokens.iter().copied().max().unwrap_or(0);
            println!("largest GSSAPI Kerberos token {largest} bytes; SSPI Kerberos cbMaxToken {}", info.max_token);
            assert!(largest <= info.max_token as usize, "{largest} > cbMaxToken {}", info.max_token);
        }
        Err(error) => println!("no SSPI Kerberos to compare token sizes with: {error}"),
    }

    drop(kdc);
    if std::env::var_os("SECPKG_KDC_DIR").is_none() {
        // The KDC this test started is gone, not left behind.
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        assert_ne!(comm.trim(), "krb5kdc", "krb5kdc {pid} still runs after the KDC was dropped");
    }
}
