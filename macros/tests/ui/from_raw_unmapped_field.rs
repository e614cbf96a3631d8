use secpkg_macros::FromRaw;

// A newer SDK's raw struct has one more field than the record maps.
#[allow(non_snake_case)]
pub struct RawInfo {
    pub cbMaxToken: u32,
    pub wVersion: u16,
    pub dwNewField: u32,
}

#[derive(FromRaw)]
#[raw(from = RawInfo)]
pub struct Info {
    #[raw(cbMaxToken = copy)]
    pub max_token: u32,
    #[raw(wVersion = copy)]
    pub version: u16,
}

fn main() {}
