"""A real Label Studio for the sync tests: one server per session (per pytest-xdist worker), a fresh project per test.

The server runs from its own virtualenv (scripts/setup_labelstudio_server.sh, `make setup-test`;
override with CARTEL_FTO_LS_VENV), on a free port of 127.0.0.1, from a data dir migrated once
into a template and copied, and is stopped by PID at the end. A missing venv fails loudly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Without the `labelstudio` extra these imports fail; tests/conftest.py then skips every module here
# with the reason, so this conftest must still import.
with contextlib.suppress(ModuleNotFoundError):
    from cartel_fto_corpus.labelstudio.client import Client, Settings
    from cartel_fto_corpus.labelstudio.server import (
        DEFAULT_USER,
        LocalServer,
        copy_data_dir,
        executable,
        free_port,
        init_data_dir,
        new_token,
        venv_path,
    )

from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import LS_SECRETS_KEY

REPO = Path(__file__).resolve().parents[2]
FIXTURE_CORPUS = REPO / "tests" / "fixtures" / "corpus"


def tree_hash(folder: Path) -> str:
    """Hash of every file's name and bytes under `folder`: equal before and after means untouched."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


@pytest.fixture(scope="session")
def ls_venv() -> Path:
    venv = venv_path(base=REPO)
    if not venv.is_absolute():
        venv = REPO / venv
    if not executable(venv).exists():
        pytest.fail(
            f"the Label Studio server venv is missing ({executable(venv)}): run `make setup-test` "
            "(it runs scripts/setup_labelstudio_server.sh) or set CARTEL_FTO_LS_VENV",
            pytrace=False,
        )
    return venv


class CmdlineWatch:
    """Reads every process's command line (/proc/*/cmdline) while running, recording any that holds a secret."""

    def __init__(self, *secrets: str) -> None:
        import threading

        self.secrets, self.hits, self.scans = secrets, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for f in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    line = f.read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if any(s in line for s in self.secrets):
                    self.hits.append(line)
            self.scans += 1
            self._stop.wait(0.05)

    def __enter__(self) -> CmdlineWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


#: What the session's /proc watch saw while `label-studio init` and `start` ran (issue 15 point 3).
SECRET_WATCH: dict[str, CmdlineWatch | SeenWatch] = {}


@dataclass
class SeenWatch:
    """What another pytest-xdist worker's CmdlineWatch saw while it migrated the shared template: the number of
    scans and one placeholder per command line that held a secret (the line itself is never written down)."""

    scans: int
    hits: list[str]


