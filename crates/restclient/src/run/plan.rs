//! Reading a `rest_api` config, before any request, in small passes over the typed forms of
//! [`crate::spec`]:
//!
//! 1. `${NAME}` ([`expand`]): values read from the environment, taken as data in the strings
//!    that are templates;
//! 2. shape ([`RestApiSpec`], [`ClientSpec`], [`ResourceSpec`]): every level refuses unknown
//!    keys and wrong types, naming the key path;
//! 3. defaults ([`merge_defaults`]): `resource_defaults` merged into each resource exactly as
//!    dlt does it (reference §1.6);
//! 4. per resource ([`resource_plan`]): [`bindings`], [`incremental`], [`path_pieces`],
//!    [`placeholders`], [`paging`] (paginator and selector);
//! 5. graph ([`graph`]): parents exist, no cycle, parents first.
//!
//! Every error is a [`SpecError`] with its key path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::incremental::IncrementalSpec;
use super::template::{self, Expr, Piece};
use crate::spec::{
    AuthSpec, CREDENTIAL_KEYS, ClientSpec, EndpointMethod, EndpointSpec, EnvExpander,
    PaginatorSpec, ParamSpec, ResourceSpec, RestApiSpec, SpecError, join, kind_of,
};

/// The client part of a config.
pub(crate) type ClientPlan = ClientSpec;

/// One `response_actions` entry (`ignore`, on a status and/or a body text).
pub(crate) type ResponseAction = crate::spec::ResponseActionSpec;

/// A resource after merging and checking.
#[derive(Debug, Clone)]
pub(crate) struct ResourcePlan {
    pub(crate) name: String,
    pub(crate) parent: Option<String>,
    pub(crate) selected: bool,
    pub(crate) method: EndpointMethod,
    pub(crate) path: Vec<Piece>,
    /// Query params in order; values are JSON (templates in strings).
    pub(crate) params: Vec<(String, Value)>,
    pub(crate) json: Option<Value>,
    pub(crate) data: Option<Value>,
    pub(crate) headers: Vec<(String, String)>,
    /// `None`: the client's; `Some(None)`: none.
    pub(crate) auth: Option<Option<AuthSpec>>,
    pub(crate) paginator: Option<PaginatorSpec>,
    pub(crate) data_selector: Option<String>,
    pub(crate) response_actions: Vec<ResponseAction>,
    pub(crate) incremental: Option<IncrementalSpec>,
    pub(crate) include_from_parent: Vec<String>,
    /// `primary_key`, `write_disposition`, `table_name` as written.
    pub(crate) hints: Map<String, Value>,
    /// The parent fields this resource's requests use (`resources.<parent>.<field>`).
    pub(crate) parent_exprs: Vec<Expr>,
}

impl ResourcePlan {
    pub(crate) fn primary_key(&self) -> Option<&Value> {
        self.hints.get("primary_key")
    }

    /// The table the resource writes: `table_name`, else its name.
    pub(crate) fn table_name(&self) -> &str {
        self.hints
            .get("table_name")
            .and_then(Value::as_str)
            .unwrap_or(&self.name)
    }

    /// `write_disposition` (checked by `layout::check`), `append` when not given.
    pub(crate) fn write_disposition(&self) -> super::layout::WriteDisposition {
        self.hints
            .get("write_disposition")
            .and_then(super::layout::WriteDisposition::from_value)
            .unwrap_or_default()
    }
}

/// A whole config, checked.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) client: ClientPlan,
    /// In topological order: a parent before its children.
    pub(crate) resources: Vec<ResourcePlan>,
    /// Values that came from `${NAME}`: secrets.
    pub(crate) secrets: BTreeSet<String>,
}

