#!/usr/bin/env bats
# 61-cli.bats: the command line of bin/aura and the stages: option handling, file names that
# look like options, validation before any stage starts, help texts, man pages, install.

load helpers/common

EX="$AURA_ROOT/examples"
STAGES="aura-fetch aura-unpack aura-parse aura-rewrite aura-analyze aura-score"

# A package directory whose file names are the driver's options (issue 10 #8): with `aura
# scan *` they would turn the sandbox off, replace the rules with an empty set and hide errors.
hostile_names_dir() {
	local d=$BATS_TEST_TMPDIR/pkg
	mkdir -p "$d"
	cp -r "$EX/install-dropper/." "$d/"
	printf 'version: 1\n' >"$d/-0.yaml"	# a valid rules file with no rules
	: >"$d/--no-sandbox"; : >"$d/--rules"; : >"$d/--allow-errors"
	printf '%s' "$d"
}

# A copy of the driver beside stub stages that only record that they ran.
stub_stages() {
	local b=$BATS_TEST_TMPDIR/stubbin s
	mkdir -p "$b"
	cp "$AURA_BIN/aura" "$b/"
	for s in $STAGES; do
		printf '#!/bin/sh\ntouch "%s/ran-%s"\ncat >/dev/null\n' "$BATS_TEST_TMPDIR" "$s" >"$b/$s"
		chmod +x "$b/$s"
	done
	printf '%s' "$b"
}

@test "file names that are options: 'aura scan *' is refused, not obeyed (issue 10 #8)" {
	d=$(hostile_names_dir)
	cd "$d"
	run --separate-stderr aura scan *
	[ "$status" -eq 2 ] || fail "exit $status: $output"
	[ -z "$output" ] || fail "something was scanned: $output"
	[[ $stderr == *"'--allow-errors' is an option and also a file here"* ]] || fail "$stderr"
	[[ $stderr == *"aura scan -- *"* ]] || fail "no hint about --: $stderr"
	[[ $stderr != *"sandbox disabled"* ]] || fail "$stderr"
	# Even with the variable that allows --no-sandbox set, a file name is not an option.
	AURA_ALLOW_NO_SANDBOX=1 run --separate-stderr aura scan --format json *
	assert_failure 2
	[[ $stderr != *"sandbox disabled"* ]] || fail "$stderr"
	# A file named `-` does not switch to reading paths from stdin either.
	: >-
	run --separate-stderr aura scan - </dev/null
	assert_failure 2
	[[ $stderr == *"'-' is an option and also a file here"* ]] || fail "$stderr"
}

@test "file names that are options: '--' and '.' scan them as files, with the real rules" {
	d=$(hostile_names_dir)
	cd "$d"
	run --separate-stderr aura scan --format json .
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	[[ $stderr != *"sandbox disabled"* ]] || fail "$stderr"
	assert_jq "$(printf '%s\n' "$output" | jq -sc 'map(select(.type=="verdict"))[0]')" \
		'(.risk | IN("high","critical")) and .complete and any(.hits[]; .name=="os.system")'
	run --separate-stderr aura scan --format json -- *
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_jq "$(verdict_of setup.py)" '(.risk | IN("high","critical")) and any(.hits[]; .name=="os.system")'
	assert_jq "$(verdict_of --rules)" '.complete and .artifact.kind == "file"'
}

@test "options may follow the paths: 'aura scan DIR --format json', -f json, -fjson, --format=json" {
	for form in "--format json" "-f json" "-fjson" "--format=json"; do
		# shellcheck disable=SC2086
		run --separate-stderr aura scan "$EX/install-dropper" $form
		[ "$status" -eq 0 ] || fail "$form: exit $status: $stderr"
		assert_jq "$(verdict_of install-dropper)" '.risk | IN("high","critical")'
	done
}

