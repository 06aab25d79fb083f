"""What a newcomer meets first: the README's first screen and figures, the two set-up commands,
the test suite without optional extras."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from markdown_it import MarkdownIt  # a dependency of rich: always installed

from cartel_fto_corpus.publish.card import BEGIN, END, REFERENCE_BEGIN, REFERENCE_END
from tests.conftest import REPO


def test_without_the_labelstudio_extra_its_tests_are_skipped_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text('import sys\nsys.modules["orjson"] = None  # as if not installed\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co", "-rs", "tests/labelstudio", "tests/test_labelstudio_state.py"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])},
    )  # fmt: skip
    assert proc.returncode in (0, 5), proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "error" not in proc.stdout.lower(), proc.stdout[-2000:]
    assert "needs the labelstudio extra (missing: orjson): pip install -e '.[labelstudio]'" in proc.stdout


# --------------------------------------------------------------------------- the README's first screen


README = REPO / "README.md"
#: Columns of a rendered line: what a reader sees of a paragraph on a laptop screen.
WIDTH = 100
FIRST_SCREEN = 60


def pypi_description() -> str:
    """README.md as PyPI receives it: the fragment the hatch-fancy-pypi-readme hook cuts out of it
    (everything after `start-after`, i.e. without the YAML front matter)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    hook = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["metadata"]["hooks"]["fancy-pypi-readme"]
    (fragment,) = hook["fragments"]
    assert fragment["path"] == "README.md"
    text = README.read_text(encoding="utf-8")
    return text[text.index(fragment["start-after"]) + len(fragment["start-after"]) :]


def rendered_lines(markdown: str, width: int = WIDTH) -> list[str]:
    """The visible lines of rendered Markdown, the way PyPI's CommonMark renderer lays it out: a
    paragraph or list item wrapped at `width` columns, a heading one line, a table one line per row,
    a code block one line per line, HTML comments nothing; no blank lines counted."""
    md = MarkdownIt("commonmark").enable("table")
    lines: list[str] = []
    tokens = md.parse(markdown)
    in_table_row: list[str] | None = None
    for i, tok in enumerate(tokens):
        if tok.type in ("fence", "code_block"):
            lines += tok.content.rstrip("\n").split("\n")
        elif tok.type == "inline" and tokens[i - 1].type == "heading_open":
            lines.append(tok.content)
        elif tok.type == "inline" and in_table_row is not None:
            in_table_row.append(tok.content)
        elif tok.type == "inline":
            lines += textwrap.wrap(" ".join(tok.content.split()), width) or [""]
        elif tok.type == "tr_open":
            in_table_row = []
        elif tok.type == "tr_close" and in_table_row is not None:
            lines.append(" | ".join(in_table_row))
            in_table_row = None
        elif tok.type == "hr":
            lines.append("-" * 10)
    return lines


def test_first_screen_has_summary_tasks_example_splits_and_loading() -> None:
    screen = rendered_lines(pypi_description())[:FIRST_SCREEN]
    text = "\n".join(screen)
    assert screen[0] == "Cartel FTO designation news corpus", screen[:3]
    assert "English news-style articles on the US designation" in text  # the summary
    assert "Tasks and metrics" in text and "named-entity recognition | `ner` | `ner`" in text
    assert re.search(r"^Secretary +of +State +Marco +Rubio", text, re.MULTILINE)  # one example instance
    assert "Splits and sizes" in text and "`ner_fold0` … `ner_fold3`" in text
    assert 'cartel_fto_corpus.load_dataset("ner")' in text and "datasets.load_dataset(" in text
    assert "make run" in text and "make test" in text


def test_the_first_commands_are_make_run_and_make_test() -> None:
    """The first shell block of the README is the two set-up commands, nothing before them."""
    blocks = [t for t in MarkdownIt("commonmark").parse(pypi_description()) if t.type == "fence" and t.info in ("bash", "sh", "shell")]
    commands = [line.split("#")[0].strip() for line in blocks[0].content.splitlines()]
    assert commands == ["make run", "make test"]


#: Lines of the front matter that are not `configs:` entries (the Hub metadata: licence, tags, ...).
FRONT_MATTER_HEAD = 40


def test_the_front_matter_is_metadata_only_and_short() -> None:
    """`configs:` is what datasets needs (Features travel in the Parquet files); no dataset_info. A
    `configs` entry per config is required (every `<config>_fold<k>` too), so the limit grows with the
    number of configs, by one line each: an entry is one flow mapping, not a ten-line block."""
    import yaml

    from cartel_fto_corpus.publish.features import CONFIGS

    text = README.read_text(encoding="utf-8")
    front = text[4 : text.index("\n---\n")]
    meta = yaml.safe_load(front)
    assert "dataset_info" not in meta and meta["configs"]
    assert [c["config_name"] for c in meta["configs"]] == list(CONFIGS)
    assert len(front.splitlines()) <= FRONT_MATTER_HEAD + len(CONFIGS)


def _hand_written(text: str) -> str:
    """The README without its front matter and generated blocks: what people edit."""
    text = text[text.index("\n---\n") + 5 :]
    for begin, end in ((BEGIN, END), (REFERENCE_BEGIN, REFERENCE_END)):
        text = text[: text.index(begin)] + text[text.index(end) + len(end) :]
    return text


def test_no_figure_is_written_by_hand() -> None:
    """Counts, sizes and durations live in the generated blocks (rebuilt by `cartel-fto build`, checked
    by `build --check`) or in docs/setup.md as dated measurements, never in the hand-written README:
    that is how "about 380 tests" (708) and "about 2.3 GB" (2.9) went stale."""
    figure = re.compile(r"\b\d[\d,.]*\s*(?:tests?|GB|MB|minutes?|seconds?|articles|documents|rows|configs|files)\b")
    found = figure.findall(_hand_written(README.read_text(encoding="utf-8")))
    assert found == []


def test_every_config_the_readme_names_exists() -> None:
    from cartel_fto_corpus.publish.features import CONFIGS

    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r'load_dataset\("(?:[^"]*", )?"?([a-z_0-9]+)"', text))
    assert named and named <= set(CONFIGS), named - set(CONFIGS)


# --------------------------------------------------------------------------- two commands


def make_dry_run(*args: str, virtual_env: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHON", "VENV", "MAKEFLAGS")}
    if virtual_env:
        env["VIRTUAL_ENV"] = virtual_env
    proc = subprocess.run(["make", "-n", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_make_run_and_test_create_and_use_a_venv_when_none_is_active() -> None:
    if not (REPO / ".venv" / "bin" / "python").exists():
        out = make_dry_run("run", virtual_env=None)
        assert "-m venv .venv" in out
    for target in ("run", "test"):
        out = make_dry_run(target, virtual_env=None)
        assert ".venv/bin/python -m pip install" in out and "python3 -m pip" not in out, out
    out = make_dry_run("test", virtual_env="/some/active/venv")
    assert "python3 -m pip install" in out and "-m venv" not in out


def test_ci_types_the_readme_commands_with_no_venv_active() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    code = [line.strip() for line in script.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert "unset VIRTUAL_ENV PYTHON" in code
    run, test = code.index("make run"), code.index("make test")
    assert code.index("unset VIRTUAL_ENV PYTHON") < run < test
    assert not any(line.startswith("make") and "PYTHON=" in line for line in code)
