//! The metadata: the generator on the bundled Windows.Win32.winmd (windows-default, what
//! `cargo run -p secpkg-bindgen` reads) with the fuzzer's edits applied, must report errors,
//! never panic or hang.
//!
//! The input is a list of edits rather than a whole winmd, so that the seeds stay a few bytes
//! while the file edited is the real 24 MB one: each edit is a 4-byte little-endian offset
//! (taken modulo the file's length), a length byte and that many bytes to write there; an
//! offset with its top bit set instead cuts the file at that point. The empty input is the
//! unedited metadata, which generates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpkg_bindgen::{Metadata, Spec};
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

struct Fixture {
    spec: Spec,
    bundled: Vec<u8>,
    /// Where each run's edited metadata is written, for `--in` as the command reads it.
    file: tempfile::NamedTempFile,
}

static FIXTURE: LazyLock<Mutex<Fixture>> = LazyLock::new(|| {
    let spec = Spec::read(&secpkg_bindgen::default_spec()).expect("the committed spec reads");
    let bundled = Metadata::bundled().expect("the bundled metadata reads").bytes;
    let file = tempfile::Builder::new().suffix(".winmd").tempfile().expect("a temporary file");
    Mutex::new(Fixture { spec, bundled, file })
});

/// The bundled metadata with `edits` applied.
fn edited(bundled: &[u8], mut edits: &[u8]) -> Vec<u8> {
    let mut bytes = bundled.to_vec();
    while let [a, b, c, d, len, rest @ ..] = edits {
        let offset = u32::from_le_bytes([*a, *b, *c, *d]);
        let len = usize::from(*len).min(rest.len());
        let (patch, next) = rest.split_at(len);
        edits = next;
        if bytes.is_empty() {
            break;
        }
        if offset & 0x8000_0000 != 0 {
            let at = (offset & 0x7fff_ffff) as usize % bytes.len();
            bytes.truncate(at);
            continue;
        }
        let at = offset as usize % bytes.len();
        let end = (at + patch.len()).min(bytes.len());
        bytes[at..end].copy_from_slice(&patch[..end - at]);
    }
    bytes
}

fuzz_target!(|data: &[u8]| {
    let fixture = FIXTURE.lock().unwrap();
    let bytes = edited(&fixture.bundled, data);
    let path: PathBuf = fixture.file.path().to_owned();
    std::fs::write(&path, &bytes).expect("the temporary file is writable");
    let metadata = match secpkg_bindgen::read_metadata(Some(&path)) {
        Ok(metadata) => metadata,
        Err(error) => {
            assert!(error.message.contains(".winmd"), "a metadata error names the file: {error}");
            return;
        }
    };
    match secpkg_bindgen::generate_output(&fixture.spec, &metadata) {
        Ok(output) => assert!(output.files.contains_key(secpkg_bindgen::lock::FILE)),
        Err(error) => assert!(!error.message.is_empty()),
    }
});
