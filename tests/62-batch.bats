#!/usr/bin/env bats
# 62-batch.bats: aura batch — a list of targets through GNU parallel into the database:
# every target accounted for, resumable, failures and time-outs recorded, --retry-failed,
# workers reached with parallel -S (through a stand-in for ssh: no sshd needed).

load helpers/common

EX="$AURA_ROOT/examples"

setup() {
	command -v parallel >/dev/null || fail "GNU parallel is not installed (make deps)"
	DB=$BATS_TEST_TMPDIR/b.db
	LIST=$BATS_TEST_TMPDIR/list
	printf '%s\n' "# examples" "$EX/install-dropper" "" "$EX/benign-greeting" \
		"$BATS_TEST_TMPDIR/missing" "$EX/benign-cli" "$EX/install-dropper" >"$LIST"
}

rows() { sqlite3 -separator ' ' "$DB" "SELECT $1 FROM batch_targets ORDER BY target"; }

@test "batch: every target has a row and its verdicts; a second run does no work" {
	run --separate-stderr aura batch --db "$DB" -j 2 "$LIST"
	[ "$status" -eq 2 ] || fail "exit $status (a target is missing): $stderr"
	[[ $stderr == *"4 targets, 0 already in"*", 4 to scan"* ]] || fail "$stderr"
	# stdout: the verdict records of this run, nothing else.
	assert_equal "$(jq -s 'map(select(.type == "verdict")) | length' <<<"$output")" 3
	assert_equal "$(jq -s 'map(select(.type != "verdict")) | length' <<<"$output")" 0
	assert_equal "$(rows 'count(*)')" 4
	assert_equal "$(rows "status || ' ' || verdicts" | sort | tr '\n' ,)" "failed 0,ok 1,ok 1,ok 1,"
	local reason
	reason=$(sqlite3 "$DB" "SELECT reason FROM batch_targets WHERE status = 'failed'")
	[[ $reason == *"missing: cannot open"* ]] || fail "reason: $reason"
	assert_equal "$(sqlite3 "$DB" "SELECT flagged FROM batch_targets WHERE target LIKE '%install-dropper'")" 1
	assert_equal "$(sqlite3 "$DB" 'SELECT count(*) FROM artifacts')" 3
	scans=$(sqlite3 "$DB" 'SELECT count(*) FROM scans')
	# Again: nothing to scan, nothing started, nothing stored.
	run --separate-stderr aura batch --db "$DB" -j 2 "$LIST"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	[[ $stderr == *"4 targets, 4 already in"*", 0 to scan"* ]] || fail "$stderr"
	assert_equal "$output" ""
	assert_equal "$(sqlite3 "$DB" 'SELECT count(*) FROM scans')" "$scans"
	assert_equal "$(sqlite3 "$DB" 'SELECT count(*) FROM artifacts')" 3
}

@test "batch: the list from stdin; a run after a partial one scans only the rest" {
	printf '%s\n' "$EX/benign-cli" | aura batch --db "$DB" - 2>/dev/null
	assert_equal "$(rows target)" "$EX/benign-cli"
	run --separate-stderr aura batch --db "$DB" - < <(printf '%s\r\n' "$EX/benign-cli" "$EX/benign-greeting")
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	[[ $stderr == *"2 targets, 1 already in"*", 1 to scan"* ]] || fail "$stderr"
	assert_equal "$(jq -r '.artifact.name' <<<"$output")" benign-greeting
	assert_equal "$(sqlite3 "$DB" 'SELECT count(*) FROM artifacts')" 2
}

