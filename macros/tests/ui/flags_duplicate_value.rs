use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, prefix = "F_", set = Fs)]
pub enum F {
    #[sdk(name = "F_A", value = 0x2)]
    A,
    #[sdk(name = "F_B", value = 0x2)]
    B,
}

fn main() {}
