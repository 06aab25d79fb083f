"""Loading: `datasets.load_dataset(<dir>, <config>)` through the card and `cartel_fto_corpus.load_dataset`
give the same rows and features, offline, with no cache copy and never stale data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import datasets
import pytest

import cartel_fto_corpus
from cartel_fto_corpus import __version__
from cartel_fto_corpus.publish.build import build
from cartel_fto_corpus.publish.features import CONFIGS, features
from cartel_fto_corpus.publish.loader import load_dataset
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.conftest import FIXTURE_CORPUS, REPO


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dataset")
    build(CorpusPaths(FIXTURE_CORPUS), out)
    return out


def hf_load(out: Path, config: str, cache: Path, **kwargs) -> datasets.DatasetDict:
    return datasets.load_dataset(str(out), config, cache_dir=str(cache), **kwargs)


@pytest.mark.parametrize("config", CONFIGS)
def test_card_loader_and_package_loader_agree(built: Path, tmp_path: Path, config: str) -> None:
    ours = load_dataset(config, root=built)
    theirs = hf_load(built, config, tmp_path / "cache")
    assert list(ours) == list(theirs) == ["test"]
    assert ours["test"].features == theirs["test"].features == features(config)
    assert ours["test"].to_list() == theirs["test"].to_list()
    assert ours["test"].num_rows > 0
    streamed = list(datasets.load_dataset(str(built), config, split="test", streaming=True))
    assert streamed == ours["test"].to_list()


@pytest.mark.parametrize("config", CONFIGS)
def test_class_label_values_are_in_range(built: Path, config: str) -> None:
    ds = load_dataset(config, split="test", root=built)

    def check(feature, value) -> None:
        if value is None:
            return
        if isinstance(feature, datasets.ClassLabel):
            assert 0 <= value < feature.num_classes
            feature.int2str(value)
        elif isinstance(feature, datasets.List):
            for v in value:
                check(feature.feature, v)
        elif isinstance(feature, dict):
            for k, f in feature.items():
                check(f, value[k])

    for row in ds:
        check(ds.features, row)


def test_package_loader_writes_no_cache_and_fingerprints_version_and_content(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    ds = load_dataset("entities", split="test", root=built)
    assert ds.cache_files == []
    assert not (tmp_path / "hf-cache").exists() or not any((tmp_path / "hf-cache").rglob("*"))
    fp = ds._fingerprint
    assert fp.startswith(f"cartel_fto_corpus-{__version__}-") and fp.endswith("-entities-test")
    assert load_dataset("entities", split="test", root=built)._fingerprint == fp


def test_rows_are_current_after_an_annotation_edit_and_rebuild(corpus_copy: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CorpusPaths(corpus_copy), out)
    before_ours = load_dataset("claims", split="test", root=out)
    before_hf = hf_load(out, "claims", cache, split="test")
    f = corpus_copy / "annotations" / "900_00000000000000aa.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["claims"][1]["hedged"] = True
    f.write_text(json.dumps(doc), encoding="utf-8")
    build(CorpusPaths(corpus_copy), out)
    after_ours = load_dataset("claims", split="test", root=out)
    after_hf = hf_load(out, "claims", cache, split="test")
    assert [r["hedged"] for r in before_ours] == [r["hedged"] for r in before_hf] == [False, False]
    assert [r["hedged"] for r in after_ours] == [r["hedged"] for r in after_hf] == [False, True]
    assert after_ours._fingerprint != before_ours._fingerprint


def test_unknown_config_or_split_is_one_clear_error(built: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config 'nope' .*expected one of: articles, entities"):
        load_dataset("nope", root=built)
    with pytest.raises(ValueError, match=r"unknown split 'train' of config 'ner'; expected one of: test"):
        load_dataset("ner", split="train", root=built)


def test_importing_the_package_does_not_import_datasets() -> None:
    code = "import sys, cartel_fto_corpus; assert 'datasets' not in sys.modules; print(callable(cartel_fto_corpus.load_dataset) and 'ok')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
    assert cartel_fto_corpus.load_dataset is load_dataset
    with pytest.raises(AttributeError):
        cartel_fto_corpus.nothing_here  # noqa: B018


OFFLINE_CHECK = textwrap.dedent(
    """
    import sys, datasets, cartel_fto_corpus
    from cartel_fto_corpus.publish.features import CONFIGS
    assert datasets.config.HF_HUB_OFFLINE
    root = sys.argv[1]
    for config in CONFIGS:
        a = datasets.load_dataset(root, config, cache_dir=sys.argv[2])
        b = cartel_fto_corpus.load_dataset(config, root=root if root != "-" else None)
        assert a["test"].features == b["test"].features, config
        assert a["test"].to_list() == b["test"].to_list(), config
    print("agree", len(CONFIGS))
    """
)


def test_both_loaders_agree_offline_in_a_fresh_process(built: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    cmd = [sys.executable, "-c", OFFLINE_CHECK, str(built), str(tmp_path / "cache")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == f"agree {len(CONFIGS)}"


@pytest.mark.skipif(not (REPO / "data" / "croissant.json").exists(), reason="data/ not built yet: run `cartel-fto build`")
def test_shipped_data_loads_by_default_and_matches_the_card(tmp_path: Path) -> None:
    for config in CONFIGS:
        ours = cartel_fto_corpus.load_dataset(config)
        theirs = hf_load(REPO, config, tmp_path / "cache")
        assert ours["test"].features == theirs["test"].features == features(config)
        assert ours["test"].to_list() == theirs["test"].to_list()


# --------------------------------------------------------------------------- the wheel


WHEEL_CHECK = textwrap.dedent(
    """
    import json, os, sys
    import cartel_fto_corpus
    from cartel_fto_corpus.publish.features import CONFIGS
    assert os.path.realpath(cartel_fto_corpus.__file__).startswith(os.path.realpath(sys.prefix)), cartel_fto_corpus.__file__
    out = {c: cartel_fto_corpus.load_dataset(c)["test"].to_list() for c in CONFIGS}
    print(json.dumps(out, ensure_ascii=False))
    """
)


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_loads_outside_the_repo(built: Path, tmp_path: Path) -> None:
    """Build a wheel of a copy of the project whose data/ holds the fixture build, install it into a
    venv (system site-packages for the dependencies, not the project), load from another cwd."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-ANNOTATIONS"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "cartel_fto_corpus", src / "cartel_fto_corpus", ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copytree(REPO / "schema", src / "schema")
    shutil.copytree(FIXTURE_CORPUS / "texts", src / "texts")
    shutil.copytree(FIXTURE_CORPUS / "annotations", src / "annotations")
    build(CorpusPaths(src), src)
    wheels = tmp_path / "wheels"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = wheels.glob("cartel_fto_corpus-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    py = env_dir / "bin" / "python"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "--ignore-installed", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH"}}
    env.update({"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")})
    proc = subprocess.run([str(py), "-I", "-c", WHEEL_CHECK], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    expected = {c: load_dataset(c, root=built)["test"].to_list() for c in CONFIGS}
    assert got == json.loads(json.dumps(expected, ensure_ascii=False))
