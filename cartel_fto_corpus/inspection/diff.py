"""Item-level label diff between two releases: what was added, removed or changed, per layer.

Each side is a folder (a corpus root holding `annotations/`, or an annotations folder) or a git
revision of the checkout, read with `git archive` into memory: the work tree is never touched.
Per document, the reference set (gold, else the first; or the set of a named annotator) of one
side is compared with the other's. Items are matched by what they annotate, not by their ids
(ids are renumbered when a set is rebuilt):

* an entity mention by its span (start, end); changed: label or linked entity;
* a stance by holder and target (holder: the author, the registry name of the entity, or the
  unnamed source's words); changed: label, attribution or evidence spans;
* a claim by its span, aligned one-to-one (identical spans first, then a maximum matching of
  overlapping spans, `alignment.align_spans`); changed: span, type, check-worthiness, hedging,
  claimant, attribution or clusters.

A linked entity is shown by its registry name when the side's registry has it, so an id renamed
between releases is not a change.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cartel_fto_corpus.inspection.alignment import align_spans, claim_clusters, norm
from cartel_fto_corpus.truth.layers import layer_names
from cartel_fto_corpus.truth.paths import ANNOTATIONS, PROTOCOL_FILE, REGISTRY_FILE


class SideError(ValueError):
    """A side that is neither a folder of annotations nor a git revision: one line."""


@dataclass
class Side:
    label: str
    docs: dict[str, dict[str, Any]]
    registry: dict[str, Any]


def _from_files(label: str, files: Mapping[str, bytes]) -> Side:
    docs: dict[str, dict[str, Any]] = {}
    registry: dict[str, Any] = {}
    for name, data in sorted(files.items()):
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SideError(f"{label}: {name}: not readable JSON ({exc})") from None
        if name == REGISTRY_FILE:
            registry = doc
        elif name != PROTOCOL_FILE and isinstance(doc, dict) and "doc_id" in doc:
            docs[doc["doc_id"]] = doc
    return Side(label, docs, registry)


def read_folder(path: Path) -> Side:
    """A corpus root (its annotations/) or an annotations folder itself."""
    folder = path / ANNOTATIONS if (path / ANNOTATIONS).is_dir() else path
    return _from_files(str(path), {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))})


def read_revision(rev: str, repo: Path) -> Side:
    """The annotation files of a git revision, from `git archive` (nothing is checked out)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=repo, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise SideError(f"{rev}: cannot run git ({exc.strerror})") from None
    if commit.returncode != 0:
        raise SideError(f"{rev}: expected a folder of annotations or a git revision of {repo}, found neither")
    sha = commit.stdout.strip()
    out = subprocess.run(["git", "archive", "--format=tar", sha, ANNOTATIONS], cwd=repo, capture_output=True, check=False)
    if out.returncode != 0:
        raise SideError(f"{rev}: no {ANNOTATIONS}/ in revision {sha[:12]}: {out.stderr.decode(errors='replace').strip()}")
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        for m in tar.getmembers():
            parts = m.name.split("/")
            if m.isfile() and len(parts) == 2 and parts[1].endswith(".json"):
                fh = tar.extractfile(m)
                if fh is not None:
                    files[parts[1]] = fh.read()
    return _from_files(f"{rev} ({sha[:12]})", files)


def read_side(spec: str, repo: Path) -> Side:
    path = Path(spec)
    return read_folder(path) if path.is_dir() else read_revision(spec, repo)


def _set_of(doc: Mapping[str, Any], annotator: str | None) -> dict[str, Any] | None:
    sets = doc.get("annotations", [])
    if annotator is not None:
        return next((s for s in sets if s["annotator"] == annotator), None)
    return next((s for s in sets if s["status"] == "gold"), sets[0] if sets else None)


def _entity_name(ent: str, registry: Mapping[str, Any]) -> str:
    for e in registry.get("entities", []):
        if e["id"] == ent:
            return e["name"]
    return ent


def _actor(a: Mapping[str, Any], registry: Mapping[str, Any]) -> str:
    if a["kind"] == "author":
        return "author"
    if a["kind"] == "entity":
        return "entity: " + _entity_name(a["entity"], registry)
    return "unnamed: " + norm((a.get("span") or {}).get("text") or a.get("description", ""))


def _entity_value(m: Mapping[str, Any], reg: Mapping[str, Any]) -> dict[str, Any]:
    return {"span": f"{m['start']}:{m['end']}", "text": m["text"], "label": m["label"], "entity": _entity_name(m["entity"], reg)}


def _stance_value(s: Mapping[str, Any], reg: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "holder": _actor(s["holder"], reg),
        "target": s["target"],
        "label": s["label"],
        "attribution": s["attribution"],
        "evidence": [f"{e['start']}:{e['end']}" for e in sorted(s["evidence"], key=lambda e: (e["start"], e["end"]))],
    }


def _claim_value(c: Mapping[str, Any], reg: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "span": f"{c['start']}:{c['end']}",
        "text": c["text"],
        "type": c["type"],
        "checkworthiness": c["checkworthiness"],
        "hedged": c.get("hedged"),
        "claimant": _actor(c["claimant"], reg),
        "attribution": c["attribution"],
        "clusters": sorted(claim_clusters(c)),
    }


def _changes(a: Mapping[str, Any], b: Mapping[str, Any], ignore: tuple[str, ...] = ("text",)) -> dict[str, list[Any]]:
    return {k: [a.get(k), b.get(k)] for k in a if k not in ignore and a.get(k) != b.get(k)}


