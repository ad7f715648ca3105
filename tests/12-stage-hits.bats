#!/usr/bin/env bats
# 12-stage-hits.bats: the weights of the hits fetch, unpack, parse, rewrite (and analyze, outside its rules) raise themselves come from data/stage-hits.tsv.
load helpers/common
load helpers/parse
bats_require_minimum_version 1.5.0

TABLE="$AURA_ROOT/data/stage-hits.tsv"

setup() { cd "$BATS_TEST_TMPDIR"; }

# The score data/stage-hits.tsv gives stage $1's detection $2.
table_score() { awk -F'\t' -v s="$1" -v d="$2" '$1 == s && $2 == d { print $4 }' "$TABLE"; }

# A tar with a `..` member: one PathTraversal hit.
traversal_tar() {
	python3 - "$1" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w') as t:
    ti = tarfile.TarInfo('../evil.py')
    ti.size = 6
    t.addfile(ti, io.BytesIO(b'x = 1\n'))
PY
}

# The score of the PathTraversal hit aura-unpack binary $1 writes for tar $2.
traversal_score() {
	jq -nc --arg p "$2" '{type:"artifact",v:1,id:"a",path:$p,kind:"archive"}' |
		"$1" | jq -r 'select(.type == "hit" and .detection == "PathTraversal") | .score'
}

# The score of the NulBytes hit aura-parse binary $1 writes for a source with a NUL byte.
nul_score() {
	printf 'x = 1\0\n' >nul.py
	file_record nul.py python base64 | "$1" |
		jq -r 'select(.type == "hit" and .detection == "NulBytes") | .score'
}

# The score of the RecordFileMissing hit aura-fetch binary $1 writes for a site-packages
# whose one distribution's RECORD lists a file that is not there.
missing_score() {
	local sp=venv/lib/python3.11/site-packages
	mkdir -p "$sp/p-1.0.dist-info"
	printf 'Metadata-Version: 2.1\nName: p\nVersion: 1.0\n' >"$sp/p-1.0.dist-info/METADATA"
	printf 'p/gone.py,sha256=AAAA,3\np-1.0.dist-info/RECORD,,\n' >"$sp/p-1.0.dist-info/RECORD"
	"$1" "$sp" | jq -r 'select(.type == "hit" and .detection == "RecordFileMissing") | .score'
}

# The score of the PackageNameUnknown hit aura-analyze binary $1 writes for an artifact
# record with neither name nor path.
unknown_score() {
	jq -nc '{type:"artifact",v:1,id:"a",kind:"archive"}' |
		"$1" | jq -r 'select(.type == "hit" and .detection == "PackageNameUnknown") | .score'
}

@test "stage hits: the score unpack writes is the table's" {
	traversal_tar "$BATS_TEST_TMPDIR/t.tar"
	run --separate-stderr traversal_score aura-unpack "$BATS_TEST_TMPDIR/t.tar"
	assert_success
	assert_output "$(table_score unpack PathTraversal)"
}

@test "stage hits: the scores parse, fetch and analyze write are the table's" {
	run --separate-stderr nul_score aura-parse
	assert_success
	assert_output "$(table_score parse NulBytes)"
	run --separate-stderr missing_score aura-fetch
	assert_success
	assert_output "$(table_score fetch RecordFileMissing)"
	run --separate-stderr unknown_score aura-analyze
	assert_success
	assert_output "$(table_score analyze PackageNameUnknown)"
}

