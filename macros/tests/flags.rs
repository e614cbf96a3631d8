//! `#[derive(Flags)]` on two families declared here: a `u32` one with gaps,
//! bit 31 and serde, declared through a `macro_rules!` the way the generated
//! bindings crate declares them, and a private `u8` one without a prefix. The
//! sets are bitflags types: these tests check what the derive adds (names,
//! text, serde, the flags' operators) and that bitflags keeps unknown bits.

use std::collections::HashSet;

use secpkg_family::bitflags;
use secpkg_macros::Flags;

/// Stands in for a generated family macro: the variant list is fixed, the
/// caller adds attributes and may add variants.
macro_rules! perm_family {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        $vis enum $name {
            /// Reads things.
            ///
            /// Only the first line is the description.
            #[sdk(name = "TEST_FLAG_READ", value = 0x1)]
            Read,
            /// Writes things.
            #[sdk(name = "TEST_FLAG_WRITE", value = 0x2)]
            Write,
            #[sdk(name = "TEST_FLAG_EXEC", value = 0x10)]
            Exec,
            ///   The top bit, padded with spaces.
            #[sdk(name = "TEST_FLAG_HIGH", value = 0x8000_0000)]
            High,
            $($extra)*
        }
    };
}

perm_family! {
    /// One permission.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Flags)]
    #[family(repr = u32, prefix = "TEST_FLAG_")]
    #[family(set = Perms, serde)]
    pub enum Perm {
        /// Declared after the top bit on purpose: order comes from the bits.
        #[sdk(name = "TEST_FLAG_MID", value = 0x100)]
        Mid,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Flags)]
#[family(repr = u8, set = KeyUsages)]
enum KeyUsage {
    #[sdk(name = "SIGN", value = 0b1)]
    Sign,
    #[sdk(name = "ENCRYPT", value = 0x80u8)]
    Encrypt,
}

const KNOWN: u32 = 0x8000_0113;
const UNKNOWN: u32 = 0x0400_0000;

fn perms(bits: u32) -> Perms {
    Perms::from_bits_retain(bits)
}

#[test]
fn all_is_in_ascending_bit_order() {
    assert_eq!(Perm::ALL, &[Perm::Read, Perm::Write, Perm::Exec, Perm::Mid, Perm::High]);
    let bits: Vec<u32> = Perm::ALL.iter().map(|p| p.bits()).collect();
    assert_eq!(bits, [0x1, 0x2, 0x10, 0x100, 0x8000_0000]);
}

#[test]
fn flag_facts() {
    assert_eq!(Perm::High.bits(), 1 << 31);
    assert_eq!(Perm::Read.name(), "READ");
    assert_eq!(Perm::Mid.name(), "MID");
    assert_eq!(Perm::High.sdk_name(), "TEST_FLAG_HIGH");
    assert_eq!(Perm::Read.doc(), "Reads things.");
    assert_eq!(Perm::High.doc(), "The top bit, padded with spaces.");
    assert_eq!(Perm::Mid.doc(), "Declared after the top bit on purpose: order comes from the bits.");
    assert_eq!(Perm::Exec.doc(), "");
    // Usable in constants.
    const HIGH: u32 = Perm::High.bits();
    const NAME: &str = Perm::Write.name();
    assert_eq!((HIGH, NAME), (0x8000_0000, "WRITE"));
}

#[test]
fn flag_from_bits_takes_exactly_one_known_bit() {
    for &flag in Perm::ALL {
        assert_eq!(Perm::from_bits(flag.bits()), Some(flag));
    }
    assert_eq!(Perm::from_bits(0), None);
    assert_eq!(Perm::from_bits(0x3), None);
    assert_eq!(Perm::from_bits(0x4), None);
    assert_eq!(Perm::from_bits(UNKNOWN), None);
}

#[test]
fn flag_from_name_takes_short_or_full_name_exactly() {
    for &flag in Perm::ALL {
        assert_eq!(Perm::from_name(flag.name()), Some(flag));
        assert_eq!(Perm::from_name(flag.sdk_name()), Some(flag));
    }
    assert_eq!(Perm::from_name("read"), None);
    assert_eq!(Perm::from_name(" READ"), None);
    assert_eq!(Perm::from_name("TEST_FLAG_"), None);
    assert_eq!(Perm::from_name(""), None);
}

