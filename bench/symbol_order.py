#!/usr/bin/env python3
"""Writes crates/restclient-cli/symbol-order.txt: the functions of the `restclient` binary that
start-up, `get` and the paginated walks execute, for the linker to place side by side.

    python3 bench/symbol_order.py --bin target/release --check   # is the list current?
    python3 bench/symbol_order.py --bin target/release           # rewrite it
    cargo build --release --locked -p restclient-cli -p demo-api -p bench-floor   # relink

Why (issue #24, peak RSS): a walk executes ~900 functions, ~1.2 MB of code, scattered over the
~10 MB `.text`; the kernel maps the 64 KiB around every text page touched (fault-around), so
the scattered walk kept ~6.5 MiB of the binary resident. Placed together they fit in ~20 such
windows. lld reads the list (`--symbol-ordering-file`, set by the CLI's build.rs); a name that
no longer exists is skipped silently, so a stale list costs RSS, never correctness. Regenerate it
when `--check` says it is stale: Rust symbol names carry a hash of their crate's metadata
(toolchain, profile, enabled features: `-p restclient-cli` alone resolves libc without the
bench's `extra_traits`, so every crate above libc is named differently). `--keep-others` keeps
the names of the list that this binary does not define, so one list can serve two build
commands (the bench's and `cargo install`'s).

Needs valgrind (callgrind, `--demangle=no` for the linker's names) and the release `demo-api`
beside the binary. Python 3.11 stdlib.
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
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "restclient-cli" / "symbol-order.txt"


def scenarios(url: str, work: Path) -> list[list[str]]:
    """What the binary should be laid out for: start-up, one request, the walks."""
    out = str(work / "out.ndjson")

    def walk(route: str, paginator: dict, selector: str, *extra: str) -> list[str]:
        return ["paginate", f"{url}{route}", "--paginator", json.dumps(paginator),
                "--data-selector", selector, "-o", out, "--no-progress", *extra]

    return [
        ["--version"],
        ["get", f"{url}/bench/offset?offset=0&limit=10"],
        walk("/bench/offset", {"type": "offset", "limit": 100, "total_path": "total"}, "items",
             "-p", "shape=wide"),
        walk("/bench/offset", {"type": "offset", "limit": 1000, "total_path": "total"}, "items",
             "-p", "shape=small"),
        walk("/json-link?page_size=100", {"type": "json_link", "next_url_path": "next"}, "data"),
        walk("/header-link?page_size=100", {"type": "header_link"}, "$"),
        walk("/cursor?limit=100", {"type": "cursor", "cursor_path": "cursors.next",
                                   "cursor_param": "cursor"}, "items"),
        # To stdout, as a pipe sees it.
        ["paginate", f"{url}/bench/offset", "--paginator",
         json.dumps({"type": "offset", "limit": 100, "total_path": "total"}),
         "--data-selector", "items", "--no-progress"],
    ]


def executed(callgrind_out: Path, binary: str) -> set[str]:
    """The (mangled) names of the functions of `binary` that ran."""
    objects: dict[str, str] = {}
    functions: dict[str, str] = {}
    names: set[str] = set()
    current_object = ""
    for line in callgrind_out.read_text(errors="replace").splitlines():
        m = re.match(r"^(ob|fn|cob|cfn)=\((\d+)\)(?: (.*))?$", line)
        if not m:
            continue
        kind, ident, name = m.groups()
        table = objects if kind in ("ob", "cob") else functions
        if name:
            table[ident] = name
        if kind == "ob":
            current_object = objects.get(ident, "")
        elif kind == "fn" and Path(current_object).name == binary:
            names.add(functions[ident])
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", type=Path, default=ROOT / "target" / "release",
                        help="directory with the release restclient and demo-api")
    parser.add_argument("--demo-api", type=Path,
                        help="the demo-api binary (default: the one in --bin)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true",
                        help="only say how much of what runs the list holds; exit 1 under 90 %%")
    parser.add_argument("--keep-others", action="store_true",
                        help="keep the listed names this binary does not define (another build)")
    args = parser.parse_args()
    restclient = args.bin / "restclient"
    # Symbols the binary defines in .text: only these can be ordered (valgrind also names
    # its own suffixes, e.g. `'2` for a recursion level, and addresses without a symbol).
    nm = subprocess.run(["nm", "--defined-only", str(restclient)], check=True,
                        capture_output=True, text=True).stdout
    defined = {p[2] for p in (line.split() for line in nm.splitlines())
               if len(p) == 3 and p[1] in "tTwW"}
    server = subprocess.Popen([args.demo_api or args.bin / "demo-api", "--host", "127.0.0.1", "--port", "0",
                               "--records", "3000"], stdout=subprocess.PIPE, text=True)
    counts: Counter[str] = Counter()
    try:
        ready, _, _ = select.select([server.stdout], [], [], 30)
        line = server.stdout.readline() if ready else ""
        url = re.search(r"(http://127\.0\.0\.1:\d+)", line).group(1)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for i, argv in enumerate(scenarios(url, work)):
                out = work / f"callgrind-{i}.out"
                subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no",
                                f"--callgrind-out-file={out}", str(restclient), *argv],
                               check=True, capture_output=True)
                counts.update(executed(out, restclient.name) & defined)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
    listed = args.out.read_text().split() if args.out.exists() else []
    held = len(set(listed) & set(counts))
    share = held / len(counts) if counts else 0.0
    print(f"{len(counts)} functions ran; {args.out.name} holds {held} of them ({share:.0%})")
    if args.check:
        return 0 if share >= 0.9 else 1
    # The functions every scenario runs first (start-up, the request path), then the rest.
    order = sorted(counts, key=lambda name: (-counts[name], name))
    if args.keep_others:
        order += [name for name in listed if name not in defined]
    args.out.write_text("".join(f"{name}\n" for name in order))
    print(f"{len(order)} names written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
