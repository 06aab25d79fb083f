"""Texts and annotations apart: `build --annotations-only` ships no text of the articles, `hydrate`
puts texts a user has back (sha256-checked), and a build afterwards equals the full build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.publish.build import build
from cartel_fto_corpus.publish.features import BASE_CONFIGS, CONFIGS
from cartel_fto_corpus.publish.loader import load_dataset
from cartel_fto_corpus.publish.textless import TEXT_COLUMNS, text_columns
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.conftest import REPO

#: Annotation prose, kept in an annotations-only build: registry names and descriptions, annotators'
#: notes and cluster summaries, which may quote a few words of an article (CC BY 4.0, as annotations).
ANNOTATORS_PROSE = ("holder", "note", "summary", "discrepancies")


def _strings(value: object, key: str = "") -> list[str]:
    if key in ANNOTATORS_PROSE or key.endswith(("_name", "_description")):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, key)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, k)]
    return []


def test_every_view_says_which_of_its_columns_are_texts() -> None:
    """A new view (`sentences` came with the benchmark) needs its entry, and every fold config has its view's."""
    assert set(TEXT_COLUMNS) == set(BASE_CONFIGS)
    assert all(text_columns(c) == TEXT_COLUMNS[c.rsplit("_fold", 1)[0]] for c in CONFIGS)


@pytest.fixture(scope="module")
def textless(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("textless")
    build(CorpusPaths(REPO), out, annotations_only=True)
    return out


def test_annotations_only_build_carries_no_passage_of_any_article(textless: Path) -> None:
    """No string of any row repeats 30 or more characters of an article: the texts, titles, tokens,
    span and evidence texts are all null (ids and labels stay; so does `ANNOTATORS_PROSE`)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "texts").glob("*.txt"))]
    windows = {t[i : i + 30] for t in texts for i in range(len(t) - 29)}
    for config in CONFIGS:
        for f in sorted((textless / "data" / config).glob("*.parquet")):
            for row in pq.read_table(f).to_pylist():
                for s in _strings(row):
                    assert not any(s[i : i + 30] in windows for i in range(max(0, len(s) - 29))), (config, s[:60])


def test_annotations_only_keeps_offsets_labels_and_loads(textless: Path) -> None:
    ner = load_dataset("ner", split="test", root=textless)
    full = load_dataset("ner", split="test")
    assert ner.features == full.features and len(ner) == len(full)
    assert ner[0]["tokens"] == [None] * len(full[0]["tokens"])
    assert ner[0]["token_starts"] == full[0]["token_starts"] and ner[0]["ner_tags"] == full[0]["ner_tags"]
    for config in CONFIGS:
        assert text_columns(config) is not None
    claims = load_dataset("claims", split="test", root=textless)[0]
    assert claims["claim"] is None and claims["start"] is not None and claims["type_name"]
    card = (textless / "README.md").read_text(encoding="utf-8")
    assert "**This build is annotations only**" in card


def test_annotations_only_needs_out(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--annotations-only"])
    assert result.exit_code == 2
    assert result.output.strip() == "--annotations-only: expected --out DIR (never the corpus's own data/) and no --check"


def _textless_corpus(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the shipped corpus without its .txt files, and a folder holding them."""
    corpus, mine = tmp_path / "corpus", tmp_path / "my-texts"
    for d in ("texts", "annotations", "schema"):
        shutil.copytree(REPO / d, corpus / d)
    shutil.copy(REPO / "pyproject.toml", corpus / "pyproject.toml")
    mine.mkdir()
    for t in (corpus / "texts").glob("*.txt"):
        shutil.move(t, mine / t.name)
    return corpus, mine


def test_hydrate_refuses_a_changed_text_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    corpus, mine = _textless_corpus(tmp_path)
    victim = sorted(mine.glob("*.txt"))[1]
    victim.write_bytes(victim.read_bytes().replace(b"the", b"teh", 1))
    result = CliRunner().invoke(cli, ["hydrate", str(mine), "--root", str(corpus)])
    assert result.exit_code == 1
    expected = next(
        d["sha256"] for d in json.loads((corpus / "texts" / "manifest.json").read_text())["documents"] if d["source_file"] == victim.name
    )
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"{victim}: expected sha256 {expected} (manifest, {victim.stem}), found ")
    assert lines[-1] == "1 text refused: nothing written"
    assert list((corpus / "texts").glob("*.txt")) == []


