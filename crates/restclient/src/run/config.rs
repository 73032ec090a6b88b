//! Reading a `rest_api` config: the shape check (every level refuses unknown keys), the
//! `resource_defaults` merge exactly as dlt does it (reference §1.6), placeholders and legacy
//! params, and the resource graph. Everything here happens before any request; every error
//! names its key path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::incremental::IncrementalSpec;
use super::template::{self, Expr, Piece};
use crate::spec::{
    AuthSpec, CREDENTIAL_KEYS, EndpointMethod, EndpointSpec, EnvExpander, PaginatorSpec, SpecError,
    join, kind_of,
};

/// The keys dlt allows on a resource that only matter to a destination: carried into the
/// summary.
const CARRIED: &[&str] = &["primary_key", "write_disposition", "table_name"];
/// Accepted and ignored (with a warning), as an extract-only tool must.
const IGNORED: &[&str] = &[
    "max_table_nesting",
    "columns",
    "merge_key",
    "schema_contract",
    "table_format",
    "file_format",
    "references",
    "nested_hints",
    "parent_table_name",
    "parallelized",
];

/// The client part of a config.
#[derive(Debug, Clone)]
pub(crate) struct ClientPlan {
    pub(crate) base_url: String,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) auth: Option<AuthSpec>,
    pub(crate) paginator: Option<PaginatorSpec>,
}

/// One `response_actions` entry (JSON subset: `ignore` only, with a condition).
#[derive(Debug, Clone)]
pub(crate) struct ResponseAction {
    pub(crate) status_code: Option<u16>,
    pub(crate) content: Option<String>,
}

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

fn obj<'v>(value: &'v Value, path: &str) -> Result<&'v Map<String, Value>, SpecError> {
    value
        .as_object()
        .ok_or_else(|| SpecError::new(path, format!("expected an object, got {}", kind_of(value))))
}

fn only_keys(map: &Map<String, Value>, allowed: &[&str], path: &str) -> Result<(), SpecError> {
    for k in map.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(SpecError::new(
                join(path, k),
                format!("unknown key; expected one of {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Checks and plans a config. `${NAME}` is expanded with `env` first.
pub(crate) fn plan(mut config: Value, env: &mut EnvExpander<'_>) -> Result<Plan, SpecError> {
    env.expand_value(&mut config, CREDENTIAL_KEYS)?;
    let top = obj(&config, "")?;
    only_keys(top, &["client", "resources", "resource_defaults"], "")?;
    let client = client_plan(
        top.get("client")
            .ok_or_else(|| SpecError::new("client", "is required"))?,
    )?;
    let defaults = match top.get("resource_defaults") {
        None | Some(Value::Null) => Map::new(),
        Some(v) => {
            let d = obj(v, "resource_defaults")?.clone();
            check_resource_keys(&d, "resource_defaults", true)?;
            if d.contains_key("include_from_parent") {
                return Err(SpecError::new(
                    "resource_defaults.include_from_parent",
                    "would make every resource a child; set it on the child resources",
                ));
            }
            // Checked on its own first, so that a mistake in the defaults is named where it
            // is, not under the first resource it is merged into.
            if let Some(ep @ Value::Object(_)) = d.get("endpoint") {
                EndpointSpec::from_value(ep).map_err(|e| e.within("resource_defaults.endpoint"))?;
            }
            d
        }
    };
    let list = match top.get("resources") {
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(SpecError::new(
                "resources",
                format!("expected an array, got {}", kind_of(other)),
            ));
        }
        None => return Err(SpecError::new("resources", "is required")),
    };
    if list.is_empty() {
        return Err(SpecError::new("resources", "is empty"));
    }
    let mut resources = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, r) in list.iter().enumerate() {
        let path = format!("resources[{i}]");
        let plan = resource_plan(r, &defaults, &path)?;
        if !seen.insert(plan.name.clone()) {
            return Err(SpecError::new(
                join(&path, "name"),
                format!("resource `{}` is already defined", plan.name),
            ));
        }
        resources.push((path, plan));
    }
    // Parents exist; no cycles; topological order.
    let names: BTreeMap<String, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, (_, r))| (r.name.clone(), i))
        .collect();
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
    let mut state = vec![0u8; resources.len()]; // 0 new, 1 visiting, 2 done
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
    let resources = order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect();
    Ok(Plan {
        client,
        resources,
        secrets: env.secrets().clone(),
    })
}

