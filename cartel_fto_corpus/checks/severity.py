"""Which guideline version a semantic rule binds: errors from guidelines 2.0 on, warnings before.

The checks added for release 0.3 (`reported_speech`, `unnamed_actors`, `execution_stances`)
state rules of GUIDELINES 2.0. Sets annotated under an earlier version were not told these
rules, so there they are warnings (listed by `validate`, exit code unchanged): the lead sees
them, and the gold of 0.3 must meet them.
"""

from __future__ import annotations

from typing import Any

#: The first guidelines version whose sets must meet the release-0.3 rules.
STRICT_FROM = (2, 0)


def binds(aset: dict[str, Any]) -> bool:
    """True if the set's guidelines version is STRICT_FROM or later (its problems are errors)."""
    try:
        major, minor = (int(x) for x in aset["guideline_version"].split(".", 1))
    except (ValueError, KeyError, AttributeError):
        return True
    return (major, minor) >= STRICT_FROM
