//! The checks of a real exchange ([`Probe::Handshake`]): what its tokens and contexts say
//! against what the provider lists. The exchange itself is the caller's (`secpkg conformance
//! --handshake` runs `secpkg handshake`'s, in a child process); this module judges it.

use super::{Check, CheckId, Frees, Probe, ProbeOutcome, Verdict};
use secpkg::PackageInfo;

/// What a real exchange gave: each side's tokens and, once its context was complete, what the
/// context says of itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange {
    /// The client (`InitializeSecurityContextW`).
    pub client: ExchangeSide,
    /// The server (`AcceptSecurityContextW`).
    pub server: ExchangeSide,
    /// Why the exchange did not complete; `None` when both contexts did.
    pub error: Option<String>,
}

/// One side of an [`Exchange`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExchangeSide {
    /// The package its credentials are for, as listed (the client's: Negotiate, NTLM, …; the
    /// server's: the one the client asked for, of those it offers). Empty if it never got one.
    pub package: String,
    /// The size of each non-empty token it produced, in order.
    pub tokens: Vec<usize>,
    /// `cbMaxToken` of its context's `SECPKG_ATTR_SIZES`, or why it was not reported; `None`
    /// when the context did not complete.
    pub context_max_token: Option<Result<u32, String>>,
    /// Its context's `SECPKG_ATTR_PACKAGE_INFO`, or why it was not reported; `None` when the
    /// context did not complete.
    pub context_package: Option<Result<PackageInfo, String>>,
    /// For a Negotiate context, the package of its `SECPKG_ATTR_NEGOTIATION_INFO` (not checked
    /// against the list: the check does that), or why it was not reported; `None` otherwise.
    pub negotiated: Option<Result<PackageInfo, String>>,
}

impl ExchangeSide {
    /// A side whose credentials are for `package`, with no token yet.
    pub fn new(package: impl Into<String>) -> ExchangeSide {
        ExchangeSide { package: package.into(), ..ExchangeSide::default() }
    }
}

impl Exchange {
    /// An exchange of `client` and `server`; `error` when it did not complete.
    pub fn new(client: ExchangeSide, server: ExchangeSide, error: Option<String>) -> Exchange {
        Exchange { client, server, error }
    }

    fn sides(&self) -> [(&'static str, &ExchangeSide); 2] {
        [("client", &self.client), ("server", &self.server)]
    }
}

/// The bytes SPNEGO adds, at the least, around a mechanism token of `inner` bytes in the
/// client's first message: the token as `mechToken` (an OCTET STRING in `[2]`) of a
/// `NegTokenInit` (RFC 4178 4.2.1) listing one mechanism (the 9-byte Kerberos OID in `[0]`'s
/// `SEQUENCE OF`), in the `[0]` of `NegotiationToken`, in the `InitialContextToken` with
/// SPNEGO's OID (RFC 2743 3.1), every length in DER. 43 bytes for Kerberos's 48000.
pub fn spnego_wrapping(inner: u32) -> u64 {
    /// Tag, length octets and content of a DER element whose content has `content` bytes.
    fn der(content: u64) -> u64 {
        let length_octets = if content < 0x80 { 1 } else { 1 + (u64::BITS - content.leading_zeros()).div_ceil(8) };
        1 + u64::from(length_octets) + content
    }
    let inner = u64::from(inner);
    let mech_token = der(der(inner));
    let mech_types = der(der(der(9)));
    let neg_token_init = der(der(mech_types + mech_token));
    let initial_context_token = der(der(6) + neg_token_init);
    initial_context_token - inner
}

/// The [`Probe::Handshake`] outcome of `exchange`, judged against `listed` (what
/// `EnumerateSecurityPackagesW` returned in the same process); `provider` is the library the
/// exchange ran on.
pub fn handshake_outcome(provider: Option<String>, listed: &[PackageInfo], exchange: &Exchange) -> ProbeOutcome {
    let checks = vec![
        complete(exchange),
        token_max(listed, exchange),
        context_max(exchange),
        negotiate_covers(listed, exchange),
        negotiated_listed(listed, exchange),
    ];
    ProbeOutcome {
        probe: Probe::Handshake,
        provider,
        checks,
        frees: Frees::default(),
        unavailable: None,
        stderr: Vec::new(),
    }
}

fn pass(check: CheckId, observed: impl Into<String>) -> Check {
    Check::new(check, Verdict::Pass, observed)
}

fn deviate(check: CheckId, observed: impl Into<String>) -> Check {
    Check::new(check, check.deviation(), observed)
}

fn listed_record<'a>(listed: &'a [PackageInfo], name: &str) -> Option<&'a PackageInfo> {
    listed.iter().find(|p| p.name == name)
}

