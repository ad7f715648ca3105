#!/usr/bin/env bats
# 70-serve.bats: aura-serve, the scanning index proxy, against a fixture upstream index on
# 127.0.0.1 and the real pip in a fresh virtual environment (Debian's /usr/bin/python3 and its
# python3-venv: a python3 earlier on PATH may bring another pip). pip runs --isolated, so no
# configuration or PIP_* variable adds an index or find-links around the proxy.

load helpers/common

# upstream: the fixture index (tests/fixtures/serve/make-index.py) served on a free port.
setup_file() {
	export T="$BATS_FILE_TMPDIR"
	python3 "$AURA_ROOT/tests/fixtures/serve/make-index.py" "$T/index" "$T/marker"
	python3 "$AURA_ROOT/tests/helpers/serve-dir.py" "$T/index" "$T/up.port" 3>&- &
	echo $! > "$T/up.pid"
	for _ in $(seq 100); do [ -s "$T/up.port" ] && break; sleep 0.1; done
	export UPSTREAM="http://127.0.0.1:$(cat "$T/up.port")/simple/"
	aura-serve --upstream "$UPSTREAM" --cache "$T/cache" > "$T/serve.url" 2> "$T/serve.log" 3>&- &
	echo $! > "$T/serve.pid"
	for _ in $(seq 100); do [ -s "$T/serve.url" ] && break; sleep 0.1; done
	export PROXY="$(head -1 "$T/serve.url")"
}

teardown_file() {
	kill "$(cat "$T/serve.pid")" "$(cat "$T/up.pid")" 2>/dev/null || true
}

# The proxy's link for a project's only file (without its #fragment).
file_link() {
	curl -sf "$PROXY$1/" | grep -o 'href="[^"#]*' | sed 's/^href="//'
}

@test "project pages come from upstream with every link pointing back at the proxy" {
	run curl -sf "${PROXY}goodlib/"
	assert_success
	assert_output --partial "href=\"${PROXY%simple/}files/"
	assert_output --partial "goodlib-1.0.tar.gz#sha256="
	refute_output --partial "$UPSTREAM"
	refute_output --partial "../../packages"
}

@test "a clean file is served byte for byte after its scan" {
	curl -sf -o "$T/got.tgz" "$(file_link goodlib)"
	cmp "$T/got.tgz" "$T/index/packages/goodlib-1.0.tar.gz"
	grep -q 'passed goodlib 1.0' "$T/serve.log"
}

@test "a malicious file is refused with 403 naming the package, the risk and why" {
	run curl -s -w '\n%{http_code}' "$(file_link evildep)"
	assert_line --index 1 403
	assert_line --index 0 --partial "refused evildep 1.0"
	assert_line --index 0 --partial "risk critical"
	assert_line --index 0 --partial "downloads and runs code"
}

@test "a file whose bytes differ from the sha256 on its page is refused (tampered upstream)" {
	run curl -s -w '\n%{http_code}' "$(file_link tampered)"
	assert_line --index 1 403
	assert_line --index 0 --partial "differs from the"
	assert_line --index 0 --partial "tampered upstream"
}

@test "links the proxy did not sign are refused: it is not an open proxy" {
	# The URL of a real upstream file, with a made-up signature.
	forged=$(printf '%s' "${UPSTREAM%simple/}packages/evildep-1.0.tar.gz" | od -An -tx1 | tr -d ' \n')
	run curl -s -w '\n%{http_code}' "${PROXY%simple/}files/$forged-00112233445566778899aabbccddeeff/x.tar.gz"
	assert_line --index 1 403
	assert_line --index 0 --partial "not made by this proxy"
	# A signed link with one byte of its URL changed fails too.
	link=$(file_link goodlib)
	run curl -s -w '\n%{http_code}' "${link/676f6f646c6962/676f6f646c6963}"
	assert_line --index 1 403
}

@test "pip through the proxy: the benign package installs and imports" {
	/usr/bin/python3 -m venv "$T/venv"
	run "$T/venv/bin/pip" install --isolated --disable-pip-version-check --no-cache-dir --no-build-isolation \
		--index-url "$PROXY" goodlib
	assert_success
	run "$T/venv/bin/python" -c 'import goodlib; print(goodlib.greet("aura"))'
	assert_output "hello aura"
}

