"""The documentation points at code that exists (issue 26: docs named `cartel_fto_corpus/card.py`,
`summary.reference_set` and `corpus.compute_manifest` after the code had moved).

Two kinds of reference are read from README.md, ARCHITECTURE.md, DATASHEET.md, CONTRIBUTING.md (if
any) and docs/*.md (CHANGELOG.md is history: it names code as it was):

- paths of Python files: `cartel_fto_corpus/publish/card.py`, `truth/texts.py` (a layer's file),
  `tests/test_x.py`, `benchmarks/x.py`, `scripts/x.py`: the file exists;
- `file.py:NAME` (`cli/main.py:LAZY_COMMANDS`): the file defines NAME;
- the files of a row of ARCHITECTURE.md's module tables (`| cli | `adjudicate.py`, … |`) are in
  that layer, and a file name in backticks (`serving.py`) is a file of the repository's code;
- dotted names in backticks whose first part is the package, a layer or a module of the package
  (`truth.visible`, `summary.summarize`, `alignment.EntityIndex`, `cartel_fto_corpus.load_dataset`):
  the module exists and defines the name (a name it only imports is not its own: the reference
  should name where it is defined; a package's `__init__` re-exports); `Class.attribute` is looked
  up in the class.
  A module name shared by two layers (`report`, `card`) resolves if either module has the name.

Names are resolved with `ast` (nothing is imported), so a lazily imported name counts only if the
module spells it out (`__all__` of the package root).
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cartel_fto_corpus"
NAME = "cartel_fto_corpus"
LAYERS = ("truth", "checks", "publish", "evaluation", "inspection", "labelstudio", "cli")

_PATH = re.compile(
    rf"(?<![\w/.-])((?:{NAME}/)?(?:{'|'.join(LAYERS)})/[\w/]*?\w+\.py|{NAME}/\w+\.py|(?:tests|benchmarks|scripts)/[\w/]*?\w+\.py)\b"
)
_DOTTED = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(\))?`")
#: Endings of file names written like dotted names (`manifest.json`, `pyproject.toml`).
_FILE_ENDINGS = {"json", "md", "py", "toml", "txt", "parquet", "html", "yaml", "yml", "cff", "jsonl", "csv", "sqlite3", "pid", "log", "cfg"}


def doc_files() -> list[Path]:
    names = ["README.md", "ARCHITECTURE.md", "DATASHEET.md", "CONTRIBUTING.md"]
    return [p for p in [*(ROOT / n for n in names), *sorted((ROOT / "docs").glob("*.md"))] if p.is_file()]


@functools.cache
def modules() -> dict[str, list[Path]]:
    """Module names (dotted, without the package; also the bare file stem) -> files."""
    out: dict[str, list[Path]] = {}
    for p in sorted(PACKAGE.rglob("*.py")):
        rel = p.relative_to(PACKAGE).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        for key in {".".join(parts), parts[-1] if parts else ""}:
            out.setdefault(key, []).append(p)
    return out


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _names(body: list[ast.stmt], imports: bool = False) -> dict[str, ast.AST]:
    """What a module or class body defines: functions, classes, assignments, `__all__`; with
    `imports` (a package's `__init__`, which re-exports) also the names it imports."""
    out: dict[str, ast.AST] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        out[n.id] = node
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                for elt in getattr(node.value, "elts", []):
                    if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                        out.setdefault(elt.value, node)
        elif imports and isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                out[(a.asname or a.name).split(".")[0]] = node
        elif isinstance(node, (ast.If, ast.Try)):
            out.update(_names([*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])], imports))
    return out


def _has(path: Path, attrs: list[str]) -> bool:
    """Whether the module at `path` defines `attrs[0]`, and its class `attrs[1]`, and so on."""
    scope: dict[str, ast.AST] = _names(_tree(path).body, imports=path.name == "__init__.py")
    for attr in attrs:
        node = scope.get(attr)
        if node is None:
            sub = path.parent / attr
            # a submodule of a package is checked as its own reference
            return path.name == "__init__.py" and ((sub / "__init__.py").is_file() or sub.with_suffix(".py").is_file())
        if not isinstance(node, ast.ClassDef):
            return True  # an attribute of a function's result or an assigned object: not followed
        scope = _names(node.body)
    return True


def resolves(dotted: str) -> bool | None:
    """True/False for a reference to package code; None for a name that is not one (`ds.map`)."""
    parts = dotted.split(".")
    if parts[0] == NAME:
        parts = parts[1:]
        if not parts:
            return True
    elif parts[-1] in _FILE_ENDINGS or (parts[0] not in LAYERS and parts[0] not in modules()):
        return None
    for cut in range(len(parts), -1 if dotted.startswith(NAME) else 0, -1):  # the longest module prefix, then attributes
        files = modules().get(".".join(parts[:cut]))
        if files:
            return any(_has(f, parts[cut:]) for f in files)
    return False if dotted.startswith(NAME) or parts[0] in LAYERS else None


