"""Who owns what between the repository and Label Studio: pure rules, no I/O.

The rules (written for people in docs/labelstudio-workflow.md):
- A prediction (pre-annotation) belongs to nobody: it is never gold and never pulled as a set.
- A submission in the editor is its annotator's own set, always `draft` (the schema's status values
  are draft|gold; there is no "submitted"). Editing someone else's pushed set in Label Studio keeps
  that set's status: the status travels in the task meta, not in a widget.
- `gold` is only ever the result of adjudication in the repository (`status: gold` in the file,
  pushed as Label Studio's ground truth); a pull never makes, changes or drops a gold set: an edit
  of it in Label Studio is a conflict on one line (`pull_plan._gold_guard`), the rest comes in.
- A problem in one annotator's set of one document rejects that set only, with one line naming
  the annotator, the document and the region (id and text); the other sets and documents come in.
- One pre-annotation per task: the document's reference set (gold, else the first). Humans' sets are
  never pushed back as predictions: a set whose annotator already works on the task is not offered.
- A `new_entity` chosen in the editor comes back as a registry entry with `proposed: true` and no QID.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from cartel_fto_corpus.checks.problems import _short as short_quote
from cartel_fto_corpus.truth.sets import reference_set

#: Project settings that let a team work: each task is offered until two annotators submitted it, for
#: every task (agreement needs overlap), and annotators start from the pre-annotation.
PROJECT_SETTINGS: dict[str, Any] = {
    "maximum_annotations": 2,
    "overlap_cohort_percentage": 100,
    "show_collab_predictions": True,
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_MARKUP = re.compile(r"[*_#>`]+")
TITLE_MAX = 90


def task_title(text: str, headline: str | None) -> str:
    """What the editor and the task list show: the headline, else the first sentence (shortened)."""
    if headline:
        return headline
    first = next((line for line in text.splitlines() if line.strip()), "")
    first = _MARKUP.sub("", first).strip()
    first = _SENTENCE_END.split(first, maxsplit=1)[0]
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1].rstrip() + "…"


def status_from_provenance(prov: dict[str, Any] | None) -> str:
    """The status of a set read back from Label Studio: the pushed set's own status, else draft."""
    status = (prov or {}).get("status")
    return status if status in ("draft", "gold") else "draft"


def prediction_sets(sets: list[dict[str, Any]], task_annotators: Iterable[str]) -> list[dict[str, Any]]:
    """The set of one document offered as its pre-annotation: the reference set (gold, else the first),
    one per task so annotators start from one tab; never the set of someone who works on the task."""
    humans = set(task_annotators)
    reference = reference_set({"annotations": sets})
    return [reference] if reference is not None and reference["annotator"] not in humans else []


def problem_line(file: str, annotator: str, message: str) -> str:
    """One line a person can act on: which file, whose work, what is wrong (with region id and text)."""
    return f"{file}: annotator {annotator}: {message}"


def quote(text: str, limit: int = 60) -> str:
    """A region's text for a message: JSON-quoted, shortened, as the validator quotes span texts."""
    return short_quote(text, limit)


def annotator_of(pointer: str, doc: dict[str, Any]) -> str | None:
    """The annotator whose set a JSON pointer of a validation problem points into."""
    m = re.search(r"/annotations/(\d+)", pointer)
    if not m:
        return None
    i = int(m.group(1))
    sets = doc.get("annotations") or []
    return sets[i].get("annotator") if i < len(sets) and isinstance(sets[i], dict) else None


def region_text(pointer: str, doc: dict[str, Any]) -> str | None:
    """The text of the entity/claim/stance a pointer names, to quote it in a message."""
    node: Any = doc
    found = None
    for part in pointer.split("#", 1)[-1].strip("/").split("/"):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            break
        if isinstance(node, dict) and isinstance(node.get("text"), str):
            found = node["text"]
        elif isinstance(node, dict) and node.get("evidence"):
            found = node["evidence"][0].get("text")
    return found


def slug(name: str, kind: str = "entity") -> str:
    """A registry id for a proposed entity's name (or cluster's summary): lower-case snake_case ASCII."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not out or not out[0].isalpha():
        out = f"{kind}_" + out
    return out[:80].rstrip("_")


def proposed_entity(name: str, label: str) -> dict[str, Any]:
    """The registry entry of an entity proposed in the editor: typed by the mention, no QID until reviewed."""
    return {
        "id": slug(name),
        "name": name.strip(),
        "type": label,
        "org_type": "other" if label == "ORG" else None,
        "qid": None,
        "qid_source": None,
        "note": "Proposed in Label Studio; review name, type, org_type and QID.",
        "proposed": True,
    }


def proposed_cluster(summary: str, kind: str) -> dict[str, Any]:
    """The registry entry of a claim cluster proposed in the editor (its summary typed there), of the claim's kind.

    The registry schema has no `proposed` flag for clusters: the maintainer reviews it in the registry's diff.
    """
    return {"id": slug(summary, "cluster"), "kind": kind, "summary": summary.strip(), "discrepancies": None}


def add_proposals(registry: dict[str, Any], proposals: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The registry with proposed entities and claim clusters added (once each), and one line per clash.

    A proposal whose id exists with the same name and type (summary and kind) is the existing entry (nothing
    to add); the same id with another name or type is a clash the maintainer must settle.
    """
    out = dict(registry)
    lines: list[str] = []
    for p in proposals:
        section = "clusters" if "summary" in p else "entities"  # a proposed claim cluster, else an entity
        have = next((e for e in out.get(section, []) if e["id"] == p["id"]), None)
        if have is None:
            out[section] = [*out.get(section, []), p]
        elif section == "entities" and (have["name"].casefold(), have["type"]) != (p["name"].casefold(), p["type"]):
            lines.append(
                f"proposed entity {p['id']!r} ({p['name']}, {p['type']}) clashes with the registry's "
                f"{have['name']!r} ({have['type']}); rename the proposal in Label Studio"
            )
        elif section == "clusters" and (have["summary"].casefold(), have["kind"]) != (p["summary"].casefold(), p["kind"]):
            lines.append(
                f"proposed cluster {p['id']!r} ({p['kind']}) clashes with the registry's {have['summary']!r} "
                f"({have['kind']}); pick that cluster or word the proposal differently in Label Studio"
            )
    return (out if out != registry else registry), lines


def resolve_gold(sets: list[dict[str, Any]], from_label_studio: set[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """At most one gold set per document without refusing anything: a second gold set from Label Studio becomes draft.

    Untouched sets are returned as the same objects (callers compare by identity); a demoted one is a copy.
    """
    keep = list(sets)
    lines: list[str] = []
    gold_seen = None
    for i in sorted(range(len(sets)), key=lambda i: sets[i]["annotator"] in from_label_studio):
        s = keep[i]
        if s["status"] != "gold":
            continue
        if gold_seen is None:
            gold_seen = s["annotator"]
        else:
            keep[i] = {**s, "status": "draft"}
            lines.append(f"annotator {s['annotator']}: set kept as draft; {gold_seen} holds the gold set (gold comes from adjudication)")
    return keep, lines
