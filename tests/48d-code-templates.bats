#!/usr/bin/env bats
# 48d-code-templates.bats: exec/eval of code a def builds from literal templates whose only
# unknowns are counts (f2py's l_or(), issue 11): aura-rewrite's sample of it is the payload
# (rule fold:template) and aura-analyze weighs what the sample does; every other way of
# building the text (an index, chr(), a condition, a parameter) weighs in full.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg/pkg; printf 'from setuptools import setup\nsetup(name="pkg")\n' > pkg/setup.py; }

# hits DETECTION: "path line context score tags" of that detection's hits for pkg/.
hits() {
	aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$1" 'select(.type == "hit" and .detection == $d) | "\(.path) \(.line) \(.context) \(.score) \(.tags | map(select(. == "template" or . == "payload")) | join(","))"'
}

# weighs_in_full LINE: pkg/pkg/m.py's only CodeExecution is at LINE with the full import score.
weighs_in_full() {
	run --separate-stderr hits CodeExecution
	assert_output "pkg/m.py $1 import 40 "
}

# payloads FILE: the payload text and rules of every exec/eval aura-rewrite gave one.
payloads() {
	scan "$1" | jq -c 'select(.type == "ast") | .tree | .. | objects | select(has("_payload_source")) | [._payload_source, ._payload._origin.rules]'
}

# l_or as f2py writes it, run at import time by the module's own top level.
l_or() {
	cat <<'PY'
def l_or(*f):
    l1, l2 = 'lambda v', []
    for i in range(len(f)):
        l1 = '%s,f%d=f[%d]' % (l1, i, i)
        l2.append('f%d(v)' % (i))
    return eval('%s:%s' % (l1, ' or '.join(l2)))

isint = l_or(int, bool)
PY
}

@test "f2py's l_or(): the samples for counts 1, 2 and 3 are the payload, rule fold:template" {
	l_or > auxfuncs.py
	run --separate-stderr payloads auxfuncs.py
	assert_success
	assert_output '["lambda v,f0=f[0]:f0(v)\nlambda v,f0=f[0],f1=f[1]:f0(v) or f1(v)\nlambda v,f0=f[0],f1=f[1],f2=f[2]:f0(v) or f1(v) or f2(v)",["fold:template"]]'
}

@test "f2py's l_or() at import time takes the template score, not CodeExecution 40" {
	l_or > pkg/pkg/auxfuncs.py
	run --separate-stderr hits CodeExecution
	assert_success
	assert_output 'pkg/auxfuncs.py 6 import 5 template'
}

@test "reached from another module's top level (numpy's cb_rules.py): the template and lookup scores stay" {
	l_or > pkg/pkg/auxfuncs.py
	cat >> pkg/pkg/auxfuncs.py <<'PY'

def aliases():
    for flavor in ("numpy", "python"):
        eval("_%s_aliases" % flavor)
PY
	printf 'from .auxfuncs import l_or, aliases\nisbool = l_or(bool)\naliases()\n' > pkg/pkg/cb_rules.py
	run --separate-stderr hits CodeExecution
	assert_line 'pkg/auxfuncs.py 6 import 5 template'
	assert_line 'pkg/auxfuncs.py 12 import 2 '
	refute_output --regexp 'import 40'
}

@test "the same shapes built with +=, f-strings, str() and a join over a comprehension" {
	cat > pkg/pkg/gen.py <<'PY'
def make(names):
    src = 'lambda ' + ', '.join(f'a{i}' for i in range(len(names)))
    body = []
    for k, _ in enumerate(names):
        body.append('a' + str(k))
    src += ': (' + ', '.join(body) + ',)'
    return eval(src)

pack = make(["x", "y"])
PY
	run --separate-stderr hits CodeExecution
	assert_output 'pkg/gen.py 7 import 5 template'
}

@test "a loop and a generator over the count sharing the index's name: the generator's is its own" {
	py m.py <<'PY'
def l_and(*f):
    l1 = 'lambda v'
    for i in range(len(f)):
        l1 += ',f%d=f[%d]' % (i, i)
    return eval(l1 + ':' + ' and '.join('f%d(v)' % i for i in range(len(f))))
PY
	run --separate-stderr payloads m.py
	assert_output '["lambda v,f0=f[0]:f0(v)\nlambda v,f0=f[0],f1=f[1]:f0(v) and f1(v)\nlambda v,f0=f[0],f1=f[1],f2=f[2]:f0(v) and f1(v) and f2(v)",["fold:template"]]'
}

@test "look-alike: a fragment picked by the count (['__imp', 'ort__'][i]) weighs in full" {
	cat > pkg/pkg/m.py <<'PY'
def build(*f):
    t = ''
    for i in range(len(f)):
        t = t + ['__imp', 'ort__'][i]
    return eval(t + '("os")')

x = build(1, 2)
PY
	weighs_in_full 5
}

@test "look-alike: text built with chr() of the count weighs in full" {
	cat > pkg/pkg/m.py <<'PY'
def build(*f):
    t = ''
    for i in range(len(f)):
        t += chr(i + 97)
    return eval(t)

x = build(1, 2)
PY
	weighs_in_full 5
}

@test "look-alike: a condition on the count that picks different text weighs in full" {
	cat > pkg/pkg/m.py <<'PY'
def build(*f):
    t = 'lambda v'
    for i in range(len(f)):
        t += ',x' if i else ',y'
        if i == 3:
            t = '__import__("os").system("id")'
    return eval(t)

x = build(1, 2)
PY
	weighs_in_full 7
}

