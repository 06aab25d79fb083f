"""The gold side of the benchmark: every document with its text, annotation sets, rows and fold.

Built with the same row builders as the Parquet configs (`publish.rows`), from the annotation files,
so the scorer cannot disagree with the published data, and annotators' sets (the human ceiling) are
read from the same files. Fold k tests on the documents of bucket k (`publish.layout`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.publish.layout import document_groups, fold_buckets, fold_split
from cartel_fto_corpus.publish.reader import iter_documents, iter_manifest, load_registry
from cartel_fto_corpus.publish.rows import Registry, document_rows
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set


@dataclass
class GoldDocument:
    doc_id: str
    text: str
    entry: dict[str, Any]
    #: every annotation set of the file (gold and annotators')
    sets: list[dict[str, Any]]
    #: the reference (gold) set
    gold: dict[str, Any]
    #: config -> rows of this document (`ner`, `mentions`, `stance_classification`, `claims`, `sentences`, ...)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fold: int = 0
    #: the annotation file's `schema_version`
    schema_version: str = ""


@dataclass
class GoldCorpus:
    root: Path
    documents: dict[str, GoldDocument]
    registry: Registry
    buckets: list[list[str]]

    @property
    def folds(self) -> int:
        return len(self.buckets)

    def fold_docs(self, fold: int) -> list[str]:
        return list(self.buckets[fold])

    def train_docs(self, fold: int) -> list[str]:
        """Documents a system may learn from in fold k: its train and validation splits (never its test)."""
        return [d for d in self.documents if fold_split(self.buckets, fold, d) != "test"]

    def train_registry(self, fold: int) -> dict[str, dict[str, Any]]:
        """The registry entities a fold's system may know: those mentioned in its training documents.
        The full registry is built from every article, so a gazetteer from it would leak test entities."""
        seen = {m["entity"] for d in self.train_docs(fold) for m in self.documents[d].gold["entities"]}
        return {e: v for e, v in self.registry.entities.items() if e in seen}

    def annotators(self) -> list[str]:
        """Every annotator whose sets are not gold (the human/model ceiling), from the data, sorted."""
        return sorted({s["annotator"] for d in self.documents.values() for s in d.sets if s.get("status") != "gold"})

    def row_index(self, config: str) -> dict[str, dict[str, Any]]:
        return {r["id"]: r for d in self.documents.values() for r in d.rows.get(config, [])}


def load_gold(root: Path | str | None = None) -> GoldCorpus:
    """The annotated documents of a corpus root (the checkout or the installed copy)."""
    paths = CorpusPaths(root)
    registry = load_registry(paths)
    buckets = fold_buckets(document_groups(iter_manifest(paths.manifest)))
    docs: dict[str, GoldDocument] = {}
    members: dict[str, list[tuple[str, str, str | None]]] = {}
    for doc in iter_documents(paths):
        aset = reference_set(doc.annotation) if doc.annotation else None
        if aset is None:
            continue
        doc_id = doc.entry["id"]
        fold = next(i for i, b in enumerate(buckets) if doc_id in b)
        ann = doc.annotation
        g = GoldDocument(doc_id, doc.text, doc.entry, list(ann["annotations"]), aset, fold=fold, schema_version=ann["schema_version"])
        for config, row in document_rows(doc, registry, members):
            g.rows.setdefault(config, []).append(row)
        docs[doc_id] = g
    return GoldCorpus(paths.root, docs, registry, [[d for d in b if d in docs] for b in buckets])
