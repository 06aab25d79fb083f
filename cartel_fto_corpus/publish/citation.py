"""How to cite the corpus, derived from `CITATION.cff` (the one place the title, authors, version and
release date are written): the card's BibTeX entry and Croissant's `citeAs` and `datePublished`.

`CITATION.cff` sits at the checkout root and is copied into the wheel's `_data/`, so a build from
either finds it (`truth.paths.data_root`); `tests/test_release.py` keeps its version equal to the
package's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import yaml

from cartel_fto_corpus.truth.paths import data_root

CITATION_FILE = "CITATION.cff"


@dataclass(frozen=True)
class Citation:
    title: str
    authors: tuple[str, ...]
    version: str
    date_released: dt.date

    @property
    def year(self) -> int:
        return self.date_released.year

    def bibtex(self) -> str:
        """One BibTeX entry (`@misc`, which every style knows), keyed `cartel_fto_corpus_<year>`."""
        authors = " and ".join(f"{{{a}}}" for a in self.authors)  # braced: an organisation, not first/last names
        return (
            f"@misc{{cartel_fto_corpus_{self.year},\n"
            f"  author = {{{authors}}},\n"
            f"  title = {{{self.title}}},\n"
            f"  year = {{{self.year}}},\n"
            f"  version = {{{self.version}}},\n"
            f"  note = {{Version {self.version}, released {self.date_released.isoformat()}}}\n"
            "}"
        )


@cache
def citation() -> Citation:
    """The citation of this release, read from CITATION.cff."""
    cff = yaml.safe_load((data_root() / CITATION_FILE).read_text(encoding="utf-8"))
    released = cff["date-released"]
    if not isinstance(released, dt.date):
        released = dt.date.fromisoformat(str(released))
    authors = tuple(a.get("name") or " ".join(filter(None, (a.get("given-names"), a.get("family-names")))) for a in cff["authors"])
    return Citation(title=cff["title"], authors=authors, version=str(cff["version"]), date_released=released)
