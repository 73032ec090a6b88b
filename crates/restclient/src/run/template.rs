//! Placeholders in a resource's path, params, json, data and headers: `{resources.<parent>.<field>}`,
//! `{incremental.<attr>}` and (in paths) a bare `{name}` bound by a static or `resolve` param.
//!
//! The syntax is Python's `str.format` as dlt uses it (`{{` and `}}` are literal braces), with
//! dlt's mistakes fixed: format specs and conversions are refused, a brace is unescaped once (in
//! paths too), values render as JSON scalars (`true`, `null`, not `True`, `None`) and are
//! percent-encoded in paths.

use serde_json::Value;

use crate::spec::SpecError;

/// One placeholder expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Expr {
    /// `resources.<parent>.<field>`: a field of the parent record (a JSONPath, first match).
    Resource { parent: String, field: String },
    /// `incremental.<attr>`: `start_value`, `last_value`, `initial_value`, `end_value`.
    Incremental(String),
    /// A bare name: a static path param or a legacy `resolve` param (paths only).
    Name(String),
}

impl Expr {
    /// The placeholder as written, for messages and parent keys.
    pub(crate) fn text(&self) -> String {
        match self {
            Expr::Resource { parent, field } => format!("resources.{parent}.{field}"),
            Expr::Incremental(a) => format!("incremental.{a}"),
            Expr::Name(n) => n.clone(),
        }
    }
}

/// A parsed string: literal text and placeholders.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Lit(String),
    Ph(Expr),
}

/// The attributes `{incremental.*}` may name.
const INCREMENTAL_ATTRS: &[&str] = &["start_value", "last_value", "initial_value", "end_value"];

/// Parses `text`. Errors have an empty path (the caller adds the key path).
pub(crate) fn parse(text: &str) -> Result<Vec<Piece>, SpecError> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                lit.push('}');
            }
            '}' => {
                return Err(SpecError::new(
                    "",
                    "a single `}` (write `}}` for a literal brace)",
                ));
            }
            '{' => {
                let mut expr = String::new();
                let mut closed = false;
                for (_, c) in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    if c == '{' {
                        break;
                    }
                    expr.push(c);
                }
                if !closed {
                    return Err(SpecError::new(
                        "",
                        "an unclosed `{` (write `{{` for a literal brace)",
                    ));
                }
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Ph(parse_expr(expr.trim())?));
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok(pieces)
}

fn parse_expr(expr: &str) -> Result<Expr, SpecError> {
    if expr.is_empty() {
        return Err(SpecError::new(
            "",
            "an empty placeholder `{}` (write `{{}}` for literal braces)",
        ));
    }
    if expr.contains(':') || expr.contains('!') {
        return Err(SpecError::new(
            "",
            format!("placeholder `{{{expr}}}`: format specs and conversions are not supported"),
        ));
    }
    if let Some(rest) = expr.strip_prefix("resources.") {
        return match rest.split_once('.') {
            Some((parent, field)) if !parent.is_empty() && !field.is_empty() => {
                Ok(Expr::Resource {
                    parent: parent.to_owned(),
                    field: field.to_owned(),
                })
            }
            _ => Err(SpecError::new(
                "",
                format!(
                    "invalid placeholder `{{{expr}}}`; expected `{{resources.<resource>.<field>}}`"
                ),
            )),
        };
    }
    if let Some(attr) = expr.strip_prefix("incremental.") {
        if INCREMENTAL_ATTRS.contains(&attr) {
            return Ok(Expr::Incremental(attr.to_owned()));
        }
        return Err(SpecError::new(
            "",
            format!(
                "unknown placeholder `{{{expr}}}`; `incremental.` takes one of {}",
                INCREMENTAL_ATTRS.join(", ")
            ),
        ));
    }
    if expr.contains('.') {
        return Err(SpecError::new(
            "",
            format!(
                "unknown placeholder `{{{expr}}}`; placeholders start with `resources.` or `incremental.`"
            ),
        ));
    }
    Ok(Expr::Name(expr.to_owned()))
}

/// Every placeholder of a parsed string.
pub(crate) fn exprs(pieces: &[Piece]) -> impl Iterator<Item = &Expr> {
    pieces.iter().filter_map(|p| match p {
        Piece::Ph(e) => Some(e),
        Piece::Lit(_) => None,
    })
}

/// Parses every string (keys and values) in a JSON value, collecting the placeholders.
pub(crate) fn scan_value(value: &Value, out: &mut Vec<Expr>) -> Result<(), SpecError> {
    match value {
        Value::String(s) => out.extend(parse(s)?.into_iter().filter_map(|p| match p {
            Piece::Ph(e) => Some(e),
            Piece::Lit(_) => None,
        })),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                scan_value(v, out).map_err(|e| e.within(&format!("[{i}]")))?;
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                for p in parse(k).map_err(|e| e.within(k))? {
                    if let Piece::Ph(e) = p {
                        out.push(e);
                    }
                }
                scan_value(v, out).map_err(|e| e.within(k))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The text of a value inside a string: strings as they are, other scalars as JSON.
/// `null` is refused: an API never means the text `None` or `null` in a URL.
pub(crate) fn scalar_text(value: &Value, what: &str) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Err(format!("`{what}` is null")),
        other => Ok(other.to_string()),
    }
}

