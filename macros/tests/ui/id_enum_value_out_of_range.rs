use secpkg_macros::IdEnum;

#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum Status {
    // Decimal is a value, not a bit pattern: too big for i32.
    #[sdk(name = "S_BIG", value = 2148074245)]
    Big,
    Unknown(i32),
}

#[derive(Clone, Copy, IdEnum)]
#[family(repr = u16)]
pub enum Version {
    #[sdk(name = "V_HUGE", value = 70000)]
    Huge,
    #[sdk(name = "V_NEG", value = -1)]
    Negative,
    Other(u16),
}

fn main() {}
