//! `#[derive(Values)]` on an `i32` newtype shown in hex (negative values, bit-pattern literals,
//! the minimum, aliases, serde), a `u16` newtype shown in decimal, and an `i8` newtype with
//! negative decimal display.

// clippy reads two `#[sdk]`s whose `value`s are alike as one attribute given twice; each is one
// member. (From a generated family macro's expansion it says nothing.)
#![allow(clippy::duplicated_attributes)]

use secpkg_macros::Values;
use std::collections::HashSet;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Values)]
#[family(repr = i32, hex, prefix = "TST_")]
#[cfg_attr(all(), family(serde))]
#[sdk(name = "TST_OK", value = 0, doc = "Everything worked.")]
#[sdk(name = "TST_I_CONTINUE", value = 0x0009_0312, doc = "Keep going.")]
#[sdk(name = "TST_E_DENIED", value = 0x8009_0305_u32 as i32, alias = "TST_E_NO_ACCESS", alias = "TST_E_FORBIDDEN")]
#[sdk(name = "TST_E_NEG", value = -2, doc = "Written as a negative literal.")]
#[sdk(name = "TST_E_MIN", value = i32::MIN, doc = "The smallest `i32`.")]
#[sdk(name = "TST_SIXTEEN", value = 16i32)]
pub struct Status(pub i32);

#[derive(Clone, Copy, PartialEq, Eq, Values)]
#[family(repr = u16)]
#[sdk(name = "VER_TEN", value = 10)]
#[sdk(name = "VER_MAX", value = 0xFFFF)]
struct Version(u16);

#[derive(Clone, Copy, PartialEq, Eq, Values)]
#[family(repr = i8, serde)]
#[sdk(name = "TINY_ALL", value = 0xFF_u8 as i8, doc = "All bits set.")]
#[sdk(name = "TINY_MIN", value = -128)]
struct Tiny(i8);

const DENIED: i32 = 0x8009_0305_u32 as i32;

#[test]
fn from_value_and_value_are_inverse() {
    assert_eq!(Status::from_value(0), Status::OK);
    assert_eq!(Status::from_value(DENIED), Status::E_DENIED);
    assert_eq!(Status::from_value(-2), Status::E_NEG);
    assert_eq!(Status::from_value(i32::MIN), Status::E_MIN);
    assert_eq!(Status::from_value(16), Status::SIXTEEN);
    assert_eq!(Status::from_value(5), Status(5));
    assert_eq!(Status::from_value(-1), Status(-1));
    for &status in Status::ALL {
        assert_eq!(Status::from_value(status.value()), status);
        assert!(status.is_known());
    }
    assert_eq!(Status(-7).value(), -7);
    assert!(!Status(5).is_known());
    assert_eq!(Status::E_DENIED.value(), DENIED);
    assert_eq!(Status::E_MIN.value(), i32::MIN);
    assert_eq!(i32::from(Status::I_CONTINUE), 0x0009_0312);
    assert_eq!(Status::from(16), Status::SIXTEEN);
    const OK: Status = Status::from_value(0);
    const RAW: i32 = Status::E_NEG.value();
    assert_eq!((OK, RAW), (Status::OK, -2));
}

#[test]
fn equality_and_hash_are_the_integers() {
    assert_eq!(Status(0x8009_0305_u32 as i32), Status::E_DENIED);
    let set: HashSet<Status> = [Status(16), Status::SIXTEEN, Status::from_value(16)].into();
    assert_eq!(set.len(), 1);
    // A value the SDK does not name is a value like any other.
    assert_ne!(Status(5), Status(6));
    assert_eq!(Status(5).0, 5);
}

#[test]
fn debug_is_the_type_and_the_text() {
    assert_eq!(format!("{:?}", Status::E_DENIED), "Status(TST_E_DENIED)");
    assert_eq!(format!("{:?}", Status(5)), "Status(0x5)");
    assert_eq!(format!("{:?}", Version(11)), "Version(11)");
    assert_eq!(format!("{:?}", Tiny::TINY_MIN), "Tiny(TINY_MIN)");
}

#[test]
fn all_is_ascending_by_value() {
    assert_eq!(
        Status::ALL,
        &[Status::E_MIN, Status::E_DENIED, Status::E_NEG, Status::OK, Status::SIXTEEN, Status::I_CONTINUE]
    );
    assert_eq!(Version::ALL, &[Version::VER_TEN, Version::VER_MAX]);
    assert_eq!(Tiny::ALL, &[Tiny::TINY_MIN, Tiny::TINY_ALL]);
}

