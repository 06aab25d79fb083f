"""Sealed deliveries and the pre-registered protocol (checks/seals.py, inspection/sealing.py, cli/protocol.py).

`tests/fixtures/protocol` is a valid corpus with frozen guidelines 9.0 and one sealed delivery
(`model-a`, sealed by `cartel-fto seal`). Each bad case is that fixture with one thing broken,
named after what it breaks, with the exact pointer and message `validate` must report.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.checks.seals import delivery_problems
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.conftest import FIXTURES, REPO

PROTOCOL = FIXTURES / "protocol"
DELIVERY = "annotations/independent/model-a"
SEAL = f"{DELIVERY}/SEAL.json"
GUIDELINES_SHA = "ff0a6d65894d1c6d201637d07784145347b33edd286b301acb05c21f6db5d16c"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(PROTOCOL, dst)
    return dst


def _edit_json(path: Path, change: Callable[[dict], None]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def _problems(root: Path) -> list[tuple[str, str, str]]:
    return [(Path(p.file).as_posix().split("corpus/", 1)[-1], p.pointer, p.message) for p in delivery_problems(CorpusPaths(root))]


def test_the_sealed_fixture_is_clean_and_the_shipped_protocol_too() -> None:
    assert delivery_problems(CorpusPaths(PROTOCOL)) == []
    assert delivery_problems(CorpusPaths(REPO)) == []


def _sealed_file_changed(root: Path) -> None:
    p = root / DELIVERY / "900_00000000000000aa.json"
    p.write_bytes(p.read_bytes() + b" ")


def _file_added_after_seal(root: Path) -> None:
    (root / DELIVERY / "901_extra.json").write_text("{}\n", encoding="utf-8")


def _sealed_file_missing(root: Path) -> None:
    (root / DELIVERY / "NOTES.md").unlink()


def _guidelines_not_frozen(root: Path) -> None:
    _edit_json(root / "annotations/protocol.json", lambda d: d.update(guidelines=[]))


def _guidelines_not_frozen_bytes(root: Path) -> None:
    _edit_json(root / SEAL, lambda d: d["guidelines"].update(sha256="0" * 64))


def _frozen_guidelines_edited(root: Path) -> None:
    g = root / "annotations/GUIDELINES.md"
    g.write_text(g.read_text(encoding="utf-8") + "\nA new rule.\n", encoding="utf-8")


def _seal_times_out_of_order(root: Path) -> None:
    _edit_json(root / SEAL, lambda d: d.update(ended="2026-12-01T09:30:00Z"))


def _started_before_freeze(root: Path) -> None:
    _edit_json(root / SEAL, lambda d: d.update(started="2026-12-01T08:00:00Z"))


def _unsealed_delivery(root: Path) -> None:
    (root / SEAL).unlink()


def _set_id_mismatch(root: Path) -> None:
    _edit_json(root / SEAL, lambda d: d.update(set_id="model-b"))


def _seal_version_mismatch(root: Path) -> None:
    """The seal names guidelines 9.0, the delivered set says 1.0 (re-sealed, so only this differs)."""
    path = root / DELIVERY / "900_00000000000000aa.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"guideline_version": "9.0"', '"guideline_version": "1.0"'), encoding="utf-8")
    _edit_json(root / SEAL, lambda d: d["files"].update({path.name: hashlib.sha256(path.read_bytes()).hexdigest()}))


def _unknown_legacy_delivery(root: Path) -> None:
    _edit_json(root / "annotations/protocol.json", lambda d: d.update(legacy_deliveries=[{"set_id": "gone", "reason": "old"}]))


def _sealed_legacy_delivery(root: Path) -> None:
    _edit_json(root / "annotations/protocol.json", lambda d: d.update(legacy_deliveries=[{"set_id": "model-a", "reason": "old"}]))


CASES = {
    "sealed_file_changed": (
        _sealed_file_changed,
        [
            (
                SEAL,
                "/files/900_00000000000000aa.json",
                "expected sha256 692bf7cf7badbeeac45efd8919da98038f51ab9870242b6ace1e7ba203d9294b (sealed), found "
                "f35fd55df0e9e9d78fb475a1779c694a3a90db1cfc98d2ea4b1faf9aaf800f55: a sealed file was changed",
            )
        ],
    ),
    "file_added_after_seal": (
        _file_added_after_seal,
        [(SEAL, "/files", "expected only the sealed files, found 901_extra.json added after sealing (a revision is a new set id)")],
    ),
    "sealed_file_missing": (
        _sealed_file_missing,
        [(SEAL, "/files/NOTES.md", "expected the sealed file NOTES.md in the delivery, found none")],
    ),
    "guidelines_not_frozen": (
        _guidelines_not_frozen,
        [
            (
                SEAL,
                "/guidelines/version",
                "expected a guidelines version frozen in annotations/protocol.json, found 9.0 not frozen; run "
                "`cartel-fto freeze-guidelines` before annotating",
            )
        ],
    ),
    "guidelines_not_frozen_bytes": (
        _guidelines_not_frozen_bytes,
        [(SEAL, "/guidelines/sha256", f"expected the frozen sha256 of guidelines 9.0 {GUIDELINES_SHA}, found {'0' * 64}")],
    ),
    "frozen_guidelines_edited": (
        _frozen_guidelines_edited,
        [
            (
                "annotations/GUIDELINES.md",
                "",
                f"expected the frozen bytes of version 9.0 (sha256 {GUIDELINES_SHA}, annotations/protocol.json), found sha256 "
                "SHA: an edit of frozen guidelines needs a new version number",
            )
        ],
    ),
    "seal_times_out_of_order": (
        _seal_times_out_of_order,
        [(SEAL, "/ended", "expected ended >= started (2026-12-01T10:00:00Z), found 2026-12-01T09:30:00Z")],
    ),
    "started_before_freeze": (
        _started_before_freeze,
        [(SEAL, "/started", "expected a start after guidelines 9.0 were frozen (2026-12-01T09:00:00Z), found 2026-12-01T08:00:00Z")],
    ),
    "unsealed_delivery": (
        _unsealed_delivery,
        [
            (
                DELIVERY,
                "",
                "expected SEAL.json (a delivery is sealed with `cartel-fto seal`) or a legacy entry with its reason in "
                "annotations/protocol.json, found neither",
            )
        ],
    ),
    "seal_version_mismatch": (
        _seal_version_mismatch,
        [
            (
                f"{DELIVERY}/900_00000000000000aa.json",
                "/annotations/0/guideline_version",
                "expected 9.0 (the guidelines the seal names), found '1.0'",
            )
        ],
    ),
    "set_id_mismatch": (_set_id_mismatch, [(SEAL, "/set_id", "expected the folder name 'model-a', found 'model-b'")]),
    "unknown_legacy_delivery": (
        _unknown_legacy_delivery,
        [("annotations/protocol.json", "/legacy_deliveries/0/set_id", "expected a folder annotations/independent/gone/, found none")],
    ),
    "sealed_legacy_delivery": (
        _sealed_legacy_delivery,
        [
            (
                "annotations/protocol.json",
                "/legacy_deliveries",
                "expected legacy entries only for unsealed deliveries, found 'model-a' which has a SEAL.json",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_breakage_is_one_problem_with_pointer_and_message(root: Path, case: str) -> None:
    breaks, expected = CASES[case]
    breaks(root)
    found = _problems(root)
    if case == "frozen_guidelines_edited":  # the new hash is whatever the edit gives
        found = [(f, p, re.sub(r"found sha256 [0-9a-f]{64}", "found sha256 SHA", m)) for f, p, m in found]
    assert found == expected


def test_a_legacy_delivery_is_allowed_only_when_listed_with_a_reason(root: Path) -> None:
    (root / SEAL).unlink()
    _edit_json(
        root / "annotations/protocol.json", lambda d: d.update(legacy_deliveries=[{"set_id": "model-a", "reason": "predates sealing"}])
    )
    assert _problems(root) == []


def test_validate_fails_on_a_changed_sealed_file(root: Path) -> None:
    _sealed_file_changed(root)
    result = CliRunner().invoke(cli, ["validate", "--root", str(root), "--format", "text"])
    assert result.exit_code == 1
    assert "a sealed file was changed" in result.output


def _seal_args(root: Path, *extra: str) -> list[str]:
    return [
        "seal",
        str(root / DELIVERY),
        "--root",
        str(root),
        "--annotator-kind",
        "model",
        "--name",
        "fixture-model",
        "--version",
        "1",
        "--guidelines-version",
        "9.0",
        "--started",
        "2026-12-01T10:00:00Z",
        "--ended",
        "2026-12-01T11:00:00Z",
        "--sealed",
        "2026-12-01T11:05:00Z",
        *extra,
    ]


def test_seal_reproduces_the_fixture_seal_and_never_rewrites_one(root: Path) -> None:
    sealed = (root / SEAL).read_bytes()
    result = CliRunner().invoke(cli, _seal_args(root))
    assert result.exit_code == 1
    assert "a sealed delivery is never rewritten" in result.output
    (root / SEAL).unlink()
    result = CliRunner().invoke(cli, _seal_args(root))
    assert result.exit_code == 0, result.output
    assert (root / SEAL).read_bytes() == sealed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--guidelines-version", "9.1"], "expected the version the guidelines file states (9.0), found 9.1"),
        (["--ended", "2026-12-01T09:59:00Z"], "expected ended >= started (2026-12-01T10:00:00Z), found 2026-12-01T09:59:00Z"),
        (["--started", "yesterday"], "expected an RFC 3339 date-time with time zone, found 'yesterday'"),
    ],
)
def test_seal_refuses_what_validate_would_reject_and_writes_nothing(root: Path, change: list[str], message: str) -> None:
    (root / SEAL).unlink()
    args = _seal_args(root)
    for opt, value in zip(change[::2], change[1::2], strict=True):
        args[args.index(opt) + 1] = value
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert message in result.output
    assert not (root / SEAL).exists()


def test_seal_refuses_guidelines_that_are_not_frozen(root: Path) -> None:
    (root / SEAL).unlink()
    _guidelines_not_frozen(root)
    result = CliRunner().invoke(cli, _seal_args(root))
    assert result.exit_code == 1
    assert "found 9.0 not frozen" in result.output
    assert not (root / SEAL).exists()


def test_freeze_guidelines_adds_a_version_once_and_refuses_to_change_its_hash(root: Path) -> None:
    protocol = root / "annotations/protocol.json"
    before = protocol.read_bytes()
    result = CliRunner().invoke(cli, ["freeze-guidelines", "--root", str(root)])
    assert result.exit_code == 0 and "already frozen" in result.output
    assert protocol.read_bytes() == before
    _frozen_guidelines_edited(root)
    result = CliRunner().invoke(cli, ["freeze-guidelines", "--root", str(root)])
    assert result.exit_code == 1
    assert "a frozen version is never changed; give the edited guidelines a new version number" in result.output
    assert protocol.read_bytes() == before
    g = root / "annotations/GUIDELINES.md"
    g.write_text(g.read_text(encoding="utf-8").replace("Version 9.0", "Version 9.1"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["freeze-guidelines", "--root", str(root), "--frozen", "2026-12-02T00:00:00Z"])
    assert result.exit_code == 0, result.output
    versions = [e["version"] for e in json.loads(protocol.read_text(encoding="utf-8"))["guidelines"]]
    assert versions == ["9.0", "9.1"]
    assert _problems(root) == []  # model-a stays sealed under 9.0, which is still frozen


def test_import_set_reads_a_sealed_delivery_without_its_seal(tmp_path: Path) -> None:
    """SEAL.json (and NOTES.md) are not annotation files: import-set takes the delivered sets only."""
    root = tmp_path / "d"
    shutil.copytree(FIXTURES / "deliveries", root)
    result = CliRunner().invoke(cli, ["import-set", str(root / "annotations/independent/ann_c"), "--root", str(root), "--pivot", "ann_a"])
    assert result.exit_code == 0, result.output


def test_protocol_helpers_without_a_protocol() -> None:
    """Below the fixture (mutation run, issue 26): the small readers on their own."""
    from cartel_fto_corpus.checks.seals import frozen_versions, guidelines_version, legacy_sets, parse_time

    assert legacy_sets(None) == {} and frozen_versions(None) == {}
    assert legacy_sets({"legacy_deliveries": [{"set_id": "a", "reason": "r"}]}) == {"a": "r"}
    assert legacy_sets({"guidelines": []}) == {} and frozen_versions({"legacy_deliveries": []}) == {}
    assert frozen_versions({"guidelines": [{"version": "1.0", "x": 1}]}) == {"1.0": {"version": "1.0", "x": 1}}
    assert guidelines_version(b"# Title\n\n**Version 2.10**\n") == "2.10"
    assert guidelines_version(b"Version 2\n") is None
    assert guidelines_version(b"\n" * 40 + b"**Version 3.0**\n") is None
    assert guidelines_version(b"\n" * 39 + b"**Version 3.0**\n") == "3.0"
    assert guidelines_version(b"\xff Version 1.1") == "1.1"
    assert parse_time("2025-01-01T00:00:00Z") is not None and parse_time("2025-01-01T00:00:00z") is not None
    assert parse_time("2025-01-01T00:00:00") is None and parse_time("soon") is None
    assert parse_time(5) is None  # type: ignore[arg-type]


def test_protocol_entries_each_version_once_with_a_time(tmp_path: Path) -> None:
    """Below the fixture (mutation run, issue 26): the protocol's own problems, pointer by pointer."""
    from cartel_fto_corpus.checks.seals import protocol_problems

    (tmp_path / "annotations").mkdir()
    protocol = {
        "guidelines": [
            {"version": "1.0", "sha256": "a" * 64, "frozen": "2025-01-01T00:00:00Z"},
            {"version": "1.0", "sha256": "b" * 64, "frozen": "2025-01-01T00:00:00"},
            {"version": "1.0", "sha256": "c" * 64, "frozen": "2025-01-02T00:00:00+01:00"},
        ],
        "legacy_deliveries": [],
    }
    got = [(Path(p.file).name, p.pointer, p.code, p.message) for p in protocol_problems(CorpusPaths(tmp_path), protocol)]
    assert got == [
        (
            "protocol.json",
            "/guidelines/1/version",
            "duplicate-version",
            "expected one entry per version, found 1.0 again (first at /guidelines/0)",
        ),
        ("protocol.json", "/guidelines/1/frozen", "bad-time", "expected an RFC 3339 date-time with time zone, found '2025-01-01T00:00:00'"),
        (
            "protocol.json",
            "/guidelines/2/version",
            "duplicate-version",
            "expected one entry per version, found 1.0 again (first at /guidelines/0)",
        ),
    ]


