#!/usr/bin/env python3
"""Side-by-side benchmark: the restclient CLI, dlt's RESTClient and two transport floors.

One command (see bench/README.md):

    python3 bench/run.py            # the full matrix (long: prints an estimate first)
    python3 bench/run.py --quick    # 20k records at 20 ms, 2 repetitions
    python3 bench/run.py --memory   # adds 1M vs 100k records, restclient and dlt
    python3 bench/run.py --targets --reps 7   # only the scenarios of the issue #24 targets

It builds the release binaries, creates bench/.venv with the pinned dlt, starts the demo API
(release build, 127.0.0.1 only) once per latency/record-count setting, runs every scenario with
the tools alternating round-robin per repetition, checks every run's record count, and prints
per-scenario tables of medians plus a Markdown summary; results go to bench/results/.

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV = BENCH / ".venv"
REQUIREMENTS = BENCH / "requirements.txt"
DLT_WALK = BENCH / "dlt_walk.py"
TOOLS = ("restclient", "dlt", "floor-parse", "floor-raw")
# `--server both`: every tool also walks demo-api's own (hyper/axum) `/bench/offset`, as the tool
# `<tool>@route`, in the same repetitions: an interleaved A/B of the two servers.
ROUTE_SUFFIX = "@route"
# `--before BIN`: another restclient build, run round-robin with the others (an A/B in one run).
BEFORE = "restclient-before"
FLOOR_MODES = {"floor-parse": "parse", "floor-raw": "raw"}


@dataclass(frozen=True)
class Route:
    """How each tool walks one pagination style of the demo API."""

    path: str
    selector: str
    size_param: str | None  # query parameter carrying the page size; None: the paginator's limit

    def restclient_spec(self, kind: str, page_size: int) -> str:
        if kind == "offset":
            return json.dumps({"type": "offset", "limit": page_size, "total_path": "total"})
        return kind


ROUTES = {
    "offset": Route("/offset", "items", None),
    "json_link": Route("/json-link", "data", "page_size"),
    "header_link": Route("/header-link", "$", "page_size"),
    "cursor": Route("/cursor", "items", "limit"),
}
# Offset pages rendered once by the demo API and served from memory by its bench listener (a
# plain blocking server: issue #24, the bench must measure the client, not the server);
# `--live-server` uses `/offset` instead.
PRERENDERED = Route("/bench/offset", "items", None)
# A server busy for this share of a walk's wall time or more is measured, not the client.
SERVER_SHARE_MAX = 0.10


# --- rough cost model, only for the run-time estimate printed before starting --------------------
# (startup s, CPU s per page, CPU s per record) per tool, from a busy 2-core machine; the
# harness adds the time it spends checking each output file.
COST = {
    "restclient": (0.02, 0.0003, 3e-6),
    BEFORE: (0.02, 0.0003, 3e-6),
    "dlt": (1.0, 0.0015, 15e-6),
    "floor-parse": (0.01, 0.0002, 2e-6),
    "floor-raw": (0.01, 0.0002, 0.2e-6),
}
VERIFY_S_PER_RECORD = 2e-6


@dataclass(frozen=True)
class Scenario:
    """One cell of the matrix: what is fetched and how."""

    group: str  # "matrix" or "memory"
    kind: str
    page_size: int
    latency_ms: int
    records: int
    concurrency: int
    tools: tuple[str, ...]

    @property
    def id(self) -> str:
        return (
            f"{self.group}:{self.kind}:ps{self.page_size}:lat{self.latency_ms}ms"
            f":n{self.records}:c{self.concurrency}"
        )

    @property
    def title(self) -> str:
        return (
            f"{self.kind}, {self.records:,} records, page size {self.page_size}, "
            f"latency {self.latency_ms} ms, concurrency {self.concurrency}"
        )

    @property
    def pages(self) -> int:
        return -(-self.records // self.page_size)

    def estimate_s(self, tool: str) -> float:
        startup, per_page, per_record = COST[base_tool(tool)]
        cpu = per_page * self.pages + per_record * self.records
        waiting = self.pages * self.latency_ms / 1000
        if tool != "dlt" and self.concurrency > 1:
            wall = max(waiting / self.concurrency, cpu)
        else:
            wall = waiting + cpu
        return startup + wall + VERIFY_S_PER_RECORD * self.records


@dataclass
class Run:
    """One measured process."""

    tool: str
    rep: int
    ok: bool
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_kib: int
    records: int | None
    server_cpu_s: float | None  # user + sys of the whole demo-api process over the run
    server_user_s: float | None = None
    server_sys_s: float | None = None
    error: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    @property
    def timed_s(self) -> float:
        """The time records/s is taken from: dlt's walk alone (import and start-up excluded,
        as its dlt_walk.py reports it), the whole process for every other tool."""
        walk = self.extra.get("walk_s")
        return walk if isinstance(walk, (int, float)) and walk > 0 else self.wall_s

    @property
    def records_per_s(self) -> float:
        return (self.records or 0) / self.timed_s if self.timed_s > 0 else 0.0

    @property
    def wall_records_per_s(self) -> float:
        """Records over the whole process's wall time (differs from records_per_s for dlt)."""
        return (self.records or 0) / self.wall_s if self.wall_s > 0 else 0.0


# --- setup -----------------------------------------------------------------------------------------


def base_tool(tool: str) -> str:
    """`floor-raw@route` -> `floor-raw`: what runs, whichever server it talks to."""
    return tool.removesuffix(ROUTE_SUFFIX)


