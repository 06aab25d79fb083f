"""Exports of the gold entity mentions into the formats researchers' tools read.

A format is one module here with a `write(docs, out)` that returns the files it wrote, and one
`Format` entry in `FORMATS`: its name on the command line, its module, what it writes (one phrase,
used by `cartel-fto export --help` and the README card) and, for a format also written per split of
every cross-validation fold (`fold<k>/train.<ext>`, `fold<k>/validation.<ext>`, ...: the documents
of the `<config>_fold<k>` splits, the files training scripts take), the extension of those files;
its `write` then takes `file=`. Nothing else lists the formats: the command's choices and help,
the card and `tests/test_exports.py`'s checks of README.md and ARCHITECTURE.md read `FORMATS`.

Every module starts from `source.export_documents`, which runs the same row builders as the Parquet
build, so an export and the `mentions`/`ner` configs cannot disagree.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from cartel_fto_corpus.publish.exports.source import ExportDocument, ExportError, export_documents
from cartel_fto_corpus.publish.layout import FOLD_SPLITS, document_groups, fold_buckets, fold_split
from cartel_fto_corpus.publish.reader import iter_manifest
from cartel_fto_corpus.truth.paths import CorpusPaths


class Format(NamedTuple):
    """One registered export format (the module is imported on use: spaCy is optional)."""

    #: module under cartel_fto_corpus.publish.exports, or a full dotted module path
    module: str
    #: what it writes, one phrase ("a spaCy `DocBin`")
    writes: str
    #: extension of the per-fold-split files, or None for the whole corpus only
    split_ext: str | None = None


#: format name -> its registration; the one list of export formats
FORMATS: dict[str, Format] = {
    "conll": Format("conll", "CoNLL (token, tag)", split_ext="conll"),
    "spacy": Format("spacy_docbin", "a spaCy `DocBin`", split_ext="spacy"),
    "brat": Format("brat", "brat standoff"),
    "bigbio": Format("bigbio", "BigBIO `kb` JSON lines"),
    "jsonl": Format("jsonl", "JSON lines"),
}

__all__ = ["FORMATS", "ExportDocument", "ExportError", "Format", "export_all", "export_documents", "format_list", "split_formats", "writer"]


def split_formats() -> dict[str, str]:
    """{format: extension} of the formats also written per fold split."""
    return {name: f.split_ext for name, f in FORMATS.items() if f.split_ext}


def format_list(markdown: bool = True) -> str:
    """The formats as a phrase, `conll` (CoNLL (token, tag)), ... or `jsonl` (JSON lines), for the card
    (`markdown`) and for help texts (plain: no backticks)."""
    tick = "`" if markdown else ""
    items = [f"{tick}{name}{tick} ({f.writes if markdown else f.writes.replace('`', '')})" for name, f in FORMATS.items()]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def writer(fmt: str) -> Callable[..., list[Path]]:
    """The `write(docs, out)` function of one format."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    module = FORMATS[fmt].module
    return importlib.import_module(module if "." in module else f"{__name__}.{module}").write


def export_all(fmt: str, paths: CorpusPaths, out: Path) -> list[Path]:
    """Write one format: the whole corpus, and for a format with a `split_ext` every split of every fold."""
    write = writer(fmt)
    ext = FORMATS[fmt].split_ext
    if ext is None:
        return write(export_documents(paths), out)
    docs: list[ExportDocument] = list(export_documents(paths))
    files = write(docs, out)
    buckets = fold_buckets(document_groups(iter_manifest(paths.manifest)))
    for k in range(len(buckets)):
        for split in FOLD_SPLITS:
            part = [d for d in docs if fold_split(buckets, k, d.doc_id) == split]
            if part:
                files += write(part, Path(out) / f"fold{k}", file=f"{split}.{ext}")
    return files
