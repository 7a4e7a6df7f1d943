"""Benchmark systems: Jacobians, reproducibility, attractors and the shipped data."""

import numpy as np
import pytest

from skchaos.datasets import (
    HenonMap,
    LogisticMap,
    Lorenz63,
    Lorenz96,
    Rossler,
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
