"""The Label Studio labelling config, generated from the schema's label sets and the registry.

Nothing here lists a label: entity types, claim types, check-worthiness classes, attributions and
stance labels come from `cartel_fto_corpus.truth.schema.label_set`; stance targets and canonical
entities from the registry. Which label sets an annotation file uses is read from the annotation
schema itself, so a new label set there shows up in the interface (and in the config test).

Three layers, one job at a time: a `layer` choice on top (entities / claims / stance) shows only that
layer's label buttons, its own copy of the text (one Text object per layer, `LAYER_OBJECTS`), so only
that layer's highlights are drawn, and the per-region widgets of the selected region, each under its own
heading. Entity mentions and unnamed sources (the actors) live on the entities text; a claim or stance
points at its actor by a relation across Text objects, drawn by picking the actor in the Regions list
(Label Studio 1.23 keeps relations between regions of different objects). `object_of` says which Text
object a control's results belong to; `convert` asks it, so the mapping is written once.
Every region kind is its own Labels control, so one span can carry several kinds:
- `entity` (entity_label): entity mentions; per region `entity_id`, a drop-down of the registry's
  entities plus `new_entity` (then `entity_name` names the proposed entity).
- `claim` (claim_type): claims; per region `checkworthiness`, `attribution`, `hedged`, `cluster`
  (the claim's cluster ids, comma-separated).
- `evidence` (stance_label): stance evidence; per region `target`, `stance_attribution` (its own control
  on the stance text: a per-region widget works only on regions of the object it names).
- `source` (one structural label, on the entities layer with the other actors): the words naming an
  unnamed source; per region `description`.
- relations `claimant` (claim -> actor region) and `holder` (evidence -> actor region).
- per document: one `stance__<target>` choice per registry target for the article's own stance.
`status` has no widget: a set made in the editor is its annotator's draft; gold is decided by
adjudication in the repository (see `ownership`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any
from xml.sax.saxutils import quoteattr as _quoteattr

from cartel_fto_corpus.truth.schema import LABEL_SET_NAMES, label_set, load_schemas

TEXT = "text"  # the task data key holding the document text (every layer's Text object shows it)
#: The task data key the submission check (`submit_check`, via `ls serve`'s webhook receiver) writes the
#: problems of the last submission into; a Header at the top of the task shows it.
PROBLEMS = "problems"
ENTITY, CLAIM, EVIDENCE, SOURCE = "entity", "claim", "evidence", "source"
ENTITY_ID, CHECKWORTHINESS, ATTRIBUTION, HEDGED, CLUSTER = "entity_id", "checkworthiness", "attribution", "hedged", "cluster"
TARGET, DESCRIPTION, STATUS = "target", "description", "status"
ENTITY_NAME, LAYER, TITLE = "entity_name", "layer", "title"
#: The attribution of stance evidence: its own control on the stance layer's Text object. A per-region
#: widget applies only to regions of the object it names (`toName`): one `attribution` control on the
#: claims text left a new evidence span with a heading and no choices (issue 23 point 1).
EVIDENCE_ATTRIBUTION = "stance_attribution"
DOC_STANCE_PREFIX = "stance__"
#: Structural values that are not schema labels (the config test allows exactly these besides the schema's).
SOURCE_LABEL = "unnamed_source"
HEDGED_CHOICE = "hedged"
NEW_ENTITY = "new_entity"
REL_CLAIMANT, REL_HOLDER = "claimant", "holder"
LAYERS = ("entities", "claims", "stance")
STRUCTURAL_VALUES = {
    SOURCE: (SOURCE_LABEL,),
    HEDGED: (HEDGED_CHOICE,),
    "relations": (REL_CLAIMANT, REL_HOLDER),
    ENTITY_ID: (NEW_ENTITY,),
    LAYER: LAYERS,
}

#: Labels control -> label set it shows.
REGION_LABEL_SETS = {ENTITY: "entity_label", CLAIM: "claim_type", EVIDENCE: "stance_label"}
#: Choices control -> label set it shows (document-level stance choices use stance_label too).
CHOICE_LABEL_SETS = {CHECKWORTHINESS: "checkworthiness", ATTRIBUTION: "attribution", EVIDENCE_ATTRIBUTION: "attribution"}
#: Label sets of an annotation file that deliberately have no widget: status is decided by adjudication.
NOT_IN_EDITOR = ("status",)
#: Hotkeys per region Labels control, in label order; the editor's own keys (u, h, l, r, ctrl/alt combos) are avoided.
HOTKEYS = {ENTITY: "1234567890", CLAIM: "qwet", EVIDENCE: "asdf", SOURCE: "g"}
LAYER_HOTKEYS = ("z", "x", "c")
#: One Text object per layer, named after it: a region is drawn only on its layer's copy of the text.
#: (Every result item names its object, so the name is short: `text_entities` cost 0.09x the annotation
#: JSON in the payload, issue 13.)
LAYER_OBJECTS = {layer: layer for layer in LAYERS}
#: The layer whose Text object holds a control's regions (actors, entities and unnamed sources, are on entities).
CONTROL_LAYERS = {
    ENTITY: "entities", ENTITY_ID: "entities", ENTITY_NAME: "entities", SOURCE: "entities", DESCRIPTION: "entities", LAYER: "entities",
    CLAIM: "claims", CHECKWORTHINESS: "claims", HEDGED: "claims", CLUSTER: "claims", ATTRIBUTION: "claims",
    EVIDENCE: "stance", TARGET: "stance", EVIDENCE_ATTRIBUTION: "stance",
}  # fmt: skip
#: The per-region widgets of each region kind, in the order they show: every one must be usable on a region
#: drawn from scratch, so each is on its region's Text object (`tests/test_labelstudio_config.py` checks it).
REGION_WIDGETS = {
    ENTITY: (ENTITY_ID, ENTITY_NAME),
    CLAIM: (CHECKWORTHINESS, ATTRIBUTION, HEDGED, CLUSTER),
    EVIDENCE: (TARGET, EVIDENCE_ATTRIBUTION),
    SOURCE: (DESCRIPTION,),
}
#: The per-region widgets a region cannot do without (the others are optional: hedged, cluster, a name only for new_entity).
REQUIRED_WIDGETS = {
    ENTITY: (ENTITY_ID,),
    CLAIM: (CHECKWORTHINESS, ATTRIBUTION),
    EVIDENCE: (TARGET, EVIDENCE_ATTRIBUTION),
    SOURCE: (DESCRIPTION,),
}


#: Characters XML 1.0 cannot hold at all, not even as a character reference: a registry name with
#: one made the config ill-formed and `ls push` failed with HTTP 400 (issue 27). The schema refuses
#: control characters in names; this keeps the config well-formed whatever it is given.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def quoteattr(value: str) -> str:
    """`value` as a quoted XML attribute: markup escaped, characters XML cannot hold as U+FFFD."""
    return _quoteattr(_NOT_XML.sub("\ufffd", value))


def object_of(control: str) -> str:
    """The Text object a control points at (`toName`); document stance choices belong to the stance layer.

    A per-region widget's result takes its region's object instead (attribution serves claims and stance):
    see `convert.set_to_regions`.
    """
    return LAYER_OBJECTS["stance" if control.startswith(DOC_STANCE_PREFIX) else CONTROL_LAYERS[control]]


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
    keys = HOTKEYS.get(name, "")
    inner = "".join(f"<Label value={quoteattr(v)}" + (f' hotkey="{keys[i]}"' if i < len(keys) else "") + "/>" for i, v in enumerate(values))
    return f'<Labels name="{name}" toName="{object_of(name)}">{inner}</Labels>'


def _choices(
    name: str,
    values: Iterable[str | tuple[str, str] | tuple[str, str, str]],
    when: Iterable[str] | None,
    choice: str = "single",
    layout: str | None = None,
) -> str:
    """A Choices control; a value may be (value, hint) or (shown value, hint, alias): the result carries the alias."""
    opts = []
    for v in values:
        value, hint, alias = (v, None, None) if isinstance(v, str) else (v[0], v[1], v[2] if len(v) > 2 else None)
        opts.append(
            f"<Choice value={quoteattr(value)}"
            + (f" alias={quoteattr(alias)}" if alias else "")
            + (f" hint={quoteattr(hint)}" if hint else "")
            + "/>"
        )
    region = f' perRegion="true" visibleWhen="region-selected" whenLabelValue={quoteattr(",".join(when))}' if when is not None else ""
    look = f' layout="{layout}"' if layout else ' showInline="true"'
    return f'<Choices name="{name}" toName="{object_of(name)}" choice="{choice}"{look}{region}>{"".join(opts)}</Choices>'


def _textarea(name: str, when: Iterable[str], placeholder: str) -> str:
    return (
        f'<TextArea name="{name}" toName="{object_of(name)}" perRegion="true" editable="true" maxSubmissions="1" rows="1" '
        f'placeholder={quoteattr(placeholder)} visibleWhen="region-selected" whenLabelValue={quoteattr(",".join(when))}/>'
    )


def _region_box(heading: str, when: Iterable[str], *widgets: str) -> str:
    """Per-region widgets under a heading, shown only while a region of these labels is selected."""
    return (
        f'<View visibleWhen="region-selected" whenLabelValue={quoteattr(",".join(when))}>'
        f'<Header value={quoteattr(heading)} size="5"/>{"".join(widgets)}</View>'
    )


def _when_layer(layer: str) -> str:
    """The View attributes that show a part only on one layer; entities is also what shows before any choice
    (a pre-annotation carries no layer choice, so the editor opens on entities, not on an empty page)."""
    if layer == LAYERS[0]:
        others = ",".join(LAYERS[1:])
        return f'visibleWhen="choice-unselected" whenTagName="{LAYER}" whenChoiceValue="{others}"'
    return f'visibleWhen="choice-selected" whenTagName="{LAYER}" whenChoiceValue="{layer}"'


def _layer(layer: str, heading: str, *inner: str) -> str:
    """A group of label buttons shown only when the annotator works on this layer."""
    return f'<View {_when_layer(layer)}><Header value={quoteattr(heading)} size="4"/>{"".join(inner)}</View>'


def _texts() -> str:
    """One Text object per layer, each in a View shown only on its layer: hidden layers draw nothing.

    `granularity="symbol"`, not `"word"`: word selection snaps to the browser's words, and for it
    "Trump's" is one word, so the possessive that GUIDELINES 1 leaves outside the span could not
    be left out (tests/labelstudio/test_editor.py draws "administration" in "administration's";
    with "word" the region became "administration's"). A span that starts or ends inside a word,
    or takes a final full stop or an emoji, is refused when the set is pulled, by the validator's
    span rules (`truth.spans`), with the pointer and the message `validate` gives.
    """
    return "".join(
        f'<View {_when_layer(layer)}><Text name="{obj}" value="${TEXT}" granularity="symbol"/></View>'
        for layer, obj in LAYER_OBJECTS.items()
    )


#: What the drop-down shows for `new_entity` (its alias, the value results carry, stays `new_entity`).
NEW_ENTITY_SHOWN = "+ new entity (not in the registry: type its name below)"


def entity_shown(entity: dict[str, Any]) -> str:
    """How the registry drop-down shows an entity: name, type and id (the id is what the result carries)."""
    return f"{entity['name']} ({entity['type']}) · {entity['id']}"


def entity_choices(entities: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(shown, hint, id) of every registry entity, sorted by name, then `new_entity`.

    Label Studio 1.23's select shows a Choice's value and stores its alias: the annotator reads names and
    types (57 bare ids were unreadable, issue 23 point 7), the results keep the registry ids as before."""
    out = [(entity_shown(e), e.get("note") or e["name"], e["id"]) for e in sorted(entities, key=lambda e: (e["name"].casefold(), e["id"]))]
    out.append((NEW_ENTITY_SHOWN, "not in the registry: type its name below; it comes back as a proposed entity", NEW_ENTITY))
    return out


