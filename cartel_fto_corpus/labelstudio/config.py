"""The Label Studio labelling config, generated from the schema's label sets and the registry.

Nothing here lists a label: entity types, claim types, check-worthiness classes, attributions,
stance labels and statuses all come from `cartel_fto_corpus.truth.schema.label_set`, stance targets
from the registry. Which label sets an annotation file uses is read from the annotation schema
itself, so a new label set there shows up in the interface (and in the config test).

Layout (every region kind is its own Labels control, so one span can carry several kinds):
- `entity` (entity_label): entity mentions; per region `entity_id` (canonical registry id).
- `claim` (claim_type): claims; per region `checkworthiness`, `attribution`, `hedged`, `cluster`
  (the claim's cluster ids, comma-separated).
- `evidence` (stance_label): stance evidence; per region `target`, `attribution`.
- `source` (one structural label): the words naming an unnamed source; per region `description`.
- relations `claimant` (claim -> actor region) and `holder` (evidence -> actor region).
- per document: `status` (status) and one `stance__<target>` choice per registry target for the
  article's own (authorial) stance.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any
from xml.sax.saxutils import quoteattr

from cartel_fto_corpus.truth.schema import LABEL_SET_NAMES, label_set, load_schemas

TEXT = "text"  # the object tag and the task data key holding the document text
ENTITY, CLAIM, EVIDENCE, SOURCE = "entity", "claim", "evidence", "source"
ENTITY_ID, CHECKWORTHINESS, ATTRIBUTION, HEDGED, CLUSTER = "entity_id", "checkworthiness", "attribution", "hedged", "cluster"
TARGET, DESCRIPTION, STATUS = "target", "description", "status"
DOC_STANCE_PREFIX = "stance__"
#: Structural values that are not schema labels (the config test allows exactly these besides the schema's).
SOURCE_LABEL = "unnamed_source"
HEDGED_CHOICE = "hedged"
REL_CLAIMANT, REL_HOLDER = "claimant", "holder"
STRUCTURAL_VALUES = {SOURCE: (SOURCE_LABEL,), HEDGED: (HEDGED_CHOICE,), "relations": (REL_CLAIMANT, REL_HOLDER)}

#: Labels control -> label set it shows.
REGION_LABEL_SETS = {ENTITY: "entity_label", CLAIM: "claim_type", EVIDENCE: "stance_label"}
#: Choices control -> label set it shows (document-level stance choices use stance_label too).
CHOICE_LABEL_SETS = {CHECKWORTHINESS: "checkworthiness", ATTRIBUTION: "attribution", STATUS: "status"}


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


@cache
def annotation_label_sets() -> tuple[str, ...]:
    """Label sets an annotation file can contain, found by following the annotation schema's $refs.

    org_type and quality_flag belong to the registry and the manifest, which Label Studio never edits.
    """
    schemas = load_schemas()
    common = schemas["common"]["$defs"]
    seen: set[str] = set()
    todo = list(_refs(schemas["annotation"]))
    while todo:
        name = todo.pop().rsplit("/", 1)[-1]
        if name in seen or name not in common:
            continue
        seen.add(name)
        todo.extend(_refs(common[name]))
    return tuple(n for n in LABEL_SET_NAMES if n in seen)


def _labels(name: str, values: Iterable[str]) -> str:
    inner = "".join(f"<Label value={quoteattr(v)}/>" for v in values)
    return f'<Labels name="{name}" toName="{TEXT}">{inner}</Labels>'


def _choices(name: str, values: Iterable[str | tuple[str, str]], when: Iterable[str] | None, choice: str = "single") -> str:
    opts = []
    for v in values:
        value, hint = v if isinstance(v, tuple) else (v, None)
        opts.append(f"<Choice value={quoteattr(value)}" + (f" hint={quoteattr(hint)}" if hint else "") + "/>")
    region = f' perRegion="true" visibleWhen="region-selected" whenLabelValue={quoteattr(",".join(when))}' if when is not None else ""
    return f'<Choices name="{name}" toName="{TEXT}" choice="{choice}" showInline="true"{region}>{"".join(opts)}</Choices>'


def _textarea(name: str, when: Iterable[str], placeholder: str) -> str:
    return (
        f'<TextArea name="{name}" toName="{TEXT}" perRegion="true" editable="true" maxSubmissions="1" rows="1" '
        f'placeholder={quoteattr(placeholder)} visibleWhen="region-selected" whenLabelValue={quoteattr(",".join(when))}/>'
    )


def label_config(targets: list[dict[str, Any]]) -> str:
    """The labelling config XML for a registry's stance targets (ids, names, descriptions)."""
    ents, claims, stances = label_set("entity_label"), label_set("claim_type"), label_set("stance_label")
    all_values = [*ents, *claims, *stances, SOURCE_LABEL]
    if len(set(all_values)) != len(all_values):
        raise ValueError("region labels must be distinct across entity, claim, evidence and source labels")
    parts = [
        "<View>",
        '<Header value="Entity mentions"/>',
        _labels(ENTITY, ents),
        '<Header value="Claims (label = claim type), stance evidence (label = stance), unnamed sources"/>',
        _labels(CLAIM, claims),
        _labels(EVIDENCE, stances),
        _labels(SOURCE, [SOURCE_LABEL]),
        f'<Text name="{TEXT}" value="${TEXT}" granularity="symbol"/>',
        f'<Relations><Relation value="{REL_CLAIMANT}"/><Relation value="{REL_HOLDER}"/></Relations>',
        _textarea(ENTITY_ID, ents, "canonical entity id of the registry"),
        _choices(CHECKWORTHINESS, label_set("checkworthiness"), claims),
        _choices(ATTRIBUTION, label_set("attribution"), [*claims, *stances]),
        _choices(HEDGED, [HEDGED_CHOICE], claims, choice="multiple"),
        _textarea(CLUSTER, claims, "claim cluster ids, comma-separated (empty: none)"),
        _choices(TARGET, [(t["id"], t["name"]) for t in targets], stances),
        _textarea(DESCRIPTION, [SOURCE_LABEL], "short description of the unnamed source"),
        '<Header value="Status of this annotation"/>',
        _choices(STATUS, label_set("status"), None),
    ]
    for t in targets:
        parts.append(f"<Header value={quoteattr('Article stance toward: ' + t['name'])}/>")
        parts.append(_choices(DOC_STANCE_PREFIX + t["id"], stances, None))
    parts.append("</View>")
    return "\n".join(parts)  # no trailing newline: Label Studio strips it, and push compares configs


def config_summary() -> str:
    """Which label set each control shows, for `cartel-fto ls config --explain`."""
    return json.dumps({"labels": REGION_LABEL_SETS, "choices": CHOICE_LABEL_SETS, "structural": STRUCTURAL_VALUES}, indent=2)
