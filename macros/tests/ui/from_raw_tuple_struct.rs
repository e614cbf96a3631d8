use secpkg_macros::FromRaw;

#[allow(non_snake_case)]
pub struct RawThing {
    pub cbSize: u32,
}

#[derive(FromRaw)]
#[from_raw(raw = RawThing)]
pub struct Thing(u32);

fn main() {}
