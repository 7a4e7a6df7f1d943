"""Compiled tangent-space QR recursions for Lyapunov spectra.

One recursion serves every source of Jacobians: the PLRNN (exact, piecewise constant),
the benchmark maps, the benchmark flows (variational equations integrated with RK4), and a
precomputed sequence of Jacobians (estimated from data). Each kernel keeps an orthonormal
frame of k tangent vectors, stored as the rows of F (k x n) so that every vector is
contiguous in memory, pushes it through the Jacobians (F <- F J^T), re-orthonormalises every
``qr_interval`` steps and sums log |R_ii|. All work arrays are allocated before the time
loop.

``running`` (n_records x k) receives the running estimate (sum of logs / steps so far) at
evenly spaced QR steps, for convergence plots.
"""

import numpy as np

from ._jit import kernel
from .plrnn import _step as _plrnn_step
from .systems import (
    integrate_flow,
    map_jacobian,
    map_step,
    vector_field,
    vector_field_jacobian,
)

# Frames with at least this many entries go through LAPACK's blocked Householder QR, which
# allocates its result but beats Gram-Schmidt loops once the O(n k^2) work dominates
# (benchmarks/bench_lyapunov.py --part qr).
_LAPACK_MIN_ENTRIES = 256


@kernel
def orthonormalise(F, log_r):
    """In place: orthonormalise the rows of F in order; log_r[j] <- log |R_jj|."""
    k, n = F.shape
    if k * n >= _LAPACK_MIN_ENTRIES:
        Q, R = np.linalg.qr(F.T)
        for j in range(k):
            log_r[j] = np.log(abs(R[j, j]))
        F[:, :] = Q.T
    else:
        _gram_schmidt(F, log_r)


@kernel
def _gram_schmidt(F, log_r):
    """Modified Gram-Schmidt over the rows of F, with a second pass ("twice is enough").

    The second pass keeps the frame orthonormal to machine precision even when the product
    of several Jacobians is ill-conditioned; rows keep every inner loop contiguous.
    """
    k, n = F.shape
    for j in range(k):
        v = F[j]
        for _ in range(2):
            for p in range(j):
                u = F[p]
                dot = 0.0
                for i in range(n):
                    dot += u[i] * v[i]
                for i in range(n):
                    v[i] -= dot * u[i]
        norm = 0.0
        for i in range(n):
            norm += v[i] * v[i]
        norm = np.sqrt(norm)
        log_r[j] = np.log(norm)
        for i in range(n):
            v[i] /= norm


