"""The scored units of each task, from an annotation set (gold, an annotator's, or a system's in the
corpus's own schema). The gold units are the same function applied to the gold set, so gold scores 1.0
by construction and an annotator is scored exactly like a system.

Per task, one document's units are:
- `ner`: a set of (start, end, label);
- `linking`: {mention row id: (entity id or None, QID or None)} over the gold mentions;
- `stance`: {stance_classification row id: label} over the gold (holder, target) units;
- `claims`: a list of (start, end, claimant key);
- `checkworthiness`: {sentence row id: (score, predicted check-worthy)} over sentences not `repeated`;
- `clusters`: {claim row id: frozenset of cluster labels} over the gold claims without copies.
"""

from __future__ import annotations

from typing import Any

from cartel_fto_corpus.evaluation.corpus import GoldCorpus, GoldDocument
from cartel_fto_corpus.publish.rows import claim_clusters, holder_key, sentence_rows

ClaimantKey = tuple[str, str]


def claimant_key(actor: dict[str, Any] | None) -> ClaimantKey | None:
    return holder_key(actor) if actor and actor.get("kind") else None


def gold_stance_ids(doc: GoldDocument) -> dict[tuple[tuple[str, str], str], str]:
    """(holder key, target) -> the `stance_classification` row id (its first stance), as the build names it."""
    out: dict[tuple[tuple[str, str], str], str] = {}
    for st in doc.gold["stances"]:
        out.setdefault((holder_key(st["holder"]), st["target"]), f"{doc.doc_id}/{st['id']}")
    return out


def gold_claim_ids(doc: GoldDocument) -> dict[str, tuple[int, int]]:
    """Claim row id -> span of the gold claims the clusters task scores (copies left out)."""
    return {r["id"]: (r["start"], r["end"]) for r in doc.rows.get("claims", []) if r["copy_of"] is None}


def scored_sentences(doc: GoldDocument) -> list[dict[str, Any]]:
    return [r for r in doc.rows.get("sentences", []) if not r["repeated"]]


def _align_claims(gold: dict[str, tuple[int, int]], claims: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each gold claim's counterpart in another set: the same span, else the claim overlapping it most."""
    by_span = {(c["start"], c["end"]): c for c in claims}
    out = {}
    for gid, (s, e) in gold.items():
        c = by_span.get((s, e))
        if c is None:
            best = max(claims, key=lambda c: min(e, c["end"]) - max(s, c["start"]), default=None)
            if best is not None and min(e, best["end"]) > max(s, best["start"]):
                c = best
        if c is not None:
            out[gid] = c
    return out


def units_from_set(task: str, doc: GoldDocument, aset: dict[str, Any], corpus: GoldCorpus) -> Any:
    """The units of `task` in one document as annotation set `aset` marks them."""
    if task == "ner":
        return {(m["start"], m["end"], m["label"]) for m in aset.get("entities", [])}
    if task == "linking":
        by_span = {(m["start"], m["end"]): m["entity"] for m in aset.get("entities", [])}
        out = {}
        for r in doc.rows.get("mentions", []):
            ent = by_span.get((r["start"], r["end"]))
            out[r["id"]] = (ent, corpus.registry.entities.get(ent or "", {}).get("qid"))
        return out
    if task == "stance":
        ids = gold_stance_ids(doc)
        out = {}
        for st in aset.get("stances", []):
            rid = ids.get((holder_key(st["holder"]), st["target"]))
            if rid is not None:
                out.setdefault(rid, st["label"])
        return out
    if task == "claims":
        return [(c["start"], c["end"], claimant_key(c.get("claimant"))) for c in aset.get("claims", [])]
    if task == "checkworthiness":
        rows = {r["id"]: r for r in sentence_rows(doc.doc_id, doc.text, aset, doc.entry.get("repeated_passages"))}
        return {r["id"]: (1.0 if rows[r["id"]]["check_worthy"] else 0.0, rows[r["id"]]["check_worthy"]) for r in scored_sentences(doc)}
    if task == "clusters":
        aligned = _align_claims(gold_claim_ids(doc), aset.get("claims", []))
        return {gid: frozenset(claim_clusters(c)) for gid, c in aligned.items()}
    raise KeyError(task)


def gold_units(task: str, doc: GoldDocument, corpus: GoldCorpus) -> Any:
    return units_from_set(task, doc, doc.gold, corpus)
