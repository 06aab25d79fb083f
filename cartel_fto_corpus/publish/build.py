"""`cartel-fto build`: raw texts + annotations -> Parquet per config, dataset card, Croissant.

The build is a pipeline with I/O only at its two ends. Pure row builders turn one document
(manifest entry, text, annotation set, registry) into the rows of every config; `ConfigWriter`
streams those rows into size-bounded Parquet shards, so memory stays flat however many documents
there are. Everything is deterministic: documents in id order, rows in annotation order, no
timestamps, fixed writer options, so two builds are byte-identical and `--check` can tell when
the committed files are stale. Nothing is written before the corpus validates, and the whole set of
files is staged and renamed into place in one journalled commit (`truth.journal`).

The main configs use the gold annotation set of each document (else its first set, with the
set's status in every row so a user can filter), see `summary.reference_set`.
"""

from __future__ import annotations

import contextlib
import filecmp
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cartel_fto_corpus.publish.features import CONFIGS, fold_config
from cartel_fto_corpus.publish.layout import (
    CROISSANT,
    FOLD_SPLITS,
    RELEASE_MANIFEST,
    SHARD_NAME,
    SPLIT,
    BuildResult,
    Shard,
    document_groups,
    fold_buckets,
    fold_split,
    release_manifest,
    sha256_file,
    split_of,
)
from cartel_fto_corpus.publish.reader import iter_documents, iter_manifest, load_registry
from cartel_fto_corpus.publish.rows import BuildError, cluster_rows, document_rows
from cartel_fto_corpus.publish.textless import without_texts
from cartel_fto_corpus.publish.writer import MAX_SHARD_BYTES, ConfigWriter
from cartel_fto_corpus.truth.journal import TXN_DIR, Transaction, fault_point, pending
from cartel_fto_corpus.truth.paths import DATA, CorpusPaths

__all__ = ["BuildError", "BuildResult", "InvalidCorpus", "Shard", "build", "stage", "stale_files"]


class InvalidCorpus(Exception):
    """The corpus does not validate; carries the validator's report."""

    def __init__(self, report: Any) -> None:
        super().__init__(f"{len(report.problems)} problems")
        self.report = report


def stage(paths: CorpusPaths, staging: Path, max_shard_bytes: int = MAX_SHARD_BYTES, *, annotations_only: bool = False) -> BuildResult:
    """Write every config's shards into `staging/<config>/`, one pass over the documents.

    `annotations_only`: every value copied from the texts is null (`publish.textless`)."""
    registry = load_registry(paths)
    keep = (lambda _config, row: row) if not annotations_only else without_texts
    writers: dict[tuple[str, str], ConfigWriter] = {}

    def writer(config: str, split: str) -> ConfigWriter:
        key = (config, split)
        if key not in writers:
            writers[key] = ConfigWriter(config, split, staging / config, max_shard_bytes)
        return writers[key]

    # Folds need every document's group before the first row: one light pass over the manifest.
    buckets = fold_buckets(document_groups(iter_manifest(paths.manifest)))
    members: dict[str, list[tuple[str, str, str | None]]] = {}
    set_counts: dict[int, int] = {}
    for doc in iter_documents(paths):
        n_sets = len(doc.annotation["annotations"]) if doc.annotation else 0
        set_counts[n_sets] = set_counts.get(n_sets, 0) + 1
        doc_id = doc.entry["id"]
        split = split_of(doc_id)
        for config, row in document_rows(doc, registry, members):
            row = keep(config, row)
            writer(config, split).add(row)
            for k in range(len(buckets)):  # every view has the same document-grouped folds
                writer(fold_config(config, k), fold_split(buckets, k, doc_id)).add(row)
    for row in cluster_rows(registry, members):
        writer("clusters", SPLIT).add(keep("clusters", row))
    for k in range(len(buckets)):  # a fold's split sees only the claims of its own documents
        for fsplit in FOLD_SPLITS:
            docs = {d for d in (x for b in buckets for x in b) if fold_split(buckets, k, d) == fsplit}
            here = {cid: [m for m in got if m[1] in docs] for cid, got in members.items()}
            for row in cluster_rows(registry, {cid: got for cid, got in here.items() if got}):
                if row["claim_ids"]:
                    writer(fold_config("clusters", k), fsplit).add(keep("clusters", row))
    for config in CONFIGS:  # every config exists, even with no rows (a fold's empty split has no file:
        if not any(c == config for c, _s in writers):  # `datasets` cannot read a Parquet file of 0 rows)
            writer(config, SPLIT)

    shards: list[Shard] = []
    rows: dict[str, dict[str, int]] = {c: {} for c in CONFIGS}
    examples: dict[str, dict[str, Any] | None] = {c: None for c in CONFIGS}
    for (config, split), w in sorted(writers.items(), key=lambda kv: (CONFIGS.index(kv[0][0]), kv[0][1])):
        for f in w.close():
            n = pq.ParquetFile(f).metadata.num_rows
            shards.append(Shard(config, split, f"{config}/{f.name}", sha256_file(f), f.stat().st_size, n))
        rows[config][split] = w.rows
        if examples[config] is None:
            examples[config] = w.first_row
    return BuildResult(shards, rows, examples, dict(sorted(set_counts.items())), folds=buckets, annotations_only=annotations_only)


def _same_bytes(a: Path, b: Path) -> bool:
    """Byte equality, compared in chunks; filecmp's cache is keyed on stat data that an edit can keep."""
    filecmp.clear_cache()
    return filecmp.cmp(a, b, shallow=False)


