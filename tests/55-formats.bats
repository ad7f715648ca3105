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
	# SRCROOT is the directory the scan ran in (the checkout): named, not compared.
	output=${output//"file://$AURA_ROOT/"/"file:///AURA_ROOT/"}
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
	# a result's level follows the hit's severity in context (an info hit is a note)
	assert_jq "$log" 'all(.runs[0].results[]; .level == ({"critical":"error","high":"error","medium":"warning","low":"note","info":"note"}[.properties.severity]))'
	assert_jq "$log" 'any(.runs[0].results[]; .properties.severity == "info" and .level == "note")'
	# a member of an archive: the archive's uri with the member as fragment, and a nested
	# artifact (parentIndex: the archive, an analysis target with the package's capabilities)
	assert_jq "$(cat "$BATS_TEST_TMPDIR/archive.sarif")" '.runs[0] as $r |
		any($r.results[]; .locations[0].physicalLocation.artifactLocation as $l |
			($l.uri | test("^file:///.*/requestz-2.31.0.tar.gz#/install-dropper/setup.py$")) and
			$r.artifacts[$l.index].location.uri == $l.uri and
			($r.artifacts[$r.artifacts[$l.index].parentIndex] | (.location.uri | endswith("/requestz-2.31.0.tar.gz")) and
				(.properties.capabilities | map(.id) | index("network"))))'
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

# A 122 KB hit whose free-form fields nest 20,000 deep and carry a 100 KB string, and one
# with 10,000 small members: what every format copies of it is bounded, and "cut" says so.
amplifier() {
	python3 - <<'PY'
import json
art = {"type": "artifact", "v": 1, "id": "A", "path": "p.tar.gz", "kind": "archive", "name": "p"}
deep = "[" * 20000 + "]" * 20000
hit = ('{"type":"hit","v":1,"artifact":"A","detection":"Deep","score":10,"severity":"low",'
       '"path":"a.py","line":1,"col":0,"message":"m","tags":[],"evidence":"' + "e" * 100000 +
       '","flow":' + deep + '}')
wide = {"type": "hit", "v": 1, "artifact": "A", "detection": "Wide", "score": 10, "severity": "low",
        "path": "b.py", "line": 1, "col": 0, "message": "m",
        "payload": {"k%05d" % i: "v" * 20 for i in range(10000)}}
for r in (art, hit, wide, {"type": "artifact_end", "v": 1, "artifact": "A", "files": 0, "complete": True}):
    print(r if isinstance(r, str) else json.dumps(r))
PY
}

@test "formats: a hit's free-form fields are bounded in depth and bytes in every format, and the cut is said" {
	amplifier > "$BATS_TEST_TMPDIR/in"
	[ "$(wc -c < "$BATS_TEST_TMPDIR/in")" -gt 122000 ]
	local format size
	for format in sarif json text; do
		# head: an unbounded copy (1.5 GB of SARIF before) fails here quickly instead of filling the disk
		size=$(aura-score --format "$format" < "$BATS_TEST_TMPDIR/in" | head -c 5000000 | wc -c)
		[ "$size" -lt 400000 ] || fail "$format: $size bytes for a 122 KB input"
	done
	run -0 --separate-stderr aura-score --format json < "$BATS_TEST_TMPDIR/in"
	assert_equal "$(jq -c '[.complete, [.hits[] | [.detection, .cut]]]' <<<"$output")" \
		'[true,[["Deep",["evidence: 1 string cut at 4096 bytes (the longest had 100000)","flow: nested deeper than 8 levels"]],["Wide",["payload: 7887 values left out (the hit'"'"'s 65536-byte limit)"]]]]'
	assert_equal "$(jq -c '.hits[0] | [(.evidence | length), (.flow | tostring)]' <<<"$output")" '[4096,"[[[[[[[[]]]]]]]]"]'
	assert_equal "$(jq -c '.hits[1].payload | length' <<<"$output")" 2113
	run -0 --separate-stderr aura-score --format sarif < "$BATS_TEST_TMPDIR/in"
	assert_jq "$output" '.runs[0].results[0].properties | (.evidence | length == 4096) and .cut[1] == "flow: nested deeper than 8 levels"'
	run -0 --separate-stderr aura-score < "$BATS_TEST_TMPDIR/in"
	assert_output --partial "      cut: flow: nested deeper than 8 levels"
}

@test "formats: --merge bounds and range-checks the verdicts it reads back" {
	amplifier > "$BATS_TEST_TMPDIR/in"
	# A verdict written by hand, as from an old or tampered run: unbounded, with a bad column.
	python3 - "$BATS_TEST_TMPDIR/verdicts" <<'PY'
import json, sys
def verdict(aid, col):
    hit = {"type": "hit", "v": 1, "artifact": aid, "detection": "X", "score": 10, "severity": "low",
           "path": "a.py", "line": 1, "col": col, "message": "m", "count": 1, "flow": "FLOW"}
    v = {"type": "verdict", "v": 1, "artifact": {"id": aid, "name": "p"}, "score": 10, "risk": "info",
         "reason": "m", "complete": True, "incomplete_reasons": [], "errors": [], "files": 0,
         "hits": [hit], "hits_hidden": 0}
    return json.dumps(v).replace('"FLOW"', "[" * 5000 + "]" * 5000)
with open(sys.argv[1], "w") as f:
    f.write(verdict("A", 0) + "\n" + verdict("B", 2**63 - 1) + "\n")
PY
	run -2 --separate-stderr aura-score --merge --format sarif < "$BATS_TEST_TMPDIR/verdicts"
	assert_jq "$output" '.runs[0].results | length == 1 and (.[0].properties | tostring | length < 300)'
	[[ $stderr == *"<stdin>:2: malformed verdict record: verdict hit 0: hit field 'col' holds 9223372036854775807: it must be an integer in 0..2147483647"* ]] || fail "$stderr"
}

@test "formats: an artifact's strings are cut too: SARIF repeats the package name in every result" {
	python3 - > "$BATS_TEST_TMPDIR/in" <<'PY'
import json
print(json.dumps({"type": "artifact", "v": 1, "id": "A", "kind": "archive", "name": "n" * 200000}))
for i in range(300):
    print(json.dumps({"type": "hit", "v": 1, "artifact": "A", "detection": f"D{i}", "score": 1,
                      "severity": "low", "path": "a.py", "line": 1, "col": 0, "message": "m"}))
print(json.dumps({"type": "artifact_end", "v": 1, "artifact": "A", "files": 0, "complete": True}))
PY
	local size
	size=$(aura-score --format sarif < "$BATS_TEST_TMPDIR/in" | head -c 20000000 | wc -c)
	[ "$size" -lt 3000000 ] || fail "$size bytes of SARIF"
	run -0 --separate-stderr aura-score --format sarif < "$BATS_TEST_TMPDIR/in"
	assert_jq "$output" '.runs[0].results | length == 300 and (.[0].properties.package | length == 4096)'
}
