#!/usr/bin/env bash
# unpack.sh: aura-unpack throughput (MB/s of archive, files/s, peak RSS) beside bsdtar, on two corpora.
#
# Corpora: the shared malicious PyPI archives (read only through aura-unpack; bsdtar only
# decompresses them to /dev/null, never to a directory), and the benign Debian packages of
# benign-debian.txt, fetched once with `apt-get download` into eval/cache/debs (shared with
# `make eval`), which bsdtar extracts into a tmpfs, data.tar.* included.
# Usage: bench/unpack.sh [RUNS]   (best of RUNS timings, default 3)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${AURA_CORPUS:-$ROOT/../shared/corpus}
[ -d "$CORPUS" ] || CORPUS=/work/shared/corpus
DEBS=${AURA_DEBS:-$ROOT/eval/cache/debs}
RUNS=${1:-3}
UNPACK=$ROOT/bin/aura-unpack
TIME=/usr/bin/time

die() { echo "bench/unpack.sh: $*" >&2; exit 2; }
[ -x "$UNPACK" ] || die "build bin/aura-unpack first (make bin/aura-unpack)"
[ -x "$TIME" ] || die "GNU time is missing (apt-get install time)"
command -v bsdtar >/dev/null || die "bsdtar is missing (apt-get install libarchive-tools)"

# The benign packages, fetched once.
fetch_debs() {
	local want have
	want=$(grep -v '^#' "$CORPUS/benign-debian.txt" | grep -c .)
	have=$(find "$DEBS" -name '*.deb' 2>/dev/null | wc -l)
	[ "$have" -ge "$want" ] && return
	mkdir -p "$DEBS"
	echo "fetching $want Debian packages into $DEBS" >&2
	(cd "$DEBS" && apt-get download $(grep -v '^#' "$CORPUS/benign-debian.txt")) >&2 ||
		die "apt-get download failed (try apt-get update)"
}

# Seconds (best of RUNS) and peak RSS (KiB) of a command; sets $secs and $rss.
measure() {
	local best="" r s m tf
	tf=$(mktemp)
	for ((r = 0; r < RUNS; r++)); do
		"$TIME" -f '%e %M' -o "$tf" "$@" >/dev/null 2>&1 || die "failed: $*"
		read -r s m < "$tf"
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$s
			rss=$m
		fi
	done
	secs=$best
	rm -f "$tf"
}

# One aura-unpack process over every artifact of a list.
aura_run() { jq -Rc '{type:"artifact",v:1,id:.,path:.,kind:"archive"}' < "$1" | "$UNPACK"; }
export -f aura_run
export UNPACK

bsdtar_to_null() { while read -r f; do bsdtar -xOf "$f" >/dev/null; done < "$1"; }
bsdtar_debs() {
	local t
	t=$(mktemp -d /dev/shm/aura-bench.XXXXXX)
	while read -r f; do
		rm -rf "$t"/*
		(cd "$t" && bsdtar -xf "$f" && mkdir x && for m in data.tar.* control.tar.*; do
			bsdtar -xf "$m" -C x; done)
	done < "$1"
	rm -rf "$t"
}
export -f bsdtar_to_null bsdtar_debs

report() {
	local name=$1 list=$2 baseline=$3
	local n bytes files mb
	n=$(wc -l < "$list")
	bytes=$(xargs -d '\n' stat -c %s < "$list" | awk '{ s += $1 } END { print s }')
	mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
	files=$(aura_run "$list" 2>/dev/null | grep -c '^{"type":"file"')
	errors=$(aura_run "$list" 2>/dev/null | grep -c '^{"type":"error"' || true)
	measure bash -c "aura_run '$list'"
	local a_secs=$secs a_rss=$rss
	measure bash -c "$baseline '$list'"
	local b_secs=$secs b_rss=$rss
	awk -v name="$name" -v n="$n" -v mb="$mb" -v files="$files" -v err="$errors" \
	    -v as="$a_secs" -v ar="$a_rss" -v bs="$b_secs" -v br="$b_rss" -v how="$baseline" 'BEGIN {
		d = as > 0 ? as : 0.01; e = bs > 0 ? bs : 0.01
		printf "%-10s %4d archives, %6.1f MB, %6d files (%d errors)\n", name, n, mb, files, err
		printf "  aura-unpack   %6.2f s  %7.1f MB/s  %8.0f files/s  peak RSS %5.1f MB\n", as, mb / d, files / d, ar / 1024
		printf "  %-13s %6.2f s  %7.1f MB/s  %8.0f files/s  peak RSS %5.1f MB\n", how == "bsdtar_debs" ? "bsdtar -xf" : "bsdtar -xOf", bs, mb / e, files / e, br / 1024
	}'
}

fetch_debs
mal=$(mktemp)
debs=$(mktemp)
trap 'rm -f "$mal" "$debs"' EXIT
find "$CORPUS/malicious" -type f \( -name '*.gz' -o -name '*.whl' -o -name '*.zip' -o -name '*.bz2' \) | sort > "$mal"
find "$DEBS" -name '*.deb' | sort > "$debs"

echo "aura-unpack throughput, best of $RUNS runs ($(nproc) CPUs; one aura-unpack process, one worker per artifact)"
report malicious "$mal" bsdtar_to_null
report debian "$debs" bsdtar_debs
echo "bsdtar -xOf decompresses every member to /dev/null (the malware is never extracted);"
echo "bsdtar -xf extracts each .deb and its data/control tarballs into a tmpfs (/dev/shm)."
