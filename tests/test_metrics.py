"""The reconstruction measures on cases with known answers."""

import math

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError

from skchaos import metrics
from skchaos.datasets import Lorenz63, make_lorenz63
from skchaos.metrics import (
    StateSpaceReference,
    make_free_run_scorer,
    make_prediction_error_scorer,
    make_valid_prediction_time_scorer,
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
    valid_prediction_time,
)


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
    # Finite but so large that the spread overflows: as diverged as inf, not a perfect 0.
    exploding = 1e300 * np.exp(np.linspace(0, 10, len(slow)))[:, None]
    assert power_spectrum_distance(slow, np.minimum(exploding, 1e308)) == 1.0


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


def test_gmm_divergence_known_answers(rng):
    X = rng.standard_normal((3000, 8))
    same = state_space_divergence(X, X, method="gmm")
    other = state_space_divergence(X, rng.standard_normal((3000, 8)), method="gmm")
    far = state_space_divergence(X, X + 5.0, method="gmm")
    assert abs(same) < 1e-12 and abs(other) < 0.2 and far > 10 * max(other, 0.05)
    # "auto" uses mixtures above 5 features.
    assert state_space_divergence(X, X + 5.0) == far
    assert np.isinf(state_space_divergence(X, np.full_like(X, np.nan), method="gmm"))


@pytest.mark.parametrize("method, params", [("binning", {}), ("gmm", {"scale": 0.3})])
def test_both_kl_directions(method, params):
    """A model that covers only one lobe of the attractor: missing mass is what KL(true ||
    gen) punishes; KL(gen || true) barely notices it."""
    X = make_lorenz63(50_000, random_state=0)
    one_lobe = make_lorenz63(50_000, random_state=1)
    one_lobe = one_lobe[one_lobe[:, 0] > 0]
    forward = state_space_divergence(X, one_lobe, method=method, **params)
    reverse = state_space_divergence(X, one_lobe, method=method, direction="gen_true",
                                     **params)
    assert forward > 3 * reverse
    assert reverse < 1.0


def test_power_spectrum_segments_and_cutoff(rng):
    noise_a, noise_b = rng.standard_normal((2, 2**16, 1))
    whole = power_spectrum_distance(noise_a, noise_b, smoothing=0)
    averaged = power_spectrum_distance(noise_a, noise_b, smoothing=0, segment_length=1024)
    assert averaged < 0.5 * whole  # averaging over segments removes periodogram noise
    t = np.arange(8192)[:, None]
    slow_plus_fast = np.sin(0.05 * t) + np.sin(2.5 * t)
    # Above the cutoff the two series differ; below it they agree.
    assert power_spectrum_distance(np.sin(0.05 * t), slow_plus_fast, cutoff=500) < 0.05
    assert power_spectrum_distance(np.sin(0.05 * t), slow_plus_fast) > 0.3


class _Oracle:
    """Continues the true series exactly (finds the context in it)."""

    sequence_length = 10

    def __init__(self, X, stuck=False):
        self.X, self.stuck = X, stuck

    def simulate(self, n_steps, X_context):
        end = int(np.nonzero((self.X == X_context[-1]).all(axis=1))[0][0])
        if self.stuck:
            return np.repeat(X_context[-1:], n_steps, axis=0)
        return self.X[end + 1:end + 1 + n_steps]


def test_prediction_error_and_valid_time_with_oracles():
    X = make_lorenz63(3000, random_state=0)
    oracle, stuck = _Oracle(X), _Oracle(X, stuck=True)
    assert prediction_error(oracle, X, 50) == 0.0
    assert prediction_error(stuck, X, 50) > prediction_error(stuck, X, 5) > 0
    vpt = valid_prediction_time(oracle, X, lyapunov=0.9056, dt=0.01, max_steps=300)
    assert vpt.steps == 300 and vpt.lyapunov_times == pytest.approx(0.9056 * 0.01 * 300)
    assert 0 < valid_prediction_time(stuck, X, max_steps=300).steps < 300
    scorer = make_prediction_error_scorer(20)
    assert scorer(oracle, X) == 0.0 and scorer(stuck, X) < 0
    assert make_valid_prediction_time_scorer(max_steps=200)(oracle, X) == 200