/// Reads a config file by its extension: `.json`, `.toml`, `.yaml`/`.yml`.
pub(crate) fn read_file(path: &Path) -> Result<Value, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        SpecError::new(
            "",
            format!("cannot read the config file {}: {e}", path.display()),
        )
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "json" => crate::spec::parse_json(&text),
        "toml" => toml::from_str::<Value>(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let line = text.get(..s.start).map_or(0, |t| t.lines().count().max(1));
                    format!(" at line {line}")
                })
                .unwrap_or_default();
            SpecError::new("", format!("not valid TOML{at}"))
        }),
        "yaml" | "yml" => serde_saphyr::from_str::<Value>(&text).map_err(|e| {
            // saphyr's messages quote the offending text; keep only the position.
            let msg = e.to_string();
            let at = msg
                .find("line ")
                .and_then(|i| msg.get(i..))
                .map(|rest| {
                    let pos: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == ' ')
                        .collect();
                    format!(" at {}", pos.trim())
                })
                .unwrap_or_default();
            SpecError::new("", format!("not valid YAML{at}"))
        }),
        _ => Err(SpecError::new(
            "",
            format!(
                "cannot tell the format of {}: name it .json, .toml, .yaml or .yml",
                path.display()
            ),
        )),
    }
}

/// Checks and plans a config. `${NAME}` is expanded with `env` first.
pub(crate) fn plan(mut config: Value, env: &mut EnvExpander<'_>) -> Result<Plan, SpecError> {
    expand(&mut config, env)?;
    let spec = RestApiSpec::from_value(&config)?;
    let defaults = match spec.resource_defaults {
        None => Map::new(),
        Some(d) => {
            // Checked on its own first, so that a mistake in the defaults is named where it
            // is, not under the first resource it is merged into.
            ResourceSpec::defaults(&Value::Object(d.clone()))
                .map_err(|e| e.within("resource_defaults"))?;
            d
        }
    };
    let mut resources = Vec::new();
    for (i, r) in spec.resources.iter().enumerate() {
        let path = format!("resources[{i}]");
        let merged = merge_defaults(&defaults, r).map_err(|e| e.within(&path))?;
        let resource = ResourceSpec::resource(&merged).map_err(|e| e.within(&path))?;
        for key in &resource.ignored {
            tracing::warn!(
                "{}: ignored (it only matters to a dlt destination)",
                join(&path, key)
            );
        }
        resources.push((
            path.clone(),
            resource_plan(resource).map_err(|e| e.within(&path))?,
        ));
    }
    Ok(Plan {
        client: spec.client,
        resources: graph(resources)?,
        secrets: env.secrets().clone(),
    })
}

/// The pass over `${NAME}`: every string of the config, as [`EnvExpander::expand_value`]
/// does, except that in the strings a run reads as templates (an endpoint's path, params,
/// json, data and headers) a value's braces are doubled: a value is data, never a placeholder.
fn expand(config: &mut Value, env: &mut EnvExpander<'_>) -> Result<(), SpecError> {
    let Value::Object(top) = config else {
        return env.expand_value(config, CREDENTIAL_KEYS);
    };
    for (key, value) in top.iter_mut() {
        match (key.as_str(), value) {
            ("resources", Value::Array(list)) => {
                for (i, r) in list.iter_mut().enumerate() {
                    expand_resource(r, env).map_err(|e| e.within(&format!("resources[{i}]")))?;
                }
            }
            ("resource_defaults", r) => {
                expand_resource(r, env).map_err(|e| e.within("resource_defaults"))?;
            }
            (_, other) => env
                .expand_value(other, CREDENTIAL_KEYS)
                .map_err(|e| e.within(key))?,
        }
    }
    Ok(())
}

fn expand_resource(resource: &mut Value, env: &mut EnvExpander<'_>) -> Result<(), SpecError> {
    let Value::Object(map) = resource else {
        // A resource given by its name alone: a name, not a template.
        return env.expand_value(resource, CREDENTIAL_KEYS);
    };
    for (key, value) in map.iter_mut() {
        let expanded = match (key.as_str(), value) {
            ("endpoint", path @ Value::String(_)) => env.expand_template(path),
            ("endpoint", Value::Object(endpoint)) => expand_endpoint(endpoint, env),
            (_, other) => env.expand_value(other, CREDENTIAL_KEYS),
        };
        expanded.map_err(|e| e.within(key))?;
    }
    Ok(())
}

