"""Connection failures against the real server (or a proxy wrapping it): one line, exit != 0, repo unchanged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.labelstudio.client import Client, Settings
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import LocalServer, free_port
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import FaultyProxy, tree_hash

pytestmark = pytest.mark.labelstudio


def run(args: list[str], url: str, key: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["ls", *args], env={"LABEL_STUDIO_URL": url, "LABEL_STUDIO_API_KEY": key}, catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr, interleaved


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def assert_clean_failure(code: int, output: str, key: str, needle: str) -> None:
    assert code != 0
    errors = error_lines(output)
    assert len(errors) == 1, output
    assert needle in errors[0], output
    assert key not in output and "Traceback" not in output


def test_wrong_key(fixture_corpus: Path, ls_server: LocalServer, project_title: str) -> None:
    before = tree_hash(fixture_corpus)
    bad = "f" * 40
    for cmd in ("push", "pull"):
        code, out = run([cmd, "--root", str(fixture_corpus), "--title", project_title], ls_server.url, bad)
        assert_clean_failure(code, out, bad, "rejected the API key")
    assert tree_hash(fixture_corpus) == before


def test_server_down(fixture_corpus: Path, ls_server: LocalServer, project_title: str) -> None:
    before = tree_hash(fixture_corpus)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, out = run(["pull", "--root", str(fixture_corpus), "--title", project_title, "--retries", "1"], url, ls_server.token)
    assert_clean_failure(code, out, ls_server.token, "cannot connect")
    assert tree_hash(fixture_corpus) == before


def test_wrong_project(fixture_corpus: Path, ls_server: LocalServer, project_title: str) -> None:
    code, out = run(["pull", "--root", str(fixture_corpus), "--project", "999999"], ls_server.url, ls_server.token)
    assert_clean_failure(code, out, ls_server.token, "999999")
    code, out = run(["pull", "--root", str(fixture_corpus), "--title", project_title], ls_server.url, ls_server.token)
    assert_clean_failure(code, out, ls_server.token, "no project")


def test_timeout_mid_pull(
    fixture_corpus: Path, ls_server: LocalServer, ls_client: Client, project_title: str, faulty_proxy: FaultyProxy
) -> None:
    push(CorpusPaths(fixture_corpus), ls_client, title=project_title, echo=lambda _: None)
    for p in CorpusPaths(fixture_corpus).annotation_files():
        p.unlink()  # a successful pull would write them
    before = tree_hash(fixture_corpus)
    faulty_proxy.fault("/export", "hang", seconds=10)
    code, out = run(
        ["pull", "--root", str(fixture_corpus), "--title", project_title, "--timeout", "1", "--retries", "1"],
        faulty_proxy.url,
        ls_server.token,
    )
    assert_clean_failure(code, out, ls_server.token, "did not answer within 1 s")
    assert sum("/export" in s for s in faulty_proxy.seen) == 2  # tried, retried once, gave up
    assert tree_hash(fixture_corpus) == before


def test_malformed_export(
    fixture_corpus: Path, ls_server: LocalServer, ls_client: Client, project_title: str, faulty_proxy: FaultyProxy
) -> None:
    push(CorpusPaths(fixture_corpus), ls_client, title=project_title, echo=lambda _: None)
    before = tree_hash(fixture_corpus)
    faulty_proxy.fault("/export", "garbage")
    code, out = run(["pull", "--root", str(fixture_corpus), "--title", project_title], faulty_proxy.url, ls_server.token)
    assert_clean_failure(code, out, ls_server.token, "malformed JSON")
    assert tree_hash(fixture_corpus) == before


def test_dropped_connection_is_retried(
    fixture_corpus: Path, ls_server: LocalServer, ls_client: Client, project_title: str, faulty_proxy: FaultyProxy
) -> None:
    paths = CorpusPaths(fixture_corpus)
    push(paths, ls_client, title=project_title, echo=lambda _: None)
    files = {p.name: p.read_bytes() for p in paths.annotation_files()}
    for p in paths.annotation_files():
        p.unlink()
    faulty_proxy.fault("/export", "drop", times=1)
    client = Client(Settings(faulty_proxy.url, ls_server.token, timeout=10, retries=2, backoff=0.05))
    report = pull(paths, client, title=project_title, echo=lambda _: None)
    assert sum("/export" in s for s in faulty_proxy.seen) == 2
    assert len(report.written) == len(files)
    assert {p.name: p.read_bytes() for p in paths.annotation_files()} == files


def test_key_is_never_written(fixture_corpus: Path, ls_server: LocalServer, project_title: str) -> None:
    code, out = run(["push", "--root", str(fixture_corpus), "--title", project_title], ls_server.url, ls_server.token)
    assert code == 0, out
    code, out = run(["pull", "--root", str(fixture_corpus), "--title", project_title], ls_server.url, ls_server.token)
    assert code == 0, out
    assert ls_server.token not in out
    hits = subprocess.run(["grep", "-rl", ls_server.token, str(fixture_corpus)], capture_output=True, text=True).stdout
    assert hits == ""
    assert (fixture_corpus / ".labelstudio" / "state.json").exists()
