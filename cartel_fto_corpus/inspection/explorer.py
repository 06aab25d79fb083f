"""The corpus explorer: one article with its entities, claims and stances made visible.

`cartel-fto show DOC_ID` prints the article in the terminal (rich) with entity mentions on a
coloured background and claims underlined, then its claims, stances and entities as tables.
`--out PAGE.html` writes one self-contained HTML page (inline CSS, no script, no external resource):
entities as coloured <mark>s tagged with label and QID, claims underlined and tagged with their
claimant, a stance panel per target, and each claim cluster linked to the same claim in the other
articles (pages written side by side with `--all --out DIR`).

Entity mentions are flat but claims overlap them, so the article is cut at every span edge and
laid out in two layers: a <mark> per mention, never split (its text is exactly text[start:end]),
and claim underlines as <span class="claim"> pieces inside and between the marks. Labels are
drawn by CSS from data attributes, so the article's text content is exactly the document text,
which is what lets a browser test check every mark against its offsets. All text is escaped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from cartel_fto_corpus.inspection.terminal import plain, print_fitted
from cartel_fto_corpus.truth.paths import CorpusPaths, display
from cartel_fto_corpus.truth.schema import label_set
from cartel_fto_corpus.truth.sets import reference_set
from cartel_fto_corpus.truth.texts import read_text
from cartel_fto_corpus.truth.visible import visible, visible_in_place

#: Background colours for entity labels, assigned in the schema's label order (no label named here).
PALETTE = (
    "#fde68a",
    "#bfdbfe",
    "#fbcfe8",
    "#bbf7d0",
    "#ddd6fe",
    "#fed7aa",
    "#a5f3fc",
    "#e9d5ff",
    "#fecaca",
    "#d9f99d",
    "#e5e7eb",
    "#fef08a",
)
STANCE_COLOURS = {0: "#15803d", 1: "#b91c1c", 2: "#1d4ed8", 3: "#6b7280"}


class ShowError(ValueError):
    """A user error of `cartel-fto show` (unknown document, annotator): one line, no traceback."""


def label_colours() -> dict[str, str]:
    return {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(label_set("entity_label"))}


def stance_colours() -> dict[str, str]:
    return {lab: STANCE_COLOURS.get(i, "#6b7280") for i, lab in enumerate(label_set("stance_label"))}


@dataclass
class ClusterClaim:
    doc_id: str
    claim_id: str
    text: str
    claimant: str


@dataclass
class View:
    """Everything one page shows, loaded from the corpus files (see `load_view`)."""

    doc_id: str
    text: str
    entry: dict[str, Any]
    aset: dict[str, Any] | None
    n_sets: int
    registry: dict[str, Any]
    cluster_claims: dict[str, list[ClusterClaim]] = field(default_factory=dict)

    @property
    def entities(self) -> dict[str, dict[str, Any]]:
        return {e["id"]: e for e in self.registry.get("entities", [])}


def resolve_doc_id(query: str, paths: CorpusPaths) -> str:
    """A document id from its full id or an unambiguous prefix such as `002`."""
    ids = [d["id"] for d in manifest_documents(paths)]
    if query in ids:
        return query
    hits = [i for i in ids if i.startswith(query)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ShowError(visible(f"{paths.manifest}: expected a document id (one of {', '.join(ids)}), found {query!r}"))
    raise ShowError(visible(f"{paths.manifest}: expected one document, found {query!r} matching {', '.join(hits)}"))


class InvalidInput(ShowError):
    """A file `show` would read does not pass the schema: its problems, one line each."""

    def __init__(self, problems: list[Any]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems

    @property
    def exit_code(self) -> int:
        return 2 if any(p.unreadable for p in self.problems) else 1


def _load_json(path: Path, kind: str = "annotation") -> dict[str, Any]:
    """A file that passed the parser and the schema (compiled verdict), else InvalidInput.

    The page and the terminal show data, so nothing reaches them that the validator would
    refuse: a string where an offset belongs, a lone surrogate, a duplicate key.
    """
    from cartel_fto_corpus.checks.validate import sound_document

    doc, problems = sound_document(kind, path, display(path))
    if doc is None:
        raise InvalidInput(problems)
    return doc


def manifest_documents(paths: CorpusPaths) -> list[dict[str, Any]]:
    """The manifest's entries, after the manifest passed the schema."""
    return _load_json(paths.manifest, "manifest")["documents"]


def actor_name(actor: dict[str, Any], entities: dict[str, dict[str, Any]]) -> str:
    if actor["kind"] == "author":
        return "the author"
    if actor["kind"] == "entity":
        return (entities.get(actor["entity"]) or {}).get("name", actor["entity"])
    return actor["description"]


def load_view(doc_id: str, paths: CorpusPaths, annotator: str | None = None) -> View:
    """Read one document, the annotation set to show and the cluster claims of every document."""
    doc_id = resolve_doc_id(doc_id, paths)
    entry = next(d for d in manifest_documents(paths) if d["id"] == doc_id)
    registry = _load_json(paths.registry, "registry") if paths.registry.exists() else {"entities": [], "targets": [], "clusters": []}
    f = paths.annotation_file(doc_id)
    ann = _load_json(f) if f.exists() else {"annotations": []}
    if annotator is None:
        aset = reference_set(ann)
    else:
        aset = next((s for s in ann["annotations"] if s["annotator"] == annotator), None)
        if aset is None:
            found = ", ".join(s["annotator"] for s in ann["annotations"]) or "none"
            raise ShowError(visible(f"{f}: expected an annotation set by {annotator!r}, found annotators: {found}"))
    view = View(doc_id, read_text(doc_id, paths), entry, aset, len(ann["annotations"]), registry)
    ents = view.entities
    clusters: dict[str, list[ClusterClaim]] = defaultdict(list)
    for path in paths.annotation_files():
        other = _load_json(path)
        ref = aset if other["doc_id"] == doc_id else reference_set(other)
        for cl in (ref or {}).get("claims", []):
            for cid in cl["clusters"]:
                clusters[cid].append(ClusterClaim(other["doc_id"], cl["id"], cl["text"], actor_name(cl["claimant"], ents)))
    view.cluster_claims = dict(clusters)
    return view


