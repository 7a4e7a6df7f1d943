"""ChaoticRNNRegressor on bad, extreme and hostile input: a result, or a clear error."""

import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skchaos import ChaoticRNNRegressor, _training
from skchaos.dynamics import PLRNN
from skchaos.dynamics.plrnn import PLRNNGradient
from skchaos.exceptions import TrainingDivergedError


def _fitted_state(est):
    """The fitted attributes, the latent model's parameters as a copied array."""
    state = {name: value for name, value in vars(est).items() if name.endswith("_")}
    if "dynamics_" in state:
        state["dynamics_"] = state["dynamics_"].parameters.copy()
    return state


def _assert_same_state(before, after):
    assert before.keys() == after.keys()
    for name, value in before.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, after[name], err_msg=name)
        elif isinstance(value, list):
            assert value == after[name], name


class _Interrupt:
    """Stands in for train_restart and raises as Ctrl-C would, mid-fit."""

    def __call__(self, *args, **kwargs):
        raise KeyboardInterrupt


@pytest.mark.parametrize("failure", ["too short", "other features", "divergence",
                                     "interrupt"])
def test_a_failed_refit_leaves_the_estimator_as_it_was(failure, lorenz_train, small_params,
                                                       monkeypatch):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    before = _fitted_state(est)
    expected_run = est.predict(20)
    if failure == "too short":
        call, error = (lambda: est.fit(np.random.default_rng(0).normal(size=(20, 5)))), \
            ValueError
    elif failure == "other features":
        est.set_params(n_latent=2)  # fewer latent units than the new data's 5 features
        call, error = (lambda: est.fit(np.ones((500, 5)))), ValueError
    elif failure == "divergence":
        est.set_params(learning_rate=1e6)
        call, error = (lambda: est.fit(lorenz_train)), TrainingDivergedError
    else:
        monkeypatch.setattr("skchaos.regressor.train_restart", _Interrupt())
        call, error = (lambda: est.fit(lorenz_train[:, :2])), KeyboardInterrupt
    with pytest.raises(error):
        call()
    _assert_same_state(before, _fitted_state(est))
    np.testing.assert_array_equal(est.predict(20), expected_run)


def test_a_failed_first_fit_leaves_the_estimator_unfitted(small_params):
    est = ChaoticRNNRegressor(**small_params)
    with pytest.raises(ValueError, match="needs at least 31"):
        est.fit(np.zeros((20, 3)))
    assert _fitted_state(est) == {}
    with pytest.raises(NotFittedError):
        est.predict(5)


