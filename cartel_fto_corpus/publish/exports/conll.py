"""CoNLL (two columns, `token TAG`, BIO tags as in conll2003): one `-DOCSTART- -X- O O` line and a blank
line per document, one sentence block per paragraph (the `ner` rows). The document line is the one
spaCy's converter splits documents on (`python -m spacy convert FILE OUT -c ner`; any other spelling
makes it read the line as a token) and a line conll2003 readers skip (they skip every `-DOCSTART-`
line); tokens never contain white space."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cartel_fto_corpus.publish.exports.source import ExportDocument, write_file

FILE = "cartel_fto.conll"
DOCSTART = "-DOCSTART- -X- O O"


def render(docs: Iterable[ExportDocument]) -> str:
    lines: list[str] = []
    for doc in docs:
        lines += [DOCSTART, ""]
        for row in doc.paragraphs:
            lines += [f"{tok} {tag}" for tok, tag in zip(row["tokens"], row["ner_tags"], strict=True)]
            lines.append("")
    return "\n".join(lines) + ("\n" if lines else "")


def write(docs: Iterable[ExportDocument], out: Path, file: str = FILE) -> list[Path]:
    return write_file(out, file, render(docs))
