"""A pull's export in parts of consecutive task ids, against the real server (through a proxy that counts
and breaks requests): the same tasks as one request, each part retried on its own, clean failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.labelstudio import wire
from cartel_fto_corpus.labelstudio.client import Client, Settings
from cartel_fto_corpus.labelstudio.pull import pull, stray_temp_files
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import LocalServer
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import FaultyProxy, copy_corpus, tree_hash

pytestmark = pytest.mark.labelstudio


def quiet(_: str) -> None:
    pass


def exports(proxy: FaultyProxy) -> list[str]:
    return [s for s in proxy.seen if "/export" in s]


def ids_asked(request: str) -> list[int]:
    return [int(p.split("=", 1)[1]) for p in request.split("?", 1)[1].split("&") if p.startswith("ids%5B%5D=")]


@pytest.fixture
def pushed(repo_corpus: Path, ls_client: Client, project_title: str) -> tuple[CorpusPaths, int, list[int]]:
    """The shipped corpus pushed into a fresh project: its paths, the project id and the task ids."""
    paths = CorpusPaths(repo_corpus)
    report = push(paths, ls_client, title=project_title, echo=quiet)
    ids = sorted(t["id"] for t in ls_client.list_tasks(report.project_id))
    assert len(ids) == len(paths.annotation_files()) >= 5
    return paths, report.project_id, ids


def test_parts_give_what_one_request_gives(
    pushed: tuple[CorpusPaths, int, list[int]], ls_client: Client, faulty_proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, project_id, ids = pushed
    whole = ls_client.export_tasks(project_id)  # 5 tasks <= EXPORT_PART: one request
    monkeypatch.setattr(wire, "EXPORT_PART", 2)
    via_proxy = Client(Settings(faulty_proxy.url, ls_client.settings.api_key, timeout=30, retries=0))
    assert via_proxy.export_tasks(project_id) == whole
    asked = exports(faulty_proxy)
    assert [ids_asked(r) for r in asked] == [ids[0:2], ids[2:4], ids[4:]], asked  # consecutive ids, each once


def test_a_dropped_part_is_fetched_again_alone(
    pushed: tuple[CorpusPaths, int, list[int]], ls_server: LocalServer, faulty_proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, _, ids = pushed
    files = {p.name: p.read_bytes() for p in paths.annotation_files()}
    for p in paths.annotation_files():
        p.unlink()
    monkeypatch.setattr(wire, "EXPORT_PART", 2)
    faulty_proxy.fault(f"ids%5B%5D={ids[2]}&", "drop", times=1)  # the second part
    client = Client(Settings(faulty_proxy.url, ls_server.token, timeout=30, retries=2, backoff=0.05))
    report = pull(paths, client, title=None, project=str(pushed[1]), echo=quiet)
    asked = [ids_asked(r) for r in exports(faulty_proxy)]
    assert asked == [ids[0:2], ids[2:4], ids[2:4], ids[4:]], asked
    assert len(report.written) == len(files)
    assert {p.name: p.read_bytes() for p in paths.annotation_files()} == files


def test_a_part_that_hangs_fails_in_one_line_and_writes_nothing(
    pushed: tuple[CorpusPaths, int, list[int]], ls_server: LocalServer, faulty_proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, project_id, ids = pushed
    for p in paths.annotation_files():
        p.unlink()
    before = tree_hash(paths.root)
    monkeypatch.setattr(wire, "EXPORT_PART", 2)
    faulty_proxy.fault(f"ids%5B%5D={ids[2]}&", "hang", seconds=10)  # the second part, while the first is planned
    result = CliRunner().invoke(
        cli,
        ["ls", "pull", "--root", str(paths.root), "--project", str(project_id), "--timeout", "1", "--retries", "1"],
        env={"LABEL_STUDIO_URL": faulty_proxy.url, "LABEL_STUDIO_API_KEY": ls_server.token},
    )
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert result.exit_code != 0 and len(errors) == 1 and "did not answer within 1 s" in errors[0], result.output
    assert "Traceback" not in result.output and ls_server.token not in result.output
    assert [ids_asked(r) for r in exports(faulty_proxy)] == [ids[0:2], ids[2:4], ids[2:4]]  # tried, retried once, no more
    assert tree_hash(paths.root) == before and not stray_temp_files(paths)


def test_a_malformed_part_is_one_line(
    pushed: tuple[CorpusPaths, int, list[int]], ls_server: LocalServer, faulty_proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, project_id, ids = pushed
    before = tree_hash(paths.root)
    monkeypatch.setattr(wire, "EXPORT_PART", 2)
    faulty_proxy.fault(f"ids%5B%5D={ids[2]}&", "garbage")
    client = Client(Settings(faulty_proxy.url, ls_server.token, timeout=30, retries=0))
    with pytest.raises(Exception) as err:
        pull(paths, client, project=str(project_id), echo=quiet)
    assert "malformed JSON" in str(err.value) and "\n" not in str(err.value), err.value
    assert tree_hash(paths.root) == before


def test_gaps_in_the_ids_are_skipped_and_a_sparse_project_takes_one_request(
    pushed: tuple[CorpusPaths, int, list[int]], ls_client: Client, faulty_proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, project_id, ids = pushed
    via_proxy = Client(Settings(faulty_proxy.url, ls_client.settings.api_key, timeout=30, retries=0))
    monkeypatch.setattr(wire, "EXPORT_PART", 2)
    ls_client.sdk.tasks.delete(id=ids[2])  # 4 tasks over 5 ids: still parts
    got = via_proxy.export_tasks(project_id)
    assert [t["id"] for t in got] == [ids[0], ids[1], ids[3], ids[4]]
    assert [ids_asked(r) for r in exports(faulty_proxy)] == [ids[0:2], ids[2:4], ids[4:]]
    faulty_proxy.seen.clear()
    ls_client.sdk.tasks.delete(id=ids[1])
    ls_client.sdk.tasks.delete(id=ids[3])  # 2 tasks over 5 ids: one request
    monkeypatch.setattr(wire, "EXPORT_PART", 1)
    assert [t["id"] for t in via_proxy.export_tasks(project_id)] == [ids[0], ids[4]]
    assert [ids_asked(r) for r in exports(faulty_proxy)] == [[]]


def test_a_failing_listing_leaves_it_to_one_request(
    pushed: tuple[CorpusPaths, int, list[int]], ls_client: Client, faulty_proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, project_id, _ = pushed
    whole = ls_client.export_tasks(project_id)
    monkeypatch.setattr(wire, "EXPORT_PART", 2)
    faulty_proxy.fault("/api/tasks", "garbage")
    via_proxy = Client(Settings(faulty_proxy.url, ls_client.settings.api_key, timeout=30, retries=0))
    assert via_proxy.export_tasks(project_id) == whole
    assert [ids_asked(r) for r in exports(faulty_proxy)] == [[]]


def test_a_fresh_copy_pulls_in_parts(
    pushed: tuple[CorpusPaths, int, list[int]], ls_client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The way a newcomer pulls: a clone without annotation files or sync state gets every file back."""
    paths, project_id, _ = pushed
    monkeypatch.setattr(wire, "EXPORT_PART", 2)
    fresh = CorpusPaths(copy_corpus(paths.root, tmp_path / "fresh"))
    for p in fresh.annotation_files():
        p.unlink()
    pull(fresh, ls_client, project=str(project_id), echo=quiet)
    assert {p.name: p.read_bytes() for p in fresh.annotation_files()} == {p.name: p.read_bytes() for p in paths.annotation_files()}
