use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Fs)]
pub enum F {
    #[sdk(name = "A", value = 0x6)]
    A,
    #[sdk(name = "NONE", value = 0)]
    None,
    #[sdk(name = "WIDE", value = 0x1_0000_0000)]
    Wide,
}

fn main() {}
