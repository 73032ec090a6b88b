//! What the first request sent, as the rules read it: its parameters (its own, its URL's query,
//! its JSON body one level deep), the part each plays in paging, the naming style they share,
//! and a GraphQL call's arguments.
//!
//! The request decides what the response alone cannot: the name a position goes back under
//! (`from=0&size=20` is an offset window named `from`/`size`), where it goes (the query or the
//! body, and where in the body), and the spelling of a name the response only implies
//! (`NextToken` goes back as `next_token` to an API whose parameters are snake_case).

use serde_json::Value;

use super::keys::as_int;
use super::scan::Scan;
use crate::request::Request;

/// Where a paginator writes a value: a query parameter or a dotted path in the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Place {
    Query(String),
    Body(String),
}

impl Place {
    /// The parameter's name or body path.
    pub(super) fn name(&self) -> &str {
        match self {
            Place::Query(n) | Place::Body(n) => n,
        }
    }
}

/// The part a parameter plays in paging, known from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A page number (`page`, `page[number]`, `pageNo`, ...).
    Page,
    /// Where an offset window starts (`offset`, `from`, `start`, `skip`, ...).
    Offset,
    /// How many records a page holds (`limit`, `size`, `rows`, `per_page`, ...).
    Size,
    /// An opaque position (`cursor`, `pageToken`, `marker`, `continue`, ...).
    Cursor,
}

/// Page-number parameter names (compared by [`normalize`]).
const PAGE_NAMES: &[&str] = &[
    "page",
    "page_number",
    "page_no",
    "page_num",
    "page_index",
    "current_page",
    "page_nr",
    "start_page",
    "p",
    "pg",
];
/// Offset parameter names: where a window starts.
const OFFSET_NAMES: &[&str] = &[
    "offset",
    "start",
    "from",
    "skip",
    "start_at",
    "start_index",
    "start_offset",
    "first_result",
    "start_row",
    "start_record",
    "first_record",
    "first_index",
    "from_index",
    "begin",
];
/// Page-size parameter names: how many records a page holds.
const SIZE_NAMES: &[&str] = &[
    "limit",
    "size",
    "rows",
    "take",
    "top",
    "count",
    "max",
    "num",
    "hits",
    "max_results",
    "max_hits",
    "max_records",
    "max_items",
    "number_of_results",
    "per_page",
    "page_size",
    "pagelen",
    "results_per_page",
    "hits_per_page",
    "items_per_page",
    "first",
    "length",
    "page_length",
    "batch_size",
    "max_count",
    "max_page_size",
    "num_results",
    "result_size",
];
/// Cursor parameter names: an opaque position.
const CURSOR_NAMES: &[&str] = &[
    "cursor",
    "cursor_mark",
    "page_token",
    "pagination_token",
    "continuation_token",
    "continuation",
    "continue",
    "next_token",
    "next_page_token",
    "next_cursor",
    "starting_after",
    "start_cursor",
    "after",
    "after_id",
    "marker",
    "page_info",
    "bookmark",
    "skip_token",
    "position",
    "page_key",
];

/// One parameter the first request sent: where, and its value (query values are strings).
pub(super) struct Field {
    pub(super) place: Place,
    pub(super) value: Value,
}

impl Field {
    /// The part it plays in paging, from its name.
    pub(super) fn role(&self) -> Option<Role> {
        role_of(self.place.name())
    }

    /// The value as a whole number (`"20"` and `20` alike).
    pub(super) fn int(&self) -> Option<i64> {
        as_int(&self.value)
    }

    /// The last step of the name, normalized (`page[size]` gives `size`, `options.$top` gives
    /// `top`).
    pub(super) fn leaf(&self) -> String {
        normalize(leaf(self.place.name()))
    }
}

/// The last step of a bracketed or dotted name (`page[size]` gives `size`).
fn leaf(name: &str) -> &str {
    name.split(['[', ']', '.'])
        .rfind(|s| !s.is_empty())
        .unwrap_or(name)
}

