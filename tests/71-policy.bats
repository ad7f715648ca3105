#!/usr/bin/env bats
# 71-policy.bats: the auditor's policy file (docs/policy.md) in aura scan, aura-serve and the
# install commands: approvals by sha256 (aura approve, aura approvals), suppressions with an
# expiry date, allowed capabilities, thresholds, and refusing a file others may write.

load helpers/common

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	python3 "$AURA_ROOT/tests/fixtures/serve/make-index.py" "$T/index" "$T/marker"
	python3 "$AURA_ROOT/tests/helpers/serve-dir.py" "$T/index" "$T/up.port" 3>&- &
	echo $! > "$T/pids"
	python3 "$AURA_ROOT/tests/fixtures/registry/serve.py" "$T/web" "$T/reg.port" 3>&- &
	echo $! >> "$T/pids"
	for _ in $(seq 100); do [ -s "$T/up.port" ] && [ -s "$T/reg.port" ] && break; sleep 0.1; done
	export UPSTREAM="http://127.0.0.1:$(cat "$T/up.port")/simple/" REG="http://127.0.0.1:$(cat "$T/reg.port")"
	python3 "$AURA_ROOT/tests/fixtures/registry/make-registry.py" "$T/web" "$REG"
	# netpkg: code that makes network requests and runs processes when called (not at install).
	mkdir -p "$T/netpkg-1.0/netpkg"
	printf 'import urllib.request\n\ndef fetch(u):\n    return urllib.request.urlopen(u).read()\n\ndef run(c):\n    import subprocess\n    return subprocess.run(c, shell=True)\n' \
		> "$T/netpkg-1.0/netpkg/__init__.py"
	printf 'Metadata-Version: 1.0\nName: netpkg\nVersion: 1.0\n' > "$T/netpkg-1.0/PKG-INFO"
	tar -C "$T" -czf "$T/netpkg-1.0.tar.gz" netpkg-1.0
	export EVIL="$T/index/packages/evildep-1.0.tar.gz"
}

teardown_file() {
	kill $(cat "$T/pids") 2>/dev/null || true
}

# A policy file with the given YAML text, mode 0600 (as aura approve creates one).
policy() {	# file text
	printf '%s\n' "$2" > "$1"
	chmod 600 "$1"
}

@test "aura approve records the sha256, who, when and why; the approved file passes the gate" {
	run aura scan --fail-level high "$EVIL"
	assert_equal "$status" 1
	run aura approve --policy "$T/p1.yaml" --by alice "$EVIL" --note "reviewed: the curl is a test fixture"
	assert_success
	assert_output --partial "approved evildep==1.0"
	sha=$(sha256sum "$EVIL" | cut -c1-64)
	grep -q "\"sha256\":\"$sha\"" "$T/p1.yaml"
	grep -q '"by":"alice"' "$T/p1.yaml"
	grep -q '"note":"reviewed: the curl is a test fixture"' "$T/p1.yaml"
	grep -Eq '"at":"20[0-9]{2}-[0-9]{2}-[0-9]{2}T' "$T/p1.yaml"
	assert_equal "$(stat -c %a "$T/p1.yaml")" 600
	run --separate-stderr aura scan --policy "$T/p1.yaml" --fail-level high --format json "$EVIL"
	assert_success
	[[ $stderr == *"approved by alice"* ]] || fail "$stderr"
	# The risk is still reported; the approval is in the verdict.
	assert_jq "$output" '.risk == "critical" and .policy.approved.by == "alice"'
}

@test "the same version with a changed archive is not approved" {
	[ -f "$T/p1.yaml" ] || skip "needs the previous test's policy"
	mkdir -p "$T/changed" && tar -C "$T/changed" -xzf "$EVIL"
	echo "# one more line" >> "$T/changed/evildep-1.0/setup.py"
	tar -C "$T/changed" -czf "$T/changed/evildep-1.0.tar.gz" evildep-1.0
	run --separate-stderr aura scan --policy "$T/p1.yaml" --fail-level high --format json "$T/changed/evildep-1.0.tar.gz"
	assert_equal "$status" 1
	assert_jq "$output" '.artifact.name == "evildep" and .artifact.version == "1.0" and (.policy.approved | not)'
}

