"""The repository side of the sync: orjson reading and the schema check's number and surrogate flags."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio import ownership
from cartel_fto_corpus.labelstudio.repo import built_flags, load_repo
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.conftest import REPO

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


def _broken_corpus(root: Path) -> list[Path]:
    """Three files, three different ways to be wrong: a duplicate key, bytes that are not UTF-8, a span off its text."""
    files = sorted((root / "annotations").glob("[0-9]*.json"))
    text = files[0].read_text(encoding="utf-8")
    at = text.index('"label"')
    files[0].write_text(text[:at] + '"label": "PERSON", ' + text[at:], encoding="utf-8")
    files[1].write_bytes(files[1].read_bytes().replace(b'"schema_version"', b'"schema_\xffversion"', 1))
    text = files[2].read_text(encoding="utf-8")
    at = text.index('"start": ') + len('"start": ')
    files[2].write_text(text[:at] + "1" + text[at:], encoding="utf-8")
    return files[:3]


def test_a_checked_load_reports_every_broken_file_and_keeps_the_parse_of_a_sound_one(tmp_path: Path) -> None:
    """Checked (push) and unchecked (pull) reads give the same documents and flags; every broken file is a line."""
    import pytest

    from cartel_fto_corpus.labelstudio.repo import SyncError

    root = copy_corpus(REPO, tmp_path / "c")
    checked, plain = load_repo(CorpusPaths(root), require_valid=True), load_repo(CorpusPaths(root))
    assert checked.files == plain.files and checked.whole_floats == plain.whole_floats and len(checked.files) >= 3
    bad = _broken_corpus(root)
    with pytest.raises(SyncError) as err:
        load_repo(CorpusPaths(root), require_valid=True)
    for f, what in zip(bad, ("more than once", "not UTF-8", "expected"), strict=True):
        assert any(f.name in line and what in line for line in err.value.lines), (f.name, what, err.value.lines)


def test_corpus_spared_restores_the_collector_whatever_happens() -> None:
    import gc

    import pytest

    from cartel_fto_corpus.labelstudio.repo import corpus_spared

    assert gc.isenabled() and gc.get_freeze_count() == 0
    held = [{"a": [i]} for i in range(1000)]
    with corpus_spared() as read:
        assert not gc.isenabled()  # nothing walked while the corpus is read
        read()
        assert gc.isenabled() and gc.get_freeze_count() >= len(held)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), corpus_spared():
        raise RuntimeError("the read failed")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.freeze()  # someone else's frozen objects (a server that froze before forking) stay frozen
    try:
        before = gc.get_freeze_count()
        with corpus_spared() as read:
            read()
        assert gc.get_freeze_count() > 0.9 * before  # not unfrozen (a few frozen temporaries may be freed meanwhile)
    finally:
        gc.unfreeze()


def test_a_pulled_span_that_breaks_the_boundary_rules_is_refused(tmp_path: Path) -> None:
    """Issue 27: word selection in the editor cannot draw "arco Rubio", but what it can draw (a
    trailing full stop, an emoji) is refused on the pull side by the validator's own span rules."""
    repo = load_repo(CorpusPaths(copy_corpus(FIXTURE_CORPUS, tmp_path / "c")))
    doc = copy.deepcopy(next(iter(repo.files.values())))
    claim = doc["annotations"][0]["claims"][1]
    assert claim["text"] == "Mexico objected"
    claim["end"] += 1
    claim["text"] += "."
    found = [(p.pointer, p.code) for p in repo.check(doc)]
    assert found == [("/annotations/0/claims/1", "span-trailing-symbol")]


def test_push_refuses_a_registry_that_validate_rejects(tmp_path: Path) -> None:
    """A proposed entity nobody uses leaves the corpus invalid: push says so before talking to any server
    (issue 23 point 6)."""
    from cartel_fto_corpus.labelstudio.push import push
    from cartel_fto_corpus.labelstudio.repo import SyncError

    root = copy_corpus(FIXTURE_CORPUS, tmp_path / "corpus")
    paths = CorpusPaths(root)
    registry = json.loads(paths.registry.read_text(encoding="utf-8"))
    registry["entities"].append({**ownership.proposed_entity("Nobody At All", "PERSON")})
    paths.registry.write_text(json.dumps(registry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(SyncError) as err:
        push(paths, None, title="never reached", echo=lambda _s: None)  # type: ignore[arg-type]
    assert len(err.value.lines) == 1 and "'nobody_at_all'" in err.value.lines[0] and "no use" in err.value.lines[0]