fn expand_endpoint(
    endpoint: &mut Map<String, Value>,
    env: &mut EnvExpander<'_>,
) -> Result<(), SpecError> {
    for (key, value) in endpoint.iter_mut() {
        let expanded = match (key.as_str(), value) {
            ("params", Value::Object(params)) => {
                for (name, v) in params.iter_mut() {
                    // A binding (`{"type": "resolve", ...}`) names things; a value is a template.
                    let expanded = if v.get("type").is_some() {
                        env.expand_value(v, CREDENTIAL_KEYS)
                    } else {
                        env.expand_template(v)
                    };
                    expanded.map_err(|e| e.within(&join("params", name)))?;
                }
                Ok(())
            }
            ("path" | "json" | "data" | "headers", v) => env.expand_template(v),
            (_, other) => env.expand_value(other, CREDENTIAL_KEYS),
        };
        expanded.map_err(|e| e.within(key))?;
    }
    Ok(())
}

/// The pass that merges `resource_defaults` into a resource, as dlt normalises and merges
/// (§1.5, §1.6): a resource that is a string is its name and path; resource keys merge
/// shallowly, the endpoint's too, except `params` and `json`, merged one level deep; the
/// endpoint's path defaults to the resource's name. Errors are relative to the resource.
fn merge_defaults(defaults: &Map<String, Value>, resource: &Value) -> Result<Value, SpecError> {
    let mut res = match resource {
        Value::String(name) => Map::from_iter([("name".to_owned(), Value::String(name.clone()))]),
        Value::Object(m) => m.clone(),
        other => {
            return Err(SpecError::new(
                "",
                format!(
                    "expected a resource name or an object, got {}",
                    kind_of(other)
                ),
            ));
        }
    };
    let mut endpoint = match res.remove("endpoint") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::String(p)) => Map::from_iter([("path".to_owned(), Value::String(p))]),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(SpecError::new(
                "endpoint",
                format!("expected a path or an object, got {}", kind_of(&other)),
            ));
        }
    };
    if !endpoint.contains_key("path")
        && let Some(Value::String(name)) = res.get("name")
    {
        // A name is a name: its braces are literal in the path it gives.
        let path = name.replace('{', "{{").replace('}', "}}");
        endpoint.insert("path".into(), Value::String(path));
    }
    let mut out = defaults.clone();
    // Checked by `ResourceSpec::defaults`: an object, or a path that no resource inherits.
    let default_endpoint = match out.remove("endpoint") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    out.extend(res);
    let mut ep = default_endpoint.clone();
    ep.remove("path");
    for (k, v) in endpoint {
        let deep = k == "params" || k == "json";
        match (default_endpoint.get(&k), v) {
            (Some(Value::Object(d)), Value::Object(mine)) if deep => {
                let mut m = d.clone();
                m.extend(mine);
                ep.insert(k, Value::Object(m));
            }
            (Some(Value::Object(_)), Value::Null) if deep => {
                return Err(SpecError::new(
                    join("endpoint", &k),
                    format!(
                        "is null while `resource_defaults` sets `{k}`; to drop one default \
                         entry, set that entry to null"
                    ),
                ));
            }
            (_, v) => {
                ep.insert(k, v);
            }
        }
    }
    out.insert("endpoint".into(), Value::Object(ep));
    Ok(Value::Object(out))
}

