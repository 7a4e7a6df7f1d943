"""The shared standardisations give, bit for bit, what their former copies gave."""

import numpy as np
import pytest

from skchaos._scaling import Standardisation, common_standardisation, feature_standardisation
from skchaos.datasets import make_henon, make_lorenz63


def _former_regressor_standardisation(series):
    """skchaos.regressor._standardisation before it moved to skchaos._scaling (issue 20)."""
    peak = np.max(np.abs(series), axis=0)
    exponent = np.frexp(np.where(peak > 0, peak, 1.0))[1]
    power = np.ldexp(1.0, exponent - 1)
    scaled = series / power
    mean = scaled.mean(axis=0)
    scaled -= mean
    scale = np.sqrt(np.einsum("ij,ij->j", scaled, scaled) / len(scaled))
    scale[scale == 0] = 1.0 / power[scale == 0]
    return mean * power, scale * power


def _former_lyapunov_standardisation(E):
    """skchaos.lyapunov._standardisation and _standardise before issue 20."""
    magnitude = float(np.max(np.abs(E)))
    scaled = E / magnitude
    scale = float(np.sqrt(np.mean(scaled.var(axis=0))))
    return magnitude, scaled.mean(axis=0), scale


def _samples():
    rng = np.random.default_rng(0)
    lorenz = make_lorenz63(3000, random_state=0)
    yield lorenz
    yield lorenz[:, :1]  # one column: np.var and an einsum can round differently here
    yield make_henon(2000, random_state=0)
    yield 1e300 * rng.standard_normal((500, 3))
    yield 1e-310 * rng.standard_normal((500, 2))  # subnormal
    yield np.round(10 * lorenz)  # quantised
    yield rng.standard_normal((7, 5)) + np.array([0.0, 1e6, -3.0, 1e-20, 5.0])
    for n in (2, 31, 4097):
        yield rng.standard_normal((n, 1))


@pytest.mark.parametrize("X", list(_samples()))
def test_the_standardisations_are_bit_identical_to_their_former_copies(X):
    mean, scale = feature_standardisation(X.copy())
    expected_mean, expected_scale = _former_regressor_standardisation(X.copy())
    np.testing.assert_array_equal(mean, expected_mean)
    np.testing.assert_array_equal(scale, expected_scale)
    standardisation = common_standardisation(X)
    magnitude, common_mean, common_scale = _former_lyapunov_standardisation(X)
    assert standardisation.magnitude == magnitude and standardisation.scale == common_scale
    np.testing.assert_array_equal(standardisation.mean, common_mean)
    np.testing.assert_array_equal(standardisation.apply(X),
                                  (X / magnitude - common_mean) / common_scale)


def test_feature_standardisation_is_the_direct_formula_on_ordinary_data():
    X = make_lorenz63(3000, random_state=0) * np.array([1.0, 3e4, 2e-5])
    mean, scale = feature_standardisation(X)
    centred = X - X.mean(axis=0)
    np.testing.assert_array_equal(mean, X.mean(axis=0))
    np.testing.assert_array_equal(scale, np.sqrt(np.einsum("ij,ij->j", centred, centred)
                                                 / len(X)))


def test_feature_standardisation_at_the_float64_limits():
    huge = np.array([[-1.7e308, 1.0], [1.7e308, 1.0], [0.0, 1.0]])
    with np.errstate(over="raise"):
        mean, scale = feature_standardisation(huge)
    assert np.all(np.isfinite(mean)) and np.all(np.isfinite(scale))
    np.testing.assert_allclose(scale[0], 1.7e308 * np.sqrt(2 / 3), rtol=1e-15)
    # A constant feature standardises to zeros.
    assert (huge[:, 1] - mean[1]) / scale[1] == pytest.approx(0.0)


def test_common_standardisation_keeps_the_geometry_of_the_rows():
    X = make_lorenz63(2000, random_state=0) * np.array([1.0, 10.0, 0.1])
    s = common_standardisation(X)
    assert isinstance(s, Standardisation)
    Z = s.apply(X)
    assert Z.flags.c_contiguous
    assert np.mean(Z.var(axis=0)) == pytest.approx(1.0)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    # One scale for all columns: distances are those of X divided by one number.
    d_X = np.linalg.norm(X[1:] - X[:-1], axis=1)
    d_Z = np.linalg.norm(Z[1:] - Z[:-1], axis=1)
    np.testing.assert_allclose(d_Z * s.magnitude * s.scale, d_X, rtol=1e-12)
    assert not common_standardisation(np.full((5, 2), 3.0)).scale > 0
