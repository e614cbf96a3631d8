use secpkg_macros::Values;

// The newtype's field holds every raw value: without it there is nothing to hold.
#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
#[sdk(name = "S_OK", value = 0)]
pub struct Status;

fn main() {}
