"""Issue 15 reproductions that need no Label Studio: deadlines, retry caps, credentials in URLs, locks, temp files.

The slow server is a real local HTTP server that trickles its answer one byte at a time; the
SIGKILL test kills a real child process in the middle of writing.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio.client import MAX_BACKOFF, MAX_RETRIES, Client, LabelStudioError, Settings
from cartel_fto_corpus.labelstudio.pull import clean_stray_temp_files, pull_lock, stray_temp_files
from cartel_fto_corpus.labelstudio.repo import SyncError
from cartel_fto_corpus.labelstudio.server import free_port
from cartel_fto_corpus.truth.journal import pending
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import FIXTURE_CORPUS, REPO, copy_corpus


class Trickle(http.server.BaseHTTPRequestHandler):
    """Answers every request one byte every 0.2 s: each read is quick, the whole answer never ends in time."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b'{"results": [], "count": 0}' + b" " * 10_000
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        try:
            for i in range(len(head + body)):
                self.wfile.write((head + body)[i : i + 1])
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass


@pytest.fixture
def trickle_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_timeout_is_a_total_deadline_per_request(trickle_url: str) -> None:
    client = Client(Settings(trickle_url, "k" * 40, timeout=1.5, retries=0))
    t0 = time.monotonic()
    with pytest.raises(LabelStudioError) as err:
        client.find_project(None, "anything")  # an SDK call: the deadline reaches it too
    assert time.monotonic() - t0 < 6
    assert "did not answer within 1.5 s" in str(err.value)
    t0 = time.monotonic()
    with pytest.raises(LabelStudioError):
        client.list_tasks(1)  # a raw call
    assert time.monotonic() - t0 < 6


def test_retries_and_backoff_are_capped() -> None:
    assert Settings("http://x", "k", retries=1_000_000).retries == MAX_RETRIES
    waits: list[float] = []
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens
    client = Client(Settings(url, "k" * 40, timeout=2, retries=1_000_000, backoff=5), sleep=waits.append)
    with pytest.raises(LabelStudioError) as err:
        client.find_project(None, "x")
    assert "cannot connect" in str(err.value)
    assert len(waits) == MAX_RETRIES and max(waits) <= MAX_BACKOFF * 1.25


def test_url_credentials_are_never_echoed() -> None:
    port = free_port()
    url = f"http://alice:s3cretpw@127.0.0.1:{port}"
    client = Client(Settings(url, "k" * 40, timeout=2, retries=0))
    with pytest.raises(LabelStudioError) as err:
        client.find_project(None, "x")
    assert "s3cretpw" not in str(err.value) and "alice" not in str(err.value) and f"***@127.0.0.1:{port}" in str(err.value)
    assert "s3cretpw" not in repr(client)


