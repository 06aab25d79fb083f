"""The benchmark's scorer (issue 21): gold scores 1.0, the card's table is what `evaluate` prints on the
shipped baselines, every malformed prediction is one line and exit 1, and every metric agrees with a
reference implementation (seqeval, scikit-learn, the SemEval-2016 definition, a B-cubed example)."""

from __future__ import annotations

import importlib.util
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
import seqeval.metrics
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, f1_score

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.evaluation.api import evaluate
from cartel_fto_corpus.evaluation.corpus import GoldCorpus, load_gold
from cartel_fto_corpus.evaluation.metrics import METRICS, bcubed_items, checkworthiness_stats, ner_stats, stance_stats
from cartel_fto_corpus.evaluation.predictions import _spans_of_tags
from cartel_fto_corpus.evaluation.score import score
from cartel_fto_corpus.evaluation.units import gold_units
from cartel_fto_corpus.publish.features import SEMEVAL_OF, bio_names
from cartel_fto_corpus.publish.tasks import TASKS
from cartel_fto_corpus.truth.schema import label_set
from tests.conftest import REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "predictions"
F = "tests/fixtures/predictions"
#: writes every fixture below from the current gold (one planted fault each): re-run after a gold change
MAKE_FIXTURES = FIXTURES / "make_fixtures.py"

#: fixture -> (task or None for annotation sets, the exact problem lines). The faults are planted at the
#: first rows, so the pointers do not move with the number of gold rows; the figures left (text lengths,
#: token counts, folds) come from the texts and the manifest, which a new gold does not change.
MALFORMED = {
    "checkworthiness_score_not_a_number.jsonl": (
        "checkworthiness",
        [f'{F}/checkworthiness_score_not_a_number.jsonl:/0/score: expected a finite number, found "high"'],
    ),
    "claims_offsets_outside_text.jsonl": (
        "claims",
        [
            f"{F}/claims_offsets_outside_text.jsonl:/0/start: expected offsets 0 <= start < end <= 3118 (the text of 000_e0ea4dd0c3e368ed), found 3100:3200"
        ],
    ),
    "claims_unknown_document.jsonl": (
        "claims",
        [f'{F}/claims_unknown_document.jsonl:/1/doc_id: expected the id of an annotated document, found "999_0000000000000000"'],
    ),
    "clusters_not_a_list.jsonl": (
        "clusters",
        [f'{F}/clusters_not_a_list.jsonl:/0/predicted_clusters: expected a list of cluster labels (strings), found "c1"'],
    ),
    "ner_tags_length_mismatch.jsonl": (
        "ner",
        [
            f"{F}/ner_tags_length_mismatch.jsonl:/0/predicted_tags: expected a list of 19 tag names (one per token of the row), found 18 tags"
        ],
    ),
    "ner_unknown_tag.jsonl": (
        "ner",
        [f'{F}/ner_unknown_tag.jsonl:/0/predicted_tags/0: expected a tag of {", ".join(bio_names())}, found "B-CARTEL"'],
    ),
    "stance_duplicate_row.jsonl": (
        "stance",
        [f"{F}/stance_duplicate_row.jsonl:/1/id: expected one prediction per row, found '000_e0ea4dd0c3e368ed/s1' again"],
    ),
    "stance_invalid_json_line.jsonl": (
        "stance",
        [
            f"{F}/stance_invalid_json_line.jsonl:line 4: expected one JSON object per line, found invalid JSON (Expecting property name enclosed in double quotes)"
        ],
    ),
    "stance_missing_fold.jsonl": (
        "stance",
        [f"{F}/stance_missing_fold.jsonl: expected predictions for fold 3 (test documents 003_8b94e034f7dca91b), found none"],
    ),
    "stance_unknown_label.jsonl": (
        "stance",
        [f'{F}/stance_unknown_label.jsonl:/0/predicted_label: expected one of favor, against, neutral, none, found "FAVOUR"'],
    ),
    "stance_unknown_row.jsonl": (
        "stance",
        [
            f'{F}/stance_unknown_row.jsonl:/1/id: expected the id of a row of the `stance_classification` config, found "000_e0ea4dd0c3e368ed/s99"'
        ],
    ),
    "stance_wrong_fold.jsonl": (
        "stance",
        [f"{F}/stance_wrong_fold.jsonl:/0/fold: expected 0 (the fold whose test split holds 000_e0ea4dd0c3e368ed), found 1"],
    ),
    "annotations_missing_layer": (
        None,
        [
            *(
                f"{F}/annotations_missing_layer/{d}.json:/annotations/0: expected the `claims` layer, found none"
                for d in ("000_e0ea4dd0c3e368ed", "001_5e8ee1b9dfd7c69f", "002_c5ca0eb7af3313b9")
            ),
            f"{F}/annotations_missing_layer/002_c5ca0eb7af3313b9.json:/annotations/0/entities/1/start: expected offsets 0 <= start < end <= 2306, found 5000:5004",
            *(
                f"{F}/annotations_missing_layer/{d}.json:/annotations/0: expected the `claims` layer, found none"
                for d in ("003_8b94e034f7dca91b", "004_3cba0a028af773f9")
            ),
            f'{F}/annotations_missing_layer/999_0000000000000000.json:/doc_id: expected the id of an annotated document, found "999_0000000000000000"',
        ],
    ),
}


