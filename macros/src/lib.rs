//! Derives that turn SDK constant families into safe Rust types: the syntax half of
//! `secpkg-family`, which holds the behaviour (as `serde_derive` is to `serde`).
//!
//! # Design
//!
//! A generator writes, into a `no_std` bindings crate, one `macro_rules!` per constant family.
//! It expands to a whole enum declaration carrying the family's facts as inert attributes, and
//! splices in the caller's attributes and extra variants:
//!
//! ```ignore
//! #[macro_export]
//! macro_rules! demo_flag_family {
//!     ($(#[$meta:meta])* $vis:vis enum $name:ident { $($extra:tt)* }) => {
//!         $(#[$meta])*
//!         #[family(repr = u32, prefix = "DEMO_FLAG_")]
//!         $vis enum $name {
//!             #[doc = " Signs messages."]
//!             #[sdk(name = "DEMO_FLAG_SIGN", value = $crate::DEMO_FLAG_SIGN)]
//!             Sign,
//!             // ... one variant per constant of the family, in ascending order of value
//!             $($extra)*
//!         }
//!     };
//! }
//! ```
//!
//! The user crate invokes it with a derive and what only it decides (the set's name, `hex`,
//! `serde`):
//!
//! ```ignore
//! bindings::demo_flag_family! {
//!     #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, secpkg_macros::Flags)]
//!     #[family(set = DemoFlags)]
//!     #[cfg_attr(feature = "serde", family(serde))]
//!     pub enum DemoFlag {}
//! }
//! ```
//!
//! The generator has checked the facts (single bits, distinct values, identifiers, names
//! after the prefix), and the compiler types each `value` as the repr, so the derives check
//! only the shape of their input. They emit the family's table (`secpkg_family::Member`s), impls
//! of `secpkg_family::{Family, Flag, IdEnum}`, and thin forwarding impls; the user crate depends
//! on `secpkg-family` (with its `serde` feature for `family(serde)`). The derives name no SDK
//! item.
//!
//! # `#[derive(Flags)]`
//!
//! On a fieldless enum without discriminants whose variants are single-bit constants.
//!
//! - `#[family(repr = u8|u16|u32|u64, set = SetName)]`, plus optional `prefix = "PREFIX_"`
//!   (stripped from SDK names to form short names) and the `serde` flag. The keys may be spread
//!   over several `#[family]`.
//! - each variant: `#[sdk(name = "FULL_SDK_NAME", value = <expr of the repr>)]`; its first doc
//!   line is its `doc()`.
//!
//! The enum gets `ALL` (ascending bit order), `member`, `bits`, `name` (short), `sdk_name`,
//! `doc`, `from_bits`, `from_name`, `Display`, `FromStr`, the operators `| & ^ - !` (giving the
//! set) and with `serde` `Serialize`/`Deserialize`. `SetName` is an alias of
//! `secpkg_family::FlagSet<Enum, repr>` and `Parse<Enum>Error` of `secpkg_family::ParseError`.
//! The enum must be `Copy`.
//!
//! # `#[derive(IdEnum)]`
//!
//! On an enum of named values plus exactly one tuple variant holding every other raw value.
//!
//! - `#[family(repr = <u8..u64 or i8..i64>)]`, plus optional `hex` (unknown values display as
//!   `0x` and the upper-case hex bit pattern) and `serde`.
//! - each unit variant: `#[sdk(name = "SDK_NAME", value = <expr of the repr>)]` and any number
//!   of `alias = "OTHER_NAME"`.
//!
//! The enum gets `ALL` (ascending value), `member`, `from_value` (total), `value`, `sdk_name`,
//! `doc`, `aliases`, `is_known`, `from_name`, `From` both ways, `Display`, `FromStr`,
//! `Parse<Enum>Error` and with `serde` `Serialize`/`Deserialize`. The enum must be `Copy`.
//!
//! ```
//! # use secpkg_macros::IdEnum;
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, IdEnum)]
//! #[family(repr = i32, hex)]
//! pub enum DemoStatus {
//!     /// It worked.
//!     #[sdk(name = "DEMO_OK", value = 0)]
//!     Ok,
//!     /// Out of memory.
//!     #[sdk(name = "DEMO_E_NOMEM", value = 0x80001234_u32 as i32, alias = "DEMO_E_OUTOFMEMORY")]
//!     NoMemory,
//!     /// A status with no SDK name.
//!     Unknown(i32),
//! }
//!
//! assert_eq!(DemoStatus::from_value(0x80001234_u32 as i32), DemoStatus::NoMemory);
//! assert_eq!(DemoStatus::from_value(-1).to_string(), "0xFFFFFFFF");
//! assert_eq!("DEMO_E_OUTOFMEMORY".parse(), Ok(DemoStatus::NoMemory));
//! ```

mod attrs;
mod flags;
mod id_enum;
mod parse;

use proc_macro::TokenStream;

/// A flag type and its set type from a fieldless enum of single-bit SDK constants. See the
/// [crate docs](crate) for the attributes.
#[proc_macro_derive(Flags, attributes(family, sdk))]
pub fn derive_flags(input: TokenStream) -> TokenStream {
    flags::derive(input.into()).unwrap_or_else(parse::Error::into_compile_error).into()
}

/// A total, lossless integer id enum from named SDK values plus one variant for everything
/// else. See the [crate docs](crate) for the attributes.
#[proc_macro_derive(IdEnum, attributes(family, sdk))]
pub fn derive_id_enum(input: TokenStream) -> TokenStream {
    id_enum::derive(input.into()).unwrap_or_else(parse::Error::into_compile_error).into()
}
