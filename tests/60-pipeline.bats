#!/usr/bin/env bats
# 60-pipeline.bats: the whole pipeline through bin/aura on examples/, composability, bad targets.

load helpers/common

EX="$AURA_ROOT/examples"

@test "scan of examples/ flags the malicious-looking packages and passes the benign ones" {
	run --separate-stderr aura scan --format json "$EX"/*/
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_valid_records
	risk() { printf '%s\n' "$output" | jq -r --arg n "$1" 'select(.type=="verdict" and .artifact.name==$n) | .risk'; }
	assert_equal "$(printf '%s\n' "$output" | jq -s 'map(select(.type=="verdict")) | length')" 5
	[[ $(risk install-dropper) =~ ^(high|critical)$ ]] || fail "install-dropper: $(risk install-dropper)"
	[[ $(risk cmdclass-hook) =~ ^(high|critical)$ ]] || fail "cmdclass-hook: $(risk cmdclass-hook)"
	[[ $(risk obfuscated-loader) =~ ^(medium|high|critical)$ ]] || fail "obfuscated-loader: $(risk obfuscated-loader)"
	[ "$(risk benign-greeting)" = info ] || fail "benign-greeting: $(risk benign-greeting)"
	[[ $(risk benign-cli) =~ ^(info|low)$ ]] || fail "benign-cli: $(risk benign-cli)"
}

@test "json hits carry detection, score, severity, path, line, col and message" {
	run --separate-stderr aura scan --format json "$EX/install-dropper"
	assert_success
	v=$(verdict_of install-dropper)
	assert_jq "$v" '.hits | length > 0'
	assert_jq "$v" '.hits | all(
	      (.detection|type)=="string" and (.score|type)=="number" and
	      (.severity|IN("info","low","medium","high","critical")) and
	      (.path|type)=="string" and (.line|type)=="number" and (.col|type)=="number" and
	      (.message|type)=="string")'
	# os.system on line 10 of setup.py, found through the real pipeline.
	assert_jq "$v" 'any(.hits[]; .name=="os.system" and .path=="setup.py" and .line==10 and .col==0)'
}

@test "the text report names the packages, the risk and the evidence" {
	run --separate-stderr aura scan "$EX/install-dropper" "$EX/benign-greeting"
	assert_success
	assert_output --partial "install-dropper"
	assert_output --partial "os.system"
	assert_output --partial "benign-greeting"
	[[ $output == *"2 packages"* ]] || fail "$output"
}

@test "gates: --fail-level high exits 1 on a dropper and 0 on a benign package" {
	run aura scan --fail-level high "$EX/install-dropper"
	assert_failure 1
	run aura scan --fail-level high "$EX/benign-greeting"
	assert_success
	run aura scan --fail-score 1 "$EX/obfuscated-loader"
	assert_failure 1
}

@test "composability: rewrite replaced by cat, and stages chained through jq, still scan" {
	run --separate-stderr bash -c "aura-fetch '$EX/install-dropper' | aura-unpack | aura-parse | cat | aura-analyze | aura-score --format json"
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_jq "$(verdict_of install-dropper)" '.complete and (.hits | map(.name) | index("os.system"))'
	run --separate-stderr bash -c "aura-fetch '$EX/cmdclass-hook' | aura-unpack | jq -c . | aura-parse | jq -c . | aura-rewrite | aura-analyze | aura-score --format json"
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_jq "$(verdict_of cmdclass-hook)" '.hits | map(.name) | index("subprocess.Popen")'
}

@test "a missing path, an empty directory and a corrupt archive: errors, the rest still scanned, exit 2" {
	mkdir "$BATS_TEST_TMPDIR/empty"
	printf '\037\213\010\000garbage' > "$BATS_TEST_TMPDIR/broken-1.0.tar.gz"
	run --separate-stderr aura scan --format json "$BATS_TEST_TMPDIR/missing" "$BATS_TEST_TMPDIR/empty" \
	    "$BATS_TEST_TMPDIR/broken-1.0.tar.gz" "$EX/install-dropper"
	[ "$status" -eq 2 ] || fail "exit $status"
	[[ $stderr == *"$BATS_TEST_TMPDIR/missing: cannot open: No such file or directory"* ]] || fail "$stderr"
	[[ $stderr == *"$BATS_TEST_TMPDIR/empty: empty directory"* ]] || fail "$stderr"
	[[ $stderr == *"broken-1.0.tar.gz"* ]] || fail "$stderr"
	assert_jq "$(verdict_of install-dropper)" '.complete'
	assert_jq "$(verdict_of broken)" '.complete == false'
	run --separate-stderr aura scan --allow-errors --format json "$BATS_TEST_TMPDIR/missing" "$EX/benign-greeting"
	assert_success
}

@test "scanning an archive and a single .py file works end to end" {
	tar -C "$EX" -czf "$BATS_TEST_TMPDIR/requestz-2.31.0.tar.gz" install-dropper
	run --separate-stderr aura scan --format json "$BATS_TEST_TMPDIR/requestz-2.31.0.tar.gz" "$EX/obfuscated-loader/loader.py"
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_jq "$(verdict_of requestz)" '(.artifact.version=="2.31.0") and (.hits | map(.name) | index("os.system"))'
	assert_jq "$(verdict_of loader.py)" '.hits | map(.name) | index("builtins.eval")'
}

@test "the driver names a stage killed by a signal and exits 2" {
	# A stage binary that dies of SIGSYS stands in for a sandbox violation.
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$AURA_BIN"/aura* "$BATS_TEST_TMPDIR/bin/"
	printf '#!/bin/sh\nexec %s --sandbox-selftest socket\n' "$AURA_BIN/aura-rewrite" > "$BATS_TEST_TMPDIR/bin/aura-rewrite"
	chmod +x "$BATS_TEST_TMPDIR/bin/aura-rewrite"
	run --separate-stderr "$BATS_TEST_TMPDIR/bin/aura" scan "$EX/benign-greeting"
	assert_failure 2
	[[ $stderr == *"aura-rewrite was killed by SYS (sandbox violation)"* ]] || fail "$stderr"
}
