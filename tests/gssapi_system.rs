//! `secpkg::gssapi` over the real libraries: MIT Kerberos (libgssapi-krb5-2), its NTLM plugin
//! (gss-ntlmssp) and Heimdal (libgssapi3-heimdal). A library is found by loading its soname; the
//! NTLM plugin by its mech.d entry. Every fact is checked against a second, direct call path.
#![cfg(all(unix, feature = "gssapi"))]

mod common;

use secpkg::gssapi::{Gssapi, Mechanism, SYSTEM_LIBRARIES, oid_to_string};
use secpkg::{Capabilities, Capability, Error, PackageId};
use secpkg_gssapi_sys::*;
use std::ptr::null_mut;

/// A library the test needs is missing: a failure when CI requires every provider
/// (`SECPKG_REQUIRE_PROVIDERS=1`), else one `skipped: …` line; the caller then returns.
fn skip(why: &str) {
    if std::env::var_os("SECPKG_REQUIRE_PROVIDERS").is_some_and(|v| v == "1") {
        panic!("SECPKG_REQUIRE_PROVIDERS=1, but {why}");
    }
    eprintln!("skipped: {why}");
}

const MIT: &str = "libgssapi_krb5.so.2";
const HEIMDAL: &str = "libgssapi.so.3";
const KRB5: &str = "1.2.840.113554.1.2.2";
const IAKERB: &str = "1.3.6.1.5.2.5";
const SPNEGO: &str = "1.3.6.1.5.5.2";
const NTLM: &str = "1.3.6.1.4.1.311.2.2.10";

/// The library, or None after `skipped: …` (a failure under SECPKG_REQUIRE_PROVIDERS=1).
fn load(soname: &str, package: &str) -> Option<Gssapi> {
    // SAFETY: the system's GSSAPI libraries, or a library without the GSSAPI symbols, which is
    // refused before any call.
    match unsafe { Gssapi::load(soname) } {
        Ok(gssapi) => Some(gssapi),
        Err(error @ Error::GssapiLoad { .. }) => {
            skip(&format!("{soname} is not installed (Debian: apt install {package}): {error}"));
            None
        }
        Err(error) => panic!("{soname}: {error}"),
    }
}

fn find<'a>(mechanisms: &'a [Mechanism], oid: &str) -> &'a Mechanism {
    mechanisms.iter().find(|m| m.oid == oid).unwrap_or_else(|| panic!("{oid} missing from {mechanisms:#?}"))
}

/// A mechanism as the direct path sees it: OID, the three SASL texts, the attribute names.
type Direct = (String, [Option<String>; 3], Vec<String>);

/// Each mechanism of the library at `soname`, read by calling its functions directly (with the
/// attributes' descriptions requested too, unlike secpkg), releasing by hand.
fn direct(soname: &str) -> Vec<Direct> {
    // SAFETY: a GSSAPI library; the symbols below have the RFC 2744/5587/5801 signatures of `sys`.
    unsafe {
        let library = libloading::Library::new(soname).unwrap();
        let indicate: IndicateMechsFn = *library.get(b"gss_indicate_mechs\0").unwrap();
        let release_set: ReleaseOidSetFn = *library.get(b"gss_release_oid_set\0").unwrap();
        let release_buffer: ReleaseBufferFn = *library.get(b"gss_release_buffer\0").unwrap();
        let sasl: InquireSaslnameForMechFn = *library.get(b"gss_inquire_saslname_for_mech\0").unwrap();
        let attrs: InquireAttrsForMechFn = *library.get(b"gss_inquire_attrs_for_mech\0").unwrap();
        let display: DisplayMechAttrFn = *library.get(b"gss_display_mech_attr\0").unwrap();
        let empty = || gss_buffer_desc { length: 0, value: null_mut() };
        let mut take = |buffer: &mut gss_buffer_desc| {
            let text = (!buffer.value.is_null()).then(|| {
                let bytes = std::slice::from_raw_parts(buffer.value.cast::<u8>(), buffer.length);
                String::from_utf8(bytes.to_vec()).unwrap()
            });
            let mut minor = 0;
            assert_eq!(release_buffer(&mut minor, buffer), GSS_S_COMPLETE);
            text.filter(|t| !t.is_empty())
        };
        let oid = |desc: &gss_OID_desc| {
            let bytes = std::slice::from_raw_parts(desc.elements.cast::<u8>(), desc.length as usize);
            oid_to_string(bytes).unwrap()
        };
        let (mut minor, mut mechs): (u32, gss_OID_set) = (0, null_mut());
        assert_eq!(indicate(&mut minor, &mut mechs), GSS_S_COMPLETE);
        let mut out = Vec::new();
        for i in 0..(*mechs).count {
            let mech = (*mechs).elements.add(i);
            let mut texts = [empty(), empty(), empty()];
            let [a, b, c] = texts.each_mut().map(|t| t as *mut gss_buffer_desc);
            assert_eq!(sasl(&mut minor, mech, a, b, c), GSS_S_COMPLETE, "{}", oid(&*mech));
            let names = texts.each_mut().map(&mut take);
            let (mut set, mut known): (gss_OID_set, gss_OID_set) = (null_mut(), null_mut());
            assert_eq!(attrs(&mut minor, mech, &mut set, &mut known), GSS_S_COMPLETE);
            let mut attributes = Vec::new();
            for j in 0..if set.is_null() { 0 } else { (*set).count } {
                let mut descs = [empty(), empty(), empty()];
                let [n, s, l] = descs.each_mut().map(|t| t as *mut gss_buffer_desc);
                assert_eq!(display(&mut minor, (*set).elements.add(j), n, s, l), GSS_S_COMPLETE);
                let [name, ..] = descs.each_mut().map(&mut take);
                attributes.push(name.unwrap());
            }
            for s in [&mut set, &mut known] {
                if !s.is_null() {
                    assert_eq!(release_set(&mut minor, s), GSS_S_COMPLETE);
                }
            }
            out.push((oid(&*mech), names, attributes));
        }
        assert_eq!(release_set(&mut minor, &mut mechs), GSS_S_COMPLETE);
        out
    }
}

