"""DelayEmbedding and the delay and dimension rules on short, constant and invalid input."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError
from test_metrics_validation import (
    NOT_A_COUNT,
    NOT_POSITIVE,
    as_float,
    check_outcome,
    data_arrays,
    finite_rows,
    is_int,
    is_positive,
    parameters,
    positive_reals,
    run,
)

from skchaos.exceptions import UnreliableEstimateWarning
from skchaos.preprocessing import DelayEmbedding, false_nearest_neighbours, first_minimum_delay

x = np.random.default_rng(0).standard_normal(1000)


def padded_embedding(embedding, block):
    """The embedding of ``block`` computed from a block whose start repeats its first
    sample for longer than the embedding window: by the class's convention, the same."""
    window = (embedding.dimension_ - 1) * embedding.delay_
    padded = np.concatenate([np.repeat(block[:1], window + 1, axis=0), block])
    return embedding.transform(padded)[window + 1:]


# ----------------------------------------------------------------------------------------
# The reported cases.

def test_a_block_shorter_than_the_window_embeds_with_repeated_history():
    """fit on 1000 rows with dimension=3, delay=5, then transform 4 rows: a numpy broadcast
    error before."""
    emb = DelayEmbedding(dimension=3, delay=5).fit(x[:, None])
    block = x[:4, None]
    E = emb.transform(block)
    expected = np.column_stack([block[:, 0], np.full(4, block[0, 0]), np.full(4, block[0, 0])])
    np.testing.assert_array_equal(E, expected)
    np.testing.assert_array_equal(E, padded_embedding(emb, block))
    np.testing.assert_array_equal(emb.inverse_transform(E), block)


@pytest.mark.parametrize("n_rows", [1, 2, 3, 4, 10, 11])
def test_short_blocks_equal_rows_of_a_longer_padded_block(n_rows):
    emb = DelayEmbedding(dimension=3, delay=5).fit(np.zeros((20, 2)))
    block = np.random.default_rng(n_rows).standard_normal((n_rows, 2))
    np.testing.assert_array_equal(emb.transform(block), padded_embedding(emb, block))


@pytest.mark.parametrize("n_rows", [2, 3])
def test_fitting_two_or_three_rows(n_rows):
    block = x[:n_rows, None]
    E = DelayEmbedding(dimension=3, delay=5).fit_transform(block)
    np.testing.assert_array_equal(E[:, 1:], block[0, 0])
    with pytest.warns(UnreliableEstimateWarning) as record:
        emb = DelayEmbedding().fit(block)
    messages = [str(warning.message) for warning in record]
    assert f"has {n_rows} samples; choosing a delay needs at least 12" in messages[0]
    assert "too few to test dimension 1 at delay 1 (needs 4)" in messages[1]
    assert emb.delay_ == 1 and emb.dimension_ == 1
    np.testing.assert_array_equal(emb.transform(block), block)


def test_fit_needs_two_rows():
    with pytest.raises(ValueError, match="1 sample"):
        DelayEmbedding(dimension=2, delay=1).fit(x[:1, None])


def test_auto_delay_falls_back_to_one_on_short_or_constant_series():
    with pytest.warns(UnreliableEstimateWarning, match="11 samples.*uses delay 1") as record:
        emb = DelayEmbedding(dimension=2).fit(x[:11, None])
    assert emb.delay_ == 1
    assert record[0].filename == __file__  # the warning names the caller's line
    with pytest.warns(UnreliableEstimateWarning, match="constant.*uses delay 1"):
        emb = DelayEmbedding().fit(np.full((500, 1), 3.0))
    assert (emb.delay_, emb.dimension_) == (1, 1)
    np.testing.assert_array_equal(emb.fnn_fractions_, np.zeros(10))


def test_auto_dimension_on_a_series_too_short_to_test_any_dimension():
    with pytest.warns(UnreliableEstimateWarning, match="too few to test dimension 1 at "
                                                       "delay 3 \\(needs 6\\)"):
        emb = DelayEmbedding(delay=3).fit(x[:5, None])
    assert emb.dimension_ == 1 and len(emb.fnn_fractions_) == 0


