"""The schema verdict of one parsed file: compiled validator first, detailed report only for files it rejects.

The compiled validator (jsonschema-rs) is authoritative: a file it rejects is never reported valid.
The detailed validator (jsonschema, with ECMA-262 patterns) only explains the rejection; should it
find nothing, the compiled validator's own error is reported. A file with a whole number written
as a float (21.0) is also run through the detailed validator, whose `integer` excludes it. At most
`MAX_PROBLEMS_PER_FILE` errors are listed per file, then one line with the count of the rest, so a
file with half a million schema errors costs seconds, not minutes and gigabytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema.exceptions import ValidationError, best_match

from cartel_fto_corpus.checks.problems import MAX_PROBLEMS_PER_FILE, Problem, more_problems, pointer
from cartel_fto_corpus.truth.jsonio import Unreadable, escape_surrogates, read_json_checked, scan
from cartel_fto_corpus.truth.schema import detailed_validator, fast_validator, load_schemas, supported_versions


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


#: What a shared text or date-time pattern of the common schema means, said instead of the regex.
PATTERN_EXPECTATIONS = {
    "date_time": "an RFC 3339 date-time with time zone such as 2025-01-01T00:00:00Z",
    "line_text": "text with a visible character and no control or bidirectional control characters",
    "prose_text": "text without control characters (other than line breaks and tabs) or bidirectional controls",
}


@cache
def _pattern_expectations() -> dict[str, str]:
    defs = load_schemas()["common"]["$defs"]
    return {defs[name]["pattern"]: text for name, text in PATTERN_EXPECTATIONS.items()}


def _message(err: ValidationError) -> str:
    """The detailed validator's message, in words for the common schema's named patterns."""
    if err.validator == "pattern":
        expected = _pattern_expectations().get(err.validator_value)
        if expected is not None:
            return f"schema: expected {expected}, found {escape_surrogates(repr(err.instance))[:200]}"
    return f"schema: {escape_surrogates(err.message)}"


def compiled_verdict(kind: str, doc: Any) -> bool:
    """True if the compiled validator accepts `doc`; False for anything it cannot even read."""
    try:
        return bool(fast_validator(kind).is_valid(doc))
    except (ValueError, TypeError, OverflowError, RecursionError):
        return False


def _compiled_error(kind: str, doc: Any, file: str) -> Problem:
    """The compiled validator's own first error, for a rejection the detailed validator cannot explain.

    `validate` stops at the first error; `iter_errors` of jsonschema-rs collects all of them
    before yielding the first (50 s and 2 GB for a file with 509k errors), so it is not used.
    """
    try:
        fast_validator(kind).validate(doc)
    except jsonschema_rs.ValidationError as err:
        return Problem(file, pointer(*err.instance_path), f"schema: {escape_surrogates(err.message)}", "schema-compiled")
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        return Problem(file, "", f"schema: rejected by the compiled validator ({type(exc).__name__}: {exc})", "schema-compiled")
    return Problem(file, "", "schema: rejected by the compiled validator, which names no error", "schema-compiled")


#: Schema errors counted beyond the listed ones before counting stops (about 1 ms each in Python).
MAX_COUNTED = 1000


def schema_problems(kind: str, doc: Any, file: str, strict_numbers: bool | None = None) -> list[Problem]:
    """Schema errors of one parsed file; empty only when the compiled validator accepts it.

    `strict_numbers`: the file has whole numbers written with a fraction or exponent (21.0), which
    only the detailed validator tells apart from integers, so it runs even on a compiled "valid".
    None (data that did not come through `jsonio.parse_json`, e.g. a Label Studio export): the
    document is scanned for such numbers and for lone surrogates first.
    """
    if strict_numbers is None:
        scanned = scan(doc)
        if scanned.flaws:
            return [Problem(file, f.pointer, f.message, f.code) for f in scanned.flaws[:MAX_PROBLEMS_PER_FILE]]
        strict_numbers = scanned.whole_floats
    accepted = compiled_verdict(kind, doc)
    if accepted and not strict_numbers:
        return []
    rest = 0
    try:
        found = detailed_validator(kind).iter_errors(doc)
        errors = list(islice(found, MAX_PROBLEMS_PER_FILE))
        rest = sum(1 for _ in islice(found, MAX_COUNTED + 1))
    except (RecursionError, ValueError, TypeError) as exc:
        errors = []
        if accepted:
            return [Problem(file, "", f"schema: cannot be checked in detail ({type(exc).__name__})", "schema-detailed")]
    if not errors:
        return [] if accepted else [_compiled_error(kind, doc, file)]
    shown = sorted(errors[:MAX_PROBLEMS_PER_FILE], key=lambda e: _path_key(e.absolute_path))
    out = []
    for err in shown:
        leaf = _relevant(err)
        out.append(Problem(file, pointer(*leaf.absolute_path), _message(leaf), f"schema-{leaf.validator}"))
    if rest:
        # Counting every error in Python would take minutes for a file with 10^5 of them.
        out.append(
            more_problems(file, rest, "schema errors")
            if rest <= MAX_COUNTED
            else more_problems(file, MAX_COUNTED, "schema errors", at_least=True)
        )
    return out


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _version_problem(file: str, doc: Any) -> Problem | None:
    if not isinstance(doc, dict):
        return Problem(file, "", f"expected a JSON object, found {_json_type(doc)}", "schema-type")
    version = doc.get("schema_version")
    if version not in supported_versions():
        found = "none" if version is None else escape_surrogates(repr(version))[:80]
        return Problem(
            file,
            "/schema_version",
            f"unknown schema version: expected one of {', '.join(supported_versions())}, found {found}",
            "unknown-schema-version",
        )
    return None


def sound_document(
    kind: str, path: Path, name: str, on_reject: Callable[[Any], None] | None = None
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse and schema-check one file: (the document if it is sound, its problems).

    The file is read once (regular files of at most `MAX_FILE_BYTES` only); `on_reject` gets the
    parsed document the schema refuses (to note the registry ids it names) instead of a second read.

    Duplicate keys and lone surrogates make a file unreadable (exit 2: it has no single meaning,
    and no UTF-8 writer can store it); they are reported with their pointers, and the file is not
    checked further.
    """
    try:
        parsed = read_json_checked(path)
    except Unreadable as exc:
        return None, [Problem(name, "", str(exc), "unreadable", unreadable=True)]
    if parsed.flaws:
        return None, [Problem(name, f.pointer, f.message, f.code, unreadable=True) for f in parsed.flaws]
    bad = _version_problem(name, parsed.doc) if kind not in ("protocol", "seal") else None  # versioned by their own const
    if bad:
        return None, [bad]
    found = schema_problems(kind, parsed.doc, name, strict_numbers=parsed.whole_floats)
    if found and on_reject is not None:
        on_reject(parsed.doc)
    return (None if found else parsed.doc), found
