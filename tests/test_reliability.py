"""Agreement from sealed deliveries (inspection/reliability.py, deliveries.py, agreement_report.py, cli/agreement.py).

`tests/fixtures/deliveries` holds three sealed deliveries of the agreement fixture's documents:
ann_a and ann_b as in the annotation files, and ann_c = ann_b with every entity and cluster id
renamed in its own registry, one stance label flipped and the last claim of each document dropped.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.agreement import compute_agreement, load_documents, load_registry
from cartel_fto_corpus.inspection.agreement_report import agreement_report
from cartel_fto_corpus.inspection.alignment import bcubed
from cartel_fto_corpus.inspection.reliability import DocUnits, _Clusters, compute_reliability, document_units
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.conftest import FIXTURES

DELIVERIES = FIXTURES / "deliveries"
AGREEMENT = FIXTURES / "agreement"


def figure(report: Mapping, name: str, units: str, who: str) -> dict:
    (row,) = [f for f in report["figures"] if f["figure"] == name and f["units"] == units and f["annotators"] == who]
    return row


@pytest.fixture(scope="module")
def report() -> dict:
    out, problems = agreement_report(CorpusPaths(DELIVERIES), resamples=200)
    assert problems == []
    return out


def test_delivered_pair_gives_the_figures_of_the_annotation_files(report: dict) -> None:
    """ann_a / ann_b from their own registries give what release 0.2's measurement gave on the files (recorded units)."""
    paths = CorpusPaths(AGREEMENT)
    old = compute_agreement(load_documents(paths), None, load_registry(paths))
    pair = "ann_a / ann_b"
    assert figure(report, "stance_alpha", "recorded", pair)["value"] == pytest.approx(old["stance"]["alpha"])
    assert figure(report, "entity_label_alpha", "recorded", pair)["value"] == pytest.approx(old["entity_label"]["alpha"])
    assert figure(report, "checkworthiness_alpha", "recorded", pair)["value"] == pytest.approx(old["checkworthiness_aligned"]["alpha"])
    assert figure(report, "entity_span_f1_exact", "spans", pair)["value"] == pytest.approx(old["entities"]["exact"]["all"]["f1"])
    assert figure(report, "claim_span_f1_overlap", "spans", pair)["value"] == pytest.approx(old["claims"]["overlap"]["f1"])
    assert figure(report, "cluster_bcubed_f1", "recorded", pair)["value"] == pytest.approx(old["clusters"]["f1"])


def test_own_ids_do_not_count_as_disagreement(report: dict) -> None:
    """ann_c renamed every id: its mentions and clusters agree with ann_b's completely."""
    pair = "ann_b / ann_c"
    for name in ("entity_span_f1_exact", "entity_span_f1_overlap"):
        assert figure(report, name, "spans", pair)["value"] == 1.0
    assert figure(report, "entity_label_alpha", "one_sided", pair)["value"] == 1.0
    assert figure(report, "cluster_bcubed_f1", "recorded", pair)["value"] == 1.0
    assert figure(report, "stance_alpha", "recorded", pair)["value"] < 1.0  # the flipped label


def test_one_sided_units_count_absence_as_disagreement() -> None:
    """Two annotators agree on one stance; only A records a second: 'recorded' sees 1 unit, 'one_sided' 2."""

    def aset(stances: list[tuple[str, str]]) -> dict:
        return {
            "entities": [],
            "claims": [],
            "stances": [
                {"holder": {"kind": "unnamed", "description": h, "span": {"text": h}}, "target": "t", "label": lab} for h, lab in stances
            ],
        }

    docs = {
        "d1": {"A": aset([("an official", "favor"), ("a lawyer", "against")]), "B": aset([("an official", "favor")])},
        "d2": {"A": aset([("a mayor", "against")]), "B": aset([("a mayor", "favor")])},
    }
    r = compute_reliability(document_units(docs), resamples=0)
    rec, one = figure(r, "stance_alpha", "recorded", "all"), figure(r, "stance_alpha", "one_sided", "all")
    assert (rec["n"], one["n"]) == (2, 3)
    codes = {"favor": 0, "against": 1, "absent": 4}
    expected_rec = krippendorff.alpha(reliability_data=np.array([[0, 1], [0, 0]], dtype=float), level_of_measurement="nominal")
    data = [[codes["favor"], codes["against"], codes["against"]], [codes["favor"], codes["absent"], codes["favor"]]]
    expected_one = krippendorff.alpha(reliability_data=np.array(data, dtype=float), level_of_measurement="nominal")
    assert rec["value"] == pytest.approx(expected_rec)
    assert one["value"] == pytest.approx(expected_one)


