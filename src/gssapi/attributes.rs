//! RFC 5587 mechanism attributes in SSPI's vocabulary: one table, rendered into the docs from the
//! same rows the code uses.

use crate::{Capabilities, Capability};

macro_rules! attribute_tables {
    (
        mapped { $($attr:literal => $cap:ident: $why:literal,)* }
        unmapped { $($other:literal: $because:literal,)* }
    ) => {
        /// Which mechanism attributes (as `gss_display_mech_attr` names them) give which SSPI
        /// capability, and why. A mechanism's [`capabilities`](super::Mechanism::capabilities)
        /// are the union over its attributes.
        ///
        /// | attribute | capability | why |
        /// |---|---|---|
        #[doc = concat!($("| `", $attr, "` | [`", stringify!($cap), "`](Capability::", stringify!($cap), ") | ", $why, " |\n",)*)]
        ///
        /// No attribute states SSPI's `CONNECTION`, `DATAGRAM`, `MULTI_REQUIRED` or the
        /// Windows-only flags, so those are never set; nor does any say that SPNEGO may choose
        /// a plain mechanism (whether it does is the library's policy), so `NEGOTIABLE` is set
        /// only by `GSS_C_MA_NEGOEX_AND_SPNEGO`.
        /// The attributes without an SSPI counterpart are in [`UNMAPPED_ATTRIBUTES`].
        pub const ATTRIBUTE_CAPABILITIES: &[(&str, Capability, &str)] = &[$(($attr, Capability::$cap, $why),)*];

        /// The RFC 5587 attributes that give no SSPI capability, and why. They stay in
        /// [`Mechanism::attributes`](super::Mechanism::attributes) all the same.
        ///
        /// | attribute | why no capability |
        /// |---|---|
        #[doc = concat!($("| `", $other, "` | ", $because, " |\n",)*)]
        pub const UNMAPPED_ATTRIBUTES: &[(&str, &str)] = &[$(($other, $because),)*];
    };
}

attribute_tables! {
    mapped {
        "GSS_C_MA_INTEG_PROT" => Integrity:
            "per-message integrity protection, which SSPI gives by MakeSignature / VerifySignature",
        "GSS_C_MA_MIC" => Integrity:
            "MIC tokens (gss_get_mic / gss_verify_mic) are SSPI's MakeSignature / VerifySignature",
        "GSS_C_MA_CONF_PROT" => Privacy:
            "per-message confidentiality, which SSPI gives by EncryptMessage / DecryptMessage",
        "GSS_C_MA_DELEG_CRED" => Delegation:
            "the initiator's credentials can be delegated to the acceptor",
        "GSS_C_MA_AUTH_TARG" => MutualAuth:
            "the acceptor is authenticated to the initiator; the initiator is authenticated by every \
             non-anonymous mechanism, so both are: mutual authentication",
        "GSS_C_MA_ITOK_FRAMED" => GssCompatible:
            "the initial token has the RFC 2743 section 3.1 framing that GSSAPI peers expect; SSPI \
             marks exactly such packages GSS_COMPATIBLE (Kerberos and Negotiate, not NTLM)",
        "GSS_C_MA_NEGOEX_AND_SPNEGO" => Negotiable:
            "(MIT) a NegoEx mechanism that SPNEGO may also choose directly, as Negotiate chooses NEGOTIABLE packages",
        "GSS_C_MA_NEGOEX_AND_SPNEGO" => Negotiable2:
            "(MIT) the same attribute says it is a NegoEx mechanism: selectable through the Negotiate extender",
    }
    unmapped {
        "GSS_C_MA_MECH_CONCRETE": "a kind of mechanism (neither pseudo nor composite); SSPI has no flag for kinds",
        "GSS_C_MA_MECH_PSEUDO": "a kind of mechanism; SSPI has no flag for kinds",
        "GSS_C_MA_MECH_COMPOSITE": "a kind of mechanism; SSPI has no flag for kinds",
        "GSS_C_MA_MECH_NEGO": "marks the negotiator itself (SPNEGO, SSPI's Negotiate package), whereas \
            NEGOTIABLE means 'can be chosen by Negotiate', which SPNEGO cannot be",
        "GSS_C_MA_MECH_GLUE": "the mechglue pseudo-mechanism; SSPI has no counterpart",
        "GSS_C_MA_NOT_MECH": "not a mechanism; SSPI has no counterpart",
        "GSS_C_MA_DEPRECATED": "a policy mark; SSPI has no flag for it, and it takes no capability away",
        "GSS_C_MA_NOT_DFLT_MECH": "a policy mark (not to be used by default); SSPI has no flag for it",
        "GSS_C_MA_AUTH_INIT": "every SSPI package authenticates its client; there is no flag to set",
        "GSS_C_MA_AUTH_INIT_INIT": "acquiring initial credentials from a password is no SSPI package flag \
            (LOGON is about LsaLogonUser)",
        "GSS_C_MA_AUTH_TARG_INIT": "as GSS_C_MA_AUTH_INIT_INIT, for the acceptor",
        "GSS_C_MA_AUTH_INIT_ANON": "anonymous initiators; SSPI has no package flag for them",
        "GSS_C_MA_AUTH_TARG_ANON": "anonymous acceptors; SSPI has no package flag for them",
        "GSS_C_MA_WRAP": "wrap tokens carry integrity or confidentiality; INTEG_PROT and CONF_PROT say which",
        "GSS_C_MA_PROT_READY": "protection before the context is complete; SSPI has no flag for it",
        "GSS_C_MA_REPLAY_DET": "SSPI requests replay detection per context (ISC_REQ_REPLAY_DETECT), not per package",
        "GSS_C_MA_OOS_DET": "SSPI requests sequence detection per context (ISC_REQ_SEQUENCE_DETECT), not per package",
        "GSS_C_MA_CBINDINGS": "SSPI passes channel bindings per context, with no package flag",
        "GSS_C_MA_PFS": "perfect forward secrecy; SSPI has no flag for it",
        "GSS_C_MA_COMPRESS": "compression; SSPI has no flag for it",
        "GSS_C_MA_CTX_TRANS": "context export (SSPI's ExportSecurityContext) has no package flag",
        "GSS_C_MA_SASL_MECH_NAME": "(Heimdal) the mechanism has a SASL name, given in sasl_name; not a capability",
        "GSS_C_MA_MECH_NAME": "(Heimdal) the mechanism has a name, given in mech_name; not a capability",
        "GSS_C_MA_MECH_DESCRIPTION": "(Heimdal) the mechanism has a description, given in description; not a capability",
    }
}

/// The capabilities [`ATTRIBUTE_CAPABILITIES`] gives a mechanism with these attributes.
pub fn capabilities_of<S: AsRef<str>>(attributes: &[S]) -> Capabilities {
    let mut capabilities = Capabilities::empty();
    for attribute in attributes {
        for (name, capability, _) in ATTRIBUTE_CAPABILITIES {
            if attribute.as_ref() == *name {
                capabilities.insert(capability.set());
            }
        }
    }
    capabilities
}