def step(message: str) -> None:
    print(f"== {message}", flush=True)


def loud(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n!!! {message}\n{bar}\n", file=sys.stderr, flush=True)


def build() -> Path:
    """Builds the release binaries and returns cargo's target directory."""
    step("cargo build --release --locked -p restclient-cli -p demo-api -p bench-floor")
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "-p", "restclient-cli", "-p", "demo-api",
         "-p", "bench-floor"],
        cwd=ROOT, check=True, timeout=3600,
    )
    return target_dir()


def target_dir() -> Path:
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True, text=True, timeout=120,
    )
    return Path(json.loads(meta.stdout)["target_directory"])


def dlt_pin() -> str:
    for line in REQUIREMENTS.read_text().splitlines():
        match = re.fullmatch(r"\s*dlt==(\S+)\s*", line)
        if match:
            return match.group(1)
    raise SystemExit(f"{REQUIREMENTS} pins no dlt version (expected `dlt==X.Y.Z`)")


def venv_python() -> Path:
    return VENV / "bin" / "python"


def installed_dlt() -> str | None:
    if not venv_python().exists():
        return None
    probe = subprocess.run(
        [venv_python(), "-c", "import importlib.metadata as m; print(m.version('dlt'))"],
        capture_output=True, text=True, timeout=120,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_venv() -> str:
    """Creates bench/.venv with the pinned dlt (from PyPI) unless it is already there."""
    pin = dlt_pin()
    if installed_dlt() == pin:
        return pin
    step(f"creating {VENV.relative_to(ROOT)} with dlt=={pin}")
    if not venv_python().exists():
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, timeout=600)
    subprocess.run(
        [venv_python(), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         "-r", REQUIREMENTS],
        check=True, timeout=1800,
    )
    got = installed_dlt()
    if got != pin:
        raise SystemExit(f"bench/.venv has dlt {got}, expected {pin}")
    return pin


def child_env() -> dict[str, str]:
    """The environment of every measured process: no proxies, quiet logging, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["RUNTIME__LOG_LEVEL"] = "WARNING"
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    return env


def rss_floor_kib(bins: Path) -> int:
    """Peak RSS reported for /bin/true: the smallest value the measurement can show."""
    with tempfile.TemporaryDirectory() as tmp:
        m = measure(bins / "bench-rusage", Path(tmp) / "r.json", ["true"], child_env(), 30)
    return m.maxrss_kib


def cli_has_concurrency(cli: Path) -> bool:
    help_text = subprocess.run(
        [cli, "paginate", "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    return "--concurrency" in help_text


# --- the demo API ------------------------------------------------------------------------------------


class DemoApi:
    """The release demo-api binary on 127.0.0.1 with its bench listener (`--bench-port 0`),
    stopped with SIGINT on exit.

    `url` is the demo server (hyper/axum, every route); `bench_url` the bench listener: a plain
    blocking server of the pre-rendered `/bench/offset` pages and of `/bench/cpu`, the whole
    process's user and system CPU (getrusage, microseconds; every thread, ended ones too).
    """

    def __init__(self, binary: Path, records: int, latency_ms: int) -> None:
        self.records = records
        self.latency_ms = latency_ms
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", "0", "--records", str(records),
             "--page-size", "100", "--latency-ms", str(latency_ms), "--bench-port", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.stderr, text=True,
        )
        # Two lines: the demo server's URL, then the bench listener's. Read on a thread (both
        # may arrive in one read, so select() on the pipe cannot tell the second is there).
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.extend(self.proc.stdout.readline() for _ in range(2)),
            daemon=True)
        reader.start()
        reader.join(timeout=30)
        urls = []
        for pattern, line in zip((r"listening on (http://127\.0\.0\.1:\d+)",
                                  r"bench listener on (http://127\.0\.0\.1:\d+)"),
                                 [*lines, "", ""]):
            match = re.search(pattern, line)
            if not match:
                self.stop()
                self.stderr.seek(0)
                message = f"demo-api did not start: {lines!r} {self.stderr.read()!r}"
                self.stderr.close()
                raise SystemExit(message)
            urls.append(match.group(1))
        self.url, self.bench_url = urls

    def cpu_s(self) -> tuple[float, float] | None:
        """The server's (user, sys) CPU seconds so far, as it reports them, or None."""
        try:
            with urllib.request.urlopen(f"{self.bench_url}/bench/cpu", timeout=30) as answer:
                cpu = json.loads(answer.read())
            return cpu["user_s"], cpu["sys_s"]
        except (OSError, ValueError, KeyError):
            return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def __enter__(self) -> DemoApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
        self.proc.stdout.close()
        self.stderr.close()


# --- one measured run --------------------------------------------------------------------------------


@dataclass
class Measured:
    code: int | None  # exit code, None when killed on timeout
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_kib: int
    stdout: str
    stderr: str


