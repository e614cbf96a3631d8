//! The derive input, read by hand over `proc_macro2` tokens: the few shapes the derives accept
//! (an enum, its attributes, its variants) need no full Rust parser, whose build would be most
//! of this crate's cost to its users. The compiler has parsed the item already, so what arrives
//! is well-formed Rust: what is checked here is only which Rust it is.

use proc_macro2::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};
use quote::quote_spanned;

/// Errors, each spanned from a start token to an end token, so that one expansion reports
/// every mistake, not just the first.
#[derive(Default)]
pub(crate) struct Error(Vec<(Span, Span, String)>);

pub(crate) type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Self {
        Self(vec![(span, span, message.into())])
    }

    /// An error over `tokens`, from the first to the last (as `syn::Error::new_spanned`).
    pub(crate) fn over(tokens: &[TokenTree], message: impl Into<String>) -> Self {
        let span = |tree: Option<&TokenTree>| tree.map_or_else(Span::call_site, TokenTree::span);
        Self(vec![(span(tokens.first()), span(tokens.last()), message.into())])
    }

    pub(crate) fn push(&mut self, more: Error) {
        self.0.extend(more.0);
    }

    /// `Err` with every error pushed, if any was.
    pub(crate) fn finish(self) -> Result<()> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// One `::core::compile_error! { "message" }` per error, its path spanned on the start and
    /// its braces on the end: rustc underlines from one to the other (as `syn::Error` does).
    pub(crate) fn into_compile_error(self) -> TokenStream {
        let each = |(start, end, message): (Span, Span, String)| {
            let mut text = Literal::string(&message);
            text.set_span(end);
            let path = quote_spanned!(start=> ::core::compile_error!);
            quote_spanned!(end=> #path { #text })
        };
        self.0.into_iter().map(each).collect()
    }
}

/// `key`, `key = value` or `key(..)`: what an attribute holds, or one item of its list.
pub(crate) struct Meta {
    /// The key's path as written: one identifier for every key the derives know.
    pub key: String,
    /// The key's tokens, then what follows it.
    tokens: Vec<TokenTree>,
    key_len: usize,
    /// An attribute's `#` and `[..]`.
    outer: Option<[TokenTree; 2]>,
}

impl Meta {
    fn new(tokens: Vec<TokenTree>, outer: Option<[TokenTree; 2]>) -> Self {
        let path = tokens.iter().take_while(|tree| matches!(tree, TokenTree::Ident(_)) || is_punct(tree, ':'));
        let key_len = path.count().max(1).min(tokens.len());
        Self { key: tokens[..key_len].iter().map(ToString::to_string).collect(), tokens, key_len, outer }
    }

    /// An error over the key alone.
    pub(crate) fn key_error(&self, message: impl Into<String>) -> Error {
        Error::over(&self.tokens[..self.key_len], message)
    }

    /// An error over the whole: an attribute's `#` to `]`, an item's key and value.
    pub(crate) fn error(&self, message: impl Into<String>) -> Error {
        Error::over(self.outer.as_ref().map_or(&self.tokens[..], |outer| &outer[..]), message)
    }

    pub(crate) fn is_flag(&self) -> bool {
        self.tokens.len() == self.key_len
    }

    /// The items of `key(..)`, split at the commas outside groups; `None` if there is no list.
    pub(crate) fn items(&self) -> Option<impl Iterator<Item = Meta>> {
        let [TokenTree::Group(list)] = &self.tokens[self.key_len..] else { return None };
        Some(split(list.stream()).into_iter().map(|item| Meta::new(item, None)))
    }

    /// The tokens after `key =`, as written: an expression such as `$crate::NAME` or
    /// `0x8000_0000_u32 as i32`.
    pub(crate) fn value(&self) -> Option<&[TokenTree]> {
        match &self.tokens[self.key_len..] {
            [eq, value @ ..] if is_punct(eq, '=') && !value.is_empty() => Some(value),
            _ => None,
        }
    }

