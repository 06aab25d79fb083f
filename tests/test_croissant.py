"""croissant.json: valid Croissant 1.1 (mlcroissant), sha256 per file, every RecordSet readable offline."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest

from cartel_fto_corpus.publish.build import build
from cartel_fto_corpus.publish.croissant import CONFORMS_TO, enumerations
from cartel_fto_corpus.publish.features import CONFIGS, features
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.conftest import FIXTURE_CORPUS, REPO


def make_corpus(root: Path, n: int) -> Path:
    spec = importlib.util.spec_from_file_location("bench_loader", REPO / "benchmarks" / "bench_loader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_corpus(root, n)


SHIPPED = REPO / "croissant.json"


@pytest.fixture(scope="module", params=["fixture", "sharded", "shipped"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if request.param == "shipped":  # the committed data/ of the real corpus
        if not SHIPPED.exists():
            pytest.skip("data/ not built yet: run `cartel-fto build`")
        return SHIPPED
    out = tmp_path_factory.mktemp(request.param)
    if request.param == "fixture":
        build(CorpusPaths(FIXTURE_CORPUS), out)
    else:  # several shards per config: the RecordSets read a FileSet
        root = make_corpus(out / "corpus", 30)
        build(CorpusPaths(root), out, max_shard_bytes=20_000)
    return out / "croissant.json"


def parquet_rows(data: Path, config: str) -> list[dict]:
    return [r for f in sorted((data / config).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]


def test_metadata_validates_and_lists_every_file_with_its_sha256(built: Path) -> None:
    doc = json.loads(built.read_text(encoding="utf-8"))
    assert doc["conformsTo"] == CONFORMS_TO
    ds = mlc.Dataset(str(built))  # raises on any validation error
    assert not ds.metadata.ctx.issues.errors
    files = {d["contentUrl"]: d for d in doc["distribution"] if d["@type"] == "cr:FileObject"}
    on_disk = {p.relative_to(built.parent).as_posix() for p in (built.parent / "data").rglob("*.parquet")}
    assert set(files) == on_disk
    for rel, d in files.items():
        assert d["sha256"] == hashlib.sha256((built.parent / rel).read_bytes()).hexdigest()


def test_every_record_set_reads_offline_with_the_parquet_rows(built: Path) -> None:
    ds = mlc.Dataset(str(built))
    data = built.parent / "data"
    for config in CONFIGS:
        records = list(ds.records(config))
        rows = parquet_rows(data, config)
        assert len(records) == len(rows), config
        if rows:
            ids = [r[f"{config}/id"].decode() for r in records]
            assert sorted(ids) == sorted(r["id"] for r in rows)
            by_id = {r["id"]: r for r in rows}
            for rec in records:  # every scalar field, label integers and their names included
                row = by_id[rec[f"{config}/id"].decode()]
                for column, value in row.items():
                    if isinstance(value, (list, dict)):
                        continue
                    got = rec[f"{config}/{column}"]
                    got = got.decode() if isinstance(got, bytes) else got
                    assert got == value or (value is None and got in (None, "")), (config, column, got, value)
        fields = {f["name"] for rs in json.loads(built.read_text())["recordSet"] if rs["@id"] == config for f in rs["field"]}
        assert fields == set(features(config)), config
    for name, labels in enumerations().items():
        if any(rs.uuid == name for rs in ds.metadata.record_sets):
            got = [(r[f"{name}/index"], r[f"{name}/name"]) for r in ds.records(name)]
            assert got == list(enumerate(labels)), name


def test_class_label_fields_reference_their_enumeration(built: Path) -> None:
    doc = json.loads(built.read_text(encoding="utf-8"))
    by_id = {rs["@id"]: rs for rs in doc["recordSet"]}
    entities = {f["name"]: f for f in by_id["entities"]["field"]}
    label = {f["name"]: f for f in entities["entities"]["subField"]}["label"]
    assert label["references"] == {"field": {"@id": "entity_label/index"}}
    assert by_id["entity_label"]["dataType"] == "sc:Enumeration"
    assert [d["entity_label/name"] for d in by_id["entity_label"]["data"]] == list(enumerations()["entity_label"])
    ner = {f["name"]: f for f in by_id["ner"]["field"]}
    assert ner["ner_tags"]["isArray"] is True and "ner_tag" in ner["ner_tags"]["description"]


def test_a_changed_file_fails_its_checksum(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(CorpusPaths(FIXTURE_CORPUS), out)
    target = out / "data" / "clusters" / "test-00000-of-00001.parquet"
    other = out / "data" / "articles" / "test-00000-of-00001.parquet"
    target.write_bytes(other.read_bytes())
    ds = mlc.Dataset(str(out / "croissant.json"))
    with pytest.raises(Exception, match=r"Download\(data/clusters/") as info:
        list(ds.records("clusters"))
    assert "Hash of downloaded file" in str(info.value.__cause__)


#: The Responsible-AI properties (Croissant RAI 1.0) the NeurIPS Datasets and Benchmarks checker asks for.
RAI_EXPECTED = (
    "dataCollection",
    "dataCollectionType",
    "dataPreprocessingProtocol",
    "dataAnnotationProtocol",
    "dataAnnotationPlatform",
    "dataAnnotationAnalysis",
    "annotationsPerItem",
    "annotatorDemographics",
    "machineAnnotationTools",
    "dataUseCases",
    "dataLimitations",
    "dataBiases",
    "personalSensitiveInformation",
    "dataSocialImpact",
    "dataReleaseMaintenancePlan",
)


def test_release_metadata_date_citation_and_rai_fields() -> None:
    """datePublished and the BibTeX come from CITATION.cff; every RAI field is there, and mlcroissant
    (which validates the file in the other tests) reads each back."""
    import yaml

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    doc = json.loads((REPO / "croissant.json").read_text(encoding="utf-8"))
    assert doc["datePublished"] == str(cff["date-released"])
    assert f"year = {{{str(cff['date-released'])[:4]}}}" in doc["citeAs"] and f"version = {{{cff['version']}}}" in doc["citeAs"]
    for key in RAI_EXPECTED:
        assert doc.get(f"rai:{key}"), key
    metadata = mlc.Dataset(str(REPO / "croissant.json")).metadata
    assert str(metadata.date_published).startswith(str(cff["date-released"]))
    assert "No human annotators" in " ".join(metadata.annotator_demographics)
    assert metadata.data_annotation_protocol and metadata.data_collection and metadata.data_limitations


def test_rai_counts_the_documents_from_the_data() -> None:
    """The number of documents in the RAI prose is the build's, not a literal (issue 26)."""
    from cartel_fto_corpus.publish.croissant import rai

    three = rai(3)
    assert three["rai:dataCollection"].startswith("The three texts")
    assert three["rai:dataLimitations"][0].startswith("Three documents")
    assert rai(12)["rai:dataLimitations"][0].startswith("12 documents")
