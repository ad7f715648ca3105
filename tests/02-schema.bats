#!/usr/bin/env bats
# 02-schema.bats: every record the stages emit, and the verdict and diff outputs of
# `aura scan -f json` and `aura diff -f json`, is valid against its JSON Schema in
# docs/schema/ (checked with Debian's python3-jsonschema).

load helpers/common

SCHEMAS="$AURA_ROOT/docs/schema"

validate() { /usr/bin/python3 "$AURA_ROOT/tests/helpers/validate-records.py" "$SCHEMAS" "$@"; }

setup_file() {
	# Every stage boundary of a scan of the examples and fixtures, plus the hostile and
	# format archives (pyc, nested archives, bad members: error and hit records from unpack).
	local fx="$BATS_FILE_TMPDIR/hostile" n=0 t
	python3 "$AURA_ROOT/tests/fixtures/unpack/make-hostile.py" "$fx" schema --small >/dev/null
	mkdir -p "$BATS_FILE_TMPDIR/streams"
	for t in "$AURA_ROOT"/examples/*/ "$AURA_ROOT/tests/fixtures/parse" \
		 "$AURA_ROOT/tests/fixtures/rewrite" "$AURA_ROOT"/tests/fixtures/diff/*/ "$fx"/*; do
		n=$((n + 1))
		local s="$BATS_FILE_TMPDIR/streams/$n"
		jq -cn --arg t "$t" '{type:"target",v:1,target:$t}' > "$s.0"
		aura-fetch < "$s.0" > "$s.1" 2>/dev/null || true
		aura-unpack < "$s.1" > "$s.2" 2>/dev/null || true
		aura-parse < "$s.2" > "$s.3" 2>/dev/null || true
		aura-rewrite < "$s.3" > "$s.4" 2>/dev/null || true
		aura-analyze < "$s.4" > "$s.5" 2>/dev/null || true
		aura-score -f json --allow-errors < "$s.5" > "$s.6" 2>/dev/null || true
	done
}

@test "every record type of docs/protocol.md has a schema, and every schema a record type" {
	local documented schemas
	documented=$(sed -n 's/^### `\([a-z_]*\)`.*/\1/p' "$AURA_ROOT/docs/protocol.md" | sort)
	schemas=$(cd "$SCHEMAS" && ls *.schema.json | sed 's/\.schema\.json$//' | sort)
	[ -n "$documented" ] || fail "no record types found in docs/protocol.md"
	[ "$documented" = "$schemas" ] || fail "protocol: $(echo $documented) / schemas: $(echo $schemas)"
}

@test "every schema is a valid draft 2020-12 schema" {
	run validate /dev/null
	[ "$status" -eq 0 ] || fail "$output"
}

@test "every record at every stage boundary of a scan of the examples and fixtures is valid" {
	run validate "$BATS_FILE_TMPDIR"/streams/*
	[ "$status" -eq 0 ] || fail "$output"
	# All the pipeline's record types were seen, so no schema went untested.
	local t
	for t in target artifact file ast hit error artifact_end verdict; do
		[[ $output == *"$t="[1-9]* ]] || fail "no $t records were checked: $output"
	done
}

@test "aura scan -f json writes verdicts valid against verdict.schema.json" {
	run --separate-stderr aura scan -f json "$AURA_ROOT"/examples/*/
	[ -n "$output" ] || fail "no output: $stderr"
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/verdicts"
	run validate "$BATS_TEST_TMPDIR/verdicts"
	[ "$status" -eq 0 ] || fail "$output"
	[[ $output == "verdict="[1-9]*" failures=0" ]] || fail "$output"
}

@test "aura diff -f json writes a diff valid against diff.schema.json" {
	run -0 --separate-stderr aura diff -f json "$AURA_ROOT/tests/fixtures/diff/tinyhttp-1.0" \
		"$AURA_ROOT/tests/fixtures/diff/tinyhttp-1.1"
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/diff"
	# The fixture's change has a new finding and a modified file: the nested shapes are used.
	assert_jq "$output" '(.hits.new | length) > 0 and (.files.modified | length) > 0'
	run validate "$BATS_TEST_TMPDIR/diff"
	[ "$status" -eq 0 ] || fail "$output"
	[[ $output == "diff=1 failures=0" ]] || fail "$output"
}

@test "the schemas refuse records that break the protocol" {
	local id
	id=$(printf 'a%.0s' {1..64})
	{
		# A severity that is not a level; a score out of range; a hit without detection.
		printf '{"type":"hit","v":1,"artifact":"x","detection":"D","score":1,"severity":"severe","message":"m","stage":"s"}\n'
		printf '{"type":"hit","v":1,"artifact":"x","detection":"D","score":1001,"severity":"low","message":"m","stage":"s"}\n'
		printf '{"type":"hit","v":1,"artifact":"x","score":1,"severity":"low","message":"m","stage":"s"}\n'
		# A version other than 1; an unknown type; an artifact_end without complete.
		printf '{"type":"error","v":2,"stage":"s","message":"m"}\n'
		printf '{"type":"novel","v":1}\n'
		printf '{"type":"artifact_end","v":1,"artifact":"%s","files":0,"hits":0,"errors":0}\n' "$id"
		# A file whose base64 content is not base64; a verdict whose risk is not a level.
		printf '{"type":"file","v":1,"artifact":"%s","id":"%s:0","index":0,"path":"p","size":1,"sha256":"%s","kind":"binary","content":"!!","content_encoding":"base64"}\n' "$id" "$id" "$id"
		printf '{"type":"verdict","v":1,"artifact":{"id":"x","name":null,"version":null,"path":null,"sha256":null},"score":0,"risk":"none","reason":"","complete":true,"errors":[],"hits":[]}\n'
	} > "$BATS_TEST_TMPDIR/bad"
	run validate "$BATS_TEST_TMPDIR/bad"
	[ "$status" -eq 1 ] || fail "$output"
	[[ $output == *"failures=8" ]] || fail "$output"
}

@test "aura-fetch --list-requirements writes requirement records valid against their schema" {
	printf 'goodlib>=1.0\nhttps://example.invalid/x-1.0.tar.gz\n./vendor/y\n' > "$BATS_TEST_TMPDIR/requirements.txt"
	aura-fetch --list-requirements -- "$BATS_TEST_TMPDIR/requirements.txt" > "$BATS_TEST_TMPDIR/out" 2>/dev/null || true
	run -0 validate "$BATS_TEST_TMPDIR/out"
	assert_output --partial "requirement"
	assert_equal "$(jq -r .kind "$BATS_TEST_TMPDIR/out" | sort | tr '\n' ' ')" "path pypi url "
}
