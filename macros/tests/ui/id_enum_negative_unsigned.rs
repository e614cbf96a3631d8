use secpkg_macros::IdEnum;

#[derive(Clone, Copy, IdEnum)]
#[family(repr = u16)]
pub enum Version {
    #[sdk(name = "V_NEG", value = -1)]
    Negative,
    Other(u16),
}

fn main() {}
