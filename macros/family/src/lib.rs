//! The behaviour of the types that `secpkg-macros` derives from SDK constant families, written
//! once as generic code.
//!
//! The split is serde's: `#[derive(Flags)]` and `#[derive(Values)]` read a family's
//! `#[family(..)]` and `#[sdk(..)]` attributes and emit only a table of [`Member`]s, an impl of
//! [`Family`] plus [`Flag`] or [`Values`], and thin forwarding impls (`Display`, `FromStr`,
//! operators, serde). A flag family's set is a [`bitflags`] type, which brings its methods,
//! operators and `Flags` trait; what bitflags lacks lives here: the members' SDK names and
//! descriptions, the text forms that take them, and serde in the shape of a list of names. An
//! alias names each family's parse error (`pub type ParseCapabilityError = ParseError<Capability>`).
//!
//! Three rules hold throughout: nothing panics on any input, conversions from raw integers are
//! total, and bits or values without an SDK name are kept, never dropped (the only exceptions are
//! bitflags' operations documented as truncating).
//!
//! Text forms: a flag is its short name (SDK name without the family prefix); a set is bitflags'
//! text, its flags' short names in ascending bit order and then its unknown bits as one
//! lower-case `0x` number, joined by ` | `, except that the empty set is `0x0`; `FromStr` reads
//! that back, and also full SDK names, any `0x` numbers and any whitespace around `|`. A value is
//! its SDK name, else its number (decimal, or with [`Values::HEX`] `0x` and the upper-case hex bit
//! pattern); `FromStr` also takes aliases, decimal numbers and `0x` bit patterns. With the `serde`
//! feature a flag is its short name, a set a sequence of short names plus one `"0x.."` string if
//! any bits are unknown (bitflags' own serde writes one `"A | B"` string instead), a value its
//! text form (read back from a string or an integer).

use core::fmt;
use core::hash::Hash;
use core::marker::PhantomData;

pub use bitflags;

/// What the SDK says about one named member of a family. The derives emit one per named
/// variant, in declaration order ([`Family::MEMBERS`]).
#[derive(Debug)]
pub struct Member<V: 'static> {
    /// The constant's value: a flag's single bit, an id's raw value.
    pub value: V,
    /// The full SDK name.
    pub sdk_name: &'static str,
    /// The SDK name without the family prefix.
    pub name: &'static str,
    /// Other SDK names with the same value.
    pub aliases: &'static [&'static str],
    /// The first line of the variant's documentation, or `""`.
    pub doc: &'static str,
}

impl<V> Member<V> {
    /// A member, in the order of the fields (one short line per member in the derives' output).
    pub const fn new(
        value: V,
        sdk_name: &'static str,
        name: &'static str,
        aliases: &'static [&'static str],
        doc: &'static str,
    ) -> Self {
        Member { value, sdk_name, name, aliases, doc }
    }
}

/// What both derives implement: the family's table.
pub trait Family: Copy + 'static {
    /// The raw integer type.
    type Value: Int;
    /// How messages name a member: `capability flag`, `status`.
    const NOUN: &'static str;
    /// The facts of every named variant, in declaration order.
    const MEMBERS: &'static [Member<Self::Value>];
    /// Every named variant, in ascending order of value.
    const ALL: &'static [Self];
    /// Where `self`'s facts are in [`Family::MEMBERS`]; `None` for a value with no SDK name.
    fn index(self) -> Option<usize>;
}

/// A family of single-bit constants (`#[derive(Flags)]`), the members of a bitflags set.
pub trait Flag: Family {
    /// The bitflags type of sets of these flags.
    type Set: bitflags::Flags<Bits = Self::Value>;
}

/// A newtype over a raw integer with named values (`#[derive(Values)]`).
pub trait Values: Family {
    /// Whether a value with no SDK name prints as `0x` and its upper-case hex bit pattern rather
    /// than in decimal.
    const HEX: bool;
    /// The value holding `value`.
    fn from_value(value: Self::Value) -> Self;
    /// The raw value.
    fn value(self) -> Self::Value;
}

