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

Speed (`benchmarks/bench_loader.py`: within 1.2x of `pq.read_table` + sha256 + `datasets`' own
`Dataset` constructor on the same files): each file is read into memory once, hashed, and parsed from
those same bytes, so what is parsed is what was hashed. No verification result is cached: every load
hashes every byte and checks every label again, so a file changed between two loads in one process is
caught; only the features comparison is kept per metadata bytes (the same bytes decode to the same
features). Issue 26 removed a hashing thread and a pickled per-config `Dataset` template, which had
held issue 11's 1.2x of `pq.read_table` alone by saving 1-2 ms a split.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cartel_fto_corpus import __version__
from cartel_fto_corpus.publish.layout import SHARD_NAME, ReleaseManifestError, content_digest, read_release_manifest
from cartel_fto_corpus.truth.jsonio import Unreadable, read_file_bytes
from cartel_fto_corpus.truth.paths import DATA, data_root

if TYPE_CHECKING:
    import pyarrow as pa
    from datasets import Dataset, DatasetDict


class CorruptData(ValueError):
    """A shipped file that is not what the build wrote; `str()` is one line naming the file."""


#: Sanity bound on one Parquet shard (the build cuts shards at 256 MiB): a bigger file, like a
#: device or a pipe, is not one the build wrote, and is refused before it is read.
MAX_SHARD_FILE_BYTES = 4 * 2**30


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
    """{split: its shard files in order} of one config (none if the config has no folder)."""
    folder = data_dir(root) / config
    try:
        names = sorted(e.name for e in os.scandir(folder))  # ~2x faster than Path.glob, per load
    except (FileNotFoundError, NotADirectoryError):
        return {}
    out: dict[str, list[Path]] = {}
    for name in names:
        m = SHARD_NAME.match(name)
        if m:
            out.setdefault(m["split"], []).append(folder / name)
    return out


def release_digests(root: Path | str | None = None) -> dict[str, str]:
    """The release manifest of the dataset root; CorruptData (one line) if missing or malformed."""
    try:
        return read_release_manifest(dataset_root(root))
    except ReleaseManifestError as exc:
        raise CorruptData(str(exc)) from None