def _layer_diff(pairs: list[tuple[Any, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"added": [], "removed": [], "changed": []}
    for old, new in pairs:
        if old is None:
            out["added"].append(new)
        elif new is None:
            out["removed"].append(old)
        elif fields := _changes(old, new):
            out["changed"].append({"from": old, "to": new, "fields": fields})
    return out


def diff_sets(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, reg_old: Mapping[str, Any], reg_new: Mapping[str, Any]
) -> dict[str, Any]:
    """Per layer: added and removed items (their comparable values), changed ones with the fields that differ."""
    empty: dict[str, Any] = {"entities": [], "stances": [], "claims": []}
    o, n = old or empty, new or empty
    out: dict[str, Any] = {}
    ents_o = {(m["start"], m["end"]): _entity_value(m, reg_old) for m in o["entities"]}
    ents_n = {(m["start"], m["end"]): _entity_value(m, reg_new) for m in n["entities"]}
    out["entities"] = _layer_diff([(ents_o.get(k), ents_n.get(k)) for k in sorted(set(ents_o) | set(ents_n))])

    def stances(s: Mapping[str, Any], reg: Mapping[str, Any]) -> dict[tuple[str, str, int], dict[str, Any]]:
        res: dict[tuple[str, str, int], dict[str, Any]] = {}
        for st in s["stances"]:
            v = _stance_value(st, reg)
            i = 0
            while (v["holder"], v["target"], i) in res:
                i += 1
            res[(v["holder"], v["target"], i)] = v
        return res

    st_o, st_n = stances(o, reg_old), stances(n, reg_new)
    out["stances"] = _layer_diff([(st_o.get(k), st_n.get(k)) for k in sorted(set(st_o) | set(st_n))])
    units = align_spans({"old": list(o["claims"]), "new": list(n["claims"])}, lambda c: (c["start"], c["end"]))
    out["claims"] = _layer_diff(
        [(_claim_value(u["old"], reg_old) if "old" in u else None, _claim_value(u["new"], reg_new) if "new" in u else None) for u in units]
    )
    return out


def diff_sides(old: Side, new: Side, annotator: str | None = None) -> dict[str, Any]:
    """The diff of every document of either side (documents only on one side: all added or removed)."""
    docs: dict[str, Any] = {}
    totals = {layer: {"added": 0, "removed": 0, "changed": 0} for layer in layer_names()}
    for doc_id in sorted(set(old.docs) | set(new.docs)):
        so = _set_of(old.docs[doc_id], annotator) if doc_id in old.docs else None
        sn = _set_of(new.docs[doc_id], annotator) if doc_id in new.docs else None
        d = diff_sets(so, sn, old.registry, new.registry)
        if so is None or sn is None:
            d["document"] = "added" if so is None else "removed"
        for layer in layer_names():
            for kind in ("added", "removed", "changed"):
                totals[layer][kind] += len(d[layer][kind])
        if any(d[layer][k] for layer in layer_names() for k in ("added", "removed", "changed")) or "document" in d:
            docs[doc_id] = d
    return {
        "from": old.label,
        "to": new.label,
        "set": annotator or "reference set (gold, else the first)",
        "matched_by": {
            "entities": "span",
            "stances": "holder and target",
            "claims": "span (identical, then one-to-one overlap)",
        },
        "totals": totals,
        "documents": docs,
    }


def _brief(layer: str, v: Mapping[str, Any]) -> str:
    if layer == "entities":
        return f"{v['span']} {json.dumps(v['text'], ensure_ascii=False)} {v['label']} {v['entity']}"
    if layer == "stances":
        return f"{v['holder']} -> {v['target']}: {v['label']} ({v['attribution']}; evidence {', '.join(v['evidence'])})"
    text = v["text"] if len(v["text"]) <= 60 else v["text"][:59] + "\u2026"
    return f"{v['span']} {json.dumps(text, ensure_ascii=False)} {v['type']}/{v['checkworthiness']} by {v['claimant']}"


def render_text(report: Mapping[str, Any]) -> str:
    """One line per added (+), removed (-) or changed (~) item, per document; totals first."""
    lines = [f"diff {report['from']} -> {report['to']} ({report['set']}; items matched by what they annotate, not by id)"]
    for layer, t in report["totals"].items():
        lines.append(f"  {layer}: +{t['added']} -{t['removed']} ~{t['changed']}")
    for doc_id, d in report["documents"].items():
        lines.append(f"{doc_id}" + (f" (document {d['document']})" if "document" in d else "") + ":")
        for layer in layer_names():
            for v in d[layer]["added"]:
                lines.append(f"  + {layer[:-1] if layer != 'entities' else 'entity'} {_brief(layer, v)}")
            for v in d[layer]["removed"]:
                lines.append(f"  - {layer[:-1] if layer != 'entities' else 'entity'} {_brief(layer, v)}")
            for c in d[layer]["changed"]:
                what = "; ".join(
                    f"{k} {json.dumps(a, ensure_ascii=False)} -> {json.dumps(b, ensure_ascii=False)}" for k, (a, b) in c["fields"].items()
                )
                lines.append(f"  ~ {layer[:-1] if layer != 'entities' else 'entity'} {_brief(layer, c['from'])}: {what}")
    return "\n".join(lines) + "\n"
