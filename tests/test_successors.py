"""The paper's successors: the almost-linear RNN, generalised teacher forcing with its
adaptive strength, and the model families through the estimator."""

import numpy as np
import pytest

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos._kernels.lyapunov import QRSchedule
from skchaos._training import adaptive_alpha
from skchaos.dynamics import ALRNN, PLRNN


def _random_alrnn(rng, forcing="identity", M=7, N=2, P=3):
    model = ALRNN(M, N, P, forcing).initialise(np.random.RandomState(0))
    model.a[:] = rng.uniform(0.3, 0.9, M)
    model.W[:] = 0.5 * rng.standard_normal((M, M)) / np.sqrt(M)
    np.fill_diagonal(model.W, 0.0)
    model.h[:] = 0.3 * rng.standard_normal(M)
    model.C[:] = 0.5 * rng.standard_normal(model.C.shape)
    return model


def test_alrnn_step_and_jacobian_follow_the_definition(rng):
    model = _random_alrnn(rng)
    z = rng.standard_normal(model.n_latent)
    phi = np.concatenate([z[:4], np.maximum(z[4:], 0)])  # M - P = 4 linear units
    np.testing.assert_allclose(model.step(z), model.a * z + model.W @ phi + model.h,
                               rtol=1e-14, atol=1e-14)
    eps = 1e-7
    numeric = np.column_stack([(model.step(z + eps * e) - model.step(z - eps * e)) / (2 * eps)
                               for e in np.eye(model.n_latent)])
    np.testing.assert_allclose(model.jacobian(z), numeric, atol=1e-7)


def test_identity_forcing_starts_unobserved_units_from_the_learned_map(rng):
    model = _random_alrnn(rng)
    x = rng.standard_normal(model.n_features)
    z = model.force(x)
    np.testing.assert_array_equal(z[:2], x)
    np.testing.assert_allclose(z[2:], model.C[2:] @ x, rtol=1e-14)
    # The one-step map starts from the same state.
    np.testing.assert_allclose(model.one_step(x[None])[0], model.step(z)[:2], rtol=1e-13)


@pytest.mark.parametrize("forcing", ["identity", "pinv"])
@pytest.mark.parametrize(("tau", "alpha"), [(5, 0.0), (None, 0.3), (5, 0.3)])
def test_alrnn_gradient_with_gtf_matches_finite_differences(forcing, tau, alpha, rng):
    model = _random_alrnn(rng, forcing)
    X = rng.standard_normal((80, model.n_features))
    starts = np.array([0, 7, 30], dtype=np.int64)
    gradient = model.minibatch_gradient(X, 12, tau, batch_size=3, alpha=alpha)
    _, grad = gradient(starts)
    grad = grad.copy()
    theta = model.parameters
    M = model.n_latent
    # Under pinv forcing B also moves pinv(B), which the gradient treats as data: only the
    # recurrent parameters there; under identity forcing the initial map too.
    size = theta.size if forcing == "identity" else 2 * M + M * M
    eps = 1e-6
    w_diagonal = M + np.arange(M) * (M + 1)  # fixed at zero, not trained
    for i in rng.choice(np.setdiff1d(np.arange(size), w_diagonal), 30, replace=False):
        old = theta[i]
        theta[i] = old + eps
        up = gradient(starts)[0]
        theta[i] = old - eps
        down = gradient(starts)[0]
        theta[i] = old
        assert grad[i] == pytest.approx((up - down) / (2 * eps), abs=1e-7, rel=1e-5)


def test_adaptive_alpha_is_one_minus_the_inverse_jacobian_norm(rng):
    """On states where every unit is active the PLRNN's Jacobian is diag(a) + W."""
    model = PLRNN(5, 2)
    model.a[:] = 0.5
    model.W[:] = rng.uniform(0.0, 0.6, (5, 5))
    np.fill_diagonal(model.W, 0.0)
    states = rng.uniform(0.1, 1.0, (4, 3, 5))
    norm = np.linalg.norm(np.diag(model.a) + model.W, 2)
    assert norm > 1
    assert adaptive_alpha(model, states, rng) == pytest.approx(1 - 1 / norm, rel=1e-12)
    model.W[:] *= 0.01  # contracting: no forcing needed
    assert adaptive_alpha(model, states, rng) == 0.0