/// secpkg's mechanisms agree with the direct path, field by field and in order.
fn assert_agrees(gssapi: &Gssapi, soname: &str) -> Vec<Mechanism> {
    let mechanisms = gssapi.mechanisms().unwrap();
    assert!(!mechanisms.is_empty(), "{soname} lists no mechanism");
    let ours: Vec<Direct> = mechanisms
        .iter()
        .map(|m| {
            (m.oid.clone(), [m.sasl_name.clone(), m.mech_name.clone(), m.description.clone()], m.attributes.clone())
        })
        .collect();
    assert_eq!(ours, direct(soname));
    for m in &mechanisms {
        assert_eq!(m.capabilities, secpkg::gssapi::capabilities_of(&m.attributes), "{}", m.oid);
        assert!(m.attributes.iter().all(|a| a.starts_with("GSS_C_MA_")), "{}: {:?}", m.oid, m.attributes);
    }
    mechanisms
}

#[test]
#[cfg_attr(secpkg_no_mit_gssapi, ignore = "needs MIT Kerberos's GSSAPI (Debian: apt install libgssapi-krb5-2)")]
fn mit_offers_krb5_iakerb_and_spnego() {
    let Some(mit) = load(MIT, "libgssapi-krb5-2") else {
        return;
    };
    assert_eq!(mit.library_name(), MIT);
    let mechanisms = assert_agrees(&mit, MIT);

    let krb5 = find(&mechanisms, KRB5);
    assert_eq!((krb5.sasl_name.as_deref(), krb5.mech_name.as_deref()), (Some("GS2-KRB5"), Some("krb5")));
    assert_eq!((krb5.sspi_name, krb5.package_id), (Some("Kerberos"), Some(PackageId::RPC_C_AUTHN_GSS_KERBEROS)));
    for capability in [Capability::Integrity, Capability::Privacy, Capability::MutualAuth, Capability::Delegation] {
        assert!(krb5.capabilities.contains(capability.set()), "krb5 lacks {capability}: {}", krb5.capabilities);
    }
    let iakerb = find(&mechanisms, IAKERB);
    assert_eq!((iakerb.sasl_name.as_deref(), iakerb.sspi_name), (Some("GS2-IAKERB"), None));
    let spnego = find(&mechanisms, SPNEGO);
    assert_eq!((spnego.sspi_name, spnego.package_id), (Some("Negotiate"), Some(PackageId::RPC_C_AUTHN_GSS_NEGOTIATE)));
    assert!(spnego.attributes.contains(&"GSS_C_MA_MECH_NEGO".to_owned()));
}

