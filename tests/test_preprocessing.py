"""DelayEmbedding, its output names, and the data-driven choices of delay and dimension."""

import warnings

import numpy as np
import pytest
from scipy.spatial import cKDTree
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import estimator_checks
from sklearn.utils._param_validation import InvalidParameterError

from skchaos import ChaoticRNNRegressor, lyapunov, preprocessing
from skchaos.datasets import make_henon, make_lorenz63
from skchaos.metrics import _unit_scale
from skchaos.preprocessing import (
    DelayEmbedding,
    _autocorrelation,
    _decorrelation_lag,
    delay_embedding,
    false_nearest_neighbours,
    first_minimum_delay,
)


def test_embedding_matches_the_plain_delay_embedding():
    x = np.random.default_rng(0).standard_normal(200)
    E = DelayEmbedding(dimension=3, delay=4).fit_transform(x[:, None])
    # Rows with a full history equal the textbook embedding; earlier rows repeat x_0.
    np.testing.assert_array_equal(E[8:], delay_embedding(x, 3, 4))
    np.testing.assert_array_equal(E[:8, 2], x[0])
    assert E.shape == (200, 3)


def test_several_columns_are_embedded_in_blocks():
    X = np.arange(20.0).reshape(10, 2)
    E = DelayEmbedding(dimension=2, delay=1).fit_transform(X)
    np.testing.assert_array_equal(E[3], [6.0, 7.0, 4.0, 5.0])
    np.testing.assert_array_equal(DelayEmbedding(dimension=2, delay=1).fit(X)
                                  .inverse_transform(E), X)


def test_automatic_delay_and_dimension():
    lorenz_x = make_lorenz63(20_000, random_state=0)[:, :1]
    emb = DelayEmbedding().fit(lorenz_x)
    # Known for Lorenz-63 at dt = 0.01: first MI minimum near 0.16 time units; 3 dimensions.
    assert 10 <= emb.delay_ <= 20 and emb.dimension_ == 3
    henon_x = make_henon(20_000, random_state=0)[:, :1]
    assert DelayEmbedding(delay=1).fit(henon_x).dimension_ == 2
    fnn = false_nearest_neighbours(lorenz_x[:, 0], emb.delay_, 4)
    assert fnn[0] > 0.9 and fnn[1] > 0.1 and fnn[2] < 0.05
    assert np.all(np.diff(fnn) <= 0.01)


def test_delay_rules():
    t = np.arange(10_000)
    assert first_minimum_delay(np.sin(2 * np.pi * t / 40), method="autocorrelation") == 8
    with pytest.raises(ValueError, match="method"):
        first_minimum_delay(t, method="fnn")


def test_pipeline_fits_scores_and_returns_to_original_coordinates():
    x = make_lorenz63(4000, random_state=0)[:, :1]
    pipe = Pipeline([("embed", DelayEmbedding(dimension=3, delay=10)),
                     ("rnn", ChaoticRNNRegressor(n_latent=10, tau=20, n_epochs=3,
                                                 random_state=0))])
    pipe.fit(x[:3000])
    assert np.isfinite(pipe.score(x[3000:]))
    # Free-run the model in embedded coordinates, then map back.
    X_gen = pipe["embed"].inverse_transform(pipe["rnn"].predict(50))
    assert X_gen.shape == (50, 1)
    np.testing.assert_array_equal(X_gen[:, 0], pipe["rnn"].predict(50)[:, 0])


def test_inverse_transform_checks_its_input():
    emb = DelayEmbedding(dimension=2, delay=1).fit(np.zeros((10, 1)) + np.arange(10)[:, None])
    with pytest.raises(ValueError, match="2 columns"):
        emb.inverse_transform(np.zeros((3, 3)))


