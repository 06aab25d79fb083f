"""`cartel-fto stats`: figures recounted here straight from the files, on the fixture corpus,
on changed copies of it, and on the real corpus (whatever its annotations hold)."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.stats import compute_stats, stats_tables
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set

TESTS = Path(__file__).resolve().parent
FIXTURE_CORPUS = TESTS / "fixtures" / "corpus"
FIXTURE_DOC = "900_00000000000000aa"


def gold(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    sets = doc["annotations"]
    return next((s for s in sets if s["status"] == "gold"), sets[0])


def recount(root: Path) -> dict:
    """The figures a reader would count by hand from the files."""
    paths = CorpusPaths(root)
    registry = json.loads(paths.registry.read_text(encoding="utf-8"))
    qid = {e["id"]: e["qid"] for e in registry["entities"]}
    out = {
        "labels": Counter(),
        "distinct": {},
        "mentions_with_qid": 0,
        "stances": Counter(),
        "types": Counter(),
        "cw": Counter(),
        "clusters": {},
    }
    for f in paths.annotation_files():
        ref = gold(f)
        doc_id = f.stem
        for m in ref["entities"]:
            out["labels"][m["label"]] += 1
            out["distinct"].setdefault(m["label"], set()).add(m["entity"])
            out["mentions_with_qid"] += qid[m["entity"]] is not None
        for s in ref["stances"]:
            out["stances"][(s["target"], s["label"])] += 1
        for c in ref["claims"]:
            out["types"][c["type"]] += 1
            out["cw"][c["checkworthiness"]] += 1
            for cid in c["clusters"]:
                out["clusters"].setdefault(cid, set()).add(doc_id)
    return out


@pytest.mark.parametrize("root", [FIXTURE_CORPUS, None], ids=["fixture", "real"])
def test_figures_equal_a_recount_of_the_files(root: Path | None) -> None:
    paths = CorpusPaths(root)
    stats = compute_stats(paths)
    hand = recount(paths.root)
    for label in label_set("entity_label"):
        got = stats["entities"]["by_label"][label]
        assert got["mentions"] == hand["labels"][label], label
        assert got["distinct_entities"] == len(hand["distinct"].get(label, ())), label
    assert stats["entities"]["mentions_with_qid"] == hand["mentions_with_qid"]
    for target, row in stats["stances"]["by_target"].items():
        for label in label_set("stance_label"):
            assert row[label] == hand["stances"][(target, label)]
    assert sum(sum(r[lab] for lab in label_set("stance_label")) for r in stats["stances"]["by_target"].values()) == sum(
        hand["stances"].values()
    )
    for t in label_set("claim_type"):
        assert stats["claims"]["by_type"][t]["total"] == hand["types"][t]
    for cw in label_set("checkworthiness"):
        assert sum(v[cw] for v in stats["claims"]["by_type"].values()) == hand["cw"][cw]
    assert {c: v["documents"] for c, v in stats["clusters"]["by_cluster"].items()} == {c: sorted(d) for c, d in hand["clusters"].items()}
    manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))["documents"]
    assert stats["totals"]["characters"] == sum(d["n_chars"] for d in manifest)
    for flag, ids in stats["quality_flags"].items():
        assert ids == [d["id"] for d in manifest if flag in d["quality_flags"]]


def test_fixture_figures_known_by_reading_the_file() -> None:
    """tests/fixtures/corpus/annotations/900_*.json read by eye: 7 mentions (3 PERSON for 2 people,
    Rubio twice), 2 stances on fto_designation (favor, neutral), 2 claims, one clustered."""
    s = compute_stats(CorpusPaths(FIXTURE_CORPUS))
    assert s["entities"]["by_label"]["PERSON"] == {"mentions": 3, "distinct_entities": 2, "distinct_with_qid": 2}
    assert s["entities"]["mentions"] == 7
    assert s["stances"]["by_target"]["fto_designation"]["favor"] == 1
    assert s["stances"]["by_target"]["fto_designation"]["neutral"] == 1
    assert s["clusters"]["clustered_claims"] == 1 and s["clusters"]["unclustered_claims"] == 1
    assert s["totals"]["annotators"] == ["fixture"]


def test_token_count_rule() -> None:
    """Tokens are the `ner` config's (publish.tokenize), and the datasheet names its pattern."""
    from cartel_fto_corpus.publish.tokenize import tokenize
    from cartel_fto_corpus.truth.spans import TOKEN

    s = compute_stats(CorpusPaths(FIXTURE_CORPUS))
    text = (FIXTURE_CORPUS / "texts" / f"{FIXTURE_DOC}.txt").read_text(encoding="utf-8")
    assert s["documents"][0]["tokens"] == len(tokenize(text))
    assert "cartel_fto_corpus.publish.tokenize" in s["token_rule"] and TOKEN.pattern in s["token_rule"]


