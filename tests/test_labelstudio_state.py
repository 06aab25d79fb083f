"""The sync state: per project, per document and annotator; unreadable means no baseline."""

from __future__ import annotations

import json
from pathlib import Path

from cartel_fto_corpus.labelstudio.state import Baseline, SyncState, state_path
from cartel_fto_corpus.truth.paths import CorpusPaths


def test_state_round_trip_keeps_projects_apart(tmp_path: Path) -> None:
    paths = CorpusPaths(tmp_path)
    a = SyncState.load(paths, "http://h:1/", 3)
    a.record("000_x", "alice", Baseline("f" * 64))
    a.doc("000_x").task_id, a.doc("000_x").task_updated_at = 7, "2030-01-01T00:00:00.1Z"
    a.save()
    b = SyncState.load(paths, "http://h:1", 4)
    assert b.baseline("000_x", "alice") is None
    b.record("000_x", "bob", Baseline("e" * 64))
    b.save()
    again = SyncState.load(paths, "http://h:1", 3)
    assert again.baseline("000_x", "alice") == Baseline("f" * 64)
    assert (again.docs["000_x"].task_id, again.docs["000_x"].task_updated_at) == (7, "2030-01-01T00:00:00.1Z")
    again.record("000_x", "alice", None)
    again.save()
    assert SyncState.load(paths, "http://h:1", 3).baseline("000_x", "alice") is None
    assert SyncState.load(paths, "http://h:1", 4).baseline("000_x", "bob") == Baseline("e" * 64)
    assert set(json.loads(state_path(paths).read_text())["projects"]) == {"http://h:1#project=3", "http://h:1#project=4"}


def test_unreadable_state_means_no_baseline(tmp_path: Path) -> None:
    paths = CorpusPaths(tmp_path)
    state_path(paths).parent.mkdir(parents=True)
    state_path(paths).write_text("{not json")
    assert SyncState.load(paths, "http://h", 1).docs == {}
