#!/bin/sh
# seeds_analyze.sh OUT: one seed per example package and analyze fixture: the record stream
# aura-analyze reads (fetch | unpack | parse | rewrite), built with the programs in bin/.
set -eu
out=$1
n=0
for target in examples/*/ tests/fixtures/analyze/*; do
	[ -e "$target" ] || continue
	n=$((n + 1))
	bin/aura-fetch -- "$target" | bin/aura-unpack | bin/aura-parse | bin/aura-rewrite \
		> "$out/seed-$n.ndjson" 2>/dev/null || true
done
