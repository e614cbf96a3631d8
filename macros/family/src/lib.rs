//! The behaviour of the types that `secpkg-macros` derives from SDK constant families, written
//! once as generic code.
//!
//! The split is serde's: `#[derive(Flags)]` and `#[derive(IdEnum)]` read a family's
//! `#[family(..)]` and `#[sdk(..)]` attributes and emit only a table of [`Member`]s, an impl of
//! [`Family`] plus [`Flag`] or [`IdEnum`], and thin forwarding impls (`Display`, `FromStr`,
//! operators, serde). Everything those impls forward to lives here: the set type [`FlagSet`],
//! the text forms, parsing and serde. A type alias names each family's set
//! (`pub type Capabilities = FlagSet<Capability, u32>`) and error
//! (`pub type ParseCapabilityError = ParseError<Capability>`).
//!
//! Three rules hold throughout: nothing panics on any input, conversions from raw integers are
//! total, and bits or values without an SDK name are kept, never dropped (the only exceptions are
//! the set operations documented as truncating, as in `bitflags`).
//!
//! Text forms: a flag is its short name (SDK name without the family prefix); a set is its flags'
//! short names in ascending bit order and then its unknown bits as one lower-case `0x` number,
//! joined by ` | ` (the empty set is `0x0`); `FromStr` reads that back, and also full SDK names,
//! any `0x` numbers and any whitespace around `|`. An id is its SDK name, else its number (decimal,
//! or with [`IdEnum::HEX`] `0x` and the upper-case hex bit pattern); `FromStr` also takes aliases,
//! decimal numbers and `0x` bit patterns. With the `serde` feature a flag is its short name, a set
//! a sequence of short names plus one `"0x.."` string if any bits are unknown, an id its text
//! form (read back from a string or an integer).

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, BitXor, BitXorAssign, Not, Sub, SubAssign};
use core::str::FromStr;

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

/// A family of single-bit constants, the members of a [`FlagSet`] (`#[derive(Flags)]`).
pub trait Flag: Family {
    /// The set type's name, for `Debug`.
    const SET: &'static str;
    /// Every known bit.
    const ALL_BITS: Self::Value;
}

