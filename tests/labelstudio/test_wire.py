"""A pull's export, one streamed request (`wire.export_stream`), against the real server through a proxy that
counts and breaks requests: the tasks in id order, a dropped export fetched again, clean failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
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


@pytest.fixture
def pushed(repo_corpus: Path, ls_client: Client, project_title: str) -> tuple[CorpusPaths, int, list[int]]:
    """The shipped corpus pushed into a fresh project: its paths, the project id and the task ids."""
    paths = CorpusPaths(repo_corpus)
    report = push(paths, ls_client, title=project_title, echo=quiet)
    ids = sorted(t["id"] for t in ls_client.list_tasks(report.project_id))
    assert len(ids) == len(paths.annotation_files()) >= 5
    return paths, report.project_id, ids


def test_the_export_is_one_request_of_every_task_in_id_order(
    pushed: tuple[CorpusPaths, int, list[int]], ls_client: Client, faulty_proxy: FaultyProxy
) -> None:
    _, project_id, ids = pushed
    ls_client.sdk.tasks.delete(id=ids[2])  # a gap in the ids changes nothing
    via_proxy = Client(Settings(faulty_proxy.url, ls_client.settings.api_key, timeout=30, retries=0))
    assert [t["id"] for t in via_proxy.export_tasks(project_id)] == [i for i in ids if i != ids[2]]
    assert len(exports(faulty_proxy)) == 1, faulty_proxy.seen


def test_a_dropped_export_is_fetched_again(
    pushed: tuple[CorpusPaths, int, list[int]], ls_server: LocalServer, faulty_proxy: FaultyProxy
) -> None:
    paths, project_id, _ = pushed
    files = {p.name: p.read_bytes() for p in paths.annotation_files()}
    for p in paths.annotation_files():
        p.unlink()
    faulty_proxy.fault("/export", "drop", times=1)
    client = Client(Settings(faulty_proxy.url, ls_server.token, timeout=30, retries=2, backoff=0.05))
    report = pull(paths, client, title=None, project=str(project_id), echo=quiet)
    assert len(exports(faulty_proxy)) == 2
    assert len(report.written) == len(files)
    assert {p.name: p.read_bytes() for p in paths.annotation_files()} == files


def test_an_export_that_hangs_fails_in_one_line_and_writes_nothing(
    pushed: tuple[CorpusPaths, int, list[int]], ls_server: LocalServer, faulty_proxy: FaultyProxy
) -> None:
    paths, project_id, _ = pushed
    for p in paths.annotation_files():
        p.unlink()
    before = tree_hash(paths.root)
    faulty_proxy.fault("/export", "hang", seconds=10)
    result = CliRunner().invoke(
        cli,
        ["ls", "pull", "--root", str(paths.root), "--project", str(project_id), "--timeout", "1", "--retries", "1"],
        env={"LABEL_STUDIO_URL": faulty_proxy.url, "LABEL_STUDIO_API_KEY": ls_server.token},
    )
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert result.exit_code != 0 and len(errors) == 1 and "did not answer within 1 s" in errors[0], result.output
    assert "Traceback" not in result.output and ls_server.token not in result.output
    assert len(exports(faulty_proxy)) == 2  # tried, retried once, no more
    assert tree_hash(paths.root) == before and not stray_temp_files(paths)


def test_a_malformed_export_is_one_line_and_writes_nothing(
    pushed: tuple[CorpusPaths, int, list[int]], ls_server: LocalServer, faulty_proxy: FaultyProxy
) -> None:
    paths, project_id, _ = pushed
    before = tree_hash(paths.root)
    faulty_proxy.fault("/export", "garbage")
    client = Client(Settings(faulty_proxy.url, ls_server.token, timeout=30, retries=0))
    with pytest.raises(Exception) as err:
        pull(paths, client, project=str(project_id), echo=quiet)
    assert "malformed JSON" in str(err.value) and "\n" not in str(err.value), err.value
    assert tree_hash(paths.root) == before


def test_a_fresh_copy_pulls_every_file(pushed: tuple[CorpusPaths, int, list[int]], ls_client: Client, tmp_path: Path) -> None:
    """The way a newcomer pulls: a clone without annotation files or sync state gets every file back."""
    paths, project_id, _ = pushed
    fresh = CorpusPaths(copy_corpus(paths.root, tmp_path / "fresh"))
    for p in fresh.annotation_files():
        p.unlink()
    pull(fresh, ls_client, project=str(project_id), echo=quiet)
    assert {p.name: p.read_bytes() for p in fresh.annotation_files()} == {p.name: p.read_bytes() for p in paths.annotation_files()}