@pytest.fixture(scope="module")
def corpus() -> GoldCorpus:
    return load_gold(REPO)


def run(*args: str):
    return CliRunner().invoke(cli, ["evaluate", "--root", str(REPO), *args])


# --------------------------------------------------------------------------- acceptance


def test_every_fixture_is_listed() -> None:
    """Every fixture has its expected problem lines (the generating script and its cache are not fixtures)."""
    assert sorted(p.name for p in FIXTURES.iterdir() if p != MAKE_FIXTURES and p.name != "__pycache__") == sorted(MALFORMED)


def _make_fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", MAKE_FIXTURES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fixtures_are_what_make_fixtures_writes_for_the_current_gold() -> None:
    """The committed fixtures are the script's output for this gold (after a gold change: run
    `python tests/fixtures/predictions/make_fixtures.py`), and each is made from a prediction file
    the scorer accepts, so the planted fault is the only one."""
    make = _make_fixtures()
    want = make.fixtures(REPO)
    got = {str(p.relative_to(FIXTURES)): p.read_text(encoding="utf-8") for p in FIXTURES.rglob("*.json*")}
    assert got == want, "fixtures are stale: run python tests/fixtures/predictions/make_fixtures.py"


@pytest.mark.parametrize("task", sorted({t for t, _ in MALFORMED.values() if t}))
def test_the_fixtures_clean_rows_are_accepted(task: str, corpus: GoldCorpus, tmp_path: Path) -> None:
    from cartel_fto_corpus.evaluation.predictions import load_rows

    make = _make_fixtures()
    clean = tmp_path / f"{task}.jsonl"
    clean.write_text("".join(json.dumps(r) + "\n" for r in make.clean_rows(corpus, task)), encoding="utf-8")
    assert load_rows(clean, task, corpus)  # raises PredictionError listing the problems otherwise


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_prediction_is_one_line_per_problem_and_exit_1(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    task, lines = MALFORMED[name]
    result = run(f"{F}/{name}", *(["--task", task] if task else []))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    assert result.stderr.splitlines() == [*lines, f"{len(lines)} problem(s): nothing scored"]


def test_gold_scores_one_for_every_task_and_fold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = run("annotations", "--annotator", "adjudicated", "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert sorted(got["tasks"]) == sorted(TASKS)
    for name, res in got["tasks"].items():
        for scope, metrics in res["scores"].items():
            assert metrics[TASKS[name].official] == {"value": 1.0, "ci95": [1.0, 1.0]}, (name, scope)
    text = run("annotations", "--annotator", "adjudicated").stdout
    assert all(f"{t}: official " in text and re.search(rf"{t}: official .* = 1\.000 \[1\.000, 1\.000\]", text) for t in TASKS)


def _card_rows() -> list[list[str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- stats:begin benchmark_results -->\n(.*?)<!-- stats:end", readme, re.DOTALL).group(1)
    return [[c.strip() for c in line.split("|")[1:-1]] for line in block.splitlines()[2:]]


def test_evaluate_on_the_shipped_baselines_prints_the_cards_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    rows = [r for r in _card_rows() if r[2] == "baseline"]
    assert {r[0] for r in rows} == set(TASKS)
    for task, system, _kind, _metric, cell, _others in rows:
        result = run(f"benchmarks/results/{task}/{system}.jsonl", "--task", task)
        assert result.exit_code == 0, result.output
        assert f"{task}: official {_metric} = {cell}" in result.stdout


def test_annotator_rows_come_from_the_data(corpus: GoldCorpus) -> None:
    """The ceiling lists every non-gold annotator found in the files (none hard-coded)."""
    ids = sorted({s["annotator"] for d in corpus.documents.values() for s in d.sets if s["status"] != "gold"})
    assert corpus.annotators() == ids
    assert {r[1] for r in _card_rows() if r[2].startswith("annotator (ceiling)")} == set(ids)


def test_an_annotator_of_some_documents_is_scored_on_those_only(corpus: GoldCorpus) -> None:
    """A new blind annotator may deliver part of the corpus: its ceiling row says so and scores only its documents."""
    import copy

    from cartel_fto_corpus.evaluation.card import results_rows

    part = copy.deepcopy(corpus)
    who = part.annotators()[0]
    doc = part.documents["002_c5ca0eb7af3313b9"]
    doc.sets = [s for s in doc.sets if s["annotator"] != who]
    rows = [r for r in results_rows(part) if r[1] == who]
    assert rows and all(r[2] == "annotator (ceiling), 4 of 5 documents" for r in rows)
    ner = next(r for r in rows if r[0] == "ner")
    assert ner[4] == "1.000 [1.000, 1.000]"  # the documents it did annotate are scored as before


def test_compare_identical_systems_is_no_difference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    f = "benchmarks/results/stance/majority.jsonl"
    res = evaluate(f, "stance", compare=f, root=REPO)["tasks"]["stance"]["comparison"]
    assert res["difference"] == 0 and res["p_value"] == 1.0 and res["ar_p_value"] == 1.0


def test_approximate_randomisation_of_a_clear_difference() -> None:
    """Ten documents where A is right and B wrong on every unit: only the all-unswapped and
    all-swapped assignments reach the observed difference, so p is close to 2 / 2**10."""
    from cartel_fto_corpus.evaluation.bootstrap import approximate_randomisation

    a = np.array([[5, 5, 5, 5]] * 10, float)  # ner stats: tp, tp overlap, predicted, gold
    b = np.array([[0, 0, 5, 5]] * 10, float)
    res = approximate_randomisation(a, b, METRICS["ner"], "strict_f1", trials=4000)
    assert res["difference"] == 1.0 and res["p_value"] < 0.01


def test_train_registry_never_holds_an_entity_seen_only_in_the_test_documents(corpus: GoldCorpus) -> None:
    for k in range(corpus.folds):
        train = {m["entity"] for d in corpus.train_docs(k) for m in corpus.documents[d].gold["entities"]}
        test_only = {m["entity"] for d in corpus.fold_docs(k) for m in corpus.documents[d].gold["entities"]} - train
        assert test_only and not (test_only & set(corpus.train_registry(k)))


# --------------------------------------------------------------------------- reference implementations

TAGS = st.lists(st.sampled_from(["O", "B-ORG", "I-ORG", "B-GPE", "I-GPE"]), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TAGS, TAGS).filter(lambda p: True), min_size=1, max_size=4), st.data())
def test_strict_f1_equals_seqeval(pairs: list, data: st.DataObject) -> None:
    y_true, y_pred, stats = [], [], np.zeros(4)
    for a, _b in pairs:
        b = data.draw(st.lists(st.sampled_from(["O", "B-ORG", "I-ORG", "B-GPE", "I-GPE"]), min_size=len(a), max_size=len(a)))
        offs = list(range(len(a)))
        stats += ner_stats(_spans_of_tags(a, offs, [o + 1 for o in offs]), _spans_of_tags(b, offs, [o + 1 for o in offs]))
        y_true.append(a)
        y_pred.append(b)
    got = METRICS["ner"](stats)
    if stats[2] and stats[3]:  # seqeval's default mode (conlleval) where both sides have spans
        assert got["strict_f1"] == pytest.approx(seqeval.metrics.f1_score(y_true, y_pred))
        assert got["strict_precision"] == pytest.approx(seqeval.metrics.precision_score(y_true, y_pred))
        assert got["strict_recall"] == pytest.approx(seqeval.metrics.recall_score(y_true, y_pred))


LABELS = label_set("stance_label")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LABELS), st.sampled_from(LABELS)), min_size=1, max_size=30))
def test_stance_metrics_equal_scikit_learn_and_the_semeval_definition(pairs: list) -> None:
    gold = {i: g for i, (g, _p) in enumerate(pairs)}
    pred = {i: p for i, (_g, p) in enumerate(pairs)}
    got = METRICS["stance"](np.array(stance_stats(gold, pred)))
    y, yhat = [g for g, _ in pairs], [p for _, p in pairs]
    assert got["macro_f1"] == pytest.approx(f1_score(y, yhat, average="macro", zero_division=0))
    assert got["accuracy"] == pytest.approx(sum(a == b for a, b in pairs) / len(pairs))
    sy, syhat = [SEMEVAL_OF[x] for x in y], [SEMEVAL_OF[x] for x in yhat]
    present = [c for c in ("FAVOR", "AGAINST") if c in sy or c in syhat]
    if present:  # eval.pl: (F1(FAVOR) + F1(AGAINST)) / 2 over the classes that occur
        per = f1_score(sy, syhat, labels=present, average=None, zero_division=0)
        assert got["semeval_f_avg"] == pytest.approx(sum(per) / len(present))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.5, 1.0])), st.booleans()), min_size=1, max_size=25)
)
def test_checkworthiness_equals_scikit_learn(rows: list) -> None:
    gold = {i: (float(y), y) for i, (y, _s, _l) in enumerate(rows)}
    pred = {i: (s, lab) for i, (_y, s, lab) in enumerate(rows)}
    got = METRICS["checkworthiness"](np.array(checkworthiness_stats(gold, pred)))
    y = [r[0] for r in rows]
    if any(y):
        assert got["map"] == pytest.approx(average_precision_score(y, [r[1] for r in rows]))
    if any(y) or any(r[2] for r in rows):
        assert got["positive_f1"] == pytest.approx(f1_score(y, [r[2] for r in rows], zero_division=0))


