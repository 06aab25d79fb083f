"""brat standoff: `<doc_id>.txt` (the exact article text) and `<doc_id>.ann` per document, with one
text-bound annotation `T<n>\\t<LABEL> <start> <end>\\t<text>` per mention and a normalisation
`N<n>\\tReference T<n> Wikidata:<QID>\\t<entity name>` when the entity has a QID, plus an
`annotation.conf` listing the entity types. Offsets are code points, as brat's (Python) server counts
them; a span crossing a line break becomes brat fragments `start end;start end`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cartel_fto_corpus.publish.exports.source import ExportDocument
from cartel_fto_corpus.truth.atomic import write_all_atomic
from cartel_fto_corpus.truth.schema import label_set


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span cut at line breaks (brat text-bound annotations cannot contain one)."""
    out, s = [], start
    for i in range(start, end):
        if text[i] == "\n":
            if i > s:
                out.append((s, i))
            s = i + 1
    if end > s:
        out.append((s, end))
    return out


def render_ann(doc: ExportDocument) -> str:
    lines = []
    n_norm = 0
    for i, m in enumerate(doc.mentions, start=1):
        frags = fragments(doc.text, m["start"], m["end"])
        where = ";".join(f"{a} {b}" for a, b in frags)
        covered = " ".join(doc.text[a:b] for a, b in frags)
        lines.append(f"T{i}\t{m['label']} {where}\t{covered}")
        if m["qid"]:
            n_norm += 1
            lines.append(f"N{n_norm}\tReference T{i} Wikidata:{m['qid']}\t{m['entity_name']}")
    return "".join(line + "\n" for line in lines)


def annotation_conf() -> str:
    types = "\n".join(label_set("entity_label"))
    return f"[entities]\n{types}\n\n[relations]\n\n[events]\n\n[attributes]\n"


def write(docs: Iterable[ExportDocument], out: Path) -> list[Path]:
    out = Path(out)
    files: dict[Path, str] = {}
    for doc in docs:  # every payload prepared before the first file is written
        files[out / f"{doc.doc_id}.txt"] = doc.text
        files[out / f"{doc.doc_id}.ann"] = render_ann(doc)
    files[out / "annotation.conf"] = annotation_conf()
    write_all_atomic(files)
    return list(files)
