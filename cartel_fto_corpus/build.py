"""`cartel-fto build`: raw texts + annotations -> Parquet per config, dataset card, Croissant.

The build is a pipeline with I/O only at its two ends. Pure row builders turn one document
(manifest entry, text, annotation set, registry) into the rows of every config; `ConfigWriter`
streams those rows into size-bounded Parquet shards, so memory stays flat however many documents
there are. Everything is deterministic: documents in id order, rows in annotation order, no
timestamps, fixed writer options, so two builds are byte-identical and `--check` can tell when
the committed files are stale. Nothing is written before the corpus validates, and every file is
written under a temporary name and renamed into place.

The main configs use the gold annotation set of each document (else its first set, with the
set's status in every row so a user can filter), see `summary.reference_set`.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pyarrow as pa
import pyarrow.parquet as pq

from cartel_fto_corpus.atomic import write_atomic
from cartel_fto_corpus.features import CONFIGS, features
from cartel_fto_corpus.offsets import lines_with_offsets
from cartel_fto_corpus.options import root_option
from cartel_fto_corpus.paths import DATA, CorpusPaths
from cartel_fto_corpus.summary import reference_set
from cartel_fto_corpus.tokenize import MisalignedMention, bio_tags, tokenize

#: Every document goes to this one split: see the card ("Splits") for why.
SPLIT = "test"


def split_of(doc_id: str) -> str:
    """The split of a document. With five articles, two of which (001, 004) share wire copy, the
    corpus is evaluation-only: every document is in `test`, so no document and no near-duplicate
    pair can ever straddle two splits."""
    return SPLIT


class BuildError(ValueError):
    """Data the build cannot turn into rows; `str()` is one line `file:pointer: message`."""

    def __init__(self, file: str, pointer: str, message: str) -> None:
        super().__init__(f"{file}:{pointer}: {message}")


@dataclass(frozen=True)
class Registry:
    """The corpus registry as lookups by id."""

    entities: dict[str, dict[str, Any]]
    targets: dict[str, dict[str, Any]]
    clusters: dict[str, dict[str, Any]]
    cluster_order: tuple[str, ...]

    @classmethod
    def from_json(cls, reg: dict[str, Any]) -> Registry:
        return cls(
            {e["id"]: e for e in reg["entities"]},
            {t["id"]: t for t in reg["targets"]},
            {c["id"]: c for c in reg["clusters"]},
            tuple(c["id"] for c in reg["clusters"]),
        )


def provenance(aset: dict[str, Any]) -> dict[str, Any]:
    return {"annotator": aset["annotator"], "status": aset["status"], "guideline_version": aset["guideline_version"]}


def article_row(entry: dict[str, Any], text: str) -> dict[str, Any]:
    """The `articles` row of a document: its manifest entry (computed facts) and its text."""
    return {
        "id": entry["id"],
        "title": entry["title"],
        "text": text,
        "sha256": entry["sha256"],
        "source_file": entry["source_file"],
        "n_bytes": entry["n_bytes"],
        "n_chars": entry["n_chars"],
        "n_utf16": entry["n_utf16"],
        "n_lines": entry["n_lines"],
        "title_start": entry["title_start"],
        "title_end": entry["title_end"],
        "quality_flags": list(entry["quality_flags"]),
        "repeated_passages": [{"start": r["start"], "end": r["end"], "first_start": r["first_start"]} for r in entry["repeated_passages"]],
        "overlaps": [
            {"doc_id": o["doc_id"], "shared_ngrams": o["shared_ngrams"], "containment": float(o["containment"])} for o in entry["overlaps"]
        ],
    }


def entities_row(doc_id: str, text: str, aset: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """One row per document: every mention with its canonical entity, name and QID."""
    mentions = []
    for m in aset["entities"]:
        ent = registry.entities[m["entity"]]
        mentions.append(
            {
                "id": m["id"],
                "start": m["start"],
                "end": m["end"],
                "text": m["text"],
                "label": m["label"],
                "entity": m["entity"],
                "entity_name": ent["name"],
                "org_type": ent["org_type"],
                "qid": ent["qid"],
                "qid_status": (ent.get("qid_source") or {}).get("status"),
            }
        )
    return {"id": doc_id, "doc_id": doc_id, "text": text, **provenance(aset), "entities": mentions}


def ner_rows(doc_id: str, text: str, aset: dict[str, Any], file: str = "", set_index: int = 0) -> Iterator[dict[str, Any]]:
    """One token-classification row per non-empty line (the corpus's paragraph), offsets into the
    document. Raises BuildError if a mention edge falls inside a token."""
    mentions = sorted(aset["entities"], key=lambda m: m["start"])
    index = {id(m): j for j, m in enumerate(aset["entities"])}
    k = 0
    for number, (start, end, _line) in enumerate(lines_with_offsets(text), start=1):
        tokens = tokenize(text, start, end)
        if not tokens:
            continue
        while k < len(mentions) and mentions[k]["end"] <= start:
            k += 1
        here = []
        j = k
        while j < len(mentions) and mentions[j]["start"] < end:
            here.append(mentions[j])
            j += 1
        try:
            tags = bio_tags(tokens, here)
        except MisalignedMention as exc:
            bad = next((m for m in here if f"mention {m['id']} " in str(exc)), here[0])
            raise BuildError(file or doc_id, f"/annotations/{set_index}/entities/{index[id(bad)]}", str(exc)) from None
        yield {
            "id": f"{doc_id}/L{number}",
            "doc_id": doc_id,
            "paragraph": number,
            "tokens": [t.text for t in tokens],
            "ner_tags": tags,
            "token_starts": [t.start for t in tokens],
            "token_ends": [t.end for t in tokens],
        }


def actor_columns(prefix: str, actor: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """Flat, nullable columns of a holder or claimant."""
    ent = registry.entities.get(actor.get("entity", ""), {})
    span = actor.get("span") or {}
    return {
        f"{prefix}_kind": actor["kind"],
        f"{prefix}_entity": actor.get("entity"),
        f"{prefix}_name": ent.get("name"),
        f"{prefix}_qid": ent.get("qid"),
        f"{prefix}_mention": actor.get("mention"),
        f"{prefix}_description": actor.get("description"),
        f"{prefix}_start": span.get("start"),
        f"{prefix}_end": span.get("end"),
        f"{prefix}_text": span.get("text"),
    }


def stance_rows(doc_id: str, text: str, aset: dict[str, Any], registry: Registry) -> Iterator[dict[str, Any]]:
    for st in aset["stances"]:
        target = registry.targets[st["target"]]
        yield {
            "id": f"{doc_id}/{st['id']}",
            "doc_id": doc_id,
            "stance_id": st["id"],
            "text": text,
            **provenance(aset),
            **actor_columns("holder", st["holder"], registry),
            "target": st["target"],
            "target_name": target["name"],
            "target_description": target["description"],
            "label": st["label"],
            "attribution": st["attribution"],
            "evidence": [{"start": e["start"], "end": e["end"], "text": e["text"]} for e in st["evidence"]],
            "note": st.get("note"),
        }


def claim_rows(doc_id: str, text: str, aset: dict[str, Any], registry: Registry) -> Iterator[dict[str, Any]]:
    for cl in aset["claims"]:
        yield {
            "id": f"{doc_id}/{cl['id']}",
            "doc_id": doc_id,
            "claim_id": cl["id"],
            "text": text,
            **provenance(aset),
            "start": cl["start"],
            "end": cl["end"],
            "claim": cl["text"],
            "multi_paragraph": bool(cl.get("multi_paragraph", False)),
            **actor_columns("claimant", cl["claimant"], registry),
            "attribution": cl["attribution"],
            "type": cl["type"],
            "checkworthiness": cl["checkworthiness"],
            "hedged": cl["hedged"],
            "clusters": list(cl["clusters"]),
        }


def cluster_rows(registry: Registry, members: dict[str, list[tuple[str, str]]]) -> Iterator[dict[str, Any]]:
    """The cluster registry, each cluster with the claim rows (id, doc id) that belong to it."""
    for cid in registry.cluster_order:
        c = registry.clusters[cid]
        got = members.get(cid, [])
        yield {
            "id": cid,
            "kind": c["kind"],
            "summary": c["summary"],
            "discrepancies": c["discrepancies"],
            "claim_ids": [claim for claim, _doc in got],
            "doc_ids": sorted({doc for _claim, doc in got}),
        }


# --------------------------------------------------------------------------- reading, streamed

_MANIFEST_CHUNK = 1 << 16


def iter_manifest(path: Path, key: str = "documents") -> Iterator[dict[str, Any]]:
    """The entries of the manifest's `documents` array, decoded one at a time.

    The manifest grows with the corpus; decoding it entry by entry keeps the build's memory flat.
    Relies only on the array being the value of the top-level key `documents` (it is the last key
    `corpus.compute_manifest` writes; the validator has checked the file against its schema).
    """
    decoder = json.JSONDecoder()
    start = re.compile(rf'"{key}"\s*:\s*\[')
    with open(path, encoding="utf-8") as fh:
        buf, eof = "", False

        def more() -> None:
            nonlocal buf, eof
            chunk = fh.read(_MANIFEST_CHUNK)
            eof = not chunk
            buf += chunk

        while not (m := start.search(buf)):
            if eof:
                raise ValueError(f"{path}: no {key!r} array")
            more()
        buf = buf[m.end() :]
        while True:
            stripped = buf.lstrip(" \t\r\n,")
            if not stripped and not eof:
                buf = stripped
                more()
                continue
            buf = stripped
            if buf.startswith("]"):
                return
            try:
                obj, end = decoder.raw_decode(buf)
            except json.JSONDecodeError:
                if eof:
                    raise
                more()
                continue
            yield obj
            buf = buf[end:]


@dataclass(frozen=True)
class Document:
    entry: dict[str, Any]
    text: str
    annotation: dict[str, Any] | None
    file: str


def iter_documents(paths: CorpusPaths) -> Iterator[Document]:
    """Documents in id order, each read only when its turn comes."""
    for entry in iter_manifest(paths.manifest):
        text = paths.text_file(entry["id"]).read_bytes().decode("utf-8")
        f = paths.annotation_file(entry["id"])
        ann = json.loads(f.read_text(encoding="utf-8")) if f.exists() else None
        yield Document(entry, text, ann, _display(f))


def _display(path: Path) -> str:
    from cartel_fto_corpus.validate import display

    return display(path)


def load_registry(paths: CorpusPaths) -> Registry:
    if not paths.registry.exists():
        return Registry({}, {}, {}, ())
    return Registry.from_json(json.loads(paths.registry.read_text(encoding="utf-8")))


def document_rows(doc: Document, registry: Registry, members: dict[str, list[tuple[str, str]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(config, row) for every row one document contributes; records claim-cluster membership."""
    doc_id = doc.entry["id"]
    yield "articles", article_row(doc.entry, doc.text)
    aset = reference_set(doc.annotation) if doc.annotation else None
    if aset is None:
        return
    set_index = doc.annotation["annotations"].index(aset)
    yield "entities", entities_row(doc_id, doc.text, aset, registry)
    for row in ner_rows(doc_id, doc.text, aset, doc.file, set_index):
        yield "ner", row
    for row in stance_rows(doc_id, doc.text, aset, registry):
        yield "stance", row
    for row in claim_rows(doc_id, doc.text, aset, registry):
        for cid in row["clusters"]:
            members.setdefault(cid, []).append((row["id"], doc_id))
        yield "claims", row


# --------------------------------------------------------------------------- writing, sharded

#: Arrow bytes per Parquet shard before the next shard starts (the Hub converts to ~500 MB shards).
MAX_SHARD_BYTES = 256 * 2**20
#: Buffered rows become a row group at this many (approximate) bytes or rows.
ROW_GROUP_BYTES = 8 * 2**20
ROW_GROUP_ROWS = 10_000
#: Fixed writer options: part of what makes two builds byte-identical.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}
SHARD_NAME = re.compile(r"^(?P<split>[a-z]+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.parquet$")


def shard_name(split: str, i: int, n: int) -> str:
    return f"{split}-{i:05d}-of-{n:05d}.parquet"


def _approx_bytes(value: Any) -> int:
    if isinstance(value, str):
        return len(value) + 8
    if isinstance(value, dict):
        return sum(_approx_bytes(v) for v in value.values())
    if isinstance(value, list):
        return sum(_approx_bytes(v) for v in value) + 8
    return 8


@dataclass
class ConfigWriter:
    """Streams the rows of one config and split into Parquet shards in a staging folder."""

    config: str
    split: str
    folder: Path
    max_shard_bytes: int = MAX_SHARD_BYTES
    rows: int = 0
    nbytes: int = 0
    first_row: dict[str, Any] | None = None
    _buffer: list[dict[str, Any]] = field(default_factory=list)
    _buffered: int = 0
    _parts: list[Path] = field(default_factory=list)
    _writer: pq.ParquetWriter | None = None
    _shard_bytes: int = 0

    def __post_init__(self) -> None:
        self.features = features(self.config)
        self.schema = self.features.arrow_schema
        self.folder.mkdir(parents=True, exist_ok=True)

    def add(self, row: dict[str, Any]) -> None:
        if self.first_row is None:
            self.first_row = row
        encoded = self.features.encode_example(row)
        self._buffer.append(encoded)
        self._buffered += _approx_bytes(encoded)
        self.rows += 1
        if self._buffered >= min(ROW_GROUP_BYTES, self.max_shard_bytes) or len(self._buffer) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        table = pa.Table.from_pylist(self._buffer, schema=self.schema)
        self._buffer, self._buffered = [], 0
        if self._writer is None:
            self._parts.append(self.folder / f"{self.split}.{len(self._parts)}.part")
            self._writer = pq.ParquetWriter(self._parts[-1], self.schema, **PARQUET_OPTIONS)
        self._writer.write_table(table, row_group_size=table.num_rows)
        self._shard_bytes += table.nbytes
        self.nbytes += table.nbytes
        if self._shard_bytes >= self.max_shard_bytes:
            self._writer.close()
            self._writer, self._shard_bytes = None, 0

    def close(self) -> list[Path]:
        """Finish the last shard and give every shard its final `<split>-i-of-n` name."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if not self._parts:  # an empty config still has a file, so every config loads
            self._parts.append(self.folder / f"{self.split}.0.part")
            pq.write_table(self.schema.empty_table(), self._parts[-1], **PARQUET_OPTIONS)
        n = len(self._parts)
        final = []
        for i, part in enumerate(self._parts):
            target = self.folder / shard_name(self.split, i, n)
            part.rename(target)
            final.append(target)
        return final


# --------------------------------------------------------------------------- the build


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


class InvalidCorpus(Exception):
    """The corpus does not validate; carries the validator's report."""

    def __init__(self, report: Any) -> None:
        super().__init__(f"{len(report.problems)} problems")
        self.report = report


def stage(paths: CorpusPaths, staging: Path, max_shard_bytes: int = MAX_SHARD_BYTES) -> BuildResult:
    """Write every config's shards into `staging/<config>/`, one pass over the documents."""
    registry = load_registry(paths)
    writers: dict[tuple[str, str], ConfigWriter] = {}

    def writer(config: str, split: str) -> ConfigWriter:
        key = (config, split)
        if key not in writers:
            writers[key] = ConfigWriter(config, split, staging / config, max_shard_bytes)
        return writers[key]

    members: dict[str, list[tuple[str, str]]] = {}
    set_counts: dict[int, int] = {}
    for doc in iter_documents(paths):
        n_sets = len(doc.annotation["annotations"]) if doc.annotation else 0
        set_counts[n_sets] = set_counts.get(n_sets, 0) + 1
        split = split_of(doc.entry["id"])
        for config, row in document_rows(doc, registry, members):
            writer(config, split).add(row)
    for row in cluster_rows(registry, members):
        writer("clusters", SPLIT).add(row)
    for config in CONFIGS:  # every config exists, even with no rows
        writer(config, SPLIT)

    shards: list[Shard] = []
    rows: dict[str, dict[str, int]] = {c: {} for c in CONFIGS}
    nbytes: dict[str, dict[str, int]] = {c: {} for c in CONFIGS}
    examples: dict[str, dict[str, Any] | None] = {c: None for c in CONFIGS}
    for (config, split), w in sorted(writers.items(), key=lambda kv: (CONFIGS.index(kv[0][0]), kv[0][1])):
        for f in w.close():
            n = pq.ParquetFile(f).metadata.num_rows
            shards.append(Shard(config, split, f"{config}/{f.name}", _sha256_file(f), f.stat().st_size, n))
        rows[config][split] = w.rows
        nbytes[config][split] = w.nbytes
        if examples[config] is None:
            examples[config] = w.first_row
    return BuildResult(shards, rows, nbytes, examples, dict(sorted(set_counts.items())))


def _sha256_file(path: Path) -> str:
    """sha256 of a file read in chunks (a shard can be hundreds of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _same_bytes(a: Path, b: Path) -> bool:
    """Byte equality, compared in chunks; filecmp's cache is keyed on stat data that an edit can keep."""
    filecmp.clear_cache()
    return filecmp.cmp(a, b, shallow=False)


def _replace_if_changed(src: Path, dst: Path) -> bool:
    """Move `src` over `dst` unless the bytes are equal (keeps mtimes, so caches keyed on them stay)."""
    if dst.exists() and _same_bytes(src, dst):
        src.unlink()
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    src.replace(dst)  # same file system: an atomic rename
    return True


def build(paths: CorpusPaths, out: Path, *, validate_first: bool = True, max_shard_bytes: int = MAX_SHARD_BYTES) -> BuildResult:
    """Validate, then write `out/data/<config>/<split>-i-of-n.parquet`, `out/data/croissant.json` and the
    card block of `out/README.md`. Raises InvalidCorpus or BuildError before anything is replaced."""
    from cartel_fto_corpus.card import render_readme
    from cartel_fto_corpus.croissant import croissant_json

    if validate_first:
        from cartel_fto_corpus.validate import validate

        report = validate(None, paths.root, jobs=os.cpu_count() or 1)
        if report.problems:
            raise InvalidCorpus(report)
    data_dir = Path(out) / DATA
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".build-"))
    try:
        result = stage(paths, staging, max_shard_bytes)
        croissant = croissant_json(result.shards)
        readme = Path(out) / "README.md"
        card = render_readme(readme.read_text(encoding="utf-8") if readme.exists() else None, result)
        for s in result.shards:
            if _replace_if_changed(staging / s.path, data_dir / s.path):
                result.changed.append(f"{DATA}/{s.path}")
        produced = {s.path for s in result.shards}
        for config in CONFIGS:
            folder = data_dir / config
            for f in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
                if SHARD_NAME.match(f.name) and f"{config}/{f.name}" not in produced:
                    f.unlink()
                    result.removed.append(f"{DATA}/{config}/{f.name}")
        for target, text in ((data_dir / "croissant.json", croissant), (readme, card)):
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                write_atomic(target, text)
                result.changed.append(str(target.relative_to(out)))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def generated_files(out: Path) -> list[str]:
    """Paths (relative to `out`) of every file a build owns under `out`."""
    data_dir = Path(out) / DATA
    found = ["README.md", f"{DATA}/croissant.json"]
    for config in CONFIGS:
        folder = data_dir / config
        if folder.is_dir():
            found += [f"{DATA}/{config}/{f.name}" for f in sorted(folder.glob("*.parquet")) if SHARD_NAME.match(f.name)]
    return found


