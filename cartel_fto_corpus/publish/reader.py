"""Reading the corpus for the build: the manifest, then one document at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cartel_fto_corpus.publish.rows import Document, Registry
from cartel_fto_corpus.truth.paths import CorpusPaths, display


def iter_manifest(path: Path, key: str = "documents") -> Iterator[dict[str, Any]]:
    """The entries of the manifest's `documents` array.

    Read whole: about 760 bytes per document (3.8 KB for the shipped five, 7.6 MB at 10,000), and every
    build has already held it whole once (the validator checks it against its schema, and the build keeps
    each document's fold group), so a streaming parser here kept nothing out of memory (issue 26).
    """
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    entries = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: no {key!r} array")
    return iter(entries)


def iter_documents(paths: CorpusPaths) -> Iterator[Document]:
    """Documents in id order, each read only when its turn comes."""
    for entry in iter_manifest(paths.manifest):
        text = paths.text_file(entry["id"]).read_bytes().decode("utf-8")
        f = paths.annotation_file(entry["id"])
        ann = json.loads(f.read_text(encoding="utf-8")) if f.exists() else None
        yield Document(entry, text, ann, display(f))


def load_registry(paths: CorpusPaths) -> Registry:
    if not paths.registry.exists():
        return Registry({}, {}, {}, ())
    return Registry.from_json(json.loads(paths.registry.read_text(encoding="utf-8")))
