//! `#[derive(IdEnum)]` on an `i32` family shown in hex (negative values,
//! bit-pattern literals, the minimum, aliases, serde), a `u16` family shown in
//! decimal, and an `i8` family with negative decimal display.

use secpkg_macros::IdEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, IdEnum)]
#[family(repr = i32, hex, prefix = "TST_")]
#[cfg_attr(all(), family(serde))]
pub enum Status {
    /// Everything worked.
    #[sdk(name = "TST_OK", value = 0)]
    Ok,
    /// Keep going.
    #[sdk(name = "TST_I_CONTINUE", value = 0x0009_0312)]
    Continue,
    /// Access was denied.
    #[sdk(name = "TST_E_DENIED", value = 0x8009_0305_u32 as i32, alias = "TST_E_NO_ACCESS")]
    #[sdk(alias = "TST_E_FORBIDDEN")]
    Denied,
    /// Written as a negative literal.
    #[sdk(name = "TST_E_NEG", value = -2)]
    Neg,
    /// The smallest `i32`.
    #[sdk(name = "TST_E_MIN", value = i32::MIN)]
    Min,
    #[sdk(name = "TST_SIXTEEN", value = 16i32)]
    Sixteen,
    /// A status the SDK does not name.
    Unknown(i32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, IdEnum)]
#[family(repr = u16)]
enum Version {
    #[sdk(name = "VER_TEN", value = 10)]
    Ten,
    #[sdk(name = "VER_MAX", value = 0xFFFF)]
    Max,
    Other(u16),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, IdEnum)]
#[family(repr = i8, serde)]
enum Tiny {
    /// All bits set.
    #[sdk(name = "TINY_ALL", value = 0xFF_u8 as i8)]
    All,
    #[sdk(name = "TINY_MIN", value = -128)]
    Min,
    Raw(i8),
}

const DENIED: i32 = 0x8009_0305_u32 as i32;

#[test]
fn from_value_and_value_are_inverse() {
    assert_eq!(Status::from_value(0), Status::Ok);
    assert_eq!(Status::from_value(DENIED), Status::Denied);
    assert_eq!(Status::from_value(-2), Status::Neg);
    assert_eq!(Status::from_value(i32::MIN), Status::Min);
    assert_eq!(Status::from_value(16), Status::Sixteen);
    assert_eq!(Status::from_value(5), Status::Unknown(5));
    assert_eq!(Status::from_value(-1), Status::Unknown(-1));
    for &status in Status::ALL {
        assert_eq!(Status::from_value(status.value()), status);
        assert!(status.is_known());
    }
    assert_eq!(Status::Unknown(-7).value(), -7);
    assert!(!Status::Unknown(5).is_known());
    assert_eq!(Status::Denied.value(), DENIED);
    assert_eq!(Status::Min.value(), i32::MIN);
    assert_eq!(i32::from(Status::Continue), 0x0009_0312);
    assert_eq!(Status::from(16), Status::Sixteen);
    const OK: Status = Status::from_value(0);
    const RAW: i32 = Status::Neg.value();
    assert_eq!((OK, RAW), (Status::Ok, -2));
}

#[test]
fn all_is_ascending_by_value() {
    assert_eq!(Status::ALL, &[Status::Min, Status::Denied, Status::Neg, Status::Ok, Status::Sixteen, Status::Continue]);
    assert_eq!(Version::ALL, &[Version::Ten, Version::Max]);
    assert_eq!(Tiny::ALL, &[Tiny::Min, Tiny::All]);
}

#[test]
fn names_docs_aliases() {
    assert_eq!(Status::Denied.sdk_name(), Some("TST_E_DENIED"));
    assert_eq!(Status::Unknown(3).sdk_name(), None);
    assert_eq!(Status::Denied.aliases(), &["TST_E_NO_ACCESS", "TST_E_FORBIDDEN"]);
    assert_eq!(Status::Ok.aliases(), &[] as &[&str]);
    assert_eq!(Status::Unknown(3).aliases(), &[] as &[&str]);
    assert_eq!(Status::Ok.doc(), "Everything worked.");
    assert_eq!(Status::Sixteen.doc(), "");
    assert_eq!(Status::Unknown(3).doc(), "A status the SDK does not name.");
    assert_eq!(Tiny::All.value(), -1);
}

#[test]
fn display_names_or_numbers() {
    assert_eq!(Status::Denied.to_string(), "TST_E_DENIED");
    assert_eq!(Status::Unknown(5).to_string(), "0x5");
    assert_eq!(Status::Unknown(0x8009_0399_u32 as i32).to_string(), "0x80090399");
    assert_eq!(Status::Unknown(-1).to_string(), "0xFFFFFFFF");
    assert_eq!(Status::Unknown(0xABC).to_string(), "0xABC");
    assert_eq!(Version::Max.to_string(), "VER_MAX");
    assert_eq!(Version::Other(11).to_string(), "11");
    assert_eq!(Tiny::Raw(-5).to_string(), "-5");
}

