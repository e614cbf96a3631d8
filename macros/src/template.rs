//! The fixed part of the derives' output: Rust text in `src/templates/` with
//! `$name` holes, parsed into tokens at expansion time.
//!
//! Why not `quote!`: every token inside a `quote!` becomes code in this crate,
//! and for the few hundred lines the derives emit that code was most of
//! this crate's build time, which sits on the critical path of every clean
//! build of its users. A template is one string constant instead. The holes
//! are filled with tokens, not text, so the user's identifiers keep their
//! spans; the template's own tokens get the call-site span, as `quote!`
//! gives them. The small pieces built per variant still use `quote!`.

use proc_macro2::{Group, Literal, Span, TokenStream, TokenTree};
use syn::{Error, Result};

/// One `$name` hole and what replaces it.
pub(crate) type Hole<'a> = (&'a str, TokenStream);

/// A string literal token, for holes in `#[doc = $doc]` and expressions.
pub(crate) fn string(text: &str) -> TokenStream {
    TokenTree::Literal(Literal::string(text)).into()
}

/// Parses `template` and fills its holes. A template that does not parse or
/// names a hole not given is a bug in this crate, reported as a compile error
/// naming the template rather than a panic.
pub(crate) fn fill(name: &str, template: &str, holes: &[Hole<'_>]) -> Result<TokenStream> {
    let bug = |what: String| Error::new(Span::call_site(), format!("secpkg-macros bug: template `{name}`: {what}"));
    let tokens: TokenStream = template.parse().map_err(|e| bug(format!("does not parse: {e}")))?;
    substitute(tokens, holes).map_err(bug)
}

/// Replaces every `$name` in `tokens`; `Err` says what is wrong with the template.
fn substitute(tokens: TokenStream, holes: &[Hole<'_>]) -> std::result::Result<TokenStream, String> {
    let mut out = TokenStream::new();
    let mut tokens = tokens.into_iter();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(dollar) if dollar.as_char() == '$' => {
                let Some(TokenTree::Ident(hole)) = tokens.next() else {
                    return Err("a `$` not followed by a hole name".to_owned());
                };
                let hole = hole.to_string();
                let Some((_, value)) = holes.iter().find(|(name, _)| *name == hole) else {
                    return Err(format!("no value for `${hole}`"));
                };
                out.extend(value.clone());
            }
            TokenTree::Group(group) => {
                let mut filled = Group::new(group.delimiter(), substitute(group.stream(), holes)?);
                filled.set_span(group.span());
                out.extend([TokenTree::Group(filled)]);
            }
            token => out.extend([token]),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_are_filled_inside_groups_and_missing_ones_are_named() {
        let filled = fill("t", "fn f() -> $ty { [$ty::MAX] }", &[("ty", "u32".parse().unwrap())]).unwrap();
        assert_eq!(filled.to_string(), "fn f () -> u32 { [u32 :: MAX] }");
        let missing = fill("t", "struct $name;", &[]).unwrap_err().to_string();
        assert_eq!(missing, "secpkg-macros bug: template `t`: no value for `$name`");
        let stray = fill("t", "const X: u8 = $ 1;", &[]).unwrap_err().to_string();
        assert_eq!(stray, "secpkg-macros bug: template `t`: a `$` not followed by a hole name");
    }
}
