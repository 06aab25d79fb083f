"""The published file layout: split assignment, shard names, file digests, the build's result.

Build, card, Croissant and loader all ask this module how a release is laid out on disk, so the
naming rule and the digest rule exist once. It imports nothing else from the package's upper layers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Every document goes to this one split: see the card ("Splits") for why.
SPLIT = "test"


def split_of(doc_id: str) -> str:
    """The split of a document. With five articles, two of which (001, 004) share wire copy, the
    corpus is evaluation-only: every document is in `test`, so no document and no near-duplicate
    pair can ever straddle two splits."""
    return SPLIT


SHARD_NAME = re.compile(r"^(?P<split>[a-z]+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.parquet$")


def shard_name(split: str, i: int, n: int) -> str:
    return f"{split}-{i:05d}-of-{n:05d}.parquet"


@dataclass(frozen=True)
class Shard:
    """A written Parquet file: config, split, path relative to the data folder, digest, size, rows."""

    config: str
    split: str
    path: str
    sha256: str
    size: int
    rows: int


@dataclass
class BuildResult:
    shards: list[Shard]
    rows: dict[str, dict[str, int]]
    nbytes: dict[str, dict[str, int]]
    examples: dict[str, dict[str, Any] | None]
    #: number of annotation sets -> number of documents with that many (for the card)
    set_counts: dict[int, int] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    """sha256 of a file read in chunks (a shard can be hundreds of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def content_digest(files: list[tuple[str, str]]) -> str:
    """A short digest of (path relative to data/, sha256) pairs: what the card and fingerprints carry."""
    h = hashlib.sha256()
    for rel, digest in files:
        h.update(f"{rel}:{digest}\n".encode())
    return h.hexdigest()[:16]


def known_digests(data_dir: Path) -> dict[str, str]:
    """sha256 by path relative to the data folder, from croissant.json (the build writes both)."""
    path = data_dir / "croissant.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {d["contentUrl"]: d["sha256"] for d in doc.get("distribution", []) if "sha256" in d and "contentUrl" in d}
