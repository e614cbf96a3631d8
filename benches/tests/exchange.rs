//! Both sides of the exchange benchmark run a complete NTLM exchange on WinPR and show the same
//! transcript (legs, token bytes, the context's cbMaxToken): the pair measures the same work.
//! Skipped without WinPR and winpr-hash, unless `SECPKG_REQUIRE_PROVIDERS=1`. (No timing here.)

use secpkg_bench::{ExchangeCase, ExchangeSubject};

#[test]
fn raw_and_safe_exchanges_agree_on_winpr() {
    let subject = match ExchangeSubject::winpr() {
        Ok(subject) => subject,
        Err(why) => {
            if std::env::var_os("SECPKG_REQUIRE_PROVIDERS").is_some_and(|v| v == "1") {
                panic!("SECPKG_REQUIRE_PROVIDERS=1, but {why}");
            }
            eprintln!("skipped: {why}");
            return;
        }
    };
    let raw = subject.raw_exchange(true);
    // NTLM: NEGOTIATE, CHALLENGE, AUTHENTICATE, and the server's last leg with no token.
    assert_eq!(raw.legs, 4, "{raw:?}");
    assert_eq!(raw, subject.safe_exchange());
    assert_eq!(raw, subject.raw_exchange(false));
    assert_eq!(subject.check(), 4);
    for case in ExchangeCase::ALL {
        subject.run(case);
    }
}