#[test]
fn flag_display_and_from_str() {
    for &flag in Perm::ALL {
        assert_eq!(flag.to_string(), flag.name());
        assert_eq!(flag.to_string().parse::<Perm>(), Ok(flag));
        assert_eq!(flag.sdk_name().parse::<Perm>(), Ok(flag));
    }
    let err = "NOPE".parse::<Perm>().unwrap_err();
    assert_eq!(err.token(), "NOPE");
    assert_eq!(err.to_string(), "unknown perm flag name 'NOPE'");
    let err = "".parse::<Perm>().unwrap_err();
    assert_eq!(err.token(), "");
    assert_eq!(err.to_string(), "empty perm flag name");
    let _: &dyn std::error::Error = &err;
}

#[test]
fn set_constructors_and_queries() {
    assert_eq!(Perms::empty().bits(), 0);
    assert_eq!(Perms::default(), Perms::empty());
    assert_eq!(Perms::all().bits(), KNOWN);
    assert_eq!(perms(UNKNOWN | 0x1).bits(), UNKNOWN | 0x1);
    assert_eq!(Perms::from_bits(0x11), Some(perms(0x11)));
    assert_eq!(Perms::from_bits(0x11 | UNKNOWN), None);
    assert_eq!(Perms::from_bits_truncate(0x11 | UNKNOWN), perms(0x11));
    assert_eq!(perms(0x11 | UNKNOWN).unknown_bits(), UNKNOWN);
    assert_eq!(Perms::from_bits_truncate(perms(0x11 | UNKNOWN).bits()), perms(0x11));
    assert!(Perms::empty().is_empty());
    assert!(!perms(UNKNOWN).is_empty(), "an unknown bit is still a bit");
    assert!(Perms::all().is_all());
    assert!(perms(u32::MAX).is_all());
    assert!(!perms(KNOWN & !0x100).is_all());
    const ALL: Perms = Perms::all();
    assert_eq!(ALL.bits(), KNOWN);
}

#[test]
fn the_set_is_a_bitflags_type_with_a_constant_per_flag() {
    fn names<F: bitflags::Flags>() -> Vec<&'static str> {
        F::FLAGS.iter().map(|flag| flag.name()).collect()
    }
    // Declaration order: the derive cannot sort expressions, the text forms sort by bit.
    assert_eq!(names::<Perms>(), ["READ", "WRITE", "EXEC", "HIGH", "MID"]);
    for &flag in Perm::ALL {
        assert_eq!(Perms::from_name(flag.name()), Some(flag.set()));
        assert_eq!(Perm::try_from(flag.set()), Ok(flag));
    }
    assert_eq!((Perms::READ, Perms::HIGH), (Perm::Read.set(), Perms::from(Perm::High)));
    assert_eq!(Perm::try_from(perms(0x3)), Err(perms(0x3)));
    assert_eq!(Perm::try_from(Perms::empty()), Err(Perms::empty()));
}

#[test]
fn contains_and_intersects() {
    let set = perms(0x11 | UNKNOWN);
    assert!(set.contains(Perms::READ));
    assert!(!set.contains(Perm::Write.set()));
    assert!(set.contains(perms(0x10 | UNKNOWN)));
    assert!(set.contains(perms(UNKNOWN)));
    assert!(!set.contains(perms(0x3)));
    assert!(set.contains(Perms::empty()));
    assert!(set.intersects(perms(0x3)));
    assert!(set.intersects(Perms::EXEC));
    assert!(!set.intersects(Perms::HIGH));
    assert!(!set.intersects(Perms::empty()));
}

#[test]
fn mutators_keep_unknown_bits() {
    let mut set = perms(UNKNOWN);
    set.insert(Perms::READ);
    assert_eq!(set.bits(), UNKNOWN | 0x1);
    set.insert(perms(0x4));
    assert_eq!(set.bits(), UNKNOWN | 0x5);
    set.remove(Perms::READ);
    assert_eq!(set.bits(), UNKNOWN | 0x4);
    set.remove(perms(0x4));
    assert_eq!(set.bits(), UNKNOWN);
    set.toggle(Perms::HIGH);
    assert_eq!(set.bits(), UNKNOWN | 0x8000_0000);
    set.toggle(Perm::High | Perm::Write);
    assert_eq!(set.bits(), UNKNOWN | 0x2);
    set.set(Perms::EXEC, true);
    assert_eq!(set.bits(), UNKNOWN | 0x12);
    set.set(Perms::WRITE, false);
    assert_eq!(set.bits(), UNKNOWN | 0x10);
}

