use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Fs)]
pub enum F {
    #[sdk(name = "A")]
    A,
    #[sdk(value = 0x2)]
    B,
}

fn main() {}
