use secpkg_macros::FromRaw;

#[repr(C)]
#[allow(non_snake_case)]
pub struct RawThing {
    pub cbSize: u32,
    pub wVersion: u16,
    pub wRpcId: u16,
}

#[derive(FromRaw)]
#[from_raw(raw = RawThing, exhaustive)]
pub struct Thing {
    #[from_raw(field = cbSize)]
    pub size: u32,
}

fn main() {}
