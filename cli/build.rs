//! Only for this repository's tests: which real providers this machine has (tests/common/probe.rs).
//! The published crate leaves it out (`include` in Cargo.toml).

#[path = "../tests/common/probe.rs"]
mod probe;

fn main() {
    probe::emit();
}