mod sealed {
    pub trait Sealed {}
}

/// The primitive integers a family's values can have.
pub trait Int: Copy + Eq + Hash + Default + fmt::Debug + fmt::Display + sealed::Sealed + 'static {
    /// The width in bits.
    const BITS: u32;
    /// Whether the type is signed.
    const SIGNED: bool;
    /// The value, widened.
    fn to_i128(self) -> i128;
    /// The value if it fits.
    fn from_i128(value: i128) -> Option<Self>;
    /// The value whose bit pattern is `pattern`, if `pattern` has no bit above the width.
    fn from_pattern(pattern: u128) -> Option<Self> {
        if pattern >> Self::BITS != 0 {
            return None;
        }
        let negative = Self::SIGNED && pattern >> (Self::BITS - 1) != 0;
        Self::from_i128(if negative { pattern as i128 - (1i128 << Self::BITS) } else { pattern as i128 })
    }
    /// The bit pattern (two's complement within the width).
    fn pattern(self) -> u128 {
        (self.to_i128() as u128) & (u128::MAX >> (128 - Self::BITS))
    }
}

macro_rules! ints {
    ($($int:ident)*) => {$(
        impl sealed::Sealed for $int {}
        impl Int for $int {
            const BITS: u32 = $int::BITS;
            const SIGNED: bool = $int::MIN != 0;
            fn to_i128(self) -> i128 {
                self.into()
            }
            fn from_i128(value: i128) -> Option<Self> {
                value.try_into().ok()
            }
        }
    )*};
}
ints!(u8 u16 u32 u64 i8 i16 i32 i64);

/// The facts of a named variant; `None` for a value with no SDK name.
#[must_use]
pub fn member<T: Family>(item: T) -> Option<&'static Member<T::Value>> {
    item.index().and_then(|i| T::MEMBERS.get(i))
}

/// The named member with this value.
#[must_use]
pub fn find_by_value<T: Family>(value: T::Value) -> Option<T> {
    T::ALL.iter().copied().find(|&item| member(item).is_some_and(|m| m.value == value))
}

/// The named member with this name: short, full SDK name or alias, exact case.
#[must_use]
pub fn find_by_name<T: Family>(name: &str) -> Option<T> {
    let named = |m: &Member<T::Value>| m.name == name || m.sdk_name == name || m.aliases.contains(&name);
    T::ALL.iter().copied().find(|&item| member(item).is_some_and(named))
}

/// The positions of `keys` in ascending order, for [`Family::ALL`]: a const insertion sort,
/// so the table keeps its declaration order while `ALL` is in value order.
pub const fn ascending<const N: usize>(keys: [i128; N]) -> [usize; N] {
    let mut order = [0; N];
    let mut i = 0;
    while i < N {
        order[i] = i;
        let mut j = i;
        while j > 0 && keys[order[j - 1]] > keys[order[j]] {
            (order[j - 1], order[j]) = (order[j], order[j - 1]);
            j -= 1;
        }
        i += 1;
    }
    order
}

/// Why text did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    UnknownName,
    EmptyName,
    EmptyNameIn,
    EmptyList,
    InvalidBits,
    InvalidValue,
}

impl Reason {
    fn describe(self, noun: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::UnknownName => write!(f, "unknown {noun} name"),
            Reason::EmptyName => write!(f, "empty {noun} name"),
            Reason::EmptyNameIn => write!(f, "empty {noun} name in"),
            Reason::EmptyList => write!(f, "empty {noun} list"),
            Reason::InvalidBits => write!(f, "invalid {noun} bits"),
            Reason::InvalidValue => write!(f, "invalid {noun} value"),
        }
    }
}

/// Error from parsing a member of family `T`, or a set of them, from text. Its message names the
/// offending token: `unknown capability flag name 'FOO'`.
pub struct ParseError<T> {
    token: String,
    reason: Reason,
    family: PhantomData<fn() -> T>,
}

