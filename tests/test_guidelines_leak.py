"""Leak test: the annotation guidelines must not quote the corpus they are used to annotate.

Guidelines that take their examples from the annotated texts dictate the gold: a second annotator
who follows them agrees with the first by construction, and agreement says nothing. GUIDELINES 2.0
is written clean room (invented examples only); this test measures how much of the corpus and of
its gold annotations the guidelines repeat, and fails above small thresholds:

(a) the share of distinct gold entity-mention surface forms (of every annotation set in
    `annotations/*.json` and `annotations/independent/*/`) found in the guidelines, matched
    case-sensitively on word boundaries. Forms shorter than 4 characters are ignored (two- and
    three-letter acronyms and short words occur in any English text); no other form is ignored,
    dates and numbers included;
(b) the share of distinct gold claim texts that share an 8-token shingle with the guidelines
    (tokens: runs of word characters, lower-cased, so markup and quote marks do not matter);
    a claim shorter than 8 tokens counts when its whole token sequence occurs, and claims of
    fewer than 4 tokens are ignored;
(c) the number of 10-token shingles of any corpus text (`texts/*.txt`) found in the guidelines.

The fixture `tests/fixtures/guidelines/leaky.md` is made of a few corpus sentences and names (as
guidelines 1.1 was), so the same measurement is shown to flag a leaking file. Measured when 2.0
was written: 1.1 quoted 93.8 % of the forms, 46.2 % of the claims and 174 corpus shingles; 2.0
quotes 0 / 0 / 0.

Since examples are now invented, the worked delivery example of the guidelines (§6) is also
checked here: it must pass the validator on its own invented text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDELINES = ROOT / "annotations" / "GUIDELINES.md"
LEAKY = ROOT / "tests" / "fixtures" / "guidelines" / "leaky.md"

MIN_FORM_CHARS = 4
CLAIM_SHINGLE = 8
MIN_CLAIM_TOKENS = 4
TEXT_SHINGLE = 10

#: thresholds: 2.0 measures 0 / 0 / 0; a single quoted name would be 1/67 = 1.5 % of the forms.
MAX_FORM_SHARE = 0.02
MAX_CLAIM_SHARE = 0.02
MAX_TEXT_SHINGLES = 0


@dataclass(frozen=True)
class Leak:
    """What a guidelines file repeats of the corpus: shares (0..1) and what was found."""

    form_share: float
    forms_found: tuple[str, ...]
    claim_share: float
    claims_found: tuple[str, ...]
    text_shingles: int

    def __str__(self) -> str:
        return (
            f"mention forms {self.form_share:.1%} ({len(self.forms_found)}: {', '.join(self.forms_found[:12])}), "
            f"claims {self.claim_share:.1%} ({len(self.claims_found)}), corpus 10-token shingles {self.text_shingles}"
        )


def tokens(text: str) -> list[str]:
    """Lower-cased runs of word characters: markup, punctuation and quote styles do not count."""
    return re.findall(r"\w+", text.lower())


def shingles(toks: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def measure(guidelines: str, forms: set[str], claims: set[str], texts: list[str]) -> Leak:
    """Measure (a) mention forms, (b) claim texts and (c) corpus shingles repeated by `guidelines`."""
    checked_forms = sorted(f for f in forms if len(f) >= MIN_FORM_CHARS)
    found_forms = tuple(f for f in checked_forms if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", guidelines))
    g_toks = tokens(guidelines)
    g_shingles = {n: shingles(g_toks, n) for n in range(MIN_CLAIM_TOKENS, CLAIM_SHINGLE + 1)}
    checked_claims = sorted(c for c in claims if len(tokens(c)) >= MIN_CLAIM_TOKENS)
    found_claims = []
    for claim in checked_claims:
        toks = tokens(claim)
        n = min(CLAIM_SHINGLE, len(toks))
        if shingles(toks, n) & g_shingles[n]:
            found_claims.append(claim)
    g10 = shingles(g_toks, TEXT_SHINGLE)
    text_hits = set().union(*(shingles(tokens(t), TEXT_SHINGLE) for t in texts)) & g10 if texts else set()
    return Leak(
        form_share=len(found_forms) / len(checked_forms) if checked_forms else 0.0,
        forms_found=found_forms,
        claim_share=len(found_claims) / len(checked_claims) if checked_claims else 0.0,
        claims_found=tuple(found_claims),
        text_shingles=len(text_hits),
    )


def gold() -> tuple[set[str], set[str], list[str]]:
    """Mention forms and claim texts of every annotation set, and the corpus texts."""
    files = sorted((ROOT / "annotations").glob("*.json")) + sorted((ROOT / "annotations" / "independent").glob("*/*.json"))
    forms: set[str] = set()
    claims: set[str] = set()
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for aset in doc.get("annotations", []) if isinstance(doc, dict) else []:
            forms |= {m["text"] for m in aset["entities"]}
            claims |= {c["text"] for c in aset["claims"]}
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "texts").glob("*.txt"))]
    return forms, claims, texts


def test_the_gold_is_there_to_measure() -> None:
    forms, claims, texts = gold()
    assert len(forms) > 20 and len(claims) > 50 and len(texts) == 5


def test_guidelines_do_not_quote_the_corpus() -> None:
    leak = measure(GUIDELINES.read_text(encoding="utf-8"), *gold())
    assert leak.form_share <= MAX_FORM_SHARE, f"GUIDELINES.md quotes gold mention forms: {leak}"
    assert leak.claim_share <= MAX_CLAIM_SHARE, f"GUIDELINES.md quotes gold claims: {leak} {leak.claims_found[:3]}"
    assert leak.text_shingles <= MAX_TEXT_SHINGLES, f"GUIDELINES.md quotes the texts: {leak}"


def test_a_leaking_file_is_flagged() -> None:
    leak = measure(LEAKY.read_text(encoding="utf-8"), *gold())
    assert leak.form_share > MAX_FORM_SHARE, f"leaky fixture not flagged: {leak}"
    assert leak.claim_share > MAX_CLAIM_SHARE, f"leaky fixture not flagged: {leak}"
    assert leak.text_shingles > MAX_TEXT_SHINGLES, f"leaky fixture not flagged: {leak}"


def test_matching_rules() -> None:
    """Word boundaries and case for forms; markup does not hide a shingle."""
    words = "one two three four five six seven eight nine ten"
    leak = measure(f"The **{words}** and Eastbridger.", {"Eastbridge", "Eight"}, {words}, [words + " eleven"])
    assert leak.forms_found == () and leak.claims_found == (words,) and leak.text_shingles == 1
    assert measure("see Eastbridge, then", {"Eastbridge"}, set(), []).forms_found == ("Eastbridge",)
    assert measure("see eastbridge", {"Eastbridge"}, set(), []).forms_found == ()


def test_the_delivery_example_of_the_guidelines_is_valid(tmp_path: Path) -> None:
    """§6's invented example (annotation file + registry) passes the validator on its own text.

    The guidelines promise that an annotator with only them, the texts, the targets and the
    schemas can deliver valid files; the worked example is what such an annotator copies.
    """
    from cartel_fto_corpus.checks.validate import validate

    guidelines = GUIDELINES.read_text(encoding="utf-8")
    annotation, registry = (json.loads(b) for b in re.findall(r"```json\n(.*?)```", guidelines, re.DOTALL))
    line = re.search(r"whole content is the line\n`([^`\n]+)`\nfollowed by a line break", guidelines)
    assert line, "§6 states no example text"
    (tmp_path / "texts").mkdir()
    (tmp_path / "annotations").mkdir()
    (tmp_path / "texts" / f"{annotation['doc_id']}.txt").write_text(line.group(1) + "\n", encoding="utf-8", newline="\n")
    ann_file = tmp_path / "annotations" / f"{annotation['doc_id']}.json"
    reg_file = tmp_path / "annotations" / "registry.json"
    ann_file.write_text(json.dumps(annotation), encoding="utf-8")
    reg_file.write_text(json.dumps(registry), encoding="utf-8")
    report = validate([ann_file, reg_file], root=tmp_path)
    assert not report.problems, [str(p) for p in report.problems]
    assert annotation["annotations"][0]["guideline_version"] == re.search(r"\*\*Version (\d+\.\d+)\*\*", guidelines).group(1)
