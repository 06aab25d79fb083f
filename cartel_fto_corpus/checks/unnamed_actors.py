"""One description per unnamed actor within a set: the stance holder and the claimant are one actor.

An unnamed actor (``kind: unnamed``) is identified by the words that introduce it in the text
(its ``span``) and named by its ``description``. GUIDELINES 2.0 (3.5): one unnamed source is one
actor per document, in every layer, with the same description and the same span. Checked within
one annotation set, over stance holders and claimants together:

* actors whose spans overlap are the same actor (the same introducing words, or one inside the
  other), so they must have the same span and the same description;
* actors with the same description are the same actor, so they must have the same span.

Descriptions are compared without case, extra white space or a leading article ("a source close
to the White House" = "Source close to the White House"). Actors with disjoint spans and
different descriptions are not compared (two mentions may be two sources).

Severity (`severity.py`): error under guidelines 2.0 or later, warning before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Triple = tuple[str, str, str]
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)


def description_key(text: str) -> str:
    """A description compared without case, extra white space or a leading article."""
    return _ARTICLE.sub("", " ".join(text.casefold().split()))


def _unnamed(aset: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for j, st in enumerate(aset["stances"]):
        if st["holder"]["kind"] == "unnamed":
            out.append((f"stances/{j}/holder", st["holder"]))
    for j, cl in enumerate(aset["claims"]):
        if cl["claimant"]["kind"] == "unnamed":
            out.append((f"claims/{j}/claimant", cl["claimant"]))
    return out


def unnamed_actor_problems(base: str, aset: dict[str, Any]) -> Iterator[Triple]:
    """Each later actor that overlaps an earlier one but differs in span or description."""
    actors = _unnamed(aset)
    for i, (ptr, actor) in enumerate(actors):
        sp = actor["span"]
        for first_ptr, first in actors[:i]:
            fs = first["span"]
            if not (sp["start"] < fs["end"] and fs["start"] < sp["end"]):
                continue
            if (sp["start"], sp["end"]) != (fs["start"], fs["end"]):
                yield (
                    f"{base}/{ptr}/span",
                    "unnamed-actor-span",
                    f"expected the span of the same unnamed actor at {base}/{first_ptr} ({fs['start']}:{fs['end']} "
                    f"{fs['text']!r}), found {sp['start']}:{sp['end']} {sp['text']!r}",
                )
            elif description_key(actor["description"]) != description_key(first["description"]):
                yield (
                    f"{base}/{ptr}/description",
                    "unnamed-actor-description",
                    f"expected one description of the unnamed actor {sp['text']!r} ({base}/{first_ptr}: "
                    f"{first['description']!r}), found {actor['description']!r}",
                )
            break  # compared with the first actor it overlaps; that one was compared with its own first
        else:
            same = next(((p, a) for p, a in actors[:i] if description_key(a["description"]) == description_key(actor["description"])), None)
            if same is not None and (same[1]["span"]["start"], same[1]["span"]["end"]) != (sp["start"], sp["end"]):
                fs = same[1]["span"]
                yield (
                    f"{base}/{ptr}/span",
                    "unnamed-actor-span",
                    f"expected the span of the same unnamed actor {actor['description']!r} at {base}/{same[0]} "
                    f"({fs['start']}:{fs['end']} {fs['text']!r}), found {sp['start']}:{sp['end']} {sp['text']!r}",
                )
