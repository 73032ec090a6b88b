#!/usr/bin/env python3
"""The `run` scenario (DESIGN §7, issue #16 item 8): a dlt rest_api config of several independent
resources against the demo API's tracker at 20 ms latency.

    python3 bench/run_config.py                 # 3 repetitions, dlt included
    python3 bench/run_config.py --quick         # 1 repetition, smaller data
    python3 bench/run_config.py --skip-build --tools restclient

Measured, each under bench-rusage (wall, CPU, peak RSS), the tools round-robin per repetition:

* `run-parallel`: `restclient run CONFIG --parallel 4` (every resource at once);
* `run-serial`: `restclient run CONFIG --parallel 1` (one resource after the other);
* `alone:<name>`: `restclient run CONFIG --resource <name>`, for each resource;
* `dlt`: dlt's own `rest_api` source on the same config (`bench/dlt_run.py`: every resource of
  `rest_api_resources(config)` iterated in turn, no pipeline, no destination; its walk time
  excludes Python's start-up and dlt's import).

The claim checked: a run of independent resources takes about as long as its longest resource
alone (`run-parallel / max(alone)` near 1), not their sum. Every run's output is checked (each
resource's record count; ids unique). Results: bench/results/<label->run-DATE.{json,md}.
Reuses run.py's build, venv, launcher and environment helpers; standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import select
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as harness  # noqa: E402  (bench/run.py)

BENCH = harness.BENCH
CONFIG = BENCH / "run_tracker.json"
DLT_RUN = BENCH / "dlt_run.py"


class TrackerApi:
    """The release demo-api with the tracker sized for the scenario, stopped on exit."""

    def __init__(self, binary: Path, latency_ms: int, projects: int, issues: int, users: int,
                 events: int) -> None:
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", "0", "--latency-ms", str(latency_ms),
             "--tracker-projects", str(projects), "--tracker-issues", str(issues),
             "--tracker-users", str(users), "--tracker-events", str(events)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
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
            self.proc.send_signal(harness.signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def __enter__(self) -> TrackerApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
        self.proc.stdout.close()


def count_records(path: Path) -> tuple[int, int]:
    """(records, distinct ids) of an NDJSON file."""
    ids = set()
    count = 0
    with open(path, "rb") as lines:
        for line in lines:
            count += 1
            ids.add(json.loads(line).get("id"))
    return count, len(ids)


def table_file(out: Path, name: str) -> Path:
    """The records of `name`: `out/<name>.ndjson` (the dlt script), or the one load file of
    `out/<name>/` (`restclient run` writes `DIR/<table>/<load_id>.ndjson`)."""
    flat = out / f"{name}.ndjson"
    if flat.exists() or not (out / name).is_dir():
        return flat
    loads = sorted((out / name).glob("*.ndjson"))
    return loads[-1] if loads else flat


def check_outputs(out: Path, expected: dict[str, int]) -> str | None:
    for name, want in expected.items():
        path = table_file(out, name)
        if not path.exists():
            return f"{name}: no output file"
        got, distinct = count_records(path)
        if got != want or distinct != want:
            return f"{name}: {got} records ({distinct} distinct ids), expected {want}"
    return None


def has_run(cli: Path) -> bool:
    probe = subprocess.run([cli, "run", "--help"], capture_output=True, text=True, timeout=60)
    return probe.returncode == 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--quick", action="store_true", help="1 repetition, half the data")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--latency-ms", type=int, default=20)
    p.add_argument("--projects", type=int, default=10)
    p.add_argument("--issues", type=int, default=1000, help="issues per project")
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--events", type=int, default=20_000)
    p.add_argument("--parallel", type=int, default=4)
    p.add_argument("--tools", default="restclient,dlt",
                   help="comma-separated: restclient, dlt")
    p.add_argument("--python", type=Path, help="a Python with dlt (default: bench/.venv)")
    p.add_argument("--skip-build", action="store_true")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--label", default="")
    p.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = p.parse_args(argv)
    if args.quick:
        args.reps = 1
        args.issues //= 2
        args.users //= 2
        args.events //= 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    bins = (harness.target_dir() if args.skip_build else harness.build()) / "release"
    cli = bins / "restclient"
    notes = []
    if "restclient" in tools and not has_run(cli):
        notes.append("restclient skipped: this build has no `restclient run`")
        tools.discard("restclient")
    python = None
    if "dlt" in tools:
        python = args.python or (harness.ensure_venv() and harness.venv_python())
    env = harness.child_env()
    config = json.loads(CONFIG.read_text())
    names = [r["name"] for r in config["resources"]]
    total_issues = args.projects * args.issues

    with TrackerApi(bins / "demo-api", args.latency_ms, args.projects, args.issues, args.users,
                    args.events) as api, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config_path = work / "run_tracker.json"
        config_path.write_text(CONFIG.read_text().replace("BASE_URL", api.url))
        # What every tool must deliver (closed issues counted from the API once).
        closed = None
        expected = {"issues": total_issues, "users": args.users, "events": args.events}

        def commands() -> dict[str, list]:
            cmds = {}
            if "restclient" in tools:
                base = [cli, "run", config_path, "--no-progress"]
                cmds["run-parallel"] = base + ["--parallel", str(args.parallel)]
                cmds["run-serial"] = base + ["--parallel", "1"]
                for name in names:
                    cmds[f"alone:{name}"] = base + ["--resource", name]
            if "dlt" in tools:
                cmds["dlt"] = [python, DLT_RUN, config_path]
            return cmds

        cmds = commands()
        order = list(cmds)
        runs: dict[str, list[dict]] = {key: [] for key in order}
        failures = []
        for rep in range(args.reps):
            rotated = order[rep % len(order):] + order[:rep % len(order)]
            for key in rotated:
                out = work / f"out-{key.replace(':', '-')}-{rep}"
                cmd = list(cmds[key])
                cmd += [out] if key == "dlt" else ["-o", out]
                m = harness.measure(bins / "bench-rusage", work / "r.json", cmd, env,
                                    args.timeout)
                entry = {"rep": rep, "code": m.code, "wall_s": m.wall_s,
                         "cpu_s": m.user_s + m.sys_s, "maxrss_mib": m.maxrss_kib / 1024}
                if key == "dlt" and m.code == 0:
                    try:
                        report = json.loads(m.stdout.strip().splitlines()[-1])
                        entry["walk_s"] = report["walk_s"]
                        entry["import_s"] = report["import_s"]
                        entry["resources"] = report["resources"]
                    except (ValueError, IndexError, KeyError):
                        entry["error"] = f"no report: {m.stdout[-200:]!r}"
                if closed is None and m.code == 0 and table_file(out, "issues").exists() \
                        and table_file(out, "closed_issues").exists():
                    with open(table_file(out, "issues"), "rb") as f:
                        closed = sum(1 for line in f if json.loads(line).get("state") == "closed")
                    expected["closed_issues"] = closed
                if m.code != 0:
                    entry["error"] = f"exit {m.code}: {m.stderr[-300:]}"
                else:
                    wanted = {k: v for k, v in expected.items()
                              if not key.startswith("alone:") or k == key.split(":", 1)[1]}
                    problem = check_outputs(out, wanted)
                    if problem:
                        entry["error"] = problem
                if "error" in entry:
                    failures.append(f"{key} rep {rep}: {entry['error']}")
                    harness.loud(f"{key} rep {rep} FAILED: {entry['error']}")
                runs[key].append(entry)
                print(f"  {key:>22} rep {rep}: {m.wall_s:6.2f} s wall, "
                      f"{entry['cpu_s']:5.2f} s CPU, {entry['maxrss_mib']:6.1f} MiB"
                      + (f", walk {entry['walk_s']:.2f} s" if "walk_s" in entry else "")
                      + (" FAIL" if "error" in entry else ""), flush=True)
                harness.shutil.rmtree(out, ignore_errors=True)

    def median(key: str, field: str = "wall_s") -> float | None:
        values = [r[field] for r in runs.get(key, []) if "error" not in r and field in r]
        return statistics.median(values) if values else None

    medians = {key: {"wall_s": median(key), "cpu_s": median(key, "cpu_s"),
                     "maxrss_mib": median(key, "maxrss_mib")} for key in order}
    if "dlt" in runs:
        medians["dlt"]["walk_s"] = median("dlt", "walk_s")
    alone = [medians[f"alone:{n}"]["wall_s"] for n in names if f"alone:{n}" in medians]
    ratios = {}
    if alone and all(a is not None for a in alone) and medians["run-parallel"]["wall_s"]:
        par = medians["run-parallel"]["wall_s"]
        ratios["parallel_over_longest_alone"] = par / max(alone)
        ratios["parallel_over_sum_alone"] = par / sum(alone)
        if medians["run-serial"]["wall_s"]:
            ratios["serial_over_parallel"] = medians["run-serial"]["wall_s"] / par
        if medians.get("dlt", {}).get("walk_s"):
            ratios["dlt_walk_over_parallel"] = medians["dlt"]["walk_s"] / par

    lines = [
        f"# run scenario: {len(names)} independent resources, {args.latency_ms} ms latency",
        "",
        f"issues {total_issues:,} (+ closed {expected.get('closed_issues', '?')}), users "
        f"{args.users:,}, events {args.events:,}; page size 100; --parallel {args.parallel}; "
        f"{args.reps} repetition(s), medians.",
        "",
        "| run | wall s | CPU s | RSS MiB |",
        "|---|---:|---:|---:|",
    ]
    for key in order:
        m = medians[key]
        wall = "FAIL" if m["wall_s"] is None else f"{m['wall_s']:.2f}"
        if key == "dlt" and m.get("walk_s"):
            wall += f" (walk {m['walk_s']:.2f})"
        cpu = "-" if m["cpu_s"] is None else f"{m['cpu_s']:.2f}"
        rss = "-" if m["maxrss_mib"] is None else f"{m['maxrss_mib']:.1f}"
        lines.append(f"| {key} | {wall} | {cpu} | {rss} |")
    lines.append("")
    for name, value in ratios.items():
        lines.append(f"* {name.replace('_', ' ')}: {value:.2f}")
    for note in notes:
        lines.append(f"* note: {note}")
    for failure in failures:
        lines.append(f"* FAILED: {failure}")
    text = "\n".join(lines)
    print("\n" + text)

    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    # `--label smoke` (or final, full) gives a name bench/.gitignore lets be committed.
    stem = args.results_dir / f"{args.label + '-' if args.label else ''}run-{stamp}"
    stem.with_suffix(".json").write_text(json.dumps(
        {"args": {k: str(v) for k, v in vars(args).items()}, "runs": runs, "medians": medians,
         "ratios": ratios, "notes": notes, "failures": failures,
         "machine": harness.machine_info()}, indent=2))
    stem.with_suffix(".md").write_text(text + "\n")
    print(f"\nwrote {harness.display_path(stem.with_suffix('.json'))}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