@test "aura approve adds to an existing list and keeps the file's other entries; aura approvals lists them" {
	policy "$T/p2.yaml" 'fail_level: high
approvals:
- {package: "old==1", sha256: "00", by: bob, at: "2026-01-01T00:00:00Z", note: "kept"}
suppressions: []'
	run aura approve --policy "$T/p2.yaml" "$T/netpkg-1.0.tar.gz" --note "second"
	assert_success
	run aura approvals --policy "$T/p2.yaml"
	assert_success
	assert_output --partial "approvals: 2"
	assert_output --partial "old==1  sha256 00  by bob"
	assert_output --partial "netpkg==1.0  sha256 $(sha256sum "$T/netpkg-1.0.tar.gz" | cut -c1-64)"
	assert_output --partial "thresholds: fail_level high"
	run aura approve --policy "$T/p2.yaml" "$T/netpkg-1.0.tar.gz"
	assert_equal "$status" 2
	assert_output --partial -- "--note TEXT is required"
}

@test "a suppression lets exactly one detection through for that package, until it expires" {
	run --separate-stderr aura scan --format json "$EVIL"
	assert_jq "$output" '[.hits[].detection] | index("DownloadAndRun") != null and index("ShellCommand") != null'
	before=$(jq .score <<<"$output")
	others=$(jq -c '[.hits[].detection | select(. != "DownloadAndRun")]' <<<"$output")
	policy "$T/p3.yaml" 'suppressions:
  - package: pypi:evildep
    detection: DownloadAndRun
    expires: 2099-12-31
    reason: "the download is the fixture'"'"'s own"
  - package: evildep
    detection: ShellCommand
    expires: 2020-01-01
    reason: "expired long ago"
  - package: goodlib
    detection: ShellCommand
    expires: 2099-12-31
    reason: "another package"'
	run --separate-stderr aura scan --policy "$T/p3.yaml" --format json "$EVIL"
	assert_jq "$output" "[.hits[].detection] == $others"
	assert_jq "$output" '.policy.suppressed | length == 1 and .[0].detection == "DownloadAndRun" and .[0].expires == "2099-12-31"'
	assert_jq "$output" ".score < $before"
	# The expired entry is ignored, and said so (verdict and stderr).
	assert_jq "$output" '.policy.notes[0] | contains("expired on 2020-01-01: ignored")'
	[[ $stderr == *"expired on 2020-01-01: ignored"* ]] || fail "$stderr"
	run aura approvals --policy "$T/p3.yaml"
	assert_output --partial "until 2020-01-01 (EXPIRED: ignored)"
}

@test "a suppression needs an expiry date and a reason" {
	policy "$T/p4.yaml" 'suppressions:
  - package: evildep
    detection: DownloadAndRun
    reason: "forever"'
	run aura scan --policy "$T/p4.yaml" "$EVIL"
	assert_equal "$status" 2
	assert_output --partial "suppressions[0] needs 'expires'"
	policy "$T/p4.yaml" 'suppresions: []'
	run aura scan --policy "$T/p4.yaml" "$EVIL"
	assert_equal "$status" 2
	assert_output --partial "unknown key 'suppresions'"
}

@test "allowed capabilities: hits of an allowed kind are not counted, install-time ones still are" {
	policy "$T/p5.yaml" 'capabilities:
  - package: netpkg
    allow: [network]
  - package: evildep
    allow: [process]'
	run --separate-stderr aura scan --policy "$T/p5.yaml" --format json "$T/netpkg-1.0.tar.gz"
	assert_jq "$output" '[.hits[].detection] == ["ProcessExecution"]'
	assert_jq "$output" '.policy.allowed == [{"detection": "NetworkRequest", "path": "netpkg-1.0/netpkg/__init__.py", "capability": "network"}]'
	run --separate-stderr aura scan --policy "$T/p5.yaml" --format json "$EVIL"
	assert_jq "$output" '(.policy.allowed | not) and .risk == "critical"'
}

@test "policy thresholds tighten the gate, never loosen it" {
	policy "$T/p6.yaml" 'fail_level: info'
	run aura scan --policy "$T/p6.yaml" "$T/netpkg-1.0.tar.gz"
	assert_equal "$status" 1
	run aura scan "$T/netpkg-1.0.tar.gz"
	assert_success
	policy "$T/p6.yaml" 'fail_level: critical'
	run aura scan --policy "$T/p6.yaml" --fail-level info "$T/netpkg-1.0.tar.gz"
	assert_equal "$status" 1
}

