//! The derives used the way the bindings crate's family macros use them
//! (`#[family]` with repr and prefix in the macro, values as `$crate::`
//! constants), in a crate that turns every warning into an error.
#![deny(warnings)]

mod families {
    pub const FAM_FLAG_ONE: u32 = 0x1;
    pub const FAM_FLAG_TOP: u32 = 0x8000_0000;
    pub const FAM_OK: i32 = 0;
    pub const FAM_E_FAIL: i32 = 0x8000_4005_u32 as i32;

    macro_rules! flag_family {
        ($(#[$meta:meta])* $vis:vis enum $name:ident { $($extra:tt)* }) => {
            $(#[$meta])*
            #[family(repr = u32, prefix = "FAM_FLAG_")]
            $vis enum $name {
                /// The first flag.
                #[sdk(name = "FAM_FLAG_ONE", value = $crate::families::FAM_FLAG_ONE)]
                One,
                /// The top flag.
                #[sdk(name = "FAM_FLAG_TOP", value = $crate::families::FAM_FLAG_TOP)]
                Top,
                $($extra)*
            }
        };
    }

    macro_rules! status_family {
        ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
            $(#[$meta])*
            #[family(repr = i32)]
            #[sdk(name = "FAM_OK", value = $crate::families::FAM_OK, doc = " It worked.")]
            #[sdk(name = "FAM_E_FAIL", value = $crate::families::FAM_E_FAIL, alias = "FAM_E_UNSPECIFIED", doc = " It did not.")]
            #[repr(transparent)]
            $vis struct $name(pub i32);
        };
    }

    flag_family! {
        /// A flag.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
        #[family(set = FlagSet)]
        #[cfg_attr(all(), family(serde))]
        pub(crate) enum Flag {}
    }

    status_family! {
        /// A status.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, secpkg_macros::Values)]
        #[family(hex)]
        #[cfg_attr(any(), family(serde))]
        pub struct Status;
    }

    /// The raw struct of a record.
    #[allow(non_snake_case)]
    #[derive(Clone, Copy)]
    pub struct RawRecord {
        pub fFlags: u32,
        pub lStatus: i32,
        pub cbSize: u32,
    }

    /// A record read from it.
    #[derive(Debug, PartialEq, secpkg_macros::FromRaw)]
    #[raw(from = RawRecord)]
    pub struct Record {
        /// The flags.
        #[raw(fFlags = flags)]
        pub flags: FlagSet,
        /// The status.
        #[raw(lStatus = id)]
        pub status: Status,
        /// The size.
        #[raw(cbSize = copy)]
        pub size: u32,
    }

    /// A family with no known flag still works.
    #[derive(Clone, Copy, Debug, secpkg_macros::Flags)]
    #[family(repr = u16, set = NothingSet)]
    pub enum Nothing {}
}

use families::{Flag, FlagSet, Nothing, NothingSet, RawRecord, Record, Status};

fn main() {
    let set = Flag::One | FlagSet::from_bits_retain(0x10);
    assert_eq!(set.to_string(), "ONE | 0x10");
    assert_eq!(Flag::ALL, &[Flag::One, Flag::Top]);
    assert_eq!(Status::from_value(0x8000_4005_u32 as i32), Status::FAM_E_FAIL);
    assert_eq!("FAM_E_UNSPECIFIED".parse(), Ok(Status::FAM_E_FAIL));
    assert_eq!(NothingSet::from_bits_retain(3).to_string(), "0x3");
    assert!(Nothing::ALL.is_empty());
    assert_eq!(Nothing::from_name("X").map(Nothing::bits), None);
    let flags = Flag::One | Flag::Top;
    assert_eq!(flags, FlagSet::all());
    assert_eq!(Status::from_value(5), Status(5));
    let record = Record::from_raw(&RawRecord { fFlags: 0x10, lStatus: 0, cbSize: 7 });
    assert_eq!(record, Record { flags: FlagSet::from_bits_retain(0x10), status: Status::FAM_OK, size: 7 });
    assert_eq!(serde_json::to_string(&flags).unwrap(), r#"["ONE","TOP"]"#);
}
