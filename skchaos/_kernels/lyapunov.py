"""Compiled tangent-space QR recursions for Lyapunov spectra.

One recursion serves every source of Jacobians: the latent models (exact, their own
kernels call ``qr_step``),
the benchmark maps, the benchmark flows (variational equations integrated with RK4), and a
precomputed sequence of Jacobians (estimated from data). Each kernel keeps an orthonormal
frame of k tangent vectors, stored as the rows of F (k x n) so that every vector is
contiguous in memory, pushes it through the Jacobians (F <- F J^T), re-orthonormalises every
``qr_interval`` steps and sums log |R_ii|. All work arrays are allocated before the time
loop.

``running`` (n_records x k) receives the running estimate (sum of logs / steps so far) at
evenly spaced QR steps, for convergence plots. A tangent vector that a singular Jacobian
collapses is counted at log |residual| (``_LOG_ZERO`` if exactly zero) and replaced, so the
sums stay finite.

The Jacobians estimated from data are ridge least-squares fits on each point's neighbours,
solved through a one-sided Jacobi SVD (no allocation per row), which also measures how
degenerate each neighbourhood is.
"""

from collections import namedtuple

import numpy as np

from ._jit import kernel
from .systems import (
    integrate_flow,
    map_jacobian,
    map_step,
    vector_field,
    vector_field_jacobian,
)

# Frames with at least this many entries go through LAPACK's blocked Householder QR, which
# allocates its result but beats Gram-Schmidt loops once the O(n k^2) work dominates
# (benchmarks/studies/bench_lyapunov.py --part qr).
_LAPACK_MIN_ENTRIES = 256

# log |R_jj| recorded when a tangent vector collapses to exactly zero (a singular Jacobian):
# log of the smallest normal double, finite so that sums stay finite.
_LOG_ZERO = float(np.log(np.finfo(np.float64).tiny))

# A Gram-Schmidt residual below this fraction of the vector's norm is rounding error: the
# direction is lost and is replaced by one orthogonal to the earlier rows.
_LOST = 1e-13

QRSchedule = namedtuple("QRSchedule", ["n_transient", "n_steps", "qr_interval"])
QRSchedule.__doc__ = """Steps run before averaging, steps averaged over, and steps between
re-orthonormalisations (ints)."""

Neighbourhoods = namedtuple("Neighbourhoods", ["X", "neighbours", "next_offset"])
Neighbourhoods.__doc__ = """The rows of a state (n, d), each point's neighbours among them
(rows of int64 indices), and the steps (int) of the map fitted from a point to its
successor."""

LocalFits = namedtuple("LocalFits", ["jacobians", "spread", "flatness", "sq_error"])
LocalFits.__doc__ = """Outputs of the local fits, one row per point: Jacobians (n, d, d), the
neighbourhood's spread and flatness (n,), and squared out-of-sample errors (n, d; unused by
``affine_jacobians``)."""

FlowSampling = namedtuple("FlowSampling", ["dt", "n_substeps"])
FlowSampling.__doc__ = """A flow's sampling interval (float) and the RK4 steps per interval
(int)."""


@kernel
def orthonormalise(F, log_r):
    """In place: orthonormalise the rows of F in order; log_r[j] <- log |R_jj|.

    Returns how many rows were lost: a singular Jacobian left nothing of them above
    rounding error (their log_r is at most log(rounding), ``_LOG_ZERO`` if exactly 0).
    """
    k, n = F.shape
    if k * n < _LAPACK_MIN_ENTRIES:
        return _gram_schmidt(F, log_r)
    n_lost = 0
    for j in range(k):
        log_r[j] = _norm(F[j])  # norms before, to tell a lost row
    Q, R = np.linalg.qr(F.T)
    for j in range(k):
        r = abs(R[j, j])
        if r <= _LOST * log_r[j]:
            n_lost += 1
        log_r[j] = np.log(r) if r > 0.0 else _LOG_ZERO
    F[:, :] = Q.T
    return n_lost


@kernel
def _gram_schmidt(F, log_r):
    """Modified Gram-Schmidt over the rows of F, with a second pass ("twice is enough").

    The second pass keeps the frame orthonormal to machine precision even when the product
    of several Jacobians is ill-conditioned; rows keep every inner loop contiguous. A row
    that a singular Jacobian has collapsed (nothing left above rounding error) gets
    ``log_r = log |residual|`` (``_LOG_ZERO`` if exactly zero) and is replaced by a unit
    vector orthogonal to the rows before it, so the frame stays orthonormal.
    """
    k, n = F.shape
    n_lost = 0
    for j in range(k):
        v = F[j]
        norm_in = _norm(v)
        _project_out(F, j, v)
        _project_out(F, j, v)
        norm = _norm(v)
        if norm > _LOST * norm_in:
            log_r[j] = np.log(norm)
            for i in range(n):
                v[i] /= norm
        else:
            log_r[j] = np.log(norm) if norm > 0.0 else _LOG_ZERO
            _reseed(F, j)
            n_lost += 1
    return n_lost