#[test]
fn names_docs_aliases() {
    assert_eq!(Status::E_DENIED.sdk_name(), Some("TST_E_DENIED"));
    assert_eq!(Status(3).sdk_name(), None);
    assert_eq!(Status::E_DENIED.aliases(), &["TST_E_NO_ACCESS", "TST_E_FORBIDDEN"]);
    assert_eq!(Status::OK.aliases(), &[] as &[&str]);
    assert_eq!(Status(3).aliases(), &[] as &[&str]);
    assert_eq!(Status::OK.doc(), "Everything worked.");
    assert_eq!(Status::SIXTEEN.doc(), "");
    assert_eq!(Status(3).doc(), "");
    assert_eq!(Tiny::TINY_ALL.value(), -1);
}

#[test]
fn display_names_or_numbers() {
    assert_eq!(Status::E_DENIED.to_string(), "TST_E_DENIED");
    assert_eq!(Status(5).to_string(), "0x5");
    assert_eq!(Status(0x8009_0399_u32 as i32).to_string(), "0x80090399");
    assert_eq!(Status(-1).to_string(), "0xFFFFFFFF");
    assert_eq!(Status(0xABC).to_string(), "0xABC");
    assert_eq!(Version::VER_MAX.to_string(), "VER_MAX");
    assert_eq!(Version(11).to_string(), "11");
    assert_eq!(Tiny(-5).to_string(), "-5");
}

#[test]
fn from_str_takes_names_aliases_and_numbers() {
    assert_eq!("TST_E_DENIED".parse(), Ok(Status::E_DENIED));
    assert_eq!("TST_E_NO_ACCESS".parse(), Ok(Status::E_DENIED));
    assert_eq!("TST_E_FORBIDDEN".parse(), Ok(Status::E_DENIED));
    assert_eq!("16".parse(), Ok(Status::SIXTEEN));
    assert_eq!("-2".parse(), Ok(Status::E_NEG));
    assert_eq!("0x80090305".parse(), Ok(Status::E_DENIED));
    assert_eq!("0x80000000".parse(), Ok(Status::E_MIN));
    assert_eq!("-2147483648".parse(), Ok(Status::E_MIN));
    assert_eq!("0xffffffff".parse(), Ok(Status(-1)));
    assert_eq!("7".parse(), Ok(Status(7)));
    assert_eq!("0x00000010".parse(), Ok(Status::SIXTEEN));
    assert_eq!("0x000B".parse(), Ok(Version(11)));
    assert_eq!("65535".parse(), Ok(Version::VER_MAX));
    assert_eq!("-128".parse(), Ok(Tiny::TINY_MIN));
    assert_eq!("0xFF".parse(), Ok(Tiny::TINY_ALL));
    assert_eq!("0x7F".parse(), Ok(Tiny(127)));
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
    assert_eq!(serde_json::to_string(&Status::E_DENIED).unwrap(), r#""TST_E_DENIED""#);
    assert_eq!(serde_json::to_string(&Status(-1)).unwrap(), r#""0xFFFFFFFF""#);
    assert_eq!(serde_json::to_string(&Tiny(-5)).unwrap(), r#""-5""#);
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
    assert_eq!(read(r#""TST_E_NO_ACCESS""#).unwrap(), Status::E_DENIED);
    assert_eq!(read(r#""16""#).unwrap(), Status::SIXTEEN);
    assert_eq!(read(r#""0x80090305""#).unwrap(), Status::E_DENIED);
    assert_eq!(read("16").unwrap(), Status::SIXTEEN);
    assert_eq!(read("-2").unwrap(), Status::E_NEG);
    assert_eq!(read("-2147483648").unwrap(), Status::E_MIN);
    assert_eq!(read("2148074245").unwrap(), Status::E_DENIED, "the unsigned bit pattern");
    assert_eq!(read("7").unwrap(), Status(7));
    let err = read("4294967296").unwrap_err();
    assert!(err.to_string().contains("a status name or integer"), "{err}");
    let err = read("-2147483649").unwrap_err();
    assert!(err.to_string().contains("a status name or integer"), "{err}");
    let err = read(r#""TST_NOPE""#).unwrap_err();
    assert!(err.to_string().starts_with("unknown status name 'TST_NOPE'"), "{err}");
    assert!(read("true").is_err());
    assert_eq!(serde_json::from_str::<Tiny>("255").unwrap(), Tiny::TINY_ALL);
    assert!(serde_json::from_str::<Tiny>("256").is_err());
}
