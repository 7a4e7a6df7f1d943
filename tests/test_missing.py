"""Missing values (NaN): training across gaps with ``missing="skip"``, and clear refusals.

The kernels' loss with gaps is checked against a plain NumPy reference built from the
models' own ``step``/``force``, and its gradient against finite differences; the forced
pass against the same reference for random gap patterns (hypothesis).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.dynamics import ALRNN, PLRNN, ShallowPLRNN
from skchaos.metrics import (
    FreeRunDivergence,
    power_spectrum_distance,
    prediction_error,
    recording_floor,
    state_space_divergence,
)
from skchaos.preprocessing import DelayEmbedding

FAMILIES = {
    "plrnn_pinv": lambda: PLRNN(6, 2, "pinv"),
    "plrnn_identity": lambda: PLRNN(6, 2, "identity"),
    "alrnn": lambda: ALRNN(6, 2, 3, "identity"),
    "shallow": lambda: ShallowPLRNN(3, 2, 8, clipped=False),
    "clipped": lambda: ShallowPLRNN(3, 2, 8, clipped=True),
}


def _model(name, seed=0):
    """A model of the family, moved off its initialisation, whose zero biases and initial
    map put states exactly on ReLU kinks (where finite differences are one-sided)."""
    model = FAMILIES[name]()
    rng = np.random.RandomState(seed)
    model.initialise(rng)
    model.parameters[:] += 0.1 * rng.standard_normal(model.parameters.size)
    model.constrain()
    return model


def _series_with_gaps(rng, n=60, n_features=2):
    X = rng.standard_normal((n, n_features))
    X[rng.random(n) < 0.2] = np.nan  # whole rows missing
    X[rng.random(n) < 0.1, 1] = np.nan  # single entries missing
    X[0] = rng.standard_normal(n_features)  # a window starts at a complete row
    return X


def _reference_loss(model, X, start, seq_len, tau):
    """Mean squared error of one window over its targets, with forcing (strength 1) every
    ``tau`` steps at complete rows only, and at the first complete row after a gap, which
    is no target: plain Python over the model's methods."""
    z = model.force(X[start])
    squares, count = 0.0, 0
    for t in range(1, seq_len + 1):
        z = model.step(z)
        x_hat = model.B @ z
        target = X[start + t]
        observed = ~np.isnan(target)
        after_gap = np.isnan(X[start + t - 1]).any()
        if not after_gap:
            squares += float(np.sum((x_hat[observed] - target[observed]) ** 2))
            count += int(observed.sum())
        if t < seq_len and observed.all() and (t % tau == 0 or after_gap):
            z = model.force(target, z)
    return squares, count


@pytest.mark.parametrize("family", FAMILIES)
def test_loss_with_gaps_matches_a_plain_reference(family, rng):
    model = _model(family)
    X = _series_with_gaps(rng)
    starts = np.array([0, 0, 0, 0], dtype=np.int64)
    seq_len, tau = 20, 4
    loss, _ = model.minibatch_gradient(X, seq_len, tau, len(starts))(starts)
    squares, count = _reference_loss(model, X, 0, seq_len, tau)
    assert count < seq_len * 2  # the window does hold gaps
    np.testing.assert_allclose(loss, squares / count, rtol=1e-10)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_gradient_with_gaps_matches_finite_differences(family, alpha, rng):
    model = _model(family)
    X = _series_with_gaps(rng)
    complete = np.flatnonzero(~np.isnan(X[:40]).any(axis=1))
    starts = complete[:4].astype(np.int64)
    gradient = model.minibatch_gradient(X, 15, 5, len(starts), alpha=alpha)
    loss, grad = gradient(starts)
    grad = grad.copy()
    theta = model.parameters
    checked = grad != 0
    if model.forcing == "pinv":  # pinv(B) is data to the gradient, by design: not B's
        checked[model._views(np.arange(theta.size))[-2].ravel()] = False
    picks = rng.choice(np.flatnonzero(checked), size=min(25, np.count_nonzero(checked)),
                       replace=False)
    eps = 1e-6
    for i in picks:
        saved = theta[i]
        theta[i] = saved + eps
        up = gradient(starts)[0]
        theta[i] = saved - eps
        down = gradient(starts)[0]
        theta[i] = saved
        np.testing.assert_allclose(grad[i], (up - down) / (2 * eps), rtol=1e-4, atol=1e-7)
    assert np.isfinite(loss)


