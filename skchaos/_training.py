"""The training loop: Adam over a latent model's flat parameters, epochs, validation.

The estimator validates and converts its input once and calls :func:`train` with plain
arrays and a :class:`~skchaos.dynamics.LatentModel`; the model's compiled kernels run the
time loops. Nothing here knows which model family it trains.
"""

import os
import sys
import time
import warnings
from dataclasses import dataclass, field

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from ._kernels.optim import AdamMoments, AdamStep, adam_update
from .dynamics._compiled import chunk_count
from .exceptions import TrainingDivergedError


def window_starts(trial_lengths, seq_len):
    """Rows where a window of ``seq_len + 1`` samples fits inside one trial.

    The trials lie back to back in one array; no window straddles two of them.
    """
    starts, offset = [], 0
    for length in trial_lengths:
        starts.append(np.arange(offset, offset + length - seq_len, dtype=np.int64))
        offset += length
    return np.concatenate(starts)


class Adam:
    """Adam on a flat parameter vector (Kingma & Ba, 2015), updated in place.

    Each :meth:`step` is one compiled pass (``_kernels.optim.adam_update``) that also
    rescales the gradient to ``max_grad_norm`` when it is larger.
    """

    def __init__(self, size, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate, self.beta1, self.beta2, self.eps = (
            learning_rate, beta1, beta2, eps)
        self.moments = AdamMoments(np.zeros(size), np.zeros(size))
        self.t = 0

    def step(self, theta, grad, max_grad_norm=None):
        """Update ``theta`` from ``grad``; return the gradient's norm before rescaling.

        A non-finite gradient leaves everything untouched and returns a non-finite norm.
        """
        settings = AdamStep(float(self.learning_rate), self.beta1, self.beta2, self.eps,
                            self.t + 1, 0.0 if max_grad_norm is None else float(max_grad_norm))
        norm = adam_update(theta, grad, self.moments, settings)
        if np.isfinite(norm):
            self.t += 1
        return norm


def _divergence_message(epoch, config, what="the loss or the parameters became non-finite"):
    hints = [f"lower learning_rate (now {config.learning_rate:g})"]
    if config.max_grad_norm is None:
        hints.append("set max_grad_norm (e.g. 1.0)")
    if config.tau is None:
        hints.append("force the state with a finite tau near the predictability time")
    else:
        hints.append(f"use a smaller tau (now {config.tau})")
    return (f"Training diverged in epoch {epoch + 1}: {what}. Try to "
            f"{', or '.join(hints)}. No parameters were kept.")


@dataclass
class TrainingConfig:
    """Settings of one training run (see ChaoticRNNRegressor for their meaning)."""

    seq_len: int
    tau: int | None  # None: never force
    batch_size: int
    batches_per_epoch: int
    n_epochs: int
    learning_rate: float
    lr_decay: float = 1.0  # final learning rate / initial, reached exponentially
    max_grad_norm: float | None = None
    teacher_noise: float = 0.0
    forcing_strength: float = 1.0
    gtf_alpha: float | str = 0.0  # "auto": adapted to the model's Jacobians
    verbose: int = 0
    progress_bar: bool = False
    validation_interval: int = 1
    n_iter_no_change: int | None = None  # stop after this many validations without a gain
    n_threads: int | None = None  # None: numba's thread count in the training process
    precision: str = "float64"  # of the training kernels


@dataclass
class TrainingResult:
    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_epoch: int | None = None
    alpha_curve: list = field(default_factory=list)  # GTF alpha per epoch


# A minibatch loss this many times the first one means training has run away. Forced fits
# stay within 2x of it; plain BPTT spiked to 4.7e8x and recovered; learning rates of 1 and
# 10 ran on to 1e78x-1e143x (benchmarks/studies/study_loss_explosion.py, docs/decisions.md).
LOSS_EXPLOSION_FACTOR = 1e16

def train(model, X, valid_starts, config, rng, validate=None):
    """Train the latent ``model`` in place by BPTT with sparse teacher forcing.

    ``X`` is the standardised, C-contiguous series of all trials back to back and
    ``valid_starts`` the rows where a window may start without straddling two trials.
    ``validate(model)``, if given, scores the model (higher is better) every
    ``config.validation_interval`` epochs and after the last; the best-scoring parameters
    are kept. If ``validate`` has a ``confirm(model)`` method, a checkpoint about to become
    the best is kept only if it returns True (else it scores minus infinity).

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
            return _train(model, X, valid_starts, config, rng, validate, bar)
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


# The adaptive GTF alpha is re-estimated every this many epochs, from the Jacobians at this
# many states of the last minibatch: a cheap, slowly moving estimate.
ALPHA_INTERVAL = 5
ALPHA_SAMPLES = 32


def adaptive_alpha(model, states, rng):
    """Generalised-teacher-forcing strength from the model's Jacobians along ``states``.

    ``alpha = max(0, 1 - 1/G)``, G the geometric mean of the spectral norms of the
    Jacobians at a random sample of the states (Hess et al., ICML 2023): forcing with alpha
    damps each backpropagated step by (1 - alpha), so a product of Jacobians no longer grows
    along the window on average.
    """
    flat = states.reshape(-1, states.shape[-1])
    picks = rng.choice(len(flat), size=min(ALPHA_SAMPLES, len(flat)), replace=False)
    jacobians = np.stack([model.jacobian(flat[i]) for i in picks])
    norms = np.linalg.norm(jacobians, ord=2, axis=(1, 2))
    growth = float(np.exp(np.mean(np.log(np.maximum(norms, 1e-300)))))
    return max(0.0, 1.0 - 1.0 / growth)


# Below this many window-steps per chunk (16 windows of 100 steps) a minibatch is too
# small for threads to pay off: starting the threads costs more than they save.
MIN_THREADED_STEPS = 1600


def default_thread_count(seq_len, batch_size):
    """Threads of a training run when ``n_threads=None``: numba's thread count, no more
    than ``OMP_NUM_THREADS`` where it is set, and one thread inside a dask worker or for
    minibatches of one chunk or of chunks shorter than ``MIN_THREADED_STEPS``.

    joblib's workers (loky) get ``NUMBA_NUM_THREADS`` (and ``OMP_NUM_THREADS``) set to
    their share of the cores, and ray's workers ``OMP_NUM_THREADS``; dask's workers set
    neither, and run as many fits as they have task threads.
    """
    n_chunks = chunk_count(batch_size)
    short = (batch_size // n_chunks) * seq_len < MIN_THREADED_STEPS
    if n_chunks == 1 or short or _in_dask_worker():
        return 1
    n_threads = numba.get_num_threads()
    omp = os.environ.get("OMP_NUM_THREADS", "")
    if omp.strip().isdigit():
        n_threads = min(n_threads, max(1, int(omp)))
    return n_threads


def _in_dask_worker():
    distributed = sys.modules.get("distributed")  # never imported here: only if in use
    if distributed is None:
        return False
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


def _train(model, X, valid_starts, config, rng, validate, bar):
    adaptive = config.gtf_alpha == "auto"
    # Resolved here, in the process that trains (a joblib or dask worker, perhaps).
    n_threads = (default_thread_count(config.seq_len, config.batch_size)
                 if config.n_threads is None else config.n_threads)
    gradient = model.minibatch_gradient(X, config.seq_len, config.tau, config.batch_size,
                                        config.forcing_strength,
                                        0.0 if adaptive else config.gtf_alpha, n_threads,
                                        np.dtype(config.precision))
    theta = model.parameters
    optimiser = Adam(theta.size, config.learning_rate)
    result = TrainingResult()
    best_theta, best_score = None, -np.inf
    since_best = 0  # validations since the best score
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
        if adaptive and epoch % ALPHA_INTERVAL == 0:
            if epoch == 0:  # no states yet: one pass (alpha = 0) over the first minibatch
                gradient(starts[0], None)
            gradient.alpha = adaptive_alpha(model, gradient.forced_states(), rng)
        result.alpha_curve.append(gradient.alpha)
        for batch in range(config.batches_per_epoch):
            noise = None
            if config.teacher_noise > 0:
                noise = config.teacher_noise * rng.standard_normal(gradient.noise_shape)
            loss, grad = gradient(starts[batch], noise)
            if not np.isfinite(loss):
                raise TrainingDivergedError(_divergence_message(epoch, config))
            if initial_loss is None:
                initial_loss = loss
            elif initial_loss > 0 and loss > LOSS_EXPLOSION_FACTOR * initial_loss:
                raise TrainingDivergedError(_divergence_message(
                    epoch, config, f"the minibatch loss grew from {initial_loss:.3g} to "
                    f"{loss:.3g}"))
            if not np.isfinite(optimiser.step(theta, grad, config.max_grad_norm)):
                raise TrainingDivergedError(_divergence_message(epoch, config))
            model.constrain()
            epoch_loss += loss
        if not np.all(np.isfinite(theta)):
            raise TrainingDivergedError(_divergence_message(epoch, config))
        result.loss_curve.append(epoch_loss / config.batches_per_epoch)
        message = ""
        last = epoch + 1 == n_epochs
        if validate is not None and ((epoch + 1) % config.validation_interval == 0 or last):
            score = validate(model)
            # An optional second look before a checkpoint becomes the best (a longer run).
            confirm = getattr(validate, "confirm", None)
            if score > best_score and confirm is not None and not confirm(model):
                score = -np.inf
            result.validation_scores.append(score)
            if score > best_score:
                best_score, best_theta, result.best_epoch = score, theta.copy(), epoch
                since_best = 0
            else:
                since_best += 1
            message = f"  validation {score:.4g}"
            if config.n_iter_no_change is not None and since_best >= config.n_iter_no_change:
                last = True
                message += (f"  (no gain in {since_best} validations: stopping early)")
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
        if last:
            break
    if best_theta is not None:
        theta[:] = best_theta
    elif validate is not None:
        warnings.warn(
            "No checkpoint's validation free run stayed finite and within the data's range "
            "(3 times its half-range about its centre): the last parameters are kept, and "
            "the model's free runs may leave the data's range. Try more epochs, a smaller "
            "learning_rate, or model='clipped_shplrnn' (bounded by construction).",
            RuntimeWarning, stacklevel=4)
    return result


def restart_score(result):
    """How a restart ranks: its best validation score, else minus its last loss."""
    if result.validation_scores:
        return max(result.validation_scores)
    return -result.loss_curve[-1]


def train_restart(random_state, model, initialise, X, valid_starts, config, validate):
    """One complete training run; module-level so joblib can run restarts in parallel.

    A copy of ``model`` is trained: re-initialised from the restart's random numbers when
    ``initialise`` (else continued: a warm start). ``validate(model)`` scores a model,
    higher is better (or None). Returns (trained model, TrainingResult).
    """
    rng = (random_state if isinstance(random_state, np.random.RandomState)
           else np.random.RandomState(random_state))
    model = model.copy()
    if initialise:
        model.initialise(rng)
    return model, train(model, X, valid_starts, config, rng, validate)