#[test]
fn from_str_takes_names_aliases_and_numbers() {
    assert_eq!("TST_E_DENIED".parse(), Ok(Status::Denied));
    assert_eq!("TST_E_NO_ACCESS".parse(), Ok(Status::Denied));
    assert_eq!("TST_E_FORBIDDEN".parse(), Ok(Status::Denied));
    assert_eq!("16".parse(), Ok(Status::Sixteen));
    assert_eq!("-2".parse(), Ok(Status::Neg));
    assert_eq!("0x80090305".parse(), Ok(Status::Denied));
    assert_eq!("0x80000000".parse(), Ok(Status::Min));
    assert_eq!("-2147483648".parse(), Ok(Status::Min));
    assert_eq!("0xffffffff".parse(), Ok(Status::Unknown(-1)));
    assert_eq!("7".parse(), Ok(Status::Unknown(7)));
    assert_eq!("0x00000010".parse(), Ok(Status::Sixteen));
    assert_eq!("0x000B".parse(), Ok(Version::Other(11)));
    assert_eq!("65535".parse(), Ok(Version::Max));
    assert_eq!("-128".parse(), Ok(Tiny::Min));
    assert_eq!("0xFF".parse(), Ok(Tiny::All));
    assert_eq!("0x7F".parse(), Ok(Tiny::Raw(127)));
}

#[test]
fn display_from_str_round_trip_is_exact() {
    let raws = [0, 1, -1, 5, 16, -2, i32::MIN, i32::MAX, DENIED, DENIED + 1, 0x0009_0312];
    for raw in raws {
        let status = Status::from_value(raw);
        assert_eq!(status.to_string().parse(), Ok(status), "{status}");
    }
    for raw in [0, 10, 11, u16::MAX, 0x8000] {
        let version = Version::from_value(raw);
        assert_eq!(version.to_string().parse(), Ok(version));
    }
    for raw in i8::MIN..=i8::MAX {
        let tiny = Tiny::from_value(raw);
        assert_eq!(tiny.to_string().parse(), Ok(tiny));
    }
}

fn status_err(text: &str) -> (String, String) {
    let err = text.parse::<Status>().unwrap_err();
    (err.token().to_owned(), err.to_string())
}

#[test]
fn from_str_errors_name_the_token() {
    assert_eq!(status_err("TST_NOPE"), ("TST_NOPE".into(), "unknown status name 'TST_NOPE'".into()));
    assert_eq!(status_err("tst_ok"), ("tst_ok".into(), "unknown status name 'tst_ok'".into()));
    assert_eq!(status_err(" TST_OK"), (" TST_OK".into(), "unknown status name ' TST_OK'".into()));
    assert_eq!(status_err(""), ("".into(), "empty status name".into()));
    assert_eq!(status_err("0x"), ("0x".into(), "invalid status value '0x'".into()));
    assert_eq!(status_err("0x1FFFFFFFF"), ("0x1FFFFFFFF".into(), "invalid status value '0x1FFFFFFFF'".into()));
    assert_eq!(status_err("0x-1"), ("0x-1".into(), "invalid status value '0x-1'".into()));
    assert_eq!(status_err("2147483648"), ("2147483648".into(), "invalid status value '2147483648'".into()));
    assert_eq!(status_err("12abc"), ("12abc".into(), "invalid status value '12abc'".into()));
    let err = "-1".parse::<Version>().unwrap_err();
    assert_eq!(err.to_string(), "invalid version value '-1'");
    let err = "70000".parse::<Version>().unwrap_err();
    assert_eq!(err.token(), "70000");
    let err: ParseTinyError = "TINY_NONE".parse::<Tiny>().unwrap_err();
    assert_eq!(err.to_string(), "unknown tiny name 'TINY_NONE'");
    let _: &dyn std::error::Error = &err;
}

#[test]
fn serde_writes_the_display_string() {
    assert_eq!(serde_json::to_string(&Status::Denied).unwrap(), r#""TST_E_DENIED""#);
    assert_eq!(serde_json::to_string(&Status::Unknown(-1)).unwrap(), r#""0xFFFFFFFF""#);
    assert_eq!(serde_json::to_string(&Tiny::Raw(-5)).unwrap(), r#""-5""#);
}

#[test]
fn serde_round_trip_is_exact() {
    for raw in [0, 5, -1, i32::MIN, i32::MAX, DENIED, DENIED - 1] {
        let status = Status::from_value(raw);
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), status, "{json}");
    }
    for raw in i8::MIN..=i8::MAX {
        let tiny = Tiny::from_value(raw);
        let json = serde_json::to_string(&tiny).unwrap();
        assert_eq!(serde_json::from_str::<Tiny>(&json).unwrap(), tiny, "{json}");
    }
}

#[test]
fn serde_reads_strings_and_integers() {
    let read = |json: &str| serde_json::from_str::<Status>(json);
    assert_eq!(read(r#""TST_E_NO_ACCESS""#).unwrap(), Status::Denied);
    assert_eq!(read(r#""16""#).unwrap(), Status::Sixteen);
    assert_eq!(read(r#""0x80090305""#).unwrap(), Status::Denied);
    assert_eq!(read("16").unwrap(), Status::Sixteen);
    assert_eq!(read("-2").unwrap(), Status::Neg);
    assert_eq!(read("-2147483648").unwrap(), Status::Min);
    assert_eq!(read("2148074245").unwrap(), Status::Denied, "the unsigned bit pattern");
    assert_eq!(read("7").unwrap(), Status::Unknown(7));
    let err = read("4294967296").unwrap_err();
    assert!(err.to_string().contains("a status name or integer"), "{err}");
    let err = read("-2147483649").unwrap_err();
    assert!(err.to_string().contains("a status name or integer"), "{err}");
    let err = read(r#""TST_NOPE""#).unwrap_err();
    assert!(err.to_string().starts_with("unknown status name 'TST_NOPE'"), "{err}");
    assert!(read("true").is_err());
    assert_eq!(serde_json::from_str::<Tiny>("255").unwrap(), Tiny::All);
    assert!(serde_json::from_str::<Tiny>("256").is_err());
}
