#!/usr/bin/env bats
# 71-npm.bats: aura-serve's npm side and --min-age, against the fixture registry
# (tests/fixtures/registry: make-registry.py, serve.py; tests/fixtures/serve/make-fresh.py for
# releases of known age) on 127.0.0.1, with the real npm (offline: nothing leaves 127.0.0.1).

load helpers/common

# A proxy with the given options in the background: its URLs in $T/NAME.url, log in NAME.log.
start_proxy() {	# name options...
	local name=$1; shift
	aura-serve --cache "$T/cache-$name" "$@" > "$T/$name.url" 2> "$T/$name.log" 3>&- &
	echo $! >> "$T/pids"
	for _ in $(seq 100); do [ -s "$T/$name.url" ] && break; sleep 0.1; done
}

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	python3 "$AURA_ROOT/tests/fixtures/registry/serve.py" "$T/web" "$T/up.port" 3>&- &
	echo $! > "$T/pids"
	for _ in $(seq 100); do [ -s "$T/up.port" ] && break; sleep 0.1; done
	export UP="http://127.0.0.1:$(cat "$T/up.port")"
	python3 "$AURA_ROOT/tests/fixtures/registry/make-registry.py" "$T/web" "$UP"
	python3 "$AURA_ROOT/tests/fixtures/serve/make-fresh.py" "$T/web" "$UP"
	start_proxy plain --upstream "$UP/simple/" --npm-upstream "$UP/"
	start_proxy allow --npm-upstream "$UP/" --allow-unanalysed
	start_proxy young --upstream "$UP/simple/" --npm-upstream "$UP/" --min-age 48h --allow-unanalysed
	export NPM_PLAIN="$(grep /npm/ "$T/plain.url")" NPM_ALLOW="$(grep /npm/ "$T/allow.url")"
	export NPM_YOUNG="$(grep /npm/ "$T/young.url")" PYPI_YOUNG="$(grep /simple/ "$T/young.url")"
	export PYPI_PLAIN="$(grep /simple/ "$T/plain.url")"
}

teardown_file() {
	kill $(cat "$T/pids") 2>/dev/null || true
}

# The proxy's tarball link for the only version of an npm package.
tarball_of() {	# registry-url name
	curl -sf "$1$2" | jq -r '.versions[].dist.tarball'
}

# A fresh project directory to run npm in.
new_project() {
	rm -rf "$T/proj"; mkdir "$T/proj"; cd "$T/proj"
}

@test "npm documents come from upstream with every dist.tarball pointing back at the proxy" {
	run curl -sf "${NPM_PLAIN}leftpad"
	assert_success
	assert_jq "$output" '.versions["1.0.0"].dist.tarball | startswith("'"${NPM_PLAIN%npm/}files/"'")'
	assert_jq "$output" '.versions["1.0.0"].dist.integrity | startswith("sha512-")'
	refute_output --partial "$UP/tarballs"
	# A scoped name, as npm asks for it (@scope%2fname) and decoded.
	run curl -sf "${NPM_PLAIN}@acme%2fwidget"
	assert_jq "$output" '.versions["2.0.0"].dist.tarball | contains("/files/")'
	refute_output --partial "$UP/tarballs"
	run curl -s -w '\n%{http_code}' "${NPM_PLAIN}..%2f..%2fetc"
	assert_line --index 1 404
}

@test "an npm tarball is refused by default: JavaScript is not analysed (fail closed, said plainly)" {
	run curl -s -w '\n%{http_code}' "$(tarball_of "$NPM_PLAIN" leftpad)"
	assert_line --index 1 403
	assert_line --index 0 --partial "refused leftpad@1.0.0"
	assert_line --index 0 --partial "not analysed: Aura cannot analyse JavaScript yet"
	assert_line --index 0 --partial -- "--allow-unanalysed"
}

@test "let through unanalysed, a tarball is still checked: its install script is refused" {
	run curl -s -w '\n%{http_code}' "$(tarball_of "$NPM_ALLOW" @acme/widget)"
	assert_line --index 1 403
	assert_line --index 0 --partial "risk high"
	assert_line --index 0 --partial "'preinstall' script"
	# leftpad (no scripts) is served byte for byte.
	curl -sf -o "$T/leftpad.tgz" "$(tarball_of "$NPM_ALLOW" leftpad)"
	cmp "$T/leftpad.tgz" "$T/web/tarballs/leftpad-1.0.0.tgz"
	grep -q 'passed unanalysed leftpad@1.0.0' "$T/allow.log"
}

@test "npm tarballs are checked against dist.integrity, or dist.shasum when that is all there is" {
	run curl -s -w '\n%{http_code}' "$(tarball_of "$NPM_ALLOW" npmtampered)"
	assert_line --index 1 403
	assert_line --index 0 --partial "its sha512"
	assert_line --index 0 --partial "tampered upstream"
	# oldpkg publishes only a SHA-1 shasum: checked against it, then served.
	run curl -sf -o "$T/oldpkg.tgz" "$(tarball_of "$NPM_ALLOW" oldpkg)"
	assert_success
	cmp "$T/oldpkg.tgz" "$T/web/tarballs/oldpkg-0.1.0.tgz"
}

@test "aura npm install: an unanalysed package is refused by name, nothing installed, exit 1" {
	new_project
	XDG_CACHE_HOME="$T/xdg" run --separate-stderr aura npm install --registry "$UP/" leftpad
	assert_equal "$status" 1
	[[ $stderr == *"refused leftpad@1.0.0"*"not analysed"* ]] || fail "$stderr"
	[[ $stderr == *"nothing was installed"* ]] || fail "$stderr"
	[ ! -e node_modules/leftpad ] || fail "node_modules/leftpad exists"
}

