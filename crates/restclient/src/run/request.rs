//! One walk of a resource as a [`Paginate`]: the endpoint's path, params, body and headers
//! rendered with the parent record and the incremental values, on the run's one client with the
//! resource's own auth, paginator, data selector and `response_actions`.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::feed::ParentLine;
use super::incremental::Cursor;
use super::plan::ResourcePlan;
use super::template::{self, Expr};
use crate::error::{Error, ErrorKind};
use crate::hooks::HookAction;
use crate::spec::EndpointMethod;
use crate::{Method, Paginate, RestClient};

/// The values a request is rendered with.
pub(crate) struct Scope<'a> {
    parent: Option<&'a ParentLine>,
    incremental: Map<String, Value>,
}

impl<'a> Scope<'a> {
    /// For a walk of `r` (for `parent`'s record, if a child) starting at `cursor`.
    pub(crate) fn new(
        r: &ResourcePlan,
        parent: Option<&'a ParentLine>,
        cursor: Option<&Cursor<'_>>,
    ) -> Scope<'a> {
        let mut incremental = Map::new();
        if let (Some(spec), Some(c)) = (&r.incremental, cursor) {
            incremental.insert("start_value".into(), c.start.clone());
            incremental.insert("last_value".into(), c.start.clone());
            incremental.insert(
                "initial_value".into(),
                spec.initial_value.clone().unwrap_or(Value::Null),
            );
            incremental.insert(
                "end_value".into(),
                spec.end_value.clone().unwrap_or(Value::Null),
            );
        }
        Scope {
            parent,
            incremental,
        }
    }

    /// Applies dlt's `incremental.convert` to the incremental values the requests see
    /// (placeholders, `start_param`, `end_param`); null values stay null, as in dlt.
    pub(crate) fn convert(
        &mut self,
        f: &dyn Fn(&Value) -> Result<Value, Error>,
    ) -> Result<(), Error> {
        for v in self.incremental.values_mut() {
            if !v.is_null() {
                *v = f(v)?;
            }
        }
        Ok(())
    }

    /// An incremental value as the requests see it (`start_value`, `end_value`, ...).
    fn incremental(&self, name: &str) -> &Value {
        self.incremental.get(name).unwrap_or(&Value::Null)
    }

    fn lookup(&self, e: &Expr) -> Result<Value, String> {
        match e {
            Expr::Resource { field, .. } => {
                let record = self.parent.ok_or("no parent record")?;
                record
                    .field(field)
                    .ok_or_else(|| format!("the parent record has no field `{field}`"))
            }
            Expr::Incremental(attr) => {
                Ok(self.incremental.get(attr).cloned().unwrap_or(Value::Null))
            }
            Expr::Name(n) => Err(format!("unbound placeholder `{n}`")),
        }
    }
}

/// The key of a parent record for `r`'s cursors: the values its requests use, as JSON. A
/// missing or null field is an error naming the resource and the record.
pub(crate) fn parent_key(r: &ResourcePlan, parent: &ParentLine) -> Result<String, Error> {
    let parent_name = r.parent.as_deref().unwrap_or_default();
    let mut key = Map::new();
    for e in &r.parent_exprs {
        if let Expr::Resource { field, .. } = e {
            match parent.field(field) {
                Some(Value::Null) | None => {
                    let fields: Vec<&String> = parent
                        .value
                        .as_object()
                        .map(|m| m.keys().collect())
                        .unwrap_or_default();
                    let has = if parent.value.get(field).is_some_and(Value::is_null) {
                        "it null"
                    } else {
                        "none"
                    };
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!(
                            "resource `{}` needs the field `{field}` of each `{parent_name}` record, but record {} of `{parent_name}` has {has} (its fields: {fields:?})",
                            r.name, parent.index
                        ),
                    ));
                }
                Some(v) => {
                    key.insert(field.clone(), v);
                }
            }
        }
    }
    Ok(serde_json::to_string(&key).unwrap_or_default())
}

/// The walk of `r` in `scope`, not started.
///
/// # Errors
/// A placeholder that cannot be rendered (a null value in a path), or an auth or paginator
/// that cannot be built.
pub(crate) fn paginate(
    client: &RestClient,
    r: &ResourcePlan,
    auth: Option<&Arc<dyn crate::auth::Auth>>,
    scope: &Scope<'_>,
    cursor: Option<&Cursor<'_>>,
) -> Result<Paginate, Error> {
    let render_error = |what: &str, e: String| {
        Error::new(
            ErrorKind::Request,
            format!("resource `{}`: cannot render {what}: {e}", r.name),
        )
    };
    let lookup = |e: &Expr| scope.lookup(e);
    let path = template::render(&r.path, &lookup, true).map_err(|e| render_error("the path", e))?;
    let mut p = client.paginate(&path);
    if r.method == EndpointMethod::Post {
        p = p.method(Method::POST);
    }
    // With a cursor, the start and end params come from the scope.
    let p = rendered_parts(p, r, &lookup, cursor.map(|_| scope), &render_error)?;
    resource_settings(p, r, auth)
}

