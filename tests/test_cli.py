"""The command line as users meet it: real processes, exit codes, one line per error, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_CORPUS, INVALID, REPO
from tests.test_validate import CASES


def run(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_version_and_help() -> None:
    from cartel_fto_corpus import __version__

    assert run("--version").stdout.strip().endswith(__version__)
    assert "validate" in run("--help").stdout


def test_valid_fixture_corpus_exits_0() -> None:
    proc = run("validate", "--root", FIXTURE_CORPUS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("valid")


@pytest.mark.parametrize(
    ("name", "code"),
    [("span_text_mismatch.json", 1), ("malformed_json.json", 2), ("not_utf8.json", 2), ("unknown_schema_version.json", 1)],
)
def test_bad_input_gives_one_line_and_exit_code(name: str, code: int) -> None:
    proc = run("validate", "--root", FIXTURE_CORPUS, INVALID / name)
    assert proc.returncode == code
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "files checked" not in line]
    assert len(lines) == 1 and lines[0].startswith(f"tests/fixtures/invalid/{name}:")


def test_missing_file_exits_2_without_traceback() -> None:
    proc = run("validate", "--root", FIXTURE_CORPUS, "does/not/exist.json")
    assert proc.returncode == 2
    assert "does/not/exist.json: no such file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_usage_error_exits_2() -> None:
    proc = run("validate", "--format", "xml")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_json_format_is_machine_readable() -> None:
    proc = run("validate", "--root", FIXTURE_CORPUS, "--format", "json", INVALID / "label_mismatch.json")
    assert proc.returncode == 1
    body = json.loads(proc.stdout)
    assert body["valid"] is False and body["exit_code"] == 1
    [problem] = body["problems"]
    assert problem["pointer"] == "/annotations/0/entities/1/label"
    assert problem["code"] == "label-mismatch"
    source = (INVALID / "label_mismatch.json").read_text(encoding="utf-8").splitlines()
    assert '"label": "ORG"' in source[problem["line"] - 1]


def test_github_format_points_at_the_offending_line() -> None:
    proc = run("validate", "--root", FIXTURE_CORPUS, "--format", "github", INVALID / "unknown_target.json")
    assert proc.returncode == 1
    [line] = proc.stdout.splitlines()
    assert line.startswith("::error file=tests/fixtures/invalid/unknown_target.json,line=")
    assert line.endswith("::/annotations/0/stances/0/target: expected a target id of the registry, found 'tariffs_on_mexico'")
    lineno = int(line.split("line=")[1].split(",")[0])
    source = (INVALID / "unknown_target.json").read_text(encoding="utf-8").splitlines()
    assert '"target": "tariffs_on_mexico"' in source[lineno - 1]


def test_summary_table_after_clean_run() -> None:
    proc = run("validate", "--root", FIXTURE_CORPUS, "--summary")
    assert proc.returncode == 0
    assert "900_00000000000000aa" in proc.stdout and "Cartels Named Terrorists" in proc.stdout


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_bad_fixture_exits_with_its_line(name: str) -> None:
    """`cartel-fto validate FIXTURE` prints exactly the expected line(s) and exit code (in process)."""
    from click.testing import CliRunner

    from cartel_fto_corpus.cli.main import cli

    code, expected = CASES[name]
    result = CliRunner().invoke(cli, ["validate", "--root", str(FIXTURE_CORPUS), str(INVALID / name)])
    assert result.exit_code == code
    lines = [line for line in result.stderr.splitlines() if "files checked" not in line]
    assert [line.split(name, 1)[1] for line in lines] == [f":{ptr}: {msg}" if ptr else f": {msg}" for ptr, msg in expected]


def test_validate_paths_uses_the_checkout_the_files_are_in(corpus_copy: Path, tmp_path: Path) -> None:
    """`validate FILE` run outside FILE's checkout checks FILE against its own corpus's registry,
    not the one of the working directory's checkout or of the installed copy: here the copy's
    registry lost an entity the file uses, which only that registry knows."""
    import shutil

    shutil.copytree(REPO / "schema", corpus_copy / "schema")
    (corpus_copy / "pyproject.toml").write_text('[project]\nname = "cartel-fto-corpus"\n', encoding="utf-8")
    reg_path = corpus_copy / "annotations" / "registry.json"
    reg = json.loads(reg_path.read_text(encoding="utf-8"))
    reg["entities"] = [e for e in reg["entities"] if e["id"] != "marco_rubio"]
    reg_path.write_text(json.dumps(reg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    file = corpus_copy / "annotations" / "900_00000000000000aa.json"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd in (REPO, elsewhere):  # another checkout; no checkout at all
        proc = run("validate", file, cwd=cwd)
        assert proc.returncode == 1, proc.stderr
        assert "marco_rubio" in proc.stderr
    two = run("validate", file, REPO / "annotations" / "registry.json", cwd=elsewhere)
    assert two.returncode == 2
    assert "expected files of one corpus" in two.stderr
