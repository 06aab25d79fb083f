"""The `datasets.Features` of every published config, derived from the JSON Schema.

Every closed label set becomes a `ClassLabel` whose names are read through
`cartel_fto_corpus.truth.schema.label_set`, so a label added to the schema reaches the Parquet files,
the dataset card and the Croissant metadata without another edit. Lists of spans are
`List({...})` of structs (a `Sequence({...})` would turn into a dict of lists). Every span keeps
its covered text next to its offsets, so a row checks itself: `text[start:end] == span text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from datasets import ClassLabel, Features, List, Value

from cartel_fto_corpus.publish.layout import FOLDS
from cartel_fto_corpus.truth.layers import layer
from cartel_fto_corpus.truth.schema import label_set, load_schemas

#: The configs as views of the corpus, in the order the card lists them; `articles` is the default one.
BASE_CONFIGS = ("articles", "entities", "mentions", "ner", "stance", "stance_classification", "claims", "sentences", "clusters")


def fold_config(config: str, fold: int) -> str:
    """`<config>_fold<k>`: the rows of `config` in document-grouped cross-validation fold k (train/validation/test)."""
    return f"{config}_fold{fold}"


def base_config(config: str) -> str:
    """The view a config shows: `claims_fold2` -> `claims`, `claims` -> `claims`."""
    return re.sub(r"_fold\d+$", "", config)


#: `<config>_fold0` ... for every view: the same document-grouped folds, with train/validation/test splits.
FOLD_CONFIGS = tuple(fold_config(c, k) for c in BASE_CONFIGS for k in range(FOLDS))
#: Published configs: the views (one `test` split each), then their folds.
CONFIGS = (*BASE_CONFIGS, *FOLD_CONFIGS)
DEFAULT_CONFIG = "articles"
#: Our stance labels mapped to SemEval-2016 Task 6 / tweet_eval `stance` labels. `neutral` (the holder
#: takes no side although the target is discussed) and `none` (no stance expressed) both become NONE,
#: which SemEval defines as "neither favor nor against".
SEMEVAL_LABELS = ("FAVOR", "AGAINST", "NONE")
SEMEVAL_OF = {"favor": "FAVOR", "against": "AGAINST", "neutral": "NONE", "none": "NONE"}
#: BIO tag of a token outside every mention.
OUTSIDE = "O"


def actor_kinds() -> tuple[str, ...]:
    """The closed set of actor kinds (author, entity, unnamed): the `const`s of the schema's `actor`."""
    return tuple(alt["properties"]["kind"]["const"] for alt in load_schemas()["common"]["$defs"]["actor"]["oneOf"])


def bio_names() -> tuple[str, ...]:
    """`O`, then `B-X`, `I-X` for every entity label X in schema order (conll2003 style)."""
    return (OUTSIDE, *(f"{p}-{label}" for label in label_set("entity_label") for p in ("B", "I")))


def labels(name: str) -> ClassLabel:
    """A ClassLabel over the schema's label set `name`."""
    return ClassLabel(names=list(label_set(name)))


def layer_labels(name: str) -> dict:
    """The label columns of annotation layer `name` as its schema declaration lists them (`x-layer`
    `labels`, pointer -> label set), in that order: a label field declared on a layer reaches its configs."""
    return {pointer.lstrip("/"): labels(label_set_name) for pointer, label_set_name in layer(name).labels}


def span_struct() -> dict:
    """A character span: code-point offsets into the document text and the text they cover."""
    return {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}


def _actor(prefix: str) -> dict:
    """Flat columns of a stance holder or claimant; fields that do not apply to its kind are null."""
    return {
        f"{prefix}_kind": ClassLabel(names=list(actor_kinds())),
        f"{prefix}_entity": Value("string"),
        f"{prefix}_name": Value("string"),
        f"{prefix}_qid": Value("string"),
        f"{prefix}_mention": Value("string"),
        f"{prefix}_description": Value("string"),
        f"{prefix}_start": Value("int32"),
        f"{prefix}_end": Value("int32"),
        f"{prefix}_text": Value("string"),
    }


