"""`cartel-fto scaffold`: adding an article is its text plus one command (issue 26).

End to end on copies of the fixture corpus and of the real one: the command writes the text (when
given from elsewhere), the manifest, the checksum line and an empty draft annotation file in one
write, and `validate` accepts the corpus at once. Every refusal is one line with nothing written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import parse_sha256sums, sha256_hex
from tests.conftest import REPO

NEW_ID = "901_0123456789abcdef"
TEXT = "Harbour council votes on quota\n\nThe council of Eastbridge voted on Tuesday to cut the quota.\n"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes: 'nothing written' is this, unchanged."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run(*args: str) -> object:
    return CliRunner().invoke(cli, ["scaffold", *args])


def validate(root: Path) -> object:
    return CliRunner().invoke(cli, ["validate", "--root", str(root)])


def offer(tmp_path: Path, name: str = f"{NEW_ID}.txt", data: bytes = TEXT.encode()) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def test_a_text_from_elsewhere_becomes_a_valid_article_in_one_command(corpus_copy: Path, tmp_path: Path) -> None:
    source = offer(tmp_path)
    before = tree(corpus_copy)
    result = run(str(source), "--root", str(corpus_copy), "--annotator", "ann_new", "--guideline-version", "2.0")
    assert result.exit_code == 0, result.output
    paths = CorpusPaths(corpus_copy)
    assert paths.text_file(NEW_ID).read_bytes() == TEXT.encode()  # bytes as given
    doc = json.loads(paths.annotation_file(NEW_ID).read_text(encoding="utf-8"))
    assert doc["doc_id"] == NEW_ID and doc["text_sha256"] == sha256_hex(TEXT.encode())
    [aset] = doc["annotations"]
    assert (aset["annotator"], aset["status"], aset["guideline_version"]) == ("ann_new", "draft", "2.0")
    assert aset["entities"] == aset["stances"] == aset["claims"] == []
    assert parse_sha256sums(paths.checksums.read_text(encoding="utf-8"))[0][f"{NEW_ID}.txt"] == sha256_hex(TEXT.encode())
    assert NEW_ID in {d["id"] for d in json.loads(paths.manifest.read_text(encoding="utf-8"))["documents"]}
    after = tree(corpus_copy)
    assert set(after) - set(before) == {f"texts/{NEW_ID}.txt", f"annotations/{NEW_ID}.json"}
    assert {k for k in before if before[k] != after[k]} == {"texts/manifest.json", "texts/SHA256SUMS"}
    checked = validate(corpus_copy)
    assert checked.exit_code == 0, checked.output
    again = run(str(source), "--root", str(corpus_copy), "--annotator", "ann_new", "--guideline-version", "2.0")
    assert again.exit_code == 1 and "already there" in again.stderr


def test_a_text_placed_in_texts_and_the_guidelines_version_of_the_real_corpus(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    for d in ("texts", "annotations"):
        shutil.copytree(REPO / d, root / d)
    placed = root / "texts" / "005_00000000000000ff.txt"
    placed.write_text(TEXT, encoding="utf-8")
    assert validate(root).exit_code != 0  # the text alone: refused until the command runs
    result = run(str(placed), "--root", str(root), "--annotator", "alice")
    assert result.exit_code == 0, result.output
    doc = json.loads((root / "annotations" / "005_00000000000000ff.json").read_text(encoding="utf-8"))
    assert doc["annotations"][0]["guideline_version"] == "2.0"  # what annotations/GUIDELINES.md states
    checked = validate(root)
    assert checked.exit_code == 0, checked.output


def test_check_writes_nothing(corpus_copy: Path, tmp_path: Path) -> None:
    before = tree(corpus_copy)
    result = run(str(offer(tmp_path)), "--root", str(corpus_copy), "--annotator", "a", "--guideline-version", "2.0", "--check")
    assert result.exit_code == 0, result.output
    assert "annotations/" in result.stderr and "would be written" in result.stderr
    assert tree(corpus_copy) == before


@pytest.mark.parametrize(
    ("name", "data", "extra", "message"),
    [
        pytest.param("new_article.txt", TEXT.encode(), (), "expected a file named <doc id>.txt with a doc id matching", id="bad-doc-id"),
        pytest.param(f"{NEW_ID}.json", TEXT.encode(), (), "expected a file named <doc id>.txt", id="not-txt"),
        pytest.param("900_00000000000000aa.txt", TEXT.encode(), (), "already there", id="text-already-there"),
        pytest.param("900_00000000000000bb.txt", TEXT.encode(), (), "expected a new number, found 900 already used by", id="number-taken"),
        pytest.param(f"{NEW_ID}.txt", b"caf\xe9 au lait\n", (), "expected UTF-8 text, found byte 0xe9", id="not-utf8"),
        pytest.param(f"{NEW_ID}.txt", b"\n \n", (), "found an empty file", id="empty"),
        pytest.param(
            f"{NEW_ID}.txt", TEXT.encode(), ("--annotator", "Alice Smith"), "--annotator: expected a name matching", id="bad-annotator"
        ),
        pytest.param(f"{NEW_ID}.txt", TEXT.encode(), ("--guideline-version", "two"), "--guideline-version: expected", id="bad-version"),
        pytest.param(None, b"", (), "no such file", id="missing"),
    ],
)
def test_bad_input_is_one_line_and_nothing_written(
    corpus_copy: Path, tmp_path: Path, name: str | None, data: bytes, extra: tuple[str, ...], message: str
) -> None:
    source = offer(tmp_path, name, data) if name else tmp_path / f"{NEW_ID}.txt"
    before = tree(corpus_copy)
    options = {"--annotator": "ann_new", "--guideline-version": "2.0"}
    options.update(dict(zip(extra[::2], extra[1::2], strict=True)))
    result = run(str(source), "--root", str(corpus_copy), *(x for kv in options.items() for x in kv))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and message in lines[0], lines
    assert lines[1].endswith("refused: nothing written")
    assert "Traceback" not in result.output
    assert tree(corpus_copy) == before


def test_a_corpus_without_guidelines_needs_the_version(corpus_copy: Path, tmp_path: Path) -> None:
    result = run(str(offer(tmp_path)), "--root", str(corpus_copy), "--annotator", "a")
    assert result.exit_code == 1
    assert "GUIDELINES.md: expected 'Version X.Y'" in result.stderr and "--guideline-version" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"not a checksum line\n", "texts/SHA256SUMS: line 1: expected '<64 hex digits>  <file name>'", id="bad-line"),
        pytest.param(b"\xff\xfe\n", "texts/SHA256SUMS: cannot read:", id="not-utf8"),
    ],
)
def test_a_checksum_file_it_cannot_extend_is_one_line_and_nothing_written(
    corpus_copy: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    (corpus_copy / "texts" / "SHA256SUMS").write_bytes(content)
    before = tree(corpus_copy)
    result = run(str(offer(tmp_path)), "--root", str(corpus_copy), "--annotator", "a", "--guideline-version", "2.0")
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and message in lines[0], lines
    assert tree(corpus_copy) == before
