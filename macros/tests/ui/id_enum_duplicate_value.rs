use secpkg_macros::IdEnum;

#[derive(Clone, Copy, IdEnum)]
#[family(repr = i32)]
pub enum Status {
    #[sdk(name = "S_DENIED", value = 0x80090305)]
    Denied,
    #[sdk(name = "S_NO_ACCESS", value = -2146893051)]
    NoAccess,
    Unknown(i32),
}

fn main() {}
