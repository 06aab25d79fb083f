"""Adding an entity label is one schema edit plus regeneration (issue 26).

A label is added to `entity_label` in a copy's `schema/common.schema.json`, nothing else is edited,
the copy is regenerated (`build`, `stats --write-datasheet`), and the derived checks run on the copy:
validate passes, the Features' ClassLabel names and BIO tags have it, the loader's label ranges
accept it, Croissant and the card/DATASHEET tables list it and stay consistent (`build --check`,
`stats --check-datasheet`), and the Label Studio config has it with a hotkey. A second copy (the
fixture corpus) uses the label on a mention, so validate, build and load carry it end to end.

The tests on the grown copy of the real corpus are marked slow (about a minute of build and stats);
the fixture-corpus test runs in every suite. Each step runs in a fresh process with `--root` (or `use_schema_of`) pointing at the copy, as a
user's would: the schema is read once per process.

What cannot follow by regeneration is checked, not derived: the frozen guidelines must define the
label (a new guidelines version); its check names the new label on the copy. The datasheet's label
set is a generated block, so regeneration lists the new label there too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cartel_fto_corpus.truth.schema import label_set
from tests.conftest import FIXTURE_CORPUS, REPO
from tests.test_guidelines_labels import label_problems

#: an OntoNotes type the schema does not have yet (the issue tried PRODUCT)
NEW = next(x for x in ("PRODUCT", "WORK_OF_ART", "LANGUAGE", "QUANTITY") if x not in label_set("entity_label"))
#: what a checkout holds besides the code and the tests: the data and every generated file
CORPUS_FILES = (
    "texts",
    "annotations",
    "schema",
    "data",
    "benchmarks",
    "README.md",
    "DATASHEET.md",
    "CITATION.cff",
    "croissant.json",
    "SHA256SUMS",
    "pyproject.toml",
    "LICENSE",
    "LICENSE-ANNOTATIONS",
)


def add_label(root: Path, label: str = NEW) -> None:
    """The one edit: the label appended to the schema's `entity_label` enum."""
    path = root / "schema" / "common.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    enum = schema["$defs"]["entity_label"]["enum"]
    enum.insert(len([v for v in enum if v is not None]), label)
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A fresh process running this checkout's code (the schema it reads is the copy's)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("-m", "cartel_fto_corpus", *args, "--root", str(root), cwd=root.parent)


#: Facts about one corpus copy, computed from its own schema in a fresh process.
PROBE = textwrap.dedent(
    """
    import json, sys
    import xml.etree.ElementTree as ET
    from pathlib import Path
    from cartel_fto_corpus.truth.paths import use_schema_of

    root, data_root = Path(sys.argv[1]), Path(sys.argv[2])
    use_schema_of(root)
    from cartel_fto_corpus.labelstudio import config as C
    from cartel_fto_corpus.publish.features import bio_names, features
    from cartel_fto_corpus.publish.loader import load_dataset
    from cartel_fto_corpus.truth.schema import label_set

    registry = json.loads((root / "annotations" / "registry.json").read_text(encoding="utf-8"))
    xml = ET.fromstring(C.label_config(registry["targets"], registry["entities"]))
    control = next(el for el in xml.iter("Labels") if el.get("name") == C.ENTITY)
    mentions = load_dataset("mentions", root=data_root)
    split = next(iter(mentions))
    print(json.dumps({
        "labels": label_set("entity_label"),
        "mention_names": features("mentions")["label"].names,
        "ner_names": features("ner")["ner_tags"].feature.names,
        "bio_names": bio_names(),
        "loaded_names": mentions[split].features["label"].names,
        "loaded_labels": sorted({mentions[split].features["label"].int2str(v) for s in mentions for v in mentions[s]["label"]}),
        "hotkeys": {el.get("value"): el.get("hotkey") for el in control.iter("Label")},
    }))
    """
)


def probe(root: Path, data_root: Path) -> dict:
    result = run("-c", PROBE, str(root), str(data_root), cwd=root.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout's corpus with one more entity label, regenerated."""
    if len(list((REPO / "annotations").glob("[0-9]*.json"))) < 5:
        pytest.skip("the real annotations are missing")
    root = tmp_path_factory.mktemp("grown") / "corpus"
    for name in CORPUS_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.is_file():
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / name)
    add_label(root)
    for args in (("build",), ("stats", "--write-datasheet")):
        result = cli(root, *args)
        assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def grown_facts(grown: Path) -> dict:
    return probe(grown, grown)


