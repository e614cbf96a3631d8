use secpkg_macros::FromRaw;

#[repr(C)]
#[allow(non_snake_case)]
pub struct RawThing {
    pub a: *const u16,
    pub b: *const u8,
    pub c: usize,
}

#[derive(FromRaw)]
#[from_raw(raw = RawThing)]
pub struct Thing {
    #[from_raw(field = a)]
    pub a: *const u16,
    #[from_raw(field = b)]
    pub b: Option<Vec<&'static [u8]>>,
    #[from_raw(field = c)]
    pub c: fn() -> u32,
}

fn main() {}
