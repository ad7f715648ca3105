#!/usr/bin/env bats
# 08-watch.bats: aura watch pypi|npm against the fixture registry's feeds (PyPI's XML-RPC
# changelog, its RSS feeds, npm's _changes): new releases are scanned into the database, one
# line per finding, the position survives restarts, hostile answers are errors that say why.

load helpers/common
load fixtures/registry/server

setup_file() { start_registry; }
teardown_file() { stop_servers plain; }
setup() {
	registry_env
	WEB="$BATS_FILE_TMPDIR/plain/web"
	# PyPI's XML-RPC (serve.py's POST /pypi): absent unless a test gives it a changelog.
	XRPC="$BATS_FILE_TMPDIR/plain/xmlrpc"
	rm -rf "$XRPC" "$XRPC.log" "$WEB/rss"
	mkdir -p "$XRPC" "$WEB/rss"
}

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

# changelog ENTRY...: the XML-RPC changelog; an entry is NAME|VERSION|ACTION|SERIAL (VERSION - is nil).
changelog() {
	printf '%s\n' "$@" | jq -R -s 'split("\n") | map(select(length > 0) | split("|") |
		[.[0], (if .[1] == "-" then null else .[1] end), 1790000000, .[2], (.[3] | tonumber)])' >"$XRPC/changelog.json"
}

# projects NAME...: PyPI's /rss/packages.xml (new projects), newest first.
projects() {
	{
		echo '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>PyPI newest packages</title>'
		for n in "$@"; do
			printf '<item><title>%s added to PyPI</title><link>https://pypi.org/project/%s/</link></item>\n' "$n" "$n"
		done
		echo '</channel></rss>'
	} >"$WEB/rss/packages.xml"
	touch -d "@$(( $(date +%s) + ${BUMP:-0} ))" "$WEB/rss/packages.xml"
}

# poll [OPTION...]: one poll by aura-fetch itself (target lines and records in $output); the
# new position is stored as the driver stores it.
poll() {
	run --separate-stderr aura-fetch --feed pypi --state st.json --index-url "$INDEX" --retries 0 "$@"
	grep '^{' <<<"$output" >records.ndjson || true
	/usr/bin/python3 "$AURA_ROOT/tests/helpers/validate-records.py" "$AURA_ROOT/docs/schema" records.ndjson >/dev/null ||
		fail "records not valid against docs/schema: $output"
	if rec watch_state >/dev/null; then rec watch_state | jq -c .state >st.json; fi
}
# rec TYPE: the TYPE records of $output (records start with their "type").
rec() { grep "^{\"type\":\"$1\"" <<<"$output"; }

@test "watch pypi: new releases from the RSS feed are scanned into the database; a release added between polls; a restart repeats nothing" {
	BUMP=0 rss demo-pkg/1.0
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	assert_output ""	# demo-pkg has no findings
	# The fixture index has no XML-RPC: said, and which feeds were read instead.
	[[ "$stderr" == *"/pypi: no XML-RPC here (HTTP 404): following the RSS feeds"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"rss/packages.xml: absent (404): following updates.xml alone"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"aura: watch: pypi: 1 new release(s) from the RSS feeds"* ]] || fail "stderr: $stderr"
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
	[[ "$stderr" == *"releases in between may have been missed"* ]] || fail "stderr: $stderr"
	assert_equal "$(stored w.db simpleonly)" 1
}

