use secpkg_macros::FromRaw;

#[allow(non_snake_case)]
pub struct RawInfo {
    pub Name: *mut u16,
}

// A wide string can fail to read: the record names its error type and string readers.
#[derive(FromRaw)]
#[raw(from = RawInfo)]
pub struct Info {
    #[raw(Name = wide)]
    pub name: String,
}

fn main() {}
