//! Where a run's files go, modelled on dlt's filesystem destination, and the checks that make
//! that layout safe: table names, write dispositions, one resource per table.
//!
//! ```text
//! DIR/<table>/<load_id>.ndjson    committed records, one file per load of the table
//! DIR/state.json                  incremental state (or --state FILE)
//! DIR/summary.json                the latest run's summary
//! DIR/_loads/<load_id>.json       each load's summary, with the files it committed
//! DIR/_pending/<load_id>/         a load in progress: everything it has not committed
//!     run.json                    what the load is (config, selection, state file)
//!     r/<resource>/               per resource: data.ndjson (staged records) or
//!                                 spool.ndjson (records walked for children only),
//!                                 checkpoint.json, cursors.ndjson (a child's cursors)
//!     commits/<resource>.json     a committed subtree's record (redone after a crash)
//! DIR/_lock                       held by the run using DIR
//! ```
//!
//! Names that start with `_` belong to restclient, so a table may not: nothing a config says
//! can make a table collide with a checkpoint, a spool or the lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::plan::Plan;
use crate::spec::SpecError;

/// What a load does to a table's earlier files: dlt's `write_disposition`.
///
/// | value | a load of the table |
/// |---|---|
/// | `append` (default) | adds its file `DIR/<table>/<load_id>.ndjson`; earlier files stay |
/// | `merge` | the same: deduplicating by `primary_key` is the consumer's (as with dlt's filesystem destination) |
/// | `replace` | adds its file, then removes the table's earlier files (after the new one is in place) |
/// | `skip` | writes nothing (the resource is walked only if a child needs it) |
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WriteDisposition {
    /// A load adds its file.
    #[default]
    Append,
    /// A load adds its file and removes the table's earlier ones.
    Replace,
    /// As `Append`; the consumer merges by `primary_key`.
    Merge,
    /// Nothing is written.
    Skip,
}

impl WriteDisposition {
    /// dlt's value: a name, or an object whose `disposition` is one.
    pub(crate) fn from_value(v: &Value) -> Option<WriteDisposition> {
        let name = match v {
            Value::String(s) => s.as_str(),
            Value::Object(m) => m.get("disposition").and_then(Value::as_str)?,
            _ => return None,
        };
        Some(match name {
            "append" => WriteDisposition::Append,
            "replace" => WriteDisposition::Replace,
            "merge" => WriteDisposition::Merge,
            "skip" => WriteDisposition::Skip,
            _ => return None,
        })
    }
}

/// Checks what the layout needs of a planned config (names are already safe file names:
/// `spec::ResourceName`): table names that are not restclient's own, a valid
/// `write_disposition`, and no two resources writing one table. `config` (as written) gives each resource's key path.
pub(crate) fn check(plan: &Plan, config: &Value) -> Result<(), SpecError> {
    let list = config.get("resources").and_then(Value::as_array);
    let at = |name: &str| -> String {
        let i = list.and_then(|l| {
            l.iter().position(|r| match r {
                Value::String(s) => s == name,
                other => other.get("name").and_then(Value::as_str) == Some(name),
            })
        });
        i.map_or_else(|| "resources".to_owned(), |i| format!("resources[{i}]"))
    };
    let mut tables: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &plan.resources {
        if let Some(v) = r.hints.get("write_disposition")
            && WriteDisposition::from_value(v).is_none()
        {
            return Err(SpecError::new(
                format!("{}.write_disposition", at(&r.name)),
                "expected append, replace, merge or skip (or an object whose `disposition` is one)",
            ));
        }
        let key = if r.hints.contains_key("table_name") {
            match r.hints.get("table_name") {
                Some(Value::String(_)) => "table_name",
                Some(other) => {
                    return Err(SpecError::new(
                        format!("{}.table_name", at(&r.name)),
                        format!("expected a string, got {}", crate::spec::kind_of(other)),
                    ));
                }
                None => "table_name",
            }
        } else {
            "name"
        };
        let table = r.table_name();
        if table.starts_with('_') {
            let why = "starts with `_`, which restclient keeps for its own files";
            let fix = if key == "name" {
                "; give the resource a `table_name`"
            } else {
                ""
            };
            return Err(SpecError::new(
                format!("{}.{key}", at(&r.name)),
                format!("table `{table}` {why}{fix}"),
            ));
        }
        if let Some(other) = tables.insert(table, &r.name) {
            return Err(SpecError::new(
                format!("{}.{key}", at(&r.name)),
                format!(
                    "resource `{}` writes table `{table}`, as resource `{other}` ({}) does; give one of them another `table_name`",
                    r.name,
                    at(other)
                ),
            ));
        }
    }
    Ok(())
}

