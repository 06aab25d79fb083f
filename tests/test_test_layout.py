"""The tests mirror the package (issue 26), and the Label Studio tests carry their marks.

Every module of the package has its tests found one of three ways:

1. by name: `tests/test_<module>.py` or `tests/test_<layer>_<module>.py` (or under tests/labelstudio/);
2. by a declared mapping (`TESTED_IN`): the test file that exercises it, and the witness that shows
   it does (the module's import, or the command it implements as the command line spells it); the
   test checks the file exists and holds the witness, so the mapping cannot go stale silently;
3. by `UNTESTED`, with the reason it has no test of its own.

A new module that is in none of them fails the test, and so does a stale entry.

The marks: `labelstudio` means "talks to a real Label Studio server started by the test session"
(pyproject.toml), `browser` "drives headless Chromium". A test under tests/labelstudio/ that asks
(through any chain of fixtures) for the session's server or browser must carry the mark, so
`-m "not labelstudio"` runs exactly the tests that need no server; the pure tests there (plans,
wire, the JSON stream) need none. Read with `ast`, nothing is collected or run.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cartel_fto_corpus"
TESTS = ROOT / "tests"

#: module (path under the package, no .py) -> (test file under tests/, witness string found in it).
TESTED_IN: dict[str, tuple[str, str]] = {
    "labelstudio/hotkeys": ("test_labelstudio_config.py", "cartel_fto_corpus.labelstudio.hotkeys"),
    "checks/cascade": ("test_validate_cascade.py", "cartel_fto_corpus.checks.cascade"),
    "cli/evaluate": ("test_evaluation.py", '"evaluate"'),
    "cli/export": ("test_exports.py", '"export"'),
    "cli/ls": ("labelstudio/test_cli_push.py", '"ls"'),
    "cli/main": ("test_cli.py", "cartel_fto_corpus.cli.main"),
    "cli/options": ("test_cli_usability.py", "cartel_fto_corpus.cli.options"),
    "cli/protocol": ("test_seals.py", '"seal"'),
    "cli/show": ("test_explorer.py", '"show"'),
    "evaluation/api": ("test_evaluation.py", "cartel_fto_corpus.evaluation.api"),
    "evaluation/bootstrap": ("test_evaluation.py", "cartel_fto_corpus.evaluation.bootstrap"),
    "evaluation/card": ("test_evaluation.py", "cartel_fto_corpus.evaluation.card"),
    "evaluation/metrics": ("test_evaluation.py", "cartel_fto_corpus.evaluation.metrics"),
    "evaluation/oof": ("test_review.py", "cartel_fto_corpus.evaluation.oof"),
    "evaluation/predictions": ("test_evaluation.py", "cartel_fto_corpus.evaluation.predictions"),
    "evaluation/score": ("test_evaluation.py", "cartel_fto_corpus.evaluation.score"),
    "evaluation/units": ("test_evaluation.py", "cartel_fto_corpus.evaluation.units"),
    "inspection/agreement_report": ("test_reliability.py", "cartel_fto_corpus.inspection.agreement_report"),
    "inspection/agreement_tables": ("test_agreement.py", '"agreement"'),
    "inspection/alignment": ("test_agreement.py", "cartel_fto_corpus.inspection.alignment"),
    "inspection/decisions": ("test_adjudicate.py", "test_malformed_decisions_file_is_one_line_and_exit_2"),
    "inspection/deliveries": ("test_reliability.py", "deliveries"),
    "inspection/explorer_html": ("test_explorer.py", "cartel_fto_corpus.inspection.explorer_html"),
    "inspection/gold": ("test_adjudicate.py", "cartel_fto_corpus.inspection.gold"),
    "inspection/importset": ("test_adjudicate.py", '"import-set"'),
    "inspection/rounds": ("test_adjudicate.py", '"--decisions"'),
    "inspection/sealing": ("test_seals.py", '"seal"'),
    "inspection/console": ("test_cli.py", "--summary"),
    "inspection/summary": ("test_cli.py", "--summary"),
    "inspection/terminal": ("test_terminal_output.py", "cartel_fto_corpus.truth.visible"),
    "labelstudio/pull_plan": ("labelstudio/test_plans.py", "cartel_fto_corpus.labelstudio.pull_plan"),
    "labelstudio/push_plan": ("labelstudio/test_plans.py", "cartel_fto_corpus.labelstudio.push_plan"),
    "labelstudio/webhook": ("labelstudio/test_submit_check.py", "cartel_fto_corpus.labelstudio.webhook"),
    "publish/card": ("test_newcomer.py", "cartel_fto_corpus.publish.card"),
    "publish/citation": ("test_release.py", "CITATION.cff"),
    "publish/exports/bigbio": ("test_exports.py", "bigbio"),
    "publish/exports/brat": ("test_exports.py", "import brat"),
    "publish/exports/conll": ("test_exports.py", "conll"),
    "publish/exports/jsonl": ("test_exports.py", "jsonl"),
    "publish/exports/source": ("test_exports.py", '"export"'),
    "publish/exports/spacy_docbin": ("test_exports.py", "spacy"),
    "publish/layout": ("test_views.py", "cartel_fto_corpus.publish.layout"),
    "publish/reader": ("test_build.py", "cartel_fto_corpus.publish.reader"),
    "publish/rows": ("test_build.py", "cartel_fto_corpus.publish.rows"),
    "publish/tasks": ("test_evaluation.py", "cartel_fto_corpus.publish.tasks"),
    "publish/textless": ("test_hydrate.py", "cartel_fto_corpus.publish.textless"),
    "publish/writer": ("test_build.py", '"build"'),
}

#: module -> why it has no test file of its own and no entry in TESTED_IN.
UNTESTED: dict[str, str] = {}

#: Fixtures of tests/labelstudio/conftest.py that start (or need) a real server or a browser.
SERVER_FIXTURES = {"ls_server", "ls_venv"}
BROWSER_FIXTURES = {"browser"}


def package_modules() -> list[str]:
    return [
        p.relative_to(PACKAGE).with_suffix("").as_posix()
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.stem not in ("__init__", "__main__") and p.parent != PACKAGE
    ]


def _named_test(module: str) -> Path | None:
    layer, stem = module.split("/")[0], module.split("/")[-1]
    for folder in (TESTS, TESTS / "labelstudio"):
        for name in (f"test_{stem}.py", f"test_{layer}_{stem}.py"):
            if (folder / name).is_file():
                return folder / name
    return None


def test_every_module_has_its_tests_found_by_name_mapping_or_a_reason() -> None:
    missing = [m for m in package_modules() if _named_test(m) is None and m not in TESTED_IN and m not in UNTESTED]
    assert not missing, "modules without tests/test_<module>.py, a TESTED_IN entry or an UNTESTED reason: " + ", ".join(missing)


def test_the_mapping_and_the_reasons_are_not_stale() -> None:
    modules = set(package_modules())
    stale = [m for m in [*TESTED_IN, *UNTESTED] if m not in modules]
    named = [m for m in [*TESTED_IN, *UNTESTED] if m in modules and _named_test(m) is not None]
    wrong = [
        f"{m} -> {file} ({witness!r} not in it)"
        for m, (file, witness) in TESTED_IN.items()
        if not (TESTS / file).is_file() or witness not in (TESTS / file).read_text(encoding="utf-8")
    ]
    assert not stale, f"entries for modules that are gone: {stale}"
    assert not named, f"entries for modules that now have tests/test_<module>.py (remove them): {named}"
    assert not wrong, f"TESTED_IN entries whose test file does not hold the witness: {wrong}"
    assert all(reason.strip() for reason in UNTESTED.values())


# --- marks of the Label Studio tests ------------------------------------------------------------


def _fixtures(tree: ast.Module) -> dict[str, list[str]]:
    """Fixture name -> the fixtures it asks for (its arguments)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in node.decorator_list):
            out[node.name] = [a.arg for a in node.args.args]
    return out


