#!/usr/bin/env bats
# 03-jsonscan.bats: records passed on or dropped without being built (lib/jsonscan.c) are
# checked exactly as the full reader (lib/jsonr.c) checks them; aura-score builds none.

load helpers/common

setup_file() {
	# The differential checker: lib/jsonscan and lib/jsonr on the same lines.  Under
	# `make san-check` the library is built with the sanitizers, so the checker is too.
	# shellcheck disable=SC2046
	cc -O1 $(libaura_san_flags) -std=gnu11 -D_GNU_SOURCE -I"$AURA_ROOT/lib" -o "$BATS_FILE_TMPDIR/jsonscan-diff" \
		"$AURA_ROOT/tests/helpers/jsonscan-diff.c" "$AURA_ROOT/lib/libaura.a" \
		$(pkg-config --libs jansson nettle libseccomp) -lm
}

ARTIFACT='{"type":"artifact","v":1,"id":"a1","path":"/x","kind":"file","name":"x","version":"1"}'
END='{"type":"artifact_end","v":1,"artifact":"a1","files":0,"hits":0,"errors":0,"complete":true}'

@test "jsonscan agrees with jsonr on validity and type for every edge-case line" {
	run "$BATS_FILE_TMPDIR/jsonscan-diff" < "$AURA_ROOT/tests/fixtures/jsonscan/edge.ndjson"
	[ "$status" -eq 0 ] || fail "$output"
	# Both kinds are there: the test is not passing on lines all valid or all invalid.
	[[ $output == *"660 lines, 394 records, 266 not records, 0 disagreements"* ]] || fail "$output"
}

@test "jsonscan agrees with jsonr on every line of every stage boundary of the fixtures and examples" {
	local t n=0
	for t in "$AURA_ROOT/tests/fixtures/parse" "$AURA_ROOT/tests/fixtures/rewrite" \
		 "$AURA_ROOT/tests/fixtures/unpack" "$AURA_ROOT"/examples/*/; do
		n=$((n + 1))
		aura-fetch "$t" > "$BATS_TEST_TMPDIR/$n.1" 2>/dev/null || true
		aura-unpack < "$BATS_TEST_TMPDIR/$n.1" > "$BATS_TEST_TMPDIR/$n.2" 2>/dev/null || true
		aura-parse < "$BATS_TEST_TMPDIR/$n.2" > "$BATS_TEST_TMPDIR/$n.3" 2>/dev/null || true
		aura-rewrite < "$BATS_TEST_TMPDIR/$n.3" > "$BATS_TEST_TMPDIR/$n.4" 2>/dev/null || true
		aura-analyze < "$BATS_TEST_TMPDIR/$n.4" > "$BATS_TEST_TMPDIR/$n.5" 2>/dev/null || true
	done
	cat "$BATS_TEST_TMPDIR"/*.[1-5] > "$BATS_TEST_TMPDIR/all"
	[ "$(grep -c '"type":"ast"' "$BATS_TEST_TMPDIR/all")" -gt 50 ] || fail "too few ast records"
	run "$BATS_FILE_TMPDIR/jsonscan-diff" < "$BATS_TEST_TMPDIR/all"
	[ "$status" -eq 0 ] || fail "$output"
	[[ $output == *", 0 not records, 0 disagreements" ]] || fail "$output"
}

# The message aura-score gives for line 2 of a stream holding LINE, and its verdict.
score_line() {
	printf '%s\n%s\n%s\n' "$ARTIFACT" "$1" "$END" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-score -f json < "$BATS_TEST_TMPDIR/in"
}

@test "aura-score rejects forged, repeated-key and malformed ast lines with the full reader's message" {
	local -a bad_lines=(
		'{"type":"ast","type":"artifact_end","v":1,"artifact":"a1"}'
		'{"type":"ast","v":1,"artifact":"a1","tree":{"_type":"Module","body":[{"_type":"Expr","_type":"Call"}]}}'
		'{"type":"ast","v":1,"artifact":"a1","tree":{"a":1,"\u0061":2}}'
		'{"type":"ast","v":1,"artifact":"a1","tree":{"_type":"Module"'
		'{"type":"ast","v":1,"artifact":"a1","tree":{"s":"\ud800"}}'
		'{"type":"ast","v":1,"artifact":"a1","tree":{"n":1e999}}'
		'{"type":"ast","v":1,"artifact":"a1","tree":{"n":99999999999999999999}}'
		'{"type":"ast","v":1,"artifact":"a1","tree":{"\u0000":1}}'
		'{"type":"ast","v":1,"artifact":"a1"} trailing'
		'{"type":"ast","v":1,"artifact":"a1","tree":[1,]}'
	)
	local line expected
	for line in "${bad_lines[@]}"; do
		# The reference: aura-parse passes ast lines on through ndjson_next and jsonr, as
		# every stage did before jsonscan; its error record holds the message.
		expected=$(printf '%s\n' "$line" | aura-parse 2>/dev/null | jq -r 'select(.type=="error") | .message')
		[[ $expected == "<stdin>:1: "* ]] || fail "aura-parse took it: $line"
		score_line "$line"
		[ "$status" -eq 2 ] || fail "exit $status for: $line"
		[[ $stderr == *"aura-score: <stdin>:2: ${expected#<stdin>:1: }"* ]] ||
			fail "for $line: expected '${expected#<stdin>:1: }', got: $stderr"
		assert_jq "$output" '.complete == false'
	done
	# The forged record is named for what it is.
	score_line "${bad_lines[0]}"
	[[ $stderr == *"duplicate object key 'type'"* ]] || fail "$stderr"
}

@test "aura-score passes well-formed ast records and unknown types without effect" {
	score_line '{"type":"ast","v":1,"artifact":"a1","tree":{"_type":"Module","s":"\u00e9\ud83d\ude00","n":-1.5e3,"body":[]}}'
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_jq "$output" '.complete == true and .hits == []'
	score_line '{"type":"future-type","v":1,"artifact":"a1","x":{"y":[1,2,{"z":null}]}}'
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_jq "$output" '.complete == true'
}

@test "aura-score does not build ast records: a 10 MB tree is read in bounded memory" {
	# Built, 5 million array elements are some 400 MB of values; checked, nothing but the line.
	# ASan reserves terabytes of shadow memory, which no address-space limit allows: the plain
	# build (make check) runs this test, the sanitizer build (make san-check) cannot.
	! nm "$AURA_ROOT/bin/aura-score" 2>/dev/null | grep -q __asan_ ||
		skip "ulimit -v cannot be combined with AddressSanitizer; make check runs this test"
	{
		printf '%s\n' "$ARTIFACT"
		printf '{"type":"ast","v":1,"artifact":"a1","tree":['
		yes 0, | head -n 4999999 | tr -d '\n'
		printf '0]}\n%s\n' "$END"
	} > "$BATS_TEST_TMPDIR/big"
	run --separate-stderr bash -c "ulimit -v 150000; aura-score -f json < '$BATS_TEST_TMPDIR/big'"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_jq "$output" '.complete == true'
}