/// One resource, checked and given its meaning. Errors are relative to the resource.
fn resource_plan(resource: ResourceSpec) -> Result<ResourcePlan, SpecError> {
    let ResourceSpec {
        name,
        endpoint,
        include_from_parent,
        selected,
        hints,
        ignored: _,
    } = resource;
    let name = name.map(|n| n.0).unwrap_or_default();
    // The merge always gives an endpoint with a path.
    let ep = endpoint.unwrap_or_default();
    let at = |k: &str| join("endpoint", k);
    let bound = bindings(ep.params.clone().unwrap_or_default())?;
    let incremental = incremental(ep.incremental.as_ref(), bound.incremental)?;
    let raw_path = ep.path.clone().unwrap_or_default();
    let (path, params) = path_pieces(&raw_path, &bound.resolves, bound.params)?;
    let (parent, parent_exprs) = placeholders(&name, &ep, &path, &params, incremental.is_some())?;
    if !include_from_parent.is_empty() && parent.is_none() {
        return Err(SpecError::new(
            "include_from_parent",
            format!("resource `{name}` has no parent to include fields from"),
        ));
    }
    let (paginator, data_selector) = paging(&ep, &raw_path)?;
    if let Some(d) = &ep.data
        && !d.is_object()
    {
        return Err(SpecError::new(
            at("data"),
            format!(
                "expected an object (sent as a form), got {}; send other bodies with `json`",
                kind_of(d)
            ),
        ));
    }
    if ep.json.is_some() && ep.data.is_some() {
        return Err(SpecError::new(
            at("data"),
            "`json` and `data` cannot both be set",
        ));
    }
    Ok(ResourcePlan {
        name,
        parent,
        selected,
        method: ep.method.unwrap_or(EndpointMethod::Get),
        path,
        params,
        json: ep.json.map(Value::Object),
        data: ep.data,
        headers: ep.headers.unwrap_or_default().into_iter().collect(),
        auth: ep.auth,
        paginator,
        data_selector,
        response_actions: ep.response_actions.unwrap_or_default(),
        incremental,
        include_from_parent,
        hints,
        parent_exprs,
    })
}

/// The paginator and data selector, checked, with the single-entity defaults (§2.4): a path
/// whose last segment is a placeholder names one entity (one page, the whole body) unless the
/// endpoint says otherwise.
fn paging(
    ep: &EndpointSpec,
    raw_path: &str,
) -> Result<(Option<PaginatorSpec>, Option<String>), SpecError> {
    if let Some(p) = &ep.paginator {
        p.build()
            .map_err(|e| SpecError::new("endpoint.paginator", e.to_string()))?;
    }
    let single_entity = raw_path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('{') && !last.contains("{{"));
    let paginator = match (&ep.paginator, single_entity) {
        (None, true) => Some(PaginatorSpec::SinglePage),
        (p, _) => p.clone(),
    };
    let data_selector = match (&ep.data_selector, single_entity) {
        (None, true) => Some("$".to_owned()),
        (s, _) => s.clone(),
    };
    if let Some(s) = &data_selector {
        crate::selector::Selector::new(s)
            .map_err(|_| SpecError::new("endpoint.data_selector", "not a valid JSONPath"))?;
    }
    Ok((paginator, data_selector))
}

/// Query params in order; values are JSON (templates in strings).
type Params = Vec<(String, Value)>;

/// An endpoint's params, split by what they are.
struct Bound {
    /// Plain params in order (templates in strings).
    params: Params,
    /// `resolve` bindings, by param name: bound in the path as `{name}`.
    resolves: BTreeMap<String, Expr>,
    /// The `incremental` param, if any: its name and dict.
    incremental: Option<(String, Value)>,
}

/// The pass over param bindings: `resolve` and `incremental` params come out of the params.
fn bindings(params: Map<String, Value>) -> Result<Bound, SpecError> {
    let mut bound = Bound {
        params: Vec::new(),
        resolves: BTreeMap::new(),
        incremental: None,
    };
    for (k, v) in params {
        let at = join("endpoint.params", &k);
        match ParamSpec::from_value(&v).map_err(|e| e.within(&at))? {
            ParamSpec::Value(v) => {
                template::scan_value(&v, &mut Vec::new()).map_err(|e| e.within(&at))?;
                bound.params.push((k, v));
            }
            ParamSpec::Resolve { resource, field } => {
                bound.resolves.insert(
                    k,
                    Expr::Resource {
                        parent: resource,
                        field,
                    },
                );
            }
            ParamSpec::Incremental(dict) => {
                if bound.incremental.is_some() {
                    return Err(SpecError::new(
                        at,
                        "only one incremental param is allowed per endpoint",
                    ));
                }
                bound.incremental = Some((k, dict));
            }
        }
    }
    Ok(bound)
}

