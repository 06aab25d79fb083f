"""What `validate --summary` and `stats` print at a terminal: their tables at the terminal's width
(80 when not a terminal), data through `terminal.plain` (never markup), like `agreement_report.print_report`
and `explorer.print_view` for their commands.

rich would squeeze a table wider than the terminal by wrapping every cell; instead the summary keeps
its counts and lists titles and flags below, and a statistics table is split into narrower ones
that each repeat its first column.
"""

from __future__ import annotations

from typing import Any

from cartel_fto_corpus.inspection.stats import _NUMERIC, stats_tables
from cartel_fto_corpus.inspection.summary import summarize
from cartel_fto_corpus.inspection.terminal import natural_width, plain
from cartel_fto_corpus.truth.paths import CorpusPaths

#: Tables `stats` prints without --full: the per-document overview (the rest is one flag away).
SHORT_TABLES = 1
SUMMARY_COLUMNS = ("document", "title", "chars", "sets", "status", "entities", "stances", "claims", "quality flags")
SUMMARY_NUMERIC = ("chars", "sets", "entities", "stances", "claims")
#: the summary's columns dropped when the table does not fit (they follow it, one line per document)
SUMMARY_WIDE = ("title", "quality flags")


def print_summary(paths: CorpusPaths) -> None:
    """One row per document with its counts and a total; titles and flags below it when they do not fit beside."""
    from rich.console import Console
    from rich.table import Table

    rows = summarize(paths)
    console = Console()
    numbers = [(r.n_chars, r.annotators, r.entities, r.stances, r.claims) for r in rows]

    def cells(first: str, title: Any, counts: tuple[int, ...], status: str, flags: Any) -> list[Any]:
        return [first, title, *map(str, counts[:2]), status, *map(str, counts[2:]), flags]

    # titles and flags come from the texts: `plain`, never markup
    body = [cells(r.doc_id, plain(r.title or "-"), n, r.status, plain(", ".join(r.flags))) for r, n in zip(rows, numbers, strict=True)]
    body.append(cells("total", "", tuple(sum(n[i] for n in numbers) for i in range(5)), "", ""))

    def table(columns: list[int]) -> Table:
        t = Table(title="cartel_fto_corpus")
        for i in columns:
            name = SUMMARY_COLUMNS[i]
            t.add_column(name, justify="right" if name in SUMMARY_NUMERIC else "left", no_wrap=name not in SUMMARY_WIDE)
        for n, row in enumerate(body):
            t.add_row(*(row[i] for i in columns), style="bold" if n == len(rows) else None)
        return t

    full = table(list(range(len(SUMMARY_COLUMNS))))
    if natural_width(console, full) <= console.width:
        console.print(full)
        return
    console.print(table([i for i, name in enumerate(SUMMARY_COLUMNS) if name not in SUMMARY_WIDE]))
    for r in rows:
        console.print(plain(f"{r.doc_id}: {r.title or '-'}" + (f" (flags: {', '.join(r.flags)})" if r.flags else "")), highlight=False)


def print_stats(stats: dict[str, Any], width: int | None = None, full: bool = True) -> None:
    """The statistics tables (`width` None: detected): all of them with `full`, else the overview and
    one line naming the others; a table wider than the terminal in parts that repeat its first column."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=width)
    tables = stats_tables(stats)
    for t in tables if full else tables[:SHORT_TABLES]:
        numeric = [i > 0 and all(_NUMERIC.fullmatch(r[i]) for r in t.rows) for i in range(len(t.columns))]

        def table(cols: list[int], title: str | None, t: Any = t, numeric: list[bool] = numeric) -> Table:
            out = Table(title=plain(title) if title is not None else None, title_justify="left")
            for i in cols:  # cells are data (registry names): `plain`, never markup
                out.add_column(plain(t.columns[i]), justify="right" if numeric[i] else "left")
            for row in t.rows:
                out.add_row(*(plain(row[i]) for i in cols), style="bold" if row and row[0] == "total" else None)
            return out

        parts: list[list[int]] = [[0]]
        for i in range(1, len(t.columns)):
            if len(parts[-1]) > 1 and natural_width(console, table([*parts[-1], i], None)) > console.width:
                parts.append([0])
            parts[-1].append(i)
        for n, cols in enumerate(parts):
            console.print(table(cols, t.title if n == 0 else f"{t.title} (continued)"))
    console.print(plain(f"Counts of annotations: {stats['basis']}. Tokens: {stats['token_rule']}."), highlight=False)
    if not full and len(tables) > SHORT_TABLES:
        rest = "; ".join(t.title.split(" (")[0] for t in tables[SHORT_TABLES:])
        console.print(f"{len(tables) - SHORT_TABLES} more tables with --full: {rest}.", highlight=False)
