use secpkg_macros::Values;

#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
#[sdk(name = "S_OK", value = 0, alias = S_FINE)]
pub struct S(i32);

fn main() {}
