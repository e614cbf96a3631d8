use secpkg_macros::Values;

#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
pub struct Two(i32, i32);

#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
pub struct Named {
    raw: i32,
}

#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
#[sdk(name = "S_OK")]
pub struct MissingValue(i32);

fn main() {}
