#!/usr/bin/env python3
# astdiff.py: the first difference between two `ast` records (or trees), for the parse tests.
"""Usage: astdiff.py EXPECTED ACTUAL — each a file holding one JSON value (an `ast` record or a
tree).  Prints nothing and exits 0 when the trees are equal; otherwise prints the JSON path of
the first difference, both values, and the position of the nearest enclosing node, exit 1."""
import json
import sys


def tree_of(path):
    with open(path) as f:
        value = json.load(f)
    return value.get("tree", value) if isinstance(value, dict) and value.get("type") == "ast" else value


def where(node):
    if isinstance(node, dict) and "lineno" in node:
        return " (in %s at %s:%s)" % (node.get("_type"), node["lineno"], node["col_offset"])
    return ""


def first_diff(a, b, path, ctx):
    if isinstance(a, dict) and isinstance(b, dict):
        ctx = a if "lineno" in a else ctx
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return "%s.%s: only in %s%s" % (path, key, "expected" if key in a else "actual", where(ctx))
            d = first_diff(a[key], b[key], "%s.%s" % (path, key), ctx)
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i), ctx)
            if d:
                return d
        if len(a) != len(b):
            return "%s: expected %d items, got %d%s" % (path, len(a), len(b), where(ctx))
        return None
    # bool is an int in Python: keep True distinct from 1, and 1 distinct from 1.0.
    if type(a) != type(b) or a != b:
        return "%s: expected %s, got %s%s" % (path, json.dumps(a), json.dumps(b), where(ctx))
    return None


if __name__ == "__main__":
    d = first_diff(tree_of(sys.argv[1]), tree_of(sys.argv[2]), "tree", None)
    if d:
        print(d)
        sys.exit(1)
