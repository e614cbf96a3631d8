use secpkg_macros::FromRaw;

#[allow(non_snake_case)]
pub struct RawInfo {
    pub cbMaxToken: u32,
    pub wVersion: u16,
}

#[derive(FromRaw)]
#[raw(from = RawInfo)]
pub struct Info {
    #[raw(cbMaxToken = copy)]
    pub max_token: u32,
    #[raw(wVersion = copy)]
    pub version: u16,
    #[raw(wRPCID = copy)]
    pub rpc_id: u16,
}

fn main() {}
