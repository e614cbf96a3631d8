//! Compile-fail cases check each derive's messages and spans; the pass case
//! checks that generated code is warning-free in a `#![deny(warnings)]` crate.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
