"""A local Label Studio: its own virtual environment, a data dir, a free port on 127.0.0.1.

Shared by `cartel-fto ls serve` (persistent data dir for annotators) and the test fixture
(a migrated template data dir copied per session). The server's pinned dependencies (Django,
pyarrow<25, ...) stay out of the package's environment. The server is stopped by its PID,
never by name.

Secrets: the admin password and API token reach `label-studio` through its environment only,
never its command line (which every local user can read in /proc), and the server runs with
umask 077, so its sqlite database (which holds the token) and logs are 0600. `ls serve` records
where the server runs in `<root>/.labelstudio/server.json` (URL, data dir, pid; no secret) so
that `ls push`/`ls pull` find it; they read the key from the server's own database.

Blind by construction (issue 23 point 2): Label Studio Community has no roles; every member of an
organization can open and Update every annotation of every project (the invite dialog says so, and
HumanSignal/label-studio#5172 asks for a "hide other annotators' work" setting it does not have).
So each annotator gets a server of their own, `ls serve --annotator NAME`: own data dir
(`.labelstudio/annotators/NAME`), own port, own database, one account (NAME's), the corpus pushed as
pre-annotations. Nobody else's work is on that server, so no screen can show or change it; pull
credits only that account's annotations to NAME (`pull_plan.Owner`). Nothing joins two servers: the
database is the data dir's SQLite file and the SECRET_KEY (which signs sessions and personal access
tokens) the data dir's own, whatever the environment says (`SHARED_STATE_VARS`); tests/labelstudio/
test_screens.py visits every screen and API call one annotator can reach and finds nothing of another's.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LABEL_STUDIO_VERSION = "1.23.2"
VENV_ENV = "CARTEL_FTO_LS_VENV"
DEFAULT_VENV = ".venv-labelstudio"
DEFAULT_USER = "admin@localhost.localdomain"
PID_FILE = "server.pid"
SERVER_FILE = "server.json"  # in <root>/.labelstudio/: where `ls serve` runs (no secret)
DB_FILE = "label_studio.sqlite3"
UMASK = 0o077
#: What a first start costs beyond the install, measured (docs/labelstudio-workflow.md): `label-studio init`
#: migrates a new database in ~25 s on an idle 2-core machine and took 2 min 50 s with `ls serve`'s
#: start and push at load 4 on the same cores; the message says so instead of "about 30 s".
INIT_TAKES = "a new database is migrated: about 30 s on an idle machine, up to a few minutes on a busy one"
#: Seconds `start` waits for /health: the first start after `init` took ~40 s at load 4.
START_TIMEOUT = 300.0
#: Variables that would make two servers share state (one database, one key signing sessions and
#: personal access tokens): never passed on, so each server's come from its own data dir.
SHARED_STATE_VARS = tuple(
    prefix + name for name in ("SECRET_KEY", "DJANGO_DB", "DATABASE_NAME") for prefix in ("LABEL_STUDIO_", "HEARTEX_", "")
)


class ServerError(RuntimeError):
    """The local server could not be set up or started; the message says what to do."""


def venv_path(explicit: Path | str | None = None, base: Path | None = None) -> Path:
    """`explicit`, else $CARTEL_FTO_LS_VENV, else .venv-labelstudio under `base` (the working directory)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(VENV_ENV)
    return Path(env) if env else (base or Path.cwd()) / DEFAULT_VENV


def executable(venv: Path) -> Path:
    return venv / ("Scripts/label-studio.exe" if os.name == "nt" else "bin/label-studio")


