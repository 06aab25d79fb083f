"""Does the review find planted label errors? precision@K and recall@K against a random ranking.

A copy of the corpus (texts/ and annotations/) gets N gold labels flipped per label layer, with a
seed: entity labels, stance labels, claim types, claim check-worthiness (each to another label of
its set, chosen at random). The out-of-fold model is re-trained on the flipped copy (the planted
errors are in its training folds too, as real ones would be) and the review ranks every gold item.
For each layer, the planted items are the relevant ones: precision@K and recall@K of the review's
ranking, and of a random ranking of the same items (the mean over `--random` shuffles, same run).
Two source settings: `all` (model + the annotators' unflipped sets, CROWDLAB) and `model` (the
out-of-fold model alone, confident learning), since annotators who agree with the true label make
the first easy. Acceptance: top 20 holds at least half of the planted errors in each layer (where
N <= 20, so that it is possible). Usage: python benchmarks/bench_review.py [--n 10] [--k 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cartel_fto_corpus.evaluation.corpus import load_gold  # noqa: E402
from cartel_fto_corpus.evaluation.oof import FIELDS, predict  # noqa: E402
from cartel_fto_corpus.inspection.review import review  # noqa: E402
from cartel_fto_corpus.truth.paths import CorpusPaths  # noqa: E402
from cartel_fto_corpus.truth.schema import label_set  # noqa: E402


def plant(src: Path, dest: Path, n: int, seed: int) -> dict[str, set[tuple[str, str]]]:
    """Copy the corpus to `dest` and flip `n` gold labels per label layer (at most a quarter of its items);
    returns layer -> {(doc_id, item id)} of the flipped items."""
    shutil.copytree(src / "texts", dest / "texts")
    shutil.copytree(src / "annotations", dest / "annotations")
    rng = random.Random(seed)
    files = {
        p: json.loads(p.read_text(encoding="utf-8")) for p in CorpusPaths(dest).annotation_files()
    }  # the annotation files only (not registry.json, protocol.json)
    golds = {doc["doc_id"]: next(s for s in doc["annotations"] if s["status"] == "gold") for doc in files.values()}
    planted: dict[str, set[tuple[str, str]]] = {}
    for (layer, fld), set_name in FIELDS.items():
        labels = list(label_set(set_name))
        items = [(d, it) for d, g in sorted(golds.items()) for it in g[layer]]
        chosen = rng.sample(items, min(n, len(items) // 4))
        for _doc, it in chosen:
            it[fld] = rng.choice([lab for lab in labels if lab != it[fld]])
        planted[f"{layer}.{fld}"] = {(d, it["id"]) for d, it in chosen}
    for p, doc in files.items():
        p.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return planted


def at_k(ranked: list[tuple[str, str]], relevant: set[tuple[str, str]], k: int) -> tuple[float, float]:
    hits = sum(1 for x in ranked[:k] if x in relevant)
    return hits / min(k, len(ranked)), hits / len(relevant) if relevant else 1.0


def run(n: int, k: int, seed: int, shuffles: int) -> tuple[list[str], bool]:
    lines, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        planted = plant(REPO, root, n, seed)
        corpus = load_gold(root)
        oof = predict(corpus)
        rng = random.Random(seed + 1)
        lines.append(f"planted errors per layer (seed {seed}); precision@{k} / recall@{k}; random = mean of {shuffles} shuffles")
        lines.append(f"{'layer':24} {'items':>5} {'planted':>7}  {'review all':>13}  {'review model':>13}  {'random':>13}")
        results = {s: review(sources=s, corpus=corpus, oof=oof) for s in ("all", "model")}
        for layer, relevant in planted.items():
            cells = []
            for s in ("all", "model"):
                ranked = [(x.doc_id, x.item) for x in results[s].layers[layer]]
                p, r = at_k(ranked, relevant, k)
                cells.append(f"{p:.2f} / {r:.2f}")
                if s == "all" and len(relevant) <= k and r < 0.5:
                    ok = False
            ranked = [(x.doc_id, x.item) for x in results["all"].layers[layer]]
            rp = rr = 0.0
            for _ in range(shuffles):
                shuffled = ranked[:]
                rng.shuffle(shuffled)
                p, r = at_k(shuffled, relevant, k)
                rp, rr = rp + p / shuffles, rr + r / shuffles
            lines.append(f"{layer:24} {len(ranked):>5} {len(relevant):>7}  {cells[0]:>13}  {cells[1]:>13}  {f'{rp:.2f} / {rr:.2f}':>13}")
    lines.append(f"verdict: top {k} finds at least half of the planted errors in every layer (review all): {'yes' if ok else 'NO'}")
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10, help="labels flipped per layer (at most a quarter of its items)")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--random", dest="shuffles", type=int, default=200, help="random rankings averaged")
    args = ap.parse_args(argv)
    lines, ok = run(args.n, args.k, args.seed, args.shuffles)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
