#!/usr/bin/env bats
# 07-lockfiles.bats: pyproject.toml, poetry.lock, uv.lock, Pipfile.lock, package-lock.json and
# environment markers, against the fixture registry (docs/targets.md).

load helpers/common
load fixtures/registry/server

setup_file() { start_registry; }
teardown_file() { stop_servers plain; }
setup() { registry_env; }

# An npm integrity string for a served tarball.
npm_sri() { printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$BATS_FILE_TMPDIR/plain/web/tarballs/$1" | base64 -w0)"; }

@test "environment markers in requirements are evaluated for the stated target; one Aura cannot evaluate is an error" {
	cat >requirements.txt <<-EOF
	evil==1.0 ; python_version >= "3.8" and sys_platform == "linux"
	demo-pkg==1.0 ; sys_platform == "win32" or python_version < "3.6"
	simpleonly==0.1 ; platform_release >= "5"
	pep691==3.0 ; os_name == "posix" and (platform_machine == "x86_64" or extra == "x")
	EOF
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --only sdist requirements.txt
	assert_equal "$(fields)" "error - - cannot handle this requirement line: marker variable 'platform_release' depends on the installing machine: Aura cannot evaluate it for a stated target
artifact evil 1.0 evil-1.0.tar.gz
artifact pep691 3.0 pep691-3.0.tar.gz"
	assert_jq "${lines[0]}" '.path == "requirements.txt:3"'
	[[ "$stderr" == *"requirements.txt:2: not installed on the target (Python 3.11, linux)"* ]] || fail "stderr: $stderr"
	# Another target: Windows takes demo-pkg; Python 3.5 drops evil.
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --only sdist --platform windows --python-version 3.5 requirements.txt
	assert_equal "$(fields | grep artifact)" "artifact demo-pkg 1.0 demo_pkg-1.0.tar.gz"
	# Malformed markers and options.
	printf 'evil==1.0 ; python_version <\nevil==1.0 ; os_name < "posix"\nevil==1.0 ; nonsense == "1"\n' >requirements.txt
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" requirements.txt
	assert_equal "$(printf '%s\n' "$output" | jq -r '[.path, .message] | join(" ")')" \
"requirements.txt:1 cannot handle this requirement line: expected a marker variable or a quoted string at '' in ' python_version <'
requirements.txt:2 cannot handle this requirement line: cannot compare 'posix' < 'posix' (not versions): PEP 508 leaves it undefined
requirements.txt:3 cannot handle this requirement line: unknown marker variable 'nonsense'"
	run -2 --separate-stderr aura-fetch --python-version 3 requirements.txt
	assert_equal "$output" ""
	[[ $stderr == *"expected X.Y or X.Y.Z"* ]] || fail "stderr: $stderr"
	run -2 --separate-stderr aura-fetch --platform beos requirements.txt
	assert_equal "$output" ""
	[[ $stderr == *"expected linux, windows or macos"* ]] || fail "stderr: $stderr"
}

@test "pyproject.toml: build requirements, dependencies and extras; dynamic dependencies and TOML errors are errors" {
	cat >pyproject.toml <<-EOF
	[build-system]
	requires = ["demo-pkg==1.0"]  # build tools run at install time too

	[project]
	name = "mine"
	version = "0.1"
	dependencies = [
	    "evil (==1.0)",
	    'simpleonly>=0.1,<0.3 ; python_version < "3.0"',
	]
	[project.optional-dependencies]
	extra1 = ["pep691==3.0 ; extra == 'extra1'"]
	EOF
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --only sdist pyproject.toml
	assert_equal "$(fields)" "artifact demo-pkg 1.0 demo_pkg-1.0.tar.gz
artifact evil 1.0 evil-1.0.tar.gz
artifact pep691 3.0 pep691-3.0.tar.gz"
	assert_jq "${lines[1]}" '.origin == "pyproject.toml:project.dependencies[0]"'
	[[ "$stderr" == *"pyproject.toml:project.dependencies[1]: not installed on the target"* ]] || fail "stderr: $stderr"
	# Dynamic dependencies cannot be read: said, not skipped.
	printf '[project]\nname = "x"\ndynamic = ["dependencies"]\n' >pyproject.toml
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" pyproject.toml
	assert_jq "$output" '.type == "error" and (.message | test("project.dependencies is dynamic"))'
	# TOML Aura does not read: the error names the line.
	printf '[project]\nname = "x"\ndependencies = ["evil==1.0"]\nreleased = 2024-01-01\n' >pyproject.toml
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" pyproject.toml
	assert_jq "$output" '.type == "error" and .message == "pyproject.toml:4: dates are not supported by Aura'"'"'s TOML reader"'
	printf '[project]\ndependencies = ["evil==1.0"]\ndependencies = []\n' >pyproject.toml
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" pyproject.toml
	assert_jq "$output" '.message == "pyproject.toml:3: duplicate key '"'"'dependencies'"'"'"'
	printf '[project]\ndependencies = ["evil==1.0", 3]\n' >pyproject.toml
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --only sdist pyproject.toml
	assert_equal "$(fields)" "artifact evil 1.0 evil-1.0.tar.gz
error - - cannot handle this lock entry: not a requirement string"
	assert_jq "${lines[1]}" '.path == "pyproject.toml:project.dependencies[1]"'
	# Poetry's own table is not PEP 508: its lock is the thing to scan.
	printf '[tool.poetry.dependencies]\npython = "^3.8"\nevil = "^1.0"\n' >pyproject.toml
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" pyproject.toml
	assert_jq "$output" '.type == "error" and (.message | test("scan poetry.lock instead"))'
}

