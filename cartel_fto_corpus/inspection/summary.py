"""A per-document overview of the corpus: what the main job prints after validating."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set
from cartel_fto_corpus.truth.texts import documents


@dataclass(frozen=True)
class DocSummary:
    doc_id: str
    title: str | None
    n_chars: int
    flags: tuple[str, ...]
    annotators: int
    status: str
    entities: int
    stances: int
    claims: int


def summarize(paths: CorpusPaths | None = None) -> list[DocSummary]:
    paths = paths or CorpusPaths()
    out = []
    for d in documents(paths):
        f = paths.annotation_file(d["id"])
        ann = json.loads(f.read_text(encoding="utf-8")) if f.exists() else {}
        ref = reference_set(ann)
        out.append(
            DocSummary(
                d["id"],
                d["title"],
                d["n_chars"],
                tuple(d["quality_flags"]),
                len(ann.get("annotations", [])),
                ref["status"] if ref else "-",
                len(ref["entities"]) if ref else 0,
                len(ref["stances"]) if ref else 0,
                len(ref["claims"]) if ref else 0,
            )
        )
    return out
