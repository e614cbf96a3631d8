use secpkg_macros::IdEnum;

#[derive(Clone, Copy, PartialEq, Eq, IdEnum)]
#[family(hex)]
pub enum S {
    #[sdk(name = "S_OK", value = 0)]
    Ok,
    Unknown(i32),
}

fn main() {}
