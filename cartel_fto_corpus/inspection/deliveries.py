"""Blind annotators' deliveries as delivered: `annotations/independent/<set_id>/`, read for agreement.

Agreement is measured on what the annotators delivered, not on the copies `import-set` made in the
annotation files (whose ids were translated and which the lead may touch): each delivery brings
its own registry, so entities are aligned by mention spans and names, never by id
(`alignment.EntityIndex`). Only sealed deliveries count; a legacy delivery (listed in
`annotations/protocol.json` with its reason) only when asked for. A delivery that fails its seal
checks (`checks.seals`) is not read at all: the caller gets the problems instead of a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.checks.seals import delivery_problems, independent_dir, legacy_sets, load_protocol
from cartel_fto_corpus.truth.jsonio import Unreadable, read_json
from cartel_fto_corpus.truth.paths import PROTOCOL_FILE, REGISTRY_FILE, SEAL_FILE, CorpusPaths, display


@dataclass
class Delivery:
    """One delivered set: its id, seal (None for a legacy delivery), documents and own registry."""

    set_id: str
    folder: Path
    seal: dict[str, Any] | None
    legacy_reason: str | None
    #: doc id -> the delivered annotation set of that document
    sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    registry: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"set_id": self.set_id, "sealed": self.seal is not None, "documents": len(self.sets)}
        if self.seal is not None:
            out["annotator"] = self.seal["annotator"]
            out["guidelines"] = self.seal["guidelines"]["version"]
        else:
            out["legacy_reason"] = self.legacy_reason
        return out


def _read(folder: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    sets: dict[str, dict[str, Any]] = {}
    for p in sorted(folder.glob("*.json")):
        if p.name in (REGISTRY_FILE, SEAL_FILE, PROTOCOL_FILE):
            continue
        doc = read_json(p)
        if doc.get("annotations"):
            sets[doc["doc_id"]] = doc["annotations"][0]
    reg_path = folder / REGISTRY_FILE
    return sets, (read_json(reg_path) if reg_path.exists() else {})


def load_deliveries(paths: CorpusPaths, include_legacy: bool = False) -> tuple[list[Delivery], list[Problem]]:
    """(the deliveries agreement may use, the problems that forbid using any)."""
    problems = delivery_problems(paths)
    if problems:
        return [], problems
    protocol, _ = load_protocol(paths)
    legacy = legacy_sets(protocol)
    folder = independent_dir(paths)
    out: list[Delivery] = []
    for d in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        sealed = (d / SEAL_FILE).exists()
        if not sealed and not include_legacy:
            continue
        try:
            seal = read_json(d / SEAL_FILE) if sealed else None
            sets, registry = _read(d)
        except (Unreadable, OSError, KeyError, TypeError, AttributeError) as exc:
            return [], [Problem(display(d), "", f"cannot read the delivery: {exc}", "unreadable", unreadable=True)]
        out.append(Delivery(d.name, d, seal, None if sealed else legacy.get(d.name), sets, registry))
    return out, []
