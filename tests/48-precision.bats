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
