use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Fs)]
pub enum F {
    #[sdk(name = "A", value = 0x1)]
    A(u32),
    #[sdk(name = "B", value = 0x2)]
    B { bit: u32 },
}

fn main() {}
