"""A synthetic corpus of realistic size and annotation density, for benchmarks.

Texts are ~10 KB of sentences drawn from the real articles, all valid against the schema and the
semantic checks, so a benchmark measures the happy path that CI runs on every commit. Two mixes:

  dense  60 entity mentions, up to 8 stances with one evidence span and up to 12 claims per
         document whatever its length (the mix the validator and sync benchmarks were first run on;
         at 3 KB of text it is entity-heavy: one mention per 50 characters, 2/3 of the annotation)
  real   the shipped corpus's gold sets per 1,000 characters of text (`real_mix`): mentions,
         claims, stances and evidence spans per stance (claimants stay the author; the real sets
         also credit claims to named and unnamed actors)

Usage: python benchmarks/synth.py OUT_DIR N [--text-bytes 10000] [--mix dense|real]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cartel_fto_corpus.truth.schema import label_set, schema_version  # noqa: E402
from cartel_fto_corpus.truth.spans import span_problem  # noqa: E402
from cartel_fto_corpus.truth.texts import dumps  # noqa: E402

N_ENTITIES, N_TARGETS, N_CLUSTERS = 50, 4, 20
CLUSTER_KINDS = ("factual", "non_factual")
WORD = re.compile(r"[A-Za-z]{4,}")


def sentences() -> list[str]:
    out = []
    for p in sorted((REPO / "texts").glob("*.txt")):
        for line in p.read_text(encoding="utf-8").split("\n"):
            out += [s.strip() for s in re.split(r"(?<=\.) ", line) if len(s.strip()) > 40]
    return sorted(set(out))


def registry() -> dict:
    labels = label_set("entity_label")
    entities = []
    for i in range(N_ENTITIES):
        label = labels[i % len(labels)]
        entities.append(
            {
                "id": f"ent_{i}",
                "name": f"Entity {i}",
                "type": label,
                "org_type": "criminal" if label == "ORG" else None,
                "qid": None,
                "qid_source": None,
            }
        )
    return {
        "schema_version": schema_version(),
        "entities": entities,
        "targets": [{"id": f"target_{i}", "name": f"Target {i}", "description": "Synthetic target."} for i in range(N_TARGETS)],
        # even clusters factual, odd ones non_factual: a claim joins one of its own kind (GUIDELINES 4.6)
        "clusters": [
            {"id": f"cluster_{i}", "kind": CLUSTER_KINDS[i % 2], "summary": "Synthetic claim.", "discrepancies": None}
            for i in range(N_CLUSTERS)
        ],
    }


@dataclass(frozen=True)
class Mix:
    """Annotation density of a synthetic document: per document (dense) or per 1,000 characters (real)."""

    name: str
    entities: float = 60
    stances: float = 8
    claims: float = 12
    evidence_per_stance: float = 1.0
    per_kchar: bool = False

    def count(self, what: str, chars: int) -> int:
        value = getattr(self, what)
        return max(1, round(value * chars / 1000)) if self.per_kchar else int(value)


DENSE = Mix("dense")


def real_mix() -> Mix:
    """Densities of the shipped corpus's gold sets, measured now from annotations/ and texts/."""
    chars = entities = stances = claims = evidence = 0
    for f in sorted((REPO / "annotations").glob("[0-9]*.json")):
        doc = json.loads(f.read_text(encoding="utf-8"))
        gold = [s for s in doc["annotations"] if s["status"] == "gold"]
        if not gold:
            continue
        chars += len((REPO / "texts" / f"{doc['doc_id']}.txt").read_text(encoding="utf-8"))
        entities += len(gold[0]["entities"])
        stances += len(gold[0]["stances"])
        claims += len(gold[0]["claims"])
        evidence += sum(len(st["evidence"]) for st in gold[0]["stances"])
    k = chars / 1000
    return Mix("real", entities / k, stances / k, claims / k, evidence / max(stances, 1), per_kchar=True)


