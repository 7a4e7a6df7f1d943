"""ChaoticRNNRegressor: a piecewise-linear RNN trained by BPTT with sparse teacher forcing."""

import os
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._atomic_fit import atomic_fit
from ._missing import longest_complete_stretch
from ._scaling import feature_standardisation
from ._training import TrainingConfig, restart_score, train_restart, window_starts
from .dynamics import ALRNN, PLRNN
from .dynamics.plrnn import FORCING_SCHEMES
from .lyapunov import LyapunovSpectrum
from .metrics import SCORE_MIN_GENERATED, FreeRunDivergence, long_free_runs, plan_free_runs

__all__ = ["ChaoticRNNRegressor"]

# Steps per training window under sequence_length="auto", when the data hold them.
DEFAULT_SEQUENCE_LENGTH = 200
# Below this many samples a fit warns that the series is short (user guide: "Real data").
SHORT_SERIES = 2000
# Without standardisation, larger values overflow float64 when squared in the loss.
UNSTANDARDISED_MAX = 1e150
# fit runs inside two decorators (atomic_fit, _fit_context): a warning from fit's own body
# names the user's call at this stack level.
_FIT_STACKLEVEL = 4


def validation_run_length(n_samples):
    """Steps of each validation free run for a series of ``n_samples`` rows.

    Ten times the series, within [10^4, 10^5]: the generated side then adds little
    sampling noise to the divergence. A run only as long as a 3x10^4-row Rössler series
    scores even the true system at 0.088 against it (median of ten trajectories; 0.036 at
    10^5 steps), which hides the differences between good checkpoints
    (docs/decisions.md).
    """
    return min(max(10 * n_samples, 10_000), 100_000)


def _is_step_count(value):
    is_bool = isinstance(value, (bool, np.bool_))
    return isinstance(value, (Integral, np.integer)) and not is_bool


def _check_n_steps(n_steps):
    if not _is_step_count(n_steps):
        raise TypeError(f"n_steps must be an int, got {type(n_steps).__name__}.")
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}.")
    return int(n_steps)


def _as_trials(X):
    """X as a list of trials: a list or tuple of 2-D arrays, else one array.

    A list of nested Python lists is one array (rows), as everywhere in scikit-learn. A list
    of array objects (NumPy arrays, pandas objects) is a list of trials, and each must be
    2-D: a list of 1-D arrays could be univariate trials or the rows of one matrix, so it
    is refused rather than guessed.
    """
    if not isinstance(X, (list, tuple)):
        return [X]
    if len(X) == 0:
        raise ValueError("X is an empty list: pass an array of shape (n_samples, "
                         "n_features), or a non-empty list of such arrays (one per trial).")
    if not any(hasattr(trial, "shape") for trial in X):
        return [X]
    for i, trial in enumerate(X):
        if np.ndim(trial) != 2:
            raise ValueError(
                f"X is a list of {len(X)} arrays, read as independent trials, but trial "
                f"{i} has {np.ndim(trial)} dimension(s); every trial must be 2-D, of shape "
                "(n_samples, n_features). For univariate trials, reshape each with "
                "x.reshape(-1, 1); for one series, pass one 2-D array.")
    return list(X)