@test "watch pypi: a malformed feed or item is an error and the position does not move" {
	BUMP=20 rss evil/1.0
	aura watch pypi --once --db w.db --state st.json --index-url "$INDEX" >/dev/null 2>&1 || true
	cp st.json before.json
	printf '<rss><channel><item><link>https://pypi.org/nothing</link></item>' >"$WEB/rss/updates.xml"
	touch -d "@$(( $(date +%s) + 25 ))" "$WEB/rss/updates.xml"
	run -2 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	[[ "$stderr" == *"the feed is not RSS"* ]] || fail "stderr: $stderr"
	cmp st.json before.json
	# A feed in another encoding is read as UTF-8 (an iconv module would be code the sandbox refuses).
	printf '<?xml version="1.0" encoding="EUC-JP"?><rss><channel><item><link>https://pypi.org/project/a\xa4\xa2/1.0/</link></item></channel></rss>' >"$WEB/rss/updates.xml"
	touch -d "@$(( $(date +%s) + 30 ))" "$WEB/rss/updates.xml"
	run -2 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	[[ "$stderr" == *"the feed is not RSS"* ]] || fail "stderr: $stderr"
	cmp st.json before.json
	# An unreadable state is refused, never reset silently.
	echo '{"feed": "npm"}' >bad.json
	run -2 --separate-stderr aura watch pypi --once --db w.db --state bad.json --index-url "$INDEX"
	# A position that is not a whole number is refused too.
	echo '{"feed": "pypi", "serial": "12"}' >bad.json
	run -2 --separate-stderr aura watch pypi --once --db w.db --state bad.json --index-url "$INDEX"
	[[ "$stderr" == *'"serial" is not a whole number'* ]] || fail "stderr: $stderr"
	echo '{"feed": "pypi", "serial": -1}' >bad.json
	run -2 --separate-stderr aura watch pypi --once --db w.db --state bad.json --index-url "$INDEX"
	AURA_WATCH_CHUNK=0 run -2 aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	assert_output --partial "AURA_WATCH_CHUNK: a number of releases"
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

@test "watch pypi: XML-RPC changelog from the stored serial: release actions only, names normalised, each release once, resumed from the stored serial" {
	changelog "Demo_Pkg|1.0|create|1" "Demo_Pkg|1.0|new release|2" "Demo_Pkg|1.0|add source file demo_pkg-1.0.tar.gz|3"
	# The first poll learns where the changelog is: what is uploaded from then on is scanned.
	poll
	assert_success
	assert_jq "$(rec watch_state)" '.source == "xmlrpc" and .state.serial == 3'
	refute_output --partial "pypi:"
	[[ "$stderr" == *"following the changelog from serial 3"* ]] || fail "stderr: $stderr"
	assert_equal "$(cat "$XRPC.log")" "changelog_last_serial "
	# Since a serial: the release once, by its PEP 503 name, however many of its actions.
	echo '{"feed": "pypi", "serial": 1}' >st.json
	poll
	assert_success
	assert_equal "$(grep -v '^{' <<<"$output")" "pypi:demo-pkg==1.0"
	assert_equal "$(tail -1 "$XRPC.log")" "changelog_since_serial 1"
	echo '{"feed": "pypi", "serial": 1}' >st.json	# poll stored serial 3: again, through the driver
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	[[ "$stderr" == *"aura: watch: pypi: 1 new release(s) from the XML-RPC changelog (serial 3)"* ]] || fail "stderr: $stderr"
	assert_equal "$(stored w.db demo-pkg)" 1
	assert_jq "$(cat st.json)" '.serial == 3'
	# New changes: a file added to a new release, an owner, a removal, the PyPI spelling
	# twice.  Only the release is scanned, and the next call starts at the stored serial.
	changelog "Demo_Pkg|1.0|new release|2" "Demo_Pkg|1.0|add source file demo_pkg-1.0.tar.gz|3" \
		"evil|1.0|add py3 file evil-1.0-py3-none-any.whl|4" "Evil|1.0|add source file evil-1.0.tar.gz|5" \
		"evil|-|add Owner mallory|6" "demo.pkg|0.9|remove file demo_pkg-0.9.tar.gz|7" "demo-pkg|0.9|yank release|8"
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX" --min-level high
	assert_equal "$(tail -1 "$XRPC.log")" "changelog_since_serial 3"
	assert_line --partial "evil 1.0 high DownloadAndRun"
	refute_output --partial "demo-pkg"
	assert_equal "$(stored w.db evil)" 1
	assert_equal "$(stored w.db demo-pkg)" 1
	assert_jq "$(cat st.json)" '.serial == 8'
	# Nothing new: nothing scanned, the serial stays.
	run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	assert_output ""
	assert_equal "$(tail -1 "$XRPC.log")" "changelog_since_serial 8"
	[[ "$stderr" == *"0 new release(s) from the XML-RPC changelog (serial 8)"* ]] || fail "stderr: $stderr"
	assert_equal "$(sqlite3 w.db 'select count(*) from artifacts')" 2
}

# hostile ANSWER MESSAGE [OPTION...]: XML-RPC answers ANSWER; the poll is an error saying
# MESSAGE, the serial stays at 10, and the poll falls back to the RSS feed (and says so).
hostile() {
	printf '%s' "$1" >"$XRPC/answer"
	echo '{"feed": "pypi", "serial": 10}' >st.json
	poll "${@:3}"
	assert_success
	assert_jq "$(rec error)" ".message | startswith(\"PyPI's XML-RPC changelog_since_serial(10): $2\")"
	assert_jq "$(rec watch_state)" '.source == "rss" and .state.serial == 10 and .state.seen == ["demo-pkg 1.0"]'
	assert_line "pypi:demo-pkg==1.0"
	[[ "$stderr" == *"the XML-RPC changelog failed (the error above): this poll follows the RSS feeds instead; the serial stays"* ]]
}

# An XML-RPC answer holding these changes (each: <value>...</value><value>...</value>...).
changes() {
	printf '<?xml version="1.0"?><methodResponse><params><param><value><array><data>'
	for c in "$@"; do printf '<value><array><data>%s</data></array></value>' "$c"; done
	printf '</data></array></value></param></params></methodResponse>'
}

@test "watch pypi: hostile XML-RPC answers are errors that say why; the serial stays; the poll falls back to RSS" {
	rss demo-pkg/1.0
	projects demo-pkg
	hostile '<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>-32500</int></value></member><member><name>faultString</name><value><string>HTTPTooManyRequests:&#10;&#127;[2J slow down</string></value></member></struct></value></fault></methodResponse>' \
		"XML-RPC fault -32500: HTTPTooManyRequests:??[2J slow down"
	hostile '<?xml version="1.0"?><methodResponse><params><param><value><array><data><value><array><data><value>x</value>' \
		"malformed XML, line 1:"
	hostile '' "an empty answer"
	hostile '<!DOCTYPE m [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><methodResponse><params><param><value><string>&b;</string></value></param></params></methodResponse>' \
		"the answer has a DOCTYPE"
	hostile "$(changes '<value>evil</value><value>1.0</value><value><int>1</int></value><value>new release</value><value><string>12</string></value>')" \
		"change 0 is not [name, version, timestamp, action, serial]"
	hostile "$(changes '<value>evil</value><value>1.0</value><value><int>1</int></value><value>new release</value>')" \
		"change 0 is not [name, version, timestamp, action, serial]"
	hostile "$(changes '<value>evil</value><value>1.0</value><value><int>1</int></value><value>new release</value><value><int>99999999999</int></value>')" \
		"<int> is not a 32-bit integer"
	hostile "$(changes '<value>evil</value><value><nil/></value><value><int>1</int></value><value>new release</value><value><int>11</int></value>')" \
		"change 0 ('new release') names no release"
	hostile '<?xml version="1.0"?><methodResponse><params><param><value><string>no</string></value></param></params></methodResponse>' \
		"the result is not an array"
	hostile "$(changes '<value>evil</value><value>1.0</value><value><int>1</int></value><value>new release</value><value><int>12</int></value>' \
		'<value>evil</value><value>1.0</value><value><int>1</int></value><value>new release</value><value><int>4</int></value>')" \
		"change 1 has serial 4, not above the stored serial 10: the changelog went backwards"
	hostile "$(changes '<value>evil</value><value>1.0</value><value><int>1</int></value><value>new release</value><value><int>12</int></value>' \
		'<value>evil</value><value>1.0</value><value><int>1</int></value><value>new release</value><value><int>11</int></value>')" \
		"change 1 has serial 11, below the 12 before it: not in serial order"
	hostile "$(changes "<value>evil</value>$(printf '<value><array><data>%.0s' $(seq 20))$(printf '</data></array></value>%.0s' $(seq 20))")" \
		"values nested deeper than 16"
	hostile "$(changes '<value><string>evil</string>junk</value>')" \
		"text inside <value>, where XML-RPC has only elements"
	hostile "$(changes "$(printf '<value>n%04d</value><value>1.0</value><value><int>1</int></value><value>new release</value><value><int>%d</int></value>' $(seq 20 60 | sed 'p'))")" \
		"response larger than the size cap of 1024 bytes" --max-download 1K
	# Another encoding than UTF-8 is not decoded (iconv would load code the sandbox refuses
	# to map: the stage was killed): libxml2's message in the record, none of its own.
	printf '<?xml version="1.0" encoding="EUC-JP"?><methodResponse><params><param><value><string>\xff\xfe\0\0</string></value></param></params></methodResponse>' >"$XRPC/answer"
	rm st.json
	poll
	assert_success
	assert_jq "$(rec error)" '.message | endswith("changelog_last_serial(): malformed XML, line 1: Input is not proper UTF-8, indicate encoding !")'
	[[ "$stderr" != *"encoding error"* ]] || fail "stderr: $stderr"
	# Through the driver: the error is printed, the once-poll exits 2, the serial is kept.
	printf '%s' "$(changes '<value>evil</value><value>1.0</value><value><int>1</int></value><value>new release</value><value><int>3</int></value>')" >"$XRPC/answer"
	echo '{"feed": "pypi", "serial": 10}' >st.json
	run -2 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX"
	[[ "$stderr" == *"aura: watch: http://127.0.0.1:$PORT/pypi: PyPI's XML-RPC changelog_since_serial(10): change 0 has serial 3"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"1 new release(s) from the RSS feeds"* ]] || fail "stderr: $stderr"
	assert_jq "$(cat st.json)" '.serial == 10'
	refute_output --partial evil
	# changelog_last_serial (the first poll) must answer a serial.
	printf '%s' '<?xml version="1.0"?><methodResponse><params><param><value><string>12</string></value></param></params></methodResponse>' >"$XRPC/answer"
	rm st.json
	poll
	assert_jq "$(rec error)" '.message == "PyPI'"'"'s XML-RPC changelog_last_serial(): the answer is not a serial (an int, 0 or more)"'
	assert_jq "$(rec watch_state)" '.state | has("serial") | not'
}

@test "watch pypi: without XML-RPC, updates.xml and packages.xml: new projects not in updates.xml scanned as their latest release" {
	echo 501 >"$XRPC/status"
	BUMP=0 rss demo-pkg/1.0
	BUMP=0 projects evil Demo_Pkg
	poll
	assert_success
	[[ "$stderr" == *"/pypi: no XML-RPC here (HTTP 501): following the RSS feeds"* ]] || fail "stderr: $stderr"
	assert_equal "$(grep -v '^{' <<<"$output")" "pypi:demo-pkg==1.0
pypi:evil"
	assert_jq "$(rec watch_state)" '.source == "rss" and .state.new_projects.seen == ["evil", "demo-pkg"] and (.state.new_projects.last_modified | length > 0)'
	# Nothing new in either (304 for both): nothing.
	poll
	refute_output --partial "pypi:"
	grep -q '^/rss/packages.xml If-Modified-Since: ' "$BATS_FILE_TMPDIR/plain/conditional.log"
	# A new project; then one the feed rolled past (a gap, said); then an item naming no project.
	BUMP=5 projects simpleonly evil Demo_Pkg
	poll
	assert_equal "$(grep -v '^{' <<<"$output")" "pypi:simpleonly"
	BUMP=10 projects leftover
	poll
	assert_jq "$(rec watch_state)" '.gap'
	[[ "$stderr" == *"rss/packages.xml: none of the items seen last time is still in the feed"* ]] || fail "stderr: $stderr"
	BUMP=15 projects 'x/1.0'
	poll
	assert_jq "$(rec error)" '.message | startswith("feed item with a link that names no project")'
	# The driver scans what it names.
	rm st.json
	BUMP=20 projects evil
	# One scan per AURA_WATCH_CHUNK releases (a catch-up may bring more than a command line holds).
	AURA_WATCH_CHUNK=1 run -0 --separate-stderr aura watch pypi --once --db w.db --state st.json --index-url "$INDEX" --min-level high
	assert_line --partial "evil 1.0 high DownloadAndRun"
	[[ "$stderr" == *"2 new release(s) from the RSS feeds"* ]] || fail "stderr: $stderr"
	assert_equal "$(sqlite3 w.db 'select count(*) from scans')" 2
	assert_equal "$(stored w.db demo-pkg) $(stored w.db evil)" "1 1"
}
