use secpkg_macros::FromRaw;

#[allow(non_snake_case)]
pub struct RawInfo {
    pub cbMaxToken: u32,
    pub Name: *mut u16,
}

#[derive(FromRaw)]
#[raw(from = RawInfo)]
pub struct Info {
    #[raw(cbMaxToken = copy)]
    pub max_token: u32,
    #[raw(Name = utf8)]
    pub name: String,
}

fn main() {}
