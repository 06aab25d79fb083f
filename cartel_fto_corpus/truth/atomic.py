"""Writing files so that a failure never leaves one half-written."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

_umask_lock = threading.Lock()


def _umask() -> int:
    """The process umask. os.umask only reads by also setting, hence the lock around the pair."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`.

    mkstemp creates the file 0600 whatever the umask; it is set to what open() would have given
    (0666 minus the umask, 0644 under the usual 022), so generated files stay readable to others.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # not on Windows, where the mode bits mean little
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_all_atomic(files: Mapping[Path, bytes | str]) -> None:
    """Write several files, each atomically, only after all payloads exist in memory.

    Renames are not one transaction across files, but every payload is prepared before the
    first rename, so an error in preparing one leaves all of them untouched.
    """
    for path, data in files.items():
        write_atomic(path, data)