def _seal_folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "set-1"
    folder.mkdir()
    for rel, data in files.items():
        (folder / rel).write_bytes(data)
    return folder


def _seal(files: dict[str, str], **times: str) -> dict:
    return {
        "set_id": "set-1",
        "schema_version": "1.1",
        "files": files,
        "guidelines": {"version": "9.0", "sha256": "a" * 64},
        "started": times.get("started", "2025-01-02T00:00:00Z"),
        "ended": times.get("ended", "2025-01-02T00:00:00Z"),
        "sealed": times.get("sealed", "2025-01-02T00:00:00Z"),
    }


FROZEN = {"guidelines": [{"version": "9.0", "sha256": "a" * 64, "frozen": "2025-01-02T00:00:00Z"}], "legacy_deliveries": []}


def test_a_seal_at_the_same_instants_and_every_missing_file(tmp_path: Path) -> None:
    """Below the fixture (mutation run, issue 26): seal_problems on its own."""
    from cartel_fto_corpus.checks.seals import seal_problems

    folder = _seal_folder(tmp_path, {})
    assert list(seal_problems(folder, _seal({}), FROZEN)) == []  # equal times are in order, a start at the freeze is after it
    got = [(p.pointer, p.code) for p in seal_problems(folder, _seal({"a.txt": "0" * 64, "b.txt": "0" * 64}), FROZEN)]
    assert got == [("/files/a.txt", "sealed-file-missing"), ("/files/b.txt", "sealed-file-missing")]


