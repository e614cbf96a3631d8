use secpkg_macros::Values;

#[derive(Clone, Copy, PartialEq, Eq, Values)]
#[family(hex)]
#[sdk(name = "S_OK", value = 0)]
pub struct S(i32);

fn main() {}
