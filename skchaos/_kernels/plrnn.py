"""Compiled kernels of the piecewise-linear RNN (PLRNN) and the almost-linear RNN.

    z_t = a * z_{t-1} + W phi(z_{t-1}) + h,   phi_i(z) = z_i (i < n_linear), relu(z_i) else

``a`` holds the diagonal of A. The PLRNN of the paper has ``n_linear = 0`` (every unit
piecewise linear); the almost-linear RNN (AL-RNN, Brenner et al., NeurIPS 2024) passes only
its last P units through the ReLU. Forcing and observation are shared with the other
models (``_kernels.forcing``).

Arguments travel in named tuples, so that two arrays of the same shape (``a`` and ``h``,
say, or the state before and after forcing) cannot be swapped silently: ``Weights`` (the
parameters, and their gradient), ``ForcingMap`` (how observations set the state),
``WindowBatch`` (a minibatch of training windows) and ``Workspace`` (buffers allocated
once per fit). Every array is C-contiguous float64 (``starts`` int64; the training kernel
also runs in float32) and every scalar a Python int or float, so each kernel compiles once
per dtype. The training kernel releases the GIL, so that the chunks of a minibatch can run
on several threads at once. Nothing here imports scikit-learn.
"""

from collections import namedtuple

import numpy as np

from ._jit import kernel
from .forcing import (
    IDENTITY_FORCING,
    PINV_FORCING,
    ForcingMap,
    WindowBatch,
    after_gap,
    force,
    force_partially,
    forcing_strength,
    initial_map_gradient,
    initial_state,
    is_complete,
    n_forced_units,
    observe,
)
from .lyapunov import qr_step

__all__ = ["IDENTITY_FORCING", "PINV_FORCING", "ForcingMap", "WindowBatch", "Weights",
           "Workspace"]

Weights = namedtuple("Weights", ["a", "W", "h", "B", "C", "n_linear"])
Weights.__doc__ = """Parameters: diag(A) (M,), W (M, M), h (M,), readout B (N, M), the
initial map C (M, N) of the unobserved units, and the number of linear units (an int).

The gradient of the loss has the same layout (its ``n_linear`` a copy). Under identity
forcing ``B`` is the fixed selection matrix [I 0] (its gradient a dummy); under pinv
forcing ``C`` is unused."""

Workspace = namedtuple("Workspace", ["Z", "Z_forced", "targets", "R", "Delta"])
Workspace.__doc__ = """Buffers of ``forward_backward``, overwritten on each call: the states
before forcing (seq_len + 1, n_batch, M; row 0 unused), the states after forcing, which the
next step reads (seq_len, n_batch, M), the targets and residuals (seq_len, n_batch, N), and
dL/dz before forcing (seq_len, n_batch, M)."""


@kernel
def _step(a, WT, h, n_linear, z, out):
    """One step for a single state, given W transposed.

    Inactive piecewise-linear units (relu == 0) are skipped, and reading row j of W^T walks
    memory contiguously.
    """
    n_latent = z.shape[0]
    for i in range(n_latent):
        out[i] = a[i] * z[i] + h[i]
    for j in range(n_latent):
        zj = z[j]
        if j < n_linear or zj > 0.0:
            for i in range(n_latent):
                out[i] += WT[j, i] * zj


@kernel
def step(weights, z, out):
    """One step from the single state ``z``, written into ``out``."""
    _step(weights.a, np.ascontiguousarray(weights.W.T), weights.h, weights.n_linear, z, out)


@kernel
def free_run(weights, forcing, z0, out):
    """Free-run ``out.shape[0]`` steps from ``z0``; write observations into ``out``.

    Returns the final latent state.
    """
    a, h, B, n_linear = weights.a, weights.h, weights.B, weights.n_linear
    WT = np.ascontiguousarray(weights.W.T)
    z = z0.copy()
    z_next = np.empty(z0.shape[0])
    for t in range(out.shape[0]):
        _step(a, WT, h, n_linear, z, z_next)
        z, z_next = z_next, z
        observe(forcing.mode, B, z, out[t])
    return z


