#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Replays one trace twice in one tinymem-replay run and checks that the best-fit reference found
the same minimum footprint both times, with no wrong answer. The second replay finds the heap in
another state, so the reference's arena lands at another address: a footprint that depends on it
(over-aligned placement, bench/bestfit.hpp) differs. Only best fit is compared: the peers and
tinymem replay in buffers at heap-given addresses, and an over-aligned trace's figures for them
may differ (replay.cpp's note on the tight footprint).
Usage: bench/replay_twice.py TINYMEM_REPLAY OUT_DIR TRACE"""
import re, subprocess, sys
replay, out_dir, trace = sys.argv[1:4]
run = subprocess.run([replay, '--quick', '--no-defrag', '--out', out_dir, trace, trace],
                     capture_output=True, text=True)
sys.stderr.write(run.stderr)
found = re.findall(r'^  best fit +min footprint (.*)$', run.stderr, re.M)
print('best fit minimum footprints:', found)
if run.returncode != 0:
    sys.exit('tinymem-replay exited with %d' % run.returncode)
if len(found) != 2 or found[0] != found[1] or not found[0].isdigit():
    sys.exit('best fit: not one minimum footprint for the trace replayed twice: %s' % found)
