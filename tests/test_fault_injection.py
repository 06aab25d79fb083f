"""Fault injection: every writing command killed, raced, out of disk and on a read-only disk, on copies of the corpus.

The real commands run in subprocesses (`python -m cartel_fto_corpus ...`; `ls pull` through
tests/fault_stub.py, whose stub Label Studio serves a fixed export). After every fault:

- nothing torn: once the next writer has taken the lock (which finishes or rolls back an
  interrupted commit, `truth.journal`), the corpus is byte for byte either the state before the
  command or the state a clean run gives, as a whole set; before that, a mixed state is never
  silently valid (`validate` reports the interrupted write), and what a killed writer leaves is
  ignored by git and removed by the next writer;
- nothing lost: two writers at once (with `--wait`) both exit 0 and both effects are there, or
  (without it) one is refused with one line naming the holder and changes nothing;
- one line: disk full or read-only ends in one line on stderr, no traceback, non-zero exit,
  nothing changed.

Kills come at seeded random delays and at the named steps of a commit (`CARTEL_FTO_FAULT`,
`truth.journal.fault_point`). The default run is short and seeded; `-m slow` runs many more kills,
every pair of writers and every writer on a full and a read-only tmpfs. Figures (runs, kills,
torn states seen before recovery, torn or lost after, tracebacks) go to
test-artifacts/fault-injection-<run>.json.
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import hashlib
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from cartel_fto_corpus.checks.validate import validate
from cartel_fto_corpus.labelstudio import convert
from cartel_fto_corpus.truth.journal import pending, recover
from cartel_fto_corpus.truth.lock import corpus_lock
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import dumps
from tests.conftest import REPO
from tests.fault_stub import STUB_USER, STUB_USER_ID
from tests.test_migrate import downgrade_annotation, downgrade_registry

SEED = int(os.environ.get("CARTEL_FTO_FAULT_SEED", "27"))
#: the annotators of the shipped adjudication: the sealed blind deliveries (annotations/independent/*/SEAL.json);
#: the first is the pivot an import translates into, the second's delivery is the one re-imported
PAIR = tuple(sorted(p.parent.name for p in (REPO / "annotations" / "independent").glob("*/SEAL.json")))
PULLED_DOCS = ("000_e0ea4dd0c3e368ed", "001_5e8ee1b9dfd7c69f")
NEW_ADJUDICATOR = "a re-run of the adjudication"
#: what git must ignore of a killed writer's leftovers (.gitignore has these patterns)
IGNORED = (".cartel-fto-txn", ".cartel-fto.lock", "*.tmp", ".build-*")
COPIED = (
    "annotations",
    "texts",
    "schema",
    "data",
    "benchmarks/results",
    "pyproject.toml",
    "README.md",
    "DATASHEET.md",
    "croissant.json",
    "SHA256SUMS",
)

RUN = {"name": "short"}  # "slow" once a test marked slow ran: the figures file it writes


@pytest.fixture(autouse=True)
def _which_run(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("slow") is not None:
        RUN["name"] = "slow"


FIGURES: Counter[str] = Counter(
    dict.fromkeys(["runs", "kills", "races", "lost writes", "torn after recovery", "tracebacks", "disk faults"], 0)
)


# ----------------------------------------------------------------------------- corpus copies


def copy_corpus(dst: Path) -> Path:
    dst.mkdir(parents=True)
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dst / name, ignore=shutil.ignore_patterns(*IGNORED, "__pycache__"))
        elif src.exists():
            shutil.copy2(src, dst / name)
    return dst


def is_leftover(rel: str) -> bool:
    return any(fnmatch.fnmatch(part, pat) for part in Path(rel).parts for pat in IGNORED)


def snapshot(root: Path) -> dict[str, str]:
    """Every file but the leftovers of an interrupted writer, by content hash."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_file() and not is_leftover(rel):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if is_leftover(str(p.relative_to(root))))


def gitignored(root: Path, rel: str) -> bool:
    """Whether the repository's .gitignore covers a leftover (asked of git itself, as `git add -A` would)."""
    path = rel + ("/" if (root / rel).is_dir() else "")
    return subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "--no-index", path], capture_output=True).returncode == 0


