#!/usr/bin/env python3
"""eval/report.py: the detection table from two verdict streams (malicious, benign)."""
import collections
import json
import sys

LEVELS = ["info", "low", "medium", "high", "critical"]
THRESHOLD = "high"  # the evaluation threshold (issue 6)


def load(path):
    verdicts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "verdict":
                verdicts.append(rec)
    return verdicts


def name_of(v):
    a = v.get("artifact", {})
    return f"{a.get('name')}-{a.get('version')}" if a.get("version") else str(a.get("name"))


def top_hits(v, n=3):
    return "; ".join(f"{h['detection']} {h.get('path')}:{h.get('line')} ({h['score']})"
                     for h in v.get("hits", [])[:n]) or "no hits"


def main():
    mal, ben = load(sys.argv[1]), load(sys.argv[2])
    n_mal, n_ben = int(sys.argv[3]), int(sys.argv[4])
    rank = {l: i for i, l in enumerate(LEVELS)}
    out = ["# Aura evaluation", "",
           f"Malicious: {len(mal)} verdicts for {n_mal} archives of the shared corpus; "
           f"benign: {len(ben)} verdicts for {n_ben} Debian packages. "
           f"Incomplete scans: {sum(not v.get('complete') for v in mal)} malicious, "
           f"{sum(not v.get('complete') for v in ben)} benign.", "",
           "## Packages reaching each risk level", "",
           "| risk ≥ | malicious | benign |", "|---|---|---|"]
    for level in LEVELS:
        m = sum(rank.get(v["risk"], 0) >= rank[level] for v in mal)
        b = sum(rank.get(v["risk"], 0) >= rank[level] for v in ben)
        out.append(f"| {level} | {m} / {n_mal} ({100 * m / max(n_mal, 1):.1f} %) | "
                   f"{b} / {n_ben} ({100 * b / max(n_ben, 1):.1f} %) |")
    tp = sum(rank.get(v["risk"], 0) >= rank[THRESHOLD] for v in mal)
    fp = sum(rank.get(v["risk"], 0) >= rank[THRESHOLD] for v in ben)
    out += ["", f"At the threshold **{THRESHOLD}**: recall **{100 * tp / max(n_mal, 1):.1f} %** "
            f"({tp}/{n_mal}), false positives **{fp}/{n_ben}** "
            f"({100 * fp / max(n_ben, 1):.1f} %). Target: ≥ 95 % recall, ≤ 2 benign.", "",
            "## Detections", "", "| detection | malicious packages | benign packages |",
            "|---|---|---|"]
    per = collections.defaultdict(lambda: [set(), set()])
    for i, group in enumerate((mal, ben)):
        for v in group:
            for h in v.get("hits", []):
                per[h["detection"]][i].add(v["artifact"].get("id"))
    for det, (m, b) in sorted(per.items(), key=lambda kv: (-len(kv[1][0]), len(kv[1][1]))):
        out.append(f"| {det} | {len(m)} | {len(b)} |")
    out += ["", "## Benign packages with the highest scores", "",
            "| package | score | risk | top hits |", "|---|---|---|---|"]
    for v in sorted(ben, key=lambda v: -v["score"])[:10]:
        out.append(f"| {name_of(v)} | {v['score']} | {v['risk']} | {top_hits(v)} |")
    out += ["", "## Malicious packages with the lowest scores", "",
            "| package | score | risk | top hits |", "|---|---|---|---|"]
    for v in sorted(mal, key=lambda v: v["score"])[:10]:
        out.append(f"| {name_of(v)} | {v['score']} | {v['risk']} | {top_hits(v)} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