def label_config(targets: list[dict[str, Any]], entities: list[dict[str, Any]] | None = None) -> str:
    """The labelling config XML for a registry's stance targets and canonical entities."""
    ents, claims, stances = label_set("entity_label"), label_set("claim_type"), label_set("stance_label")
    all_values = [*ents, *claims, *stances, SOURCE_LABEL]
    if len(set(all_values)) != len(all_values):
        raise ValueError("region labels must be distinct across entity, claim, evidence and source labels")
    layer_choice = "".join(
        f'<Choice value="{v}" hotkey="{k}"' + (' selected="true"' if i == 0 else "") + "/>"
        for i, (v, k) in enumerate(zip(LAYERS, LAYER_HOTKEYS, strict=True))
    )
    parts = [
        "<View>",
        f'<Header value="${TITLE}"/>',
        f'<Header value="${PROBLEMS}" size="6"/>',
        "<View>",
        '<Header value="Layer: one job at a time" size="6"/>',
        f'<Choices name="{LAYER}" toName="{object_of(LAYER)}" choice="single-radio" showInline="true">{layer_choice}</Choices>',
        _layer("entities", "Entities: select the words, press a type, pick the registry entity", _labels(ENTITY, ents)),
        _layer("entities", "Unnamed source (a claimant or holder the article does not name)", _labels(SOURCE, [SOURCE_LABEL])),
        _layer(
            "claims",
            "Claims: select the claim, press its type; claimant: press Create Relation (alt+r), click the speaker in the Regions list",
            _labels(CLAIM, claims),
        ),
        _layer(
            "stance",
            "Stance: select the evidence, press the stance; holder: press Create Relation (alt+r), click the holder in the Regions list",
            _labels(EVIDENCE, stances),
        ),
        "</View>",
        _texts(),
        f'<Relations><Relation value="{REL_CLAIMANT}"/><Relation value="{REL_HOLDER}"/></Relations>',
        _region_box(
            "Canonical entity (registry)",
            ents,
            _choices(ENTITY_ID, entity_choices(entities or []), ents, layout="select"),
            _textarea(ENTITY_NAME, ents, "only for new_entity: the entity's name"),
        ),
        _region_box("Check-worthiness of the claim", claims, _choices(CHECKWORTHINESS, label_set("checkworthiness"), claims)),
        _region_box(
            "Attribution of the claim (how it reaches the reader)", claims, _choices(ATTRIBUTION, label_set("attribution"), claims)
        ),
        _region_box("Hedged?", claims, _choices(HEDGED, [HEDGED_CHOICE], claims, choice="multiple")),
        _region_box(
            "Claim clusters (registry ids, comma-separated; empty: none)",
            claims,
            _textarea(CLUSTER, claims, "claim cluster ids, comma-separated (empty: none)"),
        ),
        _region_box("Stance target", stances, _choices(TARGET, [(t["id"], t["name"]) for t in targets], stances)),
        _region_box(
            "Attribution of the stance (how it reaches the reader)",
            stances,
            _choices(EVIDENCE_ATTRIBUTION, label_set("attribution"), stances),
        ),
        _region_box(
            "Who is the unnamed source?", [SOURCE_LABEL], _textarea(DESCRIPTION, [SOURCE_LABEL], "short description of the unnamed source")
        ),
    ]
    for t in targets:
        parts.append(
            f"<View {_when_layer('stance')}>"
            f'<Header value={quoteattr("Article stance toward: " + t["name"])} size="6"/>'
            + _choices(DOC_STANCE_PREFIX + t["id"], stances, None)
            + "</View>"
        )
    parts.append("</View>")
    return "\n".join(parts)  # no trailing newline: Label Studio strips it, and push compares configs