# --- the article in two layers -------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A run of text [start, end) under at most one entity mention and a set of claims."""

    start: int
    end: int
    mention: str | None
    claims: tuple[str, ...]


def pieces(length: int, mentions: list[dict[str, Any]], claims: list[dict[str, Any]]) -> list[Piece]:
    """Cut [0, length) at every span edge; merge neighbours that carry the same layers (pure)."""
    cuts = {0, length}
    for s in [*mentions, *claims]:
        cuts.update((s["start"], s["end"]))
    edges = sorted(c for c in cuts if 0 <= c <= length)
    out: list[Piece] = []
    for a, b in pairwise(edges):
        m = next((x["id"] for x in mentions if x["start"] <= a and b <= x["end"]), None)
        cs = tuple(c["id"] for c in claims if c["start"] <= a and b <= c["end"])
        if out and out[-1].mention == m and out[-1].claims == cs:  # mention ids are unique, mentions flat
            out[-1] = Piece(out[-1].start, b, m, cs)
        else:
            out.append(Piece(a, b, m, cs))
    return out


def article_text(view: View) -> Any:
    """The article as a rich Text: claims underlined, mentions on their label's colour.

    rich offsets are Python string indices, i.e. code points, the corpus's own unit; control
    characters are replaced one for one, so the offsets still hold.
    """
    from rich.text import Text

    colours = label_colours()
    aset = view.aset or {"entities": [], "claims": []}
    body = Text(visible_in_place(view.text))
    for cl in aset["claims"]:
        body.stylize("underline", cl["start"], cl["end"])
    for m in aset["entities"]:
        body.stylize(f"black on {colours.get(m['label'], '#e5e7eb')}", m["start"], m["end"])
    return body


def print_view(view: View, width: int | None = None, console: Any = None) -> None:
    """The article with rich styles (entity background, claim underline), then tables.

    Every value from the data goes in as a `Text` through `terminal.plain`: rich would read a
    plain string as markup, and a terminal obeys the escape sequences in it.
    """
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = console or Console(width=width)
    colours = label_colours()
    aset = view.aset or {"entities": [], "stances": [], "claims": [], "annotator": "-", "status": "-"}
    body = article_text(view)
    title = plain(f"{view.doc_id} · {view.entry.get('title') or 'untitled'} · annotator {aset['annotator']} ({aset['status']})")
    console.print(Panel(body, title=title, title_align="left"))
    legend = Text("labels: ")
    for lab, c in colours.items():
        legend.append(f" {lab} ", style=f"black on {c}")
        legend.append(" ")
    legend.append("  underlined: claims")
    console.print(legend)
    for table in (_entity_table(view, aset, colours), _claim_table(view, aset), _stance_table(view, aset)):
        print_fitted(console, table)
    for cid in dict.fromkeys(cid for cl in aset["claims"] for cid in cl["clusters"]):
        others = [f"{c.doc_id} {c.claim_id}" for c in view.cluster_claims.get(cid, []) if c.doc_id != view.doc_id]
        console.print(plain(f"cluster {cid}: also in {', '.join(others) if others else 'no other article'}"), highlight=False)


def _table(title: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> Any:
    """A rich Table of data: every cell a `Text` (`terminal.plain` for a string; a styled one as given)."""
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in columns:
        t.add_column(col)
    for row in rows:
        t.add_row(*(plain(c) if isinstance(c, str) else c for c in row))
    return t


def _entity_table(view: View, aset: Mapping[str, Any], colours: Mapping[str, str]) -> Any:
    def row(m: Mapping[str, Any]) -> tuple[Any, ...]:
        label = plain(m["label"], style=f"black on {colours.get(m['label'], '#e5e7eb')}")
        qid = (view.entities.get(m["entity"]) or {}).get("qid") or "-"
        return (m["id"], f"{m['start']}:{m['end']}", m["text"], label, m["entity"], qid)

    return _table("Entity mentions", ("id", "span", "text", "label", "entity", "QID"), map(row, aset["entities"]))


def _claim_table(view: View, aset: Mapping[str, Any]) -> Any:
    def row(cl: Mapping[str, Any]) -> tuple[Any, ...]:
        hedged, span, clusters = "yes" if cl["hedged"] else "", f"{cl['start']}:{cl['end']}", ", ".join(cl["clusters"])
        return (cl["id"], span, actor_name(cl["claimant"], view.entities), cl["type"], cl["checkworthiness"], hedged, clusters, cl["text"])

    return _table("Claims", ("id", "span", "claimant", "type", "check-worthiness", "hedged", "cluster", "text"), map(row, aset["claims"]))


def _stance_table(view: View, aset: Mapping[str, Any]) -> Any:
    targets = {x["id"]: x for x in view.registry.get("targets", [])}
    colours = stance_colours()

    def row(st: Mapping[str, Any]) -> tuple[Any, ...]:
        target = targets.get(st["target"], {}).get("name", st["target"])
        label = plain(st["label"], style=f"bold {colours.get(st['label'], 'white')}")
        return (target, actor_name(st["holder"], view.entities), label, st["attribution"], " | ".join(x["text"] for x in st["evidence"]))

    rows = map(row, sorted(aset["stances"], key=lambda s: s["target"]))
    return _table("Stances per target", ("target", "holder", "label", "attribution", "evidence"), rows)
