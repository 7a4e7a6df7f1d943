"""Benchmark systems: Jacobians, reproducibility, attractors and the shipped data."""

from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from skchaos.datasets import (
    HenonMap,
    LogisticMap,
    Lorenz63,
    Lorenz96,
    Rossler,
    load_nino12_sst,
    load_santafe_laser,
    make_henon,
    make_logistic,
    make_lorenz63,
    make_lorenz96,
    make_rossler,
)

SYSTEMS = [Lorenz63(), Rossler(), Lorenz96(n_dim=7), HenonMap(), LogisticMap()]


@pytest.mark.parametrize("system", SYSTEMS, ids=repr)
def test_jacobian_matches_finite_differences(system, rng):
    x = system.generate(50, random_state=0)[-1] + 0.01 * rng.standard_normal(system.n_dim)
    f = system.vector_field if system.kind == "flow" else system.step
    eps = 1e-6
    numeric = np.column_stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps)
                               for e in np.eye(system.n_dim)])
    np.testing.assert_allclose(system.jacobian(x), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("make", [make_lorenz63, make_rossler, make_lorenz96, make_henon,
                                  make_logistic])
def test_generators_are_reproducible(make):
    np.testing.assert_array_equal(make(200, random_state=3), make(200, random_state=3))
    assert not np.array_equal(make(200, random_state=3), make(200, random_state=4))


def test_lorenz_sampling_matches_a_fine_integration():
    """dt = 0.05 samples (5 RK4 substeps) agree with every fifth sample at dt = 0.01."""
    fine = make_lorenz63(50, dt=0.01, n_transient=0, random_state=0)
    coarse = make_lorenz63(10, dt=0.05, n_transient=0, random_state=0)
    np.testing.assert_allclose(coarse, fine[::5], rtol=1e-10)


def test_attractor_statistics():
    X = make_lorenz63(50_000, random_state=0)
    assert abs(X[:, 0].mean()) < 1.5 and 22 < X[:, 2].mean() < 25  # the known Lorenz box
    H = make_henon(10_000, random_state=0)
    assert -1.3 < H[:, 0].min() and H[:, 0].max() < 1.3
    L = make_logistic(10_000, random_state=0)
    assert L.min() >= 0 and L.max() <= 1 and L.std() > 0.3


def test_observation_noise_is_relative_to_each_coordinate():
    clean = make_lorenz63(20_000, random_state=0)
    noisy = make_lorenz63(20_000, noise=0.05, random_state=0)
    # Same orbit (noise is drawn after the initial state); residual std 5% per coordinate.
    residual_std = (noisy - clean).std(axis=0)
    np.testing.assert_allclose(residual_std, 0.05 * clean.std(axis=0), rtol=0.05)


def test_literature_spectra():
    assert Lorenz63().literature_spectrum == (0.9056, 0.0, -14.5723)
    assert Lorenz63(rho=20.0).literature_spectrum is None
    assert Rossler().literature_max_exponent == 0.0714
    assert HenonMap().literature_spectrum == (0.41922, -1.62319)
    assert LogisticMap().literature_max_exponent == pytest.approx(np.log(2))
    assert Lorenz96().literature_max_exponent == 1.69
    assert Lorenz96(n_dim=10).literature_max_exponent is None


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_samples"):
        make_lorenz63(0)
    with pytest.raises(ValueError, match="shape"):
        Lorenz63().jacobian([1.0, 2.0])
    with pytest.raises(TypeError, match="map"):
        HenonMap().vector_field([0.0, 0.0])
    with pytest.raises(FloatingPointError, match="left the attractor"):
        make_henon(100, a=3.0, random_state=0)


def test_santafe_laser_loads_offline():
    x = load_santafe_laser()
    assert x.shape == (10093,) and x.dtype == np.float64
    assert x.min() >= 0 and x.max() <= 255
    np.testing.assert_array_equal(x[:3], [86.0, 141.0, 95.0])


def test_nino12_sst_loads_offline():
    x = load_nino12_sst()
    assert x.shape == (61 * 12,) and x.dtype == np.float64
    assert np.isfinite(x).all()
    # Sea surface temperatures off Ecuador and Peru (the file's extremes: 18.95, 29.24).
    assert 18.0 < x.min() and x.max() < 30.0
    np.testing.assert_array_equal(x[:4], [23.11, 24.2, 25.37, 23.86])  # Jan-Apr 1950
    assert x[-1] == 22.07  # December 2010


def test_nino12_sst_is_in_calendar_order():
    """The region's seasons and its two great El Niños fall where they belong."""
    by_year = load_nino12_sst().reshape(61, 12)
    climatology = by_year.mean(axis=0)
    assert np.argmax(climatology) == 2 and np.argmin(climatology) == 8  # March, September
    anomaly = (by_year - climatology).ravel()
    assert 1950 + np.argmax(anomaly) // 12 in (1983, 1997, 1998)


def test_shipped_data_are_package_resources_with_provenance():
    """Every data file loads through importlib.resources and has a provenance note."""
    data = resources.files("skchaos.datasets") / "data"
    series = sorted(f.name for f in data.iterdir() if f.name.endswith(".txt"))
    assert series == ["nino12_sst.txt", "santafe_laser_a.txt"]
    notes = (data / "README.md").read_text(encoding="utf-8")
    for name in series:
        with resources.as_file(data / name) as file:
            assert np.loadtxt(file).ndim == 1
        assert f"## {name}" in notes
    assert "Licence" in notes


def test_package_data_patterns_ship_every_data_file():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    if not pyproject.is_file():
        pytest.skip("not run from a source checkout")
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["skchaos.datasets"]
    data = resources.files("skchaos.datasets") / "data"
    for file in data.iterdir():
        if not file.name.startswith("."):
            assert any(fnmatch(f"data/{file.name}", p) for p in patterns), file.name
