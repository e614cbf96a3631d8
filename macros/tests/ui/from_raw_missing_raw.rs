use secpkg_macros::FromRaw;

#[derive(FromRaw)]
#[from_raw(error = std::fmt::Error)]
pub struct Thing {
    #[from_raw(field = cbSize)]
    pub size: u32,
}

fn main() {}
