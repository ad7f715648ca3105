#!/usr/bin/env bash
# bench/rewrite.sh: CPU time of aura-rewrite against aura-parse on the same files (default:
# the Python standard library).  Target (issue 5): rewrite <= parse.
#   bench/rewrite.sh [DIR]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/usr/lib/python3.11}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

find "$dir" -name '*.py' -type f -size -2M | LC_ALL=C sort | while read -r f; do
	jq -Rsc --arg p "$f" '{type:"file",v:1,artifact:"a",id:"a:0",index:0,path:$p,kind:"python",content:.,content_encoding:"utf-8"}' <"$f" 2>/dev/null || true
done >"$tmp/files.ndjson"
files=$(wc -l <"$tmp/files.ndjson")

cpu() {	# cpu OUT CMD...: user+system seconds of CMD, stdin from the previous stage
	local out=$1; shift
	/usr/bin/time -f '%U %S' -o "$tmp/t" "$@" >"$out"
	awk '{ printf "%.2f", $1 + $2 }' "$tmp/t"
}

parse=$(cpu "$tmp/ast.ndjson" "$here/bin/aura-parse" <"$tmp/files.ndjson")
rewrite=$(cpu "$tmp/rw.ndjson" "$here/bin/aura-rewrite" <"$tmp/ast.ndjson")
folded=$(grep -o '"_value":' "$tmp/rw.ndjson" | wc -l)
hits=$(grep -c '^{"type":"hit"' "$tmp/rw.ndjson" || true)
printf 'files: %s (%s)\n' "$files" "$dir"
printf 'aura-parse   CPU: %ss\n' "$parse"
printf 'aura-rewrite CPU: %ss  (%s folded values, %s hits)\n' "$rewrite" "$folded" "$hits"
awk -v p="$parse" -v r="$rewrite" 'BEGIN { printf "ratio rewrite/parse: %.2f (target <= 1.00)\n", r / p }'
