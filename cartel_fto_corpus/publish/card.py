"""The dataset card: README.md's YAML front matter and its two generated blocks.

The build owns three parts of README.md and nothing else:

* the front matter (between the first two `---` lines): the Hub's metadata and `configs:`, which
  is all `datasets.load_dataset(<folder>, <config>)` needs (the typed Features travel in each
  Parquet file's `huggingface` metadata, so no `dataset_info:` block is repeated here; it made the
  card open with 885 lines of YAML);
* the first screen, between `<!-- card:begin -->` and `<!-- card:end -->`, in the order a reader
  of a loved card (conll2003, tweet_eval) expects: a summary, the tasks and metrics, one example,
  the splits and sizes, how to load, how to annotate (`first_screen`);
* the reference, between `<!-- card-reference:begin -->` and `<!-- card-reference:end -->`: design
  decisions, verification, recipes, one example per config and the citation (`reference`).

Every figure in them is computed from the built rows, the schema and CITATION.cff, so none can go
stale. Long fixed prose is package data beside this module: the reference is the template
`card_reference.md`, whose `$name` placeholders (every figure, file name and list of formats) are
filled in here, so the prose cannot state a figure of its own; the first screen's Load and Annotate
sections are `card_load.md`, fixed text. PyPI renders the README without its front matter
(`[tool.hatch.metadata.hooks.fancy-pypi-readme]`).
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import yaml

from cartel_fto_corpus import __version__
from cartel_fto_corpus.publish.citation import citation
from cartel_fto_corpus.publish.exports import FORMATS, format_list, split_formats
from cartel_fto_corpus.publish.features import BASE_CONFIGS, CONFIGS, DEFAULT_CONFIG, SEMEVAL_OF, fold_config
from cartel_fto_corpus.publish.layout import CROISSANT, FOLD_SPLITS, FOLDS, RELEASE_MANIFEST, content_digest, fold_split
from cartel_fto_corpus.publish.tasks import METRIC_NAMES, TASKS
from cartel_fto_corpus.truth.paths import DATA
from cartel_fto_corpus.truth.schema import label_set

if TYPE_CHECKING:
    from cartel_fto_corpus.publish.layout import BuildResult

BEGIN, END = "<!-- card:begin -->", "<!-- card:end -->"
REFERENCE_BEGIN, REFERENCE_END = "<!-- card-reference:begin -->", "<!-- card-reference:end -->"
PRETTY_NAME = "Cartel FTO designation news corpus"
LICENSE_NAME = "cc-by-4.0-annotations-texts-unlicensed"
LICENSE_DETAILS = (
    "Annotations (every column but the article texts, and the registry): CC BY 4.0, see LICENSE-ANNOTATIONS; "
    "code: MIT, see LICENSE. The news texts (the `text` columns, and the span texts quoting them) are third-party "
    "articles that reached the project without URL, outlet, author or date: their rights holders are unknown, no "
    "licence is granted for them, and whether they may be redistributed is an open question (LICENSE-ANNOTATIONS)."
)
#: The annotations were produced by an AI language model (LICENSE-ANNOTATIONS, "Attribution").
ANNOTATIONS_CREATORS = ["machine-generated"]
TASK_CATEGORIES = ["token-classification", "text-classification"]
TASK_IDS = ["named-entity-recognition", "fact-checking"]
TAGS = ["stance-detection", "claim-detection", "check-worthiness", "entity-linking", "wikidata", "news", "croissant"]
#: What each view holds and what one of its rows stands for: prose, the package data file `card_configs.yaml`.
_VIEWS = yaml.safe_load((Path(__file__).parent / "card_configs.yaml").read_text(encoding="utf-8"))
DESCRIPTIONS = {config: _VIEWS[config]["description"] for config in BASE_CONFIGS}
DESCRIPTIONS.update(
    {
        f"{c}_fold{k}": f"`{c}` rows in document-grouped cross-validation fold {k}: splits train, validation, test (overlapping articles together)"
        for c in BASE_CONFIGS
        for k in range(FOLDS)
    }
)
#: Hub buckets of `size_categories`, by number of examples.
_SIZE_BUCKETS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))


def size_category(n: int) -> str:
    return next((label for limit, label in _SIZE_BUCKETS if n < limit), "n>10M")


def metadata(result: BuildResult) -> dict[str, Any]:
    """The card's YAML metadata as a dict, keys in a fixed order."""
    configs = []
    for config in CONFIGS:
        splits = sorted(result.rows[config])
        entry: dict[str, Any] = {"config_name": config}
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        entry["data_files"] = [{"split": s, "path": f"{DATA}/{config}/{s}-*.parquet"} for s in splits]
        # `datasets` keys its cache on these config fields, not on the files (datasets issue 2956):
        # the version and a digest of the files make every release and every build a new cache entry.
        digest = content_digest([(sh.path, sh.sha256) for sh in result.shards if sh.config == config])
        entry["version"] = __version__
        entry["description"] = f"{DESCRIPTIONS[config].split(':')[0]} (content {digest})"
        configs.append(entry)
    largest = max(sum(r.values()) for r in result.rows.values())
    return {
        "pretty_name": PRETTY_NAME,
        "license": "other",
        "license_name": LICENSE_NAME,
        "license_link": "LICENSE-ANNOTATIONS",
        "license_details": LICENSE_DETAILS,
        "language": ["en"],
        "multilinguality": ["monolingual"],
        "size_categories": [size_category(largest)],
        "source_datasets": ["original"],
        "task_categories": TASK_CATEGORIES,
        "task_ids": TASK_IDS,
        "annotations_creators": ANNOTATIONS_CREATORS,
        "language_creators": ["found"],
        "tags": TAGS,
        "configs": configs,
    }


