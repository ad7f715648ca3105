# helpers/common.bash: shared setup for every bats suite (paths, assertions, no core files).
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

AURA_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
AURA_BIN="$AURA_ROOT/bin"
# The read-only shared data (corpora, schemas) beside the project; `make san-check` runs a
# copy of the tree elsewhere and points here explicitly.
AURA_SHARED="${AURA_SHARED:-$AURA_ROOT/../shared}"
PATH="$AURA_BIN:$PATH"
export AURA_ROOT AURA_BIN AURA_SHARED PATH
ulimit -c 0

# Sanitizer builds run under the sandbox too: no leak checker (it needs ptrace), no symbolizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:symbolize=0}"

# Records of one type from NDJSON on stdin, one per line.
records_of_type() { jq -c --arg t "$1" 'select(.type == $t)'; }

# Assert every line of $output is a JSON object with "type" and "v": 1.
assert_valid_records() {
	local bad
	bad=$(printf '%s\n' "$output" | jq -R 'fromjson? // "BAD" | select(. == "BAD" or .v != 1 or (.type | type) != "string")' | head -3)
	[ -z "$bad" ] || fail "invalid records in output: $bad"
}

# The verdict record of the artifact named $1 in $output (jq 1.6's -e misreports the exit
# status when the last input yields nothing, so select first, test after).
verdict_of() { printf '%s\n' "$output" | jq -c --arg n "$1" 'select(.type=="verdict" and .artifact.name==$n)'; }

# Assert that jq filter $2 is true for JSON $1.
assert_jq() { jq -e "$2" <<<"$1" >/dev/null || fail "jq '$2' is not true for: $1"; }

# The Landlock ABI version the kernel offers (0: none), as the stages see it.
landlock_abi() { aura-parse --print-sandbox | sed -n 's/^kernel landlock abi: //p'; }

# Compare $output with the golden file tests/golden/$1 (formats/examples.txt, ...).  With
# AURA_UPDATE_GOLDEN=1 every golden file a test compares is rewritten instead, after a
# deliberate change in a stage: review `git diff tests/golden` before committing.  NDJSON
# goldens (*.ndjson) are kept pretty-printed, one indented record after the other (jq .),
# so a diff names the field that changed rather than a 2,000-character line.
assert_golden() {
	local file="$AURA_ROOT/tests/golden/$1" got
	if [[ $1 == *.ndjson ]]; then
		got=$(printf '%s\n' "$output" | jq .) || fail "output for tests/golden/$1 is not JSON"
	else
		got=$output
	fi
	if [ -n "${AURA_UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$got" >"$file"
		return
	fi
	diff -u "$file" <(printf '%s\n' "$got") ||
		fail "output differs from tests/golden/$1 (AURA_UPDATE_GOLDEN=1 regenerates every golden file)"
}

# The flags a C test helper linked with lib/libaura.a needs: under `make san-check` the
# library is built with the sanitizers, so the helper must be too.
libaura_san_flags() {
	if nm "$AURA_ROOT/lib/libaura.a" 2>/dev/null | grep -q __asan_; then
		echo -fsanitize=address,undefined
	fi
}