def test_bcubed_textbook_example() -> None:
    """Gold {a,b,c} {d,e}; predicted {a,b} {c,d,e}: P = R = (1 + 1 + 1/3 + 2/3 + 2/3) / 5 = 11/15."""
    gold = {i: frozenset({"G1"}) for i in "abc"} | {i: frozenset({"G2"}) for i in "de"}
    pred = {i: frozenset({"P1"}) for i in "ab"} | {i: frozenset({"P2"}) for i in "cde"}
    items = bcubed_items(gold, pred)
    s = np.array([sum(p for p, _ in items.values()), sum(r for _, r in items.values()), len(items)])
    got = METRICS["clusters"](s)
    assert got["bcubed_precision"] == pytest.approx(11 / 15) and got["bcubed_recall"] == pytest.approx(11 / 15)
    assert got["bcubed_f1"] == pytest.approx(11 / 15)


CLUSTERS = st.frozensets(st.sampled_from("xyz"), max_size=2)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(CLUSTERS, CLUSTERS), min_size=1, max_size=10))
def test_extended_bcubed_equals_the_agreement_implementation(pairs: list) -> None:
    from cartel_fto_corpus.inspection.alignment import bcubed

    gold = {str(i): g for i, (g, _p) in enumerate(pairs)}
    pred = {str(i): p for i, (_g, p) in enumerate(pairs)}
    items = bcubed_items(gold, pred)
    ref = bcubed([p for _g, p in pairs], [g for g, _p in pairs])  # A = system, B = gold
    assert sum(p for p, _ in items.values()) / len(items) == pytest.approx(ref["precision"])
    assert sum(r for _, r in items.values()) / len(items) == pytest.approx(ref["recall"])


