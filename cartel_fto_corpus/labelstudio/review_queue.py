"""The review queue in Label Studio (pure): the gold items `cartel-fto review` ranks most likely wrong,
as tasks of a project of their own, and the reviewer's work read back as a set of its own.

Ownership (`ownership.py`): the queue is a *prediction* (model version `review:<model>`), which
belongs to nobody: it is never pulled as a set and never gold. Its regions are the document's gold
set, so a reviewer corrects gold in place and submits a complete set; the suspect regions carry the
reason in their region `meta.text` (the editor shows it under the selected region), and the task's
`data.review` lists every reason of the document (a column of the task list). The project is
separate from the annotators' (`review_title`), so its tasks, sync state and settings never mix
with theirs. A submission comes back through `ls pull --review` as the set of annotator
`review-<user>`, status draft, whose `note` holds the reasons it was asked to check; `cartel-fto
adjudicate` compares it with gold like any annotator's set.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cartel_fto_corpus.labelstudio import convert

REVIEW_SUFFIX = " review"
MODEL_VERSION_PREFIX = "review:"
REVIEWER_PREFIX = "review-"
#: label layers whose item is a gold region the reviewer can see and correct
MARKABLE = ("entities.label", "stances.label", "claims.type", "claims.checkworthiness", "entities.presence", "claims.presence")


def review_title(title: str) -> str:
    """The review project's title: the annotators' project's, marked (Label Studio allows 50 characters)."""
    return (title[: 50 - len(REVIEW_SUFFIX)] + REVIEW_SUFFIX) if not title.endswith(REVIEW_SUFFIX) else title


def reviewer(name: str) -> str:
    """The annotator id of a reviewer's set: `review-<user>`, so it never overwrites the user's own set."""
    return name if name.startswith(REVIEWER_PREFIX) else REVIEWER_PREFIX + name


def select(layers: dict[str, list[dict[str, Any]]], top: int) -> dict[str, list[dict[str, Any]]]:
    """doc_id -> its suspects among the `top` of each markable layer (gold holds the item)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for layer, items in layers.items():
        if layer not in MARKABLE:
            continue
        for s in [s for s in items if s.get("item")][:top]:
            out.setdefault(s["doc_id"], []).append(s)
    return dict(sorted(out.items()))


def line(s: dict[str, Any]) -> str:
    return f"{s['layer']} {s['unit']} (score {s['score']:.2f}): {s['reason']}"


def note(suspects: list[dict[str, Any]], model: str) -> str:
    """The reviewer's set note: what it was asked to check, and why (the review's reasons)."""
    return f"Review of gold in Label Studio (cartel-fto review, model {model}); items to check: " + " | ".join(line(s) for s in suspects)


def _owner(region: dict[str, Any]) -> str:
    """The item id a region shows: its own id, or the stance of an evidence region."""
    meta = region.get("meta") or {}
    if isinstance(meta.get("stance"), str):
        return meta["stance"]
    ev = convert._evidence_id(str(region.get("id")))
    return ev[0] if ev else str(region.get("id"))


def marked_regions(gold: dict[str, Any], suspects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gold set's regions, each suspect region carrying its reasons in `meta.text`."""
    why: dict[str, list[str]] = {}
    for s in suspects:
        why.setdefault(s["item"], []).append("REVIEW " + line(s))
    out = []
    for r in convert.set_to_regions(gold):
        reasons = why.get(_owner(r)) if r.get("type") == "labels" else None
        # one text: the editor joins list items without a break
        out.append({**r, "meta": {**r.get("meta", {}), "text": ["\n\n".join(reasons)]}} if reasons else r)
    return out


def task_items(
    docs: dict[str, dict[str, Any]],
    texts: dict[str, str],
    titles: dict[str, str],
    shas: dict[str, str],
    chosen: dict[str, list[dict[str, Any]]],
    model: str,
) -> Iterator[dict[str, Any]]:
    """One import item per document with suspects: text, reasons, gold as the marked prediction."""
    from cartel_fto_corpus.truth.sets import reference_set

    for doc_id, suspects in chosen.items():
        gold = reference_set(docs[doc_id])
        if gold is None:
            continue
        yield {
            "data": {"text": texts[doc_id], "doc_id": doc_id, "title": titles[doc_id], "review": "\n".join(line(s) for s in suspects)},
            "meta": {
                "doc_id": doc_id,
                "text_sha256": shas[doc_id],
                "review": {
                    "items": [s["id"] for s in suspects],
                    "note": note(suspects, model),
                    "guideline_version": gold["guideline_version"],
                },
            },
            "predictions": [{"result": marked_regions(gold, suspects), "model_version": MODEL_VERSION_PREFIX + model}],
        }


def with_reviewer_provenance(tasks: Iterable[dict[str, Any]], names: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Tasks of the review project as pull reads them: each reviewer's set gets the task's review note
    and status draft (the provenance pull takes from `meta.sets`)."""
    names = list(names)
    for task in tasks:
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        rev = meta.get("review") if isinstance(meta.get("review"), dict) else None
        if rev is not None:
            prov = {"status": "draft", "note": str(rev.get("note", ""))}
            if isinstance(rev.get("guideline_version"), str):
                prov["guideline_version"] = rev["guideline_version"]
            task = {**task, "meta": {**meta, "sets": {n: prov for n in names}}}
        yield task


def reviewers(users: dict[int, Any]) -> dict[int, Any]:
    """Label Studio users as pull names them in the review project: `review-<annotator id>`."""
    from types import SimpleNamespace

    out: dict[int, Any] = {}
    for uid, u in users.items():
        try:
            name = convert.annotator_name(getattr(u, "username", None), getattr(u, "email", None))
        except convert.ConvertError:
            continue
        out[uid] = SimpleNamespace(username=reviewer(name), email=None)
    return out
