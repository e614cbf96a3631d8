use secpkg_macros::IdEnum;

#[derive(Clone, Copy, IdEnum)]
#[family(repr = f32)]
pub enum S {
    #[sdk(name = "S_OK", value = 0.0)]
    Ok,
    Unknown(f32),
}

fn main() {}
