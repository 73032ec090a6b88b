#!/usr/bin/env python3
"""Where a walk's time goes, by stage: instruction counts (callgrind), allocations (dhat) and
system calls (strace) of one `restclient paginate` of the pre-rendered offset route.

    python3 bench/profile.py                      # page sizes 100 and 1000, 100k wide records
    python3 bench/profile.py --page-sizes 1000 --records 20000 --label after

Instruction counts are repeatable on a loaded machine (wall-clock is not), so they decide
between two builds: run this before and after a change and compare the tables. Needs
valgrind and strace; builds the release binaries unless --skip-build. Python 3.11 stdlib.

Stages are inclusive instruction counts of the functions named in STAGES (callgrind sees user
space only: the kernel's share of a read or write shows in the syscall counts, not here).
"""

from __future__ import annotations

import argparse
import json
import re
import select
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (stage, pattern of a callgrind_annotate line): inclusive counts, the largest line that matches.
STAGES = [
    ("client build (TLS roots)", r"restclient::client::RestClientBuilder::build \["),
    ("HTTP + body collection", r"restclient::exec::Executor::execute::\{\{closure\}\} \["),
    # Fat LTO inlines `record_spans` into the walk: the scanner's entry is what callgrind sees.
    ("scan + validation", r"(restclient::response::Response::record_spans|restclient::records::scan::Scanner::seek) \["),
    ("loop guard (body hash)", r"(sip::Hasher<S> as core::hash::Hasher>::write|restclient::walk::body_key) \["),
    ("record copy (NDJSON)", r"restclient::page::Page::write_ndjson \["),
    ("write (user space)", r"restclient::output::NdjsonWriter::page \["),
    ("walk (all of the above but build)", r"<(restclient::paginate::Pages|async_stream::async_stream::AsyncStream<T,U>) as futures_core::stream::Stream>::poll_next \["),
]


def build() -> Path:
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "restclient-cli", "-p",
                    "demo-api"], cwd=ROOT, check=True)
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    return Path(json.loads(meta.stdout)["target_directory"]) / "release"


def inclusive(annotated: str, pattern: str) -> int:
    best = 0
    for line in annotated.splitlines():
        if re.search(pattern, line):
            m = re.match(r"\s*([\d,]+) ", line)
            if m:
                best = max(best, int(m.group(1).replace(",", "")))
    return best


def profile(bins: Path, url: str, page_size: int, shape: str, work: Path) -> dict:
    cmd = [str(bins / "restclient"), "paginate", f"{url}/bench/offset", "--paginator",
           json.dumps({"type": "offset", "limit": page_size, "total_path": "total"}),
           "--data-selector", "items", "-p", f"shape={shape}", "-o", str(work / "out.ndjson"),
           "--no-progress"]
    out = work / f"callgrind-{page_size}.out"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
                   check=True, capture_output=True)
    annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)], check=True,
                               capture_output=True, text=True).stdout
    total = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", annotated)
                .group(1).replace(",", ""))
    stages = {name: inclusive(annotated, pattern) for name, pattern in STAGES}
    records = sum(1 for _ in open(work / "out.ndjson", "rb"))
    # Allocations: dhat's total block count.
    dhat = subprocess.run(["valgrind", "--tool=dhat", f"--dhat-out-file={work / 'dhat.json'}",
                           *cmd], check=True, capture_output=True, text=True).stderr
    blocks = re.search(r"Total:\s+[\d,]+ bytes in ([\d,]+) blocks", dhat)
    # System calls, by name.
    strace = subprocess.run(["strace", "-f", "-c", "-o", str(work / "strace.txt"), *cmd],
                            check=True, capture_output=True)
    del strace
    calls = {}
    for line in (work / "strace.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[-1].isidentifier() and parts[3].isdigit():
            calls[parts[-1]] = int(parts[3])
    return {"total": total, "stages": stages, "records": records,
            "allocations": int(blocks.group(1).replace(",", "")) if blocks else None,
            "syscalls": calls}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-sizes", default="100,1000")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--shape", default="wide", choices=("wide", "small"))
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    bins = (build().parent if not args.skip_build else ROOT / "target") / "release"
    server = subprocess.Popen([bins / "demo-api", "--host", "127.0.0.1", "--port", "0",
                               "--records", str(args.records)], stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 30)
        line = server.stdout.readline() if ready else ""
        url = re.search(r"(http://127\.0\.0\.1:\d+)", line).group(1)
        results = {}
        with tempfile.TemporaryDirectory() as tmp:
            for size in [int(s) for s in args.page_sizes.split(",")]:
                with urllib.request.urlopen(
                        f"{url}/bench/offset?offset=0&limit={size}&shape={args.shape}") as r:
                    r.read()
                results[size] = profile(bins, url, size, args.shape, Path(tmp))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
    print(f"\n{args.label} {args.records:,} {args.shape} records; instructions (callgrind, "
          "inclusive) in millions, % of the process")
    sizes = list(results)
    print("| stage | " + " | ".join(f"page {s}" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    print("| whole process | " + " | ".join(f"{results[s]['total'] / 1e6:,.1f}" for s in sizes)
          + " |")
    for name, _ in STAGES:
        cells = []
        for s in sizes:
            value = results[s]["stages"][name]
            if name.startswith("write"):  # the copy is inside; show what is not
                value -= results[s]["stages"]["record copy (NDJSON)"]
            cells.append(f"{value / 1e6:,.1f} ({100 * value / results[s]['total']:.0f} %)")
        print(f"| {name} | " + " | ".join(cells) + " |")
    pages = {s: -(-args.records // s) for s in sizes}
    print("| instructions per record | " + " | ".join(
        f"{results[s]['total'] / results[s]['records']:,.0f}" for s in sizes) + " |")
    print("| allocations per page | " + " | ".join(
        f"{(results[s]['allocations'] or 0) / pages[s]:,.1f}" for s in sizes) + " |")
    for call in ("read", "recvfrom", "write", "writev", "sendto", "epoll_wait"):
        print(f"| {call} calls per page | " + " | ".join(
            f"{results[s]['syscalls'].get(call, 0) / pages[s]:,.2f}" for s in sizes) + " |")
    if args.json:
        args.json.write_text(json.dumps({str(k): v for k, v in results.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
