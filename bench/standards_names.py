"""Item-name standardisation: precision and recall on the labelled set (bench/standards/labelled_names.csv).

    .venv/bin/python bench/standards_names.py [--target-precision 0.98] [--threshold T]

Uses the starter catalog's standard items and region names (YAML, no database) and the synonym data the
app uses. The auto-accept threshold is chosen on the `tune` rows only (the lowest threshold whose tune
precision reaches the target, i.e. the best tune recall at that precision); the figures that count are
those on the held-out `test` rows at that threshold. `--threshold` evaluates a given one instead.

precision = correct auto-accepted / all auto-accepted (a negative auto-accepted is a false positive);
recall    = correct auto-accepted / rows that have a standard item;
review    = share of rows sent to the review queue (below the threshold).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from onego.standards.matching import AUTO_ACCEPT, Match, build_index, default_synonyms, match  # noqa: E402

STARTER = ROOT / "src" / "onego" / "catalog" / "starter"
LABELLED = ROOT / "bench" / "standards" / "labelled_names.csv"


@dataclass(frozen=True)
class Row:
    local_name: str
    item_code: str
    variation: str
    split: str


def load_rows() -> list[Row]:
    with LABELLED.open(encoding="utf-8") as f:
        return [Row(r["local_name"], r["item_code"], r["variation"], r["split"]) for r in csv.DictReader(f)]


def standards() -> list[tuple[str, str]]:
    found = []
    for path in sorted((STARTER / "items").glob("*.yaml")):
        found += [(i["code"], i["name"]) for i in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]]
    return found


def region_names() -> list[str]:
    return [
        r["name"] for r in yaml.safe_load((STARTER / "regions.yaml").read_text(encoding="utf-8"))["regions"]
    ]


def figures(results: list[tuple[Row, Match]], threshold: float) -> dict[str, float]:
    accepted = [(r, m) for r, m in results if m.code is not None and m.confidence >= threshold]
    correct = sum(1 for r, m in accepted if m.code == r.item_code)
    positives = sum(1 for r, _ in results if r.item_code)
    top1 = sum(1 for r, m in results if r.item_code and m.code == r.item_code)
    return {
        "rows": len(results),
        "precision": correct / len(accepted) if accepted else 1.0,
        "recall": correct / positives if positives else 0.0,
        "review": 1 - len(accepted) / len(results) if results else 0.0,
        "top1": top1 / positives if positives else 0.0,
        "false_accepts": len(accepted) - correct,
    }


def choose(results: list[tuple[Row, Match]], target: float) -> float:
    for step in range(50, 101):
        threshold = step / 100
        if figures(results, threshold)["precision"] >= target:
            return threshold
    return 1.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--target-precision", type=float, default=0.98)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    index = build_index(standards(), default_synonyms(), region_names())
    by_split: dict[str, list[tuple[Row, Match]]] = defaultdict(list)
    for row in load_rows():
        by_split[row.split].append((row, match(row.local_name, index)))
    chosen = choose(by_split["tune"], args.target_precision)
    threshold = args.threshold if args.threshold is not None else chosen
    print(
        f"labelled rows: tune {len(by_split['tune'])}, test {len(by_split['test'])}; standard items {len(index.entries)}"
    )
    print(
        f"threshold chosen on tune for precision ≥ {args.target_precision}: {chosen:.2f} (code: AUTO_ACCEPT = {AUTO_ACCEPT})"
    )
    print(f"evaluated at threshold {threshold:.2f}")
    print(
        f"{'split':6} {'rows':>5} {'precision':>10} {'recall':>8} {'review':>8} {'top-1':>7} {'false accepts':>14}"
    )
    for split in ("tune", "test"):
        f = figures(by_split[split], threshold)
        print(
            f"{split:6} {f['rows']:>5} {f['precision']:>10.3f} {f['recall']:>8.3f} {f['review']:>8.3f}"
            f" {f['top1']:>7.3f} {f['false_accepts']:>14}"
        )
    test = by_split["test"]
    print("\nheld-out recall by variation (auto-accepted and correct / rows):")
    totals, hits = Counter(r.variation for r, _ in test), Counter()
    for r, m in test:
        if r.item_code and m.code == r.item_code and m.confidence >= threshold:
            hits[r.variation] += 1
        if not r.item_code and (m.code is None or m.confidence < threshold):
            hits[r.variation] += 1  # a negative kept out of auto-accept counts as handled
    for variation, n in sorted(totals.items()):
        print(f"  {variation:18} {hits[variation]:>3}/{n}")
    print("methods used (test):", dict(Counter(m.method for _, m in test)))
    if args.show_errors:
        for r, m in test:
            if m.confidence >= threshold and m.code != (r.item_code or None):
                print(
                    f"  FALSE ACCEPT {r.local_name} -> {m.code} ({m.method} {m.confidence}) want {r.item_code or '—'}"
                )


if __name__ == "__main__":
    main()