@pytest.mark.parametrize("attribute, value", [
    ("latent_state_", np.zeros(3)),
    ("dynamics_", PLRNN(8, 2)),  # a model of other features than the fit's 3
])
def test_inconsistent_fitted_attributes_never_reach_a_kernel(attribute, value, lorenz_train,
                                                            small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    setattr(est, attribute, value)
    for call in (lambda: est.predict(5), lambda: est.predict(lorenz_train[:4]),
                 lambda: est.simulate(5, lorenz_train[:10]),
                 lambda: est.score(lorenz_train[:100])):
        with pytest.raises(ValueError, match=f"fitted attribute {re.escape(attribute)}"):
            call()


@pytest.mark.parametrize("attribute, shape", [("B_", (5, 8)), ("W_", (7, 7)), ("h_", (9,)),
                                              ("A_", (3, 3))])
def test_parameters_of_the_wrong_shape_cannot_be_assigned(attribute, shape, lorenz_train,
                                                         small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    expected_run = est.predict(20)
    with pytest.raises(ValueError, match=f"fitted attribute {re.escape(attribute)}"):
        setattr(est, attribute, np.zeros(shape))
    np.testing.assert_array_equal(est.predict(20), expected_run)


def test_assigned_parameters_write_into_the_model(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    est.A_ = 0.5 * est.A_
    est.h_ = est.h_ + 1.0
    np.testing.assert_array_equal(est.A_, np.diag(est.dynamics_.a))
    assert est.h_ is not None and np.shares_memory(est.h_, est.dynamics_.parameters)
    with pytest.raises(ValueError, match="diagonal"):
        est.A_ = np.ones_like(est.A_)


def test_an_exploding_loss_is_a_divergence_even_while_finite(lorenz_train, small_params,
                                                            monkeypatch):
    # A learning rate of 10 runs the loss up to 1e143 times its start without ever
    # becoming non-finite (benchmarks/studies/study_loss_explosion.py).
    est = ChaoticRNNRegressor(**dict(small_params, learning_rate=10.0, n_epochs=300,
                                     validation_fraction=0.0))
    with pytest.raises(TrainingDivergedError, match="minibatch loss grew from"):
        est.fit(lorenz_train)
    assert _fitted_state(est) == {}


def test_the_explosion_threshold_is_relative_to_the_first_loss(monkeypatch):
    """A loss just below the factor times the first passes; just above it raises."""
    config = _training.TrainingConfig(seq_len=5, tau=2, batch_size=2, batches_per_epoch=2,
                                      n_epochs=1, learning_rate=1e-3)
    X = np.random.default_rng(0).normal(size=(50, 2))
    starts = _training.window_starts([50], 5)
    factor = _training.LOSS_EXPLOSION_FACTOR
    for second, raises in ((0.99 * factor * 3.0, False), (1.01 * factor * 3.0, True)):
        losses = iter([3.0, second])

        def fake_loss(self, starts, noise=None, losses=losses):
            return next(losses), np.zeros(self.model.parameters.size)

        monkeypatch.setattr(PLRNNGradient, "__call__", fake_loss)
        params = PLRNN(4, 2).initialise(np.random.RandomState(0))
        if raises:
            with pytest.raises(TrainingDivergedError, match="grew from 3 to"):
                _training.train(params, X, starts, config, np.random.RandomState(0))
        else:
            _training.train(params, X, starts, config, np.random.RandomState(0))


@pytest.mark.parametrize("magnitude", [1e-300, 1e155, 1e300])
def test_extreme_magnitudes_fit_like_ordinary_data(magnitude, lorenz_train, small_params):
    """Standardisation is computed without overflow; outputs come back in data units."""
    X = lorenz_train / np.abs(lorenz_train).max()  # within [-1, 1]
    reference = ChaoticRNNRegressor(**small_params).fit(X)
    est = ChaoticRNNRegressor(**small_params).fit(X * magnitude)
    run = est.predict(30)
    assert np.isfinite(run).all()
    np.testing.assert_allclose(run / magnitude, reference.predict(30), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(est.predict(X[:5] * magnitude) / magnitude,
                               reference.predict(X[:5]), rtol=1e-6, atol=1e-9)
    assert np.isfinite(est.score(X[:200] * magnitude))


def test_data_that_cannot_be_standardised_are_refused(lorenz_train, small_params):
    X = lorenz_train.copy()
    X[:, 0] = np.where(np.arange(len(X)) % 10, 1.7e308, -1.7e308)  # x - mean overflows
    with pytest.raises(ValueError, match="overflows float64"):
        ChaoticRNNRegressor(**small_params).fit(X)
    with pytest.raises(ValueError, match="standardize=True"):
        ChaoticRNNRegressor(**dict(small_params, standardize=False)).fit(lorenz_train * 1e155)
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train * 1e-3)  # scales below 1
    with pytest.raises(ValueError, match="overflows float64"):
        est.predict(np.full((3, 3), 1.7e308))


def test_free_run_length_is_checked_before_any_work(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params).fit(lorenz_train)
    with pytest.raises(ValueError, match=r"needs 2\d+\.\d GiB .* available"):
        est.predict(10**12)
    with pytest.raises(ValueError, match="GiB"):
        est.simulate(10**12, X_context=lorenz_train[:10])
    for bad in (2.5, True, np.float64(3.0), "10"):
        with pytest.raises(TypeError, match="n_steps must be an int"):
            est.predict(bad)
    assert est.predict(np.int64(3)).shape == (3, 3)


@pytest.mark.filterwarnings("ignore:No checkpoint's validation free run")  # 3 epochs
def test_lists_of_trials_must_be_two_dimensional(lorenz_train, small_params):
    est = ChaoticRNNRegressor(**small_params)
    x = lorenz_train[:, 0]
    with pytest.raises(ValueError, match="trial 0 has 1 dimension"):
        est.fit([x[:2000], x[2000:]])
    with pytest.raises(ValueError, match="trial 1 has 1 dimension"):
        est.fit([lorenz_train[:2000], x[2000:]])
    with pytest.raises(ValueError, match="empty list"):
        est.fit([])
    # Nested Python lists are one array, as everywhere in scikit-learn.
    est.fit(lorenz_train[:500].tolist())
    assert est.n_features_in_ == 3
    with pytest.raises(ValueError, match="trial 0 has 1 dimension"):
        est.score([x[:100]])
    est.fit([x[:2000, None], x[2000:, None]])  # univariate trials, as asked
    assert est.n_features_in_ == 1


def test_short_series_adapt_the_window_and_warn(lorenz_train):
    est = ChaoticRNNRegressor(n_latent=8, n_epochs=2, random_state=0)
    with pytest.warns(UserWarning, match="training windows of 99 steps instead of 200"):
        est.fit(lorenz_train[:100])
    assert est.sequence_length_ == 99
    with pytest.warns(UserWarning, match="X has 100 samples. Fewer than about 2000"):
        est.fit(lorenz_train[:100])
    est.fit(lorenz_train)
    assert est.sequence_length_ == 200
    with pytest.raises(ValueError, match="sequence_length=30 needs at least 31"):
        est.set_params(sequence_length=30).fit(lorenz_train[:20])


def test_warnings_name_the_users_call(lorenz_train, small_params):
    with pytest.warns(UserWarning) as record:
        ChaoticRNNRegressor(**dict(small_params, tau=30)).fit(lorenz_train[:300])
    assert {w.filename for w in record} == {__file__}