# ------------------------------------------------------------------- output feature names
def test_feature_names_follow_the_transform_column_order():
    X = np.random.default_rng(0).standard_normal((50, 2))
    emb = DelayEmbedding(dimension=3, delay=4).fit(X)
    names = emb.get_feature_names_out()
    np.testing.assert_array_equal(
        names, ["x0_lag0", "x1_lag0", "x0_lag4", "x1_lag4", "x0_lag8", "x1_lag8"])
    assert names.dtype == object
    # Each named column is the input column at that lag (rows with a full history).
    E = emb.transform(X)
    for j, name in enumerate(names):
        feature, lag = int(name[1]), int(name.split("lag")[1])
        np.testing.assert_array_equal(E[8:, j], X[8 - lag:len(X) - lag, feature])
    np.testing.assert_array_equal(emb.get_feature_names_out(["a", "b"])[:3],
                                  ["a_lag0", "b_lag0", "a_lag4"])


def test_pandas_output_names_columns_after_the_input():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.random.default_rng(0).standard_normal((30, 2)), columns=["u", "v"],
                     index=np.arange(100, 130))
    emb = DelayEmbedding(dimension=2, delay=3).set_output(transform="pandas")
    for E in (emb.fit_transform(X), emb.fit(X).transform(X)):
        assert isinstance(E, pd.DataFrame)
        assert list(E.columns) == ["u_lag0", "v_lag0", "u_lag3", "v_lag3"]
        np.testing.assert_array_equal(E.index, X.index)
        np.testing.assert_array_equal(
            E.to_numpy(), DelayEmbedding(dimension=2, delay=3).fit(X.to_numpy())
            .transform(X.to_numpy()))
    # inverse_transform maps the named frame back to the input's columns.
    np.testing.assert_array_equal(emb.inverse_transform(E), X.to_numpy())
    assert list(emb.get_feature_names_out()) == list(E.columns)


def test_get_feature_names_out_checks_input_features():
    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(0).standard_normal((30, 2))
    with pytest.raises(NotFittedError):
        DelayEmbedding(dimension=2, delay=1).get_feature_names_out()
    emb = DelayEmbedding(dimension=2, delay=1).fit(X)
    with pytest.raises(ValueError, match="input_features should have length equal to"):
        emb.get_feature_names_out(["a", "b", "c"])
    emb.fit(pd.DataFrame(X, columns=["u", "v"]))
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        emb.get_feature_names_out(["a", "b"])
    assert list(emb.get_feature_names_out(["u", "v"])) == ["u_lag0", "v_lag0", "u_lag1",
                                                            "v_lag1"]


# scikit-learn's checks of the output API, which parametrize_with_checks does not run (the
# pandas ones skip themselves without pandas); test_lyapunov runs them on LyapunovSpectrum.
OUTPUT_API_CHECKS = [getattr(estimator_checks, name) for name in (
    "check_transformer_get_feature_names_out",
    "check_transformer_get_feature_names_out_pandas", "check_get_feature_names_out_error",
    "check_set_output_transform", "check_set_output_transform_pandas",
    "check_global_output_transform_pandas")]


