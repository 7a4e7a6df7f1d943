"""Compiled kernels of the piecewise-linear RNN (PLRNN).

    z_t = a * z_{t-1} + W relu(z_{t-1}) + h

``a`` holds the diagonal of A. Two forcing schemes (``ForcingMap.mode``):

- ``IDENTITY_FORCING``: x_hat_t = z_t[:N]; forcing overwrites units 0..N-1 with x_t.
- ``PINV_FORCING``: x_hat_t = B z_t; forcing overwrites all M units with P x_t,
  where P = pinv(B) is passed in as data (no gradient flows through it).

Arguments travel in named tuples, so that two arrays of the same shape (``a`` and ``h``,
say, or the state before and after forcing) cannot be swapped silently: ``Weights`` (the
parameters, and their gradient), ``ForcingMap`` (how observations set the state),
``WindowBatch`` (a minibatch of training windows) and ``Workspace`` (buffers allocated
once per fit). Every array is C-contiguous float64 (``starts`` int64) and every scalar a
Python int or float, so each kernel compiles once. Nothing here imports scikit-learn.
"""

from collections import namedtuple

import numpy as np

from ._jit import kernel
from .lyapunov import qr_step

IDENTITY_FORCING = 0
PINV_FORCING = 1

Weights = namedtuple("Weights", ["a", "W", "h", "B"])
Weights.__doc__ = """PLRNN parameters: diag(A) (M,), W (M, M), h (M,), readout B (N, M).

The gradient of the loss has the same layout. Under identity forcing ``B`` is the fixed
selection matrix [I 0] (and its gradient a dummy)."""

ForcingMap = namedtuple("ForcingMap", ["mode", "P"])
ForcingMap.__doc__ = """How an observation x sets the latent state: the scheme (``mode``,
an int) and, under pinv forcing, P = pinv(B) of shape (M, N) (a dummy otherwise)."""

WindowBatch = namedtuple("WindowBatch",
                         ["X", "starts", "seq_len", "tau", "strength", "noise"])
WindowBatch.__doc__ = """A minibatch of training windows read in place from the series.

``X`` (T, N) is the whole standardised training series; window b is rows
``starts[b] .. starts[b] + seq_len``. Every ``tau`` steps the forced units move a fraction
``strength`` of the way to the (noisy) teacher; ``tau = 0`` never forces. ``noise``
(n_forcings + 1, n_batch, N) is added to the teacher: row 0 at the window's start, row k
at the k-th forcing step."""

Workspace = namedtuple("Workspace", ["Z", "Z_forced", "targets", "R", "Delta"])
Workspace.__doc__ = """Buffers of ``forward_backward``, overwritten on each call: the states
before forcing (seq_len + 1, n_batch, M), the states after forcing at the forcing steps
(max(n_forcings, 1), n_batch, M), the targets and residuals (seq_len, n_batch, N), and
dL/dz before forcing (seq_len, n_batch, M)."""


@kernel
def _force(forcing, x, z):
    """Overwrite the latent state ``z`` in place from the observation ``x``."""
    n_features = x.shape[0]
    if forcing.mode == IDENTITY_FORCING:
        for i in range(n_features):
            z[i] = x[i]
    else:
        P = forcing.P
        n_latent = z.shape[0]
        for i in range(n_latent):
            acc = 0.0
            for j in range(n_features):
                acc += P[i, j] * x[j]
            z[i] = acc


@kernel
def _force_partially(forcing, x, alpha, z, work):
    """Move the forced units of ``z`` a fraction ``alpha`` of the way to the teacher.

    ``work`` receives the teacher state; only its forced units are written and read.
    """
    _force(forcing, x, work)
    n_forced = x.shape[0] if forcing.mode == IDENTITY_FORCING else z.shape[0]
    for i in range(n_forced):
        z[i] = (1.0 - alpha) * z[i] + alpha * work[i]


@kernel
def _observe(mode, B, z, out):
    """Write x_hat = obs(z) into ``out``."""
    n_features = out.shape[0]
    if mode == IDENTITY_FORCING:
        for i in range(n_features):
            out[i] = z[i]
    else:
        n_latent = z.shape[0]
        for i in range(n_features):
            acc = 0.0
            for j in range(n_latent):
                acc += B[i, j] * z[j]
            out[i] = acc


@kernel
def _step(a, WT, h, z, out):
    """One PLRNN step for a single state, given W transposed.

    Inactive units (relu == 0) are skipped, and reading row j of W^T walks memory
    contiguously.
    """
    n_latent = z.shape[0]
    for i in range(n_latent):
        out[i] = a[i] * z[i] + h[i]
    for j in range(n_latent):
        zj = z[j]
        if zj > 0.0:
            for i in range(n_latent):
                out[i] += WT[j, i] * zj


@kernel
def step(weights, z, out):
    """One step from the single state ``z``, written into ``out``."""
    _step(weights.a, np.ascontiguousarray(weights.W.T), weights.h, z, out)


