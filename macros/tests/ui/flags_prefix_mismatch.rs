use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, prefix = "F_", set = Fs)]
pub enum F {
    #[sdk(name = "F_A", value = 0x1)]
    A,
    #[sdk(name = "G_B", value = 0x2)]
    B,
    #[sdk(name = "F_", value = 0x4)]
    Empty,
}

fn main() {}