fn visit(
    i: usize,
    resources: &[(String, ResourcePlan)],
    names: &BTreeMap<String, usize>,
    state: &mut [u8],
    order: &mut Vec<usize>,
    stack: &mut Vec<String>,
) -> Result<(), SpecError> {
    let Some((path, r)) = resources.get(i) else {
        return Ok(());
    };
    match state.get(i) {
        Some(2) => return Ok(()),
        Some(1) => {
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
        _ => {}
    }
    if let Some(s) = state.get_mut(i) {
        *s = 1;
    }
    stack.push(r.name.clone());
    if let Some(p) = r.parent.as_ref().and_then(|p| names.get(p)) {
        visit(*p, resources, names, state, order, stack)?;
    }
    stack.pop();
    if let Some(s) = state.get_mut(i) {
        *s = 2;
    }
    order.push(i);
    Ok(())
}

fn client_plan(value: &Value) -> Result<ClientPlan, SpecError> {
    let map = obj(value, "client")?;
    if map.contains_key("session") {
        return Err(SpecError::new(
            "client.session",
            "is a Python requests session and has no place in a file",
        ));
    }
    only_keys(map, &["base_url", "headers", "auth", "paginator"], "client")?;
    let base_url = match map.get("base_url") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(SpecError::new(
                "client.base_url",
                format!("expected a string, got {}", kind_of(other)),
            ));
        }
        None => return Err(SpecError::new("client.base_url", "is required")),
    };
    url::Url::parse(&base_url)
        .map_err(|_| SpecError::new("client.base_url", "not a valid absolute URL"))?;
    let headers = match map.get("headers") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(v) => crate::spec::from_value(v.clone()).map_err(|e| e.within("client.headers"))?,
    };
    let auth = match map.get("auth") {
        None | Some(Value::Null) => None,
        Some(v) => Some(AuthSpec::from_value(v).map_err(|e| e.within("client.auth"))?),
    };
    let paginator = match map.get("paginator") {
        None | Some(Value::Null) => None,
        Some(v) => Some(PaginatorSpec::from_value(v).map_err(|e| e.within("client.paginator"))?),
    };
    if let Some(p) = &paginator {
        p.build()
            .map_err(|e| SpecError::new("client.paginator", e.to_string()))?;
    }
    Ok(ClientPlan {
        base_url,
        headers,
        auth,
        paginator,
    })
}

fn check_resource_keys(
    map: &Map<String, Value>,
    path: &str,
    defaults: bool,
) -> Result<(), SpecError> {
    if map.contains_key("processing_steps") {
        return Err(SpecError::new(
            join(path, "processing_steps"),
            "are Python callables and have no place in a file; filter with `data_selector` \
             (e.g. `data[?(@.id < 10)]`) or after the run",
        ));
    }
    let mut allowed = vec!["endpoint", "include_from_parent", "selected"];
    if !defaults {
        allowed.push("name");
    }
    allowed.extend(CARRIED);
    allowed.extend(IGNORED);
    only_keys(map, &allowed, path)?;
    if let Some(wd) = map.get("write_disposition") {
        let ok = match wd {
            Value::String(s) => ["skip", "append", "replace", "merge"].contains(&s.as_str()),
            Value::Object(_) => true,
            _ => false,
        };
        if !ok {
            return Err(SpecError::new(
                join(path, "write_disposition"),
                "expected one of skip, append, replace, merge, or an object",
            ));
        }
    }
    if let Some(s) = map.get("selected")
        && !s.is_boolean()
    {
        return Err(SpecError::new(
            join(path, "selected"),
            format!("expected a boolean, got {}", kind_of(s)),
        ));
    }
    for k in IGNORED {
        if map.contains_key(*k) && *k != "parallelized" {
            tracing::warn!(
                "{}: ignored (it only matters to a dlt destination)",
                join(path, k)
            );
        }
    }
    Ok(())
}

