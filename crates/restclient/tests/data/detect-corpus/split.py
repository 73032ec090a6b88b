#!/usr/bin/env python3
"""Chooses the held-out third of the detection corpus (README.md, "The held-out set").

A third of the whole corpus is held out, chosen only among the entries added after the
detection rules were written (the first 101 taught the rules, so they cannot be held out
honestly), stratified by family and drawn with a fixed seed. It prints the seed, the count per
family and the list; `--move` also moves the chosen files into held-out/ with `git mv`.

The choice depends only on the seed and the set of entry names, so running it again after the
move prints the same list. Standard library and git only: `python3 split.py [--move]`.
"""

import json
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELD_OUT = HERE / "held-out"
SEED = 25  # issue #25, the issue that asked for the split
# The commit at which the corpus had the 101 entries the current rules were written from.
RULES_WRITTEN_AT = "2e9de62"


def git(*args):
    return subprocess.run(["git", *args], cwd=HERE, check=True, capture_output=True,
                          text=True).stdout


def baseline_names():
    """The entries the rules were written from."""
    listed = git("ls-tree", "--name-only", RULES_WRITTEN_AT, "--", ".").split()
    return {Path(p).name for p in listed if p.endswith(".json")}


def entries():
    """Every entry now in the corpus, held out or not: name -> (path, family)."""
    found = {}
    for path in sorted(HERE.glob("*.json")) + sorted(HELD_OUT.glob("*.json")):
        found[path.name] = (path, json.loads(path.read_text())["family"])
    return found


def quotas(sizes, total):
    """Splits `total` across families in proportion to their sizes (largest remainder)."""
    whole = sum(sizes.values())
    exact = {f: n * total / whole for f, n in sizes.items()}
    share = {f: int(x) for f, x in exact.items()}
    by_remainder = sorted(sizes, key=lambda f: (-(exact[f] - share[f]), f))
    for f in by_remainder[: total - sum(share.values())]:
        share[f] += 1
    return share


def choose():
    all_entries = entries()
    baseline = baseline_names()
    candidates = defaultdict(list)
    for name, (_, family) in all_entries.items():
        if name not in baseline:
            candidates[family].append(name)
    held = round(len(all_entries) / 3)
    added = sum(len(v) for v in candidates.values())
    if added <= held:
        held = added  # fewer additions than a third: hold them all out
    share = quotas({f: len(v) for f, v in candidates.items()}, held)
    rng = random.Random(SEED)
    chosen = {}
    for family in sorted(candidates):
        chosen[family] = sorted(rng.sample(sorted(candidates[family]), share[family]))
    return all_entries, baseline, candidates, chosen


def main():
    all_entries, baseline, candidates, chosen = choose()
    held = sum(len(v) for v in chosen.values())
    print(f"seed {SEED}; corpus {len(all_entries)} entries, {len(baseline)} from before the "
          f"rules' baseline {RULES_WRITTEN_AT}, {sum(map(len, candidates.values()))} added; "
          f"held out {held}")
    print(f"{'family':<15} added  held out")
    for family in sorted(candidates):
        print(f"{family:<15} {len(candidates[family]):>5}  {len(chosen[family]):>8}")
    names = sorted(n for v in chosen.values() for n in v)
    for name in names:
        print(name)
    if "--move" in sys.argv[1:]:
        HELD_OUT.mkdir(exist_ok=True)
        for name in names:
            path = all_entries[name][0]
            if path.parent != HELD_OUT:
                git("mv", str(path), str(HELD_OUT / name))
        print(f"moved into {HELD_OUT.relative_to(HERE)}/")


if __name__ == "__main__":
    main()