/// A new load id: dlt's, the unix time with microseconds (`1733500000.123456`), so ids sort by
/// time as text.
pub(crate) fn new_load_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:06}", now.as_secs(), now.subsec_micros())
}

/// The paths of one output directory.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) root: PathBuf,
}

impl Layout {
    pub(crate) fn lock(&self) -> PathBuf {
        self.root.join("_lock")
    }
    pub(crate) fn pending_root(&self) -> PathBuf {
        self.root.join("_pending")
    }
    pub(crate) fn pending(&self, load: &str) -> PathBuf {
        self.pending_root().join(load)
    }
    pub(crate) fn loads(&self) -> PathBuf {
        self.root.join("_loads")
    }
    pub(crate) fn load_summary(&self, load: &str) -> PathBuf {
        self.loads().join(format!("{load}.json"))
    }
    pub(crate) fn summary(&self) -> PathBuf {
        self.root.join("summary.json")
    }
    pub(crate) fn table_dir(&self, table: &str) -> PathBuf {
        self.root.join(table)
    }
    /// A table's file of a load, relative to the root (as manifests name it).
    pub(crate) fn table_file(table: &str, load: &str) -> PathBuf {
        Path::new(table).join(format!("{load}.ndjson"))
    }
    pub(crate) fn resource_dir(&self, load: &str, resource: &str) -> PathBuf {
        self.pending(load).join("r").join(resource)
    }
    pub(crate) fn commit_record(&self, load: &str, root: &str) -> PathBuf {
        self.pending(load)
            .join("commits")
            .join(format!("{root}.json"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn check_config(resources: Value) -> Result<(), SpecError> {
        let config = json!({"client": {"base_url": "http://x/"}, "resources": resources});
        // Names that are no file names are refused by the plan already (`ResourceName`).
        let plan = super::super::plan::plan(
            config.clone(),
            &mut crate::spec::EnvExpander::new(|_: &str| None),
        )?;
        check(&plan, &config)
    }

    #[test]
    fn tables_are_safe_names_of_one_resource_each() {
        assert!(check_config(json!(["a", {"name": "b", "table_name": "t"}])).is_ok());
        let e = check_config(json!(["a", {"name": "b", "table_name": "a"}])).unwrap_err();
        assert_eq!(e.path(), "resources[1].table_name");
        assert!(
            e.message().contains("`b`") && e.message().contains("`a`"),
            "{e}"
        );
        for (bad, path) in [
            (json!(["_pending"]), "resources[0].name"),
            (
                json!([{"name": "x", "table_name": "../up"}]),
                "resources[0].table_name",
            ),
            (
                json!([{"name": "x", "table_name": ".hidden"}]),
                "resources[0].table_name",
            ),
            (
                json!([{"name": "x", "write_disposition": {"disposition": "upsert"}}]),
                "resources[0].write_disposition",
            ),
        ] {
            let e = check_config(bad.clone()).expect_err(&bad.to_string());
            assert_eq!(e.path(), path, "{e}");
        }
        assert_eq!(
            WriteDisposition::from_value(&json!({"disposition": "merge", "strategy": "scd2"})),
            Some(WriteDisposition::Merge)
        );
    }

    #[test]
    fn load_ids_are_unix_time_with_microseconds() {
        let id = new_load_id();
        let (secs, micros) = id.split_once('.').unwrap();
        assert!(
            secs.len() >= 10 && secs.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
        assert!(
            micros.len() == 6 && micros.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
    }
}
