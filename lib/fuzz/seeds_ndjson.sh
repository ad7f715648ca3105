#!/bin/sh
# seeds_ndjson.sh OUT: whole record streams as seeds (see records.sh).
exec "$(dirname "$0")/records.sh" streams "$1"
