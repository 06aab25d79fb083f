"""Every load checks again: each load has its own mutable state, and a file that changed after a first
load in the same process never gets through on the second.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import ClassLabel

from cartel_fto_corpus.publish.build import build
from cartel_fto_corpus.publish.loader import CorruptData, load_dataset, split_files
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set
from tests.conftest import FIXTURE_CORPUS, resign_release


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dataset")
    build(CorpusPaths(FIXTURE_CORPUS), out)
    return out


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    out = tmp_path / "fresh"
    build(CorpusPaths(FIXTURE_CORPUS), out)
    return out


def test_each_load_has_its_own_info_features_and_format(built: Path) -> None:
    a = load_dataset("stance", split="test", root=built)
    b = load_dataset("stance", split="test", root=built)
    assert a is not b and a.info is not b.info and a.info.features is not b.info.features
    a.set_format("numpy")
    a.info.description = "changed by the user"
    a.info.features["label"] = ClassLabel(names=["x", "y"])
    assert b.format["type"] is None and b.info.description == "" and b.features["label"].names != ["x", "y"]
    c = load_dataset("stance", split="test", root=built)
    assert c.format["type"] is None and c.info.description == "" and c.features == b.features


def test_a_file_changed_after_a_first_load_is_caught_on_the_next_load(fresh: Path) -> None:
    shard = split_files("mentions", fresh)["test"][0]
    before = load_dataset("mentions", split="test", root=fresh)  # templates and label paths now cached
    blob = bytearray(shard.read_bytes())
    blob[len(blob) // 2] ^= 0x01  # one bit, same size: what a page-level corruption looks like
    shard.write_bytes(bytes(blob))
    with pytest.raises(CorruptData, match=r"^data/mentions/test-00000-of-00001\.parquet: expected sha256 .*changed after the build"):
        load_dataset("mentions", split="test", root=fresh)
    assert before.num_rows > 0


def test_out_of_range_labels_written_after_a_first_load_are_still_caught(fresh: Path) -> None:
    shard = split_files("stance", fresh)["test"][0]
    load_dataset("stance", root=fresh)
    table = pq.read_table(shard)
    labels = table.column("label").to_pylist()
    labels[-1] = 42
    pq.write_table(table.set_column(table.schema.get_field_index("label"), "label", pa.array(labels, pa.int64())), shard)
    resign_release(fresh)
    with pytest.raises(
        CorruptData, match=rf"column label: expected ClassLabel values 0\.\.{len(label_set('stance_label')) - 1}, found 42$"
    ):
        load_dataset("stance", root=fresh)


def test_a_file_with_swapped_label_names_is_refused_even_after_a_first_load(fresh: Path) -> None:
    """Issue 27: ClassLabel names were taken from the file's metadata, so swapped names were served;
    the features are the package's own, and a file saying otherwise is corrupt."""
    import json

    from cartel_fto_corpus.publish.loader import CorruptData

    shard = split_files("clusters", fresh)["test"][0]
    load_dataset("clusters", split="test", root=fresh)
    table = pq.read_table(shard)
    meta = json.loads(table.schema.metadata[b"huggingface"])
    kind = meta["info"]["features"]["kind"]
    kind["names"] = list(reversed(kind["names"]))
    table = table.replace_schema_metadata({**table.schema.metadata, b"huggingface": json.dumps(meta).encode()})
    pq.write_table(table, shard)
    resign_release(fresh)
    with pytest.raises(CorruptData) as info:
        load_dataset("clusters", split="test", root=fresh)
    assert str(info.value) == (
        "data/clusters/test-00000-of-00001.parquet: column kind: expected the package's feature "
        "ClassLabel(names=['factual', 'non_factual']), found ClassLabel(names=['non_factual', 'factual'])"
    )


def test_a_forked_child_loads_after_its_parent() -> None:
    """A child forked after a load (a DataLoader worker) loads too (a digest thread kept by an earlier
    loader was not inherited by such a child, which then waited forever)."""
    import multiprocessing

    from cartel_fto_corpus.publish.loader import load_dataset

    load_dataset("clusters", split="test")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        rows = pool.apply_async(_rows_in_child).get(timeout=120)
    assert rows == load_dataset("clusters", split="test").num_rows > 0


def _rows_in_child() -> int:
    from cartel_fto_corpus.publish.loader import load_dataset

    return load_dataset("clusters", split="test").num_rows
