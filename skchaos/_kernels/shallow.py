"""Compiled kernels of the shallow PLRNN (shPLRNN; Hess et al., ICML 2023).

    z_t = a * z_{t-1} + W1 phi(z_{t-1}) + h1,
    phi(z) = relu(W2 z + h2)                       (standard)
    phi(z) = relu(W2 z + h2) - relu(W2 z)          (clipped)

with M latent units, L hidden units, ``a`` the diagonal of A, W1 (M, L) and W2 (L, M). The
clipped nonlinearity is bounded (|phi_l| <= |h2_l|), so every orbit stays bounded when
|a_i| < 1. Forcing and observation are shared with the other models (``_kernels.forcing``);
the structure follows ``_kernels.plrnn``.

Arguments travel in named tuples: ``ShallowWeights`` (the parameters, and their gradient),
``ForcingMap``, ``WindowBatch`` and ``ShallowWorkspace`` (buffers allocated once per fit).
Every array is C-contiguous float64 (``starts`` int64) and every scalar a Python int or
float, so each kernel compiles once. The hidden pre-activation is written ``u = W2 z``
(without h2): the clipped nonlinearity needs it on its own.
"""

from collections import namedtuple

import numpy as np

from ._jit import kernel
from .forcing import (
    IDENTITY_FORCING,
    PINV_FORCING,
    ForcingMap,
    WindowBatch,
    force,
    force_partially,
    initial_map_gradient,
    initial_state,
    n_forced_units,
    observe,
    step_strength,
)
from .lyapunov import qr_step

__all__ = ["IDENTITY_FORCING", "PINV_FORCING", "ForcingMap", "ShallowWeights",
           "ShallowWorkspace", "WindowBatch"]

ShallowWeights = namedtuple("ShallowWeights",
                            ["a", "W1", "W2", "h1", "h2", "B", "C", "clipped"])
ShallowWeights.__doc__ = """Parameters: diag(A) (M,), W1 (M, L), W2 (L, M), h1 (M,), h2 (L,),
readout B (N, M), the initial map C (M, N) of the unobserved units, and whether the
nonlinearity is clipped (an int, 0 or 1).

The gradient of the loss has the same layout (its ``clipped`` a copy). Under identity
forcing ``B`` is the fixed selection matrix [I 0] (its gradient a dummy); under pinv
forcing ``C`` is unused."""

ShallowWorkspace = namedtuple("ShallowWorkspace",
                              ["Z", "Z_forced", "targets", "R", "Delta", "U", "G"])
ShallowWorkspace.__doc__ = """Buffers of ``forward_backward``, overwritten on each call: the
states before forcing (seq_len + 1, n_batch, M; row 0 unused), the states after forcing,
which the next step reads (seq_len, n_batch, M), the targets and residuals (seq_len,
n_batch, N), dL/dz before forcing (seq_len, n_batch, M), the hidden pre-activations
u = W2 z of each step's input state (seq_len, n_batch, L), and dL/du (seq_len, n_batch,
L)."""


@kernel
def _hidden(u, h2, clipped):
    """phi for one hidden unit, from its pre-activation ``u = (W2 z)_l``."""
    v = u + h2
    out = v if v > 0.0 else 0.0
    if clipped and u > 0.0:
        out -= u
    return out


@kernel
def _slope(u, h2, clipped):
    """d phi / du for one hidden unit (0 at a kink, as relu'(0) = 0)."""
    s = 1.0 if u + h2 > 0.0 else 0.0
    if clipped and u > 0.0:
        s -= 1.0
    return s


@kernel
def _step(a, W1T, W2, h1, h2, clipped, z, out):
    """One step for a single state, given W1 transposed (L, M).

    Hidden units with phi = 0 are skipped; rows of W2 and of W1^T are contiguous.
    """
    n_latent = z.shape[0]
    for i in range(n_latent):
        out[i] = a[i] * z[i] + h1[i]
    for k in range(W2.shape[0]):
        u = 0.0
        for j in range(n_latent):
            u += W2[k, j] * z[j]
        p = _hidden(u, h2[k], clipped)
        if p != 0.0:
            for i in range(n_latent):
                out[i] += W1T[k, i] * p


@kernel
def step(weights, z, out):
    """One step from the single state ``z``, written into ``out``."""
    _step(weights.a, np.ascontiguousarray(weights.W1.T), weights.W2, weights.h1, weights.h2,
          weights.clipped, z, out)


