use secpkg_macros::Values;

// The compiler types each value as the repr: a bit pattern is not an i32.
#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
#[sdk(name = "S_BIG", value = 2148074245)]
pub struct Status(i32);

#[derive(Clone, Copy, Values)]
#[family(repr = u16)]
#[sdk(name = "V_HUGE", value = 70000)]
pub struct Version(u16);

fn main() {}
