# helpers/parse.bash: wrapping source files into `file` records and comparing trees with the oracle.

# file_record PATH [KIND [ENCODING]]: one `file` record carrying PATH's bytes (utf-8 or base64).
file_record() {
	local path=$1 kind=${2:-python} enc=${3:-utf-8}
	if [ "$enc" = base64 ]; then
		base64 -w0 <"$path" | jq -Rsc --arg p "$path" --arg k "$kind" \
			'{type:"file",v:1,artifact:"a",id:"a:0",index:0,path:$p,kind:$k,content:.,content_encoding:"base64"}'
	else
		jq -Rsc --arg p "$path" --arg k "$kind" \
			'{type:"file",v:1,artifact:"a",id:"a:0",index:0,path:$p,kind:$k,content:.,content_encoding:"utf-8"}' <"$path"
	fi
}

# compare_with_oracle FIXTURE [ENCODING]: aura-parse's tree must equal CPython's, key for key.
# ENCODING base64 carries the file's bytes exactly (sources that are not UTF-8).
compare_with_oracle() {
	local src=$1 enc=${2:-utf-8} out="$BATS_TEST_TMPDIR"
	# No jq on the trees themselves: jq 1.6 would print 1.0 as 1 and hide a float/int mix-up.
	python3 "$AURA_ROOT/tests/helpers/pyast2json.py" "$src" >"$out/expected.json" ||
		fail "the oracle could not parse $src"
	file_record "$src" python "$enc" | aura-parse | grep '^{"type":"ast"' >"$out/actual.json" ||
		fail "aura-parse failed on $src"
	[ -s "$out/actual.json" ] || fail "aura-parse emitted no ast record for $src"
	run python3 "$AURA_ROOT/tests/helpers/astdiff.py" "$out/expected.json" "$out/actual.json"
	[ "$status" -eq 0 ] || fail "$src differs from CPython's ast: $output"
}

# Like assert_valid_records, for trees deeper than jq 1.6 reads (it stops at 256 levels).
assert_valid_deep_records() {
	printf '%s\n' "$output" | python3 -c '
import json, sys
sys.setrecursionlimit(60000)  # trees up to --max-depth 10000 (2 JSON levels each)
for n, line in enumerate(sys.stdin, 1):
    rec = json.loads(line)
    assert isinstance(rec, dict) and rec.get("v") == 1 and isinstance(rec.get("type"), str), n
' || fail "invalid records in output"
}

# The value of a jq-style path in the one record of type $1 in $output, via Python (deep trees).
record_field() {
	printf '%s\n' "$output" | python3 -c '
import json, sys
sys.setrecursionlimit(60000)  # trees up to --max-depth 10000 (2 JSON levels each)
want, expr = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    rec = json.loads(line)
    if rec.get("type") == want:
        print(json.dumps(eval(expr, {"r": rec, "json": json})))
' "$1" "$2"
}

# parse_stage: the real aura-parse (never the oracle: a missing parser must fail the tests).
parse_stage() { aura-parse "$@"; }
