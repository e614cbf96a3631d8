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
        Self::spanning(span, span, message)
    }

    pub(crate) fn spanning(start: Span, end: Span, message: impl Into<String>) -> Self {
        Self(vec![(start, end, message.into())])
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
            let mut body = Group::new(Delimiter::Brace, TokenTree::Literal(text).into());
            body.set_span(end);
            quote_spanned!(start=> ::core::compile_error! #body)
        };
        self.0.into_iter().map(each).collect()
    }
}

/// An outer attribute `#[path ...]`: its path as written and the tokens after it.
pub(crate) struct Attr {
    pub path: String,
    args: Vec<TokenTree>,
    span: (Span, Span),
}

impl Attr {
    /// The `(...)` of `#[path(...)]`; `None` for `#[path]` and `#[path = value]`.
    pub(crate) fn list(&self) -> Option<&Group> {
        match &self.args[..] {
            [TokenTree::Group(list)] => Some(list),
            _ => None,
        }
    }

    /// The text of `#[path = "string"]`.
    pub(crate) fn string_value(&self) -> Option<String> {
        match &self.args[..] {
            [eq, value] if is_punct(eq, '=') => string_value(value),
            _ => None,
        }
    }

    /// An error over the whole attribute, `#` to `]`.
    pub(crate) fn error(&self, message: impl Into<String>) -> Error {
        Error::spanning(self.span.0, self.span.1, message)
    }
}

pub(crate) struct Input {
    pub attrs: Vec<Attr>,
    pub vis: TokenStream,
    pub ident: Ident,
    pub variants: Vec<Variant>,
}

pub(crate) struct Variant {
    pub attrs: Vec<Attr>,
    pub ident: Ident,
    /// `(..)` or `{..}`; `None` for a unit variant.
    pub fields: Option<Group>,
    /// From the `=` to the last token of an explicit discriminant.
    pub discriminant: Option<(Span, Span)>,
}

impl Variant {
    /// The span of the type of a variant with exactly one unnamed field (its first token's,
    /// joined with its last's where the compiler can, as `syn` spans a type).
    pub(crate) fn single_field_type(&self) -> Option<Span> {
        let fields = self.fields.as_ref().filter(|fields| fields.delimiter() == Delimiter::Parenthesis)?;
        let [field] = &split(fields.stream(), true)[..] else { return None };
        let mut field = &field[..];
        take_attrs(&mut field);
        let (first, last) = (field.first()?.span(), field.last()?.span());
        Some(first.join(last).unwrap_or(first))
    }
}

/// Reads a non-generic enum; a struct or union gets `not_an_enum` on its keyword, and `what`
/// names the item in the error about generics.
pub(crate) fn parse_input(input: TokenStream, not_an_enum: &str, what: &str) -> Result<Input> {
    let trees = opened(input);
    let mut rest = &trees[..];
    let attrs = take_attrs(&mut rest);
    let vis_len = match rest {
        [TokenTree::Ident(public), TokenTree::Group(_), ..] if public == "pub" => 2,
        [TokenTree::Ident(public), ..] => usize::from(public == "pub"),
        _ => 0,
    };
    let (vis, rest) = rest.split_at(vis_len);
    let [TokenTree::Ident(keyword), TokenTree::Ident(ident), between @ .., TokenTree::Group(body)] = rest else {
        return Err(Error::new(rest.first().map_or_else(Span::call_site, TokenTree::span), not_an_enum));
    };
    if keyword != "enum" {
        return Err(Error::new(keyword.span(), not_an_enum));
    }
    // Between the name and the body: the generics, then any `where` clause.
    let generics = between.split(|tree| matches!(tree, TokenTree::Ident(word) if word == "where")).next();
    if let Some([open, _, .., close]) = generics {
        return Err(Error::spanning(
            open.span(),
            close.span(),
            format!("{what} cannot be generic: remove the `<...>`"),
        ));
    }
    let variants = split(body.stream(), false).into_iter().map(|part| variant(&opened(part)));
    let (vis, ident) = (vis.iter().cloned().collect(), ident.clone());
    Ok(Input { attrs, vis, ident, variants: variants.collect::<Result<_>>()? })
}

fn variant(mut rest: &[TokenTree]) -> Result<Variant> {
    let attrs = take_attrs(&mut rest);
    let [TokenTree::Ident(ident), rest @ ..] = rest else {
        return Err(Error::new(rest.first().map_or_else(Span::call_site, TokenTree::span), "expected a variant"));
    };
    let (fields, rest) = match rest {
        [TokenTree::Group(fields), rest @ ..] => (Some(fields.clone()), rest),
        _ => (None, rest),
    };
    let discriminant = rest.first().zip(rest.last()).map(|(eq, last)| (eq.span(), last.span()));
    Ok(Variant { attrs, ident: ident.clone(), fields, discriminant })
}

fn take_attrs(rest: &mut &[TokenTree]) -> Vec<Attr> {
    let mut attrs = Vec::new();
    while let [TokenTree::Punct(pound), TokenTree::Group(brackets), tail @ ..] = *rest {
        if pound.as_char() != '#' {
            break;
        }
        *rest = tail;
        let inner = opened(brackets.stream());
        let path_len = inner.iter().take_while(|tree| is_path(tree)).count();
        let path = inner[..path_len].iter().map(ToString::to_string).collect();
        attrs.push(Attr { path, args: inner[path_len..].to_vec(), span: (pound.span(), brackets.span()) });
    }
    attrs
}

