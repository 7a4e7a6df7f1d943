"""The compiled PLRNN kernels against finite differences and plain numpy."""

import numpy as np
import pytest

from skchaos._kernels.plrnn import (
    IDENTITY_FORCING,
    PINV_FORCING,
    ForcingMap,
    Weights,
    WindowBatch,
    Workspace,
    forced_pass,
    forward_backward,
    free_run,
    one_step_map,
)

M, N, SEQ_LEN, N_BATCH = 6, 3, 20, 4


def _random_model(rng, mode):
    a = rng.uniform(0.5, 0.9, M)
    W = 0.3 * rng.standard_normal((M, M))
    np.fill_diagonal(W, 0.0)
    h = 0.1 * rng.standard_normal(M)
    C = 0.5 * rng.standard_normal((M, N))
    if mode == PINV_FORCING:
        B = rng.standard_normal((N, M))
    else:
        B = np.hstack([np.eye(N), np.zeros((N, M - N))])
    P = np.ascontiguousarray(np.linalg.pinv(B))
    return a, W, h, B, C, P


def _loss_and_grads(mode, params, X, starts, schedule, noise, n_linear=0):
    """Kernel loss and gradients; ``schedule`` is (tau, strength, alpha)."""
    a, W, h, B, C, P = params
    tau, strength, alpha = schedule
    work = Workspace(np.empty((SEQ_LEN + 1, N_BATCH, M)), np.empty((SEQ_LEN, N_BATCH, M)),
                     np.empty((SEQ_LEN, N_BATCH, N)), np.empty((SEQ_LEN, N_BATCH, N)),
                     np.empty((SEQ_LEN, N_BATCH, M)))
    grads = Weights(np.empty(M), np.empty((M, M)), np.empty(M), np.empty((N, M)),
                    np.empty((M, N)), n_linear)
    batch = WindowBatch(X, starts, SEQ_LEN, tau, strength, alpha, noise)
    loss = forward_backward(Weights(a, W, h, B, C, n_linear), ForcingMap(mode, P), batch,
                            work, grads)
    return loss, list(grads)


def _phi(z, n_linear):
    return np.concatenate([z[:n_linear], np.maximum(z[n_linear:], 0)])


def _numpy_loss(mode, params, X, starts, schedule, noise, n_linear=0):
    """The same loss written directly from the method's definition."""
    a, W, h, B, C, P = params
    tau, strength, alpha = schedule
    total = 0.0
    for b, s in enumerate(starts):
        x0 = X[s] + noise[0, b]
        if mode == PINV_FORCING:
            z = P @ x0
        else:
            z = C @ x0
            z[:N] = x0
        for t in range(1, SEQ_LEN + 1):
            z = a * z + W @ _phi(z, n_linear) + h
            x_hat = B @ z if mode == PINV_FORCING else z[:N]
            total += np.sum((x_hat - X[s + t]) ** 2)
            if t == SEQ_LEN:
                break
            s_t = strength if tau and t % tau == 0 else alpha
            x_teacher = X[s + t] + noise[t, b]
            if mode == PINV_FORCING:
                z = (1 - s_t) * z + s_t * (P @ x_teacher)
            else:
                z[:N] = (1 - s_t) * z[:N] + s_t * x_teacher
    return total / (N_BATCH * SEQ_LEN * N)


# (tau, strength at tau, alpha elsewhere): sparse forcing, classical teacher forcing, none,
# partial sparse forcing, generalised teacher forcing alone and combined with sparse.
SCHEDULES = [(1, 1.0, 0.0), (7, 1.0, 0.0), (0, 1.0, 0.0), (1, 0.6, 0.0), (7, 0.3, 0.0),
             (0, 1.0, 0.4), (7, 1.0, 0.2)]


