#!/usr/bin/env bats
# 30-rewrite.bats: aura-rewrite resolves import aliases, builtins and constant dynamic imports.

load helpers/common
load helpers/parse
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# rewritten FILE: the file and ast records of FILE after aura-rewrite.
rewritten() {
	file_record "$1" | parse_stage | aura-rewrite
}

# calls FILE: "line:callee-resolution" for every Call, in source order ("-" when unresolved).
calls() {
	rewritten "$1" | records_of_type ast |
		jq -r '[.tree | .. | objects | select(._type == "Call")] | sort_by(.lineno, .col_offset)[]
		       | "\(.lineno):\(._resolved // "-")"'
}

@test "import aliases: import X as Y, import X.Y, from X import Y as Z" {
	cat >m.py <<'PY'
import os as o
import os.path
from os import system as s
import subprocess as sp
o.system('a')
os.path.join('b')
s('c')
sp.Popen(['d'])
PY
	run --separate-stderr calls m.py
	assert_success
	assert_output "$(printf '5:os.system\n6:os.path.join\n7:os.system\n8:subprocess.Popen')"
}

@test "names and attributes along the way carry _resolved" {
	cat >m.py <<'PY'
import os as o
o.path.join('x')
PY
	run --separate-stderr bash -c "$(declare -f parse_stage rewritten file_record); rewritten m.py | jq -c 'select(.type == \"ast\") | [.tree | .. | objects | select(._type == \"Name\" or ._type == \"Attribute\") | ._resolved]'"
	assert_success
	assert_output '["os.path.join","os.path","os"]'
}

@test "star imports bind nothing: from subprocess import * leaves Popen unresolved" {
	cat >m.py <<'PY'
from subprocess import *
Popen(['x'])
PY
	run --separate-stderr calls m.py
	assert_output "2:-"
}

@test "relative imports do not resolve to a top-level module" {
	cat >m.py <<'PY'
from . import os
from .util import system
os.system('x')
system('y')
PY
	run --separate-stderr calls m.py
	assert_output "$(printf '3:-\n4:-')"
}

@test "builtins resolve to builtins.X unless rebound; methods never do" {
	cat >m.py <<'PY'
eval('1')
exec('2')
__import__('os')
model.eval()
re.compile('x')
cursor.execute('q')
app.exec_()
def compile(x): pass
compile('y')
PY
	run --separate-stderr calls m.py
	assert_output "$(printf '1:builtins.eval\n2:builtins.exec\n3:builtins.__import__\n4:-\n5:-\n6:-\n7:-\n9:-')"
}

@test "rebinding by assignment, def, for, with or except kills an import binding" {
	cat >m.py <<'PY'
import os
import subprocess
import pty
os = Fake()
os.system('a')
def subprocess(): pass
subprocess.run('b')
for pty in []: pass
pty.spawn('c')
PY
	run --separate-stderr calls m.py
	assert_output "$(printf '4:-\n5:-\n7:-\n9:-')"
}

@test "assigning a resolved name makes an alias" {
	cat >m.py <<'PY'
import os
run = os.system
e = eval
run('a')
e('b')
PY
	run --separate-stderr calls m.py
	assert_output "$(printf '4:os.system\n5:builtins.eval')"
}

@test "function scopes: local imports, parameters and locals shadow, globals seen at the end" {
	cat >m.py <<'PY'
import os
def f(os):
    os.system('param')
def g():
    import subprocess as sp
    sp.call('local import')
    os.system('global')
def h():
    os.system('local assigned later')
    os = None
def k():
    late.Popen('bound after the def')
import subprocess as late
class C:
    os = 1
    def m(self):
        os.system('class scope is invisible to methods')
PY
	run --separate-stderr calls m.py
	assert_output "$(printf '3:-\n6:subprocess.call\n7:os.system\n9:-\n12:subprocess.Popen\n17:os.system')"
}

@test "lambda and comprehension variables shadow imports" {
	cat >m.py <<'PY'
import os
f = lambda os: os.system('a')
[os.system(x) for os in y]
os.system('b')
PY
	run --separate-stderr calls m.py
	assert_output "$(printf '2:-\n3:-\n4:os.system')"
}

@test "constant dynamic imports: __import__, importlib.import_module, getattr, sys.modules" {
	cat >m.py <<'PY'
import importlib, sys, os
__import__('os').system('a')
__import__('os.path').path.join('b')
importlib.import_module('subprocess').run('c')
getattr(os, 'system')('d')
getattr(__builtins__, 'eval')('e')
sys.modules['os'].popen('f')
getattr(os, name)('g')
PY
	run --separate-stderr bash -c "$(declare -f parse_stage rewritten file_record); rewritten m.py | jq -r 'select(.type == \"ast\") | [.tree | .. | objects | select(._type == \"Call\" and (.func._type != \"Name\"))] | sort_by(.lineno, .col_offset)[] | \"\(.lineno):\(._resolved // \"-\")\"'"
	assert_success
	assert_output "$(printf '2:os.system\n3:os.path.join\n4:subprocess.run\n4:importlib.import_module\n5:os.system\n6:builtins.eval\n7:os.popen\n8:-')"
}

