use secpkg_macros::IdEnum;

#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum S {
    #[sdk(name = S_OK, value = 0)]
    Ok,
    Unknown(i32),
}

fn main() {}
