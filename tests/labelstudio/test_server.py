"""`cartel-fto ls serve` / `ls stop`: a second real server from a copy of the migrated data dir."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.labelstudio.client import Client, Settings
from cartel_fto_corpus.labelstudio.server import CHECKER_PID_FILE, PID_FILE, LocalServer, copy_data_dir, free_port, running_pid

pytestmark = pytest.mark.labelstudio


def alive(pid: int) -> bool:
    """Running (a detached server started by this test process is our child: reap it once it exits)."""
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_pushes_predictions_and_stop_ends_it(
    fixture_corpus: Path, ls_venv: Path, ls_template: tuple[Path, str, str], tmp_path: Path
) -> None:
    template, _password, token = ls_template
    data = copy_data_dir(template, tmp_path / "server")
    port = free_port()
    env = {"LABEL_STUDIO_API_KEY": None, "LABEL_STUDIO_URL": None, "LABEL_STUDIO_PASSWORD": None}
    key_file = tmp_path / "key"
    key_file.write_text(token + "\n", encoding="utf-8")
    args = [
        "ls",
        "serve",
        "--root",
        str(fixture_corpus),
        "--data-dir",
        str(data),
        "--venv",
        str(ls_venv),
        "--port",
        str(port),
        "--api-key-file",
        str(key_file),
        "--detach",
    ]
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    pid = None
    try:
        assert result.exit_code == 0, result.output
        assert f"http://127.0.0.1:{port}" in result.output and "log in as" in result.output
        assert token not in result.output
        found = running_pid(data)
        assert found is not None and found[1] == port
        pid = found[0]
        assert (data / CHECKER_PID_FILE).exists()  # the submission check runs beside it
        client = Client(Settings(f"http://127.0.0.1:{port}", token))
        proj = client.find_project(None, "cartel_fto_corpus")
        assert len(client.export_tasks(proj.id)) == 1
        assert len(client.sdk.predictions.list(project=proj.id)) == 1
        # `ls pull` / `ls push` find this server with no exports: URL from the state file, key from its database
        state = fixture_corpus / ".labelstudio" / "server.json"
        assert state.exists() and token not in state.read_text()
        for cmd in ("pull", "push"):
            found_it = CliRunner().invoke(cli, ["ls", cmd, "--root", str(fixture_corpus)], env=env, catch_exceptions=False)
            assert found_it.exit_code == 0, found_it.output
            assert token not in found_it.output
        # a second serve from the same data dir refuses instead of starting twice
        again = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
        assert again.exit_code != 0 and "already running" in again.output
    finally:
        stop = CliRunner().invoke(cli, ["ls", "stop", "--data-dir", str(data)], catch_exceptions=False)
    assert stop.exit_code == 0, stop.output
    deadline = time.monotonic() + 20
    while pid is not None and alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pid is None or not alive(pid)
    assert not (data / PID_FILE).exists() and not (data / CHECKER_PID_FILE).exists()


def test_secrets_never_in_the_process_list_and_data_files_private(ls_server: LocalServer) -> None:
    """The password and token reach Label Studio by environment, not argv; its database (holding the token) is 0600."""
    from .conftest import SECRET_WATCH

    for phase in ("init", "start"):
        watch = SECRET_WATCH[phase]
        assert watch.scans > 3, f"the /proc watch did not run during {phase}"
        assert watch.hits == [], f"a secret was on a command line during {phase}"
    db = ls_server.data_dir / "label_studio.sqlite3"
    assert db.exists() and db.stat().st_mode & 0o777 == 0o600
    loose = [p for p in ls_server.data_dir.rglob("*") if p.is_file() and p.stat().st_mode & 0o077]
    assert loose == [], loose


def test_serve_for_one_annotator_records_their_server_and_pull_finds_it(
    fixture_corpus: Path, ls_venv: Path, ls_template: tuple[Path, str, str], tmp_path: Path
) -> None:
    """`ls serve --annotator anna`: her own server, recorded apart, found by `ls pull/push --annotator anna` (issue 23 point 2)."""
    template, _password, token = ls_template
    data = copy_data_dir(template, tmp_path / "anna")
    env = {"LABEL_STUDIO_API_KEY": None, "LABEL_STUDIO_URL": None, "LABEL_STUDIO_PASSWORD": None}
    args = ["ls", "serve", "--root", str(fixture_corpus), "--annotator", "anna", "--data-dir", str(data), "--venv", str(ls_venv)]
    result = CliRunner().invoke(cli, [*args, "--api-key-file", "-", "--detach"], input=token, env=env, catch_exceptions=False)
    try:
        assert result.exit_code == 0, result.output
        assert "anna's own server" in result.output and "ssh -N -L" in result.output and "--annotator anna" in result.output
        record = fixture_corpus / ".labelstudio" / "annotators" / "anna.json"
        assert record.exists() and token not in record.read_text() and not (fixture_corpus / ".labelstudio" / "server.json").exists()
        for cmd in ("pull", "push"):
            found_it = CliRunner().invoke(
                cli, ["ls", cmd, "--root", str(fixture_corpus), "--annotator", "anna"], env=env, catch_exceptions=False
            )
            assert found_it.exit_code == 0, found_it.output
        bad = CliRunner().invoke(cli, ["ls", "serve", "--root", str(fixture_corpus), "--annotator", "Not A Name"], env=env)
        assert bad.exit_code != 0 and "--annotator: expected an annotator id" in bad.output
    finally:
        stop = CliRunner().invoke(cli, ["ls", "stop", "--data-dir", str(data)], catch_exceptions=False)
    assert stop.exit_code == 0, stop.output