@test "rewriting twice equals rewriting once" {
	cat >m.py <<'PY'
import os as o
from subprocess import check_output as co
def f(x):
    o.system(x); co(x)
getattr(o, 'popen')('y')
PY
	file_record m.py | parse_stage >in.ndjson
	aura-rewrite <in.ndjson >once.ndjson
	aura-rewrite <once.ndjson >twice.ndjson
	cmp once.ndjson twice.ndjson
}

@test "only _-prefixed keys are added; the record keeps its fields and their order" {
	cat >m.py <<'PY'
import os
os.system('x' + str(1.5) + b'\x00'.decode())
PY
	file_record m.py | parse_stage | records_of_type ast >in.ndjson
	aura-rewrite <in.ndjson >out.ndjson
	assert_equal "$(jq -c 'keys_unsorted' out.ndjson)" "$(jq -c 'keys_unsorted' in.ndjson)"
	run jq -c 'walk(if type == "object" then with_entries(select((.key | startswith("_") | not) or .key == "_type")) else . end)' out.ndjson
	assert_output "$(jq -c . in.ndjson)"
	assert_equal "$(jq '.tree._rewritten' out.ndjson)" true
}

@test "non-ast records pass through byte for byte, in order" {
	printf '%s\n' '{"type":"artifact","v":1,"id":"x",  "path":"/tmp/x"}' \
		'{"type":"file","v":1,"artifact":"x","id":"x:0","index":0,"path":"a.py","content":"\u00e9"}' \
		'{"type":"weird","v":1,"nested":{"_type":"Call"}}' >in.ndjson
	run --separate-stderr aura-rewrite <in.ndjson
	assert_success
	assert_output "$(cat in.ndjson)"
}

@test "a bad input line becomes an error record and the stream goes on" {
	printf '%s\n' '{"type":"artifact","v":1,"id":"x"}' 'not json' \
		'{"type":"ast","v":1,"artifact":"x","file":"x:0","path":"a.py","tree":{"_type":"Module","body":[{"_type":"Expr","value":{"_type":"Call","func":{"_type":"Name","id":"eval","ctx":{"_type":"Load"}},"args":[],"keywords":[]}}],"type_ignores":[]}}' >in.ndjson
	run --separate-stderr aura-rewrite <in.ndjson
	assert_success
	assert_valid_records
	assert_equal "$(printf '%s\n' "$output" | jq -r .type | paste -sd,)" "artifact,error,ast"
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type == "ast") | .tree.body[0].value._resolved')" builtins.eval
	[[ "$stderr" == "aura-rewrite: <stdin>:2: "* ]] || fail "stderr: $stderr"
}

@test "an ast record without a tree passes through with an error" {
	printf '%s\n' '{"type":"ast","v":1,"artifact":"x","path":"a.py"}' >in.ndjson
	run --separate-stderr aura-rewrite <in.ndjson
	assert_success
	assert_equal "$(printf '%s\n' "$output" | jq -r .type | paste -sd,)" "ast,error"
}

@test "a tree nested near jansson's limit is resolved without recursion trouble" {
	# 2000 nested UnaryOps: 2000 JSON levels, just under the 2048 jansson accepts.
	python3 - >deep.ndjson <<'PY'
call = '{"_type":"Call","func":{"_type":"Name","id":"eval","ctx":{"_type":"Load"}},"args":[],"keywords":[]}'
n = 2000
tree = '{"_type":"UnaryOp","op":{"_type":"Not"},"operand":' * n + call + '}' * n
print('{"type":"ast","v":1,"artifact":"a","file":"a:0","path":"deep.py","tree":'
      '{"_type":"Module","body":[{"_type":"Expr","value":' + tree + '}],"type_ignores":[]}}')
PY
	run --separate-stderr aura-rewrite <deep.ndjson
	assert_success
	# (jq cannot parse this deep either: look at the text)
	assert_equal "${#lines[@]}" 1
	assert_output --partial '"keywords":[],"_resolved":"builtins.eval"}'
}

@test "sealed: aura-rewrite cannot open files" {
	run -3 aura-rewrite --sandbox-selftest open:/etc/hostname </dev/null
}

@test "vocabulary: every _type aura-parse writes is in lib/astkind.h's one list" {
	# The kinds the stages dispatch on (docs/ast.md, "Vocabulary"): a node type missing
	# from the list would be AST_UNKNOWN, walked but never handled.
	grep -o 'X([A-Za-z_]*,' "$AURA_ROOT/lib/astkind.h" | sed 's/^X(//; s/,$//' | sort -u >known
	for f in "$AURA_ROOT"/tests/fixtures/parse/*.py "$AURA_ROOT"/tests/fixtures/rewrite/*.py; do
		file_record "$f"
	done | parse_stage | records_of_type ast | jq -r '.tree | .. | objects | ._type // empty' |
		sort -u >seen
	# The fixtures cover most of the grammar (the check is only as good as they are).
	(($(wc -l <seen) > 80)) || fail "the fixtures show only $(wc -l <seen) node types"
	run comm -23 seen known
	assert_success
	assert_output ''
}