SMALL = dict(n_epochs=6, batches_per_epoch=3, random_state=0)


@pytest.mark.parametrize("params", [
    dict(model="alrnn", n_latent=10, n_piecewise=3, forcing="identity"),
    dict(model="shplrnn", n_latent=3, n_hidden=12, forcing="identity"),
    dict(model="clipped_shplrnn", n_latent=5, n_hidden=12, forcing="pinv"),
])
@pytest.mark.parametrize("gtf_alpha", [0.0, "auto"])
@pytest.mark.filterwarnings("ignore:The largest Lyapunov exponent")
def test_every_model_fits_predicts_and_has_a_spectrum(params, gtf_alpha, lorenz_train):
    est = ChaoticRNNRegressor(gtf_alpha=gtf_alpha, **params, **SMALL).fit(lorenz_train)
    assert np.isfinite(est.predict(500)).all()
    assert est.predict(lorenz_train[:5]).shape == (5, 3)
    alphas = np.asarray(est.gtf_alpha_curve_)
    assert len(alphas) == est.n_iter_ and np.all((alphas >= 0) & (alphas < 1))
    if gtf_alpha == 0.0:
        assert np.all(alphas == 0.0)
    spectrum = LyapunovSpectrum(estimator=est, n_steps=500, n_transient=100).fit(
        lorenz_train)
    assert spectrum.exponents_.shape == (est.n_latent,)
    assert_sum_rule(est.dynamics_, est.latent_state_)


def assert_sum_rule(model, z0, n_transient=50, n_steps=300):
    """The kernel's full spectrum sums to the mean log|det J| along the same orbit."""
    M = model.n_latent
    exponents, _ = model.tangent_spectrum(z0, QRSchedule(n_transient, n_steps, 1), np.eye(M),
                                          np.zeros((10, M)))
    z = np.array(z0, dtype=np.float64)
    for _ in range(n_transient):
        z = model.step(z)
    log_det = 0.0
    for _ in range(n_steps):
        log_det += np.linalg.slogdet(model.jacobian(z))[1]
        z = model.step(z)
    assert np.sum(exponents) == pytest.approx(log_det / n_steps, rel=1e-8, abs=1e-10)


def test_model_parameters_are_checked(lorenz_train):
    with pytest.raises(ValueError, match="n_piecewise=9 is larger than n_latent=4"):
        ChaoticRNNRegressor(model="alrnn", n_latent=4, n_piecewise=9).fit(lorenz_train)
    est = ChaoticRNNRegressor(model="alrnn", n_latent=6, forcing="identity", **SMALL)
    est.fit(lorenz_train)
    est.set_params(model="plrnn", warm_start=True)
    with pytest.raises(ValueError, match="the same model"):
        est.fit(lorenz_train)


@pytest.mark.parametrize(("model", "expected"), [("plrnn", 80), ("alrnn", 20),
                                                 ("clipped_shplrnn", 3)])
def test_auto_latent_size_depends_on_the_model(model, expected, lorenz_train):
    est = ChaoticRNNRegressor(model=model, n_latent="auto", n_hidden=8, n_epochs=1,
                              batches_per_epoch=1, validation_fraction=0.0,
                              random_state=0).fit(lorenz_train)
    assert est.dynamics_.n_latent == expected


def test_a_checkpoint_whose_run_leaves_the_data_range_is_never_kept(lorenz_train):
    from skchaos.metrics import FreeRunDivergence
    from skchaos.regressor import _Validation

    X = (lorenz_train - lorenz_train.mean(0)) / lorenz_train.std(0)
    plan = [(X[-400:], 50, 2000)]
    rule = FreeRunDivergence(X, 2000, n_starts=1)
    low, high = X.min(axis=0), X.max(axis=0)
    validate = _Validation(rule, plan, (low + high) / 2, (high - low) / 2)
    contracting = PLRNN(6, 3, "pinv").initialise(np.random.RandomState(0))
    contracting.a[:] = 0.5
    contracting.W[:] = 0.0
    assert np.isfinite(validate(contracting))
    exploding = contracting.copy()
    exploding.a[:] = 0.999
    exploding.h[:] = 1.0  # drifts by ~h / (1 - a) = 1000 standard deviations
    assert validate(exploding) == -np.inf
