"""Fuzzing the validator (and `show`) with a seeded mutator over the real annotation files.

Each case takes one real file (an annotation file, the registry or the manifest), applies one to
three mutations, on the parsed data (hostile values, removed or unknown keys, duplicated items,
shifted offsets, changed types) or on the serialized bytes (duplicate keys, byte flips, invalid
UTF-8, truncation, NaN, huge integers, deep nesting), and runs it through the API
(`checks.validate.validate`) and the CLI in-process (click's CliRunner, every output format in turn).
Every case must hold:

- no exception escapes (no traceback), no `internal-error` problem;
- exit codes are 0, 1 or 2;
- a file the compiled validator (jsonschema-rs) rejects, or cannot even read, is never reported valid;
- every 5th case: `show` on a corpus holding the file exits 0/1/2 without a traceback, and writes no
  page for a file the compiled validator rejects.

All findings of a run are collected and reported together, each with its seed and mutations.

How to run: the normal suite runs `CASES` (300) cases. The long run (3,000 cases from seed 100000;
it took 880 s on the shared 2-core machine under load, 0 findings) is marked `slow` and runs only
when asked for:

    PYTHONPATH=$PWD python -m pytest -m slow tests/test_fuzz.py -q -s

or with `CARTEL_FTO_FUZZ_CASES=N` for any other number of cases (the seed range starts at
`CARTEL_FTO_FUZZ_SEED`, default 0). The `-s` shows the summary line (cases, time, findings).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.checks.validate import file_kind, validate
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.truth.schema import fast_validator
from tests.conftest import REPO

CASES = 300
LONG_CASES = 3000
FORMATS = ("text", "json", "github")

REAL = [*sorted((REPO / "annotations").glob("*.json")), REPO / "texts" / "manifest.json"]

HOSTILE_VALUES: list[Any] = [
    "",
    " ",
    "Q34490\n",
    "fixture\n",
    "x\ud800",
    "\udfff",
    "\x1b]8;;https://evil.example\x07x\x1b]8;;\x07",
    "\x1b[31m",
    "[/]",
    "[link=https://evil.example]x[/link]",
    "<img src=x onerror=\"document.title='pwned'\">",
    "a" * 5000,
    21.0,
    -1,
    0,
    10**30,
    2**63,
    1e308,
    None,
    True,
    False,
    [],
    {},
    [[[[[[[[]]]]]]]],
    {"kind": "entity"},
]


@dataclass
class Case:
    seed: int
    source: Path
    steps: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"seed {self.seed} ({self.source.name}: {'; '.join(self.steps)})"


def _nodes(value: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """Every node with its path, document order, not below depth 20 (mutations may nest deeply)."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        out.append((path, node))
        if len(path) >= 20:
            continue
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = value
    return doc


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def mutate_data(rng: random.Random, doc: Any, case: Case) -> Any:
    """One mutation of the parsed document."""
    nodes = _nodes(doc)
    path, node = rng.choice(nodes)
    where = "/" + "/".join(map(str, path))
    op = rng.randrange(8)
    if op == 0:
        value = rng.choice(HOSTILE_VALUES)
        case.steps.append(f"{where} = {value!r:.40}")
        return _set(doc, path, value)
    if op == 1 and path:
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        case.steps.append(f"delete {where}")
        del parent[path[-1]]
        return doc
    if op == 2 and isinstance(node, dict):
        case.steps.append(f"{where}: add key")
        node[rng.choice(["confidence", "extra", "start", "id", ""])] = rng.choice(HOSTILE_VALUES)
        return doc
    if op == 3 and isinstance(node, list) and node:
        case.steps.append(f"{where}: duplicate an item")
        node.append(json.loads(json.dumps(rng.choice(node))))
        return doc
    if op == 4:
        ints = [(p, v) for p, v in nodes if isinstance(v, int) and not isinstance(v, bool)]
        if ints:
            p, v = rng.choice(ints)
            delta = rng.choice([-1, 1, -100, 100, 10**6, -(10**6)])
            case.steps.append(f"/{'/'.join(map(str, p))} {v} -> {v + delta}")
            return _set(doc, p, v + delta)
    if op == 5 and isinstance(node, dict | list) and path:
        case.steps.append(f"{where}: container type flipped")
        return _set(doc, path, list(node.values()) if isinstance(node, dict) else {str(i): x for i, x in enumerate(node)})
    if op == 6 and path:
        depth = rng.choice([50, 500, 950, 3000])
        case.steps.append(f"{where} = nested {depth} deep")
        return _set(doc, path, _deep(depth))
    if op == 7:
        strings = [(p, v) for p, v in nodes if isinstance(v, str) and v]
        if strings:
            p, v = rng.choice(strings)
            cut = rng.randrange(len(v) + 1)
            extra = rng.choice(["\n", "\ud800", "\x00", "\u202e", "\U0001f4ac", " ", "\\"])
            case.steps.append(f"/{'/'.join(map(str, p))}: insert {extra!r}")
            return _set(doc, p, v[:cut] + extra + v[cut:])
    case.steps.append("no-op")
    return doc


