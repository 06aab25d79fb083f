"""Annotation sets <-> Label Studio results: pure functions, no I/O.

Every field of an annotation set either has a widget in the interface (see `config`) or travels
in a region's `meta` (mention order, stance ids, multi_paragraph, notes, actors that name no
mention) or in the task's `meta` (annotator, guideline_version, created, updated, set note), so
`regions_to_set(set_to_regions(s)) == s` for every valid set. Going back, span texts are always
recomputed from the offsets and the repository's text; `value.text` is only compared, never trusted.

Region ids: entity mentions and claims keep their schema ids (e3, c7), evidence spans are
`<stance id>_<k>`, unnamed sources `u<n>`. Regions drawn in Label Studio get random ids; they
are appended after the known ones and given the next free schema id.

The payload is lean (issue 13: at most twice the annotation JSON): a labelled region carries its
offsets; only actors (mentions, unnamed sources) carry a copy of their text, which the editor's
Regions list shows when a claimant or holder is picked across layers; per-region widgets carry
neither, since they follow their region's labels item, which creates the region in the editor; the
order of mentions, claims and stances and the stance of each evidence span are derived from the ids
(`e7`, `s3_1`) and sent as meta `n`/`stance`/`k` only when the ids do not say it; relations use the
editor's default direction. A stance's note travels once (on its first evidence region), the status
is in the task meta (it has no widget, see `ownership`). Claims and evidence whose actor is linked by a relation say so in their meta
(`linked`), so that a deleted claimant or holder is reported instead of silently becoming the author.

The module is long because the mapping is symmetric: each layer's way there and way back live in one
module, so that a field added in one direction is seen missing in the other.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from itertools import pairwise
from typing import Any

import orjson

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio import ownership
from cartel_fto_corpus.truth.layers import layer_names, layers
from cartel_fto_corpus.truth.schema import load_schemas

_LOCAL_ID = re.compile(r"^([a-z])([0-9]+)$")  # an item id: its layer's declared prefix and a number (`truth.layers`)
_EVIDENCE_ID = re.compile(r"^(s[0-9]+)_([0-9]+)$")
_ANNOTATOR = re.compile(r"^[a-z][a-z0-9_.-]*$")
DOC_STANCE_ID = "doc_stance__"
#: Provenance fields Label Studio keeps in the task meta (they have no widget).
PROVENANCE = ("guideline_version", "created", "updated", "status", "note", "adjudication")


class ConvertError(ValueError):
    """A Label Studio result that cannot become a valid annotation set; the message says where."""


@dataclass
class Conversion:
    """An annotation set rebuilt from Label Studio, with the `value.text` mismatches noticed on the way."""

    annotation_set: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    proposals: list[dict[str, Any]] = field(default_factory=list)  # registry entries (entities, claim clusters) proposed in the editor


@cache
def _key_order(definition: str) -> tuple[str, ...]:
    """Property order of a schema definition: the order keys are written in, so output matches the files."""
    schemas = load_schemas()
    node = schemas["annotation"]["$defs"].get(definition) or schemas["common"]["$defs"][definition]
    return tuple(node["properties"])


def _ordered(obj: dict[str, Any], definition: str) -> dict[str, Any]:
    return {k: obj[k] for k in _key_order(definition) if k in obj}


def content_hash(aset: dict[str, Any]) -> str:
    """Hash of what an annotator can change in Label Studio (everything but created/updated)."""
    body = {k: v for k, v in aset.items() if k not in ("created", "updated")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# repo -> Label Studio


#: Region kinds whose labels item keeps a copy of its text: the actors. A claim or stance points at its
#: actor across Text objects by picking it in the editor's Regions list, which shows a region's text
#: only when the result carries it (Label Studio 1.23 does not derive it); claims and evidence are read
#: on their own layer's highlighted text, so they go without.
_TEXT_SHOWN = (C.ENTITY, C.SOURCE)


def _natural(items: list[dict[str, Any]], prefix: str) -> bool:
    """The items' ids are `<prefix><k>` with k increasing: their order is derived from the ids, no `n` needed."""
    nums = [int(m.group(2)) if (m := _LOCAL_ID.match(str(x["id"]))) and m.group(1) == prefix else -1 for x in items]
    return all(n >= 0 for n in nums) and all(a < b for a, b in pairwise(nums))


