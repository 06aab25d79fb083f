"""Adding an export format is one module and one registration (issue 26).

`publish.exports.FORMATS` is the one list: the command's choices and help, the card's list and
`export_all` read it; the hand-written places that name formats (README outside the card,
ARCHITECTURE.md's `exports/` row) are checked against it here, both ways.
"""

from __future__ import annotations

import importlib
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import cartel_fto_corpus.cli.export as cli_export
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.publish import exports
from cartel_fto_corpus.publish.exports import FORMATS, Format, export_all, format_list, split_formats
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.conftest import FIXTURE_CORPUS, REPO

EXPORTS_DIR = Path(exports.__file__).parent
#: modules of publish/exports that are not formats
NOT_FORMATS = {"__init__", "source"}


@pytest.fixture
def toy_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A format module outside the package, registered with one `FORMATS` entry; the command module
    re-imported so its choices are read again (registration happens at import in real use)."""
    pkg = tmp_path / "toy_exports"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "toy.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path

            def write(docs, out, file="toy.txt"):
                out = Path(out)
                out.mkdir(parents=True, exist_ok=True)
                target = out / file
                target.write_text("".join(f"{d.doc_id} {len(d.mentions)}\\n" for d in docs), encoding="utf-8")
                return [target]
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(FORMATS, "toy", Format("toy_exports.toy", "toy lines (doc id, mentions)", split_ext="toy"))
    importlib.reload(cli_export)
    yield "toy"
    monkeypatch.undo()
    importlib.reload(cli_export)


def test_a_registered_format_is_a_choice_in_the_help_and_exported(toy_format: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--help"], terminal_width=400)
    assert result.exit_code == 0, result.output
    assert "|jsonl|toy]" in result.output
    assert "toy (toy lines (doc id, mentions))" in result.output
    files = export_all(toy_format, CorpusPaths(FIXTURE_CORPUS), tmp_path / "out")
    assert files[0] == tmp_path / "out" / "toy.txt"
    assert any(f.parent.name.startswith("fold") and f.suffix == ".toy" for f in files)  # its split extension
    docs = {line.split()[0] for line in files[0].read_text(encoding="utf-8").splitlines()}
    assert docs == {p.stem for p in CorpusPaths(FIXTURE_CORPUS).annotation_files()}
    result = CliRunner().invoke(cli, ["export", "--root", str(FIXTURE_CORPUS), "--to", "toy", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli" / "toy.txt").is_file()


def test_the_help_lists_exactly_the_registered_formats() -> None:
    result = CliRunner().invoke(cli, ["export", "--help"], terminal_width=400)
    assert f"[{'|'.join(FORMATS)}]" in result.output
    assert format_list(markdown=False) in result.output


def test_every_format_module_is_registered_and_every_registration_has_its_module() -> None:
    modules = {p.stem for p in EXPORTS_DIR.glob("*.py")} - NOT_FORMATS
    assert modules == {f.module for f in FORMATS.values()}
    assert split_formats() == {name: f.split_ext for name, f in FORMATS.items() if f.split_ext}


def test_architecture_lists_the_registered_format_modules_and_nothing_else() -> None:
    row = next(
        line for line in (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines() if line.startswith("| publish | `exports/` |")
    )
    listed = re.search(r"one module each \(([^)]*)\)", row)
    assert listed, row
    assert re.findall(r"`([^`]+)`", listed.group(1)) == [f.module for f in FORMATS.values()]


def test_readme_names_the_registered_formats_and_nothing_else() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"cartel-fto export --to {'|'.join(FORMATS)} --out DIR" in readme  # the card, generated
    assert format_list() in readme
    named = re.findall(
        r"cartel-fto export (?:--to|--format) ([\w|]+)", readme + (REPO / "docs" / "benchmark.md").read_text(encoding="utf-8")
    )
    assert named
    for choice in named:
        assert set(choice.split("|")) <= set(FORMATS), choice