#[test]
fn set_algebra_and_operators_agree() {
    let a = perms(0x3 | UNKNOWN);
    let b = perms(0x12 | 0x4);
    assert_eq!(a.union(b).bits(), 0x17 | UNKNOWN);
    assert_eq!(a.intersection(b).bits(), 0x2);
    assert_eq!(a.difference(b).bits(), 0x1 | UNKNOWN);
    assert_eq!(b.difference(a).bits(), 0x14);
    assert_eq!(a.symmetric_difference(b).bits(), 0x15 | UNKNOWN);

    assert_eq!(a | b, a.union(b));
    assert_eq!(a & b, a.intersection(b));
    assert_eq!(a - b, a.difference(b));
    assert_eq!(a ^ b, a.symmetric_difference(b));

    // Flags on either side act as one-flag sets.
    assert_eq!(Perm::Read | Perm::Write, perms(0x3));
    assert_eq!(Perm::Read & Perm::Write, Perms::empty());
    assert_eq!(Perm::Read ^ Perm::Read, Perms::empty());
    assert_eq!(Perm::Read - Perm::Write, perms(0x1));
    assert_eq!(a | Perm::High, perms(0x8000_0003 | UNKNOWN));
    assert_eq!(a & Perm::Write, perms(0x2));
    assert_eq!(a ^ Perm::Write, perms(0x1 | UNKNOWN));
    assert_eq!(a - Perm::Write, perms(0x1 | UNKNOWN));
    assert_eq!(Perm::Exec | a, perms(0x13 | UNKNOWN));
    assert_eq!(Perm::Read & a, perms(0x1));
    assert_eq!(Perm::Read ^ a, perms(0x2 | UNKNOWN));
    assert_eq!(Perm::Read - a, Perms::empty());

    let mut c = a;
    c |= Perm::Exec;
    assert_eq!(c, perms(0x13 | UNKNOWN));
    c |= perms(0x4);
    assert_eq!(c, perms(0x17 | UNKNOWN));
    c &= !Perm::Read | perms(UNKNOWN);
    assert_eq!(c, perms(0x12 | UNKNOWN));
    c &= perms(0x2 | UNKNOWN);
    assert_eq!(c, perms(0x2 | UNKNOWN));
    c &= Perm::Write;
    assert_eq!(c, perms(0x2));
    c ^= Perm::High;
    assert_eq!(c, perms(0x8000_0002));
    c ^= perms(0x8000_0000 | UNKNOWN);
    assert_eq!(c, perms(0x2 | UNKNOWN));
    c -= Perm::Write;
    assert_eq!(c, perms(UNKNOWN));
    c -= perms(UNKNOWN);
    assert_eq!(c, Perms::empty());

    const U: Perms = Perms::empty().union(Perms::from_bits_retain(0x1));
    assert_eq!(U, perms(0x1));
}

#[test]
fn not_is_the_complement_within_known_bits() {
    assert_eq!(!perms(0x1 | UNKNOWN), perms(KNOWN & !0x1));
    assert_eq!((!perms(0x1 | UNKNOWN)).unknown_bits(), 0);
    assert_eq!(!Perms::empty(), Perms::all());
    assert_eq!(!Perms::all(), Perms::empty());
    assert_eq!(!Perm::High, perms(0x113));
    assert_eq!(perms(0x3).complement(), !perms(0x3));
}

#[test]
fn flags_yields_known_flags_in_ascending_bit_order() {
    let set = perms(u32::MAX);
    let flags: Vec<Perm> = set.flags().collect();
    assert_eq!(flags, Perm::ALL);
    assert_eq!(set.flags().len(), 5);
    let rev: Vec<Perm> = set.flags().rev().collect();
    assert_eq!(rev, [Perm::High, Perm::Mid, Perm::Exec, Perm::Write, Perm::Read]);

    let mut it = perms(0x8000_0010 | UNKNOWN).flags();
    assert_eq!(it.size_hint(), (2, Some(2)));
    assert_eq!(it.next(), Some(Perm::Exec));
    assert_eq!(it.len(), 1);
    assert_eq!(it.next_back(), Some(Perm::High));
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None, "fused");

    assert_eq!(perms(UNKNOWN).flags().count(), 0);
    // bitflags' own iteration: one-flag sets in declaration order, then the unknown bits.
    let sets: Vec<Perms> = perms(0x101 | UNKNOWN).into_iter().collect();
    assert_eq!(sets, [Perms::READ, Perms::MID, perms(UNKNOWN)]);
}