def path_exists(ref: str) -> bool:
    if ref.startswith(f"{NAME}/") or ref.split("/")[0] in ("tests", "benchmarks", "scripts"):
        return (ROOT / ref).is_file()
    return (PACKAGE / ref).is_file()


#: A row of ARCHITECTURE.md's module tables: `| layer | `a.py`, `b.py` (with …) | what it holds |`.
_ROW = re.compile(rf"^\|\s*({'|'.join(LAYERS)})\s*\|([^|]*)\|", re.MULTILINE)
_BARE = re.compile(r"`([\w/]+\.py)`")
_PATH_NAME = re.compile(r"([\w/]+\.py):([A-Za-z_][\w.]*\w)")


#: Python files the docs name that are someone else's, not this repository's.
EXTERNAL_FILES = {"run_ner.py": "the token-classification example script of Hugging Face transformers"}


@functools.cache
def python_file_names() -> set[str]:
    return set(EXTERNAL_FILES) | {p.name for d in ("cartel_fto_corpus", "tests", "benchmarks", "scripts") for p in (ROOT / d).rglob("*.py")}


def broken_references(text: str) -> list[str]:
    out = [f"{m.group(1)} (no such file)" for m in _PATH.finditer(text) if not path_exists(m.group(1))]
    for m in _ROW.finditer(text):  # a module table's row: its files are in that layer
        for name in _BARE.findall(m.group(2)):
            if not (PACKAGE / m.group(1) / name).is_file():
                out.append(f"{m.group(1)}/{name} (no such file; module table row)")
    out += [f"`{name}` (no such file)" for name in _BARE.findall(text) if "/" not in name and name not in python_file_names()]
    for m in _PATH_NAME.finditer(text):  # `cli/main.py:LAZY_COMMANDS`
        file = ROOT / m.group(1) if m.group(1).startswith(f"{NAME}/") else PACKAGE / m.group(1)
        if file.is_file() and not _has(file, m.group(2).split(".")):
            out.append(f"{m.group(1)}:{m.group(2)} (no such name in the file)")
    for m in _DOTTED.finditer(text):
        if resolves(m.group(1)) is False:
            out.append(f"`{m.group(1)}` (no such module or name)")
    return out


@pytest.mark.parametrize("doc", doc_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_code_reference_of_the_docs_names_existing_code(doc: Path) -> None:
    broken = broken_references(doc.read_text(encoding="utf-8"))
    assert not broken, f"{doc.relative_to(ROOT)}: " + "; ".join(dict.fromkeys(broken))


def test_the_scan_finds_the_references_issue_26_named() -> None:
    text = (
        "see `cartel_fto_corpus/card.py`, `summary.reference_set` and `corpus.compute_manifest`; cli/nothing.py\n"
        "| cli | `adjudicate.py`, `gone.py` | commands |\n"
        "`cli/main.py:LAZY_COMMANDS`, `cli/main.py:NO_SUCH_TABLE`\n"
    )
    assert broken_references(text) == [
        "cartel_fto_corpus/card.py (no such file)",
        "cli/nothing.py (no such file)",
        "cli/gone.py (no such file; module table row)",
        "`gone.py` (no such file)",
        "cli/main.py:NO_SUCH_TABLE (no such name in the file)",
        "`summary.reference_set` (no such module or name)",
        "`corpus.compute_manifest` (no such module or name)",
    ]


def test_the_scan_accepts_existing_code_and_ignores_other_dotted_names() -> None:
    text = (
        "`cartel_fto_corpus/publish/card.py`, truth/texts.py, tests/test_code_shape.py, `truth.visible`, "
        "`summary.summarize`, `alignment.EntityIndex`, `cartel_fto_corpus.load_dataset`, `checks.problems.Problem`, "
        "`manifest.json`, `ds.map`, `datasets.load_dataset`, `pyproject.toml`"
    )
    assert broken_references(text) == []


def test_every_module_has_a_row_in_the_architecture_tables() -> None:
    """ARCHITECTURE.md's module tables name every module of a layer (a row per new module; a
    sub-package such as `exports/` may be one row)."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rows = [(m.group(1), m.group(2)) for m in _ROW.finditer(text)]
    files = {(layer, name) for layer, cell in rows for name in _BARE.findall(cell)}
    folders = {(layer, name) for layer, cell in rows for name in re.findall(r"`(\w+)/`", cell)}
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) < 2 or path.name == "__init__.py":
            continue
        layer, rest = rel.parts[0], "/".join(rel.parts[1:])
        if (layer, rest) not in files and (layer, path.name) not in files and (layer, rel.parts[1]) not in folders:
            missing.append(rel.as_posix())
    assert not missing, f"modules without a row in ARCHITECTURE.md's tables: {missing}"
