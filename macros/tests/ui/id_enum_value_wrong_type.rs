use secpkg_macros::IdEnum;

const S_DENIED: u32 = 0x8009_0305;

// A constant of another type is reported at the value, not converted.
#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum Status {
    #[sdk(name = "S_DENIED", value = S_DENIED)]
    Denied,
    #[sdk(name = "S_SMALL", value = 5u8)]
    Small,
    Unknown(i32),
}

fn main() {}
