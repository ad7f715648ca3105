#!/usr/bin/env bats
# 44-metadata.bats: Typosquat — a package name one or two edits from a popular project.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

# squat NAME [PATH]: the Typosquat hit (score and message) for an artifact of that name.
squat() {
	jq -nc --arg n "$1" --arg p "${2:-/tmp/$1-1.0.tar.gz}" \
		'{type:"artifact",v:1,id:"x",path:$p,kind:"archive",format:"tar.gz",name:$n}' |
		aura-analyze | jq -r 'select(.type == "hit") | "\(.detection) \(.score) \(.name) \(.path)"'
}

@test "Typosquat: requestz and reqeusts (a swap) imitate requests" {
	run squat requestz
	assert_output "Typosquat 70 requests null"
	run squat reqeusts
	assert_output "Typosquat 70 requests null"
}

@test "Typosquat: separators and case are normalised (PEP 503) before comparing" {
	run squat Python_Dateutill
	assert_output "Typosquat 70 python-dateutil null"
}

@test "Typosquat: popular names themselves, unrelated names and short names are not flagged" {
	run squat requests
	assert_output ""
	run squat Python.Dateutil
	assert_output ""
	run squat my-unrelated-tool-xyz
	assert_output ""
	run squat sixx
	assert_output ""
}

@test "Typosquat: Debian packages are named by Debian and are not checked" {
	run squat python3-requestz /tmp/python3-requestz_1.0_all.deb
	assert_output ""
}

@test "without the popular-names file the check is skipped silently" {
	mkdir data
	cp "$AURA_ROOT/data/rules.yaml" data/
	run bash -c "AURA_DATA_DIR=$PWD/data aura-analyze 2>&1 <<<'{\"type\":\"artifact\",\"v\":1,\"id\":\"x\",\"name\":\"requestz\"}'"
	assert_success
	assert_output '{"type":"artifact","v":1,"id":"x","name":"requestz"}'
}

@test "Typosquat scores are the rules file's typosquat: rows; a bad row is an error naming it" {
	mkdir data
	cp "$AURA_ROOT/data/top-pypi-packages-30-days.min.json" data/
	sed 's/{distance: 1, max_rank: 1000, score: 70, severity: high}/{distance: 1, max_rank: 1000, score: 90, severity: critical}/' \
		"$AURA_ROOT/data/rules.yaml" > data/rules.yaml
	run bash -c "AURA_DATA_DIR=$PWD/data; export AURA_DATA_DIR; $(declare -f squat); squat requestz"
	assert_output "Typosquat 90 requests null"
	sed 's/{distance: 2, max_rank: 300, score: 40, severity: medium}/{distance: 3, max_rank: 300, score: 40, severity: medium}/' \
		"$AURA_ROOT/data/rules.yaml" > data/rules.yaml
	run -2 bash -c "AURA_DATA_DIR=$PWD/data aura-analyze </dev/null"
	assert_output --partial "rules.yaml:"
	assert_output --partial "distance: 1 or 2"
}