def _labels_item(rid: str, control: str, span: dict[str, Any], label: str, meta: dict[str, Any]) -> dict[str, Any]:
    """A region: offsets, the text for actors only (see `_TEXT_SHOWN`; pull recomputes every text from the offsets)."""
    value = {"start": span["start"], "end": span["end"], **({"text": span["text"]} if control in _TEXT_SHOWN else {})}
    item = {"id": rid, "from_name": control, "to_name": C.object_of(control), "type": "labels", "value": {**value, "labels": [label]}}
    return {**item, "meta": meta} if meta else item


#: The key of a widget result's values, by result type (a Taxonomy stores paths of aliases: one each here).
_VALUE_KEY = {"choices": "choices", "textarea": "text", "taxonomy": "taxonomy"}


def _widget(rid: str, control: str, kind: str, values: list[str]) -> dict[str, Any]:
    """A per-region widget (the region's offsets are on its labels item, which comes first) or a document-level choice."""
    value: dict[str, Any] = {_VALUE_KEY[kind]: [[v] for v in values] if kind == "taxonomy" else values}
    return {"id": rid, "from_name": control, "to_name": C.object_of(control), "type": kind, "value": value}


def _with_paragraphs(span: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """A region's meta with its span's multi_paragraph, when the span has one (it has no widget)."""
    return {**meta, "multi_paragraph": span["multi_paragraph"]} if "multi_paragraph" in span else meta


def _relation(from_id: str, to_id: str, label: str) -> dict[str, Any]:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "labels": [label]}  # direction: the editor's default, right


def set_to_regions(aset: dict[str, Any]) -> list[dict[str, Any]]:
    """The Label Studio result of one annotation set (provenance goes to the task meta, see `provenance`)."""
    out: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    order = {found.name: not _natural(aset[found.name], found.prefix) for found in layers()}  # explicit `n` only when needed
    for j, m in enumerate(aset["entities"]):
        out.append(_labels_item(m["id"], C.ENTITY, m, m["label"], {"n": j} if order["entities"] else {}))
        out.append(_widget(m["id"], C.ENTITY_ID, "taxonomy", [m["entity"]]))

    sources: dict[str, str] = {}

    def source_id(actor: dict[str, Any]) -> str:
        span = actor["span"]
        key = json.dumps([span["start"], span["end"], actor["description"], span.get("multi_paragraph")])
        if key not in sources:
            rid = sources[key] = f"u{len(sources) + 1}"
            out.append(_labels_item(rid, C.SOURCE, span, C.SOURCE_LABEL, _with_paragraphs(span, {})))
            out.append(_widget(rid, C.DESCRIPTION, "textarea", [actor["description"]]))
        return sources[key]

    def link(rid: str, actor: dict[str, Any], label: str, meta: dict[str, Any], key: str) -> None:
        if actor["kind"] == "entity" and "mention" in actor:
            relations.append(_relation(rid, actor["mention"], label))
            meta["linked"] = True
        elif actor["kind"] == "unnamed":
            relations.append(_relation(rid, source_id(actor), label))
            meta["linked"] = True
        elif actor["kind"] == "entity":
            meta[key] = actor  # a registered entity the article does not name: no region to point at

    for j, c in enumerate(aset["claims"]):
        meta = _with_paragraphs(c, {"n": j} if order["claims"] else {})
        link(c["id"], c["claimant"], C.REL_CLAIMANT, meta, "claimant")
        out.append(_labels_item(c["id"], C.CLAIM, c, c["type"], meta))
        out.append(_widget(c["id"], C.CHECKWORTHINESS, "choices", [c["checkworthiness"]]))
        out.append(_widget(c["id"], C.ATTRIBUTION, "choices", [c["attribution"]]))
        if c["hedged"]:
            out.append(_widget(c["id"], C.HEDGED, "choices", [C.HEDGED_CHOICE]))
        if c["clusters"]:
            out.append(_widget(c["id"], C.CLUSTERS, "taxonomy", c["clusters"]))

    for n, st in enumerate(aset["stances"]):
        for k, ev in enumerate(st["evidence"]):
            rid = f"{st['id']}_{k}"
            meta = {} if _evidence_id(rid) == (st["id"], k) else {"stance": st["id"], "k": k}
            meta = _with_paragraphs(ev, {**meta, "n": n} if order["stances"] else meta)
            if "note" in st and k == 0:
                meta["note"] = st["note"]
            link(rid, st["holder"], C.REL_HOLDER, meta, "holder")
            out.append(_labels_item(rid, C.EVIDENCE, ev, st["label"], meta))
            out.append(_widget(rid, C.TARGET, "choices", [st["target"]]))
            out.append(_widget(rid, C.EVIDENCE_ATTRIBUTION, "choices", [st["attribution"]]))
        if st["holder"]["kind"] == "author":
            out.append(_widget(DOC_STANCE_ID + st["target"], C.DOC_STANCE_PREFIX + st["target"], "choices", [st["label"]]))
    return out + relations