@test "--no-sandbox needs AURA_ALLOW_NO_SANDBOX=1, in the driver and in every stage" {
	run --separate-stderr aura scan --no-sandbox "$EX/benign-greeting"
	assert_failure 2
	assert_equal "$output" ""
	[[ $stderr == *"AURA_ALLOW_NO_SANDBOX=1"* ]] || fail "$stderr"
	for s in $STAGES; do
		run --separate-stderr "$s" --no-sandbox </dev/null
		[ "$status" -eq 2 ] || fail "$s accepted --no-sandbox alone (exit $status)"
		[[ $stderr == *"AURA_ALLOW_NO_SANDBOX=1"* ]] || fail "$s: $stderr"
		[[ $stderr != *"sandbox disabled"* ]] || fail "$s: $stderr"
		AURA_ALLOW_NO_SANDBOX=yes run --separate-stderr "$s" --no-sandbox </dev/null
		[ "$status" -eq 2 ] || fail "$s: AURA_ALLOW_NO_SANDBOX=yes is not 1 (exit $status)"
	done
	AURA_ALLOW_NO_SANDBOX=1 run --separate-stderr aura scan --no-sandbox --format json "$EX/install-dropper"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	[[ $stderr == *"sandbox disabled"* ]] || fail "$stderr"
}

@test "--help after a command prints the usage and exits 0; the usage shows '--' and '.'" {
	for cmd in "scan --help" "scan -h" "diff --help" "merge --help" "--help"; do
		# shellcheck disable=SC2086
		run --separate-stderr aura $cmd
		[ "$status" -eq 0 ] || fail "aura $cmd: exit $status: $stderr"
		[[ ${lines[0]} == "Usage: aura scan [OPTION]... PATH..." ]] || fail "aura $cmd: ${lines[0]}"
	done
	assert_output --partial "aura scan [OPTION]... -- PATH..."
	assert_output --partial "(aura scan -- *)"
	assert_output --partial "(aura scan .)"
	assert_output --partial "-f, --format"
}

@test "every option value is checked before any stage starts" {
	b=$(stub_stages)
	touch "$BATS_TEST_TMPDIR/target.py"
	for bad in "--fail-level hgh" "--min-level extreme" "--fail-score -1" "--fail-score 1e3" \
	           "--format xml" "-f xml" "--rules $BATS_TEST_TMPDIR/missing.yaml" \
	           "--db $BATS_TEST_TMPDIR/nodir/x.db" "--allow-errors=yes" "--bogus" "--fail-level"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$b/aura" scan "$BATS_TEST_TMPDIR/target.py" $bad
		[ "$status" -eq 2 ] || fail "$bad: exit $status"
		[[ $stderr == "aura: "* ]] || fail "$bad: $stderr"
		[[ $stderr != *"killed"* ]] || fail "$bad: $stderr"
		run ls "$BATS_TEST_TMPDIR"
		[[ $output != *ran-* ]] || fail "$bad: a stage started: $output"
	done
	# A value is one word of the list, not several.
	run --separate-stderr "$b/aura" scan "$BATS_TEST_TMPDIR/target.py" --format "json sarif"
	assert_failure 2
	run --separate-stderr "$b/aura" scan "$BATS_TEST_TMPDIR/target.py" --fail-level "low high"
	assert_failure 2
	run ls "$BATS_TEST_TMPDIR"
	[[ $output != *ran-* ]] || fail "a stage started: $output"
	# The stubs do run when the options are good: the check above can fail.
	run "$b/aura" scan "$BATS_TEST_TMPDIR/target.py" --fail-level High
	[ -e "$BATS_TEST_TMPDIR/ran-aura-fetch" ] || fail "$BATS_TEST_TMPDIR/ran-aura-fetch does not exist"
}

@test "levels are case-insensitive, in the driver and in aura-score" {
	run aura scan --fail-level High "$EX/install-dropper"
	assert_failure 1
	run aura scan --fail-level HIGH "$EX/benign-greeting"
	assert_success
	run --separate-stderr aura scan --format json --min-level CRITICAL "$EX/install-dropper"
	assert_success
	assert_jq "$(verdict_of install-dropper)" 'all(.hits[]; .severity == "critical")'
	run --separate-stderr bash -c "aura-fetch '$EX/install-dropper' | aura-unpack | aura-parse | aura-rewrite | aura-analyze | aura-score --fail-level MeDiUm"
	[ "$status" -eq 1 ] || fail "exit $status: $stderr"
	run --separate-stderr aura-score --fail-level hgh </dev/null
	assert_failure 2
	[[ $stderr == *"not a level: 'hgh'"* ]] || fail "stderr: $stderr"
}