/// One item of an attribute's argument list, `key` or `key = value`.
pub(crate) struct Item {
    /// The key's path as written; a key of the derives is one identifier.
    pub key: String,
    key_span: (Span, Span),
    /// What follows the key.
    rest: Vec<TokenTree>,
}

impl Item {
    /// Reads one part of the list (see [`split`]).
    pub(crate) fn new(part: &[TokenTree]) -> Self {
        let part = open_front(part);
        let path_len = part.iter().take_while(|tree| is_path(tree)).count().max(1);
        let (key, rest) = part.split_at(path_len);
        let key_span = (key[0].span(), key[path_len - 1].span());
        Self { key: key.iter().map(ToString::to_string).collect(), key_span, rest: rest.to_vec() }
    }

    /// An error over the key alone.
    pub(crate) fn key_error(&self, message: impl Into<String>) -> Error {
        Error::spanning(self.key_span.0, self.key_span.1, message)
    }

    /// An error over the key and what follows it.
    pub(crate) fn error(&self, message: impl Into<String>) -> Error {
        Error::spanning(self.key_span.0, self.rest.last().map_or(self.key_span.1, TokenTree::span), message)
    }

    pub(crate) fn is_flag(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tokens after `key =`, as written: an expression such as `$crate::NAME` or
    /// `0x8000_0000_u32 as i32`, whose commas are inside groups.
    pub(crate) fn value(&self) -> Option<&[TokenTree]> {
        match &self.rest[..] {
            [eq, value @ ..] if is_punct(eq, '=') && !value.is_empty() => Some(value),
            _ => None,
        }
    }

    /// The one token after `key =`, as `read` takes it; else the error `expected`, on what
    /// stands there instead.
    pub(crate) fn single<T>(&self, read: impl FnOnce(&TokenTree) -> Option<T>, expected: &str) -> Result<T> {
        let value = open_front(self.value().unwrap_or_default());
        Err(match &value[..] {
            [one] => return read(one).ok_or_else(|| Error::new(one.span(), expected)),
            [first, .., last] => Error::spanning(first.span(), last.span(), expected),
            [] => self.error(expected),
        })
    }
}

/// The parts of a comma-separated list, without the commas and empty parts. Commas inside
/// groups do not split, nor, in a list of types (`in_types`), those inside `<..>`: `(Map<K, V>)`
/// is one field.
pub(crate) fn split(list: TokenStream, in_types: bool) -> Vec<Vec<TokenTree>> {
    let (mut parts, mut part, mut angles) = (Vec::new(), Vec::new(), 0usize);
    for tree in list {
        if is_punct(&tree, ',') && angles == 0 {
            parts.push(std::mem::take(&mut part));
            continue;
        }
        // A `>` after a `-` ends an `->`, as in `fn() -> u8`.
        if in_types && is_punct(&tree, '<') {
            angles += 1;
        } else if in_types && is_punct(&tree, '>') && !part.last().is_some_and(|last| is_punct(last, '-')) {
            angles = angles.saturating_sub(1);
        }
        part.push(tree);
    }
    parts.push(part);
    parts.retain(|part| !part.is_empty());
    parts
}

/// The tokens of `stream` with invisible groups opened: a `macro_rules!` fragment (`$vis`,
/// `$meta`) arrives as one, and the compiler reads through it.
fn opened(stream: impl IntoIterator<Item = TokenTree>) -> Vec<TokenTree> {
    let open = |tree| match tree {
        TokenTree::Group(group) if group.delimiter() == Delimiter::None => opened(group.stream()),
        tree => vec![tree],
    };
    stream.into_iter().flat_map(open).collect()
}

/// `trees` with the invisible groups at its front opened (a `$literal` or `$meta` fragment);
/// later ones stay whole, as `$expr as i32` needs.
fn open_front(trees: &[TokenTree]) -> Vec<TokenTree> {
    match trees {
        [TokenTree::Group(group), rest @ ..] if group.delimiter() == Delimiter::None => {
            open_front(&group.stream().into_iter().chain(rest.iter().cloned()).collect::<Vec<_>>())
        }
        _ => trees.to_vec(),
    }
}

fn is_punct(tree: &TokenTree, c: char) -> bool {
    matches!(tree, TokenTree::Punct(punct) if punct.as_char() == c)
}

fn is_path(tree: &TokenTree) -> bool {
    matches!(tree, TokenTree::Ident(_)) || is_punct(tree, ':')
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
        if c != '\\' {
            text.push(c);
            continue;
        }
        text.push(match chars.next()? {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '0' => '\0',
            c @ ('\\' | '"' | '\'') => c,
            'x' => char::from(u8::from_str_radix(&chars.by_ref().take(2).collect::<String>(), 16).ok()?),
            'u' => {
                let digits: String = chars.by_ref().skip(1).take_while(|&c| c != '}').filter(|&c| c != '_').collect();
                char::from_u32(u32::from_str_radix(&digits, 16).ok()?)?
            }
            '\n' | '\r' => {
                // A line continuation: the line break and the whitespace after it are dropped.
                while chars.next_if(|c| matches!(c, ' ' | '\t' | '\n' | '\r')).is_some() {}
                continue;
            }
            _ => return None,
        });
    }
    Some(text)
}
