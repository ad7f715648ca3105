#!/usr/bin/env python3
"""rewrite_expect.py FIXTURE REWRITTEN.ndjson: check a fixture's `# expect-...` lines.

  # expect-call LINE NAME        a Call on LINE has _resolved == NAME
  # expect-not-call LINE NAME    no Call on LINE has _resolved == NAME
  # expect-value LINE JSON       a node on LINE has _value == JSON
  # expect-no-value LINE         no node on LINE has a _value
  # expect-payload LINE TEXT     a Call on LINE has a _payload_source containing TEXT
  # expect-hit DETECTION         aura-rewrite emitted a hit with that detection
Prints one line per failed expectation and exits 1 when any failed.
"""
import json
import sys


def nodes(tree):
    """Every node of the file's own tree (not of decoded payloads), iteratively."""
    stack = [tree]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            yield n
            stack.extend(v for k, v in n.items() if not k.startswith('_'))
        elif isinstance(n, list):
            stack.extend(n)


def main():
    fixture, out = sys.argv[1], sys.argv[2]
    records = [json.loads(line) for line in open(out)]
    tree = next(r['tree'] for r in records if r['type'] == 'ast')
    hits = [r for r in records if r['type'] == 'hit']
    all_nodes = list(nodes(tree))
    failures = []
    for line in open(fixture):
        if not line.startswith('# expect'):
            continue
        kind, *rest = line[2:].rstrip('\n').split(' ', 2)
        at = [n for n in all_nodes if str(n.get('lineno')) == (rest[0] if rest else '')]
        calls = [n for n in at if n.get('_type') == 'Call']
        if kind == 'expect-call':
            ok = any(c.get('_resolved') == rest[1] for c in calls)
        elif kind == 'expect-not-call':
            ok = not any(c.get('_resolved') == rest[1] for c in calls)
        elif kind == 'expect-value':
            ok = any('_value' in n and n['_value'] == json.loads(rest[1]) for n in at)
        elif kind == 'expect-no-value':
            ok = not any('_value' in n for n in at)
        elif kind == 'expect-payload':
            text = ' '.join(rest[1:])
            ok = any(text in c.get('_payload_source', '') for c in calls)
        elif kind == 'expect-hit':
            ok = any(h.get('detection') == rest[0] for h in hits)
        else:
            ok = False
        if not ok:
            failures.append(f'{fixture}: {line.strip()}')
    for f in failures:
        print(f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
