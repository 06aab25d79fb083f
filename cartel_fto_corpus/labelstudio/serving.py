"""`ls serve` and `ls stop` as steps: start a local server for the corpus, push to it, stop it.

`labelstudio/server.py` holds the server's pieces (its venv, data dir, token, process, PID and
record files); this module puts them in the order `cli/ls.py` runs them, so the command only
parses options and prints (issue 26). Every refusal is a `ServerError` (one line, exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cartel_fto_corpus.labelstudio import server as srv
from cartel_fto_corpus.truth.paths import CorpusPaths

#: `ls serve --data-dir` when not given; with `--annotator` it becomes the annotator's own one.
DEFAULT_DATA_DIR = Path(".labelstudio/server")


@dataclass
class Started:
    """A running local server and how to log in (the password only when generated here)."""

    server: srv.LocalServer
    username: str
    password: str
    fresh: bool
    key: str


def check_annotator(annotator: str) -> None:
    """An `--annotator` that is a valid annotator id (the one the converter would give)."""
    from cartel_fto_corpus.labelstudio.convert import ConvertError, annotator_name

    try:
        ok = annotator_name(annotator, None) == annotator
    except ConvertError:
        ok = False
    if not ok:
        raise srv.ServerError(f"--annotator: expected an annotator id (lower-case letters, digits, _ . -), found {annotator!r}")


def server_data_dir(root: Path, data_dir: Path, annotator: str | None) -> Path:
    """The data dir a server uses: the annotator's own one unless --data-dir says otherwise."""
    if annotator is not None and data_dir == DEFAULT_DATA_DIR:
        return srv.annotator_data_dir(root, annotator)
    return data_dir


def _credentials(venv: Path, data_dir: Path, username: str, api_key: str | None, echo: Callable[[str], Any]) -> tuple[str, str, bool]:
    """(password, API key, fresh) of the server of `data_dir`, initialising the data dir on first use."""
    fresh = not (data_dir / srv.DB_FILE).exists()
    password = os.environ.get("LABEL_STUDIO_PASSWORD") or (srv.new_token()[:16] if fresh else "")
    key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
    if fresh:
        key = key or srv.new_token()
        srv.init_data_dir(venv, data_dir, username, password, key, echo=echo)
    elif not key:
        key = srv.existing_token(data_dir, username)
        if not key:
            raise srv.ServerError(f"cannot read the API token of {username} in {data_dir}; set LABEL_STUDIO_API_KEY")
    return password, key, fresh


def start_local(
    paths: CorpusPaths,
    *,
    data_dir: Path,
    venv: Path | None,
    port: int | None,
    annotator: str | None,
    host: str,
    username: str | None,
    api_key: str | None,
    echo: Callable[[str], Any],
) -> Started:
    """Start a local Label Studio for the corpus (the annotator's own one with `annotator`) and
    record it beside the corpus, so `ls push/pull` find it; `echo` gets the progress lines."""
    if annotator is not None:
        check_annotator(annotator)
        username = username or f"{annotator}@localhost.localdomain"
    data_dir = server_data_dir(paths.root, data_dir, annotator).resolve()
    venv = srv.venv_path(venv)
    running = srv.running_pid(data_dir)
    if running:
        raise srv.ServerError(
            f"a server from {data_dir} is already running (pid {running[0]}, http://127.0.0.1:{running[1]}); `cartel-fto ls stop` first"
        )
    srv.ensure_venv(venv, echo=echo)
    username = username or os.environ.get("LABEL_STUDIO_USERNAME") or srv.DEFAULT_USER
    password, key, fresh = _credentials(venv, data_dir, username, api_key, echo)
    if port is None:
        port = 8080 if srv.port_is_free(8080) else srv.free_port()
    server = srv.LocalServer(venv, data_dir, port, username, password, key, host=host).start()
    srv.record_server(paths.root, server, annotator)
    return Started(server, username, password, fresh, key)


def push_and_check(paths: CorpusPaths, started: Started, title: str, echo: Callable[[str], Any]) -> Any:
    """Push the corpus as predictions into the new server and start the submission checker; the push's result."""
    from cartel_fto_corpus.labelstudio.client import Client, Settings
    from cartel_fto_corpus.labelstudio.push import push

    server = started.server
    r = push(paths, Client(Settings(server.url, started.key)), title=title, as_="predictions", echo=echo)
    srv.start_checker(paths.root, server, r.project_id)
    return r


def shut_down(paths: CorpusPaths, server: srv.LocalServer, annotator: str | None) -> None:
    """Stop a server this process runs (not a detached one), its checker, and forget its record."""
    if server.process is not None:
        srv.stop_checker(server.data_dir)
        server.stop()
        srv.server_file(paths.root, annotator).unlink(missing_ok=True)


def stop_local(data_dir: Path, annotator: str | None) -> int:
    """Stop the detached server of `data_dir` (the annotator's own one with `annotator`); its pid."""
    data_dir = server_data_dir(Path.cwd(), data_dir, annotator) if annotator else data_dir
    running = srv.running_pid(data_dir)
    if not running:
        raise srv.ServerError(f"no running server recorded in {data_dir / srv.PID_FILE}")
    srv.stop_checker(data_dir)
    srv.stop_pid(running[0])
    (data_dir / srv.PID_FILE).unlink(missing_ok=True)
    return running[0]