def measure(launcher: Path, report: Path, cmd: list, env: dict[str, str],
            timeout_s: float) -> Measured:
    """Runs `cmd` under bench-rusage and returns that command's own usage.

    bench-rusage (bench/floor/src/bin/bench-rusage.rs) is needed because a child spawned from
    this ~20 MiB Python process inherits its RSS high-water mark: os.wait4's ru_maxrss would
    never show less than Python's size. The launcher is ~2 MiB, spawns the command, and reports
    the command's user/sys CPU and ru_maxrss. os.wait4 here reaps the launcher; on timeout the
    whole process group (launcher and command) is killed.
    """
    report.unlink(missing_ok=True)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        timed_out = threading.Event()
        reaped = threading.Lock()
        started = time.perf_counter()
        proc = subprocess.Popen([launcher, report, "--", *cmd], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, env=env, start_new_session=True)

        def kill() -> None:
            with reaped:
                if proc.returncode is None:  # not reaped yet: the group still exists
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                        timed_out.set()
                    except ProcessLookupError:
                        pass

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        with reaped:
            proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    inner = json.loads(report.read_text()) if report.exists() else None
    if timed_out.is_set():
        code = None
    elif inner is None:
        code = proc.returncode
        stderr += "\n(bench-rusage wrote no report)"
    else:
        code = inner["code"] if inner["code"] is not None else -inner["signal"]
    source = inner or {"wall_s": wall, "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
                       "maxrss_kib": usage.ru_maxrss}
    return Measured(code=code, wall_s=source["wall_s"], user_s=source["user_s"],
                    sys_s=source["sys_s"], maxrss_kib=source["maxrss_kib"],
                    stdout=stdout, stderr=stderr)


def check_ndjson(path: Path, expected: int) -> tuple[int, str | None]:
    """Counts the records and checks the ids are exactly 1..=expected, each once."""
    seen = bytearray(expected + 1)
    count = duplicates = outside = 0
    with open(path, "rb") as lines:
        for line in lines:
            count += 1
            try:
                record_id = json.loads(line)["id"]
            except (ValueError, KeyError, TypeError):
                return count, f"line {count} is not a record: {line[:80]!r}"
            if not isinstance(record_id, int) or not 1 <= record_id <= expected:
                outside += 1
            elif seen[record_id]:
                duplicates += 1
            else:
                seen[record_id] = 1
    if count != expected:
        return count, f"delivered {count} records, expected {expected}"
    if duplicates or outside:
        return count, f"{duplicates} duplicate and {outside} unknown ids among {count} records"
    return count, None


class Runner:
    """Builds each tool's command line for a scenario and checks what it delivered."""

    def __init__(self, bins: Path, work: Path, timeout_s: float | None,
                 shape: str | None) -> None:
        self.shape = shape  # None: the live routes; else the pre-rendered offset route's shape
        self.cli = bins / "restclient"
        self.before: Path | None = None
        self.floor = bins / "bench-floor"
        self.launcher = bins / "bench-rusage"
        self.work = work
        self.route_only = False  # `--server route`: demo-api's own route for every tool
        self.timeout_s = timeout_s
        self.env = child_env()

    def route(self, sc: Scenario) -> tuple[Route, list[tuple[str, str]]]:
        """The route of `sc` and the extra query parameters every page URL carries."""
        if sc.kind == "offset" and self.shape:
            return PRERENDERED, [("shape", self.shape)]
        return ROUTES[sc.kind], []

    def base_url(self, tool: str, sc: Scenario, server: DemoApi) -> str:
        """The bench listener for the pre-rendered pages, unless `tool` asks for demo-api's
        own route; the demo server for every live route."""
        route, _ = self.route(sc)
        if route is PRERENDERED and not (self.route_only or tool.endswith(ROUTE_SUFFIX)):
            return server.bench_url
        return server.url

    def command(self, tool: str, sc: Scenario, base: str, output: Path) -> list:
        route, extra = self.route(sc)
        url = base + route.path
        tool = base_tool(tool)
        if tool in ("restclient", BEFORE):
            spec = route.restclient_spec(sc.kind, sc.page_size)
            cli = self.before if tool == BEFORE else self.cli
            cmd = [cli, "paginate", url, "--paginator", spec,
                   "--data-selector", route.selector, "-o", output, "--no-progress"]
            if route.size_param:
                cmd += ["-p", f"{route.size_param}={sc.page_size}"]
            for key, value in extra:
                cmd += ["-p", f"{key}={value}"]
            if sc.concurrency > 1:
                cmd += ["--concurrency", str(sc.concurrency)]
            return cmd
        if tool == "dlt":
            query = "&".join(f"{key}={value}" for key, value in extra)
            return [venv_python(), DLT_WALK, url + (f"?{query}" if query else ""),
                    "--paginator", sc.kind, "--page-size",
                    str(sc.page_size), "--selector", route.selector, "--output", output]
        cmd = [self.floor, base, "--style", sc.kind, "--records", str(sc.records),
               "--page-size", str(sc.page_size), "--concurrency", str(sc.concurrency),
               "--mode", FLOOR_MODES[tool], "--path", route.path]
        for key, value in extra:
            cmd += ["--param", f"{key}={value}"]
        return cmd

    def warm_up(self, sc: Scenario, server: DemoApi) -> None:
        """Has the server render the pre-rendered route's pages before any clock starts (the
        bench listener and the demo server's route share them)."""
        route, extra = self.route(sc)
        if route is not PRERENDERED:
            return
        query = urllib.parse.urlencode([("offset", 0), ("limit", sc.page_size), *extra])
        with urllib.request.urlopen(f"{server.bench_url}{route.path}?{query}",
                                    timeout=600) as answer:
            answer.read()

    def run(self, tool: str, sc: Scenario, rep: int, server: DemoApi) -> Run:
        output = self.work / f"{tool}.ndjson"
        output.unlink(missing_ok=True)
        timeout = self.timeout_s or max(60.0, 10 * sc.estimate_s(tool))
        command = self.command(tool, sc, self.base_url(tool, sc, server), output)
        server_before = server.cpu_s()
        m = measure(self.launcher, self.work / "rusage.json", command, self.env, timeout)
        server_after = server.cpu_s()
        run = Run(tool, rep, False, m.wall_s, m.user_s, m.sys_s, m.maxrss_kib, None, None)
        if server_before is not None and server_after is not None:
            run.server_user_s = server_after[0] - server_before[0]
            run.server_sys_s = server_after[1] - server_before[1]
            run.server_cpu_s = run.server_user_s + run.server_sys_s
        if m.code is None:
            run.error = f"timed out after {timeout:.1f} s"
        elif m.code != 0:
            run.error = f"exit code {m.code}: {m.stderr.strip()[-500:]}"
        else:
            try:
                run.records, run.error = self.delivered(tool, sc, m, output, run.extra)
            except (ValueError, KeyError, IndexError) as error:  # a summary line we cannot read
                run.error = f"unreadable summary on stdout ({error!r}): {m.stdout[-200:]!r}"
            run.ok = run.error is None
        output.unlink(missing_ok=True)
        return run

    @staticmethod
    def delivered(tool: str, sc: Scenario, m: Measured, output: Path, extra: dict):
        tool = base_tool(tool)
        if tool in FLOOR_MODES:  # writes nothing: it reports what it fetched
            summary = json.loads(m.stdout)
            extra["pages"] = summary["pages"]
            extra["bytes"] = summary["bytes"]
            # In-process, first request to last byte: records/s are taken from this span.
            extra["walk_s"] = summary["walk_s"]
            count = summary["records"]
            if count is None:  # floor-raw parses no records: its pages are what is checked
                if summary["pages"] != sc.pages or not summary["bytes"]:
                    return 0, (f"fetched {summary['pages']} pages ({summary['bytes']} bytes), "
                               f"expected {sc.pages}")
                return sc.records, None
            if count != sc.records:
                return count, f"parsed {count} records, expected {sc.records}"
            return count, None
        if tool == "dlt":
            extra.update(json.loads(m.stdout.strip().splitlines()[-1]))
        if not output.exists():
            return 0, "no output file"
        return check_ndjson(output, sc.records)


