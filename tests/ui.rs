//! What the compiler refuses: provider buffers and credentials outliving their provider, contexts
//! outliving their credentials, and loading code outside `unsafe`. The messages are rustc's,
//! pinned with trybuild.
#![cfg(all(unix, feature = "gssapi"))]

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
