"""Author-stance evidence must not contain an actor's quoted or reported content.

GUIDELINES 2.0 (3.3): the author's voice includes its reporting frames *on their own* (speaker +
reporting verb: "Critics argue", "Mr Rubio said in a statement", "CNN and The New York Times
reported this week"), but an author evidence span never contains the actor's content: the words
between quotation marks, the that-clause or object of a speech verb, what "according to X"
introduces. Rule (deliberately conservative, decided on the evidence text alone): the evidence of
a stance whose holder is the author holds reported content when it contains

1. a quotation: three or more words between double quotation marks (straight or curly); or
2. a reporting verb of the closed list `REPORTING_VERBS` followed, within four words, by "that"
   ("reported this week that the CIA ..."); or
3. a reporting verb other than "told"/"tells" (whose object is the addressee) followed by two or
   more words of which the first does not open an adjunct (`ADJUNCT_STARTS`: "in a statement",
   "on Wednesday", "this week", "to reporters", "however", ...): the verb's object or clause
   ("questioned the move", "warned against any military action"); or
4. "according to" in one comma-separated part of the span and three or more words in another
   ("According to officials, the vote was delayed").

Scare quotes around one or two words, a frame alone, a frame with an adjunct, verbs outside the
list and nouns ("claim", "report") do not count, so some reported content passes; what is flagged
is reported content in almost every news sentence. (`rules_1_1.author_evidence_problems` catches
the other case: evidence overlapping a claim attributed to someone else.)

Severity (see `checks/severity.py`): rules 1, 2 and 4 are errors on sets annotated under
guidelines 2.0 or later, whose rules say so, and warnings on earlier sets, which the rule
postdates. Rule 3 guesses (an object, or an adjunct outside `ADJUNCT_STARTS`?), so it is always a
warning, with its own code `author-evidence-speech-object`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: Verbs that frame an actor's speech in news prose (closed list; "states" is left out because of
#: "United States", "notes"/"reports"/"claims" because they are also nouns, "called" because of
#: "called on officials").
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
    "warn",
    "reported",
    "questioned",
    "insisted",
    "insists",
    "confirmed",
    "denied",
    "wrote",
    "asserted",
    "alleged",
)
#: First words of what may follow a reporting verb without being the actor's content: time, place,
#: manner, channel and addressee adjuncts ("said on Wednesday", "said in a statement", "told to reporters").
ADJUNCT_STARTS = frozenset(
    [
        "in",
        "on",
        "at",
        "during",
        "after",
        "before",
        "this",
        "last",
        "earlier",
        "later",
        "late",
        "yesterday",
        "today",
        "tonight",
        "to",
        "through",
        "via",
        "from",
        "when",
        "while",
        "however",
        "also",
        "again",
        "publicly",
        "privately",
        "repeatedly",
        "recently",
        "previously",
        "separately",
        "then",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)
_VERB = re.compile(r"\b(" + "|".join(REPORTING_VERBS) + r")\b", re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording to\b", re.IGNORECASE)
_QUOTE = re.compile(r"[\"\u201c]([^\"\u201c\u201d]+)[\"\u201d]")
_WORD = re.compile(r"[\w'\u2019.-]+")

Triple = tuple[str, str, str]


def reporting_cue(text: str) -> str | None:
    """The words that make `text` hold an actor's reported content under the rule above, or None."""
    for q in _QUOTE.finditer(text):
        if len(q.group(1).split()) >= 3:
            return q.group(0)
    for m in _VERB.finditer(text):
        after = _WORD.findall(text[m.end() :])
        if any(w.casefold() == "that" for w in after[:5]):
            return f"{m.group(0)} ... that"
        if m.group(0).casefold() not in ("told", "tells") and len(after) >= 2 and after[0].casefold() not in ADJUNCT_STARTS:
            return f"{m.group(0)} {after[0]} {after[1]}"  # OBJECT_CUE: the one heuristic part
    parts = [p for p in text.split(",") if p.strip()]
    for i, part in enumerate(parts):
        if _ACCORDING.search(part) and any(len(p.split()) >= 3 for j, p in enumerate(parts) if j != i):
            return "according to"
    return None


def is_object_cue(cue: str) -> bool:
    """A cue of rule 3 (verb + following words): the part of the rule that guesses (an object or a
    clause, not an adjunct), reported as a warning even under guidelines 2.0."""
    return not (cue.startswith(('"', "\u201c")) or cue.endswith("... that") or cue == "according to")


def reported_speech_problems(base: str, aset: dict[str, Any]) -> Iterator[Triple]:
    """Evidence of author stances that holds an actor's reported content (rules 1-4 above)."""
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
                "author-evidence-speech-object" if is_object_cue(cue) else "author-evidence-reporting-frame",
                f"expected the author's own words (a reporting frame alone at most) as evidence of the author's stance, "
                f"found an actor's reported content ({cue!r} in {shown!r}); it is evidence for that actor's stance",
            )