/// Percent-encodes a value for one path segment: everything but RFC 3986's unreserved set.
pub(crate) fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Renders `pieces` with `lookup`; `encode` percent-encodes each value (paths).
///
/// In a path, a value must not make a whole segment `.` or `..`: URL parsers (the WHATWG
/// rules of the `url` crate, browsers, reqwest) resolve dot segments, `%2E` and `%2E%2E`
/// included, so `/items/{resources.p.id}` with an id of `..` would leave `/items/`. No
/// encoding survives that, so such a value is an error (naming the placeholder).
pub(crate) fn render(
    pieces: &[Piece],
    lookup: &dyn Fn(&Expr) -> Result<Value, String>,
    encode: bool,
) -> Result<String, String> {
    let mut out = String::new();
    // Where each value landed in `out`, for the dot-segment check of paths.
    let mut values = Vec::new();
    for p in pieces {
        match p {
            Piece::Lit(s) => out.push_str(s),
            Piece::Ph(e) => {
                let v = lookup(e)?;
                let t = scalar_text(&v, &e.text())?;
                let start = out.len();
                out.push_str(&if encode { encode_segment(&t) } else { t });
                values.push((start..out.len(), e));
            }
        }
    }
    if encode {
        check_dot_segments(&out, &values)?;
    }
    Ok(out)
}

/// Fails when a segment of `path` (before its query) that holds a value is a dot segment.
fn check_dot_segments(
    path: &str,
    values: &[(std::ops::Range<usize>, &Expr)],
) -> Result<(), String> {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let mut start = 0;
    for segment in path[..end].split('/') {
        let range = start..start + segment.len();
        start = range.end + 1;
        let lower = segment.to_ascii_lowercase();
        if !matches!(
            lower.as_str(),
            "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
        ) {
            continue;
        }
        // A value in this segment (an empty one at its edge too: `{a}{b}` with `.` and ``).
        if let Some((_, e)) = values
            .iter()
            .find(|(v, _)| v.start <= range.end && range.start <= v.end)
        {
            return Err(format!(
                "`{{{}}}` makes the path segment `{segment}`, which would step out of the endpoint's path; refused",
                e.text()
            ));
        }
    }
    Ok(())
}

/// The one placeholder a string consists of, if it is exactly `{x}` (dlt's typed form).
pub(crate) fn whole(pieces: &[Piece]) -> Option<&Expr> {
    match pieces {
        [Piece::Ph(e)] => Some(e),
        _ => None,
    }
}

/// Renders every string of a JSON body; a string that is exactly one placeholder keeps the
/// value's JSON type (dlt's typed json placeholders).
pub(crate) fn render_json(
    value: &Value,
    lookup: &dyn Fn(&Expr) -> Result<Value, String>,
) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => {
            let pieces = parse(s).map_err(|e| e.to_string())?;
            match whole(&pieces) {
                Some(e) => lookup(e)?,
                None => Value::String(render(&pieces, lookup, false)?),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_json(v, lookup))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = render(&parse(k).map_err(|e| e.to_string())?, lookup, false)?;
                out.insert(key, render_json(v, lookup)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_never_make_dot_segments_in_paths() {
        let p = parse("items/{resources.p.id}/details").unwrap();
        for bad in [".", ".."] {
            let v = json!(bad);
            let e = render(&p, &|_: &Expr| Ok(v.clone()), true).unwrap_err();
            assert!(
                e.contains("`{resources.p.id}` makes the path segment"),
                "{bad}: {e}"
            );
        }
        // Two values that make `..` together.
        let p2 = parse("items/{resources.p.a}{resources.p.b}").unwrap();
        assert!(render(&p2, &|_: &Expr| Ok(json!(".")), true).is_err());
        // `%` is encoded (`%252E`): never a dot for the URL parser.
        for fine in ["...", ".hidden", "a..b", "%2E%2E", ".%2E", "1"] {
            let v = json!(fine);
            let got = render(&p, &|_: &Expr| Ok(v.clone()), true).unwrap();
            let segment = got.split('/').nth(1).unwrap();
            let parsed = url::Url::parse(&format!("https://h/{got}")).unwrap();
            assert!(parsed.path().starts_with("/items/"), "{fine}: {parsed}");
            assert_ne!(segment, "..", "{fine}");
        }
        // Outside paths, and in the query of a path, dots are data.
        assert_eq!(
            render(&p, &|_: &Expr| Ok(json!("..")), false).unwrap(),
            "items/../details"
        );
        let q = parse("items?from={resources.p.id}").unwrap();
        assert!(render(&q, &|_: &Expr| Ok(json!("..")), true).is_ok());
        // Why no encoding would do: the URL parser resolves encoded dots too.
        let u = url::Url::parse("https://h/items/%2E%2E/x").unwrap();
        assert_eq!(u.path(), "/x");
    }

    #[test]
    fn parses_and_renders() {
        let p = parse("a/{resources.users.id}/{{x}}").unwrap();
        let lookup = |_: &Expr| Ok(json!("a b/c"));
        assert_eq!(render(&p, &lookup, true).unwrap(), "a/a%20b%2Fc/{x}");
        let t = |_: &Expr| Ok(json!(true));
        assert_eq!(render(&p, &t, false).unwrap(), "a/true/{x}");
        let n = |_: &Expr| Ok(Value::Null);
        assert!(render(&p, &n, false).is_err());
        for bad in [
            "{",
            "}",
            "{x:>5}",
            "{x!r}",
            "{resources.a}",
            "{foo.bar}",
            "{}",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse("{incremental.start_value}").unwrap(),
            [Piece::Ph(Expr::Incremental("start_value".into()))]
        );
        let body =
            json!({"f": "{incremental.start_value}", "g": "since {incremental.start_value}"});
        let one = |_: &Expr| Ok(json!(5));
        assert_eq!(
            render_json(&body, &one).unwrap(),
            json!({"f": 5, "g": "since 5"})
        );
    }
}