def stale_files(paths: CorpusPaths, out: Path) -> list[str]:
    """Build into a temporary copy and list every generated file that differs from the one in `out`."""
    with tempfile.TemporaryDirectory(prefix="cartel-fto-check-") as tmp:
        readme = Path(out) / "README.md"
        if readme.exists():
            shutil.copyfile(readme, Path(tmp) / "README.md")
        build(paths, Path(tmp), validate_first=False)
        fresh, current = set(generated_files(Path(tmp))), set(generated_files(Path(out)))
        stale = []
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


# --------------------------------------------------------------------------- command line


def _fail(lines: Iterable[str], code: int = 1) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


@click.command("build")
@root_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dataset root: writes OUT/data/<config>/*.parquet, OUT/data/croissant.json, the card in OUT/README.md (default: corpus root).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the committed Parquet, croissant.json or card are stale.")
def build_command(root: Path | None, out: Path | None, check: bool) -> None:
    """Build the Parquet configs, the dataset card and croissant.json from texts and annotations.

    Validates first and refuses invalid data. Deterministic: a second build changes no byte.
    """
    from cartel_fto_corpus.validate import validate

    paths = CorpusPaths(root)
    out = Path(out) if out is not None else paths.root
    report = validate(None, paths.root, jobs=os.cpu_count() or 1)
    if report.problems:
        n = len(report.problems)
        _fail([*map(str, report.problems), f"{n} problem{'s' if n != 1 else ''}: refusing to build; see `cartel-fto validate`"])
    try:
        if check:
            stale = stale_files(paths, out)
            if stale:
                _fail([*stale, f"{len(stale)} generated file{'s' if len(stale) != 1 else ''} stale: run `cartel-fto build`"])
            click.echo(f"{out}: data/, croissant.json and the card are up to date", err=True)
            return
        result = build(paths, out, validate_first=False)
    except BuildError as exc:
        _fail([str(exc), "refusing to build"])
    for rel in [*result.changed, *(f"{r} (removed)" for r in result.removed)]:
        click.echo(f"{rel}: written" if not rel.endswith("(removed)") else rel, err=True)
    total = ", ".join(f"{c} {sum(result.rows[c].values())}" for c in CONFIGS)
    click.echo(f"built {out / DATA}: {total} rows; {len(result.changed)} files changed", err=True)