/// `40, 202, 354`.
fn sizes(tokens: &[usize]) -> String {
    tokens.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}

fn token_count(exchange: &Exchange) -> usize {
    exchange.client.tokens.len() + exchange.server.tokens.len()
}

fn complete(exchange: &Exchange) -> Check {
    let count = token_count(exchange);
    let tokens = if count == 1 { "1 token".to_owned() } else { format!("{count} tokens") };
    match &exchange.error {
        None => pass(
            CheckId::HandshakeComplete,
            format!(
                "client {} and server {}, complete after {tokens}",
                exchange.client.package, exchange.server.package
            ),
        ),
        Some(error) => deviate(CheckId::HandshakeComplete, format!("not complete after {tokens}: {error}")),
    }
}

fn token_max(listed: &[PackageInfo], exchange: &Exchange) -> Check {
    let id = CheckId::HandshakeTokenMax;
    if token_count(exchange) == 0 {
        return Check::not_run(id, "no token was produced (see handshake-complete)");
    }
    let mut within = Vec::new();
    let mut over = Vec::new();
    for (side, s) in exchange.sides() {
        if s.tokens.is_empty() {
            continue;
        }
        let Some(record) = listed_record(listed, &s.package) else {
            over.push(format!("the {side}'s package {} is not listed", s.package));
            continue;
        };
        let max = record.max_token as usize;
        let big: Vec<String> = s.tokens.iter().filter(|&&t| t > max).map(usize::to_string).collect();
        if big.is_empty() {
            within.push(format!("{side} {} {} of {max}", s.package, sizes(&s.tokens)));
        } else {
            over.push(format!("{side} {} tokens of {} bytes > cbMaxToken {max}", s.package, big.join(", ")));
        }
    }
    if over.is_empty() { pass(id, within.join("; ")) } else { deviate(id, over.join("; ")) }
}

fn context_max(exchange: &Exchange) -> Check {
    let id = CheckId::HandshakeContextMax;
    let mut within = Vec::new();
    let mut over = Vec::new();
    let mut missing = Vec::new();
    for (side, s) in exchange.sides() {
        match &s.context_max_token {
            None => missing.push(format!("the {side}'s context did not complete")),
            Some(Err(why)) => missing.push(format!("the {side}'s {why}")),
            Some(Ok(max)) => {
                let max = *max as usize;
                let big: Vec<String> = s.tokens.iter().filter(|&&t| t > max).map(usize::to_string).collect();
                if big.is_empty() {
                    within.push(format!(
                        "{side} {} of {max}",
                        if s.tokens.is_empty() { "no token".into() } else { sizes(&s.tokens) }
                    ));
                } else {
                    over.push(format!("{side} tokens of {} bytes > its context's cbMaxToken {max}", big.join(", ")));
                }
            }
        }
    }
    if !over.is_empty() {
        return deviate(id, over.into_iter().chain(missing).collect::<Vec<_>>().join("; "));
    }
    if within.is_empty() {
        return Check::not_run(id, &missing.join("; "));
    }
    // One side's sizes are enough to judge its tokens; the other's absence is said.
    pass(
        id,
        within.into_iter().chain(missing.into_iter().map(|m| format!("not run: {m}"))).collect::<Vec<_>>().join("; "),
    )
}