def _marks(decorators: list[ast.expr]) -> set[str]:
    return {
        d.attr for dec in decorators for d in ast.walk(dec) if isinstance(d, ast.Attribute) and ast.unparse(d).startswith("pytest.mark.")
    }


def _module_marks(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            return _marks([node.value])
    return set()


def needs(fixtures: dict[str, list[str]], asked: list[str]) -> set[str]:
    """Every fixture a test asks for, through the fixtures' own arguments."""
    seen: set[str] = set()
    todo = list(asked)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += fixtures.get(name, [])
    return seen


def unmarked_tests(folder: Path) -> list[str]:
    conftest = _fixtures(ast.parse((folder / "conftest.py").read_text(encoding="utf-8")))
    out = []
    for path in sorted(folder.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        fixtures = {**conftest, **_fixtures(tree)}
        module_marks = _module_marks(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                asked = needs(fixtures, [a.arg for a in node.args.args])
                marks = module_marks | _marks(node.decorator_list)
                for mark, wanted in (("labelstudio", SERVER_FIXTURES), ("browser", BROWSER_FIXTURES)):
                    if asked & wanted and mark not in marks:
                        out.append(f"{path.name}::{node.name} needs {', '.join(sorted(asked & wanted))} but has no `{mark}` mark")
    return out


def test_every_label_studio_test_that_needs_the_server_or_a_browser_carries_the_mark() -> None:
    assert unmarked_tests(TESTS / "labelstudio") == []


def test_the_mark_check_finds_a_server_test_without_the_mark(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "import pytest\n@pytest.fixture\ndef ls_server(ls_venv): ...\n@pytest.fixture\ndef ls_client(ls_server): ...\n", encoding="utf-8"
    )
    (tmp_path / "test_x.py").write_text(
        "import pytest\n"
        "def test_pure(tmp_path): ...\n"
        "def test_unmarked(ls_client): ...\n"
        "@pytest.mark.labelstudio\ndef test_marked(ls_client): ...\n",
        encoding="utf-8",
    )
    assert unmarked_tests(tmp_path) == ["test_x.py::test_unmarked needs ls_server, ls_venv but has no `labelstudio` mark"]
