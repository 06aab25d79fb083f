"""Writing files so that a failure never leaves one half-written: one file by temp file + rename, several by a journal."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from cartel_fto_corpus.truth.journal import Transaction
from cartel_fto_corpus.truth.journal import umask as _umask


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