poetry_lock() {
	cat <<-EOF
	# This file is automatically @generated by Poetry 1.7.1 and should not be changed by hand.

	[[package]]
	name = "demo-pkg"
	version = "1.0"
	description = "a fixture"
	optional = false
	python-versions = "*"
	files = [
	    {file = "demo_pkg-1.0.tar.gz", hash = "sha256:$1"},
	]

	[package.dependencies]
	evil = ">=1.0"
	simpleonly = {version = "0.1", markers = "sys_platform == \\"win32\\""}

	[[package]]
	name = "evil"
	version = "1.0"
	description = ""
	optional = false
	python-versions = "*"
	files = [
	    {file = "evil-1.0.tar.gz", hash = "sha256:$2"},
	]

	[[package]]
	name = "simpleonly"
	version = "0.1"
	description = ""
	optional = false
	python-versions = "*"
	files = [
	    {file = "simpleonly-0.1.tar.gz", hash = "sha256:$3"},
	]

	[metadata]
	lock-version = "2.0"
	python-versions = "^3.8"
	content-hash = "0"
	EOF
}

@test "poetry.lock: locked releases with their hashes; a dependency whose marker is false is not fetched" {
	poetry_lock "$(pkg_sha demo_pkg-1.0.tar.gz)" "$(pkg_sha evil-1.0.tar.gz)" "$(pkg_sha simpleonly-0.1.tar.gz)" >poetry.lock
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" poetry.lock
	assert_equal "$(fields)" "artifact demo-pkg 1.0 demo_pkg-1.0.tar.gz
artifact evil 1.0 evil-1.0.tar.gz"
	assert_jq "${lines[1]}" '.origin == "poetry.lock: package '"'"'evil'"'"'" and .target == "pypi:evil==1.0"'
	[[ "$stderr" == *"package 'simpleonly' is not installed on the target (Python 3.11, linux)"* ]] || fail "stderr: $stderr"
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --platform windows poetry.lock
	assert_equal "$(fields | wc -l)" 3
	# Recognised by content under another name.
	cp poetry.lock locked.txt
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" locked.txt
	assert_equal "$(fields | wc -l)" 2
}

@test "poetry.lock: a hash the index does not publish is refused with a DigestMismatch hit; the rest goes on" {
	poetry_lock "$(printf '1%.0s' $(seq 64))" "$(pkg_sha evil-1.0.tar.gz)" "$(pkg_sha simpleonly-0.1.tar.gz)" >poetry.lock
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" poetry.lock
	assert_equal "$(fields)" "hit - - DigestMismatch
error - - digest mismatch, refused: release 1.0 of 'demo-pkg' has no sdist or wheel matching the --hash values (1 hashes; the index publishes others)
artifact evil 1.0 evil-1.0.tar.gz"
	assert_jq "${lines[0]}" '.severity == "high" and .artifact == "poetry.lock: package '"'"'demo-pkg'"'"'"'
	# Not a sha256: an error naming the package.
	sed -i 's/hash = "sha256:1*"/hash = "md5:abc"/' poetry.lock
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" poetry.lock
	assert_jq "${lines[0]}" '.type == "error" and .path == "poetry.lock: package '"'"'demo-pkg'"'"'" and (.message | test("md5:abc"))'
	# Broken TOML: file and line.
	printf '[[package]]\nname = "x"\nversion = 1.0.0\n' >poetry.lock
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" poetry.lock
	assert_jq "$output" '.type == "error" and .message == "poetry.lock:3: malformed value (not a string, number, boolean, array or table)"'
	# The driver: the hit makes the verdict critical and the error exits 2.
	poetry_lock "$(printf '1%.0s' $(seq 64))" "$(pkg_sha evil-1.0.tar.gz)" "$(pkg_sha simpleonly-0.1.tar.gz)" >poetry.lock
	run -2 --separate-stderr aura scan --format json --index-url "$INDEX" poetry.lock
	assert_jq "$(verdict_of evil)" '.risk == "critical"'
}