/// The mech.d entry gss-ntlmssp installs for MIT, naming a plugin that exists.
fn ntlmssp_configured() -> bool {
    let files = std::fs::read_dir("/etc/gss/mech.d").into_iter().flatten().flatten().map(|e| e.path());
    files.chain([std::path::PathBuf::from("/etc/gss/mech")]).any(|path| {
        std::fs::read_to_string(path).unwrap_or_default().lines().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            !line.starts_with('#') && fields.len() >= 3 && fields[1] == NTLM && std::path::Path::new(fields[2]).exists()
        })
    })
}

#[test]
#[cfg_attr(
    any(secpkg_no_mit_gssapi, secpkg_no_ntlmssp),
    ignore = "needs MIT Kerberos's GSSAPI and gss-ntlmssp (Debian: apt install libgssapi-krb5-2 gss-ntlmssp)"
)]
fn mit_offers_ntlm_when_gss_ntlmssp_is_installed() {
    let Some(mit) = load(MIT, "libgssapi-krb5-2") else {
        return;
    };
    if !ntlmssp_configured() {
        skip(&format!("gss-ntlmssp is not installed (no /etc/gss/mech.d entry for {NTLM})"));
        return;
    }
    let mechanisms = assert_agrees(&mit, MIT);
    let ntlm = find(&mechanisms, NTLM);
    assert_eq!((ntlm.sspi_name, ntlm.package_id), (Some("NTLM"), Some(PackageId::RPC_C_AUTHN_WINNT)));
    assert_eq!(ntlm.sasl_name.as_deref(), Some("GS2-NTLM"));
    assert_eq!(ntlm.capabilities, Capability::Integrity | Capability::Privacy);
    assert!(!ntlm.capabilities.contains(Capabilities::GSS_COMPATIBLE), "NTLM's tokens are not RFC 2743 framed");
}

#[test]
#[cfg_attr(secpkg_no_heimdal_gssapi, ignore = "needs Heimdal's GSSAPI (Debian: apt install libgssapi3-heimdal)")]
fn heimdal_offers_mechanisms_too() {
    let Some(heimdal) = load(HEIMDAL, "libgssapi3-heimdal") else {
        return;
    };
    let mechanisms = assert_agrees(&heimdal, HEIMDAL);
    let krb5 = find(&mechanisms, KRB5);
    assert_eq!(krb5.sasl_name.as_deref(), Some("GS2-KRB5"));
    assert!(krb5.capabilities.contains(Capabilities::PRIVACY) && krb5.capabilities.contains(Capabilities::MUTUAL_AUTH));
    assert_eq!(find(&mechanisms, SPNEGO).sspi_name, Some("Negotiate"));
}

#[test]
#[cfg_attr(
    all(secpkg_no_mit_gssapi, secpkg_no_heimdal_gssapi),
    ignore = "needs a GSSAPI library (Debian: apt install libgssapi-krb5-2 or libgssapi3-heimdal)"
)]
fn the_system_library_is_the_first_that_loads() {
    // SAFETY: the system's GSSAPI libraries, or a library without the GSSAPI symbols, which is
    // refused before any call.
    let Some(first) = SYSTEM_LIBRARIES.iter().find(|name| unsafe { Gssapi::load(name) }.is_ok()) else {
        skip(&format!("none of {SYSTEM_LIBRARIES:?} is installed"));
        return;
    };
    let system = Gssapi::system().unwrap();
    assert_eq!(system.library_name(), *first);
    // SAFETY: the system's GSSAPI libraries, or a library without the GSSAPI symbols, which is
    // refused before any call.
    assert_eq!(secpkg::gssapi::mechanisms().unwrap(), unsafe { Gssapi::load(first) }.unwrap().mechanisms().unwrap());
}

#[test]
fn a_library_that_is_not_gssapi_is_refused_by_name() {
    // glibc's C library loads, and has no gss_indicate_mechs.
    if cfg!(target_os = "linux") {
        // SAFETY: the system's GSSAPI libraries, or a library without the GSSAPI symbols, which is
        // refused before any call.
        let error = unsafe { Gssapi::load("libc.so.6") }.unwrap_err();
        assert!(matches!(&error, Error::GssapiLoad { path, .. } if path.as_os_str() == "libc.so.6"), "{error:?}");
        let sources = common::sources(&error);
        assert!(sources.contains("gss_indicate_mechs"), "{sources}");
    }
    // SAFETY: the system's GSSAPI libraries, or a library without the GSSAPI symbols, which is
    // refused before any call.
    let error = unsafe { Gssapi::load("/nonexistent/libgssapi.so") }.unwrap_err();
    assert_eq!(error.to_string(), "cannot load the GSSAPI library /nonexistent/libgssapi.so");
}
