"""LyapunovSpectrum on degenerate data: a correct result, a clear error, or a warning.

Each case the estimator once crashed on or lied about has a test: constant and quantised
series, data on a circle, a 1-D sine, noise, rows far from the data in transform, short
series. Property-based tests then throw arbitrary shapes, dtypes, values and parameters
at fit and transform: the only allowed outcomes are finite exponents or ValueError /
TypeError.
"""

import warnings

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos._kernels.lyapunov import (
    _ridge_fit,
    jacobian_sequence_spectrum,
    orthonormalise,
)
from skchaos.datasets import load_santafe_laser, make_henon, make_lorenz63
from skchaos.exceptions import UnreliableEstimateWarning


@pytest.fixture(scope="module")
def henon():
    return make_henon(3000, random_state=0)


@pytest.fixture(scope="module")
def lorenz():
    return make_lorenz63(5000, random_state=0)


def _ar1(n, phi, seed):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n)
    x = np.zeros(n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x[:, None]


def _fit_without_unreliable_warning(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableEstimateWarning)
        return LyapunovSpectrum(**params).fit(X)


# ------------------------------------------------------------------- constant, quantised
@pytest.mark.parametrize(("X", "params", "fragment"), [
    (np.ones((500, 2)), {}, r"Column\(s\) \[0, 1\] of X are constant"),
    (np.c_[np.sin(0.1 * np.arange(500)), np.full(500, 3.0)], {},
     r"Column\(s\) \[1\] of X are constant"),
    (np.full((500, 2), 7.0), {"embedding_dimension": 3}, "Column 0 of X, the one delay"),
])
def test_constant_columns_are_a_clear_error(X, params, fragment):
    with pytest.raises(ValueError, match=fragment):
        LyapunovSpectrum(**params).fit(X)


def test_quantised_lorenz_warns_of_degenerate_neighbourhoods(lorenz):
    # Was LinAlgError from inside numba.
    with pytest.warns(UnreliableEstimateWarning, match="neighbourhoods are degenerate"):
        ls = LyapunovSpectrum(dt=0.01).fit(np.round(lorenz, 0))
    assert np.all(np.isfinite(ls.exponents_))
    assert 0.1 <= ls.degenerate_fraction_ < 1


def test_a_series_of_few_distinct_values_is_a_clear_error():
    X = np.random.default_rng(0).integers(0, 3, (2000, 2))
    with pytest.raises(ValueError, match="Every neighbourhood is degenerate"):
        LyapunovSpectrum().fit(X)


def test_an_exactly_periodic_orbit_is_a_clear_error():
    # 100 samples per period: every point repeats exactly, so neighbourhoods coincide.
    t = 2 * np.pi * np.arange(5000) / 100
    with pytest.raises(ValueError, match="Every neighbourhood is degenerate"):
        LyapunovSpectrum().fit(np.c_[np.cos(t), np.sin(t)])


def test_a_circle_is_periodic():
    t = 0.1 * np.arange(3000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableEstimateWarning)
        with pytest.warns(UserWarning, match="non-chaotic"):
            ls = LyapunovSpectrum().fit(np.c_[np.cos(t), np.sin(t)])
    assert abs(ls.exponents_per_step_[0]) < 1e-3
    assert np.all(np.isfinite(ls.exponents_))


def test_linearly_dependent_columns_are_a_clear_error(henon):
    X = np.c_[henon, henon[:, 0] - 2 * henon[:, 1]]
    with pytest.raises(ValueError, match="linearly dependent: column"):
        LyapunovSpectrum().fit(X)
    t = np.arange(3000)  # a delay of half a period maps a sine onto minus itself
    with pytest.raises(ValueError, match="delay embedding are linearly dependent"):
        LyapunovSpectrum(embedding_dimension=2, delay=50).fit(np.sin(np.pi * t / 50)[:, None])


# ------------------------------------------------------------------- not deterministic
def test_a_one_dimensional_sine_is_not_a_state():
    # Was 0.56 per step without a word: x_{t+1} is not a function of x_t.
    x = np.sin(0.1 * np.arange(5000))[:, None]
    with pytest.warns(UnreliableEstimateWarning, match="not look deterministic.*delay-embed"):
        ls = LyapunovSpectrum().fit(x)
    assert ls.prediction_error_ > 0.3
    # Delay-embedded, it is a periodic orbit: lambda_max = 0.
    with pytest.warns(UserWarning, match="non-chaotic"):
        ls = _fit_without_unreliable_warning(x, embedding_dimension=2, delay=5)
    assert abs(ls.exponents_per_step_[0]) < 1e-3


@pytest.mark.parametrize("X", [
    np.random.default_rng(0).standard_normal((3000, 2)),
    np.random.default_rng(1).standard_normal((3000, 1)),
    _ar1(3000, 0.9, 2),
])
def test_noise_warns_that_it_is_not_deterministic(X):
    with pytest.warns(UnreliableEstimateWarning, match="do not look deterministic"):
        ls = LyapunovSpectrum().fit(X)
    assert ls.prediction_error_ > 0.5
    assert np.all(np.isfinite(ls.exponents_))


def test_noisy_data_warn_that_noise_inflates_the_exponent():
    X = make_lorenz63(5000, noise=0.1, random_state=0)
    with pytest.warns(UnreliableEstimateWarning, match="look noisy"):
        ls = LyapunovSpectrum(dt=0.01).fit(X)
    assert 0.05 < ls.prediction_error_ < 0.3


def test_clean_data_do_not_warn(henon, lorenz):
    ls = _fit_without_unreliable_warning(henon)
    assert ls.max_exponent_ == pytest.approx(0.41922, rel=0.05)
    assert ls.prediction_error_ < 0.01 and ls.degenerate_fraction_ == 0
    ls = _fit_without_unreliable_warning(lorenz, dt=0.01)
    assert ls.max_exponent_ == pytest.approx(0.9056, rel=0.15)
    assert ls.prediction_error_ < 0.01


# ----------------------------------------------------------------------- short series
@pytest.mark.parametrize("X", [make_henon(50, random_state=0),
                               make_lorenz63(50, random_state=0)])
def test_a_50_row_series_warns_that_it_is_too_short(X):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*non-chaotic", category=UserWarning)
        with pytest.warns(UnreliableEstimateWarning, match="Too few samples"):
            ls = LyapunovSpectrum().fit(X)
    assert np.all(np.isfinite(ls.exponents_))


def test_too_few_samples_for_a_neighbourhood_is_still_an_error():
    with pytest.raises(ValueError, match="Too few samples for the neighbourhoods"):
        LyapunovSpectrum().fit(make_henon(4, random_state=0))
    with pytest.raises(ValueError, match="n_neighbors=2 is too small"):
        LyapunovSpectrum(n_neighbors=2).fit(make_henon(500, random_state=0))


# -------------------------------------------------------------------------- transform
def test_transform_of_far_rows_is_a_clear_error(henon):
    ls = LyapunovSpectrum().fit(henon)
    for offset in (1e6, 1e200, -1e308):  # was IndexError from 1e200 on
        with pytest.raises(ValueError, match="farther from every training row"):
            ls.transform(henon[:3] + offset)


def test_transform_of_rows_outside_the_neighbourhoods_warns(henon):
    ls = LyapunovSpectrum().fit(henon)
    with pytest.warns(UnreliableEstimateWarning, match="outside every neighbourhood"):
        out = ls.transform(henon[:3] + 1.0)
    assert np.all(np.isfinite(out))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableEstimateWarning)
        assert np.all(np.isfinite(ls.transform(henon[:3])))


