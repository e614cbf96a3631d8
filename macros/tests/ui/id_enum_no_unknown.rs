use secpkg_macros::IdEnum;

#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum Status {
    #[sdk(name = "S_OK", value = 0)]
    Ok,
}

fn main() {}
