"""CoNLL (two columns, `token TAG`, BIO tags as in conll2003): one `-DOCSTART- O` line and a blank
line per document, one sentence block per paragraph (the `ner` rows). Readable by seqeval-style
scripts and `datasets`' CoNLL readers; tokens never contain white space."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cartel_fto_corpus.publish.exports.source import ExportDocument
from cartel_fto_corpus.truth.atomic import write_atomic

FILE = "cartel_fto.conll"
DOCSTART = "-DOCSTART-"


def render(docs: Iterable[ExportDocument]) -> str:
    lines: list[str] = []
    for doc in docs:
        lines += [f"{DOCSTART} O", ""]
        for row in doc.paragraphs:
            lines += [f"{tok} {tag}" for tok, tag in zip(row["tokens"], row["ner_tags"], strict=True)]
            lines.append("")
    return "\n".join(lines) + ("\n" if lines else "")


def write(docs: Iterable[ExportDocument], out: Path) -> list[Path]:
    target = Path(out) / FILE
    write_atomic(target, render(docs))
    return [target]