impl<T> ParseError<T> {
    fn new(token: &str, reason: Reason) -> Self {
        ParseError { token: token.to_owned(), reason, family: PhantomData }
    }

    /// The text the error is about: the unknown name or malformed number; the whole input when
    /// a name between two `|` is empty; `""` when the input is empty.
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl<T> Clone for ParseError<T> {
    fn clone(&self) -> Self {
        ParseError { token: self.token.clone(), reason: self.reason, family: PhantomData }
    }
}

impl<T> PartialEq for ParseError<T> {
    fn eq(&self, other: &Self) -> bool {
        (&self.token, self.reason) == (&other.token, other.reason)
    }
}

impl<T> Eq for ParseError<T> {}

impl<T> fmt::Debug for ParseError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseError").field("token", &self.token).field("reason", &self.reason).finish()
    }
}

impl<T: Family> fmt::Display for ParseError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.reason.describe(T::NOUN, f)?;
        if !self.token.is_empty() {
            write!(f, " '{}'", self.token)?;
        }
        Ok(())
    }
}

impl<T: Family> std::error::Error for ParseError<T> {}

/// A flag's text form: its short name.
pub fn fmt_flag<F: Flag>(flag: F, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(member(flag).map_or("", |m| m.name))
}

/// Reads a flag by short or full SDK name.
pub fn parse_flag<F: Flag>(text: &str) -> Result<F, ParseError<F>> {
    let reason = if text.is_empty() { Reason::EmptyName } else { Reason::UnknownName };
    find_by_name(text).ok_or_else(|| ParseError::new(text, reason))
}

/// A value's text form: its SDK name, else its number.
pub fn fmt_value<E: Values>(id: E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match member(id) {
        Some(m) => f.write_str(m.sdk_name),
        None if E::HEX => write!(f, "{:#X}", id.value().pattern()),
        None => fmt::Display::fmt(&id.value(), f),
    }
}

/// Reads a value: a name, an alias, a decimal number or `0x` and a hex bit pattern.
pub fn parse_value<E: Values>(text: &str) -> Result<E, ParseError<E>> {
    if let Some(id) = find_by_name(text) {
        return Ok(id);
    }
    // SDK names are C identifiers, so a leading digit or sign means the text was meant as a number.
    let reason = match text.chars().next() {
        None => Reason::EmptyName,
        Some(c) if !(c.is_ascii_digit() || c == '-' || c == '+') => Reason::UnknownName,
        Some(_) => {
            let value = match text.strip_prefix("0x") {
                Some(hex) => hex_digits(hex).and_then(E::Value::from_pattern),
                None => text.parse::<i128>().ok().and_then(E::Value::from_i128),
            };
            match value {
                Some(value) => return Ok(E::from_value(value)),
                None => Reason::InvalidValue,
            }
        }
    };
    Err(ParseError::new(text, reason))
}

/// The number `hex` spells, if it is only hex digits (`from_str_radix` alone would take a sign).
fn hex_digits(hex: &str) -> Option<u128> {
    let digits = !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    digits.then(|| u128::from_str_radix(hex, 16).ok()).flatten()
}

/// A set's text form, bitflags' (`A | B | 0x10`) but in ascending bit order whatever the
/// declaration order, and `0x0` for the empty set, where bitflags writes nothing (an empty string
/// would read back as no set at all).
pub fn fmt_set<F: Flag>(set: &F::Set, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let bits = bitflags::Flags::bits(set);
    let mut separator = "";
    for flag in FlagIter::<F>::new(bits) {
        f.write_str(separator)?;
        fmt_flag(flag, f)?;
        separator = " | ";
    }
    let unknown = bits.pattern() & !known_pattern::<F>();
    if unknown != 0 || separator.is_empty() {
        write!(f, "{separator}{unknown:#x}")?;
    }
    Ok(())
}