@test "pip through the proxy: a benign package with a malicious dependency installs nothing" {
	[ -x "$T/venv/bin/pip" ] || /usr/bin/python3 -m venv "$T/venv"
	run "$T/venv/bin/pip" install --isolated --disable-pip-version-check --no-cache-dir --no-build-isolation \
		--index-url "$PROXY" goodapp
	assert_failure
	assert_output --partial "403"
	# evildep's setup.py never ran, and neither package is installed.
	[ ! -e "$T/marker" ] || fail "$T/marker exists"
	run "$T/venv/bin/pip" list --disable-pip-version-check
	refute_output --partial goodapp
	refute_output --partial evildep
}

@test "aura-serve validates its options before listening" {
	run aura-serve
	assert_equal "$status" 2
	assert_output --partial -- "--upstream URL is required"
	run aura-serve --upstream ftp://example.org/
	assert_equal "$status" 2
	run aura-serve --upstream http://127.0.0.1:1/simple/ --fail-level hgh
	assert_equal "$status" 2
	assert_output --partial "unknown level"
}

@test "aura pip install: a malicious dependency is refused by name, nothing installed, exit 1" {
	/usr/bin/python3 -m venv "$T/venv-driver"
	XDG_CACHE_HOME="$T/xdg" run --separate-stderr aura pip install --python "$T/venv-driver/bin/python" \
		-i "$UPSTREAM" --no-build-isolation goodapp
	assert_equal "$status" 1
	[[ $stderr == *"refused evildep 1.0"* ]] || fail "no refusal named: $stderr"
	[[ $stderr == *"nothing was installed"* ]] || fail "$stderr"
	[ ! -e "$T/marker" ] || fail "$T/marker exists"
	run "$T/venv-driver/bin/pip" list --isolated
	refute_output --partial goodapp
}

@test "aura pip install: a clean package installs" {
	[ -x "$T/venv-driver/bin/python" ] || /usr/bin/python3 -m venv "$T/venv-driver"
	XDG_CACHE_HOME="$T/xdg" run aura pip install --python "$T/venv-driver/bin/python" \
		-i "$UPSTREAM" --no-build-isolation goodlib
	assert_success
	run "$T/venv-driver/bin/python" -c 'import goodlib'
	assert_success
}

@test "aura pip install refuses ways around the proxy, also inside requirement files" {
	run aura pip install --extra-index-url http://127.0.0.1:1/simple/ goodlib
	assert_equal "$status" 2
	run aura pip install --find-links /tmp goodlib
	assert_equal "$status" 2
	run aura pip install "goodlib @ http://127.0.0.1:1/goodlib-1.0.tar.gz"
	assert_equal "$status" 2
	printf 'goodlib\n-r inner.txt\n' > "$T/outer.txt"
	printf '# pinned\n--find-links http://127.0.0.1:1/\n' > "$T/inner.txt"
	run aura pip install -r "$T/outer.txt"
	assert_equal "$status" 2
	assert_output --partial "inner.txt:2: cannot handle this requirement line: unsupported option '--find-links'"
	assert_output --partial "reach around the scanning proxy; refused"
	# aura-fetch reads the files (pip's rules: comments, continuation lines, includes): a URL,
	# an editable and a local path are named with their line; a constraints file passes.
	printf 'goodlib \\\n  >=1.0\n-c cons.txt\n-e ./src\nhttp://127.0.0.1:1/x.whl\n./local.tar.gz\n' > "$T/three.txt"
	printf 'goodlib<2\n' > "$T/cons.txt"
	run aura pip install -r "$T/three.txt"
	assert_equal "$status" 2
	assert_output --partial "three.txt:4: ./src: a local path is installed unscanned"
	assert_output --partial "three.txt:5: http://127.0.0.1:1/x.whl: a URL is installed unscanned"
	assert_output --partial "three.txt:6: ./local.tar.gz: a local path"
	refute_output --partial "three.txt:1"
	refute_output --partial "cons.txt"
	run aura pip install --fail-level hgh goodlib
	assert_equal "$status" 2
}
