use secpkg_macros::Values;

#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
#[sdk(name = "S_OK", value = 0)]
pub struct S(#[sdk(name = "S_OTHER", value = 1)] i32);

fn main() {}