/// Every bit a flag of `F` names.
fn known_pattern<F: Flag>() -> u128 {
    F::MEMBERS.iter().fold(0, |known, m| known | m.value.pattern())
}

/// One token of a set's text form: a flag name (short or full) or a `0x..` number.
fn parse_token<F: Flag>(token: &str) -> Result<u128, Reason> {
    if let Some(hex) = token.strip_prefix("0x") {
        return hex_digits(hex).filter(|bits| bits >> <F::Value as Int>::BITS == 0).ok_or(Reason::InvalidBits);
    }
    match find_by_name::<F>(token).and_then(member) {
        Some(m) => Ok(m.value.pattern()),
        None if token.is_empty() => Err(Reason::EmptyName),
        None => Err(Reason::UnknownName),
    }
}

/// Reads a set: names and `0x` numbers joined by `|`. bitflags' parser takes only the short
/// names and its errors do not name the family, so this one stays.
pub fn parse_set<F: Flag>(text: &str) -> Result<F::Set, ParseError<F>> {
    if text.trim().is_empty() {
        return Err(ParseError::new("", Reason::EmptyList));
    }
    let mut bits = 0;
    for token in text.split('|').map(str::trim) {
        if token.is_empty() {
            return Err(ParseError::new(text, Reason::EmptyNameIn));
        }
        bits |= parse_token::<F>(token).map_err(|reason| ParseError::new(token, reason))?;
    }
    Ok(set_of::<F>(bits))
}

/// The set with these bits; every caller passes bits of the family's width.
fn set_of<F: Flag>(bits: u128) -> F::Set {
    <F::Set as bitflags::Flags>::from_bits_retain(F::Value::from_pattern(bits).unwrap_or_default())
}

/// Iterator over the known flags of a set, in ascending bit order.
pub struct FlagIter<F> {
    /// Only known bits, each of which maps to one flag: that makes the length exact.
    remaining: u128,
    family: PhantomData<fn() -> F>,
}

impl<F: Flag> FlagIter<F> {
    /// The known flags of `bits`.
    pub fn new(bits: F::Value) -> Self {
        FlagIter { remaining: bits.pattern() & known_pattern::<F>(), family: PhantomData }
    }

    fn take(&mut self, bit: u128) -> Option<F> {
        self.remaining &= !bit;
        F::ALL.iter().copied().find(|&flag| member(flag).is_some_and(|m| m.value.pattern() == bit))
    }
}

impl<F> Clone for FlagIter<F> {
    fn clone(&self) -> Self {
        FlagIter { remaining: self.remaining, family: PhantomData }
    }
}

impl<F> fmt::Debug for FlagIter<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlagIter").field("remaining", &self.remaining).finish()
    }
}

impl<F: Flag> Iterator for FlagIter<F> {
    type Item = F;

    fn next(&mut self) -> Option<F> {
        let lowest = self.remaining & self.remaining.wrapping_neg();
        if lowest == 0 { None } else { self.take(lowest) }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining.count_ones() as usize;
        (n, Some(n))
    }
}

impl<F: Flag> DoubleEndedIterator for FlagIter<F> {
    fn next_back(&mut self) -> Option<F> {
        let highest = 1u128.checked_shl(127u32.checked_sub(self.remaining.leading_zeros())?)?;
        self.take(highest)
    }
}

impl<F: Flag> ExactSizeIterator for FlagIter<F> {}

impl<F: Flag> core::iter::FusedIterator for FlagIter<F> {}

/// What the derives' serde impls forward to, and serde itself for them to name.
#[cfg(feature = "serde")]
#[doc(hidden)]
pub mod serde_support {
    use super::{Flag, FlagIter, Int, ParseError, Values, fmt, member, parse_flag, parse_token, parse_value, set_of};
    use core::marker::PhantomData;
    pub use serde_core as serde;
    use serde_core::de::{self, Deserializer, SeqAccess, Unexpected, Visitor};
    use serde_core::ser::{SerializeSeq, Serializer};

