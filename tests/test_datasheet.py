"""DATASHEET.md quotes exactly what `cartel-fto stats` prints, and goes stale loudly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.datasheet import BEGIN, END, DatasheetError, blocks, render_datasheet, stale_blocks
from cartel_fto_corpus.inspection.stats import compute_stats, stats_tables
from cartel_fto_corpus.truth.paths import CorpusPaths

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATASHEET = REPO / "DATASHEET.md"
FIXTURE_DOC = "900_00000000000000aa"

#: The seven sections of Gebru et al., "Datasheets for Datasets".
GEBRU_SECTIONS = (
    "Motivation",
    "Composition",
    "Collection process",
    "Preprocessing / cleaning / labelling",
    "Uses",
    "Distribution",
    "Maintenance",
)


def markdown_rows(text: str, name: str) -> list[list[str]]:
    """The cells of the markdown table inside one stats block, header and rule row dropped."""
    m = re.search(rf"<!-- stats:begin {name} -->\n(.*?)<!-- stats:end {name} -->", text, re.DOTALL)
    assert m, f"DATASHEET.md: no stats block {name!r}"
    lines = [ln for ln in m.group(1).splitlines() if ln.startswith("|")]
    return [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", ln)[1:-1]] for ln in lines[2:]]


def test_every_figure_equals_what_stats_prints() -> None:
    """Parse each table of DATASHEET.md and compare it cell by cell with `cartel-fto stats --format json`."""
    result = CliRunner().invoke(cli, ["stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    text = DATASHEET.read_text(encoding="utf-8")
    for table in stats_tables(printed):
        rows = markdown_rows(text, table.name)
        expected = [list(r) for r in table.rows]
        assert rows == expected, (
            f"DATASHEET.md table {table.name!r} differs from `cartel-fto stats`; run `cartel-fto stats --write-datasheet`"
        )
    assert printed["token_rule"] in text


def test_datasheet_is_not_stale() -> None:
    """What CI runs: fails as soon as an annotation changes without regenerating the datasheet."""
    result = CliRunner().invoke(cli, ["stats", "--check-datasheet"])
    assert result.exit_code == 0, result.output


def test_datasheet_answers_every_gebru_section() -> None:
    text = DATASHEET.read_text(encoding="utf-8")
    headings = re.findall(r"^## \d\. (.+)$", text, re.MULTILINE)
    assert tuple(headings) == GEBRU_SECTIONS
    assert len(re.findall(r"\?\*\*", text)) >= 50, "expected the datasheet to answer Gebru et al.'s questions"
    for needle in (
        "llm-annotator-1",
        "LICENSE-ANNOTATIONS",
        "open question",
        "(inference)",
        "repeated_passages",
        "overlaps_other_document",
    ):
        assert needle in " ".join(text.split()), needle


def template(prose: str = "Some prose | with a pipe.\n") -> str:
    names = list(blocks(compute_stats(CorpusPaths(TESTS / "fixtures" / "corpus"))))
    return "# Datasheet\n\n" + prose + "".join(f"\n{BEGIN.format(name=n)}\n{END.format(name=n)}\n" for n in names)


def test_write_then_check_then_edit_annotation_goes_stale(corpus_copy: Path) -> None:
    ds = corpus_copy / "DATASHEET.md"
    ds.write_text(template(), encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(cli, ["stats", "--root", str(corpus_copy), "--write-datasheet"])
    assert first.exit_code == 0 and "written" in first.output, first.output
    assert runner.invoke(cli, ["stats", "--root", str(corpus_copy), "--write-datasheet"]).output.strip().endswith("up to date")
    assert runner.invoke(cli, ["stats", "--root", str(corpus_copy), "--check-datasheet"]).exit_code == 0
    written = ds.read_text(encoding="utf-8")
    assert "Some prose | with a pipe." in written
    assert "| 900_00000000000000aa | 245 |" in written

    f = corpus_copy / "annotations" / f"{FIXTURE_DOC}.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["stances"][0]["label"] = "against"
    f.write_text(json.dumps(doc), encoding="utf-8")
    stale = runner.invoke(cli, ["stats", "--root", str(corpus_copy), "--check-datasheet"])
    assert stale.exit_code == 1
    assert "stats block 'stances' is stale" in stale.output
    assert "cartel-fto stats --write-datasheet" in stale.output
    assert "'documents'" not in stale.output  # only the blocks whose figures changed
    assert ds.read_text(encoding="utf-8") == written  # --check writes nothing


def test_prose_outside_blocks_is_kept_byte_for_byte() -> None:
    stats = compute_stats(CorpusPaths(TESTS / "fixtures" / "corpus"))
    text = template("Prose with <!-- a comment --> and ünïcödé 💬.\n")
    out = render_datasheet(text, stats)
    assert re.sub(r"<!-- stats:begin (\w+) -->.*?<!-- stats:end \1 -->", "", out, flags=re.DOTALL) == re.sub(
        r"<!-- stats:begin (\w+) -->.*?<!-- stats:end \1 -->", "", text, flags=re.DOTALL
    )
    assert render_datasheet(out, stats) == out
    assert stale_blocks(out, stats) == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace(END.format(name="claims") + "\n", ""), "lone 'begin claims' marker"),
        (lambda t: re.sub(r"<!-- stats:begin entities -->\n<!-- stats:end entities -->\n", "", t), "found none for entities"),
        (lambda t: t + "\n<!-- stats:begin bogus -->\n<!-- stats:end bogus -->\n", "found unknown bogus"),
    ],
)
def test_broken_markers_are_one_line_errors(corpus_copy: Path, edit, message: str) -> None:
    ds = corpus_copy / "DATASHEET.md"
    ds.write_text(edit(template()), encoding="utf-8")
    with pytest.raises(DatasheetError, match=re.escape(message)):
        render_datasheet(ds.read_text(encoding="utf-8"), compute_stats(CorpusPaths(corpus_copy)))
    result = CliRunner().invoke(cli, ["stats", "--root", str(corpus_copy), "--check-datasheet"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output


def test_missing_datasheet_is_one_line_error(corpus_copy: Path) -> None:
    result = CliRunner().invoke(cli, ["stats", "--root", str(corpus_copy), "--check-datasheet"])
    assert result.exit_code == 2
    assert "cannot read the datasheet" in result.output and "Traceback" not in result.output
