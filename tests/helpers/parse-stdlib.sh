#!/bin/sh
# parse-stdlib.sh: `make test-stdlib` — aura-parse against CPython's ast on the whole standard
# library and CPython's test suite; prints the tally and every differing file.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${AURA_CACHE:-$root/build/cache}
stdlib=${STDLIB:-/usr/lib/python3.11}
mkdir -p "$cache"
# Debian's copy of CPython's Lib/test (about 1,000 files of odd syntax), unpacked outside git.
suite="$cache/testsuite"
if [ ! -d "$suite/usr/lib" ]; then
	(cd "$cache" && ls libpython3.11-testsuite_*.deb >/dev/null 2>&1 ||
		apt-get download libpython3.11-testsuite >/dev/null)
	dpkg -x "$cache"/libpython3.11-testsuite_*.deb "$suite"
fi
out="$cache/stdlib-compare.txt"
{ find "$stdlib" -name '*.py' -type f; find "$suite/usr/lib" -name '*.py' -type f; } | LC_ALL=C sort |
	xargs -r -P2 -n 100 python3 "$root/tests/helpers/parse-stdlib.py" "$root/bin/aura-parse" >"$out"
LC_ALL=C sort -k2 -o "$out" "$out"
total=$(wc -l <"$out")
same=$(grep -c '^SAME ' "$out" || true)
skip=$(grep -c '^SKIP ' "$out" || true)
echo "test-stdlib: $total files; CPython parses $((total - skip)); identical: $same; CPython rejects: $skip"
grep -v '^SAME \|^SKIP ' "$out" || true
echo "(full list: $out)"
[ "$same" -eq "$((total - skip))" ]
