"""The explorer: terminal output, the HTML page's structure and escaping, and the page in real
headless Chromium, where an injected script measures every mark's position in code points.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.explorer import View, article_text, label_colours, load_view, pieces
from cartel_fto_corpus.inspection.explorer_html import article_html, render_html
from cartel_fto_corpus.truth.offsets import cp_to_utf16
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.browser import CHROMIUM_ARGS

TESTS = Path(__file__).resolve().parent
FIXTURE_CORPUS = TESTS / "fixtures" / "corpus"
REPO = TESTS.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_DIR = REPO / "benchmarks" / "out" / "explorer"
REAL_002 = "002_c5ca0eb7af3313b9"


# --- pure layout -----------------------------------------------------------------------------


class ArticleParser(HTMLParser):
    """Text of the #text article with the code-point range of every mark and claim piece."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.inside = False
        self.text: list[str] = []
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.marks: list[dict[str, Any]] = []
        self.claims: dict[str, list[tuple[int, int]]] = {}

    @property
    def pos(self) -> int:
        return sum(len(t) for t in self.text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "article" and a.get("id") == "text":
            self.inside = True
            return
        if self.inside:
            self.stack.append((tag, a, self.pos))

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "article":
            self.inside = False
            return
        t, a, start = self.stack.pop()
        assert t == tag
        if t == "mark":
            self.marks.append({"id": a["data-id"], "start": start, "end": self.pos})
        if t == "span" and "claim" in (a.get("class") or ""):
            for c in (a.get("data-claims") or "").split():
                self.claims.setdefault(c, []).append((start, self.pos))

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text.append(data)


def parse_article(page: str) -> ArticleParser:
    p = ArticleParser()
    p.feed(page)
    p.close()
    return p


def check_layout(text: str, marks: list[dict[str, Any]], claims: dict[str, list[tuple[int, int]]], aset: dict[str, Any]) -> None:
    """Every mention is one mark exactly at its offsets; every claim's pieces tile its span."""
    by_id = {m["id"]: m for m in marks}
    assert len(marks) == len(aset["entities"]) == len(by_id)
    for m in aset["entities"]:
        got = by_id[m["id"]]
        assert (got["start"], got["end"]) == (m["start"], m["end"]), m
        assert text[got["start"] : got["end"]] == m["text"]
    for c in aset["claims"]:
        parts = sorted(claims[c["id"]])
        assert parts[0][0] == c["start"] and parts[-1][1] == c["end"], c
        assert all(a[1] == b[0] for a, b in pairwise(parts)), f"claim {c['id']} pieces leave a gap: {parts}"


def test_page_text_and_marks_match_offsets_of_fixture() -> None:
    view = load_view("900", CorpusPaths(FIXTURE_CORPUS))
    p = parse_article(render_html(view))
    assert "".join(p.text) == view.text
    check_layout(view.text, p.marks, p.claims, view.aset)


def _flat_spans(draw: Any, length: int, n: int) -> list[tuple[int, int]]:
    cuts = sorted(draw(st.sets(st.integers(0, length), max_size=2 * n)))
    return [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]


@st.composite
def documents(draw: Any) -> tuple[str, dict[str, Any]]:
    alphabet = st.sampled_from([*"ab <>&\"'\n", "💬", "é", "⚖", "\ufe0f"])
    text = "".join(draw(st.lists(alphabet, min_size=1, max_size=40)))
    ents = [
        {"id": f"e{i}", "start": a, "end": b, "text": text[a:b], "label": "ORG", "entity": "x<y"}
        for i, (a, b) in enumerate(_flat_spans(draw, len(text), 5))
    ]
    claims = []
    for i in range(draw(st.integers(0, 4))):
        a = draw(st.integers(0, len(text) - 1))
        b = draw(st.integers(a + 1, len(text)))
        claims.append(
            {
                "id": f"c{i}",
                "start": a,
                "end": b,
                "text": text[a:b],
                "claimant": {"kind": "author"},
                "type": "factual",
                "checkworthiness": "check_worthy",
            }
        )
    return text, {"annotator": "a", "status": "gold", "guideline_version": "1.0", "entities": ents, "stances": [], "claims": claims}


@settings(max_examples=150, deadline=None)
@given(documents())
def test_layout_property(doc: tuple[str, dict[str, Any]]) -> None:
    """For any text (astral characters, markup characters) and any flat mentions and overlapping claims."""
    text, aset = doc
    view = View("999_0000000000000000", text, {"quality_flags": []}, aset, 1, {"entities": [], "targets": [], "clusters": []})
    page = f'<article id="text">{article_html(view)}</article>'
    p = parse_article(page)
    assert "".join(p.text) == text
    check_layout(text, p.marks, p.claims, aset)
    ps = pieces(len(text), aset["entities"], aset["claims"])
    assert ps[0].start == 0 and ps[-1].end == len(text)
    assert all(a.end == b.start for a, b in pairwise(ps))


def test_all_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    text = f"Rubio said {hostile}."
    aset = {
        "annotator": "a<b",
        "status": "gold",
        "guideline_version": "1.0",
        "entities": [{"id": "e1", "start": 0, "end": 5, "text": "Rubio", "label": "PERSON", "entity": "evil"}],
        "stances": [
            {
                "id": "s1",
                "holder": {"kind": "unnamed", "description": "<i>anon</i>", "span": {"start": 0, "end": 5, "text": "Rubio"}},
                "target": "t",
                "label": "favor",
                "attribution": "reported",
                "evidence": [{"start": 11, "end": 11 + len(hostile), "text": hostile}],
                "note": "<img src=x>",
            }
        ],
        "claims": [
            {
                "id": "c1",
                "start": 11,
                "end": 11 + len(hostile),
                "text": hostile,
                "claimant": {"kind": "entity", "entity": "evil"},
                "attribution": "reported",
                "type": "quote",
                "checkworthiness": "non_factual",
                "hedged": False,
                "clusters": ["k"],
            }
        ],
    }
    registry = {
        "entities": [{"id": "evil", "name": '"><script>x()</script>', "type": "PERSON", "org_type": None, "qid": None}],
        "targets": [{"id": "t", "name": "<u>target</u>", "description": "</section>"}],
        "clusters": [{"id": "k", "kind": "non_factual", "summary": "<h1>big</h1>", "discrepancies": "<hr>"}],
    }
    view = View("999_0000000000000000", text, {"title": "<title>", "quality_flags": []}, aset, 1, registry)
    page = render_html(view)
    for raw in ("<script", "<b>bold", "<i>anon", "<img", "<u>target", "<h1>big", "<hr>"):
        assert raw not in page, raw
    assert page.count("</section>") == page.count("<section")  # the target description did not close one
    assert "&lt;script&gt;" in page and "&lt;/section&gt;" in page
    assert 'title="e1 · PERSON · &quot;&gt;&lt;script&gt;x()&lt;/script&gt;"' in page  # attributes too
    p = parse_article(page)
    assert "".join(p.text) == text
    check_layout(text, p.marks, p.claims, aset)


# --- CLI ---------------------------------------------------------------------------------------


def test_show_prints_article_and_tables() -> None:
    result = CliRunner().invoke(cli, ["show", "900", "--root", str(FIXTURE_CORPUS)])
    assert result.exit_code == 0, result.output
    for needle in ("Cartels Named Terrorists", "Sinaloa Cartel", "Q324546", "cartels_threaten_us", "favor", "Stances per target"):
        assert needle in result.output


def test_terminal_styles_sit_on_the_offsets() -> None:
    view = load_view("900", CorpusPaths(FIXTURE_CORPUS))
    text = article_text(view)
    assert text.plain == view.text
    colours = label_colours()
    styled = {(sp.start, sp.end): str(sp.style) for sp in text.spans}
    for m in view.aset["entities"]:
        assert styled[(m["start"], m["end"])] == f"black on {colours[m['label']]}"
    for c in view.aset["claims"]:
        assert styled[(c["start"], c["end"])] == "underline"
    rendered = Console(force_terminal=True, color_system="truecolor", width=300).render_lines(text)
    assert rendered  # renders with the emoji in place


def test_show_unknown_document_is_one_line_error() -> None:
    result = CliRunner().invoke(cli, ["show", "123", "--root", str(FIXTURE_CORPUS)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "expected a document id" in result.output and "Traceback" not in result.output


def test_show_unknown_annotator_is_one_line_error() -> None:
    result = CliRunner().invoke(cli, ["show", "900", "--root", str(FIXTURE_CORPUS), "--annotator", "nobody"])
    assert result.exit_code == 2
    assert "expected an annotation set by 'nobody', found annotators: fixture" in result.output


def test_show_all_writes_linked_pages(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["show", "--all", "--html", str(out), "--root", str(REPO / "tests" / "fixtures" / "agreement")])
    assert result.exit_code == 0, result.output
    pages = sorted(p.name for p in out.glob("*.html"))
    texts = sorted(p.stem for p in (REPO / "tests" / "fixtures" / "agreement" / "texts").glob("*.txt"))
    assert pages == [f"{t}.html" for t in texts] and len(pages) >= 3
    page = (out / "910_00000000000000b1.html").read_text(encoding="utf-8")
    assert 'id="cluster-cartels_threaten_us"' in page


# --- headless Chromium -----------------------------------------------------------------------

#: Appended to a copy of the page: walks the article's text nodes and records where each mark and
#: claim piece starts and ends, in code points (Array.from splits by code point) and in UTF-16 units
#: (String.length), plus whether it is rendered (a box with area) and its CSS label tag.
PROBE = """
<script>
(function () {
  var art = document.getElementById("text");
  var cp = 0, u16 = 0, marks = [], claims = {};
  function walk(node) {
    if (node.nodeType === 3) { cp += Array.from(node.data).length; u16 += node.data.length; return; }
    var start = cp, start16 = u16;
    for (var i = 0; i < node.childNodes.length; i++) walk(node.childNodes[i]);
    if (node === art) return;
    if (node.matches("mark.ent")) {
      var r = node.getBoundingClientRect();
      marks.push({id: node.dataset.id, start: start, end: cp, start16: start16, text: node.textContent,
                  visible: r.width > 0 && r.height > 0, tag: getComputedStyle(node, "::after").content,
                  background: getComputedStyle(node).backgroundColor});
    }
    if (node.matches("span.claim")) {
      node.dataset.claims.split(" ").forEach(function (c) {
        (claims[c] = claims[c] || []).push([start, cp]);
      });
    }
  }
  walk(art);
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({text: art.textContent, cp: cp, u16: u16, marks: marks, claims: claims});
  document.body.appendChild(pre);
})();
</script>
"""

CHROMIUM_FLAGS = ("--headless", *CHROMIUM_ARGS)


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser test needs Debian's chromium; run `make setup-test` (scripts/setup_chromium.sh) as root"
        )
    cmd = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def browser_check(root: Path, doc_id: str, tmp_path: Path) -> None:
    view = load_view(doc_id, CorpusPaths(root))
    assert view.aset is not None, f"{root}/annotations/{view.doc_id}.json: expected an annotation set to show"
    page = render_html(view)
    out = tmp_path / f"{view.doc_id}.html"
    out.write_text(page, encoding="utf-8")
    probed = tmp_path / f"{view.doc_id}.probe.html"
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")

    dom = chromium(["--dump-dom", probed.as_uri()], tmp_path / "profile-dom")
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.DOTALL)
    assert m, f"the probe did not run in Chromium; stderr: {dom.stderr[-2000:]}"
    probe = json.loads(html.unescape(m.group(1)))

    text = view.text
    assert probe["text"] == text
    assert probe["cp"] == len(text)
    marks = probe["marks"]
    check_layout(text, marks, {k: [tuple(x) for x in v] for k, v in probe["claims"].items()}, view.aset)
    ents = view.entities
    for mk in marks:
        assert mk["text"] == text[mk["start"] : mk["end"]]
        assert mk["start16"] == cp_to_utf16(text, mk["start"])  # what JavaScript would call the offset
        assert mk["visible"], mk
        qid = (ents.get(next(e["entity"] for e in view.aset["entities"] if e["id"] == mk["id"])) or {}).get("qid")
        assert mk["tag"].strip('"').split() == [
            next(e["label"] for e in view.aset["entities"] if e["id"] == mk["id"]),
            *([qid] if qid else []),
        ]
        assert mk["background"] not in ("rgba(0, 0, 0, 0)", "transparent")
    first_astral = next((i for i, ch in enumerate(text) if ord(ch) > 0xFFFF), None)
    if first_astral is not None:
        after = [mk for mk in marks if mk["start"] > first_astral]
        assert after, f"{view.doc_id}: expected entity marks after the astral character at {first_astral}"
        assert all(mk["start16"] > mk["start"] for mk in after)  # code points and UTF-16 really differ there

    shot = tmp_path / f"{view.doc_id}.png"
    res = chromium(["--window-size=1280,1400", "--hide-scrollbars", f"--screenshot={shot}", out.as_uri()], tmp_path / "profile-shot")
    assert shot.exists(), f"no screenshot; stderr: {res.stderr[-2000:]}"
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    kept = SCREENSHOT_DIR / shot.name
    shutil.copyfile(shot, kept)
    print(f"screenshot: {shot} (copy: {kept})")


@pytest.mark.browser
def test_fixture_page_in_chromium(tmp_path: Path) -> None:
    browser_check(FIXTURE_CORPUS, "900_00000000000000aa", tmp_path)


@pytest.mark.browser
def test_real_002_page_in_chromium(tmp_path: Path) -> None:
    """Article 002 has an emoji (U+1F4AC) before most of its text: marks after it must still sit on their offsets."""
    paths = CorpusPaths()
    assert paths.annotation_file(REAL_002).exists(), f"{paths.annotation_file(REAL_002)}: expected the annotations of article 002"
    browser_check(paths.root, REAL_002, tmp_path)


def test_missing_chromium_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception, match="not found: the browser test needs Debian's chromium"):
        chromium(["--version"], tmp_path / "profile")