/// A family of values plus one variant holding every other raw value (`#[derive(IdEnum)]`).
pub trait IdEnum: Family {
    /// Whether a value with no SDK name prints as `0x` and its upper-case hex bit pattern rather
    /// than in decimal.
    const HEX: bool;
    /// The variant for `value`: the named one if the SDK names it, else the unknown variant.
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

/// The named variant with this value.
#[must_use]
pub fn find_by_value<T: Family>(value: T::Value) -> Option<T> {
    T::ALL.iter().copied().find(|&item| member(item).is_some_and(|m| m.value == value))
}

/// The named variant with this name: short, full SDK name or alias, exact case.
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

/// An id's text form: its SDK name, else its number.
pub fn fmt_id<E: IdEnum>(id: E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match member(id) {
        Some(m) => f.write_str(m.sdk_name),
        None if E::HEX => write!(f, "{:#X}", id.value().pattern()),
        None => fmt::Display::fmt(&id.value(), f),
    }
}

/// Reads an id: a name, an alias, a decimal number or `0x` and a hex bit pattern.
pub fn parse_id<E: IdEnum>(text: &str) -> Result<E, ParseError<E>> {
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

/// A set of flags of family `F` over the raw integer `B` (`F::Value`), bitflags-style: the
/// derives name it with an alias (`pub type Capabilities = FlagSet<Capability, u32>`).
///
/// Bits that no flag names are kept through every operation except the ones that say
/// otherwise ([`from_bits_truncate`](Self::from_bits_truncate), [`known`](Self::known) and
/// `!`/[`complement`](Self::complement)), and print as one `0x..` number.
#[repr(transparent)]
pub struct FlagSet<F, B>(B, PhantomData<fn() -> F>);

// The const methods need the concrete integer: a generic one has no const operators.
macro_rules! flag_sets {
    ($($bits:ident)*) => {$(
        impl<F: Flag<Value = $bits>> FlagSet<F, $bits> {
            /// The set with no bits.
            #[must_use]
            pub const fn empty() -> Self {
                Self(0, PhantomData)
            }

            /// The set of every known flag.
            #[must_use]
            pub const fn all() -> Self {
                Self(F::ALL_BITS, PhantomData)
            }

            /// The raw bits, unknown ones included.
            #[must_use]
            pub const fn bits(self) -> $bits {
                self.0
            }

            /// The set with exactly these bits, unknown ones included.
            #[must_use]
            pub const fn from_bits_retain(bits: $bits) -> Self {
                Self(bits, PhantomData)
            }

            /// The set with these bits, or `None` if any bit is unknown.
            #[must_use]
            pub const fn from_bits(bits: $bits) -> Option<Self> {
                if bits & !F::ALL_BITS == 0 { Some(Self(bits, PhantomData)) } else { None }
            }

            /// The set with the known bits of `bits`; unknown bits are dropped.
            #[must_use]
            pub const fn from_bits_truncate(bits: $bits) -> Self {
                Self(bits & F::ALL_BITS, PhantomData)
            }

            /// The bits that no known flag names.
            #[must_use]
            pub const fn unknown_bits(self) -> $bits {
                self.0 & !F::ALL_BITS
            }

            /// The set without its unknown bits.
            #[must_use]
            pub const fn known(self) -> Self {
                Self::from_bits_truncate(self.0)
            }

            /// Whether no bit at all is set (an unknown bit counts).
            #[must_use]
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// Whether every known flag is set (unknown bits may be set too).
            #[must_use]
            pub const fn is_all(self) -> bool {
                self.0 & F::ALL_BITS == F::ALL_BITS
            }

            /// Whether every bit of `other` is set in `self`.
            #[must_use]
            pub fn contains(self, other: impl Into<Self>) -> bool {
                let other = other.into().0;
                self.0 & other == other
            }

            /// Whether `self` and `other` share any bit.
            #[must_use]
            pub fn intersects(self, other: impl Into<Self>) -> bool {
                self.0 & other.into().0 != 0
            }

            /// Sets the bits of `other`.
            pub fn insert(&mut self, other: impl Into<Self>) {
                self.0 |= other.into().0;
            }

            /// Clears the bits of `other`.
            pub fn remove(&mut self, other: impl Into<Self>) {
                self.0 &= !other.into().0;
            }

            /// Flips the bits of `other`.
            pub fn toggle(&mut self, other: impl Into<Self>) {
                self.0 ^= other.into().0;
            }

            /// Sets (`value == true`) or clears the bits of `other`.
            pub fn set(&mut self, other: impl Into<Self>, value: bool) {
                if value { self.insert(other) } else { self.remove(other) }
            }

            /// The bits set in either (`|`).
            #[must_use]
            pub const fn union(self, other: Self) -> Self {
                Self(self.0 | other.0, PhantomData)
            }

            /// The bits set in both (`&`).
            #[must_use]
            pub const fn intersection(self, other: Self) -> Self {
                Self(self.0 & other.0, PhantomData)
            }

            /// The bits of `self` not set in `other` (`-`); unknown bits of `self` stay unless
            /// `other` has them.
            #[must_use]
            pub const fn difference(self, other: Self) -> Self {
                Self(self.0 & !other.0, PhantomData)
            }

            /// The bits set in exactly one of them (`^`).
            #[must_use]
            pub const fn symmetric_difference(self, other: Self) -> Self {
                Self(self.0 ^ other.0, PhantomData)
            }

            /// The known flags not in `self` (`!`). Like `bitflags`, this drops unknown bits: the
            /// complement of an unknown bit is every other unknown bit, which no one means.
            #[must_use]
            pub const fn complement(self) -> Self {
                Self::from_bits_truncate(!self.0)
            }
        }

        impl<F: Flag<Value = $bits>> From<$bits> for FlagSet<F, $bits> {
            fn from(bits: $bits) -> Self {
                Self(bits, PhantomData)
            }
        }

        impl<F: Flag<Value = $bits>> From<FlagSet<F, $bits>> for $bits {
            fn from(set: FlagSet<F, $bits>) -> Self {
                set.0
            }
        }

        impl<F: Flag<Value = $bits>> From<F> for FlagSet<F, $bits> {
            fn from(flag: F) -> Self {
                Self(member(flag).map_or(0, |m| m.value), PhantomData)
            }
        }

        flag_sets!(@ops $bits BitOr bitor BitOrAssign bitor_assign union);
        flag_sets!(@ops $bits BitAnd bitand BitAndAssign bitand_assign intersection);
        flag_sets!(@ops $bits BitXor bitxor BitXorAssign bitxor_assign symmetric_difference);
        flag_sets!(@ops $bits Sub sub SubAssign sub_assign difference);

        impl<F: Flag<Value = $bits>> Not for FlagSet<F, $bits> {
            type Output = Self;
            fn not(self) -> Self {
                self.complement()
            }
        }

        flag_sets!(@radix $bits Binary Octal LowerHex UpperHex);
    )*};
    (@ops $bits:ident $op:ident $method:ident $assign:ident $assign_method:ident $set_method:ident) => {
        impl<F: Flag<Value = $bits>, R: Into<Self>> $op<R> for FlagSet<F, $bits> {
            type Output = Self;
            fn $method(self, rhs: R) -> Self {
                self.$set_method(rhs.into())
            }
        }

        impl<F: Flag<Value = $bits>, R: Into<Self>> $assign<R> for FlagSet<F, $bits> {
            fn $assign_method(&mut self, rhs: R) {
                *self = self.$set_method(rhs.into());
            }
        }
    };
    (@radix $bits:ident $($radix:ident)*) => {$(
        impl<F: Flag<Value = $bits>> fmt::$radix for FlagSet<F, $bits> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::$radix::fmt(&self.0, f)
            }
        }
    )*};
}
flag_sets!(u8 u16 u32 u64);

