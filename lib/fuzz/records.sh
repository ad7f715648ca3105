#!/bin/sh
# records.sh MODE OUT: seed inputs for the record-reader harnesses, from real record streams.
#
# The streams are what the stages write for the test fixtures (every stage boundary of a
# scan of tests/fixtures/{parse,rewrite} and examples/), plus the golden files.  MODE
# `lines` writes one file per record line (for fuzz_jsonr: one JSON text), `streams` one
# file per whole stream, prefixed with the byte that picks fuzz_ndjson's line cap.
# Needs the stages built in bin/ (the fuzz rule builds them first).
set -eu
mode=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

n=0
for target in "$root/tests/fixtures/parse" "$root/tests/fixtures/rewrite" "$root"/examples/*/; do
	n=$((n + 1))
	printf '{"type":"target","v":1,"target":"%s"}\n' "$target" > "$tmp/$n.0"
	"$bin/aura-fetch" < "$tmp/$n.0" > "$tmp/$n.1" 2>/dev/null || true
	"$bin/aura-unpack" < "$tmp/$n.1" > "$tmp/$n.2" 2>/dev/null || true
	"$bin/aura-parse" < "$tmp/$n.2" > "$tmp/$n.3" 2>/dev/null || true
	"$bin/aura-rewrite" < "$tmp/$n.3" > "$tmp/$n.4" 2>/dev/null || true
	"$bin/aura-analyze" < "$tmp/$n.4" > "$tmp/$n.5" 2>/dev/null || true
done
cp "$root"/tests/golden/*/*.ndjson "$tmp/" 2>/dev/null || true

case $mode in
lines)
	# One seed per distinct line; libFuzzer's -max_len cuts the largest ASTs.
	cat "$tmp"/* | sort -u | split -l 1 -a 5 - "$out/line-" ;;
streams)
	i=0
	for f in "$tmp"/*; do
		[ -s "$f" ] || continue
		i=$((i + 1))
		# Cap selector 5 = 1 MiB lines (the real streams), 3 = 100 bytes (over-long paths).
		{ printf '\005'; head -c 60000 "$f"; } > "$out/stream-$i"
		{ printf '\003'; head -c 4000 "$f"; } > "$out/stream-$i-short"
	done ;;
*)
	echo "usage: records.sh lines|streams OUT" >&2; exit 2 ;;
esac