def provenance(aset: dict[str, Any]) -> dict[str, Any]:
    """What the task meta keeps of one set: the fields without a widget, and the hash of its content."""
    return {**{k: aset[k] for k in PROVENANCE if k in aset}, "content_sha256": content_hash(aset)}


# ---------------------------------------------------------------------------------------------
# Label Studio -> repo


@dataclass
class _Region:
    rid: str
    control: str
    start: int
    end: int
    label: str
    meta: dict[str, Any]
    widgets: dict[str, list[str]] = field(default_factory=dict)
    final_id: str | None = None
    entity: str | None = None  # canonical entity id of an entity region, resolved once (see _entity_of)

    def name(self, text: str) -> str:
        """How a message names the region: its kind, id and text."""
        kind = {C.ENTITY: "entity", C.CLAIM: "claim", C.EVIDENCE: "stance evidence", C.SOURCE: "unnamed source"}.get(self.control, "region")
        rid = self.meta.get("stance") if self.control == C.EVIDENCE and isinstance(self.meta.get("stance"), str) else None
        return f"{kind} {rid or self.final_id or self.rid} {ownership.quote(text[self.start : self.end])} ({self.start}:{self.end})"

    def span(self, text: str) -> dict[str, Any]:
        return _with_paragraphs(self.meta, {"start": self.start, "end": self.end, "text": text[self.start : self.end]})

    def one(self, control: str, what: str, required: bool = True, strip: bool = True) -> str | None:
        """The single value of a per-region widget; ids are stripped of stray blanks, free text is kept as typed."""
        values = [v.strip() if isinstance(v, str) and strip else v for v in self.widgets.get(control, [])]
        values = [v for v in values if isinstance(v, str) and v.strip()]
        if len(values) > 1:
            raise ConvertError(f"region {self.rid} ({self.start}:{self.end}): expected one {what}, found {values}")
        if not values:
            if required:
                raise ConvertError(f"region {self.rid} ({self.start}:{self.end}): expected a {what}, found none")
            return None
        return values[0]


def widget_values(item: dict[str, Any]) -> list[Any]:
    """The values of a widget result: a Choices' choices, a TextArea's texts, a Taxonomy's picked option each
    (the last alias of its path). Entity ids came as choices before the Taxonomy (projects made then), as
    taxonomy paths since; both read the same."""
    value = item.get("value") if isinstance(item.get("value"), dict) else {}
    vals = value.get(_VALUE_KEY.get(str(item.get("type")), "choices"))
    if not isinstance(vals, list):
        return []
    if item.get("type") == "taxonomy":
        return [path[-1] if isinstance(path, list) and path else path for path in vals]
    return vals


def _cluster_ids(picked: list[Any], typed: list[Any]) -> list[str]:
    """A claim's clusters: picked in the clusters Taxonomy, then any typed in the free-text box of configs
    before it (comma- or blank-separated); first use kept."""
    ids = [v.strip() for v in picked if isinstance(v, str) and v.strip()]
    ids += [part for v in typed if isinstance(v, str) for part in v.replace(",", " ").split()]
    return list(dict.fromkeys(ids))


