"""What every export starts from: per document its text, mention rows and `ner` rows (the build's
row builders on the reference annotation set), read one document at a time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cartel_fto_corpus.publish.reader import iter_documents, load_registry
from cartel_fto_corpus.publish.rows import BuildError, mention_rows, ner_rows
from cartel_fto_corpus.truth.atomic import write_atomic
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set


class ExportError(ValueError):
    """Data an export cannot represent, or a missing optional dependency; `str()` is one line."""


@dataclass(frozen=True)
class ExportDocument:
    doc_id: str
    text: str
    #: rows of the `mentions` config (id, doc_id, mention_id, start, end, text, label, entity, entity_name, qid, ...)
    mentions: list[dict[str, Any]]
    #: rows of the `ner` config (tokens, ner_tags as names, token_starts, token_ends)
    paragraphs: list[dict[str, Any]]


def export_documents(paths: CorpusPaths) -> Iterator[ExportDocument]:
    """Annotated documents in id order (documents without annotations are skipped)."""
    registry = load_registry(paths)
    for doc in iter_documents(paths):
        aset = reference_set(doc.annotation) if doc.annotation else None
        if aset is None:
            continue
        doc_id = doc.entry["id"]
        set_index = doc.annotation["annotations"].index(aset)
        try:
            paragraphs = list(ner_rows(doc_id, doc.text, aset, doc.file, set_index))
        except BuildError as exc:
            raise ExportError(str(exc)) from None
        yield ExportDocument(doc_id, doc.text, list(mention_rows(doc_id, aset, registry)), paragraphs)


def json_lines(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_file(out: Path, file: str, text: str) -> list[Path]:
    """`text` written atomically into `out/file`: the one-file formats' `write` ends here."""
    target = Path(out) / file
    write_atomic(target, text)
    return [target]