@test "a policy file others may write, or someone else's, is refused" {
	policy "$T/p7.yaml" 'fail_level: high'
	chmod 666 "$T/p7.yaml"
	run aura scan --policy "$T/p7.yaml" "$T/netpkg-1.0.tar.gz"
	assert_equal "$status" 2
	assert_output --partial "is writable by others (mode 0666): refused"
	chmod 620 "$T/p7.yaml"
	run aura approvals --policy "$T/p7.yaml"
	assert_equal "$status" 2
	chmod 600 "$T/p7.yaml"
	run aura approvals --policy "$T/p7.yaml"
	assert_success
	if [ "$(id -u)" = 0 ]; then
		chown 12345 "$T/p7.yaml"
		run aura scan --policy "$T/p7.yaml" "$T/netpkg-1.0.tar.gz"
		assert_equal "$status" 2
		assert_output --partial "belongs to uid 12345, neither root nor you: refused"
	fi
}

@test "the default policy is \$XDG_CONFIG_HOME/aura/policy.yaml" {
	mkdir -p "$T/xdg/aura"
	policy "$T/xdg/aura/policy.yaml" 'fail_level: info'
	XDG_CONFIG_HOME="$T/xdg" run aura scan "$T/netpkg-1.0.tar.gz"
	assert_equal "$status" 1
	XDG_CONFIG_HOME="$T/xdg" run aura approvals
	assert_output --partial "policy $T/xdg/aura/policy.yaml"
}

@test "a package's own files are never read as policy, not even from the directory scanned in" {
	mkdir -p "$T/selfpol" && tar -C "$T/selfpol" -xzf "$EVIL"
	cd "$T/selfpol/evildep-1.0"
	for f in policy.yaml .aura.yaml aura.yaml .aura/policy.yaml; do
		mkdir -p "$(dirname "$f")"
		printf 'suppressions:\n  - {package: evildep, detection: ShellCommand, expires: 2099-12-31, reason: "trust me"}\n' > "$f"
	done
	printf '# aura: ignore ShellCommand\n' >> setup.py
	XDG_CONFIG_HOME="$T/empty-xdg" run aura scan --format json .
	assert_jq "$output" '[.hits[].detection] | index("ShellCommand") != null'
	assert_jq "$output" '.policy | not'
}

@test "aura-serve --policy: an approved file is served, the others still refused" {
	aura approve --policy "$T/p8.yaml" "$EVIL" --note "reviewed" >/dev/null
	aura-serve --upstream "$UPSTREAM" --cache "$T/cache8" --policy "$T/p8.yaml" > "$T/s8.url" 2> "$T/s8.log" 3>&- &
	echo $! >> "$T/pids"
	for _ in $(seq 100); do [ -s "$T/s8.url" ] && break; sleep 0.1; done
	proxy=$(head -1 "$T/s8.url")
	link=$(curl -sf "${proxy}evildep/" | grep -o 'href="[^"#]*' | sed 's/^href="//')
	run curl -s -o "$T/got8.tgz" -w '%{http_code}' "$link"
	assert_output 200
	cmp "$T/got8.tgz" "$EVIL"
	grep -q 'approved by' "$T/s8.log"
	# Without the policy the same file is refused.
	link=$(curl -sf "${proxy}tampered/" | grep -o 'href="[^"#]*' | sed 's/^href="//')
	run curl -s -o /dev/null -w '%{http_code}' "$link"
	assert_output 403
}

@test "a policy allow_unanalysed entry lets one npm package through aura npm install, listed" {
	policy "$T/p9.yaml" 'allow_unanalysed: [npm:leftpad]'
	mkdir -p "$T/proj9" && cd "$T/proj9"
	XDG_CACHE_HOME="$T/xdg9" run --separate-stderr aura npm install --registry "$REG/" --policy "$T/p9.yaml" leftpad
	assert_success
	[[ $stderr == *"passed unanalysed leftpad@1.0.0"* ]] || fail "$stderr"
	[ -e node_modules/leftpad/index.js ] || fail "node_modules/leftpad/index.js does not exist"
	XDG_CACHE_HOME="$T/xdg9" run --separate-stderr aura npm install --registry "$REG/" --policy "$T/p9.yaml" oldpkg
	assert_equal "$status" 1
	[[ $stderr == *"refused oldpkg@0.1.0"*"not analysed"* ]] || fail "$stderr"
}
