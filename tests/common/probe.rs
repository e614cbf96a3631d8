//! Which real providers this machine has, found by the build scripts of secpkg (build.rs) and
//! secpkg-cli (cli/build.rs) for their tests: a test that needs a missing one is
//! `#[cfg_attr(secpkg_no_…, ignore = "needs …")]`, so that cargo's own summary counts it as
//! ignored, with the package to install as the reason (a `skipped:` line on stderr is hidden by
//! cargo for a test that passes).
//!
//! Each cfg says a provider is missing, so a build without this probe (a packaged crate, another
//! build system) runs every test, and the tests' own run-time checks still skip or fail. Under
//! `SECPKG_REQUIRE_PROVIDERS=1` (CI) no such cfg is set: every test runs, and one whose provider
//! is missing fails with its own message rather than being ignored.
//!
//! A library counts as present when a file the dynamic loader would find for its soname (in
//! ldconfig's cache or the usual directories) is an ELF object. The probe reads files only: it
//! loads no library, so no provider code runs at build time. It runs again when ldconfig's cache
//! changes (installing or removing a library updates it) or SECPKG_REQUIRE_PROVIDERS does.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cfgs set for what is missing, each with what provides it.
const PROBES: [(&str, &[&str]); 3] = [
    // secpkg::UNIX_PROVIDERS: FreeRDP's WinPR 3, then 2.
    ("secpkg_no_winpr", &["libwinpr3.so.3", "libwinpr2.so.2"]),
    ("secpkg_no_mit_gssapi", &["libgssapi_krb5.so.2"]),
    ("secpkg_no_heimdal_gssapi", &["libgssapi.so.3"]),
];

/// Where Debian's krb5-kdc puts the KDC that scripts/kdc runs (tests/gssapi_kdc.rs).
const KDC_PROGRAMS: [&str; 2] = ["/usr/sbin/krb5kdc", "/usr/local/sbin/krb5kdc"];

/// gss-ntlmssp's OID, as its /etc/gss/mech.d entry names it for MIT.
const NTLMSSP_OID: &str = "1.3.6.1.4.1.311.2.2.10";

/// Prints the build script's instructions to cargo.
pub fn emit() {
    println!("cargo::rerun-if-env-changed=SECPKG_REQUIRE_PROVIDERS");
    // /usr/sbin changes when krb5-kdc is installed or removed.
    for cache in ["/etc/ld.so.cache", "/etc/gss/mech.d", "/usr/sbin"] {
        if Path::new(cache).exists() {
            println!("cargo::rerun-if-changed={cache}");
        }
    }
    let cfgs = PROBES.iter().map(|(cfg, _)| *cfg).chain(["secpkg_no_ntlmssp", "secpkg_no_krb5kdc"]);
    for cfg in cfgs.clone() {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    let required = std::env::var_os("SECPKG_REQUIRE_PROVIDERS").is_some_and(|v| v == "1");
    // Only a Unix build for this machine runs the tests here: a Windows build's tests use secur32
    // (Wine's in CI), which is always there.
    let native = std::env::var("TARGET").ok() == std::env::var("HOST").ok();
    if required || !native || std::env::var("CARGO_CFG_TARGET_FAMILY").as_deref() != Ok("unix") {
        return;
    }
    let loader_files = loader_files();
    for (cfg, sonames) in PROBES {
        if !sonames.iter().any(|soname| loader_files.iter().any(|(name, path)| name == soname && is_elf(path))) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
    if !ntlmssp_configured() {
        println!("cargo::rustc-cfg=secpkg_no_ntlmssp");
    }
    if !KDC_PROGRAMS.iter().any(|path| is_elf(Path::new(path))) {
        println!("cargo::rustc-cfg=secpkg_no_krb5kdc");
    }
}

/// Every (soname, file) the dynamic loader could load: ldconfig's cache, then the usual
/// directories.
fn loader_files() -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for ldconfig in ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"] {
        let Ok(output) = Command::new(ldconfig).arg("-p").output() else { continue };
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if let Some((left, path)) = line.split_once(" => ")
                && let Some(name) = left.split_whitespace().next()
            {
                files.push((name.to_owned(), PathBuf::from(path.trim())));
            }
        }
        break;
    }
    for dir in ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"] {
        for (_, sonames) in PROBES {
            files.extend(sonames.iter().map(|soname| (soname.to_string(), Path::new(dir).join(soname))));
        }
    }
    files
}

/// Whether `path` is an ELF object (a file hidden by binding /dev/null over it is not).
fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0; 4];
    std::fs::File::open(path).and_then(|mut file| file.read_exact(&mut magic)).is_ok() && magic == *b"\x7fELF"
}

/// The mech.d entry gss-ntlmssp installs for MIT, naming a plugin that is an ELF object.
fn ntlmssp_configured() -> bool {
    let entries = std::fs::read_dir("/etc/gss/mech.d").into_iter().flatten().flatten().map(|entry| entry.path());
    entries.chain([PathBuf::from("/etc/gss/mech")]).any(|path| {
        std::fs::read_to_string(path).unwrap_or_default().lines().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            !line.starts_with('#') && fields.len() >= 3 && fields[1] == NTLMSSP_OID && is_elf(Path::new(fields[2]))
        })
    })
}
