use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family(repr: u32, set = Fs)]
pub enum F {
    #[sdk(name = "A", value = 0x1)]
    A,
}

fn main() {}
