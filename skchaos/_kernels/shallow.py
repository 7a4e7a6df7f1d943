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
Every array is C-contiguous float64 (``starts`` int64; the training kernel also runs in
float32) and every scalar a Python int or float, so each kernel compiles once per dtype.
The hidden pre-activation is written ``u = W2 z`` (without h2): the clipped nonlinearity
needs it on its own.
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

ShallowWorkspace = namedtuple("ShallowWorkspace", ["Z", "Z_forced", "R", "Delta"])
ShallowWorkspace.__doc__ = """Buffers of ``forward_backward``, overwritten on each call: the
states before forcing (seq_len + 1, n_batch, M; row 0 unused), the states after forcing,
which the next step reads (seq_len, n_batch, M), the residuals (seq_len, n_batch, N) and
dL/dz before forcing (seq_len, n_batch, M)."""


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
    n_latent = a.shape[0]
    W1T = np.ascontiguousarray(weights.W1.T)
    z = z0.copy()
    z_next = np.empty(n_latent)
    small = n_latent <= SMALL_LATENT
    hidden = _packed_hidden(weights) if small else np.empty((0, 0))
    z4 = np.zeros(SMALL_LATENT)
    out4 = np.zeros(SMALL_LATENT)
    for t in range(out.shape[0]):
        if small:
            z4[:n_latent] = z
            _forward_small(hidden, clipped, z4, out4)
            for i in range(n_latent):
                z_next[i] = a[i] * z[i] + h1[i] + out4[i]
        else:
            _step(a, W1T, W2, h1, h2, clipped, z, z_next)
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
    a, W2, h1, h2, clipped = weights.a, weights.W2, weights.h1, weights.h2, weights.clipped
    W1T = np.ascontiguousarray(weights.W1.T)
    z = z_init.copy()
    z_next = np.empty(z_init.shape[0])
    for t in range(X.shape[0]):
        if t > 0:
            _step(a, W1T, W2, h1, h2, clipped, z, z_next)
            z, z_next = z_next, z
        if is_complete(X, t):
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


# The training kernel is written for a small latent space and a wide hidden layer (the
# default: M = N, L = 100): every product runs over the hidden units, innermost and
# contiguous. Sums are reassociated (and multiply-adds fused) so that the reductions over
# the hidden units vectorise; NaN and infinity keep their meaning, which the divergence
# checks rely on (docs/decisions.md: "Training kernels: speed").
_FAST_SUMS = {"reassoc", "contract"}


@kernel(fastmath=_FAST_SUMS)
def _forward_window_step(a, W1, W2T, h1, h2, clipped, z_prev, u, phi, z_out):
    """z_out = a * z_prev + W1 phi(W2 z_prev) + h1 for one window; u and phi are written."""
    n_latent, n_hidden = W2T.shape
    zero = u.dtype.type(0.0)
    u[:] = zero
    for j in range(n_latent):
        zj = z_prev[j]
        for k in range(n_hidden):
            u[k] += W2T[j, k] * zj
    for k in range(n_hidden):
        v = u[k] + h2[k]
        p = v if v > zero else zero
        if clipped:
            p -= u[k] if u[k] > zero else zero
        phi[k] = p
    for i in range(n_latent):
        acc = a[i] * z_prev[i] + h1[i]
        for k in range(n_hidden):
            acc += W1[i, k] * phi[k]
        z_out[i] = acc


@kernel(fastmath=_FAST_SUMS)
def _backward_window_step(weights, W2T, z_prev, delta, u, phi, e, grad, gW2T, g_out,
                          pass_on):
    """Backpropagate dL/dz (``delta``, before forcing) through one step of one window.

    Recomputes the step's pre-activations from ``z_prev`` (cheaper than storing them for
    the whole window), adds the step's share to the gradients (``gW2T`` holds dL/dW2
    transposed) and, when ``pass_on``, writes dL/dz_prev into ``g_out``.
    """
    a, W1, h2, clipped = weights.a, weights.W1, weights.h2, weights.clipped
    n_latent, n_hidden = W2T.shape
    zero = u.dtype.type(0.0)
    u[:] = zero
    for j in range(n_latent):
        zj = z_prev[j]
        for k in range(n_hidden):
            u[k] += W2T[j, k] * zj
    e[:] = zero
    for i in range(n_latent):
        d = delta[i]
        grad.a[i] += d * z_prev[i]
        grad.h1[i] += d
        for k in range(n_hidden):
            e[k] += W1[i, k] * d
    # phi and dL/du = e * phi'(u); h2 sees relu(u + h2) only.
    for k in range(n_hidden):
        v = u[k] + h2[k]
        on = v > zero
        p = v if on else zero
        s = e[k] if on else zero
        grad.h2[k] += s
        if clipped and u[k] > zero:
            p -= u[k]
            s -= e[k]
        phi[k] = p
        e[k] = s
    for i in range(n_latent):
        d = delta[i]
        zi = z_prev[i]
        for k in range(n_hidden):
            grad.W1[i, k] += d * phi[k]
            gW2T[i, k] += zi * e[k]
    if pass_on:
        for i in range(n_latent):
            acc = a[i] * delta[i]
            for k in range(n_hidden):
                acc += W2T[i, k] * e[k]
            g_out[i] = acc


