"""All-or-none writes of several files: stage, journal, rename; finished or rolled back by the next writer.

One rename is atomic, several are not: a writer killed between the third and the fourth rename of
a migration would leave a corpus half at one schema version. So every multi-file write goes
through a `Transaction`: each new file is first written in full into one hidden staging folder
inside the tree it replaces files in (`.cartel-fto-txn/`, same file system, so a rename moves it),
then the list of renames and deletions is written to `journal.json` there — the one commit point
— and only then are the files renamed into place. Whoever takes the corpus lock next
(`truth.lock`) calls `recover`: with a journal, the remaining renames are done (roll forward);
without one, the staging folder is removed (roll back). Either way every file ends as the old or
the new version of the whole set, and nothing temporary stays behind.

`fault_point` lets the fault-injection tests kill or fail a real command at a named step
(`CARTEL_FTO_FAULT=kill:txn.rename:2` kills at the second rename; `enospc:...`, `erofs:...`
raise that OSError); unset, it costs one dict lookup.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import threading
from pathlib import Path

TXN_DIR = ".cartel-fto-txn"
JOURNAL = "journal.json"
#: Up to this many staged files are fsynced one by one; beyond it one os.sync() is cheaper.
FSYNC_EACH_MAX = 32

_FAULT_ENV = "CARTEL_FTO_FAULT"
_fault_counts: dict[str, int] = {}


def fault_point(name: str, path: Path | str | None = None) -> None:
    """Kill this process or raise an OSError here when $CARTEL_FTO_FAULT names this step (tests only)."""
    spec = os.environ.get(_FAULT_ENV)
    if not spec:
        return
    for one in spec.split(","):
        action, _, rest = one.partition(":")
        point, _, nth = rest.rpartition(":") if rest.count(":") else (rest, "", "1")
        if point != name:
            continue
        _fault_counts[name] = _fault_counts.get(name, 0) + 1
        if _fault_counts[name] != int(nth or 1):
            continue
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        code = {"enospc": errno.ENOSPC, "erofs": errno.EROFS, "eacces": errno.EACCES}.get(action)
        if code is not None:
            raise OSError(code, os.strerror(code), str(path) if path is not None else None)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_umask_lock = threading.Lock()


def umask() -> int:
    """The process umask. os.umask only reads by also setting, hence the lock around the pair."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _mode() -> int:
    """What open() would give a new file: 0666 minus the umask (mkstemp-style 0600 would hide generated files)."""
    return 0o666 & ~umask()


