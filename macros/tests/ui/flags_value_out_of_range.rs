use secpkg_macros::Flags;

// The compiler types each value as the repr: too wide a bit is reported at the literal.
#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Fs)]
pub enum F {
    #[sdk(name = "A", value = 0x1)]
    A,
    #[sdk(name = "WIDE", value = 0x1_0000_0000)]
    Wide,
}

fn main() {}