@kernel
def free_run(weights, forcing, z0, out):
    """Free-run ``out.shape[0]`` steps from ``z0``; write observations into ``out``.

    Returns the final latent state.
    """
    a, h, B = weights.a, weights.h, weights.B
    n_latent = z0.shape[0]
    WT = np.ascontiguousarray(weights.W.T)
    z = z0.copy()
    z_next = np.empty(n_latent)
    for t in range(out.shape[0]):
        _step(a, WT, h, z, z_next)
        z, z_next = z_next, z
        _observe(forcing.mode, B, z, out[t])
    return z


@kernel
def forced_pass(weights, forcing, X, z_init):
    """Teacher-force every step along ``X``; return the state after the last row.

    The state starts from ``z_init`` forced with ``X[0]``; every later row is one model
    step followed by forcing, so the unforced units (identity forcing) are driven by data.
    """
    a, h = weights.a, weights.h
    n_latent = z_init.shape[0]
    WT = np.ascontiguousarray(weights.W.T)
    z = z_init.copy()
    z_next = np.empty(n_latent)
    _force(forcing, X[0], z)
    for t in range(1, X.shape[0]):
        _step(a, WT, h, z, z_next)
        z, z_next = z_next, z
        _force(forcing, X[t], z)
    return z


@kernel
def one_step_map(weights, forcing, X, out):
    """Map each row x_t independently to x_hat_{t+1} (unforced units start at zero)."""
    a, h, B = weights.a, weights.h, weights.B
    n_latent = a.shape[0]
    WT = np.ascontiguousarray(weights.W.T)
    z = np.empty(n_latent)
    z_next = np.empty(n_latent)
    for t in range(X.shape[0]):
        z[:] = 0.0
        _force(forcing, X[t], z)
        _step(a, WT, h, z, z_next)
        _observe(forcing.mode, B, z_next, out[t])


@kernel
def jacobian(weights, z, out):
    """The Jacobian diag(a) + W diag(z > 0) at the state ``z``, written into ``out``."""
    a, W = weights.a, weights.W
    n_latent = a.shape[0]
    for i in range(n_latent):
        for j in range(n_latent):
            out[i, j] = W[i, j] if z[j] > 0.0 else 0.0
        out[i, i] += a[i]


@kernel
def _is_forcing_step(t, tau, seq_len):
    # Forcing at the window's last step would affect nothing, so it is skipped.
    return tau > 0 and t > 0 and t % tau == 0 and t < seq_len