def _available_memory():
    """Bytes of memory available to a new allocation, or None where it cannot be read."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_run_fits_in_memory(n_steps, n_features):
    """Refuse a free run whose output cannot be allocated, before computing any of it."""
    # The float64 output, plus the row-finiteness mask computed on it.
    needed = n_steps * n_features * 9 + n_steps
    available = _available_memory()
    if available is not None and needed > available:
        raise ValueError(
            f"A free run of {n_steps} steps needs {needed / 2**30:.1f} GiB for its output "
            f"({n_steps} x {n_features} float64), but {available / 2**30:.1f} GiB are "
            "available; ask for fewer steps.")


def _standardise_in_place(series, mean, scale):
    largest = float(np.nanmax(np.abs(series)))
    with np.errstate(over="ignore", invalid="ignore"):
        series -= mean
        series /= scale
    if np.isinf(series).any():  # finite values overflow to inf, never to NaN
        raise ValueError(
            "X spans so wide a range that its standardised form overflows float64 "
            f"(largest magnitude {largest:.3g}); rescale X.")


def _shallow(clipped):
    def build(n_latent, n_features, est):
        from .dynamics import ShallowPLRNN

        return ShallowPLRNN(n_latent, n_features, est.n_hidden, clipped=clipped,
                            forcing=est.forcing)
    return build


# The latent model families, built from the estimator's parameters.
MODELS = {
    "plrnn": lambda n_latent, n_features, est: PLRNN(n_latent, n_features, est.forcing),
    "alrnn": lambda n_latent, n_features, est: ALRNN(n_latent, n_features,
                                                     est.n_piecewise, est.forcing),
    "shplrnn": _shallow(clipped=False),
    "clipped_shplrnn": _shallow(clipped=True),
}


def auto_latent_size(model, n_features):
    """Latent units under ``n_latent="auto"``: the observed features for the shallow PLRNNs
    (their capacity is in the hidden layer), 80 for the PLRNN and 20 for the ALRNN (the
    sizes their papers use on three-dimensional systems), at least the features."""
    if model in ("shplrnn", "clipped_shplrnn"):
        return n_features
    return max(80 if model == "plrnn" else 20, n_features)


class ChaoticRNNRegressor(BaseEstimator):
    """Piecewise-linear RNN for chaotic time series, trained with (sparse) teacher forcing.

    The latent state evolves as ``z_t = A z_{t-1} + W relu(z_{t-1}) + h`` with ``A``
    diagonal and ``W`` zero on its diagonal (``model="plrnn"``; ``model`` selects the
    paper's successors: the almost-linear and the shallow PLRNNs). Training runs
    backpropagation through time on random windows of the series; every ``tau`` steps the
    latent state is reset from the data, so no gradient runs much longer than the
    predictability time ``ln 2 / lambda_max`` and the gradients stay bounded even though
    the learned system is chaotic (Mikhaeil, Monfared & Durstewitz, NeurIPS 2022).
    Between the resets, generalised teacher forcing (``gtf_alpha``) can pull the state
    part of the way towards the data at every step (Hess et al., ICML 2023).

    ``fit(X)`` learns the dynamics; ``predict(n_steps)`` free-runs the learned system from
    the end of the training data; ``score(X)`` compares the long-term statistics of a free
    run with ``X`` (higher is better). ``y`` is accepted everywhere and ignored.

    Parameters
    ----------
    model : {"plrnn", "alrnn", "shplrnn", "clipped_shplrnn"}, default="clipped_shplrnn"
        The latent model (:mod:`skchaos.dynamics`). ``"plrnn"``: the paper's
        piecewise-linear RNN, every unit through a ReLU. ``"alrnn"``: the almost-linear RNN
        (Brenner et al., NeurIPS 2024), only ``n_piecewise`` units through a ReLU, few
        linear regions and cheap steps. ``"shplrnn"``: the shallow PLRNN
        ``z_t = A z + W1 relu(W2 z + h2) + h1`` with ``n_hidden`` hidden units (Hess et al.,
        ICML 2023); ``"clipped_shplrnn"`` its clipped form, whose free runs stay bounded
        (the default, chosen on the panel of 15 systems: docs/decisions.md). The paper's
        configuration is ``model="plrnn", n_latent=80, tau=30, forcing="pinv",
        gtf_alpha=0.0``.
    n_latent : int or "auto", default="auto"
        Number of latent units M; at least the number of features N. More units make a
        more accurate map, which matters most for long forcing intervals. ``"auto"``: N
        for the shallow PLRNNs (whose capacity is ``n_hidden``), max(80, N) for the PLRNN
        and max(20, N) for the ALRNN; the value used is ``dynamics_.n_latent``.
    n_hidden : int, default=100
        Hidden units L of the shallow PLRNNs; ignored by the other models.
    n_piecewise : int, default=2
        ReLU units P of the ALRNN (at most ``n_latent``); ignored by the other models.
    tau : int, "auto" or None, default=None
        Forcing interval in steps. 1 is classical teacher forcing; None never forces
        (plain BPTT over the whole window). ``"auto"`` estimates the Lyapunov spectrum of
        the training data (:class:`~skchaos.LyapunovSpectrum` with
        ``max_tau=sequence_length``, defaults otherwise) and uses
        the predictability time ``ln 2 / lambda_max`` (lambda_max per sampling step),
        capped at ``sequence_length``; for data whose lambda_max <= 0 it warns and uses the
        cap, which is plain BPTT within a window. The default, None, leaves the forcing
        to ``gtf_alpha="auto"``.
    forcing : {"pinv", "identity"}, default="identity"
        ``"pinv"`` (the paper's scheme): observations are ``x_hat = B z`` with a learned
        ``B`` and forcing sets all latent units to ``pinv(B) x``, which cuts the gradient
        chain completely. ``"identity"``: observations are the first N latent units, forcing
        overwrites only those, and the other units carry gradients across forcing points.
    forcing_strength : float in (0, 1], default=1.0
        How far a forcing step moves the forced units towards the data: they become
        ``(1 - forcing_strength) * model + forcing_strength * data``. 1 overwrites them
        (sparse teacher forcing as in the paper). Below 1 the reset state averages the
        model's own prediction with the observation, which damps observation noise in the
        reset states, and a fraction ``1 - forcing_strength`` of the gradient runs on across
        forcing points; with ``tau=1`` this is generalised teacher forcing (Hess et al.,
        ICML 2023). Each window starts fully forced; no effect when ``tau`` is None.
    gtf_alpha : float in [0, 1] or "auto", default="auto"
        Generalised teacher forcing (Hess et al., ICML 2023) at every step between the
        sparse forcing steps: the forced units become ``(1 - gtf_alpha) * model +
        gtf_alpha * data``, and a fraction ``1 - gtf_alpha`` of the gradient runs on
        through them. 0 turns it off (the paper's sparse forcing alone). ``"auto"`` sets
        it to ``max(0, 1 - 1/G)`` from the geometric mean G of the spectral norms of the
        model's Jacobians along the training windows, re-estimated every 5 epochs as the
        model changes; the values used are in ``gtf_alpha_curve_``. Combine with
        ``tau=None`` for generalised teacher forcing alone.
    sequence_length : int or "auto", default="auto"
        Predicted steps per training window; the data must hold at least
        ``sequence_length + 1`` samples (per trial). Several forcing intervals per window
        let one window train the map from several forced starts. ``"auto"`` uses 200
        steps, or, with a warning, fewer where the shortest trial (after the validation
        block) is too short for 200; the value used is ``sequence_length_``.
    batch_size : int, default=32
        Windows per minibatch.
    batches_per_epoch : int, default=10
        Minibatches per epoch.
    n_epochs : int, default=2000
        Number of epochs. The default model's epochs are cheap (3 latent units on a
        three-dimensional system): 2000 of them cost about what 1000 of the paper's
        80-unit PLRNN did.
    learning_rate : float, default=5e-3
        Initial Adam step size (the paper's configuration used 2e-3).
    learning_rate_decay : float, default=0.1
        Final step size as a fraction of the initial one, reached by exponential decay
        over the epochs; 1.0 keeps it constant. Small late steps refine the attractor
        that larger early steps found.
    max_grad_norm : float or None, default=1.0
        Rescale the gradient to this norm when it is larger; None never rescales. Even
        with sparse forcing the gradient norm over a window grows fast with tau and is
        heavy-tailed across windows, and rescaling keeps single windows from steering
        the fit.
    teacher_noise : float, default=0.0
        Standard deviation of Gaussian noise added to the forcing signal (in standardised
        units when ``standardize``), which makes the model robust to its own errors.
    standardize : bool, default=True
        Train on data scaled to zero mean and unit variance per feature; every output is
        returned in the data's units.
    validation_fraction : float, default=0.1
        Fraction of the last trial, at its end, held out to score the model during
        training (50 times per fit): a free run after a forced warm-up on the held-out
        block, ten times as long as the series (10,000 to 100,000 steps), is compared
        with the whole series (every k-th row beyond 100,000) by state-space divergence,
        and the best-scoring parameters are kept. A checkpoint whose run leaves three
        times the data's range is never kept, nor is a would-be best one whose runs of
        100,000 steps (from the start and from the end of the held-out block) do. 0
        trains on everything and keeps the last parameters. Blocks shorter than 20
        samples are too short to score; validation is then skipped with a warning.
    observation_noise : float, default=0.0
        Standard deviation of the observation noise in the data, as a fraction of each
        feature's standard deviation (0.05 for 5% noise). Validation and :meth:`score`
        add Gaussian noise of this size (a fixed draw) to the model's free runs before
        comparing them with the noisy data. A model that learned the clean dynamics
        reproduces no noise, and compared with noisy data it scores so far from it that
        the divergence stops ranking checkpoints and models: with 5% noise on Rössler,
        twelve fits of very different quality all validated at 3.2-3.8. Training and
        predictions do not change. Leave it at 0 for clean data or simulations.
    n_iter_no_change : int or None, default=None
        Stop training when this many validations in a row have not improved on the best
        score (early stopping; the best parameters are kept as always). None trains all
        ``n_epochs``. The learning rate still decays over ``n_epochs``, so a run stopped
        early has not reached its smallest steps; ``n_iter_`` gives the epochs run. Needs
        validation (``validation_fraction > 0``).
    warm_start : bool, default=False
        Continue from the parameters (and standardisation) of the previous fit instead
        of a random initialisation.
    n_init : int, default=1
        Independent training runs from different random initialisations (and window
        draws); the one with the best validation score (without validation: the lowest
        final loss) is kept.
    n_jobs : int, default=None
        Parallel restarts through joblib (None: one, -1: all cores).
    n_threads : int or None, default=None
        Threads of one training run: each minibatch's windows split into equal chunks of
        at least 16 windows (2 chunks at the default ``batch_size=32``), and threads share
        the chunks. The number of chunks depends on ``batch_size`` alone and their
        gradients are averaged in a fixed order, so the result is the same on any number of
        threads. None uses numba's thread count (``numba.get_num_threads()``: all cores,
        unless ``NUMBA_NUM_THREADS`` or ``numba.set_num_threads`` says otherwise), no more
        than ``OMP_NUM_THREADS`` where that is set, and one thread inside a dask worker or
        when a chunk holds fewer than 1600 window-steps (too little work to share). Inside
        joblib's worker processes (parallel restarts with ``n_jobs``, or
        ``GridSearchCV(n_jobs=...)``) joblib sets ``NUMBA_NUM_THREADS`` to the worker's
        share of the cores, so the default does not oversubscribe them. Free runs and
        spectra run on one thread.
    precision : {"float64", "float32"}, default="float64"
        Floating-point type of the training kernels (the parameters, the optimiser, free
        runs and spectra stay float64). float32 runs the kernels faster (2x for the
        default model, 1.15x for the 30-unit PLRNN; docs/user_guide/performance.md) with
        gradients that differ by about 1e-6 relative.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial parameters, the window draws and the teacher noise.
    verbose : int, default=0
        1 reports ten times per fit, 2 or more every epoch.
    progress_bar : bool, default=False
        Show a tqdm progress bar over the epochs, with the last loss and the best
        validation score (needs the ``progress`` extra: ``pip install "skchaos[progress]"``).
    dt : float, default=1.0
        Sampling interval of the series, in its own time unit. Lyapunov exponents derived
        from the estimator are reported per that unit: those of ``lyapunov_``
        (``tau="auto"``), of ``LyapunovSpectrum(est)`` and of
        :func:`skchaos.analysis.attractors`. The default 1.0 makes the unit a step.
        Predictability times, ``tau``, ``sequence_length`` and every other count stay in
        steps (``tau_ * dt`` is the forcing interval in time units). The fit itself does
        not depend on ``dt``.
    missing : {"raise", "skip"}, default="raise"
        What a missing value (NaN) in X means. ``"raise"``: X must be complete, and a NaN
        is an error. ``"skip"``: a NaN entry is a missing observation; the loss leaves it
        out, a row with a missing value never forces the latent state (the model runs
        free across a gap), the first complete row after a gap resets the state fully and
        is no target (no loss term spans a gap), training windows start only at complete
        rows, the
        standardisation and ``data_range_`` use the observed values, and validation,
        :meth:`score` and :meth:`simulate` leave incomplete rows out of the state-space
        comparison and force only at complete rows. ``tau="auto"`` then estimates the
        spectrum on the longest stretch without gaps. Infinite values are refused either
        way.

    Attributes
    ----------
    dynamics_ : skchaos.dynamics.LatentModel
        The learned latent model (:class:`~skchaos.dynamics.PLRNN`,
        :class:`~skchaos.dynamics.ALRNN` or :class:`~skchaos.dynamics.ShallowPLRNN`), in
        standardised units: what prediction, scoring, :class:`~skchaos.LyapunovSpectrum`
        and the diagnostics run. ``A_``, ``W_``, ``h_`` and ``B_`` exist for the PLRNN and
        the ALRNN.
    A_ : ndarray of shape (n_latent, n_latent)
        Diagonal autoregressive matrix (``diag(dynamics_.a)``).
    W_ : ndarray of shape (n_latent, n_latent)
        Coupling matrix, zero on the diagonal; a view of ``dynamics_.W``.
    h_ : ndarray of shape (n_latent,)
        Bias; a view of ``dynamics_.h``.
    B_ : ndarray of shape ``(n_features_in_, n_latent)``
        Readout, ``x_hat = B_ z``; under identity forcing the fixed matrix [I 0]. A view
        of ``dynamics_.B``. Assigning to ``A_``, ``W_``, ``h_`` or ``B_`` writes into
        ``dynamics_`` (shapes checked).
    latent_state_ : ndarray of shape (n_latent,)
        Latent state after a teacher-forced pass over the end of the training data;
        ``predict(n_steps)`` starts from it.
    tau_ : int or None
        Forcing interval used.
    sequence_length_ : int
        Steps per training window used.
    lyapunov_ : LyapunovSpectrum
        With ``tau="auto"``: the spectrum estimated from the training data (in
        standardised units; ``exponents_`` per time unit of ``dt``, ``exponents_per_step_``
        per step) that set ``tau_``.
    data_mean_, data_scale_ : ndarray of shape ``(n_features_in_,)``
        Standardisation applied to the data (zeros and ones if ``standardize=False``).
    data_range_ : ndarray of shape ``(2, n_features_in_)``
        The training data's minimum (row 0) and maximum (row 1) per feature, in the data's
        units (over every fit of a warm start): :mod:`skchaos.analysis` marks fixed points
        and attractors outside it as extrapolations.
    loss_curve_ : list of float
        Mean training loss per epoch (standardised units).
    validation_scores_ : list of float
        Minus the validation divergence at each evaluation (empty without validation).
    best_epoch_ : int or None
        Epoch (0-based) whose parameters were kept; None without validation.
    gtf_alpha_curve_ : list of float
        The generalised-teacher-forcing strength in each epoch.
    restart_scores_ : list of float
        Score of each restart (best validation score, or minus the last loss).
    n_iter_ : int
        Number of epochs run (accumulating over warm starts).
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Feature names, when X has string column names.

    Examples
    --------
    >>> from skchaos import ChaoticRNNRegressor
    >>> from skchaos.datasets import make_lorenz63
    >>> X = make_lorenz63(3000, random_state=0)
    >>> est = ChaoticRNNRegressor(n_latent=10, tau=20, n_epochs=5, random_state=0).fit(X)
    >>> est.predict(100).shape
    (100, 3)
    >>> est.predict(X[:5]).shape
    (5, 3)
    """

    _parameter_constraints = {
        "model": [StrOptions(set(MODELS))],
        "n_latent": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_hidden": [Interval(Integral, 1, None, closed="left")],
        "n_piecewise": [Interval(Integral, 1, None, closed="left")],
        "tau": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "forcing": [StrOptions(set(FORCING_SCHEMES))],
        "forcing_strength": [Interval(Real, 0, 1, closed="right")],
        "gtf_alpha": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "sequence_length": [Interval(Integral, 1, None, closed="left"),
                            StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "batches_per_epoch": [Interval(Integral, 1, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_decay": [Interval(Real, 0, 1, closed="right")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "teacher_noise": [Interval(Real, 0, None, closed="left")],
        "standardize": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "observation_noise": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "precision": [StrOptions({"float64", "float32"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "progress_bar": ["boolean"],
        "dt": [Interval(Real, 0, None, closed="neither")],
        "missing": [StrOptions({"raise", "skip"})],
    }

    def __init__(self, model="clipped_shplrnn", n_latent="auto", n_hidden=100, n_piecewise=2,
                 tau=None, forcing="identity", forcing_strength=1.0, gtf_alpha="auto",
                 sequence_length="auto",
                 batch_size=32, batches_per_epoch=10, n_epochs=2000,
                 learning_rate=5e-3, learning_rate_decay=0.1, max_grad_norm=1.0,
                 teacher_noise=0.0, standardize=True, validation_fraction=0.1,
                 observation_noise=0.0, n_iter_no_change=None, warm_start=False, n_init=1,
                 n_jobs=None, n_threads=None, precision="float64", random_state=None,
                 verbose=0, progress_bar=False, dt=1.0, missing="raise"):
        self.model = model
        self.n_latent = n_latent
        self.n_hidden = n_hidden
        self.n_piecewise = n_piecewise
        self.tau = tau
        self.forcing = forcing
        self.forcing_strength = forcing_strength
        self.gtf_alpha = gtf_alpha
        self.sequence_length = sequence_length
        self.batch_size = batch_size
        self.batches_per_epoch = batches_per_epoch
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.learning_rate_decay = learning_rate_decay
        self.max_grad_norm = max_grad_norm
        self.teacher_noise = teacher_noise
        self.standardize = standardize
        self.validation_fraction = validation_fraction
        self.observation_noise = observation_noise
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.n_init = n_init
        self.n_jobs = n_jobs
        self.n_threads = n_threads
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self.progress_bar = progress_bar
        self.dt = dt
        self.missing = missing

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Like KMeans, not a supervised regressor: y is accepted and ignored.
        tags.target_tags.required = False
        tags.input_tags.allow_nan = self.missing == "skip"
        return tags

    def __sklearn_is_fitted__(self):
        # validate_data sets n_features_in_ before training, which may still diverge.
        return hasattr(self, "latent_state_")

    # ----------------------------------------------------------------- input handling
    def _validate_trials(self, X, reset=True):
        """Validate X (array, DataFrame or list of trials) into float64 C arrays."""
        return [self._check_missing(validate_data(
                    self, trial, reset=reset and i == 0, dtype=np.float64, order="C",
                    ensure_min_samples=2, ensure_all_finite="allow-nan"))
                for i, trial in enumerate(_as_trials(X))]

    def _check_missing(self, X):
        """X, unless it holds NaN and ``missing="raise"``."""
        if self.missing == "raise" and np.isnan(X).any():
            rows = int(np.isnan(X).any(axis=1).sum())
            raise ValueError(
                f"X contains NaN (missing values) in {rows} of its {len(X)} rows. Pass "
                "missing='skip' to train across the gaps (the model runs free over them), "
                "or fill them first.")
        return X

    def _window_length(self, trial_lengths, n_validation):
        """Steps per training window: ``sequence_length``, checked against the data, or
        under "auto" the longest window up to 200 that every trial can hold."""
        train_lengths = list(trial_lengths)
        train_lengths[-1] -= n_validation
        if self.sequence_length != "auto":
            needed = self.sequence_length + 1
            for i, length in enumerate(trial_lengths):
                if length < needed:
                    where = f"Trial {i} of X" if len(trial_lengths) > 1 else "X"
                    raise ValueError(
                        f"{where} has {length} samples, but sequence_length="
                        f"{self.sequence_length} needs at least {needed}; use a shorter "
                        "sequence_length or more data.")
            if train_lengths[-1] < needed:
                raise ValueError(
                    f"After holding out validation_fraction={self.validation_fraction} "
                    f"({n_validation} samples), the last trial keeps {train_lengths[-1]} "
                    f"samples, fewer than sequence_length + 1 = {needed}; lower "
                    "validation_fraction or sequence_length.")
            return self.sequence_length
        shortest = min(train_lengths)
        if shortest < 2:
            raise ValueError(
                f"A trial of X leaves {shortest} sample(s) for training; a window needs "
                "at least 2.")
        if shortest > DEFAULT_SEQUENCE_LENGTH:
            return DEFAULT_SEQUENCE_LENGTH
        warnings.warn(
            f"sequence_length='auto': training windows of {shortest - 1} steps instead of "
            f"{DEFAULT_SEQUENCE_LENGTH}, because the shortest trial leaves {shortest} "
            "samples for training.", UserWarning, stacklevel=_FIT_STACKLEVEL + 1)
        return shortest - 1

    def _transform_input(self, X):
        with np.errstate(over="ignore", invalid="ignore"):
            X_std = (X - self.data_mean_) / self.data_scale_
        if np.isinf(X_std).any():  # finite X overflows to inf, never to NaN
            raise ValueError(
                "X holds values so large that their standardised form overflows float64 "
                f"(largest magnitude {np.nanmax(np.abs(X)):.3g}, data_scale_ "
                f"{np.min(self.data_scale_):.3g}); rescale X.")
        return X_std

    def _inverse_transform_output(self, X):
        """In place: a long free run is never held twice."""
        with np.errstate(over="ignore", invalid="ignore"):
            X *= self.data_scale_
            X += self.data_mean_
        return X

    def _validate_X(self, X):
        X = self._check_missing(validate_data(self, X, reset=False, dtype=np.float64,
                                              order="C", ensure_all_finite="allow-nan"))
        return np.ascontiguousarray(self._transform_input(X))

    # ------------------------------------------------------------------------- fitting
    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the dynamics of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or list of such arrays
            A multivariate time series, rows in time order; or several independent
            trials of one system (windows never straddle two trials).
        y : None
            Ignored.

        Returns
        -------
        self : ChaoticRNNRegressor
            The fitted estimator.

        Raises
        ------
        skchaos.exceptions.TrainingDivergedError
            When training diverges; the message says which setting to change.

        Notes
        -----
        A fit that raises (bad input, divergence, an interrupt) leaves the estimator as it
        was before the call.
        """
        warm = self.warm_start and self.__sklearn_is_fitted__()
        trials = self._validate_trials(X, reset=not warm)
        lengths = [len(t) for t in trials]
        n_validation = self._validation_size(lengths[-1])
        seq_len = self._window_length(lengths, n_validation)
        self._warn_if_short(trials)
        model = self._warm_start_model() if warm else self._new_model(trials[0].shape[1])
        tau = self._forcing_interval(trials, seq_len)
        # The one copy of the data that training reads; standardised in place so that a
        # long series is never held twice.
        series = np.concatenate(trials)
        mean, scale = ((self.data_mean_, self.data_scale_) if warm
                       else self._standardisation(series))
        data_range = np.stack([np.nanmin(series, axis=0), np.nanmax(series, axis=0)])
        if warm:
            data_range = np.stack([np.minimum(self.data_range_[0], data_range[0]),
                                   np.maximum(self.data_range_[1], data_range[1])])
        _standardise_in_place(series, mean, scale)
        train_series, starts, validate = self._split_validation(series, lengths,
                                                                n_validation, seq_len)
        config = self._training_config(seq_len, tau)
        rng = check_random_state(self.random_state)
        model, result, restart_scores = self._train(model, not warm, train_series, starts,
                                                    config, validate, rng)

        self.data_mean_, self.data_scale_ = mean, scale
        self.data_range_ = data_range
        self.restart_scores_ = restart_scores
        self.dynamics_ = model
        self.tau_ = tau
        self.sequence_length_ = seq_len
        self.loss_curve_ = (self.loss_curve_ if warm else []) + result.loss_curve
        self.n_iter_ = len(self.loss_curve_)
        self.validation_scores_ = result.validation_scores
        self.best_epoch_ = result.best_epoch
        self.gtf_alpha_curve_ = result.alpha_curve
        self.latent_state_ = model.forced_state(_final_context(series, len(trials[-1]),
                                                               seq_len))
        return self

    # The steps of fit, in order.
    def _warn_if_short(self, trials):
        n_samples = sum(len(trial) for trial in trials)
        n_complete = sum(int((~np.isnan(trial).any(axis=1)).sum()) for trial in trials)
        if n_complete < SHORT_SERIES:
            held = ("" if n_complete == n_samples
                    else f" ({n_complete} of them without missing values)")
            warnings.warn(
                f"X has {n_samples} samples{held}. Fewer than about {SHORT_SERIES} rarely "
                "show a chaotic attractor often enough to learn it: expect a free run "
                "that reproduces the data only roughly, and validation and score figures "
                "with a large sampling error (user guide: 'Real data').", UserWarning,
                stacklevel=_FIT_STACKLEVEL + 1)

    def _forcing_interval(self, trials, seq_len):
        """``tau`` as training uses it: an int, or None for never."""
        if self.tau == "auto":
            return self._tau_from_spectrum(trials, seq_len)
        if self.tau is not None and self.tau >= seq_len:
            warnings.warn(
                f"tau={self.tau} >= sequence_length={seq_len}: no forcing happens inside a "
                "window, so this trains by plain BPTT (as tau=None).", UserWarning,
                stacklevel=_FIT_STACKLEVEL + 1)
        return self.tau

    def _new_model(self, n_features):
        n_latent = (auto_latent_size(self.model, n_features) if self.n_latent == "auto"
                    else self.n_latent)
        if n_latent < n_features:
            raise ValueError(
                f"n_latent={n_latent} is smaller than the number of features "
                f"({n_features}); the latent space must hold the observations.")
        if self.model == "alrnn" and self.n_piecewise > n_latent:
            raise ValueError(f"n_piecewise={self.n_piecewise} is larger than n_latent="
                             f"{n_latent}: an ALRNN has at most n_latent ReLU units.")
        return MODELS[self.model](n_latent, n_features, self)

    def _warm_start_model(self):
        previous = self.dynamics_
        if repr(previous) != repr(self._new_model(previous.n_features)):
            raise ValueError(f"warm_start needs the same model, n_latent and forcing as "
                             f"the previous fit ({previous!r}).")
        return previous

    def _standardisation(self, series):
        """Per-feature (mean, scale) of the data, or (0, 1) without standardisation."""
        n_features = series.shape[1]
        if self.standardize:
            return feature_standardisation(series)
        largest = float(np.max(np.abs(series)))
        if largest > UNSTANDARDISED_MAX:
            raise ValueError(
                f"X holds values up to {largest:.3g}: with standardize=False their "
                "squared errors overflow float64 in training. Use standardize=True "
                "or rescale X.")
        return np.zeros(n_features), np.ones(n_features)

    def _split_validation(self, series, lengths, n_validation, seq_len):
        """(training series, window starts, validation callable or None).

        The validation free run starts from the held-out block at the end of the series,
        but its occupation of state space is compared with the whole series: a held-out
        block of a few thousand samples is too noisy a reference to pick checkpoints by
        (docs/decisions.md). The reference is capped at 10^5 rows (by striding, a view):
        cheap in time and memory for long series.
        """
        train_lengths = list(lengths)
        train_lengths[-1] -= n_validation
        train_series = series[:len(series) - n_validation]
        starts = window_starts(train_lengths, seq_len)
        # A window starts from a forced state, so only at a complete row.
        starts = starts[~np.isnan(train_series[starts]).any(axis=1)]
        if not len(starts):
            raise ValueError(
                f"No training window of {seq_len} steps can start at a row without missing "
                "values; X has too many gaps (or use a shorter sequence_length).")
        if not n_validation:
            return train_series, starts, None
        stride = -(-len(series) // 100_000)
        n_generated = validation_run_length(len(series))
        block = series[len(series) - n_validation:]
        plan = [(block, min(seq_len, n_validation // 2), n_generated)]
        # One rule, prepared once per fit: the reference histogram and one noise draw, so
        # that checkpoints differ by the model alone.
        rule = FreeRunDivergence(series[::stride], n_generated,
                                 observation_noise=self.observation_noise, n_starts=1)
        low, high = np.nanmin(series, axis=0), np.nanmax(series, axis=0)
        return train_series, starts, _Validation(rule, plan, (low + high) / 2,
                                                 (high - low) / 2)

    def _training_config(self, seq_len, tau):
        return TrainingConfig(
            seq_len=seq_len, tau=tau, batch_size=self.batch_size,
            batches_per_epoch=self.batches_per_epoch, n_epochs=self.n_epochs,
            learning_rate=self.learning_rate, lr_decay=self.learning_rate_decay,
            max_grad_norm=self.max_grad_norm, teacher_noise=self.teacher_noise,
            forcing_strength=self.forcing_strength, gtf_alpha=self.gtf_alpha,
            verbose=self.verbose,
            progress_bar=self.progress_bar, n_iter_no_change=self.n_iter_no_change,
            n_threads=self.n_threads,
            precision=self.precision,
            validation_interval=max(1, self.n_epochs // 50))

    def _train(self, model, initialise, series, starts, config, validate, rng):
        """Train ``n_init`` restarts (in parallel with ``n_jobs``); return the best model,
        its TrainingResult and every restart's score."""
        if self.n_init == 1:
            model, result = train_restart(rng, model, initialise, series, starts, config,
                                          validate)
            return model, result, [restart_score(result)]
        seeds = rng.randint(np.iinfo(np.int32).max, size=self.n_init)
        runs = Parallel(n_jobs=self.n_jobs)(
            delayed(train_restart)(seed, model, initialise, series, starts, config, validate)
            for seed in seeds)
        scores = [restart_score(result) for _, result in runs]
        return (*runs[int(np.argmax(scores))], scores)

    def _tau_from_spectrum(self, trials, seq_len):
        """Predictability time of the data, estimated from the longest trial (with
        missing values, its longest stretch without them)."""
        longest = max((longest_complete_stretch(trial) for trial in trials), key=len)
        mean, scale = feature_standardisation(longest)
        spectrum = LyapunovSpectrum(max_tau=seq_len, dt=self.dt, random_state=0)
        gaps = len(longest) < max(len(trial) for trial in trials)
        try:
            self.lyapunov_ = spectrum.fit((longest - mean) / scale)
        except ValueError as exc:
            if not gaps:
                raise
            raise ValueError(
                f"tau='auto' estimates the Lyapunov spectrum from the longest stretch of X "
                f"without missing values, here {len(longest)} rows, and that failed: "
                f"{exc} Set tau to an int (or None) instead.") from exc
        if gaps:
            warnings.warn(
                f"tau='auto' estimated the Lyapunov spectrum from the longest stretch of X "
                f"without missing values ({len(longest)} rows): on fewer than a few "
                "thousand the estimate is rough; consider choosing tau by a search.",
                UserWarning, stacklevel=_FIT_STACKLEVEL + 2)
        tau = self.lyapunov_.suggested_tau_
        if self.verbose:
            print(f"[ChaoticRNNRegressor] tau='auto': lambda_max = "
                  f"{self.lyapunov_.max_exponent_:.4g} per time unit "
                  f"({self.lyapunov_.exponents_per_step_[0]:.4g} per step of dt={self.dt:g})"
                  f" -> tau = {tau} steps ({tau * self.dt:.4g} time units)", flush=True)
        return None if tau >= seq_len else tau

    def _validation_size(self, last_trial_length):
        n_validation = int(round(self.validation_fraction * last_trial_length))
        if n_validation == 0:
            return 0
        if n_validation < 20:
            warnings.warn(
                f"validation_fraction={self.validation_fraction} leaves {n_validation} "
                "samples, too few to score; training without validation.", UserWarning,
                stacklevel=_FIT_STACKLEVEL + 1)
            return 0
        return n_validation

    # ------------------------------------------------------------ fitted attributes
    def _fitted_model(self):
        """``dynamics_``, after checking that the fitted state is consistent.

        The kernels do no bounds checking: a latent state or a model of other shapes
        (set by hand, or mixed from two fits) would make them read out of bounds.
        """
        model = self.dynamics_
        expected = {"dynamics_.n_features": (model.n_features, self.n_features_in_),
                    "latent_state_": (np.shape(self.latent_state_), (model.n_latent,))}
        for name, (found, needed) in expected.items():
            if found != needed:
                raise ValueError(
                    f"The fitted attribute {name} is {found}, but the fitted model needs "
                    f"{needed}: the fitted state is inconsistent (changed by hand?); fit "
                    "the estimator again.")
        return model

    def _plrnn(self, name):
        model = self.dynamics_  # AttributeError while unfitted: hasattr(est, "A_") is False
        if not isinstance(model, PLRNN):
            raise AttributeError(
                f"{name} exists for a PLRNN model, not {type(model).__name__}.")
        return model

    def _assign(self, name, target, value):
        value = np.asarray(value, dtype=np.float64)
        if value.shape != target.shape:
            raise ValueError(f"The fitted attribute {name} has shape {target.shape}; cannot "
                             f"assign an array of shape {value.shape}.")
        target[...] = value

    @property
    def A_(self):
        return np.diag(self._plrnn("A_").a)

    @A_.setter
    def A_(self, value):
        value = np.asarray(value, dtype=np.float64)
        model = self._plrnn("A_")
        self._assign("A_", np.empty((model.n_latent, model.n_latent)), value)
        if np.any(value != np.diag(np.diag(value))):
            raise ValueError("A_ must be diagonal.")
        model.a[:] = np.diag(value)

    @property
    def W_(self):
        return self._plrnn("W_").W

    @W_.setter
    def W_(self, value):
        self._assign("W_", self._plrnn("W_").W, value)

    @property
    def h_(self):
        return self._plrnn("h_").h

    @h_.setter
    def h_(self, value):
        self._assign("h_", self._plrnn("h_").h, value)

    @property
    def B_(self):
        return self._plrnn("B_").B

    @B_.setter
    def B_(self, value):
        model = self._plrnn("B_")
        if model.forcing == "identity":
            raise ValueError("Under identity forcing B_ is the fixed selection [I 0].")
        self._assign("B_", model.B, value)

    def _simulator(self):
        """``simulate(n_steps, X_context)`` on checked, C-contiguous data, in its units."""
        model = self._fitted_model()

        def simulate(n_steps, X_context):
            X_gen = model.simulate(n_steps, self._transform_input(X_context))
            return self._inverse_transform_output(X_gen)

        return simulate

    # ---------------------------------------------------------------------- inference
    def predict(self, X):
        """Free-run the learned system, or map each row one step ahead.

        Parameters
        ----------
        X : int or array-like of shape (n_samples, n_features)
            An int ``n_steps``: free-run ``x_hat_{T+1} .. x_hat_{T+n_steps}`` from the state
            reached by a teacher-forced pass over the end of the training data.
            An array: the one-step map ``x_t -> x_hat_{t+1}``, row by row (each row
            starts from the state a training window would start from: forced from the
            row, unforced latent units from the learned initial map).

        Returns
        -------
        X_pred : ndarray of shape (n_steps, n_features) or (n_samples, n_features)
            In the data's units.
        """
        check_is_fitted(self)
        if np.ndim(X) == 0:  # a step count; simulate says what is wrong with it
            return self.simulate(X)
        model = self._fitted_model()
        return self._inverse_transform_output(model.one_step(self._validate_X(X)))

    def simulate(self, n_steps, X_context=None):
        """Free-run after a teacher-forced warm-up on a context window.

        Parameters
        ----------
        n_steps : int
            Number of generated steps.
        X_context : array-like of shape (n_context, n_features), default=None
            Observations to force the latent state with, every step; the run continues
            from the last one. None continues from the end of the training data, as
            ``predict(n_steps)``.

        Returns
        -------
        X_gen : ndarray of shape (n_steps, n_features)
            The steps after the context, in the data's units.

        Raises
        ------
        TypeError
            When ``n_steps`` is not an int (a float or a bool, say).
        ValueError
            When ``n_steps < 1``, or when the run's output would not fit in the available
            memory (checked before any step is computed).

        Examples
        --------
        >>> from skchaos import ChaoticRNNRegressor
        >>> from skchaos.datasets import make_lorenz63
        >>> X = make_lorenz63(2000, random_state=0)
        >>> est = ChaoticRNNRegressor(n_latent=8, n_epochs=2, random_state=0).fit(X)
        >>> est.simulate(50, X_context=X[:100]).shape
        (50, 3)
        """
        check_is_fitted(self)
        n_steps = _check_n_steps(n_steps)
        _check_run_fits_in_memory(n_steps, self.n_features_in_)
        model = self._fitted_model()
        if X_context is None:
            X_gen = model.free_run(self.latent_state_, n_steps)[0]
        else:
            X_gen = model.simulate(n_steps, self._validate_X(X_context))
        finite = np.isfinite(X_gen).all(axis=1)
        if not finite.all():
            warnings.warn(
                f"The free run left the finite range at step {int(np.argmin(finite)) + 1} "
                f"of {n_steps}: the learned system is unstable there. Train longer, with a "
                "smaller learning_rate, or keep the best parameters (validation_fraction).",
                RuntimeWarning, stacklevel=2)
        return self._inverse_transform_output(X_gen)

    def score(self, X, y=None):
        """Minus the state-space divergence between X and free runs alongside it.

        The rows of X after the first ``n_warmup = min(sequence_length, n_samples // 2)``
        are compared, by :func:`skchaos.metrics.state_space_divergence`, with free runs
        of the model from 4 points of X, each teacher-forced along the ``n_warmup`` rows
        before it; the runs have as many steps as those rows, and at least 50,000 in all,
        so that the generated side adds little sampling noise on test blocks of a few
        thousand samples. Long-horizon by design: a one-step error would always favour
        tau = 1, which is wrong for chaotic data. For a list of trials, each trial is
        warmed up and free-run on its own (its share of the steps in proportion to its
        length) and the pooled runs are compared with the pooled trials (in GridSearchCV
        a list of trials is split by trial, not in time). With ``observation_noise``, noise
        of that size (relative to X's standard deviation per feature) is added to the runs
        first.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or list of such arrays
            A test block of the series, rows in time order; or independent trials.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-state_space_divergence``; higher is better, 0 is perfect.
        """
        check_is_fitted(self)
        blocks = [self._check_missing(validate_data(
                      self, trial, reset=False, dtype=np.float64, order="C",
                      ensure_all_finite="allow-nan"))
                  for trial in _as_trials(X)]
        for block in blocks:
            if len(block) < 2:
                raise ValueError(f"score needs at least 2 samples, got {len(block)}.")
        warmups = [max(1, min(self.sequence_length_, len(block) // 2)) for block in blocks]
        plan = plan_free_runs(blocks, warmups, SCORE_MIN_GENERATED)
        rule = FreeRunDivergence.for_plan(plan, observation_noise=self.observation_noise)
        return -rule(self._simulator(), plan)


def _final_context(series, last_trial_length, seq_len):
    """The rows the state after training is forced along: the last ``seq_len + 1`` of the
    last trial, reaching back to its last complete row where those are all incomplete."""
    start = len(series) - min(last_trial_length, seq_len + 1)
    complete = np.flatnonzero(~np.isnan(series[len(series) - last_trial_length:]).any(axis=1))
    if len(complete):
        start = min(start, len(series) - last_trial_length + int(complete[-1]))
    return series[start:]


# A validation run that leaves the data's range by more than this many half-ranges (about
# its centre) is not a valid checkpoint, however its histogram scores: it is on its way to
# infinity, or on an attractor the data never visited.
VALID_RANGE = 3.0


# A checkpoint about to become the best is run this long first, whatever the length of the
# validation runs: a run that leaves the data's range late (after 10^4 steps, say) is not
# kept. On the Santa Fe laser's first 1,000 samples the 10^4-step validation runs kept a
# checkpoint whose 10^5-step free run reached 9.3 half-ranges from the data's centre; with
# 10^5-step checks it kept one that stayed within 0.98. The check runs from the end of the
# data too, where predict continues (docs/decisions.md).
RANGE_CHECK_STEPS = 100_000


class _Validation:
    """Minus the validation divergence of a latent model (module-level: joblib pickles it).

    A checkpoint whose run is not finite or leaves ``VALID_RANGE`` times the data's range
    scores minus infinity, so it is never kept. :meth:`confirm` checks a would-be best
    checkpoint on a run of ``RANGE_CHECK_STEPS``.
    """

    def __init__(self, rule, plan, centre, half_range):
        self.rule, self.plan = rule, plan
        self.centre, self.limit = centre, VALID_RANGE * np.maximum(half_range, 1e-12)

    def _inside(self, runs):
        with np.errstate(invalid="ignore", over="ignore"):
            return bool((np.abs(runs - self.centre) <= self.limit).all())

    def __call__(self, model):
        runs = self.rule.free_runs(model.simulate, self.plan)
        if not self._inside(runs):
            return -np.inf
        return -self.rule.reference.divergence(runs)

    def confirm(self, model):
        """Whether runs of ``RANGE_CHECK_STEPS`` stay within the data's range: from the
        validation block's start (validation runs of that length or longer already did),
        and from its end, where ``predict(n_steps)`` continues (a model can have an
        attractor in the data's range and another outside it)."""
        block, n_warmup, n_steps = self.plan[0]
        if n_steps < RANGE_CHECK_STEPS and not self._inside(long_free_runs(
                model.simulate, block, n_warmup, RANGE_CHECK_STEPS, n_starts=1)):
            return False
        return self._inside(model.simulate(RANGE_CHECK_STEPS, block[len(block) - n_warmup:]))
