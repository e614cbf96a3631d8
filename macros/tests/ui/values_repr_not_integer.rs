use secpkg_macros::Values;

#[derive(Clone, Copy, Values)]
#[family(repr = f32)]
#[sdk(name = "S_OK", value = 0.0)]
pub struct S(f32);

fn main() {}