# --- the plan ----------------------------------------------------------------------------------------


def csv_ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def csv_names(choices: tuple[str, ...] | list[str]):
    def parse(text: str) -> list[str]:
        names = [part.strip() for part in text.split(",") if part.strip()]
        unknown = [name for name in names if name not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {list(choices)}")
        return names
    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="restclient vs dlt vs two transport floors on the demo API (see bench/README.md)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true",
                        help="smoke mode: 2 repetitions and --latency-records 20000")
    parser.add_argument("--targets", action="store_true",
                        help="only the scenarios of the issue #13 targets (0 ms: offset and "
                             "json_link at page size 100, offset at 1000; 20 ms: offset page size "
                             "100 serial and c=8 with --latency-records, default 20000; memory: "
                             "--records vs --memory-records); ignores the matrix flags")
    parser.add_argument("--reps", type=int, help="repetitions per scenario (default 5, quick 2)")
    parser.add_argument("--records", type=int, default=100_000,
                        help="records served in the zero-latency scenarios")
    parser.add_argument("--latency-records", type=int,
                        help="records served when latency > 0 (default --records, quick 20000)")
    parser.add_argument("--page-sizes", type=csv_ints, default=[100, 1000])
    parser.add_argument("--latencies", type=csv_ints, default=[0, 20], help="server latency, ms")
    parser.add_argument("--paginators", type=csv_names(list(ROUTES)), default=list(ROUTES))
    parser.add_argument("--concurrency", type=csv_ints, default=[1, 8],
                        help="values above 1 apply to offset only")
    parser.add_argument("--tools", type=csv_names(TOOLS), default=list(TOOLS))
    parser.add_argument("--before", type=Path, metavar="BIN",
                        help="another restclient binary (e.g. the previous commit's), run as the "
                             "tool restclient-before alongside restclient: an interleaved A/B")
    parser.add_argument("--memory", action="store_true",
                        help="add the memory scenario: offset, page size 1000, serial, "
                             "--records vs --memory-records, restclient only")
    parser.add_argument("--memory-only", action="store_true", help="run only the memory scenario")
    parser.add_argument("--memory-records", type=int, default=1_000_000)
    parser.add_argument("--shape", choices=("wide", "small"), default="wide",
                        help="record shape of the pre-rendered offset route: wide ~150 B, "
                             "small ~40 B")
    parser.add_argument("--live-server", action="store_true",
                        help="offset walks use /offset (rendered per request) instead of the "
                             "pre-rendered /bench/offset")
    parser.add_argument("--timeout", type=float,
                        help="seconds per run (default: 10x its estimate, at least 60)")
    parser.add_argument("--server", choices=("listener", "route", "both"), default="listener",
                        help="what serves the pre-rendered offset pages: demo-api's bench "
                             "listener (a plain blocking server), its own hyper/axum route, or "
                             "both: every tool but dlt also runs as TOOL@route against the "
                             "route, in the same repetitions (an A/B of the servers)")
    parser.add_argument("--skip-build", action="store_true", help="use the binaries already built")
    parser.add_argument("--bin-dir", type=Path, metavar="DIR",
                        help="take restclient, demo-api, bench-floor and bench-rusage from DIR "
                             "(implies --skip-build), e.g. target/fast/release")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and estimate only")
    parser.add_argument("--label", default="",
                        help="prefix of the result file names (smoke-* files are not git-ignored)")
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    if args.reps is None:
        args.reps = 2 if args.quick else 5
    if args.before:
        args.tools.append(BEFORE)
    if args.server == "both":
        args.tools += [tool + ROUTE_SUFFIX for tool in list(args.tools) if tool != "dlt"]
    if args.latency_records is None:
        args.latency_records = 20_000 if args.quick or args.targets else args.records
    if args.reps < 1 or args.records < 1 or args.latency_records < 1:
        parser.error("--reps, --records and --latency-records must be positive")
    if any(size < 1 for size in args.page_sizes) or any(c < 1 for c in args.concurrency):
        parser.error("page sizes and concurrency must be positive")
    if any(latency < 0 for latency in args.latencies):
        parser.error("latencies must not be negative")
    return args