    /// The one token after `key =`, as `read` takes it; else the error `expected`, on what
    /// stands there instead.
    pub(crate) fn single<T>(&self, read: impl FnOnce(&TokenTree) -> Option<T>, expected: &str) -> Result<T> {
        match &opened(self.value().unwrap_or_default().iter().cloned())[..] {
            [one] => read(one).ok_or_else(|| Error::new(one.span(), expected)),
            [] => Err(self.error(expected)),
            more => Err(Error::over(more, expected)),
        }
    }
}

pub(crate) struct Input {
    pub attrs: Vec<Meta>,
    pub vis: TokenStream,
    pub ident: Ident,
    pub variants: Vec<Variant>,
}

pub(crate) struct Variant {
    pub attrs: Vec<Meta>,
    pub ident: Ident,
    /// `(..)` or `{..}`; `None` for a unit variant.
    pub fields: Option<Group>,
    /// `= value`, if written.
    pub discriminant: Vec<TokenTree>,
}

impl Variant {
    /// The span of the type of a variant with exactly one unnamed field (its first token's,
    /// joined with its last's where the compiler can, as `syn` spans a type).
    pub(crate) fn single_field_type(&self) -> Option<Span> {
        let fields = self.fields.as_ref().filter(|fields| fields.delimiter() == Delimiter::Parenthesis)?;
        let [field] = &split(fields.stream())[..] else { return None };
        let (_, field) = take_attrs(field);
        let (first, last) = (field.first()?.span(), field.last()?.span());
        Some(first.join(last).unwrap_or(first))
    }
}

/// Reads a non-generic enum; a struct or union gets `not_an_enum` on its keyword, and `what`
/// names the item in the error about generics.
pub(crate) fn parse_input(input: TokenStream, not_an_enum: &str, what: &str) -> Result<Input> {
    let trees = opened(input);
    let (attrs, rest) = take_attrs(&trees);
    // The visibility (`pub`, `pub(crate)`, ..) runs up to the keyword.
    let vis_len = rest.iter().position(|tree| matches!(tree, TokenTree::Ident(word) if word != "pub")).unwrap_or(0);
    let (vis, rest) = rest.split_at(vis_len);
    let [TokenTree::Ident(keyword), TokenTree::Ident(ident), between @ .., TokenTree::Group(body)] = rest else {
        return Err(Error::over(&rest[..rest.len().min(1)], not_an_enum));
    };
    if keyword != "enum" {
        return Err(Error::new(keyword.span(), not_an_enum));
    }
    // Between the name and the body: the generics, then any `where` clause.
    let generics = between.split(|tree| matches!(tree, TokenTree::Ident(word) if word == "where")).next();
    if let Some(generics @ [_, _, _, ..]) = generics {
        return Err(Error::over(generics, format!("{what} cannot be generic: remove the `<...>`")));
    }
    let variants = split(body.stream()).into_iter().map(|part| variant(&opened(part))).collect::<Result<_>>()?;
    Ok(Input { attrs, vis: vis.iter().cloned().collect(), ident: ident.clone(), variants })
}

fn variant(part: &[TokenTree]) -> Result<Variant> {
    let (attrs, rest) = take_attrs(part);
    let [TokenTree::Ident(ident), rest @ ..] = rest else { return Err(Error::over(rest, "expected a variant")) };
    let (fields, discriminant) = match rest {
        [TokenTree::Group(fields), rest @ ..] => (Some(fields.clone()), rest),
        _ => (None, rest),
    };
    Ok(Variant { attrs, ident: ident.clone(), fields, discriminant: discriminant.to_vec() })
}

