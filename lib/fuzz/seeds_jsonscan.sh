#!/bin/sh
# seeds_jsonscan.sh OUT: one record line per seed (see records.sh), plus the edge cases of
# tests/fixtures/jsonscan, each prefixed with the byte that picks fuzz_jsonscan's wanted types.
set -eu
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/records.sh" lines "$tmp"
split -l 1 -a 4 "$here/../../tests/fixtures/jsonscan/edge.ndjson" "$tmp/edge-"
mkdir -p "$1"
for f in "$tmp"/*; do
	for pick in 0 1 2; do
		{ printf "\\00$pick"; tr -d '\n' < "$f"; } > "$1/$(basename "$f")-$pick"
	done
done