fn in_names(name: &str, names: &[&str]) -> bool {
    let name = normalize(name);
    names.iter().any(|n| normalize(n) == name)
}

/// The role of a parameter named `name`: by the whole name, else by its last step, else a
/// page-ish prefix with a number-ish step (`page[number]`, `pagination.current`).
pub(super) fn role_of(name: &str) -> Option<Role> {
    let tables = [
        (Role::Page, PAGE_NAMES),
        (Role::Offset, OFFSET_NAMES),
        (Role::Size, SIZE_NAMES),
        (Role::Cursor, CURSOR_NAMES),
    ];
    let last = leaf(name);
    for candidate in [name, last] {
        if let Some((role, _)) = tables.iter().find(|(_, names)| in_names(candidate, names)) {
            return Some(*role);
        }
    }
    let first = name.split(['[', '.']).next().unwrap_or(name);
    if normalize(first).contains("page")
        && in_names(last, &["number", "index", "no", "num", "current"])
    {
        return Some(Role::Page);
    }
    // By the word the name ends with, in any spelling: a vendor's prefix (ServiceNow's
    // `sysparm_offset` and `sysparm_limit`), or a compound that says what it counts
    // (`maxPageSize`, `itemsPerPage`, `startIndex`, `pageToken`, `startCursor`, `currentPage`).
    role_by_ending(&normalize(last))
}

/// The role a (normalized) name's last word gives it, longest endings first: sizes
/// (`...perpage`, `...pagesize`, `...limit`, `...batchsize`), offsets (`...offset`), cursors
/// (`...cursor`, `...token`, `...marker`), then page numbers (`...page`, `...pagenumber`).
fn role_by_ending(name: &str) -> Option<Role> {
    const ENDINGS: &[(&str, Role)] = &[
        ("perpage", Role::Size),
        ("pagesize", Role::Size),
        ("pagelength", Role::Size),
        ("pagelimit", Role::Size),
        ("batchsize", Role::Size),
        ("fetchsize", Role::Size),
        ("chunksize", Role::Size),
        ("maxresults", Role::Size),
        ("maxitems", Role::Size),
        ("limit", Role::Size),
        ("offset", Role::Offset),
        ("startindex", Role::Offset),
        ("cursor", Role::Cursor),
        ("token", Role::Cursor),
        ("marker", Role::Cursor),
        ("continuation", Role::Cursor),
        ("pagenumber", Role::Page),
        ("pageindex", Role::Page),
        ("pageno", Role::Page),
        ("pagenum", Role::Page),
        ("pagenr", Role::Page),
        ("page", Role::Page),
    ];
    ENDINGS
        .iter()
        .find(|(end, _)| name.len() > end.len() && name.ends_with(end))
        .map(|(_, role)| *role)
}

/// A naming style of parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    Snake,
    Kebab,
    Camel,
    Pascal,
}

/// The style of one name, when its spelling shows one (`per_page`, `pageSize`, `MaxResults`).
fn style_of(name: &str) -> Option<Style> {
    let name = leaf(name).trim_start_matches(['$', '_', '@']);
    let first = name.chars().next()?;
    let upper = name.chars().any(|c| c.is_ascii_uppercase());
    if name.contains('_') && !upper {
        Some(Style::Snake)
    } else if name.contains('-') && !upper {
        Some(Style::Kebab)
    } else if first.is_ascii_uppercase() && name.chars().any(|c| c.is_ascii_lowercase()) {
        Some(Style::Pascal)
    } else if first.is_ascii_lowercase() && upper {
        Some(Style::Camel)
    } else {
        None
    }
}

