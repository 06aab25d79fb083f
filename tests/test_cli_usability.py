"""The command line fits its user: which corpus, missing extras, help everywhere, consistent options,
unknown ids rejected, output at the terminal's width, one problem per mistake."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli, extra_for, missing_module_line
from cartel_fto_corpus.cli.options import InstalledCorpusError, corpus_root
from cartel_fto_corpus.truth import paths as paths_module
from cartel_fto_corpus.truth.paths import find_checkout, is_checkout
from tests.conftest import FIXTURE_CORPUS, REPO


def run(*args: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=300
    )


def commands(group: click.Group = cli, prefix: tuple[str, ...] = ("cartel-fto",)):
    ctx = click.Context(group, info_name=prefix[-1])
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, (*prefix, name))


# --------------------------------------------------------------------------- options


def test_every_command_and_option_has_help() -> None:
    missing = []
    for path, cmd in commands():
        if not (cmd.help or "").strip():
            missing.append(" ".join(path))
        for p in cmd.params:
            if isinstance(p, click.Option) and not (p.help or "").strip():
                missing.append(f"{' '.join(path)} {'/'.join(p.opts)}")
    assert missing == []
    assert len(list(commands())) >= 10  # the walk reached the lazy commands and the ls group


def test_format_means_the_same_everywhere() -> None:
    """`--format` takes text|json on every command that prints a report (validate adds github); `table`
    stays an alias. The file format `export` writes is `--to` (`--format` there is the older spelling)."""
    seen = {}
    for path, cmd in commands():
        if path[-1] == "export":
            (fmt,) = [p for p in cmd.params if "--to" in getattr(p, "opts", [])]
            assert fmt.opts[0] == "--to" and "--format" in fmt.opts
            continue
        for p in cmd.params:
            if isinstance(p, click.Option) and "--format" in p.opts:
                seen[" ".join(path)] = (p.default, set(p.type.choices))
    assert set(seen) >= {"cartel-fto validate", "cartel-fto stats", "cartel-fto agreement"}
    for name, (default, choices) in seen.items():
        assert default == "text" and {"text", "json", "table"} <= choices, name
    for command in ("stats", "agreement"):
        text = run(command, "--root", FIXTURE_CORPUS, "--format", "text")
        table = run(command, "--root", FIXTURE_CORPUS, "--format", "table")
        assert text.returncode == table.returncode == 0, (text.stderr, table.stderr)
        assert text.stdout == table.stdout and text.stdout.strip()
        assert json.loads(run(command, "--root", FIXTURE_CORPUS, "--format", "json").stdout)


def test_prefer_takes_both_sides_on_push_and_pull() -> None:
    ls = dict(commands())[("cartel-fto", "ls")]
    for sub in ("push", "pull"):
        (prefer,) = [p for p in ls.commands[sub].params if "--prefer" in getattr(p, "opts", [])]
        assert set(prefer.type.choices) == {"repo", "labelstudio"}, sub


# --------------------------------------------------------------------------- unknown ids


def test_unknown_annotator_is_an_error() -> None:
    proc = run("agreement", "--root", FIXTURE_CORPUS, "--annotators", "nobody")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "'nobody'" in proc.stderr and "Traceback" not in proc.stderr
    doc = next(p.stem for p in (FIXTURE_CORPUS / "annotations").glob("9*.json"))
    proc = run("show", doc, "--root", FIXTURE_CORPUS, "--annotator", "nobody")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "'nobody'" in proc.stderr


# --------------------------------------------------------------------------- missing extras


def test_extras_come_from_the_package_metadata() -> None:
    assert extra_for("httpx") == extra_for("label_studio_sdk") == "labelstudio"
    assert extra_for("no_such_module_at_all") is None
    line = missing_module_line(ModuleNotFoundError("No module named 'httpx'", name="httpx"))
    assert line is not None and line.endswith(f"pip install -e '{REPO}[labelstudio]'")  # not on PyPI: the checkout
    assert missing_module_line(ModuleNotFoundError("x", name="cartel_fto_corpus.nothing")) is None  # our bug: a traceback


MISSING = """
import sys
sys.modules["httpx"] = None  # as if the labelstudio extra were not installed
sys.modules["label_studio_sdk"] = None
from cartel_fto_corpus.cli.main import main
sys.argv = ["cartel-fto", *sys.argv[1:]]
main()
"""


def test_missing_extra_is_one_line_with_the_install_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", MISSING, "ls", "push", "--root", str(FIXTURE_CORPUS), "--dry-run", "--url", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "LABEL_STUDIO_API_KEY": "x" * 40},
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: this command needs the Python module 'httpx', which is not installed: pip install -e '{REPO}[labelstudio]'"
    ] or proc.stderr.splitlines() == [
        f"error: this command needs the Python module 'label_studio_sdk', which is not installed: pip install -e '{REPO}[labelstudio]'"
    ]


def test_command_whose_module_cannot_be_imported_is_listed_and_explains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cartel_fto_corpus.cli import main

    (tmp_path / "needs_an_extra.py").write_text("import no_such_dependency_xyz\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(main.LAZY_COMMANDS, "fancy", "needs_an_extra:command")
    runner = CliRunner()
    listing = runner.invoke(cli, ["--help"])
    assert listing.exit_code == 0 and "fancy" in listing.output
    result = runner.invoke(cli, ["fancy", "--anything"])
    assert result.exit_code == 2
    assert result.output.strip().endswith(f"'no_such_dependency_xyz', which is not installed: pip install -e '{REPO}'")


# --------------------------------------------------------------------------- which corpus


def make_checkout(at: Path) -> Path:
    at.mkdir(parents=True)
    for d in ("texts", "annotations"):
        shutil.copytree(FIXTURE_CORPUS / d, at / d)
    shutil.copytree(REPO / "schema", at / "schema")
    (at / "pyproject.toml").write_text('[project]\nname = "cartel-fto-corpus"\n', encoding="utf-8")
    return at


def test_checkout_is_found_from_the_working_directory_upward(tmp_path: Path) -> None:
    co = make_checkout(tmp_path / "co")
    (co / "annotations" / "deeper").mkdir()
    assert find_checkout(co / "annotations" / "deeper") == co.resolve()
    assert is_checkout(REPO) and find_checkout(REPO / "tests") == REPO
    (co / "pyproject.toml").write_text('[project]\nname = "something-else"\n', encoding="utf-8")
    assert find_checkout(co) is None  # texts/ and annotations/ alone do not make a checkout


def test_outside_a_checkout_reads_are_announced_and_writes_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InstalledCorpusError, match="refusing to write into the installed corpus"):
        corpus_root(None, writes=True)
    assert corpus_root(FIXTURE_CORPUS, writes=True) == FIXTURE_CORPUS  # --root overrides
    proc = run("validate", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0].startswith("note: no cartel_fto_corpus checkout in")
    for args in (["manifest"], ["build"], ["stats", "--write-datasheet"], ["ls", "pull"], ["ls", "push"]):
        proc = run(*args, cwd=tmp_path)
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, (args, proc.stderr)
        assert proc.stderr.startswith("error: no cartel_fto_corpus checkout in") and "--root" in proc.stderr, args


def test_inside_a_checkout_commands_use_it(tmp_path: Path) -> None:
    co = make_checkout(tmp_path / "co")
    f = next((co / "annotations").glob("9*.json"))
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["entities"][0]["label"] = "PERSONA"
    f.write_text(json.dumps(doc), encoding="utf-8")
    proc = run("validate", cwd=co / "texts")
    assert proc.returncode == 1 and "note:" not in proc.stderr
    assert "PERSONA" in proc.stderr


def test_schema_follows_the_chosen_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    co = make_checkout(tmp_path / "co")
    monkeypatch.setattr(paths_module, "_schema_root", None)
    corpus_root(co)
    assert paths_module.schema_dir() == co / "schema"
    corpus_root(FIXTURE_CORPUS)  # no schema/ of its own: the package's
    assert paths_module.schema_dir() == paths_module.data_root() / "schema"


# --------------------------------------------------------------------------- one problem per mistake


def test_one_wrong_label_is_one_problem(corpus_copy: Path) -> None:
    from cartel_fto_corpus.checks.validate import validate

    f = next((corpus_copy / "annotations").glob("9*.json"))
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["entities"][0]["label"] = "PERSONA"  # fails the schema: the file is not checked further
    f.write_text(json.dumps(doc), encoding="utf-8")
    problems = validate(root=corpus_copy).problems
    assert [p.code for p in problems if p.code == "unused-entry"] == []
    assert len(problems) == 1, [str(p) for p in problems]


def test_unused_entry_is_still_reported_when_nothing_failed(corpus_copy: Path) -> None:
    from cartel_fto_corpus.checks.validate import validate

    reg = corpus_copy / "annotations" / "registry.json"
    data = json.loads(reg.read_text(encoding="utf-8"))
    data["clusters"].append({**data["clusters"][0], "id": "nobody_uses_this"})
    reg.write_text(json.dumps(data), encoding="utf-8")
    problems = validate(root=corpus_copy).problems
    assert [p.code for p in problems] == ["unused-entry"] and "nobody_uses_this" in problems[0].message


# --------------------------------------------------------------------------- terminal width


def test_show_fits_80_columns() -> None:
    from rich.console import Console

    from cartel_fto_corpus.inspection import explorer
    from cartel_fto_corpus.truth.paths import CorpusPaths

    doc = sorted(p.stem for p in CorpusPaths(REPO).annotation_files())[1]
    view = explorer.load_view(doc, CorpusPaths(REPO))

    def lines(width: int) -> list[str]:
        buf = io.StringIO()
        real = Console
        explorer_console = lambda width=None: real(width=width, file=buf, color_system=None)  # noqa: E731
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("rich.console.Console", explorer_console)
            explorer.print_view(view, width=width)
        return buf.getvalue().splitlines()

    narrow, wide = lines(80), lines(200)
    assert max(map(len, narrow)) <= 80 and max(map(len, wide)) <= 200
    # rich alone wraps every cell of the claims table into a column of single words: 4x the lines
    assert len(narrow) < 2 * len(wide), (len(narrow), len(wide))


def test_summary_fits_the_terminal() -> None:
    for cols in (80, 250):
        proc = run("validate", "--root", FIXTURE_CORPUS, "--summary", env={"COLUMNS": str(cols)})
        assert proc.returncode == 0
        out = proc.stdout.splitlines()
        assert max(map(len, out)) <= cols
        assert any("900_00000000000000aa" in line for line in out)  # ids whole, never wrapped


def test_runner_smoke() -> None:
    """The group resolves every lazy command in-process (no import errors hidden by subprocesses)."""
    import click

    from cartel_fto_corpus.cli.main import LAZY_COMMANDS

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "show" in result.output and "ls" in result.output
    ctx = click.Context(cli)
    for name in LAZY_COMMANDS:
        assert cli.get_command(ctx, name) is not None, name


def test_help_lists_commands_without_importing_them() -> None:
    """`--help` reads each lazy command's one-line help from its source; it equals click's own."""
    import click

    from cartel_fto_corpus.cli.main import LAZY_COMMANDS, lazy_short_help

    ctx = click.Context(cli)
    for name in LAZY_COMMANDS:
        assert lazy_short_help(name, 60) == cli.get_command(ctx, name).get_short_help_str(60), name
    code = "import sys; from cartel_fto_corpus.cli.main import main; sys.argv = ['cartel-fto', '--help']\ntry: main()\nexcept SystemExit: pass\nprint(sorted(m for m in ('datasets', 'pyarrow', 'cartel_fto_corpus.publish.build') if m in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_third_party_warnings_are_filtered_by_module_only() -> None:
    """pytest's filterwarnings: every `ignore` names the module it silences, none is global."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    filters = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]["filterwarnings"]
    for f in filters:
        action, _message, category, module = [*f.split(":"), "", "", ""][:4]
        assert action != "ignore" or (module.strip() and category.strip()), f