@kernel
def free_run(weights, forcing, z0, out):
    """Free-run ``out.shape[0]`` steps from ``z0``; write observations into ``out``.

    Returns the final latent state.
    """
    a, W2, h1, h2, B, clipped = (weights.a, weights.W2, weights.h1, weights.h2, weights.B,
                                 weights.clipped)
    W1T = np.ascontiguousarray(weights.W1.T)
    z = z0.copy()
    z_next = np.empty(z0.shape[0])
    for t in range(out.shape[0]):
        _step(a, W1T, W2, h1, h2, clipped, z, z_next)
        z, z_next = z_next, z
        observe(forcing.mode, B, z, out[t])
    return z


@kernel
def forced_pass(weights, forcing, X, z_init):
    """Teacher-force every step along ``X``; return the state after the last row.

    The state starts from ``z_init`` forced with ``X[0]``; every later row is one model
    step followed by forcing, so the unforced units (identity forcing) are driven by data.
    """
    a, W2, h1, h2, clipped = weights.a, weights.W2, weights.h1, weights.h2, weights.clipped
    W1T = np.ascontiguousarray(weights.W1.T)
    z = z_init.copy()
    z_next = np.empty(z_init.shape[0])
    force(forcing, X[0], z)
    for t in range(1, X.shape[0]):
        _step(a, W1T, W2, h1, h2, clipped, z, z_next)
        z, z_next = z_next, z
        force(forcing, X[t], z)
    return z


@kernel
def one_step_map(weights, forcing, X, out):
    """Map each row x_t independently to x_hat_{t+1}, from the state a window would start
    from (``initial_state``)."""
    a, W2, h1, h2, B, C, clipped = (weights.a, weights.W2, weights.h1, weights.h2,
                                    weights.B, weights.C, weights.clipped)
    n_latent = a.shape[0]
    W1T = np.ascontiguousarray(weights.W1.T)
    z = np.empty(n_latent)
    z_next = np.empty(n_latent)
    for t in range(X.shape[0]):
        initial_state(forcing, C, X[t], z)
        _step(a, W1T, W2, h1, h2, clipped, z, z_next)
        observe(forcing.mode, B, z_next, out[t])


@kernel
def jacobian(weights, z, out):
    """The Jacobian diag(a) + W1 diag(phi'(u)) W2 at the state ``z`` (u = W2 z), written
    into ``out``; phi'(u) = [u + h2 > 0] - clipped [u > 0]."""
    a, W1, W2, h2, clipped = weights.a, weights.W1, weights.W2, weights.h2, weights.clipped
    n_latent = a.shape[0]
    out[:, :] = 0.0
    for k in range(W2.shape[0]):
        u = 0.0
        for j in range(n_latent):
            u += W2[k, j] * z[j]
        s = _slope(u, h2[k], clipped)
        if s != 0.0:
            for i in range(n_latent):
                c = s * W1[i, k]
                for j in range(n_latent):
                    out[i, j] += c * W2[k, j]
    for i in range(n_latent):
        out[i, i] += a[i]


@kernel
def _readout(mode, B, Z_steps, T_rows, R_rows, D_rows, grad_B, two_scale):
    """Residuals of every state before forcing, the readout's gradient, and dL/dz from
    the loss at each state (into ``D_rows``). Returns the sum of squared residuals."""
    n_rows, n_features = R_rows.shape
    if mode == PINV_FORCING:
        np.dot(Z_steps, B.T, R_rows)
    else:
        for r in range(n_rows):
            for i in range(n_features):
                R_rows[r, i] = Z_steps[r, i]
    total = 0.0
    for r in range(n_rows):
        for i in range(n_features):
            R_rows[r, i] -= T_rows[r, i]
            total += R_rows[r, i] * R_rows[r, i]
    if mode == PINV_FORCING:
        np.dot(R_rows.T, Z_steps, grad_B)
        grad_B[:, :] *= two_scale
        np.dot(R_rows, B, D_rows)
        D_rows *= two_scale
    else:
        grad_B[:, :] = 0.0
        D_rows[:, :] = 0.0
        for r in range(n_rows):
            for i in range(n_features):
                D_rows[r, i] = two_scale * R_rows[r, i]
    return total


