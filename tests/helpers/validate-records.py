#!/usr/bin/python3
"""validate-records.py SCHEMA_DIR [FILE...]: check every NDJSON record against its JSON Schema.

Each line must be a JSON object whose "type" names a schema in SCHEMA_DIR
(TYPE.schema.json); a line that fails, or has no schema, is printed with its file and
line number and makes the exit status 1.  The last line counts records per type.
With no FILE, reads stdin.  Uses Debian's python3-jsonschema.
"""
import collections
import json
import pathlib
import sys

import jsonschema


def main():
    schema_dir = pathlib.Path(sys.argv[1])
    schemas = {}
    for path in sorted(schema_dir.glob("*.schema.json")):
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[path.name[: -len(".schema.json")]] = schema
    store = {s["$id"]: s for s in schemas.values()}
    validators = {
        name: jsonschema.Draft202012Validator(
            s, resolver=jsonschema.RefResolver.from_schema(s, store=store))
        for name, s in schemas.items()
    }
    counts = collections.Counter()
    failures = 0
    inputs = sys.argv[2:] or ["-"]
    for name in inputs:
        stream = sys.stdin.buffer if name == "-" else open(name, "rb")
        for lineno, line in enumerate(stream, 1):
            where = f"{name}:{lineno}"
            try:
                record = json.loads(line)
            except ValueError as e:
                print(f"{where}: not JSON: {e}")
                failures += 1
                continue
            kind = record.get("type") if isinstance(record, dict) else None
            if kind not in validators:
                print(f"{where}: no schema for type {kind!r}")
                failures += 1
                continue
            errors = sorted(validators[kind].iter_errors(record), key=lambda e: list(e.path))
            for e in errors[:3]:
                path = "/".join(str(p) for p in e.absolute_path)
                print(f"{where}: {kind}: at /{path}: {e.message[:300]}")
            failures += bool(errors)
            counts[kind] += 1
    print(" ".join(f"{k}={counts[k]}" for k in sorted(counts)) + f" failures={failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
