//! An audit baseline (`secpkg audit --baseline FILE`, the JSON of `secpkg list --json`): any
//! bytes are a checked package list or one error, and a list that reads writes back to JSON
//! that reads as the same list. The command is a binary crate (secpkg-cli), so its parser
//! (`baseline_packages`, cli/src/json.rs) is compiled in here from the command's own
//! source files, with the two modules it uses, rather than published as a library.
#![no_main]

#[allow(dead_code)]
#[path = "../../cli/src/failure.rs"]
mod failure;
#[allow(dead_code)]
#[path = "../../cli/src/json.rs"]
mod json;
#[allow(dead_code)]
#[path = "../../cli/src/text.rs"]
mod text;

use failure::Failure;
use libfuzzer_sys::fuzz_target;
use secpkg::PackageId;

fuzz_target!(|data: &[u8]| {
    let packages = match json::baseline_packages(data) {
        Ok(packages) => packages,
        Err(problem) => {
            // The command prints it after `secpkg: ` on one line: cleaned, it is one line.
            let line = text::clean(&problem);
            assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
            let _ = Failure::usage(problem);
            return;
        }
    };
    for package in &packages {
        package.check().expect("a baseline that reads is consistent");
        let set = package.capability_set();
        assert_eq!(set.bits(), package.capability_bits);
        assert_eq!(json::capability_names(set), package.capabilities);
        assert!(!text::clean(&package.name).chars().any(char::is_control), "{:?}", package.name);
        let _ = text::quote_elided(&package.name, 100);
        let _ = text::package_id(PackageId(package.rpc_id));
        let _ = (text::capability_summary(set), text::capability_names(set));
    }
    let list = json::PackageList { provider: String::new(), packages };
    let written = serde_json::to_vec_pretty(&list).expect("a package list serializes");
    let again = json::baseline_packages(&written).unwrap_or_else(|e| panic!("written back, it does not read: {e}"));
    assert_eq!(again, list.packages);
});
