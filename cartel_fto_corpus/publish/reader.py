"""Reading the corpus for the build, streamed: the manifest entry by entry, one document at a time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cartel_fto_corpus.publish.rows import Document, Registry
from cartel_fto_corpus.truth.paths import CorpusPaths, display

_MANIFEST_CHUNK = 1 << 16


def iter_manifest(path: Path, key: str = "documents") -> Iterator[dict[str, Any]]:
    """The entries of the manifest's `documents` array, decoded one at a time.

    The manifest grows with the corpus; decoding it entry by entry keeps the build's memory flat.
    Relies only on the array being the value of the top-level key `documents` (it is the last key
    `corpus.compute_manifest` writes; the validator has checked the file against its schema).
    """
    decoder = json.JSONDecoder()
    start = re.compile(rf'"{key}"\s*:\s*\[')
    with open(path, encoding="utf-8") as fh:
        buf, eof = "", False

        def more() -> None:
            nonlocal buf, eof
            chunk = fh.read(_MANIFEST_CHUNK)
            eof = not chunk
            buf += chunk

        while not (m := start.search(buf)):
            if eof:
                raise ValueError(f"{path}: no {key!r} array")
            more()
        buf = buf[m.end() :]
        while True:
            stripped = buf.lstrip(" \t\r\n,")
            if not stripped and not eof:
                buf = stripped
                more()
                continue
            buf = stripped
            if buf.startswith("]"):
                return
            try:
                obj, end = decoder.raw_decode(buf)
            except json.JSONDecodeError:
                if eof:
                    raise
                more()
                continue
            yield obj
            buf = buf[end:]


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
