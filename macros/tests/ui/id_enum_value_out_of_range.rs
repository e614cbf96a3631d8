use secpkg_macros::IdEnum;

#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum Status {
    // The compiler types each value as the repr: a bit pattern is not an i32.
    #[sdk(name = "S_BIG", value = 2148074245)]
    Big,
    Unknown(i32),
}

#[derive(Clone, Copy, IdEnum)]
#[family(repr = u16)]
pub enum Version {
    #[sdk(name = "V_HUGE", value = 70000)]
    Huge,
    Other(u16),
}

fn main() {}
