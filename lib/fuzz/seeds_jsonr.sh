#!/bin/sh
# seeds_jsonr.sh OUT: one JSON text per seed file (see records.sh).
exec "$(dirname "$0")/records.sh" lines "$1"
