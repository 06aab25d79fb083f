"""The repository side of the sync: orjson reading and the schema check's number and surrogate flags."""

from __future__ import annotations

import copy
from pathlib import Path

from cartel_fto_corpus.labelstudio.repo import built_flags, load_repo
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import FIXTURE_CORPUS, copy_corpus


def _one_file(root: Path) -> Path:
    return sorted((root / "annotations").glob("[0-9]*.json"))[0]


def test_a_whole_number_written_as_a_float_is_still_refused(tmp_path: Path) -> None:
    root = copy_corpus(FIXTURE_CORPUS, tmp_path / "c")
    f = _one_file(root)
    text = f.read_text(encoding="utf-8")
    key = '"start": '
    at = text.index(key) + len(key)
    end = at + len(text[at:].split(",", 1)[0])
    f.write_text(text[:at] + text[at:end] + ".0" + text[end:], encoding="utf-8")
    repo = load_repo(CorpusPaths(root))
    doc = repo.files[f.stem]
    assert repo.whole_floats[f.stem] is True
    assert any("start" in p.pointer for p in repo.check(doc)), repo.check(doc)
    assert repo.check(copy.deepcopy(doc))  # the same document built in memory (a pull) is refused too


def test_a_lone_surrogate_is_refused_from_a_file_and_from_memory(tmp_path: Path) -> None:
    root = copy_corpus(FIXTURE_CORPUS, tmp_path / "c")
    f = _one_file(root)
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace('"annotator": "', '"annotator": "\\ud800', 1), encoding="utf-8")
    repo = load_repo(CorpusPaths(root))
    doc = repo.files[f.stem]
    assert repo.whole_floats[f.stem] is None  # orjson declined it; the validator's reader took it
    assert any("surrogate" in p.message for p in repo.check(doc))
    assert built_flags(copy.deepcopy(doc)) is None
    assert any("surrogate" in p.message for p in repo.check(copy.deepcopy(doc)))


def test_clean_files_need_no_scan(tmp_path: Path) -> None:
    repo = load_repo(CorpusPaths(copy_corpus(FIXTURE_CORPUS, tmp_path / "c")), require_valid=True)
    assert set(repo.whole_floats.values()) == {False}
    assert all(built_flags(copy.deepcopy(d)) is False for d in repo.files.values())
    assert all(repo.check(copy.deepcopy(d)) == [] for d in repo.files.values())


def test_push_refuses_a_duplicate_key_that_orjson_would_let_through(tmp_path: Path) -> None:
    """orjson keeps the last of two equal keys without a word; what push sends must be what every
    JSON reader reads, so the corpus a push reads (require_valid) names the key and its pointer."""
    import pytest

    from cartel_fto_corpus.labelstudio.repo import SyncError

    root = copy_corpus(FIXTURE_CORPUS, tmp_path / "c")
    f = _one_file(root)
    text = f.read_text(encoding="utf-8")
    at = text.index('"label"')
    f.write_text(text[:at] + '"label": "PERSON", ' + text[at:], encoding="utf-8")
    load_repo(CorpusPaths(root))  # a pull reads local files leniently; it overwrites them only with checked sets
    with pytest.raises(SyncError) as err:
        load_repo(CorpusPaths(root), require_valid=True)
    assert any(f"{f.name}:/annotations/0/entities/0/label" in line and "more than once" in line for line in err.value.lines), err.value