@kernel
def forward_backward(weights, forcing, batch, work, grad):
    """Loss and gradient of one minibatch of windows under sparse teacher forcing.

    Parameters
    ----------
    weights : Weights
        Parameters, shapes (M,), (M, M), (M,), (N, M). ``B`` is unused for identity
        forcing.
    forcing : ForcingMap
        The scheme and pinv(B), treated as data.
    batch : WindowBatch
        The windows, the forcing interval and strength (in (0, 1]: a forcing step sets the
        forced units to ``(1 - strength) * model + strength * teacher``; 1 overwrites them,
        sparse teacher forcing proper; the window's initial state is always forced
        fully), and the teacher noise.
    work : Workspace
        Buffers, overwritten.
    grad : Weights
        Overwritten with the gradient of the loss.

    Returns
    -------
    loss : float
        Mean squared error over steps, windows and features.

    Notes
    -----
    The time loops hold only the recurrence (one matrix product per step each way);
    everything that is a plain product over all steps and windows at once (readout,
    residuals, the gradients of W and B) runs as one large product outside them.
    """
    mode = forcing.mode
    a, W, h, B = weights.a, weights.W, weights.h, weights.B
    X, starts, seq_len, tau = batch.X, batch.starts, batch.seq_len, batch.tau
    alpha, noise = batch.strength, batch.noise
    Z, Z_forced, targets, R, Delta = work.Z, work.Z_forced, work.targets, work.R, work.Delta
    grad_a, grad_W, grad_h, grad_B = grad.a, grad.W, grad.h, grad.B
    n_batch = starts.shape[0]
    n_latent = a.shape[0]
    n_features = X.shape[1]
    two_scale = 2.0 / (n_batch * seq_len * n_features)
    WT = np.ascontiguousarray(W.T)
    phi = np.empty((n_batch, n_latent))
    tmp = np.empty((n_batch, n_latent))
    g = np.zeros((n_batch, n_latent))
    x_teacher = np.empty(n_features)
    teacher_state = np.empty(n_latent)

    for b in range(n_batch):
        Z[0, b, :] = 0.0
        for i in range(n_features):
            x_teacher[i] = X[starts[b], i] + noise[0, b, i]
        _force(forcing, x_teacher, Z[0, b])
        for t in range(seq_len):
            targets[t, b, :] = X[starts[b] + t + 1]

    # Forward: Z[t] is the state before forcing; the recurrence continues from the state
    # after forcing, which differs only at forcing steps (kept in Z_forced).
    for t in range(1, seq_len + 1):
        z_prev = Z[t - 1]
        if _is_forcing_step(t - 1, tau, seq_len):
            z_prev = Z_forced[(t - 1) // tau - 1]
        for b in range(n_batch):
            for i in range(n_latent):
                phi[b, i] = max(z_prev[b, i], 0.0)
        np.dot(phi, WT, tmp)
        z_t = Z[t]
        for b in range(n_batch):
            for i in range(n_latent):
                z_t[b, i] = a[i] * z_prev[b, i] + tmp[b, i] + h[i]
        if _is_forcing_step(t, tau, seq_len):
            k = t // tau
            forced = Z_forced[k - 1]
            forced[:, :] = z_t
            for b in range(n_batch):
                for i in range(n_features):
                    x_teacher[i] = X[starts[b] + t, i] + noise[k, b, i]
                _force_partially(forcing, x_teacher, alpha, forced[b], teacher_state)

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
    for r in range(n_rows):
        for i in range(n_features):
            R_rows[r, i] -= T_rows[r, i]
            loss += R_rows[r, i] * R_rows[r, i]
    if mode == PINV_FORCING:
        np.dot(R_rows.T, Z_steps, grad_B)
        grad_B *= two_scale
        np.dot(R_rows, B, D_rows)
        D_rows *= two_scale
    else:
        grad_B[:, :] = 0.0
        D_rows[:, :] = 0.0
        for r in range(n_rows):
            for i in range(n_features):
                D_rows[r, i] = two_scale * R_rows[r, i]

    # Backward: g is dL/dz_t after forcing; Delta[t - 1] becomes dL/dz_t before forcing.
    grad_a[:] = 0.0
    grad_h[:] = 0.0
    for t in range(seq_len, 0, -1):
        delta = Delta[t - 1]
        if _is_forcing_step(t, tau, seq_len):
            # A forced unit passes on (1 - alpha) of its gradient (none at alpha = 1: the
            # chain is cut); identity forcing leaves units N.. untouched.
            n_forced = n_features if mode == IDENTITY_FORCING else n_latent
            for b in range(n_batch):
                for i in range(n_latent):
                    delta[b, i] += (1.0 - alpha) * g[b, i] if i < n_forced else g[b, i]
        else:
            for b in range(n_batch):
                for i in range(n_latent):
                    delta[b, i] += g[b, i]
        z_prev = Z[t - 1]
        if _is_forcing_step(t - 1, tau, seq_len):
            z_prev = Z_forced[(t - 1) // tau - 1]
        for b in range(n_batch):
            for i in range(n_latent):
                grad_a[i] += delta[b, i] * z_prev[b, i]
                grad_h[i] += delta[b, i]
        if t > 1:
            np.dot(delta, W, tmp)
            for b in range(n_batch):
                for i in range(n_latent):
                    d = a[i] * delta[b, i]
                    if z_prev[b, i] > 0.0:
                        d += tmp[b, i]
                    g[b, i] = d

    # dL/dW = sum_t delta_t^T relu(z_{t-1} after forcing): one product over all steps.
    # Z's states before forcing are no longer needed, so it is overwritten in place.
    for j in range(Z_forced.shape[0]):
        t = (j + 1) * tau
        if tau > 0 and t < seq_len:
            Z[t, :, :] = Z_forced[j]
    Phi = Z[:seq_len].reshape((n_rows, n_latent))
    for r in range(n_rows):
        for i in range(n_latent):
            if Phi[r, i] < 0.0:
                Phi[r, i] = 0.0
    np.dot(D_rows.T, Phi, grad_W)
    for i in range(n_latent):
        grad_W[i, i] = 0.0
    return loss * two_scale / 2.0


@kernel
def tangent_spectrum(weights, z0, schedule, F, running):
    """Exponents per step along the free-run orbit from ``z0`` (see ``_kernels.lyapunov``).

    The Jacobian at z is J = diag(a) + W diag(z > 0). ``F`` (k x M) holds the initial
    frame in its rows and is overwritten. Returns (exponents, state at the end).
    """
    a, h = weights.a, weights.h
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
        _step(a, WT, h, z, z_next)
        z, z_next = z_next, z
    n_qr = n_steps // qr_interval
    for step_index in range(n_qr * qr_interval):
        # F J^T = F diag(a) + (F diag(z > 0)) W^T
        for r in range(k):
            for i in range(n_latent):
                masked[r, i] = F[r, i] if z[i] > 0.0 else 0.0
        np.dot(masked, WT, FWT)
        for r in range(k):
            for i in range(n_latent):
                F[r, i] = a[i] * F[r, i] + FWT[r, i]
        _step(a, WT, h, z, z_next)
        z, z_next = z_next, z
        if (step_index + 1) % qr_interval == 0:
            qr_step(F, log_r, log_sums, (step_index + 1) // qr_interval, n_qr, running,
                    step_index + 1, 1.0)
    return log_sums / (n_qr * qr_interval), z
