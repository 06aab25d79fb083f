"""Issue 27, files that are not files: a symbolic link to a device, a named pipe, a directory or an
oversized file is one line (exit 2), read at most once, never a hang or an out-of-memory.

These inputs cannot be committed as fixtures (a pipe cannot be, a link to /dev/zero should not
be), so each test makes its own in a copy of the fixture corpus.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cartel_fto_corpus.checks.validate import validate
from cartel_fto_corpus.truth import jsonio
from cartel_fto_corpus.truth.jsonio import MAX_FILE_BYTES, Unreadable, read_file_bytes
from tests.conftest import REPO

NAME = "905_00000000000000ff.json"


def _validate_in_subprocess(root: Path, *targets: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a child with a timeout, so a regression (a hang on a pipe) fails instead of hanging."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "cartel_fto_corpus", "validate", "--root", str(root), *map(str, targets)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_link_to_dev_zero_is_refused_without_reading_it(corpus_copy: Path) -> None:
    link = corpus_copy / "annotations" / NAME
    link.symlink_to("/dev/zero")
    proc = _validate_in_subprocess(corpus_copy)
    assert proc.returncode == 2
    assert f"annotations/{NAME}: expected a regular file, found a character device" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_waiting_for_a_writer(corpus_copy: Path) -> None:
    os.mkfifo(corpus_copy / "annotations" / NAME)
    proc = _validate_in_subprocess(corpus_copy)
    assert proc.returncode == 2
    assert f"annotations/{NAME}: expected a regular file, found a named pipe" in proc.stdout + proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_text_linked_to_dev_zero_is_refused(corpus_copy: Path) -> None:
    text = corpus_copy / "texts" / "900_00000000000000aa.txt"
    text.unlink()
    text.symlink_to("/dev/zero")
    proc = _validate_in_subprocess(corpus_copy)
    assert proc.returncode == 2
    assert "texts/900_00000000000000aa.txt: expected a regular file, found a character device" in proc.stdout + proc.stderr


def test_directory_named_like_an_annotation_file(corpus_copy: Path) -> None:
    (corpus_copy / "annotations" / NAME).mkdir()
    report = validate(None, corpus_copy)
    assert [p.message for p in report.problems if p.file.endswith(NAME)] == ["expected a regular file, found a directory"]


def test_oversized_file_is_refused_from_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:  # sparse: nothing is written or read
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(Unreadable) as raised:
        read_file_bytes(big)
    assert str(raised.value) == "expected a file of at most 16,777,216 bytes (16 MiB), found 16,777,217 bytes"
    report = validate([big], root=tmp_path)
    assert report.exit_code == 2
    assert [p.message for p in report.problems if p.file.endswith("big.json")] == [str(raised.value)]


def test_a_schema_invalid_file_is_read_once(corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its registry ids are noted from the parse the schema check refused, not from a second read;
    the line numbers of `--format json` come from one more read of the reported file only."""
    f = corpus_copy / "annotations" / "900_00000000000000aa.json"
    f.write_text(f.read_text(encoding="utf-8").replace('"status": "gold"', '"status": "golden"'), encoding="utf-8")
    reads: list[str] = []
    real = jsonio.read_file_bytes

    def counting(path: Path | str, limit: int | None = None) -> bytes:
        reads.append(str(path))
        return real(path) if limit is None else real(path, limit)

    monkeypatch.setattr(jsonio, "read_file_bytes", counting)
    report = validate(None, corpus_copy)
    assert [p.pointer for p in report.problems] == ["/annotations/0/status"]
    assert sum(r.endswith("900_00000000000000aa.json") for r in reads) == 1
