"""The loader's fast paths give what the plain paths give, and keep every check.

`parse_parquet` must equal `pq.read_table` (both of its readers), `as_dataset` must equal
`Dataset(InMemoryTable(table), fingerprint=...)` and give each load its own mutable state, and what the
loader keeps between loads in a process (templates, label paths) must never let a file that changed
after the first load through on the second.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import ClassLabel, Dataset
from datasets.table import InMemoryTable

from cartel_fto_corpus.publish import loader
from cartel_fto_corpus.publish.build import build
from cartel_fto_corpus.publish.features import CONFIGS
from cartel_fto_corpus.publish.loader import CorruptData, as_dataset, load_dataset, parse_parquet, split_files
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


def _same_table(a: pa.Table, b: pa.Table) -> None:
    assert a.equals(b, check_metadata=True)
    assert a.schema.metadata == b.schema.metadata
    assert [c.num_chunks for c in a.columns] == [c.num_chunks for c in b.columns]


@pytest.mark.parametrize("config", CONFIGS)
def test_parse_parquet_equals_read_table_on_every_shipped_file(built: Path, config: str) -> None:
    for files in split_files(config, built).values():
        for f in files:
            _same_table(parse_parquet(f.read_bytes()), pq.read_table(f))


@pytest.mark.parametrize("row_groups", [1, 4])
def test_parse_parquet_equals_read_table_with_one_and_several_row_groups(built: Path, row_groups: int) -> None:
    """Both readers: one row group goes through ParquetFile.read, several through the dataset scan."""
    table = pq.read_table(split_files("mentions", built)["test"][0])
    assert table.num_rows >= 4
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=-(-table.num_rows // row_groups))
    blob = sink.getvalue()
    assert pq.ParquetFile(pa.BufferReader(blob)).metadata.num_row_groups == row_groups
    _same_table(parse_parquet(blob), pq.read_table(pa.BufferReader(blob)))


def _official(table: pa.Table, fingerprint: str) -> Dataset:
    return Dataset(InMemoryTable(table), fingerprint=fingerprint)


def _assert_same_dataset(ours: Dataset, theirs: Dataset) -> None:
    assert type(ours) is type(theirs)
    assert sorted(vars(ours)) == sorted(vars(theirs))
    assert ours.info == theirs.info and ours.features == theirs.features
    assert ours.split == theirs.split and ours._fingerprint == theirs._fingerprint
    assert ours.format == theirs.format
    _same_table(ours.data.table, theirs.data.table)
    assert ours.to_list() == theirs.to_list()


@pytest.mark.parametrize("config", CONFIGS)
def test_as_dataset_equals_the_official_constructor(built: Path, config: str) -> None:
    loader._TEMPLATES.pop(config, None)
    for split, files in split_files(config, built).items():
        table = pq.read_table(files[0])
        fp = loader.fingerprint(config, split, "0123456789abcdef")
        first = as_dataset(config, table, fp)  # builds the template
        assert config in loader._TEMPLATES
        again = as_dataset(config, table, fp)  # from the template
        _assert_same_dataset(first, _official(table, fp))
        _assert_same_dataset(again, _official(table, fp))


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


def test_a_table_the_constructor_would_change_takes_the_official_route(built: Path) -> None:
    """No `huggingface` metadata: `Dataset.__init__` writes it, so no template is kept for the schema."""
    table = pq.read_table(split_files("clusters", built)["test"][0]).replace_schema_metadata(None)
    loader._TEMPLATES.pop("clusters", None)
    ours = as_dataset("clusters", table, "fp-plain")
    assert "clusters" not in loader._TEMPLATES
    _assert_same_dataset(ours, _official(table, "fp-plain"))


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
    """The digest thread is per process: a child forked after a load (a DataLoader worker) must not
    wait forever on the parent's executor, whose thread it did not inherit."""
    import multiprocessing

    from cartel_fto_corpus.publish.loader import load_dataset

    load_dataset("clusters", split="test")  # the parent's digest thread exists now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        rows = pool.apply_async(_rows_in_child).get(timeout=120)
    assert rows == load_dataset("clusters", split="test").num_rows > 0


def _rows_in_child() -> int:
    from cartel_fto_corpus.publish.loader import load_dataset

    return load_dataset("clusters", split="test").num_rows