/// The resource as dlt normalises it (§1.5), merged over the defaults (§1.6).
fn merged(
    value: &Value,
    defaults: &Map<String, Value>,
    path: &str,
) -> Result<Map<String, Value>, SpecError> {
    let mut res = match value {
        Value::String(name) => {
            let mut m = Map::new();
            m.insert("name".into(), Value::String(name.clone()));
            m
        }
        Value::Object(m) => m.clone(),
        other => {
            return Err(SpecError::new(
                path,
                format!(
                    "expected a resource name or an object, got {}",
                    kind_of(other)
                ),
            ));
        }
    };
    check_resource_keys(&res, path, false)?;
    let name = match res.get("name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => {
            return Err(SpecError::new(
                join(path, "name"),
                format!("expected a non-empty string, got {}", kind_of(other)),
            ));
        }
        None => return Err(SpecError::new(join(path, "name"), "is required")),
    };
    if name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(SpecError::new(
            join(path, "name"),
            "must not contain `/` or `\\` or start with `.` (it names an output file)",
        ));
    }
    // Normalise the endpoint: always an object with a path.
    let mut endpoint = match res.remove("endpoint") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::String(p)) => {
            let mut m = Map::new();
            m.insert("path".into(), Value::String(p));
            m
        }
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(SpecError::new(
                join(path, "endpoint"),
                format!("expected a path or an object, got {}", kind_of(&other)),
            ));
        }
    };
    if !endpoint.contains_key("path") {
        endpoint.insert("path".into(), Value::String(name.clone()));
    }
    // Merge: resource keys shallow, endpoint keys shallow except params and json (one level).
    let mut out = defaults.clone();
    let default_endpoint = match out.remove("endpoint") {
        Some(Value::Object(m)) => m,
        Some(Value::String(_)) | None | Some(Value::Null) => Map::new(),
        Some(other) => {
            return Err(SpecError::new(
                "resource_defaults.endpoint",
                format!("expected an object, got {}", kind_of(&other)),
            ));
        }
    };
    for (k, v) in res {
        out.insert(k, v);
    }
    let mut ep = default_endpoint.clone();
    ep.remove("path");
    for (k, v) in endpoint {
        if (k == "params" || k == "json")
            && let Some(Value::Object(d)) = default_endpoint.get(&k)
        {
            match v {
                Value::Object(mine) => {
                    let mut m = d.clone();
                    for (kk, vv) in mine {
                        m.insert(kk, vv);
                    }
                    ep.insert(k, Value::Object(m));
                }
                Value::Null => {
                    return Err(SpecError::new(
                        join(&join(path, "endpoint"), &k),
                        format!(
                            "is null while `resource_defaults` sets `{k}`; to drop one default \
                             entry, set that entry to null"
                        ),
                    ));
                }
                other => {
                    ep.insert(k, other);
                }
            }
            continue;
        }
        ep.insert(k, v);
    }
    out.insert("endpoint".into(), Value::Object(ep));
    Ok(out)
}

