#!/usr/bin/env bats
# 90-sandbox.bats: every stage runs confined, and each forbidden action is refused
# (through the hidden --sandbox-selftest switch), while --no-sandbox lets it through.

load helpers/common

STAGES="aura-fetch aura-unpack aura-parse aura-rewrite aura-analyze aura-score"
NO_FILE_STAGES="aura-parse aura-rewrite aura-analyze aura-score"

@test "every stage shows seccomp mode 2 in /proc/PID/status once it is running" {
	for stage in $STAGES; do
		fifo="$BATS_TEST_TMPDIR/in-$stage"
		mkfifo "$fifo"
		"$stage" < "$fifo" > /dev/null &
		pid=$!
		exec 5>"$fifo"
		mode=""
		for _ in $(seq 50); do
			mode=$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")
			[ "$mode" = 2 ] && break
			sleep 0.05
		done
		nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$pid/status")
		exec 5>&-
		wait "$pid"
		[ "$mode" = 2 ] || fail "$stage: Seccomp is '$mode'"
		[ "$nnp" = 1 ] || fail "$stage: NoNewPrivs is '$nnp'"
	done
}

@test "executing a program is refused in every stage (SIGSYS), allowed with --no-sandbox" {
	for stage in $STAGES; do
		run --separate-stderr "$stage" --sandbox-selftest exec < /dev/null
		[ "$status" -eq 159 ] || fail "$stage: exec not refused (exit $status)"
		[[ $stderr == *"$stage: sandbox violation: system call 59 (execve)"* ]] || fail "$stage: $stderr"
		run --separate-stderr env AURA_ALLOW_NO_SANDBOX=1 "$stage" --no-sandbox --sandbox-selftest exec < /dev/null
		[ "$status" -eq 0 ] || fail "$stage --no-sandbox: exec failed ($status): $stderr"
		[[ $stderr == *"sandbox disabled"* ]]
	done
}

@test "opening a socket is refused in every stage (SIGSYS), allowed with --no-sandbox" {
	for stage in $STAGES; do
		run --separate-stderr "$stage" --sandbox-selftest socket < /dev/null
		[ "$status" -eq 159 ] || fail "$stage: socket not refused (exit $status)"
		[[ $stderr == *"system call 41 (socket)"* ]] || fail "$stage: $stderr"
		run --separate-stderr env AURA_ALLOW_NO_SANDBOX=1 "$stage" --no-sandbox --sandbox-selftest socket < /dev/null
		[ "$status" -eq 0 ] || fail "$stage --no-sandbox: socket failed ($status)"
	done
}

@test "parse, rewrite, analyze and score cannot open any file" {
	for stage in $NO_FILE_STAGES; do
		run --separate-stderr "$stage" --sandbox-selftest open:/etc/passwd < /dev/null
		[ "$status" -eq 3 ] || fail "$stage: open not refused (exit $status)"
		[[ $stderr == *"'open:/etc/passwd' refused: Permission denied"* ]] || fail "$stage: $stderr"
		run --separate-stderr env AURA_ALLOW_NO_SANDBOX=1 "$stage" --no-sandbox --sandbox-selftest open:/etc/passwd < /dev/null
		[ "$status" -eq 0 ] || fail "$stage --no-sandbox: open failed ($status)"
	done
}

@test "fetch and unpack may read but never write a file" {
	for stage in aura-fetch aura-unpack; do
		target="$BATS_TEST_TMPDIR/written-by-$stage"
		run --separate-stderr "$stage" --sandbox-selftest "write:$target" < /dev/null
		[ "$status" -eq 159 ] || fail "$stage: write not refused (exit $status)"
		[[ $stderr == *"system call 257 (openat)"* ]] || fail "$stage: $stderr"
		[ ! -e "$target" ] || fail "$stage created $target"
		run "$stage" --sandbox-selftest open:/etc/passwd < /dev/null
		[ "$status" -eq 0 ] || fail "$stage: read-only open refused"
		run env AURA_ALLOW_NO_SANDBOX=1 "$stage" --no-sandbox --sandbox-selftest "write:$target" < /dev/null
		[ "$status" -eq 0 ] && [ -e "$target" ] || fail "$stage --no-sandbox: write failed"
	done
}

@test "Landlock confines an unpack worker to its own directory (seccomp alone would allow the read)" {
	[ "$(landlock_abi)" -ge 1 ] || fail "this kernel has no Landlock: the test cannot show it"
	dir="$BATS_TEST_TMPDIR/pkg"
	mkdir -p "$dir"
	echo 'x = 1' > "$dir/a.py"
	artifact=$(jq -cn --arg p "$dir" '{type:"artifact",v:1,id:"d1",path:$p,kind:"directory"}')
	# Outside the artifact: refused by Landlock (the worker's seccomp table allows read-only openat).
	run --separate-stderr aura-unpack --sandbox-selftest worker:open:/etc/passwd <<<"$artifact"
	[[ $stderr == *"'open:/etc/passwd' refused: Permission denied"* ]] || fail "$stderr"
	# Inside the artifact: allowed, so the refusal above is Landlock's path rule, not seccomp.
	run --separate-stderr aura-unpack --sandbox-selftest "worker:open:$dir/a.py" <<<"$artifact"
	[[ $stderr == *"'open:$dir/a.py' allowed"* ]] || fail "$stderr"
	run --separate-stderr env AURA_ALLOW_NO_SANDBOX=1 aura-unpack --no-sandbox --sandbox-selftest worker:open:/etc/passwd <<<"$artifact"
	[[ $stderr == *"'open:/etc/passwd' allowed"* ]] || fail "$stderr"
}

@test "--print-sandbox shows each stage's table" {
	for stage in $STAGES; do
		run "$stage" --print-sandbox
		[ "$status" -eq 0 ]
		[[ $output == *"allow read"* ]] || fail "$stage: $output"
		[[ $output != *"execve"* ]] || fail "$stage allows execve"
	done
	run aura-parse --print-sandbox
	[[ $output == *"fail  openat with Permission denied"* ]]
	[[ $output == *"landlock: none"* ]]
}
