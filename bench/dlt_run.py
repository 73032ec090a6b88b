"""Runs a dlt `rest_api` config with dlt's own source and writes each resource as NDJSON.

Run by bench/run_config.py inside bench/.venv (which has dlt); by hand:

    bench/.venv/bin/python bench/dlt_run.py CONFIG.json OUT_DIR

It iterates `rest_api_resources(config)` one resource after the other, without a pipeline or
a destination (the extraction alone, as `restclient run` does it), and prints one JSON line:
{"records": N, "import_s": ..., "walk_s": ..., "resources": {name: {"records", "seconds"}}}.
walk_s runs from just before the first resource is iterated to just after the last file is
flushed (dlt's import and the config's build excluded).
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")

_import_started = time.perf_counter()
from dlt.sources.rest_api import rest_api_resources  # noqa: E402

IMPORT_S = time.perf_counter() - _import_started


def main() -> int:
    config = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    resources = rest_api_resources(config)
    per_resource = {}
    total = 0
    started = time.perf_counter()
    for resource in resources:
        began = time.perf_counter()
        count = 0
        with open(out / f"{resource.name}.ndjson", "w", buffering=256 * 1024) as f:
            for item in resource:
                # A resource yields pages (lists) or single records, depending on the version.
                for record in item if isinstance(item, list) else [item]:
                    f.write(json.dumps(record, separators=(",", ":")))
                    f.write("\n")
                    count += 1
        per_resource[resource.name] = {"records": count, "seconds": time.perf_counter() - began}
        total += count
    walk_s = time.perf_counter() - started
    print(json.dumps({"records": total, "import_s": IMPORT_S, "walk_s": walk_s,
                      "resources": per_resource}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