# --------------------------------------------------------------------------- properties


def test_permuting_documents_changes_nothing(corpus: GoldCorpus) -> None:
    units = {t: {d: gold_units(t, doc, corpus) for d, doc in corpus.documents.items()} for t in TASKS}
    units["ner"] = {d: set(list(u)[: len(u) // 2]) for d, u in units["ner"].items()}  # an imperfect system
    before = {t: score(t, corpus, u).scores for t, u in units.items()}
    order = list(corpus.documents)
    random.Random(3).shuffle(order)
    shuffled = GoldCorpus(corpus.root, {d: corpus.documents[d] for d in order}, corpus.registry, corpus.buckets)
    assert {t: score(t, shuffled, u).scores for t, u in units.items()} == before


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_a_prediction_never_scores_above_gold(corpus: GoldCorpus, data: st.DataObject) -> None:
    rng = random.Random(data.draw(st.integers(0, 10**6)))
    for task in TASKS:
        units = {}
        for d, doc in corpus.documents.items():
            g = gold_units(task, doc, corpus)
            if isinstance(g, set | list):
                kept = [x for x in g if rng.random() < 0.8] + [(x[0], x[1] + 1, *x[2:]) for x in g if rng.random() < 0.1]
                units[d] = set(kept) if isinstance(g, set) else kept
            else:
                units[d] = {k: (v if rng.random() < 0.8 else _mutate(task, v, rng)) for k, v in g.items()}
        res = score(task, corpus, units)
        for scope, metrics in res.scores.items():
            assert metrics[TASKS[task].official][0] <= 1.0 + 1e-12, (task, scope)


def _mutate(task: str, v, rng: random.Random):
    if task == "stance":
        return rng.choice(LABELS)
    if task == "linking":
        return ("someone_else", None)
    if task == "checkworthiness":
        return (rng.random(), rng.random() < 0.5)
    return frozenset({f"r{rng.randrange(3)}"})


def test_a_stale_benchmark_table_in_the_card_fails_the_check(tmp_path: Path) -> None:
    """CI's `stats --check-datasheet` covers the card's benchmark blocks too."""
    from cartel_fto_corpus.inspection.datasheet import CARD_BLOCKS, stale_blocks
    from cartel_fto_corpus.inspection.stats import compute_stats
    from cartel_fto_corpus.truth.paths import CorpusPaths

    stats = compute_stats(CorpusPaths(REPO))
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert stale_blocks(readme, stats, "README.md", CARD_BLOCKS) == []
    edited = readme.replace("| stance | majority | baseline |", "| stance | majority | baseline (edited) |")
    assert edited != readme
    assert stale_blocks(edited, stats, "README.md", CARD_BLOCKS) == [
        "README.md: stats block 'benchmark_results' is stale (expected the figures `cartel-fto stats` computes now); run `cartel-fto stats --write-datasheet`"
    ]


def test_datasheet_and_card_carry_the_same_benchmark_tables() -> None:
    def block(text: str, name: str) -> str:
        return re.search(rf"<!-- stats:begin {name} -->\n(.*?)<!-- stats:end {name} -->", text, re.DOTALL).group(1)

    readme, datasheet = (REPO / "README.md").read_text(encoding="utf-8"), (REPO / "DATASHEET.md").read_text(encoding="utf-8")
    for name in ("benchmark_tasks", "benchmark_results"):
        assert block(readme, name) == block(datasheet, name) and block(readme, name).count("\n") > 3