@kernel
def forward_backward(weights, forcing, batch, work, grad):
    """Loss and gradient of one minibatch of windows under teacher forcing.

    Parameters
    ----------
    weights : ShallowWeights
        Parameters, shapes (M,), (M, L), (L, M), (M,), (L,), (N, M), (M, N), and the
        clipped flag. ``B`` is unused under identity forcing, ``C`` under pinv forcing.
    forcing : ForcingMap
        The scheme and pinv(B), treated as data.
    batch : WindowBatch
        The windows, the forcing schedule (``_kernels.forcing.step_strength``; the
        window's initial state is always forced fully), and the teacher noise.
    work : ShallowWorkspace
        Buffers, overwritten.
    grad : ShallowWeights
        Overwritten with the gradient of the loss.

    Returns
    -------
    loss : float
        Mean squared error over steps, windows and features.

    Notes
    -----
    The time loops hold only the recurrence (two matrix products per step each way:
    through W2 and W1); the readout, the residuals and the gradients of W1, W2 and B run
    as one large product each over all steps and windows, outside them.
    """
    mode = forcing.mode
    a, W1, W2, h1, h2, B, C, clipped = (weights.a, weights.W1, weights.W2, weights.h1,
                                        weights.h2, weights.B, weights.C, weights.clipped)
    X, starts, seq_len, noise = batch.X, batch.starts, batch.seq_len, batch.noise
    Z, Z_forced, targets, R, Delta, U, G = (work.Z, work.Z_forced, work.targets, work.R,
                                            work.Delta, work.U, work.G)
    n_batch = starts.shape[0]
    n_latent = a.shape[0]
    n_hidden = h2.shape[0]
    n_features = X.shape[1]
    n_forced = n_forced_units(mode, n_latent, n_features)
    two_scale = 2.0 / (n_batch * seq_len * n_features)
    W1T = np.ascontiguousarray(W1.T)
    W2T = np.ascontiguousarray(W2.T)
    hidden = np.empty((n_batch, n_hidden))
    tmp = np.empty((n_batch, n_latent))
    g = np.zeros((n_batch, n_latent))
    x_teacher = np.empty(n_features)
    teacher_state = np.empty(n_latent)

    for b in range(n_batch):
        for i in range(n_features):
            x_teacher[i] = X[starts[b], i] + noise[0, b, i]
        initial_state(forcing, C, x_teacher, Z_forced[0, b])
        for t in range(seq_len):
            targets[t, b, :] = X[starts[b] + t + 1]

    # Forward: Z[t] is the state before forcing, Z_forced[t] the state after it, which the
    # recurrence continues from (the same where step t is not forced); U[t - 1] holds the
    # pre-activations W2 z of step t's input.
    for t in range(1, seq_len + 1):
        z_prev = Z_forced[t - 1]
        u = U[t - 1]
        np.dot(z_prev, W2T, u)
        for b in range(n_batch):
            for k in range(n_hidden):
                hidden[b, k] = _hidden(u[b, k], h2[k], clipped)
        np.dot(hidden, W1T, tmp)
        z_t = Z[t]
        for b in range(n_batch):
            for i in range(n_latent):
                z_t[b, i] = a[i] * z_prev[b, i] + tmp[b, i] + h1[i]
        if t == seq_len:
            break
        forced = Z_forced[t]
        forced[:, :] = z_t
        strength = step_strength(t, batch)
        if strength > 0.0:
            for b in range(n_batch):
                for i in range(n_features):
                    x_teacher[i] = X[starts[b] + t, i] + noise[t, b, i]
                force_partially(forcing, x_teacher, strength, forced[b], teacher_state)

    # Readout, residuals and the loss gradient at every state before forcing.
    n_rows = seq_len * n_batch
    D_rows = Delta.reshape((n_rows, n_latent))
    loss = _readout(mode, B, Z[1:].reshape((n_rows, n_latent)),
                    targets.reshape((n_rows, n_features)), R.reshape((n_rows, n_features)),
                    D_rows, grad.B, two_scale)

    # Backward: g is dL/dz after forcing at step t; Delta[t - 1] becomes dL/dz before
    # forcing, G[t - 1] dL/du. A forced unit passes on (1 - strength) of its gradient;
    # identity forcing leaves units N.. untouched.
    grad_a, grad_h1, grad_h2 = grad.a, grad.h1, grad.h2
    grad_a[:] = 0.0
    grad_h1[:] = 0.0
    grad_h2[:] = 0.0
    for t in range(seq_len, 0, -1):
        delta = Delta[t - 1]
        keep = 1.0 - step_strength(t, batch)
        for b in range(n_batch):
            for i in range(n_latent):
                delta[b, i] += keep * g[b, i] if i < n_forced else g[b, i]
        z_prev = Z_forced[t - 1]
        for b in range(n_batch):
            for i in range(n_latent):
                grad_a[i] += delta[b, i] * z_prev[b, i]
                grad_h1[i] += delta[b, i]
        # dL/dphi = delta W1, then through the nonlinearity: h2 sees relu(u + h2) only.
        np.dot(delta, W1, hidden)
        u = U[t - 1]
        gu = G[t - 1]
        for b in range(n_batch):
            for k in range(n_hidden):
                e = hidden[b, k]
                v = u[b, k]
                s = 0.0
                if v + h2[k] > 0.0:
                    grad_h2[k] += e
                    s = 1.0
                if clipped and v > 0.0:
                    s -= 1.0
                gu[b, k] = e * s
        if t > 1 or (mode == IDENTITY_FORCING and n_latent > n_features):
            np.dot(gu, W2, tmp)
            for b in range(n_batch):
                for i in range(n_latent):
                    g[b, i] = a[i] * delta[b, i] + tmp[b, i]

    # The initial map: g now holds dL/dz at each window's initial state.
    grad.C[:, :] = 0.0
    if mode == IDENTITY_FORCING:
        for b in range(n_batch):
            for i in range(n_features):
                x_teacher[i] = X[starts[b], i] + noise[0, b, i]
            initial_map_gradient(forcing, x_teacher, g[b], grad.C)

    # dL/dW2 = sum_t G_t^T z_{t-1} (after forcing) and dL/dW1 = sum_t delta_t^T phi_{t-1}:
    # one product each over all steps. U is no longer needed, so phi is applied in place.
    np.dot(G.reshape((n_rows, n_hidden)).T, Z_forced.reshape((n_rows, n_latent)), grad.W2)
    Phi = U.reshape((n_rows, n_hidden))
    for r in range(n_rows):
        for k in range(n_hidden):
            Phi[r, k] = _hidden(Phi[r, k], h2[k], clipped)
    np.dot(D_rows.T, Phi, grad.W1)
    return loss * two_scale / 2.0


