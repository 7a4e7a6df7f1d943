"""The training loop of the PLRNN: parameter layout, initialisation, Adam, epochs.

The estimator validates and converts its input once and calls :func:`train` with plain
arrays; the time loops run in the compiled kernels of ``skchaos._kernels.plrnn``.
"""

import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ._kernels.plrnn import (
    IDENTITY_FORCING,
    PINV_FORCING,
    forced_pass,
    forward_backward,
    free_run,
)
from .exceptions import TrainingDivergedError
from .metrics import state_space_divergence

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

    def kernel_arguments(self):
        """(mode, a, W, h, B, P) as the inference kernels take them."""
        return self.mode, self.a, self.W, self.h, self.B, self.forcing_matrix()


def forced_then_free(kernel_args, X_context, n_steps):
    """Teacher-force along ``X_context`` (every row), then free-run ``n_steps``."""
    mode, a, W, h, B, P = kernel_args
    if X_context.ndim != 2 or X_context.shape[1] != B.shape[0] or len(X_context) == 0:
        raise ValueError(f"A context of shape {X_context.shape} cannot force a model of "
                         f"{B.shape[0]} observed features.")
    z0 = forced_pass(mode, a, W, h, P, X_context, np.zeros(len(a)))
    out = np.empty((n_steps, B.shape[0]))
    free_run(mode, a, W, h, B, z0, out)
    return out


def free_run_divergence(kernel_args, X, n_warmup, n_generated=None, reference=None,
                        noise=None):
    """State-space divergence of a free run after a forced warm-up on ``X[:n_warmup]``.

    The run is compared with ``reference`` (default: the rest of ``X``); ``n_generated``
    (default: as many rows as are left) may be longer, which lowers the sampling noise of
    the generated side. ``noise`` (``n_generated`` rows), when given, is added to the run
    first: observation noise matched to the data's.
    """
    n_generated = len(X) - n_warmup if n_generated is None else n_generated
    X_gen = forced_then_free(kernel_args, X[:n_warmup], n_generated)
    if noise is not None:
        X_gen += noise
    return state_space_divergence(X[n_warmup:] if reference is None else reference, X_gen)


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

    def __init__(self, params, X, seq_len, tau, batch_size, forcing_strength=1.0):
        M, N = params.n_latent, params.n_features
        self.params, self.X, self.seq_len, self.tau = params, X, seq_len, tau
        self.forcing_strength = forcing_strength
        n_forcings = (seq_len - 1) // tau if tau > 0 else 0
        self.workspaces = (np.empty((seq_len + 1, batch_size, M)),
                           np.empty((max(n_forcings, 1), batch_size, M)),
                           np.empty((seq_len, batch_size, N)),
                           np.empty((seq_len, batch_size, N)),
                           np.empty((seq_len, batch_size, M)))
        self.grad = np.zeros(params.size)
        self.grad_views = params.views(self.grad)
        self.dummy_grad_B = np.zeros((N, M))
        self.noise_shape = (n_forcings + 1, batch_size, N)
        self.zero_noise = np.zeros(self.noise_shape)

    def __call__(self, starts, noise=None):
        p = self.params
        ga, gW, gh, gB = self.grad_views
        loss = forward_backward(
            p.mode, p.a, p.W, p.h, p.B, p.forcing_matrix(), self.X, starts, self.seq_len,
            self.tau, self.forcing_strength, self.zero_noise if noise is None else noise,
            *self.workspaces, ga, gW, gh, self.dummy_grad_B if gB is None else gB)
        return loss, self.grad


def _divergence_message(epoch, config, what="the loss or the parameters became non-finite"):
    hints = [f"lower learning_rate (now {config.learning_rate:g})"]
    if config.max_grad_norm is None:
        hints.append("set max_grad_norm (e.g. 1.0)")
    if config.tau == 0:
        hints.append("force the state with a finite tau near the predictability time")
    else:
        hints.append(f"use a smaller tau (now {config.tau})")
    return (f"Training diverged in epoch {epoch + 1}: {what}. Try to "
            f"{', or '.join(hints)}. No parameters were kept.")


@dataclass
class TrainingConfig:
    """Settings of one training run (see ChaoticRNNRegressor for their meaning)."""

    seq_len: int
    tau: int  # 0: never force
    batch_size: int
    batches_per_epoch: int
    n_epochs: int
    learning_rate: float
    lr_decay: float = 1.0  # final learning rate / initial, reached exponentially
    max_grad_norm: float | None = None
    teacher_noise: float = 0.0
    forcing_strength: float = 1.0
    verbose: int = 0
    progress_bar: bool = False
    validation_interval: int = 1


@dataclass
class TrainingResult:
    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_epoch: int | None = None


# A minibatch loss this many times the first one means training has run away. Forced fits
# stay within 2x of it; plain BPTT spiked to 4.7e8x and recovered; learning rates of 1 and
# 10 ran on to 1e78x-1e143x (benchmarks/study_loss_explosion.py, docs/decisions.md).
LOSS_EXPLOSION_FACTOR = 1e16

# |a_i| < 1 keeps a unit without recurrent input from running away on its own: the
# failure mode of unconstrained training, where one diagonal entry of A grew above 1.
A_BOUND = 0.999


