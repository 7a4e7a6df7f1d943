"""The measures' argument checks, and their outcomes on arbitrary data and parameters."""

import warnings
from numbers import Integral, Real

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.utils._param_validation import InvalidParameterError

from skchaos.metrics import (
    make_free_run_scorer,
    make_prediction_error_scorer,
    make_valid_prediction_time_scorer,
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
    valid_prediction_time,
)

# ----------------------------------------------------------------------------------------
# Shared strategies and checks (tests/test_preprocessing_validation.py imports them).

# Messages that name the cause; a ValueError without one (a numpy broadcast error, say)
# fails the property tests.
CLEAR_FRAGMENTS = ("parameter", "NaN", "infinity", "sample", "feature", "shape", "constant",
                   "too few")
MAGNITUDES = [0.0, 5e-324, 1e-300, 1e-8, 1.0, 1e8, 1e300, 1.7e308]
SPECIAL_VALUES = [np.nan, np.inf, -np.inf]


@st.composite
def data_arrays(draw, n_features=None, min_rows=0, max_rows=200):
    """Arrays of 0-200 rows: random, constant, repeated rows or arbitrary float64 values,
    of any magnitude, some cells possibly NaN or inf, as float64, float32, int64 or bool."""
    n_rows = draw(st.integers(min_rows, max_rows))
    n_features = draw(st.integers(1, 5)) if n_features is None else n_features
    shape = (n_rows, n_features)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    magnitude = draw(st.sampled_from(MAGNITUDES))
    kind = draw(st.sampled_from(["random", "constant", "repeated_rows", "any_floats"]))
    if kind == "random":
        X = rng.uniform(-1, 1, shape) * magnitude
    elif kind == "constant":
        X = np.full(shape, rng.uniform(-1, 1) * magnitude)
    elif kind == "repeated_rows":
        rows = rng.uniform(-1, 1, (3, n_features)) * magnitude
        X = rows[rng.integers(3, size=n_rows)]
    else:
        X = draw(arrays(np.float64, shape, elements=st.floats(allow_nan=False,
                                                               allow_infinity=False)))
    if X.size and draw(st.integers(0, 3)) == 0:  # NaN or inf in a quarter of the arrays
        cells = rng.integers(X.size, size=draw(st.integers(1, 3)))
        X.flat[cells] = draw(st.sampled_from(SPECIAL_VALUES))
    dtype = draw(st.sampled_from(["float64", "float32", "int64", "bool"]))
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype == "float32":
            return X.astype(np.float32)  # values beyond float32 become inf
        if dtype == "int64":
            return np.nan_to_num(np.clip(X, -1e9, 1e9)).round().astype(np.int64)
    return X > 0 if dtype == "bool" else X


def positive_reals(low, high):
    """Positive finite floats, extremes (and numpy scalars, whose overflow warns) included."""
    return st.one_of(st.sampled_from([5e-324, 1e-300, 1e300, np.float64(1.7e308),
                                      np.float32(1e-45)]), st.floats(low, high))


def non_negative_reals(low, high):
    return st.one_of(st.just(0.0), positive_reals(low, high))


NON_FINITE = st.sampled_from([np.nan, np.inf, -np.inf])
NOT_POSITIVE = st.one_of(NON_FINITE, st.sampled_from([0.0, -5e-324, -1.0]))
NEGATIVE = st.one_of(NON_FINITE, st.sampled_from([-5e-324, -1.0]))
NOT_A_COUNT = st.sampled_from([0, -1, np.int64(-3), 2.5, np.nan])


@st.composite
def parameters(draw, valid, invalid):
    """Valid values for every parameter; in about half the examples, one of them is then
    replaced by an invalid value."""
    params = {name: draw(strategy) for name, strategy in valid.items()}
    corrupted = draw(st.one_of(st.none(), st.sampled_from(sorted(invalid))))
    if corrupted is not None:
        params[corrupted] = draw(invalid[corrupted])
    return params


def is_int(value, low=1, high=None):
    return (isinstance(value, Integral) and value >= low
            and (high is None or value <= high))


def is_real(value, low=0.0, *, open_low=False):
    return (isinstance(value, Real) and bool(np.isfinite(value))
            and (value > low if open_low else value >= low))


def is_positive(value):
    return is_real(value, open_low=True)


