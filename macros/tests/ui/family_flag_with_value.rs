use secpkg_macros::Values;

#[derive(Clone, Copy, Values)]
#[family(repr = i32, serde = true)]
#[sdk(name = "S_OK", value = 0)]
pub struct S(i32);

fn main() {}