def target_plan(args: argparse.Namespace) -> list[Scenario]:
    """The scenarios the issue #24 targets are stated on, each with every tool asked for."""
    serial = tuple(args.tools)
    concurrent = tuple(t for t in args.tools if t != "dlt")  # dlt has no concurrency
    n, n_latency = args.records, args.latency_records
    cells = [
        ("offset", 100, 0, n, 1, serial),
        ("offset", 1000, 0, n, 1, serial),
        ("offset", 100, 20, n_latency, 1, serial),  # dlt's serial twin for the c=8 row
        ("offset", 100, 20, n_latency, 8, concurrent),
    ]
    scenarios = [Scenario("matrix", *cell) for cell in cells if cell[-1]]
    memory_tools = tuple(t for t in args.tools if t in ("restclient", "dlt", BEFORE))
    if "restclient" in memory_tools:
        for records in (args.records, args.memory_records):
            scenarios.append(Scenario("memory", "offset", 1000, 0, records, 1, memory_tools))
    return scenarios


def plan(args: argparse.Namespace) -> list[Scenario]:
    if args.targets:
        return target_plan(args)
    scenarios = []
    if not args.memory_only:
        for latency in args.latencies:
            records = args.latency_records if latency > 0 else args.records
            for size in args.page_sizes:
                for kind in args.paginators:
                    for c in args.concurrency:
                        if c > 1 and kind != "offset":
                            continue
                        # dlt has no concurrency: its c>1 ratio uses its serial run.
                        tools = tuple(t for t in args.tools if not (t == "dlt" and c > 1))
                        if tools:
                            scenarios.append(Scenario("matrix", kind, size, latency, records, c, tools))
    if (args.memory or args.memory_only) and "restclient" in args.tools:
        memory_tools = tuple(t for t in args.tools if t in ("restclient", "dlt", BEFORE))
        for records in (args.records, args.memory_records):
            scenarios.append(Scenario("memory", "offset", 1000, 0, records, 1, memory_tools))
    return scenarios


# --- reporting ---------------------------------------------------------------------------------------


def median_of(runs: list[Run], attr: str) -> float | None:
    values = [getattr(run, attr) for run in runs if run.ok]
    return statistics.median(values) if values else None


