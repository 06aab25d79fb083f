"""The generated tables of DATASHEET.md.

The datasheet's prose is written by people; its figures are not. Each table of
`stats.stats_tables()` sits in the datasheet between a pair of marker comments

    <!-- stats:begin NAME -->
    ...generated markdown...
    <!-- stats:end NAME -->

`render_datasheet` replaces what is between them; `check_datasheet` reports every block that
differs from a fresh rendering, so CI fails when an annotation changed and nobody regenerated
(`cartel-fto stats --write-datasheet`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cartel_fto_corpus.inspection.stats import _NUMERIC, StatTable, stats_tables
from cartel_fto_corpus.truth.atomic import write_atomic
from cartel_fto_corpus.truth.schema import label_set

BEGIN = "<!-- stats:begin {name} -->"
END = "<!-- stats:end {name} -->"
_BLOCK = re.compile(r"<!-- stats:begin (?P<name>[a-z_]+) -->\n(?P<body>.*?)<!-- stats:end (?P=name) -->", re.DOTALL)
_MARKER = re.compile(r"<!-- stats:(begin|end) ([a-z_]+) -->")
REGENERATE = "run `cartel-fto stats --write-datasheet`"
#: The blocks the dataset card (README.md) carries too: the benchmark's tasks and results.
CARD_BLOCKS = ("benchmark_tasks", "benchmark_results")
#: OntoNotes 5's 18 named-entity types (Weischedel et al. 2013), in its guidelines' order: the
#: standard the schema's `entity_label` takes a subset of, so the datasheet can say what is left out.
ONTONOTES_5 = (
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART",
    "LAW", "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
)  # fmt: skip


class DatasheetError(ValueError):
    """The datasheet's markers are broken (missing, unpaired): a one-line user error."""


