use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family(prefix = "F_")]
pub enum F {
    #[sdk(name = "F_A", value = 0x1)]
    A,
}

fn main() {}
