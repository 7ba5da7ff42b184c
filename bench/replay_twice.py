#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Replays one trace twice in one tinymem-replay run and checks that every column with a fixed
footprint (tinymem's two engines, the two pmr resources, the best-fit reference) found the same
minimum footprint both times, with no wrong answer. The second replay finds the heap in another
state, so each allocator's buffer would land at another address if the heap chose it: where an
over-aligned block goes depends on its address, and so does where the pmr pool puts its chunks
(it asks for up to 4096-aligned ones), and so would the minimum footprint. replay.cpp gives every
buffer an aligned start (aligned_arena) so that it does not. The lean engine is not measured on a
trace with over-aligned requests: it may then be absent from both replays.
Usage: bench/replay_twice.py TINYMEM_REPLAY OUT_DIR TRACE"""
import re, subprocess, sys
replay, out_dir, trace = sys.argv[1:4]
run = subprocess.run([replay, '--quick', '--no-defrag', '--out', out_dir, trace, trace],
                     capture_output=True, text=True)
sys.stderr.write(run.stderr)
failed = []
for column in ('tinymem', 'tinymem bump', 'pmr pool', 'pmr monotonic', 'best fit'):
    found = re.findall(r'^  %s +min footprint (.*)$' % re.escape(column), run.stderr, re.M)
    print('%s minimum footprints: %s' % (column, found))
    if column == 'tinymem bump' and not found and 'over-aligned' in run.stderr:
        continue
    if len(found) != 2 or found[0] != found[1] or not found[0].isdigit():
        failed.append(column)
if run.returncode != 0:
    sys.exit('tinymem-replay exited with %d' % run.returncode)
if failed:
    sys.exit('not one minimum footprint for the trace replayed twice: %s' % ', '.join(failed))
