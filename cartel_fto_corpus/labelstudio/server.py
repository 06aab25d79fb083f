"""A local Label Studio: its own virtual environment, a data dir, a free port on 127.0.0.1.

Shared by `cartel-fto ls serve` (persistent data dir for annotators) and the test fixture
(a migrated template data dir copied per session). The server's pinned dependencies (Django,
pyarrow<25, ...) stay out of the package's environment. The server is stopped by its PID,
never by name.
"""

from __future__ import annotations

import contextlib
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
    echo(f"creating {venv} with label-studio=={LABEL_STUDIO_VERSION} (once; takes about a minute)")
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
    for k in ("LABEL_STUDIO_API_KEY", "LABEL_STUDIO_URL"):
        env.pop(k, None)  # the client's variables mean nothing to the server
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_USERNAME=username,
        LABEL_STUDIO_PASSWORD=password,
        LABEL_STUDIO_USER_TOKEN=token,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",
        LABEL_STUDIO_COLLECT_ANALYTICS="false",
        XDG_CONFIG_HOME=str(data_dir / "xdg-config"),
        XDG_DATA_HOME=str(data_dir / "xdg-data"),
    )
    return env


def new_token() -> str:
    return secrets.token_hex(20)


def init_data_dir(venv: Path, data_dir: Path, username: str, password: str, token: str, log: Path | None = None) -> None:
    """Create and migrate a data dir with one user whose legacy API token is `token` (~25 s)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = log or data_dir / "init.log"
    with open(log, "wb") as fh:
        proc = subprocess.run(
            [
                str(executable(venv)),
                "init",
                "--data-dir",
                str(data_dir),
                "--username",
                username,
                "--password",
                password,
                "--user-token",
                token,
            ],
            env=server_env(data_dir, username, password, token),
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
        )
    if proc.returncode != 0:
        raise ServerError(f"label-studio init failed (exit {proc.returncode}); see {log}")


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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, timeout: float = 120.0) -> LocalServer:
        if not port_is_free(self.port):
            raise ServerError(f"port {self.port} on 127.0.0.1 is busy; pass another --port")
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(
            [
                str(executable(self.venv)),
                "start",
                "--no-browser",
                "--internal-host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            env=server_env(self.data_dir, self.username, self.password, self.token),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
            start_new_session=True,  # its own process group, so stop() reaches its children and nothing else
        )
        log.close()
        (self.data_dir / PID_FILE).write_text(f"{self.process.pid} {self.port}\n")
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


def existing_token(venv: Path, data_dir: Path, username: str) -> str | None:
    """The API token of `username` in an existing data dir, read through `label-studio user` (never stored)."""
    env = server_env(data_dir, username, "", "")
    proc = subprocess.run(
        [str(executable(venv)), "user", "--username", username, "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        cwd=data_dir,
    )
    import ast

    for line in proc.stdout.splitlines():
        if line.startswith("{") and "'token'" in line:
            try:
                return ast.literal_eval(line).get("token")
            except (ValueError, SyntaxError):
                return None
    return None
