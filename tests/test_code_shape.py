"""The shape of the code: no function of the package grows past `LIMIT` lines unnoticed (issue 26).

Every function and method (nested ones too) is measured with `ast`, from its `def` line to its
last line, docstring included. A function over the limit is either split or listed in `ALLOWED`
with the reason it is long; an entry that no longer applies (the function is gone or now short)
fails too, so the list stays a true record rather than a growing excuse.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cartel_fto_corpus"

#: Lines a function may have (ten functions were 72–147 lines long when issue 26 was filed).
LIMIT = 70

#: "module path:qualified name" -> why it is longer than LIMIT (split it and drop the entry when the reason goes).
ALLOWED: dict[str, str] = {}  # none left: every function of the package is at most LIMIT lines


def functions() -> Iterator[tuple[str, int]]:
    """("module path:qualified name", lines) of every function and method of the package."""

    def visit(node: ast.AST, rel: str, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert child.end_lineno is not None
                yield f"{rel}:{prefix}{child.name}", child.end_lineno - child.lineno + 1
                yield from visit(child, rel, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from visit(child, rel, f"{prefix}{child.name}.")

    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        yield from visit(ast.parse(path.read_text(encoding="utf-8")), rel, "")


def test_no_function_is_longer_than_the_limit_unless_listed_with_a_reason() -> None:
    long = {name: n for name, n in functions() if n > LIMIT}
    new = {name: n for name, n in long.items() if name not in ALLOWED}
    assert not new, f"functions over {LIMIT} lines (split them, or list them in ALLOWED with a reason): " + ", ".join(
        f"{name} ({n})" for name, n in sorted(new.items(), key=lambda kv: -kv[1])
    )


def test_every_allowed_long_function_is_still_long() -> None:
    sizes = dict(functions())
    stale = {name: sizes.get(name) for name in ALLOWED if sizes.get(name, 0) <= LIMIT}
    assert not stale, "ALLOWED entries that no longer apply (gone, or now short; remove them): " + ", ".join(
        f"{name} ({'gone' if n is None else n})" for name, n in stale.items()
    )
    assert all(reason.strip() for reason in ALLOWED.values())


def test_the_measure_counts_a_function_from_def_to_last_line() -> None:
    tree = ast.parse("class A:\n    def f(self):\n        '''doc'''\n        x = 1\n        return x\n")
    f = tree.body[0].body[0]  # type: ignore[attr-defined]
    assert f.end_lineno - f.lineno + 1 == 4
