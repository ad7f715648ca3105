#!/bin/sh
# Fetch the tree-sitter-python grammar from the npm registry, verify its integrity, unpack it.
# Third-party source is never committed: it lands in third_party/ (git-ignored) at build time.
set -eu
VERSION=0.23.6
# The registry's published dist.integrity for tree-sitter-python@0.23.6 (npm view ... dist.integrity).
INTEGRITY='sha512-yIM9z0oxKIxT7bAtPOhgoVl6gTXlmlIhue7liFT4oBPF/lha7Ha4dQBS82Av6hMMRZoVnFJI8M6mL+SwWoLD3A=='
dest=${1:-third_party/tree-sitter-python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
( cd "$work" && npm pack --silent "tree-sitter-python@$VERSION" >/dev/null )
tgz="$work/tree-sitter-python-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
    echo "fetch-grammar: integrity mismatch for tree-sitter-python@$VERSION" >&2
    echo "  expected $INTEGRITY" >&2
    echo "  got      $got" >&2
    exit 1
fi
rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --strip-components=1 package/src package/package.json
echo "$VERSION" > "$dest/VERSION"
echo "fetch-grammar: tree-sitter-python@$VERSION verified ($INTEGRITY)"
