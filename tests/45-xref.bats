#!/usr/bin/env bats
# 45-xref.bats: functions of other files that install or import code calls, and console scripts.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg/pkg; }

# hits DIR DETECTION: "path line context score" of that detection's hits for the directory.
hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) | "\(.path) \(.line) \(.context) \(.score)"'
}

@test "setup.py's install command calling the package's function: that function is install time" {
	cat > pkg/setup.py <<'PY'
from setuptools import setup
from setuptools.command.install import install
class I(install):
    def run(self):
        from pkg.tool import go
        go()
        install.run(self)
setup(name="pkg", cmdclass={"install": I})
PY
	cat > pkg/pkg/tool.py <<'PY'
import os
def go():
    helper()
def helper():
    os.system("id")
def unused():
    os.system("whoami")
PY
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/tool.py 5 function 2\npkg/tool.py 7 function 2\npkg/tool.py 5 install 100')"
	run bash -c "aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\" and .context == \"install\") | [.message, (.tags | index(\"cross-file\") != null)] | @tsv'"
	assert_output "$(printf 'os.system() runs a shell command at install time (reached through setup.py → tool.go() → tool.helper())\ttrue')"
}

@test "__init__.py calling a function of a sibling module (relative import): import time" {
	printf 'from .installer import install\ninstall()\n' > pkg/pkg/__init__.py
	printf 'import subprocess\ndef install():\n    subprocess.Popen(["x"])\n' > pkg/pkg/installer.py
	run hits pkg ProcessExecution
	assert_output "$(printf 'pkg/installer.py 3 function 2\npkg/installer.py 3 import 40')"
}

@test "a function only imported, or called from an uncalled function, stays a function" {
	printf 'from .installer import install\ndef later():\n    install()\n' > pkg/pkg/__init__.py
	printf 'import subprocess\ndef install():\n    subprocess.Popen(["x"])\n' > pkg/pkg/installer.py
	run hits pkg ProcessExecution
	assert_output 'pkg/installer.py 3 function 2'
}

@test "test code calling the package does not raise it" {
	mkdir -p pkg/tests
	printf 'from pkg.installer import install\ninstall()\n' > pkg/tests/test_x.py
	printf 'import subprocess\ndef install():\n    subprocess.Popen(["x"])\n' > pkg/pkg/installer.py
	run hits pkg ProcessExecution
	assert_output 'pkg/installer.py 3 function 2'
}

@test "a console script's function (entry_points.txt, setup.cfg, pyproject.toml) is import time" {
	printf 'import os\ndef main():\n    os.system("id")\ndef other():\n    os.system("whoami")\n' > pkg/pkg/cli.py
	mkdir -p pkg/pkg.egg-info
	printf '[console_scripts]\ntool = pkg.cli:main\n' > pkg/pkg.egg-info/entry_points.txt
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/cli.py 3 function 2\npkg/cli.py 5 function 2\npkg/cli.py 3 import 50')"
	rm -r pkg/pkg.egg-info
	printf '[metadata]\nname = pkg\n[options.entry_points]\nconsole_scripts =\n    tool = pkg.cli:other\n' > pkg/setup.cfg
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/cli.py 3 function 2\npkg/cli.py 5 function 2\npkg/cli.py 5 import 50')"
	rm pkg/setup.cfg
	printf '[project]\nname = "pkg"\n[project.scripts]\ntool = "pkg.cli:main"\n' > pkg/pyproject.toml
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/cli.py 3 function 2\npkg/cli.py 5 function 2\npkg/cli.py 3 import 50')"
}

@test "entry points of other groups, and scripts naming no function of the package, reach nothing" {
	printf 'import os\ndef main():\n    os.system("id")\n' > pkg/pkg/cli.py
	mkdir -p pkg/pkg.egg-info
	printf '[pytest11]\nplug = pkg.cli:main\n[console_scripts]\nx = other.mod:main\n' > pkg/pkg.egg-info/entry_points.txt
	run hits pkg ShellCommand
	assert_output 'pkg/cli.py 3 function 2'
}
