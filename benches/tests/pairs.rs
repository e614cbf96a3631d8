//! Both sides of every benchmark pair read the same values from the fake provider, and leave
//! nothing allocated: the pairs measure the same work. (No timing is measured or asserted here.)

use secpkg::Provider;
use secpkg_bench::{Case, Raw, Subject};
use secpkg_test_provider::{Scenario, install, stats, table};

#[test]
fn raw_and_safe_sides_agree_and_free_everything() {
    let _guard = install(Scenario::default());
    let table = table();
    // SAFETY: the fake's functions follow the SSPI contract and are static.
    let provider = unsafe { Provider::from_table(&table, "fake") };
    // SAFETY: as above.
    let raw = unsafe { Raw::new(&table) }.unwrap();
    let subject = Subject::new("fake", provider, raw, secpkg::PackageName::KERBEROS);
    assert_eq!(subject.check(), 4);
    for case in Case::ALL {
        subject.run(case);
    }
    let s = stats();
    assert_eq!(s.allocations, s.frees, "{s:?}");
    assert_eq!((s.bad_frees, s.live), (0, 0), "{s:?}");
}
