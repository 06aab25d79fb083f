"""Annotations-only rows: every value copied from the article texts set to null.

The texts' redistribution rights are unknown (LICENSE-ANNOTATIONS), so a release may have to ship
the annotations without them. `cartel-fto build --annotations-only --out DIR` passes every row
through `without_texts`: the article texts, titles, tokens, and the span and evidence texts that
quote the articles become null, while ids, offsets, labels and registry names stay. Annotation prose
(registry names and descriptions, annotators' notes, cluster summaries) is kept: it is the annotators'
work (CC BY 4.0), though it may quote a few words of an article. The columns
and their Features do not change, so the loader, the card and Croissant read such a build like any
other; `cartel-fto hydrate` plus a normal build brings the texts back.
"""

from __future__ import annotations

from typing import Any

from cartel_fto_corpus.publish.features import base_config

#: Per config, the columns holding text copied from the articles; `a.b` is field b of each struct
#: in the list column a. A list of strings (`tokens`) keeps its length, each element null.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "articles": ("title", "text"),
    "entities": ("text", "entities.text"),
    "mentions": ("text",),
    "ner": ("tokens",),
    "stance": ("text", "holder_text", "evidence.text"),
    "stance_classification": ("text", "evidence.text"),
    "claims": ("text", "claim", "claimant_text"),
    "sentences": ("text",),
    "clusters": (),
}


def text_columns(config: str) -> tuple[str, ...]:
    """The text columns of a config; a fold config (`claims_fold2`) has its view's (`claims`)."""
    return TEXT_COLUMNS[base_config(config)]


def without_texts(config: str, row: dict[str, Any]) -> dict[str, Any]:
    """A copy of `row` with every text column of its config null."""
    out = dict(row)
    for column in text_columns(config):
        outer, _, inner = column.partition(".")
        value = out.get(outer)
        if inner:
            out[outer] = [{**item, inner: None} for item in value] if value else value
        elif isinstance(value, list):
            out[outer] = [None] * len(value)
        else:
            out[outer] = None
    return out
