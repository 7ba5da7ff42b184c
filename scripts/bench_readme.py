#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Pastes the tables of bench/results/ (written by scripts/bench.sh) into docs/benchmarks.md (the
README keeps only a short summary table that links there), between the lines
"<!-- bench results: begin -->" and "<!-- bench results: end -->": the efficiency, speed,
defrag() and targets sections of replay.md, then the summary of opcount.md. Headings move down
one level. Usage: scripts/bench_readme.py [RESULTS_DIR] [TARGET_MD]"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
results = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "bench" / "results"
readme = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench results: begin -->", "<!-- bench results: end -->"

replay = (results / "replay.md").read_text()
body = replay[replay.index("## Efficiency"):].strip()
body = re.sub(r"^## ", "### ", body, flags=re.M)
opcount = (results / "opcount.md").read_text()
summary = opcount[opcount.index("| operation | smallest worst case"):].strip()
text = (body + "\n\n### Worst-case instructions per call (callgrind; each path of a call apart, "
        "all scenarios in `bench/results/opcount.md`)\n\n" + summary + "\n")

old = readme.read_text()
if BEGIN not in old or END not in old:
    sys.exit(f"{readme}: no {BEGIN} ... {END} block")
head, rest = old.split(BEGIN, 1)
_, tail = rest.split(END, 1)
readme.write_text(head + BEGIN + "\n" + text + END + tail)
print(f"pasted {results} into {readme}")
