"""`cartel_fto_corpus.load_dataset(config, split=None)`: the built Parquet as `datasets` objects.

Reads the Parquet files shipped with the package (a checkout's `data/`, or the wheel's
`cartel_fto_corpus/_data/data/`) straight into memory: no download, no cache copy, nothing from the
data is executed. The fingerprint names the package version and a hash of the files' sha256 (read
from `croissant.json`, else computed), so `datasets` can never mistake rows of one release or one
build for another's. The features come from the files' own `huggingface` schema metadata, which the
build writes from `cartel_fto_corpus.publish.features`, so they equal what `datasets.load_dataset` gives.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from cartel_fto_corpus import __version__
from cartel_fto_corpus.publish.layout import SHARD_NAME, content_digest, known_digests
from cartel_fto_corpus.truth.paths import DATA, data_root

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict


def data_dir(root: Path | str | None = None) -> Path:
    """The folder holding `<config>/<split>-*.parquet` and `croissant.json`."""
    return Path(root if root is not None else data_root()) / DATA


def available_configs(root: Path | str | None = None) -> list[str]:
    from cartel_fto_corpus.publish.features import CONFIGS

    base = data_dir(root)
    return [c for c in CONFIGS if any((base / c).glob("*.parquet"))]


def split_files(config: str, root: Path | str | None = None) -> dict[str, list[Path]]:
    """{split: its shard files in order} of one config."""
    out: dict[str, list[Path]] = {}
    for f in sorted((data_dir(root) / config).glob("*.parquet")):
        m = SHARD_NAME.match(f.name)
        if m:
            out.setdefault(m["split"], []).append(f)
    return out


def content_hash(files: list[Path], root: Path | str | None = None) -> str:
    """The content digest of these files: their sha256s from croissant.json, or read if unlisted."""
    known = known_digests(data_dir(root))
    base = data_dir(root)
    pairs = []
    for f in files:
        rel = f.relative_to(base).as_posix()
        digest = known.get(rel)
        if digest is None:
            digest = hashlib.sha256(f.read_bytes()).hexdigest()
        pairs.append((rel, digest))
    return content_digest(pairs)


def fingerprint(config: str, split: str, files: list[Path], root: Path | str | None = None) -> str:
    return f"cartel_fto_corpus-{__version__}-{content_hash(files, root)}-{config}-{split}"


def _load_split(config: str, split: str, files: list[Path], root: Path | str | None) -> Dataset:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Dataset
    from datasets.table import InMemoryTable

    tables = [pq.read_table(f) for f in files]
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    # Features come from the `huggingface` schema metadata the build wrote into every file.
    return Dataset(InMemoryTable(table), fingerprint=fingerprint(config, split, files, root))


def load_dataset(config: str = "articles", split: str | None = None, *, root: Path | str | None = None) -> Dataset | DatasetDict:
    """One config of the corpus: a `DatasetDict` of its splits, or the `Dataset` of `split`.

    `root` points at another dataset root holding `data/` (default: the installed corpus).
    """
    from datasets import DatasetDict

    splits = split_files(config, root)
    if not splits:
        known = ", ".join(available_configs(root)) or "none (run `cartel-fto build`)"
        raise ValueError(f"unknown config {config!r} in {data_dir(root)}; expected one of: {known}")
    if split is not None:
        if split not in splits:
            raise ValueError(f"unknown split {split!r} of config {config!r}; expected one of: {', '.join(sorted(splits))}")
        return _load_split(config, split, splits[split], root)
    return DatasetDict({s: _load_split(config, s, files, root) for s, files in sorted(splits.items())})