@test "aura scan - reads the paths from stdin, one per line" {
	mkdir "$BATS_TEST_TMPDIR/with space"
	cp -r "$EX/benign-greeting" "$BATS_TEST_TMPDIR/with space/"
	run --separate-stderr aura scan --format json - \
		< <(printf '%s\n' "$EX/install-dropper" "$BATS_TEST_TMPDIR/with space/benign-greeting")
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_equal "$(printf '%s\n' "$output" | jq -s 'map(select(.type=="verdict")) | length')" 2
	assert_jq "$(verdict_of install-dropper)" '.risk | IN("high","critical")'
	assert_jq "$(verdict_of benign-greeting)" '.risk == "info"'
	run --separate-stderr aura scan - "$EX/install-dropper" </dev/null
	assert_failure 2
	[[ $stderr == *"cannot be combined"* ]] || fail "$stderr"
}

@test "one usage style: every program's --help starts 'Usage: NAME [OPTION]...' and has one Exit status" {
	for p in aura $STAGES aura-serve; do
		run --separate-stderr "$p" --help
		[ "$status" -eq 0 ] || fail "$p --help: exit $status"
		[[ ${lines[0]} == "Usage: $p "*"[OPTION]..."* ]] || fail "$p: ${lines[0]}"
		[ "$(grep -c '^Exit status' <<<"$output")" -eq 1 ] || fail "$p: $(grep '^Exit status' <<<"$output")"
		[[ $output == *"-h, --help"* ]] || fail "$p: no -h, --help"
	done
	run aura-score --help
	[[ $output == *"Exit status: 0 ok; 1 a package reached"* ]] || fail "$output"
}

@test "man pages: every long option in each program's --help is in its man page" {
	for p in aura $STAGES aura-serve; do
		page="$AURA_ROOT/man/$p.1"
		[ -f "$page" ] || fail "no man page $page"
		text=$(sed 's/\\-/-/g' "$page")
		run "$p" --help
		opts=$(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u)
		[ -n "$opts" ] || fail "$p --help names no long option: $output"
		for o in $opts; do
			grep -q -- "$o\b" <<<"$text" || fail "$p: $o is in --help but not in man/$p.1"
		done
	done
}

@test "bash completion: commands, options, formats and levels" {
	source "$AURA_ROOT/completion/aura.bash"
	complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _aura; echo "${COMPREPLY[*]}"; }
	assert_equal "$(complete_words aura sc)" scan
	assert_equal "$(complete_words aura scan --fo)" --format
	assert_equal "$(complete_words aura scan --format j)" json
	assert_equal "$(complete_words aura diff --format s)" ""
	assert_equal "$(complete_words aura scan --fail-level cr)" critical
}

@test "make install into a DESTDIR: the installed aura scans, man pages and completion are there; uninstall" {
	dest=$BATS_TEST_TMPDIR/dest
	run make -C "$AURA_ROOT" --no-print-directory install PREFIX=/usr/local DESTDIR="$dest"
	[ "$status" -eq 0 ] || fail "$output"
	p=$dest/usr/local
	for f in bin/aura libexec/aura/aura-analyze; do [ -x "$p/$f" ] || fail "not installed: $f"; done
	[ -f "$p/share/aura/rules.yaml" ] || fail "not installed: share/aura/rules.yaml"
	[ ! -e "$p/bin/aura-analyze" ] || fail "$p/bin/aura-analyze exists"
	for m in aura $STAGES; do [ -f "$p/share/man/man1/$m.1" ] || fail "no $m.1"; done
	[ -f "$p/share/bash-completion/completions/aura" ] || fail "not installed: the bash completion"
	# Run from elsewhere, with the source tree out of reach of the data lookup.
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr env -u AURA_DATA_DIR "$p/bin/aura" scan --format json "$EX/install-dropper"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_jq "$(verdict_of install-dropper)" '(.risk | IN("high","critical")) and .complete'
	run "$p/bin/aura" info
	[[ $output == *"rules: $p/share/aura/rules.yaml"* ]] || fail "$output"
	run make -C "$AURA_ROOT" --no-print-directory uninstall PREFIX=/usr/local DESTDIR="$dest"
	[ "$status" -eq 0 ] || fail "$output"
	[ -z "$(find "$dest" -type f)" ] || fail "left behind: $(find "$dest" -type f)"
}

