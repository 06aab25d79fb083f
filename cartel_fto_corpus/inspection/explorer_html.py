"""`cartel-fto show --out`: a self-contained, script-free HTML page of one article and its annotations.

Text goes through `html.escape`, attribute values through `_attr`. The page carries data-* attributes
with code-point and UTF-16 offsets so that a browser test can check every mark against the text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from html import escape
from pathlib import Path
from typing import Any

from cartel_fto_corpus import __version__
from cartel_fto_corpus.inspection.explorer import View, actor_name, label_colours, load_view, manifest_documents, pieces, stance_colours
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _int(value: object) -> str:
    """An offset or count as written into the page: an int as digits, anything else escaped as text.

    `show` refuses schema-invalid files before rendering, so offsets are ints here; the escape is
    the second wall (an offset once was `<img src=x onerror=...>`, written into the page raw).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    return _attr(value)


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
                    f' data-start="{_int(m["start"])}" data-end="{_int(m["end"])}"'
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
    aset, entry = view.aset, view.entry
    title = entry.get("title") or "untitled (the text has no headline)"
    meta = [
        f"annotator {e(aset['annotator'])} · {e(aset['status'])} · guideline {e(aset['guideline_version'])}"
        f" · {_int(view.n_sets)} annotation set(s)"
        if aset
        else "not annotated yet",
        f"{_int(len(view.text))} characters · quality flags: {e(', '.join(entry.get('quality_flags', [])) or 'none')}",
    ]
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
    sets = aset or {"stances": [], "claims": [], "entities": []}
    parts += [
        _stances(view, sets["stances"]),
        _claims(view, sets["claims"]),
        _clusters(view, sets["claims"]),
        _entities(view, sets["entities"]),
    ]
    parts.append("</div></div></body></html>\n")
    return "\n".join(parts)


def _section(sid: str, title: str, items: list[str], empty: str | None, wrap: tuple[str, str] = ("", "")) -> str:
    """A side panel: its heading, a muted line saying there is nothing (`empty`, when no items), the items inside `wrap`."""
    note = f'<p class="muted">{empty}</p>' if empty and not items else ""
    return f'<section id="{sid}"><h2>{title}</h2>{note}{wrap[0]}{"".join(items)}{wrap[1]}</section>'


def _stances(view: View, stances: list[dict[str, Any]]) -> str:
    """One block per target."""
    e = escape
    targets = {t["id"]: t for t in view.registry.get("targets", [])}
    colours = stance_colours()
    by_target: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for st in stances:
        by_target[st["target"]].append(st)
    items = []
    for tid, sts in by_target.items():
        t = targets.get(tid, {"name": tid, "description": ""})
        items.append(f'<div class="target" id="target-{_attr(tid)}"><h3>{e(t["name"])}</h3><p class="muted">{e(t["description"])}</p><ul>')
        for st in sts:
            colour = colours.get(st["label"], "#6b7280")
            ev = "".join(
                f'<blockquote>{e(x["text"])} <span class="muted">[{_int(x["start"])}:{_int(x["end"])}]</span></blockquote>'
                for x in st["evidence"]
            )
            note = f'<div class="muted">{e(st["note"])}</div>' if st.get("note") else ""
            items.append(
                f'<li class="stance" data-id="{_attr(st["id"])}"><span class="badge" style="background:{_attr(colour)}">{e(st["label"])}</span> '
                f"<b>{e(actor_name(st['holder'], view.entities))}</b> "
                f'<span class="muted">({e(st["attribution"])}, {e(st["id"])})</span>{ev}{note}</li>'
            )
        items.append("</ul></div>")
    return _section("stances", "Stances", items, "No stances annotated.")


def _claims(view: View, claims: list[dict[str, Any]]) -> str:
    e = escape
    items = []
    for cl in claims:
        links = ", ".join(f'<a href="#cluster-{_attr(cid)}">{e(cid)}</a>' for cid in cl["clusters"])
        cluster = f" · cluster{'s' if len(cl['clusters']) > 1 else ''} {links}" if links else ""
        items.append(
            f'<li id="claim-{_attr(cl["id"])}"><a href="#claim-text-{_attr(cl["id"])}">{e(cl["id"])}</a> '
            f'<b>{e(actor_name(cl["claimant"], view.entities))}</b> <span class="muted">({e(cl["attribution"])}) · {e(cl["type"])} · '
            f"{e(cl['checkworthiness'])}{' · hedged' if cl['hedged'] else ''}{cluster}</span><blockquote>{e(cl['text'])}</blockquote></li>"
        )
    return _section("claims", "Claims", items, "No claims annotated.", ("<ol>", "</ol>"))


def _clusters(view: View, claims: list[dict[str, Any]]) -> str:
    """Each cluster of the article's claims, linked to the same claim in the other articles."""
    e = escape
    clusters = {c["id"]: c for c in view.registry.get("clusters", [])}
    items = []
    for cid in dict.fromkeys(cid for cl in claims for cid in cl["clusters"]):
        c = clusters.get(cid, {"summary": cid, "discrepancies": None})
        items.append(f'<div class="cluster" id="cluster-{_attr(cid)}"><h3>{e(cid)}</h3><p>{e(c["summary"])}</p>')
        if c.get("discrepancies"):
            items.append(f'<p class="muted">Discrepancies: {e(c["discrepancies"])}</p>')
        items.append("<ul>")
        for cc in view.cluster_claims.get(cid, []):
            href = f"#claim-{cc.claim_id}" if cc.doc_id == view.doc_id else f"{cc.doc_id}.html#claim-{cc.claim_id}"
            where = "this article" if cc.doc_id == view.doc_id else cc.doc_id
            items.append(
                f'<li><a class="cluster-link" href="{_attr(href)}">{e(where)} {e(cc.claim_id)}</a>'
                f" {e(cc.claimant)}: <q>{e(cc.text)}</q></li>"
            )
        items.append("</ul></div>")
    return _section("clusters", "Claim clusters across articles", items, "No claim of this article is clustered.")


def _entities(view: View, mentions: list[dict[str, Any]]) -> str:
    e = escape
    items = []
    for eid, n in Counter(m["entity"] for m in mentions).items():
        reg = view.entities.get(eid, {"name": eid, "type": "?", "qid": None, "org_type": None})
        qid = reg.get("qid")
        qcell = f'<a href="https://www.wikidata.org/wiki/{_attr(qid)}">{e(qid)}</a>' if qid else '<span class="muted">none</span>'
        sub = f" ({e(reg['org_type'])})" if reg.get("org_type") else ""
        items.append(f"<tr><td>{e(reg['name'])}</td><td>{e(reg['type'])}{sub}</td><td>{qcell}</td><td>{_int(n)}</td></tr>")
    head = "<table><tr><th>entity</th><th>label</th><th>QID</th><th>mentions</th></tr>"
    return _section("entities", "Entities", items, None, (head, "</table>"))


def write_pages(paths: CorpusPaths, out: Path, annotator: str | None) -> int:
    """Every document's page as `out/<doc_id>.html`, so cluster links between them resolve; how many.
    Every page is rendered before the first is written: a document that cannot be shown writes none."""
    from cartel_fto_corpus.truth.atomic import write_atomic

    ids = [d["id"] for d in manifest_documents(paths)]
    pages = {out / f"{i}.html": render_html(load_view(i, paths, annotator)) for i in ids}
    for path, page in pages.items():
        write_atomic(path, page)
    return len(pages)
