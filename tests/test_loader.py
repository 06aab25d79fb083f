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
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-ANNOTATIONS"):
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
    out = {c: cartel_fto_corpus.load_dataset(c)["test"].to_list() for c in CONFIGS}
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
    expected = {c: load_dataset(c, root=wheel_env.fixture_built)["test"].to_list() for c in CONFIGS}
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
    assert rest[-1].endswith("files checked: valid")

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
    assert proc.stderr.startswith("note: ") and (out / "data" / "croissant.json").is_file()
