"""Row builders: one document (manifest entry, text, annotation set, registry) -> the rows of every config.

Pure functions, no I/O: the build streams documents through them and the writer turns the rows into
Parquet. A new config is a new row builder here plus its Features in `features.py`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cartel_fto_corpus.publish.features import SEMEVAL_OF, base_features
from cartel_fto_corpus.publish.sentences import sentence_spans
from cartel_fto_corpus.publish.tokenize import MisalignedMention, bio_tags, tokenize
from cartel_fto_corpus.truth.layers import layer
from cartel_fto_corpus.truth.offsets import lines_with_offsets
from cartel_fto_corpus.truth.sets import claim_clusters, reference_set
from cartel_fto_corpus.truth.spans import set_spans, span_problem


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


def labels_of(name: str, item: dict[str, Any]) -> dict[str, Any]:
    """An item's label columns as its layer declares them (`features.layer_labels`): `/type` -> `type`."""
    return {pointer.lstrip("/"): item[pointer.lstrip("/")] for pointer, _label_set in layer(name).labels}


def article_row(entry: dict[str, Any], text: str) -> dict[str, Any]:
    """The `articles` row of a document: its text and the manifest entry's computed facts, the columns
    of the config's Features (the entry's url, outlet and date, unknown for every text, are not)."""
    row = {column: entry.get(column) for column in base_features("articles")}
    overlaps = [{**o, "containment": float(o["containment"])} for o in entry["overlaps"]]
    return {**row, "text": text, "overlaps": overlaps}