class _TrueLorenz:
    """Integrates Lorenz-63 on from the last context row: a perfect model."""

    sequence_length = 10

    def simulate(self, n_steps, X_context):
        return Lorenz63().generate(n_steps, dt=0.01, n_transient=1,
                                   initial_state=X_context[-1])


def test_divergence_scorer_rates_a_perfect_model_near_the_floor_on_short_blocks():
    # The true system scored on 3,000-sample blocks: a generated run only as long as the
    # block would add its own sampling noise (measured: divergence 1.1-1.6 on these
    # blocks); the scorer's long runs from several starts bring it to 0.26-0.35, near the
    # floor set by the block alone (0.3-0.6 against a 10^5-step reference).
    blocks = make_lorenz63(9000, random_state=7).reshape(3, 3000, 3)
    scorer = make_free_run_scorer("state_space_divergence")
    scores = [scorer(_TrueLorenz(), block) for block in blocks]
    assert all(-0.6 < score <= 0 for score in scores)


def test_matched_observation_noise_scores_the_true_system_best():
    # Against blocks with 5% noise the clean true system scores far from them (measured:
    # -1.2 to -1.7); with the same noise added to its runs it gains more than 0.35
    # (-0.43 to -0.79), and scores better than with too little or too much noise.
    noisy = make_lorenz63(9000, noise=0.05, random_state=7).reshape(3, 3000, 3)
    levels = (0.0, 0.02, 0.05, 0.1, 0.2)
    scores = np.array([[make_free_run_scorer(observation_noise=level)(_TrueLorenz(), block)
                        for level in levels] for block in noisy])
    assert np.all(np.argmax(scores, axis=1) == levels.index(0.05))
    assert np.all(scores[:, 2] - scores[:, 0] > 0.35)
    with pytest.raises(ValueError, match="observation_noise"):
        make_free_run_scorer(observation_noise=-0.1)


def test_free_run_scorer_matches_the_estimator_score(lorenz_model_data):
    est, X_test = lorenz_model_data
    scorer = make_free_run_scorer("state_space_divergence")
    assert scorer(est, X_test) == pytest.approx(est.score(X_test), rel=1e-12)
    with pytest.raises(ValueError, match="measure"):
        make_free_run_scorer("mse")


@pytest.fixture(scope="module")
def lorenz_model_data():
    from skchaos import ChaoticRNNRegressor

    X = make_lorenz63(4000, random_state=0)
    est = ChaoticRNNRegressor(n_latent=8, n_epochs=3, random_state=0).fit(X[:3000])
    return est, X[3000:]


# ----------------------------------------------------------------------------------------
# StateSpaceReference: the reference histogram prepared once, with the old results.


def _smoothed_kl_before_the_reference(codes_p, n_p, codes_q, n_q, n_bins, pseudo_count):
    """``_smoothed_kl`` before StateSpaceReference (commit e180d99), verbatim: the
    reference formula the prepared histograms must reproduce bit for bit."""
    occupied, inverse = np.unique(np.concatenate([codes_p, codes_q]), axis=0,
                                  return_inverse=True)
    inverse = inverse.ravel()
    counts_p = np.bincount(inverse[:len(codes_p)], minlength=len(occupied))
    counts_q = np.bincount(inverse[len(codes_p):], minlength=len(occupied))

    n_features = codes_p.shape[1]
    log_alpha = math.log(pseudo_count)
    log_smoothing = log_alpha + n_features * math.log(n_bins)  # log(pseudo_count * K)
    log_norm_p = float(np.logaddexp(math.log(n_p), log_smoothing))
    log_norm_q = float(np.logaddexp(math.log(n_q), log_smoothing))
    log_p = np.log(counts_p + pseudo_count) - log_norm_p
    log_q = np.log(counts_q + pseudo_count) - log_norm_q
    divergence = float(np.sum(np.exp(log_p) * (log_p - log_q)))
    # Bins that neither series visits all hold the same smoothed mass.
    n_empty = int(n_bins) ** n_features - len(occupied)
    if n_empty > 0:
        empty_mass_p = math.exp(math.log(n_empty) + log_alpha - log_norm_p)
        divergence += empty_mass_p * (log_norm_q - log_norm_p)
    return divergence


