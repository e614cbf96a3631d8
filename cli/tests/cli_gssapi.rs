//! `secpkg --gssapi` (list, show, caps) and the fallback to GSSAPI when there is no SSPI
//! provider, run as a child process against the host's libraries: MIT Kerberos (the default),
//! Heimdal (`SECPKG_GSSAPI_LIB=libgssapi.so.3`) and MIT's NTLM plugin (gss-ntlmssp). Each fact
//! the command prints is checked against `secpkg::gssapi` loading the same library.
//!
//! A missing library is a failure under `SECPKG_REQUIRE_PROVIDERS=1`, else one `skipped: …`
//! line. The fallback tests hide WinPR from the command by binding /dev/null over its files in a
//! private mount namespace (`unshare -rm`); where that is not allowed they print `skipped: …`.
mod common;

use common::bare;

use assert_cmd::Command;

/// Like [`common::failure_of`], and stderr is one line.
fn failure_of(command: &mut Command, code: i32) -> String {
    let stderr = common::failure_of(command, code);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[cfg(not(all(unix, feature = "gssapi")))]
#[test]
fn gssapi_is_a_usage_error_where_it_is_not_built() {
    for args in [&["list", "--gssapi"][..], &["show", "--gssapi", "krb5"], &["caps", "--gssapi"]] {
        let stderr = failure_of(bare().args(args), 2);
        assert!(stderr.starts_with("secpkg: --gssapi "), "{stderr}");
        assert!(stderr.contains(if cfg!(unix) { "feature `gssapi`" } else { "Unix only" }), "{stderr}");
    }
}

#[cfg(all(unix, feature = "gssapi"))]
mod gssapi {
    use super::{bare, common, failure_of};
    use assert_cmd::Command;
    use common::BIN;
    use secpkg::gssapi::{ATTRIBUTE_CAPABILITIES, Gssapi, Mechanism, UNMAPPED_ATTRIBUTES};
    use serde_json::{Value, json};
    use std::path::{Path, PathBuf};
    use std::process::Output;

    const MIT: &str = "libgssapi_krb5.so.2";
    const HEIMDAL: &str = "libgssapi.so.3";
    const KRB5: &str = "1.2.840.113554.1.2.2";
    const NTLM: &str = "1.3.6.1.4.1.311.2.2.10";

    /// A library or capability the test needs is missing: a failure when CI requires every
    /// provider (`SECPKG_REQUIRE_PROVIDERS=1`), else one `skipped: …` line; the caller returns.
    fn skip(why: &str) {
        assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but {why}");
        eprintln!("skipped: {why}");
    }

    /// The mechanisms of the library at `soname`, as the library crate reads them, or None after
    /// `skipped: …`.
    fn mechanisms(soname: &str, package: &str) -> Option<Vec<Mechanism>> {
        // SAFETY: a system GSSAPI library's soname.
        match unsafe { Gssapi::load(soname) } {
            Ok(gssapi) => Some(gssapi.mechanisms().unwrap()),
            Err(error) => {
                skip(&format!("{soname} is not installed (Debian: apt install {package}): {error}"));
                None
            }
        }
    }

    /// The command with `SECPKG_GSSAPI_LIB` naming `library`.
    fn secpkg(library: &str) -> Command {
        let mut command = bare();
        command.env("SECPKG_GSSAPI_LIB", library);
        command
    }

    fn stdout_of(command: &mut Command) -> String {
        let output = command.output().unwrap();
        assert!(output.status.success(), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
        assert!(output.stderr.is_empty(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    }

    fn json_of(command: &mut Command) -> Value {
        serde_json::from_str(&stdout_of(command)).unwrap()
    }

    /// The name the command gives a mechanism: its short name, else its SASL name, else its OID.
    fn name(mechanism: &Mechanism) -> &str {
        mechanism.mech_name.as_deref().or(mechanism.sasl_name.as_deref()).unwrap_or(&mechanism.oid)
    }

    /// PACKAGE for a mechanism, as the README documents it.
    fn expected_package(mechanism: &Mechanism) -> Value {
        let capabilities: Vec<&str> = mechanism.capabilities.flags().map(|flag| flag.name()).collect();
        json!({
            "name": name(mechanism),
            "comment": mechanism.description.as_deref().unwrap_or(""),
            "version": null,
            "rpc_id": mechanism.package_id.map(|id| id.value()),
            "max_token": null,
            "capabilities": capabilities,
            "capability_bits": mechanism.capabilities.bits(),
            "unknown_capability_bits": 0,
            "oid": mechanism.oid,
            "sasl_name": mechanism.sasl_name,
            "attributes": mechanism.attributes,
        })
    }

    /// One PACKAGE of the command's JSON is the mechanism's, field by field and in order.
    fn assert_package(actual: &Value, mechanism: &Mechanism) {
        let keys: Vec<&str> = actual.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, [&common::PACKAGE_FIELDS[..], &["oid", "sasl_name", "attributes"]].concat());
        assert_eq!(actual, &expected_package(mechanism), "{}", mechanism.oid);
    }

    /// `list --gssapi --json` (and `show --gssapi --json` of each mechanism, by each of its
    /// names) against the library `soname` as the library crate reads it.
    fn assert_json_agrees(soname: &str, mechanisms: &[Mechanism]) {
        let list = json_of(secpkg(soname).args(["list", "--gssapi", "--json"]));
        assert_eq!(list.as_object().unwrap().keys().collect::<Vec<_>>(), ["provider", "packages"]);
        assert_eq!(list["provider"], format!("gssapi:{soname}"));
        let packages = list["packages"].as_array().unwrap();
        assert_eq!(packages.len(), mechanisms.len(), "{list:#}");
        for (package, mechanism) in packages.iter().zip(mechanisms) {
            assert_package(package, mechanism);
            let mut names = vec![mechanism.oid.clone(), name(mechanism).to_uppercase(), name(mechanism).to_lowercase()];
            names.extend(mechanism.sasl_name.iter().map(|sasl| sasl.to_lowercase()));
            for wanted in names {
                let shown = json_of(secpkg(soname).args(["show", "--gssapi", "--json", &wanted]));
                assert_eq!(&shown, package, "show --gssapi {wanted}");
            }
        }
    }

    /// Each text line's words: the table's cells, as long as no cell has a space.
    fn words(line: &str) -> Vec<&str> {
        line.split_whitespace().collect()
    }

    // ---- list and show, MIT ----

    /// `list --gssapi --require` keeps the mechanisms whose mapped capabilities include every
    /// named one, for each flag `caps` prints.
    #[test]
    #[cfg_attr(secpkg_no_mit_gssapi, ignore = "needs MIT Kerberos's GSSAPI (Debian: apt install libgssapi-krb5-2)")]
    fn list_gssapi_require_keeps_the_mechanisms_with_every_capability() {
        let Some(mechanisms) = mechanisms(MIT, "libgssapi-krb5-2") else {
            return;
        };
        let mut some_kept_some_dropped = false;
        for flag in secpkg::Capability::ALL {
            let having: Vec<&Mechanism> = mechanisms.iter().filter(|m| m.capabilities.contains(flag.set())).collect();
            let output = secpkg(MIT).args(["list", "--gssapi", "--json", "--require", flag.name()]).output().unwrap();
            // No mechanism left: status 1 and a line saying so, and the empty list all the same.
            let stderr = String::from_utf8_lossy(&output.stderr);
            if having.is_empty() {
                assert_eq!(output.status.code(), Some(1), "--require {flag}: {stderr}");
                assert!(stderr.starts_with("secpkg: none of the ") && stderr.contains(flag.name()), "{stderr}");
            } else {
                assert!(output.status.success() && stderr.is_empty(), "--require {flag}: {stderr}");
            }
            let list: Value = serde_json::from_slice(&output.stdout).unwrap();
            let packages = list["packages"].as_array().unwrap();
            assert_eq!(packages.len(), having.len(), "--require {flag}: {list:#}");
            for (package, mechanism) in packages.iter().zip(&having) {
                assert_package(package, mechanism);
            }
            some_kept_some_dropped |= !having.is_empty() && having.len() < mechanisms.len();
        }
        assert!(some_kept_some_dropped, "no flag tells MIT's mechanisms apart");
    }

    #[test]
    #[cfg_attr(secpkg_no_mit_gssapi, ignore = "needs MIT Kerberos's GSSAPI (Debian: apt install libgssapi-krb5-2)")]
    fn list_gssapi_is_the_list_table_with_no_max_token_or_version() {
        let Some(mechanisms) = mechanisms(MIT, "libgssapi-krb5-2") else {
            return;
        };
        let stdout = stdout_of(secpkg(MIT).args(["list", "--gssapi"]));
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(words(lines[0]), ["NAME", "ID", "MAX", "TOKEN", "VERSION", "CAPABILITIES"], "{stdout}");
        assert_eq!(lines.len(), mechanisms.len() + 1, "{stdout}");
        for (line, mechanism) in lines[1..].iter().zip(&mechanisms) {
            let known = mechanism.capabilities.flags().len();
            let mut expected = vec![name(mechanism).to_owned()];
            match mechanism.package_id {
                Some(id) => {
                    expected.extend([id.value().to_string(), id.sdk_name().unwrap().replace("RPC_C_AUTHN_", "")])
                }
                None => expected.push("-".to_owned()),
            }
            expected.extend(["-".to_owned(), "-".to_owned()]);
            expected.push(format!("{:#010x}", mechanism.capabilities.bits()));
            expected.push(format!("({known}"));
            expected.push(if known == 1 { "flag)" } else { "flags)" }.to_owned());
            assert_eq!(words(line), expected, "{stdout}");
        }
        let krb5 = lines.iter().find(|line| line.starts_with("krb5 ")).unwrap();
        assert_eq!(words(krb5), ["krb5", "16", "GSS_KERBEROS", "-", "-", "0x00031003", "(5", "flags)"], "{stdout}");
        let iakerb = lines.iter().find(|line| line.starts_with("iakerb ")).unwrap();
        assert_eq!(&words(iakerb)[..4], ["iakerb", "-", "-", "-"], "{stdout}");

        // --long: the description and every capability name.
        let long = stdout_of(secpkg(MIT).args(["list", "--gssapi", "--long"]));
        assert!(long.starts_with("NAME "), "{long}");
        assert!(long.lines().next().unwrap().contains("COMMENT"), "{long}");
        let mut lines = long.lines().skip_while(|line| !line.starts_with("krb5 "));
        assert!(lines.next().unwrap().ends_with("  -  Kerberos 5 GSS-API Mechanism"), "{long}");
        assert_eq!(
            lines.next().unwrap(),
            "    0x00031003: INTEGRITY PRIVACY GSS_COMPATIBLE MUTUAL_AUTH DELEGATION",
            "{long}"
        );
        // SECPKG_GSSAPI_LIB unset: the default library, MIT's.
        let list = json_of(bare().args(["list", "--json", "--gssapi"]));
        assert_eq!(list["provider"], format!("gssapi:{MIT}"));
    }

    #[test]
    #[cfg_attr(secpkg_no_mit_gssapi, ignore = "needs MIT Kerberos's GSSAPI (Debian: apt install libgssapi-krb5-2)")]
    fn list_and_show_gssapi_json_is_the_package_shape_mit() {
        let Some(mechanisms) = mechanisms(MIT, "libgssapi-krb5-2") else {
            return;
        };
        assert_json_agrees(MIT, &mechanisms);
    }

    #[test]
    #[cfg_attr(secpkg_no_mit_gssapi, ignore = "needs MIT Kerberos's GSSAPI (Debian: apt install libgssapi-krb5-2)")]
    fn show_gssapi_krb5_explains_capabilities_and_attributes() {
        let Some(mechanisms) = mechanisms(MIT, "libgssapi-krb5-2") else {
            return;
        };
        let krb5 = mechanisms.iter().find(|m| m.oid == KRB5).unwrap();
        // The default library, by short name, SASL name, OID and SSPI package name.
        let stdout = stdout_of(bare().args(["show", "--gssapi", "krb5"]));
        for wanted in ["KRB5", "gs2-krb5", KRB5, "kerberos"] {
            assert_eq!(stdout_of(secpkg(MIT).args(["show", wanted, "--gssapi"])), stdout, "{wanted}");
        }
        let lines: Vec<&str> = stdout.lines().collect();
        let start = [
            "name          krb5",
            "comment       Kerberos 5 GSS-API Mechanism",
            "oid           1.2.840.113554.1.2.2",
            "sasl name     GS2-KRB5",
            "id            16 GSS_KERBEROS (the SSPI package Kerberos)",
            "version       - (GSSAPI mechanisms have none)",
            "max token     - (GSSAPI has no static maximum token size)",
            "provider      gssapi:libgssapi_krb5.so.2",
            "capabilities  0x00031003: 5 flags",
        ];
        assert_eq!(lines[..start.len()], start, "{stdout}");
        let flags: Vec<Vec<&str>> =
            lines[start.len()..start.len() + 5].iter().map(|l| words(l)[..2].to_vec()).collect();
        assert_eq!(
            flags,
            [
                ["0x00000001", "INTEGRITY"],
                ["0x00000002", "PRIVACY"],
                ["0x00001000", "GSS_COMPATIBLE"],
                ["0x00010000", "MUTUAL_AUTH"],
                ["0x00020000", "DELEGATION"]
            ],
            "{stdout}"
        );
        let heading = lines[start.len() + 5];
        let unmapped =
            krb5.attributes.iter().filter(|a| !ATTRIBUTE_CAPABILITIES.iter().any(|(name, ..)| name == a)).count();
        assert_eq!(
            heading,
            format!("attributes    {} attributes, {unmapped} without an SSPI capability", krb5.attributes.len()),
        );
        let attributes: Vec<Vec<&str>> = lines[start.len() + 6..].iter().map(|l| words(l)).collect();
        assert_eq!(attributes.len(), krb5.attributes.len(), "{stdout}");
        for (row, attribute) in attributes.iter().zip(&krb5.attributes) {
            let gives: Vec<&str> = ATTRIBUTE_CAPABILITIES
                .iter()
                .filter(|(name, ..)| name == attribute)
                .map(|(_, capability, _)| capability.name())
                .collect();
            let expected = if gives.is_empty() { vec!["-"] } else { gives };
            assert_eq!(row[0], attribute, "{stdout}");
            assert_eq!(row[1..], expected, "{stdout}");
        }
        assert!(stdout.contains("\n  GSS_C_MA_ITOK_FRAMED    GSS_COMPATIBLE\n"), "{stdout}");
        assert!(stdout.contains("\n  GSS_C_MA_MECH_CONCRETE  -\n"), "{stdout}");
    }

    #[test]
    #[cfg_attr(secpkg_no_mit_gssapi, ignore = "needs MIT Kerberos's GSSAPI (Debian: apt install libgssapi-krb5-2)")]
    fn show_gssapi_of_a_missing_name_exits_1() {
        if mechanisms(MIT, "libgssapi-krb5-2").is_none() {
            return;
        }
        let stderr = failure_of(secpkg(MIT).args(["show", "--gssapi", "no-such-mech"]), 1);
        assert_eq!(stderr, "secpkg: no security package named 'no-such-mech'\n");
        // An OID is matched exactly, not as a prefix.
        failure_of(secpkg(MIT).args(["show", "--gssapi", "1.2.840.113554.1.2"]), 1);
    }

    // ---- Heimdal, NTLM ----

    #[test]
    #[cfg_attr(secpkg_no_heimdal_gssapi, ignore = "needs Heimdal's GSSAPI (Debian: apt install libgssapi3-heimdal)")]
    fn heimdal_is_chosen_by_secpkg_gssapi_lib() {
        let Some(mechanisms) = mechanisms(HEIMDAL, "libgssapi3-heimdal") else {
            return;
        };
        assert_json_agrees(HEIMDAL, &mechanisms);
        let stdout = stdout_of(secpkg(HEIMDAL).args(["list", "--gssapi"]));
        let krb5 = stdout.lines().find(|line| line.starts_with("KRB5 ")).unwrap_or_else(|| panic!("{stdout}"));
        assert_eq!(words(krb5)[..5], ["KRB5", "16", "GSS_KERBEROS", "-", "-"], "{stdout}");
        // Heimdal spells it KRB5; found in any case.
        let shown = stdout_of(secpkg(HEIMDAL).args(["show", "--gssapi", "krb5"]));
        assert!(shown.starts_with("name          KRB5\n"), "{shown}");
        assert!(shown.contains("\nprovider      gssapi:libgssapi.so.3\n"), "{shown}");
        assert!(shown.contains("\n  GSS_C_MA_MECH_NAME         -\n"), "{shown}");
    }

    /// The mech.d entry gss-ntlmssp installs for MIT, naming a plugin that exists.
    fn ntlmssp_configured() -> bool {
        let files = std::fs::read_dir("/etc/gss/mech.d").into_iter().flatten().flatten().map(|e| e.path());
        files.chain([PathBuf::from("/etc/gss/mech")]).any(|path| {
            std::fs::read_to_string(path).unwrap_or_default().lines().any(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                !line.starts_with('#') && fields.len() >= 3 && fields[1] == NTLM && Path::new(fields[2]).exists()
            })
        })
    }

    #[test]
    #[cfg_attr(
        any(secpkg_no_mit_gssapi, secpkg_no_ntlmssp),
        ignore = "needs MIT Kerberos's GSSAPI and gss-ntlmssp (Debian: apt install libgssapi-krb5-2 gss-ntlmssp)"
    )]
    fn the_ntlm_row_with_gss_ntlmssp() {
        let Some(mechanisms) = mechanisms(MIT, "libgssapi-krb5-2") else {
            return;
        };
        if !ntlmssp_configured() {
            skip(&format!("gss-ntlmssp is not installed (no /etc/gss/mech.d entry for {NTLM})"));
            return;
        }
        let ntlm = mechanisms.iter().find(|m| m.oid == NTLM).unwrap();
        let stdout = stdout_of(secpkg(MIT).args(["list", "--gssapi"]));
        let row = stdout.lines().find(|line| words(line).first() == Some(&name(ntlm))).unwrap();
        assert_eq!(words(row)[1..], ["10", "WINNT", "-", "-", "0x00000003", "(2", "flags)"], "{stdout}");
        for wanted in ["ntlm", "GS2-NTLM", NTLM] {
            let shown = json_of(secpkg(MIT).args(["show", "--json", "--gssapi", wanted]));
            assert_package(&shown, ntlm);
            assert_eq!(shown["rpc_id"], 10);
            assert_eq!(shown["capabilities"], json!(["INTEGRITY", "PRIVACY"]));
            assert_eq!(shown["sasl_name"], "GS2-NTLM");
        }
    }

    /// MIT without gss-ntlmssp: an empty mechanism configuration (MIT's GSS_MECH_CONFIG) hides
    /// the plugin, as on a machine where it is not installed; krb5, iakerb and spnego remain.
    #[test]
    #[cfg_attr(secpkg_no_mit_gssapi, ignore = "needs MIT Kerberos's GSSAPI (Debian: apt install libgssapi-krb5-2)")]
    fn mit_without_gss_ntlmssp_has_no_ntlm_row() {
        if mechanisms(MIT, "libgssapi-krb5-2").is_none() {
            return;
        }
        let list = json_of(secpkg(MIT).env("GSS_MECH_CONFIG", "/dev/null").args(["list", "--json", "--gssapi"]));
        let oids: Vec<&str> = list["packages"].as_array().unwrap().iter().map(|p| p["oid"].as_str().unwrap()).collect();
        assert_eq!(oids, ["1.2.840.113554.1.2.2", "1.3.6.1.5.2.5", "1.3.6.1.5.5.2"], "krb5, iakerb, spnego");
        assert!(!oids.contains(&NTLM));
    }

    // ---- caps ----

    #[test]
    fn caps_gssapi_is_the_attribute_mapping_with_reasons() {
        // Needs no library: even one that does not load.
        let stdout = stdout_of(secpkg("/nonexistent/libgssapi.so").args(["caps", "--gssapi"]));
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(words(lines[0]), ["ATTRIBUTE", "CAPABILITY", "WHY"], "{stdout}");
        let rows: Vec<(&str, &str, &str)> = ATTRIBUTE_CAPABILITIES
            .iter()
            .map(|&(attribute, capability, reason)| (attribute, capability.name(), reason))
            .chain(UNMAPPED_ATTRIBUTES.iter().map(|&(attribute, reason)| (attribute, "-", reason)))
            .collect();
        assert_eq!(lines.len(), rows.len() + 1, "{stdout}");
        let column = lines[0].find("CAPABILITY").unwrap();
        let why = lines[0].find("WHY").unwrap();
        for (line, (attribute, capability, reason)) in lines[1..].iter().zip(&rows) {
            assert_eq!(line[..column].trim_end(), *attribute, "{stdout}");
            assert_eq!(line[column..why].trim_end(), *capability, "{stdout}");
            assert_eq!(&line[why..], *reason, "{stdout}");
        }

        let list = json_of(bare().args(["--json", "caps", "--gssapi"]));
        let expected: Vec<Value> = ATTRIBUTE_CAPABILITIES
            .iter()
            .map(|&(attribute, capability, reason)| {
                json!({"attribute": attribute, "capability": capability.name(), "bit": capability.bits(), "reason": reason})
            })
            .chain(UNMAPPED_ATTRIBUTES.iter().map(|&(attribute, reason)| {
                json!({"attribute": attribute, "capability": null, "bit": null, "reason": reason})
            }))
            .collect();
        assert_eq!(list, json!({ "attributes": expected }));
        let keys: Vec<&str> = list["attributes"][0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["attribute", "capability", "bit", "reason"]);
    }

    // ---- errors ----

    #[test]
    fn a_missing_gssapi_library_exits_2_naming_it() {
        for args in [&["list", "--gssapi"][..], &["list", "--gssapi", "--json"], &["show", "--gssapi", "krb5"]] {
            let stderr = failure_of(secpkg("/nonexistent/libgssapi.so").args(args), 2);
            assert!(
                stderr.starts_with("secpkg: cannot load the GSSAPI library /nonexistent/libgssapi.so: "),
                "{args:?}: {stderr}"
            );
        }
        let stderr = failure_of(secpkg("libc.so.6").args(["list", "--gssapi"]), 2);
        assert!(stderr.starts_with("secpkg: cannot load the GSSAPI library libc.so.6: "), "{stderr}");
        assert!(stderr.contains("gss_indicate_mechs"), "{stderr}");
        // An empty variable is unset: the system's library, as without it.
        let unset = bare().args(["list", "--gssapi", "--json"]).output().unwrap();
        let empty = secpkg("").args(["list", "--gssapi", "--json"]).output().unwrap();
        assert_eq!((empty.status.code(), &empty.stdout), (unset.status.code(), &unset.stdout));
    }

    #[test]
    fn gssapi_is_refused_where_it_does_not_apply() {
        // audit and conformance do not take it, so their help does not offer it.
        for subcommand in ["audit", "conformance"] {
            let help = stdout_of(bare().args([subcommand, "--help"]));
            assert!(help.contains("--provider") && !help.contains("--gssapi"), "{subcommand} --help: {help}");
            let stderr = common::failure_of(bare().args([subcommand, "--gssapi"]), 2);
            assert!(stderr.contains("unexpected argument '--gssapi'"), "{stderr}");
        }
        for subcommand in ["list", "show", "caps"] {
            let help = stdout_of(bare().args([subcommand, "--help"]));
            assert!(help.contains("--gssapi"), "{subcommand} --help: {help}");
        }
        // Before the subcommand, as the help of `secpkg` offers it: the same as after it for
        // list, and the message for the others.
        assert_eq!(stdout_of(bare().args(["--gssapi", "caps"])), stdout_of(bare().args(["caps", "--gssapi"])));
        let stderr = failure_of(bare().args(["--gssapi", "audit", "--baseline", "/nonexistent.json"]), 2);
        assert_eq!(
            stderr,
            "secpkg: --gssapi is for list, show, caps and handshake; audit works on SSPI providers only\n"
        );
        let stderr = failure_of(bare().args(["--gssapi", "conformance"]), 2);
        assert_eq!(
            stderr,
            "secpkg: --gssapi is for list, show, caps and handshake; conformance works on SSPI providers only\n"
        );
        let stderr = failure_of(bare().args(["list", "--gssapi", "--provider", "libwinpr2.so.2"]), 2);
        assert!(stderr.starts_with("secpkg: --gssapi and --provider exclude each other"), "{stderr}");
        let help = stdout_of(bare().arg("--help"));
        assert!(help.contains("--gssapi") && help.contains("SECPKG_GSSAPI_LIB"), "{help}");
    }

    // ---- the fallback when there is no SSPI provider ----

    /// The files the dynamic loader would load for `sonames` (ldconfig's cache and the usual
    /// directories), as real paths.
    fn library_files(sonames: &[&str]) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for ldconfig in ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"] {
            let Ok(output) = std::process::Command::new(ldconfig).arg("-p").output() else {
                continue;
            };
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                let Some((left, path)) = line.split_once(" => ") else {
                    continue;
                };
                if sonames.iter().any(|soname| left.split_whitespace().next() == Some(soname)) {
                    files.push(PathBuf::from(path.trim()));
                }
            }
            break;
        }
        for dir in ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"] {
            files.extend(sonames.iter().map(|soname| Path::new(dir).join(soname)));
        }
        let mut files: Vec<PathBuf> = files.iter().filter_map(|file| std::fs::canonicalize(file).ok()).collect();
        files.sort();
        files.dedup();
        files
    }

    /// `secpkg ARGS` with `env`, where the libraries `hidden` cannot be loaded: /dev/null is
    /// bound over each of their files in a private mount namespace. None after `skipped: …`
    /// when this system does not allow that (unprivileged user namespaces disabled, no unshare).
    fn run_hidden(hidden: &[&str], args: &[&str], env: &[(&str, &str)]) -> Option<Output> {
        let files = library_files(hidden);
        let mut command = std::process::Command::new("unshare");
        // Mount each file over, then run the command; 125 when a mount fails.
        let script = r#"n=$1; shift; while [ "$n" -gt 0 ]; do mount --bind /dev/null "$1" || exit 125; shift; n=$((n-1)); done; exec "$@""#;
        command.args(["-rm", "sh", "-c", script, "sh"]).arg(files.len().to_string()).args(&files).arg(BIN).args(args);
        for var in ["SECPKG_PROVIDER", "SECPKG_TEST_PROVIDER", "SECPKG_GSSAPI_LIB", "LD_LIBRARY_PATH"] {
            command.env_remove(var);
        }
        command.envs(env.iter().copied());
        let output = match command.output() {
            Ok(output) => output,
            Err(error) => {
                eprintln!("skipped: cannot run unshare to hide {hidden:?}: {error}");
                return None;
            }
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() == Some(125) || stderr.starts_with("unshare: ") {
            eprintln!("skipped: cannot hide {hidden:?} in a private mount namespace: {}", stderr.trim_end());
            return None;
        }
        Some(output)
    }

    /// With no provider at all, `conformance` gives the one line `audit` gives, and status 2,
    /// not a report of checks that could not run.
    #[test]
    fn without_an_sspi_provider_conformance_is_audits_one_line() {
        let Some(conformance) = run_hidden(secpkg::UNIX_PROVIDERS, &["conformance"], &[]) else {
            return;
        };
        let baseline = std::env::temp_dir().join(format!("secpkg-empty-baseline-{}.json", std::process::id()));
        std::fs::write(&baseline, r#"{"packages": []}"#).unwrap();
        let audit = run_hidden(secpkg::UNIX_PROVIDERS, &["audit", "--baseline", baseline.to_str().unwrap()], &[]);
        std::fs::remove_file(&baseline).unwrap();
        let Some(audit) = audit else { return };
        let stderr = String::from_utf8(conformance.stderr).unwrap();
        assert_eq!((conformance.status.code(), conformance.stdout.len()), (Some(2), 0), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("secpkg: no SSPI provider found: install FreeRDP's WinPR"), "{stderr}");
        assert_eq!((audit.status.code(), String::from_utf8(audit.stderr).unwrap()), (Some(2), stderr));
    }

    /// The note gives the hint `audit`'s error gives: what to install for the SSPI packages.
    const FALLBACK_NOTE: &str = "secpkg: no SSPI provider found (SECPKG_PROVIDER is not set and WinPR was not found: \
                                 install FreeRDP's WinPR (Debian: apt install libwinpr2-2), or set SECPKG_PROVIDER \
                                 to a library that exports InitSecurityInterfaceW); using the GSSAPI mechanisms of ";

    #[test]
    #[cfg_attr(secpkg_no_mit_gssapi, ignore = "needs MIT Kerberos's GSSAPI (Debian: apt install libgssapi-krb5-2)")]
    fn without_an_sspi_provider_list_and_show_fall_back_to_gssapi() {
        let Some(mechanisms) = mechanisms(MIT, "libgssapi-krb5-2") else {
            return;
        };
        let Some(output) = run_hidden(secpkg::UNIX_PROVIDERS, &["list", "--json"], &[]) else {
            return;
        };
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(output.status.success(), "{:?}: {stderr}", output.status);
        assert_eq!(stderr, format!("{FALLBACK_NOTE}{MIT} instead (--gssapi asks for them)\n"));
        let list: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(list["provider"], format!("gssapi:{MIT}"));
        let packages = list["packages"].as_array().unwrap();
        assert_eq!(packages.len(), mechanisms.len());
        for (package, mechanism) in packages.iter().zip(&mechanisms) {
            assert_package(package, mechanism);
        }

        // Text, and show: the same note, the same output as with --gssapi.
        for args in [&["list"][..], &["show", "krb5"], &["show", "--json", "Kerberos"]] {
            let output = run_hidden(secpkg::UNIX_PROVIDERS, args, &[]).unwrap();
            let stderr = String::from_utf8(output.stderr).unwrap();
            assert!(output.status.success(), "{args:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(stderr.starts_with(FALLBACK_NOTE), "{stderr}");
            let expected = stdout_of(secpkg(MIT).args(args).arg("--gssapi"));
            assert_eq!(String::from_utf8(output.stdout).unwrap(), expected, "{args:?}");
        }

        // SECPKG_GSSAPI_LIB chooses the library of the fallback too.
        // SAFETY: Heimdal's GSSAPI library.
        if unsafe { Gssapi::load(HEIMDAL) }.is_ok() {
            let output = run_hidden(secpkg::UNIX_PROVIDERS, &["list", "--json"], &[("SECPKG_GSSAPI_LIB", HEIMDAL)]);
            let output = output.unwrap();
            let stderr = String::from_utf8(output.stderr).unwrap();
            assert_eq!(stderr, format!("{FALLBACK_NOTE}{HEIMDAL} instead (--gssapi asks for them)\n"));
            let list: Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(list["provider"], format!("gssapi:{HEIMDAL}"));
        }
    }

    #[test]
    fn there_is_no_fallback_when_a_provider_was_asked_for_or_for_audit() {
        let missing = "/nonexistent/libsspi.so";
        for (args, env) in [
            (&["list"][..], &[("SECPKG_PROVIDER", missing)][..]),
            (&["list", "--provider", missing], &[]),
            (&["show", "krb5", "--provider", missing], &[]),
        ] {
            let Some(output) = run_hidden(secpkg::UNIX_PROVIDERS, args, env) else {
                return;
            };
            let stderr = String::from_utf8(output.stderr).unwrap();
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.starts_with(&format!("secpkg: cannot load the SSPI provider {missing}: ")), "{stderr}");
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
        }
        // audit compares SSPI packages only: a valid baseline, and no provider, is status 2.
        let baseline = std::env::temp_dir().join(format!("secpkg-cli-gssapi-{}-baseline.json", std::process::id()));
        std::fs::write(&baseline, r#"{"provider": "x", "packages": []}"#).unwrap();
        let output = run_hidden(secpkg::UNIX_PROVIDERS, &["audit", "--baseline", baseline.to_str().unwrap()], &[]);
        let _ = std::fs::remove_file(&baseline);
        let stderr = String::from_utf8(output.unwrap().stderr).unwrap();
        assert!(stderr.starts_with("secpkg: no SSPI provider found: "), "{stderr}");
        assert!(!stderr.contains("GSSAPI"), "{stderr}");
    }

    #[test]
    fn with_neither_sspi_nor_gssapi_list_exits_2_saying_both() {
        // A GSSAPI library that does not load.
        let env = [("SECPKG_GSSAPI_LIB", "/nonexistent/libgssapi.so")];
        let Some(output) = run_hidden(secpkg::UNIX_PROVIDERS, &["list"], &env) else {
            return;
        };
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(output.stdout.is_empty());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("secpkg: no SSPI provider found: install FreeRDP's WinPR"), "{stderr}");
        assert!(
            stderr.contains("; and no GSSAPI library to fall back on: cannot load the GSSAPI library /nonexistent/"),
            "{stderr}"
        );

        // No GSSAPI library at all.
        let mut hidden = secpkg::UNIX_PROVIDERS.to_vec();
        hidden.extend(secpkg::gssapi::SYSTEM_LIBRARIES);
        let output = run_hidden(&hidden, &["list", "--json"], &[]).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("secpkg: no SSPI provider found: "), "{stderr}");
        assert!(stderr.contains("; and no GSSAPI library to fall back on: no GSSAPI library found: "), "{stderr}");
        // --gssapi alone: the GSSAPI error only.
        let output = run_hidden(&hidden, &["list", "--gssapi"], &[]).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with("secpkg: no GSSAPI library found: install MIT Kerberos"), "{stderr}");
    }
}