@test "batch: interrupted with SIGINT, what finished is kept and nothing is marked failed; the next run goes on" {
	# Each package takes a few seconds (an inserted stage sleeps), so the signal finds jobs running.
	for i in 1 2 3 4 5 6; do mkdir -p "$BATS_TEST_TMPDIR/p$i"; echo "x = $i" >"$BATS_TEST_TMPDIR/p$i/m.py"; done
	ls -d "$BATS_TEST_TMPDIR"/p? >"$LIST"
	# In a process group of its own, as a shell's job: Ctrl-C signals the whole group.  (A
	# background job of a script starts with SIGINT ignored; a terminal's job does not.)
	AURA_PROGRESS_INTERVAL=0 python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' bash -c 'echo $$ >"$1/pid"; aura batch --db "$2" -j 2 --insert-after "parse=sleep 8; cat" "$3" \
		>/dev/null 2>"$1/err"; echo $? >"$1/status"' - "$BATS_TEST_TMPDIR" "$DB" "$LIST" &
	for _ in $(seq 200); do
		grep -q '^aura: 1/6 packages' "$BATS_TEST_TMPDIR/err" 2>/dev/null && break
		sleep 0.3
	done
	kill -INT -- -"$(cat "$BATS_TEST_TMPDIR/pid")"
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/status" ] && break; sleep 0.3; done
	[ "$(cat "$BATS_TEST_TMPDIR/status")" -eq 130 ] || fail "exit $(cat "$BATS_TEST_TMPDIR/status"): $(cat "$BATS_TEST_TMPDIR/err")"
	grep -q 'interrupted; what finished is stored' "$BATS_TEST_TMPDIR/err"
	done_n=$(rows "count(*)")
	[ "$done_n" -ge 1 ] && [ "$done_n" -lt 6 ] || fail "$done_n rows"
	# No scan of the stopped jobs runs on (timeout(1) gave them a process group of their own).
	sleep 1
	! pgrep -f "aura scan --format json -j 1 --no-progress -- $BATS_TEST_TMPDIR/p" || fail "a scan outlived the batch"
	assert_equal "$done_n" "$(sqlite3 "$DB" "SELECT count(*) FROM batch_targets WHERE status = 'ok'")"
	grep -q "batch: $done_n of 6 scanned" "$BATS_TEST_TMPDIR/err"
	run --separate-stderr aura batch --db "$DB" -j 2 "$LIST"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	[[ $stderr == *"6 targets, $done_n already in"* ]] || fail "$stderr"
	assert_equal "$(rows "count(*)")" 6
	assert_equal "$(sqlite3 "$DB" "SELECT count(DISTINCT path) FROM artifacts")" 6
}

@test "batch: time-outs (wall clock, CPU) and a memory limit are recorded with the reason; --retry-failed" {
	printf '%s\n' "$EX/benign-cli" >"$LIST"
	run --separate-stderr aura batch --db "$DB" --wall-time 2 --insert-after 'parse=sleep 20; cat' "$LIST"
	[ "$status" -eq 2 ] || fail "exit $status: $stderr"
	assert_equal "$(rows "status || ': ' || reason")" "timeout: wall-clock limit of 2 s reached"
	# Not retried by default; --retry-failed runs it again (a CPU-bound stage now).
	run --separate-stderr aura batch --db "$DB" "$LIST"
	[[ $stderr == *"1 already in"*", 0 to scan"* ]] || fail "$stderr"
	run --separate-stderr aura batch --db "$DB" --retry-failed --cpu-time 1 \
		--insert-after 'parse=python3 -c "while True: pass"' "$LIST"
	[ "$status" -eq 2 ] || fail "exit $status: $stderr"
	[[ $(rows "status || ': ' || reason") == "timeout: CPU time limit of 1 s reached: "*"killed by XCPU"* ]] || fail "$(rows reason)"
	# The memory limit (an address-space limit, which an ASan build cannot run under: there
	# batch leaves it off, and this part is make check's alone).
	local attempts=2
	if ! grep -qa __asan_init "$AURA_ROOT/bin/aura-unpack"; then
		run --separate-stderr aura batch --db "$DB" --retry-failed --memory 200M \
			--insert-after 'parse=python3 -c "x = bytearray(400 << 20)"' "$LIST"
		assert_equal "$status" 2
		[[ $(rows "status || ': ' || reason") == "failed: "*"failed (exit 1)"* ]] || fail "$(rows reason)"
		assert_equal "$(rows attempts)" 3
		attempts=3
	fi
	# Retried with nothing in the way: ok, the row updated, the verdict stored.
	run --separate-stderr aura batch --db "$DB" --retry-failed "$LIST"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_equal "$(rows "status || ' ' || attempts || ' ' || verdicts")" "ok $((attempts + 1)) 1"
	assert_equal "$(sqlite3 "$DB" 'SELECT count(*) FROM artifacts')" 1
}

