//! `#[derive(FromRaw)]` from a `#[repr(C)]` struct declared here, with a flag
//! set field, an id enum field, a widened integer and UTF-16 string pointers
//! converted by `with` functions written here.

#![allow(non_snake_case)]

use std::ptr;

use secpkg_macros::{Flags, FromRaw, IdEnum};

#[repr(C)]
pub struct RawInfo {
    pub fCaps: u32,
    pub wVersion: u16,
    pub cbMax: u16,
    pub Name: *const u16,
    pub Comment: *const u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Flags)]
#[family(repr = u32, prefix = "CAP_", set = Caps)]
pub enum Cap {
    #[sdk(name = "CAP_A", value = 0x1)]
    A,
    #[sdk(name = "CAP_B", value = 0x4)]
    B,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, IdEnum)]
#[family(repr = u16)]
pub enum Version {
    #[sdk(name = "VERSION_1", value = 1)]
    V1,
    Other(u16),
}

#[derive(Debug, PartialEq, Eq)]
pub enum ConvError {
    Null(&'static str),
    BadUtf16(&'static str),
}

/// Reads a NUL-terminated UTF-16 string.
///
/// # Safety
/// `ptr` is null or valid for reads up to and including its NUL.
unsafe fn utf16(ptr: *const u16, field: &'static str) -> Result<String, ConvError> {
    // SAFETY: forwarded to the caller.
    unsafe { opt_utf16(ptr, field) }?.ok_or(ConvError::Null(field))
}

/// Like [`utf16`], with null meaning no string.
///
/// # Safety
/// `ptr` is null or valid for reads up to and including its NUL.
unsafe fn opt_utf16(ptr: *const u16, field: &'static str) -> Result<Option<String>, ConvError> {
    if ptr.is_null() {
        return Ok(None);
    }
    let mut len = 0;
    // SAFETY: the caller promises readable units up to the NUL.
    while unsafe { *ptr.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` units before the NUL were just read.
    let units = unsafe { std::slice::from_raw_parts(ptr, len) };
    String::from_utf16(units).map(Some).map_err(|_| ConvError::BadUtf16(field))
}

#[derive(Debug, PartialEq, Eq, FromRaw)]
#[from_raw(raw = RawInfo, error = ConvError, exhaustive)]
pub struct Info {
    #[from_raw(field = fCaps)]
    pub caps: Caps,
    #[from_raw(field = wVersion)]
    pub version: Version,
    #[from_raw(field = cbMax)]
    pub max: u64,
    #[from_raw(field = Name, with = utf16)]
    pub name: String,
    #[from_raw(field = Comment, with = crate::opt_utf16)]
    pub comment: Option<String>,
}

/// A subset of the raw fields, without `exhaustive`, with the default
/// `Infallible` error.
#[derive(Debug, PartialEq, Eq, FromRaw)]
#[from_raw(raw = crate::RawInfo)]
pub struct Summary {
    #[from_raw(field = cbMax)]
    pub max: u32,
    #[from_raw(field = fCaps)]
    pub caps: u32,
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

#[test]
fn converts_every_field() {
    let name = wide("Négociation ✓");
    let comment = wide("a comment");
    let raw =
        RawInfo { fCaps: 0x5 | 0x100, wVersion: 1, cbMax: 48_000, Name: name.as_ptr(), Comment: comment.as_ptr() };
    // SAFETY: both pointers are NUL-terminated buffers that outlive the call.
    let info = unsafe { Info::from_raw(&raw) }.unwrap();
    assert_eq!(
        info,
        Info {
            caps: Caps::from_bits_retain(0x105),
            version: Version::V1,
            max: 48_000,
            name: "Négociation ✓".to_owned(),
            comment: Some("a comment".to_owned()),
        }
    );
    assert_eq!(info.caps.unknown_bits(), 0x100, "unknown raw bits survive");
}

#[test]
fn unknown_ids_and_null_optional_pointers() {
    let name = wide("");
    let raw = RawInfo { fCaps: 0, wVersion: 9, cbMax: 0, Name: name.as_ptr(), Comment: ptr::null() };
    // SAFETY: `Name` is NUL-terminated; `Comment` is null, which is allowed.
    let info = unsafe { Info::from_raw(&raw) }.unwrap();
    assert_eq!(info.version, Version::Other(9));
    assert_eq!(info.name, "");
    assert_eq!(info.comment, None);
    assert!(info.caps.is_empty());
}

#[test]
fn errors_from_with_carry_the_raw_field_name() {
    let raw = RawInfo { fCaps: 0, wVersion: 1, cbMax: 0, Name: ptr::null(), Comment: ptr::null() };
    // SAFETY: null pointers are allowed by both conversions.
    assert_eq!(unsafe { Info::from_raw(&raw) }, Err(ConvError::Null("Name")));

    let lone_surrogate = [0xD800u16, 0];
    let name = wide("ok");
    let raw = RawInfo { Comment: lone_surrogate.as_ptr(), Name: name.as_ptr(), ..raw };
    // SAFETY: both pointers are NUL-terminated buffers that outlive the call.
    assert_eq!(unsafe { Info::from_raw(&raw) }, Err(ConvError::BadUtf16("Comment")));
}

#[test]
fn subset_with_infallible_error() {
    let raw = RawInfo { fCaps: 7, wVersion: 1, cbMax: 65_535, Name: ptr::null(), Comment: ptr::null() };
    // SAFETY: no field has a `with` conversion.
    let summary: Result<Summary, std::convert::Infallible> = unsafe { Summary::from_raw(&raw) };
    assert_eq!(summary, Ok(Summary { max: 65_535, caps: 7 }));
}
