#!/usr/bin/env bash
# eval/run.sh: scan the shared malicious corpus, the benign Debian reference set and the
# benign install-heavy sdists, then print and save the detection table (eval/results.md).
# Run by `make eval`.  The sdists are rebuilt from repository mirrors (see
# corpus/benign-sdists.tsv and docs/testing.md) into eval/cache/sdists; without them that
# row is skipped with a message saying how to get them.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${AURA_SHARED:-$root/../shared}
cache=$root/eval/cache
out=$cache/out
mkdir -p "$cache/debs" "$out"
for f in corpus/benign-debian.txt corpus/malicious/MANIFEST.tsv corpus/benign-sdists.tsv; do
	if [ ! -r "$shared/$f" ]; then	# an empty table would read as a result
		echo "eval: cannot read $shared/$f (set AURA_SHARED to the shared data directory)" >&2
		exit 2
	fi
done

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

# The benign sdists: every archive of benign-sdists.tsv present in eval/cache/sdists.
sdist_tsv=$shared/corpus/benign-sdists.tsv
mapfile -t sdist_names < <(grep -v '^#' "$sdist_tsv" | tail -n +2 | cut -f1 | sed '/^$/d')
sdists=() sdist_missing=0
for f in "${sdist_names[@]}"; do
	if [ -f "$cache/sdists/$f" ]; then sdists+=("$cache/sdists/$f"); else sdist_missing=$((sdist_missing + 1)); fi
done

scan malicious "${malicious[@]}"
scan benign "${debs[@]}"
if [ "$sdist_missing" -eq 0 ] && [ ${#sdists[@]} -gt 0 ]; then
	scan sdists "${sdists[@]}"
	sdist_args=("$out/sdists.ndjson" "${#sdists[@]}")
else
	why="$sdist_missing of ${#sdist_names[@]} archives missing from eval/cache/sdists; rebuild them with $shared/corpus/archive-sdists.sh MIRROR_ROOT $cache/sdists"
	echo "eval: benign sdists skipped: $why" >&2
	sdist_args=(- "$why")
fi

python3 "$root/eval/report.py" "$out/malicious.ndjson" "$out/benign.ndjson" \
	"${#malicious[@]}" "${#debs[@]}" "${sdist_args[@]}" | tee "$root/eval/results.md"