fn negotiate_covers(listed: &[PackageInfo], exchange: &Exchange) -> Check {
    let id = CheckId::HandshakeNegotiateCovers;
    let negotiating: Vec<(&str, &ExchangeSide)> =
        exchange.sides().into_iter().filter(|(_, s)| s.package.eq_ignore_ascii_case("Negotiate")).collect();
    if negotiating.is_empty() {
        return pass(id, format!("not applicable: the exchange used {}, not Negotiate", exchange.client.package));
    }
    let Some(negotiate) = listed.iter().find(|p| p.name.eq_ignore_ascii_case("Negotiate")) else {
        return deviate(id, "Negotiate authenticated, but EnumerateSecurityPackagesW does not list it");
    };
    let max = negotiate.max_token;
    let mut facts = Vec::new();
    let mut short = Vec::new();
    for (side, s) in negotiating {
        let through = match &s.negotiated {
            Some(Ok(chosen)) => format!(" through {}", chosen.name),
            _ => String::new(),
        };
        let largest = s.tokens.iter().copied().max();
        match largest {
            Some(largest) if largest > max as usize => {
                short.push(format!("the {side}'s token of {largest} bytes{through} > Negotiate's cbMaxToken {max}"))
            }
            Some(largest) => facts.push(format!("{side}'s largest token{through} {largest}")),
            None => {}
        }
    }
    if let Some(kerberos) = listed_record(listed, "Kerberos") {
        let needed = u64::from(kerberos.max_token) + spnego_wrapping(kerberos.max_token);
        let text =
            format!("Kerberos {} + SPNEGO {} = {needed}", kerberos.max_token, spnego_wrapping(kerberos.max_token));
        if u64::from(max) < needed {
            short.push(format!("Negotiate's cbMaxToken {max} < {text}"));
        } else {
            facts.push(text);
        }
    }
    if short.is_empty() {
        pass(id, format!("Negotiate {max} ≥ {}", facts.join(", ")))
    } else {
        deviate(id, short.join("; "))
    }
}

fn negotiated_listed(listed: &[PackageInfo], exchange: &Exchange) -> Check {
    let id = CheckId::HandshakeNegotiatedListed;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut missing = Vec::new();
    for (side, s) in exchange.sides() {
        let records = [("package", &s.context_package), ("negotiated package", &s.negotiated)];
        for (what, record) in records {
            match record {
                None if what == "package" => missing.push(format!("the {side}'s context did not complete")),
                None => {}
                Some(Err(why)) => missing.push(format!("the {side}'s {what}: {why}")),
                Some(Ok(record)) => match listed_record(listed, &record.name) {
                    None => bad.push(format!("the {side}'s {what} {} is not listed", record.name)),
                    Some(entry) if entry != record => bad.push(format!(
                        "the {side}'s {what} {} differs from the listed record: {} instead of {}",
                        record.name,
                        describe(record),
                        describe(entry)
                    )),
                    Some(_) => good.push(format!("{side}'s {what} {}", record.name)),
                },
            }
        }
    }
    if !bad.is_empty() {
        return deviate(
            id,
            bad.into_iter().chain(missing.into_iter().map(|m| format!("not run: {m}"))).collect::<Vec<_>>().join("; "),
        );
    }
    if good.is_empty() {
        return Check::not_run(id, &missing.join("; "));
    }
    let note = if missing.is_empty() { String::new() } else { format!("; not run: {}", missing.join("; ")) };
    pass(id, format!("{}: listed records{note}", good.join(", ")))
}

