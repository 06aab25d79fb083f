"""The benchmark's tasks: one table, read by the scorer, the prediction checks, the card and DATASHEET.md.

Each task names the config whose rows are its units, what a prediction gives, its one official
metric and the metrics printed beside it, and the shared task it follows. Nothing else in the package
states a task's metric: the card's and the datasheet's text is rendered from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Bootstrap resamples (over documents) and the seed: intervals are reproducible to the digit.
RESAMPLES = 1000
SEED = 20260
#: Sentences at the top of each document's ranking counted by P@k.
PRECISION_AT = 5


@dataclass(frozen=True)
class Task:
    name: str
    #: the config whose rows are the units (row-form predictions are rows of it plus a prediction column)
    config: str
    #: what is scored
    unit: str
    #: the prediction column(s) of a row-form prediction
    prediction: str
    #: the annotation-set layer an annotation-form prediction needs
    layer: str
    #: metric keys, the official one first
    metrics: tuple[str, ...]
    #: what the protocol follows
    reference: str
    #: what the task is called in prose (the card's first column): a newcomer may not know `ner`
    title: str

    @property
    def official(self) -> str:
        return self.metrics[0]


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "ner",
            "ner",
            "typed entity spans of each document (character offsets, label)",
            "`predicted_tags`: one BIO tag name per token of the row",
            "entities",
            ("strict_f1", "strict_precision", "strict_recall", "overlap_f1"),
            "CoNLL-2003 (conlleval): micro F1 over exactly matching typed spans; overlap: same label, one shared character, one-to-one",
            title="named-entity recognition",
        ),
        Task(
            "linking",
            "mentions",
            "each gold mention (given): its registry entity and Wikidata QID",
            "`predicted_entity` (registry entity id), optional `predicted_qid`",
            "entities",
            ("entity_accuracy", "qid_accuracy"),
            "entity linking of gold mentions (accuracy); QID accuracy over the gold mentions whose entity has a QID",
            title="entity linking",
        ),
        Task(
            "stance",
            "stance_classification",
            "each (document, holder, target) of the gold stances (given): its label",
            "`predicted_label`: favor, against, neutral or none",
            "stances",
            ("semeval_f_avg", "macro_f1", "accuracy"),
            "SemEval-2016 Task 6: F_avg = (F1(FAVOR) + F1(AGAINST)) / 2, neutral and none counted as NONE; macro-F1 over the four labels beside it",
            title="stance classification",
        ),
        Task(
            "claims",
            "claims",
            "claim spans of each document (character offsets) and their claimant",
            "rows `doc_id`, `start`, `end`, optional `claimant_kind` / `claimant_entity` / `claimant_description`",
            "claims",
            ("exact_f1", "exact_precision", "exact_recall", "overlap_f1", "claimant_accuracy"),
            "claim detection: micro F1 over exactly matching spans; overlap one-to-one; claimant accuracy over exactly matched claims",
            title="claim detection",
        ),
        Task(
            "checkworthiness",
            "sentences",
            "each sentence (given) not flagged `repeated`: ranked by check-worthiness",
            "`score` (higher = more check-worthy), optional `predicted_label` (else score >= 0.5)",
            "claims",
            ("map", f"precision_at_{PRECISION_AT}", "positive_f1"),
            f"CLEF CheckThat! (2019-2021 ranking): MAP over documents; P@{PRECISION_AT} and F1 of the check-worthy class (2022-) beside it",
            title="check-worthiness ranking",
        ),
        Task(
            "clusters",
            "claims",
            "the gold claims without copies (`copy_of` null), given: which claims state the same facts",
            "`predicted_clusters`: a list of cluster labels (any strings; empty = a cluster of its own)",
            "claims",
            ("bcubed_f1", "bcubed_precision", "bcubed_recall"),
            "extended B-cubed F1 (Bagga & Baldwin 1998; Amigó et al. 2009) over the claims of each fold's test documents",
            title="claim clustering",
        ),
    )
}

METRIC_NAMES: dict[str, str] = {
    "strict_f1": "strict micro F1",
    "strict_precision": "strict precision",
    "strict_recall": "strict recall",
    "overlap_f1": "overlap F1",
    "entity_accuracy": "entity accuracy",
    "qid_accuracy": "QID accuracy",
    "semeval_f_avg": "SemEval F_avg",
    "macro_f1": "macro-F1",
    "accuracy": "accuracy",
    "exact_f1": "exact-span F1",
    "exact_precision": "exact-span precision",
    "exact_recall": "exact-span recall",
    "claimant_accuracy": "claimant accuracy",
    "map": "MAP",
    f"precision_at_{PRECISION_AT}": f"P@{PRECISION_AT}",
    "positive_f1": "F1 (check-worthy)",
    "bcubed_f1": "B-cubed F1",
    "bcubed_precision": "B-cubed precision",
    "bcubed_recall": "B-cubed recall",
}