clusterings = st.lists(st.frozensets(st.sampled_from("abcd"), max_size=3), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(clusterings, st.data())
def test_fast_bcubed_is_the_reference_bcubed(a: list, data: st.DataObject) -> None:
    b = data.draw(st.lists(st.frozensets(st.sampled_from("wxyz"), max_size=3), min_size=len(a), max_size=len(a)))
    du = DocUnits("d", ["x", "y"], claim_units=[{"x": la, "y": lb} for la, lb in zip(a, b, strict=True)])
    got = _Clusters.of([du], "x", "y", "recorded").f1(np.array([0]))
    assert got == pytest.approx(bcubed(a, b)["f1"])


def test_intervals_are_seeded_and_contain_the_figure(report: dict) -> None:
    again, _ = agreement_report(CorpusPaths(DELIVERIES), resamples=200)
    assert again == report
    other, _ = agreement_report(CorpusPaths(DELIVERIES), resamples=200, seed=1)
    assert other["figures"] != report["figures"]
    assert report["bootstrap"] == {"unit": "document", "resamples": 200, "seed": 20261203, "interval": "95% percentile"}
    for f in report["figures"]:
        if f["value"] is not None and f["ci95"] is not None:
            assert f["ci95"][0] <= f["ci95"][1]
    assert "n = 3 documents" in report["framing"] and "AI language models" in report["framing"]


def test_cli_text_and_json(report: dict) -> None:
    out = CliRunner().invoke(cli, ["agreement", "--root", str(DELIVERIES), "--resamples", "200", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == report
    text = CliRunner().invoke(cli, ["agreement", "--root", str(DELIVERIES), "--resamples", "50"], env={"COLUMNS": "200"}).output
    for needle in ("one_sided:", "recorded:", "absent", "95% CI", "ann_b / ann_c", "n = 3 documents"):
        assert needle in text, needle


def test_only_sealed_deliveries_count_and_a_broken_seal_gives_no_figure(tmp_path: Path) -> None:
    root = tmp_path / "d"
    shutil.copytree(DELIVERIES, root)
    shutil.rmtree(root / "annotations/independent/ann_c")
    (root / "annotations/independent/ann_b/SEAL.json").unlink()
    out = CliRunner().invoke(cli, ["agreement", "--root", str(root), "--format", "json"])
    assert out.exit_code == 1
    assert "expected SEAL.json" in out.output and "cannot compute agreement" in out.output
    protocol = json.loads((root / "annotations/protocol.json").read_text(encoding="utf-8"))
    protocol["legacy_deliveries"] = [{"set_id": "ann_b", "reason": "predates sealing"}]
    (root / "annotations/protocol.json").write_text(json.dumps(protocol), encoding="utf-8")
    body = json.loads(CliRunner().invoke(cli, ["agreement", "--root", str(root), "--format", "json"]).output)
    assert body["status"] == "not_computable" and "counted: ann_a;" in body["message"]
    body = json.loads(
        CliRunner().invoke(cli, ["agreement", "--root", str(root), "--include-legacy", "--resamples", "10", "--format", "json"]).output
    )
    assert body["status"] == "computed" and body["annotators"] == ["ann_a", "ann_b"]
    assert "legacy" in body["framing"]


def test_imported_copies_are_not_read(tmp_path: Path) -> None:
    """The annotation files' sets do not count under the default source, whatever they hold."""
    root = tmp_path / "d"
    shutil.copytree(DELIVERIES, root)
    for p in (root / "annotations").glob("9*.json"):
        doc = json.loads(p.read_text(encoding="utf-8"))
        for s in doc["annotations"]:
            for stn in s["stances"]:
                stn["label"] = "none"
        p.write_text(json.dumps(doc), encoding="utf-8")
    again, _ = agreement_report(CorpusPaths(root), resamples=200)
    base, _ = agreement_report(CorpusPaths(DELIVERIES), resamples=200)
    assert again["figures"] == base["figures"]


def test_the_shipped_corpus_reports_its_deliveries_truthfully() -> None:
    """No figure from fewer than two sealed deliveries; figures, with intervals, from two or more."""
    paths = CorpusPaths()
    body, problems = agreement_report(paths, resamples=10)
    assert problems == []  # `cartel-fto validate` would fail too: freeze the guidelines the seals name
    folder = paths.annotations / "independent"
    sealed = [p.parent.name for p in folder.glob("*/SEAL.json")] if folder.is_dir() else []
    if len(sealed) < 2:
        assert body["status"] == "not_computable" and "two or more sealed deliveries" in body["message"]
    else:
        assert body["status"] == "computed" and body["annotators"] == sorted(sealed)
        assert all(f["ci95"] is not None for f in body["figures"] if f["value"] is not None)
    files, _ = agreement_report(paths, "files", resamples=10)
    if files["status"] == "computed" and {"llm-annotator-1", "llm-annotator-2"} <= set(files["annotators"]):
        rec = figure(files, "stance_alpha", "recorded", "llm-annotator-1 / llm-annotator-2")["value"]
        one = figure(files, "stance_alpha", "one_sided", "llm-annotator-1 / llm-annotator-2")["value"]
        assert one < rec  # release 0.2: stances one annotator recorded and the other did not


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=2, max_size=4), min_size=1, max_size=15), st.integers(0, 2**32 - 1))
def test_vectorised_alpha_is_krippendorffs_on_every_draw(units: list[list[int]], seed: int) -> None:
    """The bootstrap's alpha (coincidences summed over drawn documents) equals the `krippendorff` package's."""
    from cartel_fto_corpus.inspection.reliability import alpha_of_coincidences, coincidences

    counts = np.array([np.bincount(u, minlength=4) for u in units], dtype=float)
    docs = [counts[i : i + 3] for i in range(0, len(counts), 3)]
    draw = np.random.default_rng(seed).integers(0, len(docs), size=len(docs))
    sample = np.concatenate([docs[d] for d in draw])
    weights = np.bincount(draw, minlength=len(docs)).astype(float)
    got = alpha_of_coincidences(np.einsum("d,dij->ij", weights, np.stack([coincidences(d) for d in docs])))
    if np.count_nonzero(sample.sum(axis=0)) < 2:
        assert np.isnan(got)
    else:
        assert float(got) == pytest.approx(krippendorff.alpha(value_counts=sample, level_of_measurement="nominal"))