def test_auto_dimension_takes_the_smallest_dimension_not_rejected(monkeypatch):
    # Every testable dimension fails: the next one, which the series is too short to test.
    monkeypatch.setattr("skchaos.preprocessing.false_nearest_neighbours",
                        lambda x, delay, max_dimension: np.ones(max_dimension))
    with pytest.warns(UnreliableEstimateWarning, match="too few to test dimension 4 at "
                                                       "delay 10 \\(needs 43\\).*uses 4"):
        emb = DelayEmbedding(delay=10).fit(x[:40, None])
    assert emb.dimension_ == 4 and len(emb.fnn_fractions_) == 3
    # On a long enough series, max_dimension without a warning, as before.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableEstimateWarning)
        assert DelayEmbedding(delay=10, max_dimension=3).fit(x[:, None]).dimension_ == 3


@pytest.mark.parametrize("function, message", [
    (first_minimum_delay, "choosing a delay needs at least 12"),
    (lambda s: first_minimum_delay(s, method="autocorrelation"),
     "choosing a delay needs at least 12"),
    (lambda s: false_nearest_neighbours(s, 1, 3), "need at least 6"),
])
@pytest.mark.parametrize("n_samples", [0, 1, 2, 3])
def test_delay_and_dimension_rules_on_too_few_samples(function, message, n_samples):
    with pytest.raises(ValueError, match=f"x has {n_samples} samples.*{message}"):
        function(x[:n_samples])


def test_delay_and_dimension_rules_on_constant_and_non_finite_series():
    for method in ("mutual_information", "autocorrelation"):
        with pytest.raises(ValueError, match="x is constant"):
            first_minimum_delay(np.ones(500), method=method)
    # No neighbour at positive distance: no false neighbour.
    np.testing.assert_array_equal(false_nearest_neighbours(np.ones(500), 2, 4), np.zeros(4))
    for bad, word in ((np.nan, "NaN"), (np.inf, "infinity")):
        series = np.r_[x[:99], bad]
        with pytest.raises(ValueError, match=f"x contains {word}"):
            first_minimum_delay(series)
        with pytest.raises(ValueError, match=f"x contains {word}"):
            false_nearest_neighbours(series, 1, 3)


def test_rules_take_one_column_and_reject_more():
    assert first_minimum_delay(x[:, None]) == first_minimum_delay(x)
    with pytest.raises(ValueError, match="shape \\(1000, 2\\)"):
        false_nearest_neighbours(np.column_stack([x, x]), 1, 3)  # flattened it before