@kernel
def _norm(v):
    total = 0.0
    for i in range(v.shape[0]):
        total += v[i] * v[i]
    return np.sqrt(total)


@kernel
def _project_out(F, j, v):
    """v <- v minus its components along the rows F[0], ..., F[j - 1] (one MGS pass)."""
    for p in range(j):
        u = F[p]
        dot = 0.0
        for i in range(v.shape[0]):
            dot += u[i] * v[i]
        for i in range(v.shape[0]):
            v[i] -= dot * u[i]


@kernel
def _reseed(F, j):
    """F[j] <- the unit basis vector farthest from the span of F[:j], orthonormalised.

    The n - j >= 1 squared residuals of the n basis vectors sum to n - j, so the largest
    is at least 1/n: the result is well defined and orthogonal to rounding accuracy.
    """
    n = F.shape[1]
    v = F[j]
    best, best_norm = 0, -1.0
    for c in range(n):
        v[:] = 0.0
        v[c] = 1.0
        _project_out(F, j, v)
        norm = _norm(v)
        if norm > best_norm:
            best, best_norm = c, norm
    v[:] = 0.0
    v[best] = 1.0
    _project_out(F, j, v)
    _project_out(F, j, v)
    norm = _norm(v)
    for i in range(n):
        v[i] /= norm


