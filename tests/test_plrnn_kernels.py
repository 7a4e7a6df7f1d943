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
    if mode == PINV_FORCING:
        B = rng.standard_normal((N, M))
    else:
        B = np.hstack([np.eye(N), np.zeros((N, M - N))])
    P = np.ascontiguousarray(np.linalg.pinv(B))
    return a, W, h, B, P


def _loss_and_grads(mode, a, W, h, B, P, X, starts, tau, noise, alpha=1.0):
    n_forcings = (SEQ_LEN - 1) // tau if tau else 0
    work = Workspace(np.empty((SEQ_LEN + 1, N_BATCH, M)),
                     np.empty((max(n_forcings, 1), N_BATCH, M)),
                     np.empty((SEQ_LEN, N_BATCH, N)), np.empty((SEQ_LEN, N_BATCH, N)),
                     np.empty((SEQ_LEN, N_BATCH, M)))
    grads = Weights(np.empty(M), np.empty((M, M)), np.empty(M), np.empty((N, M)))
    batch = WindowBatch(X, starts, SEQ_LEN, tau, alpha, noise)
    loss = forward_backward(Weights(a, W, h, B), ForcingMap(mode, P), batch, work, grads)
    return loss, list(grads)


def _numpy_loss(mode, a, W, h, B, P, X, starts, tau, noise, alpha=1.0):
    """The same loss written directly from the method's definition."""
    total = 0.0
    for b, s in enumerate(starts):
        z = np.zeros(M)
        x0 = X[s] + noise[0, b]
        if mode == PINV_FORCING:
            z = P @ x0
        else:
            z[:N] = x0
        k = 0
        for t in range(1, SEQ_LEN + 1):
            z = a * z + W @ np.maximum(z, 0) + h
            x_hat = B @ z if mode == PINV_FORCING else z[:N]
            total += np.sum((x_hat - X[s + t]) ** 2)
            if tau and t % tau == 0 and t < SEQ_LEN:
                k += 1
                x_teacher = X[s + t] + noise[k, b]
                if mode == PINV_FORCING:
                    z = (1 - alpha) * z + alpha * (P @ x_teacher)
                else:
                    z[:N] = (1 - alpha) * z[:N] + alpha * x_teacher
    return total / (N_BATCH * SEQ_LEN * N)


@pytest.mark.parametrize("mode", [IDENTITY_FORCING, PINV_FORCING])
@pytest.mark.parametrize(("tau", "alpha"), [(1, 1.0), (7, 1.0), (0, 1.0), (1, 0.6), (7, 0.3)])
def test_gradient_matches_finite_differences(mode, tau, alpha, rng):
    X = rng.standard_normal((200, N))
    starts = np.array([0, 10, 50, 150], dtype=np.int64)
    a, W, h, B, P = _random_model(rng, mode)
    n_forcings = (SEQ_LEN - 1) // tau if tau else 0
    noise = 0.05 * rng.standard_normal((n_forcings + 1, N_BATCH, N))
    loss, grads = _loss_and_grads(mode, a, W, h, B, P, X, starts, tau, noise, alpha)
    expected = _numpy_loss(mode, a, W, h, B, P, X, starts, tau, noise, alpha)
    assert loss == pytest.approx(expected, rel=1e-12)

    params = [a, W, h] + ([B] if mode == PINV_FORCING else [])
    eps = 1e-6
    for param, grad in zip(params, grads[:len(params)], strict=True):
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            if param is W and idx[0] == idx[1]:
                continue  # W's diagonal is fixed at zero
            old = param[idx]
            param[idx] = old + eps
            up, _ = _loss_and_grads(mode, a, W, h, B, P, X, starts, tau, noise, alpha)
            param[idx] = old - eps
            down, _ = _loss_and_grads(mode, a, W, h, B, P, X, starts, tau, noise, alpha)
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
    a, W, h, B, P = _random_model(rng, PINV_FORCING)
    noise = np.zeros((SEQ_LEN, N_BATCH, N))
    _, grads = _loss_and_grads(PINV_FORCING, a, W, h, B, P, X, starts, 1, noise)
    # The same gradient from one-step pairs (x_{t-1} -> x_t) assembled by hand.
    grad_h = np.zeros(M)
    for s in starts:
        for t in range(1, SEQ_LEN + 1):
            z = P @ X[s + t - 1]
            z_next = a * z + W @ np.maximum(z, 0) + h
            grad_h += 2 * B.T @ (B @ z_next - X[s + t])
    grad_h /= N_BATCH * SEQ_LEN * N
    np.testing.assert_allclose(grads[2], grad_h, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", [IDENTITY_FORCING, PINV_FORCING])
def test_free_run_forced_pass_and_one_step_match_numpy(mode, rng):
    a, W, h, B, P = _random_model(rng, mode)
    a *= 0.5  # a contracting model keeps the long run finite
    X = rng.standard_normal((12, N))

    weights, forcing = Weights(a, W, h, B), ForcingMap(mode, P)
    z = forced_pass(weights, forcing, X, np.zeros(M))
    z_ref = np.zeros(M)
    for t, x in enumerate(X):
        if t > 0:
            z_ref = a * z_ref + W @ np.maximum(z_ref, 0) + h
        if mode == PINV_FORCING:
            z_ref = P @ x
        else:
            z_ref[:N] = x
    np.testing.assert_allclose(z, z_ref, rtol=1e-13, atol=1e-13)

    out = np.empty((30, N))
    z_end = free_run(weights, forcing, z, out)
    for t in range(30):
        z_ref = a * z_ref + W @ np.maximum(z_ref, 0) + h
        np.testing.assert_allclose(out[t], B @ z_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(z_end, z_ref, rtol=1e-12, atol=1e-12)

    one_step = np.empty_like(X)
    one_step_map(weights, forcing, X, one_step)
    for t, x in enumerate(X):
        z0 = P @ x if mode == PINV_FORCING else np.concatenate([x, np.zeros(M - N)])
        expected = B @ (a * z0 + W @ np.maximum(z0, 0) + h)
        np.testing.assert_allclose(one_step[t], expected, rtol=1e-12, atol=1e-12)
