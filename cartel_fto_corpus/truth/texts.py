"""The raw texts and the facts computed from them (the manifest).

The texts are the ground truth: this module reads their bytes and never changes them. Every
fact in the manifest (lengths, title, quality flags, repeated passages, overlaps) is computed
here from the bytes, so `cartel-fto manifest` can regenerate it and the validator can tell when
the committed manifest is stale.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cartel_fto_corpus.truth.jsonio import Unreadable, read_file_bytes
from cartel_fto_corpus.truth.offsets import lines_with_offsets, utf16_len
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import schema_version

#: Word n-gram size and containment threshold for the cross-document overlap flag. On this
#: corpus 001/004 (same event, same wire wording) reach 0.041; every other pair stays <= 0.019.
OVERLAP_NGRAM = 4
OVERLAP_THRESHOLD = 0.03

_BOLD_LINE = re.compile(r"^\*\*(.+)\*\*$")
_DATELINE = re.compile(
    r"^(January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{1,2}, \d{4} - "
)
_BOILERPLATE = re.compile(r"^(Reader Comments\(\d+\)|Share this article|Advertisement)$")
_WORD = re.compile(r"\w+")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Text:
    """One raw document: its id and its exact text."""

    doc_id: str
    source_file: str
    data: bytes
    #: why the file could not be read (not a regular file, too large), with `data` empty
    unreadable: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    def decode_error(self) -> str | None:
        """Why the bytes are not UTF-8 text (one phrase), or None: every offset counts code points of the decoded text."""
        if self.unreadable is not None:
            return self.unreadable
        try:
            self.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"expected UTF-8 text, found byte 0x{self.data[exc.start]:02x} at byte offset {exc.start}"
        return None


def read_texts(paths: CorpusPaths) -> list[Text]:
    """All texts of a corpus root, sorted by id; bytes as stored, undecoded until asked."""
    return [_read_text_file(p) for p in paths.text_files()]


def _read_text_file(path: Path) -> Text:
    try:
        return Text(path.stem, path.name, read_file_bytes(path))
    except Unreadable as exc:
        return Text(path.stem, path.name, b"", unreadable=str(exc))


_CHECKSUM_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *]?(.+)")


def parse_sha256sums(text: str) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """`sha256sum` lines -> ({file name: lower-case digest}, [(line number, line) of each line that is
    not one]); blank lines are skipped. The one parser of `texts/SHA256SUMS` (validate reports the bad lines)."""
    sums: dict[str, str] = {}
    bad: list[tuple[int, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _CHECKSUM_LINE.fullmatch(line.rstrip("\r"))
        if m is None:
            bad.append((n, line))
        else:
            sums[m.group(2)] = m.group(1).lower()
    return sums, bad


def read_checksums(path: Path) -> dict[str, str]:
    """`sha256sum`-format file -> {file name: hex digest} (lines that are not one are left out)."""
    return parse_sha256sums(path.read_text(encoding="utf-8"))[0]


def find_title(text: str) -> tuple[str, int, int] | None:
    """The headline: the first markdown-bold line that does not end like a sentence.

    Article 000 opens with a bold summary sentence and then a bold headline; the others have no
    headline at all and get none (a first sentence is not a title).
    """
    for start, _end, line in lines_with_offsets(text):
        m = _BOLD_LINE.match(line)
        if m and not m.group(1).rstrip().endswith((".", "!", "?")):
            return m.group(1), start + 2, start + 2 + len(m.group(1))
    return None


def repeated_passages(text: str) -> list[dict[str, int]]:
    """Non-empty lines that repeat an earlier line verbatim, with where they first stood."""
    first: dict[str, int] = {}
    out = []
    for start, end, line in lines_with_offsets(text):
        if not line.strip():
            continue
        if line in first:
            out.append({"start": start, "end": end, "first_start": first[line]})
        else:
            first[line] = start
    return out


def _ngrams(text: str, n: int = OVERLAP_NGRAM) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def overlaps(texts: Iterable[Text]) -> dict[str, list[dict[str, Any]]]:
    """Pairs of documents whose shared word 4-grams reach the containment threshold.

    Counts shared n-grams through an inverted index, so only pairs that share something are
    ever looked at (not all n^2 pairs).
    """
    grams = {t.doc_id: _ngrams(t.text) for t in texts}
    holders: dict[tuple[str, ...], list[str]] = {}
    for doc_id in sorted(grams):
        for g in grams[doc_id]:
            holders.setdefault(g, []).append(doc_id)
    shared: Counter[tuple[str, str]] = Counter()
    for docs in holders.values():
        for i, a in enumerate(docs):
            for b in docs[i + 1 :]:
                shared[(a, b)] += 1
    out: dict[str, list[dict[str, Any]]] = {d: [] for d in grams}
    for (a, b), count in sorted(shared.items()):
        containment = round(count / (min(len(grams[a]), len(grams[b])) or 1), 3)
        if containment >= OVERLAP_THRESHOLD:
            out[a].append({"doc_id": b, "shared_ngrams": count, "containment": containment})
            out[b].append({"doc_id": a, "shared_ngrams": count, "containment": containment})
    for entries in out.values():
        entries.sort(key=lambda e: e["doc_id"])
    return out


def quality_flags(text: str, repeats: list[dict[str, int]], overlap: list[dict[str, Any]]) -> list[str]:
    """Computed flags; the rules are in the code so that nobody types them by hand."""
    lines = [line for _s, _e, line in lines_with_offsets(text)]
    flags = {"no_source_metadata"}  # no text of this corpus came with URL, outlet or date
    if any(_BOLD_LINE.match(line) for line in lines):
        flags.add("markdown_markup")
    if repeats:
        flags.add("repeated_passages")
    if overlap:
        flags.add("overlaps_other_document")
    if any(ord(ch) > 0xFFFF for ch in text):
        flags.add("non_bmp_characters")
    if any(ch in text for ch in "\u2018\u2019\u201c\u201d"):
        flags.add("typographic_quotes")
    if any(line.lstrip().startswith(("\u2022", "- ", "* ")) for line in lines):
        flags.add("bullet_list")
    # A heading that ends in ':' followed directly by another heading: the section's body is missing
    # (002: "Press Secretary Karoline Leavitt emphasized the administration's resolve:").
    for cur, nxt in itertools.pairwise(lines):
        if cur.rstrip().endswith(":") and (nxt.rstrip().endswith(":") or not nxt.strip()):
            flags.add("empty_section")
    if any(_BOILERPLATE.match(line.strip()) for line in lines):
        flags.add("site_boilerplate")
    if lines and _DATELINE.match(lines[0]):
        flags.add("dateline")
    return sorted(flags)


def document_entry(t: Text, overlap: list[dict[str, Any]]) -> dict[str, Any]:
    text = t.text
    title = find_title(text)
    repeats = repeated_passages(text)
    return {
        "id": t.doc_id,
        "source_file": t.source_file,
        "sha256": sha256_hex(t.data),
        "n_bytes": len(t.data),
        "n_chars": len(text),
        "n_utf16": utf16_len(text),
        "n_lines": sum(1 for line in text.split("\n") if line.strip()),
        "title": title[0] if title else None,
        "title_start": title[1] if title else None,
        "title_end": title[2] if title else None,
        "url": None,
        "outlet": None,
        "published": None,
        "quality_flags": quality_flags(text, repeats, overlap),
        "repeated_passages": repeats,
        "overlaps": overlap,
    }


def compute_manifest(texts: list[Text]) -> dict[str, Any]:
    """The manifest document for these texts (pure: same texts, same manifest)."""
    ov = overlaps(texts)
    return {
        "schema_version": schema_version(),
        "documents": [document_entry(t, ov[t.doc_id]) for t in sorted(texts, key=lambda t: t.doc_id)],
    }


def dumps(obj: Any) -> str:
    """The one JSON layout of every file the project writes (stable diffs, UTF-8 kept)."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def load_manifest(paths: CorpusPaths | None = None) -> dict[str, Any]:
    paths = paths or CorpusPaths()
    return json.loads(paths.manifest.read_text(encoding="utf-8"))


def documents(paths: CorpusPaths | None = None) -> list[dict[str, Any]]:
    """Manifest entries of the corpus, sorted by id."""
    return load_manifest(paths)["documents"]


def read_text(doc_id: str, paths: CorpusPaths | None = None) -> str:
    """The exact text of one document."""
    return read_file_bytes((paths or CorpusPaths()).text_file(doc_id)).decode("utf-8")