impl<F: Flag<Value = B>, B: Int> FlagSet<F, B> {
    /// The known flags in the set, in ascending bit order.
    pub fn iter(&self) -> Iter<F> {
        Iter { remaining: self.0.pattern() & F::ALL_BITS.pattern(), family: PhantomData }
    }

    fn with_pattern(self, pattern: u128) -> Self {
        // Every caller passes bits of this width, so the fallback is never taken.
        Self(B::from_pattern(pattern).unwrap_or(self.0), PhantomData)
    }
}

impl<F, B: Copy> Clone for FlagSet<F, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F, B: Copy> Copy for FlagSet<F, B> {}

impl<F, B: PartialEq> PartialEq for FlagSet<F, B> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<F, B: Eq> Eq for FlagSet<F, B> {}

impl<F, B: Hash> Hash for FlagSet<F, B> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<F, B: Default> Default for FlagSet<F, B> {
    fn default() -> Self {
        Self(B::default(), PhantomData)
    }
}

impl<F: Flag<Value = B>, B: Int> fmt::Display for FlagSet<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        for flag in self.iter() {
            f.write_str(separator)?;
            fmt_flag(flag, f)?;
            separator = " | ";
        }
        let unknown = self.0.pattern() & !F::ALL_BITS.pattern();
        if unknown != 0 || separator.is_empty() {
            write!(f, "{separator}{unknown:#x}")?;
        }
        Ok(())
    }
}

impl<F: Flag<Value = B>, B: Int> fmt::Debug for FlagSet<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({self})", F::SET)
    }
}

/// One token of a set's text form: a flag name or a `0x..` number.
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

impl<F: Flag<Value = B>, B: Int> FromStr for FlagSet<F, B> {
    type Err = ParseError<F>;

    fn from_str(text: &str) -> Result<Self, ParseError<F>> {
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
        Ok(Self(B::default(), PhantomData).with_pattern(bits))
    }
}

/// Iterator over the known flags of a [`FlagSet`], in ascending bit order.
pub struct Iter<F> {
    /// Only known bits, each of which maps to one flag: that makes the length exact.
    remaining: u128,
    family: PhantomData<fn() -> F>,
}

impl<F: Flag> Iter<F> {
    fn take(&mut self, bit: u128) -> Option<F> {
        self.remaining &= !bit;
        F::ALL.iter().copied().find(|&flag| member(flag).is_some_and(|m| m.value.pattern() == bit))
    }
}

impl<F> Clone for Iter<F> {
    fn clone(&self) -> Self {
        Iter { remaining: self.remaining, family: PhantomData }
    }
}

impl<F> fmt::Debug for Iter<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("remaining", &self.remaining).finish()
    }
}

