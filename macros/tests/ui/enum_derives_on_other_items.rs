use secpkg_macros::{Flags, Values};

#[derive(Flags)]
#[family(repr = u32, set = Ss)]
pub struct NotAnEnum {
    bits: u32,
}

#[derive(Values)]
#[family(repr = u16)]
pub union NotAStruct {
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

#[derive(Clone, Copy, Values)]
#[family(repr = u16)]
pub struct GenericId<'a>(u16, core::marker::PhantomData<&'a ()>);

fn main() {}
