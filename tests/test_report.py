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


# --- below the fixtures: survivors of the mutation run (issue 26) ------------------------------


@pytest.fixture
def source(tmp_path: Path) -> str:
    f = tmp_path / "a.json"
    f.write_text('{\n  "a": [\n    1,\n    {"b": 2}\n  ],\n  "c": "x"\n}\n', encoding="utf-8")
    return str(f)


def _report(source: str) -> Report:
    return Report(
        files=[source],
        problems=[
            Problem(source, "/a/1/b", "bad b\r\n100%", "code:x,y"),
            Problem(source, "", "whole file", "other"),
            Problem(source, "/c", "unreadable here", "unreadable", unreadable=True),
        ],
        warnings=[Problem(source, "/c", "warned", "w:c,d"), Problem(source, "", "warned too", "w2")],
    )


def test_text_format_lists_problems_then_warnings(source: str) -> None:
    assert render(_report(source), "text") == (
        f"{source}:/a/1/b: bad b\\x0d\\x0a100%\n{source}: whole file\n{source}:/c: unreadable here\n"
        f"warning: {source}:/c: warned\nwarning: {source}: warned too\n"
    )
    assert render(Report(warnings=[Problem("w.json", "", "only a warning", "w")]), "text") == "warning: w.json: only a warning\n"
    assert render(Report(), "text") == ""


def test_json_format_is_the_whole_report_with_lines(source: str) -> None:
    out = render(_report(source), "json")
    body = json.loads(out)
    assert out.startswith('{\n  "valid": false,\n  "exit_code": 2,\n  "files": [\n    ') and out.endswith("}\n")
    assert body["valid"] is False and body["exit_code"] == 2 and body["files"] == [source]
    assert [(p["pointer"], p["line"], p["code"]) for p in body["problems"]] == [
        ("/a/1/b", 4, "code:x,y"),
        ("", 1, "other"),
        ("/c", None, "unreadable"),
    ]
    assert body["problems"][0] == {"file": source, "pointer": "/a/1/b", "line": 4, "code": "code:x,y", "message": "bad b\r\n100%"}
    assert [(w["pointer"], w["line"]) for w in body["warnings"]] == [("/c", 6), ("", 1)]
    clean = json.loads(render(Report(files=["x"]), "json"))
    assert clean == {"valid": True, "exit_code": 0, "files": ["x"], "problems": [], "warnings": []}


def test_json_format_keeps_text_as_it_is_but_escapes_controls() -> None:
    out = render(Report(problems=[Problem("día.json", "", "é \u202e", "c")]), "json")
    assert "día.json" in out and "\\u202e" in out and "\u202e" not in out
    assert json.loads(out)["problems"][0]["message"] == "é \u202e"


def test_github_format_escapes_every_property_and_message(source: str) -> None:
    odd = Problem("we,ird:na%me.json", "/p", "m", "c")
    out = render(Report(problems=[odd], warnings=[Problem("w,x:y.json", "/q", "r\rs", "t:u,v"), Problem("w.json", "", "n", "t")]), "github")
    assert out == (
        "::error file=we%2Cird%3Ana%25me.json,title=c::/p: m\n"
        "::warning file=w%2Cx%3Ay.json,title=t%3Au%2Cv::/q: r%0Ds\n"
        "::warning file=w.json,title=t::n\n"
    )
    out = render(_report(source), "github")
    assert out.splitlines() == [
        f"::error file={source},line=4,title=code%3Ax%2Cy::/a/1/b: bad b%0D%0A100%25",
        f"::error file={source},line=1,title=other::whole file",
        f"::error file={source},title=unreadable::/c: unreadable here",
        f"::warning file={source},line=6,title=w%3Ac%2Cd::/c: warned",
        f"::warning file={source},line=1,title=w2::warned too",
    ]


def test_an_unknown_format_is_named() -> None:
    with pytest.raises(ValueError) as err:
        render(Report(), "xml")
    assert str(err.value) == "unknown format 'xml'; expected one of text, json, github"


def test_line_of_a_bracket_followed_by_space_and_values_to_the_end(tmp_path: Path) -> None:
    f = tmp_path / "b.json"
    f.write_text('[ 1,\n2,\n{"k":\n3}]', encoding="utf-8")
    assert [line_of(Problem(str(f), f"/{i}", "m", "c")) for i in range(3)] == [1, 2, 3]
    assert line_of(Problem(str(f), "/2/k", "m", "c")) == 4
    g = tmp_path / "c.json"
    g.write_text('{"a":1,"b":\n2', encoding="utf-8")  # cut short: the nearest place found
    assert line_of(Problem(str(g), "/b", "m", "c")) in (1, 2)


def test_line_of_in_compact_and_truncated_arrays(tmp_path: Path) -> None:
    f = tmp_path / "d.json"
    f.write_text("[1,\n2]", encoding="utf-8")
    assert line_of(Problem(str(f), "/1", "m", "c")) == 2
    g = tmp_path / "e.json"
    g.write_text("[1,\n2", encoding="utf-8")
    assert line_of(Problem(str(g), "/1", "m", "c")) == 2


@pytest.mark.parametrize(
    ("text", "ptr", "line"),
    [
        ('{"a":1,\n"b":2}', "/b", 2),
        ("[1,2,\n3]", "/2", 2),
        ('\n{"a":\n1}', "/a", 3),
        ("  \n", "/a", None),
        ("", "", None),
    ],
)
def test_line_of_compact_json_and_leading_breaks(tmp_path: Path, text: str, ptr: str, line: int | None) -> None:
    f = tmp_path / "f.json"
    f.write_text(text, encoding="utf-8")
    assert line_of(Problem(str(f), ptr, "m", "c")) == line