@kernel
def forced_pass(weights, forcing, X, z_init):
    """Teacher-force every step along ``X``; return the state after the last row.

    The state starts from ``z_init`` forced with ``X[0]``; every later row is one model
    step followed by forcing, so the unforced units (identity forcing) are driven by data.
    A row with a missing value (NaN) does not force: the model runs free across it.
    """
    a, h, n_linear = weights.a, weights.h, weights.n_linear
    WT = np.ascontiguousarray(weights.W.T)
    z = z_init.copy()
    z_next = np.empty(z_init.shape[0])
    for t in range(X.shape[0]):
        if t > 0:
            _step(a, WT, h, n_linear, z, z_next)
            z, z_next = z_next, z
        if is_complete(X, t):
            force(forcing, X[t], z)
    return z


@kernel
def one_step_map(weights, forcing, X, out):
    """Map each row x_t independently to x_hat_{t+1}, from the state a window would start
    from (``initial_state``)."""
    a, h, B, C, n_linear = weights.a, weights.h, weights.B, weights.C, weights.n_linear
    n_latent = a.shape[0]
    WT = np.ascontiguousarray(weights.W.T)
    z = np.empty(n_latent)
    z_next = np.empty(n_latent)
    for t in range(X.shape[0]):
        initial_state(forcing, C, X[t], z)
        _step(a, WT, h, n_linear, z, z_next)
        observe(forcing.mode, B, z_next, out[t])


@kernel
def jacobian(weights, z, out):
    """The Jacobian diag(a) + W diag(phi'(z)) at the state ``z``, written into ``out``."""
    a, W, n_linear = weights.a, weights.W, weights.n_linear
    n_latent = a.shape[0]
    for i in range(n_latent):
        for j in range(n_latent):
            out[i, j] = W[i, j] if (j < n_linear or z[j] > 0.0) else 0.0
        out[i, i] += a[i]


