"""The raw texts are the seeds, byte for byte, and the manifest is what the texts say."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import (
    Text,
    compute_manifest,
    documents,
    dumps,
    find_title,
    overlaps,
    quality_flags,
    read_checksums,
    read_texts,
    repeated_passages,
)
from tests.conftest import REPO

SEEDS = REPO.parent / "shared" / "seeds"


def test_texts_match_their_checksum_list() -> None:
    paths = CorpusPaths()
    sums = read_checksums(paths.checksums)
    assert len(sums) == 5
    for name, digest in sums.items():
        assert hashlib.sha256((paths.texts / name).read_bytes()).hexdigest() == digest


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_texts_are_byte_identical_to_the_seeds() -> None:
    paths = CorpusPaths()
    assert read_checksums(paths.checksums) == read_checksums(SEEDS / "SHA256SUMS")
    for seed in sorted(SEEDS.glob("*.txt")):
        assert (paths.texts / seed.name).read_bytes() == seed.read_bytes()


def test_committed_manifest_is_fresh() -> None:
    paths = CorpusPaths()
    assert paths.manifest.read_text(encoding="utf-8") == dumps(compute_manifest(read_texts(paths)))


def test_document_facts() -> None:
    docs = {d["id"]: d for d in documents()}
    for doc_id, d in docs.items():
        data = CorpusPaths().text_file(doc_id).read_bytes()
        text = data.decode("utf-8")
        assert (d["n_bytes"], d["n_chars"], d["n_utf16"]) == (len(data), len(text), len(text.encode("utf-16-le")) // 2)
        assert d["source_file"] == f"{doc_id}.txt"
        if d["title"] is not None:
            assert text[d["title_start"] : d["title_end"]] == d["title"]
        for rep in d["repeated_passages"]:
            length = rep["end"] - rep["start"]
            assert text[rep["start"] : rep["end"]] == text[rep["first_start"] : rep["first_start"] + length]
    # 002 holds an astral-plane emoji: the two lengths differ there and only there.
    assert [i for i, d in docs.items() if d["n_chars"] != d["n_utf16"]] == ["002_c5ca0eb7af3313b9"]


def test_title_only_where_the_text_has_one() -> None:
    titled = {d["id"]: d["title"] for d in documents() if d["title"]}
    assert titled == {"000_e0ea4dd0c3e368ed": "U.S. Administration Targets Latin American Cartels as Terrorist Organizations"}


def test_find_title_rules() -> None:
    assert find_title("**A sentence that ends.**\n**The Headline**\nBody.") == ("The Headline", 28, 40)
    assert find_title("No markup here\nat all") is None


def test_repeated_passages_flag_the_second_copy() -> None:
    text = "Head\nA para.\nB para.\nA para.\n\nHead"
    assert repeated_passages(text) == [{"start": 21, "end": 28, "first_start": 5}, {"start": 30, "end": 34, "first_start": 0}]


def test_overlap_is_symmetric_and_thresholded() -> None:
    a = Text("001_0000000000000000", "a.txt", b"the cat sat on the mat and then the dog sat on the rug")
    b = Text("002_0000000000000000", "b.txt", b"yesterday the cat sat on the mat and then left")
    c = Text("003_0000000000000000", "c.txt", b"completely different words appear in this one only")
    ov = overlaps([a, b, c])
    assert [o["doc_id"] for o in ov[a.doc_id]] == [b.doc_id]
    assert [o["doc_id"] for o in ov[b.doc_id]] == [a.doc_id]
    assert ov[c.doc_id] == []


def test_quality_flags_are_computed_from_the_text() -> None:
    flags = quality_flags("August 8, 2025 - X\n\u2022 point \U0001f4ac\nHeading:\nOther:\nReader Comments(0)", [], [])
    assert flags == sorted(["dateline", "bullet_list", "non_bmp_characters", "empty_section", "site_boilerplate", "no_source_metadata"])
    assert quality_flags("Plain \u201cquoted\u201d text.", [], []) == ["no_source_metadata", "typographic_quotes"]


def test_shipped_flags_match_what_a_reader_sees() -> None:
    flags = {d["id"][:3]: set(d["quality_flags"]) for d in documents()}
    assert {"repeated_passages", "markdown_markup"} <= flags["000"]
    assert "overlaps_other_document" in flags["001"] and "overlaps_other_document" in flags["004"]
    assert {"non_bmp_characters", "bullet_list", "dateline"} <= flags["002"]
    assert not any("overlaps_other_document" in flags[k] for k in ("000", "002", "003"))


def test_manifest_cli_writes_and_checks(tmp_path: Path) -> None:
    import shutil

    from click.testing import CliRunner

    from cartel_fto_corpus.cli.main import cli
    from tests.conftest import FIXTURE_CORPUS

    root = tmp_path / "c"
    shutil.copytree(FIXTURE_CORPUS, root)
    runner = CliRunner()
    assert runner.invoke(cli, ["manifest", "--root", str(root), "--check"]).exit_code == 0
    (root / "texts" / "manifest.json").write_text("{}", encoding="utf-8")
    assert runner.invoke(cli, ["manifest", "--root", str(root), "--check"]).exit_code == 1
    assert runner.invoke(cli, ["manifest", "--root", str(root)]).exit_code == 0
    assert runner.invoke(cli, ["manifest", "--root", str(root), "--check"]).exit_code == 0


def test_a_text_that_is_not_utf8_is_one_line_everywhere(corpus_copy: Path) -> None:
    """Offsets count code points of the decoded text, so undecodable bytes must stop `manifest`
    (nothing written) and be named by `validate`, never become a traceback or an internal error."""
    from click.testing import CliRunner

    from cartel_fto_corpus.cli.main import cli

    text = sorted((corpus_copy / "texts").glob("*.txt"))[0]
    data = text.read_bytes()
    text.write_bytes(data[:10] + b"\xff" + data[11:])
    manifest = (corpus_copy / "texts" / "manifest.json").read_bytes()
    runner = CliRunner()
    for args in (["manifest"], ["manifest", "--check"]):
        result = runner.invoke(cli, [*args, "--root", str(corpus_copy)])
        assert result.exit_code == 2, result.output
        assert f"{text.name}: expected UTF-8 text, found byte 0xff at byte offset 10" in result.stderr
        assert "Traceback" not in result.output
    assert (corpus_copy / "texts" / "manifest.json").read_bytes() == manifest
    result = runner.invoke(cli, ["validate", "--root", str(corpus_copy)])
    assert result.exit_code == 2
    assert f"texts/{text.name}: expected UTF-8 text, found byte 0xff at byte offset 10" in result.output
    assert "internal error" not in result.output