def test_editing_an_annotation_changes_the_figures(corpus_copy: Path) -> None:
    before = compute_stats(CorpusPaths(corpus_copy))
    f = corpus_copy / "annotations" / f"{FIXTURE_DOC}.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    removed = doc["annotations"][0]["entities"].pop()
    doc["annotations"][0]["claims"][1]["clusters"] = ["cartels_threaten_us"]
    f.write_text(json.dumps(doc), encoding="utf-8")
    after = compute_stats(CorpusPaths(corpus_copy))
    label = removed["label"]
    assert after["entities"]["by_label"][label]["mentions"] == before["entities"]["by_label"][label]["mentions"] - 1
    assert after["totals"]["entity_mentions"] == before["totals"]["entity_mentions"] - 1
    assert after["clusters"]["by_cluster"]["cartels_threaten_us"]["claims"] == 2
    assert after["clusters"]["unclustered_claims"] == 0


def test_corpus_without_annotations(corpus_copy: Path) -> None:
    (corpus_copy / "annotations" / f"{FIXTURE_DOC}.json").unlink()
    s = compute_stats(CorpusPaths(corpus_copy))
    assert s["totals"]["annotated_documents"] == 0 and s["totals"]["annotators"] == []
    assert s["documents"][0]["status"] is None and s["entities"]["mentions"] == 0
    assert [t.name for t in stats_tables(s)]  # still renders


def test_repeated_passages_are_counted(tmp_path: Path) -> None:
    """A document whose last line repeats an earlier one: mentions in the copy are counted as such."""
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, root)
    text_path = root / "texts" / f"{FIXTURE_DOC}.txt"
    text = text_path.read_text(encoding="utf-8")
    lines = text.split("\n")
    line_start = len(lines[0]) + 1
    line_end = line_start + len(lines[1])
    text_path.write_text(text + "\n" + lines[1], encoding="utf-8")
    shift = len(text) + 1 - line_start
    f = root / "annotations" / f"{FIXTURE_DOC}.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    ents = doc["annotations"][0]["entities"]
    copies = [
        dict(m, id=f"e{100 + i}", start=m["start"] + shift, end=m["end"] + shift)
        for i, m in enumerate(ents)
        if line_start <= m["start"] and m["end"] <= line_end
    ]
    assert [m["text"] for m in copies] == ["January 20", "Donald Trump", "Marco Rubio", "Sinaloa Cartel", "US"]
    ents += copies
    f.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["manifest", "--root", str(root)])
    assert result.exit_code == 0, result.output
    s = compute_stats(CorpusPaths(root))
    assert s["totals"]["entity_mentions_in_repeats"] == 5
    assert s["totals"]["claims_in_repeats"] == 0
    assert s["totals"]["repeated_chars"] == len(lines[1])


def test_cli_json_equals_compute_stats() -> None:
    result = CliRunner().invoke(cli, ["stats", "--root", str(FIXTURE_CORPUS), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == compute_stats(CorpusPaths(FIXTURE_CORPUS))


def test_cli_table_shows_every_table() -> None:
    result = CliRunner().invoke(cli, ["stats", "--root", str(FIXTURE_CORPUS), "--full"])
    assert result.exit_code == 0, result.output
    for t in stats_tables(compute_stats(CorpusPaths(FIXTURE_CORPUS))):
        assert t.title.split(" (")[0].split()[0] in result.output
    assert re.search(r"900_00000000000000aa\s*│\s*245\s*│", result.output)


def test_cli_default_is_the_overview_and_names_the_other_tables() -> None:
    """At 80 columns the full output of the shipped corpus is ~280 lines; the default fits a screen."""
    result = CliRunner().invoke(cli, ["stats"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) <= 40, len(lines)
    n = len(stats_tables(compute_stats(CorpusPaths(TESTS.parent)))) - 1
    assert "Documents" in lines[0] and f"{n} more tables with --full: Annotators;" in " ".join(lines)


def test_cli_unreadable_corpus_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["stats", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot compute statistics" in result.output and "Traceback" not in result.output
