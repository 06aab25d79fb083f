"""Migrate annotation files and the registry from schema 1.0 to schema 1.1 (`cartel-fto migrate`).

Why a program and not a hand edit: the change is mechanical and must be applied the same way to
the shipped corpus, the test fixtures and any user's copy, and running it twice must change
nothing (files already at 1.1 are left byte for byte as they are).

Schema 1.1 (GUIDELINES 1.1, issue 10) changes three things:

- claims: `cluster` (one id or null) becomes `clusters` (a list of ids, empty for null), in the
  same position in the object so that diffs stay small;
- registry entities: `qid_source` is added after `qid`: null without a QID; a QID carried over
  from 1.0 was never confirmed from a source, so it is marked `unconfirmed` (the guidelines
  require a source for `confirmed`);
- registry clusters: `kind` is added after `id`: `non_factual` when every member claim in the
  corpus is `non_factual`, else `factual`. A cluster that mixes both kinds is migrated as
  `factual` and then reported by the validator: the migration changes the format, it does not
  decide annotation questions.

Only the format changes; spans, labels and every other value stay as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.truth.paths import CorpusPaths

FROM_VERSION = "1.0"
TO_VERSION = "1.1"

#: qid_source given to a QID that a 1.0 registry carried without saying how it was known.
UNCONFIRMED_SOURCE = {
    "status": "unconfirmed",
    "source": "asserted in a schema 1.0 registry (release 0.1.0), before sources were recorded",
    "evidence": "no source recorded; not confirmed by the migration",
}


class MigrationError(Exception):
    """A file that cannot be migrated (unreadable, or a version this migration does not know)."""


def _with_key_replaced(obj: dict[str, Any], old: str, new: str, value: Any) -> dict[str, Any]:
    """A copy of `obj` with key `old` replaced by `new` at the same position."""
    return {(new if k == old else k): (value if k == old else v) for k, v in obj.items()}


def _with_key_after(obj: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    """A copy of `obj` with `key` inserted right after `after` (at the end if `after` is absent)."""
    out: dict[str, Any] = {}
    for k, v in obj.items():
        out[k] = v
        if k == after:
            out[key] = value
    out.setdefault(key, value)
    return out


def migrate_claim(claim: dict[str, Any]) -> dict[str, Any]:
    """`cluster` -> `clusters`; a claim that already has `clusters` is returned unchanged."""
    if "clusters" in claim or "cluster" not in claim:
        return claim
    cluster = claim["cluster"]
    return _with_key_replaced(claim, "cluster", "clusters", [] if cluster is None else [cluster])


def _at_target(doc: dict[str, Any]) -> bool:
    """True for a file already at 1.1, False for one at 1.0; MigrationError (one line) for any other version."""
    version = doc.get("schema_version")
    if version == TO_VERSION:
        return True
    if version != FROM_VERSION:
        raise MigrationError(f"expected schema_version {FROM_VERSION} or {TO_VERSION}, found {json.dumps(version)}")
    return False


def migrate_annotation(doc: dict[str, Any]) -> dict[str, Any]:
    """An annotation file at 1.1; a 1.1 file is returned as it is."""
    if _at_target(doc):
        return doc
    out = dict(doc, schema_version=TO_VERSION)
    out["annotations"] = [dict(aset, claims=[migrate_claim(c) for c in aset.get("claims", [])]) for aset in doc.get("annotations", [])]
    return out


def cluster_kinds(annotation_docs: Iterable[dict[str, Any]]) -> dict[str, str]:
    """cluster id -> kind inferred from its member claims in every annotation set given."""
    worthiness: dict[str, set[str]] = {}
    for doc in annotation_docs:
        for aset in doc.get("annotations", []):
            for claim in aset.get("claims", []):
                claim = migrate_claim(claim)
                for cid in claim.get("clusters", []):
                    worthiness.setdefault(cid, set()).add(claim.get("checkworthiness", ""))
    return {cid: "non_factual" if values == {"non_factual"} else "factual" for cid, values in worthiness.items()}


def migrate_registry(reg: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    """A registry at 1.1, cluster kinds taken from `kinds` (default factual); 1.1 is left as it is."""
    if _at_target(reg):
        return reg
    out = dict(reg, schema_version=TO_VERSION)
    out["entities"] = [
        e if "qid_source" in e else _with_key_after(e, "qid", "qid_source", None if e.get("qid") is None else dict(UNCONFIRMED_SOURCE))
        for e in reg.get("entities", [])
    ]
    out["clusters"] = [
        c if "kind" in c else _with_key_after(c, "id", "kind", kinds.get(c.get("id"), "factual")) for c in reg.get("clusters", [])
    ]
    return out


@dataclass
class MigrationResult:
    """What a migration run did: files rewritten, files already current, files it refused."""

    written: list[Path] = field(default_factory=list)
    current: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MigrationError(f"unreadable: {exc}") from None
    if not isinstance(doc, dict):
        raise MigrationError(f"expected a JSON object, found {type(doc).__name__}")
    return doc


def migrate_root(paths: CorpusPaths, write: bool = True) -> MigrationResult:
    """Migrate the registry and every annotation file of a corpus root.

    All files are read and migrated in memory first; nothing is written if any file fails, and the
    files are written in one journalled commit under the corpus lock (`truth.journal`, `truth.lock`),
    so a corpus is never left half at 1.0 and half at 1.1, not even by a killed migration.
    """
    if not write:
        return _migrate(paths, write)
    from cartel_fto_corpus.truth.lock import corpus_lock

    with corpus_lock(paths.root):
        return _migrate(paths, write)


def _migrate(paths: CorpusPaths, write: bool) -> MigrationResult:
    from cartel_fto_corpus.truth.atomic import write_all_atomic
    from cartel_fto_corpus.truth.texts import dumps

    result = MigrationResult()
    originals: dict[Path, str] = {}
    docs: dict[Path, dict[str, Any]] = {}
    files = [*paths.annotation_files(), *([paths.registry] if paths.registry.exists() else [])]
    for p in files:
        try:
            docs[p] = _read(p)
            originals[p] = p.read_text(encoding="utf-8")
        except MigrationError as exc:
            result.errors.append(f"{p}: {exc}")
    annotation_docs = [d for p, d in docs.items() if p != paths.registry]
    kinds = cluster_kinds(annotation_docs)
    fresh: dict[Path, str] = {}
    for p, doc in docs.items():
        try:
            new = migrate_registry(doc, kinds) if p == paths.registry else migrate_annotation(doc)
        except MigrationError as exc:
            result.errors.append(f"{p}:/schema_version: {exc}")
            continue
        text = dumps(new)
        if new is doc or text == originals[p]:
            result.current.append(p)
        else:
            fresh[p] = text
            result.written.append(p)
    if result.errors:
        result.written = []
        return result
    if write:
        write_all_atomic(fresh, root=paths.root)
    return result
