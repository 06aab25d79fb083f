"""Rendering problems: line lookup and GitHub workflow-command escaping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartel_fto_corpus.checks.report import line_of, render
from cartel_fto_corpus.checks.validate import Problem, Report


def test_line_of_nearest_existing_parent(tmp_path: Path) -> None:
    f = tmp_path / "a.json"
    f.write_text('{\n  "a": [\n    1,\n    {"b": 2}\n  ]\n}\n', encoding="utf-8")
    assert line_of(Problem(str(f), "/a/1/b", "m", "c")) == 4
    assert line_of(Problem(str(f), "/a/1/missing", "m", "c")) == 4
    assert line_of(Problem(str(f), "/a", "m", "c")) == 2
    assert line_of(Problem(str(tmp_path / "gone.json"), "/a", "m", "c")) is None


def test_github_escapes_newlines_and_property_separators(tmp_path: Path) -> None:
    report = Report(problems=[Problem("we,ird:name.json", "/x", "found 100%\nbad", "code")])
    assert render(report, "github") == "::error file=we%2Cird%3Aname.json,title=code::/x: found 100%25%0Abad\n"


def test_text_format_is_one_line_per_problem() -> None:
    report = Report(problems=[Problem("f.json", "/a", "m1", "c"), Problem("f.json", "", "m2", "c", unreadable=True)])
    assert render(report, "text") == "f.json:/a: m1\nf.json: m2\n"
    assert report.exit_code == 2


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab/~"\\\n é', max_size=4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet="ab é", max_size=3), inner, max_size=4),
    max_leaves=20,
)


def _pointers(value: object, prefix: str = "") -> list[str]:
    out = [prefix]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        out += _pointers(item, f"{prefix}/{str(key).replace('~', '~0').replace('/', '~1')}")
    return out


@settings(max_examples=200, deadline=None)
@given(_JSON, st.sampled_from([None, 0, 2]), st.data())
def test_line_of_agrees_with_json_source_map(
    tmp_path_factory: pytest.TempPathFactory, doc: object, indent: int | None, data: st.DataObject
) -> None:
    """The linear line lookup (issue 27: json-source-map took 43 s and 1.1 GB on 28 MB) gives the
    reference's lines, nearest existing parent included. (Keys without `/`, `~` and `"`: the reference
    does not escape or decode them in its pointers; `test_line_of_unescapes_pointer_keys` covers ours.)"""
    json_source_map = pytest.importorskip("json_source_map")
    text = json.dumps(doc, indent=indent, ensure_ascii=False)
    f = tmp_path_factory.mktemp("src") / "f.json"
    f.write_text(text, encoding="utf-8")
    ptr = data.draw(st.sampled_from(_pointers(doc))) + data.draw(st.sampled_from(["", "/missing", "/0"]))
    smap = json_source_map.calculate(text)
    probe = ptr
    while probe not in smap:
        probe = probe.rsplit("/", 1)[0]
    assert line_of(Problem(str(f), ptr, "m", "c")) == smap[probe].value_start.line + 1


def test_line_of_unescapes_pointer_keys(tmp_path: Path) -> None:
    f = tmp_path / "k.json"
    f.write_text('{\n  "a/b": 1,\n  "m~n": [\n    2\n  ]\n}', encoding="utf-8")
    assert line_of(Problem(str(f), "/a~1b", "m", "c")) == 2
    assert line_of(Problem(str(f), "/m~0n/0", "m", "c")) == 4
    g = tmp_path / "q.json"
    g.write_text('{"x": 0,\n"\\"q": 1}', encoding="utf-8")
    assert line_of(Problem(str(g), '/"q', "m", "c")) == 2
