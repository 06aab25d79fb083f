"""What an annotator reads right after Submit: every problem of their own submission, at once (pure).

Issue 23 point 4: problems used to reach annotators only through the maintainer's pull, one per
round. `ls serve` now runs a small webhook receiver (`webhook.py`) that Label Studio calls on every
ANNOTATION_CREATED / ANNOTATION_UPDATED; it checks the submitted annotation here, with the very
conversion and checker pull uses, and writes the lines into the task's `problems` field, which the
labelling config shows at the top of the task (`config.PROBLEMS`).

The conversion stops at its first problem, so the regions are first scanned for what is most often
missing (a region without a label, a per-region widget left empty: `config.REQUIRED_WIDGETS`), and
all of those are listed together; otherwise the conversion's problem, or else every problem the
validator finds in the set (the same lines `cartel-fto validate` and `ls pull` would print).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio import convert, ownership
from cartel_fto_corpus.labelstudio.repo import Repo

_KIND = {C.ENTITY: "mention", C.CLAIM: "claim", C.EVIDENCE: "stance evidence", C.SOURCE: "unnamed source"}
_WHAT = {
    C.ENTITY_ID: "no registry entity picked",
    C.CHECKWORTHINESS: "no check-worthiness chosen",
    C.ATTRIBUTION: "no attribution chosen",
    C.EVIDENCE_ATTRIBUTION: "no attribution chosen",
    C.TARGET: "no stance target chosen",
    C.DESCRIPTION: "no description typed",
}


def missing_widgets(result: list[dict[str, Any]], text: str) -> list[str]:
    """One line per region without a label or with a required per-region widget left empty, in text order."""
    regions: dict[str, dict[str, Any]] = {}
    filled: dict[str, set[str]] = {}
    for item in result:
        if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
            continue
        rid = str(item.get("id"))
        if item.get("type") == "labels" and item.get("from_name") in _KIND:
            regions[rid] = item
        elif item.get("type") in ("choices", "textarea", "taxonomy") and any(
            isinstance(v, str) and v.strip() for v in convert.widget_values(item)
        ):
            filled.setdefault(rid, set()).add(item.get("from_name"))
    out = []
    for rid, item in sorted(regions.items(), key=lambda kv: (kv[1]["value"].get("start") or 0, kv[0])):
        v, control = item["value"], item["from_name"]
        where = f"{_KIND[control]} {ownership.quote(convert.shown_text(v, text))} ({v.get('start')}:{v.get('end')})"
        if len(v.get("labels") or []) != 1:
            out.append(f"{where}: {convert.NO_LABEL}")
            continue
        have = filled.get(rid, set())
        if C.ATTRIBUTION in have:  # evidence pushed before the stance layer had its own attribution control
            have = have | {C.EVIDENCE_ATTRIBUTION}
        out.extend(f"{where}: {_WHAT[w]}" for w in C.REQUIRED_WIDGETS[control] if w not in have)
    return out


def submission_problems(repo: Repo, task: dict[str, Any], annotation: dict[str, Any], annotator: str) -> list[str]:
    """Every problem of one submitted annotation, one line each, as its annotator should read them."""
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    doc_id = data.get("doc_id")
    if not isinstance(doc_id, str) or doc_id not in repo.texts:
        return [f"task {task.get('id')}: not a document of this corpus"]
    text = repo.text(doc_id)
    result = annotation.get("result") or []
    if not isinstance(result, list):
        return ["the annotation's result is not a list of regions"]
    lines = missing_widgets(result, text)
    if lines:
        return lines
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    prov = (meta.get("sets") or {}).get(annotator) if isinstance(meta.get("sets"), dict) else None
    now = datetime.now(UTC).isoformat()
    try:
        conv = convert.regions_to_set(
            result,
            text,
            annotator,
            prov if isinstance(prov, dict) else None,
            created_at=annotation.get("created_at") or now,
            updated_at=annotation.get("updated_at") or now,
            guideline_version=_guideline_version(repo, doc_id),
        )
    except convert.ConvertError as exc:
        return [str(exc)]
    registry, clashes = ownership.add_proposals(repo.registry, conv.proposals)
    doc = {"schema_version": meta.get("schema_version") or "1.1", "doc_id": doc_id, "text_sha256": repo.sha(doc_id)}
    doc["annotations"] = [{**conv.annotation_set, "status": "draft"}]
    saved = repo.registry
    try:
        repo.registry, repo._ctx = registry, None
        problems = repo.check(doc)
    finally:
        repo.registry, repo._ctx = saved, None
    out = list(clashes)
    for p in problems:
        at = ownership.region_text(p.pointer, doc)
        out.append(f"{p.pointer.replace('/annotations/0', '', 1) or '/'}: {p.message}" + (f" at {ownership.quote(at)}" if at else ""))
    return out


def _guideline_version(repo: Repo, doc_id: str) -> str:
    sets = (repo.files.get(doc_id) or {}).get("annotations") or []
    versions = [s.get("guideline_version") for s in sets if isinstance(s, dict) and isinstance(s.get("guideline_version"), str)]
    return max(versions, default="1.1", key=lambda v: tuple(int(x) for x in v.split(".") if x.isdigit()))


def message(lines: list[str], when: str) -> str:
    """The text the task shows at the top of the editor."""
    if not lines:
        return f"Checked at {when}: no problems in your last submission."
    body = " | ".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
    return f"Checked at {when}: {len(lines)} problem(s) in your last submission; fix them and press Update. {body}"
