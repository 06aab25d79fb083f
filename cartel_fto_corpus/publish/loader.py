"""`cartel_fto_corpus.load_dataset(config, split=None)`: the built Parquet as `datasets` objects, verified.

Reads the Parquet files shipped with the package (a checkout's `data/`, or the wheel's
`cartel_fto_corpus/_data/data/`) straight into memory: no download, no cache copy, nothing from the
data is executed. Before any row is returned each file is checked:

* its sha256, computed from the bytes just read, must equal the release manifest `SHA256SUMS` that
  the build wrote from the bytes it wrote (croissant.json is not trusted for this: it is metadata a
  user may edit, and a digest read from it proves nothing about the file);
* every ClassLabel column (top level, lists, and structs in lists) must hold values in
  `0..num_classes-1` (or null): `datasets` itself loads 99 or -7 silently and fails much later.

A failed check raises `CorruptData` whose message is one line naming the file. The fingerprint is
the package version and a digest of the computed sha256s, so `datasets` can never mistake rows of one
release or one build for another's. The features come from the files' own `huggingface` schema
metadata, which the build writes from `cartel_fto_corpus.publish.features`, so they equal what
`datasets.load_dataset` gives.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cartel_fto_corpus import __version__
from cartel_fto_corpus.publish.layout import SHARD_NAME, ReleaseManifestError, content_digest, read_release_manifest
from cartel_fto_corpus.truth.paths import DATA, data_root

if TYPE_CHECKING:
    import pyarrow as pa
    from datasets import Dataset, DatasetDict


class CorruptData(ValueError):
    """A shipped file that is not what the build wrote; `str()` is one line naming the file."""


def dataset_root(root: Path | str | None = None) -> Path:
    """The folder holding `data/`, `croissant.json` and `SHA256SUMS`."""
    return Path(root if root is not None else data_root())


def data_dir(root: Path | str | None = None) -> Path:
    """The folder holding `<config>/<split>-*.parquet` (Parquet only)."""
    return dataset_root(root) / DATA


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


def verified_tables(files: list[Path], root: Path | str | None = None, features: Any = None) -> tuple[list[pa.Table], str]:
    """The tables of `files`, each read once from bytes whose sha256 matched the release manifest,
    with their ClassLabel ranges checked against `features` (the package's own Features of the config,
    not the file's metadata; default: the file's); and the content digest of the computed sha256s."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = dataset_root(root)
    try:
        expected = read_release_manifest(base)
    except ReleaseManifestError as exc:
        raise CorruptData(str(exc)) from None
    tables, pairs = [], []
    for f in files:
        rel = f.relative_to(base).as_posix()
        blob = f.read_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        if rel not in expected:
            raise CorruptData(f"{rel}: expected a file listed in {base / 'SHA256SUMS'}, found an unlisted file")
        if digest != expected[rel]:
            raise CorruptData(
                f"{rel}: expected sha256 {expected[rel][:16]}… (release manifest), found {digest[:16]}…: "
                "the file changed after the build; reinstall or run `cartel-fto build`"
            )
        try:
            table = pq.read_table(pa.BufferReader(blob))
        except (OSError, pa.ArrowException) as exc:
            raise CorruptData(f"{rel}: expected Parquet, found unreadable data ({str(exc).splitlines()[0][:120]})") from None
        check_label_ranges(table, rel, features)
        tables.append(table)
        pairs.append((f.relative_to(data_dir(root)).as_posix(), digest))
    return tables, content_digest(pairs)


def _class_label_arrays(table: pa.Table, features: Any) -> list[tuple[str, Any, int]]:
    """(column path, flat Arrow array of its values, number of classes) of every ClassLabel column."""
    import pyarrow.compute as pc
    from datasets import ClassLabel, List

    out = []
    for name, feature in features.items():
        col = table.column(name)
        if isinstance(feature, ClassLabel):
            out.append((name, col, feature.num_classes))
        elif isinstance(feature, List) and isinstance(feature.feature, ClassLabel):
            out.append((name, pc.list_flatten(col), feature.feature.num_classes))
        elif isinstance(feature, List) and isinstance(feature.feature, dict):
            items = pc.list_flatten(col)
            for sub, subfeature in feature.feature.items():
                if isinstance(subfeature, ClassLabel):
                    out.append((f"{name}.{sub}", pc.struct_field(items, sub), subfeature.num_classes))
    return out


def check_label_ranges(table: pa.Table, rel: str, features: Any = None) -> None:
    """Raise CorruptData if a ClassLabel column holds a value outside `0..num_classes-1`."""
    import pyarrow.compute as pc
    from datasets import Features

    if features is None:
        features = Features.from_arrow_schema(table.schema)
    for column, values, n in _class_label_arrays(table, features):
        mm = pc.min_max(values).as_py()
        lo, hi = mm["min"], mm["max"]
        if lo is None:
            continue
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise CorruptData(f"{rel}: column {column}: expected ClassLabel values 0..{n - 1}, found {bad}")


def _known_configs() -> tuple[str, ...]:
    from cartel_fto_corpus.publish.features import CONFIGS

    return CONFIGS


def fingerprint(config: str, split: str, digest: str) -> str:
    return f"cartel_fto_corpus-{__version__}-{digest}-{config}-{split}"


def _load_split(config: str, split: str, files: list[Path], root: Path | str | None) -> Dataset:
    import pyarrow as pa
    from datasets import Dataset
    from datasets.table import InMemoryTable

    from cartel_fto_corpus.publish.features import features

    tables, digest = verified_tables(files, root, features(config) if config in _known_configs() else None)
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    # Features come from the `huggingface` schema metadata the build wrote into every file.
    return Dataset(InMemoryTable(table), fingerprint=fingerprint(config, split, digest))


def load_dataset(config: str = "articles", split: str | None = None, *, root: Path | str | None = None) -> Dataset | DatasetDict:
    """One config of the corpus: a `DatasetDict` of its splits, or the `Dataset` of `split`.

    `root` points at another dataset root holding `data/` and `SHA256SUMS` (default: the installed
    corpus). Raises CorruptData (one line) if a file fails its sha256 or label-range check.
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
