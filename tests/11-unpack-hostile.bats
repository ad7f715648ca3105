#!/usr/bin/env bats
# 11-unpack-hostile.bats: aura-unpack on hostile archives and every package format: exact hits, nothing written.
load helpers/common
bats_require_minimum_version 1.5.0

# The fixtures are built once per run by a script (nothing binary is committed).
setup_file() {
	export FX="$BATS_FILE_TMPDIR/fx" MARKER="$$-$RANDOM"
	python3 "$BATS_TEST_DIRNAME/fixtures/unpack/make-hostile.py" "$FX" "$MARKER"
	(cd "$FX" && ls -la --time-style=+%s) > "$BATS_FILE_TMPDIR/listing"
}

# Every test unpacks from an empty working directory, which must stay empty.
setup() {
	EMPTY="$BATS_TEST_TMPDIR/cwd"
	mkdir "$EMPTY"
	cd "$EMPTY"
}

# Nothing written: not in the working directory, not where escaping names point, not
# beside the fixtures.
teardown() {
	[ -z "$(ls -A "$EMPTY")" ] || fail "the working directory is not empty: $(ls -A "$EMPTY")"
	! compgen -G "/tmp/aura-escape-$MARKER*" >/dev/null || fail "something was written in /tmp"
	diff <(cd "$FX" && ls -la --time-style=+%s) "$BATS_FILE_TMPDIR/listing" ||
		fail "the fixture directory changed"
}

# Unpack one fixture as an archive artifact with id x (more options may follow).
unpack_fx() {
	local f="$1"
	shift
	run --separate-stderr aura-unpack "$@" \
		< <(jq -nc --arg p "$FX/$f" '{type:"artifact",v:1,id:"x",path:$p}')
	out="$output"
	assert_valid_records
}

hits() { jq -c 'select(.type=="hit") | [.detection, .severity, .path]' <<<"$out"; }
messages() { jq -r 'select(.type=="hit") | .detection + ": " + .message' <<<"$out"; }
paths() { jq -r 'select(.type=="file") | .path' <<<"$out"; }
end_counts() { jq -r 'select(.type=="artifact_end") | [.files, .hits, .errors, .complete] | @csv' <<<"$out"; }