def _divergence_before_the_reference(X_true, X_gen, n_bins=30, *, direction="true_gen",
                                     pseudo_count=1e-5, margin=0.05):
    """The binned ``state_space_divergence`` of commit e180d99 (its checks, rescaling and
    binning are unchanged in skchaos.metrics)."""
    X_true, X_gen = metrics._in_units_of(*metrics._check_pair(X_true, X_gen))
    low = X_true.min(axis=0)
    width = X_true.max(axis=0) - low
    width[width == 0] = 1.0
    codes_true = metrics._bin_codes(X_true, low, width, n_bins, margin)
    codes_gen = metrics._bin_codes(X_gen, low, width, n_bins, margin)
    if direction == "true_gen":
        return _smoothed_kl_before_the_reference(codes_true, len(X_true), codes_gen,
                                                 len(X_gen), n_bins, pseudo_count)
    if len(codes_gen) == 0:
        return float("inf")
    return _smoothed_kl_before_the_reference(codes_gen, len(codes_gen), codes_true,
                                             len(X_true), n_bins, pseudo_count)


def _layout(reference):
    histogram = reference._histogram
    return "dense" if histogram._dense else "flat" if histogram._flat else "rows"


# Bins per feature around the layouts' limits: 2**20 bins in all is the dense limit,
# 2**63 the flat limit (2**21 bins on 3 features, 2**31 + 1 on 2).
N_BINS = st.one_of(st.sampled_from([1, 2, 3, 30, 32, 33, 1024, 1025, 2**20, 2**20 + 1,
                                    2**21, 2**31, 2**31 + 1, 2**53]),
                   st.integers(1, 2**53))


@st.composite
def generated_pairs(draw):
    """X_true (finite) and runs X_gen in the same units: near the data, shifted, wider or
    narrower, partly off the grid, with non-finite rows, of any magnitude."""
    n_features = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    unit = 2.0 ** draw(st.sampled_from([-1060, -30, 0, 30, 1000]))
    n_true = draw(st.integers(1, 400))
    if draw(st.booleans()):
        X_true = rng.standard_normal((n_true, n_features))
    else:  # few distinct rows: repeated bins, constant features
        X_true = rng.integers(-2, 3, (n_true, n_features)).astype(np.float64)
    runs = []
    for _ in range(2):
        n_gen = draw(st.integers(1, 400))
        X_gen = (draw(st.sampled_from([0.2, 1.0, 3.0])) * rng.standard_normal(
            (n_gen, n_features)) + draw(st.sampled_from([0.0, 0.5, 10.0])))
        special = draw(st.sampled_from([None, np.nan, np.inf, -np.inf, 1e300]))
        if special is not None:
            X_gen[rng.random(X_gen.shape) < draw(st.sampled_from([0.1, 1.0]))] = special
        with np.errstate(over="ignore"):  # 1e300 in units of 2**1000 is inf
            runs.append(X_gen * unit)
    return X_true * unit, runs


@given(data=generated_pairs(), n_bins=N_BINS,
       direction=st.sampled_from(["true_gen", "gen_true"]),
       pseudo_count=st.sampled_from([1e-5, 1e-300, 0.5, 1e300]),
       margin=st.sampled_from([0.0, 0.05, 0.5, 1e300]))
def test_prepared_reference_reproduces_the_former_divergence_bit_for_bit(
        data, n_bins, direction, pseudo_count, margin):
    X_true, runs = data
    params = dict(direction=direction, pseudo_count=pseudo_count, margin=margin)
    reference = StateSpaceReference(X_true, n_bins, method="binning", **params)
    event(f"layout: {_layout(reference)}")
    expected = [_divergence_before_the_reference(X_true, X_gen, n_bins, **params)
                for X_gen in runs]
    # Twice over both runs: a call leaves the prepared reference as it was.
    assert [reference.divergence(X_gen) for X_gen in runs + runs] == expected + expected
    assert [state_space_divergence(X_true, X_gen, n_bins, method="binning", **params)
            for X_gen in runs] == expected