#[test]
fn collecting_and_extending() {
    let set: Perms = [Perm::High, Perm::Read].into_iter().collect();
    assert_eq!(set, perms(0x8000_0001));
    let set: Perms = [perms(UNKNOWN), perms(0x2)].into_iter().collect();
    assert_eq!(set, perms(UNKNOWN | 0x2));
    let mut set = perms(UNKNOWN);
    set.extend([Perm::Exec, Perm::Exec]);
    set.extend([perms(0x4)]);
    assert_eq!(set, perms(UNKNOWN | 0x14));
    let none: Perms = std::iter::empty::<Perm>().collect();
    assert_eq!(none, Perms::empty());
}

#[test]
fn conversions() {
    assert_eq!(Perms::from(Perm::Mid), perms(0x100));
    assert_eq!(Perms::from_bits_retain(0xFFFF_FFFFu32).bits(), u32::MAX);
    let hashed: HashSet<Perms> = [perms(1), perms(1), perms(2)].into_iter().collect();
    assert_eq!(hashed.len(), 2);
}

#[test]
fn display_and_debug() {
    assert_eq!(Perms::empty().to_string(), "0x0");
    assert_eq!(perms(0x1).to_string(), "READ");
    assert_eq!(perms(0x8000_0003).to_string(), "READ | WRITE | HIGH");
    assert_eq!(perms(UNKNOWN).to_string(), "0x4000000");
    assert_eq!(perms(0x3 | UNKNOWN | 0x4).to_string(), "READ | WRITE | 0x4000004");
    assert_eq!(Perms::all().to_string(), "READ | WRITE | EXEC | MID | HIGH");
    assert_eq!(perms(u32::MAX).to_string(), "READ | WRITE | EXEC | MID | HIGH | 0x7ffffeec");
    assert_eq!(format!("{:?}", perms(0x3 | UNKNOWN)), "Perms(READ | WRITE | 0x4000000)");
    assert_eq!(format!("{:?}", Perms::empty()), "Perms(0x0)");
}

#[test]
fn radix_formatting_forwards_to_bits() {
    let set = perms(0x8000_0013);
    assert_eq!(format!("{set:x}"), "80000013");
    assert_eq!(format!("{set:#X}"), "0x80000013");
    assert_eq!(format!("{:b}", perms(0x5)), "101");
    assert_eq!(format!("{:#010b}", perms(0x5)), "0b00000101");
    assert_eq!(format!("{:o}", perms(0o17)), "17");
}

fn round_trip_cases() -> Vec<u32> {
    let mut cases = vec![0, KNOWN, UNKNOWN, UNKNOWN | 0x1, u32::MAX, 0x4, 0x7FFF_FFFF, 0x8000_0004];
    cases.extend(Perm::ALL.iter().map(|p| p.bits()));
    cases.extend((0..32).map(|bit| 1u32 << bit));
    cases
}

#[test]
fn display_from_str_round_trip_is_exact() {
    for bits in round_trip_cases() {
        let text = perms(bits).to_string();
        assert_eq!(text.parse::<Perms>(), Ok(perms(bits)), "{text}");
    }
}

#[test]
fn from_str_accepts_full_names_spacing_and_several_numbers() {
    assert_eq!("TEST_FLAG_READ|WRITE".parse(), Ok(perms(0x3)));
    assert_eq!("  READ   |\tHIGH ".parse(), Ok(perms(0x8000_0001)));
    assert_eq!("0x0".parse(), Ok(Perms::empty()));
    assert_eq!("READ | 0x0".parse(), Ok(perms(0x1)));
    assert_eq!("0x4 | 0x4000000 | 0x1".parse(), Ok(perms(0x4 | UNKNOWN | 0x1)));
    assert_eq!("0xFFFFFFFF".parse(), Ok(perms(u32::MAX)));
    assert_eq!("READ | READ".parse(), Ok(perms(0x1)));
}

fn parse_err(text: &str) -> (String, String) {
    let err = text.parse::<Perms>().unwrap_err();
    (err.token().to_owned(), err.to_string())
}

