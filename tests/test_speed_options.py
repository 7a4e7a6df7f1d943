"""What makes fits faster must not change what they compute: threads (chunks of windows),
float32 training kernels, and the compiled optimiser step."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skchaos import ChaoticRNNRegressor
from skchaos._kernels.optim import AdamMoments, AdamStep, adam_update
from skchaos._training import Adam, window_starts
from skchaos.datasets import make_lorenz63
from skchaos.dynamics import ALRNN, PLRNN, ShallowPLRNN
from skchaos.dynamics._compiled import MAX_CHUNKS, MIN_CHUNK_WINDOWS, chunk_count

SEQ_LEN, BATCH = 25, 32


@pytest.fixture(scope="module")
def lorenz():
    X = make_lorenz63(2000, random_state=0)
    return np.ascontiguousarray((X - X.mean(0)) / X.std(0))


MODELS = {
    "plrnn-pinv": lambda: PLRNN(10, 3, "pinv"),
    "alrnn-identity": lambda: ALRNN(8, 3, 2),
    "shallow-identity": lambda: ShallowPLRNN(4, 3, 20),
    "shallow-pinv": lambda: ShallowPLRNN(5, 3, 20, clipped=False, forcing="pinv"),
}


def _gradient(model, X, n_threads=1, dtype=np.float64, tau=7, alpha=0.2):
    return model.minibatch_gradient(X, SEQ_LEN, tau, BATCH, 0.9, alpha, n_threads, dtype)


def _single_windows(model, X, starts, noise):
    """The minibatch's loss and gradient as the mean over windows run one at a time."""
    gradient = model.minibatch_gradient(X, SEQ_LEN, 7, 1, 0.9, 0.2)
    losses, grads = [], []
    for b, start in enumerate(starts):
        loss, grad = gradient(np.array([start]), noise[:, b:b + 1])
        losses.append(loss)
        grads.append(grad.copy())
    return np.mean(losses), np.mean(grads, axis=0)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_chunks_and_threads_give_the_minibatch_gradient(name, lorenz):
    model = MODELS[name]().initialise(np.random.RandomState(0))
    rng = np.random.RandomState(1)
    starts = rng.choice(window_starts([len(lorenz)], SEQ_LEN), BATCH, replace=False)
    noise = 0.1 * rng.standard_normal((SEQ_LEN, BATCH, 3))
    one = _gradient(model, lorenz, n_threads=1)
    two = _gradient(model, lorenz, n_threads=2)
    assert one.n_chunks == two.n_chunks == 2
    loss_one, grad_one = one(starts, noise)
    grad_one = grad_one.copy()
    loss_two, grad_two = two(starts, noise)
    # The same chunks, summed in the same order: equal whatever the number of threads.
    assert loss_two == loss_one
    np.testing.assert_array_equal(grad_two, grad_one)
    # And the chunks average to the whole minibatch (each window on its own).
    loss, grad = _single_windows(model, lorenz, starts, noise)
    assert loss_one == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(grad_one, grad, rtol=1e-10, atol=1e-13)
    # The states of the last call, windows in order across the chunks.
    two(starts)
    states = two.forced_states()
    assert states.shape == (SEQ_LEN, BATCH, model.n_latent)
    first = model.step(model.force(lorenz[starts[-1]]))
    np.testing.assert_allclose(states[0, -1], first, rtol=1e-12, atol=1e-12)


# float32 compiles the training kernels a second time (half a minute from a cold cache):
# the slow suite runs it.
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MODELS))
def test_float32_kernels_agree_with_float64_to_single_precision(name, lorenz):
    model = MODELS[name]().initialise(np.random.RandomState(0))
    rng = np.random.RandomState(2)
    starts = rng.choice(window_starts([len(lorenz)], SEQ_LEN), BATCH, replace=False)
    noise = 0.1 * rng.standard_normal((SEQ_LEN, BATCH, 3))
    loss64, grad64 = _gradient(model, lorenz)(starts, noise)
    single = _gradient(model, lorenz, n_threads=2, dtype=np.float32)
    loss32, grad32 = single(starts, noise)
    assert single.X.dtype == np.float32 and grad32.dtype == np.float64
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    assert np.linalg.norm(grad32 - grad64) <= 1e-4 * np.linalg.norm(grad64)
    # The float32 copy follows the model's parameters on every call.
    model.parameters[:] *= 0.9
    assert single(starts, noise)[0] != loss32


