#!/usr/bin/env bats
# 43-reach.bats: functions reached from top-level code run in the caller's context.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "a function called at top level (directly or through others) is top-level code" {
	py m.py <<'PY'
import os
def a():
    os.system("id")
def b():
    a()
def never():
    os.system("whoami")
b()
PY
	run dets m.py ShellCommand
	assert_output "$(printf '3 ShellCommand os.system import 50\n7 ShellCommand os.system function 2')"
	run bash -c "$(declare -f scan file_record); scan m.py | jq -r 'select(.type == \"hit\" and .line == 3) | [.message, (.tags | index(\"reachable\") != null)] | @tsv'"
	assert_output "$(printf 'os.system() runs a shell command at import time (reached through b() → a())\ttrue')"
}

@test "a class built at top level runs __init__ and the methods it calls; setup.py is install" {
	py setup.py <<'PY'
import subprocess
class Payload:
    def __init__(self):
        self.go()
    def go(self):
        subprocess.Popen("x")
    def idle(self):
        subprocess.Popen("y")
Payload()
PY
	run dets setup.py ProcessExecution
	assert_output "$(printf '6 ProcessExecution subprocess.Popen install 80\n8 ProcessExecution subprocess.Popen function 2')"
}

@test "thread targets and atexit callbacks are reached; a function only referenced is not" {
	py m.py <<'PY'
import threading, atexit, os
def t(): os.system("a")
def e(): os.system("b")
def ref(): os.system("c")
threading.Thread(target=t).start()
atexit.register(e)
handlers = {"x": ref}
PY
	run dets m.py ShellCommand
	assert_output "$(printf '2 ShellCommand os.system import 50\n3 ShellCommand os.system import 50\n4 ShellCommand os.system function 2')"
}

@test "if __name__ == '__main__': install time in setup.py, command (not import time) in a module" {
	py setup.py <<'PY'
import os
if __name__ == "__main__":
    os.system("a")
PY
	run dets setup.py ShellCommand
	assert_output "3 ShellCommand os.system install 100"
	cp setup.py tool.py
	run dets tool.py ShellCommand
	assert_output "3 ShellCommand os.system command 2"
}

@test "functions reached from a setup command's method run at install time" {
	py setup.py <<'PY'
import os
from setuptools import setup
from setuptools.command.install import install
def steal():
    os.system("curl")
class I(install):
    def run(self):
        steal()
setup(cmdclass={"install": I})
PY
	run dets setup.py ShellCommand
	assert_output "5 ShellCommand os.system install 100"
}

@test "no silent cap: a def past the 4096th of a file is still reached from the top level" {
	{ echo 'import os'; for i in $(seq 1 4200); do echo "def f$i(): pass"; done
	  printf 'def late():\n    os.system("id")\nlate()\n'; } >m.py
	run dets m.py ShellCommand
	assert_output "4203 ShellCommand os.system import 50"
}
