//! The spec (bindgen/sspi.toml): any text is read to a `Spec` or one error naming the line, and
//! a spec that reads is generated from against the bundled metadata, which must end in output
//! or errors, never a panic. Seeds: the committed spec and variants of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpkg_bindgen::{Metadata, Spec};
use std::path::Path;
use std::sync::LazyLock;

static METADATA: LazyLock<Metadata> = LazyLock::new(|| Metadata::bundled().expect("the bundled metadata reads"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz/sspi.toml");
    let spec = match Spec::parse(path, text.to_owned()) {
        Ok(spec) => spec,
        Err(error) => {
            assert!(error.message.starts_with("fuzz/sspi.toml:"), "an error names the file and line: {error}");
            return;
        }
    };
    match secpkg_bindgen::generate_output(&spec, &METADATA) {
        Ok(output) => assert!(output.files.contains_key(secpkg_bindgen::lock::FILE), "a generation writes its lock"),
        Err(error) => assert!(!error.message.is_empty()),
    }
});
