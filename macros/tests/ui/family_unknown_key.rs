use secpkg_macros::{Flags, Values};

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Fs, hex)]
pub enum F {
    #[sdk(name = "A", value = 0x1)]
    A,
}

#[derive(Clone, Copy, Values)]
#[family(repr = i32)]
#[sdk(name = "S_OK", value = 0, alais = "S_FINE")]
pub struct S(i32);

fn main() {}
