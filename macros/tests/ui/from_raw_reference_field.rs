use secpkg_macros::FromRaw;

#[repr(C)]
#[allow(non_snake_case)]
pub struct RawThing {
    pub Name: *const u16,
}

#[derive(FromRaw)]
#[from_raw(raw = RawThing)]
pub struct Thing {
    #[from_raw(field = Name, with = convert)]
    pub name: &'static str,
}

fn main() {}
