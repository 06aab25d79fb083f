"""spaCy `DocBin` (`cartel_fto.spacy`, what `spacy train` reads): one `Doc` per article, tokenized by
`spacy.blank("en")` (no model download), with every mention as an entity span (`label_`, and
`kb_id_` = the registry entity id) and `user_data` holding the document id and the QIDs. A mention
that does not fall on spaCy token edges (strict alignment) is an error, never snapped."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cartel_fto_corpus.publish.exports.source import ExportDocument, ExportError
from cartel_fto_corpus.truth.paths import install_command

FILE = "cartel_fto.spacy"


def to_doc(nlp, doc: ExportDocument):
    sdoc = nlp.make_doc(doc.text)
    spans = []
    for m in doc.mentions:
        span = sdoc.char_span(m["start"], m["end"], label=m["label"], kb_id=m["entity"], alignment_mode="strict")
        if span is None:
            raise ExportError(
                f"{doc.doc_id}: mention {m['mention_id']} {m['text']!r} at {m['start']}:{m['end']}: expected spaCy token edges, found none"
            )
        spans.append(span)
    sdoc.ents = spans
    sdoc.user_data["doc_id"] = doc.doc_id
    sdoc.user_data["qids"] = {m["mention_id"]: m["qid"] for m in doc.mentions if m["qid"]}
    return sdoc


def write(docs: Iterable[ExportDocument], out: Path) -> list[Path]:
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError:
        raise ExportError(f"the spacy format needs spaCy: {install_command('spacy')}") from None
    nlp = spacy.blank("en")
    db = DocBin(store_user_data=True)
    for doc in docs:
        db.add(to_doc(nlp, doc))
    target = Path(out) / FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{FILE}.tmp")
    db.to_disk(tmp)
    tmp.replace(target)
    return [target]
