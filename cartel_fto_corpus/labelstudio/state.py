"""What was synced last, per server and project: the base for telling who changed what.

For every document and annotator the state keeps the hash of the annotation set as it was when
the two sides last agreed (after a push or a pull) and the Label Studio annotation id and
`updated_at` seen then. A side "changed" if its current version differs from that record. The
file holds no secret: the key is never passed to this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.truth.atomic import write_atomic
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import dumps

STATE_VERSION = 1
STATE_DIR = ".labelstudio"
STATE_FILE = "state.json"


def state_path(paths: CorpusPaths) -> Path:
    """`<root>/.labelstudio/state.json`: beside the corpus, outside annotations/ (which ships in the wheel)."""
    return paths.root / STATE_DIR / STATE_FILE


@dataclass
class Baseline:
    """One annotator's set of one document as last agreed by both sides."""

    set_sha256: str
    annotation_id: int | None = None
    updated_at: str | None = None


@dataclass
class SyncState:
    """Baselines of one project: {doc_id: {annotator: Baseline}}."""

    path: Path
    key: str
    docs: dict[str, dict[str, Baseline]] = field(default_factory=dict)
    _all: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, paths: CorpusPaths, url: str, project_id: int) -> SyncState:
        path = state_path(paths)
        key = f"{url.rstrip('/')}#project={project_id}"
        data: dict[str, Any] = {"version": STATE_VERSION, "projects": {}}
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict) and loaded.get("version") == STATE_VERSION:
                    data = loaded
            except (OSError, ValueError):
                pass  # an unreadable state means no baseline: every difference becomes a conflict, which is safe
        raw = data.get("projects", {}).get(key, {}).get("docs", {})
        docs = {d: {a: Baseline(**b) for a, b in sets.items()} for d, sets in raw.items()}
        return cls(path, key, docs, data)

    def baseline(self, doc_id: str, annotator: str) -> Baseline | None:
        return self.docs.get(doc_id, {}).get(annotator)

    def record(self, doc_id: str, annotator: str, base: Baseline | None) -> None:
        sets = self.docs.setdefault(doc_id, {})
        if base is None:
            sets.pop(annotator, None)
        else:
            sets[annotator] = base

    def save(self) -> None:
        projects = self._all.setdefault("projects", {})
        projects[self.key] = {"docs": {d: {a: vars(b) for a, b in sorted(s.items())} for d, s in sorted(self.docs.items())}}
        self._all["version"] = STATE_VERSION
        write_atomic(self.path, dumps(self._all))