# ----------------------------------------------------------------------------- the writers


def _prepare_adjudicate(root: Path, work: Path) -> None:
    """The shipped decisions by a new adjudicator, one reason reworded in every document: a round that
    decides nothing anew leaves a document byte for byte, adjudicator included (inspection/rounds.py)."""
    data = yaml.safe_load((REPO / "annotations" / "adjudication" / "decisions.yaml").read_text(encoding="utf-8"))
    data["adjudicator"] = f"{NEW_ADJUDICATOR}, {data['adjudicator']}"
    for units in data["decisions"].values():
        next(iter(units.values()))["reason"] += " (re-run)"
    (work / "decisions.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _prepare_import(root: Path, work: Path) -> None:
    """PAIR[1]'s sets re-delivered as the corpus holds them (its ids already the registry's: the 0.3 import
    translated them against a retired pivot, so the sealed files would come in with other cluster ids)."""
    delivery = work / "delivery"
    delivery.mkdir()
    paths = CorpusPaths(root)
    shutil.copy2(paths.registry, delivery / "registry.json")
    for f in paths.annotation_files():
        doc = json.loads(f.read_text(encoding="utf-8"))
        doc["annotations"] = [s for s in doc["annotations"] if s["annotator"] == PAIR[1]]
        for s in doc["annotations"]:
            s["note"] = s.get("note", "") + " (re-delivered)"
        if doc["annotations"]:
            (delivery / f.name).write_text(dumps(doc), encoding="utf-8")


def _prepare_migrate(root: Path, work: Path) -> None:
    paths = CorpusPaths(root)
    for p in paths.annotation_files():
        doc = json.loads(p.read_text(encoding="utf-8"))
        for aset in doc["annotations"]:
            for c in aset["claims"]:
                c["clusters"] = c["clusters"][:1]  # 1.0 has one cluster per claim
        p.write_text(dumps(downgrade_annotation(doc)), encoding="utf-8")
    paths.registry.write_text(dumps(downgrade_registry(json.loads(paths.registry.read_text(encoding="utf-8")))), encoding="utf-8")


def _prepare_build(root: Path, work: Path) -> None:
    shutil.rmtree(root / "data")
    (root / "croissant.json").unlink()
    (root / "SHA256SUMS").unlink()


def _prepare_stats(root: Path, work: Path) -> None:
    ds = root / "DATASHEET.md"
    text = ds.read_text(encoding="utf-8")
    begin = text.index("\n<!-- stats:begin ") + 1  # a marker line, not the prose that names the markers
    body = text.index("-->", begin) + 4
    end = text.index("<!-- stats:end ", body)
    ds.write_text(text[:body] + "stale\n" + text[end:], encoding="utf-8")


def _prepare_manifest(root: Path, work: Path) -> None:
    """The same manifest in another layout: `manifest` rewrites it (one file, temp file + rename)."""
    m = root / "texts" / "manifest.json"
    m.write_text(json.dumps(json.loads(m.read_text(encoding="utf-8")), indent=4), encoding="utf-8")


def stub_task(doc: dict[str, Any], aset: dict[str, Any], task_id: int, user_id: int) -> dict[str, Any]:
    return {
        "id": task_id,
        "updated_at": "2026-12-01T00:00:00.000000Z",
        "data": {"doc_id": doc["doc_id"]},
        "meta": {
            "doc_id": doc["doc_id"],
            "text_sha256": doc["text_sha256"],
            "schema_version": doc["schema_version"],
            "sets": {aset["annotator"]: convert.provenance(aset)},
        },
        "annotations": [
            {
                "id": 100 + task_id,
                "completed_by": user_id,
                "result": convert.set_to_regions(aset),
                "created_at": aset["created"],
                "updated_at": aset["updated"],
                "was_cancelled": False,
            }
        ],
    }


def _prepare_pull(root: Path, work: Path) -> None:
    """Label Studio holds a new annotator's set of two documents (a copy of the first annotator's)."""
    tasks = []
    for i, doc_id in enumerate(PULLED_DOCS, 1):
        doc = json.loads((root / "annotations" / f"{doc_id}.json").read_text(encoding="utf-8"))
        aset = copy.deepcopy(next(s for s in doc["annotations"] if s["annotator"] == PAIR[0]))
        aset.update(annotator=STUB_USER, status="draft")
        tasks.append(stub_task(doc, aset, i, STUB_USER_ID))
    (work / "export.json").write_text(json.dumps(tasks), encoding="utf-8")


def _gold_sets(root: Path) -> Iterator[dict[str, Any]]:
    for p in CorpusPaths(root).annotation_files():
        yield from (s for s in json.loads(p.read_text(encoding="utf-8"))["annotations"] if s["status"] == "gold")


def _sums_match(root: Path) -> bool:
    sums = root / "SHA256SUMS"
    if not sums.exists():
        return False
    listed = dict(reversed(line.split("  ", 1)) for line in sums.read_text(encoding="utf-8").splitlines())
    shards = {str(p.relative_to(root)) for p in (root / "data").rglob("*.parquet")}
    return set(listed) == shards and all(hashlib.sha256((root / r).read_bytes()).hexdigest() == h for r, h in listed.items())


def _sets_of(root: Path, annotator: str) -> list[dict[str, Any]]:
    out = []
    for p in CorpusPaths(root).annotation_files():
        out += [s for s in json.loads(p.read_text(encoding="utf-8"))["annotations"] if s["annotator"] == annotator]
    return out


@dataclass(frozen=True)
class Writer:
    name: str
    args: Callable[[Path, Path], list[str]]  # (root, work) -> command line after the module
    prepare: Callable[[Path, Path], None]
    effect: Callable[[Path], bool]  # its work is in the corpus
    module: str = "cartel_fto_corpus"
    points: tuple[str, ...] = ("txn.stage:1", "txn.journal", "txn.committed", "txn.rename:1", "txn.rename:2")


WRITERS = {
    w.name: w
    for w in (
        Writer(
            "adjudicate",
            lambda r, w: [
                "adjudicate",
                "--root",
                str(r),
                "--annotators",
                ",".join(PAIR),
                "--decisions",
                str(w / "decisions.yaml"),
                "--write",
            ],
            _prepare_adjudicate,
            lambda r: all(s["adjudication"]["adjudicator"].startswith(NEW_ADJUDICATOR) for s in _gold_sets(r)),
        ),
        Writer(
            "import-set",
            lambda r, w: ["import-set", "--root", str(r), str(w / "delivery"), "--pivot", PAIR[0], "--write"],
            _prepare_import,
            lambda r: all(s["note"].count("(re-delivered)") == 1 for s in _sets_of(r, PAIR[1])),
        ),
        Writer(
            "migrate",
            lambda r, w: ["migrate", "--root", str(r)],
            _prepare_migrate,
            lambda r: all(  # the annotation files and the registry (annotations/protocol.json has no schema version)
                json.loads(p.read_text(encoding="utf-8"))["schema_version"] == "1.1"
                for p in [*CorpusPaths(r).annotation_files(), CorpusPaths(r).registry]
            ),
        ),
        Writer(
            "build",
            lambda r, w: ["build", "--root", str(r)],
            _prepare_build,
            _sums_match,
            points=("build.staged", "txn.journal", "txn.committed", "txn.rename:1", "txn.rename:7"),
        ),
        Writer(
            "stats",
            lambda r, w: ["stats", "--root", str(r), "--write-datasheet"],
            _prepare_stats,
            lambda r: "-->\nstale\n" not in (r / "DATASHEET.md").read_text(encoding="utf-8"),
            points=("atomic.write",),
        ),
        Writer(
            "pull",
            lambda r, w: ["ls", "pull", "--root", str(r)],
            _prepare_pull,
            lambda r: len(_sets_of(r, STUB_USER)) == len(PULLED_DOCS) and (r / ".labelstudio" / "state.json").exists(),
            module="tests.fault_stub",
        ),
        Writer(
            "manifest",
            lambda r, w: ["manifest", "--root", str(r)],
            _prepare_manifest,
            lambda r: (
                (r / "texts" / "manifest.json").read_text(encoding="utf-8")
                == (REPO / "texts" / "manifest.json").read_text(encoding="utf-8")
            ),
            points=("atomic.write",),
        ),
    )
}
KILLED = list(WRITERS)


def env_for(work: Path, fault: str | None = None, wait: float | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CARTEL_FTO_STUB_EXPORT": str(work / "export.json")}
    env.pop("CARTEL_FTO_FAULT", None)
    env.pop("CARTEL_FTO_WAIT", None)
    if fault:
        env["CARTEL_FTO_FAULT"] = fault
    if wait is not None:
        env["CARTEL_FTO_WAIT"] = str(wait)
    return env


def start(w: Writer, root: Path, work: Path, fault: str | None = None, wait: float | None = None) -> subprocess.Popen[str]:
    FIGURES["runs"] += 1
    return subprocess.Popen(
        [sys.executable, "-m", w.module, *w.args(root, work)],
        cwd=work,
        env=env_for(work, fault, wait),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    if "Traceback" in err:
        FIGURES["tracebacks"] += 1
    return proc.returncode, out, err


@dataclass
class Case:
    """One writer's prepared corpus, the state before it and the state a clean run gives."""

    writer: Writer
    template: Path  # prepared corpus (copied for every run)
    work: Path
    before: dict[str, str]
    after: dict[str, str]
    seconds: float
    valid_before: bool
    valid_after: bool

    def fresh(self, dst: Path) -> Path:
        shutil.copytree(self.template, dst)
        return dst


def valid(root: Path) -> bool:
    return not validate(None, root).problems


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Case]]:
    made: dict[str, Case] = {}

    def get(name: str) -> Case:
        if name not in made:
            w = WRITERS[name]
            base = tmp_path_factory.mktemp(f"case-{name}")
            work = base / "work"
            work.mkdir()
            template = copy_corpus(base / "template")
            w.prepare(template, work)
            ref = shutil.copytree(template, base / "reference")
            t0 = time.monotonic()
            code, _out, err = finish(start(w, ref, work))
            seconds = time.monotonic() - t0
            assert code == 0, (name, err)
            assert w.effect(ref), name
            assert not leftovers(ref), leftovers(ref)
            made[name] = Case(w, template, work, snapshot(template), snapshot(ref), seconds, valid(template), valid(ref))
        return made[name]

    yield get
    out = REPO / "test-artifacts"
    with contextlib.suppress(OSError):
        out.mkdir(exist_ok=True)
        run = RUN["name"]
        (out / f"fault-injection-{run}.json").write_text(json.dumps(dict(sorted(FIGURES.items())), indent=2) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- checks


def check_after_fault(case: Case, root: Path) -> None:
    """Before recovery a mixed state is reported; after it, the old or the new state as a whole, nothing stray."""
    state = snapshot(root)
    for rel in leftovers(root):
        assert gitignored(root, rel), f"{rel}: left by an interrupted writer and not ignored by git"
    if state not in (case.before, case.after):
        FIGURES["torn before recovery (reported by validate)"] += 1
        assert pending(root) == "committed", sorted(set(state.items()) ^ set(case.before.items()))[:4]
        codes = {p.code for p in validate(None, root).problems}
        assert "interrupted-write" in codes, codes
    with corpus_lock(root) as recovered:  # what the next writer does first
        del recovered
    final = snapshot(root)
    if final not in (case.before, case.after):
        FIGURES["torn after recovery"] += 1
    assert final in (case.before, case.after), sorted(set(final.items()) ^ set(case.after.items()))[:6]
    assert leftovers(root) == [], leftovers(root)
    assert valid(root) == (case.valid_after if final == case.after else case.valid_before)
    FIGURES["ended old" if final == case.before else "ended new"] += 1


def one_line(err: str) -> bool:
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("note: ")]
    return len(lines) == 1 and "Traceback" not in err


# ----------------------------------------------------------------------------- kills


def kill_once(case: Case, root: Path, rng: random.Random, point: str | None) -> None:
    proc = start(case.writer, root, case.work, fault=f"kill:{point}" if point else None)
    if point is None:
        time.sleep(rng.uniform(0.1, case.seconds * 1.1))
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    code, _out, err = finish(proc)
    if code == -9:
        FIGURES["kills"] += 1
    else:
        assert code == 0, err
    check_after_fault(case, root)


def kills(cases: Callable[[str], Case], name: str, tmp_path: Path, n: int, seed: int) -> None:
    case = cases(name)
    rng = random.Random(f"{seed}-{name}")
    for i in range(n):
        point = rng.choice([*case.writer.points, None])  # a named step of the commit, or a random moment
        kill_once(case, case.fresh(tmp_path / f"run{i}"), rng, point)


@pytest.mark.parametrize("name", KILLED)
def test_a_killed_writer_leaves_the_old_or_the_new_corpus(cases: Callable[[str], Case], name: str, tmp_path: Path) -> None:
    kills(cases, name, tmp_path, 1, SEED)


@pytest.mark.slow
@pytest.mark.parametrize("name", KILLED)
def test_many_kills_at_random_moments_and_every_step(cases: Callable[[str], Case], name: str, tmp_path: Path) -> None:
    case = cases(name)
    for i, point in enumerate(case.writer.points):
        kill_once(case, case.fresh(tmp_path / f"step{i}"), random.Random(i), point)
    rng = random.Random(f"{SEED}-{name}-slow")
    for i in range(20):
        kill_once(case, case.fresh(tmp_path / f"rand{i}"), rng, None)


# ----------------------------------------------------------------------------- races


@pytest.fixture(scope="module")
def race_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One corpus where every writer but migrate has work to do (migrate finds it at 1.1: a no-op that still locks)."""
    base = tmp_path_factory.mktemp("race")
    work = base / "work"
    work.mkdir()
    root = copy_corpus(base / "template")
    for name in ("adjudicate", "import-set", "stats", "pull", "build", "manifest"):
        WRITERS[name].prepare(root, work)
    return root, work


def race(template: tuple[Path, Path], a: str, b: str, dst: Path, wait: float | None) -> list[tuple[int, str]]:
    root = shutil.copytree(template[0], dst)
    work = template[1]
    procs = [start(WRITERS[n], root, work, wait=wait) for n in (a, b)]
    results = [finish(p)[::2] for p in procs]
    FIGURES["races"] += 1
    for name, (code, err) in zip((a, b), results, strict=True):
        if code == 0:
            if not WRITERS[name].effect(root):
                FIGURES["lost writes"] += 1
            assert WRITERS[name].effect(root), f"{name} exited 0 and its work is not in the corpus (lost in a race with {a}/{b})"
        else:
            FIGURES["refused by the lock"] += 1
            assert code == 1 and one_line(err) and "locked by pid" in err, (name, code, err)
    assert leftovers(root) == [] and valid(root)
    return results


SHORT_PAIRS = [("pull", "adjudicate"), ("import-set", "pull"), ("adjudicate", "build")]


@pytest.mark.parametrize(("a", "b"), SHORT_PAIRS)
def test_two_writers_at_once_lose_nothing(race_template: tuple[Path, Path], a: str, b: str, tmp_path: Path) -> None:
    results = race(race_template, a, b, tmp_path / "c", wait=60)
    assert [code for code, _ in results] == [0, 0], results


def test_without_waiting_the_second_writer_is_refused_in_one_line(race_template: tuple[Path, Path], tmp_path: Path) -> None:
    root = shutil.copytree(race_template[0], tmp_path / "c")
    with corpus_lock(root):  # another writer holds it
        code, _out, err = finish(start(WRITERS["adjudicate"], root, race_template[1], wait=0))
    assert code == 1 and one_line(err), err
    assert f"locked by pid {os.getpid()}" in err and "--wait" in err
    assert snapshot(root) == snapshot(race_template[0])


@pytest.mark.slow
@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(sorted(WRITERS), 2)))
def test_every_pair_of_writers_at_once_loses_nothing(race_template: tuple[Path, Path], a: str, b: str, tmp_path: Path) -> None:
    for i, wait in enumerate((60, 60, None)):
        race(race_template, a, b, tmp_path / f"c{i}", wait=wait)


# ----------------------------------------------------------------------------- disk full, read-only


@pytest.mark.parametrize(
    ("name", "fault"), [("adjudicate", "enospc:txn.stage:3"), ("build", "enospc:txn.stage:1"), ("manifest", "erofs:atomic.write")]
)
def test_disk_full_or_read_only_is_one_line_and_changes_nothing(
    cases: Callable[[str], Case], name: str, fault: str, tmp_path: Path
) -> None:
    case = cases(name)
    root = case.fresh(tmp_path / "c")
    code, _out, err = finish(start(case.writer, root, case.work, fault=fault))
    FIGURES["disk faults"] += 1
    assert code == 2 and one_line(err), err
    assert "No space left on device" in err or "Read-only file system" in err
    assert "nothing written" in err
    assert snapshot(root) == case.before and leftovers(root) == []


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "16m") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root (the injected ENOSPC/EROFS tests cover the same code)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(root: Path, leave: int) -> None:
    """Fill the file system of `root` until `leave` bytes are free."""
    st = os.statvfs(root)
    free = st.f_bavail * st.f_frsize
    with open(root / "filler", "wb") as fh, contextlib.suppress(OSError):
        fh.write(b"\0" * max(0, free - leave))
    (root / "filler").rename(root / ".filler.tmp")  # a leftover pattern: outside the snapshot


def real_fault(case: Case, tmp_path: Path, kind: str) -> tuple[int, str, Path]:
    with tmpfs(tmp_path / "fs") as fs:
        root = case.fresh(fs / "c")
        if kind == "full":
            fill(fs, 0)  # not a byte left: even a write smaller than the file it replaces needs new blocks
        else:
            subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
        code, _out, err = finish(start(case.writer, root, case.work))
        FIGURES["disk faults"] += 1
        before = case.before
        now = snapshot(root)
        stray = [x for x in leftovers(root) if not x.startswith(".filler")]
        if kind == "full":
            (fs / ".filler.tmp").unlink()
        else:
            subprocess.run(["mount", "-o", "remount,rw", str(fs)], check=True)
        assert now == before and stray == [], (now == before, stray)
        return code, err, root


@pytest.mark.parametrize(("name", "kind"), [("migrate", "full"), ("import-set", "read-only")])
def test_a_real_full_or_read_only_disk(cases: Callable[[str], Case], name: str, kind: str, tmp_path: Path) -> None:
    code, err, _root = real_fault(cases(name), tmp_path, kind)
    assert code == 2 and one_line(err), err


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["full", "read-only"])
@pytest.mark.parametrize("name", KILLED)
def test_every_writer_on_a_full_and_a_read_only_disk(cases: Callable[[str], Case], name: str, kind: str, tmp_path: Path) -> None:
    code, err, _root = real_fault(cases(name), tmp_path, kind)
    assert code == 2 and one_line(err), err


# ----------------------------------------------------------------------------- gold and dry runs


def test_a_pull_never_changes_a_gold_set(cases: Callable[[str], Case], tmp_path: Path) -> None:
    """The adjudicated set edited in Label Studio (a stance label): reported as a conflict in one line, the
    gold set stays byte for byte; the other document's new set still comes in."""
    case = cases("pull")
    root = case.fresh(tmp_path / "c")
    work = tmp_path / "work"
    work.mkdir()
    tasks = json.loads((case.work / "export.json").read_text(encoding="utf-8"))
    doc = json.loads((root / "annotations" / f"{PULLED_DOCS[0]}.json").read_text(encoding="utf-8"))
    gold = copy.deepcopy(next(s for s in doc["annotations"] if s["status"] == "gold"))
    labels = ["favor", "against", "neutral"]
    st = next(s for s in gold["stances"] if s["label"] in labels)
    st["label"] = next(x for x in labels if x != st["label"])
    edited = stub_task(doc, gold, 1, STUB_USER_ID)
    tasks[0]["annotations"] = [*tasks[0]["annotations"], {**edited["annotations"][0], "id": 999, "completed_by": 8}]
    pushed = next(s for s in doc["annotations"] if s["status"] == "gold")
    tasks[0]["meta"]["sets"][gold["annotator"]] = convert.provenance(pushed)  # the meta keeps what was pushed
    (work / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    stub = work / "stub.py"
    stub.write_text(
        "import sys, types\nimport tests.fault_stub as s\n"
        "orig = s.StubClient.users\n"
        f"s.StubClient.users = lambda self: {{**orig(self), 8: types.SimpleNamespace(username={gold['annotator']!r}, email='x@y.invalid')}}\n"
        "s.main()\n",
        encoding="utf-8",
    )
    gold_before = (root / "annotations" / f"{PULLED_DOCS[0]}.json").read_text(encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(stub), "ls", "pull", "--root", str(root)], cwd=work, env=env_for(work), capture_output=True, text=True
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "gold set edited in Label Studio" in errors[0] and gold["annotator"] in errors[0], proc.stderr
    after = json.loads((root / "annotations" / f"{PULLED_DOCS[0]}.json").read_text(encoding="utf-8"))
    assert [s for s in after["annotations"] if s["status"] == "gold"] == [
        s for s in json.loads(gold_before)["annotations"] if s["status"] == "gold"
    ]
    assert len(_sets_of(root, STUB_USER)) == len(PULLED_DOCS)  # the rest came in
    assert valid(root)


def test_a_dry_run_pull_writes_nothing(cases: Callable[[str], Case], tmp_path: Path) -> None:
    case = cases("pull")
    root = case.fresh(tmp_path / "c")
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fault_stub", "ls", "pull", "--root", str(root), "--dry-run"],
        cwd=case.work,
        env={**env_for(case.work), "CARTEL_FTO_FAULT": "kill:txn.stage"},  # a staged file would be fatal
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "would write" in proc.stderr
    assert snapshot(root) == case.before and leftovers(root) == []


def test_recover_finishes_what_a_killed_writer_committed(cases: Callable[[str], Case], tmp_path: Path) -> None:
    case = cases("migrate")
    root = case.fresh(tmp_path / "c")
    code, _out, _err = finish(start(case.writer, root, case.work, fault="kill:txn.rename:2"))
    assert code == -9 and pending(root) == "committed"
    assert snapshot(root) not in (case.before, case.after)  # half migrated...
    assert "interrupted-write" in {p.code for p in validate(None, root).problems}  # ...and not silently valid
    proc = subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", "recover", "--root", str(root)], env=env_for(case.work), capture_output=True, text=True
    )
    assert proc.returncode == 0 and "finished an interrupted write" in proc.stderr, proc.stderr
    assert snapshot(root) == case.after and leftovers(root) == []
    assert recover(root) == []


# ----------------------------------------------------------------------------- malformed inputs: one line per problem


def _first_delivered(delivery: Path) -> Path:
    return sorted(delivery.glob("*_*.json"))[0]


def _edit_json(path: Path, change: Callable[[Any], Any]) -> None:
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")


def _drop_annotator(d: dict[str, Any]) -> dict[str, Any]:
    del d["annotations"][0]["annotator"]
    return d


MALFORMED_DELIVERIES: dict[str, Callable[[Path], None]] = {
    "not JSON": lambda dlv: _first_delivered(dlv).write_text("{", encoding="utf-8"),
    "an array": lambda dlv: _first_delivered(dlv).write_text("[]", encoding="utf-8"),
    "no doc_id": lambda dlv: _edit_json(_first_delivered(dlv), lambda d: {k: v for k, v in d.items() if k != "doc_id"}),
    "a document the corpus lacks": lambda dlv: _edit_json(_first_delivered(dlv), lambda d: {**d, "doc_id": "999_00000000000000ff"}),
    "a set without annotator": lambda dlv: _edit_json(_first_delivered(dlv), _drop_annotator),
    "a registry without entities": lambda dlv: _edit_json(dlv / "registry.json", lambda r: {k: v for k, v in r.items() if k != "entities"}),
    "no registry": lambda dlv: (dlv / "registry.json").unlink(),
    "a registry that is a string": lambda dlv: (dlv / "registry.json").write_text('"x"', encoding="utf-8"),
}


def _cli(args: list[str], input: str | None = None) -> Any:
    from click.testing import CliRunner

    from cartel_fto_corpus.cli.main import cli

    return CliRunner().invoke(cli, args, input=input)


@pytest.mark.parametrize("what", sorted(MALFORMED_DELIVERIES))
def test_import_set_of_a_malformed_delivery_is_one_line_per_problem(what: str, tmp_path: Path) -> None:
    root = copy_corpus(tmp_path / "c")
    delivery = shutil.copytree(REPO / "annotations" / "independent" / PAIR[1], tmp_path / "delivery")
    MALFORMED_DELIVERIES[what](delivery)
    before = snapshot(root)
    result = _cli(["import-set", "--root", str(root), str(delivery), "--pivot", PAIR[0], "--write"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (what, result.output, result.exception)
    lines = result.stderr.splitlines()
    assert lines and "Traceback" not in result.output and all(len(ln) < 500 for ln in lines), lines
    assert snapshot(root) == before and leftovers(root) == []


MALFORMED_CORPUS: dict[str, Callable[[Path], None]] = {
    "not JSON": lambda f: f.write_text("{", encoding="utf-8"),
    "an array": lambda f: f.write_text("[]", encoding="utf-8"),
    "no doc_id": lambda f: _edit_json(f, lambda d: {k: v for k, v in d.items() if k != "doc_id"}),
    "a string offset": lambda f: _edit_json(
        f, lambda d: d | {"annotations": [{**d["annotations"][0], "entities": [{**d["annotations"][0]["entities"][0], "start": "1"}]}]}
    ),
}


@pytest.mark.parametrize("what", sorted(MALFORMED_CORPUS))
def test_adjudicate_over_a_malformed_annotation_file_is_one_line_per_problem(what: str, tmp_path: Path) -> None:
    root = copy_corpus(tmp_path / "c")
    MALFORMED_CORPUS[what](sorted((root / "annotations").glob("0*.json"))[0])
    before = snapshot(root)
    decisions = root / "annotations" / "adjudication" / "decisions.yaml"
    result = _cli(["adjudicate", "--root", str(root), "--annotators", ",".join(PAIR), "--decisions", str(decisions), "--write"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (what, result.output, result.exception)
    lines = result.stderr.splitlines()
    assert lines and "Traceback" not in result.output and "problem(s) in the annotation files" in lines[-1], lines
    assert snapshot(root) == before and leftovers(root) == []


def test_an_os_error_of_any_writer_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ls push` (the sync state) on a read-only disk: the path and the reason, exit 2, no traceback."""
    import errno

    import cartel_fto_corpus.labelstudio.push as push_module

    def read_only(*_a: Any, **_k: Any) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(tmp_path / ".labelstudio" / "state.json"))

    monkeypatch.setattr(push_module, "push", read_only)
    root = copy_corpus(tmp_path / "c")
    result = _cli(["ls", "push", "--root", str(root), "--url", "http://127.0.0.1:1", "--api-key-file", "-"], input="x\n")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert result.stderr.splitlines() == [f"error: {tmp_path / '.labelstudio' / 'state.json'}: Read-only file system"]


def test_build_check_notices_and_the_next_build_removes_what_a_killed_build_left(tmp_path: Path) -> None:
    """Issue 27: `data/.build-*/` folders with partial Parquet went unnoticed by `build --check` and the next build."""
    root = copy_corpus(tmp_path / "c")
    (root / "data" / ".build-k1ll3d" / "ner").mkdir(parents=True)
    (root / "data" / ".build-k1ll3d" / "ner" / "train-00000-of-00001.parquet").write_bytes(b"PAR1 half")
    (root / "data" / "ner" / ".train-00000-of-00001.parquet.x1.tmp").write_bytes(b"PAR1")
    check = _cli(["build", "--root", str(root), "--check"])
    assert check.exit_code == 1, check.output
    assert "data/.build-k1ll3d: left by an interrupted build" in check.stderr and ".tmp: left by an interrupted write" in check.stderr
    for rel in leftovers(root):
        assert gitignored(root, rel), rel
    built = _cli(["build", "--root", str(root)])
    assert built.exit_code == 0 and "note: removed" in built.stderr, built.output
    assert leftovers(root) == [] and _cli(["build", "--root", str(root), "--check"]).exit_code == 0