    struct FlagVisitor<F>(PhantomData<fn() -> F>);

    impl<'de, F: Flag> Visitor<'de> for FlagVisitor<F> {
        type Value = F;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} name", F::NOUN)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<F, E> {
            parse_flag(v).map_err(E::custom)
        }
    }

    /// A flag as its short name.
    pub fn serialize_flag<F: Flag, S: Serializer>(flag: F, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(member(flag).map_or("", |m| m.name))
    }

    /// A flag from its short or full name.
    pub fn deserialize_flag<'de, F: Flag, D: Deserializer<'de>>(deserializer: D) -> Result<F, D::Error> {
        deserializer.deserialize_str(FlagVisitor(PhantomData))
    }

    /// A set as a sequence of its flags' short names, plus one `"0x.."` string for unknown bits.
    pub fn serialize_set<F: Flag, S: Serializer>(set: &F::Set, serializer: S) -> Result<S::Ok, S::Error> {
        let bits = bitflags::Flags::bits(set);
        let flags = FlagIter::<F>::new(bits);
        let unknown = bits.pattern() & !super::known_pattern::<F>();
        let mut seq = serializer.serialize_seq(Some(flags.len() + usize::from(unknown != 0)))?;
        for flag in flags {
            seq.serialize_element(member(flag).map_or("", |m| m.name))?;
        }
        if unknown != 0 {
            seq.serialize_element(&format!("{unknown:#x}"))?;
        }
        seq.end()
    }

    struct SetVisitor<F>(PhantomData<fn() -> F>);

    impl<'de, F: Flag> Visitor<'de> for SetVisitor<F> {
        type Value = F::Set;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a sequence of {} names and `0x..` numbers", F::NOUN)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<F::Set, A::Error> {
            let mut bits = 0;
            while let Some(token) = seq.next_element::<String>()? {
                let reason = parse_token::<F>(&token).map_err(|reason| ParseError::<F>::new(&token, reason));
                bits |= reason.map_err(de::Error::custom)?;
            }
            Ok(set_of::<F>(bits))
        }
    }

    /// A set from a sequence of names and `"0x.."` strings.
    pub fn deserialize_set<'de, F: Flag, D: Deserializer<'de>>(deserializer: D) -> Result<F::Set, D::Error> {
        deserializer.deserialize_seq(SetVisitor::<F>(PhantomData))
    }

    /// A value as its text form.
    pub fn serialize_value<E: Values + fmt::Display, S: Serializer>(id: E, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&id)
    }

    struct IdVisitor<E>(PhantomData<fn() -> E>);

    impl<'de, E: Values> Visitor<'de> for IdVisitor<E> {
        type Value = E;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} name or integer", E::NOUN)
        }
        fn visit_str<Er: de::Error>(self, v: &str) -> Result<E, Er> {
            parse_value(v).map_err(Er::custom)
        }
        fn visit_i64<Er: de::Error>(self, v: i64) -> Result<E, Er> {
            let value = E::Value::from_i128(v.into());
            value.map(E::from_value).ok_or_else(|| Er::invalid_value(Unexpected::Signed(v), &self))
        }
        fn visit_u64<Er: de::Error>(self, v: u64) -> Result<E, Er> {
            // A signed family also takes the unsigned bit pattern (an HRESULT written as
            // 2148074245 by a tool that thinks in DWORDs), as its hex text does.
            let value = E::Value::from_i128(v.into()).or_else(|| E::Value::from_pattern(v.into()));
            value.map(E::from_value).ok_or_else(|| Er::invalid_value(Unexpected::Unsigned(v), &self))
        }
    }

    /// A value from a string (its text form) or an integer.
    pub fn deserialize_value<'de, E: Values, D: Deserializer<'de>>(deserializer: D) -> Result<E, D::Error> {
        deserializer.deserialize_any(IdVisitor(PhantomData))
    }
}
