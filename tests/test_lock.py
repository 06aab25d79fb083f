"""truth/lock.py below the fixtures: tests that kill survivors of the mutation run (issue 26).

A second holder is a child process holding an flock on the same folder (flock locks belong to the
open file description, so a second open in this process would conflict as well; the child makes
the test mean what a real second command does).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cartel_fto_corpus.truth import lock
from cartel_fto_corpus.truth.journal import TXN_DIR
from cartel_fto_corpus.truth.lock import HOLDER_FILE, LockHeld, command_line, corpus_lock, holder, holds_lock, is_locked, wait_seconds

_HOLD = "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()"


@pytest.fixture
def other_holder(tmp_path: Path) -> Iterator[Path]:
    child = subprocess.Popen([sys.executable, "-c", _HOLD, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "held\n"
        yield tmp_path
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


@pytest.mark.parametrize(("value", "expected"), [(None, 0.0), ("", 0.0), ("2.5", 2.5), ("-3", 0.0), ("soon", 0.0)])
def test_wait_seconds_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: float) -> None:
    if value is None:
        monkeypatch.delenv(lock.WAIT_ENV, raising=False)
    else:
        monkeypatch.setenv(lock.WAIT_ENV, value)
    assert wait_seconds() == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("123 cartel-fto build\n", "pid 123: cartel-fto build"),
        ("123", "another cartel-fto process"),
        ("abc cartel-fto build", "another cartel-fto process"),
        (None, "another cartel-fto process"),
        (b"\xff\xfe", "another cartel-fto process"),
    ],
)
def test_holder_names_the_recorded_process(tmp_path: Path, content: str | bytes | None, expected: str) -> None:
    if isinstance(content, bytes):
        (tmp_path / HOLDER_FILE).write_bytes(content)
    elif content is not None:
        (tmp_path / HOLDER_FILE).write_text(content)
    assert holder(tmp_path) == expected


def test_command_line_hides_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["prog", "ls", "push", "--api-key", "SECRET", "--api-key=SECRET2", "a\nb"])
    assert command_line() == "cartel-fto ls push --api-key *** --api-key=*** a b"
    monkeypatch.setattr(sys, "argv", ["prog", "push", "--api-key", "SECRET"])  # the key as the last word
    assert command_line() == "cartel-fto push --api-key ***"
    monkeypatch.setattr(sys, "argv", ["prog", "--api-key"])
    assert command_line() == "cartel-fto --api-key"
    monkeypatch.setattr(sys, "argv", ["prog", "x" * 300])
    assert command_line() == ("cartel-fto " + "x" * 300)[:200]


def test_the_lock_is_held_recorded_reentrant_and_released(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["prog", "build"])
    (tmp_path / TXN_DIR).mkdir()  # a staging an interrupted writer left: rolled back on taking the lock
    assert not is_locked(tmp_path) and not holds_lock(tmp_path)
    with corpus_lock(tmp_path) as recovered:
        assert len(recovered) == 1 and "removed the staging" in recovered[0]
        assert holds_lock(tmp_path) and is_locked(tmp_path)
        assert (tmp_path / HOLDER_FILE).read_text() == f"{os.getpid()} cartel-fto build\n"
        with corpus_lock(tmp_path / ".") as inner:
            assert inner == [] and holds_lock(tmp_path)
            with corpus_lock(tmp_path) as innermost:
                assert innermost == []
            assert holds_lock(tmp_path)
        assert holds_lock(tmp_path) and (tmp_path / HOLDER_FILE).exists()
    assert not holds_lock(tmp_path) and not is_locked(tmp_path)
    assert not (tmp_path / HOLDER_FILE).exists()


def test_the_lock_is_released_when_the_body_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), corpus_lock(tmp_path):
        raise RuntimeError("body failed")
    assert not holds_lock(tmp_path) and not is_locked(tmp_path) and not (tmp_path / HOLDER_FILE).exists()


def test_a_lock_held_elsewhere_is_refused_with_its_holder(other_holder: Path) -> None:
    (other_holder / HOLDER_FILE).write_text("4242 cartel-fto adjudicate --write\n")
    assert is_locked(other_holder) and not holds_lock(other_holder)
    with pytest.raises(LockHeld) as err, corpus_lock(other_holder, wait=0.2):
        pass
    assert str(err.value) == (
        f"{other_holder}: locked by pid 4242: cartel-fto adjudicate --write; wait for it to finish, or run again with "
        "`cartel-fto --wait SECONDS ...` (or CARTEL_FTO_WAIT=SECONDS)"
    )
    assert (other_holder / HOLDER_FILE).exists() and not holds_lock(other_holder)


def test_the_wait_defaults_to_the_environment(other_holder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lock.WAIT_ENV, "0")
    with pytest.raises(LockHeld, match="another cartel-fto process"), corpus_lock(other_holder):
        pass


def test_a_missing_root_is_an_oserror_and_not_locked(tmp_path: Path) -> None:
    assert not is_locked(tmp_path / "missing")
    with pytest.raises(FileNotFoundError), corpus_lock(tmp_path / "missing"):
        pass