@kernel
def _qr_step(F, log_r, log_sums, qr_done, n_qr, running, steps_done, time_per_step):
    """Re-orthonormalise, accumulate, and record the running estimate when due."""
    orthonormalise(F, log_r)
    for j in range(log_sums.shape[0]):
        log_sums[j] += log_r[j]
    n_records = running.shape[0]
    if n_records > 0:
        every = max(1, n_qr // n_records)
        row = qr_done // every - 1
        if qr_done % every == 0 and row < n_records:
            for j in range(log_sums.shape[0]):
                running[row, j] = log_sums[j] / (steps_done * time_per_step)


@kernel
def plrnn_spectrum(a, W, h, z0, n_transient, n_steps, qr_interval, F, running):
    """Exponents per step of the PLRNN along its free-run orbit from ``z0``.

    The Jacobian at z is J = diag(a) + W diag(z > 0). ``F`` (k x M) holds the initial
    frame in its rows and is overwritten. Returns (exponents, state at the end).
    """
    k, n_latent = F.shape
    z = z0.copy()
    z_next = np.empty(n_latent)
    WT = np.ascontiguousarray(W.T)
    masked = np.empty((k, n_latent))
    FWT = np.empty((k, n_latent))
    log_r = np.empty(k)
    log_sums = np.zeros(k)
    for _ in range(n_transient):
        _plrnn_step(a, WT, h, z, z_next)
        z, z_next = z_next, z
    n_qr = n_steps // qr_interval
    for step in range(n_qr * qr_interval):
        # F J^T = F diag(a) + (F diag(z > 0)) W^T
        for r in range(k):
            for i in range(n_latent):
                masked[r, i] = F[r, i] if z[i] > 0.0 else 0.0
        np.dot(masked, WT, FWT)
        for r in range(k):
            for i in range(n_latent):
                F[r, i] = a[i] * F[r, i] + FWT[r, i]
        _plrnn_step(a, WT, h, z, z_next)
        z, z_next = z_next, z
        if (step + 1) % qr_interval == 0:
            _qr_step(F, log_r, log_sums, (step + 1) // qr_interval, n_qr, running,
                     step + 1, 1.0)
    return log_sums / (n_qr * qr_interval), z


@kernel
def map_spectrum(system, params, x0, n_transient, n_steps, qr_interval, F, running):
    """Exponents per iteration of a benchmark map along its orbit from ``x0``."""
    k, n = F.shape
    x = x0.copy()
    x_next = np.empty(n)
    J = np.empty((n, n))
    FJT = np.empty((k, n))
    log_r = np.empty(k)
    log_sums = np.zeros(k)
    for _ in range(n_transient):
        map_step(system, params, x, x_next)
        x, x_next = x_next, x
    n_qr = n_steps // qr_interval
    for step in range(n_qr * qr_interval):
        map_jacobian(system, params, x, J)
        np.dot(F, J.T, FJT)
        F[:, :] = FJT
        map_step(system, params, x, x_next)
        x, x_next = x_next, x
        if (step + 1) % qr_interval == 0:
            _qr_step(F, log_r, log_sums, (step + 1) // qr_interval, n_qr, running,
                     step + 1, 1.0)
    return log_sums / (n_qr * qr_interval), x


@kernel
def _variational_field(system, params, x, F, J, dx, dF):
    """dx/dt = f(x) and, for the frame in the rows of F, dF/dt = F Df(x)^T."""
    vector_field(system, params, x, dx)
    vector_field_jacobian(system, params, x, J)
    np.dot(F, J.T, dF)


@kernel
def flow_spectrum(system, params, x0, dt, n_substeps, n_transient, n_steps, qr_interval,
                  F, running):
    """Exponents per time unit of a benchmark flow, from its variational equations.

    State and frame (dx/dt = f(x), dF/dt = F Df(x)^T) are integrated together with RK4,
    ``n_substeps`` steps per sampling interval ``dt``; the frame is re-orthonormalised
    every ``qr_interval`` intervals.
    """
    k, n = F.shape
    h = dt / n_substeps
    transient = np.empty((n_transient + 1, n))
    integrate_flow(system, params, x0, dt, n_substeps, transient)
    x = transient[-1].copy()
    J = np.empty((n, n))
    kx = np.empty((4, n))
    kF = np.empty((4, k, n))
    x_stage = np.empty(n)
    F_stage = np.empty((k, n))
    log_r = np.empty(k)
    log_sums = np.zeros(k)
    n_qr = n_steps // qr_interval
    for step in range(n_qr * qr_interval):
        for _ in range(n_substeps):
            _rk4_variational(system, params, x, F, h, J, kx, kF, x_stage, F_stage)
        if (step + 1) % qr_interval == 0:
            _qr_step(F, log_r, log_sums, (step + 1) // qr_interval, n_qr, running,
                     step + 1, dt)
    return log_sums / (n_qr * qr_interval * dt), x


@kernel
def _rk4_variational(system, params, x, F, h, J, kx, kF, x_stage, F_stage):
    """One RK4 step of (x, F) in place."""
    k, n = F.shape
    coefficients = (0.0, 0.5, 0.5, 1.0)
    for s in range(4):
        c = coefficients[s] * h
        for i in range(n):
            x_stage[i] = x[i] + (c * kx[s - 1, i] if s > 0 else 0.0)
        for r in range(k):
            for i in range(n):
                F_stage[r, i] = F[r, i] + (c * kF[s - 1, r, i] if s > 0 else 0.0)
        _variational_field(system, params, x_stage, F_stage, J, kx[s], kF[s])
    for i in range(n):
        x[i] += h / 6.0 * (kx[0, i] + 2.0 * kx[1, i] + 2.0 * kx[2, i] + kx[3, i])
    for r in range(k):
        for i in range(n):
            F[r, i] += h / 6.0 * (kF[0, r, i] + 2.0 * kF[1, r, i] + 2.0 * kF[2, r, i]
                                  + kF[3, r, i])


@kernel
def jacobian_sequence_spectrum(jacobians, qr_interval, F, running):
    """Exponents per step of the product of a given sequence of Jacobians (n_steps, n, n)."""
    n_steps = jacobians.shape[0]
    k, n = F.shape
    FJT = np.empty((k, n))
    log_r = np.empty(k)
    log_sums = np.zeros(k)
    n_qr = n_steps // qr_interval
    for step in range(n_qr * qr_interval):
        np.dot(F, jacobians[step].T, FJT)
        F[:, :] = FJT
        if (step + 1) % qr_interval == 0:
            _qr_step(F, log_r, log_sums, (step + 1) // qr_interval, n_qr, running,
                     step + 1, 1.0)
    return log_sums / (n_qr * qr_interval)


@kernel
def local_linear_jacobians(X, neighbours, next_offset, ridge, out):
    """Least-squares Jacobians of the one-step map at each row of ``X`` from neighbours.

    For row i with neighbours j (``neighbours[i]``), fit dY = J dX with
    dX = X[j] - X[i] and dY = X[j + next_offset] - X[i + next_offset], by normal equations
    with a small ridge relative to the neighbourhood's scale. ``out[i]`` is J.
    """
    n_rows, n_neighbours = neighbours.shape
    d = X.shape[1]
    dX = np.empty((n_neighbours, d))
    dY = np.empty((n_neighbours, d))
    G = np.empty((d, d))
    C = np.empty((d, d))
    for i in range(n_rows):
        for m in range(n_neighbours):
            j = neighbours[i, m]
            for c in range(d):
                dX[m, c] = X[j, c] - X[i, c]
                dY[m, c] = X[j + next_offset, c] - X[i + next_offset, c]
        np.dot(dX.T, dX, G)
        np.dot(dY.T, dX, C)
        trace = 0.0
        for c in range(d):
            trace += G[c, c]
        for c in range(d):
            G[c, c] += ridge * trace / d
        # J G = C  ->  J = C G^{-1}; G is symmetric positive definite.
        out[i] = np.linalg.solve(G, C.T).T
