"""The corpus explorer: one article with its entities, claims and stances made visible.

`cartel-fto show DOC_ID` prints the article in the terminal (rich) with entity mentions on a
coloured background and claims underlined, then its claims, stances and entities as tables.
`--html OUT` writes one self-contained HTML page (inline CSS, no script, no external resource):
entities as coloured <mark>s tagged with label and QID, claims underlined and tagged with their
claimant, a stance panel per target, and each claim cluster linked to the same claim in the other
articles (pages written side by side with `--all --html DIR`).

Entity mentions are flat but claims overlap them, so the article is cut at every span edge and
laid out in two layers: a <mark> per mention, never split (its text is exactly text[start:end]),
and claim underlines as <span class="claim"> pieces inside and between the marks. Labels are
drawn by CSS from data attributes, so the article's text content is exactly the document text,
which is what lets a browser test check every mark against its offsets. All text is escaped.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from pathlib import Path
from typing import Any

import click

from cartel_fto_corpus import __version__
from cartel_fto_corpus.corpus import documents, read_text
from cartel_fto_corpus.options import root_option
from cartel_fto_corpus.paths import CorpusPaths
from cartel_fto_corpus.schema import label_set
from cartel_fto_corpus.summary import reference_set

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
    ids = [d["id"] for d in documents(paths)]
    if query in ids:
        return query
    hits = [i for i in ids if i.startswith(query)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ShowError(f"{paths.manifest}: expected a document id (one of {', '.join(ids)}), found {query!r}")
    raise ShowError(f"{paths.manifest}: expected one document, found {query!r} matching {', '.join(hits)}")


def _load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def actor_name(actor: dict[str, Any], entities: dict[str, dict[str, Any]]) -> str:
    if actor["kind"] == "author":
        return "the author"
    if actor["kind"] == "entity":
        return (entities.get(actor["entity"]) or {}).get("name", actor["entity"])
    return actor["description"]


def load_view(doc_id: str, paths: CorpusPaths, annotator: str | None = None) -> View:
    """Read one document, the annotation set to show and the cluster claims of every document."""
    doc_id = resolve_doc_id(doc_id, paths)
    entry = next(d for d in documents(paths) if d["id"] == doc_id)
    registry = _load_json(paths.registry) if paths.registry.exists() else {"entities": [], "targets": [], "clusters": []}
    f = paths.annotation_file(doc_id)
    ann = _load_json(f) if f.exists() else {"annotations": []}
    if annotator is None:
        aset = reference_set(ann)
    else:
        aset = next((s for s in ann["annotations"] if s["annotator"] == annotator), None)
        if aset is None:
            found = ", ".join(s["annotator"] for s in ann["annotations"]) or "none"
            raise ShowError(f"{f}: expected an annotation set by {annotator!r}, found annotators: {found}")
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


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def article_html(view: View) -> str:
    """The article as nested marks and claim spans; its text content equals the document text."""
    text = view.text
    aset = view.aset or {"entities": [], "claims": []}
    mentions = {m["id"]: m for m in aset["entities"]}
    claims = {c["id"]: c for c in aset["claims"]}
    ents = view.entities
    started: set[str] = set()
    out: list[str] = []
    open_mention: str | None = None
    for p in pieces(len(text), list(mentions.values()), list(claims.values())):
        if p.mention != open_mention:
            if open_mention is not None:
                out.append("</mark>")
            if p.mention is not None:
                m = mentions[p.mention]
                reg = ents.get(m["entity"]) or {}
                qid = reg.get("qid")
                tag = f"{m['label']} {qid}" if qid else m["label"]
                title = f"{m['id']} · {m['label']} · {reg.get('name', m['entity'])}" + (f" · {qid}" if qid else "")
                out.append(
                    f'<mark class="ent" id="mention-{_attr(m["id"])}" data-id="{_attr(m["id"])}"'
                    f' data-start="{m["start"]}" data-end="{m["end"]}"'
                    f' data-label="{_attr(m["label"])}" data-entity="{_attr(m["entity"])}" data-qid="{_attr(qid or "")}"'
                    f' data-tag="{_attr(tag)}" title="{_attr(title)}">'
                )
            open_mention = p.mention
        chunk = escape(text[p.start : p.end], quote=False)
        if p.claims:
            new = [c for c in p.claims if c not in started]
            started.update(new)
            heads = "; ".join(f"{c} {actor_name(claims[c]['claimant'], ents)}" for c in new)
            title = "; ".join(
                f"{c}: {claims[c]['type']}, {claims[c]['checkworthiness']}, claimant {actor_name(claims[c]['claimant'], ents)}"
                for c in p.claims
            )
            cls = "claim" + (" claim-start" if new else "") + (" stacked" if len(p.claims) > 1 else "")
            head = f' data-claimant="{_attr(heads)}"' if new else ""
            ids = "".join(f' id="claim-text-{_attr(c)}"' for c in new[:1])
            out.append(f'<span class="{cls}"{ids} data-claims="{_attr(" ".join(p.claims))}"{head} title="{_attr(title)}">{chunk}</span>')
        else:
            out.append(chunk)
    if open_mention is not None:
        out.append("</mark>")
    return "".join(out)


CSS = """
body{font:16px/1.6 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111827;background:#f9fafb}
header{padding:1rem 2rem;background:#111827;color:#f9fafb}header h1{margin:0;font-size:1.3rem}
header p{margin:.2rem 0;color:#d1d5db;font-size:.9rem}
.layout{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1.5rem;padding:1.5rem 2rem}
article{white-space:pre-wrap;background:#fff;padding:1.2rem 1.5rem;border:1px solid #e5e7eb;border-radius:6px;line-height:2.3}
mark.ent{background:var(--c,#e5e7eb);color:inherit;border-radius:3px;padding:.1em .15em}
mark.ent::after{content:attr(data-tag);font-size:.6em;font-weight:600;letter-spacing:.03em;margin-left:.25em;
  color:#374151;vertical-align:super;line-height:1}
span.claim{text-decoration:underline 2px #c2410c;text-underline-offset:.3em}
span.claim.stacked{text-decoration-style:double}
span.claim-start::before{content:"\\25B8" attr(data-claimant) " ";font-size:.62em;color:#c2410c;font-weight:600;vertical-align:super}
section{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:.8rem 1rem;margin-bottom:1rem}
section h2{font-size:1.05rem;margin:.2rem 0 .6rem}h3{font-size:.95rem;margin:.6rem 0 .2rem}
.badge{display:inline-block;color:#fff;border-radius:3px;padding:0 .4em;font-size:.8em;font-weight:600}
.legend mark{margin-right:.4em}.muted{color:#6b7280;font-size:.85em}
blockquote{margin:.2rem 0 .4rem .6rem;padding-left:.6rem;border-left:3px solid #e5e7eb;font-size:.9em}
table{border-collapse:collapse;font-size:.85em;width:100%}td,th{border-bottom:1px solid #f3f4f6;padding:.15rem .3rem;text-align:left}
ol{padding-left:1.4rem}li{margin-bottom:.4rem}
"""


def _colour_css() -> str:
    return "".join(f'mark.ent[data-label="{lab}"]{{--c:{c}}}' for lab, c in label_colours().items())


def render_html(view: View) -> str:
    """The whole self-contained page (pure: same view, same bytes)."""
    e = escape
    ents = view.entities
    aset = view.aset
    entry = view.entry
    targets = {t["id"]: t for t in view.registry.get("targets", [])}
    clusters = {c["id"]: c for c in view.registry.get("clusters", [])}
    sc = stance_colours()
    title = entry.get("title") or "untitled (the text has no headline)"
    meta = []
    if aset:
        meta.append(
            f"annotator {e(aset['annotator'])} · {e(aset['status'])} · guideline {e(aset['guideline_version'])}"
            f" · {view.n_sets} annotation set(s)"
        )
    else:
        meta.append("not annotated yet")
    meta.append(f"{len(view.text)} characters · quality flags: {e(', '.join(entry.get('quality_flags', [])) or 'none')}")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="cartel-fto show {e(__version__)}">',
        f"<title>{e(view.doc_id)} · {e(title)}</title>",
        f"<style>{CSS}{_colour_css()}</style></head><body>",
        f"<header><h1>{e(view.doc_id)}</h1><p>{e(title)}</p>" + "".join(f"<p>{m}</p>" for m in meta) + "</header>",
        '<div class="layout"><div>',
        '<section class="legend"><h2>Entity labels</h2>'
        + "".join(f'<mark class="ent" data-label="{_attr(lab)}" data-tag="">{e(lab)}</mark>' for lab in label_set("entity_label"))
        + '<p class="muted">Underlined: claims, tagged with id and claimant; double underline: overlapping claims.</p></section>',
        f'<article id="text" data-doc="{_attr(view.doc_id)}" lang="en">{article_html(view)}</article>',
        "</div><div>",
    ]
    # stance panel: one block per target
    stances = aset["stances"] if aset else []
    by_target: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for st in stances:
        by_target[st["target"]].append(st)
    sec = ['<section id="stances"><h2>Stances</h2>']
    if not stances:
        sec.append('<p class="muted">No stances annotated.</p>')
    for tid, sts in by_target.items():
        t = targets.get(tid, {"name": tid, "description": ""})
        sec.append(f'<div class="target" id="target-{_attr(tid)}"><h3>{e(t["name"])}</h3><p class="muted">{e(t["description"])}</p><ul>')
        for st in sts:
            colour = sc.get(st["label"], "#6b7280")
            ev = "".join(
                f'<blockquote>{e(x["text"])} <span class="muted">[{x["start"]}:{x["end"]}]</span></blockquote>' for x in st["evidence"]
            )
            note = f'<div class="muted">{e(st["note"])}</div>' if st.get("note") else ""
            sec.append(
                f'<li class="stance" data-id="{_attr(st["id"])}"><span class="badge" style="background:{colour}">{e(st["label"])}</span> '
                f"<b>{e(actor_name(st['holder'], ents))}</b> "
                f'<span class="muted">({e(st["attribution"])}, {e(st["id"])})</span>{ev}{note}</li>'
            )
        sec.append("</ul></div>")
    sec.append("</section>")
    parts.append("".join(sec))
    # claims
    claims = aset["claims"] if aset else []
    sec = ['<section id="claims"><h2>Claims</h2>']
    if not claims:
        sec.append('<p class="muted">No claims annotated.</p>')
    sec.append("<ol>")
    for cl in claims:
        links = ", ".join(f'<a href="#cluster-{_attr(cid)}">{e(cid)}</a>' for cid in cl["clusters"])
        cluster = f" · cluster{'s' if len(cl['clusters']) > 1 else ''} {links}" if links else ""
        sec.append(
            f'<li id="claim-{_attr(cl["id"])}"><a href="#claim-text-{_attr(cl["id"])}">{e(cl["id"])}</a> '
            f'<b>{e(actor_name(cl["claimant"], ents))}</b> <span class="muted">({e(cl["attribution"])}) · {e(cl["type"])} · '
            f"{e(cl['checkworthiness'])}{' · hedged' if cl['hedged'] else ''}{cluster}</span><blockquote>{e(cl['text'])}</blockquote></li>"
        )
    sec.append("</ol></section>")
    parts.append("".join(sec))
    # clusters, linked across articles
    used = list(dict.fromkeys(cid for cl in claims for cid in cl["clusters"]))
    sec = ['<section id="clusters"><h2>Claim clusters across articles</h2>']
    if not used:
        sec.append('<p class="muted">No claim of this article is clustered.</p>')
    for cid in used:
        c = clusters.get(cid, {"summary": cid, "discrepancies": None})
        sec.append(f'<div class="cluster" id="cluster-{_attr(cid)}"><h3>{e(cid)}</h3><p>{e(c["summary"])}</p>')
        if c.get("discrepancies"):
            sec.append(f'<p class="muted">Discrepancies: {e(c["discrepancies"])}</p>')
        sec.append("<ul>")
        for cc in view.cluster_claims.get(cid, []):
            href = f"#claim-{cc.claim_id}" if cc.doc_id == view.doc_id else f"{cc.doc_id}.html#claim-{cc.claim_id}"
            where = "this article" if cc.doc_id == view.doc_id else cc.doc_id
            sec.append(
                f'<li><a class="cluster-link" href="{_attr(href)}">{e(where)} {e(cc.claim_id)}</a>'
                f" {e(cc.claimant)}: <q>{e(cc.text)}</q></li>"
            )
        sec.append("</ul></div>")
    sec.append("</section>")
    parts.append("".join(sec))
    # entities of this article
    mentioned: dict[str, int] = defaultdict(int)
    for m in aset["entities"] if aset else []:
        mentioned[m["entity"]] += 1
    sec = ['<section id="entities"><h2>Entities</h2><table><tr><th>entity</th><th>label</th><th>QID</th><th>mentions</th></tr>']
    for eid, n in mentioned.items():
        reg = ents.get(eid, {"name": eid, "type": "?", "qid": None, "org_type": None})
        qid = reg.get("qid")
        qcell = f'<a href="https://www.wikidata.org/wiki/{_attr(qid)}">{e(qid)}</a>' if qid else '<span class="muted">none</span>'
        sub = f" ({e(reg['org_type'])})" if reg.get("org_type") else ""
        sec.append(f"<tr><td>{e(reg['name'])}</td><td>{e(reg['type'])}{sub}</td><td>{qcell}</td><td>{n}</td></tr>")
    sec.append("</table></section>")
    parts.append("".join(sec))
    parts.append("</div></div></body></html>\n")
    return "\n".join(parts)


# --- terminal -------------------------------------------------------------------------------


def article_text(view: View) -> Any:
    """The article as a rich Text: claims underlined, mentions on their label's colour.

    rich offsets are Python string indices, i.e. code points, the corpus's own unit.
    """
    from rich.text import Text

    colours = label_colours()
    aset = view.aset or {"entities": [], "claims": []}
    body = Text(view.text)
    for cl in aset["claims"]:
        body.stylize("underline", cl["start"], cl["end"])
    for m in aset["entities"]:
        body.stylize(f"black on {colours.get(m['label'], '#e5e7eb')}", m["start"], m["end"])
    return body


def print_view(view: View, width: int | None = None) -> None:
    """The article with rich styles (entity background, claim underline), then tables."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = Console(width=width)
    ents = view.entities
    colours = label_colours()
    aset = view.aset or {"entities": [], "stances": [], "claims": [], "annotator": "-", "status": "-"}
    body = article_text(view)
    title = f"{view.doc_id} · {view.entry.get('title') or 'untitled'} · annotator {aset['annotator']} ({aset['status']})"
    console.print(Panel(body, title=title, title_align="left"))
    legend = Text("labels: ")
    for lab, c in colours.items():
        legend.append(f" {lab} ", style=f"black on {c}")
        legend.append(" ")
    legend.append("  underlined: claims")
    console.print(legend)
    t = Table(title="Entity mentions", title_justify="left")
    for col in ("id", "span", "text", "label", "entity", "QID"):
        t.add_column(col)
    for m in aset["entities"]:
        reg = ents.get(m["entity"]) or {}
        t.add_row(
            m["id"],
            f"{m['start']}:{m['end']}",
            m["text"],
            Text(m["label"], style=f"black on {colours.get(m['label'], '#e5e7eb')}"),
            m["entity"],
            reg.get("qid") or "-",
        )
    console.print(t)
    t = Table(title="Claims", title_justify="left")
    for col in ("id", "span", "claimant", "type", "check-worthiness", "hedged", "cluster", "text"):
        t.add_column(col)
    for cl in aset["claims"]:
        t.add_row(
            cl["id"],
            f"{cl['start']}:{cl['end']}",
            actor_name(cl["claimant"], ents),
            cl["type"],
            cl["checkworthiness"],
            "yes" if cl["hedged"] else "",
            ", ".join(cl["clusters"]),
            cl["text"],
        )
    console.print(t)
    targets = {x["id"]: x for x in view.registry.get("targets", [])}
    sc = stance_colours()
    t = Table(title="Stances per target", title_justify="left")
    for col in ("target", "holder", "label", "attribution", "evidence"):
        t.add_column(col)
    for st in sorted(aset["stances"], key=lambda s: s["target"]):
        t.add_row(
            targets.get(st["target"], {}).get("name", st["target"]),
            actor_name(st["holder"], ents),
            Text(st["label"], style=f"bold {sc.get(st['label'], 'white')}"),
            st["attribution"],
            " | ".join(x["text"] for x in st["evidence"]),
        )
    console.print(t)
    for cid in dict.fromkeys(cid for cl in aset["claims"] for cid in cl["clusters"]):
        others = [f"{c.doc_id} {c.claim_id}" for c in view.cluster_claims.get(cid, []) if c.doc_id != view.doc_id]
        console.print(f"cluster {cid}: also in {', '.join(others) if others else 'no other article'}", highlight=False)


@click.command("show")
@click.argument("doc_id", required=False)
@root_option
@click.option("--annotator", default=None, help="Show this annotator's set (default: the gold set, else the first).")
@click.option(
    "--html",
    "html_out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write a self-contained HTML page to this file (a folder with --all).",
)
@click.option(
    "--all", "all_docs", is_flag=True, help="With --html DIR: write DIR/<doc_id>.html for every document, so cluster links resolve."
)
def show_command(doc_id: str | None, root: Path | None, annotator: str | None, html_out: Path | None, all_docs: bool) -> None:
    """Show an article with its entities, claims and stances highlighted (DOC_ID or a prefix such as 002)."""
    from cartel_fto_corpus.atomic import write_atomic

    paths = CorpusPaths(root)
    try:
        if all_docs:
            if html_out is None or doc_id is not None:
                raise ShowError("--all: expected --html DIR and no DOC_ID")
            ids = [d["id"] for d in documents(paths)]
            pages = {html_out / f"{i}.html": render_html(load_view(i, paths, annotator)) for i in ids}
            for path, page in pages.items():
                write_atomic(path, page)
            click.echo(f"{html_out}: {len(pages)} pages written", err=True)
            return
        if doc_id is None:
            raise ShowError("expected a DOC_ID (or --all --html DIR)")
        view = load_view(doc_id, paths, annotator)
        if html_out is not None:
            write_atomic(html_out, render_html(view))
            click.echo(f"{html_out}: written", err=True)
        else:
            print_view(view)
    except ShowError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except (OSError, ValueError, KeyError) as exc:
        click.echo(f"{paths.root}: cannot show {doc_id or 'the corpus'}: {exc}", err=True)
        sys.exit(2)