def verified_tables(
    files: list[Path], root: Path | str | None = None, features: Any = None, expected: dict[str, str] | None = None
) -> tuple[list[pa.Table], str]:
    """The tables of `files`, each read once from bytes whose sha256 matched the release manifest,
    with their ClassLabel ranges checked against `features` (the package's own Features of the config,
    not the file's metadata; default: the file's); and the content digest of the computed sha256s.
    `expected`: the release manifest if the caller already read it (once per `load_dataset`, not
    once per split), else read here.

    Each file is read into memory once; its sha256 is computed from those bytes and checked before they
    are parsed (never re-read from disk, so what is parsed is what was hashed), and a changed file is
    always reported as changed. pyarrow >= 14.0.1 (we require 15) no longer deserialises Python objects
    from Parquet metadata (CVE-2023-47248).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = dataset_root(root)
    data = data_dir(root)
    if expected is None:
        expected = release_digests(root)
    tables, pairs = [], []
    for f in files:
        rel = f.relative_to(base).as_posix()
        if rel not in expected:
            raise CorruptData(f"{rel}: expected a file listed in {base / 'SHA256SUMS'}, found an unlisted file")
        try:
            blob = read_file_bytes(f, MAX_SHARD_FILE_BYTES)
        except Unreadable as exc:
            raise CorruptData(f"{rel}: {exc}") from None
        digest = hashlib.sha256(blob).hexdigest()
        if digest != expected[rel]:
            raise CorruptData(
                f"{rel}: expected sha256 {expected[rel][:16]}… (release manifest), found {digest[:16]}…: "
                "the file changed after the build; reinstall or run `cartel-fto build`"
            )
        try:
            table = pq.read_table(pa.BufferReader(blob))
        except (OSError, pa.ArrowException) as exc:
            raise CorruptData(f"{rel}: expected Parquet, found unreadable data ({str(exc).splitlines()[0][:120]})") from None
        if features is not None:
            check_features(table, rel, features)
        check_label_ranges(table, rel, features)
        tables.append(table)
        pairs.append((f.relative_to(data).as_posix(), digest))
    return tables, content_digest(pairs)


def _class_label_arrays(table: pa.Table, features: Any) -> Iterator[tuple[str, Any, int]]:
    """(column path, flat Arrow array of its values, number of classes) of every ClassLabel column."""
    import pyarrow.compute as pc

    from cartel_fto_corpus.publish.features import label_columns

    flat: dict[str, Any] = {}  # a list column flattened once for all its struct fields
    for column, sub, label, in_list in label_columns(features):
        if in_list and column not in flat:
            flat[column] = pc.list_flatten(table.column(column))
        values = flat[column] if in_list else table.column(column)
        if sub:
            yield f"{column}.{sub}", pc.struct_field(values, sub), label.num_classes
        else:
            yield column, values, label.num_classes


#: (id of the package's Features object, the file's `huggingface` metadata bytes) already compared equal.
_FEATURES_SEEN: dict[tuple[int, bytes], Any] = {}


def check_features(table: pa.Table, rel: str, features: Any) -> None:
    """Raise CorruptData unless the file's features (its `huggingface` schema metadata, which
    `datasets` serves as the dataset's features) equal the package's own for the config.

    ClassLabel names used to be taken from the file: a file with two names swapped loaded with
    every label meaning the other class. The comparison is kept per metadata bytes (the same bytes
    always decode to the same features): parsing them again cost a fifth of a small config's load.
    """
    from datasets import Features

    raw = (table.schema.metadata or {}).get(b"huggingface", b"")
    key = (id(features), raw)
    if _FEATURES_SEEN.get(key) is features:
        return
    try:
        found = Features.from_arrow_schema(table.schema)
    except Exception as exc:  # any malformed metadata is one line, never a traceback
        raise CorruptData(f"{rel}: expected the features of the package, found unreadable schema metadata ({type(exc).__name__})") from None
    if found != features:
        column = next(c for c in [*features, *found] if features.get(c) != found.get(c))
        want = repr(features.get(column, "no such column"))[:160]
        got = repr(found.get(column, "no such column"))[:160]
        raise CorruptData(f"{rel}: column {column}: expected the package's feature {want}, found {got}")
    _FEATURES_SEEN[key] = features


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


def fingerprint(config: str, split: str, digest: str) -> str:
    return f"cartel_fto_corpus-{__version__}-{digest}-{config}-{split}"


def _load_split(config: str, split: str, files: list[Path], root: Path | str | None, expected: dict[str, str]) -> Dataset:
    import pyarrow as pa
    from datasets import Dataset
    from datasets.table import InMemoryTable

    from cartel_fto_corpus.publish.features import CONFIGS, features

    tables, digest = verified_tables(files, root, features(config) if config in CONFIGS else None, expected)
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    # Features come from the `huggingface` schema metadata the build wrote into every file, checked
    # equal to the package's own (`check_features`) before it is served.
    return Dataset(InMemoryTable(table), fingerprint=fingerprint(config, split, digest))


def _listed_files(config: str, expected: dict[str, str]) -> list[str]:
    prefix = f"{DATA}/{config}/"
    return sorted(rel for rel in expected if rel.startswith(prefix) and "/" not in rel[len(prefix) :])


def check_listed_present(config: str, splits: dict[str, list[Path]], expected: dict[str, str], root: Path | str | None) -> None:
    """The release manifest read the other way: every shard it lists for `config` is present.

    Checking only the files found against the manifest let a deleted `validation` shard give a
    fold without validation and no error; the presence check costs one set comparison per load.
    """
    present = {f"{DATA}/{config}/{f.name}" for files in splits.values() for f in files}
    missing = [rel for rel in _listed_files(config, expected) if rel not in present]
    if missing:
        base = dataset_root(root)
        raise CorruptData(
            f"{missing[0]}: expected the file listed in {base / 'SHA256SUMS'}, found none"
            + (f" (and {len(missing) - 1} more missing)" if len(missing) > 1 else "")
            + "; reinstall or run `cartel-fto build`"
        )


def load_dataset(config: str = "articles", split: str | None = None, *, root: Path | str | None = None) -> Dataset | DatasetDict:
    """One config of the corpus: a `DatasetDict` of its splits, or the `Dataset` of `split`.

    `root` points at another dataset root holding `data/` and `SHA256SUMS` (default: the installed
    corpus). Raises CorruptData (one line) if a file fails its sha256 or label-range check.
    """
    from datasets import DatasetDict

    splits = split_files(config, root)
    if not splits:
        try:
            listed = release_digests(root)
        except CorruptData:
            listed = {}
        from cartel_fto_corpus.publish.features import CONFIGS

        if config in CONFIGS and _listed_files(config, listed):
            check_listed_present(config, splits, listed, root)
        known = ", ".join(available_configs(root)) or "none (run `cartel-fto build`)"
        raise ValueError(f"unknown config {config!r} in {data_dir(root)}; expected one of: {known}")
    expected = release_digests(root)
    check_listed_present(config, splits, expected, root)
    if split is not None:
        if split not in splits:
            raise ValueError(f"unknown split {split!r} of config {config!r}; expected one of: {', '.join(sorted(splits))}")
        return _load_split(config, split, splits[split], root, expected)
    return DatasetDict({s: _load_split(config, s, files, root, expected) for s, files in sorted(splits.items())})