def _cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table_markdown(table: StatTable) -> str:
    """A GitHub-flavoured markdown table; numeric columns right-aligned."""
    numeric = [i > 0 and all(_NUMERIC.fullmatch(r[i]) for r in table.rows) for i in range(len(table.columns))]
    lines = [
        "| " + " | ".join(_cell(c) for c in table.columns) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"


def blocks(stats: dict[str, Any]) -> dict[str, str]:
    """Generated markdown of every table, by marker name."""
    out = {t.name: table_markdown(t) for t in stats_tables(stats)}
    out["token_rule"] = f"Tokens are counted with: {stats['token_rule']}.\n"
    out["entity_labels"] = entity_labels_prose(label_set("entity_label"))
    return out


def entity_labels_prose(labels: tuple[str, ...]) -> str:
    """The label set in words, generated so that a new label needs no hand edit of the datasheet."""
    known = [x for x in labels if x in ONTONOTES_5]
    own = [x for x in labels if x not in ONTONOTES_5]
    left_out = [x for x in ONTONOTES_5 if x not in labels]
    out = (
        f"Entity types: {len(labels)}, the enum `entity_label` of `schema/common.schema.json`: {', '.join(labels)}. "
        f"{len(known)} of OntoNotes 5's {len(ONTONOTES_5)} types"
    )
    out += f", plus {', '.join(own)} (not OntoNotes 5)" if own else ""
    out += f"; not in the label set: {', '.join(left_out)}.\n" if left_out else "; none left out.\n"
    return out


def _markers(text: str, file: str) -> list[str]:
    """Names of the well-formed blocks; raises DatasheetError on an unpaired or repeated marker."""
    names = [m.group("name") for m in _BLOCK.finditer(text)]
    seen_markers = [(m.group(1), m.group(2)) for m in _MARKER.finditer(text)]
    if len(seen_markers) != 2 * len(names):
        paired = set(names)
        bad = next((f"{kind} {name}" for kind, name in seen_markers if name not in paired), "/".join(f"{k} {n}" for k, n in seen_markers))
        raise DatasheetError(
            f"{file}: expected paired <!-- stats:begin NAME --> / <!-- stats:end NAME --> markers, found a lone '{bad}' marker"
        )
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise DatasheetError(f"{file}: expected each stats block once, found {', '.join(sorted(dup))} more than once")
    return names


def render_datasheet(text: str, stats: dict[str, Any], file: str = "DATASHEET.md", names: tuple[str, ...] | None = None) -> str:
    """`text` with every stats block replaced by its fresh rendering (pure).

    Every generated table must have its block: a datasheet that silently drops a table would
    pass the staleness check while quoting nothing.
    """
    fresh = blocks(stats)
    if names is not None:  # a file carrying only some blocks (the card)
        fresh = {n: fresh[n] for n in names}
    names = _markers(text, file)
    missing = [n for n in fresh if n not in names]
    if missing:
        first = missing[0]
        hint = f"add {BEGIN.format(name=first)} ... {END.format(name=first)}"
        raise DatasheetError(f"{file}: expected a stats block for every table, found none for {', '.join(missing)} ({hint})")
    unknown = [n for n in names if n not in fresh]
    if unknown:
        raise DatasheetError(f"{file}: expected stats blocks named {', '.join(fresh)}, found unknown {', '.join(unknown)}")

    def sub(m: re.Match[str]) -> str:
        name = m.group("name")
        return f"{BEGIN.format(name=name)}\n{fresh[name]}{END.format(name=name)}"

    return _BLOCK.sub(sub, text)


def stale_blocks(text: str, stats: dict[str, Any], file: str = "DATASHEET.md", names: tuple[str, ...] | None = None) -> list[str]:
    """One line per block whose content differs from the fresh figures; empty when up to date."""
    fresh = render_datasheet(text, stats, file, names)
    old = {m.group("name"): m.group("body") for m in _BLOCK.finditer(text)}
    new = {m.group("name"): m.group("body") for m in _BLOCK.finditer(fresh)}
    out = []
    for name, body in new.items():
        if old.get(name) != body:
            out.append(f"{file}: stats block {name!r} is stale (expected the figures `cartel-fto stats` computes now); {REGENERATE}")
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasheetError(f"{path}: cannot read the datasheet: {exc.strerror or exc}") from None


def check_datasheet(path: Path, stats: dict[str, Any], names: tuple[str, ...] | None = None) -> list[str]:
    return stale_blocks(_read(path), stats, str(path), names)


def write_datasheet(path: Path, stats: dict[str, Any], names: tuple[str, ...] | None = None) -> bool:
    """Regenerate the blocks in place (atomically); True if the file changed."""
    text = _read(path)
    fresh = render_datasheet(text, stats, str(path), names)
    if fresh == text:
        return False
    write_atomic(path, fresh)
    return True


def datasheet_targets(root: Path, datasheet: Path | None) -> list[tuple[Path, tuple[str, ...] | None]]:
    """(file, blocks it holds; None: every table) that `stats --write/--check-datasheet` keeps: the
    datasheet, and next to the corpus root's own datasheet the card (README.md) with the benchmark's blocks."""
    targets: list[tuple[Path, tuple[str, ...] | None]] = [(datasheet or root / "DATASHEET.md", None)]
    if datasheet is None and (root / "README.md").exists():
        targets.append((root / "README.md", CARD_BLOCKS))
    return targets


def sync_datasheets(
    targets: list[tuple[Path, tuple[str, ...] | None]], stats: dict[str, Any], *, check: bool, echo: Callable[[str], Any]
) -> int:
    """Check (`check`) or write the generated blocks of every target, a line for each to `echo` (a
    file's line as soon as it is written); the exit code: 1 when a check finds a stale block. A
    `DatasheetError` (unreadable file, broken markers) is the caller's (exit 2)."""
    if check:
        stale = [line for t, names in targets for line in check_datasheet(t, stats, names)]
        for line in stale or [f"{t}: up to date" for t, _names in targets]:
            echo(line)
        return 1 if stale else 0
    for t, names in targets:
        echo(f"{t}: {'written' if write_datasheet(t, stats, names) else 'up to date'}")
    return 0