# Up to this many latent units (the default model's M = N for most data) a step runs as one
# pass over the hidden units, with the latent vectors padded with zeros to this length and
# held in registers: a third of the memory traffic of one pass per latent unit. The hidden
# layer's weights travel in one array and their gradients in another (rows: W1 padded,
# W2^T padded, h2), so that the compiler checks one pair of arrays for overlap, not nine,
# and vectorises the pass (1.8x faster, measured).
SMALL_LATENT = 4
_W1_ROWS, _W2T_ROWS, _H2_ROW = slice(0, 4), slice(4, 8), 8


@kernel
def _packed_hidden(weights):
    """The hidden layer's weights as ``_forward_small`` reads them: rows W1 and W2^T, each
    padded with zero rows to ``SMALL_LATENT``, then h2 (zeros for larger models)."""
    n_latent = weights.a.shape[0]
    packed = np.zeros((2 * SMALL_LATENT + 1, weights.h2.shape[0]), weights.h2.dtype)
    if n_latent > SMALL_LATENT:
        return packed
    packed[_W1_ROWS][:n_latent] = weights.W1
    packed[_W2T_ROWS][:n_latent] = weights.W2.T
    packed[_H2_ROW] = weights.h2
    return packed


@kernel(fastmath=_FAST_SUMS)
def _forward_small(P, clipped, z4, out4):
    """out4 = W1 phi(W2 z) for one window; ``P`` holds the padded W1, W2^T and h2."""
    zero = out4.dtype.type(0.0)
    z0, z1, z2, z3 = z4[0], z4[1], z4[2], z4[3]
    acc0, acc1, acc2, acc3 = zero, zero, zero, zero
    for k in range(P.shape[1]):
        u = P[4, k] * z0 + P[5, k] * z1 + P[6, k] * z2 + P[7, k] * z3
        v = u + P[8, k]
        p = v if v > zero else zero
        if clipped and u > zero:
            p -= u
        acc0 += P[0, k] * p
        acc1 += P[1, k] * p
        acc2 += P[2, k] * p
        acc3 += P[3, k] * p
    out4[0], out4[1], out4[2], out4[3] = acc0, acc1, acc2, acc3


@kernel(fastmath=_FAST_SUMS)
def _backward_small(P, clipped, z4, d4, G, phi, slope, g4):
    """One step of one window backwards: writes phi(u) into ``phi`` and dL/du into
    ``slope`` (rows of the window's block), adds the h2 gradient to ``G[8]`` and writes
    W2^T (dL/du) into ``g4``. ``_accumulate_block`` adds the W1 and W2 gradients later,
    four windows at a time."""
    zero = g4.dtype.type(0.0)
    z0, z1, z2, z3 = z4[0], z4[1], z4[2], z4[3]
    d0, d1, d2, d3 = d4[0], d4[1], d4[2], d4[3]
    g0, g1, g2, g3 = zero, zero, zero, zero
    for k in range(P.shape[1]):
        u = P[4, k] * z0 + P[5, k] * z1 + P[6, k] * z2 + P[7, k] * z3
        e = P[0, k] * d0 + P[1, k] * d1 + P[2, k] * d2 + P[3, k] * d3
        v = u + P[8, k]
        on = v > zero
        p = v if on else zero
        s = e if on else zero
        G[8, k] += s
        if clipped and u > zero:
            p -= u
            s -= e
        phi[k] = p
        slope[k] = s
        g0 += P[4, k] * s
        g1 += P[5, k] * s
        g2 += P[6, k] * s
        g3 += P[7, k] * s
    g4[0], g4[1], g4[2], g4[3] = g0, g1, g2, g3