impl<F: Flag> Iterator for Iter<F> {
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

impl<F: Flag> DoubleEndedIterator for Iter<F> {
    fn next_back(&mut self) -> Option<F> {
        let highest = 1u128.checked_shl(127u32.checked_sub(self.remaining.leading_zeros())?)?;
        self.take(highest)
    }
}

impl<F: Flag> ExactSizeIterator for Iter<F> {}

impl<F: Flag> core::iter::FusedIterator for Iter<F> {}

impl<F: Flag<Value = B>, B: Int> IntoIterator for FlagSet<F, B> {
    type Item = F;
    type IntoIter = Iter<F>;
    fn into_iter(self) -> Iter<F> {
        self.iter()
    }
}

impl<F: Flag<Value = B>, B: Int> IntoIterator for &FlagSet<F, B> {
    type Item = F;
    type IntoIter = Iter<F>;
    fn into_iter(self) -> Iter<F> {
        self.iter()
    }
}

impl<F: Flag<Value = B>, B: Int> Extend<F> for FlagSet<F, B> {
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for flag in iter {
            *self = self.with_pattern(self.0.pattern() | member(flag).map_or(0, |m| m.value.pattern()));
        }
    }
}

impl<F: Flag<Value = B>, B: Int> Extend<FlagSet<F, B>> for FlagSet<F, B> {
    fn extend<I: IntoIterator<Item = FlagSet<F, B>>>(&mut self, iter: I) {
        for set in iter {
            *self = self.with_pattern(self.0.pattern() | set.0.pattern());
        }
    }
}

impl<F: Flag<Value = B>, B: Int, T> FromIterator<T> for FlagSet<F, B>
where
    Self: Extend<T>,
{
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self(B::default(), PhantomData);
        set.extend(iter);
        set
    }
}

/// What the derives' serde impls forward to, and serde itself for them to name.
#[cfg(feature = "serde")]
#[doc(hidden)]
pub mod serde_support {
    use super::{Flag, FlagSet, IdEnum, Int, ParseError, fmt, member, parse_flag, parse_id, parse_token};
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

    impl<F: Flag<Value = B>, B: Int> serde_core::Serialize for FlagSet<F, B> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let unknown = self.0.pattern() & !F::ALL_BITS.pattern();
            let mut seq = serializer.serialize_seq(Some(self.iter().len() + usize::from(unknown != 0)))?;
            for flag in self.iter() {
                seq.serialize_element(member(flag).map_or("", |m| m.name))?;
            }
            if unknown != 0 {
                seq.serialize_element(&format!("{unknown:#x}"))?;
            }
            seq.end()
        }
    }

    struct SetVisitor<F, B>(PhantomData<fn() -> FlagSet<F, B>>);

    impl<'de, F: Flag<Value = B>, B: Int> Visitor<'de> for SetVisitor<F, B> {
        type Value = FlagSet<F, B>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a sequence of {} names and `0x..` numbers", F::NOUN)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FlagSet<F, B>, A::Error> {
            let mut bits = 0;
            while let Some(token) = seq.next_element::<String>()? {
                let reason = parse_token::<F>(&token).map_err(|reason| ParseError::<F>::new(&token, reason));
                bits |= reason.map_err(de::Error::custom)?;
            }
            Ok(FlagSet(B::default(), PhantomData).with_pattern(bits))
        }
    }

    impl<'de, F: Flag<Value = B>, B: Int> serde_core::Deserialize<'de> for FlagSet<F, B> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_seq(SetVisitor(PhantomData))
        }
    }

    /// An id as its text form.
    pub fn serialize_id<E: IdEnum + fmt::Display, S: Serializer>(id: E, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&id)
    }

    struct IdVisitor<E>(PhantomData<fn() -> E>);

    impl<'de, E: IdEnum> Visitor<'de> for IdVisitor<E> {
        type Value = E;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} name or integer", E::NOUN)
        }
        fn visit_str<Er: de::Error>(self, v: &str) -> Result<E, Er> {
            parse_id(v).map_err(Er::custom)
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

    /// An id from a string (its text form) or an integer.
    pub fn deserialize_id<'de, E: IdEnum, D: Deserializer<'de>>(deserializer: D) -> Result<E, D::Error> {
        deserializer.deserialize_any(IdVisitor(PhantomData))
    }
}