def _provenance() -> dict:
    """Which annotation set a row comes from (the gold set, else the first one)."""
    return {"annotator": Value("string"), "status": labels("status"), "guideline_version": Value("string")}


def articles() -> Features:
    return Features(
        {
            "id": Value("string"),
            "title": Value("string"),
            "text": Value("string"),
            "sha256": Value("string"),
            "source_file": Value("string"),
            "n_bytes": Value("int32"),
            "n_chars": Value("int32"),
            "n_utf16": Value("int32"),
            "n_lines": Value("int32"),
            "title_start": Value("int32"),
            "title_end": Value("int32"),
            "quality_flags": List(labels("quality_flag")),
            "repeated_passages": List({"start": Value("int32"), "end": Value("int32"), "first_start": Value("int32")}),
            "overlaps": List({"doc_id": Value("string"), "shared_ngrams": Value("int32"), "containment": Value("float64")}),
        }
    )


def entities() -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "text": Value("string"),
            **_provenance(),
            "entities": List(
                {
                    "id": Value("string"),
                    **span_struct(),
                    **layer_labels("entities"),
                    "entity": Value("string"),
                    "entity_name": Value("string"),
                    "org_type": labels("org_type"),
                    "qid": Value("string"),
                    "qid_status": labels("qid_status"),
                }
            ),
        }
    )


def mentions() -> Features:
    """One row per entity mention (BigBIO-style flat view): `text` is the mention's text."""
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "mention_id": Value("string"),
            **span_struct(),
            **layer_labels("entities"),
            "entity": Value("string"),
            "entity_name": Value("string"),
            "org_type": labels("org_type"),
            "qid": Value("string"),
            **_provenance(),
        }
    )


def stance_classification() -> Features:
    """One row per (document, holder, target): the input is the holder and the evidence only."""
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "stance_ids": List(Value("string")),
            "text": Value("string"),
            "holder": Value("string"),
            "holder_kind": ClassLabel(names=list(actor_kinds())),
            "holder_entity": Value("string"),
            "holder_qid": Value("string"),
            "target": Value("string"),
            "target_name": Value("string"),
            "label": labels("stance_label"),
            "semeval_label": ClassLabel(names=list(SEMEVAL_LABELS)),
            "attribution": labels("attribution"),
            "evidence": List(span_struct()),
            **_provenance(),
        }
    )


def ner() -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "paragraph": Value("int32"),
            "tokens": List(Value("string")),
            "ner_tags": List(ClassLabel(names=list(bio_names()))),
            "token_starts": List(Value("int32")),
            "token_ends": List(Value("int32")),
        }
    )


def stance() -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "stance_id": Value("string"),
            "text": Value("string"),
            **_provenance(),
            **_actor("holder"),
            "target": Value("string"),
            "target_name": Value("string"),
            "target_description": Value("string"),
            **layer_labels("stances"),
            "evidence": List(span_struct()),
            "note": Value("string"),
        }
    )


def claims() -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "claim_id": Value("string"),
            "text": Value("string"),
            **_provenance(),
            "start": Value("int32"),
            "end": Value("int32"),
            "claim": Value("string"),
            "multi_paragraph": Value("bool"),
            **_actor("claimant"),
            **layer_labels("claims"),
            "hedged": Value("bool"),
            "clusters": List(Value("string")),
            "copy_of": Value("string"),
        }
    )


def sentences() -> Features:
    """One row per sentence (`publish.sentences`): the unit of check-worthiness ranking."""
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "sentence": Value("int32"),
            "paragraph": Value("int32"),
            "start": Value("int32"),
            "end": Value("int32"),
            "text": Value("string"),
            "check_worthy": Value("bool"),
            "claim_ids": List(Value("string")),
            "repeated": Value("bool"),
        }
    )


def clusters() -> Features:
    return Features(
        {
            "id": Value("string"),
            "kind": labels("cluster_kind"),
            "summary": Value("string"),
            "discrepancies": Value("string"),
            "claim_ids": List(Value("string")),
            "distinct_claim_ids": List(Value("string")),
            "doc_ids": List(Value("string")),
        }
    )


