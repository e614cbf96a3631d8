use secpkg_macros::Flags;

// A flag has one SDK name: two names for one bit are rejected by the generator.
#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Fs)]
pub enum F {
    #[sdk(name = "A", value = 0x1, alias = "A_TOO")]
    A,
}

fn main() {}