def document(rng: random.Random, pool: list[str], text_bytes: int, doc_id: str, mix: Mix = DENSE) -> tuple[str, dict]:
    paras, size = [], 0
    while size < text_bytes:
        para = " ".join(rng.sample(pool, 3))
        paras.append(para)
        size += len(para) + 1
    text = "\n".join(paras)
    starts = [0]
    for p in paras[:-1]:
        starts.append(starts[-1] + len(p) + 1)
    labels_by_entity = registry_types
    words = [m for m in WORD.finditer(text) if span_problem(text, m.start(), m.end()) is None]  # GUIDELINES 1
    picked = sorted(rng.sample(range(len(words)), min(mix.count("entities", len(text)), len(words))))
    entities = []
    for k, wi in enumerate(picked):
        m = words[wi]
        ent = f"ent_{rng.randrange(N_ENTITIES)}"
        entities.append(
            {"id": f"e{k + 1}", "start": m.start(), "end": m.end(), "text": m.group(), "label": labels_by_entity[ent], "entity": ent}
        )

    def fitted(start: int, end: int) -> dict | None:
        """The span trimmed to the boundary rules (GUIDELINES 1: no edge punctuation, quotes or
        bullets), the full stop of an abbreviation kept; None if no such span is left."""
        while start < end and not text[start].isalnum():
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        for e in (end, end + 1):  # "the U.S" -> "the U.S."
            if start < e <= len(text) and span_problem(text, start, e) is None:
                return {"start": start, "end": e, "text": text[start:e]}
        return None

    def sentence_span() -> dict:
        while True:
            pi = rng.randrange(len(paras))
            if not mix.per_kchar:  # the dense corpus: a paragraph's first sentence
                s = paras[pi].split(". ")[0].rstrip(".")
                span = fitted(starts[pi], starts[pi] + len(s))
            else:
                at = starts[pi]  # the real mix: any sentence (a real article has claims all through a paragraph)
                sents = paras[pi].split(". ")
                si = rng.randrange(len(sents))
                at += sum(len(x) + 2 for x in sents[:si])
                s = sents[si].rstrip(".")
                span = fitted(at, at + len(s))
            if span is not None:
                return span

    holders: list[dict] = [{"kind": "author"}]
    for m in entities:  # distinct holders: one stance per holder and target
        if len(holders) < 8 and all(h.get("entity") != m["entity"] for h in holders):
            holders.append({"kind": "entity", "entity": m["entity"], "mention": m["id"]})
    # stance k: holder k mod |holders|, each round of holders on the next target (pairs stay distinct);
    # the dense mix gives each holder one stance
    n_stances = min(mix.count("stances", len(text)), len(holders) * (N_TARGETS if mix.per_kchar else 1))
    stances = []
    for k in range(n_stances):
        h = k % len(holders)
        label = rng.choice(label_set("stance_label"))  # drawn before the evidence, as the dense corpus always was
        evidence = [sentence_span()]
        while mix.per_kchar and rng.random() < 1 - 1 / mix.evidence_per_stance and len(evidence) < 4:
            span = sentence_span()  # geometric count of spans, mean evidence_per_stance
            if all(span["start"] != e["start"] for e in evidence):
                evidence.append(span)
        stances.append(
            {
                "id": f"s{k + 1}",
                "holder": holders[h],
                "target": f"target_{(h + k // len(holders)) % N_TARGETS}",
                "label": label,
                "attribution": "authorial" if h == 0 else "reported",
                "evidence": sorted(evidence, key=lambda e: e["start"]),
            }
        )
    claims, used = [], set()
    wanted = mix.count("claims", len(text))
    for k in range(4 * wanted if mix.per_kchar else wanted):  # the real mix retries a sentence already taken
        if len(claims) == wanted:
            break
        span = sentence_span()
        if (span["start"], span["end"]) in used:
            continue
        used.add((span["start"], span["end"]))
        claim_type = rng.choice(label_set("claim_type"))
        worthiness = "non_factual" if claim_type == "opinion" else rng.choice(label_set("checkworthiness"))
        kind = 1 if worthiness == "non_factual" else 0
        claims.append(
            {
                "id": f"c{k + 1}",
                **span,
                "claimant": {"kind": "author"},
                "attribution": "authorial",
                "type": claim_type,
                "checkworthiness": worthiness,
                "hedged": rng.random() < 0.2,
                "clusters": [f"cluster_{2 * rng.randrange(N_CLUSTERS // 2) + kind}"],
            }
        )
    ann = {
        "schema_version": schema_version(),
        "doc_id": doc_id,
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "annotations": [
            {
                "annotator": "synthetic",
                "guideline_version": "1.0",
                "created": "2025-01-01T00:00:00Z",
                "updated": "2025-01-01T00:00:00Z",
                "status": "gold",
                "entities": entities,
                "stances": stances,
                "claims": claims,
            }
        ],
    }
    return text, ann


registry_types: dict[str, str] = {}


def make_corpus(out: Path, n: int, text_bytes: int = 10_000, seed: int = 0, mix: Mix = DENSE) -> Path:
    """Write a synthetic corpus root (texts/, annotations/) with n documents; returns out."""
    reg = registry()
    registry_types.update({e["id"]: e["type"] for e in reg["entities"]})
    (out / "texts").mkdir(parents=True, exist_ok=True)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    (out / "annotations" / "registry.json").write_text(dumps(reg), encoding="utf-8")
    rng = random.Random(seed)
    pool = sentences()
    for i in range(n):
        doc_id = f"{i % 1000:03d}_{i:016x}"
        text, ann = document(rng, pool, text_bytes, doc_id, mix)
        (out / "texts" / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
        (out / "annotations" / f"{doc_id}.json").write_text(json.dumps(ann, ensure_ascii=False), encoding="utf-8")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--text-bytes", type=int, default=10_000)
    ap.add_argument("--mix", choices=("dense", "real"), default="dense")
    args = ap.parse_args()
    make_corpus(args.out, args.n, args.text_bytes, mix=real_mix() if args.mix == "real" else DENSE)
    print(f"{args.n} documents in {args.out}")


if __name__ == "__main__":
    main()