def test_a_seal_with_bad_times_and_no_protocol(tmp_path: Path) -> None:
    from cartel_fto_corpus.checks.seals import seal_problems

    folder = _seal_folder(tmp_path, {})
    got = [(p.pointer, p.code, p.message) for p in seal_problems(folder, _seal({}, ended="soon"), None)]
    assert got == [
        (
            "/guidelines/version",
            "guidelines-not-frozen",
            "expected a guidelines version frozen in annotations/protocol.json (missing), found 9.0 not frozen; "
            "run `cartel-fto freeze-guidelines` before annotating",
        ),
        ("/ended", "bad-time", "expected an RFC 3339 date-time with time zone, found 'soon'"),
    ]


def test_delivered_files_state_the_seal_versions(tmp_path: Path) -> None:
    """Below the fixture (mutation run, issue 26): _version_problems on its own."""
    from cartel_fto_corpus.checks.seals import _version_problems, guidelines_version

    assert guidelines_version(b"# Guidelines\nVersion 1.2\n") == "1.2"
    folder = _seal_folder(
        tmp_path,
        {
            "a.json": json.dumps(
                {"schema_version": "1.0", "annotations": [{"guideline_version": "9.0"}, {"guideline_version": "8.0"}, 5]}
            ).encode(),
            "b.json": b"[1]",
            "c.json": b"\xff",
            "d.json": json.dumps({"schema_version": "1.1", "annotations": None}).encode(),
            "e.json": json.dumps({"annotations": []}).encode(),
            "notes.txt": b"{}",
            "registry.json": b'{"schema_version": "0"}',
        },
    )
    files = {"a.json", "b.json", "c.json", "d.json", "e.json", "notes.txt", "registry.json"}
    got = [(Path(p.file).name, p.pointer, p.code, p.message) for p in _version_problems(folder, _seal({}), files)]
    assert got == [
        ("a.json", "/schema_version", "seal-version-mismatch", "expected 1.1 (the seal's), found '1.0'"),
        (
            "a.json",
            "/annotations/1/guideline_version",
            "seal-version-mismatch",
            "expected 9.0 (the guidelines the seal names), found '8.0'",
        ),
        ("a.json", "/annotations/2/guideline_version", "seal-version-mismatch", "expected 9.0 (the guidelines the seal names), found None"),
        ("e.json", "/schema_version", "seal-version-mismatch", "expected 1.1 (the seal's), found None"),
    ]


def test_checking_goes_on_after_an_unsealed_delivery(root: Path) -> None:
    """An unsealed folder sorted before a sealed one: the sealed one is still checked (second mutation run)."""
    (root / "annotations/independent/a-unsealed").mkdir()
    _sealed_file_changed(root)
    assert [(f, p) for f, p, _m in _problems(root)] == [
        ("annotations/independent/a-unsealed", ""),
        (SEAL, "/files/900_00000000000000aa.json"),
    ]
