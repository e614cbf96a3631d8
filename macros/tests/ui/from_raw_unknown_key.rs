use secpkg_macros::FromRaw;

#[repr(C)]
#[allow(non_snake_case)]
pub struct RawThing {
    pub cbSize: u32,
}

#[derive(FromRaw)]
#[from_raw(raw = RawThing, exhaustve)]
pub struct Thing {
    #[from_raw(field = cbSize, convert = u32::from)]
    pub size: u32,
}

fn main() {}