class Transaction:
    """New files staged under `root/.cartel-fto-txn/`, renamed into place by `commit` (all or none).

    Targets are paths under `root`. `put` writes a payload at once (memory stays flat however many
    files); `adopt` takes a file the caller wrote into `staging_area()`; `delete` removes a target
    at commit. Leaving the `with` block without commit (an exception, a refusal) removes the staging.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.dir = self.root / TXN_DIR
        self.staged: dict[Path, Path] = {}  # target -> staged file (under self.dir)
        self.deletes: set[Path] = set()
        self._n = 0
        self._open = False

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, _exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, OSError) and not hasattr(exc, "pending_commit"):
            exc.nothing_written = True  # type: ignore[attr-defined]  # read by the command line's one-line message
        self.abort()

    def _ensure(self) -> None:
        if not self._open:
            if self.dir.exists():  # left by a writer that did not take the lock: never ours to reuse
                recover(self.root)
            try:
                self.dir.mkdir(parents=True)
            except OSError as exc:  # read-only, full, not ours: about the tree meant, not the staging
                raise OSError(exc.errno, exc.strerror, str(self.root)) from None
            self._open = True

    def _rel(self, target: Path) -> str:
        rel = os.path.relpath(os.path.abspath(target), os.path.abspath(self.root))
        if rel.startswith("..") or os.path.isabs(rel):
            raise ValueError(f"{target}: outside the transaction's root {self.root}")
        return rel

    def staging_area(self, name: str) -> Path:
        """A folder inside the staging for files the caller writes itself (then `adopt`s)."""
        self._ensure()
        folder = self.dir / "area" / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def put(self, target: Path, data: bytes | str) -> None:
        """Stage the new content of `target` (replacing what was staged for it before)."""
        self._ensure()
        self._rel(target)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self._n += 1
        staged = self.dir / f"{self._n}.new"
        try:
            fault_point("txn.stage", target)
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.fchmod(fd, _mode())
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        except OSError as exc:  # named after the file meant, not the staged copy
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        self.drop(Path(target))
        self.staged[Path(target)] = staged

    def adopt(self, target: Path, staged: Path) -> None:
        """Take `staged` (a file under `staging_area`) as the new content of `target`."""
        self._rel(target)
        self.drop(Path(target))
        self.staged[Path(target)] = Path(staged)

    def delete(self, target: Path) -> None:
        self._rel(target)
        self.deletes.add(Path(target))

    def drop(self, target: Path) -> None:
        """Forget what was staged for `target`."""
        old = self.staged.pop(Path(target), None)
        if old is not None:
            old.unlink(missing_ok=True)

    def clear(self) -> None:
        for t in list(self.staged):
            self.drop(t)
        self.deletes.clear()

    @property
    def targets(self) -> list[Path]:
        return sorted(self.staged)

    def commit(self, only: list[Path] | None = None) -> None:
        """Rename the staged files (those of `only`, if given) into place and delete the deletions, all or none."""
        keep = set(self.staged) if only is None else {Path(t) for t in only}
        renames = [(self.staged[t], t) for t in sorted(self.staged) if t in keep]
        if not renames and not self.deletes:
            self.abort()
            return
        self._ensure()
        staged_files = [s for s, _ in renames]
        if len(staged_files) <= FSYNC_EACH_MAX:
            for s in staged_files:
                fd = os.open(s, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        else:
            os.sync()
        fault_point("txn.journal", self.dir / JOURNAL)
        journal = {
            "version": 1,
            "renames": [[os.path.relpath(s, self.dir), self._rel(t)] for s, t in renames],
            "deletes": sorted(self._rel(t) for t in self.deletes),
        }
        tmp = self.dir / (JOURNAL + ".part")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(journal, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.dir / JOURNAL)  # the commit point
        _fsync_dir(self.dir)
        fault_point("txn.committed")
        try:
            _apply(self.root)
        except OSError as exc:  # after the commit point: the next writer finishes the renames
            exc.pending_commit = True  # type: ignore[attr-defined]
            raise
        self.staged.clear()
        self.deletes.clear()
        self._open = False

    def abort(self) -> None:
        """Remove the staging (nothing was committed, or the commit already cleaned it up)."""
        self.staged.clear()
        self.deletes.clear()
        if self._open and not (self.dir / JOURNAL).exists():
            shutil.rmtree(self.dir, ignore_errors=True)
        self._open = False


def _inside(root: Path, rel: str) -> Path:
    p = Path(os.path.normpath(root / rel))
    if os.path.relpath(p, root).startswith(".."):
        raise ValueError(f"{root / TXN_DIR / JOURNAL}: a path outside the corpus: {rel!r}")
    return p


def _apply(root: Path) -> int:
    """Do every rename and deletion a committed journal lists (idempotent), then remove the staging."""
    folder = root / TXN_DIR
    journal = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
    dirs: set[Path] = set()
    done = 0
    for staged_rel, target_rel in journal["renames"]:
        src, dst = _inside(folder, staged_rel), _inside(root, target_rel)
        if src.exists():  # absent: renamed before the interruption
            dst.parent.mkdir(parents=True, exist_ok=True)
            fault_point("txn.rename", dst)
            os.replace(src, dst)
            dirs.add(dst.parent)
            done += 1
    for target_rel in journal["deletes"]:
        dst = _inside(root, target_rel)
        if dst.exists():
            dst.unlink()
            dirs.add(dst.parent)
    for d in dirs:
        _fsync_dir(d)
    (folder / JOURNAL).unlink()
    shutil.rmtree(folder, ignore_errors=True)
    return len(journal["renames"])


def pending(root: Path | str) -> str | None:
    """'committed' or 'staged' if an interrupted write is waiting for recovery under `root`, else None."""
    folder = Path(root) / TXN_DIR
    if not folder.is_dir():
        return None
    return "committed" if (folder / JOURNAL).exists() else "staged"


def recover(root: Path | str) -> list[str]:
    """Finish (journal present) or roll back (no journal) an interrupted write, and remove the
    temporary files older versions left (`.*.tmp` files, `data/.build-*/`); one line per action.
    Call only while holding the corpus lock (`truth.lock.corpus_lock` does)."""
    root = Path(root)
    lines: list[str] = []
    state = pending(root)
    if state == "committed":
        n = _apply(root)
        lines.append(f"{root / TXN_DIR}: finished an interrupted write of {n} files (its journal was complete)")
    elif state == "staged":
        shutil.rmtree(root / TXN_DIR, ignore_errors=True)
        lines.append(f"{root / TXN_DIR}: removed the staging of an interrupted write (nothing of it had been committed)")
    for folder in (
        root,
        root / "annotations",
        root / "texts",
        root / ".labelstudio",
        *sorted(p for p in (root / "data").glob("*") if p.is_dir()),
    ):
        for p in sorted(folder.glob(".*.tmp")) if folder.is_dir() else []:
            if p.is_file():
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    lines.append(f"removed {p}, left by an interrupted run")
    for p in sorted((root / "data").glob(".build-*")) if (root / "data").is_dir() else []:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            lines.append(f"removed {p}, left by an interrupted build")
    return lines