@test "batch: workers reached with GNU parallel -S (an ssh stand-in runs the command here); custom stages recorded" {
	# ssh HOST [--] COMMAND: what sshd would run, run here; each host named in a log.  sshd
	# sets SHELL (the login shell) for the command, and GNU parallel's remote wrapper runs the
	# job with it: a CI runner's environment may have none.
	mkdir "$BATS_TEST_TMPDIR/ssh"
	cat >"$BATS_TEST_TMPDIR/ssh/ssh" <<-SH
	#!/bin/sh
	while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
	echo "\$1" >>"$BATS_TEST_TMPDIR/ssh/hosts"
	shift; [ "\$1" != -- ] || shift
	SHELL=/bin/sh exec sh -c "\$*"
	SH
	chmod +x "$BATS_TEST_TMPDIR/ssh/ssh"
	printf '%s\n' "$EX/install-dropper" "$EX/benign-greeting" "$EX/benign-cli" "$EX/cmdclass-hook" >"$LIST"
	printf '1/workerB\n' >"$BATS_TEST_TMPDIR/slf"
	PARALLEL_SSH=$BATS_TEST_TMPDIR/ssh/ssh run --separate-stderr aura batch --db "$DB" \
		-S 1/workerA --slf "$BATS_TEST_TMPDIR/slf" --insert-after 'rewrite=cat' "$LIST"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_equal "$(rows "count(*)")" 4
	assert_equal "$(rows "DISTINCT host" | sort | tr '\n' ' ')" "workerA workerB "
	assert_equal "$(sort -u "$BATS_TEST_TMPDIR/ssh/hosts" | tr '\n' ' ')" "workerA workerB "
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM artifacts WHERE json_extract(verdict, '\$.custom_stages[0].command') = 'cat'")" 4
}

@test "batch: a worker that cannot be reached: every target is recorded as failed, with the reason" {
	mkdir "$BATS_TEST_TMPDIR/ssh"
	printf '#!/bin/sh\necho "ssh: connect to host $1: Connection refused" >&2\nexit 255\n' >"$BATS_TEST_TMPDIR/ssh/ssh"
	chmod +x "$BATS_TEST_TMPDIR/ssh/ssh"
	printf '%s\n' "$EX/benign-cli" "$EX/benign-greeting" >"$LIST"
	PARALLEL_SSH=$BATS_TEST_TMPDIR/ssh/ssh run --separate-stderr aura batch --db "$DB" -S 1/gone "$LIST"
	[ "$status" -eq 2 ] || fail "exit $status: $stderr"
	[[ $stderr == *"2 targets returned no result"* ]] || fail "$stderr"
	[[ $(rows "status || ': ' || reason" | sort -u) == "failed: no result came back from its job (parallel exit "[1-9]*")" ]] || fail "$(rows reason)"
	# Reachable again: --retry-failed scans them.
	run --separate-stderr aura batch --db "$DB" --retry-failed "$LIST"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_equal "$(rows "status || attempts" | sort -u)" ok2
}

@test "batch: usage — --db needed, one list, batch options refused by scan" {
	run --separate-stderr aura batch "$LIST"
	assert_equal "$status" 2
	[[ $stderr == *"--db FILE is needed"* ]] || fail "stderr: $stderr"
	run --separate-stderr aura batch --db "$DB" "$LIST" "$LIST"
	assert_equal "$status" 2
	run --separate-stderr aura batch --db "$DB" "$BATS_TEST_TMPDIR/nolist"
	assert_equal "$status" 2
	[[ $stderr == *"cannot read the list"* ]] || fail "stderr: $stderr"
	for bad in "--retry-failed" "--sshlogin host" "--cpu-time 5" "--memory 1G"; do
		# shellcheck disable=SC2086
		run --separate-stderr aura scan $bad "$EX/benign-cli"
		[ "$status" -eq 2 ] || fail "$bad: exit $status"
		[[ $stderr == *"applies to 'aura batch' only"* ]] || fail "$bad: $stderr"
	done
	run --separate-stderr aura batch --db "$DB" --memory 4 "$LIST"
	assert_equal "$status" 2
	[[ $stderr == *"not a size"* ]] || fail "stderr: $stderr"
	[ ! -e "$DB" ] || fail "$DB exists"
}