@pytest.mark.parametrize("n_features, n_bins, layout", [
    (3, 30, "dense"), (4, 32, "dense"), (4, 33, "flat"), (2, 2**31, "flat"),
    (3, 2**21 - 1, "flat"), (3, 2**21, "rows"), (5, 2**53, "rows")])
@pytest.mark.parametrize("direction", ["true_gen", "gen_true"])
def test_each_histogram_layout_reproduces_the_former_divergence(n_features, n_bins, layout,
                                                               direction):
    """Dense counts up to 2**20 bins, occupied flat bin numbers up to 2**63 - 1, rows of
    codes beyond; on coarse grids (many rows to a bin) and fine ones (one a bin)."""
    rng = np.random.default_rng(n_features)
    X_true = rng.standard_normal((3000, n_features))
    X_gen = 1.2 * rng.standard_normal((2000, n_features)) + 0.3
    X_gen[::10] = np.nan
    X_gen[5::10] = 50.0  # off the grid
    reference = StateSpaceReference(X_true, n_bins, direction=direction)
    assert _layout(reference) == layout
    for run in (X_gen, X_gen[::-1], X_true):
        expected = _divergence_before_the_reference(X_true, run, n_bins, direction=direction)
        assert reference.divergence(run) == expected


@pytest.mark.parametrize("limit, layout", [("_MAX_DENSE_BINS", "flat"),
                                           ("_MAX_FLAT_BINS", "rows")])
def test_fallback_layouts_on_the_lorenz_grid(monkeypatch, limit, layout):
    """The sparse layouts on a grid dense enough to be counted densely, and on the
    measure's reference case: the same value, bit for bit."""
    X = make_lorenz63(20_000, random_state=0)
    runs = [make_lorenz63(20_000, random_state=1), X[:, [1, 0, 2]], np.full_like(X, np.inf)]
    dense = StateSpaceReference(X)
    assert _layout(dense) == "dense"
    expected = [_divergence_before_the_reference(X, run) for run in runs]
    assert [dense.divergence(run) for run in runs] == expected
    monkeypatch.setattr(metrics, limit, 1)
    sparse = StateSpaceReference(X)
    assert _layout(sparse) == layout
    assert [sparse.divergence(run) for run in runs] == expected


def test_reference_checks_its_inputs_and_keeps_the_units_of_x_true():
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((500, 2)), rng.standard_normal((400, 2)) + 0.5
    with pytest.raises(InvalidParameterError, match="'n_bins' parameter"):
        StateSpaceReference(X, n_bins=0)
    with pytest.raises(InvalidParameterError, match="'margin' parameter"):
        StateSpaceReference(X, margin=np.nan)
    with pytest.raises(ValueError, match="X_true contains NaN"):
        StateSpaceReference(np.where(X > 2, np.nan, X))
    reference = StateSpaceReference(X)
    with pytest.raises(ValueError, match="X_true has 2 features but X_gen has 3"):
        reference.divergence(np.ones((10, 3)))
    # X_gen is rescaled by X_true's power of two: the units cancel, and a run too large
    # for the data's units overflows (without a warning) and falls off the grid.
    for unit in (2.0**1000, 2.0**-1060):
        reference = StateSpaceReference(X * unit, direction="gen_true")
        assert reference.divergence(Y * unit) == state_space_divergence(
            X, Y, direction="gen_true")
    assert reference.divergence(np.ones_like(Y)) == np.inf
    assert np.isfinite(StateSpaceReference(X).divergence(np.full_like(Y, np.nan)))


def test_reference_with_mixtures_delegates_to_them():
    rng = np.random.default_rng(6)
    X, Y = rng.standard_normal((600, 6)), rng.standard_normal((500, 6)) + 0.2
    reference = StateSpaceReference(X, scale=0.5, n_mc=300)  # "auto": 6 features
    assert reference.method_ == "gmm"
    expected = state_space_divergence(X, Y, method="gmm", scale=0.5, n_mc=300)
    assert reference.divergence(Y) == reference.divergence(Y) == expected
    assert StateSpaceReference(X[:, :5]).method_ == "binning"
    assert StateSpaceReference(X[:, :5], method="gmm").method_ == "gmm"
