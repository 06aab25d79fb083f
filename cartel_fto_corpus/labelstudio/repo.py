"""The repository side of the sync: reading the corpus and checking candidate files in memory."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from cartel_fto_corpus.checks.checker import AnnotationChecker, Context, Usage
from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.checks.schema_check import schema_problems
from cartel_fto_corpus.truth.jsonio import Unreadable, decode_utf8, has_whole_floats, parse_json, read_json, read_json_checked
from cartel_fto_corpus.truth.paths import CorpusPaths, display
from cartel_fto_corpus.truth.texts import Text, find_title, read_texts, sha256_hex

DEFAULT_TITLE = "cartel_fto_corpus"


class SyncError(Exception):
    """The sync refused or failed; `lines` are the one-line reasons (file, what, expected vs found)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines[0] if lines else "sync failed")
        self.lines = lines


@dataclass
class Repo:
    """Texts, registry and annotation files of one corpus root, as read at the start of a sync."""

    paths: CorpusPaths
    texts: dict[str, Text]
    registry: dict[str, Any]
    files: dict[str, dict[str, Any]]  # doc_id -> parsed annotation file
    raw: dict[str, bytes]  # doc_id -> file bytes as read
    whole_floats: dict[str, bool | None] = field(default_factory=dict)  # doc_id -> the file writes a whole number as 21.0

    def text(self, doc_id: str) -> str:
        return self.texts[doc_id].text

    def title(self, doc_id: str) -> str | None:
        found = find_title(self.text(doc_id))
        return found[0] if found else None

    def sha(self, doc_id: str) -> str:
        return sha256_hex(self.texts[doc_id].data)

    def check(self, doc: dict[str, Any], usage: Usage | None = None) -> list[Problem]:
        """Schema and semantic problems of one annotation document, without writing it anywhere.

        `usage` collects the registry ids the document uses, for the corpus-level check.
        """
        name = display(self.paths.annotation_file(doc.get("doc_id", "?")))
        doc_id = doc.get("doc_id")
        strict = self.whole_floats.get(doc_id) if isinstance(doc_id, str) and self.files.get(doc_id) is doc else built_flags(doc)
        found = schema_problems("annotation", doc, name, strict_numbers=strict)
        if found:
            return found
        return AnnotationChecker(name, doc, self._context, usage if usage is not None else Usage()).run()

    def registry_problems(self, usage: Usage) -> list[Problem]:
        """Registry-level problems given what the annotation files use (e.g. an entry nobody uses any more)."""
        from cartel_fto_corpus.checks.corpus_checks import registry_problems

        return registry_problems(display(self.paths.registry), self.registry, usage)

    @property
    def _context(self) -> Context:
        ctx = getattr(self, "_ctx", None)
        if ctx is None:
            ctx = Context(self.paths, registry=self.registry)
            ctx.__dict__["texts"] = self.texts  # reuse what we read; Context caches it under this name
            self._ctx = ctx
        return ctx


def load_repo(paths: CorpusPaths, require_valid: bool = False) -> Repo:
    """Read texts, registry and annotation files; with `require_valid`, refuse an invalid corpus."""
    texts = {t.doc_id: t for t in read_texts(paths)}
    if not texts:
        raise SyncError([f"{display(paths.texts)}: no texts found (is --root the corpus root?)"])
    try:
        registry = read_json(paths.registry)
    except Unreadable as exc:
        raise SyncError([f"{display(paths.registry)}: {exc}"]) from None
    files: dict[str, dict[str, Any]] = {}
    raw: dict[str, bytes] = {}
    floats: dict[str, bool | None] = {}
    problems: list[str] = []
    for f in paths.annotation_files():
        try:
            raw[f.stem] = f.read_bytes()
            if require_valid:  # what is pushed must be what every JSON reader reads: duplicate keys are refused
                parsed = parse_json(decode_utf8(raw[f.stem]))
                files[f.stem], floats[f.stem] = parsed.doc, None if parsed.flaws else parsed.whole_floats
                problems.extend(f"{display(f)}:{flaw.pointer}: {flaw.message}" for flaw in parsed.flaws)
            else:
                files[f.stem], floats[f.stem] = _parse(f, raw[f.stem])
        except (Unreadable, OSError) as exc:
            raw.pop(f.stem, None)
            problems.append(f"{display(f)}: {exc if isinstance(exc, Unreadable) else exc.strerror}")
    repo = Repo(paths, texts, registry, files, raw, floats)
    if require_valid:
        for doc in files.values():
            problems.extend(str(p) for p in repo.check(doc))
    if problems:
        raise SyncError([*problems[:20], *([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])])
    return repo


#: A number with a fraction or exponent, as JSON writes it after `:`, `,` or `[` (a match inside a string only
#: costs a walk over the document; hex digests such as "3e5f" do not match, they follow a quote).
_FLOAT_TOKEN = re.compile(rb"[:,\[]\s*-?[0-9]+[.eE]")


def _parse(path: Path, data: bytes) -> tuple[Any, bool | None]:
    """A file's document and whether it writes a whole number with a fraction (the schema check needs to know).

    orjson first (10x the standard parser; push reads every file of the corpus); anything it declines
    (a lone surrogate escape, a huge integer, malformed JSON) goes the validator's way, which says why.
    """
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = read_json_checked(path)
        return parsed.doc, None if parsed.flaws else parsed.whole_floats  # None: the schema check scans for them
    return doc, bool(_FLOAT_TOKEN.search(data)) and has_whole_floats(doc)


def built_flags(doc: Any) -> bool | None:
    """For a document built in memory (a pull): False if it has neither lone surrogates nor whole-valued
    floats, True if it has such floats, None (let the schema check scan it and point at the flaw) otherwise.
    One orjson encoding, in C, instead of a Python walk over every string."""
    try:
        data = orjson.dumps(doc)
    except (TypeError, orjson.JSONEncodeError):
        return None
    return bool(_FLOAT_TOKEN.search(data)) and has_whole_floats(doc)


def canonical_bytes(doc: dict[str, Any]) -> bytes:
    """The file layout of `truth.texts.dumps`, byte for byte, through orjson (the stdlib's indenting encoder is
    pure Python: 15 s for 1,000 pulled documents); anything orjson declines (huge integers) takes the stdlib path."""
    import orjson

    from cartel_fto_corpus.truth.texts import dumps

    try:
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    except (TypeError, orjson.JSONEncodeError):
        return dumps(doc).encode("utf-8")


def doc_key(doc: dict[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)
