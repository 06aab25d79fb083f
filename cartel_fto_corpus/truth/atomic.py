"""Writing files so that a failure never leaves one half-written: one file by temp file + rename, several by a journal."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from cartel_fto_corpus.truth.journal import Transaction, fault_point
from cartel_fto_corpus.truth.journal import umask as _umask


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`.

    mkstemp creates the file 0600 whatever the umask; it is set to what open() would have given
    (0666 minus the umask, 0644 under the usual 022), so generated files stay readable to others.
    """
    path = Path(path)
    try:
        fault_point("atomic.write", path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # named after the file meant, not the temporary one; nothing was written
        raise _unwritten(exc, path) from None
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if hasattr(os, "fchmod"):  # not on Windows, where the mode bits mean little
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _unwritten(exc, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unwritten(exc: OSError, path: Path) -> OSError:
    """The same error (errno, reason) about `path`, marked as leaving everything as it was."""
    out = OSError(exc.errno, exc.strerror or str(exc), str(path))
    out.nothing_written = True  # type: ignore[attr-defined]
    return out


def write_all_atomic(files: Mapping[Path, bytes | str], root: Path | None = None) -> None:
    """Write several files all or none: staged, journalled, then renamed (`truth.journal.Transaction`).

    `root`: the tree the files are in, where the staging and the journal live (default: the folder
    the files have in common). Corpus writers pass the corpus root, where the next writer that takes
    the lock finishes an interrupted commit.
    """
    if not files:
        return
    if root is None:
        root = Path(os.path.commonpath([os.path.abspath(Path(p).parent) for p in files]))
    with Transaction(root) as txn:
        for path, data in files.items():
            txn.put(Path(path), data)
        txn.commit()