def run(function, *args, **kwargs):
    """``function``'s result, or the ValueError or TypeError it raised, whose message must
    name its cause; any RuntimeWarning fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return function(*args, **kwargs)
        except (ValueError, TypeError) as error:
            assert any(fragment in str(error) for fragment in CLEAR_FRAGMENTS), repr(error)
            return error


def check_outcome(result, params, valid, data_ok):
    """An invalid parameter gives an InvalidParameterError naming it; otherwise the call
    fails only on bad data. Returns whether there is a result to check further."""
    invalid = [name for name, value in params.items() if not valid[name](value)]
    if invalid:
        assert isinstance(result, InvalidParameterError), (invalid, result)
        assert any(f"'{name}' parameter" in str(result) for name in invalid), str(result)
        return False
    if not data_ok:
        assert isinstance(result, ValueError) and not isinstance(
            result, InvalidParameterError), result
        return False
    assert not isinstance(result, Exception), result
    return True


def as_float(X):
    with np.errstate(over="ignore"):
        return np.asarray(X, dtype=np.float64)


def finite_rows(X, min_rows=1):
    return len(X) >= min_rows and bool(np.isfinite(as_float(X)).all())


class Stuck:
    """Repeats the last context row: a model that has learnt nothing."""

    sequence_length = 10

    def simulate(self, n_steps, X_context):
        return np.repeat(np.asarray(X_context, dtype=np.float64)[-1:], n_steps, axis=0)


class Diverged(Stuck):
    """Free runs full of ``value`` (NaN, inf, or finite but enormous)."""

    def __init__(self, value):
        self.value = value

    def simulate(self, n_steps, X_context):
        return np.full((n_steps, np.shape(X_context)[1]), self.value)


# ----------------------------------------------------------------------------------------
# The reported cases.

X = np.random.default_rng(0).standard_normal((300, 2))


@pytest.mark.parametrize("params, name", [
    ({"margin": np.nan}, "margin"),  # returned 0.0, "perfect", for disjoint series
    ({"margin": -1.0}, "margin"),
    ({"margin": np.inf}, "margin"),
    ({"method": "gmm", "scale": 0}, "scale"),  # NaN
    ({"method": "gmm", "scale": np.inf}, "scale"),
    ({"method": "gmm", "n_mc": 0}, "n_mc"),  # NaN
    ({"pseudo_count": np.inf}, "pseudo_count"),  # NaN
    ({"pseudo_count": 0.0}, "pseudo_count"),
    ({"method": "gmm", "n_centres": 0}, "n_centres"),  # "high <= 0" from numpy
    ({"n_bins": 0}, "n_bins"),
    ({"n_bins": 2**53 + 1}, "n_bins"),
    ({"n_bins": 30.0}, "n_bins"),
    ({"method": "kde"}, "method"),
    ({"direction": "both"}, "direction"),
    ({"random_state": "seed"}, "random_state"),
])
def test_state_space_divergence_rejects_invalid_parameters(params, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        state_space_divergence(X, X + 100, **params)


@pytest.mark.parametrize("params, name", [
    ({"smoothing": np.nan}, "smoothing"),  # returned 0.0
    ({"smoothing": np.inf}, "smoothing"),  # OverflowError
    ({"smoothing": -1.0}, "smoothing"),
    ({"segment_length": 1}, "segment_length"),
    ({"cutoff": np.inf}, "cutoff"),
])
def test_power_spectrum_distance_rejects_invalid_parameters(params, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        power_spectrum_distance(X, X[::-1], **params)


def test_non_finite_data_is_an_error_but_a_diverged_run_is_not():
    bad = X.copy()
    bad[5, 1] = np.nan
    for measure in (state_space_divergence, power_spectrum_distance):
        with pytest.raises(ValueError, match="X_true contains NaN"):
            measure(bad, X)
        with pytest.raises(ValueError, match="X_true contains infinity"):
            measure(np.where(np.isnan(bad), np.inf, bad), X)
        assert np.isfinite(measure(X, bad))
    assert np.isfinite(state_space_divergence(X, np.full_like(X, np.inf)))
    assert power_spectrum_distance(X, np.full_like(X, np.nan)) == 1.0


@pytest.mark.parametrize("call, name", [
    (lambda: prediction_error(Stuck(), X, 0), "n_steps"),
    (lambda: prediction_error(Stuck(), X, np.nan), "n_steps"),
    (lambda: prediction_error(Stuck(), X, 5, n_warmup=0), "n_warmup"),
    (lambda: prediction_error(Stuck(), X, 5, stride=-1), "stride"),
    (lambda: prediction_error(object(), X, 5), "estimator"),
    (lambda: valid_prediction_time(Stuck(), X, np.nan), "threshold"),
    (lambda: valid_prediction_time(Stuck(), X, np.inf), "threshold"),
    (lambda: valid_prediction_time(Stuck(), X, lyapunov=-0.9), "lyapunov"),
    (lambda: valid_prediction_time(Stuck(), X, lyapunov=np.inf), "lyapunov"),
    (lambda: valid_prediction_time(Stuck(), X, dt=0.0), "dt"),
    (lambda: valid_prediction_time(Stuck(), X, max_steps=0), "max_steps"),
])
def test_forecast_measures_reject_invalid_parameters(call, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        call()


def test_forecast_measures_say_how_many_samples_they_need():
    with pytest.raises(ValueError, match="X has 5 samples, too few for n_warmup=10: at "
                                         "least 11 are needed"):
        valid_prediction_time(Stuck(), X[:5])  # was "n_steps must be ... got -5"
    with pytest.raises(ValueError, match="X has 20 samples.*at least 60 are needed"):
        prediction_error(Stuck(), X[:20], 50)


def test_forecast_measures_on_constant_data_and_diverged_runs():
    constant = np.ones((100, 2))
    # Constant data: errors are absolute; a model that stays put is always valid.
    assert valid_prediction_time(Stuck(), constant, max_steps=20).steps == 20
    assert prediction_error(Stuck(), constant, 5) == 0.0
    # A diverged model ranks below every finite one and stays a number.
    largest = np.finfo(np.float64).max
    for value in (np.nan, np.inf, 1e308):
        assert prediction_error(Diverged(value), X, 5) == largest
        assert valid_prediction_time(Diverged(value), X, max_steps=20).steps == 0


@pytest.mark.parametrize("make, message", [
    (lambda: make_free_run_scorer(n_warmup=-3), "'n_warmup' parameter"),
    (lambda: make_free_run_scorer(observation_noise=np.inf), "'observation_noise' parameter"),
    (lambda: make_free_run_scorer(n_bins=0), "'n_bins' parameter"),
    (lambda: make_free_run_scorer(margin=np.nan), "'margin' parameter"),
    (lambda: make_free_run_scorer("power_spectrum_distance", smoothing=-1),
     "'smoothing' parameter"),
    (lambda: make_prediction_error_scorer(0), "'n_steps' parameter"),
    (lambda: make_prediction_error_scorer(5, stride=0), "'stride' parameter"),
    (lambda: make_valid_prediction_time_scorer(np.nan), "'threshold' parameter"),
    (lambda: make_valid_prediction_time_scorer(max_steps=0), "'max_steps' parameter"),
])
def test_scorers_check_their_parameters_when_made(make, message):
    # Inside a search a scorer's error would become a NaN score and a warning.
    with pytest.raises(InvalidParameterError, match=message):
        make()


@pytest.mark.parametrize("make", [
    lambda: make_free_run_scorer(bins=30),
    lambda: make_free_run_scorer("power_spectrum_distance", n_bins=30),
    lambda: make_free_run_scorer(X_gen=X),
    lambda: make_prediction_error_scorer(5, warmup=10),
    lambda: make_valid_prediction_time_scorer(0.4, X=X),
])
def test_scorers_reject_parameters_their_measure_does_not_take(make):
    with pytest.raises(TypeError, match="unexpected parameter"):
        make()


def test_free_run_scorer_uses_the_fitted_window_length():
    class AutoWindow(Stuck):
        sequence_length = "auto"
        sequence_length_ = 10

    block = np.random.default_rng(1).standard_normal((300, 2))
    scorer = make_free_run_scorer("power_spectrum_distance")
    assert scorer(AutoWindow(), block) == scorer(Stuck(), block)


def test_zero_margin_puts_the_maximum_in_the_last_bin():
    """As in np.histogramdd, the grid's last bin is closed; before, the data's maximum fell
    off a grid without margin."""
    rng = np.random.default_rng(2)
    P, Q = rng.standard_normal((500, 2)), rng.standard_normal((400, 2))
    edges = [np.linspace(lo, hi, 11) for lo, hi in zip(P.min(0), P.max(0), strict=True)]
    hp, _ = np.histogramdd(P, bins=edges)
    hq, _ = np.histogramdd(Q, bins=edges)
    p = (hp + 1e-5) / (len(P) + 1e-5 * 100)
    q = (hq + 1e-5) / (len(Q) + 1e-5 * 100)
    expected = np.sum(p * np.log(p / q))
    assert state_space_divergence(P, Q, 10, margin=0.0) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("exponent", [-1060, -1000, 900, 1000])
def test_measures_do_not_depend_on_units_down_to_subnormal_and_up_to_overflow(exponent):
    rng = np.random.default_rng(3)
    unit = 2.0**exponent
    # In these units the data are subnormal or near overflow (squares overflow from 1e154);
    # dividing by the unit is exact, and gives the same data in ordinary units.
    P, Q = rng.standard_normal((2000, 3)) * unit, 0.9 * rng.standard_normal((2000, 3)) * unit
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for params in ({}, {"direction": "gen_true"}, {"method": "gmm", "n_mc": 300}):
            assert state_space_divergence(P, Q, **params) == pytest.approx(
                state_space_divergence(P / unit, Q / unit, **params), rel=1e-9)
        assert power_spectrum_distance(P, Q) == pytest.approx(
            power_spectrum_distance(P / unit, Q / unit), rel=1e-9)


def test_extreme_but_valid_parameters_give_finite_results():
    rng = np.random.default_rng(4)
    P, Q = rng.standard_normal((500, 2)), rng.standard_normal((500, 2)) + 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for params in ({"n_bins": 2**53}, {"pseudo_count": 1e300}, {"pseudo_count": 5e-324},
                       {"margin": 1e300}, {"method": "gmm", "scale": 1e300}):
            assert np.isfinite(state_space_divergence(P, Q, **params)), params
        # Components so narrow that a sample has no density under the other mixture: +inf,
        # as documented, not NaN; identical series still score 0.
        assert state_space_divergence(P, Q, method="gmm", scale=1e-300) == np.inf
        assert state_space_divergence(P, P, method="gmm", scale=1e-300) == 0.0
        # A grid of 30**300 bins (an OverflowError before), and a margin so wide that every
        # point falls into one bin.
        wide = rng.standard_normal((200, 300))
        assert np.isfinite(state_space_divergence(wide, wide[::-1], method="binning"))
        for margin in (1e300, np.float64(1e308), np.float32(3e38)):
            assert state_space_divergence(P, Q, margin=margin) == pytest.approx(0, abs=1e-12)
        assert np.isfinite(state_space_divergence(P, Q, margin=np.float64(5e-324)))
        # A smoothing far wider than the spectrum flattens it (a MemoryError before).
        assert power_spectrum_distance(P, Q, smoothing=1e300) < 1e-3


# ----------------------------------------------------------------------------------------
# Properties: any data and parameters give a finite result or a clear ValueError/TypeError.

SSD_VALID = {
    "n_bins": lambda v: is_int(v, 1, 2**53),
    "method": lambda v: v in ("auto", "binning", "gmm"),
    "direction": lambda v: v in ("true_gen", "gen_true"),
    "pseudo_count": is_positive,
    "margin": is_real,
    "n_centres": is_int,
    "scale": is_positive,
    "n_mc": is_int,
}


@st.composite
def pairs(draw, min_rows=0):
    """X_true and X_gen with the same number of features."""
    n_features = draw(st.integers(1, 5))
    return (draw(data_arrays(n_features, min_rows=min_rows)),
            draw(data_arrays(n_features, min_rows=min_rows)))


@given(data=pairs(), params=parameters(
    valid={"n_bins": st.one_of(st.integers(1, 60), st.just(2**53)),
           "method": st.sampled_from(["auto", "binning", "gmm"]),
           "direction": st.sampled_from(["true_gen", "gen_true"]),
           "pseudo_count": positive_reals(1e-12, 10.0),
           "margin": non_negative_reals(0.0, 1.0),
           "n_centres": st.integers(1, 300),
           "scale": positive_reals(0.01, 10.0),
           "n_mc": st.integers(1, 1500)},
    invalid={"n_bins": st.one_of(NOT_A_COUNT, st.just(2**53 + 1)),
             "method": st.just("kde"), "direction": st.just("both"),
             "pseudo_count": NOT_POSITIVE, "margin": NEGATIVE, "n_centres": NOT_A_COUNT,
             "scale": NOT_POSITIVE, "n_mc": NOT_A_COUNT}))
def test_state_space_divergence_outcomes(data, params):
    X_true, X_gen = data
    result = run(state_space_divergence, X_true, X_gen, **params)
    data_ok = finite_rows(X_true) and len(X_gen) >= 1
    if not check_outcome(result, params, SSD_VALID, data_ok):
        return
    mixtures = params["method"] == "gmm" or (params["method"] == "auto"
                                            and X_true.shape[1] > 5)
    if mixtures or params["direction"] == "gen_true":
        assert not np.isnan(result) and result != -np.inf  # +inf documented there
    else:
        assert np.isfinite(result)
    if not mixtures:
        assert result >= -1e-9  # a Kullback-Leibler divergence of histograms


PSD_VALID = {
    "smoothing": is_real,
    "segment_length": lambda v: v is None or is_int(v, 2),
    "cutoff": lambda v: v is None or is_int(v, 2),
}


@given(data=pairs(), params=parameters(
    valid={"smoothing": non_negative_reals(0.0, 50.0),
           "segment_length": st.one_of(st.none(), st.integers(2, 300)),
           "cutoff": st.one_of(st.none(), st.integers(2, 300))},
    invalid={"smoothing": NEGATIVE, "segment_length": st.sampled_from([1, 0, 2.5]),
             "cutoff": st.sampled_from([1, -1, np.inf])}))
def test_power_spectrum_distance_outcomes(data, params):
    X_true, X_gen = data
    result = run(power_spectrum_distance, X_true, X_gen, **params)
    if check_outcome(result, params, PSD_VALID, finite_rows(X_true) and len(X_gen) >= 1):
        assert 0.0 <= result <= 1.0


MODELS = st.sampled_from([Stuck(), Diverged(np.nan), Diverged(np.inf), Diverged(1e308)])
FORECAST_VALID = {"n_steps": is_int, "n_warmup": is_int, "stride": is_int,
                  "threshold": is_real, "lyapunov": lambda v: v is None or is_positive(v),
                  "dt": is_positive, "max_steps": is_int}


COUNTS = {"n_steps": st.integers(1, 30), "n_warmup": st.integers(1, 30),
          "stride": st.integers(1, 30)}


@given(X=data_arrays(), model=MODELS, params=parameters(
    valid=COUNTS, invalid=dict.fromkeys(COUNTS, NOT_A_COUNT)))
def test_prediction_error_outcomes(X, model, params):
    result = run(prediction_error, model, X, **params)
    enough = len(X) >= (params["n_warmup"] + params["n_steps"]
                        if is_int(params["n_warmup"]) and is_int(params["n_steps"]) else 0)
    if check_outcome(result, params, FORECAST_VALID, finite_rows(X) and enough):
        assert 0.0 <= result <= np.finfo(np.float64).max


VPT_PARAMETERS = parameters(
    valid={"threshold": non_negative_reals(0.0, 2.0),
           "lyapunov": st.one_of(st.none(), positive_reals(0.01, 10.0)),
           "dt": positive_reals(1e-3, 1.0), "max_steps": st.integers(1, 50),
           "n_warmup": st.integers(1, 30), "stride": st.integers(1, 30)},
    invalid={"threshold": NEGATIVE, "lyapunov": NOT_POSITIVE, "dt": NOT_POSITIVE,
             "max_steps": NOT_A_COUNT, "n_warmup": NOT_A_COUNT, "stride": NOT_A_COUNT})


@given(X=data_arrays(), model=MODELS, params=VPT_PARAMETERS)
def test_valid_prediction_time_outcomes(X, model, params):
    result = run(valid_prediction_time, model, X, **params)
    enough = is_int(params["n_warmup"]) and len(X) > params["n_warmup"]
    if check_outcome(result, params, FORECAST_VALID, finite_rows(X) and enough):
        assert 0 <= result.steps <= params["max_steps"]
        if params["lyapunov"] is not None:
            assert result.lyapunov_times >= 0


@given(X=data_arrays(), model=MODELS,
       measure=st.sampled_from(["state_space_divergence", "power_spectrum_distance"]),
       params=parameters(
           valid={"n_warmup": st.one_of(st.none(), st.integers(1, 50)),
                  "observation_noise": non_negative_reals(0.0, 0.5)},
           invalid={"n_warmup": NOT_A_COUNT, "observation_noise": NEGATIVE}))
def test_free_run_scorer_outcomes(X, model, measure, params):
    scorer = run(make_free_run_scorer, measure, **params)
    if not check_outcome(scorer, params, {"n_warmup": lambda v: v is None or is_int(v),
                                          "observation_noise": is_real}, True):
        return
    score = run(scorer, model, X)
    if finite_rows(X, min_rows=2):
        assert not isinstance(score, Exception), score
        # Minus a divergence (+inf where documented) or minus a distance in [0, 1].
        assert score <= 1e-9 and not np.isnan(score)
        if measure == "power_spectrum_distance":
            assert score >= -1.0
    else:
        assert isinstance(score, ValueError)


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan, 1e308])
@pytest.mark.parametrize("measure", ["state_space_divergence", "power_spectrum_distance"])
def test_enormous_noise_on_a_diverged_run_is_still_a_score(value, measure):
    """Found by the slow hypothesis profile: inf + noise overflowed with a RuntimeWarning."""
    X = np.array([[0.0], [0.0], [-1.0]])
    scorer = make_free_run_scorer(measure, observation_noise=1.7e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = scorer(Diverged(value), X)
    assert score <= 1e-9 and not np.isnan(score)
