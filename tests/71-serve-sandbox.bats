#!/usr/bin/env bats
# 71-serve-sandbox.bats: aura-serve's confinement, in tests/90-sandbox.bats' style: the hidden
# --sandbox-selftest ACTION tries one forbidden thing in the sealed network front end (ACTION)
# or in the scan supervisor (supervisor:ACTION), and the same with --no-sandbox as control.
# Exit 0: the action was allowed; 3: refused with an error; 159: killed by SIGSYS (seccomp).

load helpers/common

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	python3 "$AURA_ROOT/tests/helpers/serve-dir.py" "$T" "$T/up.port" 3>&- &
	echo $! > "$T/up.pid"
	for _ in $(seq 100); do [ -s "$T/up.port" ] && break; sleep 0.1; done
	export UPPORT="$(cat "$T/up.port")"
	export UPSTREAM="http://127.0.0.1:$UPPORT/simple/"
	# A port nobody is told about: something listens there, so only confinement refuses.
	python3 "$AURA_ROOT/tests/helpers/serve-dir.py" "$T" "$T/other.port" 3>&- &
	echo $! >> "$T/up.pid"
	for _ in $(seq 100); do [ -s "$T/other.port" ] && break; sleep 0.1; done
	export OTHERPORT="$(cat "$T/other.port")"
}

teardown_file() {
	kill $(cat "$T/up.pid") 2>/dev/null || true
}

# aura-serve with a self-test: no server is left running (the action ends the process).
selftest() {	# action [extra options...]
	local action=$1; shift
	run --separate-stderr timeout 20 aura-serve --upstream "$UPSTREAM" --cache "$T/cache" "$@" \
		--sandbox-selftest "$action"
}

unsandboxed() {	# action
	AURA_ALLOW_NO_SANDBOX=1 selftest "$1" --no-sandbox
}

@test "the front end cannot execute anything (SIGSYS); --no-sandbox can" {
	selftest exec
	assert_equal "$status" 159
	[[ $stderr == *"system call 59 (execve)"* ]] || fail "$stderr"
	unsandboxed exec
	assert_equal "$status" 0
}

@test "the front end writes only beneath its cache" {
	selftest "write:$T/outside-front"
	assert_equal "$status" 3
	[ ! -e "$T/outside-front" ] || fail "$T/outside-front exists"
	mkdir -p "$T/cache"
	selftest "write:$T/cache/inside"
	assert_equal "$status" 0
	[ -e "$T/cache/inside" ] || fail "$T/cache/inside does not exist"
	unsandboxed "write:$T/outside-front"
	assert_equal "$status" 0
	[ -e "$T/outside-front" ] || fail "$T/outside-front does not exist"
}

@test "the front end connects only to its upstreams' ports" {
	[ "$(landlock_abi)" -ge 4 ] || skip "Landlock ABI $(landlock_abi) has no network rules"
	selftest "connect:$OTHERPORT"
	assert_equal "$status" 3
	selftest "connect:$UPPORT"
	assert_equal "$status" 0
	unsandboxed "connect:$OTHERPORT"
	assert_equal "$status" 0
}

@test "the supervisor may execute the stages only: any other program is refused; --no-sandbox can" {
	[ "$(landlock_abi)" -ge 1 ] || skip "no Landlock: execute rights are not limited"
	selftest supervisor:exec
	assert_equal "$status" 3
	[[ $stderr == *"'exec' refused: Permission denied"* ]] || fail "$stderr"
	unsandboxed supervisor:exec
	assert_equal "$status" 0
}

@test "the supervisor writes nothing (no --db), the front end's cache included" {
	selftest "supervisor:write:$T/outside-sup"
	assert_equal "$status" 3
	mkdir -p "$T/cache"
	selftest "supervisor:write:$T/cache/from-supervisor"
	assert_equal "$status" 3
	unsandboxed "supervisor:write:$T/outside-sup"
	assert_equal "$status" 0
}

@test "the supervisor cannot open a network socket" {
	selftest supervisor:socket
	assert_equal "$status" 159
}

@test "a running proxy: both processes are sealed (seccomp mode 2), and scans still run" {
	mkdir -p "$T/simple/one" "$T/packages"
	printf 'def f():\n    return 1\n' > "$T/mod.py"
	tar -C "$T" -czf "$T/packages/one-1.0.tar.gz" mod.py
	sha=$(sha256sum "$T/packages/one-1.0.tar.gz" | cut -c1-64)
	printf '<a href="../../packages/one-1.0.tar.gz#sha256=%s">one-1.0.tar.gz</a>\n' "$sha" > "$T/simple/one/index.html"
	aura-serve --upstream "$UPSTREAM" --cache "$T/cache" > "$T/s.url" 2> "$T/s.log" 3>&- &
	pid=$!
	for _ in $(seq 100); do [ -s "$T/s.url" ] && break; sleep 0.1; done
	proxy=$(head -1 "$T/s.url")
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status"
	sup=$(pgrep -P "$pid" | head -1)
	[ -n "$sup" ] || fail "no supervisor process"
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$sup/status"
	link=$(curl -sf "${proxy}one/" | grep -o 'href="[^"#]*' | sed 's/^href="//')
	run curl -s -o "$T/got.tgz" -w '%{http_code}' "$link"
	kill "$pid"
	assert_output 200
	cmp "$T/got.tgz" "$T/packages/one-1.0.tar.gz"
}

@test "--print-sandbox shows the front end's table" {
	run aura-serve --print-sandbox
	assert_success
	assert_line "role: serve"
	assert_output --partial "execute: nothing"
	assert_output --partial "allow clone if arg0 =="
	refute_output --partial "allow execve"
}