def mutate_bytes(rng: random.Random, data: bytes, case: Case) -> bytes:
    """One mutation of the serialized file."""
    op = rng.randrange(8)
    if op == 0:  # duplicate key: repeat the first member of some object
        starts = [i for i, b in enumerate(data) if b == ord("{")]
        if starts:
            i = rng.choice(starts)
            end = data.find(b",", i)
            if end > 0 and data.find(b"}", i) > end:
                case.steps.append(f"bytes: duplicate key at {i}")
                return data[: end + 1] + data[i + 1 : end + 1] + data[end + 1 :]
    if op == 1 and data:
        i = rng.randrange(len(data))
        b = rng.choice([0x00, 0x22, 0x5C, 0x7B, 0x5D, 0xFF, 0xC3, 0xED, 0x80, rng.randrange(256)])
        case.steps.append(f"bytes: [{i}] = 0x{b:02x}")
        return data[:i] + bytes([b]) + data[i + 1 :]
    if op == 2 and data:
        i = rng.randrange(len(data))
        case.steps.append(f"bytes: truncate at {i}")
        return data[:i]
    if op == 3:
        token = rng.choice([b"NaN", b"Infinity", b"-Infinity", b"1" * 4400, b"1e999", b"-0", b"21.0", b"1E2", b'"\\ud800"', b'"\\uDC00x"'])
        digits = [i for i in range(len(data) - 1) if data[i : i + 1].isdigit() and not data[i - 1 : i].isdigit()]
        if digits:
            i = rng.choice(digits)
            j = i
            while j < len(data) and data[j : j + 1].isdigit():
                j += 1
            case.steps.append(f"bytes: number at {i} -> {token[:12]!r}")
            return data[:i] + token + data[j:]
    if op == 4:
        depth = rng.choice([900, 1000, 2000, 20000])
        i = data.find(b'"doc_id": ') if b'"doc_id": ' in data else data.find(b"[")
        if i > 0:
            case.steps.append(f"bytes: nesting {depth} deep at {i}")
            k = data.find(b":", i) + 1
            end = data.find(b",", k)
            return data[:k] + b"[" * depth + b"]" * depth + data[end:]
    if op == 5:
        case.steps.append("bytes: BOM")
        return b"\xef\xbb\xbf" + data
    if op == 6 and data:
        i = rng.randrange(len(data))
        junk = rng.choice([b"\x1b]0;pwned\x07", b"<script>", b"[/]", b"\r", b"\xf0\x9f", b"\\u0000", b"}", b"]]"])
        case.steps.append(f"bytes: insert {junk!r} at {i}")
        return data[:i] + junk + data[i:]
    case.steps.append("bytes: none")
    return data