@pytest.mark.parametrize("n_linear", [0, 4])
@pytest.mark.parametrize("mode", [IDENTITY_FORCING, PINV_FORCING])
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_gradient_matches_finite_differences(mode, schedule, n_linear, rng):
    X = rng.standard_normal((200, N))
    starts = np.array([0, 10, 50, 150], dtype=np.int64)
    params = _random_model(rng, mode)
    noise = 0.05 * rng.standard_normal((SEQ_LEN, N_BATCH, N))
    loss, grads = _loss_and_grads(mode, params, X, starts, schedule, noise, n_linear)
    expected = _numpy_loss(mode, params, X, starts, schedule, noise, n_linear)
    assert loss == pytest.approx(expected, rel=1e-12)

    a, W, h, B, C, _ = params
    trained = [(a, grads[0]), (W, grads[1]), (h, grads[2])]
    trained.append((B, grads[3]) if mode == PINV_FORCING else (C, grads[4]))
    eps = 1e-6
    for param, grad in trained:
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            if param is W and idx[0] == idx[1]:
                continue  # W's diagonal is fixed at zero
            if param is C and idx[0] < N:
                continue  # the observed units start at the data
            old = param[idx]
            param[idx] = old + eps
            up, _ = _loss_and_grads(mode, params, X, starts, schedule, noise, n_linear)
            param[idx] = old - eps
            down, _ = _loss_and_grads(mode, params, X, starts, schedule, noise, n_linear)
            param[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        scale = np.abs(numeric).max()
        assert scale > 0
        np.testing.assert_allclose(grad, numeric, atol=1e-6 * scale, rtol=1e-5)
    assert np.all(np.diag(grads[1]) == 0.0)


def test_pinv_forcing_cuts_the_gradient_chain(rng):
    """With tau = 1 and pinv forcing, every step's loss depends on one step only."""
    X = rng.standard_normal((100, N))
    starts = np.array([0, 5, 20, 40], dtype=np.int64)
    params = _random_model(rng, PINV_FORCING)
    a, W, h, B, _, P = params
    noise = np.zeros((SEQ_LEN, N_BATCH, N))
    _, grads = _loss_and_grads(PINV_FORCING, params, X, starts, (1, 1.0, 0.0), noise)
    # The same gradient from one-step pairs (x_{t-1} -> x_t) assembled by hand.
    grad_h = np.zeros(M)
    for s in starts:
        for t in range(1, SEQ_LEN + 1):
            z = P @ X[s + t - 1]
            z_next = a * z + W @ np.maximum(z, 0) + h
            grad_h += 2 * B.T @ (B @ z_next - X[s + t])
    grad_h /= N_BATCH * SEQ_LEN * N
    np.testing.assert_allclose(grads[2], grad_h, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n_linear", [0, 4])
@pytest.mark.parametrize("mode", [IDENTITY_FORCING, PINV_FORCING])
def test_free_run_forced_pass_and_one_step_match_numpy(mode, n_linear, rng):
    a, W, h, B, C, P = _random_model(rng, mode)
    a *= 0.5  # a contracting model keeps the long run finite
    W *= 0.5
    X = rng.standard_normal((12, N))

    weights, forcing = Weights(a, W, h, B, C, n_linear), ForcingMap(mode, P)
    z = forced_pass(weights, forcing, X, np.zeros(M))
    z_ref = np.zeros(M)
    for t, x in enumerate(X):
        if t > 0:
            z_ref = a * z_ref + W @ _phi(z_ref, n_linear) + h
        if mode == PINV_FORCING:
            z_ref = P @ x
        else:
            z_ref[:N] = x
    np.testing.assert_allclose(z, z_ref, rtol=1e-13, atol=1e-13)

    out = np.empty((30, N))
    z_end = free_run(weights, forcing, z, out)
    for t in range(30):
        z_ref = a * z_ref + W @ _phi(z_ref, n_linear) + h
        np.testing.assert_allclose(out[t], B @ z_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(z_end, z_ref, rtol=1e-12, atol=1e-12)

    one_step = np.empty_like(X)
    one_step_map(weights, forcing, X, one_step)
    for t, x in enumerate(X):
        z0 = P @ x if mode == PINV_FORCING else np.concatenate([x, (C @ x)[N:]])
        expected = B @ (a * z0 + W @ _phi(z0, n_linear) + h)
        np.testing.assert_allclose(one_step[t], expected, rtol=1e-12, atol=1e-12)