@kernel(nogil=True)
def forward_backward(weights, forcing, batch, work, grad):
    """Loss and gradient of one minibatch of windows under teacher forcing.

    Parameters
    ----------
    weights : Weights
        Parameters, shapes (M,), (M, M), (M,), (N, M), (M, N). ``B`` is unused under
        identity forcing, ``C`` under pinv forcing.
    forcing : ForcingMap
        The scheme and pinv(B), treated as data.
    batch : WindowBatch
        The windows, the forcing schedule (``_kernels.forcing.step_strength``; the
        window's initial state is always forced fully), and the teacher noise.
    work : Workspace
        Buffers, overwritten.
    grad : Weights
        Overwritten with the gradient of the loss.

    Returns
    -------
    loss : float
        Mean squared error over steps, windows and features, of the observed targets
        (a NaN target counts for nothing, nor does the first row after a gap).

    Notes
    -----
    Every array (the weights, the batch's series and noise, the workspace and the
    gradient) has one floating dtype, float64 or float32; the loss is summed in float64.
    A step whose observation holds a NaN is not forced (``forcing_strength``). The time
    loops hold only the recurrence (one matrix product per step each way);
    everything that is a plain product over all steps and windows at once (readout,
    residuals, the gradients of W and B) runs as one large product outside them.
    """
    # The gradient accumulates in arrays of this call's own: the chunks of a minibatch run
    # on several threads (the GIL released), and their gradient rows share cache lines.
    out, grad = grad, Weights(np.zeros_like(grad.a), np.zeros_like(grad.W),
                              np.zeros_like(grad.h), np.zeros_like(grad.B),
                              np.zeros_like(grad.C), grad.n_linear)
    mode = forcing.mode
    a, W, h, B, C, n_linear = (weights.a, weights.W, weights.h, weights.B, weights.C,
                               weights.n_linear)
    X, starts, seq_len, noise = batch.X, batch.starts, batch.seq_len, batch.noise
    Z, Z_forced, targets, R, Delta = work.Z, work.Z_forced, work.targets, work.R, work.Delta
    n_batch = starts.shape[0]
    n_latent = a.shape[0]
    n_features = X.shape[1]
    n_forced = n_forced_units(mode, n_latent, n_features)
    WT = np.ascontiguousarray(W.T)
    dtype = Z.dtype
    phi = np.empty((n_batch, n_latent), dtype)
    tmp = np.empty((n_batch, n_latent), dtype)
    g = np.zeros((n_batch, n_latent), dtype)
    x_teacher = np.empty(n_features, dtype)
    teacher_state = np.empty(n_latent, dtype)
    applied = np.zeros((seq_len + 1, n_batch))  # the forcing strength each window got

    for b in range(n_batch):
        for i in range(n_features):
            x_teacher[i] = X[starts[b], i] + noise[0, b, i]
        initial_state(forcing, C, x_teacher, Z_forced[0, b])
        for t in range(seq_len):
            targets[t, b, :] = X[starts[b] + t + 1]

    # Forward: Z[t] is the state before forcing, Z_forced[t] the state after it, which the
    # recurrence continues from (the same where step t is not forced).
    for t in range(1, seq_len + 1):
        z_prev = Z_forced[t - 1]
        for b in range(n_batch):
            for i in range(n_latent):
                phi[b, i] = z_prev[b, i] if i < n_linear else max(z_prev[b, i], 0.0)
        np.dot(phi, WT, tmp)
        z_t = Z[t]
        for b in range(n_batch):
            for i in range(n_latent):
                z_t[b, i] = a[i] * z_prev[b, i] + tmp[b, i] + h[i]
        if t == seq_len:
            break
        forced = Z_forced[t]
        forced[:, :] = z_t
        for b in range(n_batch):
            strength = forcing_strength(t, batch, b)
            applied[t, b] = strength
            if strength > 0.0:
                for i in range(n_features):
                    x_teacher[i] = X[starts[b] + t, i] + noise[t, b, i]
                force_partially(forcing, x_teacher, strength, forced[b], teacher_state)

    # Readout, residuals and the loss gradient at every state before forcing.
    n_rows = seq_len * n_batch
    Z_steps = Z[1:].reshape((n_rows, n_latent))
    R_rows = R.reshape((n_rows, n_features))
    T_rows = targets.reshape((n_rows, n_features))
    D_rows = Delta.reshape((n_rows, n_latent))
    if mode == PINV_FORCING:
        np.dot(Z_steps, B.T, R_rows)
    else:
        for r in range(n_rows):
            for i in range(n_features):
                R_rows[r, i] = Z_steps[r, i]
    loss = 0.0
    n_observed = 0
    for r in range(n_rows):
        # Row r is step t = r // n_batch of window b = r % n_batch, target row start + t + 1.
        spans_gap = after_gap(X, starts[r % n_batch] + r // n_batch + 1)
        for i in range(n_features):
            if spans_gap or np.isnan(T_rows[r, i]):  # no target here: no residual
                R_rows[r, i] = 0.0
                continue
            R_rows[r, i] -= T_rows[r, i]
            loss += R_rows[r, i] * R_rows[r, i]
            n_observed += 1
    two_scale = 2.0 / n_observed if n_observed > 0 else 0.0
    if mode == PINV_FORCING:
        np.dot(R_rows.T, Z_steps, grad.B)
        grad.B[:, :] *= two_scale
        np.dot(R_rows, B, D_rows)
        D_rows *= two_scale
    else:
        grad.B[:, :] = 0.0
        D_rows[:, :] = 0.0
        for r in range(n_rows):
            for i in range(n_features):
                D_rows[r, i] = two_scale * R_rows[r, i]

    # Backward: g is dL/dz after forcing at step t; Delta[t - 1] becomes dL/dz before
    # forcing. A forced unit passes on (1 - strength) of its gradient (none at strength 1:
    # the chain is cut); identity forcing leaves units N.. untouched.
    grad_a, grad_h = grad.a, grad.h
    grad_a[:] = 0.0
    grad_h[:] = 0.0
    for t in range(seq_len, 0, -1):
        delta = Delta[t - 1]
        for b in range(n_batch):
            keep = 1.0 - applied[t, b]
            for i in range(n_latent):
                delta[b, i] += keep * g[b, i] if i < n_forced else g[b, i]
        z_prev = Z_forced[t - 1]
        for b in range(n_batch):
            for i in range(n_latent):
                grad_a[i] += delta[b, i] * z_prev[b, i]
                grad_h[i] += delta[b, i]
        if t > 1 or (mode == IDENTITY_FORCING and n_latent > n_features):
            np.dot(delta, W, tmp)
            for b in range(n_batch):
                for i in range(n_latent):
                    d = a[i] * delta[b, i]
                    if i < n_linear or z_prev[b, i] > 0.0:
                        d += tmp[b, i]
                    g[b, i] = d

    # The initial map: g now holds dL/dz at each window's initial state.
    grad.C[:, :] = 0.0
    if mode == IDENTITY_FORCING:
        for b in range(n_batch):
            for i in range(n_features):
                x_teacher[i] = X[starts[b], i] + noise[0, b, i]
            initial_map_gradient(forcing, x_teacher, g[b], grad.C)

    # dL/dW = sum_t delta_t^T phi(z_{t-1} after forcing): one product over all steps.
    # The forced states are no longer needed, so phi is applied in place.
    Phi = Z_forced.reshape((n_rows, n_latent))
    for r in range(n_rows):
        for i in range(n_linear, n_latent):
            if Phi[r, i] < 0.0:
                Phi[r, i] = 0.0
    np.dot(D_rows.T, Phi, grad.W)
    for i in range(n_latent):
        grad.W[i, i] = 0.0
    out.a[:], out.W[:, :], out.h[:], out.B[:, :], out.C[:, :] = (grad.a, grad.W, grad.h,
                                                                 grad.B, grad.C)
    return loss * two_scale / 2.0


@kernel
def tangent_spectrum(weights, z0, schedule, F, running):
    """Exponents per step along the free-run orbit from ``z0`` (see ``_kernels.lyapunov``).

    The Jacobian at z is J = diag(a) + W diag(phi'(z)). ``F`` (k x M) holds the initial
    frame in its rows and is overwritten. Returns (exponents, state at the end).
    """
    a, h, n_linear = weights.a, weights.h, weights.n_linear
    n_transient, n_steps, qr_interval = (schedule.n_transient, schedule.n_steps,
                                         schedule.qr_interval)
    k, n_latent = F.shape
    z = z0.copy()
    z_next = np.empty(n_latent)
    WT = np.ascontiguousarray(weights.W.T)
    masked = np.empty((k, n_latent))
    FWT = np.empty((k, n_latent))
    log_r = np.empty(k)
    log_sums = np.zeros(k)
    for _ in range(n_transient):
        _step(a, WT, h, n_linear, z, z_next)
        z, z_next = z_next, z
    n_qr = n_steps // qr_interval
    for step_index in range(n_qr * qr_interval):
        # F J^T = F diag(a) + (F diag(phi'(z))) W^T
        for r in range(k):
            for i in range(n_latent):
                masked[r, i] = F[r, i] if (i < n_linear or z[i] > 0.0) else 0.0
        np.dot(masked, WT, FWT)
        for r in range(k):
            for i in range(n_latent):
                F[r, i] = a[i] * F[r, i] + FWT[r, i]
        _step(a, WT, h, n_linear, z, z_next)
        z, z_next = z_next, z
        if (step_index + 1) % qr_interval == 0:
            qr_step(F, log_r, log_sums, (step_index + 1) // qr_interval, n_qr, running,
                    step_index + 1, 1.0)
    return log_sums / (n_qr * qr_interval), z
