"""Helpers of the dlt source tests: the bundled configs pointed at a demo API, pipelines into
DuckDB files under a test's tmp_path, and the tables of a DuckDB file as comparable rows."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Tuple

import duckdb
import yaml

from conftest import REPO

EXAMPLES = REPO / "examples" / "run"


def example_config(name: str, base: str) -> Dict[str, Any]:
    """examples/run/<name>.yaml|json with the demo API's address in place of port 8080."""
    for ext in ("yaml", "json"):
        path = EXAMPLES / f"{name}.{ext}"
        if path.exists():
            text = path.read_text().replace("http://127.0.0.1:8080", base)
            return yaml.safe_load(text) if ext == "yaml" else json.loads(text)
    raise FileNotFoundError(name)


def pipeline(tmp: Path, name: str) -> Any:
    """A dlt pipeline loading into tmp/<name>.duckdb, its working dir under tmp (no state from
    elsewhere), dataset `data`."""
    import dlt

    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp / f"{name}.duckdb")),
        pipelines_dir=str(tmp / "pipelines"),
        dataset_name="data",
    )


Rows = List[Tuple[Any, ...]]


def tables(db: Path) -> Dict[str, Tuple[List[Tuple[str, str]], Rows]]:
    """Every data table of the `data` dataset: its columns (name, type) without dlt's own,
    and its rows as tuples of those columns, sorted. A nested table's rows start with the
    identity of their parent row (its own row tuple, recursively) and the list index, in
    place of dlt's random `_dlt_parent_id`, so that two loads compare by content."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'data' and table_name not like '_dlt%'"
            ).fetchall()
        ]
        meta: Dict[str, List[Tuple[str, str]]] = {}
        for t in names:
            meta[t] = [
                (c, ty)
                for c, ty in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'data' and table_name = ? order by ordinal_position",
                    [t],
                ).fetchall()
            ]
        identity: Dict[str, Any] = {}  # _dlt_id -> identity of the row
        out: Dict[str, Tuple[List[Tuple[str, str]], Rows]] = {}
        # Parents first: a nested table's name extends its parent's.
        for t in sorted(names, key=lambda n: n.count("__")):
            cols = [c for c, _ in meta[t]]
            data = [c for c in cols if not c.startswith("_dlt_")]
            nested = "_dlt_parent_id" in cols
            select = ", ".join(f'"{c}"' for c in data + ["_dlt_id"] + (["_dlt_parent_id", "_dlt_list_idx"] if nested else []))
            rows = []
            for r in con.execute(f'select {select} from data."{t}"').fetchall():
                values = tuple(r[: len(data)])
                if nested:
                    parent, idx = r[len(data) + 1], r[len(data) + 2]
                    row = (identity.get(parent, "?"), idx) + values
                else:
                    row = values
                identity[r[len(data)]] = row
                rows.append(row)
            out[t] = ([(c, ty) for c, ty in meta[t] if not c.startswith("_dlt_")], sorted(rows, key=repr))
        return out
    finally:
        con.close()


def env_without_proxies() -> Dict[str, str]:
    env = dict(os.environ)
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    return env