@test "uv.lock: files fetched from their locked URLs with their hashes; markers on edges; the project itself is not fetched" {
	cat >uv.lock <<-EOF
	version = 1
	requires-python = ">=3.8"

	[[package]]
	name = "mine"
	version = "0.1.0"
	source = { editable = "." }
	dependencies = [
	    { name = "evil" },
	    { name = "demo-pkg", marker = "sys_platform == 'darwin'" },
	]

	[package.optional-dependencies]
	web = [{ name = "pep691" }]

	[[package]]
	name = "evil"
	version = "1.0"
	source = { registry = "$INDEX" }
	sdist = { url = "$BASE/packages/evil-1.0.tar.gz", hash = "sha256:$(pkg_sha evil-1.0.tar.gz)", size = 1 }

	[[package]]
	name = "demo-pkg"
	version = "1.10"
	source = { registry = "$INDEX" }
	sdist = { url = "$BASE/packages/demo_pkg-1.10.tar.gz", hash = "sha256:$(pkg_sha demo_pkg-1.10.tar.gz)" }
	wheels = [
	    { url = "$BASE/packages/demo_pkg-1.10-py3-none-any.whl", hash = "sha256:$(pkg_sha demo_pkg-1.10-py3-none-any.whl)" },
	]

	[[package]]
	name = "pep691"
	version = "3.0"
	source = { registry = "$INDEX" }
	sdist = { url = "$BASE/packages/pep691-3.0.tar.gz", hash = "sha256:$(printf '2%.0s' $(seq 64))" }
	EOF
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" uv.lock
	assert_equal "$(fields | sed 's/127.0.0.1:[0-9]*/HOST/g')" "artifact evil 1.0 evil-1.0.tar.gz
hit - - DigestMismatch
error - - digest mismatch, refused: published sha256 2222222222222222222222222222222222222222222222222222222222222222, downloaded $(pkg_sha pep691-3.0.tar.gz)"
	assert_jq "${lines[0]}" '.ecosystem == "pypi" and .target == "pypi:evil==1.0" and .origin == "uv.lock: package '"'"'evil'"'"'"'
	[[ "$stderr" == *"uv.lock: package 'demo-pkg' is not installed on the target"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"the project itself (.)"* ]] || fail "stderr: $stderr"
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --platform macos --only wheel uv.lock
	assert_equal "$(fields | grep artifact)" "artifact demo-pkg 1.10 demo_pkg-1.10-py3-none-any.whl"
	# Another index than the one given: said.
	sed -i "s|registry = \"$INDEX\"|registry = \"https://elsewhere.example/simple\"|" uv.lock
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" uv.lock
	assert_jq "${lines[0]}" '.type == "error" and (.message | test("differs from --index-url"))'
	printf 'version = 2\n' >uv.lock
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" uv.lock
	assert_jq "$output" '.type == "error" and (.message | test("Aura reads version 1"))'
}

@test "Pipfile.lock: default and develop, markers, hashes" {
	cat >Pipfile.lock <<-EOF
	{"_meta": {"hash": {"sha256": "0"}, "pipfile-spec": 6, "requires": {}, "sources": [{"name": "pypi", "url": "$INDEX", "verify_ssl": true}]},
	 "default": {"evil": {"hashes": ["sha256:$(pkg_sha evil-1.0.tar.gz)"], "version": "==1.0"},
	             "demo-pkg": {"hashes": ["sha256:$(pkg_sha demo_pkg-1.0.tar.gz)"], "markers": "sys_platform == 'win32'", "version": "==1.0"}},
	 "develop": {"simpleonly": {"hashes": ["sha256:$(printf '3%.0s' $(seq 64))"], "version": "==0.1"},
	             "gitdep": {"git": "https://example.org/x.git", "ref": "abc"}}}
	EOF
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" Pipfile.lock
	assert_equal "$(fields)" "artifact evil 1.0 evil-1.0.tar.gz
hit - - DigestMismatch
error - - digest mismatch, refused: release 0.1 of 'simpleonly' has no sdist or wheel matching the --hash values (1 hashes; the index publishes others)
error - - cannot handle this lock entry: git sources are not fetched"
	assert_jq "${lines[3]}" '.path == "Pipfile.lock: develop '"'"'gitdep'"'"'"'
	[[ "$stderr" == *"default 'demo-pkg': not installed on the target"* ]] || fail "stderr: $stderr"
	printf '{"_meta": {"pipfile-spec": 6}, "default": {"evil": {"version": "==1.0"}, "evil": {}}}' >Pipfile.lock
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" Pipfile.lock
	assert_jq "$output" '.type == "error" and (.message | test("duplicate"))'
}

