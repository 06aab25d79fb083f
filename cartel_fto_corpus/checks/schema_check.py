"""The schema verdict of one parsed file: compiled validator first, detailed report only for files it rejects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from cartel_fto_corpus.checks.problems import Problem, pointer
from cartel_fto_corpus.truth.schema import detailed_validator, fast_validator, supported_versions


def _path_key(parts: Iterable[Any]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in parts)


def _relevant(err: ValidationError) -> ValidationError:
    """The sub-error that explains a oneOf/anyOf failure: the branch whose `const` matched.

    An actor is one of three object shapes told apart by `kind`; "is not valid under any of the
    given schemas" helps nobody, "'span' is a required property" in the `unnamed` branch does.
    """
    while err.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        matching = [subs for subs in branches.values() if not any(e.validator == "const" for e in subs)]
        if len(matching) != 1:
            return best_match([err])
        err = best_match(matching[0])
    return err


def schema_problems(kind: str, doc: Any, file: str) -> list[Problem]:
    """Schema errors of one parsed file; empty when the compiled validator accepts it."""
    if fast_validator(kind).is_valid(doc):
        return []
    errors = sorted(detailed_validator(kind).iter_errors(doc), key=lambda e: _path_key(e.absolute_path))
    out = []
    for err in errors:
        leaf = _relevant(err)
        out.append(Problem(file, pointer(*leaf.absolute_path), f"schema: {leaf.message}", f"schema-{leaf.validator}"))
    return out


def _version_problem(file: str, doc: Any) -> Problem | None:
    if not isinstance(doc, dict):
        return Problem(file, "", f"expected a JSON object, found {type(doc).__name__}", "schema-type")
    version = doc.get("schema_version")
    if version not in supported_versions():
        found = "none" if version is None else repr(version)
        return Problem(
            file,
            "/schema_version",
            f"unknown schema version: expected one of {', '.join(supported_versions())}, found {found}",
            "unknown-schema-version",
        )
    return None
