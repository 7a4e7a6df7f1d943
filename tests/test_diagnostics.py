"""Gradient diagnostics: bounded for contracting models, growing for chaotic ones."""

import pytest

from skchaos import ChaoticRNNRegressor
from skchaos.datasets import make_lorenz63
from skchaos.diagnostics import gradient_norms


@pytest.fixture(scope="module")
def fitted():
    X = make_lorenz63(6000, random_state=0)
    est = ChaoticRNNRegressor(model="plrnn", forcing="pinv", gtf_alpha=0.0, n_latent=10,
                              tau=20, sequence_length=60, n_epochs=30,
                              validation_fraction=0.0, random_state=0).fit(X)
    return est, X


def _with_scaled_recurrence(est, factor):
    """A copy whose whole linear map is scaled: spectral radius well below or above 1."""
    import copy

    other = copy.deepcopy(est)
    other.A_ = factor * est.A_
    other.W_ = factor * est.W_
    return other


def test_norms_stay_bounded_for_a_contracting_model(fitted):
    est, X = fitted
    contracting = _with_scaled_recurrence(est, 0.3)
    norms = gradient_norms(contracting, X, [20, 100, 400])
    assert norms[-1] < 1.5 * norms[0]


def test_norms_grow_without_forcing_and_forcing_bounds_them(fitted):
    est, X = fitted
    expanding = _with_scaled_recurrence(est, 1.15)
    free = gradient_norms(expanding, X, [10, 40, 80])
    assert free[2] > 10 * free[0]  # exponential growth with the window length
    forced = gradient_norms(expanding, X, [10, 40, 80], tau=10)
    assert forced[2] < 3 * forced[0]  # pinv forcing cuts the chain every 10 steps


def test_partial_forcing_passes_gradients_across_forcing_points(fitted):
    """With strength alpha a forcing step keeps (1 - alpha) of the gradient, so the chain
    grows again once (1 - alpha) times the growth over tau steps exceeds 1."""
    est, X = fitted
    expanding = _with_scaled_recurrence(est, 1.15)
    lengths = [10, 40, 80]
    full = gradient_norms(expanding, X, lengths, tau=10)
    expanding.set_params(forcing_strength=0.5)
    partial = gradient_norms(expanding, X, lengths, tau=10)
    assert partial[0] == pytest.approx(full[0])  # no forcing step inside 10 steps
    assert partial[2] > 10 * partial[0]
    assert partial[2] > 10 * full[2]


def test_argument_errors(fitted):
    est, X = fitted
    with pytest.raises(ValueError, match="sequence length"):
        gradient_norms(est, X, [0])
    with pytest.raises(ValueError, match="tau"):
        gradient_norms(est, X, [10], tau=0)
