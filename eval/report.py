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


def at_least(group, level, rank):
    return sum(rank.get(v["risk"], 0) >= rank[level] for v in group)


def pct(k, n):
    return f"{k} / {n} ({100 * k / max(n, 1):.1f} %)"


def main():
    """report.py MAL BEN N_MAL N_BEN [SDISTS N_SDISTS | - WHY]: the table as Markdown."""
    mal, ben = load(sys.argv[1]), load(sys.argv[2])
    n_mal, n_ben = int(sys.argv[3]), int(sys.argv[4])
    sd, n_sd, sd_why = [], 0, "not scanned"
    if len(sys.argv) > 6 and sys.argv[5] != "-":
        sd, n_sd = load(sys.argv[5]), int(sys.argv[6])
    elif len(sys.argv) > 6:
        sd_why = sys.argv[6]
    rank = {l: i for i, l in enumerate(LEVELS)}
    sets = [("malicious", mal, n_mal), ("benign debs", ben, n_ben)]
    if n_sd:
        sets.append(("benign sdists", sd, n_sd))
    out = ["# Aura evaluation", "",
           f"Malicious: {len(mal)} verdicts for {n_mal} archives of the shared corpus; "
           f"benign debs: {len(ben)} verdicts for {n_ben} Debian packages; "
           + (f"benign sdists: {len(sd)} verdicts for {n_sd} install-heavy source archives "
              "(corpus/benign-sdists.tsv). " if n_sd else
              f"benign sdists: skipped ({sd_why}). ")
           + "Incomplete scans: "
           + ", ".join(f"{sum(not v.get('complete') for v in g)} {label}" for label, g, _ in sets)
           + ".", "",
           "## Packages reaching each risk level", "",
           "| risk ≥ | " + " | ".join(label for label, _, _ in sets) + " |",
           "|---|" + "---|" * len(sets)]
    for level in LEVELS:
        out.append(f"| {level} | " + " | ".join(pct(at_least(g, level, rank), n) for _, g, n in sets)
                   + " |")
    tp = at_least(mal, THRESHOLD, rank)
    fp = at_least(ben, THRESHOLD, rank)
    line = (f"At the threshold **{THRESHOLD}**: recall **{100 * tp / max(n_mal, 1):.1f} %** "
            f"({tp}/{n_mal}), false positives **{fp}/{n_ben}** debs "
            f"({100 * fp / max(n_ben, 1):.1f} %)")
    if n_sd:
        fs = at_least(sd, THRESHOLD, rank)
        line += f", **{fs}/{n_sd}** sdists ({100 * fs / max(n_sd, 1):.1f} %)"
    out += ["", line + ". Targets: ≥ 95 % recall, ≤ 1/48 debs, ≤ 1/40 sdists.", "",
            "## Detections", "",
            "| detection | " + " | ".join(f"{label} packages" for label, _, _ in sets) + " |",
            "|---|" + "---|" * len(sets)]
    per = collections.defaultdict(lambda: [set() for _ in sets])
    for i, (_, group, _) in enumerate(sets):
        for v in group:
            for h in v.get("hits", []):
                per[h["detection"]][i].add(v["artifact"].get("id"))
    for det, counts in sorted(per.items(), key=lambda kv: (-len(kv[1][0]), len(kv[1][1]))):
        out.append(f"| {det} | " + " | ".join(str(len(c)) for c in counts) + " |")
    for label, group, _ in sets[1:]:
        out += ["", f"## {label.capitalize()} with the highest scores", "",
                "| package | score | risk | top hits |", "|---|---|---|---|"]
        for v in sorted(group, key=lambda v: -v["score"])[:10]:
            out.append(f"| {name_of(v)} | {v['score']} | {v['risk']} | {top_hits(v)} |")
    out += ["", "## Malicious packages with the lowest scores", "",
            "| package | score | risk | top hits |", "|---|---|---|---|"]
    for v in sorted(mal, key=lambda v: v["score"])[:10]:
        out.append(f"| {name_of(v)} | {v['score']} | {v['risk']} | {top_hits(v)} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
