use secpkg_macros::FromRaw;

#[allow(non_snake_case)]
pub struct RawInfo {
    pub cbMaxToken: u32,
}

#[derive(FromRaw)]
#[raw(from = RawInfo)]
pub struct Info {
    #[raw(cbMaxToken = copy)]
    pub max_token: u32,
    pub unmapped: u8,
}

fn main() {}