def mention_fields(m: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """A mention's span, label and canonical entity (name, org type, QID): shared by `entities` and `mentions`."""
    ent = registry.entities[m["entity"]]
    return {
        "start": m["start"],
        "end": m["end"],
        "text": m["text"],
        **labels_of("entities", m),
        "entity": m["entity"],
        "entity_name": ent["name"],
        "org_type": ent["org_type"],
        "qid": ent["qid"],
    }


def entities_row(doc_id: str, text: str, aset: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """One row per document: every mention with its canonical entity, name and QID."""
    mentions = [
        {
            "id": m["id"],
            **mention_fields(m, registry),
            "qid_status": (registry.entities[m["entity"]].get("qid_source") or {}).get("status"),
        }
        for m in aset["entities"]
    ]
    return {"id": doc_id, "doc_id": doc_id, "text": text, **provenance(aset), "entities": mentions}


def mention_rows(doc_id: str, aset: dict[str, Any], registry: Registry) -> Iterator[dict[str, Any]]:
    """One row per entity mention (the `mentions` config): the flat view of `entities`."""
    for m in aset["entities"]:
        yield {"id": f"{doc_id}/{m['id']}", "doc_id": doc_id, "mention_id": m["id"], **mention_fields(m, registry), **provenance(aset)}


def ner_rows(doc_id: str, text: str, aset: dict[str, Any], file: str = "", set_index: int = 0) -> Iterator[dict[str, Any]]:
    """One token-classification row per non-empty line (the corpus's paragraph), offsets into the
    document. Raises BuildError if a mention edge falls inside a token."""
    mentions = sorted(aset["entities"], key=lambda m: m["start"])
    starts = [m["start"] for m in mentions]
    index = {id(m): j for j, m in enumerate(aset["entities"])}
    k = 0
    for number, (start, end, _line) in enumerate(lines_with_offsets(text), start=1):
        tokens = tokenize(text, start, end)
        if not tokens:
            continue
        while k < len(mentions) and mentions[k]["end"] <= start:
            k += 1
        here = mentions[k : bisect_left(starts, end, lo=k)]  # the mentions starting before the line ends
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


def check_spans(file: str, text: str, aset: dict[str, Any], set_index: int = 0) -> None:
    """Raise BuildError for the first span that breaks a boundary rule: the validator's own
    function (`truth.spans.span_problem`), pointer and message, so a span the build refuses is one
    `validate` has refused the same way (a build with `validate_first=False` still never publishes it)."""
    for ptr, span in set_spans(aset):
        found = span_problem(text, span["start"], span["end"], span.get("multi_paragraph", False))
        if found is not None:
            raise BuildError(file, f"/annotations/{set_index}{ptr}", found[1])


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
            **labels_of("stances", st),
            "evidence": [{"start": e["start"], "end": e["end"], "text": e["text"]} for e in st["evidence"]],
            "note": st.get("note"),
        }


def holder_key(holder: dict[str, Any]) -> tuple[str, str]:
    """Who holds a stance, as a key: the author, a registry entity, or an unnamed description."""
    return holder["kind"], holder.get("entity") or holder.get("description") or ""


def holder_display(holder: dict[str, Any], registry: Registry) -> str:
    if holder["kind"] == "author":
        return "The author"
    if holder["kind"] == "entity":
        return registry.entities.get(holder["entity"], {}).get("name", holder["entity"])
    return holder.get("description") or "Someone"


def stance_classification_rows(
    doc_id: str, aset: dict[str, Any], registry: Registry, file: str = "", set_index: int = 0
) -> Iterator[dict[str, Any]]:
    """One row per (holder, target) of a document, SemEval-2016 style: the input `text` is the holder's
    name and its evidence passages (each distinct passage once, in text order), not the article.

    Stances of one holder toward one target are merged into one row; if they disagree on the label the
    build stops (BuildError), so two rows with the same input never carry different labels."""
    groups: dict[tuple[tuple[str, str], str], list[tuple[int, dict[str, Any]]]] = {}
    for i, st in enumerate(aset["stances"]):
        groups.setdefault((holder_key(st["holder"]), st["target"]), []).append((i, st))
    for (_holder, target_id), members in groups.items():
        first = members[0][1]
        labels = {st["label"] for _i, st in members}
        if len(labels) > 1:
            i, st = next((i, st) for i, st in members if st["label"] != first["label"])
            raise BuildError(
                file or doc_id,
                f"/annotations/{set_index}/stances/{i}/label",
                f"expected one stance label per holder and target, found {first['label']!r} ({first['id']}) and {st['label']!r} ({st['id']})",
            )
        evidence = sorted({(e["start"], e["end"], e["text"]) for _i, st in members for e in st["evidence"]})
        passages = dict.fromkeys(t for _s, _e, t in evidence)  # each distinct passage once, in text order
        holder = holder_display(first["holder"], registry)
        ent = registry.entities.get(first["holder"].get("entity", ""), {})
        yield {
            "id": f"{doc_id}/{first['id']}",
            "doc_id": doc_id,
            "stance_ids": [st["id"] for _i, st in members],
            "text": f"{holder}: " + " … ".join(passages),
            "holder": holder,
            "holder_kind": first["holder"]["kind"],
            "holder_entity": first["holder"].get("entity"),
            "holder_qid": ent.get("qid"),
            "target": target_id,
            "target_name": registry.targets[target_id]["name"],
            **labels_of("stances", first),
            "semeval_label": SEMEVAL_OF[first["label"]],
            "evidence": [{"start": a, "end": b, "text": t} for a, b, t in evidence],
            **provenance(aset),
        }


def copies(claims: list[dict[str, Any]], repeats: list[dict[str, Any]]) -> dict[str, str]:
    """{claim id: id of the claim it copies} for claims lying wholly inside a repeated passage (manifest
    `repeated_passages`: text[start:end] repeats the text at first_start) whose first occurrence is
    annotated as a claim with the same span text; chains resolve to the first occurrence."""
    by_span = {(c["start"], c["end"]): c for c in claims}
    out: dict[str, str] = {}
    for c in claims:
        cur = c
        for _ in range(len(repeats) + 1):
            rep = next((r for r in repeats if r["start"] <= cur["start"] and cur["end"] <= r["end"]), None)
            if rep is None:
                break
            delta = rep["start"] - rep["first_start"]
            orig = by_span.get((cur["start"] - delta, cur["end"] - delta))
            if orig is None or orig["text"] != cur["text"]:
                break
            cur = orig
        if cur is not c:
            out[c["id"]] = cur["id"]
    return out


def claim_rows(
    doc_id: str, text: str, aset: dict[str, Any], registry: Registry, repeats: list[dict[str, Any]] | None = None
) -> Iterator[dict[str, Any]]:
    copied = copies(aset["claims"], repeats or [])
    for cl in aset["claims"]:
        clusters = claim_clusters(cl)
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
            **labels_of("claims", cl),
            "hedged": cl["hedged"],
            "clusters": clusters,
            "copy_of": f"{doc_id}/{copied[cl['id']]}" if cl["id"] in copied else None,
        }


