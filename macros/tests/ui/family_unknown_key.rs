use secpkg_macros::{Flags, IdEnum};

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Fs, hex)]
pub enum F {
    #[sdk(name = "A", value = 0x1)]
    A,
}

#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum S {
    #[sdk(name = "S_OK", value = 0, alais = "S_FINE")]
    Ok,
    Unknown(i32),
}

fn main() {}