def test_cli_retries_are_bounded(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cartel_fto_corpus.cli.main import cli

    corpus = copy_corpus(FIXTURE_CORPUS, tmp_path / "c")
    r = CliRunner().invoke(
        cli,
        ["ls", "pull", "--root", str(corpus), "--retries", "1000000", "--url", "http://127.0.0.1:1", "--api-key-file", "-"],
        input="x\n",
    )
    assert r.exit_code == 2 and "1000000" in r.output and "Traceback" not in r.output


def test_the_lock_is_reentrant_within_one_process(tmp_path: Path) -> None:
    """A command holding the corpus lock calls pull(), which takes it again: no deadlock on itself
    (two processes exclude each other: next test)."""
    paths = CorpusPaths(copy_corpus(FIXTURE_CORPUS, tmp_path / "c"))
    with pull_lock(paths), pull_lock(paths):
        pass
    with pull_lock(paths):  # released afterwards
        pass


def test_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    corpus = copy_corpus(FIXTURE_CORPUS, tmp_path / "c")
    code = (
        "import sys, time\n"
        "from cartel_fto_corpus.labelstudio.pull import pull_lock\n"
        "from cartel_fto_corpus.truth.paths import CorpusPaths\n"
        f"with pull_lock(CorpusPaths({str(corpus)!r})):\n"
        "    print('locked', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert proc.stdout.readline().strip() == b"locked"
        with pytest.raises(SyncError) as err, pull_lock(CorpusPaths(corpus)):
            pass
        assert f"locked by pid {proc.pid}:" in err.value.lines[0] and "--wait" in err.value.lines[0]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with pull_lock(CorpusPaths(corpus)):
        pass


def test_sigkill_mid_write_leaves_a_staging_that_the_next_run_removes(tmp_path: Path) -> None:
    corpus = copy_corpus(FIXTURE_CORPUS, tmp_path / "c")
    paths = CorpusPaths(corpus)
    before = {p.name: p.read_bytes() for p in paths.annotations.iterdir()}
    code = (
        "import os, time\n"
        "from pathlib import Path\n"
        "from cartel_fto_corpus.labelstudio.pull import Stage\n"
        f"s = Stage(Path({str(corpus)!r}))\n"
        f"s.put(Path({str(paths.annotation_file('900_00000000000000aa'))!r}), b'{{}}' * 1000)\n"
        "print('staged', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout.readline().strip() == b"staged"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert pending(corpus) == "staged"  # what a killed pull leaves behind (no journal: nothing committed)...
    assert {p.name: p.read_bytes() for p in paths.annotations.iterdir()} == before
    with pull_lock(paths) as removed:  # ...and what the next writer removes first
        assert len(removed) == 1 and pending(corpus) is None
    (paths.annotations / ".900_00000000000000aa.json.0123.tmp").write_bytes(b"{")  # an earlier version's temp file
    assert len(stray_temp_files(paths)) == 1
    assert len(clean_stray_temp_files(paths)) == 1 and stray_temp_files(paths) == []
    assert {p.name: p.read_bytes() for p in paths.annotations.iterdir()} == before


def test_dry_run_stages_nothing(tmp_path: Path) -> None:
    from cartel_fto_corpus.labelstudio.pull import Stage

    corpus = copy_corpus(FIXTURE_CORPUS, tmp_path / "c")
    s = Stage(None)
    s.put(CorpusPaths(corpus).annotation_file("900_00000000000000aa"), b"{}")
    assert pending(corpus) is None and not list(corpus.rglob(".*"))


def test_serve_state_file_gives_url_and_key_without_exports(tmp_path: Path) -> None:
    """`ls pull` finds the server `ls serve` recorded: URL from server.json, key from the server's own database."""
    import sqlite3

    from cartel_fto_corpus.cli.ls import make_client
    from cartel_fto_corpus.labelstudio.server import server_file

    data = tmp_path / "data"
    data.mkdir()
    con = sqlite3.connect(data / "label_studio.sqlite3")
    con.executescript(
        "CREATE TABLE htx_user (id INTEGER PRIMARY KEY, email TEXT, is_superuser BOOL);"
        "CREATE TABLE authtoken_token (key TEXT, user_id INTEGER);"
        "INSERT INTO htx_user VALUES (1, 'admin@localhost.localdomain', 1);"
        "INSERT INTO authtoken_token VALUES ('feedface' || '00000000000000000000000000000000', 1);"
    )
    con.commit()
    con.close()
    root = copy_corpus(FIXTURE_CORPUS, tmp_path / "c")
    f = server_file(root)
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(
        json.dumps({"url": "http://127.0.0.1:9", "data_dir": str(data), "pid": os.getpid(), "username": "admin@localhost.localdomain"})
    )
    env = {k: os.environ.pop(k) for k in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY") if k in os.environ}
    try:
        client = make_client(None, None, 5, 0, root)
        assert client.settings.url == "http://127.0.0.1:9" and client.settings.api_key.startswith("feedface")
        assert "feedface" not in f.read_text()
        f.write_text(json.dumps({"url": "http://127.0.0.1:9", "data_dir": str(data), "pid": 2**22 + 12345}))
        with pytest.raises(LabelStudioError):
            make_client(None, None, 5, 0, root)  # the recorded server is gone: no URL
    finally:
        os.environ.update(env)


def test_the_api_key_is_never_a_command_line_argument(tmp_path: Path) -> None:
    """Issue 27: `--api-key KEY` put the key in the process list while the help said it was never exposed."""
    from click.testing import CliRunner

    from cartel_fto_corpus.cli.main import cli

    for command in (["ls", "push"], ["ls", "pull"], ["ls", "serve"]):
        help_text = CliRunner().invoke(cli, [*command, "--help"]).output
        assert "--api-key-file FILE" in help_text and "--api-key " not in help_text
        refused = CliRunner().invoke(cli, [*command, "--api-key", "secret-in-argv"])
        assert refused.exit_code == 2 and "No such option '--api-key'" in refused.output
    key = tmp_path / "key"
    for content, error in (("", "found nothing"), ("two words\n", "found several words"), ("k" * 5000, "at most 4096 bytes")):
        key.write_text(content, encoding="utf-8")
        r = CliRunner().invoke(cli, ["ls", "pull", "--url", "http://127.0.0.1:1", "--api-key-file", str(key)])
        assert r.exit_code == 2 and error in r.output and "Traceback" not in r.output
