"""Against the real server: what a re-push costs, and pull on hostile or careless Label Studio data (issues 13, 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.labelstudio.client import Client, Settings
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.repo import SyncError
from cartel_fto_corpus.labelstudio.server import LocalServer
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import FaultyProxy, as_author, as_draft, copy_corpus, tree_hash

pytestmark = pytest.mark.labelstudio


def quiet(_: str) -> None:
    pass


def the_task(client: Client, title: str, doc_id: str | None = None) -> dict:
    proj = client.find_project(None, title)
    return next(t for t in client.export_tasks(proj.id) if doc_id is None or t["data"]["doc_id"] == doc_id)


def test_repush_with_nothing_changed_costs_one_listing(
    any_corpus: Path, ls_server: LocalServer, ls_client: Client, project_title: str, faulty_proxy: FaultyProxy
) -> None:
    paths = CorpusPaths(any_corpus)
    counted = Client(Settings(faulty_proxy.url, ls_server.token, timeout=30, retries=0))  # the sync state is per URL
    push(paths, counted, title=project_title, echo=quiet)
    faulty_proxy.seen.clear()
    report = push(paths, counted, title=project_title, echo=quiet)
    assert (report.created_tasks, report.updated, report.created_annotations, report.meta_updates) == (0, 0, 0, 0)
    seen = faulty_proxy.seen
    assert [s for s in seen if "/api/tasks" in s] == [s for s in seen if s.startswith("GET /api/tasks?")] and len(
        [s for s in seen if "/api/tasks" in s]
    ) == 1, seen
    assert not any("/export" in s or "/import" in s or not s.startswith("GET ") for s in seen), seen
    assert len(seen) == 1, seen  # the one task listing: the project's id comes from the sync state


def test_push_finds_the_project_again_when_the_remembered_one_is_gone(
    fixture_corpus: Path, ls_server: LocalServer, project_title: str, faulty_proxy: FaultyProxy
) -> None:
    """The sync state remembers the project's id; deleted in Label Studio, the next push looks it up and creates it again."""
    paths = CorpusPaths(fixture_corpus)
    counted = Client(Settings(faulty_proxy.url, ls_server.token, timeout=30, retries=0))
    first = push(paths, counted, title=project_title, echo=quiet)
    counted.sdk.projects.delete(id=first.project_id)
    faulty_proxy.seen.clear()
    again = push(paths, counted, title=project_title, echo=quiet)
    assert again.project_id != first.project_id and again.created_tasks == first.created_tasks
    assert any(s.startswith("GET /api/projects") for s in faulty_proxy.seen), faulty_proxy.seen


def test_push_sends_no_second_export(fixture_corpus: Path, ls_server: LocalServer, project_title: str, faulty_proxy: FaultyProxy) -> None:
    counted = Client(Settings(faulty_proxy.url, ls_server.token, timeout=30, retries=0))
    push(CorpusPaths(fixture_corpus), counted, title=project_title, echo=quiet)
    assert not any("/export" in s for s in faulty_proxy.seen), faulty_proxy.seen
    assert sum("/import" in s for s in faulty_proxy.seen) == 1


