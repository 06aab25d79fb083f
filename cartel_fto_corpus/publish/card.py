"""The dataset card: the YAML front matter of README.md and its generated `## Loading` section.

The build owns exactly two parts of README.md: the front matter (between the first two `---`
lines), which `datasets.load_dataset(<repo>, <config>)` and the Hub read (`configs:` say where each
config's Parquet files are, `dataset_info:` carries the typed features), and the block between
`<!-- card:begin -->` and `<!-- card:end -->`. Everything else in the README is left as written.
Both parts are computed from the schema's features and the built rows, so they cannot drift.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml

from cartel_fto_corpus import __version__
from cartel_fto_corpus.publish.features import BASE_CONFIGS, CONFIGS, DEFAULT_CONFIG, FOLD_CONFIGS, SEMEVAL_OF, features
from cartel_fto_corpus.publish.layout import CROISSANT, FOLDS, RELEASE_MANIFEST, content_digest
from cartel_fto_corpus.truth.paths import DATA

if TYPE_CHECKING:
    from cartel_fto_corpus.publish.layout import BuildResult

BEGIN, END = "<!-- card:begin -->", "<!-- card:end -->"
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
#: What each config is for, shown in the card.
DESCRIPTIONS = {
    "articles": "one row per article: id, title, exact text, sha256, source file, lengths, computed quality flags",
    "entities": "one row per article: its entity mentions (offsets, span text, OntoNotes label, canonical entity, Wikidata QID)",
    "mentions": "one row per entity mention: document id, offsets, mention text, label, canonical entity, Wikidata QID",
    "ner": "one row per paragraph: tokens, BIO `ner_tags` (ClassLabel), token offsets into the article text",
    "stance": "one row per stance: holder, target, label, attribution, evidence spans, and the article text",
    "stance_classification": (
        "one row per (article, holder, target): input text built from the holder and its evidence, target name, label "
        "and its SemEval-2016 FAVOR/AGAINST/NONE equivalent, ids to trace back"
    ),
    "claims": (
        "one row per claim: span, claimant, attribution, type, check-worthiness, hedging, clusters (a list: a claim can state "
        "the facts of several clusters), and the claim it copies"
    ),
    "sentences": (
        "one row per sentence: document id, sentence and paragraph number, offsets, text, `check_worthy` (it overlaps a "
        "check-worthy claim), the claims it overlaps, and `repeated` (inside a repeated copy in 000: drop before ranking)"
    ),
    "clusters": (
        "the claim-cluster registry: kind (factual / non_factual), summary, discrepancies, and the claims (all, and without "
        "copies) and articles in each cluster"
    ),
}
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
    from datasets import DatasetInfo, SplitDict, SplitInfo

    configs, infos = [], []
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
        entry["description"] = f"{DESCRIPTIONS[config]} (content {digest})"
        configs.append(entry)
        split_dict = SplitDict()
        for s in splits:
            split_dict.add(SplitInfo(name=s, num_bytes=result.nbytes[config][s], num_examples=result.rows[config][s]))
        info = DatasetInfo(features=features(config), splits=split_dict)._to_yaml_dict()
        size = sum(sh.size for sh in result.shards if sh.config == config)
        if config in FOLD_CONFIGS:  # same features as their view (read from the Parquet metadata); keeps the card short
            continue
        infos.append({"config_name": config, **info, "download_size": size, "dataset_size": sum(result.nbytes[config].values())})
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
        "dataset_info": infos,
    }


def front_matter(result: BuildResult) -> str:
    body = yaml.safe_dump(metadata(result), sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    return f"---\n{body}---\n"


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


def loading_section(result: BuildResult) -> str:
    """The generated `## Loading` section: how to load, the design decisions, an example per config."""
    counts = ", ".join(f"`{c}` {sum(result.rows[c].values())}" for c in CONFIGS if c not in FOLD_CONFIGS)
    lines = [
        BEGIN,
        "## Loading",
        "",
        f"<!-- Generated by `cartel-fto build` (corpus version {__version__}) from the schema and the annotations;",
        "     edit cartel_fto_corpus/card.py, not this block. -->",
        "",
        "Offline, from the installed package (no cache copy is written; the fingerprint carries the",
        "package version and a hash of the Parquet files, so an upgrade never serves old rows):",
        "",
        "```python",
        "import cartel_fto_corpus",
        "",
        'ds = cartel_fto_corpus.load_dataset("entities")          # DatasetDict {"test": Dataset}',
        'test = cartel_fto_corpus.load_dataset("ner", split="test")  # Dataset',
        "```",
        "",
        "From a checkout (or a copy of this folder), through this card's `configs:`; no loading script, no code from the data:",
        "",
        "```python",
        "import datasets",
        "",
        'ds = datasets.load_dataset("path/to/cartel_fto_corpus", "claims")',
        'stream = datasets.load_dataset("path/to/cartel_fto_corpus", "claims", split="test", streaming=True)',
        "```",
        "",
        "The Parquet file names carry no version. `datasets` keys its cache on the card's `configs:`, not on the",
        "files (datasets issue 2956), so each config there carries the corpus version and a digest of its files,",
        "written by the same build: rebuilt data always gets a fresh cache entry. Files changed by hand",
        '(without `cartel-fto build`) would be served stale: pass `download_mode="force_redownload"`, or use',
        "`streaming=True` or `cartel_fto_corpus.load_dataset`, which keep no cache.",
        "",
        f"Configs and rows: {counts}. Croissant 1.1 metadata (sha256 per file, a RecordSet per config,",
        f"the label sets as enumerations): `{CROISSANT}` at the dataset root. `{DATA}/` holds Parquet only, so",
        f'`pyarrow.dataset.dataset("{DATA}/ner")`, DuckDB and Polars globs read it as it is.',
        "",
        "**Label names without `datasets`.** Label columns are `ClassLabel` integers (what `datasets` and",
        "`run_ner.py`-style scripts expect), and each is followed by a string column with the names:",
        "`label` → `label_name`, `status` → `status_name`, a list `ner_tags` → `ner_tag_names`, also inside",
        "structs (`entities[].label_name`). DuckDB, Polars and pyarrow users read names directly:",
        "",
        "```python",
        "import duckdb",
        f"duckdb.sql(\"SELECT label_name, count(*) FROM '{DATA}/mentions/*.parquet' GROUP BY 1\")",
        "```",
        "",
        "**Splits.** The plain configs have one split, `test`: with five articles this is an evaluation-first",
        "corpus, and two of them (001 and 004) share wire copy, so a random train/test cut would leak.",
        f"For training, every config `<config>` has `<config>_fold0` … `<config>_fold{FOLDS - 1}`: the same document-grouped",
        "cross-validation folds (`clusters_fold<k>` lists, per split, only the claims of that split's documents)",
        "with `train`, `validation` and `test` splits: documents that share text (manifest `overlaps`, joined",
        "transitively) form a group, groups are dealt round-robin into buckets, and fold *k* tests on bucket *k*,",
        "validates on bucket *k+1* and trains on the rest. A document, and a group, is never in two splits of a fold.",
        "",
        *_fold_table(result),
        "",
        "**Verification.** `cartel_fto_corpus.load_dataset` reads each file once, checks its sha256 against the",
        f"release manifest `{RELEASE_MANIFEST}` (written by the build from the bytes it wrote; croissant.json is",
        "not trusted for this) and every ClassLabel value against its range, and raises `CorruptData` with a",
        "one-line message naming the file before returning any row. `datasets.load_dataset` through this card",
        "checks neither: it casts the columns to the card's features (a wrong type fails) but loads a",
        "changed file, an out-of-range label (99, -7) or shifted offsets silently. Check a copy with",
        f"`sha256sum -c {RELEASE_MANIFEST}` in the dataset root, or load it once through `cartel_fto_corpus.load_dataset(root=...)`.",
        "",
        "**Annotation sets.** Every config holds the *gold* (released reference; see DATASHEET.md) annotation set of each article; an",
        "article without a gold set contributes its first set, and every row names its `annotator` and",
        "`status` so such rows can be filtered out. Every annotator's version stays in `annotations/*.json`",
        f"for agreement studies. In this build: {_set_counts(result.set_counts)}.",
        "",
        "**Ids and offsets.** Row ids are stable: the document id (`articles`, `entities`), `<doc_id>/L<line>`",
        "(`ner` and its folds, one row per non-empty line), `<doc_id>/<mention, stance or claim id>` (`mentions`,",
        "`stance`, `stance_classification` (its first stance), `claims`), the registry id (`clusters`). Offsets",
        "count Unicode code points (Python `str` indices), end-exclusive, into the article's `text`, and every",
        "span stores its text next to its offsets: `text[start:end] == span text`.",
        "",
        "**Tokens.** `ner` tokens are abbreviations of single letters with periods (`U.S.` is one token),",
        "runs of letters and digits, and every other non-space character alone (BERT-style punctuation",
        "splitting), from a tokenizer in the package that needs no download. Markdown emphasis markers (the",
        "`**` around 000's bold headline and subtitles) are dropped: no token covers them, the other tokens keep",
        "their offsets. A mention whose edge falls inside a token stops the build instead of being shifted.",
        "",
        "**Stance as classification.** `stance_classification` has one row per (article, holder, target); its",
        "`text` is the holder's name and the distinct evidence passages joined by ` … ` (not the article), so",
        "rows of different holders no longer share an input. A holder with two different labels toward one",
        "target in one article stops the build, so no two rows with the same input disagree. `semeval_label`",
        "maps the labels to SemEval-2016 Task 6: " + ", ".join(f"`{a}` → `{b}`" for a, b in SEMEVAL_OF.items()) + ".",
        "",
        "**Copies.** Article 000 repeats paragraphs (manifest `repeated_passages`); a claim lying in a repeated",
        "passage whose first occurrence is the same annotated claim has `copy_of` = that claim's row id, and",
        "`clusters.distinct_claim_ids` leaves copies out, so cluster sizes are not inflated.",
        "",
        "**Exports.** `cartel-fto export --format conll|spacy|brat|bigbio|jsonl --out DIR` writes the gold",
        "mentions as CoNLL (token, tag), a spaCy `DocBin`, brat standoff, BigBIO `kb` JSON lines, or JSON lines",
        "(spaCy needs the `spacy` extra: `pip install cartel-fto-corpus[spacy]`). CoNLL and DocBin are also written",
        "per fold split (`fold<k>/train.conll`, `fold<k>/test.spacy`, ...); documents start with `-DOCSTART- -X- O O`,",
        "the line spaCy's converter splits on (`python -m spacy convert fold0/train.conll OUT -c ner`).",
        "",
        "### Recipes",
        "",
        "NER fine-tuning on a fold (any `run_ner.py`-style script takes the `train`/`validation`/`test` splits):",
        "",
        "```python",
        'ds = cartel_fto_corpus.load_dataset("ner_fold0")          # DatasetDict train / validation / test',
        'labels = ds["train"].features["ner_tags"].feature.names    # BIO names, conll2003 order',
        '# tokenize ds[split]["tokens"] with is_split_into_words=True, align ds[split]["ner_tags"], train',
        "```",
        "",
        "Stance classification (SemEval-2016 style: text, target, label):",
        "",
        "```python",
        'ds = cartel_fto_corpus.load_dataset("stance_classification", split="test")',
        'pairs = [(r["text"], r["target_name"]) for r in ds]         # input and target',
        'gold = ds["semeval_label"]                                  # 0 FAVOR, 1 AGAINST, 2 NONE',
        "```",
        "",
        "Claim clusters (sizes without copied passages):",
        "",
        "```python",
        'clusters = cartel_fto_corpus.load_dataset("clusters", split="test")',
        'claims = {r["id"]: r for r in cartel_fto_corpus.load_dataset("claims", split="test")}',
        'sizes = {c["id"]: len(c["distinct_claim_ids"]) for c in clusters}  # claims[i]["claim"] is the text',
        "```",
        "",
        "### Examples",
        "",
        "One row of each config, long values cut (`\u2026`); label columns are `ClassLabel`s, shown here by name and",
        "loaded as integers (`ds.features[...]` names them), each next to its `*_name` column. The folds",
        "(`<config>_fold<k>`) hold the rows of their config.",
    ]
    for config in BASE_CONFIGS:
        lines += ["", f"#### `{config}`", "", DESCRIPTIONS[config] + ".", ""]
        example = result.examples.get(config)
        lines += ["```json", json.dumps(_shorten(example), ensure_ascii=False, indent=1) if example else "null  (no rows yet)", "```"]
    lines.append(END)
    return "\n".join(lines) + "\n"


def _fold_table(result: BuildResult) -> list[str]:
    """Markdown table: what each fold holds (documents and rows per split)."""
    if not result.folds:
        return []
    k = len(result.folds)
    out = ["| fold | train | validation | test |", "|---|---|---|---|"]
    for fold in range(k):
        cells = []
        for split, bucket in (("train", None), ("validation", (fold + 1) % k), ("test", fold)):
            docs = (
                result.folds[bucket]
                if bucket is not None
                else sorted(d for i, b in enumerate(result.folds) if i not in (fold, (fold + 1) % k) for d in b)
            )
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


def render_readme(current: str | None, result: BuildResult) -> str:
    """README.md with its front matter and Loading block replaced; the rest kept byte for byte."""
    body = strip_front_matter(current) if current is not None else "# cartel_fto_corpus\n"
    section = loading_section(result)
    begin, end = body.find(BEGIN), body.find(END)
    if begin != -1 and end > begin:
        tail = body[end + len(END) :]
        body = body[:begin] + section + (tail[1:] if tail.startswith("\n") else tail)
    else:
        body = body.rstrip("\n") + "\n\n" + section
    return front_matter(result) + body