def _as_int(value: Any, rid: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConvertError(f"region {rid}: expected an integer {key} offset, found {value!r}")
    return value


#: What a region without a label is told (by pull and by the submission check).
NO_LABEL = "has no label; give it one or delete it"


def shown_text(value: dict[str, Any], text: str) -> str:
    """The text a region's value covers, to name it in a message: at its offsets, else as sent."""
    start, end = value.get("start"), value.get("end")
    return text[start:end] if isinstance(start, int) and isinstance(end, int) else str(value.get("text") or "")


def _region(item: dict[str, Any], text: str, warnings: list[str]) -> _Region:
    """A labelled region of the result, its offsets checked (its `value.text` only compared: see `warnings`)."""
    rid, value = str(item.get("id")), item.get("value") or {}
    labels = value.get("labels") or []
    if len(labels) != 1:
        what = NO_LABEL if not labels else f"expected exactly one label, found {labels}"
        raise ConvertError(f"region {rid} {ownership.quote(shown_text(value, text))}: {what}")
    start, end = _as_int(value.get("start"), rid, "start"), _as_int(value.get("end"), rid, "end")
    if not 0 <= start < end <= len(text):
        raise ConvertError(f"region {rid}: expected offsets inside 0..{len(text)} with start < end, found {start}:{end}")
    shown = value.get("text")
    # the editor sends "" back for a region pushed without its text (claims, evidence: see
    # `_TEXT_SHOWN`): that is no mismatch, and ~290 such lines per pull buried the real ones
    if shown not in (None, "") and shown != text[start:end]:
        warnings.append(
            f"region {rid} {start}:{end}: value.text {json.dumps(shown, ensure_ascii=False)[:60]} "
            f"differs from the text at the offsets; used the offsets"
        )
    meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
    return _Region(rid, item["from_name"], start, end, labels[0], _derived(item["from_name"], rid, meta))


def _collect(
    result: list[dict[str, Any]], text: str, warnings: list[str]
) -> tuple[dict[str, _Region], list[dict[str, Any]], dict[str, str]]:
    if not isinstance(result, list):
        raise ConvertError(f"expected a list of result items, found {type(result).__name__}")
    regions: dict[str, _Region] = {}
    widgets: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    doc: dict[str, str] = {}
    for item in result:
        if not isinstance(item, dict):
            raise ConvertError(f"expected a result item object, found {type(item).__name__}")
        if item.get("type") == "relation":
            relations.append(item)
        elif item.get("type") == "labels" and str(item.get("from_name")) in C.REQUIRED_WIDGETS:
            if str(item.get("id")) in regions and len((item.get("value") or {}).get("labels") or []) == 1:
                raise ConvertError(f"region {item.get('id')}: two labelled regions share this id")
            region = _region(item, text, warnings)
            regions[region.rid] = region
        elif item.get("type") in _VALUE_KEY:
            widgets.append(item)
    for item in widgets:  # per-region (its id is a region's; pushed without offsets) or document-level
        rid = str(item.get("id"))
        region = regions.get(rid)
        value = item.get("value") or {}
        vals = widget_values(item)
        if region is None and "start" not in value and item.get("from_name"):
            if vals:
                doc[item["from_name"]] = vals[0]
            continue
        if region is None:
            raise ConvertError(f"per-region {item.get('from_name')} {rid}: no labelled region with this id")
        control = item["from_name"]
        if control == C.ATTRIBUTION and region.control == C.EVIDENCE:
            control = C.EVIDENCE_ATTRIBUTION  # pushed before the stance layer had its own attribution control
        region.widgets.setdefault(control, []).extend(vals or [])
    return regions, relations, doc


def _evidence_id(rid: str) -> tuple[str, int] | None:
    m = _EVIDENCE_ID.match(rid)
    return (m.group(1), int(m.group(2))) if m else None


def _derived(control: str, rid: str, meta: dict[str, Any]) -> dict[str, Any]:
    """A region's order keys (`n`, and `stance`/`k` of evidence), from its meta or else from its pushed id.

    The lean payload leaves them out when the id says it all: `e7` is the 7th mention in id order,
    `s3_1` the second evidence span of stance s3. Regions drawn in the editor have random ids: no keys.
    """
    meta = dict(meta)
    if control == C.EVIDENCE and "stance" not in meta and (ev := _evidence_id(rid)):
        meta["stance"], meta["k"] = ev
    own = meta.get("stance") if control == C.EVIDENCE else rid  # the item id the region's order follows
    m = _LOCAL_ID.match(own) if isinstance(own, str) and control != C.SOURCE else None
    if "n" not in meta and m and (control == C.EVIDENCE or m.group(1) == C.REGION_LAYERS[control].prefix):
        meta["n"] = int(m.group(2))
    return meta


def _numbered(regions: dict[str, _Region], control: str) -> list[_Region]:
    """The regions of one layer in order (pushed ones in their old order, then new ones by position), each with
    its schema id: the one it was pushed with, else the next free one."""
    prefix = C.REGION_LAYERS[control].prefix
    ordered = sorted((r for r in regions.values() if r.control == control), key=_sort_key)
    used = {r.rid for r in ordered if _LOCAL_ID.match(r.rid) and r.rid[0] == prefix}
    taken: set[str] = set()
    top = max((int(r[1:]) for r in used), default=0)
    for r in ordered:
        if r.rid in used and r.rid not in taken:
            r.final_id = r.rid
        else:
            top += 1
            r.final_id = f"{prefix}{top}"
        taken.add(r.final_id)
    return ordered


def _actor(region: _Region, relations: list[dict[str, Any]], regions: dict[str, _Region], text: str, meta_key: str) -> dict[str, Any]:
    """The claimant or holder of a claim/evidence region: the region a relation links it to, else meta, else the author."""
    ends = []
    for rel in relations:
        a, b = str(rel.get("from_id")), str(rel.get("to_id"))
        other = b if a == region.rid else a if b == region.rid else None
        if other is not None and other not in regions:
            raise ConvertError(f"{region.name(text)}: its {meta_key} relation points to region {other}, which was deleted; draw it again")
        if other is not None and regions[other].control in (C.ENTITY, C.SOURCE):
            ends.append(other)
    ends = list(dict.fromkeys(ends))
    if len(ends) > 1:
        raise ConvertError(
            f"region {region.rid} ({region.start}:{region.end}): expected one {meta_key} relation, found {len(ends)} ({', '.join(ends)})"
        )
    if ends:
        target = regions[ends[0]]
        if target.control == C.ENTITY:
            return {"kind": "entity", "entity": target.entity, "mention": target.final_id}
        return {
            "kind": "unnamed",
            "description": target.one(C.DESCRIPTION, "description of the unnamed source", strip=False),
            "span": target.span(text),
        }
    actor = region.meta.get(meta_key)
    if isinstance(actor, dict) and actor.get("kind") == "entity":
        return dict(actor)
    if region.meta.get("linked"):
        raise ConvertError(
            f"{region.name(text)}: lost its {meta_key} (the mention it pointed to was deleted); "
            f"draw a {meta_key} relation to who {'makes the claim' if meta_key == 'claimant' else 'holds the stance'}"
        )
    return {"kind": "author"}


#: An RFC 3339 date-time as a server may send it (fraction and zone optional: Label Studio writes
#: `2026-01-02T03:04:05.123456Z`, some versions leave the zone out, meaning UTC).
_SERVER_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(?P<zone>[Zz]|[+-]\d{2}:\d{2})?")


def _time(value: str) -> str:
    """A server's date-time as the files write it, in UTC: `2026-01-02T03:04:05Z`.

    A value that is not an RFC 3339 date-time (a compact `20260102T030405Z`, a week date) is kept
    as it came, so the schema's date-time pattern refuses it with its pointer before anything is
    written: a hostile or broken server's date never reaches annotations/ (issue 27).
    """
    m = _SERVER_TIME.fullmatch(value)
    if m is None:
        return value
    zone = m["zone"] or "Z"
    try:
        when = datetime.fromisoformat(f"{m[1]}T{m[2]}{'+00:00' if zone in 'Zz' else zone}")
    except ValueError:
        return value
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def completed_by(annotation: dict[str, Any]) -> int | None:
    """The user id of an annotation: the export gives an int, the task API an object."""
    cb = annotation.get("completed_by")
    return cb.get("id") if isinstance(cb, dict) else cb


def annotator_name(username: str | None, email: str | None) -> str:
    """A pseudonymous annotator id from a Label Studio user: the username if valid, else the e-mail's local part."""
    if username and _ANNOTATOR.match(username):
        return username
    local = (email or "").split("@", 1)[0].lower()
    local = re.sub(r"[^a-z0-9_.-]+", "_", local).lstrip("0123456789_.-")
    if not local:
        raise ConvertError(f"cannot derive an annotator id from user {username or email!r}")
    return local


def regions_to_set(
    result: list[dict[str, Any]],
    text: str,
    annotator: str,
    prov: dict[str, Any] | None,
    *,
    created_at: str,
    updated_at: str,
    guideline_version: str,
) -> Conversion:
    """One annotation set from a Label Studio result; `prov` is the task meta's record for this annotator.

    `updated` stays as recorded when the content is unchanged since the push, else becomes
    Label Studio's updated_at, so a round trip without edits reproduces the file byte for byte.
    """
    warnings: list[str] = []
    regions, relations, doc = _collect(result, text, warnings)
    proposals: dict[str, dict[str, Any]] = {}
    entities = []
    for r in _numbered(regions, C.ENTITY):
        r.entity = _entity_of(r, text, proposals)
        entities.append(
            {"id": r.final_id, "start": r.start, "end": r.end, "text": text[r.start : r.end], "label": r.label, "entity": r.entity}
        )
    claims = [_claim(r, relations, regions, text, proposals) for r in _numbered(regions, C.CLAIM)]
    stances = _stances([r for r in regions.values() if r.control == C.EVIDENCE], relations, regions, text, doc)
    prov = prov or {}
    # the task meta's record wins (an adjudicated set's adjudication rides there too; validate re-checks it)
    aset = {"annotator": annotator, "guideline_version": guideline_version, "created": _time(created_at), "updated": _time(updated_at)}
    aset |= {k: prov[k] for k in PROVENANCE if k in prov}
    aset["status"] = ownership.status_from_provenance(prov)
    aset = _ordered({**aset, "entities": entities, "stances": stances, "claims": claims}, "annotation_set")
    if prov and prov.get("content_sha256") != content_hash(aset):
        aset["updated"] = max(_time(updated_at), aset["created"])
    return Conversion(aset, warnings, list(proposals.values()))


def _claim(
    r: _Region, relations: list[dict[str, Any]], regions: dict[str, _Region], text: str, proposals: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A claim from its region: the claimant, the widgets' values, the clusters picked, typed or proposed."""
    c: dict[str, Any] = {"id": r.final_id, **r.span(text), "claimant": _actor(r, relations, regions, text, "claimant")}
    c["attribution"] = r.one(C.ATTRIBUTION, "attribution")
    c["type"] = r.label
    c["checkworthiness"] = r.one(C.CHECKWORTHINESS, "checkworthiness")
    c["hedged"] = C.HEDGED_CHOICE in r.widgets.get(C.HEDGED, [])
    c["clusters"] = _cluster_ids(r.widgets.get(C.CLUSTERS, []), r.widgets.get(C.CLUSTER, []))
    if (summary := r.one(C.CLUSTER_NEW, "new cluster summary", required=False, strip=False)) is not None:
        # the kind of cluster a claim may join (GUIDELINES 4.6): non_factual for non_factual claims, else factual
        kind = "non_factual" if c["checkworthiness"] == "non_factual" else "factual"
        c["clusters"] = list(dict.fromkeys([*c["clusters"], _propose(r, text, proposals, ownership.proposed_cluster(summary, kind))["id"]]))
    return _ordered(c, "claim")


def _entity_of(region: _Region, text: str, proposals: dict[str, dict[str, Any]]) -> str:
    """The canonical entity of a mention: a registry id picked in the editor, or a proposed new entity."""
    chosen = region.one(C.ENTITY_ID, "entity_id")
    if chosen != C.NEW_ENTITY:
        return chosen
    name = region.one(C.ENTITY_NAME, "name", required=False, strip=False)
    if name is None or not name.strip():
        raise ConvertError(f"{region.name(text)}: new_entity chosen but no name typed; type the entity's name under the choice")
    return _propose(region, text, proposals, ownership.proposed_entity(name, region.label))["id"]


def _propose(region: _Region, text: str, proposals: dict[str, dict[str, Any]], prop: dict[str, Any]) -> dict[str, Any]:
    """Record a registry entry proposed in the editor (an entity or a claim cluster); one id, one meaning per set."""
    have = proposals.get(prop["id"])
    key = "type" if "type" in prop else "kind"
    if have is not None and have.get(key) != prop[key]:
        what = f"entity {prop['name']!r}" if key == "type" else f"cluster {prop['summary']!r}"
        raise ConvertError(f"{region.name(text)}: proposed {what} is {prop[key]} here but {have.get(key)} elsewhere")
    proposals.setdefault(prop["id"], prop)
    return prop


def _canonical(obj: Any) -> str:
    """A comparison key of plain JSON data (orjson: C speed; the stdlib for what orjson declines, e.g. a lone surrogate)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(obj, sort_keys=True)


def _stances(
    evidence: list[_Region], relations: list[dict[str, Any]], regions: dict[str, _Region], text: str, doc: dict[str, str]
) -> list[dict[str, Any]]:
    """The stances of the evidence regions: grouped by the stance id they were pushed with, new ones by holder
    and target; the regions of one stance must agree, and an authorial stance with the article-level choice."""
    groups: dict[tuple[str, str], tuple[tuple[str, str, str, str], dict[str, Any], list[_Region]]] = {}
    for r in evidence:
        holder = _actor(r, relations, regions, text, "holder")
        target, attribution = r.one(C.TARGET, "stance target"), r.one(C.EVIDENCE_ATTRIBUTION, "attribution")
        sid = r.meta.get("stance")
        key = ("known", sid) if isinstance(sid, str) and _LOCAL_ID.match(sid) else ("new", _canonical([holder, target]))
        fact = (_canonical(holder), target, attribution, r.label)
        have, _holder, regs = groups.setdefault(key, (fact, holder, []))
        if have != fact:
            what = [n for n, a, b in zip(("holder", "target", "attribution", "label"), have, fact, strict=True) if a != b]
            raise ConvertError(
                f"evidence regions of stance {sid or 'new'} disagree on {', '.join(what)} (region {r.rid} at {r.start}:{r.end})"
            )
        regs.append(r)
    top = max((int(sid[1:]) for kind, sid in groups if kind == "known"), default=0)
    out, authorial = [], set()
    for (kind, sid), ((_, target, attribution, label), holder, regs) in sorted(
        groups.items(), key=lambda kv: min(map(_sort_key, kv[1][2]))
    ):
        if kind == "new":
            top += 1
            sid = f"{C.REGION_LAYERS[C.EVIDENCE].prefix}{top}"
        if holder["kind"] == "author":
            authorial.add(target)
            chosen = doc.get(C.DOC_STANCE_PREFIX + target)
            if chosen is not None and chosen != label:
                raise ConvertError(
                    f"article stance toward {target}: the document choice says "
                    f"{chosen!r} but its evidence regions say {label!r}; make them agree"
                )
        regs = sorted(regs, key=lambda r: _sort_key(r, "k"))
        evidence = [r.span(text) for r in regs]
        st = {"id": sid, "holder": holder, "target": target, "label": label, "attribution": attribution, "evidence": evidence}
        if (note := next((r.meta["note"] for r in regs if isinstance(r.meta.get("note"), str)), None)) is not None:
            st["note"] = note
        out.append(_ordered(st, "stance"))
    for name in doc:
        target = name.removeprefix(C.DOC_STANCE_PREFIX)
        if target != name and target not in authorial:
            raise ConvertError(f"article stance toward {target}: chosen but no evidence span; label one with the evidence labels")
    return out


def _sort_key(r: _Region, meta_key: str = "n") -> tuple[int, int, int, int, str]:
    n = r.meta.get(meta_key)
    known = isinstance(n, int) and not isinstance(n, bool)
    return (0 if known else 1, n if known else 0, r.start, r.end, r.rid)


def set_diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    """A short human summary of how two versions of a set differ, for conflict messages."""
    if old is None or new is None:
        return "only on one side"
    parts = []
    for section in layer_names():
        a = {x["id"]: x for x in old[section]}
        b = {x["id"]: x for x in new[section]}
        added = len(b.keys() - a.keys())
        removed = len(a.keys() - b.keys())
        changed = sorted(k for k in a.keys() & b.keys() if a[k] != b[k])
        bits = [f"+{added}" if added else "", f"-{removed}" if removed else "", f"changed {', '.join(changed[:5])}" if changed else ""]
        if any(bits):
            parts.append(f"{section} {' '.join(b for b in bits if b)}")
    for key in ("status", "guideline_version", "note"):
        if old.get(key) != new.get(key):
            parts.append(f"{key} {old.get(key)!r} -> {new.get(key)!r}")
    return "; ".join(parts) or "same content"
