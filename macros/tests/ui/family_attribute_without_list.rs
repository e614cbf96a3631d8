use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family = "u32"]
pub enum F {
    #[sdk(name = "A", value = 0x1)]
    A,
}

fn main() {}
