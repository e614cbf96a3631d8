//! Derives that turn SDK constant families and raw structs into safe Rust types: the syntax half
//! of `secpkg-family`, which holds the behaviour (as `serde_derive` is to `serde`). They read
//! their input with syn (the syn of serde_derive, so a graph with both builds it once).
//!
//! # Design
//!
//! A generator writes, into a `no_std` bindings crate, one `macro_rules!` per constant family.
//! It expands to a whole declaration carrying the family's facts as inert attributes, and
//! splices in the caller's attributes. A flag family is an enum:
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
//! and a family of values (ids, statuses) a newtype over the raw integer:
//!
//! ```ignore
//! #[macro_export]
//! macro_rules! demo_status_family {
//!     ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
//!         $(#[$meta])*
//!         #[family(repr = i32)]
//!         #[sdk(name = "DEMO_OK", value = $crate::DEMO_OK, doc = " It worked.")]
//!         // ... one #[sdk] per constant of the family, in ascending order of value
//!         #[repr(transparent)]
//!         $vis struct $name(pub i32);
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
//! bindings::demo_status_family! {
//!     #[derive(Clone, Copy, PartialEq, Eq, Hash, secpkg_macros::Values)]
//!     #[family(hex)]
//!     pub struct DemoStatus;
//! }
//! ```
//!
//! The generator has checked the facts (single bits, distinct values, identifiers, names
//! after the prefix), and the compiler types each `value` as the repr, so the derives check
//! only the shape of their input. They emit the family's table (`secpkg_family::Member`s), impls
//! of `secpkg_family::{Family, Flag, Values}`, and thin forwarding impls; the user crate depends
//! on `secpkg-family` (with its `serde` feature for `family(serde)`), which re-exports `bitflags`
//! for the set types. The derives name no SDK item.
//!
//! # Naming
//!
//! One rule for every derived name: a member is its SDK name less the family's `prefix`. That
//! name, as it is (SCREAMING_SNAKE_CASE), is the associated constant (`Capabilities::MUTUAL_AUTH`,
//! `PackageId::RPC_C_AUTHN_GSS_KERBEROS`) and the text form (`Display`, `FromStr`, serde,
//! `Debug`); a flag enum's variant is that name in UpperCamelCase (`Capability::MutualAuth`, which
//! the generator writes). A family whose members share no one prefix (package ids are
//! `RPC_C_AUTHN_*` and `SECPKG_ID_NONE`, statuses `SEC_E_*` and `SEC_I_*`) has none, so its names
//! are the SDK's and cannot collide (`RPC_C_AUTHN_NONE` beside `SECPKG_ID_NONE`). `sdk_name()`
//! is always the full SDK name, and `FromStr` also takes it.
//!
//! # `#[derive(Flags)]`
//!
//! On a fieldless enum without discriminants whose variants are single-bit constants.
//!
//! - `#[family(repr = u8|u16|u32|u64, set = SetName)]`, plus optional `prefix = "PREFIX_"` and
//!   the `serde` flag. The keys may be spread over several `#[family]`.
//! - each variant: `#[sdk(name = "FULL_SDK_NAME", value = <expr of the repr>)]`; its first doc
//!   line is its `doc()`.
//!
//! `SetName` is a [bitflags 2](https://docs.rs/bitflags/2) type (it implements `bitflags::Flags`)
//! with one constant per flag, in declaration order, plus `unknown_bits`, `flags` (the enum's
//! flags in the set), `Display` (bitflags' `A | B | 0x10`, and `0x0` for the empty set), `FromStr`
//! (also full SDK names) and with `serde` a sequence of names. The enum gets `ALL` (ascending bit
//! order), `member`, `bits`, `name`, `sdk_name`, `doc`, `set`, `from_bits`, `from_name`,
//! `Display`, `FromStr`, conversions to and from the set, the operators `| & ^ - !` (giving the
//! set) and with `serde` `Serialize`/`Deserialize`. `Parse<Enum>Error` is
//! `secpkg_family::ParseError`. The enum must be `Copy`.
//!
//! # `#[derive(Values)]`
//!
//! On a newtype `struct Name(pub <repr>);` (windows-rs' `HRESULT` shape): every raw value is a
//! value of the type, and equality is the integer's (derive `PartialEq`, `Eq`, `Hash`).
//!
//! - `#[family(repr = <u8..u64 or i8..i64>)]`, plus optional `prefix`, `hex` (unnamed values
//!   display as `0x` and the upper-case hex bit pattern) and `serde`.
//! - one `#[sdk(name = "SDK_NAME", value = <expr of the repr>, doc = "..")]` on the struct per
//!   named value, with any number of `alias = "OTHER_NAME"`.
//!
//! Written by hand rather than by a family macro, several `#[sdk]`s on one item trip clippy's
//! `duplicated_attributes` (it reads the repeated keys as one attribute given twice): allow it
//! there.
//!
//! The type gets one associated constant per named value, `ALL` (ascending value), `member`,
//! `from_value`, `value`, `sdk_name`, `doc`, `aliases`, `is_known`, `from_name`, `From` both
//! ways, `Display`, `FromStr`, `Debug` (`Name(SDK_NAME)`, else `Name(number)`),
//! `Parse<Type>Error` and with `serde` `Serialize`/`Deserialize`. The type must be `Copy`.
//!
//! ```
//! # use secpkg_macros::Values;
//! #[derive(Clone, Copy, PartialEq, Eq, Hash, Values)]
//! #[family(repr = i32, hex)]
//! #[sdk(name = "DEMO_OK", value = 0, doc = "It worked.")]
//! #[sdk(name = "DEMO_E_NOMEM", value = 0x80001234_u32 as i32, alias = "DEMO_E_OUTOFMEMORY")]
//! pub struct DemoStatus(pub i32);
//!
//! assert_eq!(DemoStatus(0x80001234_u32 as i32), DemoStatus::DEMO_E_NOMEM);
//! assert_eq!(DemoStatus(-1).to_string(), "0xFFFFFFFF");
//! assert_eq!(format!("{:?}", DemoStatus::DEMO_OK), "DemoStatus(DEMO_OK)");
//! assert_eq!("DEMO_E_OUTOFMEMORY".parse(), Ok(DemoStatus::DEMO_E_NOMEM));
//! ```
//!
//! # `#[derive(FromRaw)]`
//!
//! On an owned record with one field per field of a raw SDK struct; writes its
//! `from_raw(&Raw)`. The raw struct is destructured without `..`: a field the SDK adds is a
//! compile error until the record maps it, and a record field naming no raw field is one too.
//!
//! - `#[raw(from = RawStruct)]`, and where a field is a wide string `error = ErrorType` and
//!   `strings = path::to::module`, whose `unsafe fn required_string(ptr, field: &'static str)` and
//!   `optional_string` (null is empty) return `Result<String, ErrorType>`; with a `record` field
//!   also `unsafe fn required_record(ptr, field, read)`, which reads the record at `ptr` (null is
//!   an error) with `read`, the field type's `from_raw`.
//! - each field: `#[raw(RawField = conversion)]`, the conversion being `copy` (the value as it
//!   is), `flags` (`from_bits_retain`, unknown bits kept), `id` (`From` the raw integer), `wide`
//!   (a string that must be present), `optional_wide` (null is empty) or `record` (a pointer to
//!   one raw record that must be present, read by the field type's own `unsafe fn from_raw`).
//!
//! With a wide string field `from_raw` is an `unsafe fn` returning `Result` (its `# Safety` says
//! which pointers must be valid); without, a safe `fn` returning `Self`.

mod attrs;
mod flags;
mod from_raw;
mod values;

use proc_macro::TokenStream;

/// A flag type and its bitflags set type from a fieldless enum of single-bit SDK constants. See
/// the [crate docs](crate) for the attributes.
#[proc_macro_derive(Flags, attributes(family, sdk))]
pub fn derive_flags(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    flags::derive(input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Associated constants, names and text forms for a newtype over a raw SDK integer. See the
/// [crate docs](crate) for the attributes.
#[proc_macro_derive(Values, attributes(family, sdk))]
pub fn derive_values(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    values::derive(input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// An owned record's `from_raw`, field by field from a raw SDK struct. See the
/// [crate docs](crate) for the attributes.
#[proc_macro_derive(FromRaw, attributes(raw))]
pub fn derive_from_raw(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    from_raw::derive(input).unwrap_or_else(syn::Error::into_compile_error).into()
}
