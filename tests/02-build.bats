#!/usr/bin/env bats
# 02-build.bats: what the build derives from one place: the version string (VERSION), the risk scale (lib/risk.h).
load helpers/common
bats_require_minimum_version 1.5.0

@test "one version: the driver and every stage say the VERSION file's version" {
	local v
	v=$(cat "$AURA_ROOT/VERSION")
	run aura --version
	assert_output "aura $v (record protocol v1)"
	for stage in aura-fetch aura-unpack aura-parse aura-rewrite aura-analyze aura-score; do
		run "$stage" --version
		assert_output "$stage $v (record protocol v1)"
	done
}

@test "one version: an installed driver reads the VERSION copy in share/aura" {
	local d="$BATS_TEST_TMPDIR/prefix"
	mkdir -p "$d/bin" "$d/share/aura"
	cp "$AURA_ROOT/bin/aura" "$d/bin/aura"
	echo 9.8.7 >"$d/share/aura/VERSION"
	run "$d/bin/aura" --version
	assert_output "aura 9.8.7 (record protocol v1)"
}

@test "one risk scale: no stage copies the thresholds of lib/risk.h" {
	run grep -rn --include='*.[ch]' -E 'define RISK_(LOW|MEDIUM|HIGH|CRITICAL)_AT' "$AURA_ROOT/lib" \
		"$AURA_ROOT"/aura-*/
	assert_output --regexp "^$AURA_ROOT/lib/risk.h:"
	assert_equal "${#lines[@]}" 4
	run grep -rln --include='*.[ch]' 'aura-score/score.h' "$AURA_ROOT"/aura-*/
	assert_output ""
}

@test "one version: every manual page's header says the VERSION file's version" {
	local v bad=""
	v=$(cat "$AURA_ROOT/VERSION")
	for m in "$AURA_ROOT"/man/*.1; do
		grep -q "^\.TH .* \"aura $v\" " "$m" || bad="$bad $(basename "$m")"
	done
	assert_equal "$bad" ""
}
