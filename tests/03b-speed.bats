#!/usr/bin/env bats
# 03b-speed.bats: `aura-analyze --drop ast` (issue 14): the records aura-score never reads are
# dropped before it, only those, only when it comes next, and the verdict does not change.

load helpers/common
bats_require_minimum_version 1.5.0

EX="$AURA_ROOT/examples"

setup() { cd "$BATS_TEST_TMPDIR"; }

# The stream aura-analyze reads for a directory (fetch .. rewrite).
stream_of() { aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite; }

# The lines of stdin whose decoded `type` is not exactly "ast", byte for byte as they came.
without_ast() { jq -rR 'select((fromjson).type != "ast")'; }

@test "analyze --drop ast: the ast records go, every other line stays, byte for byte and in order" {
	stream_of "$EX/install-dropper" >in.ndjson
	# A type spelled with an escape is an ast record too; "ast\u0000" and an unknown type are not.
	printf '%s\n' '{"type":"\u0061st","v":1,"artifact":"x","file":"y","tree":{"_type":"Module","body":[]}}' \
		'{"type":"ast\u0000","v":1}' '{"type":"target","v":1,"target":"z"}' >>in.ndjson
	aura-analyze <in.ndjson >kept.ndjson
	aura-analyze --drop ast <in.ndjson >dropped.ndjson
	local asts
	asts=$(jq -c 'select(.type == "ast")' kept.ndjson | wc -l)
	[ "$asts" -ge 3 ] || fail "the stream without --drop has $asts ast records: nothing to drop"
	run jq -c 'select(.type == "ast")' dropped.ndjson
	assert_output ''
	run diff <(without_ast <kept.ndjson) dropped.ndjson
	assert_success
	# The hits about the dropped records are still there, and the NUL-typed line is kept.
	run jq -r 'select(.type == "hit") | .name' dropped.ndjson
	assert_line 'os.system'
	run grep -c '"type":"ast\\u0000"' dropped.ndjson
	assert_output 1
}

@test "analyze --drop ast: a malformed or forged ast line is still an error record, naming its line" {
	printf '%s\n' '{"type":"ast","v":1,"type":"ast","tree":{}}' \
		'{"type":"ast","v":1,"tree":{"_type":"Module","body":[],"body":[]}}' \
		'{"type":"ast","v":1,"tree":[1,2}' \
		'{"type":"ast","v":1,"tree":{"_type":"Module","body":[]}}' >in.ndjson
	run --separate-stderr aura-analyze --drop ast <in.ndjson
	assert_success
	run jq -r '"\(.type) \(.message)"' <<<"$output"
	assert_line --index 0 --regexp "^error <stdin>:1: .*duplicate object key 'type'"
	assert_line --index 1 --regexp "^error <stdin>:2: .*duplicate object key 'body'"
	assert_line --index 2 --regexp '^error <stdin>:3: invalid JSON'
	[ "${#lines[@]}" -eq 3 ] || fail "expected three error records and the good ast dropped, got: $output"
}

@test "analyze --drop: any other type is refused (a file or a hit would change the verdict)" {
	run --separate-stderr aura-analyze --drop file </dev/null
	assert_failure 2
	[[ $stderr == *"only 'ast' records can be dropped, not 'file'"* ]] || fail "stderr: $stderr"
	run --separate-stderr aura-analyze --drop ast </dev/null
	assert_success
}

@test "the verdict is byte-identical with and without dropping, in every format, and under scan -j" {
	local f
	for f in json text sarif; do
		aura-fetch "$EX/install-dropper" "$EX/benign-greeting" | aura-unpack | aura-parse | aura-rewrite |
			aura-analyze | aura-score --format "$f" >kept.$f || true
		aura-fetch "$EX/install-dropper" "$EX/benign-greeting" | aura-unpack | aura-parse | aura-rewrite |
			aura-analyze --drop ast | aura-score --format "$f" >dropped.$f || true
		[ -s kept.$f ] || fail "no $f verdict"
		run diff kept.$f dropped.$f
		assert_success
	done
	run --separate-stderr aura scan -j 2 --no-progress --format json "$EX/install-dropper" "$EX/benign-greeting"
	[ "$status" -eq 1 ] || [ "$status" -eq 0 ] || fail "scan -j: status $status: $stderr"
	diff <(printf '%s\n' "$output") kept.json || fail "scan -j's verdicts differ from the undropped pipeline's"
	run --separate-stderr aura scan --format json "$EX/install-dropper"
	diff <(printf '%s\n' "$output") <(jq -c 'select(.artifact.name == "install-dropper")' kept.json) ||
		fail "scan's verdict differs from the undropped pipeline's"
}

