"""checks/severity.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

import pytest

from cartel_fto_corpus.checks.severity import STRICT_FROM, binds


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2.0", True),
        ("2.1", True),
        ("3.0", True),
        ("10.0", True),
        ("1.9", False),
        ("1.10", False),
        ("0.3", False),
        ("2", True),
        ("x.y", True),
        (None, True),
    ],
)
def test_rules_bind_from_guidelines_2_0(version: str | None, expected: bool) -> None:
    assert STRICT_FROM == (2, 0)
    assert binds({"guideline_version": version}) is expected


def test_a_set_without_a_version_is_bound() -> None:
    assert binds({}) is True
    assert binds({"guideline_version": "1.2.3"}) is True  # "2.3" is not an int: unknown, so bound