def ensure_venv(venv: Path, echo=print) -> Path:
    """Create the server's virtual environment on first use (the same thing scripts/setup_labelstudio_server.sh does)."""
    exe = executable(venv)
    if exe.exists():
        return exe
    echo(f"creating {venv} with label-studio=={LABEL_STUDIO_VERSION} (once; about 1 GB, 2 to 10 minutes; then {INIT_TAKES})")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = venv / ("Scripts/pip.exe" if os.name == "nt" else "bin/pip")
        subprocess.run([str(pip), "install", "-q", f"label-studio=={LABEL_STUDIO_VERSION}"], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ServerError(f"could not create {venv}: {exc}") from None
    return exe


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def server_env(data_dir: Path, username: str, password: str, token: str) -> dict[str, str]:
    """Environment for a quiet, loopback-only server that keeps everything inside `data_dir`."""
    env = dict(os.environ)
    for k in ("LABEL_STUDIO_API_KEY", "LABEL_STUDIO_URL", *SHARED_STATE_VARS):
        env.pop(k, None)  # the client's variables mean nothing to the server; shared state would join two servers
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        # its own SQLite file in its own data dir (a DJANGO_DB/DATABASE_NAME set for something else would
        # put two annotators' servers in one database); its SECRET_KEY is generated into data_dir/.env
        LABEL_STUDIO_DJANGO_DB="sqlite",
        LABEL_STUDIO_DATABASE_NAME=str(data_dir / DB_FILE),
        LABEL_STUDIO_USERNAME=username,
        LABEL_STUDIO_PASSWORD=password,
        LABEL_STUDIO_USER_TOKEN=token,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",
        LABEL_STUDIO_COLLECT_ANALYTICS="false",
        # the submission check's webhook receiver listens on 127.0.0.1 (see webhook.py); Label Studio
        # refuses webhooks to local addresses unless told otherwise
        SSRF_PROTECTION_ENABLED="false",
        XDG_CONFIG_HOME=str(data_dir / "xdg-config"),
        XDG_DATA_HOME=str(data_dir / "xdg-data"),
    )
    return env


def new_token() -> str:
    return secrets.token_hex(20)