/// `capabilities 0x00082b37, version 1, id 10, max token 2888, comment "…"`.
fn describe(p: &PackageInfo) -> String {
    format!(
        "capabilities {:#010x}, version {}, id {}, max token {}, comment {:?}",
        p.capabilities.bits(),
        p.version,
        p.rpc_id,
        p.max_token,
        p.comment
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, max_token: u32) -> PackageInfo {
        PackageInfo {
            capabilities: secpkg::Capabilities::empty(),
            version: 1,
            rpc_id: secpkg::PackageId(10),
            max_token,
            name: name.into(),
            comment: String::new(),
        }
    }

    #[test]
    fn spnego_wraps_kerberos_in_43_bytes_and_small_tokens_in_fewer() {
        // 48000: the OCTET STRING, [2], SEQUENCE, [0] and [APPLICATION 0] each take 4 bytes of
        // tag and length, mechTypes 15, SPNEGO's OID 8.
        assert_eq!(spnego_wrapping(48000), 43);
        assert_eq!(48000 + spnego_wrapping(48000), 48043);
        assert!(48256 >= 48000 + spnego_wrapping(48000));
        // A 100-byte token: one length octet for all but the outermost, whose content (131
        // bytes) needs two.
        assert_eq!(spnego_wrapping(100), 2 + 2 + 15 + 2 + 2 + 8 + 3);
    }

    #[test]
    fn tokens_over_either_maximum_fail() {
        let listed = [package("NTLM", 100)];
        let mut client = ExchangeSide::new("NTLM");
        // A token of exactly the maximum is within it.
        client.tokens = vec![40, 100, 101];
        client.context_max_token = Some(Ok(200));
        let mut server = ExchangeSide::new("NTLM");
        server.tokens = vec![80, 90];
        server.context_max_token = Some(Ok(80));
        let exchange = Exchange::new(client, server, None);
        let outcome = handshake_outcome(None, &listed, &exchange);
        let ids: Vec<CheckId> = outcome.checks.iter().map(|c| c.check).collect();
        assert_eq!(ids, CheckId::HANDSHAKE);
        let [complete, token, context, covers, negotiated] = &outcome.checks[..] else { unreachable!() };
        assert_eq!(complete.status, Verdict::Pass);
        assert_eq!(
            (token.status, token.observed.as_str()),
            (Verdict::Fail, "client NTLM tokens of 101 bytes > cbMaxToken 100")
        );
        assert_eq!(context.status, Verdict::Fail, "{context:?}");
        assert!(context.observed.contains("server tokens of 90 bytes > its context's cbMaxToken 80"), "{context:?}");
        assert_eq!(covers.status, Verdict::Pass);
        assert!(covers.observed.starts_with("not applicable"));
        assert_eq!(negotiated.status, Verdict::Warn, "{negotiated:?}");
    }

    #[test]
    fn negotiate_must_cover_wrapped_kerberos_and_report_listed_records() {
        let negotiate = package("Negotiate", 48000);
        let listed = [negotiate.clone(), package("Kerberos", 48000), package("NTLM", 2888)];
        let mut client = ExchangeSide::new("Negotiate");
        client.tokens = vec![300];
        client.context_max_token = Some(Ok(48000));
        client.context_package = Some(Ok(negotiate.clone()));
        client.negotiated = Some(Ok(package("NTLM", 2888)));
        let mut server = ExchangeSide::new("Negotiate");
        server.tokens = vec![200];
        server.context_max_token = Some(Err("SECPKG_ATTR_SIZES: unsupported".into()));
        server.context_package = Some(Ok(PackageInfo { max_token: 1, ..negotiate }));
        let outcome = handshake_outcome(None, &listed, &Exchange::new(client, server, None));
        let covers = &outcome.checks[3];
        assert_eq!(covers.status, Verdict::Fail);
        assert_eq!(covers.observed, "Negotiate's cbMaxToken 48000 < Kerberos 48000 + SPNEGO 43 = 48043");
        let negotiated = &outcome.checks[4];
        assert_eq!(negotiated.status, Verdict::Fail);
        assert!(negotiated.observed.starts_with("the server's package Negotiate differs"), "{negotiated:?}");
        let context = &outcome.checks[2];
        assert_eq!(context.status, Verdict::Pass);
        assert!(context.observed.ends_with("not run: the server's SECPKG_ATTR_SIZES: unsupported"), "{context:?}");
    }

    #[test]
    fn a_failed_exchange_warns_and_leaves_the_context_checks_not_run() {
        let mut client = ExchangeSide::new("NTLM");
        client.tokens = vec![40];
        let exchange = Exchange::new(client, ExchangeSide::new("NTLM"), Some("SEC_E_LOGON_DENIED".into()));
        let outcome = handshake_outcome(None, &[package("NTLM", 2888)], &exchange);
        let verdicts: Vec<Verdict> = outcome.checks.iter().map(|c| c.status).collect();
        assert_eq!(verdicts, [Verdict::Warn, Verdict::Pass, Verdict::Warn, Verdict::Pass, Verdict::Warn]);
        assert!(outcome.checks[2].observed.starts_with("not run: the client's context did not complete"));
    }
}