@pytest.mark.parametrize("call, name", [
    (lambda: first_minimum_delay(x, max_delay=0), "max_delay"),
    (lambda: first_minimum_delay(x, n_bins=1), "n_bins"),
    (lambda: first_minimum_delay(x, method="fnn"), "method"),
    (lambda: false_nearest_neighbours(x, 0), "delay"),
    (lambda: false_nearest_neighbours(x, 1, max_dimension=0), "max_dimension"),
    (lambda: false_nearest_neighbours(x, 1, ratio=np.nan), "ratio"),
    (lambda: false_nearest_neighbours(x, 1, ratio=np.inf), "ratio"),
    (lambda: DelayEmbedding(delay=0).fit(x[:, None]), "delay"),
    (lambda: DelayEmbedding(fnn_threshold=np.nan).fit(x[:, None]), "fnn_threshold"),
])
def test_rules_and_fit_reject_invalid_parameters(call, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        call()


def test_a_failed_refit_leaves_the_embedding_as_it_was(monkeypatch):
    emb = DelayEmbedding(dimension=2, delay="auto").fit(x[:, None])
    before = dict(vars(emb))

    def interrupted(x):
        raise KeyboardInterrupt

    monkeypatch.setattr(DelayEmbedding, "_choose_delay", staticmethod(interrupted))
    with pytest.raises(KeyboardInterrupt):
        emb.fit(np.column_stack([x, x, x]))  # n_features_in_ is 3 when it stops
    assert vars(emb) == before


def test_inverse_transform_accepts_a_diverged_run_and_checks_its_shape():
    emb = DelayEmbedding(dimension=2, delay=1).fit(x[:, None])
    run_ = np.array([[np.nan, 1.0], [np.inf, 2.0]])
    np.testing.assert_array_equal(emb.inverse_transform(run_), run_[:, :1])
    with pytest.raises(ValueError, match="2D array"):
        emb.inverse_transform(np.zeros(2))


# ----------------------------------------------------------------------------------------
# Properties.

EMBEDDING_VALID = {
    "dimension": lambda v: v == "auto" or is_int(v),
    "delay": lambda v: v == "auto" or is_int(v),
    "max_dimension": is_int,
    "fnn_threshold": lambda v: is_positive(v) and v < 1,
}


@given(X=data_arrays(), block=data_arrays(max_rows=30), params=parameters(
    valid={"dimension": st.one_of(st.just("auto"), st.integers(1, 12)),
           "delay": st.one_of(st.just("auto"), st.integers(1, 30)),
           "max_dimension": st.integers(1, 12),
           "fnn_threshold": st.one_of(st.sampled_from([5e-324, 1 - 2**-53]),
                                      st.floats(0.01, 0.99))},
    invalid={"dimension": NOT_A_COUNT, "delay": NOT_A_COUNT, "max_dimension": NOT_A_COUNT,
             "fnn_threshold": st.one_of(NOT_POSITIVE, st.sampled_from([1.0, 1e300]))}))
def test_delay_embedding_outcomes(X, block, params):
    emb = DelayEmbedding(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnreliableEstimateWarning)  # fallbacks are tested
        warnings.filterwarnings("ignore", "'auto' chosen on the longest stretch")  # as is
        result = run(emb.fit, X)
    # NaN marks a missing sample and passes through; "auto" needs an observed sample in
    # the first column to choose on.
    choosing = "auto" in (params["dimension"], params["delay"])
    data_ok = (no_inf_rows(X, min_rows=2)
               and not (choosing and np.isnan(as_float(X)[:, 0]).all()))
    if not check_outcome(result, params, EMBEDDING_VALID, data_ok):
        return
    assert is_int(emb.delay_) and is_int(emb.dimension_)
    if params["dimension"] == "auto":
        assert emb.dimension_ <= params["max_dimension"]
    n_features = X.shape[1]
    E = run(emb.transform, X)
    assert E.shape == (len(X), n_features * emb.dimension_) and not np.isinf(E).any()
    assert np.isfinite(E).all() == np.isfinite(as_float(X)).all()
    np.testing.assert_array_equal(run(emb.inverse_transform, E), np.asarray(X, np.float64))
    # Any other block: the rows of a longer block padded with its first sample, or an error
    # if it has no rows, other features, or infinite values.
    E_block = run(emb.transform, block)
    if no_inf_rows(block) and block.shape[1] == n_features:
        np.testing.assert_array_equal(E_block, padded_embedding(emb, block))
    else:
        assert isinstance(E_block, ValueError)


def no_inf_rows(X, min_rows=1):
    return len(X) >= min_rows and not np.isinf(as_float(X)).any()


@given(X=data_arrays(n_features=1), flat=st.booleans(), params=parameters(
    valid={"method": st.sampled_from(["mutual_information", "autocorrelation"]),
           "max_delay": st.integers(1, 150), "n_bins": st.integers(2, 64)},
    invalid={"method": st.just("fnn"), "max_delay": NOT_A_COUNT,
             "n_bins": st.one_of(NOT_A_COUNT, st.just(1))}))
def test_first_minimum_delay_outcomes(X, flat, params):
    series = X[:, 0] if flat else X
    result = run(first_minimum_delay, series, **params)
    values = np.asarray(series, dtype=np.float64)
    data_ok = (finite_rows(values, min_rows=12) and np.ptp(values) > 0)
    valid = {"method": lambda v: v != "fnn", "max_delay": is_int,
             "n_bins": lambda v: is_int(v, 2)}
    if check_outcome(result, params, valid, data_ok):
        assert is_int(result) and result <= min(params["max_delay"], len(values) // 4)


@given(X=data_arrays(n_features=1), params=parameters(
    valid={"delay": st.integers(1, 10), "max_dimension": st.integers(1, 8),
           "ratio": positive_reals(0.5, 20.0)},
    invalid={"delay": NOT_A_COUNT, "max_dimension": NOT_A_COUNT, "ratio": NOT_POSITIVE}))
def test_false_nearest_neighbours_outcomes(X, params):
    result = run(false_nearest_neighbours, X, **params)
    valid = {"delay": is_int, "max_dimension": is_int, "ratio": is_positive}
    needed = (params["delay"] * params["max_dimension"] + 3
              if is_int(params["delay"]) and is_int(params["max_dimension"]) else 0)
    if check_outcome(result, params, valid, finite_rows(X, min_rows=needed)):
        assert result.shape == (params["max_dimension"],)
        assert np.all((result >= 0) & (result <= 1))