@test "look-alike: text mixing a parameter's string weighs in full" {
	cat > pkg/pkg/m.py <<'PY'
def build(name, *f):
    l1 = 'lambda v'
    for i in range(len(f)):
        l1 = '%s,%s%d=f[%d]' % (l1, name, i, i)
    return eval(l1 + ': v')

x = build("__import__('os').system('id') or f", 1)
PY
	weighs_in_full 5
}

@test "look-alike: a template whose literal text runs a command: the sample's own hit counts, the exec in full" {
	cat > pkg/pkg/m.py <<'PY'
def build(*f):
    t = ''
    for i in range(len(f)):
        t += '__import__("os").system("id");'
    exec(t)

build(1)
PY
	run --separate-stderr hits ShellCommand
	assert_success
	assert_line 'pkg/m.py 5 import 50 payload'
	weighs_in_full 5
}

@test "look-alike: the count written into a string of the code (system('x%d')) weighs in full" {
	cat > pkg/pkg/m.py <<'PY'
def build(*f):
    t = ''
    for i in range(len(f)):
        t += '__import__("os").system("x%d");' % i
    exec(t)

build(1)
PY
	weighs_in_full 5
}

@test "look-alike: the count naming what the code does not bind, an attribute, or an index it folds" {
	for tpl in "'run%d(v)' % i" "'ctypes.windll.kernel%d.f()' % i" "'[\"sys\", \"os\"][%d]' % i"; do
		cat > pkg/pkg/m.py <<PY
def build(*f):
    t = []
    for i in range(len(f)):
        t.append($tpl)
    return eval(' or '.join(t))

x = build(1)
PY
		run --separate-stderr hits CodeExecution
		assert_output 'pkg/m.py 5 import 40 ' || fail "template $tpl: $output"
	done
}

@test "look-alike: a list the def hands to a call, or a name a nested def rebinds, is not followed" {
	cat > pkg/pkg/m.py <<'PY'
def build(fill, *f):
    parts = []
    fill(parts)
    for i in range(len(f)):
        parts.append('f%d' % i)
    return eval(' or '.join(parts))

def other(*f):
    t = 'lambda v'
    def spoil():
        nonlocal t
        t = chr(95) * 2 + 'import__("os")'
    spoil()
    for i in range(len(f)):
        t += ',f%d=f[%d]' % (i, i)
    return eval(t + ': v')

x = build(print, 1)
y = other(1)
PY
	run --separate-stderr hits CodeExecution
	assert_output "$(printf 'pkg/m.py 6 import 40 \npkg/m.py 16 import 40 ')"
}

@test "a list the file changes after binding it is not its literal: exec of it is unknown, not exec('')" {
	cat > pkg/setup.py <<'PY'
import sys
from setuptools import setup
cmds = []
for a in sys.argv:
    cmds.append(a)
exec("\n".join(cmds))
first = ["pass"]
first[0] = sys.argv[1]
exec(first[0])
def fill(l):
    l.append(sys.argv[2])
more = []
fill(more)
exec("".join(more))
setup(name="pkg")
PY
	run --separate-stderr hits CodeExecution
	assert_output "$(printf 'setup.py 6 install 100 \nsetup.py 9 install 100 \nsetup.py 14 install 100 ')"
}

@test "a list bound once and only read still folds: exec of its join is the known payload" {
	py m.py <<'PY'
parts = ["import ", "os"]
exec("".join(parts))
PY
	run --separate-stderr payloads m.py
	assert_output '["import os",["fold:join"]]'
}

@test "f2py's l_not(): a constant lambda that only calls its own parameter takes the lookup score" {
	cat > pkg/pkg/m.py <<'PY'
def l_not(f):
    return eval('lambda v,f=f:not f(v)')

isnot = l_not(bool)
PY
	run --separate-stderr hits CodeExecution
	assert_output 'pkg/m.py 2 import 2 '
}

@test "look-alike: a lambda whose body or default does something itself weighs in full at install" {
	cat > pkg/setup.py <<'PY'
from setuptools import setup
def mk(*f):
    t = 'lambda v'
    for i in range(len(f)):
        t += ',f%d=f[%d]' % (i, i)
    return eval(t + ': __import__("os").system(v)')
mk(1)("id")
g = eval('lambda f=__import__: f("os")')
h = eval('lambda v: __import__("os").system(v)')
setup(name="pkg")
PY
	run --separate-stderr hits CodeExecution
	assert_output "$(printf 'setup.py 6 install 100 \nsetup.py 8 install 100 \nsetup.py 9 install 100 ')"
}

@test "look-alike: a counted repetition shifted by arithmetic is sampled by the count, not the value" {
	cat > pkg/setup.py <<'PY'
from setuptools import setup
def mk(*f):
    return eval('__impor' + 't' * (len(f) - 3) + '_' * (len(f) - 2))
mk(1, 2, 3, 4)("os").system("id")
setup(name="pkg")
PY
	run --separate-stderr hits CodeExecution
	assert_output 'setup.py 3 install 100 '
}

@test "look-alike: pieces a count puts side by side into one word (exec from 'ex' + 'ec') weigh in full" {
	cat > pkg/setup.py <<'PY'
from setuptools import setup
def mk(a, b):
    t = 'lambda v: ex'
    for i in range(len(a)):
        t += 'ec'
    for i in range(len(b)):
        t += '(v)'
    return eval(t)
mk([1], [1])("import os")
setup(name="pkg")
PY
	run --separate-stderr hits CodeExecution
	assert_output 'setup.py 8 install 100 '
}