def run_output_api_check(check, estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fits on the checks' random blobs
        check(type(estimator).__name__, estimator)


@pytest.mark.parametrize("check", OUTPUT_API_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("estimator", [DelayEmbedding(), DelayEmbedding(dimension=3, delay=2)],
                         ids=repr)
def test_scikit_learn_output_api_checks(estimator, check):
    run_output_api_check(check, estimator)


# ---------------------------------------------- shared helpers: one copy, the same results
def _former_delay_embedding(x, dimension, delay):
    """skchaos.lyapunov.delay_embedding before it moved here (issue 20)."""
    x = np.asarray(x, dtype=float).ravel()
    n = len(x) - (dimension - 1) * delay
    return np.column_stack([x[(dimension - 1 - k) * delay:(dimension - 1 - k) * delay + n]
                            for k in range(dimension)])


def _former_false_neighbour_fraction(x, dimension, delay, ratio):
    """The fraction before the delay vectors came from the shared embedding (issue 20)."""
    n = len(x) - dimension * delay
    E = np.column_stack([x[(dimension - k) * delay:(dimension - k) * delay + n]
                         for k in range(dimension)])
    extra = x[:n]
    distance, index = cKDTree(E).query(E, k=2)
    d, j = distance[:, 1], index[:, 1]
    usable = d > 0
    return float(np.mean((np.abs(extra - extra[j])[usable] / d[usable]) > ratio))


def _former_autocorrelation(x, max_lag):
    x = x - x.mean()
    n = len(x)
    spectrum = np.abs(np.fft.rfft(x, n=2 * n)) ** 2
    acf = np.fft.irfft(spectrum)[:max_lag + 1]
    return acf / acf[0]


def test_delay_embedding_has_one_home():
    assert lyapunov.delay_embedding is preprocessing.delay_embedding
    assert "delay_embedding" in lyapunov.__all__ and "delay_embedding" in preprocessing.__all__


@pytest.mark.parametrize("dimension, delay", [(1, 1), (2, 1), (3, 4), (5, 7), (4, 50)])
def test_delay_embedding_is_bit_identical_to_the_former_one(dimension, delay):
    x = make_lorenz63(500, random_state=0)[:, 0]
    E = delay_embedding(x, dimension, delay)
    np.testing.assert_array_equal(E, _former_delay_embedding(x, dimension, delay))
    assert E.shape == (500 - (dimension - 1) * delay, dimension) and E.flags.c_contiguous
    # As before: any array-like, flattened.
    np.testing.assert_array_equal(delay_embedding(x.reshape(50, 10).tolist(), dimension, 1),
                                  _former_delay_embedding(x, dimension, 1))
    # DelayEmbedding's rows with a full history are these rows.
    window = (dimension - 1) * delay
    np.testing.assert_array_equal(
        DelayEmbedding(dimension=dimension, delay=delay).fit_transform(x[:, None])[window:], E)


def test_delay_embedding_rejects_short_series_and_invalid_parameters():
    assert delay_embedding(np.arange(5.0), 3, 2).shape == (1, 3)
    with pytest.raises(ValueError, match="A series of 4 samples is too short"):
        delay_embedding(np.arange(4.0), 3, 2)
    for dimension, delay, name in ((0, 1, "dimension"), (2, 0, "delay"),
                                   (2.5, 1, "dimension")):
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
            delay_embedding(np.arange(10.0), dimension, delay)


def test_false_nearest_neighbours_are_bit_identical_to_the_former_ones():
    for x in (make_henon(3000, random_state=0)[:, 0],
              make_lorenz63(3000, random_state=0)[:, 0]):
        for delay in (1, 3):
            expected = [_former_false_neighbour_fraction(x * _unit_scale(x), m, delay, 10.0)
                        for m in range(1, 6)]
            np.testing.assert_array_equal(false_nearest_neighbours(x, delay, 5), expected)


def test_the_autocorrelation_is_bit_identical_to_the_former_one():
    rng = np.random.default_rng(0)
    series = [make_lorenz63(3000, random_state=0)[:, 0],
              make_henon(3000, random_state=0)[:, 1],
              np.sin(2 * np.pi * np.arange(4000) / 40), rng.standard_normal(1001)]
    for x in series:
        for max_lag in (1, 100, len(x) - 1):
            np.testing.assert_array_equal(_autocorrelation(x, max_lag),
                                          _former_autocorrelation(x, max_lag))
    # Columns of a 2-D array: each column's own autocorrelation.
    X = np.column_stack([series[0], 3.0 * series[1] + 1.0])
    acf = _autocorrelation(X, 200)
    assert acf.shape == (201, 2)
    for j in range(2):
        np.testing.assert_allclose(acf[:, j], _former_autocorrelation(X[:, j], 200),
                                   rtol=0, atol=1e-14)


def test_the_decorrelation_lag_is_where_the_autocorrelation_first_falls_below_1_over_e():
    acf = np.array([1.0, 0.8, 1 / np.e, 0.3, 0.5, 0.1])
    assert _decorrelation_lag(acf, default=99) == 3  # 1/e itself is not below
    assert _decorrelation_lag(acf[:3], default=99) == 99
    t = np.arange(10_000)
    for period in (17, 40, 101):
        x = np.sin(2 * np.pi * t / period)
        below = np.nonzero(_former_autocorrelation(x, 100) < 1 / np.e)[0]
        assert first_minimum_delay(x, method="autocorrelation") == below[0]
