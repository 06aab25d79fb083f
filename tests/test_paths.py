"""truth/paths.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cartel_fto_corpus.truth import paths
from cartel_fto_corpus.truth.paths import CorpusPaths, display, find_checkout, install_command, is_checkout, schema_dir, use_schema_of


def _checkout(folder: Path, pyproject: str | bytes | None = 'name = "cartel-fto-corpus"\n') -> Path:
    for d in ("texts", "annotations", "schema"):
        (folder / d).mkdir(parents=True, exist_ok=True)
    if isinstance(pyproject, bytes):
        (folder / "pyproject.toml").write_bytes(pyproject)
    elif pyproject is not None:
        (folder / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        ('[project]\nname = "cartel-fto-corpus"\n', True),
        ("  NAME='cartel_fto.corpus'  \n", True),
        ('name = "cartel-fto-corpus-extra"\n', False),
        ('name = "other"\n', False),
        (None, False),
        (b"\xff\xfe", False),
    ],
)
def test_is_checkout_needs_the_folders_and_a_pyproject_naming_it(tmp_path: Path, pyproject: str | bytes | None, expected: bool) -> None:
    assert is_checkout(_checkout(tmp_path, pyproject)) is expected


@pytest.mark.parametrize("missing", ["texts", "annotations", "schema"])
def test_is_checkout_needs_each_folder(tmp_path: Path, missing: str) -> None:
    _checkout(tmp_path)
    (tmp_path / missing).rmdir()
    assert is_checkout(tmp_path) is False


def test_find_checkout_walks_upward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _checkout(tmp_path / "repo")
    deep = root / "a" / "b"
    deep.mkdir(parents=True)
    assert find_checkout(deep) == root.resolve()
    assert find_checkout(str(root)) == root.resolve()
    assert find_checkout(tmp_path) is None
    monkeypatch.chdir(deep)
    assert find_checkout() == root.resolve()


def test_corpus_paths(tmp_path: Path) -> None:
    p = CorpusPaths(str(tmp_path))
    assert p.root == tmp_path
    assert (p.texts, p.annotations) == (tmp_path / "texts", tmp_path / "annotations")
    assert p.manifest == tmp_path / "texts" / "manifest.json"
    assert p.checksums == tmp_path / "texts" / "SHA256SUMS"
    assert p.registry == tmp_path / "annotations" / "registry.json"
    assert p.text_file("003") == tmp_path / "texts" / "003.txt"
    assert p.annotation_file("003") == tmp_path / "annotations" / "003.json"
    assert p.annotation_files() == [] and p.text_files() == []
    _checkout(tmp_path, None)
    for name in ("002.json", "001.json", "registry.json", "protocol.json", "notes.txt"):
        (tmp_path / "annotations" / name).write_text("{}")
    for name in ("b.txt", "a.txt", "manifest.json"):
        (tmp_path / "texts" / name).write_text("")
    assert [f.name for f in p.annotation_files()] == ["001.json", "002.json"]
    assert [f.name for f in p.text_files()] == ["a.txt", "b.txt"]
    assert CorpusPaths().root == paths.data_root()


def test_schema_of_a_corpus_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "_schema_root", None)
    default = paths.data_root() / "schema"
    assert schema_dir() == default
    use_schema_of(tmp_path)
    assert paths._schema_root is None and schema_dir() == default
    (tmp_path / "schema").mkdir()
    use_schema_of(str(tmp_path))
    assert paths._schema_root == tmp_path and schema_dir() == tmp_path / "schema"
    (tmp_path / "schema").rmdir()
    assert schema_dir() == default


def test_data_root_prefers_the_packaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "pkg")
    assert paths.data_root() == tmp_path
    (tmp_path / "pkg" / "_data" / "schema").mkdir(parents=True)
    assert paths.data_root() == tmp_path / "pkg" / "_data"


def test_display_is_relative_to_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert display(tmp_path / "a" / "b.json") == os.path.join("a", "b.json")
    assert display("c.json") == "c.json"
    other = str(tmp_path) + "x/f"
    assert display(other) == other
    assert display(tmp_path.parent) == str(tmp_path.parent)


def test_install_command_names_the_checkout_or_the_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cartel_fto_corpus import __version__

    monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "pkg")
    wheel = f"cartel_fto_corpus-{__version__}-py3-none-any.whl"
    assert install_command("parquet") == f"pip install '{wheel}[parquet]' (the wheel this was installed from)"
    assert install_command() == f"pip install '{wheel}' (the wheel this was installed from)"
    _checkout(tmp_path)
    assert install_command("ls") == f"pip install -e '{tmp_path}[ls]'"
    assert install_command(None) == f"pip install -e '{tmp_path}'"
