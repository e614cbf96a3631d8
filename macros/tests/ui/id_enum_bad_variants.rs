use secpkg_macros::IdEnum;

#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum Status {
    Ok,
    Unknown(i32),
    Other(i32),
}

fn main() {}
