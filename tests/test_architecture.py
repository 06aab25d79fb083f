"""The package layout is the architecture: layers as sub-packages, imports only downward, no cycles.

Every `import`/`from … import` of a package module (at any depth: lazy imports inside functions
count too, `if TYPE_CHECKING:` blocks do not, since they never run) is read with `ast`, so the test
sees what the code says rather than what one run happened to import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cartel_fto_corpus"
NAME = "cartel_fto_corpus"

#: Layers from the bottom up: a module may import its own layer and the layers before it.
LAYERS = ("truth", "checks", "publish", "evaluation", "inspection", "labelstudio", "cli")
#: Package-root modules: the package's front door, allowed to import lazily from any layer.
ROOT_MODULES = {f"{NAME}", f"{NAME}.__main__"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(module: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(package module imported, line) for every import in `path` that runs."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                yield from (x for n in child.orelse for x in visit_one(n))
                continue
            yield from visit_one(child)

    def visit_one(node: ast.AST) -> Iterator[tuple[str, int]]:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == NAME or a.name.startswith(NAME + "."):
                    yield a.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base == NAME or base.startswith(NAME + "."):
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    yield (sub if sub in known else base), node.lineno
        yield from visit(node)

    yield from visit(ast.parse(path.read_text(encoding="utf-8")))


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    # `from cartel_fto_corpus import __version__` is not an edge: the package root imports no
    # layer at import time (`load_dataset` is resolved lazily), so it cannot close a cycle.
    return {m: {t for t, _ in imported(m, p, known) if t not in (m, NAME)} for m, p in mods.items()}


def test_every_module_belongs_to_a_layer() -> None:
    strays = [m for m in modules() if m not in ROOT_MODULES and layer_of(m) is None]
    assert strays == [], f"modules outside the layer packages {LAYERS}: {strays}"


def test_imports_point_only_down_the_layers() -> None:
    mods, known, upward = modules(), set(modules()), []
    for m, path in mods.items():
        if m in ROOT_MODULES:
            continue
        for target, line in imported(m, path, known):
            if target in ROOT_MODULES and target == NAME:
                continue  # `from cartel_fto_corpus import __version__`
            own, theirs = layer_of(m), layer_of(target)
            if theirs is not None and own is not None and theirs > own:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {m} ({LAYERS[own]}) imports {target} ({LAYERS[theirs]})")
    assert upward == [], "imports pointing up a layer:\n" + "\n".join(upward)


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None. Iterative DFS, colours."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    for start in sorted(edges):
        if colour[start] != white:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        colour[start] = grey
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = black
                stack.pop()
            elif colour.get(child, black) == grey:
                path = [n for n, _ in stack]
                return [*path[path.index(child) :], child]
            elif colour.get(child) == white:
                colour[child] = grey
                stack.append((child, iter(sorted(edges[child]))))
    return None


def test_no_import_cycles() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("edges", "has_cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, False),
        ({"a": {"b"}, "b": {"a"}}, True),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}, True),
        ({"a": {"a"}}, True),
    ],
)
def test_the_cycle_finder_finds_cycles(edges: dict[str, set[str]], has_cycle: bool) -> None:
    assert (find_cycle(edges) is not None) == has_cycle


def test_the_layer_check_sees_lazy_imports(tmp_path: Path) -> None:
    """A function-local import counts: an upward import hidden in a function body is still found."""
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from cartel_fto_corpus.cli.main import cli\n", encoding="utf-8")
    found = list(imported("cartel_fto_corpus.truth.m", src, {"cartel_fto_corpus.cli.main"}))
    assert found == [("cartel_fto_corpus.cli.main", 2)]


def test_every_layer_package_says_what_it_holds() -> None:
    for layer in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 20, f"{layer}/__init__.py needs a one-paragraph docstring"


#: Modules past ~400 lines (420, so a docstring line is not a failure) must say why in their docstring ("long because ...").
MAX_LINES = 420


def test_long_modules_say_why() -> None:
    long = []
    for m, p in modules().items():
        n = len(p.read_text(encoding="utf-8").splitlines())
        doc = ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or ""
        if n > MAX_LINES and "long because" not in doc.lower():
            long.append(f"{m}: {n} lines")
    assert long == [], "modules over ~400 lines without a reason in their docstring: " + ", ".join(long)
