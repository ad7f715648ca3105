#!/usr/bin/env bats
# 56-database.bats: aura-score --db — schema, WAL, concurrent writers losing nothing, and the
# sandbox of the score-db role (only the database's files are writable).
load helpers/common

# N synthetic artifacts, each with 3 files and 3 hits: NDJSON on stdout.  $1 = N, $2 = id prefix.
synthetic_stream() {
	python3 - "$1" "$2" <<'PY'
import json, sys
n, pre = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    a = f"{pre}{i:04d}"
    print(json.dumps({"type": "artifact", "v": 1, "id": a, "path": f"/p/pkg{i}-1.0.tar.gz",
                      "kind": "archive", "name": f"pkg{i}", "version": "1.0", "ecosystem": "local"}))
    for j in range(3):
        print(json.dumps({"type": "file", "v": 1, "artifact": a, "id": f"{a}:{j}", "index": j,
                          "path": f"m{j}.py", "sha256": "ab" * 32, "size": 22, "kind": "python",
                          "content": "import os\nos.system('x')\n", "content_encoding": "utf-8"}))
        print(json.dumps({"type": "hit", "v": 1, "artifact": a, "file": f"{a}:{j}",
                          "detection": "ShellCommand", "score": 50, "severity": "high",
                          "path": f"m{j}.py", "line": 2, "col": 0, "message": "os.system()",
                          "name": "os.system", "tags": ["process"]}))
    print(json.dumps({"type": "artifact_end", "v": 1, "artifact": a, "files": 3, "complete": True}))
PY
}

