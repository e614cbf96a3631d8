use secpkg_macros::FromRaw;

// The raw field became a u32, but the owned type still converts from u16.
#[repr(C)]
#[allow(non_snake_case)]
pub struct RawThing {
    pub wVersion: u32,
}

pub struct Version(pub u16);

impl From<u16> for Version {
    fn from(raw: u16) -> Self {
        Version(raw)
    }
}

#[derive(FromRaw)]
#[from_raw(raw = RawThing)]
pub struct Thing {
    #[from_raw(field = wVersion)]
    pub version: Version,
}

fn main() {}
