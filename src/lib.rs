//! secpkg: safe access to the SSPI security package list.
#![deny(unsafe_op_in_unsafe_fn)]

pub use secpkg_sys as sys;
