#!/bin/sh
# scan.sh: the whole `aura scan` pipeline against bandit (Debian's) on the same tree (not a test).
# Prints files, MB, wall seconds, files/s, MB/s and peak RSS (the largest process of each tool).
# Corpus: the CPython standard library by default (STDLIB=/path to change it); the programs
# are bin/ (AURA_BIN=/path/to/another/bin to measure another build).
# Then the CPU seconds of each stage (run one after another over saved streams) beside a bare
# tree-sitter parse and walk of the same files (bench/tsparse.c): the pipeline's cost floor.
# REPEAT=N runs each row of both tables N times and keeps the least time (wall for the first,
# CPU for the second, with that run's peak): on a shared machine the smallest figure is the
# one least inflated by other jobs.  aura-analyze runs with --drop ast (and --drop
# base64-content) when the build has it, as `aura scan` runs it before aura-score; aura-score
# is also timed over the stream with its ast records and contents (a row apart, not in the
# total): what it costs used alone.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${STDLIB:-/usr/lib/python3.11}
# AURA_BIN=DIR: the programs to measure (another build, for a before/after table).
bin=${AURA_BIN:-$root/bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v bandit >/dev/null; then
	echo "bench/scan.sh: bandit is not installed (apt-get install bandit)" >&2
	exit 2
fi

files=$(find "$corpus" -name '*.py' -type f | wc -l)
bytes=$(find "$corpus" -name '*.py' -type f -print0 | xargs -0 cat | wc -c)

# wall NAME COMMAND...: the least wall time of REPEAT runs (and that run's peak KiB) to
# $work/time; the command's stdout and stderr go to $work/out and $work/err.
wall() {
	: >"$work/runs"
	i=0
	while [ "$i" -lt "${REPEAT:-1}" ]; do
		/usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || true
		tail -1 "$work/time" >>"$work/runs"
		i=$((i + 1))
	done
	sort -n "$work/runs" | head -1 >"$work/time"
}

# row NAME: print one line from $work/time (wall seconds, peak KiB).
row() {
	set -- "$1" $(tail -1 "$work/time")
	awk -v n="$1" -v f="$files" -v b="$bytes" -v s="$2" -v m="$3" \
	    'BEGIN { s = s > 0 ? s : 0.001; printf "%-34s %6d %7.1f %8.2f %8.1f %7.2f %9.0f\n", n, f, b / 1e6, s, f / s, b / 1e6 / s, m / 1024 }'
}

printf '%-34s %6s %7s %8s %8s %7s %9s\n' tool files MB seconds files/s MB/s "peak MB"
# Every stage runs concurrently in one pipe: /usr/bin/time on bash reports the largest
# child's peak RSS (the maximum over the process tree is what getrusage gives for children).
wall "$bin/aura" scan --format json --allow-errors "$corpus"
mv "$work/out" "$work/aura.out"
row "aura scan (6 sandboxed stages)"
wall bandit -q -r -f json -o "$work/bandit.out" "$corpus"
row "bandit -r (Debian $(bandit --version 2>/dev/null | head -1 | awk '{print $2}'))"
printf '(%s; aura: %s hits; bandit: %s results)\n' "$corpus" \
	"$(jq -s 'map(select(.type=="verdict") | .hits | length) | add // 0' "$work/aura.out")" \
	"$(jq '.results | length' "$work/bandit.out" 2>/dev/null || echo '?')"

# ---- CPU per stage, against the bare parse ----
# Each stage alone over the saved output of the one before (so no stage waits on another),
# timed as user+system CPU seconds, with its peak RSS.
cc -O2 -o "$work/tsparse" "$root/bench/tsparse.c" "$root/third_party/tree-sitter-python/tree-sitter-python.a" \
	$(pkg-config --cflags --libs tree-sitter)
find "$corpus" -name '*.py' -type f | LC_ALL=C sort >"$work/pyfiles"
cpu() {	# NAME INPUT OUTPUT COMMAND...: one row of the CPU table, the least of REPEAT runs
	name=$1 in=$2 out=$3
	shift 3
	: >"$work/runs"
	i=0
	while [ "$i" -lt "${REPEAT:-1}" ]; do
		/usr/bin/time -f '%U %S %M' -o "$work/time" "$@" <"$in" >"$out" 2>>"$work/stages.err" || true
		tail -1 "$work/time" >>"$work/runs"
		i=$((i + 1))
	done
	awk -v n="$name" 'NR == 1 || $1 + $2 < best { best = $1 + $2; row = $0 } END { print n, row }' \
		"$work/runs" >>"$work/cpu"
}
: >"$work/cpu"
cpu tree-sitter "$work/pyfiles" "$work/ts.out" "$work/tsparse"
echo "$corpus" >"$work/target"
cpu aura-fetch "$work/target" "$work/s1" "$bin/aura-fetch"
cpu aura-unpack "$work/s1" "$work/s2" "$bin/aura-unpack"
cpu aura-parse "$work/s2" "$work/s3" "$bin/aura-parse"
cpu aura-rewrite "$work/s3" "$work/s4" "$bin/aura-rewrite"
drop=""
if "$bin/aura-analyze" --help | grep -q -- '--drop ast'; then drop="--drop ast"; fi
if "$bin/aura-analyze" --help | grep -q -- '--drop base64-content'; then drop="$drop --drop base64-content"; fi
# shellcheck disable=SC2086 # $drop is empty, two or four words
cpu aura-analyze "$work/s4" "$work/s5" "$bin/aura-analyze" $drop
cpu aura-score "$work/s5" "$work/s6" "$bin/aura-score" --format json --allow-errors
if [ -n "$drop" ]; then
	"$bin/aura-analyze" <"$work/s4" >"$work/s5.ast" 2>>"$work/stages.err" || true
	cpu "(aura-score, ast kept)" "$work/s5.ast" "$work/s6" "$bin/aura-score" --format json --allow-errors
fi
echo
awk 'NR == 1 { base = $2 + $3 }
     { n = NF - 3; name = $1; for (f = 2; f <= n; f++) name = name " " $f
       cpu = $(n + 1) + $(n + 2); if (name != "tree-sitter" && name !~ /^\(/) total += cpu
       rows[NR] = sprintf("%-34s %8.2f %8.2f %9.0f", name, cpu, cpu / (base > 0 ? base : 0.001), $NF / 1024) }
     END { printf "%-34s %8s %8s %9s\n", "stage (alone, saved input)", "CPU s", "x parse", "peak MB"
           for (i = 1; i <= NR; i++) print rows[i]
           printf "%-34s %8.2f %8.2f\n", "aura, all six stages", total, total / (base > 0 ? base : 0.001) }' "$work/cpu"
