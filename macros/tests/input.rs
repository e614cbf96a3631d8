//! The derives read their input by hand from the compiler's tokens: string literals in every
//! form (doc comments, escapes, raw strings), values that are whole expressions (commas inside
//! groups, `as`, `macro_rules!` fragments), visibilities, a `where` clause and raw identifiers.

use secpkg_macros::{Flags, IdEnum};

const fn pick(first: i32, second: i32) -> i32 {
    if first > second { first } else { second }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, IdEnum)]
#[family(repr = i32, prefix = "LIT\x5F")]
pub(crate) enum Text
where
    u8: Copy,
{
    /// Says "hi" to C:\Windows, {braces} and all.
    #[sdk(name = "LIT_DOC", value = 1)]
    Doc,
    #[doc = "\n  Escaped \"quote\",\ttab, \u{e9}, \x41, \
             continued line.  \n Second line."]
    #[sdk(name = r#"LIT_"RAW""#, value = 2, alias = r"LIT\ALIAS")]
    Escaped,
    /// The value comes first, and its commas are inside parentheses and braces.
    #[sdk(value = pick(3, { let (small, _) = (1, 2); small }), name = "LIT_PICKED")]
    Picked,
    #[sdk(name = "LIT_CAST", value = 0x8000_0000_u32 as i32)]
    Cast,
    Other(i32),
}

#[test]
fn string_literals_are_read_as_the_compiler_reads_them() {
    assert_eq!(Text::Doc.doc(), r#"Says "hi" to C:\Windows, {braces} and all."#);
    assert_eq!(Text::Escaped.doc(), "Escaped \"quote\",\ttab, \u{e9}, A, continued line.");
    assert_eq!(Text::Escaped.sdk_name(), Some(r#"LIT_"RAW""#));
    assert_eq!(Text::Escaped.aliases(), [r"LIT\ALIAS"]);
    assert_eq!(r"LIT\ALIAS".parse(), Ok(Text::Escaped));
    // The prefix `LIT\x5F` is `LIT_`.
    assert_eq!(Text::Doc.member().map(|m| m.name), Some("DOC"));
}

#[test]
fn values_are_whole_expressions() {
    assert_eq!(Text::Picked.value(), 3);
    assert_eq!(Text::Picked.sdk_name(), Some("LIT_PICKED"));
    assert_eq!(Text::Cast.value(), i32::MIN);
    assert_eq!(Text::from_value(i32::MIN), Text::Cast);
}

// Fragments (`$meta`, `$vis`, `$literal`, `$expr`) arrive in invisible groups, and the unknown
// variant's type is written in the macro's body, under its hygiene.
macro_rules! one_value_family {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $sdk_name:literal = $value:expr }) => {
        $(#[$meta])*
        $vis enum $name {
            #[sdk(name = $sdk_name, value = $value)]
            Named,
            Other(i64),
        }
    };
}

one_value_family! {
    /// A family built by `macro_rules!`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, IdEnum)]
    #[family(repr = i64)]
    pub(crate) enum OneValue { "ONE_VALUE" = 1 + 2 }
}

#[test]
fn macro_rules_fragments_are_read_through() {
    assert_eq!(OneValue::Named.value(), 3);
    assert_eq!(OneValue::Named.sdk_name(), Some("ONE_VALUE"));
    assert_eq!(OneValue::from_value(4), OneValue::Other(4));
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