sql() { python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for row in c.execute(sys.argv[2]): print(*row, sep="|")' "$@"; }

@test "db: a new database gets the schema, WAL mode, indexes, and one row per scan" {
	local db="$BATS_TEST_TMPDIR/r.db"
	run -0 --separate-stderr bash -c "$(declare -f synthetic_stream); synthetic_stream 3 A | aura-score --format json --db '$db'"
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 3
	assert_equal "$(sql "$db" "select name from sqlite_master where type='table' order by name" | tr '\n' ' ')" "artifacts files hits meta packages scans versions "
	assert_equal "$(sql "$db" "pragma journal_mode")" wal
	local indexes
	indexes=$(sql "$db" "select count(*) from sqlite_master where type='index' and name not like 'sqlite_%'")
	[ "$indexes" -ge 8 ] || fail "$indexes indexes, wanted 8 or more"
	assert_equal "$(sql "$db" "select value from meta where key='schema'")" 2
	assert_equal "$(sql "$db" "select count(*), sum(artifacts), count(finished_at) from scans")" "1|3|1"
	assert_equal "$(sql "$db" "select count(*) from artifacts")" 3
	assert_equal "$(sql "$db" "select count(*) from files")" 9
	assert_equal "$(sql "$db" "select count(*), sum(count) from hits")" "9|9"
	assert_equal "$(sql "$db" "select p.name, v.version from versions v join packages p on v.package_id = p.id order by p.name" | head -1)" "pkg0|1.0"
	# the stored verdict is the verdict record that was printed
	printed=$(printf '%s\n' "$output" | head -1 | jq -r '"verdict " + .risk + " " + (.score|tostring)')
	assert_equal "$(sql "$db" "select json_extract(verdict, '$.type') || ' ' || json_extract(verdict, '$.risk') || ' ' || json_extract(verdict, '$.score') from artifacts order by rowid limit 1")" "$printed"
	# a second scan appends
	run -0 bash -c "$(declare -f synthetic_stream); synthetic_stream 2 B | aura-score --db '$db'"
	assert_equal "$(sql "$db" "select count(*) from scans")" 2
	assert_equal "$(sql "$db" "select count(*) from artifacts")" 5
	assert_equal "$(sql "$db" "select count(*) from packages")" 3	# pkg0..pkg2, shared by both scans
}

@test "db: --min-level hides hits from the report, not from the database" {
	local db="$BATS_TEST_TMPDIR/r.db"
	run -0 --separate-stderr bash -c "$(declare -f synthetic_stream); synthetic_stream 1 A | aura-score --format json --min-level critical --db '$db'"
	assert_jq "$output" '.hits == [] and .hits_hidden == 3'
	assert_equal "$(sql "$db" "select count(*) from hits")" 3
}

@test "db: concurrent writers — four scans at once, nothing lost" {
	local db="$BATS_TEST_TMPDIR/c.db" pids=() k
	for k in 1 2 3 4; do
		bash -c "$(declare -f synthetic_stream); synthetic_stream 150 W$k" > "$BATS_TEST_TMPDIR/in$k"
	done
	for k in 1 2 3 4; do
		aura-score --format json --db "$db" < "$BATS_TEST_TMPDIR/in$k" > "$BATS_TEST_TMPDIR/out$k" \
			2> "$BATS_TEST_TMPDIR/err$k" &
		pids+=($!)
	done
	for k in 0 1 2 3; do
		wait "${pids[$k]}" || fail "writer $((k + 1)) failed: $(cat "$BATS_TEST_TMPDIR/err$((k + 1))")"
	done
	assert_equal "$(sql "$db" "select count(*), count(finished_at), sum(artifacts) from scans")" "4|4|600"
	assert_equal "$(sql "$db" "select count(*), count(distinct artifact) from artifacts")" "600|600"
	assert_equal "$(sql "$db" "select count(*) from files")" 1800
	assert_equal "$(sql "$db" "select count(*) from hits")" 1800
	assert_equal "$(sql "$db" "pragma integrity_check")" ok
}

@test "db: a database that cannot be opened is a fatal error (exit 2)" {
	run -2 --separate-stderr aura-score --db "$BATS_TEST_TMPDIR/no/such/dir/r.db" </dev/null
	[[ $stderr == *"cannot open the database"* ]] || fail "$stderr"
}

@test "db: a commit that fails (the file size limit reached) is reported once, exit 2, and nothing half-stored" {
	local db="$BATS_TEST_TMPDIR/r.db"
	aura-score --db "$db" </dev/null >/dev/null
	# 300 hits of 400 bytes: the verdict's transaction needs more than the 100 KiB allowed.
	python3 - > "$BATS_TEST_TMPDIR/in" <<'PY'
import json
print(json.dumps({"type": "artifact", "v": 1, "id": "A", "name": "p", "version": "1"}))
for i in range(300):
    print(json.dumps({"type": "hit", "v": 1, "artifact": "A", "detection": f"D{i}", "score": 1,
                      "severity": "low", "path": "a.py", "line": 1, "col": 0, "message": "m" * 400}))
print(json.dumps({"type": "artifact_end", "v": 1, "artifact": "A", "files": 0, "complete": True}))
PY
	# SIGXFSZ ignored: writing past RLIMIT_FSIZE then fails with EFBIG, as on a full disk.
	run -2 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 100; aura-score --db '$db' --format json < '$BATS_TEST_TMPDIR/in'"
	assert_equal "$stderr" "aura-score: $db: commit: disk I/O error"
	assert_equal "$(jq -c '[.artifact.id, .complete]' <<<"$output")" '["A",true]'
	assert_equal "$(sql "$db" 'SELECT count(*) FROM artifacts') $(sql "$db" 'SELECT count(*) FROM hits')" "0 0"
	# and the database is still usable
	run -0 --separate-stderr aura-score --db "$db" --format json < "$BATS_TEST_TMPDIR/in"
	assert_equal "$(sql "$db" 'SELECT count(*) FROM artifacts') $(sql "$db" 'SELECT count(*) FROM hits')" "1 300"
}

@test "db sandbox: score --db cannot exec, open sockets, or write anything but its database" {
	local dir="$BATS_TEST_TMPDIR/dbdir" db
	mkdir -p "$dir" "$BATS_TEST_TMPDIR/elsewhere"
	db="$dir/r.db"
	run -159 --separate-stderr aura-score --db "$db" --sandbox-selftest socket </dev/null
	[[ $stderr == *"system call 41 (socket)"* ]] || fail "$stderr"
	run -159 --separate-stderr aura-score --db "$db" --sandbox-selftest exec </dev/null
	[[ $stderr == *"system call 59 (execve)"* ]] || fail "$stderr"
	# neither elsewhere nor beside the database
	run -3 --separate-stderr aura-score --db "$db" --sandbox-selftest "write:$BATS_TEST_TMPDIR/elsewhere/x" </dev/null
	[ ! -e "$BATS_TEST_TMPDIR/elsewhere/x" ] || fail "$BATS_TEST_TMPDIR/elsewhere/x exists"
	run -3 --separate-stderr aura-score --db "$db" --sandbox-selftest "write:$dir/x" </dev/null
	[ ! -e "$dir/x" ] || fail "$dir/x exists"
	run -3 --separate-stderr aura-score --db "$db" --sandbox-selftest "open:/etc/passwd" </dev/null
	# the same actions succeed unconfined, so each check above can fail
	run -0 --separate-stderr env AURA_ALLOW_NO_SANDBOX=1 aura-score --db "$db" --no-sandbox --sandbox-selftest "write:$BATS_TEST_TMPDIR/elsewhere/x" </dev/null
	[ -e "$BATS_TEST_TMPDIR/elsewhere/x" ] || fail "$BATS_TEST_TMPDIR/elsewhere/x does not exist"
	run -0 --separate-stderr env AURA_ALLOW_NO_SANDBOX=1 aura-score --db "$db" --no-sandbox --sandbox-selftest socket </dev/null
}

@test "db sandbox: the policy grants the database's three files only; a run leaves nothing else" {
	[ "$(landlock_abi)" -ge 1 ] || fail "this kernel has no Landlock: the test cannot show it"
	run -0 aura-score --db "$BATS_TEST_TMPDIR/r.db" --print-sandbox
	assert_output --partial "role: score-db"
	assert_output --partial "the database file and its -wal and -shm files"
	assert_output --partial "fail  openat with Permission denied"
	mkdir -p "$BATS_TEST_TMPDIR/d"
	run -0 bash -c "$(declare -f synthetic_stream); synthetic_stream 2 A | aura-score --db '$BATS_TEST_TMPDIR/d/r.db'"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/d" | tr '\n' ' ')" "r.db r.db-shm r.db-wal "
}

@test "db sandbox: the score-db role is sealed (Seccomp 2, NoNewPrivs 1) while it runs" {
	local fifo="$BATS_TEST_TMPDIR/in" mode="" pid
	mkfifo "$fifo"
	aura-score --db "$BATS_TEST_TMPDIR/r.db" < "$fifo" > /dev/null &
	pid=$!
	exec 5>"$fifo"
	for _ in $(seq 50); do
		mode=$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")
		[ "$mode" = 2 ] && break
		sleep 0.05
	done
	exec 5>&-
	wait "$pid"
	[ "$mode" = 2 ] || fail "Seccomp is '$mode'"
}
