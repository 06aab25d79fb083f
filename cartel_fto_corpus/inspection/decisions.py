"""The adjudicator's decisions file, read and shape-checked (one line per problem).

The decisions file (JSON, or YAML by its extension) says who decided and, per document and per
disagreement id (`adjudicate.Unit.id`), either which annotator's item to take (`take`; taking an
annotator who has no item in the unit drops it) or the item itself (`value`, in the gold set's
form without an id; null drops it), and always why (`reason`):

    adjudicator: "who or what decided, in words"
    annotator: adjudicated            # id of the gold set (default)
    date: "2026-11-23T20:00:00Z"      # created/updated of the gold sets (default: latest compared set)
    decisions:
      000_e0ea4dd0c3e368ed:           # document id (or its unique three-digit number)
        entity/120-134: {take: llm-annotator-2, reason: "..."}
        claim/96-105: {value: null, reason: "..."}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.problems import pointer

DEFAULT_ANNOTATOR = "adjudicated"


class Unusable(Exception):
    """Input the adjudication workflow cannot use (a decisions file here, the corpus or a delivery in
    `adjudication_flow`): one line per problem, for stderr; the command exits 2.

    `shown`: the lines quote data and are to be shown through `truth.visible` (messages built
    here); the problem lines of a file check are already escaped (`escape_surrogates`)."""

    def __init__(self, lines: list[str], *, shown: bool = True) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
        self.shown = shown


@dataclass(frozen=True)
class Decision:
    take: str | None
    value: Any
    reason: str


@dataclass
class Decisions:
    adjudicator: str
    annotator: str = DEFAULT_ANNOTATOR
    date: str | None = None
    by_doc: dict[str, dict[str, Decision]] = field(default_factory=dict)

    def for_doc(self, doc_id: str) -> tuple[str | None, dict[str, Decision]]:
        """(key used in the file, decisions) of a document: keyed by its id or its three-digit number."""
        for key in (doc_id, doc_id.split("_", 1)[0]):
            if key in self.by_doc:
                return key, self.by_doc[key]
        return None, {}


def load_decisions(path: Path) -> Decisions:
    """Parse and shape-check a decisions file; raises Unusable with `file:/pointer: expected ..., found ...` lines."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Unusable([f"{path}: cannot read the decisions file: {getattr(exc, 'strerror', None) or exc}"]) from None
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            import yaml

            data = yaml.safe_load(raw)
        else:
            data = json.loads(raw)
    except Exception as exc:  # yaml.YAMLError and json.JSONDecodeError: the parser's one-line reason
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unusable([f"{path}: expected a JSON or YAML decisions file, found malformed input ({first})"]) from None
    errs: list[str] = []

    def err(ptr: str, expected: str, found: Any) -> None:
        errs.append(f"{path}:{ptr}: expected {expected}, found {json.dumps(found, ensure_ascii=False, default=str)[:80]}")

    if not isinstance(data, dict):
        raise Unusable([f"{path}: expected a mapping with adjudicator and decisions, found {type(data).__name__}"])
    for key in sorted(set(data) - {"adjudicator", "annotator", "date", "decisions"}):
        err(pointer(key), "only adjudicator, annotator, date, decisions", key)
    if not isinstance(data.get("adjudicator"), str) or not data["adjudicator"].strip():
        err("/adjudicator", "who or what decided, in words", data.get("adjudicator"))
    annotator = data.get("annotator", DEFAULT_ANNOTATOR)
    if not isinstance(annotator, str) or not annotator or not annotator[0].isalpha() or annotator != annotator.lower():
        err("/annotator", "an annotator id (lower case, e.g. adjudicated)", annotator)
    date = data.get("date")
    if date is not None and not isinstance(date, str):
        err("/date", 'an RFC 3339 time in quotes, e.g. "2026-11-23T20:00:00Z"', str(date))
    by_doc: dict[str, dict[str, Decision]] = {}
    docs = data.get("decisions", {}) or {}
    if not isinstance(docs, dict):
        err("/decisions", "a mapping of document id to decisions", docs)
        docs = {}
    for doc_key, units in docs.items():
        if not isinstance(units, dict):
            err(pointer("decisions", doc_key), "a mapping of disagreement id to decision", units)
            continue
        out = by_doc.setdefault(str(doc_key), {})
        for uid, d in units.items():
            ptr = pointer("decisions", doc_key, uid)
            if not isinstance(d, dict) or ("take" in d) == ("value" in d):
                err(ptr, "a mapping with exactly one of take or value, and reason", d)
                continue
            for extra in sorted(set(d) - {"take", "value", "reason"}):
                err(ptr + pointer(extra), "only take or value, and reason", extra)
            reason = d.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                err(ptr + "/reason", "why the decision was taken, in words", reason)
                continue
            take = d.get("take")
            if "take" in d and not isinstance(take, str):
                err(ptr + "/take", "an annotator id", take)
                continue
            value = d.get("value")
            if "value" in d and value is not None and not isinstance(value, dict):
                err(ptr + "/value", "the item as a mapping (without id), or null to drop it", value)
                continue
            out[str(uid)] = Decision(take, value, " ".join(reason.split()))
    if errs:
        raise Unusable(errs)
    return Decisions(data["adjudicator"].strip(), annotator, date, by_doc)
