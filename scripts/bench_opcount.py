#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reads a callgrind output file written by tinymem-opcount (--combine-dumps=yes, one dump per
measured call, labelled "scenario|operation|flags") and prints the worst-case instruction count
per scenario and operation as a markdown table, plus largest/smallest across scenarios."""
import collections
import sys


def main(path):
    worst = collections.defaultdict(int)
    count = collections.Counter()
    label = None
    with open(path) as f:
        for line in f:
            if line.startswith("desc: Trigger: Client Request: "):
                label = line.split("Client Request: ", 1)[1].strip()
            elif line.startswith("totals:") and label is not None:
                n = int(line.split()[1])
                scenario, op, flags = (label.split("|") + ["", ""])[:3]
                if "limited" in flags:
                    op += " (limit 256, refused)" if "failed" in flags else " (limit 256, a step)" if "stepped" in flags else " (limit 256)"
                elif "failed" in flags:
                    op += " (failed)"
                elif "compacting" in flags:
                    op += " (compacting)"
                elif "lowest pinned" in flags:
                    op += " (lowest pinned)"
                elif "cached" in flags:
                    op += " (cached)"
                worst[(scenario, op)] = max(worst[(scenario, op)], n)
                count[(scenario, op)] += 1
                label = None
    if not worst:
        print("no measurements found in", path)
        return 1
    scenarios = list(dict.fromkeys(s for s, _ in worst))
    # Each path of a call apart: allocate from a quick list or by splitting a free block,
    # deallocate into a quick list or by merging; under a compaction limit of 256 bytes, the
    # allocate calls served without moving bytes, those that moved bytes in their one bounded
    # step, and those refused (compaction_deferred) after it.
    ops = ["allocate", "allocate (cached)", "deallocate", "deallocate (cached)", "deallocate (lowest pinned)", "defrag_step(256)",
           "allocate (compacting)", "allocate (failed)", "allocate (limit 256)", "allocate (limit 256, a step)",
           "allocate (limit 256, refused)"]
    ops = [o for o in ops if any((s, o) in worst for s in scenarios)]
    print("| scenario | " + " | ".join(f"{o} worst Ir (calls)" for o in ops) + " |")
    print("|---" * (len(ops) + 1) + "|")
    for s in scenarios:
        cells = [f"{worst[(s, o)]} ({count[(s, o)]})" if (s, o) in worst else "-" for o in ops]
        print(f"| {s} | " + " | ".join(cells) + " |")
    print()
    print("| operation | smallest worst case | largest worst case | largest / smallest | target <= 1.5 |")
    print("|---|---|---|---|---|")
    for o in ops:
        vals = [worst[(s, o)] for s in scenarios if (s, o) in worst]
        r = max(vals) / min(vals)
        met = "yes" if r <= 1.5 else "NO"
        print(f"| {o} | {min(vals)} | {max(vals)} | {r:.2f} | {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
