#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the minimum footprints tinymem-replay reports for tinymem's engines and the best-fit
reference: the replay must succeed at the minimum and at each of the 8 footprints above it, 8
bytes apart (min_footprint() confirms the bisection's footprint so; success is not monotone in
the footprint for these allocators, docs/benchmarks.md "What a minimum footprint means").
Each footprint is replayed with --replay KIND:FOOTPRINT (verified, then timed once).
Usage: bench/replay_confirmed.py TINYMEM_REPLAY OUT_DIR TRACE"""
import re, subprocess, sys
replay, out_dir, trace = sys.argv[1:4]
run = subprocess.run([replay, '--quick', '--no-defrag', '--out', out_dir, trace], capture_output=True, text=True)
if run.returncode != 0:
    sys.stderr.write(run.stderr)
    sys.exit('tinymem-replay exited with %d' % run.returncode)
failed = []
for column, kind in (('tinymem', 'tinymem'), ('tinymem bump', 'bump'), ('best fit', 'bestfit')):
    found = re.findall(r'^  %s +min footprint (\d+)$' % re.escape(column), run.stderr, re.M)
    if not found and column == 'tinymem bump' and 'over-aligned' in run.stderr:
        continue
    if len(found) != 1:
        sys.exit('%s: no minimum footprint in the output' % column)
    m = int(found[0])
    bad = []
    for f in range(m, m + 8 * 8 + 1, 8):
        r = subprocess.run([replay, '--reps', '1', '--replay', '%s:%d' % (kind, f), trace],
                           capture_output=True, text=True)
        if r.returncode != 0 or 'fails' in r.stdout:
            bad.append(f)
    print('%s: minimum %d; failing from it to 64 B above: %s' % (column, m, bad or 'none'))
    if bad:
        failed.append(column)
if failed:
    sys.exit('a footprint at most 64 B above the reported minimum fails: %s' % ', '.join(failed))
