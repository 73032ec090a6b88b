#!/usr/bin/env python3
"""The Python scenario: dlt's RESTClient and restclient's (the Python package) walking the same
demo-API endpoint, both yielding dicts to the same Python loop (bench/py_walk.py), in one run.

    python3 bench/py_client.py              # both scenarios, 5 repetitions
    python3 bench/py_client.py --reps 3 --skip-build

Scenarios (the issue #22 targets): offset, page size 100, 0 ms latency, serial, --records
(100k); and offset, page size 100, 20 ms latency, --latency-records (20k), dlt serial against
restclient with concurrency=8 (and serial, for reference). It builds the release demo API and
the release wheel, installs the wheel into bench/.venv (created with the pinned dlt if
missing), runs the tools alternately (repetition r starts with the other tool than r-1), checks
every run saw each id exactly once, and prints medians of records/s (of the walk: imports
excluded), CPU seconds and peak RSS, with the ratios restclient/dlt. Results go to
bench/results/py-client-DATE.{json,md}.

Python 3.9+ standard library only. Only 127.0.0.1 is contacted (PyPI by pip when the venv is
made).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import select
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV = BENCH / ".venv"
WALK = BENCH / "py_walk.py"
TOOLS = ("dlt", "restclient")


def step(message: str) -> None:
    print(f"== {message}", flush=True)


def target_dir() -> Path:
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return Path(json.loads(meta.stdout)["target_directory"])


def python_in_venv() -> Path:
    return VENV / "bin" / "python"


def build_and_install(skip_build: bool) -> Path:
    """The release demo API; the release wheel installed into bench/.venv (made if missing)."""
    target = target_dir()
    wheels = target / "py-wheels-release"
    if not skip_build:
        step("building the release demo API and wheel")
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "demo-api", "--bin", "demo-api"], cwd=ROOT, check=True)
    if not python_in_venv().exists():
        step("creating bench/.venv with the pinned dlt")
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python_in_venv(), "-m", "pip", "install", "-q", "-r", BENCH / "requirements.txt"], check=True)
    subprocess.run([python_in_venv(), "-m", "pip", "install", "-q", "maturin>=1.9.4,<2"], check=True)
    if not skip_build:
        for old in wheels.glob("restclient-*.whl"):
            old.unlink()
        subprocess.run(
            [VENV / "bin" / "maturin", "build", "--release", "--locked", "-m", ROOT / "crates/restclient-py/Cargo.toml", "-o", wheels],
            cwd=ROOT,
            check=True,
        )
    [wheel] = sorted(wheels.glob("restclient-*.whl"))
    subprocess.run([python_in_venv(), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", wheel], check=True)
    return target / "release" / "demo-api"


def child_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("RUNTIME__")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["RUNTIME__LOG_LEVEL"] = "WARNING"
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    return env


class Demo:
    """The release demo API on 127.0.0.1, stopped with SIGINT."""

    def __init__(self, binary: Path, records: int, latency_ms: int) -> None:
        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--records", str(records), "--page-size", "100", "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not match:
            self.stop()
            raise SystemExit(f"demo-api did not start: {line!r}")
        self.url = match.group(1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=10)


def measure(tool: str, url: str, page_size: int, concurrency: int, records: int) -> dict:
    """One walk in its own process (fork + exec, so that wait4 reports the child's own CPU
    and peak RSS): its report, checked to hold every id exactly once."""
    cmd = [str(python_in_venv()), str(WALK), tool, url, "--page-size", str(page_size), "--concurrency", str(concurrency)]
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.dup2(write_fd, 1)
        os.close(read_fd)
        os.execve(cmd[0], cmd, child_env())
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        out = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tool} failed with status {status}")
    report = json.loads(out.strip().splitlines()[-1])
    expected_sum = records * (records + 1) // 2
    if report["records"] != records or report["id_sum"] != expected_sum:
        raise SystemExit(f"{tool} saw {report['records']} records (id sum {report['id_sum']}), expected {records} ({expected_sum})")
    report["records_per_s"] = records / report["walk_s"]
    report["cpu_s"] = usage.ru_utime + usage.ru_stime
    report["maxrss_mib"] = usage.ru_maxrss / 1024
    return report


def median(runs: List[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def run_scenario(name: str, demo_binary: Path, records: int, latency_ms: int, page_size: int, reps: int, variants: List[tuple]) -> dict:
    step(f"{name}: {records} records, page {page_size}, {latency_ms} ms latency, {reps} repetitions")
    demo = Demo(demo_binary, records, latency_ms)
    runs: Dict[str, List[dict]] = {label: [] for label, _, _ in variants}
    try:
        for rep in range(reps):
            order = variants if rep % 2 == 0 else list(reversed(variants))
            for label, tool, concurrency in order:
                report = measure(tool, demo.url, page_size, concurrency, records)
                runs[label].append(report)
                print(
                    f"   rep {rep + 1} {label:<22} {report['records_per_s']:>12,.0f} records/s  "
                    f"walk {report['walk_s']:.3f} s  cpu {report['cpu_s']:.2f} s  rss {report['maxrss_mib']:.1f} MiB",
                    flush=True,
                )
    finally:
        demo.stop()
    medians = {
        label: {k: median(rs, k) for k in ("records_per_s", "walk_s", "cpu_s", "maxrss_mib", "import_s")} for label, rs in runs.items()
    }
    return {"name": name, "records": records, "latency_ms": latency_ms, "page_size": page_size, "runs": runs, "medians": medians}


def markdown(results: List[dict]) -> str:
    lines = [
        "| scenario | tool | records/s | walk s | CPU s | peak RSS MiB | vs dlt (records/s) | vs dlt (RSS) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for sc in results:
        dlt = sc["medians"]["dlt"]
        for label, m in sc["medians"].items():
            lines.append(
                f"| {sc['name']} | {label} | {m['records_per_s']:,.0f} | {m['walk_s']:.3f} | {m['cpu_s']:.2f} | "
                f"{m['maxrss_mib']:.1f} | {m['records_per_s'] / dlt['records_per_s']:.2f}x | {m['maxrss_mib'] / dlt['maxrss_mib']:.2f}x |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records at 0 ms (default 100000)")
    parser.add_argument("--latency-records", type=int, default=20_000, help="records at 20 ms (default 20000)")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true", help="reuse the built demo API and wheel")
    parser.add_argument("--label", default="py-client", help="results file prefix")
    args = parser.parse_args()

    demo_binary = build_and_install(args.skip_build)
    results = [
        run_scenario(
            "0 ms, serial", demo_binary, args.records, 0, args.page_size, args.reps,
            [("dlt", "dlt", 1), ("restclient", "restclient", 1)],
        ),
        run_scenario(
            "20 ms, concurrency 8", demo_binary, args.latency_records, 20, args.page_size, args.reps,
            [("dlt", "dlt", 1), ("restclient", "restclient", 1), ("restclient c=8", "restclient", 8)],
        ),
    ]
    table = markdown(results)
    print()
    print(table)
    write_results(args.label, results, table)
    return 0


def write_results(label: str, results: list, table: str, **meta: object) -> None:
    """`bench/results/LABEL-STAMP.{json,md}`: the results with the machine, load and commit."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    out = BENCH / "results" / f"{label}-{stamp}"
    meta = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "python": platform.python_version(),
        **meta,
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip(),
    }
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    out.with_suffix(".md").write_text(table + "\n")
    print(f"\nwritten: {out.relative_to(ROOT)}.json and .md")


if __name__ == "__main__":
    sys.exit(main())
