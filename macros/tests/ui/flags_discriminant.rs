use secpkg_macros::Flags;

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Fs)]
pub enum F {
    #[sdk(name = "A", value = 0x1)]
    A = 1,
}

trait T {
    const V: isize;
}

struct X<A, B>(A, B);

impl T for X<u8, u16> {
    const V: isize = 2;
}

// One discriminant, spanned whole: the commas of its generic arguments split nothing.
#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Es)]
pub enum E {
    #[sdk(name = "A", value = 0x1)]
    A = <X<u8, u16> as T>::V,
    #[sdk(name = "B", value = 0x2)]
    B,
}

fn main() {}
