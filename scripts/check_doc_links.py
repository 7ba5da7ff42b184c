#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that every relative link [text](path) (and its #heading, for .md files) and every
backticked repository path in README.md and docs/*.md exists. Usage: scripts/check_doc_links.py [ROOT]"""
import pathlib, re, sys, subprocess
root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent
tracked = set(subprocess.run(['git', '-C', str(root), 'ls-files'], capture_output=True, text=True).stdout.split())
dirs = {str(pathlib.PurePosixPath(f).parent) for f in tracked}
dirs |= {str(p) for f in tracked for p in pathlib.PurePosixPath(f).parents}
def exists(rel):
    rel = rel.rstrip('/')
    if any(c in rel for c in '*?'):
        return any(root.glob(rel))
    return rel in tracked or rel in dirs or (root / rel).exists()
def anchors(md):
    out = set()
    for line in md.read_text().split('\n'):
        m = re.match(r'^#+ (.*)', line)
        if m:
            a = m.group(1).strip().lower()
            a = re.sub(r'[^\w\- ]', '', a).replace(' ', '-')
            out.add(a)
    return out
bad = 0; n = 0
files = [root / 'README.md'] + sorted((root / 'docs').glob('*.md'))
for f in files:
    text = re.sub(r'```.*?```', '', f.read_text(), flags=re.S)  # links in code are code
    base = f.parent.relative_to(root)
    for m in re.finditer(r'\]\(([^)]+)\)', text):
        target = m.group(1)
        if re.match(r'[a-z]+://', target): continue
        path, _, frag = target.partition('#')
        n += 1
        rel = str(pathlib.PurePosixPath(base) / path) if path else str(f.relative_to(root))
        rel = str(pathlib.PurePosixPath(*[p for p in pathlib.PurePosixPath(rel).parts if p != '.']))
        if not exists(rel):
            print(f'{f.relative_to(root)}: link {target}: no such file'); bad += 1
        elif frag and rel.endswith('.md') and frag not in anchors(root / rel):
            print(f'{f.relative_to(root)}: link {target}: no such heading'); bad += 1
    for m in re.finditer(r'`((?:modules|adapters|docs|bench|scripts|tests|examples|cross|fuzz|tools|cmake)/[^`\s]*|[A-Za-z_]+\.(?:md|txt|hpp|cppm|cpp|py|sh|build))`', text):
        p = m.group(1)
        n += 1
        cands = [p, str(pathlib.PurePosixPath(base) / p)]
        if not any(exists(c) for c in cands) and not any(t.endswith('/' + p) for t in tracked):
            print(f'{f.relative_to(root)}: path `{p}`: not in the repository'); bad += 1
print(f'{n} links and paths checked in {len(files)} files, {bad} broken')
sys.exit(1 if bad else 0)