/// The outer attributes at the front of `rest`, and what follows them.
fn take_attrs(mut rest: &[TokenTree]) -> (Vec<Meta>, &[TokenTree]) {
    let mut attrs = Vec::new();
    while let [pound, brackets @ TokenTree::Group(inner), tail @ ..] = rest {
        if !is_punct(pound, '#') {
            break;
        }
        attrs.push(Meta::new(opened(inner.stream()), Some([pound.clone(), brackets.clone()])));
        rest = tail;
    }
    (attrs, rest)
}

/// The parts of a comma-separated list, without the commas and empty parts; commas inside
/// groups do not split.
fn split(list: TokenStream) -> Vec<Vec<TokenTree>> {
    let trees: Vec<_> = list.into_iter().collect();
    trees.split(|tree| is_punct(tree, ',')).filter(|part| !part.is_empty()).map(<[_]>::to_vec).collect()
}

/// The tokens of `stream` with invisible groups opened: a `macro_rules!` fragment (`$vis`,
/// `$meta`, `$literal`) arrives as one, and the compiler reads through it.
fn opened(stream: impl IntoIterator<Item = TokenTree>) -> Vec<TokenTree> {
    let open = |tree| match tree {
        TokenTree::Group(group) if group.delimiter() == Delimiter::None => opened(group.stream()),
        tree => vec![tree],
    };
    stream.into_iter().flat_map(open).collect()
}

fn is_punct(tree: &TokenTree, c: char) -> bool {
    matches!(tree, TokenTree::Punct(punct) if punct.as_char() == c)
}

/// The text of a string literal token, `"..."` (unescaped) or raw `r#"..."#`; `None` for any
/// other token, a byte string or a string with a suffix among them.
pub(crate) fn string_value(tree: &TokenTree) -> Option<String> {
    let TokenTree::Literal(literal) = tree else { return None };
    let text = literal.to_string();
    let Some(raw) = text.strip_prefix('r') else { return unescape(text.strip_prefix('"')?.strip_suffix('"')?) };
    let hashes = &raw[..raw.len() - raw.trim_start_matches('#').len()];
    Some(raw[hashes.len()..].strip_prefix('"')?.strip_suffix(hashes)?.strip_suffix('"')?.to_owned())
}

/// The text a string literal's body stands for. The compiler has checked the escapes;
/// `None` for one it would have refused.
fn unescape(body: &str) -> Option<String> {
    let (mut text, mut chars) = (String::new(), body.chars().peekable());
    while let Some(c) = chars.next() {
        text.push(match c {
            '\\' => match chars.next()? {
                c @ ('\\' | '"' | '\'') => c,
                c @ ('n' | 'r' | 't' | '0') => ['\n', '\r', '\t', '\0']["nrt0".find(c)?],
                'x' => char::from(u8::from_str_radix(&chars.by_ref().take(2).collect::<String>(), 16).ok()?),
                'u' => {
                    let digits: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                    char::from_u32(u32::from_str_radix(&digits.replace('_', ""), 16).ok()?)?
                }
                '\n' | '\r' => {
                    // A line continuation: the line break and the whitespace after it are dropped.
                    while chars.next_if(|c| matches!(c, ' ' | '\t' | '\n' | '\r')).is_some() {}
                    continue;
                }
                _ => return None,
            },
            c => c,
        });
    }
    Some(text)
}

#[cfg(test)]
#[test]
fn string_literals() {
    let value = |text: &str| string_value(&text.parse::<TokenStream>().ok()?.into_iter().next()?);
    let escapes = r#""say \"hi\" \\ \n\t\r\0\'\x41\u{E9}\u{1_F600}""#;
    assert_eq!(value(escapes).unwrap(), "say \"hi\" \\ \n\t\r\0'A\u{e9}\u{1F600}");
    assert_eq!(value("\"one \\\n  \t two\"").unwrap(), "one two");
    assert_eq!(value(r###"r#"raw "q" \n"#"###).unwrap(), r#"raw "q" \n"#);
    assert_eq!([value(r#"b"bytes""#), value(r#""text"suffix"#), value("'c'"), value("name")], [None, None, None, None]);
}
