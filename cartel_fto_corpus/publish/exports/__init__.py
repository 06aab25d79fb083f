"""Exports of the gold entity mentions into the formats researchers' tools read.

`conll` and `spacy` are written for the whole corpus and once per split of every cross-validation
fold (`fold<k>/train.conll`, `fold<k>/validation.spacy`, ...: the documents of the `<config>_fold<k>`
splits), the files `spacy train` and CoNLL training scripts take.

One module per format (`conll`, `spacy_docbin`, `brat`, `bigbio`, `jsonl`), each a `write(docs, out)`
that returns the files it wrote. They all start from `source.export_documents`, which runs the same
row builders as the Parquet build, so an export and the `mentions`/`ner` configs cannot disagree.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

from cartel_fto_corpus.publish.exports.source import ExportDocument, ExportError, export_documents
from cartel_fto_corpus.publish.layout import FOLD_SPLITS, document_groups, fold_buckets, fold_split
from cartel_fto_corpus.publish.reader import iter_manifest
from cartel_fto_corpus.truth.paths import CorpusPaths

#: format name -> module under cartel_fto_corpus.publish.exports (imported on use: spaCy is optional)
FORMATS = {"conll": "conll", "spacy": "spacy_docbin", "brat": "brat", "bigbio": "bigbio", "jsonl": "jsonl"}

#: formats also written per fold split, with their file extension
SPLIT_FORMATS = {"conll": "conll", "spacy": "spacy"}

__all__ = ["FORMATS", "SPLIT_FORMATS", "ExportDocument", "ExportError", "export_all", "export_documents", "writer"]


def writer(fmt: str) -> Callable[[Iterable[ExportDocument], Path], list[Path]]:
    """The `write(docs, out)` function of one format."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return importlib.import_module(f"{__name__}.{FORMATS[fmt]}").write


def export_all(fmt: str, paths: CorpusPaths, out: Path) -> list[Path]:
    """Write one format: the whole corpus, and for `SPLIT_FORMATS` every split of every fold."""
    write = writer(fmt)
    if fmt not in SPLIT_FORMATS:
        return write(export_documents(paths), out)
    docs = list(export_documents(paths))
    files = write(docs, out)
    buckets = fold_buckets(document_groups(iter_manifest(paths.manifest)))
    for k in range(len(buckets)):
        for split in FOLD_SPLITS:
            part = [d for d in docs if fold_split(buckets, k, d.doc_id) == split]
            if part:
                files += write(part, Path(out) / f"fold{k}", file=f"{split}.{SPLIT_FORMATS[fmt]}")
    return files
