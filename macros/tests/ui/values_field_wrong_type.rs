use secpkg_macros::Values;

// The field holds the raw value: the compiler reports another type at that type.
#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
#[sdk(name = "S_OK", value = 0)]
pub struct Status(u32);

fn main() {}
