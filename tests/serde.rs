//! The serde forms of `PackageInfo` and `gssapi::Mechanism` (derived by serde_derive), through
//! serde_json. Every expected text, errors included, is what serde_derive gave for these structs
//! before the impls were hand-written for a while (src/serde_record.rs, now gone), and what it
//! gives again.

use secpkg::{Capabilities, PackageId, PackageInfo};
use serde_core::de::DeserializeOwned;

fn error_of<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
    serde_json::from_str::<T>(json).expect_err(json).to_string()
}

fn kerberos() -> PackageInfo {
    PackageInfo {
        capabilities: Capabilities::from_bits_retain(0x1 | 0x2 | 0x4000_0000),
        version: 1,
        rpc_id: PackageId::from_value(16),
        max_token: 48256,
        name: "Kerberos".into(),
        comment: "Microsoft \"Kerberos\" V1.0".into(),
    }
}

const KERBEROS_JSON: &str = r#"{"capabilities":["INTEGRITY","PRIVACY","0x40000000"],"version":1,"rpc_id":"RPC_C_AUTHN_GSS_KERBEROS","max_token":48256,"name":"Kerberos","comment":"Microsoft \"Kerberos\" V1.0"}"#;

#[test]
fn package_info_serializes_as_an_object_of_its_fields_in_order() {
    assert_eq!(serde_json::to_string(&kerberos()).unwrap(), KERBEROS_JSON);
}

#[test]
fn package_info_round_trips() {
    let info = kerberos();
    let back: PackageInfo = serde_json::from_str(&serde_json::to_string(&info).unwrap()).unwrap();
    assert_eq!(back, info);
}

#[test]
fn package_info_reads_a_sequence_of_its_fields() {
    let json = r#"[["INTEGRITY","PRIVACY","0x40000000"],1,"RPC_C_AUTHN_GSS_KERBEROS",48256,"Kerberos","Microsoft \"Kerberos\" V1.0"]"#;
    assert_eq!(serde_json::from_str::<PackageInfo>(json).unwrap(), kerberos());
    let short = r#"[["INTEGRITY"],1,"RPC_C_AUTHN_GSS_KERBEROS",48256,"Kerberos"]"#;
    assert_eq!(
        error_of::<PackageInfo>(short),
        "invalid length 5, expected struct PackageInfo with 6 elements at line 1 column 61"
    );
    let long = r#"[["INTEGRITY"],1,"RPC_C_AUTHN_GSS_KERBEROS",48256,"Kerberos","c",7]"#;
    assert_eq!(error_of::<PackageInfo>(long), "trailing characters at line 1 column 66");
}

#[test]
fn package_info_refuses_a_missing_field_naming_it() {
    let json = r#"{"capabilities":[],"version":1,"rpc_id":16,"name":"N","comment":""}"#;
    assert_eq!(error_of::<PackageInfo>(json), "missing field `max_token` at line 1 column 67");
    assert_eq!(error_of::<PackageInfo>("{}"), "missing field `capabilities` at line 1 column 2");
}

#[test]
fn package_info_refuses_a_duplicate_field_naming_it() {
    let json = r#"{"capabilities":[],"version":1,"rpc_id":16,"max_token":1,"name":"N","name":"M","comment":""}"#;
    assert_eq!(error_of::<PackageInfo>(json), "duplicate field `name` at line 1 column 74");
}

#[test]
fn package_info_ignores_unknown_fields() {
    let json = r#"{"extra":{"x":[1,{}]},"capabilities":[],"version":1,"rpc_id":16,"max_token":1,"name":"N","comment":"","z":null}"#;
    let info: PackageInfo = serde_json::from_str(json).unwrap();
    let expected = PackageInfo {
        capabilities: Capabilities::empty(),
        version: 1,
        rpc_id: PackageId::from_value(16),
        max_token: 1,
        name: "N".into(),
        comment: String::new(),
    };
    assert_eq!(info, expected);
}

