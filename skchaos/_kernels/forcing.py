"""Teacher forcing and observation, shared by every latent model's kernels.

Two observation schemes (``ForcingMap.mode``):

- ``IDENTITY_FORCING``: x_hat_t = z_t[:N]; forcing moves units 0..N-1 towards x_t. A window
  (or a forced pass) starts with units N.. at ``C[N:] x``, a learned linear map of the first
  observation, so that the unobserved units do not start from an arbitrary zero.
- ``PINV_FORCING``: x_hat_t = B z_t; forcing moves all M units towards P x_t, where
  P = pinv(B) is passed in as data (no gradient flows through it).

Within a training window (``WindowBatch``) step t is forced with strength

- ``strength`` every ``tau`` steps (sparse teacher forcing; 1 overwrites the forced units),
- ``alpha`` at every other step (generalised teacher forcing, Hess et al., ICML 2023):
  z <- (1 - alpha) z + alpha z_teacher, and the gradient through a forced unit is scaled by
  (1 - alpha).

Sparse forcing alone is ``alpha = 0``; pure generalised teacher forcing is ``tau = 0``
(never a full reset) with ``alpha > 0``.

Missing observations are NaN in the series. A row with any NaN never forces (the model
runs free across it: ``forcing_strength``), a NaN target adds nothing to the loss, and the
first complete row after a gap resets the state fully and is no target either
(``after_gap``); a series without NaN trains bit for bit as before.
"""

from collections import namedtuple

import numpy as np

from ._jit import kernel

IDENTITY_FORCING = 0
PINV_FORCING = 1

ForcingMap = namedtuple("ForcingMap", ["mode", "P"])
ForcingMap.__doc__ = """How an observation x sets the latent state: the scheme (``mode``,
an int) and, under pinv forcing, P = pinv(B) of shape (M, N) (a dummy otherwise)."""

WindowBatch = namedtuple("WindowBatch",
                         ["X", "starts", "seq_len", "tau", "strength", "alpha", "noise"])
WindowBatch.__doc__ = """A minibatch of training windows read in place from the series.

``X`` (T, N) is the whole standardised training series; window b is rows
``starts[b] .. starts[b] + seq_len``. Every ``tau`` steps the forced units move a fraction
``strength`` of the way to the (noisy) teacher (``tau = 0``: never), and at every other
step a fraction ``alpha`` (0: not at all). ``noise`` (seq_len, n_batch, N) is added to the
teacher: row t at step t (row 0 at the window's start)."""


@kernel
def force(forcing, x, z):
    """Overwrite the forced units of the latent state ``z`` in place from ``x``."""
    n_features = x.shape[0]
    if forcing.mode == IDENTITY_FORCING:
        for i in range(n_features):
            z[i] = x[i]
    else:
        P = forcing.P
        for i in range(z.shape[0]):
            acc = 0.0
            for j in range(n_features):
                acc += P[i, j] * x[j]
            z[i] = acc


@kernel
def initial_state(forcing, C, x, z):
    """The state a window starts from: forced from ``x``, and under identity forcing units
    N.. set to ``C[N:] x`` (``C`` of shape (M, N); its first N rows are not used)."""
    force(forcing, x, z)
    if forcing.mode == IDENTITY_FORCING:
        n_features = x.shape[0]
        for i in range(n_features, z.shape[0]):
            acc = 0.0
            for j in range(n_features):
                acc += C[i, j] * x[j]
            z[i] = acc


@kernel
def is_complete(X, row):
    """Whether row ``row`` of ``X`` holds no missing value (NaN)."""
    for i in range(X.shape[1]):
        if np.isnan(X[row, i]):
            return False
    return True


@kernel
def n_forced_units(mode, n_latent, n_features):
    return n_features if mode == IDENTITY_FORCING else n_latent


@kernel
def force_partially(forcing, x, alpha, z, work):
    """Move the forced units of ``z`` a fraction ``alpha`` of the way to the teacher.

    ``work`` receives the teacher state; only its forced units are written and read.
    """
    force(forcing, x, work)
    for i in range(n_forced_units(forcing.mode, z.shape[0], x.shape[0])):
        z[i] = (1.0 - alpha) * z[i] + alpha * work[i]


@kernel
def observe(mode, B, z, out):
    """Write x_hat = obs(z) into ``out``."""
    n_features = out.shape[0]
    if mode == IDENTITY_FORCING:
        for i in range(n_features):
            out[i] = z[i]
    else:
        for i in range(n_features):
            acc = 0.0
            for j in range(z.shape[0]):
                acc += B[i, j] * z[j]
            out[i] = acc


@kernel
def step_strength(t, batch):
    """How strongly step t of a window is forced (0: not at all).

    Forcing at the window's last step would affect nothing, so it is skipped.
    """
    if t <= 0 or t >= batch.seq_len:
        return 0.0
    if batch.tau > 0 and t % batch.tau == 0:
        return batch.strength
    return batch.alpha


@kernel
def forcing_strength(t, batch, b):
    """How strongly window b is forced at its step t: ``step_strength``; 0 where the
    observation there is missing (the model runs free across the gap); and 1, a full
    reset as at a window's start, at the first complete row after a gap (``after_gap``),
    unless the schedule never forces (``tau = 0`` and ``alpha = 0``)."""
    strength = step_strength(t, batch)
    forcing_on = batch.tau > 0 or batch.alpha > 0.0
    if forcing_on and 0 < t < batch.seq_len:
        row = batch.starts[b] + t
        if not is_complete(batch.X, row):
            return 0.0
        if after_gap(batch.X, row):
            return 1.0
    return strength


@kernel
def after_gap(X, row):
    """Whether the row before ``row`` has a missing value: ``row`` is the first one after
    a gap. Its prediction spans the gap, so it is no target of the loss: no loss term and
    no gradient runs across a gap (measured: with 30% of Lorenz-63 missing in gaps of
    1-50 steps, losses across the gaps left the state-space divergence 8.5 times that of
    the complete-data fit; without them, 1.0 times; docs/decisions.md)."""
    return row > 0 and not is_complete(X, row - 1)


@kernel
def initial_map_gradient(forcing, x0, g0, grad_C):
    """Add dL/dC from the gradient ``g0`` at a window's initial state (identity forcing)."""
    if forcing.mode == IDENTITY_FORCING:
        n_features = x0.shape[0]
        for i in range(n_features, g0.shape[0]):
            for j in range(n_features):
                grad_C[i, j] += g0[i] * x0[j]


@kernel
def pseudo_inverse(B):
    """pinv(B), C-contiguous: the pinv forcing map, recomputed for every minibatch (through
    NumPy the call cost several times the SVD of a small B)."""
    return np.ascontiguousarray(np.linalg.pinv(B))


@kernel
def average_chunks(stack, target):
    """``target`` (C-contiguous, any shape) = the mean of ``stack`` (n_chunks, *shape) over
    its first axis, summed in chunk order: the chunks' gradients of a minibatch."""
    n_chunks = stack.shape[0]
    rows = stack.reshape((n_chunks, target.size))
    flat = target.reshape(target.size)
    for j in range(target.size):
        total = 0.0
        for c in range(n_chunks):
            total += rows[c, j]
        flat[j] = total / n_chunks
