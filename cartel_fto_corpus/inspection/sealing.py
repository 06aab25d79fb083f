"""Writing the protocol's two records: a delivery's SEAL.json and a frozen guidelines entry.

`make_seal` and `freeze_entry` are pure (everything they need is passed in, the clock too) and
return the record together with the problems that forbid writing it, checked by the same
`checks.seals` rules `validate` applies afterwards: a seal that `validate` would reject is never
written. Refusals that protect what exists: a SEAL.json is never rewritten (a revision is a new
set id), and a frozen version's hash is never changed (an edit needs a new version number).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.checks.schema_check import schema_problems
from cartel_fto_corpus.checks.seals import (
    PROTOCOL_FILE,
    SEAL_FILE,
    delivered_files,
    frozen_versions,
    guidelines_version,
    parse_time,
    seal_problems,
)
from cartel_fto_corpus.truth.paths import display
from cartel_fto_corpus.truth.texts import sha256_hex

#: What a blind annotator is given, unless the sealer says otherwise.
DEFAULT_GIVEN = ("texts", "stance targets", "schemas", "guidelines")


def now_rfc3339() -> str:
    """The current UTC time to the second, as RFC 3339 (`2026-12-03T08:30:00Z`)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def make_seal(
    folder: Path,
    *,
    annotator: Mapping[str, str],
    guidelines_version_: str,
    guidelines_bytes: bytes,
    schema_version: str,
    started: str,
    ended: str,
    sealed: str,
    protocol: Mapping[str, Any] | None,
    given: Sequence[str] = DEFAULT_GIVEN,
) -> tuple[dict[str, Any], list[Problem]]:
    """(the seal of `folder`, the problems that forbid writing it)."""
    file = display(folder / SEAL_FILE)
    files = {rel: sha256_hex((folder / rel).read_bytes()) for rel in delivered_files(folder)}
    seal = {
        "seal_version": 1,
        "set_id": folder.name,
        "annotator": dict(annotator),
        "guidelines": {"version": guidelines_version_, "sha256": sha256_hex(guidelines_bytes)},
        "schema_version": schema_version,
        "given": list(dict.fromkeys(given)),
        "started": started,
        "ended": ended,
        "sealed": sealed,
        "files": files,
    }
    if (folder / SEAL_FILE).exists():
        why = "expected an unsealed delivery, found SEAL.json: a sealed delivery is never rewritten; deliver a revision under a new set id"
        return seal, [Problem(file, "", why, "already-sealed")]
    problems = schema_problems("seal", seal, file)
    if not files:
        why = "expected delivered files (<doc_id>.json, registry.json), found none"
        problems.append(Problem(display(folder), "", why, "empty-delivery"))
    stated = guidelines_version(guidelines_bytes)
    if stated != guidelines_version_:
        why = f"expected the version the guidelines file states ({stated}), found {guidelines_version_}"
        problems.append(Problem(file, "/guidelines/version", why, "guidelines-version-mismatch"))
    if not problems:
        problems += list(seal_problems(folder, seal, protocol))
    return seal, problems


def freeze_entry(
    protocol: Mapping[str, Any] | None, guidelines_bytes: bytes, frozen: str, file: str
) -> tuple[dict[str, Any] | None, list[Problem], str]:
    """(the new protocol or None if nothing changes, the problems that forbid it, what happened in words)."""
    version = guidelines_version(guidelines_bytes)
    if version is None:
        why = "expected a version line (**Version X.Y**) in the first 40 lines, found none"
        return None, [Problem(file, "", why, "no-guidelines-version")], ""
    if parse_time(frozen) is None:
        return None, [Problem(file, "", f"expected an RFC 3339 date-time with time zone for the freeze, found {frozen!r}", "bad-time")], ""
    digest = sha256_hex(guidelines_bytes)
    entry = frozen_versions(protocol).get(version)
    if entry is not None and entry["sha256"] == digest:
        return None, [], f"guidelines {version} already frozen ({digest}, {entry['frozen']})"
    if entry is not None:
        why = (
            f"expected the frozen bytes of version {version} (sha256 {entry['sha256']}, annotations/{PROTOCOL_FILE}), found sha256 "
            f"{digest}: a frozen version is never changed; give the edited guidelines a new version number"
        )
        return None, [Problem(file, "", why, "frozen-guidelines-edited")], ""
    new = copy.deepcopy(dict(protocol)) if protocol is not None else {"protocol_version": 1, "guidelines": [], "legacy_deliveries": []}
    new["guidelines"].append({"version": version, "sha256": digest, "frozen": frozen})
    problems = schema_problems("protocol", new, f"annotations/{PROTOCOL_FILE}")
    return (None if problems else new), problems, f"guidelines {version} frozen: sha256 {digest} at {frozen}"