def test_threads_through_the_estimator_change_nothing(lorenz):
    params = dict(n_hidden=20, sequence_length=30, batch_size=32, batches_per_epoch=2,
                  n_epochs=6, random_state=0)
    ref = ChaoticRNNRegressor(n_threads=1, **params).fit(lorenz)
    threaded = ChaoticRNNRegressor(n_threads=2, **params).fit(lorenz)
    np.testing.assert_array_equal(threaded.dynamics_.parameters, ref.dynamics_.parameters)
    assert threaded.validation_scores_ == ref.validation_scores_
    with pytest.raises(ValueError, match="precision"):
        ChaoticRNNRegressor(precision="float16").fit(lorenz)
    with pytest.raises(ValueError, match="n_threads"):
        ChaoticRNNRegressor(n_threads=0).fit(lorenz)


@pytest.mark.slow
def test_float32_through_the_estimator(lorenz):
    params = dict(n_hidden=20, sequence_length=30, batch_size=32, batches_per_epoch=2,
                  n_epochs=6, random_state=0)
    ref = ChaoticRNNRegressor(**params).fit(lorenz)
    single = ChaoticRNNRegressor(precision="float32", **params).fit(lorenz)
    assert single.dynamics_.parameters.dtype == np.float64
    assert single.loss_curve_[0] == pytest.approx(ref.loss_curve_[0], rel=1e-4)
    assert np.all(np.isfinite(single.predict(500)))


@given(st.integers(1, 4096))
def test_chunks_are_equal_and_large_enough(batch_size):
    chunks = chunk_count(batch_size)
    assert 1 <= chunks <= MAX_CHUNKS and batch_size % chunks == 0
    assert chunks == 1 or batch_size // chunks >= MIN_CHUNK_WINDOWS


def _numpy_adam(theta, grad, m, v, t, lr, max_norm, beta1=0.9, beta2=0.999, eps=1e-8):
    norm = np.linalg.norm(grad)
    if max_norm and norm > max_norm:
        grad = grad * (max_norm / norm)
    m[:] = beta1 * m + (1 - beta1) * grad
    v[:] = beta2 * v + (1 - beta2) * grad * grad
    theta -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)


@pytest.mark.parametrize("max_norm", [None, 0.5, 1e6])
def test_compiled_adam_matches_the_textbook_update(max_norm, rng):
    theta = rng.standard_normal(50)
    expected, m, v = theta.copy(), np.zeros(50), np.zeros(50)
    optimiser = Adam(50, 1e-2)
    for t in range(1, 6):
        grad = rng.standard_normal(50) * 10.0 ** (t - 3)
        norm = optimiser.step(theta, grad.copy(), max_norm)
        _numpy_adam(expected, grad, m, v, t, 1e-2, max_norm)
        assert norm == pytest.approx(np.linalg.norm(grad), rel=1e-13)
        np.testing.assert_allclose(theta, expected, rtol=1e-13, atol=1e-15)
    assert optimiser.t == 5


def test_a_non_finite_gradient_leaves_the_parameters_and_moments_untouched(rng):
    theta = rng.standard_normal(10)
    moments = AdamMoments(np.full(10, 0.1), np.full(10, 0.2))
    grad = rng.standard_normal(10)
    grad[3] = np.nan
    before = theta.copy()
    norm = adam_update(theta, grad, moments, AdamStep(1e-2, 0.9, 0.999, 1e-8, 1, 1.0))
    assert np.isnan(norm)
    np.testing.assert_array_equal(theta, before)
    assert np.all(moments.m == 0.1) and np.all(moments.v == 0.2)


def test_early_stopping_stops_after_validations_without_gain(lorenz, small_params):
    params = dict(small_params, n_epochs=60)  # validation every epoch
    full = ChaoticRNNRegressor(**params).fit(lorenz)
    scores = full.validation_scores_
    assert len(scores) == 60
    # The first validation that is not a new best, then that many more.
    for patience in (1, 3):
        stopped = ChaoticRNNRegressor(n_iter_no_change=patience, **params).fit(lorenz)
        since, expected = 0, len(scores)
        for i, score in enumerate(scores):
            since = 0 if score > max(scores[:i], default=-np.inf) else since + 1
            if since >= patience:
                expected = i + 1
                break
        assert expected < 60
        assert stopped.n_iter_ == len(stopped.loss_curve_) == expected
        assert stopped.validation_scores_ == scores[:expected]
        assert stopped.best_epoch_ == int(np.argmax(scores[:expected]))