fn resource_plan(
    value: &Value,
    defaults: &Map<String, Value>,
    path: &str,
) -> Result<ResourcePlan, SpecError> {
    let res = merged(value, defaults, path)?;
    let name = res
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let ep_path = join(path, "endpoint");
    let ep_value = res.get("endpoint").cloned().unwrap_or(Value::Null);
    let spec = EndpointSpec::from_value(&ep_value).map_err(|e| e.within(&ep_path))?;
    let at = |k: &str| join(&ep_path, k);

    // Params: split bindings (resolve, incremental) from plain values.
    let mut params = Vec::new();
    let mut resolves: BTreeMap<String, Expr> = BTreeMap::new();
    let mut statics: BTreeMap<String, Value> = BTreeMap::new();
    let mut incremental_param: Option<(String, Value)> = None;
    for (k, v) in spec.params.clone().unwrap_or_default() {
        let p = join(&at("params"), &k);
        match &v {
            Value::Object(m) => {
                let kind = m.get("type").and_then(Value::as_str).unwrap_or("");
                match kind {
                    "resolve" => {
                        only_keys(m, &["type", "resource", "field"], &p)?;
                        let get = |key: &str| -> Result<String, SpecError> {
                            match m.get(key) {
                                Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                                Some(o) => Err(SpecError::new(
                                    join(&p, key),
                                    format!("expected a string, got {}", kind_of(o)),
                                )),
                                None => Err(SpecError::new(join(&p, key), "is required")),
                            }
                        };
                        resolves.insert(
                            k.clone(),
                            Expr::Resource {
                                parent: get("resource")?,
                                field: get("field")?,
                            },
                        );
                    }
                    "incremental" => {
                        if incremental_param.is_some() {
                            return Err(SpecError::new(
                                p,
                                "only one incremental param is allowed per endpoint",
                            ));
                        }
                        let mut m = m.clone();
                        m.remove("type");
                        for key in m.keys() {
                            if !["cursor_path", "initial_value"].contains(&key.as_str()) {
                                return Err(SpecError::new(
                                    join(&p, key),
                                    "unknown key; an incremental param takes cursor_path and \
                                     initial_value (use the endpoint's `incremental` for more)",
                                ));
                            }
                        }
                        incremental_param = Some((k.clone(), Value::Object(m)));
                    }
                    _ => {
                        return Err(SpecError::new(
                            join(&p, "type"),
                            "a param that is an object must have `type` resolve or incremental",
                        ));
                    }
                }
            }
            other => {
                let mut found = Vec::new();
                template::scan_value(other, &mut found).map_err(|e| e.within(&p))?;
                statics.insert(k.clone(), other.clone());
                params.push((k.clone(), other.clone()));
            }
        }
    }

    // Incremental: the endpoint key or the param form, not both.
    let incremental = match (&spec.incremental, incremental_param) {
        (Some(_), Some((k, _))) => {
            return Err(SpecError::new(
                join(&at("params"), &k),
                "an incremental param and the endpoint's `incremental` both set; keep one",
            ));
        }
        (Some(v), None) => {
            Some(IncrementalSpec::from_value(v).map_err(|e| e.within(&at("incremental")))?)
        }
        (None, Some((k, v))) => {
            let mut spec =
                IncrementalSpec::from_value(&v).map_err(|e| e.within(&join(&at("params"), &k)))?;
            spec.start_param = Some(k);
            Some(spec)
        }
        (None, None) => None,
    };

    // Path: static params and resolve params bind bare names.
    let raw_path = spec.path.clone().unwrap_or_else(|| name.clone());
    let single_entity = raw_path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('{') && !last.contains("{{"));
    let mut path_pieces = Vec::new();
    let mut used_resolves = BTreeSet::new();
    for piece in template::parse(&raw_path).map_err(|e| e.within(&at("path")))? {
        match piece {
            Piece::Ph(Expr::Name(n)) => {
                if let Some(e) = resolves.get(&n) {
                    used_resolves.insert(n.clone());
                    path_pieces.push(Piece::Ph(e.clone()));
                } else if let Some(v) = statics.get(&n) {
                    let text = template::scalar_text(v, &n)
                        .map_err(|m| SpecError::new(join(&at("params"), &n), m))?;
                    params.retain(|(k, _)| *k != n);
                    path_pieces.push(Piece::Lit(template::encode_segment(&text)));
                } else {
                    return Err(SpecError::new(
                        at("path"),
                        format!("placeholder `{{{n}}}` needs a param named `{n}`"),
                    ));
                }
            }
            p => path_pieces.push(p),
        }
    }
    if let Some(n) = resolves.keys().find(|n| !used_resolves.contains(*n)) {
        return Err(SpecError::new(
            join(&at("params"), n),
            "a resolve param must be bound in the path as `{name}`",
        ));
    }

    // Every placeholder: parents and incremental.
    let mut exprs: Vec<Expr> = template::exprs(&path_pieces).cloned().collect();
    for (k, v) in &params {
        template::scan_value(v, &mut exprs).map_err(|e| e.within(&join(&at("params"), k)))?;
    }
    if let Some(j) = &spec.json {
        template::scan_value(&Value::Object(j.clone()), &mut exprs)
            .map_err(|e| e.within(&at("json")))?;
    }
    if let Some(d) = &spec.data {
        template::scan_value(d, &mut exprs).map_err(|e| e.within(&at("data")))?;
    }
    let headers: Vec<(String, String)> = spec
        .headers
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    for (k, v) in &headers {
        template::scan_value(&Value::String(v.clone()), &mut exprs)
            .map_err(|e| e.within(&join(&at("headers"), k)))?;
    }
    let mut parent: Option<String> = None;
    let mut parent_exprs = Vec::new();
    for e in &exprs {
        match e {
            Expr::Resource { parent: p, .. } => {
                if let Some(q) = &parent
                    && q != p
                {
                    return Err(SpecError::new(
                        ep_path.clone(),
                        format!(
                            "resource `{name}` names two parents, `{q}` and `{p}`; a resource has one parent"
                        ),
                    ));
                }
                parent = Some(p.clone());
                if !parent_exprs.contains(e) {
                    parent_exprs.push(e.clone());
                }
            }
            Expr::Incremental(_) if incremental.is_none() => {
                return Err(SpecError::new(
                    ep_path.clone(),
                    format!(
                        "placeholder `{{{}}}` needs the endpoint's `incremental`",
                        e.text()
                    ),
                ));
            }
            Expr::Name(n) => {
                return Err(SpecError::new(
                    ep_path.clone(),
                    format!(
                        "placeholder `{{{n}}}` is not valid here; placeholders start with `resources.` or `incremental.`"
                    ),
                ));
            }
            Expr::Incremental(_) => {}
        }
    }
    for e in &parent_exprs {
        if let Expr::Resource { field, .. } = e {
            crate::selector::Selector::new(field).map_err(|_| {
                SpecError::new(
                    ep_path.clone(),
                    format!("`{}`: the field is not a valid JSONPath", e.text()),
                )
            })?;
        }
    }

    // include_from_parent
    let include_from_parent: Vec<String> = match res.get("include_from_parent") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => crate::spec::from_value(v.clone())
            .map_err(|e| e.within(&join(path, "include_from_parent")))?,
    };
    if !include_from_parent.is_empty() && parent.is_none() {
        return Err(SpecError::new(
            join(path, "include_from_parent"),
            format!("resource `{name}` has no parent to include fields from"),
        ));
    }

    // Paginator and selector, with the single-entity defaults (§2.4).
    if let Some(p) = &spec.paginator {
        p.build()
            .map_err(|e| SpecError::new(at("paginator"), e.to_string()))?;
    }
    let mut paginator = spec.paginator.clone();
    let mut data_selector = spec.data_selector.clone();
    if single_entity {
        if paginator.is_none() {
            paginator = Some(
                PaginatorSpec::from_value(&Value::String("single_page".into()))
                    .map_err(|e| e.within(&at("paginator")))?,
            );
        }
        if data_selector.is_none() {
            data_selector = Some("$".into());
        }
    }
    if let Some(s) = &data_selector {
        crate::selector::Selector::new(s)
            .map_err(|_| SpecError::new(at("data_selector"), "not a valid JSONPath"))?;
    }

    // response_actions
    let mut response_actions = Vec::new();
    for (i, a) in spec
        .response_actions
        .clone()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = format!("{}[{i}]", at("response_actions"));
        let m = obj(a, &p)?;
        only_keys(m, &["status_code", "content", "action"], &p)?;
        let status_code = match m.get("status_code") {
            None => None,
            Some(Value::Number(n)) => Some(
                n.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| (100..=599).contains(n))
                    .ok_or_else(|| {
                        SpecError::new(join(&p, "status_code"), "expected an HTTP status (100-599)")
                    })?,
            ),
            Some(other) => {
                return Err(SpecError::new(
                    join(&p, "status_code"),
                    format!(
                        "expected an integer, got {} (dlt compares it with the status number, so a string never matches)",
                        kind_of(other)
                    ),
                ));
            }
        };
        let content = match m.get("content") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(SpecError::new(
                    join(&p, "content"),
                    format!("expected a string, got {}", kind_of(other)),
                ));
            }
        };
        match m.get("action") {
            Some(Value::String(s)) if s == "ignore" => {}
            Some(Value::String(_)) => {
                return Err(SpecError::new(
                    join(&p, "action"),
                    "unknown action; a file can only say `ignore`",
                ));
            }
            Some(other) => {
                return Err(SpecError::new(
                    join(&p, "action"),
                    format!(
                        "expected `ignore`, got {} (callables have no place in a file)",
                        kind_of(other)
                    ),
                ));
            }
            None => return Err(SpecError::new(join(&p, "action"), "is required")),
        }
        if status_code.is_none() && content.is_none() {
            return Err(SpecError::new(
                p,
                "an action needs `status_code` or `content` (without one it would never apply)",
            ));
        }
        response_actions.push(ResponseAction {
            status_code,
            content,
        });
    }

    let mut hints = Map::new();
    for k in CARRIED {
        if let Some(v) = res.get(*k) {
            hints.insert((*k).to_owned(), v.clone());
        }
    }
    if let Some(d) = &spec.data
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
    if spec.json.is_some() && spec.data.is_some() {
        return Err(SpecError::new(
            at("data"),
            "`json` and `data` cannot both be set",
        ));
    }
    Ok(ResourcePlan {
        name,
        parent,
        selected: res.get("selected").and_then(Value::as_bool).unwrap_or(true),
        method: spec.method.unwrap_or(EndpointMethod::Get),
        path: path_pieces,
        params,
        json: spec.json.map(Value::Object),
        data: spec.data,
        headers,
        auth: spec.auth,
        paginator,
        data_selector,
        response_actions,
        incremental,
        include_from_parent,
        hints,
        parent_exprs,
    })
}