def test_hydrate_then_build_gives_the_full_build(tmp_path: Path) -> None:
    corpus, mine = _textless_corpus(tmp_path)
    (mine / sorted(p.name for p in mine.glob("*.txt"))[0]).unlink()  # one text the user does not have
    partial = CliRunner().invoke(cli, ["hydrate", str(mine), "--root", str(corpus)])
    assert partial.exit_code == 1 and "missing (not in" in partial.output
    shutil.copy(REPO / "texts" / sorted(p.name for p in (REPO / "texts").glob("*.txt"))[0], mine)
    done = CliRunner().invoke(cli, ["hydrate", str(mine), "--root", str(corpus)])
    assert done.exit_code == 0, done.output
    assert done.output.strip().splitlines()[-1].startswith("1 written, 4 already in place, 0 missing")
    for t in (REPO / "texts").glob("*.txt"):
        assert (corpus / "texts" / t.name).read_bytes() == t.read_bytes()
    again = build(CorpusPaths(corpus), tmp_path / "rebuilt")
    shipped = {s.path: s.sha256 for s in build(CorpusPaths(REPO), tmp_path / "shipped").shards}
    assert {s.path: s.sha256 for s in again.shards} == shipped


def test_hydrate_waits_its_turn_behind_another_writer(tmp_path: Path) -> None:
    """texts/ is part of the corpus: hydrate takes the corpus lock like every writing command."""
    import subprocess
    import sys

    from cartel_fto_corpus.truth.lock import corpus_lock

    corpus, mine = _textless_corpus(tmp_path)
    command = [sys.executable, "-m", "cartel_fto_corpus", "--wait", "0", "hydrate", str(mine), "--root", str(corpus)]
    with corpus_lock(corpus):  # another writer (this process) holds it; the lock is re-entrant in-process only
        held = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)
        checked = subprocess.run([*command, "--check"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert held.returncode == 1 and "locked by pid" in held.stderr, held.stderr
    assert list((corpus / "texts").glob("*.txt")) == []
    assert checked.returncode == 0, checked.stderr  # --check writes nothing and needs no lock


def _manifest_only_corpus(tmp_path: Path, texts: dict[str, bytes]) -> CorpusPaths:
    """A corpus of a manifest only (the texts' names and sha256), as `hydrate` reads it."""
    import hashlib

    from cartel_fto_corpus.truth.texts import dumps

    root = tmp_path / "corpus"
    (root / "texts").mkdir(parents=True)
    docs = [{"id": n[:-4], "source_file": n, "sha256": hashlib.sha256(b).hexdigest()} for n, b in sorted(texts.items())]
    (root / "texts" / "manifest.json").write_text(dumps({"documents": docs}))
    return CorpusPaths(root)


def test_hydrate_in_process_present_missing_restorable_and_refused(tmp_path: Path) -> None:
    from cartel_fto_corpus.truth.hydrate import hydrate

    paths = _manifest_only_corpus(tmp_path, {"a.txt": b"A", "b.txt": b"B", "c.txt": b"C", "d.txt": b"D"})
    (paths.texts / "a.txt").write_bytes(b"A")  # already in place
    (paths.texts / "d.txt").write_bytes(b"stale")  # in place but wrong: taken from the folder
    src = tmp_path / "offered"
    src.mkdir()
    (src / "b.txt").write_bytes(b"B")
    (src / "d.txt").write_bytes(b"D")
    dry = hydrate(paths, src, write=False)
    assert (dry.present, dry.missing, dry.restorable, dry.written, dry.problems) == (["a.txt"], ["c.txt"], ["b.txt", "d.txt"], [], [])
    assert not (paths.texts / "b.txt").exists()
    done = hydrate(paths, src)
    assert done.written == [paths.texts / "b.txt", paths.texts / "d.txt"]
    assert (paths.texts / "b.txt").read_bytes() == b"B" and (paths.texts / "d.txt").read_bytes() == b"D"
    again = hydrate(paths, src)
    assert again.present == ["a.txt", "b.txt", "d.txt"] and again.written == [] and again.restorable == []


def test_hydrate_in_process_writes_nothing_when_one_text_differs(tmp_path: Path) -> None:
    import hashlib

    from cartel_fto_corpus.truth.hydrate import hydrate

    paths = _manifest_only_corpus(tmp_path, {"a.txt": b"A", "b.txt": b"B"})
    src = tmp_path / "offered"
    (src / "b.txt").mkdir(parents=True)  # a folder so named is not a text
    (src / "a.txt").write_bytes(b"A")
    res = hydrate(paths, src)
    assert res.missing == ["b.txt"] and res.written == [paths.texts / "a.txt"]
    (paths.texts / "a.txt").unlink()
    (src / "a.txt").write_bytes(b"A!")
    res = hydrate(paths, src)
    want, found = hashlib.sha256(b"A").hexdigest(), hashlib.sha256(b"A!").hexdigest()
    assert res.problems == [f"{src / 'a.txt'}: expected sha256 {want} (manifest, a), found {found}"]
    assert res.restorable == [] and res.written == [] and not (paths.texts / "a.txt").exists()
    assert res.missing == ["b.txt"]  # the texts after a refused one are still looked at
