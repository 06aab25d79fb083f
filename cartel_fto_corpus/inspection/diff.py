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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cartel_fto_corpus.inspection.adjudicate import annotator_set
from cartel_fto_corpus.inspection.alignment import actor_words, align_spans, claim_clusters, norm
from cartel_fto_corpus.truth.layers import layer_names
from cartel_fto_corpus.truth.paths import ANNOTATIONS, PROTOCOL_FILE, REGISTRY_FILE
from cartel_fto_corpus.truth.sets import reference_set


class SideError(ValueError):
    """A side that is neither a folder of annotations nor a git revision: one line."""


@dataclass
class Side:
    label: str
    docs: dict[str, dict[str, Any]]
    registry: dict[str, Any]

    @property
    def names(self) -> dict[str, str]:
        """Registry entity id -> name: a linked entity is shown by its name, so a renamed id is no change."""
        return {e["id"]: e["name"] for e in self.registry.get("entities", [])}


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


def _actor(a: Mapping[str, Any], names: Mapping[str, str]) -> str:
    if a["kind"] == "author":
        return "author"
    if a["kind"] == "entity":
        return "entity: " + names.get(a["entity"], a["entity"])
    return "unnamed: " + norm(actor_words(a))


def _entity_value(m: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {"span": f"{m['start']}:{m['end']}", "text": m["text"], "label": m["label"], "entity": names.get(m["entity"], m["entity"])}


def _stance_value(s: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "holder": _actor(s["holder"], names),
        "target": s["target"],
        "label": s["label"],
        "attribution": s["attribution"],
        "evidence": [f"{e['start']}:{e['end']}" for e in sorted(s["evidence"], key=lambda e: (e["start"], e["end"]))],
    }


def _claim_value(c: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "span": f"{c['start']}:{c['end']}",
        "text": c["text"],
        "type": c["type"],
        "checkworthiness": c["checkworthiness"],
        "hedged": c.get("hedged"),
        "claimant": _actor(c["claimant"], names),
        "attribution": c["attribution"],
        "clusters": sorted(claim_clusters(c)),
    }


def _layer_diff(pairs: list[tuple[Any, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"added": [], "removed": [], "changed": []}
    for old, new in pairs:
        if old is None:
            out["added"].append(new)
        elif new is None:
            out["removed"].append(old)
        elif fields := {k: [old[k], new[k]] for k in old if k != "text" and old[k] != new[k]}:
            out["changed"].append({"from": old, "to": new, "fields": fields})
    return out


def _by_key(pairs: Iterable[tuple[Any, dict[str, Any]]]) -> dict[tuple[Any, int], dict[str, Any]]:
    """Values by their key and its occurrence (the second stance of one holder on one target is (key, 1))."""
    seen: Counter[Any] = Counter()
    out = {}
    for key, v in pairs:
        out[(key, seen[key])] = v
        seen[key] += 1
    return out


def diff_sets(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, names_old: Mapping[str, str], names_new: Mapping[str, str]
) -> dict[str, Any]:
    """Per layer: added and removed items (their comparable values), changed ones with the fields that differ."""
    o, n = old or {}, new or {}
    out: dict[str, Any] = {}
    # an entity mention is matched by its span, a stance by holder and target
    a = _by_key(((m["start"], m["end"]), _entity_value(m, names_old)) for m in o.get("entities", []))
    b = _by_key(((m["start"], m["end"]), _entity_value(m, names_new)) for m in n.get("entities", []))
    out["entities"] = _layer_diff([(a.get(k), b.get(k)) for k in sorted(set(a) | set(b))])
    a = _by_key(((v["holder"], v["target"]), v) for v in (_stance_value(st, names_old) for st in o.get("stances", [])))
    b = _by_key(((v["holder"], v["target"]), v) for v in (_stance_value(st, names_new) for st in n.get("stances", [])))
    out["stances"] = _layer_diff([(a.get(k), b.get(k)) for k in sorted(set(a) | set(b))])
    units = align_spans({"old": list(o.get("claims", [])), "new": list(n.get("claims", []))}, lambda c: (c["start"], c["end"]))
    out["claims"] = _layer_diff(
        [
            (_claim_value(u["old"], names_old) if "old" in u else None, _claim_value(u["new"], names_new) if "new" in u else None)
            for u in units
        ]
    )
    return out


def diff_sides(old: Side, new: Side, annotator: str | None = None) -> dict[str, Any]:
    """The diff of every document of either side (documents only on one side: all added or removed)."""
    docs: dict[str, Any] = {}
    totals = {layer: {"added": 0, "removed": 0, "changed": 0} for layer in layer_names()}
    pick = (lambda doc: annotator_set(doc, annotator)) if annotator else reference_set
    for doc_id in sorted(set(old.docs) | set(new.docs)):
        so = pick(old.docs[doc_id]) if doc_id in old.docs else None
        sn = pick(new.docs[doc_id]) if doc_id in new.docs else None
        d = diff_sets(so, sn, old.names, new.names)
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
            noun = "entity" if layer == "entities" else layer[:-1]
            for sign, kind in (("+", "added"), ("-", "removed")):
                lines += [f"  {sign} {noun} {_brief(layer, v)}" for v in d[layer][kind]]
            for c in d[layer]["changed"]:
                what = "; ".join(
                    f"{k} {json.dumps(a, ensure_ascii=False)} -> {json.dumps(b, ensure_ascii=False)}" for k, (a, b) in c["fields"].items()
                )
                lines.append(f"  ~ {noun} {_brief(layer, c['from'])}: {what}")
    return "\n".join(lines) + "\n"
