"""BigBIO `kb` schema as JSON lines (one document per line): passages are the non-empty lines
(paragraphs), entities carry their type, text and offsets as lists (BigBIO allows discontinuous
spans) and a Wikidata normalisation when the entity has a QID; mentions of one canonical entity form
a coreference chain. `datasets.load_dataset("json", data_files=..., features=<bigbio kb_features>)`
reads it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cartel_fto_corpus.publish.exports.source import ExportDocument, json_lines, write_file
from cartel_fto_corpus.truth.offsets import lines_with_offsets

FILE = "cartel_fto_bigbio_kb.jsonl"


def record(doc: ExportDocument) -> dict:
    passages = [
        {"id": f"{doc.doc_id}/L{n}", "type": "paragraph", "text": [line], "offsets": [[s, e]]}
        for n, (s, e, line) in enumerate(lines_with_offsets(doc.text), start=1)
        if line.strip()
    ]
    entities = [
        {
            "id": m["id"],
            "type": m["label"],
            "text": [m["text"]],
            "offsets": [[m["start"], m["end"]]],
            "normalized": [{"db_name": "Wikidata", "db_id": m["qid"]}] if m["qid"] else [],
        }
        for m in doc.mentions
    ]
    chains: dict[str, list[str]] = {}
    for m in doc.mentions:
        chains.setdefault(m["entity"], []).append(m["id"])
    coref = [{"id": f"{doc.doc_id}/coref/{ent}", "entity_ids": ids} for ent, ids in chains.items() if len(ids) > 1]
    return {
        "id": doc.doc_id,
        "document_id": doc.doc_id,
        "passages": passages,
        "entities": entities,
        "events": [],
        "coreferences": coref,
        "relations": [],
    }


def write(docs: Iterable[ExportDocument], out: Path) -> list[Path]:
    return write_file(out, FILE, json_lines(map(record, docs)))
