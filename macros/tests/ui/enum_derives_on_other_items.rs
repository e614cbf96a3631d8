use secpkg_macros::{Flags, IdEnum};

#[derive(Flags)]
#[family(repr = u32, set = Ss)]
pub struct NotAnEnum {
    bits: u32,
}

#[derive(IdEnum)]
#[family(repr = u16)]
pub union NotAnEnumEither {
    raw: u16,
}

#[derive(Clone, Copy, Flags)]
#[family(repr = u32, set = Gs)]
pub enum Generic<T> {
    #[sdk(name = "A", value = 0x1)]
    A,
    #[doc(hidden)]
    _Unused(core::marker::PhantomData<T>),
}

#[derive(Clone, Copy, IdEnum)]
#[family(repr = u16)]
pub enum GenericId<'a> {
    Unknown(u16),
    #[doc(hidden)]
    _Unused(&'a ()),
}

fn main() {}
