//! The three derives used the way the bindings crate's family macros use
//! them, in a crate that turns every warning into an error.
#![deny(warnings)]

mod families {
    macro_rules! flag_family {
        ($(#[$meta:meta])* $vis:vis enum $name:ident { $($extra:tt)* }) => {
            $(#[$meta])*
            $vis enum $name {
                /// The first flag.
                #[sdk(name = "FAM_FLAG_ONE", value = 0x1)]
                One,
                /// The top flag.
                #[sdk(name = "FAM_FLAG_TOP", value = 0x8000_0000)]
                Top,
                $($extra)*
            }
        };
    }

    macro_rules! status_family {
        ($(#[$meta:meta])* $vis:vis enum $name:ident { $($extra:tt)* }) => {
            $(#[$meta])*
            $vis enum $name {
                /// It worked.
                #[sdk(name = "FAM_OK", value = 0)]
                Ok,
                /// It did not.
                #[sdk(name = "FAM_E_FAIL", value = 0x80004005, alias = "FAM_E_UNSPECIFIED")]
                Fail,
                $($extra)*
            }
        };
    }

    flag_family! {
        /// A flag.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, secpkg_macros::Flags)]
        #[family(repr = u32, prefix = "FAM_FLAG_", set = FlagSet)]
        #[cfg_attr(all(), family(serde))]
        pub(crate) enum Flag {}
    }

    status_family! {
        /// A status.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, secpkg_macros::IdEnum)]
        #[family(repr = i32, hex)]
        #[cfg_attr(any(), family(serde))]
        pub enum Status { Unknown(i32) }
    }

    /// A family with no known flag still works.
    #[derive(Clone, Copy, Debug, secpkg_macros::Flags)]
    #[family(repr = u16, set = NothingSet)]
    pub enum Nothing {}

    #[repr(C)]
    #[allow(non_snake_case)]
    pub struct RawPair<T> {
        pub dwFlags: u32,
        pub hr: i32,
        pub extra: T,
    }

    /// Owned from a generic raw struct.
    #[derive(Debug, secpkg_macros::FromRaw)]
    #[from_raw(raw = RawPair<u8>, exhaustive)]
    pub struct Pair {
        #[from_raw(field = dwFlags)]
        pub(crate) flags: FlagSet,
        #[from_raw(field = hr)]
        pub status: Status,
        #[from_raw(field = extra)]
        pub extra: u8,
    }
}

use families::{Flag, FlagSet, Nothing, NothingSet, Pair, RawPair, Status};

fn main() {
    let set = Flag::One | FlagSet::from_bits_retain(0x10);
    assert_eq!(set.to_string(), "ONE | 0x10");
    assert_eq!(Flag::ALL, &[Flag::One, Flag::Top]);
    assert_eq!(Status::from_raw(0x8000_4005_u32 as i32), Status::Fail);
    assert_eq!("FAM_E_UNSPECIFIED".parse(), Ok(Status::Fail));
    assert_eq!(NothingSet::from_bits_retain(3).to_string(), "0x3");
    assert!(Nothing::ALL.is_empty());
    assert_eq!(Nothing::from_name("X").map(Nothing::bits), None);
    let raw = RawPair { dwFlags: 0x8000_0001, hr: 5, extra: 1 };
    // SAFETY: no `with` conversions.
    let pair = unsafe { Pair::from_raw(&raw) }.unwrap_or_else(|never| match never {});
    assert_eq!(pair.flags, Flag::One | Flag::Top);
    assert_eq!(pair.status, Status::Unknown(5));
    assert_eq!(pair.extra, 1);
    assert_eq!(serde_json::to_string(&pair.flags).unwrap(), r#"["ONE","TOP"]"#);
}
