"""Texts a user already has, put back into an annotations-only corpus: `cartel-fto hydrate FOLDER`.

A release may ship without the article texts (their redistribution rights are unknown). The
manifest still names every text's file and sha256, and the sha256 is the contract: a text whose
bytes differ by one byte would give every offset a different meaning, so it is refused, with one
line naming the file, the expected and the found digest. Nothing is written when any offered text
is refused; texts not offered are listed as missing; a text already in place is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cartel_fto_corpus.truth.atomic import write_all_atomic
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import documents, sha256_hex


@dataclass
class HydrateResult:
    #: texts found in the folder with the manifest's sha256
    restorable: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    #: one line each: `file: expected sha256 …, found …`; non-empty means nothing was written
    problems: list[str] = field(default_factory=list)


def hydrate(paths: CorpusPaths, source: Path, *, write: bool = True) -> HydrateResult:
    """Copy every manifest text found in `source` (by its file name) into the corpus's texts/."""
    result = HydrateResult()
    staged: dict[Path, bytes] = {}
    for doc in documents(paths):
        name, expected = doc["source_file"], doc["sha256"]
        target = paths.texts / name
        if target.is_file() and sha256_hex(target.read_bytes()) == expected:
            result.present.append(name)
            continue
        offered = Path(source) / name
        if not offered.is_file():
            result.missing.append(name)
            continue
        data = offered.read_bytes()
        found = sha256_hex(data)
        if found != expected:
            result.problems.append(f"{offered}: expected sha256 {expected} (manifest, {doc['id']}), found {found}")
            continue
        staged[target] = data
        result.restorable.append(name)
    if write and staged and not result.problems:
        write_all_atomic(staged)
        result.written = sorted(staged)
    return result