# The report of several targets through the stages as one pipeline, by hand: what `aura scan`
# printed before -j existed.
one_pipeline() {	# format targets...
	local format=$1; shift
	aura-fetch -- "$@" | aura-unpack | aura-parse | aura-rewrite | aura-analyze | aura-score --format "$format"
}

@test "scan -j 3 gives the report -j 1 and a single pipeline give: text, json, sarif, with a failing target" {
	t=("$EX/install-dropper" "$EX/benign-greeting" "$BATS_TEST_TMPDIR/missing.tar.gz" \
	   "$EX/obfuscated-loader" "$EX/benign-cli" "$EX/cmdclass-hook")
	for f in text json sarif; do
		run --separate-stderr one_pipeline "$f" "${t[@]}"
		[ "$status" -eq 2 ] || fail "$f: the pipeline by hand exited $status"
		ref=$output
		for j in 1 3; do
			run --separate-stderr aura scan -f "$f" -j "$j" "${t[@]}"
			[ "$status" -eq 2 ] || fail "$f -j $j: exit $status: $stderr"
			[ "$output" = "$ref" ] || fail "$f -j $j differs: $(diff <(echo "$ref") <(echo "$output") | head -20)"
			[[ $stderr == *"missing.tar.gz: cannot open"* ]] || fail "$f -j $j: $stderr"
		done
	done
	# Order is the targets' order even when the first is the slowest.
	run --separate-stderr aura scan -f json -j 4 "$EX/cmdclass-hook" "$EX/benign-cli" "$EX/install-dropper"
	assert_equal "$(jq -r 'select(.type == "verdict") | .artifact.name' <<<"$output" | tr '\n' ' ')" "cmdclass-hook benign-cli install-dropper "
	# The gates and --db as with one pipeline: exit 1, every verdict stored once.
	run --separate-stderr aura scan -j 3 --fail-level high --db "$BATS_TEST_TMPDIR/j.db" \
		"$EX/install-dropper" "$EX/benign-greeting" "$EX/benign-cli"
	[ "$status" -eq 1 ] || fail "exit $status: $stderr"
	assert_equal "$(sqlite3 "$BATS_TEST_TMPDIR/j.db" 'SELECT count(*) FROM artifacts')" 3
	run aura scan -j 0 "$EX/benign-cli"
	assert_equal "$status" 2
	run aura diff -j 2 "$EX/benign-cli" "$EX/benign-greeting"
	assert_equal "$status" 2
}

@test "scan -j reads '-' (targets on stdin) and says which stage failed in a job" {
	run --separate-stderr aura scan -f json -j 2 - < <(printf '%s\n' "$EX/install-dropper" "$EX/benign-cli")
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_equal "$(jq -r 'select(.type == "verdict") | .artifact.name' <<<"$output" | tr '\n' ' ')" "install-dropper benign-cli "
	# A stage that fails in one job makes the scan incomplete (2) and is named once.
	run --separate-stderr aura scan -f json -j 2 --insert-after parse='grep -q . || exit 0; cat; exit 3' \
		"$EX/benign-cli" "$EX/benign-greeting"
	[ "$status" -eq 2 ] || fail "exit $status: $stderr"
	[ "$(grep -c "the stage inserted after aura-parse ('grep -q . || exit 0; cat; exit 3') failed (exit 3)" <<<"$stderr")" -eq 2 ] || fail "$stderr"
}

