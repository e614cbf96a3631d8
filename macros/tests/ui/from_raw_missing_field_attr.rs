use secpkg_macros::FromRaw;

#[repr(C)]
#[allow(non_snake_case)]
pub struct RawThing {
    pub cbSize: u32,
    pub wVersion: u16,
}

#[derive(FromRaw)]
#[from_raw(raw = RawThing)]
pub struct Thing {
    #[from_raw(field = cbSize)]
    pub size: u32,
    pub version: u16,
}

fn main() {}
