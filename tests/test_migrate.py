"""Migration from schema 1.0 to 1.1 (`cartel-fto migrate`): lossless, idempotent, all or nothing.

The 1.0 input is made from the 1.1 fixture corpus by the inverse change (clusters -> cluster,
no qid_source, no cluster kind), so the test also proves that the migration gives back exactly
the committed 1.1 files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cartel_fto_corpus.checks.validate import EXIT_OK, validate
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.truth.migrate import (
    MigrationError,
    cluster_kinds,
    migrate_annotation,
    migrate_claim,
    migrate_registry,
    migrate_root,
)
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import dumps
from tests.conftest import FIXTURE_CORPUS


def downgrade_annotation(doc: dict[str, Any]) -> dict[str, Any]:
    """The 1.0 form of a 1.1 annotation file whose claims are in at most one cluster."""
    out = dict(doc, schema_version="1.0")
    sets = []
    for aset in doc["annotations"]:
        claims = []
        for c in aset["claims"]:
            assert len(c["clusters"]) <= 1, "1.0 cannot express several clusters"
            claims.append({("cluster" if k == "clusters" else k): ((v[0] if v else None) if k == "clusters" else v) for k, v in c.items()})
        sets.append(dict(aset, claims=claims))
    out["annotations"] = sets
    return out


def downgrade_registry(reg: dict[str, Any]) -> dict[str, Any]:
    out = dict(reg, schema_version="1.0")
    out["entities"] = [{k: v for k, v in e.items() if k != "qid_source"} for e in reg["entities"]]
    out["clusters"] = [{k: v for k, v in c.items() if k != "kind"} for c in reg["clusters"]]
    return out


@pytest.fixture
def old_corpus(tmp_path: Path) -> Path:
    """A copy of the fixture corpus written back in schema 1.0."""
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, root)
    paths = CorpusPaths(root)
    for p in paths.annotation_files():
        p.write_text(dumps(downgrade_annotation(json.loads(p.read_text(encoding="utf-8")))), encoding="utf-8")
    paths.registry.write_text(dumps(downgrade_registry(json.loads(paths.registry.read_text(encoding="utf-8")))), encoding="utf-8")
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "annotations").glob("*.json"))}


def test_migration_restores_the_committed_1_1_files(old_corpus: Path) -> None:
    result = migrate_root(CorpusPaths(old_corpus))
    assert result.errors == []
    assert len(result.written) == len(_snapshot(old_corpus))
    assert _snapshot(old_corpus) == _snapshot(FIXTURE_CORPUS)
    assert validate(root=old_corpus).exit_code == EXIT_OK


def test_migration_is_idempotent(old_corpus: Path) -> None:
    migrate_root(CorpusPaths(old_corpus))
    once = _snapshot(old_corpus)
    again = migrate_root(CorpusPaths(old_corpus))
    assert again.written == [] and len(again.current) == len(once)
    assert _snapshot(old_corpus) == once


def test_unknown_version_writes_nothing(old_corpus: Path) -> None:
    paths = CorpusPaths(old_corpus)
    victim = paths.annotation_files()[0]
    doc = json.loads(victim.read_text(encoding="utf-8"))
    victim.write_text(dumps(dict(doc, schema_version="0.9")), encoding="utf-8")
    before = _snapshot(old_corpus)
    result = migrate_root(paths)
    assert result.written == []
    assert result.errors == [f'{victim}:/schema_version: expected schema_version 1.0 or 1.1, found "0.9"']
    assert _snapshot(old_corpus) == before  # the registry was not migrated on its own either


def test_cli_check_then_migrate(old_corpus: Path) -> None:
    runner = CliRunner()
    check = runner.invoke(cli, ["migrate", "--root", str(old_corpus), "--check"])
    assert check.exit_code == 1
    assert "needs migrating" in check.output
    assert runner.invoke(cli, ["migrate", "--root", str(old_corpus)]).exit_code == 0
    assert runner.invoke(cli, ["migrate", "--root", str(old_corpus), "--check"]).exit_code == 0


def test_cluster_kind_comes_from_member_claims() -> None:
    docs = [
        {
            "annotations": [
                {"claims": [{"cluster": "a", "checkworthiness": "non_factual"}, {"cluster": "b", "checkworthiness": "check_worthy"}]}
            ]
        },
        {
            "annotations": [
                {"claims": [{"cluster": "b", "checkworthiness": "non_factual"}, {"cluster": None, "checkworthiness": "non_factual"}]}
            ]
        },
    ]
    assert cluster_kinds(docs) == {"a": "non_factual", "b": "factual"}
    reg = {
        "schema_version": "1.0",
        "entities": [],
        "targets": [],
        "clusters": [{"id": "a", "summary": "s", "discrepancies": None}, {"id": "c", "summary": "s", "discrepancies": None}],
    }
    migrated = migrate_registry(reg, cluster_kinds(docs))
    assert [list(c) for c in migrated["clusters"]] == [["id", "kind", "summary", "discrepancies"]] * 2
    assert [c["kind"] for c in migrated["clusters"]] == ["non_factual", "factual"]


def test_qid_source_marks_old_qids_unconfirmed() -> None:
    reg = {
        "schema_version": "1.0",
        "entities": [
            {"id": "x", "name": "X", "type": "GPE", "org_type": None, "qid": "Q30", "note": "n"},
            {"id": "y", "name": "Y", "type": "GPE", "org_type": None, "qid": None},
        ],
        "targets": [],
        "clusters": [],
    }
    out = migrate_registry(reg, {})
    assert list(out["entities"][0]) == ["id", "name", "type", "org_type", "qid", "qid_source", "note"]
    assert out["entities"][0]["qid_source"]["status"] == "unconfirmed"
    assert out["entities"][1]["qid_source"] is None


def test_annotation_with_unknown_version_is_refused() -> None:
    with pytest.raises(MigrationError):
        migrate_annotation({"schema_version": "2.0", "annotations": []})


claim_keys = st.lists(st.sampled_from(["id", "start", "end", "text", "claimant", "type", "hedged"]), unique=True)


@given(
    keys=claim_keys,
    position=st.integers(min_value=0, max_value=7),
    cluster=st.one_of(st.none(), st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)),
)
def test_migrate_claim_keeps_everything_but_the_cluster_field(keys: list[str], position: int, cluster: str | None) -> None:
    items = [(k, k.upper()) for k in keys]
    items.insert(min(position, len(items)), ("cluster", cluster))
    claim = dict(items)
    out = migrate_claim(claim)
    assert list(out) == [("clusters" if k == "cluster" else k) for k in claim]
    assert out["clusters"] == ([] if cluster is None else [cluster])
    assert {k: v for k, v in out.items() if k != "clusters"} == {k: v for k, v in claim.items() if k != "cluster"}
    assert migrate_claim(out) == out


# --- below the fixtures: survivors of the mutation run (issue 26) ------------------------------


def test_files_already_at_1_1_are_returned_as_they_are() -> None:
    doc = {"schema_version": "1.1", "annotations": [{"claims": [{"clusters": []}]}]}
    assert migrate_annotation(doc) is doc
    reg = {"schema_version": "1.1", "entities": [], "clusters": []}
    assert migrate_registry(reg, {}) is reg


def test_missing_lists_migrate_to_nothing() -> None:
    assert migrate_annotation({"schema_version": "1.0"}) == {"schema_version": "1.1", "annotations": []}
    assert migrate_annotation({"schema_version": "1.0", "annotations": [{"id": "s"}]})["annotations"] == [{"id": "s", "claims": []}]
    assert migrate_registry({"schema_version": "1.0"}, {}) == {"schema_version": "1.1", "entities": [], "clusters": []}
    assert cluster_kinds([{}, {"annotations": [{}]}, {"annotations": [{"claims": [{"checkworthiness": "non_factual"}]}]}]) == {}


def test_fields_already_there_keep_their_value_and_place() -> None:
    confirmed = {"status": "confirmed", "source": "s", "evidence": "e"}
    entity = {"qid_source": confirmed, "id": "a", "qid": "Q1"}
    cluster = {"kind": "non_factual", "id": "c"}
    reg = migrate_registry({"schema_version": "1.0", "entities": [entity], "clusters": [cluster]}, {"c": "factual"})
    assert reg["entities"] == [entity] and list(reg["entities"][0]) == ["qid_source", "id", "qid"]
    assert reg["clusters"] == [cluster] and list(reg["clusters"][0]) == ["kind", "id"]


def test_a_key_inserted_after_an_absent_key_goes_last() -> None:
    reg = migrate_registry({"schema_version": "1.0", "entities": [{"id": "a"}], "clusters": [{"summary": "x"}]}, {})
    assert reg["entities"] == [{"id": "a", "qid_source": None}]
    assert reg["clusters"] == [{"summary": "x", "kind": "factual"}] and list(reg["clusters"][0]) == ["summary", "kind"]


def _root(tmp_path: Path, files: dict[str, str]) -> CorpusPaths:
    (tmp_path / "annotations").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / "annotations" / name).write_text(text, encoding="utf-8")
    return CorpusPaths(tmp_path)


def test_migrate_root_reports_each_file_it_cannot_migrate(tmp_path: Path) -> None:
    paths = _root(
        tmp_path,
        {"a.json": "[1]", "b.json": "{not json", "c.json": '{"schema_version": "0.9"}', "d.json": '{"schema_version": "2.0"}'},
    )
    result = migrate_root(paths)
    ann = tmp_path / "annotations"
    assert result.errors[0] == f"{ann / 'a.json'}: expected a JSON object, found list"
    assert result.errors[1].startswith(f"{ann / 'b.json'}: unreadable: Expecting property name")
    assert result.errors[2:] == [
        f'{ann / "c.json"}:/schema_version: expected schema_version 1.0 or 1.1, found "0.9"',
        f'{ann / "d.json"}:/schema_version: expected schema_version 1.0 or 1.1, found "2.0"',
    ]
    assert result.written == [] and result.current == []


def test_migrate_root_without_a_registry_lists_current_and_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cartel_fto_corpus.truth import atomic, lock

    compact = '{"schema_version": "1.1", "annotations": []}'  # current, though not in the layout dumps writes
    paths = _root(tmp_path, {"a.json": compact, "b.json": '{"schema_version": "1.0", "annotations": []}'})
    locked: list[Path] = []
    roots: list[Path | None] = []
    real_lock, real_write = lock.corpus_lock, atomic.write_all_atomic
    monkeypatch.setattr(lock, "corpus_lock", lambda root: locked.append(Path(root)) or real_lock(root))
    monkeypatch.setattr(atomic, "write_all_atomic", lambda files, root=None: roots.append(root) or real_write(files, root=root))
    dry = migrate_root(paths, write=False)
    ann = tmp_path / "annotations"
    assert (dry.errors, dry.current, dry.written) == ([], [ann / "a.json"], [ann / "b.json"])
    assert locked == [] and roots == [] and "1.0" in (ann / "b.json").read_text()
    done = migrate_root(paths)
    assert (done.errors, done.current, done.written) == ([], [ann / "a.json"], [ann / "b.json"])
    assert locked == [tmp_path] and roots == [tmp_path]
    assert (ann / "a.json").read_text() == compact
    assert json.loads((ann / "b.json").read_text()) == {"schema_version": "1.1", "annotations": []}


def test_a_claim_with_clusters_is_left_alone_even_with_a_cluster_too() -> None:
    claim = {"clusters": ["a"], "cluster": "b"}
    assert migrate_claim(claim) is claim and claim == {"clusters": ["a"], "cluster": "b"}