@test "path traversal: ../, absolute and drive-letter names are hits; nothing is written" {
	unpack_fx traversal.tar
	assert_success
	assert_equal "$(hits)" "[\"PathTraversal\",\"medium\",\"../../../../../../tmp/aura-escape-$MARKER-dotdot.py\"]
[\"PathTraversal\",\"medium\",\"/tmp/aura-escape-$MARKER-abs.py\"]
[\"PathTraversal\",\"medium\",\"C:\\\\aura-escape-$MARKER-drive.py\"]"
	assert_equal "$(end_counts)" '4,3,0,true'
}

@test "symlink escape: the link and the member written through it are hits" {
	unpack_fx symlink-escape.tar
	assert_equal "$(messages)" "Symlink: member 'pkg/escape' is a symbolic link to '/tmp/aura-escape-$MARKER-dir', outside the archive
PathTraversal: member 'pkg/escape/evil.py' would be written through the symbolic link member 'pkg/escape'"
	assert_equal "$(end_counts)" '1,2,0,true'
}

@test "hard link escape: the link outside and the data written through it are hits" {
	unpack_fx hardlink-escape.tar
	assert_equal "$(messages)" "Hardlink: member 'pkg/hard' is a hard link to '/tmp/aura-escape-$MARKER-target', outside the archive
DuplicateMember: member 'pkg/hard' appears more than once; extractors disagree on which copy wins"
	assert_equal "$(end_counts)" '1,2,0,true'
}

@test "1 GB of zeros (zip and tar.gz): the ratio stops it, and without it the size limits do" {
	for f in bomb.zip bomb.tar.gz; do
		unpack_fx "$f"
		assert_success
		run jq -r 'select(.type=="hit") | .detection + " " + .path + ": " + .message' <<<"$out"
		assert_output --regexp '^ArchiveBomb zeros.bin: compression ratio above 200:1 \([0-9]+ bytes from [0-9]+, --max-ratio\); the rest of the artifact was not read$'
		assert_equal "$(end_counts)" '0,1,0,true'
	done
	unpack_fx bomb.zip --max-ratio 0
	assert_equal "$(messages)" "ArchiveBomb: member 'zeros.bin' is bigger than 536870912 bytes (--max-member); the rest of the artifact was not read"
	unpack_fx bomb.tar.gz --max-ratio 0 --max-member 2G --max-total 100M
	assert_equal "$(messages)" "ArchiveBomb: more than 104857600 bytes uncompressed (--max-total), while reading 'zeros.bin'; the rest of the artifact was not read"
}

@test "100,001 members: the first 100,000 are read, then --max-members stops it" {
	# 100,000 records are too many for a shell variable: they go to a file.
	local recs="$BATS_TEST_TMPDIR/many.ndjson"
	jq -nc --arg p "$FX/many.tar.gz" '{type:"artifact",v:1,id:"x",path:$p}' |
		aura-unpack > "$recs"
	out=$(grep -v '"type":"file"' "$recs")
	assert_equal "$(messages)" "ArchiveBomb: more than 100000 members (--max-members); the rest of the artifact was not read"
	assert_equal "$(end_counts)" '100000,1,0,true'
	assert_equal "$(grep -c '"type":"file"' "$recs")" 100000
	assert_equal "$(grep "\"type\":\"file\"" "$recs" | tail -1 | jq -r .path)" "m/099999.txt"
}

@test "20 nested zips: opened to --max-nesting, each path showing the chain" {
	unpack_fx nest20.zip
	assert_equal "$(paths)" "l1.zip
l1.zip!l2.zip
l1.zip!l2.zip!l3.zip
l1.zip!l2.zip!l3.zip!l4.zip"
	assert_equal "$(messages)" "ArchiveBomb: archive 'l1.zip!l2.zip!l3.zip!l4.zip' is nested deeper than 3 archives (--max-nesting); it was not opened"
	run jq -r 'select(.type=="file") | .kind' <<<"$out"
	assert_output "$(printf 'archive\n%.0s' 1 2 3 4)"

	unpack_fx nest20.zip --max-nesting 25
	assert_equal "$(paths | tail -1)" "l1.zip!l2.zip!l3.zip!l4.zip!l5.zip!l6.zip!l7.zip!l8.zip!l9.zip!l10.zip!l11.zip!l12.zip!l13.zip!l14.zip!l15.zip!l16.zip!l17.zip!l18.zip!l19.zip!l20.zip!deep.py"
	run jq -r 'select(.type=="file" and (.path | endswith("deep.py"))) | .content' <<<"$out"
	assert_output "deep = 20"
	assert_equal "$(end_counts)" '21,0,0,true'
}

@test "a corrupt CRC: the members are emitted, with an error; complete is false" {
	unpack_fx badcrc.zip
	assert_success
	assert_equal "$(paths)" "a.py
b.py"
	run jq -r 'select(.type=="error") | .path + ": " + .message' <<<"$out"
	assert_output --regexp '^b\.py: corrupt member: ZIP bad CRC'
	assert_equal "$(end_counts)" '2,0,1,false'
}

@test "a truncated gzip: what was read, an error, complete is false" {
	unpack_fx truncated.tar.gz
	assert_success
	assert_equal "$(paths)" "first.py"
	run jq -r 'select(.type=="error") | .message' <<<"$out"
	assert_output "cannot read member: truncated gzip input"
	assert_equal "$(end_counts)" '1,0,1,false'
}

@test "a wheel named .tar.gz is read as the zip it is; its RECORD matches" {
	unpack_fx misnamed-1.0.tar.gz
	assert_success
	assert_equal "$(paths)" "pkg/__init__.py
pkg/core.py
misnamed-1.0.dist-info/WHEEL
misnamed-1.0.dist-info/METADATA
misnamed-1.0.dist-info/RECORD"
	assert_equal "$(end_counts)" '5,0,0,true'
}

@test "a wheel whose RECORD lies: RecordMismatch and RecordMissing" {
	unpack_fx badrecord-1.0-py3-none-any.whl
	assert_equal "$(messages)" "RecordMismatch: member 'pkg/core.py' does not match its hash in the wheel's RECORD
RecordMissing: member 'pkg/extra.py' is not listed in the wheel's RECORD"
	assert_equal "$(hits)" '["RecordMismatch","low","pkg/core.py"]
["RecordMissing","low","pkg/extra.py"]'
}

@test "a setup.py at the top of a wheel is SetupInWheel" {
	unpack_fx setupinwheel-1.0-py3-none-any.whl
	assert_equal "$(hits)" '["SetupInWheel","low",null]'
}

@test ".pth files: kind pth, and pth_has_code says whether site would execute a line" {
	unpack_fx pth-1.0.tar.gz
	run jq -c 'select(.type=="file") | [.path, .kind, .pth_has_code]' <<<"$out"
	assert_output '["pth-1.0/evil.pth","pth",true]
["pth-1.0/paths.pth","pth",false]'
	assert_equal "$(end_counts)" '2,0,0,true'
}

@test "duplicate names and names differing only in case" {
	unpack_fx dup.tar
	assert_equal "$(hits)" '["DuplicateMember","low","pkg/setup.py"]'
	run jq -c 'select(.type=="file") | .content' <<<"$out"
	assert_output '"print(\"first\")\n"
"print(\"second\")\n"'
	unpack_fx case.zip
	assert_equal "$(messages)" "CaseCollision: member 'pkg/SETUP.py' differs only in case from 'pkg/setup.py'; on a case-insensitive filesystem one overwrites the other"
}

@test "control characters and bidirectional overrides in names" {
	unpack_fx ctrl.tar
	run jq -r 'select(.type=="hit") | .detection + ": " + (.path | @json) + " " + (.message | split(" contains ")[1])' <<<"$out"
	assert_output 'ControlCharName: "pkg/a\nb.py" a control character
ControlCharName: "pkg/\u001b[2Jclear.py" a control character
ControlCharName: "pkg/‮yp.txt" a bidirectional-text override'
}

@test "a Debian package: control.tar.xz and data.tar.xz are opened as nested archives" {
	unpack_fx python3-demo_1.0_all.deb
	assert_success
	run jq -c 'select(.type=="file") | [.path, .kind]' <<<"$out"
	assert_output '["debian-binary","text"]
["control.tar.xz","archive"]
["control.tar.xz!./control","text"]
["control.tar.xz!./postinst","text"]
["data.tar.xz","archive"]
["data.tar.xz!./usr/lib/python3/dist-packages/demo/__init__.py","python"]'
	assert_equal "$(end_counts)" '6,0,0,true'
}

@test "an npm tarball and an egg" {
	unpack_fx demo-1.0.0.tgz
	assert_equal "$(paths)" "package/package.json
package/index.js"
	assert_equal "$(end_counts)" '2,0,0,true'
	unpack_fx demo-1.0-py3.11.egg
	assert_equal "$(paths)" "EGG-INFO/PKG-INFO
demo/__init__.py"
	assert_equal "$(end_counts)" '2,0,0,true'
}

@test "an sdist holding a wheel and a lone .gz: both are opened, RECORD checked inside" {
	unpack_fx nested-1.0.tar.gz
	run jq -c 'select(.type=="file") | [.index, .path, .kind]' <<<"$out"
	assert_output '[0,"nested-1.0/setup.py","python"]
[1,"nested-1.0/vendor/inner-1.0-py3-none-any.whl","archive"]
[2,"nested-1.0/vendor/inner-1.0-py3-none-any.whl!pkg/__init__.py","python"]
[3,"nested-1.0/vendor/inner-1.0-py3-none-any.whl!pkg/core.py","python"]
[4,"nested-1.0/vendor/inner-1.0-py3-none-any.whl!inner-1.0.dist-info/WHEEL","text"]
[5,"nested-1.0/vendor/inner-1.0-py3-none-any.whl!inner-1.0.dist-info/METADATA","text"]
[6,"nested-1.0/vendor/inner-1.0-py3-none-any.whl!inner-1.0.dist-info/RECORD","text"]
[7,"nested-1.0/res/payload.py.gz","archive"]
[8,"nested-1.0/res/payload.py.gz!payload.py","python"]'
	assert_equal "$(end_counts)" '9,0,0,true'
	# A nested archive bigger than --max-nested (and --max-content) is not opened.
	unpack_fx nested-1.0.tar.gz --max-nested 100 --max-content 100
	run jq -r 'select(.type=="hit" and .detection=="NestedTooLarge") | .path' <<<"$out"
	assert_output "nested-1.0/vendor/inner-1.0-py3-none-any.whl"
}

@test "kinds from content: pyc with its Python version, native, fat Mach-O, scripts, entropy" {
	unpack_fx kinds.tar
	run jq -c 'select(.type=="file") | [.path, .kind, .pyc_python, .entropy]' <<<"$out"
	assert_output '["k/mod.cpython-311.pyc","pyc","3.11",0.6]
["k/noext-bytecode","pyc","3.8",0.4]
["k/lib.so","native",null,0.8]
["k/fat.dylib","native",null,0.6]
["k/Klass.class","binary",null,0.6]
["k/tool","text",null,null]
["k/script","python",null,null]
["k/stub.pyi","python",null,null]
["k/random.bin","binary",null,4.9]'
}

@test "the archive worker is sealed: Seccomp 2, NoNewPrivs 1, no filesystem" {
	# The worker's self-test opens a file right after sealing: refused.
	run --separate-stderr aura-unpack --sandbox-selftest "worker:open:$FX/traversal.tar" \
		< <(jq -nc --arg p "$FX/nest20.zip" '{type:"artifact",v:1,id:"x",path:$p}')
	[[ "$stderr" == *"'open:$FX/traversal.tar' refused: Permission denied"* ]] || fail "stderr: $stderr"
	run --separate-stderr aura-unpack --sandbox-selftest "worker:write:$EMPTY/written" \
		< <(jq -nc --arg p "$FX/nest20.zip" '{type:"artifact",v:1,id:"x",path:$p}')
	assert_output --partial SIGSYS
}

@test "libarchive errors without a message are named, never '(null)'" {
	unpack_fx cut-local.zip
	run jq -r 'select(.type=="error") | .message' <<<"$out"
	assert_output "corrupt or truncated archive after 1 entries: libarchive gave no message (the input ended or is malformed where it expected more)"
	unpack_fx cut-trailer.tgz
	run jq -r 'select(.type=="error") | .message' <<<"$out"
	assert_output "not a readable archive: libarchive gave no message (the input ended or is malformed where it expected more)"
	assert_equal "$(end_counts)" '0,0,1,false'
}

@test "two central-directory entries sharing one local header: ZipOverlap" {
	# zipfile (pip) lists pkg/a.py twice; libarchive reads one member.
	unpack_fx cd-shared.zip
	assert_success
	assert_equal "$(hits)" '["ZipOverlap","medium","pkg/a.py"]'
	assert_equal "$(messages)" "ZipOverlap: central directory entry 1 ('pkg/a.py') shares its local header with another entry: zipfile lists both, libarchive one"
	assert_equal "$(end_counts)" '1,1,0,true'
}

@test "a central-directory name that differs from the local header's: ZipNameMismatch" {
	unpack_fx cd-rename.zip
	assert_equal "$(hits)" '["ZipNameMismatch","medium","pkg/evil.py"]'
	assert_equal "$(paths)" "pkg/good.py"
	run messages
	assert_output --partial "the central directory names a member 'pkg/evil.py' but its local header names it 'pkg/good.py'"
	# A local header with no name at all (a fuzzing finding: undefined behaviour before).
	unpack_fx cd-emptyname.zip
	assert_equal "$(hits)" '["ZipNameMismatch","medium","pkg/x.py"]'
	# Inside an sdist, the nested zip is checked from memory and named through the chain.
	unpack_fx cd-nested.tar
	assert_equal "$(hits)" '["ZipNameMismatch","medium","pkg-1.0/vendor/inner.zip!pkg/evil.py"]'
}

@test "an entry whose local header lies inside another entry's data: ZipOverlap" {
	unpack_fx cd-overlap.zip
	assert_equal "$(hits)" '["ZipOverlap","medium","pkg/b.py"]'
	run messages
	assert_output --partial "central directory entry 1 ('pkg/b.py') overlaps the data of an earlier entry"
}

@test "ordinary zips, wheels and eggs raise no central-directory hit" {
	for f in case.zip nest20.zip misnamed-1.0.tar.gz badrecord-1.0-py3-none-any.whl \
		demo-1.0-py3.11.egg nested-1.0.tar.gz; do
		unpack_fx "$f"
		run jq -r 'select(.type=="hit" and (.detection | startswith("Zip"))) | .message' <<<"$out"
		assert_output ""
	done
}

@test "a sparse member's trailing hole counts: 10 GiB declared with 4 KiB of data is a bomb" {
	# GNU sparse 1.0 (pax) and old GNU ('S') members: the hole after the data is no block.
	unpack_fx sparse-tail.tar
	assert_equal "$(messages)" "ArchiveBomb: more than 1073741824 bytes uncompressed (--max-total), while reading 'sparse-tail'; the rest of the artifact was not read"
	assert_equal "$(end_counts)" '0,1,0,true'
	unpack_fx sparse-gnu.tar
	assert_equal "$(hits)" '["ArchiveBomb","medium","sparse-gnu"]'
	# Judged on the declared size at once, not after hashing --max-member bytes of zeros.
	unpack_fx sparse-tail.tar --max-total 100G --max-ratio 0
	assert_equal "$(messages)" "ArchiveBomb: member 'sparse-tail' is bigger than 536870912 bytes (--max-member); the rest of the artifact was not read"
	# A small trailing hole is read as zeros: size and sha256 are those of the whole file.
	unpack_fx sparse-small.tar
	run jq -c 'select(.type=="file") | [.path, .size, .sha256]' <<<"$out"
	assert_output "[\"sparse-small\",65536,\"$(python3 -c 'import hashlib; print(hashlib.sha256(b"A" * 4096 + bytes(61440)).hexdigest())')\"]"
}
