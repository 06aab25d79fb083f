"""One line per cause (issue 23: a registry `validate` rejects printed 506 cascaded lines for one cause).

Each fixture under tests/fixtures/cascade/ is a directory laid over a copy of the fixture corpus (its
files replace the corpus's files at the same paths) and is named after what it breaks. The text
report shows the cause's own line and one `… and N more problems caused by this (…)` line; the
report itself (exit code, `--format json`) keeps every problem.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cartel_fto_corpus.checks.cascade import CAUSED, collapse, is_registry
from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.checks.report import render
from cartel_fto_corpus.checks.validate import validate
from tests.conftest import FIXTURE_CORPUS, FIXTURES

CASCADE = FIXTURES / "cascade"
A = "annotations/900_00000000000000aa.json"
R = "annotations/registry.json"
UNUSED = "registry entries found unused, which this file may use once it can be read"

#: fixture -> (exit code, every problem in the report, the lines shown)
CASES: dict[str, tuple[int, int, list[str]]] = {
    "registry_does_not_parse": (
        2,
        13,
        [
            f"{R}: malformed JSON at line 84 column 1: Expecting ',' delimiter",
            f"{R}: … and 12 more problems caused by this (references to registry ids in 1 annotation file, unknown while the registry cannot be read)",
        ],
    ),
    "registry_entry_fails_schema": (
        1,
        13,
        [
            f"{R}:/entities/0/type: schema: 'ALIEN' is not one of ['PERSON', 'NORP', 'FAC', 'ORG', 'GPE', 'LOC', 'EVENT', 'LAW', 'DATE', 'MONEY']",
            f"{R}: … and 12 more problems caused by this (references to registry ids in 1 annotation file, unknown while the registry cannot be read)",
        ],
    ),
    "entity_removed_from_registry": (
        1,
        4,
        [
            f"{A}:/annotations/0/entities/2/entity: expected an entity id of the registry, found 'marco_rubio'",
            f"{A}:/annotations/0/entities/2/entity: … and 3 more problems caused by this (the same unknown id, in 1 file)",
        ],
    ),
    "wrong_text_sha256": (
        1,
        2,
        [
            f"{A}:/text_sha256: expected the sha256 of texts/900_00000000000000aa.txt "
            "65998f3117fdfb101f157d2f6803e0a97209639eead9033237ef3b9abd1a9567, found " + "0" * 64,
            f"{A}:/text_sha256: … and 1 more problem caused by this (the registry's discrepancy notes citing article 900, "
            "which cannot be checked until this is fixed)",
        ],
    ),
    "wrong_schema_version": (
        1,
        9,
        [
            f"{A}:/schema_version: unknown schema version: expected one of 1.1, found '9.9'",
            f"{A}:/schema_version: … and 8 more problems caused by this ({UNUSED})",
        ],
    ),
    "annotation_does_not_parse": (
        2,
        9,
        [
            f"{A}: malformed JSON at line 75 column 1: Expecting property name enclosed in double quotes",
            f"{A}: … and 8 more problems caused by this ({UNUSED})",
        ],
    ),
}


def broken_corpus(name: str, dst: Path) -> Path:
    shutil.copytree(FIXTURE_CORPUS, dst)
    shutil.copytree(CASCADE / name, dst, dirs_exist_ok=True)
    return dst


def test_every_cascade_fixture_has_a_case() -> None:
    assert sorted(p.name for p in CASCADE.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_line_per_cause_and_the_rest_summed_up(name: str, tmp_path: Path) -> None:
    exit_code, total, shown = CASES[name]
    root = broken_corpus(name, tmp_path / "corpus")
    report = validate(root=root)
    assert report.exit_code == exit_code
    assert len(report.problems) == total  # the report keeps every problem
    lines = render(report, "text").replace(f"{root}/", "").splitlines()
    assert [line for line in lines if not line.startswith("warning:")] == shown
    body = json.loads(render(report, "json"))
    assert len(body["problems"]) == total and body["exit_code"] == exit_code and CAUSED not in {p["code"] for p in body["problems"]}
    github = render(report, "github").splitlines()
    assert len([g for g in github if g.startswith("::error")]) == 2 and f"title={CAUSED}" in github[1]


def test_the_other_files_of_each_fixture_are_valid(tmp_path: Path) -> None:
    """What a fixture lays over the corpus besides its one breakage (the sha fixture's discrepancy note) is valid."""
    root = broken_corpus("wrong_text_sha256", tmp_path / "corpus")
    shutil.copy(FIXTURE_CORPUS / A, root / A)
    assert validate(root=root).problems == []


def test_two_causes_two_roots_each_with_its_own_summary(tmp_path: Path) -> None:
    root = broken_corpus("entity_removed_from_registry", tmp_path / "corpus")
    reg = json.loads((root / R).read_text(encoding="utf-8"))
    reg["targets"] = []  # a second cause: the target both stances name
    (root / R).write_text(json.dumps(reg), encoding="utf-8")
    report = validate(root=root)
    lines = [line for line in render(report, "text").replace(f"{root}/", "").splitlines() if not line.startswith("warning:")]
    assert lines == [
        f"{A}:/annotations/0/entities/2/entity: expected an entity id of the registry, found 'marco_rubio'",
        f"{A}:/annotations/0/entities/2/entity: … and 3 more problems caused by this (the same unknown id, in 1 file)",
        f"{A}:/annotations/0/stances/0/target: expected a target id of the registry, found 'fto_designation'",
        f"{A}:/annotations/0/stances/0/target: … and 1 more problem caused by this (the same unknown id, in 1 file)",
    ]
    assert report.exit_code == 1


def test_unrelated_problems_are_never_folded() -> None:
    """Different messages are different causes; a file's unlisted count joins a cause only if every listed line follows from it."""
    ps = [
        Problem("a.json", "/x", "expected an entity id of the registry, found 'p'", "unknown-entity"),
        Problem("a.json", "/y", "expected start < end, found start 3 and end 3", "empty-span"),
        Problem("a.json", "/z", "expected an entity id of the registry, found 'p'", "unknown-entity"),
        Problem("a.json", "", "120 more problems not listed (at most 100 are listed per file)", "more-problems"),
        Problem("b.json", "/x", "expected an entity id of the registry, found 'q'", "unknown-entity"),
    ]
    out = collapse(ps, ["registry.json", "a.json", "b.json"])
    assert [p.code for p in out] == ["unknown-entity", CAUSED, "empty-span", "more-problems", "unknown-entity"]
    assert CAUSED == "caused-problems"  # the code JSON and GitHub output carry for a summary line
    assert collapse(ps[1:2] + ps[4:], []) == ps[1:2] + ps[4:]


def test_many_uses_of_a_removed_entity_are_one_cause(tmp_path: Path) -> None:
    """50 mentions of an entity the registry no longer has: one root line and one summary line."""
    root = broken_corpus("entity_removed_from_registry", tmp_path / "corpus")
    doc = json.loads((root / A).read_text(encoding="utf-8"))
    for k in range(1, 13):  # 12 more annotators' sets, each with the set's mentions of marco_rubio
        doc["annotations"].append({**doc["annotations"][0], "annotator": f"copy{k}", "status": "draft"})
    (root / A).write_text(json.dumps(doc), encoding="utf-8")
    report = validate(root=root)
    assert len(report.problems) == 52
    lines = [line for line in render(report, "text").splitlines() if not line.startswith("warning:")]
    assert len(lines) == 2 and lines[1].endswith("… and 51 more problems caused by this (the same unknown id, in 1 file)")


def _more(file: str, n: int, at_least: bool = False) -> Problem:
    return Problem(
        file, "", f"{'more than ' if at_least else ''}{n} more problems not listed (at most 100 are listed per file)", "more-problems"
    )


def _unknown(file: str, ptr: str, found: str) -> Problem:
    return Problem(file, ptr, f"expected an entity id of the registry, found {found!r}", "unknown-entity")


def test_a_registry_path_is_recognised_with_backslashes_and_prefixes() -> None:
    assert is_registry("annotations\\registry.json") and is_registry("C:\\corpus\\annotations\\registry.json")
    assert is_registry("annotations/blind.registry.json") and is_registry("registry.json")
    assert not is_registry("annotations/xregistry.json") and not is_registry("annotations\\registry.json\\a.json")


def test_unlisted_lines_join_the_cause_after_the_registrys_last_line() -> None:
    """Every listed line of B and C follows from the unusable registry: their "N more" lines join its summary,
    which follows the registry's LAST line and counts every line it stands for."""
    b, c = "annotations/901_b.json", "annotations/902_c.json"
    ps = [
        Problem(R, "/entities/0/type", "schema: 'ALIEN' is not one of ['PERSON']", "schema"),
        Problem(R, "/entities/1/type", "schema: 'ALIEN' is not one of ['PERSON']", "schema"),
        _unknown(b, "/annotations/0/entities/0/entity", "p"),
        _unknown(b, "/annotations/0/entities/1/entity", "q"),
        _more(b, 120),
        _more(b, 50, at_least=True),
        Problem(c, "/annotations/0/stances/0/target", "expected a target id of the registry, found 't'", "unknown-target"),
    ]
    assert collapse(ps, [R, b, c]) == [
        ps[0],
        ps[1],
        Problem(
            R,
            "",
            "… and 5 more problems caused by this (references to registry ids in 2 annotation files, unknown while the "
            "registry cannot be read; more than 170 more not listed)",
            CAUSED,
        ),
    ]


def test_an_exact_unlisted_count_is_not_an_at_least() -> None:
    b = "annotations/901_b.json"
    ps = [_unknown(A, "/annotations/0/entities/0/entity", "p"), _unknown(b, "/e/0", "p"), _unknown(b, "/e/1", "p"), _more(b, 7)]
    assert collapse(ps, [R, A, b]) == [
        ps[0],
        Problem(
            A,
            "/annotations/0/entities/0/entity",
            "… and 3 more problems caused by this (the same unknown id, in 1 file; 7 more not listed)",
            CAUSED,
        ),
    ]


def test_unlisted_lines_of_a_file_with_two_causes_stay() -> None:
    """B's listed lines follow from two different causes: its "N more" line belongs to neither."""
    b, t = "annotations/901_b.json", "expected a target id of the registry, found 't'"
    ps = [
        _unknown(A, "/e/0", "p"),
        Problem(A, "/s/0", t, "unknown-target"),
        _unknown(b, "/e/0", "p"),
        Problem(b, "/s/0", t, "unknown-target"),
        _unknown("annotations/903_d.json", "/e/0", "p"),
        _more(b, 7),
    ]
    assert collapse(ps, [R, A, b]) == [
        ps[0],
        Problem(A, "/e/0", "… and 2 more problems caused by this (the same unknown id, in 2 files)", CAUSED),
        ps[1],
        Problem(A, "/s/0", "… and 1 more problem caused by this (the same unknown id, in 1 file)", CAUSED),
        ps[5],
    ]


def test_an_unreadable_file_gathers_both_kinds_of_registry_lines_under_one_summary() -> None:
    a = "annotations/900_a.json"
    ps = [
        Problem(a, "", "malformed JSON at line 3 column 1: Expecting value", "unreadable", unreadable=True),
        Problem(
            R,
            "/clusters/0/discrepancies",
            "expected citations only of articles with a member claim (none), found 900",
            "discrepancy-citation",
        ),
        Problem(R, "/entities/3", "expected registry entry 'x' to be used by some mention, found no use", "unused-entry"),
    ]
    assert collapse(ps, [R, a]) == [
        ps[0],
        Problem(
            a,
            "",
            "… and 2 more problems caused by this (the registry's discrepancy notes citing article 900, which cannot be "
            f"checked until this is fixed; {UNUSED})",
            CAUSED,
        ),
    ]


def test_registry_lines_no_unchecked_file_explains_stay() -> None:
    """A citation of an article whose file was checked, or of no file at all, and unused entries while no
    file failed to load, are the registry's own problems."""
    ps = [
        Problem("annotations/900_a.json", "/text_sha256", "expected the sha256 of texts/900_a.txt, found 0", "sha256-mismatch"),
        Problem("annotations/902_b.json", "/annotations/0/entities/0", "expected start < end, found start 3 and end 3", "empty-span"),
        Problem(
            R,
            "/clusters/0/discrepancies",
            "expected citations only of articles with a member claim (none), found 901",
            "discrepancy-citation",
        ),
        Problem(
            R,
            "/clusters/1/discrepancies",
            "expected citations only of articles with a member claim (none), found 902",
            "discrepancy-citation",
        ),
        Problem(R, "/entities/3", "expected registry entry 'x' to be used by some mention, found no use", "unused-entry"),
    ]
    assert collapse(ps, [R, "annotations/900_a.json", "annotations/902_b.json"]) == ps