def test_dry_run_prints_exactly_what_apply_runs(fixture_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(fixture_corpus)
    push(paths, ls_client, title=project_title, echo=quiet)
    f = paths.annotation_files()[0]
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["note"] = "changed in the repo"
    f.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines: list[str] = []
    dry = push(paths, ls_client, title=project_title, dry_run=True, echo=lines.append)
    real = push(paths, ls_client, title=project_title, echo=quiet)
    assert dry.plan.actions == real.plan.actions and dry.plan.actions
    assert [f"would {a.describe()}" for a in real.plan.actions] == lines[:-1]


def _corrupt_export(broken: str, how: str):
    """A rewrite of the real export: task `meta` a string, or one region's `value` a list (what a hostile
    or buggy server could send; Label Studio's own API refuses to store the second)."""

    def fn(body: bytes) -> bytes:
        tasks = json.loads(body)
        for t in tasks:
            if t["data"]["doc_id"] != broken:
                continue
            if how == "meta":
                t["meta"] = "a string"
            else:
                region = next(i for i in t["annotations"][0]["result"] if i.get("type") == "labels")
                region["value"] = [region["value"]]
        return json.dumps(tasks).encode()

    return fn


@pytest.mark.parametrize("how", ["meta", "value"])
def test_malformed_task_is_one_line_and_others_come_in_with_partial(
    repo_corpus: Path, ls_server: LocalServer, ls_client: Client, project_title: str, faulty_proxy: FaultyProxy, how: str
) -> None:
    paths = CorpusPaths(repo_corpus)
    files = paths.annotation_files()
    push(paths, ls_client, title=project_title, echo=quiet)
    broken = files[0].stem
    faulty_proxy.fault("/export", "rewrite", fn=_corrupt_export(broken, how))
    hostile = Client(Settings(faulty_proxy.url, ls_server.token, timeout=60, retries=0))
    fresh = copy_corpus(repo_corpus, repo_corpus.parent / "fresh")
    for p in CorpusPaths(fresh).annotation_files():
        p.unlink()
    before = tree_hash(CorpusPaths(fresh).annotations)
    with pytest.raises(SyncError) as err:
        pull(CorpusPaths(fresh), hostile, title=project_title, echo=quiet)
    problems = [line for line in err.value.lines if broken in line]
    assert len(problems) == 1 and "Traceback" not in problems[0], err.value.lines
    if how == "value":
        annotator = json.loads(files[0].read_text(encoding="utf-8"))["annotations"][0]["annotator"]
        assert annotator in problems[0] and "region" in problems[0]
    assert tree_hash(CorpusPaths(fresh).annotations) == before
    report = pull(CorpusPaths(fresh), hostile, title=project_title, partial=True, echo=quiet)
    assert {Path(p).stem for p in report.written} == {p.stem for p in files} - {broken}
    assert report.failed and broken in report.failed[0]
    result = CliRunner().invoke(
        cli,
        ["ls", "pull", "--root", str(fresh), "--title", project_title, "--partial"],
        env={"LABEL_STUDIO_URL": faulty_proxy.url, "LABEL_STUDIO_API_KEY": ls_server.token},
    )
    assert result.exit_code == 1 and "Traceback" not in result.output and broken in result.output, result.output


def test_pull_refuses_a_corpus_that_would_not_validate(fixture_corpus: Path, ls_client: Client, project_title: str) -> None:
    """An annotator clears every region: every registry entry goes unused; pull refuses and writes nothing."""
    paths = CorpusPaths(fixture_corpus)
    as_draft(paths)
    push(paths, ls_client, title=project_title, echo=quiet)
    ann = the_task(ls_client, project_title)["annotations"][0]
    keep = [i for i in ann["result"] if i.get("from_name") == "status"]  # every region cleared, the set itself kept
    as_author(ls_client, ann).sdk.annotations.update(id=ann["id"], result=keep)
    before = tree_hash(paths.annotations)
    with pytest.raises(SyncError) as err:
        pull(paths, ls_client, title=project_title, prefer="labelstudio", echo=quiet)
    assert any("registry" in line and "used" in line for line in err.value.lines), err.value.lines
    assert "would not validate" in err.value.lines[-1]
    assert tree_hash(paths.annotations) == before


def test_dangling_relation_is_reported(fixture_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(fixture_corpus)
    push(paths, ls_client, title=project_title, echo=quiet)
    ann = the_task(ls_client, project_title)["annotations"][0]
    rel = next((i for i in ann["result"] if i.get("type") == "relation"), None)
    if rel is None:
        pytest.skip("the fixture has no relation")
    ann["result"].append({**rel, "to_id": "deleted-region"})
    as_author(ls_client, ann).sdk.annotations.update(id=ann["id"], result=ann["result"])
    try:
        report = pull(paths, ls_client, title=project_title, prefer="labelstudio", echo=quiet)
        lines = report.warnings
    except SyncError as exc:
        lines = exc.lines
    assert any("deleted-region" in line and "deleted region" in line for line in lines), lines
