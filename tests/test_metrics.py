"""The reconstruction measures on cases with known answers."""

import numpy as np
import pytest

from skchaos.datasets import make_lorenz63
from skchaos.metrics import power_spectrum_distance, state_space_divergence


def test_identical_samples_score_zero(rng):
    X = rng.standard_normal((5000, 3))
    assert state_space_divergence(X, X) == pytest.approx(0.0, abs=1e-12)
    assert power_spectrum_distance(X, X) == pytest.approx(0.0, abs=1e-7)


def test_state_space_divergence_is_invariant_to_sample_order(rng):
    X, Y = rng.standard_normal((3000, 2)), rng.standard_normal((3000, 2))
    order = rng.permutation(3000)
    assert state_space_divergence(X, Y) == pytest.approx(state_space_divergence(X[order], Y))
    assert state_space_divergence(X, Y) == pytest.approx(state_space_divergence(X, Y[order]))


def test_disjoint_distributions_score_large(rng):
    X = rng.standard_normal((5000, 2))
    far = X + 100.0
    assert state_space_divergence(X, far) > 10.0
    # A diverged run (non-finite) is the worst case, finite and not NaN.
    worst = state_space_divergence(X, np.full_like(X, np.nan))
    assert np.isfinite(worst) and worst == pytest.approx(state_space_divergence(X, far))


def test_lorenz_reference_values():
    """Two independent 10^5-step Lorenz-63 runs score in the documented 0.03-0.10 band."""
    X = make_lorenz63(100_000, random_state=0)
    Y = make_lorenz63(100_000, random_state=1)
    assert 0.02 < state_space_divergence(X, Y) < 0.12
    assert power_spectrum_distance(X, Y) < 0.1
    # Swapping two coordinates moves the orbit onto another part of the box.
    assert state_space_divergence(X, Y[:, [1, 0, 2]]) > 1.0


def test_matches_dense_histogram_computation(rng):
    """The sparse implementation equals the textbook dense one."""
    X, Y = rng.standard_normal((2000, 2)), 0.8 * rng.standard_normal((1500, 2)) + 0.3
    n_bins, alpha = 10, 1e-5
    low, high = X.min(0), X.max(0)
    edges = [np.linspace(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo), n_bins + 1)
             for lo, hi in zip(low, high, strict=True)]
    hx, _ = np.histogramdd(X, bins=edges)
    hy, _ = np.histogramdd(Y, bins=edges)
    p = (hx + alpha) / (len(X) + alpha * n_bins**2)
    q = (hy + alpha) / (len(Y) + alpha * n_bins**2)
    expected = np.sum(p * np.log(p / q))
    assert state_space_divergence(X, Y, n_bins=n_bins) == pytest.approx(expected, rel=1e-9)


def test_power_spectrum_sine_against_shifted_and_other_frequency():
    t = np.arange(8192)[:, None]
    slow = np.sin(0.05 * t)
    assert power_spectrum_distance(slow, np.sin(0.05 * t + 2.0)) < 0.02
    assert power_spectrum_distance(slow, np.sin(0.08 * t)) > 0.5
    assert power_spectrum_distance(slow, np.full_like(slow, np.inf)) == 1.0


def test_metric_argument_errors(rng):
    X = rng.standard_normal((100, 2))
    with pytest.raises(ValueError, match="features"):
        state_space_divergence(X, X[:, :1])
    with pytest.raises(ValueError, match="n_bins"):
        state_space_divergence(X, X, n_bins=0)
    with pytest.raises(ValueError, match="NaN"):
        power_spectrum_distance(np.full((10, 2), np.nan), X)
    with pytest.raises(ValueError, match="smoothing"):
        power_spectrum_distance(X, X, smoothing=-1)
