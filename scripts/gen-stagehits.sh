#!/bin/sh
# gen-stagehits.sh: data/stage-hits.tsv (stage, detection, severity, score) to the C header
# lib/stagehits.h on stdout: HIT_UNPACK(PathTraversal) is `"PathTraversal", 50, "high"`, the
# detection, score and severity arguments of a stage's hit functions (and of hit_new), in
# that order.  A severity other than the score's level (lib/risk.h) stops the build.
# One macro per stage that raises hits of its own: fetch, unpack, parse, rewrite,
# and analyze for the few hits no rule of data/rules.yaml raises (PackageNameUnknown).
# Usage: scripts/gen-stagehits.sh data/stage-hits.tsv > lib/stagehits.h
set -eu
awk -F'\t' '
BEGIN {
	split("info low medium high critical", name_list, " ")
	for (i = 1; i <= 5; i++) { name[i - 1] = name_list[i]; rank[name_list[i]] = i - 1 }
	print "/* stagehits.h: generated from data/stage-hits.tsv by scripts/gen-stagehits.sh; do not edit. */"
	print "#ifndef AURA_STAGEHITS_H"
	print "#define AURA_STAGEHITS_H"
	print ""
	print "/* A stage hit as the detection, score and severity arguments: HIT_UNPACK(Symlink). */"
	print "#define HIT_FETCH(name) HIT_FETCH_##name"
	print "#define HIT_UNPACK(name) HIT_UNPACK_##name"
	print "#define HIT_PARSE(name) HIT_PARSE_##name"
	print "#define HIT_REWRITE(name) HIT_REWRITE_##name"
	print "#define HIT_ANALYZE(name) HIT_ANALYZE_##name"
	print ""
}
/^#/ || /^[ \t]*$/ { next }
{
	if (NF != 4 || $1 !~ /^(fetch|unpack|parse|rewrite|analyze)$/ || $2 !~ /^[A-Za-z][A-Za-z0-9]*$/ ||
	    $3 !~ /^(info|low|medium|high|critical)$/ || $4 !~ /^[0-9]+$/ || $4 > 100) {
		printf "%s:%d: expected stage, detection, severity, score (0-100), tab-separated\n",
		       FILENAME, FNR > "/dev/stderr"
		bad = 1
		exit 1
	}
	key = toupper($1) "_" $2
	if (key in seen) {
		printf "%s:%d: %s %s listed twice\n", FILENAME, FNR, $1, $2 > "/dev/stderr"
		bad = 1
		exit 1
	}
	seen[key] = 1
	# The score of a stage hit is the same wherever it is raised, so its severity is the level
	# of that score on the scale of verdicts (lib/risk.h), as aura-analyze writes its own
	# hits: a Symlink weighing 20 reads [low] beside the verdict, never [medium].
	level = ($4 >= 200) ? 4 : ($4 >= 100) ? 3 : ($4 >= 50) ? 2 : ($4 >= 20) ? 1 : 0
	if (rank[$3] != level) {
		printf "%s:%d: %s %s: severity %s, but a score of %d is %s on the scale of verdicts\n",
		       FILENAME, FNR, $1, $2, $3, $4, name[level] > "/dev/stderr"
		bad = 1
		exit 1
	}
	printf "#define HIT_%s \"%s\", %d, \"%s\"\n", key, $2, $4, $3
}
END {
	if (bad)
		exit 1
	print ""
	print "#endif"
}' "$1"
