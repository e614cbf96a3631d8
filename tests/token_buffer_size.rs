//! `Provider::token_buffer_size` against the fake provider's lists: for Negotiate the largest
//! cbMaxToken of every package Negotiate can choose, for any other package its own, and
//! `max_token` unchanged.

use secpkg::{Capabilities, Provider};
use secpkg_test_provider::{Package, Scenario, ScenarioGuard, install, stats, table};

/// Installs `packages` and builds a provider over the fake's table.
fn fake(packages: Vec<Package>) -> (ScenarioGuard, Provider) {
    let guard = install(Scenario { packages, ..Scenario::default() });
    // SAFETY: the fake's functions follow the SSPI contract and are static.
    let provider = unsafe { Provider::from_table(&table(), "fake") };
    (guard, provider)
}

fn package(name: &str, capabilities: Capabilities, max_token: u32) -> Package {
    Package::new(name, "", capabilities.bits(), 0, max_token)
}

#[test]
fn negotiate_gets_the_largest_token_of_what_it_can_choose() {
    let negotiable = Capabilities::NEGOTIABLE | Capabilities::INTEGRITY;
    let (_guard, provider) = fake(vec![
        package("Negotiate", negotiable, 12256),
        package("Kerberos", negotiable, 48000),
        package("NTLM", negotiable, 2888),
        // Larger, but Negotiate cannot choose it: it does not count.
        package("Schannel", Capabilities::STREAM, 99_999),
        // Chosen through the Negotiate extender: counts.
        package("PKU2U", Capabilities::NEGOTIABLE2, 50_000),
    ]);
    assert_eq!(provider.token_buffer_size("Negotiate").unwrap(), 50_000);
    // Matched as queries match names.
    assert_eq!(provider.token_buffer_size("negotiate").unwrap(), 50_000);
    assert_eq!(provider.token_buffer_size("Kerberos").unwrap(), 48000);
    assert_eq!(provider.token_buffer_size("NTLM").unwrap(), 2888);
    assert_eq!(provider.token_buffer_size("Schannel").unwrap(), 99_999);
    // What the provider says is kept where it is asked for.
    assert_eq!(provider.query("Negotiate").unwrap().max_token, 12256);
    assert!(matches!(provider.token_buffer_size("Digest"), Err(secpkg::Error::NotFound { .. })));
    // Every buffer the answers took was given back.
    let stats = stats();
    assert!(stats.allocations > 0 && stats.frees == stats.allocations && stats.bad_frees == 0, "{stats:?}");
}

#[test]
fn negotiate_alone_keeps_its_own_figure() {
    let (_guard, provider) = fake(vec![
        package("Negotiate", Capabilities::NEGOTIABLE, 12256),
        package("NTLM", Capabilities::NEGOTIABLE, 2888),
    ]);
    assert_eq!(provider.token_buffer_size("Negotiate").unwrap(), 12256);
}