@pytest.fixture(scope="session")
def ls_template(ls_venv: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> tuple[Path, str, str]:
    """(data dir, password, token): migrated once per run, then only ever copied.

    Migrating takes ~25 s of CPU. Under pytest-xdist the workers share the run's password and token (handed
    to each by tests/conftest.py's `pytest_configure_node`, in memory), so the first worker that needs the
    template migrates it into the run's common temp dir under a file lock and the others copy it; the
    /proc watch's findings go with it (counts only, in `watch.json`)."""
    from filelock import FileLock

    shared = getattr(request.config, "workerinput", {}).get(LS_SECRETS_KEY)
    if shared is None:  # one process (or a worker not handed the secrets): its own template, as before xdist
        token, password = new_token(), new_token()[:16]
        template = tmp_path_factory.mktemp("ls-template") / "data"
        with CmdlineWatch(token, password) as watch:
            init_data_dir(ls_venv, template, DEFAULT_USER, password, token)
        SECRET_WATCH["init"] = watch
        return template, password, token
    password, token = shared
    root = tmp_path_factory.getbasetemp().parent / "ls-template"  # the run's dir, above every worker's own
    template, record = root / "data", root / "watch.json"
    with FileLock(f"{root}.lock"):
        if record.exists():
            seen = json.loads(record.read_text(encoding="utf-8"))
            SECRET_WATCH["init"] = SeenWatch(seen["scans"], ["(a command line holding a secret, seen by another worker)"] * seen["hits"])
        else:
            shutil.rmtree(root, ignore_errors=True)  # half made by a worker that failed: start again
            root.mkdir(mode=0o700)
            with CmdlineWatch(token, password) as watch:
                init_data_dir(ls_venv, template, DEFAULT_USER, password, token)
            SECRET_WATCH["init"] = watch
            record.write_text(json.dumps({"scans": watch.scans, "hits": len(watch.hits)}), encoding="utf-8")
    return template, password, token


#: URL -> data dir of the servers the session started (to find a user's own API key, see `as_author`).
DATA_DIRS: dict[str, Path] = {}


def as_author(client: Client, ann: dict) -> Client:
    """A client acting as the author of an annotation: an annotator's edit is made by that annotator.

    Label Studio records who pressed Update (`updated_by`); pull never credits an edit by someone else
    to the author (issue 23 point 2), so a test simulating an annotator's edit makes it with their key
    (each user has one, kept in the server's database)."""
    from cartel_fto_corpus.labelstudio.convert import completed_by
    from cartel_fto_corpus.labelstudio.server import existing_token

    user = client.users()[completed_by(ann)]
    key = existing_token(DATA_DIRS[client.settings.url], user.email)
    assert key, f"no API key for {user.email}"
    return Client(Settings(client.settings.url, key, timeout=30, retries=2, backoff=0.1))


@pytest.fixture(scope="session")
def ls_server(ls_venv: Path, ls_template: tuple[Path, str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    template, password, token = ls_template
    data = copy_data_dir(template, tmp_path_factory.mktemp("ls-session") / "data")
    with CmdlineWatch(token, password) as watch:
        server = LocalServer(ls_venv, data, free_port(), DEFAULT_USER, password, token).start()
    SECRET_WATCH["start"] = watch
    DATA_DIRS[server.url] = data
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_servers(ls_venv: Path, ls_template: tuple[Path, str, str], tmp_path: Path) -> Iterator[dict[str, LocalServer]]:
    """Anna's and Ben's own servers, as `ls serve --annotator NAME` starts them: copies of the migrated
    template, each with its own data dir, port, database and account."""
    template, password, token = ls_template
    servers: dict[str, LocalServer] = {}
    try:
        for name in ("anna", "ben"):
            data = copy_data_dir(template, tmp_path / f"ls-{name}")
            servers[name] = LocalServer(ls_venv, data, free_port(), DEFAULT_USER, password, token).start()
            DATA_DIRS[servers[name].url] = data
        yield servers
    finally:
        for s in servers.values():
            s.stop()


@pytest.fixture
def ls_client(ls_server: LocalServer) -> Client:
    return Client(Settings(ls_server.url, ls_server.token, timeout=30, retries=2, backoff=0.1))


@pytest.fixture
def project_title(request: pytest.FixtureRequest) -> str:
    """A fresh project per test: titles never collide on the shared server."""
    return f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"  # Label Studio allows 50 characters


@pytest.fixture(scope="session", autouse=True)
def repo_annotations_untouched() -> Iterator[None]:
    """No test may change the repository's own annotations (tests work on copies)."""
    before = tree_hash(REPO / "annotations")
    yield
    assert tree_hash(REPO / "annotations") == before, "a Label Studio test modified the repository's annotations/"


def copy_corpus(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    shutil.copytree(src / "texts", dst / "texts")
    shutil.copytree(src / "annotations", dst / "annotations")  # sealed deliveries keep their NOTES.md
    return dst


@pytest.fixture(params=["fixture", "repo"])
def any_corpus(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A writable copy of the fixture corpus, then of whatever corpus the repository holds."""
    return copy_corpus(FIXTURE_CORPUS if request.param == "fixture" else REPO, tmp_path / "corpus")


@pytest.fixture
def fixture_corpus(tmp_path: Path) -> Path:
    return copy_corpus(FIXTURE_CORPUS, tmp_path / "corpus")


@pytest.fixture
def repo_corpus(tmp_path: Path) -> Path:
    return copy_corpus(REPO, tmp_path / "corpus")


class FaultyProxy:
    """An HTTP proxy in front of the real server that can hang, drop or garble chosen requests.

    Fault injection wraps the real server, it never replaces it: every request that is not
    chosen for a fault is forwarded to Label Studio unchanged.
    """

    def __init__(self, upstream: str) -> None:
        import http.server
        import threading

        import httpx

        self.upstream = upstream
        self.rules: list[dict] = []  # {"path": substring, "mode": hang|drop|garbage|rewrite, "times": n}
        self.seen: list[str] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append(f"{self.command} {self.path}")
                rule = next((r for r in proxy.rules if r["path"] in self.path and r["times"] != 0), None)
                if rule is not None:
                    rule["times"] -= 1
                    if rule["mode"] == "hang":
                        proxy.release.wait(rule.get("seconds", 5))
                        self.close_connection = True
                        return
                    if rule["mode"] == "drop":
                        self.close_connection = True
                        return
                    if rule["mode"] == "garbage":
                        payload = b'[{"id": 1, "data": '
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                        return
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection", "accept-encoding")
                }
                r = httpx.request(self.command, proxy.upstream + self.path, headers=headers, content=body, timeout=60)
                content = r.content
                if rule is not None and rule["mode"] == "rewrite":
                    content = rule["fn"](content)  # a hostile or broken server's answer, built from the real one
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.release = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fault(self, path: str, mode: str, times: int = -1, **extra: object) -> None:
        self.rules.append({"path": path, "mode": mode, "times": times, **extra})

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def faulty_proxy(ls_server: LocalServer) -> Iterator[FaultyProxy]:
    proxy = FaultyProxy(ls_server.url)
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    out = Path(os.environ.get("CARTEL_FTO_ARTIFACTS", REPO / "test-artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("playwright is missing: `make setup-test` installs the dev extra (pip install -e '.[dev]')", pytrace=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium is missing ({CHROMIUM}): run scripts/setup_chromium.sh or set CARTEL_FTO_CHROMIUM", pytrace=False)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield b
        finally:
            b.close()


def as_draft(paths: CorpusPaths) -> None:
    """Every set of the corpus as an annotator's draft, for tests that edit a set in Label Studio and pull
    it back: a gold set is never changed by a pull, only by adjudication (`pull_plan._gold_guard`)."""
    for f in paths.annotation_files():
        doc = json.loads(f.read_text(encoding="utf-8"))
        for s in doc["annotations"]:
            s["status"] = "draft"
        f.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