/// The pass over incremental settings: the endpoint's `incremental` or the param form, not
/// both.
fn incremental(
    endpoint: Option<&Value>,
    param: Option<(String, Value)>,
) -> Result<Option<IncrementalSpec>, SpecError> {
    match (endpoint, param) {
        (Some(_), Some((k, _))) => Err(SpecError::new(
            join("endpoint.params", &k),
            "an incremental param and the endpoint's `incremental` both set; keep one",
        )),
        (Some(v), None) => IncrementalSpec::from_value(v)
            .map(Some)
            .map_err(|e| e.within("endpoint.incremental")),
        (None, Some((k, v))) => {
            let mut spec = IncrementalSpec::from_value(&v)
                .map_err(|e| e.within(&join("endpoint.params", &k)))?;
            spec.start_param = Some(k);
            Ok(Some(spec))
        }
        (None, None) => Ok(None),
    }
}

/// The path's pieces: a bare `{name}` is bound by a `resolve` param (a parent's field) or by a
/// static param, which then leaves the query.
fn path_pieces(
    raw_path: &str,
    resolves: &BTreeMap<String, Expr>,
    mut params: Params,
) -> Result<(Vec<Piece>, Params), SpecError> {
    let mut pieces = Vec::new();
    let mut used = BTreeSet::new();
    let parsed = template::parse(raw_path).map_err(|e| e.within("endpoint.path"))?;
    for piece in parsed {
        let Piece::Ph(Expr::Name(n)) = piece else {
            pieces.push(piece);
            continue;
        };
        if let Some(e) = resolves.get(&n) {
            used.insert(n.clone());
            pieces.push(Piece::Ph(e.clone()));
        } else if let Some(i) = params.iter().position(|(k, _)| *k == n) {
            let (_, v) = params.remove(i);
            let text = template::scalar_text(&v, &n)
                .map_err(|m| SpecError::new(join("endpoint.params", &n), m))?;
            if text == "." || text == ".." {
                // The URL parser would resolve it and step out of the path (see `render`).
                return Err(SpecError::new(
                    join("endpoint.params", &n),
                    format!(
                        "`{text}` as a whole path segment would step out of the endpoint's path"
                    ),
                ));
            }
            pieces.push(Piece::Lit(template::encode_segment(&text)));
        } else {
            return Err(SpecError::new(
                "endpoint.path",
                format!("placeholder `{{{n}}}` needs a param named `{n}`"),
            ));
        }
    }
    if let Some(n) = resolves.keys().find(|n| !used.contains(*n)) {
        return Err(SpecError::new(
            join("endpoint.params", n),
            "a resolve param must be bound in the path as `{name}`",
        ));
    }
    Ok((pieces, params))
}