@test "aura npm install --allow-unanalysed installs, and lists what was let through" {
	new_project
	XDG_CACHE_HOME="$T/xdg" run --separate-stderr aura npm install --registry "$UP/" --allow-unanalysed leftpad oldpkg
	assert_success
	[[ $stderr == *"passed unanalysed leftpad@1.0.0"* ]] || fail "$stderr"
	[[ $stderr == *"passed unanalysed oldpkg@0.1.0"* ]] || fail "$stderr"
	run node -e 'console.log(require("leftpad"))'
	assert_output 1
}

@test "aura npm install: a package whose install script downloads and runs code installs nothing" {
	new_project
	XDG_CACHE_HOME="$T/xdg" run --separate-stderr aura npm install --registry "$UP/" --allow-unanalysed leftpad @acme/widget
	assert_equal "$status" 1
	[[ $stderr == *"refused acme-widget 2.0.0"*"preinstall"* ]] || fail "$stderr"
	[ ! -e node_modules/leftpad ] || fail "node_modules/leftpad exists"
	[ ! -e node_modules/@acme/widget ] || fail "node_modules/@acme/widget exists"
}

@test "aura npm install refuses ways around the proxy" {
	new_project
	for arg in --userconfig=/tmp/x --globalconfig=/tmp/x --cache=/tmp/x --@acme:registry=http://127.0.0.1:1/ \
		--offline "git+https://example.org/x.git" "github:user/repo" "user/repo" "leftpad@http://127.0.0.1:1/x.tgz" \
		"./local.tgz" "leftpad@file:../x"; do
		run aura npm install --registry "$UP/" "$arg"
		assert_equal "$status" 2
	done
	printf '@acme:registry=http://127.0.0.1:1/\n' > .npmrc
	run aura npm install --registry "$UP/" leftpad
	assert_equal "$status" 2
	assert_output --partial ".npmrc names a registry"
	rm .npmrc
	printf '{"dependencies": {"leftpad": "^1.0.0", "x": "git+https://example.org/x.git"}}\n' > package.json
	run aura npm install --registry "$UP/"
	assert_equal "$status" 2
	assert_output --partial "x: git+https://example.org/x.git"
}

@test "npm's configuration and npm_config_* variables cannot add a registry" {
	new_project
	# A user config and an environment variable naming another registry for the scope: ignored.
	printf '@acme:registry=http://127.0.0.1:1/\n' > "$T/userrc"
	NPM_CONFIG_USERCONFIG="$T/userrc" npm_config_registry=http://127.0.0.1:1/ XDG_CACHE_HOME="$T/xdg" \
		run --separate-stderr aura npm install --registry "$UP/" --allow-unanalysed leftpad
	assert_success
	[ -e node_modules/leftpad/index.js ] || fail "node_modules/leftpad/index.js does not exist"
}

@test "--min-age: npm versions younger than the limit are withheld and their tags dropped" {
	run curl -sf "${NPM_YOUNG}freshpkg"
	assert_jq "$output" '.versions | keys == ["1.0.0"]'
	assert_jq "$output" '.["dist-tags"] | has("latest") | not'
	grep -q 'withheld freshpkg@1.1.0' "$T/young.log"
	# Without --min-age both are there.
	run curl -sf "${NPM_PLAIN}freshpkg"
	assert_jq "$output" '.versions | keys == ["1.0.0", "1.1.0"]'
	new_project
	XDG_CACHE_HOME="$T/xdg" run aura npm install --registry "$UP/" --min-age 48h --allow-unanalysed freshpkg
	assert_success
	run node -e 'console.log(require("freshpkg"))'
	assert_output 1.0.0
}

@test "--min-age: PyPI files younger than the limit, or of unknown age, are left off the page" {
	run curl -sf "${PYPI_YOUNG}freshlib/"
	assert_success
	assert_output --partial "freshlib-1.0.tar.gz#sha256="
	refute_output --partial "freshlib-1.1.tar.gz"
	refute_output --partial "freshlib-1.2.tar.gz"
	grep -q 'withheld freshlib-1.1.tar.gz: uploaded 20' "$T/young.log"
	grep -q 'withheld freshlib-1.2.tar.gz: uploaded at an unknown time' "$T/young.log"
	# Without --min-age the JSON page gives all three, as HTML with signed links.
	run curl -sf "${PYPI_PLAIN}freshlib/"
	assert_output --partial "freshlib-1.2.tar.gz#sha256="
	refute_output --partial "$UP/packages"
	# An HTML page has no upload times: with --min-age it is refused, not served unchecked.
	run curl -s -w '\n%{http_code}' "${PYPI_YOUNG}simpleonly/"
	assert_line --index 1 403
	assert_line --index 0 --partial "needs upload times"
}

@test "aura pip install --min-age installs the newest release old enough" {
	/usr/bin/python3 -m venv "$T/venv"
	XDG_CACHE_HOME="$T/xdg" run aura pip install --python "$T/venv/bin/python" -i "$UP/simple/" \
		--min-age 48h --no-build-isolation freshlib
	assert_success
	run "$T/venv/bin/python" -c 'import freshlib; print(freshlib.VERSION)'
	assert_output 1.0
}

@test "aura-serve validates --min-age and needs an upstream" {
	run aura-serve --npm-upstream "$UP/" --min-age 2w
	assert_equal "$status" 2
	assert_output --partial -- "--min-age"
	run aura-serve --npm-upstream "$UP/" --min-age -1h
	assert_equal "$status" 2
	run aura-serve --npm-upstream ftp://x/
	assert_equal "$status" 2
	run aura-serve
	assert_equal "$status" 2
	assert_output --partial -- "--npm-upstream"
}