#: The Features builder of each view, named as the view.
_BUILDERS = {
    view.__name__: view for view in (articles, entities, mentions, ner, stance, stance_classification, claims, sentences, clusters)
}


def name_column(column: str, is_list: bool) -> str:
    """The column holding the label names of ClassLabel column `column`: `label` -> `label_name`,
    a list `ner_tags` -> `ner_tag_names` (a reader without `datasets` gets names, not integers)."""
    return f"{column.removesuffix('s')}_names" if is_list else f"{column}_name"


def label_columns(columns: Features | dict) -> Iterator[tuple[str, str | None, ClassLabel, bool]]:
    """(column, struct field or None, ClassLabel, in a list) of every label column of `columns`: a
    ClassLabel column, a list of them, or a ClassLabel field of the structs of a list column."""
    for column, feature in columns.items():
        in_list = isinstance(feature, List)
        inner = feature.feature if in_list else feature
        if isinstance(inner, ClassLabel):
            yield column, None, inner, in_list
        elif isinstance(inner, dict):
            yield from ((column, sub, f, True) for sub, f in inner.items() if isinstance(f, ClassLabel))


def _with_names(columns: dict) -> dict:
    """`columns` with a string column after every ClassLabel (and inside structs of lists)."""
    out: dict = {}
    for column, feature in columns.items():
        if isinstance(feature, List) and isinstance(feature.feature, dict):
            out[column] = List(_with_names(feature.feature))
            continue
        out[column] = feature
        if isinstance(feature, ClassLabel):
            out[name_column(column, False)] = Value("string")
        elif isinstance(feature, List) and isinstance(feature.feature, ClassLabel):
            out[name_column(column, True)] = List(Value("string"))
    return out


def add_label_names(row: dict, base: Features | dict) -> dict:
    """`row` (label columns holding names, as the row builders make them) with a name column after
    every ClassLabel column of `base` (the config's `base_features`), in the published column order."""
    out = {}
    for column, feature in base.items():
        value = row.get(column)
        if isinstance(feature, List) and isinstance(feature.feature, dict) and value is not None:
            value = [add_label_names(item, feature.feature) for item in value]
        out[column] = value
        if isinstance(feature, ClassLabel):
            out[name_column(column, False)] = value
        elif isinstance(feature, List) and isinstance(feature.feature, ClassLabel):
            out[name_column(column, True)] = None if value is None else list(value)
    return out


@cache
def base_features(config: str) -> Features:
    """The Features of one config as the row builders fill them (ClassLabel columns only)."""
    if config not in CONFIGS:
        raise KeyError(f"unknown config {config!r}; expected one of {', '.join(CONFIGS)}")
    return _BUILDERS[base_config(config)]()


@cache
def features(config: str) -> Features:
    """The published Features of one config: ClassLabel columns (integers, for `datasets`) each followed
    by a string column with the label names (for pyarrow, DuckDB, Polars, Croissant readers)."""
    return Features(_with_names(base_features(config)))


#: Spans of each config as (list column or None for the row itself, start, end, text) so tests
#: and the build can check `text[start:end] == span text` without knowing the configs' shapes.
#: A view not listed has no span (`sentences`' `text` is the sentence itself, not the article's).
_BASE_SPAN_FIELDS: dict[str, tuple[tuple[str | None, str, str, str], ...]] = {
    "entities": (("entities", "start", "end", "text"),),
    "mentions": ((None, "start", "end", "text"),),
    "stance": ((None, "holder_start", "holder_end", "holder_text"), ("evidence", "start", "end", "text")),
    "stance_classification": (("evidence", "start", "end", "text"),),
    "claims": ((None, "start", "end", "claim"), (None, "claimant_start", "claimant_end", "claimant_text")),
}
SPAN_FIELDS = {c: _BASE_SPAN_FIELDS.get(base_config(c), ()) for c in CONFIGS}
