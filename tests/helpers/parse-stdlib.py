#!/usr/bin/env python3
# parse-stdlib.py: compare aura-parse with CPython's ast (the oracle) on many files, one line each.
"""Usage: parse-stdlib.py AURA_PARSE FILE...
Runs one aura-parse over `file` records of all FILEs (exact bytes, base64) and compares each
`ast` record with pyast2json's tree for the same bytes.  Prints one line per file:
  SAME path | DIFF path: first difference | SKIP path: CPython cannot parse it (reason)
  | NOAST path: aura-parse wrote no tree (its error)"""
import base64
import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import astdiff  # noqa: E402
import pyast2json  # noqa: E402


def records(paths):
    for n, path in enumerate(paths):
        with open(path, "rb") as f:
            data = f.read()
        yield data, json.dumps({"type": "file", "v": 1, "artifact": "s", "id": "s:%d" % n,
                                "index": n, "path": path, "kind": "python",
                                "content": base64.b64encode(data).decode("ascii"),
                                "content_encoding": "base64"}) + "\n"


def run(aura, paths):
    sources = []
    with open(os.devnull, "w") as null:
        p = subprocess.Popen([aura, "--max-depth", "10000", "--timeout-ms", "0"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=null)
        feed = threading.Thread(target=lambda: (p.stdin.writelines(
            r.encode() for s, r in records(paths) if not sources.append(s)), p.stdin.close()))
        feed.start()
        trees, errors = {}, {}
        for line in p.stdout:
            rec = json.loads(line)
            if rec.get("type") == "ast":
                trees[rec["file"]] = rec["tree"]
            elif rec.get("type") == "error":
                errors[rec.get("path")] = rec.get("message")
        feed.join()
        p.wait()
    for n, path in enumerate(paths):
        try:
            expected = json.loads(json.dumps(pyast2json.to_json(
                pyast2json.ast.parse(sources[n], filename=path))))
        except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
            print("SKIP %s: %s" % (path, str(e).splitlines()[0] if str(e) else type(e).__name__))
            continue
        actual = trees.get("s:%d" % n)
        if actual is None:
            print("NOAST %s: %s" % (path, errors.get(path, "no record")))
            continue
        d = astdiff.first_diff(expected, actual, "tree", None)
        print(("DIFF %s: %s" % (path, d)) if d else ("SAME " + path))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.setrecursionlimit(200000)
    threading.stack_size(512 << 20)	# deep trees: the comparison recurses
    t = threading.Thread(target=run, args=(sys.argv[1], sys.argv[2:]))
    t.start()
    t.join()
