#!/usr/bin/env bash
# Re-records the real-program traces of this folder with scripts/record.sh (the LD_PRELOAD
# recorder of tools/trace) and rewrites the table in README.md. The inputs are generated here, so
# a re-recording differs only by what the Debian packages' versions do differently.
# Needs: python3, sqlite3, jq, bc, gcc, git, perl (Debian 12 packages), xz.
# Usage: bench/traces/record-all.sh [NAME...]   (default: all of them)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RECORD=$ROOT/scripts/record.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
PY=/usr/bin/python3 # Debian's interpreter (a python3 on PATH may be a wrapper that forks)

# --- inputs ------------------------------------------------------------------------------------
cat > py.py <<'PY'
# Builds and queries an index of generated records: dicts, lists, strings, tuples.
import json, collections
records = [{"id": i, "name": "user%05d" % i, "tags": ["t%d" % (i % 13), "g%d" % (i % 7)],
            "score": (i * 7919) % 1000 / 10.0} for i in range(1500)]
by_tag = collections.defaultdict(list)
for r in records:
    for t in r["tags"]:
        by_tag[t].append(r)
text = json.dumps(records)
again = json.loads(text)
top = sorted(again, key=lambda r: (-r["score"], r["name"]))[:50]
words = collections.Counter(w for r in again for w in r["name"].split("0"))
print(len(text), len(by_tag), top[0]["name"], len(words))
PY

cat > sql.sql <<'SQL'
-- An in-memory database: a table of 12,000 rows, an index, joins and aggregates.
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, cat INTEGER, price REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
INSERT INTO item SELECT i, 'item-' || i || '-' || substr('abcdefghijklmnop', 1 + i % 16), i % 97, (i * 37) % 1000 / 7.0 FROM n;
CREATE INDEX item_cat ON item(cat, price);
CREATE TABLE cat(id INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 96)
INSERT INTO cat SELECT i, 'category ' || i FROM n;
SELECT c.label, count(*), avg(i.price), group_concat(substr(i.name, 1, 8), ',') FROM item i JOIN cat c ON c.id = i.cat
  GROUP BY c.label ORDER BY 3 DESC LIMIT 5;
UPDATE item SET name = upper(name) WHERE price > 100;
DELETE FROM item WHERE id % 3 = 0;
SELECT count(*), sum(length(name)) FROM item;
SQL

$PY - > jq.json <<'PY'
import json
print(json.dumps([{"id": i, "user": {"name": "n%d" % i, "langs": ["c", "c++", "lua"][: 1 + i % 3]},
                   "events": [{"t": j, "v": (i * j) % 17} for j in range(i % 9)]} for i in range(800)]))
PY

$PY - > c.c <<'PY'
# A C file with many functions, structs and a big switch: work for cc1's parser and optimiser.
print("#include <stdio.h>\n#include <string.h>\n#include <stdlib.h>")
for i in range(120):
    print(f"struct s{i} {{ int a[{i % 7 + 1}]; double d; char name[{8 + i % 5}]; }};")
    print(f"static int f{i}(struct s{i} *p, int x) {{ int r = 0; for (int k = 0; k < {i % 7 + 1}; ++k) r += p->a[k] * (x + {i});"
          f" if (r % 3 == {i % 3}) r ^= (int)strlen(p->name); return r + (int)p->d; }}")
print("int dispatch(int which, int x) { switch (which) {")
for i in range(120):
    print(f"  case {i}: {{ struct s{i} v; memset(&v, {i % 255}, sizeof v); v.d = {i}.5; return f{i}(&v, x); }}")
print("  default: return -1; } }")
print("int main(int argc, char **argv) { int t = 0; for (int i = 0; i < 300; ++i) t += dispatch(i, argc); printf(\"%d\\n\", t); return 0; }")
PY

$PY - > words.txt <<'PY'
import random
random.seed(5)
vocab = ["%s%d" % (w, k) for w in ("alpha", "beta", "gamma", "delta", "omega", "sigma") for k in range(400)]
for line in range(8000):
    print(" ".join(random.choice(vocab) for _ in range(8)))
PY

mkdir -p gitrepo
$PY - <<'PY'
for i in range(1, 401):
    with open("gitrepo/f%d.txt" % i, "w") as f:
        f.write("\n".join("line %d of file %d: %s" % (k, i, "x" * (k % 60)) for k in range(200)) + "\n")
