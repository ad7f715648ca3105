#!/usr/bin/env bats
# 55-formats.bats: every output format on examples/ through the real pipeline, against golden
# files; the SARIF log against the SARIF 2.1.0 schema; source lines, payloads and redaction.
load helpers/common

GOLDEN="$AURA_ROOT/tests/golden/formats"
SCHEMA="${AURA_SARIF_SCHEMA:-$AURA_SHARED/data/sarif-schema-2.1.0.json}"

# Compare $output with a golden file; AURA_UPDATE_GOLDEN=1 rewrites it instead (after a
# deliberate change in a stage: review the diff before committing).  Paths are relative
# to the repository (the scans run from its root) and ids are content hashes, so nothing
# needs normalising but the database's timestamps, which the db test leaves out.
golden() {
	if [ -n "${AURA_UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$output" > "$GOLDEN/$1"
		return
	fi
	diff -u "$GOLDEN/$1" <(printf '%s\n' "$output") || fail "output differs from tests/golden/formats/$1 (AURA_UPDATE_GOLDEN=1 regenerates it)"
}

setup() { cd "$AURA_ROOT"; }

@test "formats: text report of examples/ matches the golden file" {
	run -0 --separate-stderr aura scan examples/benign-cli examples/benign-greeting \
		examples/cmdclass-hook examples/install-dropper examples/obfuscated-loader
	golden examples.txt
}

@test "formats: json verdicts of examples/ match the golden file" {
	run -0 --separate-stderr aura scan --format json examples/benign-cli examples/benign-greeting \
		examples/cmdclass-hook examples/install-dropper examples/obfuscated-loader
	assert_valid_records
	golden examples.ndjson
}

@test "formats: sarif log of examples/ matches the golden file" {
	run -0 --separate-stderr aura scan --format sarif examples/benign-cli examples/benign-greeting \
		examples/cmdclass-hook examples/install-dropper examples/obfuscated-loader
	golden examples.sarif
}

@test "formats: the database rows of examples/ match the golden file" {
	local db="$BATS_TEST_TMPDIR/r.db"
	run -0 --separate-stderr aura scan --format json --db "$db" examples/benign-cli \
		examples/benign-greeting examples/cmdclass-hook examples/install-dropper \
		examples/obfuscated-loader
	# Timestamps, pids and row ids of other tables vary: only the content is compared.
	run -0 python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for row in c.execute("""select p.ecosystem, p.name, v.version, a.artifact, a.path, a.kind,
        a.score, a.risk, a.complete, a.file_count, a.hit_count, a.reason
        from artifacts a left join versions v on a.version_id = v.id
        left join packages p on v.package_id = p.id order by a.path"""):
    print("artifact", *row, sep="|")
for row in c.execute("""select a.path, f.idx, f.path, f.sha256, f.size, f.kind from files f
        join artifacts a on f.artifact_id = a.id order by a.path, f.idx"""):
    print("file", *row, sep="|")
for row in c.execute("""select a.path, h.detection, h.severity, h.score, h.path, h.line, h.col,
        h.name, h.context, h.count, h.tags from hits h join artifacts a on h.artifact_id = a.id
        order by a.path, h.id"""):
    print("hit", *row, sep="|")
PY
	golden examples.db.txt
}

@test "formats: the SARIF log is valid SARIF 2.1.0 (schema), with 1-based columns and levels" {
	# The schema is shared data from outside the repository: a clean clone has none, so the
	# check says it was skipped; CI, which has it, sets AURA_REQUIRE_SHARED=1 to make that a failure.
	if [ ! -f "$SCHEMA" ]; then
		[ -z "${AURA_REQUIRE_SHARED:-}" ] || fail "no SARIF schema at $SCHEMA (AURA_REQUIRE_SHARED is set)"
		skip "no SARIF schema at $SCHEMA (set AURA_SHARED or AURA_SARIF_SCHEMA to run this check)"
	fi
	aura scan --format sarif examples/*/ examples/obfuscated-loader/loader.py > "$BATS_TEST_TMPDIR/out.sarif" || true
	tar -C examples -czf "$BATS_TEST_TMPDIR/requestz-2.31.0.tar.gz" install-dropper
	aura scan --format sarif "$BATS_TEST_TMPDIR/requestz-2.31.0.tar.gz" > "$BATS_TEST_TMPDIR/archive.sarif" || true
	for f in out archive; do
		# Debian's python3, where `make deps` installed python3-jsonschema.
		run -0 /usr/bin/python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.load(open(sys.argv[2])), schema)
print("valid")' "$SCHEMA" "$BATS_TEST_TMPDIR/$f.sarif"
	done
	local log
	log=$(cat "$BATS_TEST_TMPDIR/out.sarif")
	assert_jq "$log" '.version == "2.1.0" and (.runs | length) == 1'
	# every rule used is described, with help text; every result points at a line
	assert_jq "$log" '.runs[0] as $r | ($r.tool.driver.rules | map(.id)) as $ids |
		all($r.results[]; .ruleId as $id | $ids | index($id)) and
		all($r.tool.driver.rules[]; (.help.text | length) > 0)'
	assert_jq "$log" 'all(.runs[0].results[]; .level | IN("error","warning","note"))'
	# os.system at setup.py:10, byte column 0: SARIF column 1
	assert_jq "$log" 'any(.runs[0].results[]; .properties.name == "os.system" and
		.locations[0].physicalLocation.artifactLocation.uri == "examples/install-dropper/setup.py" and
		.locations[0].physicalLocation.region.startLine == 10 and
		.locations[0].physicalLocation.region.startColumn == 1 and .level == "error")'
	# a member of an archive: the path inside it, relative to a base naming the archive
	assert_jq "$(cat "$BATS_TEST_TMPDIR/archive.sarif")" '.runs[0] | (.originalUriBaseIds.PKG0.description.text | endswith("requestz-2.31.0.tar.gz")) and
		any(.results[]; .locations[0].physicalLocation.artifactLocation == {"uriBaseId":"PKG0","uri":"install-dropper/setup.py"})'
}

@test "formats: an incomplete artifact shows in SARIF as a failed invocation, and exit 2" {
	run -2 --separate-stderr bash -c "aura-fetch examples/install-dropper | aura-unpack | aura-parse | aura-rewrite | aura-analyze | grep -v artifact_end | aura-score --format sarif"
	assert_jq "$output" '.runs[0].invocations[0].executionSuccessful == false and
		(.runs[0].invocations[0].toolExecutionNotifications[0].message.text | contains("interrupted: no artifact_end"))'
}

@test "formats: SARIF columns count characters, not bytes; uris are percent-encoded" {
	stream() {
		jq -nc '{type:"artifact",v:1,id:"A",path:"pkgs/my pkg",kind:"directory",name:"p"}'
		jq -nc '{type:"file",v:1,artifact:"A",id:"A:0",index:0,path:"sp ace/é.py",kind:"python",
			content:"s = \"ééé\"; eval(s)\n",content_encoding:"utf-8"}'
		jq -nc '{type:"hit",v:1,artifact:"A",file:"A:0",detection:"Eval",score:10,severity:"medium",
			path:"sp ace/é.py",line:1,col:14,message:"eval()"}'
		jq -nc '{type:"artifact_end",v:1,artifact:"A",files:1,complete:true}'
	}
	run -0 bash -c "$(declare -f stream); stream | aura-score --format sarif"
	assert_jq "$output" '.runs[0].results[0].locations[0].physicalLocation |
		.artifactLocation.uri == "pkgs/my%20pkg/sp%20ace/%C3%A9.py" and .region.startColumn == 12'
}