# A copy of the driver whose aura-analyze says its arguments (then runs the real one), to see
# what `aura scan` asks of it.
spy_driver() {
	mkdir -p spy
	cp "$AURA_BIN/aura" spy/aura
	local s
	for s in aura-fetch aura-unpack aura-parse aura-rewrite aura-score; do ln -s "$AURA_BIN/$s" spy/$s; done
	printf '#!/bin/sh\necho "analyze: $*" >>%s/args\nexec %s/aura-analyze "$@"\n' "$PWD" "$AURA_BIN" >spy/aura-analyze
	chmod +x spy/aura-analyze
}

@test "aura scan drops ast records before aura-score, and keeps them for a user's stage after analyze" {
	spy_driver
	run --separate-stderr spy/aura scan --format json "$EX/install-dropper"
	assert_success
	run cat args
	assert_output 'analyze: --drop ast --drop base64-content'
	# One mechanism for scan -j too (no filter of its own on the held records).
	rm args
	run --separate-stderr spy/aura scan -j 2 --no-progress --format json "$EX/install-dropper" "$EX/benign-greeting"
	run cat args
	assert_output "$(printf 'analyze: --drop ast --drop base64-content\nanalyze: --drop ast --drop base64-content')"
	# A stage inserted after analyze, or a replaced aura-score, sees every record.
	rm args
	run --separate-stderr spy/aura scan --format json --insert-after "analyze=tee $PWD/seen" "$EX/install-dropper"
	run cat args
	assert_output 'analyze: '
	run jq -c 'select(.type == "ast")' seen
	[ "${#lines[@]}" -ge 2 ] || fail "the inserted stage saw ${#lines[@]} ast records"
	rm args
	run --separate-stderr spy/aura scan --stage "score=cat >$PWD/scored" "$EX/install-dropper"
	run cat args
	assert_output 'analyze: '
	run jq -c 'select(.type == "ast")' scored
	[ "${#lines[@]}" -ge 2 ] || fail "the replacement score saw ${#lines[@]} ast records"
}

@test "astkind: every node type name finds its kind, and near misses find none (the perfect hash)" {
	# under `make san-check` libaura.a is built with the sanitizers: so is the checker
	# shellcheck disable=SC2046
	cc -O1 $(libaura_san_flags) -std=gnu11 -D_GNU_SOURCE -I"$AURA_ROOT/lib" -o astkind-check \
		"$AURA_ROOT/tests/helpers/astkind-check.c" "$AURA_ROOT/lib/libaura.a"
	run ./astkind-check
	assert_success
	assert_output --regexp '^1[0-9][0-9] names, [0-9]+ near misses, 0 failures$'
}

@test "astkind: the multiplier in lib/astkind.c is the one that keeps every name in its own slot" {
	# A name added to the list that collides still works, with a probe more: re-run
	# bench/astkind-hash.py and take its multiplier for SLOT_BITS.
	local bits
	bits=$(sed -n 's/^#define SLOT_BITS \([0-9]*\)$/\1/p' "$AURA_ROOT/lib/astkind.c")
	run python3 "$AURA_ROOT/bench/astkind-hash.py"
	assert_success
	local want
	want=$(printf '%s\n' "$output" | sed -n "s/^SLOT_BITS $bits: MULTIPLIER \\(0x[0-9a-f]*u\\).*/\\1/p")
	[ -n "$want" ] || fail "no collision-free multiplier for SLOT_BITS $bits: $output"
	run grep -c "^#define MULTIPLIER $want\$" "$AURA_ROOT/lib/astkind.c"
	assert_output 1
}