@kernel(fastmath=_FAST_SUMS)
def _accumulate_block(G, Phi, Slope, DZ):
    """Add the gradients of W1 (rows 0-3 of ``G``) and W2^T (rows 4-7) from one time step
    of a block of windows: ``Phi`` and ``Slope`` (n_block, L) hold each window's phi(u) and
    dL/du, ``DZ`` (n_block, 8) its padded dL/dz and input state; n_block a multiple of 4
    (padded windows all zero). Four windows per pass: a quarter of the read-modify-writes of
    adding each window's outer products on its own, which cost 80% of the backward step."""
    for w in range(0, DZ.shape[0], 4):
        for i in range(8):
            rows = Phi if i < 4 else Slope
            c0, c1, c2, c3 = DZ[w, i], DZ[w + 1, i], DZ[w + 2, i], DZ[w + 3, i]
            out = G[i]
            r0, r1, r2, r3 = rows[w], rows[w + 1], rows[w + 2], rows[w + 3]
            for k in range(out.shape[0]):
                out[k] += c0 * r0[k] + c1 * r1[k] + c2 * r2[k] + c3 * r3[k]


@kernel(nogil=True)
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
        Mean squared error over steps, windows and features, of the observed targets
        (a NaN target counts for nothing, nor does the first row after a gap).

    Notes
    -----
    Every array (the weights, the batch's series and noise, the workspace and the
    gradient) has one floating dtype, float64 or float32; the loss is summed in float64.
    A step whose observation holds a NaN is not forced (``forcing_strength``). The hidden
    layer is never stored over the window: the backward pass recomputes each
    step's pre-activations from the stored states.
    """
    # The gradient accumulates in arrays of this call's own: the chunks of a minibatch run
    # on several threads (the GIL released), and their gradient rows share cache lines.
    out, grad = grad, ShallowWeights(np.zeros_like(grad.a), np.zeros_like(grad.W1),
                                     np.zeros_like(grad.W2), np.zeros_like(grad.h1),
                                     np.zeros_like(grad.h2), np.zeros_like(grad.B),
                                     np.zeros_like(grad.C), grad.clipped)
    mode = forcing.mode
    a, W1, W2, h1, h2, B, C, clipped = (weights.a, weights.W1, weights.W2, weights.h1,
                                        weights.h2, weights.B, weights.C, weights.clipped)
    X, starts, seq_len, noise = batch.X, batch.starts, batch.seq_len, batch.noise
    Z, Z_forced, R, Delta = work.Z, work.Z_forced, work.R, work.Delta
    dtype = Z.dtype
    n_batch = starts.shape[0]
    n_latent = a.shape[0]
    n_hidden = h2.shape[0]
    n_features = X.shape[1]
    n_forced = n_forced_units(mode, n_latent, n_features)
    W2T = np.ascontiguousarray(W2.T)
    u = np.empty(n_hidden, dtype)
    phi = np.empty(n_hidden, dtype)
    e = np.empty(n_hidden, dtype)
    g = np.zeros((n_batch, n_latent), dtype)
    gW2T = np.zeros((n_latent, n_hidden), dtype)
    x_teacher = np.empty(n_features, dtype)
    teacher_state = np.empty(n_latent, dtype)
    applied = np.zeros((seq_len + 1, n_batch))  # the forcing strength each window got
    small = n_latent <= SMALL_LATENT
    hidden = _packed_hidden(weights)
    hidden_grad = np.zeros_like(hidden)
    z4 = np.zeros(SMALL_LATENT, dtype)
    d4 = np.zeros(SMALL_LATENT, dtype)
    out4 = np.zeros(SMALL_LATENT, dtype)
    # One time step of the windows' hidden layers, for _accumulate_block (windows padded
    # to a multiple of 4 with zero rows).
    n_block = -(-n_batch // 4) * 4 if small else 0
    Phi = np.zeros((n_block, n_hidden), dtype)
    Slope = np.zeros((n_block, n_hidden), dtype)
    DZ = np.zeros((n_block, 2 * SMALL_LATENT), dtype)

    # Forward: Z[t] is the state before forcing, Z_forced[t] the state after it, which the
    # recurrence continues from (the same where step t is not forced).
    for b in range(n_batch):
        for i in range(n_features):
            x_teacher[i] = X[starts[b], i] + noise[0, b, i]
        initial_state(forcing, C, x_teacher, Z_forced[0, b])
    for t in range(1, seq_len + 1):
        for b in range(n_batch):
            z_t, z_prev = Z[t, b], Z_forced[t - 1, b]
            if small:
                z4[:n_latent] = z_prev
                _forward_small(hidden, clipped, z4, out4)
                for i in range(n_latent):
                    z_t[i] = a[i] * z_prev[i] + h1[i] + out4[i]
            else:
                _forward_window_step(a, W1, W2T, h1, h2, clipped, z_prev, u, phi, z_t)
            if t == seq_len:
                continue
            forced = Z_forced[t, b]
            forced[:] = z_t
            strength = forcing_strength(t, batch, b)
            applied[t, b] = strength
            if strength > 0.0:
                for i in range(n_features):
                    x_teacher[i] = X[starts[b] + t, i] + noise[t, b, i]
                force_partially(forcing, x_teacher, strength, forced, teacher_state)

    # Residuals, the loss, the readout's gradient and dL/dz from the loss at each state.
    loss = 0.0
    n_observed = 0
    for t in range(seq_len):
        for b in range(n_batch):
            r = R[t, b]
            observe(mode, B, Z[t + 1, b], r)
            spans_gap = after_gap(X, starts[b] + t + 1)
            for i in range(n_features):
                target = X[starts[b] + t + 1, i]
                if spans_gap or np.isnan(target):  # no target here: no residual
                    r[i] = 0.0
                    continue
                r[i] -= target
                loss += r[i] * r[i]
                n_observed += 1
    two_scale = 2.0 / n_observed if n_observed > 0 else 0.0
    grad.B[:, :] = 0.0
    for t in range(seq_len):
        for b in range(n_batch):
            z, r, d = Z[t + 1, b], R[t, b], Delta[t, b]
            d[:] = 0.0
            for i in range(n_features):
                ri = two_scale * r[i]
                if mode == PINV_FORCING:
                    for j in range(n_latent):
                        grad.B[i, j] += ri * z[j]
                        d[j] += ri * B[i, j]
                else:
                    d[i] = ri

    # Backward: g is dL/dz after forcing at step t; Delta[t - 1] becomes dL/dz before
    # forcing. A forced unit passes on (1 - strength) of its gradient; identity forcing
    # leaves units N.. untouched.
    grad.a[:] = 0.0
    grad.h1[:] = 0.0
    grad.h2[:] = 0.0
    grad.W1[:, :] = 0.0
    pass_on_first = mode == IDENTITY_FORCING and n_latent > n_features
    for t in range(seq_len, 0, -1):
        for b in range(n_batch):
            keep = 1.0 - applied[t, b]
            delta = Delta[t - 1, b]
            for i in range(n_latent):
                delta[i] += keep * g[b, i] if i < n_forced else g[b, i]
            pass_on = t > 1 or pass_on_first
            z_prev = Z_forced[t - 1, b]
            if not small:
                _backward_window_step(weights, W2T, z_prev, delta, u, phi, e, grad, gW2T,
                                      g[b], pass_on)
                continue
            for i in range(n_latent):
                z4[i], d4[i] = z_prev[i], delta[i]
                DZ[b, i], DZ[b, SMALL_LATENT + i] = delta[i], z_prev[i]
                grad.a[i] += delta[i] * z_prev[i]
                grad.h1[i] += delta[i]
            _backward_small(hidden, clipped, z4, d4, hidden_grad, Phi[b], Slope[b], out4)
            if pass_on:
                for i in range(n_latent):
                    g[b, i] = a[i] * delta[i] + out4[i]
        if small:
            _accumulate_block(hidden_grad, Phi, Slope, DZ)
    if small:
        grad.W1[:, :] = hidden_grad[_W1_ROWS][:n_latent]
        gW2T[:, :] = hidden_grad[_W2T_ROWS][:n_latent]
        grad.h2[:] = hidden_grad[_H2_ROW]
    grad.W2[:, :] = gW2T.T

    # The initial map: g now holds dL/dz at each window's initial state.
    grad.C[:, :] = 0.0
    if mode == IDENTITY_FORCING:
        for b in range(n_batch):
            for i in range(n_features):
                x_teacher[i] = X[starts[b], i] + noise[0, b, i]
            initial_map_gradient(forcing, x_teacher, g[b], grad.C)
    out.a[:], out.W1[:, :], out.W2[:, :], out.h1[:] = grad.a, grad.W1, grad.W2, grad.h1
    out.h2[:], out.B[:, :], out.C[:, :] = grad.h2, grad.B, grad.C
    return loss / n_observed if n_observed > 0 else 0.0


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
