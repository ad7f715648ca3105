"""Looks like requests."""
from os import popen as _p

_p("uname -a > /dev/null")
