use secpkg_macros::Values;

#[derive(Clone, Copy, Values)]
#[family(repr = u16)]
#[sdk(name = "V_NEG", value = -1)]
pub struct Version(u16);

fn main() {}
