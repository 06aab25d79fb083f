"""Tables that fit the terminal: rich's own layout when it fits, one record per row when it does not.

rich squeezes a wide table into a narrow terminal by wrapping every cell, which turns a table of
claims into hundreds of lines of single words at 80 columns. When the table's natural width is
more than the console's, each row is printed as one line of its short cells joined by " · ", and
its widest cell (the quoted text) indented on the lines below, wrapped at the console's width.
"""

from __future__ import annotations

from typing import Any

from cartel_fto_corpus.truth.visible import visible


def _plain(cell: Any) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)


def plain(value: Any, style: str = "") -> Any:
    """Data as a rich `Text`: never read as markup (`[link=…]`, `[/]` in a registry name), control
    and bidirectional characters shown as escapes (`truth.visible`). Every cell, title and line of
    data that rich prints goes through here (issue 27)."""
    from rich.text import Text

    return Text(visible(str(value)), style=style)


def natural_width(console: Any, renderable: Any) -> int:
    """Width `renderable` takes when nothing wraps (rich clamps measurements to the console's)."""
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update_width(100_000), renderable).maximum


def print_fitted(console: Any, table: Any) -> None:
    """Print a rich Table as is if it fits `console.width`, else row by row (see the module docstring)."""
    from rich.padding import Padding
    from rich.text import Text

    if natural_width(console, table) <= console.width:
        console.print(table)
        return
    if table.title:
        console.print(Text(str(table.title), style="italic"), highlight=False)
    rows = list(zip(*(list(col.cells) for col in table.columns), strict=True))
    widths = [max((len(_plain(c)) for c in col.cells), default=0) for col in table.columns]
    wide = max(range(len(widths)), key=widths.__getitem__) if widths else 0
    for row in rows:
        cells = [c if isinstance(c, Text) else Text(str(c)) for c in row]
        line = Text(" · ").join(c for c in cells if c.plain)
        if line.cell_len + 1 <= console.width:
            console.print(Text(" ").append_text(line), highlight=False)
            continue
        head = Text(" · ").join(c for i, c in enumerate(cells) if i != wide and c.plain)
        console.print(Text(" ").append_text(head), highlight=False)
        console.print(Padding(cells[wide], (0, 0, 0, 5), expand=False), highlight=False)
