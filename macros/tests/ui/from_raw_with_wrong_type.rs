use secpkg_macros::FromRaw;

#[repr(C)]
#[allow(non_snake_case)]
pub struct RawThing {
    pub Name: *const u16,
}

#[derive(Debug)]
pub struct BadString;

/// # Safety
/// None needed: it never reads the pointer.
unsafe fn name_len(_ptr: *const u16, _field: &'static str) -> Result<usize, BadString> {
    Ok(0)
}

#[derive(FromRaw)]
#[from_raw(raw = RawThing, error = BadString)]
pub struct Thing {
    #[from_raw(field = Name, with = name_len)]
    pub name: String,
}

fn main() {}