#[test]
fn from_str_errors_name_the_token() {
    assert_eq!(parse_err(""), ("".into(), "empty perm flag list".into()));
    assert_eq!(parse_err("  "), ("".into(), "empty perm flag list".into()));
    assert_eq!(parse_err("READ||WRITE"), ("READ||WRITE".into(), "empty perm flag name in 'READ||WRITE'".into()));
    assert_eq!(parse_err("READ | "), ("READ | ".into(), "empty perm flag name in 'READ | '".into()));
    assert_eq!(parse_err("READ | NOPE"), ("NOPE".into(), "unknown perm flag name 'NOPE'".into()));
    assert_eq!(parse_err("read"), ("read".into(), "unknown perm flag name 'read'".into()));
    assert_eq!(parse_err("0xZZ"), ("0xZZ".into(), "invalid perm flag bits '0xZZ'".into()));
    assert_eq!(parse_err("0x"), ("0x".into(), "invalid perm flag bits '0x'".into()));
    assert_eq!(parse_err("0x+1"), ("0x+1".into(), "invalid perm flag bits '0x+1'".into()));
    assert_eq!(parse_err("0x100000000"), ("0x100000000".into(), "invalid perm flag bits '0x100000000'".into()));
    assert_eq!(parse_err("4"), ("4".into(), "unknown perm flag name '4'".into()));
}

#[test]
fn serde_shape() {
    let set = Perm::Read | Perm::Write | perms(UNKNOWN);
    assert_eq!(serde_json::to_string(&set).unwrap(), r#"["READ","WRITE","0x4000000"]"#);
    assert_eq!(serde_json::to_string(&Perms::empty()).unwrap(), "[]");
    assert_eq!(serde_json::to_string(&perms(0x4)).unwrap(), r#"["0x4"]"#);
    assert_eq!(serde_json::to_string(&Perm::High).unwrap(), r#""HIGH""#);
    assert_eq!(serde_json::to_string(&[Perm::Read, Perm::Mid]).unwrap(), r#"["READ","MID"]"#);
}

#[test]
fn serde_round_trip_is_exact() {
    for bits in round_trip_cases() {
        let json = serde_json::to_string(&perms(bits)).unwrap();
        assert_eq!(serde_json::from_str::<Perms>(&json).unwrap(), perms(bits), "{json}");
    }
    for &flag in Perm::ALL {
        let json = serde_json::to_string(&flag).unwrap();
        assert_eq!(serde_json::from_str::<Perm>(&json).unwrap(), flag);
    }
}

#[test]
fn serde_accepts_full_names_and_merges_numbers() {
    assert_eq!(serde_json::from_str::<Perm>(r#""TEST_FLAG_EXEC""#).unwrap(), Perm::Exec);
    let set: Perms = serde_json::from_str(r#"["TEST_FLAG_READ","0x4","HIGH","0x4000000"]"#).unwrap();
    assert_eq!(set, perms(0x8000_0005 | UNKNOWN));
}

#[test]
fn serde_errors_name_the_token() {
    let err = serde_json::from_str::<Perm>(r#""NOPE""#).unwrap_err();
    assert!(err.to_string().starts_with("unknown perm flag name 'NOPE'"), "{err}");
    let err = serde_json::from_str::<Perms>(r#"["READ","0xZZ"]"#).unwrap_err();
    assert!(err.to_string().starts_with("invalid perm flag bits '0xZZ'"), "{err}");
    let err = serde_json::from_str::<Perms>(r#""READ""#).unwrap_err();
    assert!(err.to_string().contains("a sequence of perm flag names"), "{err}");
    assert!(serde_json::from_str::<Perm>("1").is_err());
}

#[test]
fn u8_family_without_prefix() {
    assert_eq!(KeyUsage::ALL, &[KeyUsage::Sign, KeyUsage::Encrypt]);
    assert_eq!(KeyUsage::Encrypt.bits(), 0x80u8);
    assert_eq!(KeyUsage::Sign.name(), "SIGN");
    assert_eq!(KeyUsage::Sign.sdk_name(), "SIGN");
    assert_eq!(KeyUsages::all().bits(), 0x81);
    let set = KeyUsages::from_bits_retain(0xFF);
    assert_eq!(set.unknown_bits(), 0x7E);
    assert_eq!(set.to_string(), "SIGN | ENCRYPT | 0x7e");
    assert_eq!("SIGN | ENCRYPT | 0x7e".parse(), Ok(set));
    assert_eq!(!KeyUsage::Sign, KeyUsages::from(KeyUsage::Encrypt));
    assert_eq!((KeyUsage::Sign | KeyUsage::Encrypt).bits(), 0x81);
    assert_eq!(set.flags().rev().collect::<Vec<_>>(), [KeyUsage::Encrypt, KeyUsage::Sign]);
    let err = "0x100".parse::<KeyUsages>().unwrap_err();
    assert_eq!(err.to_string(), "invalid key usage flag bits '0x100'");
    let err: ParseKeyUsageError = "VERIFY".parse::<KeyUsage>().unwrap_err();
    assert_eq!(err.to_string(), "unknown key usage flag name 'VERIFY'");
}
