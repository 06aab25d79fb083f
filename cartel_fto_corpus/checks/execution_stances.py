"""A stance needs a position: carrying out a measure is not, by itself, favouring it.

"Multiple U.S. departments will coordinate these actions" says what the departments will do,
not what they think of the designation. Heuristic (a program cannot decide positions, so this is
a flag for a person, never a verdict; GUIDELINES 2.0, 3.4): a favor or against stance whose
holder is an institution (registry type ORG or GPE) is *execution-only* when every evidence span
contains a verb of implementation (`IMPLEMENTATION`: implement, coordinate, carry out, enforce,
execute, organise, administer, publish, in their verb forms, not the adjective "organised") and none contains a positional cue
(`EVALUATIVE`: support, welcome, praise, oppose, criticise, condemn, reject, defend, endorse,
warn, lobby, ask for, call for, must, should, necessary, important, threat, ...).

Severity: a warning, which the adjudicator must acknowledge for the gold: on a gold set under
guidelines 2.0 or later (`severity.py`) an execution-only stance is an error unless
`annotations/adjudication/acknowledged.yaml` lists it, with a reason, under its document and
unit id (`stance/<target>/<holder entity id>`, the id `cartel-fto adjudicate` gives the unit):

    000_e0ea4dd0c3e368ed:
      stance/fto_designation/us_state_department: "the release quotes the department's own call for ..."

Elsewhere (drafts, earlier guidelines, acknowledged stances) it stays a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ACKNOWLEDGED = Path("adjudication") / "acknowledged.yaml"

IMPLEMENTATION = re.compile(
    r"\b(?:implement(?:s|ed|ing)?|coordinat(?:e|es|ed|ing)|carr(?:y|ies|ied|ying) out|enforc(?:e|es|ed|ing)|execut(?:e|es|ed|ing)|"
    r"organi[sz](?:e|es|ing)|administer(?:s|ed|ing)?|publish(?:es|ed|ing)?)\b",
    re.IGNORECASE,
)
EVALUATIVE = re.compile(
    r"\b(?:support(?:s|ed|ing)?|welcom(?:e|es|ed|ing)|prais(?:e|es|ed|ing)|oppos(?:e|es|ed|ing)|criticis(?:e|es|ed|ing)|"
    r"criticiz(?:e|es|ed|ing)|condemn(?:s|ed|ing)?|reject(?:s|ed|ing)?|defend(?:s|ed|ing)?|endors(?:e|es|ed|ing)|"
    r"must|should|necessary|important|essential|vital|threat(?:s|en|ens|ened)?|dangerous|urg(?:e|es|ed|ing)|"
    r"call(?:s|ed)? for|called|warn(?:s|ed|ing)?|lobb(?:y|ies|ied|ying)|ask(?:s|ed)? for|determined|commit(?:ted|ment)|good|bad|"
    r"right|wrong)\b",
    re.IGNORECASE,
)

Triple = tuple[str, str, str, str]  # pointer, code, message, acknowledgement key


def execution_only(evidence: list[dict[str, Any]]) -> bool:
    """Every evidence span has an implementation verb and none an evaluative cue."""
    return bool(evidence) and all(IMPLEMENTATION.search(e["text"]) and not EVALUATIVE.search(e["text"]) for e in evidence)


def execution_stance_problems(base: str, aset: dict[str, Any], entity_types: Mapping[str, str]) -> Iterator[Triple]:
    """Favor/against stances of institutions whose only evidence is carrying out a measure."""
    for j, st in enumerate(aset["stances"]):
        holder = st["holder"]
        if st["label"] not in ("favor", "against") or holder["kind"] != "entity":
            continue
        if entity_types.get(holder["entity"]) not in ("ORG", "GPE"):
            continue
        if not execution_only(st["evidence"]):
            continue
        key = f"stance/{st['target']}/{holder['entity']}"
        verbs = sorted({m.group(0).casefold() for e in st["evidence"] for m in IMPLEMENTATION.finditer(e["text"])})
        yield (
            f"{base}/stances/{j}",
            "execution-only-stance",
            f"expected a positional cue for a {st['label']} stance of {holder['entity']!r}, found only evidence of carrying out "
            f"a measure ({', '.join(map(repr, verbs))}); acknowledge it as {key} in annotations/{ACKNOWLEDGED.as_posix()} "
            "with a reason, or record no stance",
            key,
        )


def load_acknowledged(annotations: Path) -> tuple[dict[str, dict[str, str]], str | None]:
    """({doc id: {unit id: reason}}, a message if the file cannot be used); empty when there is none."""
    path = annotations / ACKNOWLEDGED
    if not path.exists():
        return {}, None
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return {}, f"cannot read annotations/{ACKNOWLEDGED.as_posix()}: {exc}"
    ok = isinstance(data, dict) and all(
        isinstance(v, dict) and all(isinstance(k, str) and isinstance(r, str) and r.strip() for k, r in v.items()) for v in data.values()
    )
    if not ok:
        return {}, f"annotations/{ACKNOWLEDGED.as_posix()}: expected {{document id: {{unit id: reason}}}}, found another shape"
    return {str(k): v for k, v in data.items()}, None
