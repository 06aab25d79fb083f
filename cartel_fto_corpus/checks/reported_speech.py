"""Author-stance evidence must be the article's own words, not an actor's reported speech.

Rule (deliberately conservative, decided on the evidence text alone): evidence of a stance whose
holder is the author is *reported speech* when its text contains, as whole words and ignoring
case,

* ``according to``; or
* a reporting verb of the closed list `REPORTING_VERBS`, in the past or present tense as listed
  ("Critics argue", "Sheinbaum warned", "CNN reported", "a spokesman said"); or
* a quotation: three or more words between double quotation marks (straight or curly).

Scare quotes around one or two words, nouns such as "claim" or "report", and verbs outside the
list ("hold", "believe") do not count, so some reported speech passes; what is flagged is
reported speech in almost every news sentence. (`rules_1_1.author_evidence_problems` catches the
other case: evidence overlapping a claim attributed to someone else.) The evidence for the
author's stance then has to be the author's own evaluative words; the actor's stance belongs to
the actor.

Severity (see `checks/severity.py`): an error on sets annotated under guidelines 2.0 or later,
whose rules say so; a warning on earlier sets, which the rule postdates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: Verbs that frame an actor's speech in news prose (closed list; "states" is left out because of
#: "United States", "notes"/"reports"/"claims" because they are also nouns).
REPORTING_VERBS = (
    "said",
    "says",
    "say",
    "told",
    "tells",
    "stated",
    "announced",
    "announces",
    "declared",
    "declares",
    "claimed",
    "argued",
    "argue",
    "argues",
    "warned",
    "warns",
    "reported",
    "questioned",
    "insisted",
    "insists",
    "wrote",
    "asserted",
    "alleged",
)
_FRAME = re.compile(r"\baccording to\b|\b(?:" + "|".join(REPORTING_VERBS) + r")\b", re.IGNORECASE)
_QUOTE = re.compile(r"[\"\u201c]([^\"\u201c\u201d]+)[\"\u201d]")

Triple = tuple[str, str, str]


def reporting_cue(text: str) -> str | None:
    """The words that make `text` reported speech under the rule above, or None."""
    m = _FRAME.search(text)
    if m:
        return m.group(0)
    for q in _QUOTE.finditer(text):
        if len(q.group(1).split()) >= 3:
            return q.group(0)
    return None


def reported_speech_problems(base: str, aset: dict[str, Any]) -> Iterator[Triple]:
    """Evidence of author stances that contains a reporting frame or a quotation."""
    for j, st in enumerate(aset["stances"]):
        if st["holder"]["kind"] != "author":
            continue
        for k, ev in enumerate(st["evidence"]):
            cue = reporting_cue(ev["text"])
            if cue is None:
                continue
            shown = ev["text"] if len(ev["text"]) <= 60 else ev["text"][:59] + "\u2026"
            yield (
                f"{base}/stances/{j}/evidence/{k}",
                "author-evidence-reporting-frame",
                f"expected the author's own words as evidence of the author's stance, found reported speech "
                f"({cue!r} in {shown!r}); the stance belongs to the actor quoted",
            )
