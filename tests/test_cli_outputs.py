"""Output paths the user gives: an unwritable or impossible one is one line naming it, exit 2, no
traceback, nothing half-written; and the options that name outputs are spelled alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_CORPUS, REPO


def run(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"},
    )  # fmt: skip


def blocked(tmp_path: Path) -> tuple[Path, Path]:
    """A regular file, and a path that would need it to be a folder (unwritable even for root)."""
    afile = tmp_path / "a-file"
    afile.write_text("not a folder\n", encoding="utf-8")
    return afile, afile / "out"


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--to", "jsonl", "--out", "{bad}"),
        ("build", "--out", "{bad}"),
        ("show", "900", "--out", "{bad}/page.html"),
        ("show", "--all", "--out", "{bad}"),
    ],
)
def test_unwritable_output_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    afile, bad = blocked(tmp_path)
    argv = [a.replace("{bad}", str(bad)) for a in args]
    proc = run(*argv, "--root", FIXTURE_CORPUS)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    line = f"{argv[argv.index('--out') + 1]}: cannot write: {afile} is a file, not a folder"
    assert lines[0] in (line, f"{line}; nothing written")  # a journalled writer also says it left everything as it was
    assert afile.read_text(encoding="utf-8") == "not a folder\n"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc (read-only even for root)")
def test_read_only_output_is_one_line() -> None:
    proc = run("export", "--to", "conll", "--out", "/proc/cartel-fto-test", "--root", FIXTURE_CORPUS)
    line = "/proc/cartel-fto-test: cannot write: No such file or directory"
    assert proc.returncode == 2 and proc.stderr.splitlines() in ([line], [f"{line}; nothing written"])


def test_show_out_to_a_folder_says_what_it_expects(tmp_path: Path) -> None:
    proc = run("show", "900", "--out", tmp_path, "--root", FIXTURE_CORPUS)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"{tmp_path}: expected a file name for the page, found a folder (--all writes one page per document into a folder)"
    ]
    assert list(tmp_path.iterdir()) == []


def test_older_spellings_still_work(tmp_path: Path) -> None:
    """`export --format` (now `--to`) and `show --html` (now `--out`) keep working."""
    assert run("export", "--format", "jsonl", "--out", tmp_path / "x", "--root", FIXTURE_CORPUS).returncode == 0
    assert run("show", "900", "--html", tmp_path / "p.html", "--root", FIXTURE_CORPUS).returncode == 0
    assert (tmp_path / "p.html").read_text(encoding="utf-8").lower().startswith("<!doctype html>")


def test_migrate_outside_a_checkout_names_the_corpus_and_refuses_to_write(tmp_path: Path) -> None:
    proc = run("migrate", cwd=tmp_path)
    assert proc.returncode == 2 and "refusing to migrate the installed corpus" in proc.stderr
    proc = run("migrate", "--check", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr.startswith("note: no cartel_fto_corpus checkout in")


def test_validate_says_what_it_checked() -> None:
    proc = run("validate", "--root", FIXTURE_CORPUS)
    assert proc.returncode == 0
    assert proc.stderr.splitlines()[-1].endswith("files checked (1 article's annotations, the registry, the texts' manifest): valid")
