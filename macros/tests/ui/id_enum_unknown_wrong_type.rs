use secpkg_macros::IdEnum;

// The unknown variant holds the raw value: the compiler reports another type at that type.
#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum Status {
    #[sdk(name = "S_OK", value = 0)]
    Ok,
    Unknown(u32),
}

fn main() {}