@test "scan -j interrupted with SIGINT: exit 130, the targets finished before are reported, no job runs on" {
	local d=$BATS_TEST_TMPDIR t=5.$((RANDOM % 900 + 100))
	# Each target takes a few seconds (an inserted stage sleeps): the signal finds jobs running.
	# In a process group of its own, as a shell's job: Ctrl-C signals the whole group.  (A
	# background job of a script starts with SIGINT ignored; a terminal's job does not.)
	AURA_PROGRESS_INTERVAL=0 python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' bash -c 'echo $$ >"$1/pid"; aura scan -f json -j 2 --insert-after "parse=sleep $5; cat" "$2" "$3" "$4" \
		>"$1/out" 2>"$1/err"; echo $? >"$1/status"' - "$d" "$EX/install-dropper" "$EX/benign-cli" "$EX/benign-greeting" "$t" 3>&- &
	# Once a target is reported (the progress line in the log), the others are still running.
	for _ in $(seq 200); do
		grep -q '^aura: [12]/3 targets' "$d/err" 2>/dev/null && break
		sleep 0.3
	done
	grep -q '^aura: [12]/3 targets' "$d/err" || fail "no target finished: $(cat "$d/err")"
	kill -INT -- -"$(cat "$d/pid")"
	for _ in $(seq 100); do [ -s "$d/status" ] && break; sleep 0.3; done
	[ "$(cat "$d/status")" -eq 130 ] || fail "exit $(cat "$d/status"): $(cat "$d/err")"
	grep -q '^aura: interrupted: [12] of 3 targets reported$' "$d/err" || fail "$(cat "$d/err")"
	# What was reported: whole verdicts of the first targets, in order, and nothing else.
	reported=$(jq -r 'select(.type == "verdict") | "\(.artifact.name) \(.complete)"' "$d/out" | tr '\n' ,)
	[[ $reported == "install-dropper true," || $reported == "install-dropper true,benign-cli true," ]] ||
		fail "reported: $reported"
	[ "$(grep -c "interrupted: $(jq -s 'length' "$d/out") of 3" "$d/err")" -eq 1 ] || fail "$(cat "$d/err")"
	# No job's stage, nor the command it ran, outlives the scan (signalled, they go at once).
	for _ in $(seq 50); do pgrep -f "sleep $t" >/dev/null || break; sleep 0.1; done
	! pgrep -f "sleep $t; cat" || fail "a job outlived the scan"
	! pgrep -x -f "sleep $t" || fail "a job's command outlived the scan"
}

@test "progress: a line on a terminal's stderr, stdout unchanged; periodic lines in a log; none with --no-progress" {
	t=("$EX/install-dropper" "$EX/benign-greeting" "$EX/benign-cli")
	run --separate-stderr aura scan -f json -j 2 "${t[@]}"
	assert_equal "$status" 0
	ref=$output
	[ -z "$stderr" ] || fail "a short scan in a log said: $stderr"
	# stderr a terminal (script(1) gives the command a pty), stdout a file.
	out=$BATS_TEST_TMPDIR/out.json
	script -qec "aura scan -f json -j 2 $(printf '%q ' "${t[@]}") >$out" "$BATS_TEST_TMPDIR/tty" >/dev/null
	[ "$(cat "$out")" = "$ref" ] || fail "stdout changed: $(diff <(echo "$ref") "$out")"
	tty=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty")
	[[ $tty == *"aura: 3/3 targets, "*"/s, ETA 0:00:00, "*" findings, 0 failed"* ]] || fail "no progress line: $tty"
	[[ $(cat "$BATS_TEST_TMPDIR/tty") == *$'\033[K'* ]] || fail "the line is not redrawn in place"
	script -qec "aura scan --no-progress -f json -j 2 $(printf '%q ' "${t[@]}") >$out" "$BATS_TEST_TMPDIR/tty2" >/dev/null
	[[ $(cat "$BATS_TEST_TMPDIR/tty2") != *"targets, "* ]] || fail "progress despite --no-progress"
	# In a log: one line per interval (0: every update), on stderr only.
	AURA_PROGRESS_INTERVAL=0 run --separate-stderr aura scan -f json -j 2 "${t[@]}"
	assert_equal "$output" "$ref"
	[ "$(grep -c '^aura: [0-9]/3 targets, ' <<<"$stderr")" -ge 1 ] || fail "$stderr"
	[[ $stderr == *"aura: 3/3 targets, "* ]] || fail "$stderr"
	[[ $stderr != *$'\033'* ]] || fail "terminal codes in a log: $stderr"
}

