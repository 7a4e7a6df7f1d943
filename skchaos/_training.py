"""The training loop of the PLRNN: parameter layout, initialisation, Adam, epochs.

The estimator validates and converts its input once and calls :func:`train` with plain
arrays; the time loops run in the compiled kernels of ``skchaos._kernels.plrnn``.
"""

import time

import numpy as np

from ._kernels.plrnn import IDENTITY_FORCING, PINV_FORCING, forward_backward
from .exceptions import TrainingDivergedError

FORCING_MODES = {"identity": IDENTITY_FORCING, "pinv": PINV_FORCING}


class PLRNNParameters:
    """All trainable parameters in one flat vector, with named views into it.

    One flat vector makes the optimiser, gradient clipping and finiteness checks one
    array operation each. ``B`` is trainable only under pinv forcing; under identity
    forcing it is the fixed selection matrix [I_N 0] and not part of the vector.
    """

    def __init__(self, n_latent, n_features, mode, theta=None):
        self.n_latent, self.n_features, self.mode = n_latent, n_features, mode
        M, N = n_latent, n_features
        sizes = [M, M * M, M] + ([N * M] if mode == PINV_FORCING else [])
        self.size = sum(sizes)
        self.theta = np.zeros(self.size) if theta is None else theta
        self.a, self.W, self.h, self.B = self.views(self.theta)
        if mode == IDENTITY_FORCING:
            self.B = np.zeros((N, M))
            self.B[:, :N] = np.eye(N)

    def views(self, flat):
        """Split a flat vector laid out like ``theta`` into (a, W, h, B-or-None)."""
        M, N = self.n_latent, self.n_features
        a = flat[:M]
        W = flat[M:M + M * M].reshape(M, M)
        h = flat[M + M * M:2 * M + M * M]
        B = flat[2 * M + M * M:].reshape(N, M) if self.mode == PINV_FORCING else None
        return a, W, h, B

    def forcing_matrix(self):
        """pinv(B) under pinv forcing (data for the kernels); a dummy otherwise."""
        if self.mode == PINV_FORCING:
            return np.ascontiguousarray(np.linalg.pinv(self.B))
        return np.zeros((self.n_latent, self.n_features))

    def copy(self):
        return PLRNNParameters(self.n_latent, self.n_features, self.mode, self.theta.copy())


def window_starts(trial_lengths, seq_len):
    """Rows where a window of ``seq_len + 1`` samples fits inside one trial.

    The trials lie back to back in one array; no window straddles two of them.
    """
    starts, offset = [], 0
    for length in trial_lengths:
        starts.append(np.arange(offset, offset + length - seq_len, dtype=np.int64))
        offset += length
    return np.concatenate(starts)


def init_parameters(n_latent, n_features, mode, rng):
    """Random initial parameters whose linear part is stable but slow.

    A + W starts as a random positive-definite matrix scaled to spectral radius 1
    (split into its diagonal A and off-diagonal W), so the untrained network neither
    explodes nor forgets its input within a few steps; h starts at zero and B with
    entries of size 1/sqrt(M).
    """
    params = PLRNNParameters(n_latent, n_features, mode)
    R = rng.standard_normal((n_latent, n_latent))
    K = R.T @ R / n_latent + np.eye(n_latent)
    K /= np.linalg.eigvalsh(K).max()
    params.a[:] = np.diag(K)
    params.W[:] = K - np.diag(np.diag(K))
    if mode == PINV_FORCING:
        params.B[:] = rng.uniform(-1.0, 1.0, size=params.B.shape) / np.sqrt(n_latent)
    return params