@kernel
def qr_step(F, log_r, log_sums, qr_done, n_qr, running, steps_done, time_per_step):
    """Re-orthonormalise, accumulate, and record the running estimate when due.

    Returns the number of rows lost (see ``orthonormalise``).
    """
    n_lost = orthonormalise(F, log_r)
    for j in range(log_sums.shape[0]):
        log_sums[j] += log_r[j]
    n_records = running.shape[0]
    if n_records > 0:
        every = max(1, n_qr // n_records)
        row = qr_done // every - 1
        if qr_done % every == 0 and row < n_records:
            for j in range(log_sums.shape[0]):
                running[row, j] = log_sums[j] / (steps_done * time_per_step)
    return n_lost


@kernel
def map_spectrum(system, params, x0, schedule, F, running):
    """Exponents per iteration of a benchmark map along its orbit from ``x0``."""
    n_transient, n_steps, qr_interval = (schedule.n_transient, schedule.n_steps,
                                         schedule.qr_interval)
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
            qr_step(F, log_r, log_sums, (step + 1) // qr_interval, n_qr, running,
                     step + 1, 1.0)
    return log_sums / (n_qr * qr_interval), x


@kernel
def _variational_field(system, params, x, F, J, dx, dF):
    """dx/dt = f(x) and, for the frame in the rows of F, dF/dt = F Df(x)^T."""
    vector_field(system, params, x, dx)
    vector_field_jacobian(system, params, x, J)
    np.dot(F, J.T, dF)


@kernel
def flow_spectrum(system, params, x0, sampling, schedule, F, running):
    """Exponents per time unit of a benchmark flow, from its variational equations.

    State and frame (dx/dt = f(x), dF/dt = F Df(x)^T) are integrated together with RK4,
    ``sampling.n_substeps`` steps per sampling interval ``sampling.dt``; the frame is
    re-orthonormalised every ``schedule.qr_interval`` intervals.
    """
    dt, n_substeps = sampling.dt, sampling.n_substeps
    n_transient, n_steps, qr_interval = (schedule.n_transient, schedule.n_steps,
                                         schedule.qr_interval)
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
            qr_step(F, log_r, log_sums, (step + 1) // qr_interval, n_qr, running,
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
    """Exponents per step of the product of a given sequence of Jacobians (n_steps, n, n).

    Returns (exponents, number of QR steps at which a tangent direction was lost to a
    singular product: the exponents from that direction on are then unreliable).
    """
    n_steps = jacobians.shape[0]
    k, n = F.shape
    FJT = np.empty((k, n))
    log_r = np.empty(k)
    log_sums = np.zeros(k)
    n_qr = n_steps // qr_interval
    n_lost = 0
    for step in range(n_qr * qr_interval):
        np.dot(F, jacobians[step].T, FJT)
        F[:, :] = FJT
        if (step + 1) % qr_interval == 0:
            n_lost += qr_step(F, log_r, log_sums, (step + 1) // qr_interval, n_qr, running,
                               step + 1, 1.0)
    return log_sums / (n_qr * qr_interval), n_lost


@kernel
def local_linear_jacobians(hoods, ridge, fits):
    """Least-squares Jacobians of the ``next_offset``-step map at each row of ``X``.

    For row i with neighbours j (``neighbours[i]``, outside i's Theiler window), fit
    dY = J dX with dX = X[j] - X[i] and dY = X[j + next_offset] - X[i + next_offset], with
    a ridge of ``ridge`` times the mean squared singular value of dX (see ``_ridge_fit``);
    ``out[i]`` is J. A second, affine fit about the neighbours' centroids predicts
    ``X[i + next_offset]`` from ``X[i]`` out of sample (i is not among its own neighbours):
    ``sq_error[i]`` holds the squared errors per column, a measure of how deterministic
    the data are.

    ``spread[i]`` is the root mean squared row of dX (or of dY, if smaller): 0 when every
    neighbour coincides with row i. ``flatness[i]`` is the smallest over the largest
    singular value of J: at rounding level when the neighbours or their successors span
    fewer dimensions than X has columns. (``X``, ``neighbours``, ``next_offset``) come in
    ``hoods`` (a ``Neighbourhoods``), (``out``, ``spread``, ``flatness``, ``sq_error``) in
    ``fits`` (a ``LocalFits``).
    """
    X, neighbours, next_offset = hoods.X, hoods.neighbours, hoods.next_offset
    out, spread, flatness, sq_error = fits.jacobians, fits.spread, fits.flatness, fits.sq_error
    n_rows, n_neighbours = neighbours.shape
    d = X.shape[1]
    dX = np.empty((n_neighbours, d))
    dY = np.empty((n_neighbours, d))
    x_mean = np.empty(d)
    y_mean = np.empty(d)
    V = np.empty((d, d))
    sigma_sq = np.empty(d)
    CV = np.empty((d, d))
    J_affine = np.empty((d, d))
    for i in range(n_rows):
        for m in range(n_neighbours):
            j = neighbours[i, m]
            for c in range(d):
                dX[m, c] = X[j, c] - X[i, c]
                dY[m, c] = X[j + next_offset, c] - X[i + next_offset, c]
        spread[i], flatness[i] = _ridge_fit(dX, dY, ridge, V, sigma_sq, CV, out[i])
        _about_centroids(X, neighbours[i], next_offset, x_mean, y_mean, dX, dY)
        _ridge_fit(dX, dY, ridge, V, sigma_sq, CV, J_affine)
        for r in range(d):
            predicted = y_mean[r]
            for c in range(d):
                predicted += J_affine[r, c] * (X[i, c] - x_mean[c])
            sq_error[i, r] = (X[i + next_offset, r] - predicted) ** 2


@kernel
def affine_jacobians(queries, hoods, ridge, fits):
    """Affine least-squares Jacobians at points ``queries`` that need not be rows of X.

    For query i, fit X[j + next_offset] - y_mean = J (X[j] - x_mean) over its neighbours j
    (``hoods.neighbours[i]``, rows of ``hoods.X``) about their centroids; the Jacobians,
    ``spread`` and ``flatness`` go into ``fits`` as in ``local_linear_jacobians``.
    """
    X, neighbours, next_offset = hoods.X, hoods.neighbours, hoods.next_offset
    out, spread, flatness = fits.jacobians, fits.spread, fits.flatness
    n_queries, n_neighbours = neighbours.shape
    d = X.shape[1]
    dX = np.empty((n_neighbours, d))
    dY = np.empty((n_neighbours, d))
    x_mean = np.empty(d)
    y_mean = np.empty(d)
    V = np.empty((d, d))
    sigma_sq = np.empty(d)
    CV = np.empty((d, d))
    for i in range(n_queries):
        _about_centroids(X, neighbours[i], next_offset, x_mean, y_mean, dX, dY)
        spread[i], flatness[i] = _ridge_fit(dX, dY, ridge, V, sigma_sq, CV, out[i])


@kernel
def _about_centroids(X, rows, next_offset, x_mean, y_mean, dX, dY):
    """dX, dY <- the rows ``rows`` of X and their successors ``next_offset`` later, each
    minus its centroid (x_mean, y_mean)."""
    _centroids(X, rows, 0, x_mean)
    _centroids(X, rows, next_offset, y_mean)
    for m in range(rows.shape[0]):
        j = rows[m]
        for c in range(X.shape[1]):
            dX[m, c] = X[j, c] - x_mean[c]
            dY[m, c] = X[j + next_offset, c] - y_mean[c]


@kernel
def _centroids(X, rows, offset, mean):
    """mean <- the mean of the rows ``rows + offset`` of X."""
    mean[:] = 0.0
    for j in rows:
        for c in range(X.shape[1]):
            mean[c] += X[j + offset, c]
    for c in range(X.shape[1]):
        mean[c] /= rows.shape[0]


@kernel
def _ridge_fit(dX, dY, ridge, V, sigma_sq, CV, J):
    """J <- argmin |dY - dX J^T|^2 + shift |J|^2, through the SVD of dX (destroyed).

    ``shift`` is ``ridge`` times the mean squared singular value of dX, so the fit does not
    depend on the data's scale. With dX = U S V^T, J = dY^T U S (S^2 + shift)^-1 V^T: finite
    whatever the data, and zero along any direction dX does not span (J = 0 if every row of
    dX is 0).

    Returns how degenerate the neighbourhood is: its spread, the smaller of the root mean
    squared rows of dX and dY (0 if the points or their successors all coincide), and the
    smallest over the largest singular value of J (0 if J = 0), at rounding level when the
    neighbours or their successors span fewer dimensions than the state (duplicate or
    quantised points, a lower-dimensional set), so that J is singular.
    """
    n_rows, d = dX.shape
    total_x = _singular_values(dX, V, sigma_sq)  # dX <- U S
    shift = ridge * total_x / d
    for c in range(d):
        sigma_sq[c] = 1.0 / (sigma_sq[c] + shift) if sigma_sq[c] + shift > 0.0 else 0.0
    np.dot(dY.T, dX, CV)  # dY^T U S
    for r in range(d):
        for c in range(d):
            value = 0.0
            for e in range(d):
                value += CV[r, e] * sigma_sq[e] * V[c, e]
            J[r, c] = value
    total_y = 0.0
    for m in range(n_rows):
        for c in range(d):
            total_y += dY[m, c] * dY[m, c]
    spread = np.sqrt(min(total_x, total_y) / n_rows)
    CV[:, :] = J
    _singular_values(CV, V, sigma_sq)
    largest, smallest = sigma_sq.max(), sigma_sq.min()
    return spread, np.sqrt(smallest / largest) if largest > 0.0 else 0.0


@kernel
def _singular_values(A, V, sigma_sq):
    """A <- A V = U S (one-sided Jacobi); sigma_sq <- S^2; returns the sum of S^2."""
    _one_sided_jacobi(A, V)
    total = 0.0
    for c in range(A.shape[1]):
        norm_sq = 0.0
        for m in range(A.shape[0]):
            norm_sq += A[m, c] * A[m, c]
        sigma_sq[c] = norm_sq
        total += norm_sq
    return total


@kernel
def _one_sided_jacobi(A, V):
    """In place: A <- A V with orthogonal columns, V orthogonal (Hestenes' one-sided Jacobi).

    The column norms of the result are the singular values of A, each to high relative
    accuracy, so a direction the rows of A do not span shows as a singular value at
    rounding level (or exactly 0) rather than being lost in the rounding of A^T A.
    """
    n_rows, d = A.shape
    V[:, :] = 0.0
    for c in range(d):
        V[c, c] = 1.0
    for _ in range(60):
        rotated = False
        for p in range(d - 1):
            for q in range(p + 1, d):
                alpha, beta, gamma = 0.0, 0.0, 0.0
                for m in range(n_rows):
                    alpha += A[m, p] * A[m, p]
                    beta += A[m, q] * A[m, q]
                    gamma += A[m, p] * A[m, q]
                if abs(gamma) <= 1e-15 * np.sqrt(alpha * beta):
                    continue  # already orthogonal to working precision (also gamma = 0)
                rotated = True
                zeta = (beta - alpha) / (2.0 * gamma)
                if abs(zeta) > 1e150:  # t ~ 1 / (2 zeta) without overflowing zeta^2
                    t = 0.5 / zeta
                else:
                    t = 1.0 / (abs(zeta) + np.sqrt(1.0 + zeta * zeta))
                    if zeta < 0.0:
                        t = -t
                cos = 1.0 / np.sqrt(1.0 + t * t)
                sin = cos * t
                _rotate_columns(A, p, q, cos, sin)
                _rotate_columns(V, p, q, cos, sin)
        if not rotated:
            break


@kernel
def _rotate_columns(A, p, q, cos, sin):
    """Columns (p, q) of A <- (cos p - sin q, sin p + cos q)."""
    for m in range(A.shape[0]):
        a_p, a_q = A[m, p], A[m, q]
        A[m, p] = cos * a_p - sin * a_q
        A[m, q] = sin * a_p + cos * a_q
