# helpers/analyze.bash: running one inline Python source through parse | rewrite | analyze.

# scan FILE [ANALYZE-OPTION...]: every record out of parse | rewrite | analyze for FILE.
scan() {
	local f=$1
	shift
	file_record "$f" | aura-parse | aura-rewrite | aura-analyze "$@"
}

# dets FILE DETECTION...: "line detection name context score" for hits of those detections.
dets() {
	local f=$1
	shift
	local want
	want=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	scan "$f" | jq -r --argjson w "$want" \
		'select(.type == "hit" and (.detection as $d | $w | index($d))) | "\(.line) \(.detection) \(.name) \(.context) \(.score)"'
}

# py FILE: write stdin to FILE.
py() { cat >"$1"; }