def build(
    paths: CorpusPaths,
    out: Path,
    *,
    validate_first: bool = True,
    max_shard_bytes: int = MAX_SHARD_BYTES,
    annotations_only: bool = False,
    lock: bool = True,
) -> BuildResult:
    """Validate, then write `out/data/<config>/<split>-i-of-n.parquet`, `out/croissant.json`, the release
    manifest `out/SHA256SUMS` and the card of `out/README.md`. Raises InvalidCorpus or BuildError before
    anything is replaced.

    Under the corpus lock (and the lock of `out`), so no writer changes the corpus while it is read;
    every file is staged and the whole set renamed in one journalled commit (`truth.journal`), so a
    killed build leaves the previous release or the new one, never Parquet of one and SHA256SUMS of
    the other. `lock=False` is for `stale_files`, which builds into a private temporary folder.
    """
    from cartel_fto_corpus.truth.lock import corpus_lock

    Path(out).mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if lock:
            stack.enter_context(corpus_lock(paths.root))
            stack.enter_context(corpus_lock(out))
        return _build(paths, Path(out), validate_first, max_shard_bytes, annotations_only)


def _build(paths: CorpusPaths, out: Path, validate_first: bool, max_shard_bytes: int, annotations_only: bool) -> BuildResult:
    from cartel_fto_corpus.publish.card import render_readme
    from cartel_fto_corpus.publish.croissant import croissant_json

    if validate_first:
        from cartel_fto_corpus.checks.validate import validate

        report = validate(None, paths.root)
        if report.problems:
            raise InvalidCorpus(report)
    data_dir = out / DATA
    with Transaction(out) as txn:
        staging = txn.staging_area("build")
        result = stage(paths, staging, max_shard_bytes, annotations_only=annotations_only)
        fault_point("build.staged")
        croissant = croissant_json(result.shards)
        sums = release_manifest((f"{DATA}/{sh.path}", sh.sha256) for sh in result.shards)
        readme = out / "README.md"
        card = render_readme(readme.read_text(encoding="utf-8") if readme.exists() else None, result)
        for s in result.shards:
            target = data_dir / s.path
            if not (target.exists() and _same_bytes(staging / s.path, target)):  # equal bytes: keep the mtime
                txn.adopt(target, staging / s.path)
                result.changed.append(f"{DATA}/{s.path}")
        produced = {s.path for s in result.shards}
        for rel in _shard_files(data_dir):
            if rel not in produced:
                txn.delete(data_dir / rel)
                result.removed.append(f"{DATA}/{rel}")
        stale_croissant = data_dir / "croissant.json"  # where earlier builds put it; only Parquet stays in data/
        if stale_croissant.exists():
            txn.delete(stale_croissant)
            result.removed.append(f"{DATA}/croissant.json")
        for target, text in ((out / CROISSANT, croissant), (out / RELEASE_MANIFEST, sums), (readme, card)):
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                txn.put(target, text)
                result.changed.append(str(target.relative_to(out)))
        txn.commit()
    return result


def leftovers(out: Path) -> list[str]:
    """What an interrupted writer left under `out` (a journal or staging, `data/.build-*/`, `.tmp` files), one line each."""
    out = Path(out)
    lines = []
    state = pending(out)
    if state is not None:
        lines.append(f"{TXN_DIR}: an interrupted write ({state}); the next build (or any writing command) finishes or removes it")
    data_dir = out / DATA
    for p in sorted(data_dir.glob(".build-*")) if data_dir.is_dir() else []:
        lines.append(f"{DATA}/{p.name}: left by an interrupted build; the next build removes it")
    for folder in [out, *(sorted(p for p in data_dir.iterdir() if p.is_dir()) if data_dir.is_dir() else [])]:
        for p in sorted(folder.glob(".*.tmp")):
            lines.append(f"{p.relative_to(out)}: left by an interrupted write; the next build removes it")
    return lines


def _shard_files(data_dir: Path) -> list[str]:
    """`<config>/<shard>` of every shard file of a known config under `data_dir`: the files a build owns there."""
    return [f"{c}/{f.name}" for c in CONFIGS for f in sorted((data_dir / c).glob("*.parquet")) if SHARD_NAME.match(f.name)]


def generated_files(out: Path) -> list[str]:
    """Paths (relative to `out`) of every file a build owns under `out`."""
    return ["README.md", CROISSANT, RELEASE_MANIFEST, *(f"{DATA}/{rel}" for rel in _shard_files(Path(out) / DATA))]


def stale_files(paths: CorpusPaths, out: Path) -> list[str]:
    """Build into a temporary copy and list every generated file that differs from the one in `out`."""
    with tempfile.TemporaryDirectory(prefix="cartel-fto-check-") as tmp:
        readme = Path(out) / "README.md"
        if readme.exists():
            shutil.copyfile(readme, Path(tmp) / "README.md")
        build(paths, Path(tmp), validate_first=False, lock=False)
        fresh, current = set(generated_files(Path(tmp))), set(generated_files(Path(out)))
        stale = leftovers(Path(out))
        for rel in sorted(fresh | current):
            a, b = Path(tmp) / rel, Path(out) / rel
            if rel not in current or not b.exists():
                stale.append(f"{rel}: missing")
            elif rel not in fresh:
                stale.append(f"{rel}: no longer produced by the build")
            elif not _same_bytes(a, b):
                stale.append(f"{rel}: stale (differs from a fresh build){_writer_note(a, b)}")
        return stale


def _writer_note(fresh: Path, committed: Path) -> str:
    """Why a Parquet file may differ with equal rows: another pyarrow wrote it (bytes are pinned to it)."""
    if fresh.suffix != ".parquet":
        return ""
    try:
        ours, theirs = pq.ParquetFile(fresh).metadata.created_by, pq.ParquetFile(committed).metadata.created_by
    except (OSError, pa.ArrowException):
        return ""
    return f"; committed file written by {theirs!r}, this build by {ours!r}" if ours != theirs else ""
