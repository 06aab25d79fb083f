"""One lock per corpus checkout, taken by every command that writes it (and reads what it writes).

Why one lock and not one per folder: the writers overlap in what they read and write (a pull and
`adjudicate --write` both rewrite annotation files; `import-set` and a pull both the registry;
`build` reads everything), so any finer lock lets one of them write from a stale read and lose the
other's work. Why fcntl and not the `filelock` package: the lock is an `flock` on the corpus root
folder itself, so no lock file is ever left behind or committed, and the kernel releases it when the
holder ends, even on SIGKILL; `filelock` locks a separate file and would add a dependency for the
same system call. Who holds it (pid and command) is written beside it in `.cartel-fto.lock`
only while held, so a refused command can say whom it waits for.

Taking the lock also finishes or rolls back what an interrupted writer left (`truth.journal`), so
every writer starts from a whole corpus. Re-entrant within one process: a library function that
locks, called by a command that already holds the lock, does not deadlock on itself.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

#: Holder information (pid, command), present only while the lock is held; ignored by git.
HOLDER_FILE = ".cartel-fto.lock"
#: Seconds to wait for a held lock (0: refuse at once); `cartel-fto --wait SECONDS` sets it.
WAIT_ENV = "CARTEL_FTO_WAIT"

_held: dict[str, tuple[int, int]] = {}  # resolved root -> (fd, depth)


class LockHeld(Exception):
    """Another process holds the corpus lock; the message is one line naming it."""


def wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, "0") or 0))
    except ValueError:
        return 0.0


def holder(root: Path) -> str:
    """`pid N: command` of the process holding the lock, as it recorded itself (or 'another process')."""
    try:
        text = (Path(root) / HOLDER_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        text = ""
    pid, _, command = text.partition(" ")
    return f"pid {pid}: {command}" if pid.isdigit() and command else "another cartel-fto process"


def command_line() -> str:
    """What this process is, for the holder file: `cartel-fto <args>` (no option values after --api-key)."""
    args = list(sys.argv[1:])
    for i, a in enumerate(args):  # never the key, even in a file that lives a few seconds
        if a == "--api-key" and i + 1 < len(args):
            args[i + 1] = "***"
        elif a.startswith("--api-key="):
            args[i] = "--api-key=***"
    return " ".join(["cartel-fto", *args])[:200].replace("\n", " ")


@contextlib.contextmanager
def corpus_lock(root: Path | str, wait: float | None = None) -> Iterator[list[str]]:
    """Hold the lock of the corpus at `root`; yields the lines of what was recovered on taking it.

    Raises LockHeld (one line: who holds it, what to do) if another process keeps it longer than
    `wait` seconds (default: $CARTEL_FTO_WAIT, else 0). `root` must exist (an OSError otherwise).
    """
    from cartel_fto_corpus.truth.journal import recover

    root = Path(root)
    key = str(root.resolve())
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield []
        finally:
            fd, depth = _held[key]
            _held[key] = (fd, depth - 1)
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        deadline = time.monotonic() + (wait_seconds() if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockHeld(
                        f"{root}: locked by {holder(root)}; wait for it to finish, or run again with "
                        f"`cartel-fto --wait SECONDS ...` (or {WAIT_ENV}=SECONDS)"
                    ) from None
                time.sleep(0.05)
        _held[key] = (fd, 1)
        info = root / HOLDER_FILE
        with contextlib.suppress(OSError):  # a read-only corpus: the lock still works, the holder is just not named
            info.write_text(f"{os.getpid()} {command_line()}\n", encoding="utf-8")
        try:
            yield recover(root)
        finally:
            with contextlib.suppress(OSError):
                info.unlink()
            del _held[key]
    finally:
        os.close(fd)  # releases the flock


def holds_lock(root: Path | str) -> bool:
    """Whether this process holds the lock of `root`."""
    return str(Path(root).resolve()) in _held


def is_locked(root: Path | str) -> bool:
    """Whether some process (this one included) holds the lock of `root` right now."""
    if holds_lock(root):
        return True
    try:
        fd = os.open(root, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False
