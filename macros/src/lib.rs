//! Derives that turn SDK constant families and raw C structs into safe Rust
//! types.
//!
//! # Design
//!
//! The constants themselves are not written here or by hand. A generator
//! writes, into a `no_std` bindings crate with no proc-macro dependencies,
//! one `macro_rules!` per constant family. Each expands to a whole enum
//! declaration whose variants carry the SDK facts as inert attributes —
//! `#[sdk(name = "...", value = ...)]` and a doc comment — and it splices in
//! the caller's attributes and extra variants:
//!
//! ```ignore
//! #[macro_export]
//! macro_rules! demo_flag_family {
//!     ($(#[$meta:meta])* $vis:vis enum $name:ident { $($extra:tt)* }) => {
//!         $(#[$meta])*
//!         $vis enum $name {
//!             /// Signs messages.
//!             #[sdk(name = "DEMO_FLAG_SIGN", value = 0x1)]
//!             Sign,
//!             // ... one variant per constant of the family
//!             $($extra)*
//!         }
//!     };
//! }
//! ```
//!
//! The user crate invokes that macro with one of the derives below, which
//! read the `#[sdk]` facts and generate the API:
//!
//! ```ignore
//! bindings::demo_flag_family! {
//!     /// One demo flag.
//!     #[derive(Clone, Copy, PartialEq, Eq, Hash, secpkg_macros::Flags)]
//!     #[family(repr = u32, prefix = "DEMO_FLAG_", set = DemoFlags)]
//!     #[cfg_attr(feature = "serde", family(serde))]
//!     pub enum DemoFlag {}
//! }
//! ```
//!
//! The derives see the expanded enum, variant list included. The split keeps
//! the metadata in one generated place and the code that interprets it in one
//! reviewed place, and the bindings crate stays free of proc-macro
//! dependencies. The derives know nothing about any particular SDK: every
//! name they use comes from the input.
//!
//! Serde support is opt-in per type with the `serde` flag of `#[family]`. As
//! `cfg_attr` is expanded before a derive sees its input, the user crate ties
//! it to its own feature with `#[cfg_attr(feature = "serde", family(serde))]`;
//! the generated code names `::serde`, so that crate must depend on serde.
//! Generated error types name `::std`.
//!
//! Three rules hold for all generated code: it never panics on any input,
//! conversions from raw integers are total, and bits or values that have no
//! SDK name are kept rather than dropped (the only exceptions are the flag
//! set operations documented as truncating).
//!
//! # `#[derive(Flags)]`
//!
//! On a fieldless enum whose variants are single-bit constants:
//!
//! ```
//! use secpkg_macros::Flags;
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Flags)]
//! #[family(repr = u32, prefix = "DEMO_FLAG_", set = DemoFlags)]
//! pub enum DemoFlag {
//!     /// Signs messages.
//!     #[sdk(name = "DEMO_FLAG_SIGN", value = 0x1)]
//!     Sign,
//!     /// Seals messages.
//!     #[sdk(name = "DEMO_FLAG_SEAL", value = 0x4)]
//!     Seal,
//! }
//!
//! let set = DemoFlag::Sign | DemoFlags::from_bits_retain(0x100);
//! assert_eq!(set.to_string(), "SIGN | 0x100");
//! assert_eq!("SIGN | 0x100".parse::<DemoFlags>(), Ok(set));
//! assert_eq!(DemoFlag::Seal.sdk_name(), "DEMO_FLAG_SEAL");
//! assert_eq!(DemoFlag::Seal.doc(), "Seals messages.");
//! assert_eq!(set.unknown_bits(), 0x100);
//! ```
//!
//! Attributes:
//! - `#[family(repr = u8|u16|u32|u64, set = SetName)]`, plus optional
//!   `prefix = "PREFIX_"` (stripped to form the short name, default `""`)
//!   and the `serde` flag. The keys may be spread over several `#[family]`.
//! - each variant: `#[sdk(name = "FULL_SDK_NAME", value = 0x4)]`; the value
//!   must be one bit that fits the repr, unique in the family, and the name
//!   must start with the prefix. The first doc line is the flag's `doc()`.
//!
//! The enum gets `ALL`, `bits`, `name` (prefix stripped), `sdk_name`, `doc`,
//! `from_bits`, `from_name` (short or full name), `Display` and `FromStr`.
//! The enum must be `Copy`.
//!
//! The set (same visibility as the enum) is a `#[repr(transparent)]` newtype
//! over the repr with the `bitflags`-style API: `empty`, `all`, `bits`,
//! `from_bits_retain`, `from_bits`, `from_bits_truncate`, `unknown_bits`,
//! `known`, `is_empty`, `is_all`, `contains`, `intersects`, `insert`,
//! `remove`, `toggle`, `set`, `union`, `intersection`, `difference`,
//! `symmetric_difference`, `complement`, `iter` (known flags in ascending bit
//! order, via `<Set>Iter`), the operators `| & ^ -` (and their assigning
//! forms) on any mix of set and flag, `!`, iterator traits, `From`
//! conversions, and `Debug`, `Display`, `FromStr`, `Binary`, `Octal`,
//! `LowerHex`, `UpperHex`.
//!
//! Like `bitflags`, `!`/`complement`, `known` and `from_bits_truncate` keep
//! only known bits; everything else keeps unknown bits. The text form is the
//! short names in ascending bit order and then all unknown bits as one
//! lower-case `0x` number, joined by ` | `; the empty set is `0x0`. `FromStr`
//! reads exactly that back (also full SDK names, any `0x` numbers, and any
//! whitespace around `|`). With `serde`, a flag is its short name and a set is
//! a sequence of short names followed by one `"0x.."` string if any bits are
//! unknown: `["SIGN", "0x100"]`.
//!
//! Parse errors are `Parse<Enum>Error`, whose message names the offending
//! token: `unknown demo flag name 'FOO'`, `empty demo flag list`.
//!
//! # `#[derive(IdEnum)]`
//!
//! On an enum of named values plus exactly one tuple variant that holds every
//! other raw value:
//!
//! ```
//! use secpkg_macros::IdEnum;
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, IdEnum)]
//! #[family(repr = i32, hex)]
//! pub enum DemoStatus {
//!     /// It worked.
//!     #[sdk(name = "DEMO_OK", value = 0)]
//!     Ok,
//!     /// Out of memory.
//!     #[sdk(name = "DEMO_E_NOMEM", value = 0x80001234, alias = "DEMO_E_OUTOFMEMORY")]
//!     NoMemory,
//!     /// A status with no SDK name.
//!     Unknown(i32),
//! }
//!
//! assert_eq!(DemoStatus::from_raw(0x80001234_u32 as i32), DemoStatus::NoMemory);
//! assert_eq!(DemoStatus::from_raw(7), DemoStatus::Unknown(7));
//! assert_eq!(DemoStatus::from_raw(-1).to_string(), "0xFFFFFFFF");
//! assert_eq!("DEMO_E_OUTOFMEMORY".parse(), Ok(DemoStatus::NoMemory));
//! assert_eq!("0".parse(), Ok(DemoStatus::Ok));
//! ```
//!
//! Attributes:
//! - `#[family(repr = <u8..u64 or i8..i64>)]`, plus optional `hex` (unknown
//!   values display as `0x` and the upper-case hex bit pattern instead of
//!   decimal), `prefix = "..."` (documentation only) and `serde`.
//! - each unit variant: `#[sdk(name = "SDK_NAME", value = <int>)]` and any
//!   number of `alias = "OTHER_NAME"`. The value may be negative; for a
//!   signed repr a hex, octal or binary literal above the maximum is read as
//!   the unsigned bit pattern (`0x80001234` is `-2147478988i32`), a decimal
//!   one is an error.
//!
//! Generated: `from_raw` (total), `raw`, `name`, `doc`, `aliases`,
//! `is_known`, `KNOWN` (ascending raw value), `From` both ways, `Display`
//! (name, else the number) and `FromStr` (name, alias, decimal, or `0x` hex
//! bit pattern, through `from_raw`) with `Parse<Enum>Error`. With `serde`: the
//! `Display` string out; a string or an integer in. The enum must be `Copy`;
//! `Debug`, ordering and the rest are the user's derives.
//!
//! # `#[derive(FromRaw)]`
//!
//! On a struct with named fields, each mapped from a field of a raw C struct:
//!
//! ```
//! use secpkg_macros::FromRaw;
//!
//! #[repr(C)]
//! pub struct RawThing {
//!     pub cbSize: u32,
//!     pub wVersion: u16,
//! }
//!
//! #[derive(Debug, PartialEq, FromRaw)]
//! #[from_raw(raw = RawThing, exhaustive)]
//! pub struct Thing {
//!     #[from_raw(field = cbSize)]
//!     pub size: u64,
//!     #[from_raw(field = wVersion)]
//!     pub version: u16,
//! }
//!
//! let raw = RawThing { cbSize: 8, wVersion: 2 };
//! // SAFETY: no field uses a `with` conversion.
//! let thing = unsafe { Thing::from_raw(&raw) };
//! assert_eq!(thing, Ok(Thing { size: 8, version: 2 }));
//! ```
//!
//! Attributes:
//! - on the struct: `#[from_raw(raw = path::to::Raw)]`, plus optional
//!   `error = ErrorType` (default `core::convert::Infallible`) and the
//!   `exhaustive` flag (every raw field must be mapped).
//! - on each field: `#[from_raw(field = RawField)]`, converted with
//!   `From::from(raw.RawField)`, or `#[from_raw(field = RawField, with =
//!   path::to::convert)]` where `convert` is an
//!   `unsafe fn(RawFieldTy, &'static str) -> Result<FieldTy, ErrorType>`
//!   receiving the raw value and the raw field's name (for pointer fields).
//!
//! Generated: `pub unsafe fn from_raw(raw: &Raw) -> Result<Self, ErrorType>`,
//! whose safety contract is that of the `with` functions. There is
//! deliberately no `TryFrom<&Raw>`: it would look safe on unsafe input.
//! Field types that borrow or point (`&str`, `*const u16`, `impl Trait`, `fn`
//! pointers) are rejected, and each raw field access carries the span of the
//! user's field name, so a misspelled or retyped raw field is reported there.

mod attrs;
mod flags;
mod from_raw;
mod id_enum;
mod template;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// A flag type and its set type from a fieldless enum of single-bit SDK
/// constants. See the [crate docs](crate) for the attributes.
#[proc_macro_derive(Flags, attributes(family, sdk))]
pub fn derive_flags(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    flags::derive(input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// A total, lossless integer id enum from named SDK values plus one variant
/// for everything else. See the [crate docs](crate) for the attributes.
#[proc_macro_derive(IdEnum, attributes(family, sdk))]
pub fn derive_id_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    id_enum::derive(input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// `unsafe fn from_raw(&Raw) -> Result<Self, E>` for an owned struct mapped
/// field by field from a raw C struct. See the [crate docs](crate).
#[proc_macro_derive(FromRaw, attributes(from_raw))]
pub fn derive_from_raw(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    from_raw::derive(input).unwrap_or_else(syn::Error::into_compile_error).into()
}