def test_transform_never_asks_the_tree_for_more_rows_than_it_holds():
    X = make_henon(30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ls = LyapunovSpectrum(n_neighbors=100, theiler_window=0, horizon=3).fit(X)
    assert ls.n_neighbors_ <= len(ls.jacobians_)
    out = ls.transform(X)
    assert out.shape == (30, 2) and np.all(np.isfinite(out))


def test_transform_on_quantised_data_is_finite(lorenz):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ls = LyapunovSpectrum(horizon=2).fit(np.round(lorenz, 0))
        out = ls.transform(np.round(lorenz[:50], 0))
    assert np.all(np.isfinite(out))


# ------------------------------------------------------------------------- fit as a whole
def test_a_failed_refit_leaves_the_fit_as_it_was(henon):
    ls = LyapunovSpectrum().fit(henon)
    before = dict(vars(ls))
    with pytest.raises(ValueError, match="constant"):
        ls.fit(np.ones((100, 3)))
    assert vars(ls).keys() == before.keys()
    assert all(vars(ls)[key] is value for key, value in before.items())
    assert ls.transform(henon[:2]).shape == (2, 2)


def test_invalid_parameters_are_rejected_by_fit_context(henon):
    with pytest.raises(ValueError, match="n_neighbors"):
        LyapunovSpectrum(n_neighbors=0).fit(henon)


def test_warnings_point_at_the_caller():
    with pytest.warns(UnreliableEstimateWarning) as record:
        LyapunovSpectrum().fit(make_henon(50, random_state=0))
    assert {w.filename for w in record if w.category is UnreliableEstimateWarning} == {
        __file__}


def test_a_tiny_dt_is_a_clear_error(henon):
    with pytest.raises(ValueError, match="dt=1e-320 is too small"):
        LyapunovSpectrum(dt=1e-320).fit(henon)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_value_errors(henon, value):
    X = henon.copy()
    X[7, 1] = value
    with pytest.raises(ValueError):
        LyapunovSpectrum().fit(X)
    ls = LyapunovSpectrum().fit(henon)
    with pytest.raises(ValueError):
        ls.transform(X[:10])


# ---------------------------------------------------------------------------- kernels
def test_a_collapsed_tangent_vector_is_floored_and_replaced():
    rng = np.random.default_rng(0)
    F = np.zeros((3, 3))
    F[0] = rng.standard_normal(3)
    F[1] = 2 * F[0]  # lost to the first row
    log_r = np.empty(3)
    assert orthonormalise(F, log_r) == 2  # rows 1 (rounding residual) and 2 (zero)
    np.testing.assert_allclose(F @ F.T, np.eye(3), atol=1e-12)
    assert np.all(np.isfinite(log_r)) and log_r[2] == np.log(np.finfo(float).tiny)
    # A sequence of singular Jacobians gives finite exponents and counts the losses.
    jacobians = np.zeros((50, 2, 2))
    jacobians[:, 0, 0] = 2.0
    exponents, n_lost = jacobian_sequence_spectrum(jacobians, 1, np.eye(2), np.zeros((5, 2)))
    assert np.all(np.isfinite(exponents)) and n_lost == 50
    assert exponents[0] == pytest.approx(np.log(2.0))


def test_a_model_with_singular_jacobians_warns_of_floored_exponents(lorenz, small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz[:1000])
    # a = 0 and W = 0: J = 0 everywhere, every exponent is minus infinity.
    est.dynamics_.a[:] = 0.0
    est.dynamics_.W[:] = 0.0
    with pytest.warns(UnreliableEstimateWarning, match="collapse some tangent directions"):
        ls = LyapunovSpectrum(est, n_steps=200, n_transient=10).fit(lorenz[:1000])
    assert np.all(np.isfinite(ls.exponents_)) and np.all(ls.exponents_ < -700)
    with pytest.warns(UnreliableEstimateWarning, match="is singular"):
        assert np.all(np.isfinite(ls.transform(lorenz[:2])))


@pytest.mark.parametrize("rank", [3, 2, 0])
def test_ridge_fit_matches_the_normal_equations(rank):
    rng = np.random.default_rng(rank)
    dX = rng.standard_normal((20, 3))
    if rank == 2:
        dX[:, 2] = dX[:, 0] - dX[:, 1]
    if rank == 0:
        dX[:] = 0.0
    dY = rng.standard_normal((20, 3))
    J = np.empty((3, 3))
    spread, flatness = _ridge_fit(dX.copy(), dY.copy(), 1e-6, np.empty((3, 3)), np.empty(3),
                                  np.empty((3, 3)), J)
    G = dX.T @ dX
    shift = 1e-6 * np.trace(G) / 3
    expected = (np.linalg.solve(G + shift * np.eye(3), dX.T @ dY).T if rank
                else np.zeros((3, 3)))
    np.testing.assert_allclose(J, expected, atol=1e-8)
    assert (flatness > 1e-6) == (rank == 3)
    assert spread == pytest.approx(np.sqrt(min((dX ** 2).sum(), (dY ** 2).sum()) / 20))


# ------------------------------------------------------------- property-based tests
_DTYPES = st.sampled_from([np.float64, np.float32, np.int64])


@st.composite
def _series(draw):
    """Arrays of 1-300 rows and 1-4 columns, some smooth, some constant, some repeated."""
    n = draw(st.integers(1, 300))
    d = draw(st.integers(1, 4))
    dtype = draw(_DTYPES)
    kind = draw(st.sampled_from(["random", "constant", "repeated", "smooth", "integers"]))
    if kind == "random":
        if dtype is np.int64:
            elements = st.integers(-(2 ** 62), 2 ** 62)
        else:
            width = 32 if dtype is np.float32 else 64
            bound = float(np.float32(3e38)) if width == 32 else 1e300
            elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                                 width=width)
        return draw(hnp.arrays(dtype, (n, d), elements=elements))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    magnitude = 10.0 ** draw(st.integers(-30, 30)) if dtype is np.float64 else 1.0
    if kind == "constant":
        X = np.full((n, d), rng.standard_normal())
    elif kind == "repeated":
        X = np.repeat(rng.standard_normal((max(1, n // draw(st.integers(1, 10))), d)),
                      draw(st.integers(1, 10)), axis=0)[:n]
        X = np.resize(X, (n, d))
    elif kind == "smooth":
        t = np.arange(n)[:, None] * rng.uniform(0.01, 2.0, d)
        X = np.sin(t) + 0.1 * rng.standard_normal((n, d)) * draw(st.sampled_from([0, 1]))
    else:
        X = rng.integers(-3, 4, (n, d))
    return (magnitude * X).astype(dtype) if dtype is not np.int64 else X.astype(np.int64)


_PARAMS = st.fixed_dictionaries({}, optional={
    "n_neighbors": st.integers(1, 40),
    "theiler_window": st.integers(0, 20),
    "evolution_steps": st.integers(1, 6),
    "embedding_dimension": st.integers(1, 4),
    "delay": st.integers(1, 3),
    "n_exponents": st.integers(1, 4),
    "qr_interval": st.integers(1, 4),
    "horizon": st.integers(1, 3),
    "dt": st.sampled_from([1.0, 0.01, 1e-300]),
})


def _fit_or_clear_error(X, params):
    """The fitted estimator, or None after a ValueError / TypeError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # warnings are allowed
        try:
            ls = LyapunovSpectrum(**params).fit(X)
        except (ValueError, TypeError) as exc:
            event(f"fit: {type(exc).__name__}")
            return None
    event("fit: exponents")
    assert np.all(np.isfinite(ls.exponents_)) and np.all(np.isfinite(ls.convergence_))
    assert np.isfinite(ls.kaplan_yorke_dimension_)
    return ls


@given(X=_series(), params=_PARAMS)
def test_fit_gives_finite_exponents_or_a_clear_error(X, params):
    _fit_or_clear_error(X, params)


@given(X=_series(), params=_PARAMS, shift=st.sampled_from([0.0, 1e-3, 1.0, 1e6, 1e300]),
       n_rows=st.integers(1, 5))
def test_transform_gives_finite_exponents_or_a_clear_error(X, params, shift, n_rows):
    params.pop("embedding_dimension", None)  # transform needs rows of the state
    ls = _fit_or_clear_error(X, params)
    if ls is None:
        return
    rows = X[:n_rows].astype(np.float64) + shift
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            out = ls.transform(rows)
        except (ValueError, TypeError) as exc:
            event(f"transform: {type(exc).__name__}")
            return
    event("transform: exponents")
    assert out.shape == (len(rows), len(ls.exponents_)) and np.all(np.isfinite(out))


@given(X=_series(), value=st.sampled_from([np.nan, np.inf, -np.inf]), data=st.data())
def test_nan_or_inf_anywhere_is_a_value_error(X, value, data):
    X = X.astype(np.float64)
    row = data.draw(st.integers(0, len(X) - 1))
    column = data.draw(st.integers(0, X.shape[1] - 1))
    X[row, column] = value
    with pytest.raises(ValueError):
        LyapunovSpectrum().fit(X)


# ----------------------------------------------------------------------- measurements
@pytest.mark.slow
def test_thresholds_hold_on_the_measured_systems():
    """The measurements behind the thresholds (docs/decisions.md), at full size."""
    laser = load_santafe_laser()[:, None]
    for params in ({"embedding_dimension": 4}, {"embedding_dimension": 4, "delay": 2}):
        ls = _fit_without_unreliable_warning(laser, **params)
        assert ls.prediction_error_ < 0.03
    for noise in (0.0, 0.01):
        ls = _fit_without_unreliable_warning(
            make_lorenz63(20_000, noise=noise, random_state=0), dt=0.01)
        assert ls.max_exponent_ == pytest.approx(0.9056, rel=0.1)
    for noise in (0.07, 0.2):
        with pytest.warns(UnreliableEstimateWarning, match="look noisy"):
            LyapunovSpectrum(dt=0.01).fit(make_lorenz63(20_000, noise=noise, random_state=0))
    with pytest.warns(UnreliableEstimateWarning, match="do not look deterministic"):
        LyapunovSpectrum().fit(make_lorenz63(20_000, random_state=0)[:, :1])
    # At the minimum length (100 steps per dimension) clean series do not warn.
    _fit_without_unreliable_warning(make_henon(201, random_state=3))
    _fit_without_unreliable_warning(make_lorenz63(5000, random_state=3), dt=0.01)