@pytest.mark.slow  # the grown copy: build and stats in fresh processes, about a minute
def test_the_grown_corpus_validates_and_its_generated_files_are_consistent(grown: Path) -> None:
    for args in (("validate",), ("build", "--check"), ("stats", "--check-datasheet")):
        result = cli(grown, *args)
        assert result.returncode == 0, (args, result.stderr)


@pytest.mark.slow  # the grown copy: build and stats in fresh processes, about a minute
def test_features_loader_and_croissant_carry_the_new_label(grown: Path, grown_facts: dict) -> None:
    facts = grown_facts
    assert facts["labels"][-1] == NEW and facts["labels"][:-1] == list(label_set("entity_label"))
    assert facts["mention_names"] == facts["loaded_names"] == facts["labels"]
    assert facts["ner_names"] == facts["bio_names"] and {f"B-{NEW}", f"I-{NEW}"} <= set(facts["ner_names"])
    croissant = (grown / "croissant.json").read_text(encoding="utf-8")
    for name in (f'"entity_label/name": "{NEW}"', f'"ner_tag/name": "B-{NEW}"', f'"ner_tag/name": "I-{NEW}"'):
        assert name in croissant


@pytest.mark.slow  # the grown copy: build and stats in fresh processes, about a minute
def test_the_datasheet_table_lists_the_new_label(grown: Path) -> None:
    datasheet = (grown / "DATASHEET.md").read_text(encoding="utf-8")
    table = datasheet[datasheet.index("<!-- stats:begin entities -->") : datasheet.index("<!-- stats:end entities -->")]
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]
    assert [row.split("|")[1].strip() for row in rows] == [*label_set("entity_label"), NEW, "total"]
    # the card names no label list (its example rows are data); `build --check` above keeps it consistent


@pytest.mark.slow
def test_the_label_studio_config_gives_the_new_label_a_hotkey(grown_facts: dict) -> None:
    hotkeys = grown_facts["hotkeys"]
    assert set(hotkeys) == {*label_set("entity_label"), NEW}
    assert hotkeys[NEW], hotkeys
    assert len(set(hotkeys.values())) == len(hotkeys)


@pytest.mark.slow  # the grown copy: build and stats in fresh processes, about a minute
def test_what_a_human_must_write_is_named(grown: Path) -> None:
    """The frozen guidelines cannot be regenerated: their check names the label; the datasheet's label set is regenerated."""
    labels = {name: label_set(name) for name in ("entity_label", "stance_label", "checkworthiness")}
    labels["entity_label"] = (*labels["entity_label"], NEW)
    assert label_problems(grown / "annotations" / "GUIDELINES.md", labels) == [
        f"entity_label: {NEW} is in the schema but not defined in ### 2.1 Labels"
    ]
    from cartel_fto_corpus.inspection.datasheet import entity_labels_prose

    assert entity_labels_prose(labels["entity_label"]) in (grown / "DATASHEET.md").read_text(encoding="utf-8")


def test_a_mention_with_the_new_label_validates_builds_and_loads(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, root)
    shutil.copytree(REPO / "schema", root / "schema")
    add_label(root)
    registry_file = root / "annotations" / "registry.json"
    registry = json.loads(registry_file.read_text(encoding="utf-8"))
    [entity] = [e for e in registry["entities"] if e["type"] == "DATE"]
    entity["type"] = NEW
    registry_file.write_text(json.dumps(registry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for doc_file in root.glob("annotations/[0-9]*.json"):
        doc = json.loads(doc_file.read_text(encoding="utf-8"))
        for aset in doc["annotations"]:
            for m in aset["entities"]:
                if m["entity"] == entity["id"]:
                    m["label"] = NEW
        doc_file.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    result = cli(root, "validate")
    assert result.returncode == 0, result.stderr
    result = cli(root, "build", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    facts = probe(root, tmp_path / "out")
    assert NEW in facts["loaded_labels"]
    shutil.rmtree(root / "schema")  # the package's schema, without the label: the same files are refused
    refused = cli(root, "validate")
    assert refused.returncode == 1 and f"'{NEW}' is not one of" in refused.stderr