def summarise(runs: list[Run]) -> dict:
    ok = [run for run in runs if run.ok]
    rss = median_of(runs, "maxrss_kib")
    server_cpu = [run.server_cpu_s for run in ok if run.server_cpu_s is not None]
    summary = {
        "runs": len(runs),
        "ok": len(ok),
        "wall_s": median_of(runs, "wall_s"),
        "records_per_s": median_of(runs, "records_per_s"),
        "wall_records_per_s": median_of(runs, "wall_records_per_s"),
        "cpu_s": median_of(runs, "cpu_s"),
        "user_s": median_of(runs, "user_s"),
        "sys_s": median_of(runs, "sys_s"),
        "maxrss_mib": None if rss is None else rss / 1024,
        "server_cpu_s": statistics.median(server_cpu) if server_cpu else None,
        "server_user_s": median_of(runs, "server_user_s"),
        "server_sys_s": median_of(runs, "server_sys_s"),
        "errors": [f"rep {run.rep}: {run.error}" for run in runs if not run.ok],
    }
    if ok and "walk_s" in ok[0].extra:
        summary["walk_s"] = statistics.median(run.extra["walk_s"] for run in ok)
    if ok and "import_s" in ok[0].extra:
        summary["import_s"] = statistics.median(run.extra["import_s"] for run in ok)
    # The server's CPU over the run's wall time: the share of the walk the server is busy.
    shares = [run.server_cpu_s / run.wall_s for run in ok
              if run.server_cpu_s is not None and run.wall_s > 0]
    summary["server_share"] = statistics.median(shares) if shares else None
    return summary


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def fmt(value: float | None, spec: str = ",.0f", suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def serial_twin(sc: Scenario) -> str:
    return Scenario(sc.group, sc.kind, sc.page_size, sc.latency_ms, sc.records, 1, sc.tools).id


def ratios(sc: Scenario, results: dict[str, dict]) -> dict:
    tools = results[sc.id]["tools"]
    rc = tools.get("restclient", {})
    dlt = tools.get("dlt") or results.get(serial_twin(sc), {}).get("tools", {}).get("dlt", {})
    parse = tools.get("floor-parse", {})
    raw = tools.get("floor-raw", {})
    return {
        "restclient_over_dlt_records_per_s": ratio(rc.get("records_per_s"), dlt.get("records_per_s")),
        "restclient_over_floor_parse_records_per_s": ratio(rc.get("records_per_s"),
                                                          parse.get("records_per_s")),
        "restclient_over_floor_raw_records_per_s": ratio(rc.get("records_per_s"),
                                                        raw.get("records_per_s")),
        "restclient_over_dlt_rss": ratio(rc.get("maxrss_mib"), dlt.get("maxrss_mib")),
        "dlt_is_serial_run": "dlt" not in tools and bool(dlt),
        # `--server both`: the same ratio with every tool on demo-api's own route.
        "route_restclient_over_floor_raw_records_per_s": ratio(
            tools.get("restclient" + ROUTE_SUFFIX, {}).get("records_per_s"),
            tools.get("floor-raw" + ROUTE_SUFFIX, {}).get("records_per_s")),
    }


def print_scenario(sc: Scenario, entry: dict) -> None:
    print(f"\n--- {sc.title}  [{sc.pages} pages, {entry['reps']} reps, medians]")
    print(f"{'tool':<19}{'ok':>6}{'wall s':>9}{'records/s':>12}{'CPU s':>8}{'RSS MiB':>9}"
          f"{'srv CPU s':>10}{'usr/sys':>12}{'us/req':>8}{'srv share':>10}  note")
    for tool, s in entry["tools"].items():
        note = ""
        if "import_s" in s:
            note = (f"records/s from the walk alone ({fmt(s.get('walk_s'), '.2f')} s); "
                    f"import {s['import_s']:.2f} s; whole process "
                    f"{fmt(s.get('wall_records_per_s'))} records/s")
        if base_tool(tool) in FLOOR_MODES:
            note = (f"records/s in-process, first request to last byte "
                    f"({fmt(s.get('walk_s'), '.3f')} s)")
        if base_tool(tool) == "floor-raw":
            note += "; records not parsed: pages checked"
        share = s.get("server_share")
        if share is not None and share >= SERVER_SHARE_MAX and tool != "dlt":
            note += f"; SERVER SHARE {SERVER_SHARE_MAX:.0%} OR MORE: this run measures the server"
        if s["errors"]:
            note = "FAILED " + "; ".join(s["errors"])[:300]
        split = (f"{1000 * s['server_user_s']:.0f}/{1000 * s['server_sys_s']:.0f}ms"
                 if s.get("server_user_s") is not None and s.get("server_sys_s") is not None
                 else "-")
        per_request = (None if s["server_cpu_s"] is None
                       else 1e6 * s["server_cpu_s"] / sc.pages)
        print(f"{tool:<19}{s['ok']:>3}/{s['runs']:<2}{fmt(s['wall_s'], '.2f'):>9}"
              f"{fmt(s['records_per_s']):>12}{fmt(s['cpu_s'], '.2f'):>8}"
              f"{fmt(s['maxrss_mib'], '.1f'):>9}{fmt(s['server_cpu_s'], '.3f'):>10}"
              f"{split:>12}{fmt(per_request, '.1f'):>8}"
              f"{fmt(None if share is None else 100 * share, '.1f', '%'):>10}  {note}")
    for note in entry["notes"]:
        print(f"  note: {note}")
    r = entry["ratios"]
    before = entry["tools"].get(BEFORE, {}).get("records_per_s")
    if before:
        print(f"  restclient records/s over restclient-before: "
              f"{fmt(ratio(entry['tools'].get('restclient', {}).get('records_per_s'), before), '.2f', 'x')}")
    dlt_note = " (dlt serial)" if r["dlt_is_serial_run"] else ""
    print(f"  restclient records/s over: dlt "
          f"{fmt(r['restclient_over_dlt_records_per_s'], '.2f', 'x')}{dlt_note}, floor-parse "
          f"{fmt(r['restclient_over_floor_parse_records_per_s'], '.2f', 'x')}, floor-raw "
          f"{fmt(r['restclient_over_floor_raw_records_per_s'], '.2f', 'x')} | peak RSS "
          f"restclient/dlt {fmt(r['restclient_over_dlt_rss'], '.3f', 'x')}")
    if r.get("route_restclient_over_floor_raw_records_per_s"):
        print(f"  on demo-api's own route: restclient@route records/s over floor-raw@route "
              f"{fmt(r['route_restclient_over_floor_raw_records_per_s'], '.2f', 'x')}")


def markdown(scenarios: list[Scenario], results: dict[str, dict]) -> str:
    head = ("| paginator | records | page size | latency | c | restclient rec/s "
            "| dlt rec/s (walk) | floor-parse rec/s | floor-raw rec/s | rc/dlt | rc/floor-parse "
            "| rc/floor-raw | CPU s rc / dlt / parse / raw | RSS MiB rc / dlt / parse / raw "
            "| RSS rc/dlt |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    memory = []
    for sc in scenarios:
        entry = results.get(sc.id)
        if not entry:
            continue
        tools, r = entry["tools"], entry["ratios"]

        def cell(tool: str, key: str, spec: str = ",.0f", tools: dict = tools) -> str:
            s = tools.get(tool)
            if s is None:
                return "-"
            return "FAIL" if s["errors"] else fmt(s[key], spec)

        if sc.group == "memory":
            memory.append((sc, cell, r))
            continue
        dlt_cell = cell("dlt", "records_per_s")
        if r["dlt_is_serial_run"]:
            dlt_cell = "(serial)"
        skipped = "skipped" if any("--concurrency" in note for note in entry["notes"]) else None
        lines.append(
            f"| {sc.kind} | {sc.records:,} | {sc.page_size} | {sc.latency_ms} ms | {sc.concurrency} "
            f"| {skipped or cell('restclient', 'records_per_s')} | {dlt_cell} "
            f"| {cell('floor-parse', 'records_per_s')} | {cell('floor-raw', 'records_per_s')} "
            f"| {fmt(r['restclient_over_dlt_records_per_s'], '.2f', 'x')} "
            f"| {fmt(r['restclient_over_floor_parse_records_per_s'], '.2f', 'x')} "
            f"| {fmt(r['restclient_over_floor_raw_records_per_s'], '.2f', 'x')} "
            f"| {' / '.join(cell(t, 'cpu_s', '.2f') for t in TOOLS)} "
            f"| {' / '.join(cell(t, 'maxrss_mib', '.1f') for t in TOOLS)} "
            f"| {fmt(None if r['dlt_is_serial_run'] else r['restclient_over_dlt_rss'], '.3f', 'x')} |"
        )
    if memory:
        lines += ["", "| memory: offset, page size 1000, serial | restclient rec/s | dlt rec/s (walk) "
                  "| restclient peak RSS MiB | dlt peak RSS MiB | RSS rc/dlt |", "|---|---|---|---|---|---|"]
        for sc, cell, r in memory:
            lines.append(f"| {sc.records:,} records | {cell('restclient', 'records_per_s')} "
                         f"| {cell('dlt', 'records_per_s')} | {cell('restclient', 'maxrss_mib', '.1f')} "
                         f"| {cell('dlt', 'maxrss_mib', '.1f')} "
                         f"| {fmt(r['restclient_over_dlt_rss'], '.3f', 'x')} |")
    return "\n".join(lines) + "\n"


def target_verdicts(results: dict[str, dict]) -> str:
    """The issue #24 targets (and #13's, kept for comparison) checked against this run's
    medians, as a Markdown table.

    A target whose scenario did not run is left out. "Flat" memory means the largest walk's
    peak RSS is at most 10 % above the smallest one's.
    """
    rows = []

    def check(label: str, value: float | None, bound: float, at_least: bool,
              strict: bool = False) -> None:
        if value is None:
            return
        if at_least:
            met = value > bound if strict else value >= bound
        else:
            met = value < bound if strict else value <= bound
        sign = (">" if at_least else "<") + ("" if strict else "=")
        off = abs(value / bound - 1)
        verdict = (f"yes, {off:.1%} to spare" if met
                   else f"**no**, {off:.1%} {'short' if at_least else 'over'}")
        rows.append(f"| {label} | {value:.3f}x (target {sign} {bound}x) | {verdict} |")

    memory = []
    for entry in results.values():
        sc, r = entry["scenario"], entry["ratios"]
        where = (f"{'memory: ' if sc['group'] == 'memory' else ''}{sc['kind']}, page size {sc['page_size']}, {sc['latency_ms']} ms, "
                 f"c={sc['concurrency']}, {sc['records']:,} records")
        if sc["group"] == "memory":
            rss = entry["tools"].get("restclient", {}).get("maxrss_mib")
            if rss:
                memory.append((sc["records"], rss))
        # Issue #24's targets are stated on offset walks of the pre-rendered route.
        offset = sc["kind"] == "offset"
        if sc["group"] == "memory":
            pass
        elif sc["latency_ms"] == 0 and sc["concurrency"] == 1 and sc["page_size"] == 100:
            if offset:
                check(f"#24 restclient/floor-raw records/s, {where}",
                      r["restclient_over_floor_raw_records_per_s"], 0.5, True)
            check(f"#13 restclient/dlt records/s, {where}", r["restclient_over_dlt_records_per_s"],
                  20, True)
            check(f"#13 restclient/floor-parse records/s, {where}",
                  r["restclient_over_floor_parse_records_per_s"], 1.5, True)
        elif sc["latency_ms"] == 0 and sc["concurrency"] == 1 and sc["page_size"] == 1000:
            if offset:
                check(f"#24 restclient/floor-raw records/s, {where}",
                      r["restclient_over_floor_raw_records_per_s"], 0.5, True)
            check(f"#13 restclient/dlt records/s, {where}", r["restclient_over_dlt_records_per_s"],
                  15, True)
        elif sc["latency_ms"] == 20 and sc["concurrency"] == 8:
            check(f"restclient/floor-raw records/s, {where}",
                  r["restclient_over_floor_raw_records_per_s"], 0.9, True)
        if not r["dlt_is_serial_run"]:
            check(f"peak RSS restclient/dlt, {where}", r["restclient_over_dlt_rss"], 0.15, False)
        if offset and sc["latency_ms"] == 0 and sc["concurrency"] == 1 and sc["group"] != "memory":
            share = entry["tools"].get("restclient", {}).get("server_share")
            check(f"#24 server CPU / restclient wall, {where}", share,
                  SERVER_SHARE_MAX, False, strict=True)
    if len(memory) > 1:
        memory.sort()
        (small, small_rss), (big, big_rss) = memory[0], memory[-1]
        check(f"peak RSS {big:,} / {small:,} records (restclient)", big_rss / small_rss, 1.1,
              False)
    if not rows:
        return ""
    return "\n".join(["| target | measured | met? |", "|---|---|---|", *rows]) + "\n"


def display_path(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "unknown"

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "rustc": version(["rustc", "--version"]),
        "git": version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "loadavg_start": os.getloadavg(),
    }


# --- main --------------------------------------------------------------------------------------------


def run_scenario(runner: Runner, server: DemoApi, sc: Scenario, args: argparse.Namespace,
                 has_concurrency: bool, failures: list[str]) -> dict:
    """Runs every tool of `sc` args.reps times, round-robin; returns the scenario's entry."""
    print(f"-- {sc.title} ...", flush=True)
    notes = []
    tools = list(sc.tools)
    if sc.concurrency > 1 and "restclient" in tools and not has_concurrency:
        tools.remove("restclient")
        notes.append(f"restclient skipped: CLI has no --concurrency (c={sc.concurrency} needs it)")
    if sc.concurrency > 1 and "dlt" in args.tools:
        notes.append("dlt has no concurrency: its ratio uses its serial run")
    if sc.kind != "offset" and any(tool in FLOOR_MODES for tool in tools):
        notes.append("the floors follow the links/cursor with hard-coded names"
                     + ("; floor-raw decodes only the next reference" if sc.kind in
                        ("json_link", "cursor") and "floor-raw" in tools else ""))
    runs: dict[str, list[Run]] = {tool: [] for tool in tools}
    load = os.getloadavg()
    for rep in range(args.reps if tools else 0):
        shift = rep % len(tools)  # round-robin: each repetition starts with the next tool
        for tool in tools[shift:] + tools[:shift]:
            run = runner.run(tool, sc, rep, server)
            runs[tool].append(run)
            if not run.ok:
                failures.append(f"{sc.id} {tool} rep {rep}: {run.error}")
                loud(f"FAILURE {sc.title} / {tool} / rep {rep}: {run.error}")
    for tool, tool_runs in runs.items():
        requests = {run.extra["pages"] for run in tool_runs if "pages" in run.extra}
        if requests - {sc.pages}:
            notes.append(f"{tool} made {sorted(requests)} requests, not {sc.pages}")
    return {
        "scenario": asdict(sc) | {"id": sc.id, "pages": sc.pages},
        "reps": args.reps,
        "loadavg_before": load,
        "notes": notes,
        "tools": {tool: summarise(rs) for tool, rs in runs.items()},
        "runs": {tool: [asdict(r) | {"cpu_s": r.cpu_s, "records_per_s": r.records_per_s}
                        for r in rs] for tool, rs in runs.items()},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios = plan(args)
    if not scenarios:
        print("nothing to run: check --tools / --paginators / --memory-only")
        return 2
    total = sum(sc.estimate_s(tool) for sc in scenarios for tool in sc.tools) * args.reps
    shown = f"{total / 60:.0f} min" if total >= 90 else f"{total:.0f} s"
    print(f"{len(scenarios)} scenarios x {args.reps} repetitions; estimated run time ~{shown} "
          "(rough; excludes the build and the venv install)")
    for sc in scenarios:
        print(f"  {sc.title}: {', '.join(sc.tools)}")
    if args.dry_run:
        return 0

    if args.bin_dir:
        bins = args.bin_dir.resolve()
    else:
        bins = (target_dir() if args.skip_build else build()) / "release"
    dlt_version = ensure_venv() if any("dlt" in sc.tools for sc in scenarios) else None
    has_concurrency = cli_has_concurrency(bins / "restclient")
    if not has_concurrency:
        print("note: `restclient paginate --help` has no --concurrency; its c>1 runs are skipped")

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    meta = machine_info() | {"date_utc": stamp, "dlt": dlt_version, "args": {
        k: display_path(v) if isinstance(v, Path) else v for k, v in vars(args).items()}}
    meta["rss_floor_mib"] = rss_floor_kib(bins) / 1024
    print(f"machine: {meta['nproc']} CPUs, {meta['cpu']}, load {meta['loadavg_start']}; "
          f"peak RSS of /bin/true under bench-rusage: {meta['rss_floor_mib']:.1f} MiB")

    results: dict[str, dict] = {}
    failures: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="restclient-bench-"))
    runner = Runner(bins, work, args.timeout, None if args.live_server else args.shape)
    runner.before = args.before
    runner.route_only = args.server == "route"
    started = time.perf_counter()
    try:
        servers = sorted({(sc.latency_ms, sc.records) for sc in scenarios})
        for latency, records in servers:
            step(f"demo-api: {records:,} records, latency {latency} ms")
            with DemoApi(bins / "demo-api", records, latency) as server:
                for sc in scenarios:
                    if (sc.latency_ms, sc.records) == (latency, records):
                        runner.warm_up(sc, server)
                        results[sc.id] = run_scenario(runner, server, sc, args, has_concurrency,
                                                      failures)
                        # A c>1 scenario's serial twin has run already (plan order).
                        results[sc.id]["ratios"] = ratios(sc, results)
                        print_scenario(sc, results[sc.id])
    finally:
        shutil.rmtree(work, ignore_errors=True)

    meta["elapsed_s"] = time.perf_counter() - started
    meta["loadavg_end"] = os.getloadavg()
    table = markdown(scenarios, results)
    verdicts = target_verdicts(results)
    if verdicts:
        table += "\n" + verdicts
    print("\n" + table)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    name = f"{args.label}-{stamp}" if args.label else stamp
    json_path = args.results_dir / f"{name}.json"
    md_path = args.results_dir / f"{name}.md"
    json_path.write_text(json.dumps({"meta": meta, "results": results, "failures": failures},
                                    indent=2) + "\n")
    md_path.write_text(f"<!-- {stamp}, {meta['nproc']} CPUs, {meta['cpu']}, git {meta['git']}, "
                       f"dlt {dlt_version} -->\n\n{table}")
    print(f"results: {display_path(json_path)} and {md_path.name}; "
          f"took {meta['elapsed_s'] / 60:.1f} min")
    if failures:
        loud(f"{len(failures)} RUN(S) FAILED:\n" + "\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