@pytest.mark.parametrize("family", ["plrnn_pinv", "clipped"])
def test_complete_series_trains_as_before(family, rng):
    """Without NaN, the kernels' loss and gradient do not depend on the gap handling: a
    window with an all-NaN tail scores its observed head exactly."""
    model = _model(family)
    X = rng.standard_normal((40, 2))
    starts = np.array([0, 3], dtype=np.int64)
    loss_head, grad_head = model.minibatch_gradient(X, 10, 3, 2)(starts)
    grad_head = grad_head.copy()
    X_tail = X.copy()
    X_tail[14:] = np.nan  # beyond every window: nothing changes
    loss_tail, grad_tail = model.minibatch_gradient(X_tail, 10, 3, 2)(starts)
    assert loss_tail == loss_head
    np.testing.assert_array_equal(grad_tail, grad_head)


@given(mask=st.lists(st.booleans(), min_size=12, max_size=12))
def test_forced_pass_runs_free_across_gaps(mask):
    model = _model("alrnn", seed=1)
    X = np.random.default_rng(1).standard_normal((12, 2))
    X[np.array(mask)] = np.nan
    if np.isnan(X).all():
        with pytest.raises(ValueError, match="at least one complete row"):
            model.forced_state(X)
        return
    first = int(np.argmax(~np.isnan(X).any(axis=1)))
    z = model.force(X[first])
    for row in X[first + 1:]:
        z = model.step(z)
        if not np.isnan(row).any():
            z = model.force(row, z)
    np.testing.assert_allclose(model.forced_state(X), z, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------ the estimator
FAST = dict(n_latent=4, n_hidden=16, sequence_length=40, batch_size=8, batches_per_epoch=2,
            n_epochs=4, random_state=0)


def _with_gaps(X, fraction=0.3, seed=0):
    X = X.copy()
    rng = np.random.default_rng(seed)
    missing = np.zeros(len(X), dtype=bool)
    while missing.mean() < fraction:
        start = rng.integers(0, len(X) - 20)
        missing[start:start + rng.integers(1, 20)] = True
    X[missing] = np.nan
    return X


def test_nan_is_refused_by_default_with_the_remedy(lorenz_train):
    X = _with_gaps(lorenz_train)
    with pytest.raises(ValueError, match="missing='skip'"):
        ChaoticRNNRegressor(**FAST).fit(X)
    est = ChaoticRNNRegressor(**FAST).fit(lorenz_train)
    for call in (est.predict, est.score, lambda X: est.simulate(10, X)):
        with pytest.raises(ValueError, match="NaN"):
            call(X[:200])


def test_fit_skips_gaps(lorenz_train):
    X = _with_gaps(lorenz_train)
    est = ChaoticRNNRegressor(missing="skip", **FAST).fit(X)
    np.testing.assert_allclose(est.data_mean_, np.nanmean(X, axis=0), rtol=1e-12)
    np.testing.assert_allclose(est.data_scale_, np.nanstd(X, axis=0), rtol=1e-12)
    np.testing.assert_array_equal(est.data_range_, [np.nanmin(X, axis=0),
                                                    np.nanmax(X, axis=0)])
    assert np.isfinite(est.latent_state_).all()
    assert np.isfinite(est.predict(50)).all()
    assert np.isfinite(est.score(X[-1000:]))
    assert np.isfinite(est.simulate(20, X[-300:])).all()
    one_step = est.predict(X[:100])
    np.testing.assert_array_equal(np.isnan(one_step).any(axis=1),
                                  np.isnan(X[:100]).any(axis=1))
    assert est.__sklearn_tags__().input_tags.allow_nan
    assert not ChaoticRNNRegressor().__sklearn_tags__().input_tags.allow_nan


def test_skip_on_a_complete_series_is_the_plain_fit(lorenz_train):
    plain = ChaoticRNNRegressor(**FAST).fit(lorenz_train)
    skip = ChaoticRNNRegressor(missing="skip", **FAST).fit(lorenz_train)
    np.testing.assert_array_equal(plain.dynamics_.parameters, skip.dynamics_.parameters)
    assert plain.loss_curve_ == skip.loss_curve_


def test_windows_start_at_complete_rows(lorenz_train):
    X = _with_gaps(lorenz_train, fraction=0.5)
    est = ChaoticRNNRegressor(missing="skip", **FAST)
    series = (X - np.nanmean(X, axis=0)) / np.nanstd(X, axis=0)
    _, starts, _ = est._split_validation(series, [len(X)], 400, 40)
    assert len(starts) and not np.isnan(series[starts]).any()


def test_state_after_fit_reaches_back_past_a_final_gap(lorenz_train):
    X = lorenz_train.copy()
    X[-100:] = np.nan  # longer than the context of sequence_length + 1 rows
    est = ChaoticRNNRegressor(missing="skip", validation_fraction=0.0, **FAST).fit(X)
    assert np.isfinite(est.latent_state_).all()


def test_inf_and_empty_features_are_refused(lorenz_train):
    X = lorenz_train.copy()
    X[5, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        ChaoticRNNRegressor(missing="skip", **FAST).fit(X)
    X = lorenz_train.copy()
    X[:, 2] = np.nan
    with (pytest.raises(ValueError, match=r"Feature\(s\) \[2\]"),
          pytest.warns(UserWarning, match="0 of them without missing values")):
        ChaoticRNNRegressor(missing="skip", **FAST).fit(X)


@pytest.mark.filterwarnings("ignore::skchaos.exceptions.UnreliableEstimateWarning")
def test_tau_auto_uses_the_longest_complete_stretch(lorenz_train):
    X = lorenz_train.copy()
    X[3000:3010] = np.nan
    with pytest.warns(UserWarning, match="longest stretch of X without missing values "
                                         r"\(3000 rows\)"):
        ChaoticRNNRegressor(missing="skip", tau="auto", **FAST).fit(X)
    X[::3] = np.nan  # no stretch longer than two rows
    with pytest.raises(ValueError, match="Set tau to an int"):
        ChaoticRNNRegressor(missing="skip", tau="auto", **FAST).fit(X)


def test_short_series_warning_counts_complete_rows(lorenz_train):
    X = _with_gaps(lorenz_train[:2500], fraction=0.3)
    with pytest.warns(UserWarning, match="of them without missing values"):
        ChaoticRNNRegressor(missing="skip", **FAST).fit(X)


# ----------------------------------------------------------- the other tools say clearly
def test_measures_refuse_gaps_and_say_what_to_do(lorenz_train):
    X = _with_gaps(lorenz_train[:2000])
    with pytest.raises(ValueError, match="leave out the incomplete rows"):
        state_space_divergence(X, lorenz_train)
    for measure in (power_spectrum_distance, lambda X, Y: recording_floor(X)):
        with pytest.raises(ValueError, match="without gaps"):
            measure(X, lorenz_train)
    est = ChaoticRNNRegressor(**FAST).fit(lorenz_train)
    with pytest.raises(ValueError, match="without gaps"):
        prediction_error(est, X, 5)


def test_free_run_rule_leaves_incomplete_rows_out(lorenz_train):
    X = _with_gaps(lorenz_train[:2000])
    complete = X[~np.isnan(X).any(axis=1)]
    run = lorenz_train[2000:]
    gapped = FreeRunDivergence(X, len(run)).reference.divergence(run)
    assert gapped == FreeRunDivergence(complete, len(run)).reference.divergence(run)


def test_lyapunov_from_data_refuses_gaps_but_a_model_takes_them(lorenz_train):
    X = _with_gaps(lorenz_train)
    with pytest.raises(ValueError, match="needs consecutive rows"):
        LyapunovSpectrum().fit(X)
    est = ChaoticRNNRegressor(missing="skip", **FAST).fit(X)
    spectrum = LyapunovSpectrum(estimator=est, n_steps=500, n_transient=10,
                                random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an untrained model: its spectrum is not the point
        assert np.isfinite(spectrum.fit(X).exponents_).all()


def test_delay_embedding_passes_gaps_through():
    x = np.arange(10.0)[:, None]
    x[4] = np.nan
    E = DelayEmbedding(dimension=2, delay=3).fit_transform(x)
    np.testing.assert_array_equal(np.isnan(E), [[False, False]] * 4 + [[True, False]]
                                  + [[False, False]] * 2 + [[False, True]]
                                  + [[False, False]] * 2)
    y = np.sin(0.3 * np.arange(400.0))[:, None]
    y[250] = np.nan
    with pytest.warns(UserWarning, match=r"longest stretch .* \(250 of 400 samples\)"):
        gapped = DelayEmbedding().fit(y)
    stretch = DelayEmbedding().fit(y[:250])
    assert (gapped.delay_, gapped.dimension_) == (stretch.delay_, stretch.dimension_)
    assert DelayEmbedding().__sklearn_tags__().input_tags.allow_nan
