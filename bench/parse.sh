#!/bin/sh
# parse.sh: aura-parse against CPython's ast.parse + json.dumps on the standard library (not a test).
# Prints files, MB, seconds, MB/s and peak RSS for each, from `file` records to `ast` records.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
stdlib=${STDLIB:-/usr/lib/python3.11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The input stream, built before any timing: every .py file as a `file` record (exact bytes).
find "$stdlib" -name '*.py' -type f | LC_ALL=C sort | python3 -c '
import base64, json, sys
for path in sys.stdin:
    path = path.rstrip("\n")
    data = open(path, "rb").read()
    print(json.dumps({"type": "file", "v": 1, "artifact": "b", "id": "b:0", "index": 0,
                      "path": path, "kind": "python", "content_encoding": "base64",
                      "content": base64.b64encode(data).decode("ascii")}))
' >"$work/files"
files=$(find "$stdlib" -name '*.py' -type f | wc -l)
bytes=$(find "$stdlib" -name '*.py' -type f -print0 | xargs -0 cat | wc -c)
largest=$(find "$stdlib" -name '*.py' -type f -printf '%s\n' | sort -n | tail -1)

# run NAME COMMAND...: time one converter over the stream, print its row.
run() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" <"$work/files" >"$work/out"
	set -- $(cat "$work/time")
	asts=$(grep -c '^{"type":"ast"' "$work/out" || true)
	awk -v n="$name" -v f="$files" -v b="$bytes" -v s="$1" -v m="$2" -v a="$asts" -v o="$(wc -c <"$work/out")" \
	    'BEGIN { printf "%-32s %6d %8.1f %8.2f %8.1f %10.0f %7d %9.1f\n", n, f, b / 1e6, s, b / 1e6 / (s > 0 ? s : 0.001), m / 1024, a, o / 1e6 }'
}

printf '%-32s %6s %8s %8s %8s %10s %7s %9s\n' converter files MB seconds MB/s "peak MB" trees "out MB"
run "aura-parse" "$root/bin/aura-parse"
run "CPython ast.parse + json.dumps" python3 "$root/tests/helpers/pyast2json.py"
printf '(%s; largest file %.1f MB; peak RSS in MB of the converter process)\n' "$stdlib" "$(echo "$largest" | awk '{print $1 / 1e6}')"
