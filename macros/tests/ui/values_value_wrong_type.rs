use secpkg_macros::Values;

const S_DENIED: u32 = 0x8009_0305;

// A constant of another type is reported at the value, not converted.
#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
#[sdk(name = "S_DENIED", value = S_DENIED)]
#[sdk(name = "S_SMALL", value = 5u8)]
pub struct Status(i32);

fn main() {}
