#!/usr/bin/env python3
# pyast2json.py: the oracle for aura-parse — CPython's `ast` as JSON in the shape of docs/ast.md.
"""Usage:
  pyast2json.py FILE...     one `ast` record per file (artifact "oracle", file "oracle:N")
  pyast2json.py < records   a drop-in aura-parse: copies every record, and after each
                            `file` record of kind `python` emits its `ast` record (or an
                            `error` record when CPython cannot parse it)

The JSON shape is the contract between aura-parse and the later stages, so this script and
aura-parse must agree node for node; tests/20-parse.bats compares the two.
"""
import ast
import base64
import json
import math
import sys

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def enc_float(x):
    # JSON has no inf/nan: docs/ast.md spells them as {"$float": ...}.
    if math.isnan(x):
        return {"$float": "nan"}
    if math.isinf(x):
        return {"$float": "inf" if x > 0 else "-inf"}
    return x


def enc_str(s):
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        # Lone surrogates cannot travel in JSON text: UTF-16 code units, 4 hex digits each.
        units = s.encode("utf-16-le", "surrogatepass")
        return {"$str": "".join("%04x" % (units[i] | units[i + 1] << 8)
                                for i in range(0, len(units), 2))}


def enc_value(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v if INT64_MIN <= v <= INT64_MAX else {"$int": str(v)}
    if isinstance(v, float):
        return enc_float(v)
    if isinstance(v, complex):
        return {"$complex": [enc_float(v.real), enc_float(v.imag)]}
    if isinstance(v, str):
        return enc_str(v)
    if isinstance(v, bytes):
        return {"$bytes": base64.b64encode(v).decode("ascii")}
    if v is Ellipsis:
        return {"$ellipsis": True}
    raise TypeError("unexpected constant %r" % (v,))


def to_json(node):
    if isinstance(node, list):
        return [to_json(n) for n in node]
    if not isinstance(node, ast.AST):
        return node
    out = {"_type": type(node).__name__}
    for field in node._fields:
        if field == "type_comment":
            continue
        value = getattr(node, field, None)
        if isinstance(node, ast.Constant) and field == "value":
            out[field] = enc_value(value)
        elif isinstance(node, ast.MatchSingleton) and field == "value":
            out[field] = enc_value(value)
        else:
            out[field] = to_json(value)
    for attr in node._attributes:
        if hasattr(node, attr):
            out[attr] = getattr(node, attr)
    return out


def ast_record(source, artifact, file_id, path):
    tree = ast.parse(source, filename=path or "<unknown>")
    return {"type": "ast", "v": 1, "artifact": artifact, "file": file_id, "path": path,
            "tree": to_json(tree)}


def emit(rec):
    sys.stdout.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


def from_files(paths):
    status = 0
    for n, path in enumerate(paths):
        with open(path, "rb") as f:
            source = f.read()
        try:
            emit(ast_record(source, "oracle", "oracle:%d" % n, path))
        except (SyntaxError, ValueError) as e:
            print("pyast2json: %s: %s" % (path, e), file=sys.stderr)
            status = 1
    return status


def from_records():
    sys.setrecursionlimit(10000)
    for line in sys.stdin.buffer:
        sys.stdout.write(line.decode("utf-8", "replace").rstrip("\r\n") + "\n")
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if not isinstance(rec, dict) or rec.get("type") != "file" or rec.get("kind") != "python":
            continue
        content = rec.get("content", "")
        if rec.get("content_encoding") == "base64":
            source = base64.b64decode(content)
        else:
            source = content.encode("utf-8")
        try:
            emit(ast_record(source, rec.get("artifact"), rec.get("id"), rec.get("path")))
        except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
            emit({"type": "error", "v": 1, "stage": "pyast2json", "artifact": rec.get("artifact"),
                  "path": rec.get("path"), "message": str(e)})
    return 0


if __name__ == "__main__":
    sys.exit(from_files(sys.argv[1:]) if len(sys.argv) > 1 else from_records())