/// `name` (in any style) written in `style`: `next_token`, `next-token`, `nextToken`,
/// `NextToken`.
pub(super) fn restyle(name: &str, style: Style) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in name.chars() {
        if c == '_' || c == '-' {
            words.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            continue;
        }
        if c.is_ascii_uppercase() && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    words.extend((!word.is_empty()).then_some(word));
    let capital = |w: &String| {
        let mut cs = w.chars();
        cs.next()
            .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
            .unwrap_or_default()
    };
    match style {
        Style::Snake => words.join("_"),
        Style::Kebab => words.join("-"),
        Style::Pascal => words.iter().map(capital).collect(),
        Style::Camel => words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 0 { w.clone() } else { capital(w) })
            .collect(),
    }
}

/// A name without case, `_`, `-` or a leading `$` or `@`, to compare spellings (`page_token`,
/// `pageToken`, `PageToken`).
pub(super) fn normalize(name: &str) -> String {
    name.trim_start_matches(['$', '@'])
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl<'a> Scan<'a> {
    /// Every parameter the first request sent: its params, its URL's query, then the scalar
    /// members of its JSON body (top level, and one level down: `page.number`,
    /// `options.$top`).
    pub(super) fn sent_fields(&self) -> Vec<Field> {
        let Some(r) = self.request else {
            return Vec::new();
        };
        let mut out: Vec<Field> = self
            .sent_params()
            .into_iter()
            .map(|(k, v)| Field {
                place: Place::Query(k),
                value: Value::String(v),
            })
            .collect();
        let Some(Value::Object(body)) = r.json() else {
            return out;
        };
        let scalar = |v: &Value| !v.is_object() && !v.is_array();
        for (k, v) in body.iter().filter(|(k, _)| !k.contains('.')) {
            if scalar(v) {
                out.push(Field {
                    place: Place::Body(k.clone()),
                    value: v.clone(),
                });
            } else if let Value::Object(inner) = v {
                for (ik, iv) in inner
                    .iter()
                    .filter(|(ik, iv)| !ik.contains('.') && scalar(iv))
                {
                    out.push(Field {
                        place: Place::Body(format!("{k}.{ik}")),
                        value: iv.clone(),
                    });
                }
            }
        }
        out
    }

    /// The first parameter the request sent in `role` (with a whole-number value for the page,
    /// offset and size roles).
    pub(super) fn sent_role(&self, role: Role) -> Option<Field> {
        let fields = self.sent_fields();
        let counted = |f: &Field| role == Role::Cursor || f.int().is_some_and(|n| n >= 0);
        let sizes = fields
            .iter()
            .filter(|f| f.role() == Some(Role::Size) && f.int().is_some())
            .count();
        // `first` sizes a Relay-style page, except beside another size: Keycloak's
        // `first=0&max=100` is an offset and a size.
        let first_is_offset = |f: &Field| sizes > 1 && f.leaf() == "first";
        fields.into_iter().find(|f| {
            let r = if first_is_offset(f) {
                Some(Role::Offset)
            } else {
                f.role()
            };
            r == Some(role) && counted(f)
        })
    }

    /// Where a parameter in `role` goes: where the request sent one (its name kept), else
    /// `name` where [`default_place`](Self::default_place) puts it.
    pub(super) fn place_for(&self, role: Role, name: String) -> Place {
        self.sent_role(role)
            .map_or_else(|| self.default_place(&name), |f| f.place)
    }

    /// Where a parameter the request did not send goes: a GraphQL variable for a GraphQL call,
    /// the JSON body for a POST (or PUT, PATCH) with one, else the query; beside the paging parameters the request did send when
    /// it keeps them together (`page[size]=30` gives `page[cursor]`, `listOptions.limit` gives
    /// `listOptions.continue`, a body's `options.$top` gives `options.$skipToken`).
    pub(super) fn default_place(&self, name: &str) -> Place {
        // A GraphQL call takes its page parameters as variables.
        if self.is_graphql() {
            return Place::Body(format!("variables.{name}"));
        }
        let body = self.in_body();
        let grouped = self.sent_fields().into_iter().find_map(|f| {
            f.role()?;
            match (&f.place, body) {
                (Place::Body(path), true) => path
                    .rsplit_once('.')
                    .map(|(parent, _)| Place::Body(format!("{parent}.{name}"))),
                (Place::Query(q), false) => {
                    if let Some((parent, rest)) = q.split_once('[') {
                        (rest.ends_with(']') && !parent.is_empty())
                            .then(|| Place::Query(format!("{parent}[{name}]")))
                    } else {
                        q.rsplit_once('.')
                            .filter(|(parent, _)| !parent.is_empty())
                            .map(|(parent, _)| Place::Query(format!("{parent}.{name}")))
                    }
                }
                _ => None,
            }
        });
        grouped.unwrap_or_else(|| {
            if body {
                // A body that holds its paging options in an object of their own, empty on the
                // first request (mongoose-paginate's `{"query": {}, "options": {}}`, a
                // `pagination: {}` block): the page goes there.
                let options = self.request.and_then(Request::json).and_then(|b| {
                    ["options", "pagination", "paging"]
                        .into_iter()
                        .find(|k| b.get(*k).is_some_and(Value::is_object))
                });
                if let Some(options) = options {
                    return Place::Body(format!("{options}.{name}"));
                }
                Place::Body(name.to_owned())
            } else {
                Place::Query(name.to_owned())
            }
        })
    }

    /// The naming style most of the request's paging parameters share (`per_page`,
    /// `MaxResults`), if they show one. Other parameters do not count: `api-version` says
    /// nothing of how Azure spells `continuationToken`.
    pub(super) fn request_style(&self) -> Option<Style> {
        let mut votes = [0usize; 4];
        let styles = [Style::Snake, Style::Kebab, Style::Camel, Style::Pascal];
        for f in self.sent_fields().iter().filter(|f| f.role().is_some()) {
            if let Some(s) = style_of(f.place.name()) {
                votes[styles.iter().position(|x| *x == s).unwrap_or(0)] += 1;
            }
        }
        let best = *votes.iter().max()?;
        let mut winners = styles
            .iter()
            .zip(votes)
            .filter(|(_, v)| *v == best && best > 0);
        let (style, _) = winners.next()?;
        winners.next().is_none().then_some(*style)
    }

    /// `name`, a parameter name known only by convention, in the request's naming style.
    pub(super) fn styled(&self, name: &str) -> String {
        match self.request_style() {
            Some(style) if style_of(name).is_some() || style == Style::Pascal => {
                restyle(name, style)
            }
            _ => name.to_owned(),
        }
    }

    /// The value of parameter `name` in the first request (its params, its JSON body's top
    /// level, or its URL's query).
    pub(super) fn sent_param(&self, name: &str) -> Option<String> {
        let r = self.request?;
        if let Some(v) = r.param(name) {
            return Some(v.to_owned());
        }
        if let Some(Value::Object(body)) = r.json()
            && let Some(v) = body.get(name)
        {
            return Some(match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        r.url()
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The parameter names to send `names` under: OData's `$name` form if the caller already
    /// sent one of them so (`$top` alone gives `$skip` and `$top`).
    pub(super) fn param_names<const N: usize>(&self, names: [&str; N]) -> [String; N] {
        let dollar = names
            .iter()
            .any(|n| !n.starts_with('$') && self.sent_param(&format!("${n}")).is_some());
        names.map(|n| {
            if dollar {
                format!("${n}")
            } else {
                n.to_owned()
            }
        })
    }

    /// Every query parameter the first request sent: its params, then its URL's query.
    pub(super) fn sent_params(&self) -> Vec<(String, String)> {
        let Some(r) = self.request else {
            return Vec::new();
        };
        let mut out: Vec<(String, String)> = r.params().to_vec();
        out.extend(r.url().query_pairs().into_owned());
        out
    }

    /// The first of `names` the first request sent (as a query parameter or a top-level key
    /// of its JSON body), compared without case, `_` or `-`: the request tells the spelling.
    pub(super) fn sent_name(&self, names: &[&str]) -> Option<String> {
        let mut sent: Vec<String> = self.sent_params().into_iter().map(|(k, _)| k).collect();
        if let Some(Value::Object(body)) = self.request.and_then(Request::json) {
            sent.extend(body.keys().cloned());
        }
        names.iter().find_map(|want| {
            let want = normalize(want);
            sent.iter().find(|k| normalize(k) == want).cloned()
        })
    }

    /// The request parameter that carried a cursor on the first request, if any (some APIs
    /// need `cursor=*` or an empty token to start): the parameter to advance.
    pub(super) fn sent_cursor_param(&self) -> Option<String> {
        const CURSOR_PARAMS: &[&str] = &[
            "cursor",
            "cursorMark",
            "pageToken",
            "page_token",
            "paginationToken",
            "pagination_token",
            "continuationToken",
            "continuation_token",
            "nextToken",
            "next_token",
            "nextPageToken",
            "next_page_token",
            "starting_after",
            "start_cursor",
            "after",
            "after_id",
            "marker",
            "page_info",
        ];
        self.sent_name(CURSOR_PARAMS)
    }

    /// Where the first request sent its page number (a whole number, or nothing yet): a query
    /// parameter (`page`, `page[number]`, `pagination[page]`, `_page`, ...) or a path in its
    /// JSON body (`page`, `page.number`, `pagination.page`). `None` when it sent none.
    pub(super) fn sent_page_place(&self) -> Option<Place> {
        let body = self.in_body();
        self.sent_fields()
            .into_iter()
            .filter(|f| matches!(f.place, Place::Body(_)) == body)
            .find(|f| {
                f.role() == Some(Role::Page)
                    && (f.int().is_some() || f.value.as_str().is_some_and(str::is_empty))
            })
            .map(|f| f.place)
    }

    /// The JSON body of the first request when it is a GraphQL call (`query` text and an
    /// optional `variables` object).
    fn graphql(&self) -> Option<(&'a str, Option<&'a serde_json::Map<String, Value>>)> {
        let body = self.request?.json()?.as_object()?;
        // A search API's `{"query": "shoes"}` is no GraphQL call: GraphQL has a selection set.
        let query = body
            .get("query")?
            .as_str()
            .filter(|q| q.contains('{') && q.contains('}'))?;
        Some((query, body.get("variables").and_then(Value::as_object)))
    }

    /// Whether the first request was a GraphQL call.
    pub(super) fn is_graphql(&self) -> bool {
        self.in_body() && self.graphql().is_some()
    }

    /// What the GraphQL query passes as the field argument `name` (`after: $page` gives
    /// `Variable("page")`, `first: 10` gives `Literal(10)`), the first one in the query.
    pub(super) fn graphql_argument(&self, name: &str) -> Option<Argument> {
        let (query, _) = self.graphql()?;
        graphql_argument(query, name)
    }

    /// The first field argument of the GraphQL query whose name plays `role` (by [`role_of`])
    /// and that is bound to a variable: `(argument, variable)`, e.g. `("nextToken", "token")`
    /// for `nextToken: $token`.
    pub(super) fn graphql_variable_in_role(&self, role: Role) -> Option<(String, String)> {
        let (query, _) = self.graphql()?;
        graphql_arguments(query)
            .into_iter()
            .find_map(|(name, arg)| match arg {
                // An input object (`pageInfo: $pageInfo` holding `{cursor, limit}`) is no
                // single parameter, whatever its name.
                Argument::Variable(v)
                    if role_of(&name) == Some(role)
                        && !self.graphql_variable(&v).is_some_and(Value::is_object) =>
                {
                    Some((name, v))
                }
                _ => None,
            })
    }

    /// The value of GraphQL variable `name` in the request, if it is set.
    pub(super) fn graphql_variable(&self, name: &str) -> Option<&'a Value> {
        let (_, variables) = self.graphql()?;
        variables?.get(name).filter(|v| !v.is_null())
    }

    /// Where a GraphQL cursor goes: the variable the query passes as `after:` (`after: $page`
    /// gives `variables.page`) or `cursor:`, else a cursor-like variable the request already
    /// has, else `variables.after`.
    pub(super) fn graphql_cursor_variable(&self) -> String {
        let Some((_, variables)) = self.graphql() else {
            return "variables.after".into();
        };
        // `after: $page` (Relay), else `cursor: $c` (New Relic's NerdGraph and others), else
        // any argument whose name is a cursor's (`nextToken: $token` of AppSync,
        // `pageToken: $t`, `marker: $m`) bound to a variable.
        let from_query = ["after", "cursor"]
            .iter()
            .find_map(|arg| match self.graphql_argument(arg) {
                Some(Argument::Variable(name)) => Some(name),
                _ => None,
            })
            .or_else(|| self.graphql_variable_in_role(Role::Cursor).map(|(_, v)| v));
        const CURSORS: [&str; 4] = ["after", "cursor", "endCursor", "after_cursor"];
        let from_variables = || {
            let v = variables?;
            CURSORS
                .iter()
                .find(|k| v.contains_key(**k))
                .map(|k| (*k).to_owned())
                // A page-options input object the query binds as one variable
                // (`pageInfo: $pageInfo` with `{"cursor": ..., "limit": 25}`): its cursor.
                .or_else(|| {
                    v.iter().find_map(|(name, value)| {
                        let inner = value.as_object()?;
                        let key = CURSORS.iter().find(|k| inner.contains_key(**k))?;
                        Some(format!("{name}.{key}"))
                    })
                })
        };
        let name = from_query
            .or_else(from_variables)
            .unwrap_or_else(|| "after".into());
        format!("variables.{name}")
    }

    /// Whether the GraphQL query writes its cursor argument as a literal (`after: "NQ=="`):
    /// no variable carries the next cursor, so no walk can follow it without a rewritten query.
    pub(super) fn graphql_cursor_is_literal(&self) -> bool {
        ["after", "cursor"]
            .iter()
            .any(|arg| matches!(self.graphql_argument(arg), Some(Argument::Text)))
    }
}

/// What a GraphQL query passes as a field argument.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Argument {
    /// `after: $page`: the variable `page`.
    Variable(String),
    /// `first: 10`: a whole number written in the query.
    Literal(i64),
    /// `after: "NQ=="`: a string written in the query.
    Text,
}

/// The first `name: ...` argument in `query` whose name stands alone (`after`, not
/// `createdAfter`), as a variable or a whole number.
fn graphql_argument(query: &str, name: &str) -> Option<Argument> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    query.match_indices(name).find_map(|(i, _)| {
        if query[..i].chars().next_back().is_some_and(word) {
            return None;
        }
        let rest = query.get(i + name.len()..)?.trim_start();
        let rest = rest.strip_prefix(':')?.trim_start();
        if let Some(var) = rest.strip_prefix('$') {
            let var: String = var.chars().take_while(|c| word(*c)).collect();
            return (!var.is_empty()).then_some(Argument::Variable(var));
        }
        if rest.starts_with('"') {
            return Some(Argument::Text);
        }
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok().map(Argument::Literal)
    })
}

/// Every field argument of `query` written `name: $variable`, `name: 10` or `name: "text"`,
/// in order (variable definitions, `$name: Type`, are not arguments).
fn graphql_arguments(query: &str) -> Vec<(String, Argument)> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let bytes: Vec<(usize, char)> = query.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        let (start, c) = bytes[i];
        let after_dollar = start > 0 && query[..start].ends_with('$');
        let boundary = start == 0 || !query[..start].chars().next_back().is_some_and(word);
        if !(c.is_ascii_alphabetic() || c == '_') || !boundary || after_dollar {
            i += 1;
            continue;
        }
        let name: String = query[start..].chars().take_while(|c| word(*c)).collect();
        i += name.chars().count();
        if let Some(arg) = graphql_argument(&query[start..], &name)
            && query[start + name.len()..].trim_start().starts_with(':')
        {
            out.push((name, arg));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_names_in_any_spelling() {
        assert_eq!(role_of("page"), Some(Role::Page));
        assert_eq!(role_of("_page"), Some(Role::Page));
        assert_eq!(role_of("PageNumber"), Some(Role::Page));
        assert_eq!(role_of("page[number]"), Some(Role::Page));
        assert_eq!(role_of("pagination[page]"), Some(Role::Page));
        assert_eq!(role_of("page.current"), Some(Role::Page));
        assert_eq!(role_of("page[size]"), Some(Role::Size));
        assert_eq!(role_of("from"), Some(Role::Offset));
        assert_eq!(role_of("start_offset"), Some(Role::Offset));
        assert_eq!(role_of("$skip"), Some(Role::Offset));
        assert_eq!(role_of("max_hits"), Some(Role::Size));
        assert_eq!(role_of("options.$top"), Some(Role::Size));
        assert_eq!(role_of("cursorMark"), Some(Role::Cursor));
        assert_eq!(role_of("Marker"), Some(Role::Cursor));
        assert_eq!(role_of("sysparm_offset"), Some(Role::Offset));
        assert_eq!(role_of("sysparm_limit"), Some(Role::Size));
        // By the word a compound name ends with.
        assert_eq!(role_of("maxPageSize"), Some(Role::Size));
        assert_eq!(role_of("itemsPerPage"), Some(Role::Size));
        assert_eq!(role_of("resultLimit"), Some(Role::Size));
        assert_eq!(role_of("recordOffset"), Some(Role::Offset));
        assert_eq!(role_of("syncToken"), Some(Role::Cursor));
        assert_eq!(role_of("startCursor"), Some(Role::Cursor));
        assert_eq!(role_of("currentPage"), Some(Role::Page));
        assert_eq!(role_of("length"), Some(Role::Size));
        assert_eq!(role_of("startRecord"), Some(Role::Offset));
        assert_eq!(role_of("status"), None);
        assert_eq!(role_of("token"), None);
        assert_eq!(role_of("start_time"), None);
        assert_eq!(role_of("sort"), None);
    }

    #[test]
    fn names_take_the_style_of_the_request() {
        assert_eq!(restyle("nextToken", Style::Snake), "next_token");
        assert_eq!(restyle("next_token", Style::Pascal), "NextToken");
        assert_eq!(restyle("NextToken", Style::Camel), "nextToken");
        assert_eq!(restyle("page_token", Style::Kebab), "page-token");
        assert_eq!(style_of("per_page"), Some(Style::Snake));
        assert_eq!(style_of("pageSize"), Some(Style::Camel));
        assert_eq!(style_of("MaxResults"), Some(Style::Pascal));
        assert_eq!(style_of("limit"), None);
        assert_eq!(style_of("page[size]"), None);
    }

    #[test]
    fn graphql_arguments_are_read_from_the_query() {
        let q =
            "query($c: String, $n: Int) { items(createdAfter: $x, first: 10, after: $c) { id } }";
        assert_eq!(
            graphql_argument(q, "after"),
            Some(Argument::Variable("c".into()))
        );
        assert_eq!(graphql_argument(q, "first"), Some(Argument::Literal(10)));
        assert_eq!(graphql_argument(q, "offset"), None);
        let args = graphql_arguments(q);
        assert_eq!(
            args.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["createdAfter", "first", "after"]
        );
        let appsync = "query L($limit: Int, $token: String) { listTodos(limit: $limit, nextToken: $token) { items { id } nextToken } }";
        let args = graphql_arguments(appsync);
        assert!(args.contains(&("nextToken".into(), Argument::Variable("token".into()))));
        assert!(
            !args
                .iter()
                .any(|(n, _)| n == "limit" && matches!(&args[0].1, Argument::Literal(_)))
        );
        let inline = r#"{ employees(first: 2, after: "NQ==") { pageInfo { endCursor } } }"#;
        assert_eq!(graphql_argument(inline, "after"), Some(Argument::Text));
    }
}
