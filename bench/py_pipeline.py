#!/usr/bin/env python3
"""The dlt pipeline scenario (issue #23): the same pipeline (examples/run/tracker.yaml, DuckDB
destination) through dlt's own `rest_api_source` and through `restclient.dlt`'s, against the
demo API at 0 ms and at 20 ms latency.

    python3 bench/py_pipeline.py                    # build, then both latencies, 1 run each
    python3 bench/py_pipeline.py --skip-build --reps 3

For each latency and tool, two fresh pipelines, each in a process of its own
(bench/py_pipeline_run.py): one timed around `pipeline.extract(source)`, one around
`pipeline.run(source)` (extract, normalize, load into DuckDB); imports excluded. The tools
alternate; with --reps > 1 the medians are reported. Printed and written to
bench/results/py-pipeline-DATE.{json,md}: seconds, rows per table, and the ratios
restclient/dlt, with the issue's targets (extract at 20 ms ≤ 1/4 of dlt's, at 0 ms ≤ 1/2; the
whole run no slower than dlt's).

dlt's source loses issues on this config (one cursor for all projects, dlt#2429), so it loads
fewer issues and walks fewer comments than restclient: its row counts are printed beside
restclient's, and the comparison is of the pipeline as a user runs it.

Uses bench/py_client.py's build (release demo API and wheel into bench/.venv, with the pinned
dlt and duckdb of bench/requirements.txt). Only 127.0.0.1 is contacted (PyPI by pip).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))
import py_client  # noqa: E402  (bench/py_client.py: build, venv, demo API, environment)

ROOT = py_client.ROOT
BENCH = py_client.BENCH
RUN = BENCH / "py_pipeline_run.py"
TOOLS = ("dlt", "restclient")
TARGETS = {("extract", 20): 0.25, ("extract", 0): 0.5, ("run", 20): 1.0, ("run", 0): 1.0}


class Tracker(py_client.Demo):
    """The release demo API with the tracker sized for the scenario."""

    def __init__(self, binary: Path, latency_ms: int, args: argparse.Namespace) -> None:  # noqa: D107
        import re
        import select

        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--latency-ms", str(latency_ms),
             "--tracker-projects", str(args.projects), "--tracker-issues", str(args.issues),
             "--tracker-users", str(args.users), "--tracker-events", str(args.events)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not match:
            self.stop()
            raise SystemExit(f"demo-api did not start: {line!r}")
        self.url = match.group(1)


def one(tool: str, url: str, mode: str, concurrency: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="py-pipeline-") as work:
        cmd = [str(py_client.python_in_venv()), str(RUN), tool, url, work, mode, "--concurrency", str(concurrency)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=py_client.child_env(), timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"{tool} {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latencies", default="0,20", help="comma-separated, in ms (default 0,20)")
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--projects", type=int, default=6)
    p.add_argument("--issues", type=int, default=60, help="issues per project")
    p.add_argument("--users", type=int, default=300)
    p.add_argument("--events", type=int, default=1500)
    p.add_argument("--concurrency", type=int, default=8, help="restclient.dlt's concurrency")
    p.add_argument("--skip-build", action="store_true", help="reuse the built demo API and wheel")
    p.add_argument("--label", default="py-pipeline", help="results file prefix")
    args = p.parse_args()

    binary = py_client.build_and_install(args.skip_build)
    # duckdb (and anything else bench/requirements.txt gained since the venv was made).
    subprocess.run([py_client.python_in_venv(), "-m", "pip", "install", "-q", "-r", BENCH / "requirements.txt"], check=True)

    results: List[dict] = []
    for latency in [int(x) for x in args.latencies.split(",")]:
        py_client.step(f"{latency} ms: tracker {args.projects}x{args.issues} issues, {args.users} users, {args.events} events")
        server = Tracker(binary, latency, args)
        try:
            for mode in ("extract", "run"):
                runs: Dict[str, List[dict]] = {t: [] for t in TOOLS}
                for rep in range(args.reps):
                    for tool in (TOOLS if rep % 2 == 0 else TOOLS[::-1]):
                        r = one(tool, server.url, mode, args.concurrency)
                        runs[tool].append(r)
                        print(f"   {latency:>2} ms {mode:<7} {tool:<10} {r['seconds']:8.2f} s  rows {r['rows']}", flush=True)
                seconds = {t: statistics.median(x["seconds"] for x in rs) for t, rs in runs.items()}
                ratio = seconds["restclient"] / seconds["dlt"]
                target = TARGETS.get((mode, latency))
                results.append({
                    "latency_ms": latency, "mode": mode, "seconds": seconds, "ratio": ratio,
                    "target": target, "met": None if target is None else ratio <= target,
                    "rows": {t: rs[-1]["rows"] for t, rs in runs.items()},
                })
        finally:
            server.stop()

    lines = [
        "| latency | step | dlt s | restclient s | restclient/dlt | target | met | rows dlt | rows restclient |",
        "|---:|---|---:|---:|---:|---:|:-:|---|---|",
    ]
    for r in results:
        target = "—" if r["target"] is None else f"≤ {r['target']:.2f}"
        met = "—" if r["met"] is None else ("yes" if r["met"] else "NO")
        rows = {t: ", ".join(f"{k} {v}" for k, v in sorted(r["rows"][t].items())) for t in TOOLS}
        lines.append(
            f"| {r['latency_ms']} ms | {r['mode']} | {r['seconds']['dlt']:.2f} | {r['seconds']['restclient']:.2f} | "
            f"{r['ratio']:.2f} | {target} | {met} | {rows['dlt']} | {rows['restclient']} |"
        )
    table = "\n".join(lines)
    print()
    print(table)
    py_client.write_results(args.label, results, table, args=vars(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
