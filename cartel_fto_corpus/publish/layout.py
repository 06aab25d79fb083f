"""The published file layout: split and fold assignment, shard names, where metadata files go,
file digests and the release manifest, the build's result.

Build, card, Croissant, loader and exports all ask this module how a release is laid out on disk, so
the naming rule and the digest rule exist once. It imports nothing else from the package's upper layers.

Only Parquet lives under `data/` (so `pyarrow.dataset.dataset("data/<config>")`, DuckDB and Polars
globs read it as is); the Croissant metadata and the release manifest `SHA256SUMS` sit at the dataset
root next to README.md. `SHA256SUMS` is the `sha256sum -c` format, paths relative to the root.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.truth.unionfind import UnionFind

#: Every document goes to this one split: see the card ("Splits") for why.
SPLIT = "test"


def split_of(doc_id: str) -> str:
    """The split of a document. With a handful of articles, two of which (001, 004) share wire copy, the
    corpus is evaluation-only: every document is in `test`, so no document and no near-duplicate
    pair can ever straddle two splits."""
    return SPLIT


#: Metadata files, relative to the dataset root (never inside `data/`).
CROISSANT = "croissant.json"
RELEASE_MANIFEST = "SHA256SUMS"
#: Number of document-grouped cross-validation folds (`ner_fold0` ... `ner_fold3`).
FOLDS = 4
FOLD_SPLITS = ("train", "validation", "test")


def document_groups(entries: Iterable[dict[str, Any]]) -> list[list[str]]:
    """Documents that share text (manifest `overlaps`) joined into groups (union-find, transitively),
    each group sorted, groups ordered by their first document id. A group never straddles two splits
    of a fold, so no wire copy shared by two articles is seen in training and again in evaluation."""
    uf = UnionFind()
    for e in entries:
        uf.find(e["id"])
        for o in e.get("overlaps", []):
            uf.union(e["id"], o["doc_id"])
    groups: dict[str, list[str]] = {}
    for doc in uf.parent:
        groups.setdefault(uf.find(doc), []).append(doc)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def fold_buckets(groups: list[list[str]], folds: int = FOLDS) -> list[list[str]]:
    """Groups dealt round-robin into `folds` buckets (documents of a bucket sorted)."""
    buckets: list[list[str]] = [[] for _ in range(folds)]
    for i, g in enumerate(groups):
        buckets[i % folds].extend(g)
    return [sorted(b) for b in buckets]


def fold_split(buckets: list[list[str]], fold: int, doc_id: str) -> str:
    """The split of a document in fold `fold`: bucket `fold` is `test`, the next bucket `validation`,
    the others `train` (classic k-fold rotation, whole groups only)."""
    k = len(buckets)
    for i, b in enumerate(buckets):
        if doc_id in b:
            if i == fold % k:
                return "test"
            return "validation" if i == (fold + 1) % k else "train"
    raise KeyError(f"document {doc_id!r} is in no fold bucket")


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
    examples: dict[str, dict[str, Any] | None]
    #: number of annotation sets -> number of documents with that many (for the card)
    set_counts: dict[int, int] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: document ids of each fold bucket (bucket k is the `test` split of fold k)
    folds: list[list[str]] = field(default_factory=list)
    #: built with `--annotations-only`: every text copied from the articles is null
    annotations_only: bool = False


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


def release_manifest(digests: Iterable[tuple[str, str]]) -> str:
    """`SHA256SUMS` text for (path relative to the dataset root, sha256) pairs, sorted by path."""
    return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(digests))


class ReleaseManifestError(ValueError):
    """A missing or malformed release manifest; `str()` is one line."""


def read_release_manifest(root: Path) -> dict[str, str]:
    """sha256 by path relative to the dataset root, from `SHA256SUMS` (written by the build from the
    bytes it wrote). Raises ReleaseManifestError (one line) if it is missing or malformed."""
    path = Path(root) / RELEASE_MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseManifestError(
            f"{path}: expected the release manifest written by `cartel-fto build`, found {type(exc).__name__}"
        ) from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        m = re.fullmatch(r"([0-9a-f]{64})  (\S.*)", line)
        if not m:
            raise ReleaseManifestError(f"{path}:{n}: expected '<sha256>  <path>', found {line[:80]!r}")
        out[m[2]] = m[1]
    return out
