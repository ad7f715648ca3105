#!/usr/bin/env bats
# 63-stages.bats: swapping stages — `--stage NAME=COMMAND` and `--insert-after NAME=COMMAND`
# with drop-in stages written in Python (Debian's python3), the custom_stages record in the
# verdict, and downstream stages working from a minimal artifact record.

load helpers/common

EX="$AURA_ROOT/examples"
FIX="$AURA_ROOT/tests/fixtures/stages"

@test "--insert-after analyze: a Python filter suppresses a detection; the verdict records it; stderr says unconfined" {
	run --separate-stderr aura scan -f json "$EX/install-dropper"
	assert_equal "$status" 0
	assert_jq "$output" 'any(.hits[]; .detection == "ShellCommand")'
	before=$(jq .score <<<"$output")
	run --separate-stderr aura scan -f json --insert-after "analyze=python3 $FIX/suppress.py ShellCommand" "$EX/install-dropper"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_jq "$output" 'all(.hits[]; .detection != "ShellCommand") and any(.hits[]; .detection == "Dropper")'
	assert_jq "$output" ".score < $before"
	assert_jq "$output" ".custom_stages == [{\"action\": \"inserted-after\", \"stage\": \"analyze\", \"command\": \"python3 $FIX/suppress.py ShellCommand\"}]"
	[[ $stderr == *"runs after aura-analyze: it runs unconfined (no seccomp, no Landlock) unless it confines itself"* ]] || fail "$stderr"
	# Aura's own pipeline records nothing of the kind.
	run --separate-stderr aura scan -f json "$EX/install-dropper"
	assert_jq "$output" 'has("custom_stages") | not'
	# The record goes into the database too, and survives aura merge.
	run --separate-stderr aura scan -f json --db "$BATS_TEST_TMPDIR/s.db" --insert-after 'parse=cat' "$EX/benign-cli"
	assert_equal "$(sqlite3 "$BATS_TEST_TMPDIR/s.db" "SELECT json_extract(verdict, '\$.custom_stages[0].stage') FROM artifacts")" parse
	run --separate-stderr aura merge -f json - <<<"$output"
	assert_jq "$output" '.custom_stages[0].command == "cat"'
}

@test "--stage fetch: a Python fetch emitting a minimal artifact keeps the typosquat check (name from the path)" {
	tar -czf "$BATS_TEST_TMPDIR/reqeusts-1.0.tar.gz" -C "$EX" benign-greeting
	run --separate-stderr aura scan -f json --stage "fetch=python3 $FIX/fetch.py" "$BATS_TEST_TMPDIR/reqeusts-1.0.tar.gz"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_jq "$output" '.complete and .artifact.name == null'
	assert_jq "$output" 'any(.hits[]; .detection == "Typosquat" and .name == "requests" and .evidence == "reqeusts")'
	assert_jq "$output" '.custom_stages == [{"action": "replaced", "stage": "fetch", "command": "python3 '"$FIX"'/fetch.py"}]'
	[[ $stderr == *"stage fetch is replaced by the command 'python3 $FIX/fetch.py': it runs unconfined"* ]] || fail "$stderr"
	# A wheel's name is its first part; a plain name is not flagged.
	cp "$BATS_TEST_TMPDIR/reqeusts-1.0.tar.gz" "$BATS_TEST_TMPDIR/greeting-2.0.tar.gz"
	run --separate-stderr aura scan -f json --stage "fetch=python3 $FIX/fetch.py" "$BATS_TEST_TMPDIR/greeting-2.0.tar.gz"
	assert_jq "$output" 'all(.hits[]; .detection != "Typosquat" and .detection != "PackageNameUnknown")'
}

@test "aura-analyze: an artifact with neither name nor path says the typosquat check was not run" {
	run --separate-stderr aura-analyze <<<'{"type":"artifact","v":1,"id":"abc","kind":"archive"}'
	assert_equal "$status" 0
	hit=$(records_of_type hit <<<"$output")
	assert_jq "$hit" '.detection == "PackageNameUnknown" and .severity == "info" and .score == 0'
	assert_jq "$hit" '.message | contains("typosquat check was not run")'
	# With a name, or a path to take one from, nothing of the kind.
	run --separate-stderr aura-analyze <<<'{"type":"artifact","v":1,"id":"abc","kind":"archive","path":"/x/some-pkg-1.0.zip"}'
	assert_equal "$(records_of_type hit <<<"$output")" ""
}

@test "--stage analyze: a Python replacement; its failure is named, and the scan is incomplete" {
	# A replacement analyze that finds nothing: the records pass, no hit is made.
	run --separate-stderr aura scan -f json --stage "analyze=python3 $FIX/suppress.py" "$EX/install-dropper"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_jq "$output" '.complete and (.hits | length) == 0 and .custom_stages[0].action == "replaced"'
	run --separate-stderr aura scan -f json --stage "analyze=python3 -c 'import sys; sys.exit(4)'" "$EX/install-dropper"
	assert_equal "$status" 2
	[[ $stderr == *"the replacement of aura-analyze ('python3 -c 'import sys; sys.exit(4)'') failed (exit 4); the scan is incomplete"* ]] || fail "$stderr"
	# Several targets, -j 2: the same in every job.
	run --separate-stderr aura scan -f json -j 2 --insert-after "rewrite=python3 $FIX/suppress.py" "$EX/install-dropper" "$EX/benign-cli"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_equal "$(jq -s 'map(select(.custom_stages[0].stage == "rewrite")) | length' <<<"$output")" 2
	# A replacement score: its output is the report, its exit status the scan's.
	run --separate-stderr aura scan --stage 'score=grep -c "^{\"type\":\"hit\"" ; exit 1' "$EX/install-dropper"
	assert_equal "$status" 1
	[ "$output" -ge 4 ] || fail "the replacement counted '$output' hits, wanted 4 or more"
	[[ $stderr == *"aura-score is replaced, so no verdict records the stages that were changed"* ]] || fail "$stderr"
}

@test "--stage/--insert-after: bad specifications are usage errors before anything runs" {
	for bad in "--stage analyse=cat" "--stage analyze" "--stage =cat" "--stage analyze=" \
	           "--insert-after score=cat" "--stage parse=cat --stage aura-parse=cat"; do
		# shellcheck disable=SC2086
		run --separate-stderr aura scan $bad "$EX/benign-cli"
		[ "$status" -eq 2 ] || fail "$bad: exit $status"
		assert_equal "$output" ""
		[[ $stderr == "aura: --"* ]] || fail "$bad: $stderr"
	done
	run aura-score --custom-stage 'deleted:parse=x' </dev/null
	assert_equal "$status" 2
}
