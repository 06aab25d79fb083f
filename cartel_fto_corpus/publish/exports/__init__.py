"""Exports of the gold entity mentions into the formats researchers' tools read.

One module per format (`conll`, `spacy_docbin`, `brat`, `bigbio`, `jsonl`), each a `write(docs, out)`
that returns the files it wrote. They all start from `source.export_documents`, which runs the same
row builders as the Parquet build, so an export and the `mentions`/`ner` configs cannot disagree.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

from cartel_fto_corpus.publish.exports.source import ExportDocument, ExportError, export_documents

#: format name -> module under cartel_fto_corpus.publish.exports (imported on use: spaCy is optional)
FORMATS = {"conll": "conll", "spacy": "spacy_docbin", "brat": "brat", "bigbio": "bigbio", "jsonl": "jsonl"}

__all__ = ["FORMATS", "ExportDocument", "ExportError", "export_documents", "writer"]


def writer(fmt: str) -> Callable[[Iterable[ExportDocument], Path], list[Path]]:
    """The `write(docs, out)` function of one format."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return importlib.import_module(f"{__name__}.{FORMATS[fmt]}").write
