"""skchaos.show_versions(): every section, the right versions, and no failure when an
optional dependency or numba's threading layer is missing."""

import platform
import sys
from importlib.metadata import PackageNotFoundError

import joblib
import llvmlite
import numba
import numpy
import pytest
import scipy
import sklearn
import threadpoolctl

import skchaos
from skchaos import _show_versions
from skchaos._show_versions import OPTIONAL, REQUIRED, _get_versions_info, show_versions


@pytest.fixture(scope="module")
def info():
    return _get_versions_info()


def test_exported():
    assert "show_versions" in skchaos.__all__
    assert skchaos.show_versions is show_versions


def test_every_section_is_printed(capsys):
    show_versions()
    out = capsys.readouterr().out
    for section in ("System:", "Python dependencies:", "threadpoolctl info:", "numba:"):
        assert f"\n{section}\n" in f"\n{out}"
    for key in ("python", "executable", "machine", "skchaos", *REQUIRED, *OPTIONAL,
                "threading layer", "NUMBA_THREADING_LAYER", "NUMBA_NUM_THREADS",
                "NUMBA_CACHE_DIR", "skchaos kernel cache"):
        assert f" {key}: " in f"\n{out}".replace("\n", "\n "), key


def test_system(info):
    system = info["System"]
    assert system["python"] == sys.version.replace("\n", " ")
    assert system["executable"] == sys.executable
    assert system["machine"] == platform.platform()


def test_versions_are_those_of_the_imported_modules(info):
    dependencies = info["Python dependencies"]
    assert list(dependencies) == ["skchaos", *REQUIRED, *OPTIONAL]
    modules = {"skchaos": skchaos, "numpy": numpy, "scipy": scipy, "scikit-learn": sklearn,
               "numba": numba, "llvmlite": llvmlite, "joblib": joblib,
               "threadpoolctl": threadpoolctl}
    for name, module in modules.items():
        assert dependencies[name] == module.__version__, name
    for name in ("matplotlib", "tqdm", "pandas"):  # distributed: too slow to import here
        module = pytest.importorskip(name)
        assert dependencies[name] == module.__version__, name


def test_a_missing_optional_dependency_reads_none(monkeypatch, capsys):
    real_version = _show_versions.version

    def version(name):
        if name == "pandas":
            raise PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(_show_versions, "version", version)
    dependencies = _get_versions_info()["Python dependencies"]
    assert dependencies["pandas"] is None
    assert dependencies["numpy"] == numpy.__version__
    show_versions()
    assert "pandas: None" in capsys.readouterr().out


def test_threadpoolctl_libraries():
    # Both read now: a library loaded since the module's fixture ran would differ.
    libraries = _show_versions._threadpool_info()
    expected = threadpoolctl.threadpool_info()
    assert sorted(lib["filepath"] for lib in libraries) == sorted(
        lib["filepath"] for lib in expected)
    assert any(lib["user_api"] == "blas" for lib in libraries)  # numpy's, at least
    for library in libraries:
        for key in ("internal_api", "prefix", "version", "num_threads", "filepath"):
            assert key in library
        assert list(library)[:2] == ["user_api", "internal_api"]


def test_no_threadpool_library(monkeypatch, capsys):
    monkeypatch.setattr(_show_versions, "_threadpool_info", list)
    show_versions()
    assert "no BLAS or OpenMP library loaded" in capsys.readouterr().out


def test_threading_layer_not_chosen_yet(monkeypatch):
    def not_initialised():
        raise ValueError("Threading layer is not initialized.")

    def must_not_start_threads():
        raise AssertionError("the report must not start numba's threads")

    monkeypatch.setattr(numba, "threading_layer", not_initialised)
    monkeypatch.setattr(numba, "get_num_threads", must_not_start_threads)
    layer = _get_versions_info()["numba"]
    assert layer["threading layer"].startswith("not chosen yet")
    assert "threads" not in layer
    assert layer["NUMBA_THREADING_LAYER"].startswith(numba.config.THREADING_LAYER)


def test_threading_layer_chosen(monkeypatch):
    monkeypatch.setattr(numba, "threading_layer", lambda: "workqueue")
    monkeypatch.setattr(numba, "get_num_threads", lambda: 1)
    layer = _get_versions_info()["numba"]
    assert layer["threading layer"] == "workqueue"
    assert layer["threads"] == 1


def test_numba_threads_and_cache_settings(info, monkeypatch, tmp_path):
    assert info["numba"]["NUMBA_NUM_THREADS"] == numba.config.NUMBA_NUM_THREADS
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    assert _get_versions_info()["numba"]["NUMBA_CACHE_DIR"] == "not set"
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    assert _get_versions_info()["numba"]["NUMBA_CACHE_DIR"] == str(tmp_path)


def test_kernel_cache(info, monkeypatch):
    path, location = _show_versions._kernel_cache()
    report = info["numba"]["skchaos kernel cache"]
    if path is None:
        assert report.startswith("none")
    else:
        assert report.startswith(f"{path} ({location}, ")
    monkeypatch.setattr(_show_versions, "_kernel_cache", lambda: (None, None))
    assert "compile in memory" in _get_versions_info()["numba"]["skchaos kernel cache"]


def test_writable(tmp_path):
    assert _show_versions._writable(tmp_path / "not" / "yet")
    (tmp_path / "file").write_text("")
    assert not _show_versions._writable(tmp_path / "file" / "below")