def _yaml(value: Any, flow: bool) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=flow)


def front_matter(result: BuildResult) -> str:
    """The metadata in block style, and each `configs:` entry on one line (a flow mapping): with a
    `<config>_fold<k>` per base config and fold, block style made the card open with hundreds of lines
    of YAML before its first sentence. Same data for every YAML reader (`datasets`, the Hub)."""
    meta = metadata(result)
    configs = meta.pop("configs")
    entries = "".join(f"- {_yaml(entry, True).strip()}\n" for entry in configs)
    return f"---\n{_yaml(meta, False)}configs:\n{entries}---\n"


def _shorten(value: Any, limit: int = 70) -> Any:
    """An example row made readable: long strings cut, long lists cut to their first items."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + "\u2026"
    if isinstance(value, list):
        head = [_shorten(v, limit) for v in value[:2]]
        return [*head, f"\u2026 {len(value) - 2} more"] if len(value) > 2 else head
    if isinstance(value, dict):
        return {k: _shorten(v, limit) for k, v in value.items()}
    return value


def _total(result: BuildResult, config: str) -> int:
    return sum(result.rows[config].values())


_WORDS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


def number_word(n: int) -> str:
    """A count as a reader writes it at the start of a sentence: a word up to ten."""
    return _WORDS[n] if n < len(_WORDS) else str(n)


def summary(result: BuildResult) -> list[str]:
    """Two sentences: what the corpus is, with its sizes, and who annotated it."""
    n = _total(result, "articles")
    return [
        f"{number_word(n)} English news-style articles on the US designation of Latin American cartels as Foreign Terrorist Organizations",
        f"(FTOs), byte-exact, annotated with {_total(result, 'mentions')} entity mentions (OntoNotes types, linked to canonical",
        f"entities and Wikidata), {_total(result, 'stance')} stances of the articles and of quoted actors toward registered targets,",
        f"and {_total(result, 'claims')} claims with claimant, type, check-worthiness and {_total(result, 'clusters')} cross-article clusters.",
        "Separate blind sessions of one AI language model annotated the articles under frozen guidelines, each delivery",
        "sealed; an AI model adjudicated the released gold set (no person annotated); the texts' origin, outlet and date",
        "are unknown ([DATASHEET.md](DATASHEET.md)).",
        *(
            [
                "",
                "**This build is annotations only**: every text copied from the articles (texts, titles, tokens, span and",
                "evidence texts) is null; offsets, labels and ids are kept. With your own copies of the texts,",
                "`cartel-fto hydrate FOLDER` (sha256-checked against the manifest) and `cartel-fto build` restore them.",
            ]
            if result.annotations_only
            else []
        ),
    ]


#: The tasks the configs serve: (task, config, what is predicted). Until the `evaluation` package
#: defines the tasks with their metrics, `tasks_and_metrics` renders this list.
def _labels(name: str) -> str:
    labels = label_set(name)
    return " / ".join(labels) if len(labels) <= 5 else f"{len(labels)} labels ({', '.join(labels[:3])}, …)"


def tasks_and_metrics(result: BuildResult) -> list[str]:
    """The card's "Tasks and metrics" section: the benchmark's task table (`publish.tasks`), one official
    metric per task; baselines and the human ceiling follow in the Benchmark section (`stats` writes it)."""
    lines = ["## Tasks and metrics", "", "| task | `--task` | config | units | official metric | rows |", "|---|---|---|---|---|---|"]
    for task in TASKS.values():
        lines.append(
            f"| {task.title} | `{task.name}` | `{task.config}` | {task.unit} | {METRIC_NAMES[task.official]} | {_total(result, task.config)} |"
        )
    lines += [
        "",
        f"Protocol: {FOLDS} document-grouped folds (`<config>_fold0…{FOLDS - 1}`), every document tested once; figures pooled over the",
        "folds' test documents with 95% bootstrap intervals over documents; scorer `cartel-fto evaluate` (Benchmark, below).",
    ]
    return lines


def _aligned(tokens: list[str], tags: list[str], width: int = 96) -> list[str]:
    """Tokens over their tags, column-aligned, cut at `width` characters (conll2003's card style)."""
    top, bottom = "", ""
    for token, tag in zip(tokens, tags, strict=True):
        w = max(len(token), len(tag)) + 2
        if len(top) + w > width:
            return [top.rstrip() + " …", bottom.rstrip()]
        top, bottom = top + token.ljust(w), bottom + tag.ljust(w)
    return [top.rstrip(), bottom.rstrip()]


def example(result: BuildResult) -> list[str]:
    """One instance: the first `ner` row, its tokens over their tags."""
    row = result.examples.get("ner")
    if not row or None in row["tokens"]:  # none, or an annotations-only build
        return []
    return [
        "## Example",
        "",
        f"A `ner` row (`{row['id']}`: the article's first line): `tokens` and their BIO `ner_tags`,",
        "integers (ClassLabel) with the names beside them in `ner_tag_names`:",
        "",
        "```text",
        *_aligned(row["tokens"], row["ner_tag_names"]),
        "```",
    ]


def splits_and_sizes(result: BuildResult) -> list[str]:
    """Rows per config, and per split over its document-grouped folds (`<config>_fold0…`)."""
    lines = [
        "## Splits and sizes",
        "",
        "| config | rows (`test`) | one row per | `<config>_fold<k>` rows: train / validation / test (range over folds) |",
        "|---|---|---|---|",
    ]
    folds = range(FOLDS)
    for config in BASE_CONFIGS:
        per = {s: sorted(result.rows[fold_config(config, k)].get(s, 0) for k in folds) for s in FOLD_SPLITS}
        ranges = " / ".join(f"{v[0]}–{v[-1]}" if v[0] != v[-1] else f"{v[0]}" for v in per.values())
        lines.append(f"| `{config}` | {_total(result, config)} | {_VIEWS[config]['row']} | {ranges} |")
    lines += [
        "",
        f"Each config is one `test` split and {len(folds)} document-grouped cross-validation folds, the configs `<config>_fold0` …",
        f"`<config>_fold{folds[-1]}` (`ner_fold0` … `ner_fold{folds[-1]}` for `ner`) with `train`, `validation` and `test` splits",
        f"(overlapping articles together): {number_word(_total(result, 'articles')).lower()} articles make an evaluation-first corpus, and",
        "articles that share text would leak across a random cut (Dataset reference, Splits).",
    ]
    return lines


def first_screen(result: BuildResult) -> str:
    """The generated block at the top of the README, in the order of a loved dataset card."""
    load_and_annotate = _template("card_load.md").splitlines()  # fixed text
    sections = [summary(result), tasks_and_metrics(result), example(result), splits_and_sizes(result), load_and_annotate]
    lines = [
        BEGIN,
        f"<!-- Generated by `cartel-fto build` (corpus version {__version__}) from the schema, the annotations and",
        "     CITATION.cff; edit cartel_fto_corpus/publish/card.py, not this block. -->",
    ]
    for section in sections:
        if section:
            lines += ["", *section]
    return "\n".join([*lines, END]) + "\n"


def reference(result: BuildResult) -> str:
    """The generated reference block: loading details, design decisions, recipes, examples, citation.
    Its prose is the template `card_reference.md`; every figure and name in it is filled in here."""
    examples = []
    for config in BASE_CONFIGS:
        row = result.examples.get(config)
        shown = json.dumps(_shorten(row), ensure_ascii=False, indent=1) if row else "null  (no rows yet)"
        examples += ["", f"#### `{config}`", "", DESCRIPTIONS[config] + ".", "", "```json", shown, "```"]
    cite = citation()
    text = Template(_template("card_reference.md")).substitute(
        version=__version__,
        counts=", ".join(f"`{c}` {_total(result, c)}" for c in BASE_CONFIGS),
        croissant=CROISSANT,
        data=DATA,
        release_manifest=RELEASE_MANIFEST,
        articles_word=number_word(_total(result, "articles")).lower(),
        last_fold=FOLDS - 1,
        fold_table="\n".join(_fold_table(result)),
        set_counts=_set_counts(result.set_counts),
        semeval=", ".join(f"`{a}` → `{b}`" for a, b in SEMEVAL_OF.items()),
        formats="|".join(FORMATS),
        format_list=format_list(),
        split_formats=" and ".join(f"`{name}`" for name in split_formats()),
        split_files=", ".join(f"`fold<k>/train.{ext}`" for ext in split_formats().values()),
        examples="\n".join(examples),
        cite_version=cite.version,
        cite_date=cite.date_released.isoformat(),
        bibtex=cite.bibtex(),
    )
    return f"{REFERENCE_BEGIN}\n{text}{REFERENCE_END}\n"


def _template(name: str) -> str:
    """A prose template shipped beside this module (package data)."""
    return (Path(__file__).parent / name).read_text(encoding="utf-8")


def _fold_table(result: BuildResult) -> list[str]:
    """Markdown table: what each fold holds (documents and rows per split)."""
    out = ["| fold | train | validation | test |", "|---|---|---|---|"]
    for fold in range(len(result.folds)):
        cells = []
        for split in FOLD_SPLITS:
            docs = sorted(d for bucket in result.folds for d in bucket if fold_split(result.folds, fold, d) == split)
            n = result.rows[f"ner_fold{fold}"].get(split, 0)
            cells.append(f"{', '.join(d.split('_')[0] for d in docs) or '—'} ({n} `ner` rows)")
        out.append(f"| fold {fold} (`*_fold{fold}`) | " + " | ".join(cells) + " |")
    return out


def _set_counts(counts: dict[int, int]) -> str:
    """'5 articles with 1 annotation set' style summary of BuildResult.set_counts."""
    parts = [f"{docs} article{'s' if docs != 1 else ''} with {n} annotation set{'s' if n != 1 else ''}" for n, docs in counts.items()]
    return ", ".join(parts) or "no articles"


def strip_front_matter(text: str) -> str:
    """README body without a leading YAML front matter block."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end != -1:
            return text[end + len("\n---\n") :]
    return text


def _replace_block(body: str, begin: str, end: str, block: str, *, top: bool) -> str:
    """`body` with the text from `begin` to `end` replaced by `block`; a missing block is put after the
    first heading (`top`) or at the end."""
    i, j = body.find(begin), body.find(end)
    if i != -1 and j > i:
        tail = body[j + len(end) :]
        return body[:i] + block + (tail[1:] if tail.startswith("\n") else tail)
    if top:
        first_line_end = body.find("\n") + 1 if body.startswith("# ") else 0
        return body[:first_line_end] + "\n" + block + "\n" + body[first_line_end:].lstrip("\n")
    return body.rstrip("\n") + "\n\n" + block


def render_readme(current: str | None, result: BuildResult) -> str:
    """README.md with its front matter and the two generated blocks replaced; the rest kept byte for byte."""
    body = strip_front_matter(current) if current is not None else f"# {PRETTY_NAME}\n"
    body = _replace_block(body, BEGIN, END, first_screen(result), top=True)
    body = _replace_block(body, REFERENCE_BEGIN, REFERENCE_END, reference(result), top=False)
    return front_matter(result) + body
