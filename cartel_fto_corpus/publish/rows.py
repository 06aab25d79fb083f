"""Row builders: one document (manifest entry, text, annotation set, registry) -> the rows of every config.

Pure functions, no I/O: the build streams documents through them and the writer turns the rows into
Parquet. A new config is a new row builder here plus its Features in `features.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cartel_fto_corpus.publish.tokenize import MisalignedMention, bio_tags, tokenize
from cartel_fto_corpus.truth.offsets import lines_with_offsets
from cartel_fto_corpus.truth.sets import reference_set


class BuildError(ValueError):
    """Data the build cannot turn into rows; `str()` is one line `file:pointer: message`."""

    def __init__(self, file: str, pointer: str, message: str) -> None:
        super().__init__(f"{file}:{pointer}: {message}")


@dataclass(frozen=True)
class Registry:
    """The corpus registry as lookups by id."""

    entities: dict[str, dict[str, Any]]
    targets: dict[str, dict[str, Any]]
    clusters: dict[str, dict[str, Any]]
    cluster_order: tuple[str, ...]

    @classmethod
    def from_json(cls, reg: dict[str, Any]) -> Registry:
        return cls(
            {e["id"]: e for e in reg["entities"]},
            {t["id"]: t for t in reg["targets"]},
            {c["id"]: c for c in reg["clusters"]},
            tuple(c["id"] for c in reg["clusters"]),
        )


def provenance(aset: dict[str, Any]) -> dict[str, Any]:
    return {"annotator": aset["annotator"], "status": aset["status"], "guideline_version": aset["guideline_version"]}


def article_row(entry: dict[str, Any], text: str) -> dict[str, Any]:
    """The `articles` row of a document: its manifest entry (computed facts) and its text."""
    return {
        "id": entry["id"],
        "title": entry["title"],
        "text": text,
        "sha256": entry["sha256"],
        "source_file": entry["source_file"],
        "n_bytes": entry["n_bytes"],
        "n_chars": entry["n_chars"],
        "n_utf16": entry["n_utf16"],
        "n_lines": entry["n_lines"],
        "title_start": entry["title_start"],
        "title_end": entry["title_end"],
        "quality_flags": list(entry["quality_flags"]),
        "repeated_passages": [{"start": r["start"], "end": r["end"], "first_start": r["first_start"]} for r in entry["repeated_passages"]],
        "overlaps": [
            {"doc_id": o["doc_id"], "shared_ngrams": o["shared_ngrams"], "containment": float(o["containment"])} for o in entry["overlaps"]
        ],
    }


def entities_row(doc_id: str, text: str, aset: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """One row per document: every mention with its canonical entity, name and QID."""
    mentions = []
    for m in aset["entities"]:
        ent = registry.entities[m["entity"]]
        mentions.append(
            {
                "id": m["id"],
                "start": m["start"],
                "end": m["end"],
                "text": m["text"],
                "label": m["label"],
                "entity": m["entity"],
                "entity_name": ent["name"],
                "org_type": ent["org_type"],
                "qid": ent["qid"],
                "qid_status": (ent.get("qid_source") or {}).get("status"),
            }
        )
    return {"id": doc_id, "doc_id": doc_id, "text": text, **provenance(aset), "entities": mentions}


def ner_rows(doc_id: str, text: str, aset: dict[str, Any], file: str = "", set_index: int = 0) -> Iterator[dict[str, Any]]:
    """One token-classification row per non-empty line (the corpus's paragraph), offsets into the
    document. Raises BuildError if a mention edge falls inside a token."""
    mentions = sorted(aset["entities"], key=lambda m: m["start"])
    index = {id(m): j for j, m in enumerate(aset["entities"])}
    k = 0
    for number, (start, end, _line) in enumerate(lines_with_offsets(text), start=1):
        tokens = tokenize(text, start, end)
        if not tokens:
            continue
        while k < len(mentions) and mentions[k]["end"] <= start:
            k += 1
        here = []
        j = k
        while j < len(mentions) and mentions[j]["start"] < end:
            here.append(mentions[j])
            j += 1
        try:
            tags = bio_tags(tokens, here)
        except MisalignedMention as exc:
            bad = next((m for m in here if f"mention {m['id']} " in str(exc)), here[0])
            raise BuildError(file or doc_id, f"/annotations/{set_index}/entities/{index[id(bad)]}", str(exc)) from None
        yield {
            "id": f"{doc_id}/L{number}",
            "doc_id": doc_id,
            "paragraph": number,
            "tokens": [t.text for t in tokens],
            "ner_tags": tags,
            "token_starts": [t.start for t in tokens],
            "token_ends": [t.end for t in tokens],
        }


def actor_columns(prefix: str, actor: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """Flat, nullable columns of a holder or claimant."""
    ent = registry.entities.get(actor.get("entity", ""), {})
    span = actor.get("span") or {}
    return {
        f"{prefix}_kind": actor["kind"],
        f"{prefix}_entity": actor.get("entity"),
        f"{prefix}_name": ent.get("name"),
        f"{prefix}_qid": ent.get("qid"),
        f"{prefix}_mention": actor.get("mention"),
        f"{prefix}_description": actor.get("description"),
        f"{prefix}_start": span.get("start"),
        f"{prefix}_end": span.get("end"),
        f"{prefix}_text": span.get("text"),
    }


def stance_rows(doc_id: str, text: str, aset: dict[str, Any], registry: Registry) -> Iterator[dict[str, Any]]:
    for st in aset["stances"]:
        target = registry.targets[st["target"]]
        yield {
            "id": f"{doc_id}/{st['id']}",
            "doc_id": doc_id,
            "stance_id": st["id"],
            "text": text,
            **provenance(aset),
            **actor_columns("holder", st["holder"], registry),
            "target": st["target"],
            "target_name": target["name"],
            "target_description": target["description"],
            "label": st["label"],
            "attribution": st["attribution"],
            "evidence": [{"start": e["start"], "end": e["end"], "text": e["text"]} for e in st["evidence"]],
            "note": st.get("note"),
        }


def claim_rows(doc_id: str, text: str, aset: dict[str, Any], registry: Registry) -> Iterator[dict[str, Any]]:
    for cl in aset["claims"]:
        yield {
            "id": f"{doc_id}/{cl['id']}",
            "doc_id": doc_id,
            "claim_id": cl["id"],
            "text": text,
            **provenance(aset),
            "start": cl["start"],
            "end": cl["end"],
            "claim": cl["text"],
            "multi_paragraph": bool(cl.get("multi_paragraph", False)),
            **actor_columns("claimant", cl["claimant"], registry),
            "attribution": cl["attribution"],
            "type": cl["type"],
            "checkworthiness": cl["checkworthiness"],
            "hedged": cl["hedged"],
            "clusters": list(cl["clusters"]),
        }


def cluster_rows(registry: Registry, members: dict[str, list[tuple[str, str]]]) -> Iterator[dict[str, Any]]:
    """The cluster registry, each cluster with the claim rows (id, doc id) that belong to it."""
    for cid in registry.cluster_order:
        c = registry.clusters[cid]
        got = members.get(cid, [])
        yield {
            "id": cid,
            "kind": c["kind"],
            "summary": c["summary"],
            "discrepancies": c["discrepancies"],
            "claim_ids": [claim for claim, _doc in got],
            "doc_ids": sorted({doc for _claim, doc in got}),
        }


@dataclass(frozen=True)
class Document:
    entry: dict[str, Any]
    text: str
    annotation: dict[str, Any] | None
    file: str


def document_rows(doc: Document, registry: Registry, members: dict[str, list[tuple[str, str]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(config, row) for every row one document contributes; records claim-cluster membership."""
    doc_id = doc.entry["id"]
    yield "articles", article_row(doc.entry, doc.text)
    aset = reference_set(doc.annotation) if doc.annotation else None
    if aset is None:
        return
    set_index = doc.annotation["annotations"].index(aset)
    yield "entities", entities_row(doc_id, doc.text, aset, registry)
    for row in ner_rows(doc_id, doc.text, aset, doc.file, set_index):
        yield "ner", row
    for row in stance_rows(doc_id, doc.text, aset, registry):
        yield "stance", row
    for row in claim_rows(doc_id, doc.text, aset, registry):
        for cid in row["clusters"]:
            members.setdefault(cid, []).append((row["id"], doc_id))
        yield "claims", row