class Adam:
    """Adam on a flat parameter vector (Kingma & Ba, 2015), updated in place."""

    def __init__(self, size, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate, self.beta1, self.beta2, self.eps = (
            learning_rate, beta1, beta2, eps)
        self.m = np.zeros(size)
        self.v = np.zeros(size)
        self.t = 0

    def step(self, theta, grad):
        self.t += 1
        self.m *= self.beta1
        self.m += (1.0 - self.beta1) * grad
        self.v *= self.beta2
        self.v += (1.0 - self.beta2) * grad * grad
        m_hat = self.m / (1.0 - self.beta1 ** self.t)
        v_hat = self.v / (1.0 - self.beta2 ** self.t)
        theta -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


class MinibatchGradient:
    """Loss and flat gradient of minibatches of windows, with workspaces allocated once."""

    def __init__(self, params, X, seq_len, tau, batch_size):
        M, N = params.n_latent, params.n_features
        self.params, self.X, self.seq_len, self.tau = params, X, seq_len, tau
        self.Z = np.empty((seq_len + 1, batch_size, M))
        self.R = np.empty((seq_len, batch_size, N))
        self.Delta = np.empty((seq_len, batch_size, M))
        self.grad = np.zeros(params.size)
        self.grad_views = params.views(self.grad)
        self.dummy_grad_B = np.zeros((N, M))
        n_forcings = (seq_len - 1) // tau if tau > 0 else 0
        self.noise_shape = (n_forcings + 1, batch_size, N)
        self.zero_noise = np.zeros(self.noise_shape)

    def __call__(self, starts, noise=None):
        p = self.params
        ga, gW, gh, gB = self.grad_views
        loss = forward_backward(
            p.mode, p.a, p.W, p.h, p.B, p.forcing_matrix(), self.X, starts, self.seq_len,
            self.tau, self.zero_noise if noise is None else noise, self.Z, self.R,
            self.Delta, ga, gW, gh, self.dummy_grad_B if gB is None else gB)
        return loss, self.grad


def _divergence_message(epoch, learning_rate, tau, max_grad_norm):
    hints = [f"lower learning_rate (now {learning_rate:g})"]
    if max_grad_norm is None:
        hints.append("set max_grad_norm (e.g. 1.0)")
    if tau == 0:
        hints.append("force the state with a finite tau near the predictability time")
    else:
        hints.append(f"use a smaller tau (now {tau})")
    return (f"Training diverged in epoch {epoch + 1}: the loss or the parameters became "
            f"non-finite. Try to {', or '.join(hints)}. No parameters were kept.")


def train(params, X, valid_starts, *, seq_len, tau, batch_size, batches_per_epoch,
          n_epochs, learning_rate, max_grad_norm, teacher_noise, rng, verbose):
    """Train ``params`` in place by BPTT with sparse teacher forcing.

    ``X`` is the standardised, C-contiguous series of all trials back to back and
    ``valid_starts`` the rows where a window may start without straddling two trials.
    Returns the per-epoch mean training loss.

    Raises
    ------
    TrainingDivergedError
        When the loss, the gradient or the parameters become non-finite.
    """
    gradient = MinibatchGradient(params, X, seq_len, tau, batch_size)
    optimiser = Adam(params.size, learning_rate)
    loss_curve = []
    report_every = max(1, n_epochs // 10) if verbose == 1 else 1
    t_start = time.perf_counter()
    for epoch in range(n_epochs):
        picks = rng.randint(0, len(valid_starts), size=(batches_per_epoch, batch_size))
        starts = valid_starts[picks]
        epoch_loss = 0.0
        for batch in range(batches_per_epoch):
            noise = None
            if teacher_noise > 0:
                noise = teacher_noise * rng.standard_normal(gradient.noise_shape)
            loss, grad = gradient(starts[batch], noise)
            if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
                raise TrainingDivergedError(
                    _divergence_message(epoch, learning_rate, tau, max_grad_norm))
            if max_grad_norm is not None:
                norm = np.linalg.norm(grad)
                if norm > max_grad_norm:
                    grad *= max_grad_norm / norm
            optimiser.step(params.theta, grad)
            epoch_loss += loss
        if not np.all(np.isfinite(params.theta)):
            raise TrainingDivergedError(
                _divergence_message(epoch, learning_rate, tau, max_grad_norm))
        loss_curve.append(epoch_loss / batches_per_epoch)
        if verbose and ((epoch + 1) % report_every == 0 or epoch + 1 == n_epochs):
            elapsed = time.perf_counter() - t_start
            print(f"[ChaoticRNNRegressor] epoch {epoch + 1}/{n_epochs}  "
                  f"loss {loss_curve[-1]:.5g}  {elapsed:.1f} s", flush=True)
    return loss_curve