def init_data_dir(venv: Path, data_dir: Path, username: str, password: str, token: str, echo=None) -> None:
    """Create and migrate a data dir with one user whose legacy API token is `token`.

    `echo` (if given) is told what is happening and, after, how long it took: the first `ls serve` spends
    most of its time here, and said "about a minute" while it took several (issue 23)."""
    started = time.monotonic()
    if echo:
        echo(f"initialising {data_dir} (once; {INIT_TAKES})")
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "init.log"
    data_dir.chmod(0o700)
    with open(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        proc = subprocess.run(
            # user, password and token come from LABEL_STUDIO_USERNAME/_PASSWORD/_USER_TOKEN, not argv
            [str(executable(venv)), "init", "--data-dir", str(data_dir)],
            env=server_env(data_dir, username, password, token),
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
            umask=UMASK,
        )
    if proc.returncode != 0:
        raise ServerError(f"label-studio init failed (exit {proc.returncode}); see {log}")
    restrict(data_dir)
    if echo:
        echo(f"initialised {data_dir} in {time.monotonic() - started:.0f} s; starting Label Studio")


def restrict(data_dir: Path) -> None:
    """Make every file of a data dir 0600 and every folder 0700 (a copied or older dir included)."""
    for p in [data_dir, *data_dir.rglob("*")]:
        with contextlib.suppress(OSError):
            p.chmod(0o700 if p.is_dir() else 0o600)


def copy_data_dir(template: Path, dest: Path) -> Path:
    """A fresh copy of a migrated data dir: starting from it takes seconds instead of migrating again."""
    shutil.copytree(template, dest, ignore=shutil.ignore_patterns("*.log", PID_FILE))
    return dest


@dataclass
class LocalServer:
    """One running Label Studio process."""

    venv: Path
    data_dir: Path
    port: int
    username: str
    password: str = field(repr=False)
    token: str = field(repr=False)
    process: subprocess.Popen | None = field(default=None, repr=False)
    #: the address it listens on: loopback by default; `ls serve --host 0.0.0.0` for annotators on the network
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, timeout: float = START_TIMEOUT) -> LocalServer:
        if not port_is_free(self.port):
            raise ServerError(f"port {self.port} on 127.0.0.1 is busy; pass another --port")
        restrict(self.data_dir)
        argv = [str(executable(self.venv)), "start", "--no-browser", "--internal-host", self.host, "--port", str(self.port)]
        env = server_env(self.data_dir, self.username, self.password, self.token)
        self.process = _spawn("server", [*argv, "--data-dir", str(self.data_dir)], env, self.data_dir, str(self.port), cwd=self.data_dir)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(f"Label Studio exited with code {self.process.returncode}; see {self.data_dir / 'server.log'}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise ServerError(f"Label Studio did not answer on {self.url}/health within {timeout:g} s; see {self.data_dir / 'server.log'}")

    def stop(self) -> None:
        if self.process is None:
            return
        stop_pid(self.process.pid)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            stop_pid(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        (self.data_dir / PID_FILE).unlink(missing_ok=True)
        self.process = None


CHECKER_PID_FILE = "checker.pid"


def start_checker(root: Path, server: LocalServer, project_id: int) -> int:
    """Start the submission check (`cartel-fto ls check-submissions`, webhook.py) beside a server; its pid.

    The key reaches it through its environment only; it is stopped with the server (`stop_checker`)."""
    env = {**os.environ, "LABEL_STUDIO_API_KEY": server.token}
    env.pop("LABEL_STUDIO_URL", None)
    here = str(Path(__file__).resolve().parents[2])  # the same package as this process, installed or not
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    argv = [sys.executable, "-m", "cartel_fto_corpus", "ls", "check-submissions", "--root", str(root), "--url", server.url]
    return _spawn("checker", [*argv, "--project", str(project_id)], env, server.data_dir).pid


def _spawn(name: str, argv: list[str], env: dict[str, str], data_dir: Path, note: str = "", cwd: Path | None = None) -> subprocess.Popen:
    """Start `argv` in its own session (so `stop_pid` reaches its children and nothing else), its output
    appended to `<data_dir>/<name>.log` and "<pid> <note>" written to `<data_dir>/<name>.pid`, both 0600."""
    with open(os.open(data_dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as log:
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True, umask=UMASK)
    with open(os.open(data_dir / f"{name}.pid", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
        fh.write(f"{proc.pid} {note}".rstrip() + "\n")
    return proc


def stop_checker(data_dir: Path) -> None:
    """Stop the submission check started beside the server of `data_dir`, by its recorded pid."""
    f = data_dir / CHECKER_PID_FILE
    try:
        pid = int(f.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    stop_pid(pid)
    f.unlink(missing_ok=True)


def stop_pid(pid: int, sig: int = signal.SIGTERM) -> None:
    """Signal the process group the server leads (it was started in its own session)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def running_pid(data_dir: Path) -> tuple[int, int] | None:
    """(pid, port) of a server started from `data_dir` that is still alive, else None."""
    f = data_dir / PID_FILE
    if not f.exists():
        return None
    try:
        pid, port = (int(x) for x in f.read_text().split())
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return None
    return pid, port


def existing_token(data_dir: Path, username: str | None = None) -> str | None:
    """The legacy API token of `username` (default: the first superuser) read from the data dir's database.

    Read-only, never stored or printed: the key stays where Label Studio keeps it.
    """
    import sqlite3

    db = data_dir / DB_FILE
    if not db.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            rows = con.execute(
                "SELECT t.key, u.email, u.is_superuser FROM authtoken_token t JOIN htx_user u ON u.id = t.user_id ORDER BY u.id"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    for key, email, superuser in rows:
        if (username and email == username) or (not username and superuser):
            return key
    return None


ANNOTATORS_DIR = "annotators"  # in <root>/.labelstudio/: one data dir and one server record per annotator


def annotator_data_dir(root: Path, annotator: str) -> Path:
    """The data dir of an annotator's own server (`ls serve --annotator NAME`)."""
    return root / ".labelstudio" / ANNOTATORS_DIR / annotator


def server_file(root: Path, annotator: str | None = None) -> Path:
    """Where `ls serve` records its server: the maintainer's, or one annotator's own."""
    if annotator:
        return root / ".labelstudio" / ANNOTATORS_DIR / f"{annotator}.json"
    return root / ".labelstudio" / SERVER_FILE


def record_server(root: Path, server: LocalServer, annotator: str | None = None) -> None:
    """Tell later commands where the local server runs (URL, data dir, pid, user; no secret)."""
    from cartel_fto_corpus.truth.atomic import write_atomic

    body = {"url": server.url, "data_dir": str(server.data_dir), "pid": server.pid, "username": server.username}
    if annotator:
        body["annotator"] = annotator
    write_atomic(server_file(root, annotator), json.dumps(body, indent=2) + "\n")


def local_server(root: Path, annotator: str | None = None) -> tuple[str, str | None] | None:
    """(URL, key or None) of the server `ls serve` started for this corpus (or for one annotator), if it still runs."""
    try:
        rec = json.loads(server_file(root, annotator).read_text(encoding="utf-8"))
        url, data_dir, pid = rec["url"], Path(rec["data_dir"]), int(rec["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # the recorded user's key, else the server's first superuser's (a data dir made for another login name)
    return url, existing_token(data_dir, rec.get("username")) or existing_token(data_dir)
