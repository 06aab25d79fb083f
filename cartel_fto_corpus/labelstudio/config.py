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
- `entity` (entity_label): entity mentions; per region `entity_id`, the registry's entities plus
  `new_entity` in a Taxonomy (its drop-down has a search box: type part of a name, pick the entity;
  `entity_name` names a proposed new entity).
- `claim` (claim_type): claims; per region `checkworthiness`, `attribution`, `hedged`, `clusters` (the
  registry's claim clusters of the claim's kind, picked in a Taxonomy with search; `cluster`, the free-text
  ids of configs before, is still read by `convert`).
- `evidence` (stance_label): stance evidence; per region `target`, `stance_attribution` (its own control
  on the stance text: a per-region widget works only on regions of the object it names).
- `source` (one structural label, on the entities layer with the other actors): the words naming an
  unnamed source; per region `description`.
- relations `claimant` (claim -> actor region) and `holder` (evidence -> actor region).
- per document: one `stance__<target>` choice per registry target for the article's own stance, shown on
  the stance layer and submitted whichever layer is open (see `_doc_stances`).
`status` has no widget: a set made in the editor is its annotator's draft; gold is decided by
adjudication in the repository (see `ownership`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any
from xml.sax.saxutils import quoteattr as _quoteattr

from cartel_fto_corpus.labelstudio.hotkeys import assign
from cartel_fto_corpus.truth.layers import Layer
from cartel_fto_corpus.truth.layers import layer as declared_layer
from cartel_fto_corpus.truth.layers import layers as declared_layers
from cartel_fto_corpus.truth.schema import LABEL_SET_NAMES, label_set, load_schemas

TEXT = "text"  # the task data key holding the document text (every layer's Text object shows it)
#: The task data key the submission check (`submit_check`, via `ls serve`'s webhook receiver) writes the
#: problems of the last submission into; a Header at the top of the task shows it.
PROBLEMS = "problems"
ENTITY, CLAIM, EVIDENCE, SOURCE = "entity", "claim", "evidence", "source"
ENTITY_ID, CHECKWORTHINESS, ATTRIBUTION, HEDGED, CLUSTERS = "entity_id", "checkworthiness", "attribution", "hedged", "clusters"
#: The free-text cluster ids of configs before the clusters Taxonomy: no widget any more, still read by `convert`.
CLUSTER = "cluster"
#: A claim cluster the registry lacks: its one-sentence summary, typed; pull proposes it (`ownership.proposed_cluster`).
CLUSTER_NEW = "cluster_new"
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
#: The order the layer choice offers the annotation layers the schema declares (`truth.layers`): actors first.
LAYER_ORDER = ("entities", "claims", "stances")
#: Their Label Studio names, as declared (`x-layer` … `labelstudio`): each is a choice of `layer` and a Text object.
LAYERS = tuple(declared_layer(name).labelstudio for name in LAYER_ORDER)
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
LAYER_HOTKEYS = ("z", "x", "c")
#: Each Labels control's own keyboard row (a layer's labels sit together); a label beyond its row takes a free key.
KEY_ROWS = {ENTITY: "1234567890", SOURCE: "g", CLAIM: "qwertyuiop", EVIDENCE: "asdfghjkl"}


def hotkeys(labels: dict[str, Iterable[str]]) -> dict[str, list[str]]:
    """Each Labels control's label keys, derived (`hotkeys.assign`): distinct, none of Label Studio's own or the layers'."""
    return assign(labels, KEY_ROWS, reserved=set(LAYER_HOTKEYS))


#: One Text object per layer, named after it: a region is drawn only on its layer's copy of the text.
#: (Every result item names its object, so the name is short: `text_entities` cost 0.09x the annotation
#: JSON in the payload, issue 13.)
LAYER_OBJECTS = {layer: layer for layer in LAYERS}
#: The per-region widgets of each region kind, in the order they show: every one must be usable on a region
#: drawn from scratch, so each is on its region's Text object (`tests/test_labelstudio_config.py` checks it).
REGION_WIDGETS = {
    ENTITY: (ENTITY_ID, ENTITY_NAME),
    CLAIM: (CHECKWORTHINESS, ATTRIBUTION, HEDGED, CLUSTERS, CLUSTER_NEW),
    EVIDENCE: (TARGET, EVIDENCE_ATTRIBUTION),
    SOURCE: (DESCRIPTION,),
}
#: Per-region widget -> its region kind.
WIDGET_REGIONS = {widget: region for region, widgets in REGION_WIDGETS.items() for widget in widgets}


def _region_layers() -> dict[str, Layer]:
    """The declared layer of each Labels control: the one whose items take its label set."""
    by_set = {name: found for found in declared_layers() for _pointer, name in found.labels}
    return {control: by_set[name] for control, name in REGION_LABEL_SETS.items()}


#: Labels control -> the layer (`truth.layers`) its regions are items of.
REGION_LAYERS = _region_layers()


def _control_layers() -> dict[str, str]:
    """The layer (Label Studio name) whose Text object holds each control's regions, from the declaration.

    A Labels control is on the layer that declares its label set; the unnamed sources on the layer the others
    point at by relation (the actors: `layer:` references); a per-region widget on its region's layer; the layer
    choice on the first. Read once at import: the labelling config is the package's, whatever corpus is open.
    """
    out = {control: found.labelstudio for control, found in REGION_LAYERS.items()}
    actors = {ref.to for found in declared_layers() for ref in found.references if ref.kind == "layer"}
    (out[SOURCE],) = {declared_layer(name).labelstudio for name in actors}
    for region, widgets in REGION_WIDGETS.items():
        out.update(dict.fromkeys(widgets, out[region]))
    out[CLUSTER] = out[CLAIM]
    out[LAYER] = LAYERS[0]
    return out


#: The layer whose Text object holds a control's regions (actors, entities and unnamed sources, are on entities).
CONTROL_LAYERS = _control_layers()
#: The per-region widgets a region cannot do without: all but hedged, clusters and a name (only for new_entity).
REQUIRED_WIDGETS = {
    region: tuple(w for w in widgets if w not in (HEDGED, CLUSTERS, CLUSTER_NEW, ENTITY_NAME)) for region, widgets in REGION_WIDGETS.items()
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
    return LAYER_OBJECTS[CONTROL_LAYERS[EVIDENCE if control.startswith(DOC_STANCE_PREFIX) else control]]


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


def _labels(name: str, values: Iterable[str], keys: list[str]) -> str:
    inner = "".join(f"<Label value={quoteattr(v)}" + (f' hotkey="{keys[i]}"' if i < len(keys) else "") + "/>" for i, v in enumerate(values))
    return f'<Labels name="{name}" toName="{object_of(name)}">{inner}</Labels>'


def _options(values: Iterable[str | tuple[str, str] | tuple[str, str, str]]) -> str:
    """Choice elements; a value may be (value, hint) or (shown value, hint, alias): the result carries the alias."""
    opts = []
    for v in values:
        value, hint, alias = (v, None, None) if isinstance(v, str) else (v[0], v[1], v[2] if len(v) > 2 else None)
        extra = "".join(f" {key}={quoteattr(x)}" for key, x in (("alias", alias), ("hint", hint)) if x)
        opts.append(f"<Choice value={quoteattr(value)}{extra}/>")
    return "".join(opts)


def _region_labels(region: str) -> tuple[str, ...]:
    """The labels of a region kind: its label set, or the one structural label of unnamed sources."""
    return (SOURCE_LABEL,) if region == SOURCE else label_set(REGION_LABEL_SETS[region])


def _shown_with(region: str) -> str:
    """The attributes that show a part only while a region of this kind is selected."""
    return f'visibleWhen="region-selected" whenLabelValue={quoteattr(",".join(_region_labels(region)))}'


def _choices(name: str, values: Iterable[str | tuple[str, str]] | None = None, choice: str = "single") -> str:
    """A Choices control of its label set (`CHOICE_LABEL_SETS`) or of `values`: per region for a region's widget, else per document."""
    region = f' perRegion="true" {_shown_with(WIDGET_REGIONS[name])}' if name in WIDGET_REGIONS else ""
    opts = _options(label_set(CHOICE_LABEL_SETS[name]) if values is None else values)
    return f'<Choices name="{name}" toName="{object_of(name)}" choice="{choice}" showInline="true"{region}>{opts}</Choices>'


def _taxonomy(name: str, options: Iterable[tuple[str, str, str]], placeholder: str, max_usages: int | None = None) -> str:
    """A per-region Taxonomy: a drop-down with a search box (type part of what an option shows, then pick it).

    Each option is (shown, hint, alias): the Taxonomy stores an option's path of aliases, so a result
    carries `{"taxonomy": [["<id>"]]}`. Label Studio 1.23's `Choices layout="select"` has no search; the
    Taxonomy has, and `perRegion`; `maxUsages="1"` makes it a single choice (untick to change it).
    """
    usages = f' maxUsages="{max_usages}"' if max_usages else ""
    return (
        f'<Taxonomy name="{name}" toName="{object_of(name)}" perRegion="true" {_shown_with(WIDGET_REGIONS[name])} '
        f'placeholder={quoteattr(placeholder)} minWidth="420px"{usages}>{_options(options)}</Taxonomy>'
    )


def _textarea(name: str, placeholder: str) -> str:
    return (
        f'<TextArea name="{name}" toName="{object_of(name)}" perRegion="true" editable="true" maxSubmissions="1" rows="1" '
        f"placeholder={quoteattr(placeholder)} {_shown_with(WIDGET_REGIONS[name])}/>"
    )


def _region_box(heading: str, region: str, *widgets: str) -> str:
    """Per-region widgets under a heading, shown only while a region of this kind is selected."""
    return f'<View {_shown_with(region)}><Header value={quoteattr(heading)} size="5"/>{"".join(widgets)}</View>'


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

    The Taxonomy shows a Choice's value, searches it as typed, and stores its alias: the annotator types part
    of a name and reads names and types (57 bare ids were unreadable, and typing "new" picked `cia`, issue 23
    point 7); the results carry the registry ids."""
    out = [(entity_shown(e), e.get("note") or e["name"], e["id"]) for e in sorted(entities, key=lambda e: (e["name"].casefold(), e["id"]))]
    out.append((NEW_ENTITY_SHOWN, "not in the registry: type its name below; it comes back as a proposed entity", NEW_ENTITY))
    return out


def cluster_choices(clusters: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(shown: summary, kind and id; hint; id) of every registry claim cluster, sorted by id (a claim may be in
    several; clusters were free text, issue 23 point 7)."""
    return [(f"{c['summary']} ({c['kind']}) · {c['id']}", "", c["id"]) for c in sorted(clusters, key=lambda c: c["id"])]


def _doc_stances(targets: list[dict[str, Any]], stances: tuple[str, ...]) -> str:
    """The article's own stance per target, on the stance layer, submitted whichever layer is open.

    Label Studio 1.23 drops, at Submit, the result of a document-level control inside a View shown by
    `visibleWhen="choice-selected"` while that View is hidden (`Result.canBeSubmitted`): inside the stance
    layer's View, an article stance chosen (or pre-annotated) was lost whenever the annotation was submitted
    from another layer. A View shown by `choice-unselected` (neither entities nor claims) is not checked,
    so the choices sit in one of those.
    """
    others = ",".join(layer for layer in LAYERS if layer != CONTROL_LAYERS[EVIDENCE])
    per_target = "".join(
        f'<Header value={quoteattr(t["name"])} size="6"/>' + _choices(DOC_STANCE_PREFIX + t["id"], stances) for t in targets
    )
    return (
        f'<View visibleWhen="choice-unselected" whenTagName="{LAYER}" whenChoiceValue="{others}">'
        '<Header value="Article stance (the author\'s own, per target; it must agree with the authorial evidence)" size="5"/>'
        f"{per_target}</View>"
    )


#: Each Labels control's heading, in the order they show (the order their keys are handed out).
LABELS_HEADINGS = {
    ENTITY: "Entities: select the words, press a type, pick the registry entity",
    SOURCE: "Unnamed source (a claimant or holder the article does not name)",
    CLAIM: "Claims: select the claim, press its type; claimant: press Create Relation (alt+r), click the speaker in the Regions list",
    EVIDENCE: "Stance: select the evidence, press the stance; holder: press Create Relation (alt+r), click the holder in the Regions list",
}


def label_config(
    targets: list[dict[str, Any]], entities: list[dict[str, Any]] | None = None, clusters: list[dict[str, Any]] | None = None
) -> str:
    """The labelling config XML for a registry's stance targets, canonical entities and claim clusters."""
    labels = {c: _region_labels(c) for c in LABELS_HEADINGS}
    all_values = [v for values in labels.values() for v in values]
    if len(set(all_values)) != len(all_values):
        raise ValueError("region labels must be distinct across entity, claim, evidence and source labels")
    keys = hotkeys(labels)
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
        *(_layer(CONTROL_LAYERS[c], heading, _labels(c, labels[c], keys[c])) for c, heading in LABELS_HEADINGS.items()),
        "</View>",
        _texts(),
        f'<Relations><Relation value="{REL_CLAIMANT}"/><Relation value="{REL_HOLDER}"/></Relations>',
        _region_box(
            "Canonical entity (registry)",
            ENTITY,
            _taxonomy(ENTITY_ID, entity_choices(entities or []), "type part of the name, then pick", max_usages=1),
            _textarea(ENTITY_NAME, "only for new_entity: the entity's name"),
        ),
        _region_box("Check-worthiness of the claim", CLAIM, _choices(CHECKWORTHINESS)),
        _region_box("Attribution of the claim (how it reaches the reader)", CLAIM, _choices(ATTRIBUTION)),
        _region_box("Hedged?", CLAIM, _choices(HEDGED, [HEDGED_CHOICE], choice="multiple")),
        _region_box(
            "Claim clusters (registry; none if the claim is linked to no other claim)",
            CLAIM,
            _taxonomy(CLUSTERS, cluster_choices(clusters or []), "type part of the summary or id, then pick"),
            _textarea(CLUSTER_NEW, "a cluster the registry lacks: its summary in one neutral sentence (pull proposes it)"),
        ),
        _region_box("Stance target", EVIDENCE, _choices(TARGET, [(t["id"], t["name"]) for t in targets])),
        _region_box("Attribution of the stance (how it reaches the reader)", EVIDENCE, _choices(EVIDENCE_ATTRIBUTION)),
        _region_box("Who is the unnamed source?", SOURCE, _textarea(DESCRIPTION, "short description of the unnamed source")),
    ]
    parts.append(_doc_stances(targets, labels[EVIDENCE]))
    parts.append("</View>")
    return "\n".join(parts)  # no trailing newline: Label Studio strips it, and push compares configs
