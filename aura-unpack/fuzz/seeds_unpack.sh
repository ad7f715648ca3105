#!/bin/sh
# seeds_unpack.sh OUT: small versions of the hostile archive fixtures, as fuzz seeds.
exec python3 "$(dirname "$0")/../../tests/fixtures/unpack/make-hostile.py" "$1" fuzz --small