def make_case(seed: int) -> tuple[Case, bytes]:
    rng = random.Random(seed)
    source = rng.choice(REAL)
    case = Case(seed, source)
    doc = json.loads(source.read_text(encoding="utf-8"))
    for _ in range(rng.randint(1, 3)):
        doc = mutate_data(rng, doc, case) if rng.random() < 0.6 else doc
    try:
        data = json.dumps(doc, indent=2, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        data = source.read_bytes()
        case.steps.append("(could not serialize: original bytes)")
    if rng.random() < 0.5 or len(case.steps) == 0:
        data = mutate_bytes(rng, data, case)
    return case, data


def compiled_rejects(data: bytes, kind: str) -> bool | None:
    """The compiled validator's verdict on the bytes as plain `json` reads them; None if they do not parse."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    try:
        return not fast_validator(kind).is_valid(doc)
    except Exception:  # it cannot even take the data in: a rejection
        return True


def _target_name(source: Path) -> str:
    if source.name == "registry.json":
        return "case.registry.json"
    if source.name == "manifest.json":
        return "case.manifest.json"
    return "case.json"


def run_case(seed: int, work: Path, show_root: Path | None, tally: dict[str, int] | None = None) -> list[str]:
    """Findings of one case (empty if every property holds); `tally` counts outcomes."""
    case, data = make_case(seed)
    findings: list[str] = []
    path = work / _target_name(case.source)
    path.write_bytes(data)
    kind = file_kind(path)
    try:
        report = validate([path], root=REPO)
    except BaseException as exc:
        return [f"{case}: API raised {type(exc).__name__}: {exc}"]
    if report.exit_code not in (0, 1, 2):
        findings.append(f"{case}: API exit code {report.exit_code}")
    internal = [str(p) for p in report.problems if p.code == "internal-error"]
    if internal:
        findings.append(f"{case}: internal error: {internal[0]}")
    rejected = compiled_rejects(data, kind)
    if tally is not None:
        outcome = f"exit {report.exit_code}, " + {None: "unparseable", True: "compiled rejects", False: "compiled accepts"}[rejected]
        tally[outcome] = tally.get(outcome, 0) + 1
    own = [p for p in report.problems if p.file.endswith(path.name)]
    if rejected and not own:
        findings.append(f"{case}: the compiled validator rejects it, the report has no problem for it")
    fmt = FORMATS[seed % len(FORMATS)]
    result = CliRunner().invoke(cli, ["validate", "--root", str(REPO), "--format", fmt, str(path)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        findings.append(f"{case}: CLI --format {fmt} raised {type(result.exception).__name__}: {result.exception}")
    elif result.exit_code not in (0, 1, 2):
        findings.append(f"{case}: CLI exit code {result.exit_code}")
    elif rejected and result.exit_code == 0:
        findings.append(f"{case}: CLI says valid, the compiled validator rejects it")
    if show_root is not None and seed % 5 == 0:
        findings += _show_case(case, data, show_root, rejected)
    return findings


def _show_case(case: Case, data: bytes, root: Path, rejected: bool | None) -> list[str]:
    src = case.source
    target = root / src.relative_to(REPO)
    original = target.read_bytes()
    target.write_bytes(data)
    page = root / "page.html"
    page.unlink(missing_ok=True)
    doc = "002" if src.parent.name != "annotations" or src.name == "registry.json" else src.name[:3]
    findings = []
    try:
        for args in (["show", doc, "--root", str(root)], ["show", doc, "--root", str(root), "--html", str(page)]):
            result = CliRunner().invoke(cli, args)
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                findings.append(f"{case}: {' '.join(args[:2])} raised {type(result.exception).__name__}: {result.exception}")
            elif result.exit_code not in (0, 1, 2):
                findings.append(f"{case}: show exit code {result.exit_code}")
            elif rejected and result.exit_code == 0:
                findings.append(f"{case}: show ran on a file the compiled validator rejects")
            elif "\x1b" in result.stdout:
                findings.append(f"{case}: show printed an escape sequence")
        if rejected and page.exists():
            findings.append(f"{case}: show --html wrote a page for a rejected file")
    finally:
        target.write_bytes(original)
    return findings


def fuzz(n: int, first_seed: int, tmp_path: Path, with_show: bool = True) -> tuple[int, float, list[str], dict[str, int]]:
    work = tmp_path / "work"
    work.mkdir()
    show_root = None
    if with_show:
        show_root = tmp_path / "corpus"
        for sub in ("texts", "annotations"):
            shutil.copytree(REPO / sub, show_root / sub)
    start = time.perf_counter()
    findings: list[str] = []
    tally: dict[str, int] = {}
    for seed in range(first_seed, first_seed + n):
        findings += run_case(seed, work, show_root, tally)
    return n, time.perf_counter() - start, findings, tally


def _report(n: int, elapsed: float, findings: list[str], tally: dict[str, int]) -> None:
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(tally.items()))
    print(f"\nfuzz: {n} cases in {elapsed:.1f} s, {len(findings)} findings; outcomes: {outcomes}")
    assert not findings, "\n".join(findings[:50])


def test_mutations_are_varied() -> None:
    """The mutator itself: cases differ, and the byte and data mutations both happen."""
    cases = [make_case(s) for s in range(200)]
    assert len({data for _c, data in cases}) > 150
    steps = [step for c, _d in cases for step in c.steps]
    assert any(s.startswith("bytes:") for s in steps) and any(not s.startswith("bytes:") for s in steps)
    assert any("duplicate key" in s for s in steps) and any("nested" in s or "nesting" in s for s in steps)


def test_fuzz_checker_can_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: a validator that calls everything valid is caught by the fuzz properties."""
    import sys

    import cartel_fto_corpus.checks.validate as v
    from cartel_fto_corpus.checks.problems import Report

    def lenient(targets: Any = None, root: Any = None) -> Report:
        return Report(files=[str(t) for t in targets or []])

    monkeypatch.setattr(v, "validate", lenient)
    monkeypatch.setattr(sys.modules[__name__], "validate", lenient)
    _n, _t, findings, _tally = fuzz(20, 0, tmp_path, with_show=False)
    assert any("the report has no problem for it" in f for f in findings)
    assert any("CLI says valid" in f for f in findings)


def test_fuzz_validator_and_show(tmp_path: Path) -> None:
    _report(*fuzz(int(os.environ.get("CARTEL_FTO_FUZZ_CASES", CASES)), int(os.environ.get("CARTEL_FTO_FUZZ_SEED", 0)), tmp_path))


def _long_run_requested(config: pytest.Config) -> bool:
    return "slow" in (config.getoption("markexpr") or "")


@pytest.mark.slow
def test_fuzz_long(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """3,000 cases from seed 100000 on (disjoint from the normal run); only with `-m slow`."""
    if not _long_run_requested(request.config):
        pytest.skip("long fuzz run: select it with -m slow")
    _report(*fuzz(LONG_CASES, 100_000, tmp_path))