@kernel
def tangent_spectrum(weights, z0, schedule, F, running):
    """Exponents per step along the free-run orbit from ``z0`` (see ``_kernels.lyapunov``).

    The Jacobian at z is J = diag(a) + W1 diag(phi'(W2 z)) W2. ``F`` (k x M) holds the
    initial frame in its rows and is overwritten. Returns (exponents, state at the end).
    """
    a, W2, h1, h2, clipped = weights.a, weights.W2, weights.h1, weights.h2, weights.clipped
    n_transient, n_steps, qr_interval = (schedule.n_transient, schedule.n_steps,
                                         schedule.qr_interval)
    k, n_latent = F.shape
    n_hidden = h2.shape[0]
    z = z0.copy()
    z_next = np.empty(n_latent)
    W1T = np.ascontiguousarray(weights.W1.T)
    W2T = np.ascontiguousarray(W2.T)
    slopes = np.empty(n_hidden)
    FW2T = np.empty((k, n_hidden))
    FJ = np.empty((k, n_latent))
    log_r = np.empty(k)
    log_sums = np.zeros(k)
    for _ in range(n_transient):
        _step(a, W1T, W2, h1, h2, clipped, z, z_next)
        z, z_next = z_next, z
    n_qr = n_steps // qr_interval
    for step_index in range(n_qr * qr_interval):
        # F J^T = F diag(a) + ((F W2^T) diag(phi'(u))) W1^T
        for m in range(n_hidden):
            u = 0.0
            for j in range(n_latent):
                u += W2[m, j] * z[j]
            slopes[m] = _slope(u, h2[m], clipped)
        np.dot(F, W2T, FW2T)
        for r in range(k):
            for m in range(n_hidden):
                FW2T[r, m] *= slopes[m]
        np.dot(FW2T, W1T, FJ)
        for r in range(k):
            for i in range(n_latent):
                F[r, i] = a[i] * F[r, i] + FJ[r, i]
        _step(a, W1T, W2, h1, h2, clipped, z, z_next)
        z, z_next = z_next, z
        if (step_index + 1) % qr_interval == 0:
            qr_step(F, log_r, log_sums, (step_index + 1) // qr_interval, n_qr, running,
                    step_index + 1, 1.0)
    return log_sums / (n_qr * qr_interval), z
