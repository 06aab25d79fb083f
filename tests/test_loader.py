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
from dataclasses import dataclass
from pathlib import Path

import datasets
import pytest

import cartel_fto_corpus
from cartel_fto_corpus import __version__
from cartel_fto_corpus.publish.build import build
from cartel_fto_corpus.publish.features import CONFIGS, FOLD_CONFIGS, bio_names, features
from cartel_fto_corpus.publish.loader import load_dataset
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set
from tests.conftest import FIXTURE_CORPUS, REPO, resign_release


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
    splits = sorted(theirs)
    assert sorted(ours) == splits
    # the one-document fixture leaves some fold splits empty: they have no file (and no split)
    assert set(splits) <= {"test", "train", "validation"} if config in FOLD_CONFIGS else splits == ["test"]
    for split in splits:
        assert ours[split].features == theirs[split].features == features(config)
        assert ours[split].to_list() == theirs[split].to_list()
    assert sum(ours[s].num_rows for s in splits) > 0
    streamed = list(datasets.load_dataset(str(built), config, split=splits[0], streaming=True))
    assert streamed == ours[splits[0]].to_list()


@pytest.mark.parametrize("config", CONFIGS)
def test_class_label_values_are_in_range(built: Path, config: str) -> None:
    dd = load_dataset(config, root=built)

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

    for ds in dd.values():
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
        assert sorted(a) == sorted(b), config
        for split in a:
            assert a[split].features == b[split].features, config
            assert a[split].to_list() == b[split].to_list(), config
    print("agree", len(CONFIGS))
    """
)


def test_both_loaders_agree_offline_in_a_fresh_process(built: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    cmd = [sys.executable, "-c", OFFLINE_CHECK, str(built), str(tmp_path / "cache")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == f"agree {len(CONFIGS)}"


@pytest.mark.skipif(not (REPO / "SHA256SUMS").exists(), reason="data/ not built yet: run `cartel-fto build`")
def test_shipped_data_loads_by_default_and_matches_the_card(tmp_path: Path) -> None:
    for config in CONFIGS:
        ours = cartel_fto_corpus.load_dataset(config)
        theirs = hf_load(REPO, config, tmp_path / "cache")
        for split in theirs:
            assert ours[split].features == theirs[split].features == features(config)
            assert ours[split].to_list() == theirs[split].to_list()


# --------------------------------------------------------------------------- the wheel


def _site_packages(python: Path | str) -> str:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def _dependency_dirs() -> list[str]:
    """Where the interpreter running the tests finds its dependencies: its site-packages (the active
    venv's, or the system's) and whatever else is on its sys.path (PYTHONPATH), but not the checkout.

    `venv.create(system_site_packages=True)` would inherit the *base* interpreter's instead, which
    in a virtual environment lacks the dependencies; that is what broke `make test` in any venv.
    """
    import site

    dirs = [*site.getsitepackages(), _site_packages(sys.executable), *sys.path]
    keep = [d for d in dict.fromkeys(dirs) if d and os.path.isdir(d)]
    return [d for d in keep if Path(d).resolve() not in {REPO, REPO / "tests"}]


@dataclass
class WheelEnv:
    """A venv holding only the built wheel; its dependencies come from the test interpreter's site-packages."""

    python: Path
    script: Path  # the `cartel-fto` console script the wheel installed
    site: Path
    fixture_built: Path


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> WheelEnv:
    """Build a wheel of a copy of the project whose data is the fixture corpus, install it alone into
    a fresh venv, and reach the dependencies through a .pth file naming the running interpreter's
    site-packages: works inside a venv and outside one, offline, and installs no second copy.

    Lines of a .pth file are added to sys.path after the venv's own site-packages and the .pth files
    *in* the named folders are not processed, so the wheel's copy wins over any copy (editable or
    not) of the package in the test environment.
    """
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-ANNOTATIONS", "CITATION.cff"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "cartel_fto_corpus", src / "cartel_fto_corpus", ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copytree(REPO / "schema", src / "schema")
    shutil.copytree(FIXTURE_CORPUS / "texts", src / "texts")
    shutil.copytree(FIXTURE_CORPUS / "annotations", src / "annotations")
    build(CorpusPaths(src), src)
    fixture_built = tmp / "fixture-built"
    build(CorpusPaths(FIXTURE_CORPUS), fixture_built)
    wheels = tmp / "wheels"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = wheels.glob("cartel_fto_corpus-*.whl")
    env_dir = tmp / "venv"
    venv.create(env_dir, system_site_packages=False, with_pip=False)
    py = env_dir / "bin" / "python"
    site_dir = Path(_site_packages(py))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "--ignore-installed", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    (site_dir / "zz_test_dependencies.pth").write_text("".join(f"{d}\n" for d in _dependency_dirs()), encoding="utf-8")
    return WheelEnv(py, env_dir / "bin" / "cartel-fto", site_dir, fixture_built)


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    env.update({"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp / "hf"), "COLUMNS": "100"})
    return env


WHEEL_CHECK = textwrap.dedent(
    """
    import json, os, sys
    import cartel_fto_corpus
    from cartel_fto_corpus.publish.features import CONFIGS
    assert os.path.realpath(cartel_fto_corpus.__file__).startswith(os.path.realpath(sys.prefix)), cartel_fto_corpus.__file__
    out = {c: {s: d.to_list() for s, d in cartel_fto_corpus.load_dataset(c).items()} for c in CONFIGS}
    print(json.dumps(out, ensure_ascii=False))
    """
)


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_loads_outside_the_repo(wheel_env: WheelEnv, tmp_path: Path) -> None:
    """The installed wheel loads its own data from another working directory, the repo out of reach."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    proc = subprocess.run(
        [str(wheel_env.python), "-I", "-c", WHEEL_CHECK], capture_output=True, text=True, cwd=cwd, env=_clean_env(tmp_path), timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    expected = {c: {s: d.to_list() for s, d in load_dataset(c, root=wheel_env.fixture_built).items()} for c in CONFIGS}
    assert got == json.loads(json.dumps(expected, ensure_ascii=False))


def _checkout(at: Path, broken: bool) -> Path:
    """A minimal checkout: texts/, annotations/, schema/ and a pyproject naming the project."""
    at.mkdir(parents=True)
    shutil.copytree(FIXTURE_CORPUS / "texts", at / "texts")
    shutil.copytree(FIXTURE_CORPUS / "annotations", at / "annotations")
    shutil.copytree(REPO / "schema", at / "schema")
    shutil.copy(REPO / "pyproject.toml", at / "pyproject.toml")
    if broken:
        f = at / "annotations" / "900_00000000000000aa.json"
        doc = json.loads(f.read_text(encoding="utf-8"))
        doc["annotations"][0]["entities"][0]["label"] = "PERSONA"  # not an entity label
        f.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return at


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_installed_cli_uses_the_checkout_it_runs_in_and_never_writes_into_the_package(wheel_env: WheelEnv, tmp_path: Path) -> None:
    """Inside a checkout (found upward) the CLI works on it; outside it reads the installed copy and
    says so first; writing commands refuse the installed copy; --root still overrides."""
    env = _clean_env(tmp_path)
    package = wheel_env.site / "cartel_fto_corpus"
    before = _tree(package)

    def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(wheel_env.script), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run("validate", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    first, *rest = proc.stderr.splitlines()
    assert first.startswith("note: no cartel_fto_corpus checkout in") and str(package / "_data") in first, first
    assert "files checked (" in rest[-1] and rest[-1].endswith("): valid")

    checkout = _checkout(tmp_path / "checkout", broken=True)
    sub = checkout / "annotations"  # found from a subfolder too, as git finds its repository
    proc = run("validate", cwd=sub)
    assert proc.returncode == 1, proc.stderr
    assert "note:" not in proc.stderr and "PERSONA" in proc.stderr and "1 problem" in proc.stderr.splitlines()[-1]
    proc = run("validate", "--root", checkout, cwd=elsewhere)  # --root overrides, no note
    assert proc.returncode == 1 and "note:" not in proc.stderr

    for args in (["build"], ["build", "--check"], ["manifest"], ["stats", "--write-datasheet"], ["ls", "pull"]):
        proc = run(*args, cwd=elsewhere)
        lines = proc.stderr.splitlines()
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(lines) == 1 and lines[0].startswith("error: no cartel_fto_corpus checkout in"), (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert _tree(package) == before  # nothing written into the installed package

    good = _checkout(tmp_path / "good", broken=False)
    proc = run("manifest", "--check", cwd=good)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    proc = run("build", "--out", out, cwd=elsewhere)  # reads the installed copy, writes elsewhere: allowed
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("note: ") and (out / "croissant.json").is_file()


# --------------------------------------------------------------------------- tampered files (issue 15, point 7)


def _rewrite(path: Path, change) -> None:
    """Rewrite one Parquet shard with `change(rows)` applied, keeping its schema (and its metadata)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    out = tmp_path / "fresh"
    build(CorpusPaths(FIXTURE_CORPUS), out)
    return out


@pytest.mark.parametrize("value", [99, -7, 12345])
def test_out_of_range_class_label_is_one_clear_error_even_with_a_matching_manifest(fresh: Path, value: int) -> None:
    from cartel_fto_corpus.publish.loader import CorruptData

    shard = fresh / "data" / "stance" / "test-00000-of-00001.parquet"
    _rewrite(shard, lambda rows: rows[0].update(label=value))
    with pytest.raises(CorruptData) as info:  # the sha256 catches it first
        load_dataset("stance", split="test", root=fresh)
    assert str(info.value).startswith("data/stance/test-00000-of-00001.parquet: expected sha256 ")
    resign_release(fresh)
    with pytest.raises(CorruptData) as info:  # and the range check when the manifest was forged too
        load_dataset("stance", split="test", root=fresh)
    msg = str(info.value)
    top = len(label_set("stance_label")) - 1
    assert msg == f"data/stance/test-00000-of-00001.parquet: column label: expected ClassLabel values 0..{top}, found {value}"
    assert "\n" not in msg


def test_out_of_range_label_in_a_list_of_structs_and_in_a_tag_list(fresh: Path) -> None:
    from cartel_fto_corpus.publish.loader import CorruptData

    _rewrite(fresh / "data" / "entities" / "test-00000-of-00001.parquet", lambda rows: rows[0]["entities"][1].update(label=99))
    _rewrite(fresh / "data" / "ner" / "test-00000-of-00001.parquet", lambda rows: rows[0]["ner_tags"].__setitem__(0, -7))
    resign_release(fresh)
    top = len(label_set("entity_label")) - 1  # the class ranges come from the schema
    with pytest.raises(CorruptData, match=rf"column entities\.label: expected ClassLabel values 0\.\.{top}, found 99$"):
        load_dataset("entities", root=fresh)
    with pytest.raises(CorruptData, match=rf"column ner_tags: expected ClassLabel values 0\.\.{len(bio_names()) - 1}, found -7$"):
        load_dataset("ner", split="test", root=fresh)


def test_offsets_that_no_longer_match_the_text_fail_the_checksum(fresh: Path) -> None:
    from cartel_fto_corpus.publish.loader import CorruptData

    shard = fresh / "data" / "mentions" / "test-00000-of-00001.parquet"
    _rewrite(shard, lambda rows: rows[0].update(start=rows[0]["start"] + 1))
    with pytest.raises(CorruptData, match=r"^data/mentions/test-00000-of-00001\.parquet: expected sha256 [0-9a-f]{16}…"):
        load_dataset("mentions", root=fresh)


def test_a_four_byte_flip_changing_a_start_is_caught(fresh: Path) -> None:
    """The reproduction: a `start` of 460 stored as a plain int32 in an uncompressed page, flipped to 4."""
    import struct

    import pyarrow.parquet as pq

    from cartel_fto_corpus.publish.loader import CorruptData

    shard = fresh / "data" / "mentions" / "test-00000-of-00001.parquet"
    table = pq.read_table(shard)
    starts = table.column("start").to_pylist()
    pq.write_table(table, shard, compression="none", use_dictionary=False)  # the bytes of each int32 are in the file
    resign_release(fresh)  # a consistent release: loads
    assert load_dataset("mentions", split="test", root=fresh)["start"] == starts
    original = shard.read_bytes()
    target = max(starts)
    at = original.find(struct.pack("<i", target))
    while at != -1:  # the occurrence in the data page (not in statistics): the flip changes a row
        flipped = original[:at] + struct.pack("<i", 4) + original[at + 4 :]
        shard.write_bytes(flipped)
        if pq.read_table(shard).column("start").to_pylist() == [4 if s == target else s for s in starts]:
            break
        at = original.find(struct.pack("<i", target), at + 1)
    assert at != -1, "no four bytes holding the start in the data page"
    with pytest.raises(CorruptData, match=r"^data/mentions/test-00000-of-00001\.parquet: expected sha256 .*changed after the build"):
        load_dataset("mentions", split="test", root=fresh)


def test_missing_manifest_unlisted_file_and_garbage_are_one_line_errors(fresh: Path) -> None:
    from cartel_fto_corpus.publish.loader import CorruptData

    (fresh / "data" / "clusters" / "test-00000-of-00001.parquet").write_bytes(b"PAR1 not really")
    # not re-signed: the digest is checked first, so garbage is reported as a changed file, not as bad Parquet
    with pytest.raises(CorruptData, match=r"^data/clusters/test-00000-of-00001\.parquet: expected sha256 .*changed after the build"):
        load_dataset("clusters", root=fresh)
    resign_release(fresh)
    with pytest.raises(CorruptData, match=r"^data/clusters/test-00000-of-00001\.parquet: expected Parquet, found unreadable data"):
        load_dataset("clusters", root=fresh)
    extra = fresh / "data" / "articles" / "test-00001-of-00002.parquet"
    extra.write_bytes((fresh / "data" / "articles" / "test-00000-of-00001.parquet").read_bytes())
    with pytest.raises(CorruptData, match=r"^data/articles/test-00001-of-00002\.parquet: expected a file listed in .*SHA256SUMS"):
        load_dataset("articles", root=fresh)
    (fresh / "SHA256SUMS").unlink()
    with pytest.raises(
        CorruptData, match=r"SHA256SUMS: expected the release manifest written by `cartel-fto build`, found FileNotFoundError$"
    ):
        load_dataset("entities", root=fresh)


def test_the_datasets_route_does_not_check_what_the_card_says_it_does_not(fresh: Path, tmp_path: Path) -> None:
    """Documented limits of `datasets.load_dataset` through the card: it loads a changed file and an
    out-of-range label without a word (the card tells users to `sha256sum -c SHA256SUMS`)."""
    _rewrite(fresh / "data" / "stance" / "test-00000-of-00001.parquet", lambda rows: rows[0].update(label=99))
    ds = hf_load(fresh, "stance", tmp_path / "cache", split="test")
    assert ds[0]["label"] == 99
    readme = (fresh / "README.md").read_text(encoding="utf-8")
    assert "sha256sum -c SHA256SUMS" in readme and "checks neither" in readme


def test_a_deleted_shard_listed_in_the_manifest_is_an_error(fresh: Path) -> None:
    """Issue 27: the manifest was checked one way only, so a deleted `validation` shard gave a fold
    without validation and no error."""
    from cartel_fto_corpus.publish.loader import CorruptData

    files = sorted((fresh / "data").glob("ner_fold*/*.parquet"))
    config = next(f.parent.name for f in files if f.name.startswith("validation-"))
    gone = next((fresh / "data" / config).glob("validation-*.parquet"))
    gone.unlink()
    for split in (None, "train"):
        with pytest.raises(CorruptData) as info:
            load_dataset(config, split=split, root=fresh)
        assert str(info.value) == (
            f"data/{config}/{gone.name}: expected the file listed in {fresh / 'SHA256SUMS'}, found none; "
            "reinstall or run `cartel-fto build`"
        )
    shutil.rmtree(fresh / "data" / config)  # the whole config gone: not "unknown config"
    with pytest.raises(CorruptData, match=rf"^data/{config}/\S+: expected the file listed in .* found none"):
        load_dataset(config, root=fresh)


@pytest.mark.parametrize("kind", ["directory", "dev_zero", "other_config"])
def test_a_shard_that_is_not_its_configs_file_is_one_line(fresh: Path, kind: str) -> None:
    """Issue 27: a directory, /dev/zero or another config's file in a shard's place gave a traceback."""
    from cartel_fto_corpus.publish.loader import CorruptData

    shard = fresh / "data" / "stance" / "test-00000-of-00001.parquet"
    shard.unlink()
    if kind == "directory":
        shard.mkdir()
        expected = "data/stance/test-00000-of-00001.parquet: expected a regular file, found a directory"
    elif kind == "dev_zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("needs /dev/zero")
        shard.symlink_to("/dev/zero")
        expected = "data/stance/test-00000-of-00001.parquet: expected a regular file, found a character device"
    else:
        shutil.copyfile(fresh / "data" / "clusters" / "test-00000-of-00001.parquet", shard)
        resign_release(fresh)  # even with a forged manifest
        expected = (
            "data/stance/test-00000-of-00001.parquet: column doc_id: expected the package's feature Value('string'), found 'no such column'"
        )
    with pytest.raises(CorruptData) as info:
        load_dataset("stance", split="test", root=fresh)
    assert str(info.value) == expected
