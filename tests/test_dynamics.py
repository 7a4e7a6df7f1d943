"""The latent-model protocol: the PLRNN through it, and every consumer of it."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import cross_val_score

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.diagnostics import gradient_norms
from skchaos.dynamics import PLRNN, LatentModel
from skchaos.metrics import prediction_error


def _random_plrnn(rng, forcing="pinv", M=6, N=2):
    model = PLRNN(M, N, forcing).initialise(np.random.RandomState(0))
    model.a[:] = rng.uniform(0.3, 0.9, M)
    model.W[:] = 0.5 * rng.standard_normal((M, M)) / np.sqrt(M)
    np.fill_diagonal(model.W, 0.0)
    model.h[:] = 0.3 * rng.standard_normal(M)
    return model


@pytest.mark.parametrize("forcing", ["pinv", "identity"])
def test_step_jacobian_and_forcing_follow_the_definition(forcing, rng):
    model = _random_plrnn(rng, forcing)
    z = rng.standard_normal(model.n_latent)
    expected = model.a * z + model.W @ np.maximum(z, 0) + model.h
    np.testing.assert_allclose(model.step(z), expected, rtol=1e-14, atol=1e-14)
    # The Jacobian against central differences (no unit within eps of its kink).
    eps = 1e-7
    numeric = np.column_stack([(model.step(z + eps * e) - model.step(z - eps * e)) / (2 * eps)
                               for e in np.eye(model.n_latent)])
    np.testing.assert_allclose(model.jacobian(z), numeric, atol=1e-7)
    x = rng.standard_normal(model.n_features)
    forced = model.force(x, z)
    if forcing == "pinv":
        np.testing.assert_allclose(forced, np.linalg.pinv(model.B) @ x, rtol=1e-12)
    else:
        np.testing.assert_array_equal(forced[:model.n_features], x)
        np.testing.assert_array_equal(forced[model.n_features:], z[model.n_features:])


@pytest.mark.parametrize("forcing", ["pinv", "identity"])
def test_minibatch_gradient_matches_finite_differences_of_the_flat_parameters(forcing, rng):
    model = _random_plrnn(rng, forcing)
    X = rng.standard_normal((80, model.n_features))
    starts = np.array([0, 7, 30], dtype=np.int64)
    gradient = model.minibatch_gradient(X, 12, 5, batch_size=3, forcing_strength=0.7)
    loss, grad = gradient(starts)
    grad = grad.copy()
    theta = model.parameters
    eps = 1e-6
    # B moves pinv(B) too, which the gradient treats as data (the kernel tests check B
    # with pinv(B) held fixed): perturb a, W and h here.
    n_recurrent = 2 * model.n_latent + model.n_latent ** 2
    for i in rng.choice(n_recurrent, 25, replace=False):
        old = theta[i]
        theta[i] = old + eps
        up = gradient(starts)[0]
        theta[i] = old - eps
        down = gradient(starts)[0]
        theta[i] = old
        w_diagonal = model.n_latent <= i < model.n_latent * (model.n_latent + 1) and \
            (i - model.n_latent) % (model.n_latent + 1) == 0
        expected = 0.0 if w_diagonal else (up - down) / (2 * eps)
        assert grad[i] == pytest.approx(expected, abs=1e-7, rel=1e-5)
    assert gradient(starts)[0] == loss


def test_pickle_and_copy_keep_the_views_on_one_parameter_vector(rng):
    model = _random_plrnn(rng)
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model), model.copy()):
        np.testing.assert_array_equal(other.parameters, model.parameters)
        for name in ("a", "W", "h", "B"):
            assert np.shares_memory(getattr(other, name), other.parameters), name
        other.parameters[:] = 0.0
        assert np.all(other.W == 0) and np.any(model.W != 0)


def test_from_matrices_round_trips_and_checks(rng):
    model = _random_plrnn(rng)
    again = PLRNN.from_matrices(np.diag(model.a), model.W, model.h, model.B)
    np.testing.assert_array_equal(again.parameters, model.parameters)
    with pytest.raises(ValueError, match="selection matrix"):
        PLRNN.from_matrices(np.diag(model.a), model.W, model.h, model.B, forcing="identity")
    with pytest.raises(ValueError, match="n_features <= n_latent"):
        PLRNN(2, 3)


def test_the_fitted_estimator_runs_its_latent_model(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    assert isinstance(est.dynamics_, LatentModel)
    run = est.predict(50)
    X_model = est.dynamics_.free_run(est.latent_state_, 50)[0]
    np.testing.assert_array_equal(run, X_model * est.data_scale_ + est.data_mean_)
    assert np.shares_memory(est.W_, est.dynamics_.parameters)


def test_a_bare_latent_model_works_wherever_a_fitted_estimator_does(lorenz_train,
                                                                   small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    X_std = est._transform_input(lorenz_train)
    bare = est.dynamics_
    # Spectrum: the same orbit, once the bare model starts from the estimator's state.
    from_estimator = LyapunovSpectrum(est, n_steps=2000).fit(lorenz_train)
    from_model = LyapunovSpectrum(bare, n_steps=2000, n_transient=5000).fit(X_std)
    assert from_model.estimator_ is bare and from_model.exponents_.shape == (8,)
    assert from_model.max_exponent_ == pytest.approx(from_estimator.max_exponent_, abs=0.05)
    np.testing.assert_allclose(LyapunovSpectrum(bare).fit(X_std).transform(X_std[:3]),
                               from_estimator.transform(lorenz_train[:3]), rtol=1e-12)
    # Gradient norms and forecasts: identical numbers in the model's units.
    np.testing.assert_array_equal(
        gradient_norms(bare, X_std, [10, 20], tau=5, n_windows=3),
        gradient_norms(est.set_params(forcing_strength=1.0), lorenz_train, [10, 20], tau=5,
                       n_windows=3))
    assert prediction_error(bare, X_std[:400], 5) > 0


def test_a_frozen_model_is_never_refitted(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    parameters = est.dynamics_.parameters.copy()
    spectrum = LyapunovSpectrum(FrozenEstimator(est), n_steps=500)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*FrozenEstimator")  # no refit warning
        scores = cross_val_score(spectrum, lorenz_train, cv=2,
                                 scoring=lambda ls, X, y=None: ls.max_exponent_)
    # Both folds measured the same fitted model: the same spectrum.
    assert scores[0] == scores[1]
    assert clone(spectrum).estimator.estimator is est
    np.testing.assert_array_equal(est.dynamics_.parameters, parameters)


def test_cloning_a_spectrum_of_an_unfrozen_fitted_model_warns(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    with pytest.warns(UserWarning, match="FrozenEstimator"):
        clone(LyapunovSpectrum(est))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*FrozenEstimator")
        clone(LyapunovSpectrum(ChaoticRNNRegressor()))  # unfitted: fitting is expected
        clone(LyapunovSpectrum(est.dynamics_))  # a bare model is copied, still fitted


def test_inputs_are_converted_so_each_kernel_compiles_once(rng):
    from skchaos._kernels import plrnn as kernels

    model = _random_plrnn(rng)
    X = np.arange(20.0).reshape(10, 2)
    expected = (model.simulate(3, X), model.one_step(X), model.forced_state(X))
    signatures = {name: len(getattr(kernels, name).signatures)
                  for name in ("forced_pass", "free_run", "one_step_map")}
    odd = np.asfortranarray(X.astype(np.int64))  # integers, column-major
    for got, want in zip((model.simulate(3, odd), model.one_step(odd),
                          model.forced_state(odd.tolist())), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert signatures == {name: len(getattr(kernels, name).signatures)
                          for name in signatures}
