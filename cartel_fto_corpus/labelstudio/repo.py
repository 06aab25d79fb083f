"""The repository side of the sync: reading the corpus and checking candidate files in memory."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from cartel_fto_corpus.checks.checker import AnnotationChecker, Context, Usage
from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.checks.schema_check import schema_problems
from cartel_fto_corpus.truth.jsonio import Unreadable, decode_utf8, has_whole_floats, parse_json, read_json
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

    def registry_lines(self) -> list[str]:
        """What `validate` says about the registry itself (schema, ids, every entry used), one line each.

        Push refuses a corpus whose registry validate rejects (issue 23 point 6). Usage is read from the
        (already checked) documents by a light walk, not a second check."""
        name = display(self.paths.registry)
        found = schema_problems("registry", self.registry, name)
        if found:
            return [str(p) for p in found]
        usage = Usage()
        for doc in self.files.values():
            usage.record(doc)  # what the checker records in `Usage`, without checking them again
        return [str(p) for p in self.registry_problems(usage)]

    @property
    def _context(self) -> Context:
        ctx = getattr(self, "_ctx", None)
        if ctx is None:
            ctx = Context(self.paths, registry=self.registry)
            ctx.__dict__["texts"] = self.texts  # reuse what we read; Context caches it under this name
            self._ctx = ctx
        return ctx


def load_repo(paths: CorpusPaths, require_valid: bool = False) -> Repo:
    """Read texts, registry and annotation files; with `require_valid`, refuse an invalid corpus.

    Checking is most of a push's own time (0.6 ms a file), in this process: forked checkers from 400
    files on saved 10% of it at 1,000 documents (0.7 s of a 33 s push floor), well inside the push's
    target, so issue 26 removed them.
    """
    texts = {t.doc_id: t for t in read_texts(paths)}
    if not texts:
        raise SyncError([f"{display(paths.texts)}: no texts found (is --root the corpus root?)"])
    try:
        registry = read_json(paths.registry)
    except Unreadable as exc:
        raise SyncError([f"{display(paths.registry)}: {exc}"]) from None
    raw: dict[str, bytes] = {}
    problems: list[str] = []
    for f in paths.annotation_files():
        try:
            raw[f.stem] = f.read_bytes()
        except OSError as exc:
            problems.append(f"{display(f)}: {exc.strerror}")
    repo = Repo(paths, texts, registry, {}, raw, {})
    with _collector_paused():
        problems += _checked(repo, list(raw)) if require_valid else _parse_all(repo)
    if problems:
        raise SyncError([*problems[:20], *([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])])
    return repo


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a corpus is parsed: the documents are new, long-lived, acyclic
    containers, and the collector walking all of them again and again is half the time of parsing 10,000."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def corpus_spared() -> Iterator[Callable[[], None]]:
    """For a block that reads the corpus once and then works with it at length (a push): no collection
    while it is read, and calling the yielded function after the read moves every object so far out
    of the garbage collector's walks (`gc.freeze`) until the block ends.

    The corpus is hundreds of thousands of long-lived, acyclic containers; every full collection
    walked all of them again, which made building the import bodies 4x slower (1.05 s instead of
    0.24 s per 250 documents at 10,000) on the cores the server imports on. Objects frozen by
    someone before the block stay frozen.
    """
    was, mine, frozen = gc.isenabled(), gc.get_freeze_count() == 0, False
    gc.disable()

    def read() -> None:
        nonlocal frozen
        if mine and not frozen:
            gc.freeze()
            frozen = True
        if was:
            gc.enable()

    try:
        yield read
    finally:
        if frozen:
            gc.unfreeze()
        if was:
            gc.enable()


def _parse_all(repo: Repo) -> list[str]:
    """Every file parsed for use (orjson, see `_parse`); a file that is not JSON becomes a problem line."""
    problems = []
    for doc_id, data in repo.raw.items():
        path = repo.paths.annotation_file(doc_id)
        try:
            repo.files[doc_id], repo.whole_floats[doc_id] = _parse(data)
        except Unreadable as exc:
            problems.append(f"{display(path)}: {exc}")
    return problems


def _checked(repo: Repo, doc_ids: list[str]) -> list[str]:
    """Problem lines of these files: strict parse (what is pushed must be what every JSON reader reads,
    so duplicate keys are refused), schema and semantic checks; the documents and their whole-float
    flags stay in `repo`."""
    problems: list[str] = []
    for doc_id in doc_ids:
        path = repo.paths.annotation_file(doc_id)
        try:
            parsed = parse_json(decode_utf8(repo.raw[doc_id]))
        except Unreadable as exc:
            problems.append(f"{display(path)}: {exc}")
            continue
        problems.extend(f"{display(path)}:{flaw.pointer}: {flaw.message}" for flaw in parsed.flaws)
        repo.files[doc_id], repo.whole_floats[doc_id] = parsed.doc, None if parsed.flaws else parsed.whole_floats
        problems.extend(str(p) for p in repo.check(parsed.doc))
    return problems


#: A number with a fraction or exponent, as JSON writes it after `:`, `,` or `[` (a match inside a string only
#: costs a walk over the document; hex digests such as "3e5f" do not match, they follow a quote).
_FLOAT_TOKEN = re.compile(rb"[:,\[]\s*-?[0-9]+[.eE]")


def _parse(data: bytes) -> tuple[Any, bool | None]:
    """A file's document and whether it writes a whole number with a fraction (the schema check needs to know).

    orjson first (10x the standard parser; push reads every file of the corpus); anything it declines
    (a lone surrogate escape, a huge integer, malformed JSON) goes the validator's way, which says why.
    """
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = parse_json(decode_utf8(data))  # the bytes read, not the file again (it may have changed)
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