#: The check-worthiness class that makes a sentence check-worthy (ClaimBuster's CFS).
CHECK_WORTHY = "check_worthy"


def sentence_rows(
    doc_id: str, text: str, aset: dict[str, Any] | None, repeats: list[dict[str, Any]] | None = None
) -> Iterator[dict[str, Any]]:
    """One row per sentence: `check_worthy` when the sentence shares a character with a claim whose
    check-worthiness is `check_worthy` (CheckThat!'s sentence label, derived from the claims),
    `claim_ids` the claims it overlaps, `repeated` when it lies wholly inside a repeated copy of an
    earlier passage (manifest `repeated_passages`), so copies can be dropped before ranking."""
    claims = aset["claims"] if aset else []
    paragraph_of = {}
    for number, (start, end, _line) in enumerate(lines_with_offsets(text), start=1):
        paragraph_of[start] = (number, end)
    starts = sorted(paragraph_of)
    for i, (start, end) in enumerate(sentence_spans(text), start=1):
        line_start = max(s for s in starts if s <= start)
        hits = [c for c in claims if c["start"] < end and start < c["end"]]
        yield {
            "id": f"{doc_id}/S{i}",
            "doc_id": doc_id,
            "sentence": i,
            "paragraph": paragraph_of[line_start][0],
            "start": start,
            "end": end,
            "text": text[start:end],
            "check_worthy": any(c["checkworthiness"] == CHECK_WORTHY for c in hits),
            "claim_ids": [f"{doc_id}/{c['id']}" for c in hits],
            "repeated": any(r["start"] <= start and end <= r["end"] for r in repeats or []),
        }


#: cluster id -> (claim row id, doc id, id of the claim row it copies or None) of its members
Members = dict[str, list[tuple[str, str, str | None]]]


def cluster_rows(registry: Registry, members: Members) -> Iterator[dict[str, Any]]:
    """The cluster registry, each cluster with the claim rows that belong to it; `distinct_claim_ids`
    leaves out copies (claims in a repeated passage), so its length is the cluster's real size."""
    for cid in registry.cluster_order:
        c = registry.clusters[cid]
        got = members.get(cid, [])
        yield {
            "id": cid,
            "kind": c["kind"],
            "summary": c["summary"],
            "discrepancies": c["discrepancies"],
            "claim_ids": [claim for claim, _doc, _copy in got],
            "distinct_claim_ids": [claim for claim, _doc, copy in got if copy is None],
            "doc_ids": sorted({doc for _claim, doc, _copy in got}),
        }


@dataclass(frozen=True)
class Document:
    entry: dict[str, Any]
    text: str
    annotation: dict[str, Any] | None
    file: str


def document_rows(doc: Document, registry: Registry, members: Members) -> Iterator[tuple[str, dict[str, Any]]]:
    """(config, row) for every row one document contributes; records claim-cluster membership."""
    doc_id = doc.entry["id"]
    yield "articles", article_row(doc.entry, doc.text)
    aset = reference_set(doc.annotation) if doc.annotation else None
    if aset is None:
        return
    yield from (("sentences", row) for row in sentence_rows(doc_id, doc.text, aset, doc.entry.get("repeated_passages")))
    set_index = doc.annotation["annotations"].index(aset)
    check_spans(doc.file or doc_id, doc.text, aset, set_index)
    yield "entities", entities_row(doc_id, doc.text, aset, registry)
    yield from (("mentions", row) for row in mention_rows(doc_id, aset, registry))
    yield from (("ner", row) for row in ner_rows(doc_id, doc.text, aset, doc.file, set_index))
    yield from (("stance", row) for row in stance_rows(doc_id, doc.text, aset, registry))
    yield from (("stance_classification", row) for row in stance_classification_rows(doc_id, aset, registry, doc.file, set_index))
    for cl, row in zip(aset["claims"], claim_rows(doc_id, doc.text, aset, registry, doc.entry.get("repeated_passages")), strict=True):
        for cid in claim_clusters(cl):
            members.setdefault(cid, []).append((row["id"], doc_id, row["copy_of"]))
        yield "claims", row