/// The pass over placeholders in the path, params, json, data and headers: the one parent
/// they name (and the fields of it they use), and `{incremental.*}` only with an incremental.
fn placeholders(
    name: &str,
    ep: &EndpointSpec,
    path: &[Piece],
    params: &[(String, Value)],
    has_incremental: bool,
) -> Result<(Option<String>, Vec<Expr>), SpecError> {
    let mut exprs: Vec<Expr> = template::exprs(path).cloned().collect();
    for (k, v) in params {
        template::scan_value(v, &mut exprs).map_err(|e| e.within(&join("endpoint.params", k)))?;
    }
    if let Some(j) = &ep.json {
        template::scan_value(&Value::Object(j.clone()), &mut exprs)
            .map_err(|e| e.within("endpoint.json"))?;
    }
    if let Some(d) = &ep.data {
        template::scan_value(d, &mut exprs).map_err(|e| e.within("endpoint.data"))?;
    }
    for (k, v) in ep.headers.iter().flatten() {
        template::scan_value(&Value::String(v.clone()), &mut exprs)
            .map_err(|e| e.within(&join("endpoint.headers", k)))?;
    }
    let mut parent: Option<String> = None;
    let mut parent_exprs = Vec::new();
    for e in exprs {
        match &e {
            Expr::Resource { parent: p, field } => {
                if let Some(q) = &parent
                    && q != p
                {
                    return Err(SpecError::new(
                        "endpoint",
                        format!(
                            "resource `{name}` names two parents, `{q}` and `{p}`; a resource has one parent"
                        ),
                    ));
                }
                crate::selector::Selector::new(field).map_err(|_| {
                    SpecError::new(
                        "endpoint",
                        format!("`{}`: the field is not a valid JSONPath", e.text()),
                    )
                })?;
                parent = Some(p.clone());
                if !parent_exprs.contains(&e) {
                    parent_exprs.push(e);
                }
            }
            Expr::Incremental(_) if !has_incremental => {
                return Err(SpecError::new(
                    "endpoint",
                    format!(
                        "placeholder `{{{}}}` needs the endpoint's `incremental`",
                        e.text()
                    ),
                ));
            }
            Expr::Incremental(_) => {}
            Expr::Name(n) => {
                return Err(SpecError::new(
                    "endpoint",
                    format!(
                        "placeholder `{{{n}}}` is not valid here; placeholders start with `resources.` or `incremental.`"
                    ),
                ));
            }
        }
    }
    Ok((parent, parent_exprs))
}

/// The graph pass: names are unique, parents exist, no cycle; parents come before their
/// children. `resources` are the resources with their key paths, in config order.
fn graph(resources: Vec<(String, ResourcePlan)>) -> Result<Vec<ResourcePlan>, SpecError> {
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, (path, r)) in resources.iter().enumerate() {
        if names.insert(r.name.clone(), i).is_some() {
            return Err(SpecError::new(
                join(path, "name"),
                format!("resource `{}` is already defined", r.name),
            ));
        }
    }
    for (path, r) in &resources {
        if let Some(p) = &r.parent
            && !names.contains_key(p)
        {
            return Err(SpecError::new(
                join(path, "endpoint"),
                format!(
                    "resource `{}` refers to a parent resource `{p}` that does not exist",
                    r.name
                ),
            ));
        }
    }
    let mut order = Vec::new();
    let mut state = vec![Visit::New; resources.len()];
    for i in 0..resources.len() {
        visit(
            i,
            &resources,
            &names,
            &mut state,
            &mut order,
            &mut Vec::new(),
        )?;
    }
    let mut slots: Vec<Option<ResourcePlan>> =
        resources.into_iter().map(|(_, r)| Some(r)).collect();
    Ok(order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Visiting,
    Done,
}

/// Depth-first, parents first; a resource met again while visiting is a cycle.
fn visit(
    i: usize,
    resources: &[(String, ResourcePlan)],
    names: &BTreeMap<String, usize>,
    state: &mut [Visit],
    order: &mut Vec<usize>,
    stack: &mut Vec<String>,
) -> Result<(), SpecError> {
    let (Some((path, r)), Some(seen)) = (resources.get(i), state.get(i).copied()) else {
        return Ok(());
    };
    match seen {
        Visit::Done => return Ok(()),
        Visit::Visiting => {
            stack.push(r.name.clone());
            let start = stack.iter().position(|n| *n == r.name).unwrap_or(0);
            return Err(SpecError::new(
                join(path, "endpoint"),
                format!(
                    "resources depend on each other in a cycle: {}",
                    stack.get(start..).unwrap_or_default().join(" -> ")
                ),
            ));
        }
        Visit::New => {}
    }
    if let Some(s) = state.get_mut(i) {
        *s = Visit::Visiting;
    }
    stack.push(r.name.clone());
    if let Some(p) = r.parent.as_ref().and_then(|p| names.get(p)) {
        visit(*p, resources, names, state, order, stack)?;
    }
    stack.pop();
    if let Some(s) = state.get_mut(i) {
        *s = Visit::Done;
    }
    order.push(i);
    Ok(())
}