#[test]
fn package_info_refuses_wrong_types() {
    let json = r#"{"capabilities":[],"version":"one","rpc_id":16,"max_token":1,"name":"N","comment":""}"#;
    assert_eq!(error_of::<PackageInfo>(json), r#"invalid type: string "one", expected u16 at line 1 column 34"#);
    assert_eq!(
        error_of::<PackageInfo>(r#""Kerberos""#),
        r#"invalid type: string "Kerberos", expected struct PackageInfo at line 1 column 10"#
    );
    assert_eq!(
        error_of::<PackageInfo>("7"),
        "invalid type: integer `7`, expected struct PackageInfo at line 1 column 1"
    );
}

#[test]
fn package_info_keys_may_be_field_indexes_as_with_serde_derive() {
    use serde_core::Deserialize;
    use serde_core::de::value::MapDeserializer;
    use serde_json::{Value, json};
    let entries: Vec<(u64, Value)> = vec![
        (0, json!(["INTEGRITY"])),
        (1, json!(1)),
        (2, json!(16)),
        (3, json!(1)),
        (4, json!("N")),
        (6, json!(0)),
        (5, json!("")),
    ];
    let map = MapDeserializer::<_, serde_json::Error>::new(entries.into_iter());
    let info = PackageInfo::deserialize(map).unwrap();
    assert_eq!((info.capabilities, info.max_token, info.name.as_str()), (Capabilities::from_bits_retain(1), 1, "N"));
}

#[cfg(all(unix, feature = "gssapi"))]
mod mechanism {
    use super::error_of;
    use secpkg::gssapi::Mechanism;
    use secpkg::{Capabilities, PackageId};

    fn krb5() -> Mechanism {
        Mechanism {
            oid: "1.2.840.113554.1.2.2".into(),
            sasl_name: Some("GS2-KRB5".into()),
            mech_name: Some("krb5".into()),
            description: None,
            attributes: vec!["GSS_C_MA_MECH_CONCRETE".into()],
            capabilities: Capabilities::from_bits_retain(0x2),
            sspi_name: Some("Kerberos"),
            package_id: Some(PackageId::from_value(16)),
        }
    }

    fn bare(oid: &str) -> Mechanism {
        Mechanism {
            oid: oid.into(),
            sasl_name: None,
            mech_name: None,
            description: None,
            attributes: Vec::new(),
            capabilities: Capabilities::empty(),
            sspi_name: None,
            package_id: None,
        }
    }

    #[test]
    fn serializes_as_an_object_of_its_fields_in_order() {
        let json = r#"{"oid":"1.2.840.113554.1.2.2","sasl_name":"GS2-KRB5","mech_name":"krb5","description":null,"attributes":["GSS_C_MA_MECH_CONCRETE"],"capabilities":["PRIVACY"],"sspi_name":"Kerberos","package_id":"RPC_C_AUTHN_GSS_KERBEROS"}"#;
        assert_eq!(serde_json::to_string(&krb5()).unwrap(), json);
        let json = r#"{"oid":"1.2.3","sasl_name":null,"mech_name":null,"description":null,"attributes":[],"capabilities":[],"sspi_name":null,"package_id":null}"#;
        assert_eq!(serde_json::to_string(&bare("1.2.3")).unwrap(), json);
    }

    #[test]
    fn round_trips() {
        for mechanism in [krb5(), bare("1.3.6.1.5.5.2")] {
            let back: Mechanism = serde_json::from_str(&serde_json::to_string(&mechanism).unwrap()).unwrap();
            assert_eq!(back, mechanism);
        }
    }

    #[test]
    fn reads_a_sequence_of_its_fields() {
        let json = r#"["1.2.3",null,"k",null,["A"],["INTEGRITY"],"Negotiate",9]"#;
        let expected = Mechanism {
            mech_name: Some("k".into()),
            attributes: vec!["A".into()],
            capabilities: Capabilities::from_bits_retain(0x1),
            sspi_name: Some("Negotiate"),
            package_id: Some(PackageId::from_value(9)),
            ..bare("1.2.3")
        };
        assert_eq!(serde_json::from_str::<Mechanism>(json).unwrap(), expected);
        assert_eq!(
            error_of::<Mechanism>(r#"["1.2.3",null,"k",null,["A"],["INTEGRITY"]]"#),
            // serde_derive counts the defaulted `sspi_name` (see a_missing_option_field_is_none)
            // as read and stops at `package_id`, the 8th; the hand-written impls said 6.
            "invalid length 7, expected struct Mechanism with 8 elements at line 1 column 43"
        );
        assert_eq!(
            error_of::<Mechanism>(r#"["1.2.3",null,"k",null,["A"],["INTEGRITY"],"Schannel",9]"#),
            r#"no SSPI package "Schannel" has a GSSAPI equivalent at line 1 column 54"#
        );
    }

    #[test]
    fn a_missing_option_field_is_none() {
        let json = r#"{"oid":"1.2.3","attributes":[],"capabilities":[],"sspi_name":null}"#;
        assert_eq!(serde_json::from_str::<Mechanism>(json).unwrap(), bare("1.2.3"));
        // serde_derive refused a missing `sspi_name` ("missing field `sspi_name` at line 1
        // column 49"), as it does for every `deserialize_with` field; it is an `Option` like the
        // others, and now `None` like them.
        let json = r#"{"oid":"1.2.3","attributes":[],"capabilities":[]}"#;
        assert_eq!(serde_json::from_str::<Mechanism>(json).unwrap(), bare("1.2.3"));
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let json = r#"{"oid":"1.2.3","capabilities":[],"sspi_name":null}"#;
        assert_eq!(error_of::<Mechanism>(json), "missing field `attributes` at line 1 column 50");
    }

    #[test]
    fn a_duplicate_field_is_named() {
        let json = r#"{"oid":"1.2.3","attributes":[],"capabilities":[],"sspi_name":"NTLM","sspi_name":"NTLM"}"#;
        assert_eq!(error_of::<Mechanism>(json), "duplicate field `sspi_name` at line 1 column 79");
        let json =
            r#"{"oid":"1.2.3","sasl_name":null,"sasl_name":"x","attributes":[],"capabilities":[],"sspi_name":"NTLM"}"#;
        assert_eq!(error_of::<Mechanism>(json), "duplicate field `sasl_name` at line 1 column 43");
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let json = r#"{"mechanism":{"oid":7},"oid":"1.2.3","attributes":[],"capabilities":[],"version":[null],"sspi_name":null}"#;
        assert_eq!(serde_json::from_str::<Mechanism>(json).unwrap(), bare("1.2.3"));
    }

    #[test]
    fn sspi_name_is_one_of_the_sspi_equivalents() {
        for name in ["Kerberos", "Negotiate", "NTLM"] {
            let json = format!(r#"{{"oid":"1.2.3","attributes":[],"capabilities":[],"sspi_name":"{name}"}}"#);
            assert_eq!(serde_json::from_str::<Mechanism>(&json).unwrap().sspi_name, Some(name));
        }
        let json = r#"{"oid":"1.2.3","attributes":[],"capabilities":[],"sspi_name":"Schannel"}"#;
        assert_eq!(
            error_of::<Mechanism>(json),
            r#"no SSPI package "Schannel" has a GSSAPI equivalent at line 1 column 72"#
        );
        let json = r#"{"oid":"1.2.3","attributes":[],"capabilities":[],"sspi_name":3}"#;
        assert_eq!(error_of::<Mechanism>(json), "invalid type: integer `3`, expected a string at line 1 column 62");
    }

    #[test]
    fn wrong_types_are_refused() {
        assert_eq!(error_of::<Mechanism>("[1]"), "invalid type: integer `1`, expected a string at line 1 column 2");
        assert_eq!(
            error_of::<Mechanism>(r#""x""#),
            r#"invalid type: string "x", expected struct Mechanism at line 1 column 3"#
        );
    }
}
