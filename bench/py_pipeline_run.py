#!/usr/bin/env python3
"""One dlt pipeline run for bench/py_pipeline.py, in a process of its own:

    py_pipeline_run.py TOOL BASE_URL WORKDIR MODE [--concurrency N]

TOOL is `dlt` (dlt's own `rest_api_source`) or `restclient` (`restclient.dlt`'s); the config is
examples/run/tracker.yaml pointed at BASE_URL; the pipeline is new, in WORKDIR, with a DuckDB
destination there. MODE `extract` times `pipeline.extract(source)`, MODE `run` times
`pipeline.run(source)` (extract, normalize, load). Prints one JSON line: the seconds (imports
and config reading excluded), the rows per table (of the load, or of the extract's package).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("tool", choices=["dlt", "restclient"])
    p.add_argument("base_url")
    p.add_argument("workdir", type=Path)
    p.add_argument("mode", choices=["extract", "run"])
    p.add_argument("--concurrency", type=int, default=8)
    args = p.parse_args()

    import dlt
    import yaml

    if args.tool == "dlt":
        from dlt.sources.rest_api import rest_api_source

        def source(config):
            return rest_api_source(config)
    else:
        from restclient.dlt import rest_api_source

        def source(config):
            return rest_api_source(config, concurrency=args.concurrency)

    text = (ROOT / "examples" / "run" / "tracker.yaml").read_text()
    config = yaml.safe_load(text.replace("http://127.0.0.1:8080", args.base_url))
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{args.tool}",
        destination=dlt.destinations.duckdb(str(args.workdir / f"{args.tool}.duckdb")),
        pipelines_dir=str(args.workdir / "pipelines"),
        dataset_name="data",
    )
    started = time.perf_counter()
    if args.mode == "extract":
        info = pipeline.extract(source(config))
        seconds = time.perf_counter() - started
        rows: dict = {}
        for metrics in info.metrics.values():
            for m in metrics:
                for table, t in m["table_metrics"].items():
                    rows[table] = rows.get(table, 0) + t.items_count
    else:
        pipeline.run(source(config))
        seconds = time.perf_counter() - started
        rows = dict(pipeline.last_trace.last_normalize_info.row_counts)
    rows = {t: n for t, n in rows.items() if not t.startswith("_dlt")}
    print(json.dumps({"tool": args.tool, "mode": args.mode, "seconds": seconds, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