/// The params, body and headers of `r`, rendered.
fn rendered_parts(
    mut p: Paginate,
    r: &ResourcePlan,
    lookup: &dyn Fn(&Expr) -> Result<Value, String>,
    incremental: Option<&Scope<'_>>,
    render_error: &dyn Fn(&str, String) -> Error,
) -> Result<Paginate, Error> {
    for (k, v) in &r.params {
        for value in
            param_values(v, lookup).map_err(|e| render_error(&format!("param `{k}`"), e))?
        {
            p = p.param(k.clone(), value);
        }
    }
    // The walk's start (`last_value`) and `end_value`, as `Scope` holds them (converted).
    if let (Some(spec), Some(scope)) = (&r.incremental, incremental) {
        let start = scope.incremental("last_value");
        if let Some(sp) = &spec.start_param
            && !start.is_null()
        {
            let text = template::scalar_text(start, sp).map_err(|e| render_error(sp, e))?;
            p = p.param(sp.clone(), text);
        }
        let end = scope.incremental("end_value");
        if let Some(ep) = &spec.end_param
            && !end.is_null()
        {
            let text = template::scalar_text(end, ep).map_err(|e| render_error(ep, e))?;
            p = p.param(ep.clone(), text);
        }
    }
    if let Some(j) = &r.json {
        let body = template::render_json(j, lookup).map_err(|e| render_error("`json`", e))?;
        p = p.json(&body);
    }
    if let Some(d) = &r.data {
        match template::render_json(d, lookup).map_err(|e| render_error("`data`", e))? {
            Value::Object(m) => {
                let fields: Vec<(String, String)> = m
                    .into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect();
                p = p.form(fields);
            }
            _ => {
                return Err(render_error(
                    "`data`",
                    "it must be an object (a form)".into(),
                ));
            }
        }
    }
    for (k, v) in &r.headers {
        let what = format!("header `{k}`");
        let pieces = template::parse(v).map_err(|e| render_error(&what, e.to_string()))?;
        let value = template::render(&pieces, lookup, false).map_err(|e| render_error(&what, e))?;
        p = p.header(k, &value);
    }
    Ok(p)
}

/// The resource's own auth, paginator, data selector and `response_actions`.
fn resource_settings(
    mut p: Paginate,
    r: &ResourcePlan,
    auth: Option<&Arc<dyn crate::auth::Auth>>,
) -> Result<Paginate, Error> {
    match (&r.auth, auth) {
        (Some(None), _) => p = p.without_auth(),
        (Some(Some(_)), Some(a)) => p = p.auth(Arc::clone(a)),
        (Some(Some(spec)), None) => p = p.auth(spec.build()?),
        (None, _) => {}
    }
    if let Some(spec) = &r.paginator {
        p = match spec.build()? {
            Some(pg) => p.paginator(pg),
            // `auto` on the endpoint means detection, not the client's paginator (dlt falls
            // back to the client's: reference §7.2).
            None => p.detect_paginator(),
        };
    }
    if let Some(s) = &r.data_selector {
        p = p.data_selector(s);
    }
    if !r.response_actions.is_empty() {
        let actions = r.response_actions.clone();
        p = p.hook(move |resp| {
            for a in &actions {
                let status_ok = a.status_code.is_none_or(|s| resp.status().as_u16() == s);
                let content_ok = a
                    .content
                    .as_ref()
                    .is_none_or(|c| resp.text().contains(c.as_str()));
                if status_ok && content_ok {
                    return HookAction::Ignore;
                }
            }
            HookAction::Continue
        });
    }
    Ok(p)
}

/// The values of a query param: a list repeats the key, `null` (or a placeholder that renders
/// null, alone in the value) leaves it out.
fn param_values(
    v: &Value,
    lookup: &dyn Fn(&Expr) -> Result<Value, String>,
) -> Result<Vec<String>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => {
            let pieces = template::parse(s).map_err(|e| e.to_string())?;
            if let Some(e) = template::whole(&pieces) {
                let value = lookup(e)?;
                return match value {
                    Value::Null => Ok(Vec::new()),
                    other => Ok(vec![template::scalar_text(&other, &e.text())?]),
                };
            }
            Ok(vec![template::render(&pieces, lookup, false)?])
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(param_values(i, lookup)?);
            }
            Ok(out)
        }
        other => Ok(vec![other.to_string()]),
    }
}
