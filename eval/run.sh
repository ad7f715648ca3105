#!/usr/bin/env bash
# eval/run.sh: scan the shared malicious corpus and the benign Debian reference set, then
# print and save the detection table (eval/results.md).  Run by `make eval`.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${AURA_SHARED:-$root/../shared}
cache=$root/eval/cache
out=$cache/out
mkdir -p "$cache/debs" "$out"

# The benign set: Debian packages fetched once with apt-get download, then cached.
mapfile -t benign < <(grep -v '^#' "$shared/corpus/benign-debian.txt" | sed '/^$/d')
missing=()
for pkg in "${benign[@]}"; do
	compgen -G "$cache/debs/${pkg}_*.deb" >/dev/null || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "eval: downloading ${#missing[@]} Debian packages into $cache/debs" >&2
	(cd "$cache/debs" && { apt-get download "${missing[@]}" || { apt-get update -qq && apt-get download "${missing[@]}"; }; })
fi

# The malicious set: every archive of the manifest (paths relative to corpus/malicious).
manifest=$shared/corpus/malicious/MANIFEST.tsv
mapfile -t malicious < <(tail -n +2 "$manifest" | cut -f1 | sed "s|^|$shared/corpus/malicious/|")
mapfile -t debs < <(for pkg in "${benign[@]}"; do ls "$cache/debs/${pkg}"_*.deb | head -1; done)

scan() {	# scan LABEL FILE...: NDJSON verdicts into $out/LABEL.ndjson, timing to stderr
	local label=$1
	shift
	local start end
	start=$(date +%s.%N)
	"$root/bin/aura" scan --format json --allow-errors "$@" > "$out/$label.ndjson" 2> "$out/$label.stderr" || true
	end=$(date +%s.%N)
	printf 'eval: %s: %d targets scanned in %.1f s\n' "$label" "$#" "$(echo "$end - $start" | bc)" >&2
}

scan malicious "${malicious[@]}"
scan benign "${debs[@]}"

python3 "$root/eval/report.py" "$out/malicious.ndjson" "$out/benign.ndjson" \
	"${#malicious[@]}" "${#debs[@]}" | tee "$root/eval/results.md"