PY

# --- recordings: name | what | command -----------------------------------------------------------
declare -A what cmd
what[python3]="python 3.11 (PYTHONMALLOC=malloc, so every object goes through malloc): 1,500 generated records into dicts, a JSON round trip, a sort, a Counter"
what[sqlite3]="sqlite3 3.40, in-memory database: 12,000 rows inserted by a recursive CTE, an index, a join with GROUP BY, UPDATE, DELETE"
what[jq]="jq 1.6: group_by, map and add over a generated 800-object JSON array"
what[bc]="bc 1.07: 400 digits of pi (4*a(1)) and 2^20000"
what[cc1]="gcc 12's cc1 (from gcc -O2 -c): a generated C file of 120 structs and functions and a 120-case switch"
what[git]="git 2.39: git add of 400 generated text files into a fresh repository"
what[perl]="perl 5.36: word frequencies over 8,000 generated lines, sorted"

record() { # name, command...
  local name=$1
  shift
  echo "== $name" >&2
  "$RECORD" "$work/$name.trace" "$@" > /dev/null
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(python3 sqlite3 jq bc cc1 git perl)
for name in "${want[@]}"; do
  case $name in
    python3) PYTHONMALLOC=malloc record python3 /usr/bin/python3 -S py.py ;;
    sqlite3) record sqlite3 sh -c 'exec sqlite3 :memory: < sql.sql' ;;
    jq) record jq jq -c 'group_by(.user.langs | length) | map({n: length, v: (map(.events | map(.v) | add // 0) | add)})' jq.json ;;
    bc) record bc sh -c 'printf "scale=400\n4*a(1)\n2^20000\n" | exec bc -l' ;;
    cc1) record cc1 gcc -O2 -c c.c -o c.o ;;
    git) (cd gitrepo && git init -q . && record git git add .) ;;
    perl) record perl perl -ne '$c{$_}++ for split; END { print "$_ $c{$_}\n" for (sort { $c{$b} <=> $c{$a} || $a cmp $b } keys %c)[0..20] }' words.txt ;;
    *) echo "unknown trace $name" >&2; exit 2 ;;
  esac
  # The program's own trace: the file of the process with the most operations (gcc's driver
  # runs cc1 and as as children; a shell wrapper execs the program).
  best=$("$ROOT/tools/trace/main-trace.sh" "$work/$name.trace")
  src=$(head -c 256 "$best" | sed -n 's/.* source=\([^ ]*\).*/\1/p')
  sed -i "1s/source=[^ ]*/source=record.sh:${src%-pid*}/" "$best"
  xz -T1 -9 -c "$best" > "$HERE/$name.trace.xz"
  echo "$name|${what[$name]}|$(head -1 "$best")" >> "$work/table"
  rm -f "$work/$name.trace" "$work/$name.trace".[0-9]*
done

# --- the table in README.md (rows of the traces recorded now replace their old rows) -----------
readme=$HERE/README.md
$PY - "$readme" "$work/table" <<'PY'
import re, sys, pathlib
readme, table = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
rows = {}
text = readme.read_text() if readme.exists() else ""
for line in text.splitlines():
    m = re.match(r"\| (\S+)\.trace\.xz \|", line)
    if m: rows[m.group(1)] = line
for line in table.read_text().splitlines():
    name, what, header = line.split("|", 2)
    h = dict(kv.split("=", 1) for kv in header.split() if "=" in kv)
    rows[name] = "| %s.trace.xz | %s | %s | %s | %s |" % (
        name, what, format(int(h["ops"]), ","), format(int(h["peak_live_bytes"]), ","), format(int(h["max_live_blocks"]), ","))
begin, end = "<!-- table: bench/traces/record-all.sh -->", "<!-- end of table -->"
body = "\n".join([begin, "| file | program and workload | ops | peak live bytes | max live blocks |",
                  "|---|---|---|---|---|"] + [rows[k] for k in sorted(rows)] + [end])
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), body, text, flags=re.S)
else:
    text += "\n" + body + "\n"
readme.write_text(text)
PY
echo "wrote $HERE/*.trace.xz and the table in $readme" >&2
