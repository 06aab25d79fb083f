"""`cartel-fto diff` (inspection/diff.py, cli/diff.py): items matched by what they annotate, folders and git revisions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.diff import diff_sides, read_folder, render_text
from tests.conftest import FIXTURE_CORPUS

DOC = "900_00000000000000aa"


def _edit(root: Path) -> None:
    """Entity e1 relabelled, claim c2 removed, a stance added, ids renumbered and marco_rubio renamed in the registry."""
    path = root / "annotations" / f"{DOC}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    s = doc["annotations"][0]
    s["entities"][0]["label"] = "EVENT"
    s["claims"].pop(1)
    s["stances"].append({**s["stances"][0], "id": "s9", "holder": {"kind": "author"}, "attribution": "authorial"})
    for i, item in enumerate(s["entities"]):
        item["id"] = f"m{i}"
    for section in ("entities", "stances", "claims"):
        for item in s[section]:
            for actor in ("holder", "claimant"):
                if item.get(actor, {}).get("entity") == "marco_rubio":
                    item[actor]["entity"] = "rubio"
                    item[actor].pop("mention", None)
        for item in s[section]:
            if item.get("entity") == "marco_rubio":
                item["entity"] = "rubio"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    reg_path = root / "annotations" / "registry.json"
    reg = json.loads(reg_path.read_text(encoding="utf-8"))
    for e in reg["entities"]:
        if e["id"] == "marco_rubio":
            e["id"] = "rubio"
    reg_path.write_text(json.dumps(reg, indent=2), encoding="utf-8")


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    root = tmp_path / "new"
    shutil.copytree(FIXTURE_CORPUS, root)
    _edit(root)
    return root


def test_added_removed_changed_per_layer_and_renamed_ids_are_no_change(edited: Path) -> None:
    report = diff_sides(read_folder(FIXTURE_CORPUS), read_folder(edited))
    assert report["totals"] == {
        "entities": {"added": 0, "removed": 0, "changed": 1},
        "stances": {"added": 1, "removed": 0, "changed": 0},
        "claims": {"added": 0, "removed": 1, "changed": 0},
    }
    d = report["documents"][DOC]
    assert d["entities"]["changed"][0]["fields"] == {"label": ["DATE", "EVENT"]}
    assert d["stances"]["added"][0]["holder"] == "author"
    text = render_text(report)
    assert '~ entity 32:42 "January 20" DATE January 20, 2025: label "DATE" -> "EVENT"' in text
    assert "+ stance author -> fto_designation: favor" in text
    assert "- claim " in text


def test_a_moved_claim_boundary_is_a_change_not_a_removal(tmp_path: Path) -> None:
    root = tmp_path / "new"
    shutil.copytree(FIXTURE_CORPUS, root)
    path = root / "annotations" / f"{DOC}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    c = doc["annotations"][0]["claims"][0]
    c["start"] += 4
    c["text"] = c["text"][4:]
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = diff_sides(read_folder(FIXTURE_CORPUS), read_folder(root))
    assert report["totals"]["claims"] == {"added": 0, "removed": 0, "changed": 1}
    assert report["documents"][DOC]["claims"]["changed"][0]["fields"] == {"span": ["122:162", "126:162"]}


def test_identical_sides_have_no_documents() -> None:
    report = diff_sides(read_folder(FIXTURE_CORPUS), read_folder(FIXTURE_CORPUS / "annotations"))
    assert report["documents"] == {}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def test_git_revisions_are_read_without_touching_the_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE_CORPUS, repo)
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "one")
    _git(repo, "tag", "v0.2.0")
    _edit(repo)
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "two")
    (repo / "annotations" / f"{DOC}.json").write_text("work in progress", encoding="utf-8")  # uncommitted: must stay
    result = CliRunner().invoke(cli, ["diff", "v0.2.0", "HEAD", "--repo", str(repo), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["totals"]["entities"]["changed"] == 1 and body["from"].startswith("v0.2.0 (")
    assert (repo / "annotations" / f"{DOC}.json").read_text(encoding="utf-8") == "work in progress"
    assert _git(repo, "status", "--porcelain") == f" M annotations/{DOC}.json\n"
    mixed = CliRunner().invoke(cli, ["diff", "v0.2.0", str(FIXTURE_CORPUS), "--repo", str(repo)])
    assert mixed.exit_code == 0 and "entities: +0 -0 ~0" in mixed.output


def test_an_unknown_side_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["diff", "no-such-rev", str(FIXTURE_CORPUS), "--repo", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "expected a folder of annotations or a git revision" in result.output