@test "stage hits: a weight changed in data/stage-hits.tsv is the score rebuilt fetch, unpack, parse and analyze write" {
	# The checkout itself, not a copy inside one (make san-check runs the suite in build/san).
	command -v git >/dev/null &&
		[ "$(git -C "$AURA_ROOT" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$AURA_ROOT" && pwd -P)" ] ||
		skip "needs the git checkout to copy the tracked tree (not a copy of it, as san-check runs)"
	local tree="$BATS_TEST_TMPDIR/tree"
	mkdir -p "$tree"
	# The working tree's tracked files (as they are now, edits included), as make's COPY_TREE does.
	git -C "$AURA_ROOT" ls-files -z | (cd "$AURA_ROOT" && xargs -0 tar -cf -) | tar -xf - -C "$tree"
	# The built grammar, timestamps kept, so that make does not fetch or compile it again.
	mkdir -p "$tree/third_party"
	cp -a "$AURA_ROOT/third_party/tree-sitter-python" "$tree/third_party/"
	assert_equal "$(table_score unpack PathTraversal) $(table_score parse NulBytes)" "50 10"
	assert_equal "$(table_score fetch RecordFileMissing)" 10
	assert_equal "$(table_score analyze PackageNameUnknown)" 0
	# (a severity is its score's level: 10 is info, 33 and 44 low, 50 and 77 medium)
	sed -i -e 's/^unpack\tPathTraversal\tmedium\t50$/unpack\tPathTraversal\tmedium\t77/' \
		-e 's/^parse\tNulBytes\tinfo\t10$/parse\tNulBytes\tlow\t33/' \
		-e 's/^fetch\tRecordFileMissing\tinfo\t10$/fetch\tRecordFileMissing\tlow\t44/' \
		-e 's/^analyze\tPackageNameUnknown\tinfo\t0$/analyze\tPackageNameUnknown\tinfo\t5/' \
		"$tree/data/stage-hits.tsv"
	# -O0: the quickest build, and the project's own flags must survive a CFLAGS of the user's.
	run make -s -C "$tree" -j2 CFLAGS="-O0" bin/aura-unpack bin/aura-parse bin/aura-fetch \
		bin/aura-analyze
	assert_success
	traversal_tar "$BATS_TEST_TMPDIR/t.tar"
	run --separate-stderr traversal_score "$tree/bin/aura-unpack" "$BATS_TEST_TMPDIR/t.tar"
	assert_output 77
	run --separate-stderr nul_score "$tree/bin/aura-parse"
	assert_output 33
	run --separate-stderr missing_score "$tree/bin/aura-fetch"
	assert_output 44
	run --separate-stderr unknown_score "$tree/bin/aura-analyze"
	assert_output 5
	# The installed stages keep the table they were built with.
	run --separate-stderr traversal_score aura-unpack "$BATS_TEST_TMPDIR/t.tar"
	assert_output 50
	run --separate-stderr nul_score aura-parse
	assert_output 10
}

@test "stage hits: a malformed line in the table stops the build, naming the line" {
	printf 'unpack\tPathTraversal\thgih\t50\n' >"$BATS_TEST_TMPDIR/bad.tsv"
	run --separate-stderr "$AURA_ROOT/scripts/gen-stagehits.sh" "$BATS_TEST_TMPDIR/bad.tsv"
	assert_failure
	[[ "$stderr" == *"bad.tsv:1: expected stage, detection, severity, score"* ]] ||
		fail "stderr: $stderr"
	printf 'unpack\tSymlink\tlow\t20\nunpack\tSymlink\tlow\t30\n' >"$BATS_TEST_TMPDIR/twice.tsv"
	run --separate-stderr "$AURA_ROOT/scripts/gen-stagehits.sh" "$BATS_TEST_TMPDIR/twice.tsv"
	assert_failure
	[[ "$stderr" == *"twice.tsv:2: unpack Symlink listed twice"* ]] || fail "stderr: $stderr"
	# A severity that is not the score's level on the verdict's scale (30 is low).
	printf 'unpack\tSetuidMember\tmedium\t30\n' >"$BATS_TEST_TMPDIR/level.tsv"
	run --separate-stderr "$AURA_ROOT/scripts/gen-stagehits.sh" "$BATS_TEST_TMPDIR/level.tsv"
	assert_failure
	[[ "$stderr" == *"level.tsv:1: unpack SetuidMember: severity medium, but a score of 30 is low on the scale of verdicts"* ]] ||
		fail "stderr: $stderr"
	printf 'score\tCapability\tlow\t10\n' >"$BATS_TEST_TMPDIR/stage.tsv"	# score raises none
	run --separate-stderr "$AURA_ROOT/scripts/gen-stagehits.sh" "$BATS_TEST_TMPDIR/stage.tsv"
	assert_failure
	[[ "$stderr" == *"stage.tsv:1: expected stage, detection, severity, score"* ]] || fail "stderr: $stderr"
}

@test "stage hits: the table in docs/rules.md says what data/stage-hits.tsv says" {
	# docs rows: | `Name` | aura-stage | severity | score | when |
	sed -n 's/^| `\([A-Za-z0-9]*\)` | aura-\(fetch\|unpack\|parse\|rewrite\|analyze\) | \([a-z]*\) | \([0-9]*\) | .*/\2\t\1\t\3\t\4/p' \
		"$AURA_ROOT/docs/rules.md" | sort >doc.tsv
	grep -v '^#' "$TABLE" | grep . | sort >table.tsv
	run diff table.tsv doc.tsv
	assert_success
}

@test "stage hits: MarshalPayload's score is the table's" {
	file_record "$AURA_ROOT/tests/fixtures/rewrite/45-marshal.py" | aura-parse | aura-rewrite >rw.ndjson
	run jq -r 'select(.type == "hit" and .detection == "MarshalPayload") | .score' rw.ndjson
	assert_success
	assert_output "$(table_score rewrite MarshalPayload)"
}