# A copy of the driver beside stub stages that write their arguments to ran-STAGE.
arg_stubs() {
	local b=$BATS_TEST_TMPDIR/argbin s
	mkdir -p "$b"
	cp "$AURA_BIN/aura" "$b/"
	for s in $STAGES; do
		printf '#!/bin/sh\necho "$*" >"%s/ran-%s"\ncat >/dev/null\n' "$BATS_TEST_TMPDIR" "$s" >"$b/$s"
		chmod +x "$b/$s"
	done
	printf '%s' "$b"
}

@test "time limits: --fetch-timeout (and its old name --timeout) reach aura-fetch, --unpack-timeout aura-unpack" {
	b=$(arg_stubs)
	touch "$BATS_TEST_TMPDIR/t.py"
	run "$b/aura" scan --fetch-timeout 7 --unpack-timeout 120 "$BATS_TEST_TMPDIR/t.py"
	[[ $(cat "$BATS_TEST_TMPDIR/ran-aura-fetch") == "--timeout 7 -- "* ]] || fail "$(cat "$BATS_TEST_TMPDIR/ran-aura-fetch")"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/ran-aura-unpack")" "--timeout 120"
	run "$b/aura" scan --timeout 9 "$BATS_TEST_TMPDIR/t.py"
	[[ $(cat "$BATS_TEST_TMPDIR/ran-aura-fetch") == "--timeout 9 -- "* ]] || fail "$(cat "$BATS_TEST_TMPDIR/ran-aura-fetch")"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/ran-aura-unpack")" ""
	rm -f "$BATS_TEST_TMPDIR"/ran-*
	for bad in "--unpack-timeout 0" "--unpack-timeout 1.5" "--fetch-timeout x" "--timeout 90000"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$b/aura" scan $bad "$BATS_TEST_TMPDIR/t.py"
		[ "$status" -eq 2 ] || fail "$bad: exit $status"
		[[ $stderr == *"not a number of seconds"* ]] || fail "$bad: $stderr"
	done
	assert_equal "$(ls "$BATS_TEST_TMPDIR" | grep ran-)" ""
	run aura --help
	assert_output --partial "--fetch-timeout S   aura-fetch's network time-out"
	assert_output --partial "--timeout S         the older name of --fetch-timeout"
	assert_output --partial "--unpack-timeout S  CPU seconds aura-unpack"
}

@test "bash completion: batch and the new options" {
	source "$AURA_ROOT/completion/aura.bash"
	complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _aura; echo "${COMPREPLY[*]}"; }
	assert_equal "$(complete_words aura ba)" batch
	assert_equal "$(complete_words aura scan --unpack)" --unpack-timeout
	assert_equal "$(complete_words aura batch --retry)" --retry-failed
	assert_equal "$(complete_words aura scan --retry)" ""
	assert_equal "$(complete_words aura scan --stage an)" analyze=
}

@test "aura scan --srcroot DIR: SARIF URIs relative to DIR; a missing DIR is a usage error before any stage" {
	run -0 --separate-stderr aura scan --format sarif --srcroot examples examples/cmdclass-hook
	assert_jq "$output" '.runs[0].originalUriBaseIds.SRCROOT.uri | endswith("/examples/")'
	assert_jq "$output" '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uriBaseId] | unique == ["SRCROOT"]'
	run -2 --separate-stderr aura scan --format sarif --srcroot "$BATS_TEST_TMPDIR/none" examples/cmdclass-hook
	assert_equal "$output" ""
	[[ $stderr == *"--srcroot: not a directory"* ]] || fail "$stderr"
	source "$AURA_ROOT/completion/aura.bash"
	complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _aura; echo "${COMPREPLY[*]}"; }
	assert_equal "$(complete_words aura ex)" explain
	assert_equal "$(complete_words aura scan --srcr)" --srcroot
}