@test "package-lock.json v1, v2 and v3: resolved tarballs checked against their integrity; os/cpu for the target" {
	lp=$(npm_sri leftpad-1.0.0.tgz); wg=$(npm_sri acme-widget-2.0.0.tgz)
	for v in 2 3; do
		cat >package-lock.json <<-EOF
		{"name": "app", "version": "1.0.0", "lockfileVersion": $v, "requires": true, "packages": {
		  "": {"name": "app", "version": "1.0.0"},
		  "node_modules/leftpad": {"version": "1.0.0", "resolved": "$BASE/tarballs/leftpad-1.0.0.tgz", "integrity": "$lp"},
		  "node_modules/x/node_modules/leftpad": {"version": "1.0.0", "resolved": "$BASE/tarballs/leftpad-1.0.0.tgz", "integrity": "$lp"},
		  "node_modules/@acme/widget": {"version": "2.0.0", "resolved": "$BASE/tarballs/acme-widget-2.0.0.tgz", "integrity": "$wg", "os": ["linux"]},
		  "node_modules/winonly": {"version": "1.0.0", "resolved": "$BASE/tarballs/nope.tgz", "os": ["win32"], "optional": true},
		  "node_modules/oldpkg": {"version": "0.1.0", "resolved": "$BASE/tarballs/oldpkg-0.1.0.tgz", "integrity": "$wg"}}}
		EOF
		run -0 --separate-stderr aura-fetch --registry "$REGISTRY" package-lock.json
		assert_equal "$(fields)" "artifact leftpad 1.0.0 leftpad-1.0.0.tgz
artifact @acme/widget 2.0.0 acme-widget-2.0.0.tgz
hit - - DigestMismatch
error - - digest mismatch, refused: published sha512 $(openssl dgst -sha512 -hex "$BATS_FILE_TMPDIR/plain/web/tarballs/acme-widget-2.0.0.tgz" | cut -d' ' -f2), downloaded $(openssl dgst -sha512 -hex "$BATS_FILE_TMPDIR/plain/web/tarballs/oldpkg-0.1.0.tgz" | cut -d' ' -f2)"
		assert_jq "${lines[0]}" '.ecosystem == "npm" and .target == "npm:leftpad@1.0.0"'
		[[ "$stderr" == *"node_modules/winonly: not installed on the target (linux, x64)"* ]] || fail "stderr: $stderr"
	done
	# v1: nested dependencies, the old sha1 integrity.
	sha1=$(openssl dgst -sha1 -binary "$BATS_FILE_TMPDIR/plain/web/tarballs/oldpkg-0.1.0.tgz" | base64 -w0)
	cat >package-lock.json <<-EOF
	{"name": "app", "lockfileVersion": 1, "dependencies": {
	  "leftpad": {"version": "1.0.0", "resolved": "$BASE/tarballs/leftpad-1.0.0.tgz", "integrity": "$lp",
	     "dependencies": {"oldpkg": {"version": "0.1.0", "resolved": "$BASE/tarballs/oldpkg-0.1.0.tgz", "integrity": "sha1-$sha1"}}},
	  "gitdep": {"version": "git+https://example.org/x.git", "resolved": "git+https://example.org/x.git#abc"}}}
	EOF
	run -0 --separate-stderr aura-fetch --registry "$REGISTRY" package-lock.json
	assert_equal "$(fields)" "artifact leftpad 1.0.0 leftpad-1.0.0.tgz
artifact oldpkg 0.1.0 oldpkg-0.1.0.tgz
error - - cannot handle this lock entry: resolved 'git+https://example.org/x.git#abc' is not fetched (git or another scheme)"
	printf '{"lockfileVersion": 9}' >package-lock.json
	run -0 --separate-stderr aura-fetch --registry "$REGISTRY" package-lock.json
	assert_jq "$output" '.type == "error" and (.message | test("lockfileVersion"))'
	printf '{"lockfileVersion": 2, "packages": {"node_modules/a": {"version": "1", "integrity": "sha512-!!"}}' >package-lock.json
	run -0 --separate-stderr aura-fetch --registry "$REGISTRY" package-lock.json
	assert_jq "$output" '.type == "error" and (.message | test("package-lock.json:1:"))'
}
