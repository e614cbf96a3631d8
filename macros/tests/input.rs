//! The derives read their input with syn: string literals in every form (doc comments, escapes,
//! raw strings), values that are whole expressions (generic arguments, qualified paths, commas
//! inside groups, `as`, `macro_rules!` fragments), visibilities, a `where` clause and raw
//! identifiers. The generic cases are those the hand-written token parser misread.

// clippy reads two `#[sdk]`s with the same keys as one attribute given twice; each is one
// member. (From a generated family macro's expansion it says nothing.)
#![allow(clippy::duplicated_attributes)]

use secpkg_macros::{Flags, Values};

const fn pick(first: i32, second: i32) -> i32 {
    if first > second { first } else { second }
}

/// 16 times the size of `A` plus the size of `B`: `sizes::<u8, u16>()` is 18.
const fn sizes<A, B>() -> i32 {
    (size_of::<A>() * 16 + size_of::<B>()) as i32
}

trait Valued {
    const V: i32;
}

struct X<A, B>(A, B);

impl Valued for X<u8, u16> {
    const V: i32 = 7;
}

trait FirstOf {
    type Out;
}

impl<A, B> FirstOf for (A, B) {
    type Out = A;
}

/// `First<i32, u16>` is `i32`: a field type whose generic arguments hold a comma.
type First<A, B> = <(A, B) as FirstOf>::Out;

#[derive(Clone, Copy, PartialEq, Eq, Values)]
#[family(repr = i32, prefix = "LIT\x5F")]
#[sdk(name = "LIT_DOC", value = 1, doc = "Says \"hi\" to C:\\Windows, {braces} and all.")]
#[sdk(
    name = r#"LIT_RAW"#,
    value = 2,
    alias = r"LIT\ALIAS",
    doc = "\n  Escaped \"quote\",\ttab, \u{e9}, \x41, \
             continued line.  \n Second line."
)]
#[sdk(value = pick(3, { let (small, _) = (1, 2); small }), name = "LIT_PICKED")]
#[sdk(name = "LIT_CAST", value = 0x8000_0000_u32 as i32)]
#[sdk(name = "A", value = sizes::<u8, u16>())]
#[sdk(name = "LIT_QUALIFIED", value = <X<u8, u16> as Valued>::V)]
pub(crate) struct Text(pub First<i32, u16>)
where
    u8: Copy;

#[test]
fn string_literals_are_read_as_the_compiler_reads_them() {
    assert_eq!(Text::DOC.doc(), r#"Says "hi" to C:\Windows, {braces} and all."#);
    assert_eq!(Text::RAW.doc(), "Escaped \"quote\",\ttab, \u{e9}, A, continued line.");
    assert_eq!(Text::RAW.sdk_name(), Some("LIT_RAW"));
    assert_eq!(Text::RAW.aliases(), [r"LIT\ALIAS"]);
    assert_eq!(r"LIT\ALIAS".parse(), Ok(Text::RAW));
    // The prefix `LIT\x5F` is `LIT_`.
    assert_eq!(Text::DOC.member().map(|m| m.name), Some("DOC"));
}

#[test]
fn values_are_whole_expressions() {
    assert_eq!(Text::PICKED.value(), 3);
    assert_eq!(Text::PICKED.sdk_name(), Some("LIT_PICKED"));
    assert_eq!(Text::CAST.value(), i32::MIN);
    assert_eq!(Text::from_value(i32::MIN), Text::CAST);
    // `#[sdk(name = "A", value = pick::<u8, u16>())]`-style: one value, no key `u16`.
    assert_eq!(Text::A.value(), 18);
    assert_eq!(Text::QUALIFIED.value(), 7);
    assert_eq!(Text::ALL.len(), 6);
    assert_eq!(Text(18).sdk_name(), Some("A"));
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Flags)]
#[family(repr = u32, set = DocFlags)]
enum DocFlag {
    /// Says "hi" to C:\Windows, {braces} and all.
    #[sdk(name = "DOC", value = 1)]
    Doc,
    #[doc = "\n  Escaped \"quote\",\ttab, \u{e9}, \x41, \
             continued line.  \n Second line."]
    #[sdk(name = r#"ESCAPED"#, value = 2)]
    Escaped,
    /// A bit from a generic call and a qualified path.
    #[sdk(name = "GENERIC", value = 1 << (sizes::<u8, u16>() - <X<u8, u16> as Valued>::V))]
    Generic,
}

#[test]
fn doc_comments_are_read_as_the_compiler_reads_them() {
    assert_eq!(DocFlag::Doc.doc(), r#"Says "hi" to C:\Windows, {braces} and all."#);
    assert_eq!(DocFlag::Escaped.doc(), "Escaped \"quote\",\ttab, \u{e9}, A, continued line.");
    assert_eq!(DocFlag::Generic.bits(), 1 << 11);
    assert_eq!(DocFlags::GENERIC.bits(), 1 << 11);
}

// Fragments (`$meta`, `$vis`, `$literal`, `$expr`) arrive in invisible groups, and the field's
// type is written in the macro's body, under its hygiene.
macro_rules! one_value_family {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $sdk_name:literal = $value:expr }) => {
        $(#[$meta])*
        #[sdk(name = $sdk_name, value = $value)]
        $vis struct $name(i64);
    };
}

one_value_family! {
    /// A family built by `macro_rules!`.
    #[derive(Clone, Copy, PartialEq, Eq, Values)]
    #[family(repr = i64)]
    pub(crate) struct OneValue { "ONE_VALUE" = 1 + 2 }
}

#[test]
fn macro_rules_fragments_are_read_through() {
    assert_eq!(OneValue::ONE_VALUE.value(), 3);
    assert_eq!(OneValue::ONE_VALUE.sdk_name(), Some("ONE_VALUE"));
    assert_eq!(OneValue::from_value(4).sdk_name(), None);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Flags)]
#[family(repr = u8, set = r#TypeSet)]
pub enum r#Type {
    #[sdk(name = "TYPE_ONE", value = 1)]
    One,
}

#[test]
fn raw_identifiers_lose_their_prefix_in_messages() {
    let error = "NOPE".parse::<r#Type>().unwrap_err();
    assert_eq!(error.to_string(), "unknown type flag name 'NOPE'");
    assert_eq!(TypeSet::from(r#Type::One).to_string(), "TYPE_ONE");
}