def train(params, X, valid_starts, config, rng, validate=None):
    """Train ``params`` in place by BPTT with sparse teacher forcing.

    ``X`` is the standardised, C-contiguous series of all trials back to back and
    ``valid_starts`` the rows where a window may start without straddling two trials.
    ``validate(params)``, if given, scores the parameters (higher is better) every
    ``config.validation_interval`` epochs and after the last; the best-scoring parameters
    are kept.

    Raises
    ------
    TrainingDivergedError
        When the loss, the gradient or the parameters become non-finite, or a minibatch
        loss exceeds ``LOSS_EXPLOSION_FACTOR`` times the first one.
    """
    # The kernels' matrix products are small: a multi-threaded BLAS only adds overhead
    # (measured: one thread runs an epoch twice as fast on 2 cores), and a parallel search
    # runs one fit per core anyway.
    bar = progress_bar(config.n_epochs) if config.progress_bar else None
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            return _train(params, X, valid_starts, config, rng, validate, bar)
    finally:
        if bar is not None:
            bar.close()


def progress_bar(n_epochs):
    """A tqdm bar over the epochs; tqdm is an optional dependency (extra ``progress``)."""
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError("progress_bar=True needs tqdm: pip install 'skchaos[progress]' "
                          "(or pip install tqdm)") from exc
    return tqdm(total=n_epochs, desc="ChaoticRNNRegressor", unit="epoch")


def _train(params, X, valid_starts, config, rng, validate, bar):
    gradient = MinibatchGradient(params, X, config.seq_len, config.tau, config.batch_size,
                                 config.forcing_strength)
    optimiser = Adam(params.size, config.learning_rate)
    result = TrainingResult()
    best_theta, best_score = None, -np.inf
    initial_loss = None
    n_epochs = config.n_epochs
    report_every = max(1, n_epochs // 10) if config.verbose == 1 else 1
    t_start = time.perf_counter()
    for epoch in range(n_epochs):
        optimiser.learning_rate = config.learning_rate * config.lr_decay ** (epoch / n_epochs)
        picks = rng.randint(0, len(valid_starts),
                            size=(config.batches_per_epoch, config.batch_size))
        starts = valid_starts[picks]
        epoch_loss = 0.0
        for batch in range(config.batches_per_epoch):
            noise = None
            if config.teacher_noise > 0:
                noise = config.teacher_noise * rng.standard_normal(gradient.noise_shape)
            loss, grad = gradient(starts[batch], noise)
            if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
                raise TrainingDivergedError(_divergence_message(epoch, config))
            if initial_loss is None:
                initial_loss = loss
            elif initial_loss > 0 and loss > LOSS_EXPLOSION_FACTOR * initial_loss:
                raise TrainingDivergedError(_divergence_message(
                    epoch, config, f"the minibatch loss grew from {initial_loss:.3g} to "
                    f"{loss:.3g}"))
            if config.max_grad_norm is not None:
                norm = np.linalg.norm(grad)
                if norm > config.max_grad_norm:
                    grad *= config.max_grad_norm / norm
            optimiser.step(params.theta, grad)
            np.clip(params.a, -A_BOUND, A_BOUND, out=params.a)
            epoch_loss += loss
        if not np.all(np.isfinite(params.theta)):
            raise TrainingDivergedError(_divergence_message(epoch, config))
        result.loss_curve.append(epoch_loss / config.batches_per_epoch)
        message = ""
        last = epoch + 1 == n_epochs
        if validate is not None and ((epoch + 1) % config.validation_interval == 0 or last):
            score = validate(params)
            result.validation_scores.append(score)
            if score > best_score:
                best_score, best_theta, result.best_epoch = score, params.theta.copy(), epoch
            message = f"  validation {score:.4g}"
        if bar is not None:
            shown = {"loss": f"{result.loss_curve[-1]:.4g}"}
            if best_theta is not None:
                shown["best_validation"] = f"{best_score:.4g}"
            bar.set_postfix(shown, refresh=False)
            bar.update(1)
        if config.verbose and ((epoch + 1) % report_every == 0 or last):
            elapsed = time.perf_counter() - t_start
            print(f"[ChaoticRNNRegressor] epoch {epoch + 1}/{n_epochs}  "
                  f"loss {result.loss_curve[-1]:.5g}{message}  {elapsed:.1f} s", flush=True)
    if best_theta is not None:
        params.theta[:] = best_theta
    return result


def restart_score(result):
    """How a restart ranks: its best validation score, else minus its last loss."""
    if result.validation_scores:
        return max(result.validation_scores)
    return -result.loss_curve[-1]


def train_restart(random_state, start, shape, X, valid_starts, config, validation):
    """One complete training run; module-level so joblib can run restarts in parallel.

    ``start`` is the parameters to continue from (warm start) or None for a random
    initialisation of ``shape = (n_latent, n_features, mode)``; ``validation`` is
    ``(X_validation, n_warmup, n_generated, reference, noise)`` (see
    `free_run_divergence`) or None. Returns (params, TrainingResult).
    """
    rng = (random_state if isinstance(random_state, np.random.RandomState)
           else np.random.RandomState(random_state))
    params = init_parameters(*shape, rng) if start is None else start.copy()
    validate = None
    if validation is not None:
        X_validation, n_warmup, n_generated, reference, noise = validation

        def validate(p):
            return -free_run_divergence(p.kernel_arguments(), X_validation, n_warmup,
                                        n_generated, reference, noise)

    return params, train(params, X, valid_starts, config, rng, validate)
