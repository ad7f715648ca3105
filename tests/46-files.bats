#!/usr/bin/env bats
# 46-files.bats: signals in the members themselves (files: rules) — disguised archives,
# binaries in sdists, start-up hooks, shipped credentials.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg-1.0/pkg; echo 'x = 1' > pkg-1.0/pkg/__init__.py; }

# files TARGET: "detection path context score" of the file hits.
files() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r 'select(.type == "hit" and (.tags | index("file"))) | "\(.detection) \(.path) \(.context) \(.score)"'
}

@test "an archive named like a certificate or an image is a DisguisedArchive; a real .gz is not" {
	printf 'import os\n' > payload.py
	tar czf pkg-1.0/pkg/server.crt payload.py
	tar czf pkg-1.0/pkg/data.tar.gz payload.py
	run files pkg-1.0
	assert_output 'DisguisedArchive pkg/server.crt import 100'
}

@test "a native binary in an sdist is NativeBinaryInSdist; in a wheel or a plain directory it is not" {
	cp /bin/true pkg-1.0/pkg/helper
	tar czf pkg-1.0.tar.gz pkg-1.0
	run files pkg-1.0.tar.gz
	assert_output 'NativeBinaryInSdist pkg-1.0/pkg/helper import 40'
	(cd pkg-1.0 && zip -qr ../pkg-1.0-py3-none-any.whl pkg)
	run files pkg-1.0-py3-none-any.whl
	assert_output ''
}

@test "a .pth file with an import line is a StartupHook; one with only paths is not" {
	printf 'import os; os.getcwd()\n' > pkg-1.0/hook.pth
	printf '/usr/lib/extra\n' > pkg-1.0/paths.pth
	run files pkg-1.0
	assert_output 'StartupHook hook.pth install 1'
}

@test "a shipped .pypirc or private key is a ShippedSecret, except in test fixtures" {
	printf '[pypi]\npassword = x\n' > pkg-1.0/.pypirc
	mkdir -p pkg-1.0/tests
	printf 'key\n' > pkg-1.0/tests/id_rsa
	printf 'key\n' > pkg-1.0/pkg/id_rsa.pub
	run files pkg-1.0
	assert_output 'ShippedSecret .pypirc import 40'
}
