"""truth/journal.py below the fixtures: tests that kill survivors of the mutation run (issue 26).

The fault-injection tests kill real commands at each step; these call the transaction in process,
so a mutant of a rename, a cleanup or the fault parser fails a test of the selection mutmut runs.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from cartel_fto_corpus.truth import journal
from cartel_fto_corpus.truth.journal import JOURNAL, TXN_DIR, Transaction, fault_point, pending, recover


@pytest.fixture(autouse=True)
def _no_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTEL_FTO_FAULT", raising=False)
    monkeypatch.setattr(journal, "_fault_counts", {})


def files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_commit_renames_every_staged_file_and_leaves_no_staging(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text("old")
    (tmp_path / "gone.json").write_text("gone")
    with Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a" / "one.json", "1")
        txn.put(tmp_path / "old.json", b"new")
        txn.delete(tmp_path / "gone.json")
        assert txn.targets == [tmp_path / "a" / "one.json", tmp_path / "old.json"]
        assert (tmp_path / TXN_DIR).is_dir() and pending(tmp_path) == "staged"
        txn.commit()
        assert txn.staged == {} and txn.deletes == set()
    assert files(tmp_path) == {"a/one.json": "1", "old.json": "new"}
    assert pending(tmp_path) is None


def test_staged_files_get_the_mode_open_would_give(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with Transaction(tmp_path) as txn:
            txn.put(tmp_path / "f.json", "x")
            txn.commit()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.json").stat().st_mode) == 0o640
    assert journal.umask() == old


def test_leaving_without_commit_writes_nothing_and_removes_the_staging(tmp_path: Path) -> None:
    (tmp_path / "f.json").write_text("old")
    with Transaction(tmp_path) as txn:
        txn.put(tmp_path / "f.json", "new")
    assert files(tmp_path) == {"f.json": "old"} and not (tmp_path / TXN_DIR).exists()


def test_an_oserror_leaving_the_block_is_marked_as_nothing_written(tmp_path: Path) -> None:
    with pytest.raises(OSError) as err, Transaction(tmp_path) as txn:
        txn.put(tmp_path / "f.json", "new")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert err.value.nothing_written is True  # type: ignore[attr-defined]
    pending_one = OSError(errno.EIO, "io")
    pending_one.pending_commit = True  # type: ignore[attr-defined]
    with pytest.raises(OSError) as err, Transaction(tmp_path):
        raise pending_one
    assert not hasattr(err.value, "nothing_written")
    with pytest.raises(ValueError) as verr, Transaction(tmp_path):
        raise ValueError("not an OSError")
    assert not hasattr(verr.value, "nothing_written")


def test_commit_of_some_targets_only(tmp_path: Path) -> None:
    with Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "a")
        txn.put(tmp_path / "b.json", "b")
        txn.commit(only=[tmp_path / "b.json"])
    assert files(tmp_path) == {"b.json": "b"} and not (tmp_path / TXN_DIR).exists()


def test_commit_with_nothing_to_do_removes_the_staging(tmp_path: Path) -> None:
    with Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "a")
        txn.commit(only=[])
        assert not (tmp_path / TXN_DIR).exists() and txn.staged == {}
    assert files(tmp_path) == {}


def test_a_second_put_replaces_the_first_and_drop_forgets(tmp_path: Path) -> None:
    with Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "first")
        first = txn.staged[tmp_path / "a.json"]
        txn.put(tmp_path / "a.json", "second")
        assert not first.exists() and len(list((tmp_path / TXN_DIR).glob("*.new"))) == 1
        txn.put(tmp_path / "b.json", "b")
        txn.drop(tmp_path / "b.json")
        txn.drop(tmp_path / "never.json")
        txn.commit()
    assert files(tmp_path) == {"a.json": "second"}


def test_clear_forgets_puts_and_deletes(tmp_path: Path) -> None:
    (tmp_path / "keep.json").write_text("keep")
    with Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "a")
        staged = txn.staged[tmp_path / "a.json"]
        txn.delete(tmp_path / "keep.json")
        txn.clear()
        assert txn.staged == {} and txn.deletes == set() and not staged.exists()
        txn.commit()
    assert files(tmp_path) == {"keep.json": "keep"}


def test_adopted_files_from_the_staging_area(tmp_path: Path) -> None:
    with Transaction(tmp_path) as txn:
        area = txn.staging_area("parts")
        assert area == tmp_path / TXN_DIR / "area" / "parts" and area.is_dir()
        assert txn.staging_area("parts") == area  # a second call reuses it
        (area / "x").write_text("adopted")
        txn.put(tmp_path / "d" / "x.json", "put first")
        txn.adopt(tmp_path / "d" / "x.json", area / "x")
        assert len(list((tmp_path / TXN_DIR).glob("*.new"))) == 0  # the replaced put is gone
        txn.commit()
    assert files(tmp_path) == {"d/x.json": "adopted"}


@pytest.mark.parametrize("method", ["put", "adopt", "delete"])
def test_a_target_outside_the_root_is_refused(tmp_path: Path, method: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside.json"
    with Transaction(root) as txn, pytest.raises(ValueError, match="outside the transaction's root"):
        if method == "put":
            txn.put(outside, "x")
        elif method == "adopt":
            txn.adopt(outside, root / "x")
        else:
            txn.delete(outside)
    assert not outside.exists()


def test_a_staging_folder_someone_left_is_rolled_back_first(tmp_path: Path) -> None:
    (tmp_path / TXN_DIR).mkdir()
    (tmp_path / TXN_DIR / "1.new").write_text("stale")
    with Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "a")
        assert [p.name for p in (tmp_path / TXN_DIR).iterdir()] == ["1.new"]
        assert (tmp_path / TXN_DIR / "1.new").read_text() == "a"
        txn.commit()
    assert files(tmp_path) == {"a.json": "a"}


def test_an_unwritable_root_is_named_not_the_staging(tmp_path: Path) -> None:
    root = tmp_path / "ro"
    root.mkdir()
    (root / TXN_DIR).write_text("a file where the staging folder goes")
    with pytest.raises(OSError) as err, Transaction(root) as txn:
        txn.put(root / "a.json", "a")
    assert err.value.filename == str(root) and err.value.errno is not None


def test_a_failed_stage_is_named_after_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTEL_FTO_FAULT", "enospc:txn.stage")
    with pytest.raises(OSError) as err, Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "a")
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(tmp_path / "a.json")
    assert not (tmp_path / TXN_DIR).exists() and not (tmp_path / "a.json").exists()


def test_many_files_are_synced_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_sync, real_fsync = os.sync, os.fsync
    monkeypatch.setattr(journal.os, "sync", lambda: calls.append("sync") or real_sync())
    monkeypatch.setattr(journal.os, "fsync", lambda fd: calls.append("fsync") or real_fsync(fd))
    with Transaction(tmp_path) as txn:
        for i in range(journal.FSYNC_EACH_MAX):
            txn.put(tmp_path / f"{i}.json", str(i))
        txn.commit()
    assert calls.count("sync") == 0 and calls.count("fsync") >= journal.FSYNC_EACH_MAX
    calls.clear()
    with Transaction(tmp_path) as txn:
        for i in range(journal.FSYNC_EACH_MAX + 1):
            txn.put(tmp_path / f"{i}.json", str(i + 1))
        txn.commit()
    assert calls.count("sync") == 1 and calls.count("fsync") < journal.FSYNC_EACH_MAX
    assert files(tmp_path)["32.json"] == "33"


def test_a_failure_after_the_commit_point_is_finished_by_recover(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gone.json").write_text("gone")
    monkeypatch.setenv("CARTEL_FTO_FAULT", "eacces:txn.rename:2")
    with pytest.raises(OSError) as err, Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "a")
        txn.put(tmp_path / "b" / "b.json", "b")
        txn.put(tmp_path / "c.json", "c")
        txn.delete(tmp_path / "gone.json")
        txn.commit()
    assert err.value.errno == errno.EACCES and err.value.pending_commit is True  # type: ignore[attr-defined]
    assert not hasattr(err.value, "nothing_written")
    assert pending(tmp_path) == "committed"
    committed = json.loads((tmp_path / TXN_DIR / JOURNAL).read_text())
    assert committed["version"] == 1 and committed["deletes"] == ["gone.json"]
    assert [t for _s, t in committed["renames"]] == ["a.json", "b/b.json", "c.json"]
    assert files(tmp_path)["a.json"] == "a" and "c.json" not in files(tmp_path)
    monkeypatch.delenv("CARTEL_FTO_FAULT")
    lines = recover(tmp_path)
    assert lines == [f"{tmp_path / TXN_DIR}: finished an interrupted write of 3 files (its journal was complete)"]
    assert files(tmp_path) == {"a.json": "a", "b/b.json": "b", "c.json": "c"}
    assert pending(tmp_path) is None and recover(tmp_path) == []


def test_a_journal_naming_a_path_outside_the_corpus_is_refused(tmp_path: Path) -> None:
    (tmp_path / TXN_DIR).mkdir()
    (tmp_path / TXN_DIR / JOURNAL).write_text(json.dumps({"version": 1, "renames": [["1.new", "../evil"]], "deletes": []}))
    (tmp_path / TXN_DIR / "1.new").write_text("x")
    with pytest.raises(ValueError, match=r"a path outside the corpus: '\.\./evil'"):
        recover(tmp_path)
    assert not (tmp_path.parent / "evil").exists()


def test_recover_rolls_back_a_staging_without_journal_and_removes_temporaries(tmp_path: Path) -> None:
    (tmp_path / TXN_DIR).mkdir()
    (tmp_path / TXN_DIR / "1.new").write_text("x")
    for folder in ("", "annotations", "texts", ".labelstudio", "data/parquet"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / ".f.json.tmp").write_text("half")
        (tmp_path / folder / "kept.json").write_text("kept")
    (tmp_path / "annotations" / ".dir.tmp").mkdir()  # a folder so named is not a temporary file
    (tmp_path / "data" / ".build-1").mkdir()
    (tmp_path / "data" / ".build-1" / "x").write_text("x")
    (tmp_path / "data" / ".build-file").write_text("a file so named is kept")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / ".o.tmp").write_text("not a corpus folder: kept")
    assert pending(tmp_path) == "staged"
    lines = recover(tmp_path)
    assert lines[0] == f"{tmp_path / TXN_DIR}: removed the staging of an interrupted write (nothing of it had been committed)"
    assert lines[1:] == [
        *(
            f"removed {tmp_path / f / '.f.json.tmp'}, left by an interrupted run"
            for f in ("", "annotations", "texts", ".labelstudio", "data/parquet")
        ),
        f"removed {tmp_path / 'data' / '.build-1'}, left by an interrupted build",
    ]
    assert not (tmp_path / TXN_DIR).exists() and not (tmp_path / "data" / ".build-1").exists()
    assert (tmp_path / "annotations" / ".dir.tmp").is_dir() and (tmp_path / "data" / ".build-file").exists()
    assert (tmp_path / "other" / ".o.tmp").exists()
    assert all((tmp_path / f / "kept.json").exists() for f in ("", "annotations", "texts", ".labelstudio", "data/parquet"))
    assert recover(tmp_path) == []


def test_pending_is_none_for_a_file_named_like_the_staging(tmp_path: Path) -> None:
    (tmp_path / TXN_DIR).write_text("")
    assert pending(tmp_path) is None


@pytest.mark.parametrize(("action", "code"), [("enospc", errno.ENOSPC), ("erofs", errno.EROFS), ("eacces", errno.EACCES)])
def test_fault_point_raises_the_named_error_at_the_nth_call(monkeypatch: pytest.MonkeyPatch, action: str, code: int) -> None:
    monkeypatch.setenv("CARTEL_FTO_FAULT", f"enospc:other.step,{action}:a.step:3")
    fault_point("a.step", "f1")
    fault_point("a.step", "f2")
    with pytest.raises(OSError) as err:
        fault_point("a.step", Path("f3"))
    assert (err.value.errno, err.value.strerror, err.value.filename) == (code, os.strerror(code), "f3")
    fault_point("a.step")  # the fourth passes


def test_fault_point_without_a_count_fires_at_the_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTEL_FTO_FAULT", "erofs:b.step")
    with pytest.raises(OSError) as err:
        fault_point("b.step")
    assert err.value.errno == errno.EROFS and err.value.filename is None
    fault_point("b.step")
    monkeypatch.setenv("CARTEL_FTO_FAULT", "unknown:c.step")
    fault_point("c.step")  # an unknown action does nothing
    monkeypatch.setenv("CARTEL_FTO_FAULT", "")
    fault_point("b.step")


def test_syncing_a_folder_that_cannot_be_opened_is_skipped(tmp_path: Path) -> None:
    journal._fsync_dir(tmp_path / "missing")  # best effort: no error


def test_a_failure_before_the_journal_commits_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.json").write_text("old")
    monkeypatch.setenv("CARTEL_FTO_FAULT", "enospc:txn.journal")
    with pytest.raises(OSError) as err, Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "new")
        txn.commit()
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(tmp_path / TXN_DIR / JOURNAL)
    assert err.value.nothing_written is True  # type: ignore[attr-defined]
    assert files(tmp_path) == {"a.json": "old"} and pending(tmp_path) is None


def test_a_failure_just_after_the_commit_point_leaves_the_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTEL_FTO_FAULT", "eacces:txn.committed")
    with pytest.raises(OSError) as err, Transaction(tmp_path) as txn:
        txn.put(tmp_path / "a.json", "new")
        txn.commit()
    assert err.value.errno == errno.EACCES and pending(tmp_path) == "committed"
    monkeypatch.delenv("CARTEL_FTO_FAULT")
    assert len(recover(tmp_path)) == 1 and files(tmp_path) == {"a.json": "new"}
