"""JSON lines: one object per document, `{"id", "text", "entities": [{id, start, end, text, label,
entity, entity_name, qid}]}` (code-point offsets, end-exclusive, as in Python and Polars/DuckDB)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cartel_fto_corpus.publish.exports.source import ExportDocument, json_lines, write_file

FILE = "cartel_fto.jsonl"
KEYS = ("mention_id", "start", "end", "text", "label", "entity", "entity_name", "qid")


def record(doc: ExportDocument) -> dict:
    ents = [{("id" if k == "mention_id" else k): m[k] for k in KEYS} for m in doc.mentions]
    return {"id": doc.doc_id, "text": doc.text, "entities": ents}


def write(docs: Iterable[ExportDocument], out: Path) -> list[Path]:
    return write_file(out, FILE, json_lines(map(record, docs)))
