#!/usr/bin/env bats
# 08-watch.bats: aura watch pypi|npm against the fixture registry's feeds: new releases are
# scanned into the database, one line per finding, the position survives restarts.

load helpers/common
load fixtures/registry/server

setup_file() { start_registry; }
teardown_file() { stop_servers plain; }
setup() { registry_env; WEB="$BATS_FILE_TMPDIR/plain/web"; }

# stored DB NAME: how many verdicts of package NAME the database holds.
stored() { sqlite3 "$1" "select count(*) from artifacts a join versions v on a.version_id = v.id join packages p on v.package_id = p.id where p.name = '$2'"; }

# rss ITEM...: PyPI's /rss/updates.xml, newest first; an item is NAME/VERSION.
rss() {
	{
		echo '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>PyPI recent updates</title>'
		for it in "$@"; do
			printf '<item><title>%s %s</title><link>https://pypi.org/project/%s/%s/</link><pubDate>Fri, 27 Nov 2026 12:00:00 GMT</pubDate></item>\n' \
				"${it%/*}" "${it#*/}" "${it%/*}" "${it#*/}"
		done
		echo '</channel></rss>'
	} >"$WEB/rss/updates.xml"
	# A later mtime than any earlier poll saw (Last-Modified has 1 s granularity).
	touch -d "@$(( $(date +%s) + ${BUMP:-0} ))" "$WEB/rss/updates.xml"
}

@test "watch pypi: new releases from the RSS feed are scanned into the database; a release added between polls; a restart repeats nothing" {
	mkdir -p "$WEB/rss"
	BUMP=0 rss demo-pkg/1.0
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	assert_output ""	# demo-pkg has no findings
	assert_equal "$(sqlite3 w.db 'select count(*) from artifacts')" 1
	assert_jq "$(cat st.json)" '.feed == "pypi" and .seen == ["demo-pkg 1.0"] and (.last_modified | length > 0)'
	# Nothing changed: a conditional request, answered 304, scans nothing.
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	assert_output ""
	grep -q '^/rss/updates.xml If-Modified-Since: ' "$BATS_FILE_TMPDIR/plain/conditional.log"
	assert_equal "$(sqlite3 w.db 'select count(*) from artifacts')" 1
	# A release is added: only it is scanned; its findings are printed, one line each.
	BUMP=5 rss evil/1.0 demo-pkg/1.0
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX" --min-level high
	assert_line --partial "evil 1.0 high DownloadAndRun evil-1.0/setup.py:3"
	refute_output --partial "demo-pkg"
	assert_equal "$(stored w.db evil)" 1
	# A restart with the same feed (no 304 this time: the file is touched again) repeats nothing.
	BUMP=10 rss evil/1.0 demo-pkg/1.0
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	assert_output ""
	assert_equal "$(sqlite3 w.db 'select count(*) from artifacts')" 2
	# The feed rolled over: none of the releases seen last time is in it: said.
	BUMP=15 rss simpleonly/0.1
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	[[ "$stderr" == *"releases in between may have been missed"* ]]
	assert_equal "$(stored w.db simpleonly)" 1
}

@test "watch pypi: a malformed feed or item is an error and the position does not move" {
	mkdir -p "$WEB/rss"
	BUMP=20 rss evil/1.0
	aura watch pypi --once --db w.db --state st.json --index-url "$INDEX" >/dev/null 2>&1 || true
	cp st.json before.json
	printf '<rss><channel><item><link>https://pypi.org/nothing</link></item>' >"$WEB/rss/updates.xml"
	touch -d "@$(( $(date +%s) + 25 ))" "$WEB/rss/updates.xml"
	run -2 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	[[ "$stderr" == *"the feed is not RSS"* ]]
	cmp st.json before.json
	# An unreadable state is refused, never reset silently.
	echo '{"feed": "npm"}' >bad.json
	run -2 --separate-stderr aura watch pypi --once --db w.db --state bad.json --index-url "$INDEX"
	run -2 aura watch rubygems --once --db w.db
	run -2 aura watch pypi --once
	assert_output --partial "--db FILE is needed"
}

@test "watch npm: the _changes feed by sequence number; changes before the stored seq are not scanned again" {
	printf '{"results": [{"seq": 1, "id": "leftpad", "changes": [{"rev": "1-a"}]}], "last_seq": 1}' >"$WEB/_changes"
	run -0 --separate-stderr aura watch npm --once --db n.db --state npm.json --registry "$REGISTRY"
	assert_jq "$(cat npm.json)" '.feed == "npm" and .seq == 1'
	assert_equal "$(sqlite3 n.db 'select count(*) from artifacts')" 1
	# A change is added between polls; the server ignores ?since= and sends everything.
	printf '{"results": [{"seq": 1, "id": "leftpad"}, {"seq": 2, "id": "@acme/widget"}, {"seq": 3, "id": "_design/app"}, {"seq": 4, "id": "gone", "deleted": true}], "last_seq": 4}' >"$WEB/_changes"
	touch -d "@$(( $(date +%s) + 5 ))" "$WEB/_changes"
	run -0 --separate-stderr aura watch npm --once --db n.db --state npm.json --registry "$REGISTRY" --min-level high
	assert_line --partial "@acme/widget 2.0.0 high DownloadAndRun"
	assert_equal "$(sqlite3 n.db 'select count(*) from artifacts')" 2
	assert_jq "$(cat npm.json)" '.seq == 4'
	grep -q '^/_changes?since=1 ' "$BATS_FILE_TMPDIR/plain/conditional.log"
	touch -d "@$(( $(date +%s) + 10 ))" "$WEB/_changes"
	run -0 --separate-stderr aura watch npm --once --db n.db --state npm.json --registry "$REGISTRY"
	assert_output ""
	assert_equal "$(sqlite3 n.db 'select count(*) from artifacts')" 2
}
