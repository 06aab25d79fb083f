"""What was synced last, per server and project: the base for telling who changed what.

For every document the state keeps the Label Studio task id and its `updated_at` as last seen,
and per annotator the hash of the annotation set as it was when the two sides last agreed (after
a push or a pull). A side "changed" if its current content hashes differently. The task's
`updated_at` (Label Studio bumps it whenever an annotation of the task changes) lets a push skip
every task nobody touched: a re-push with nothing changed costs one light task listing. For that
one request to be the only one, the file also remembers, per server and project name, the project
id and the hash of the labelling config last pushed to it (`known_project`): while the repository's
config is unchanged, push lists that project's tasks directly, without looking the project up.
The file holds no secret: the key is never passed to this module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from cartel_fto_corpus.truth.atomic import write_atomic
from cartel_fto_corpus.truth.paths import CorpusPaths

STATE_VERSION = 2
STATE_DIR = ".labelstudio"
STATE_FILE = "state.json"


def sync_hash(aset: dict[str, Any]) -> str:
    """The content hash of an annotation set that baselines record (orjson, sorted keys: fast at 10,000 documents)."""
    return hashlib.sha256(orjson.dumps(aset, option=orjson.OPT_SORT_KEYS)).hexdigest()


def state_path(paths: CorpusPaths) -> Path:
    """`<root>/.labelstudio/state.json`: beside the corpus, outside annotations/ (which ships in the wheel)."""
    return paths.root / STATE_DIR / STATE_FILE


@dataclass
class Baseline:
    """One annotator's set of one document as last agreed by both sides (its content hash)."""

    set_sha256: str


@dataclass
class DocState:
    """One document's task as last synced: task id, its `updated_at`, the agreed sets and pushed predictions."""

    task_id: int | None = None
    task_updated_at: str | None = None
    sets: dict[str, str] = field(default_factory=dict)  # annotator -> set_sha256 (annotations)
    predictions: dict[str, str] = field(default_factory=dict)  # annotator -> set_sha256 pushed as prediction
    imported_by: str | None = None  # created by our bulk import, which the server finished by this time


@dataclass
class SyncState:
    """Sync records of one project: {doc_id: DocState}."""

    path: Path
    key: str
    docs: dict[str, DocState] = field(default_factory=dict)
    _all: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def empty(cls, paths: CorpusPaths, url: str, project_id: int | None) -> SyncState:
        return cls(state_path(paths), f"{url.rstrip('/')}#project={project_id}")

    @staticmethod
    def read(paths: CorpusPaths) -> dict[str, Any]:
        """The whole state file (every server and project), or an empty one."""
        path = state_path(paths)
        data: dict[str, Any] = {"version": STATE_VERSION, "projects": {}}
        if path.exists():
            try:
                loaded = orjson.loads(path.read_bytes())
                if isinstance(loaded, dict) and loaded.get("version") == STATE_VERSION:
                    data = loaded
            except (OSError, ValueError):
                pass  # an unreadable state means no baseline: every difference becomes a conflict, which is safe
        return data

    @classmethod
    def load(cls, paths: CorpusPaths, url: str, project_id: int, data: dict[str, Any] | None = None) -> SyncState:
        path = state_path(paths)
        key = f"{url.rstrip('/')}#project={project_id}"
        data = cls.read(paths) if data is None else data
        docs: dict[str, DocState] = {}
        for d, rec in data.get("projects", {}).get(key, {}).get("docs", {}).items():
            try:
                docs[d] = DocState(**rec)
            except TypeError:
                continue  # a record from another layout: no baseline for that document
        return cls(path, key, docs, data)

    def doc(self, doc_id: str) -> DocState:
        return self.docs.setdefault(doc_id, DocState())

    def baseline(self, doc_id: str, annotator: str) -> Baseline | None:
        found = self.docs.get(doc_id)
        sha = found.sets.get(annotator) if found else None
        return Baseline(sha) if sha else None

    def record(self, doc_id: str, annotator: str, base: Baseline | None) -> None:
        sets = self.doc(doc_id).sets
        if base is None:
            sets.pop(annotator, None)
        else:
            sets[annotator] = base.set_sha256

    def remember_project(self, url: str, name: str, config: str) -> None:
        """This project (self's) is the one called `name` on `url`, and holds `config` (see `known_project`)."""
        project_id = int(self.key.rpartition("=")[2])
        self._all.setdefault("names", {})[_name_key(url, name)] = {"project": project_id, "config_sha256": _sha(config)}

    def save(self) -> None:
        write_atomic(self.path, self.payload())

    def payload(self) -> bytes:
        """The whole state file's bytes with this project's records (to save, or to stage with a pull's files)."""
        projects = self._all.setdefault("projects", {})
        projects[self.key] = {"docs": dict(sorted(self.docs.items()))}  # orjson writes a dataclass's fields in order
        self._all["version"] = STATE_VERSION
        # the layout of truth.texts.dumps; everything in it was read or made by orjson, which writes it back
        return orjson.dumps(self._all, option=orjson.OPT_INDENT_2) + b"\n"


def _name_key(url: str, name: str) -> str:
    return f"{url.rstrip('/')}#name={name}"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def known_project(data: dict[str, Any], url: str, name: str, config: str) -> int | None:
    """The id of the project last pushed to as `name` on `url`, if its labelling config was `config` then."""
    rec = data.get("names", {}).get(_name_key(url, name)) if isinstance(data.get("names"), dict) else None
    if isinstance(rec, dict) and rec.get("config_sha256") == _sha(config) and isinstance(rec.get("project"), int):
        return rec["project"]
    return None
