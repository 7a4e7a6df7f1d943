"""Measures of how well a generated trajectory reproduces a system's long-term behaviour.

A chaotic model cannot track a trajectory for long, so a reconstruction is judged by its
invariant statistics: where the orbit spends its time (:func:`state_space_divergence`) and
at which frequencies it oscillates (:func:`power_spectrum_distance`). Short-term accuracy
is measured from teacher-forced starts (:func:`prediction_error`,
:func:`valid_prediction_time`). The ``make_*_scorer`` functions turn each measure into a
``scoring=`` callable for model selection, higher is better.
"""

from collections import namedtuple
from numbers import Integral, Real

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.special import logsumexp
from sklearn.utils import check_array, check_random_state

__all__ = [
    "make_free_run_scorer",
    "make_prediction_error_scorer",
    "make_valid_prediction_time_scorer",
    "power_spectrum_distance",
    "prediction_error",
    "state_space_divergence",
    "valid_prediction_time",
]


def _check_pair(X_true, X_gen):
    X_true = check_array(X_true, dtype=np.float64, ensure_min_samples=1,
                         input_name="X_true")
    # A diverged free run is a bad model, not bad input: non-finite rows fall off the grid.
    X_gen = check_array(X_gen, dtype=np.float64, ensure_min_samples=1,
                        ensure_all_finite=False, input_name="X_gen")
    if X_true.shape[1] != X_gen.shape[1]:
        raise ValueError(
            f"X_true has {X_true.shape[1]} features but X_gen has {X_gen.shape[1]}.")
    return X_true, X_gen


def state_space_divergence(X_true, X_gen, n_bins=30, *, method="auto", direction="true_gen",
                           pseudo_count=1e-5, margin=0.05, n_centres=1000, scale=1.0,
                           n_mc=1000, random_state=0):
    """Kullback-Leibler divergence of state-space occupation, KL(true || generated).

    ``method="binning"`` (the default for up to 5 features): both series are binned on
    one grid of ``n_bins`` bins per dimension spanning the
    range of ``X_true`` widened by ``margin`` of its width on each side. Each histogram
    is normalised with Laplace smoothing, p_i = (c_i + pseudo_count) / (n + pseudo_count
    * K), over all K = n_bins ** n_features bins. Generated points off the grid
    (including non-finite ones) stay in ``n``: mass the model puts outside the data's
    box counts against it. Only occupied bins are stored, so many dimensions are cheap.

    The measure is biased upward by short series: on Lorenz-63 with 30 bins, two
    independent trajectories of the true system score 0.04-0.10 at 10^5 samples
    but 0.11-0.44 at 2x10^4. Compare models at equal, long lengths.

    ``method="gmm"`` (the default above 5 features, where bins are too sparse): each
    series defines a Gaussian mixture with one isotropic component of standard deviation
    ``scale`` on each of ``n_centres`` of its points (evenly spaced in time), in coordinates
    z-scored by X_true; the divergence is a Monte Carlo estimate from ``n_mc`` samples.
    The paper's published settings are ``n_bins=30`` (binning) and ``scale=1.0``,
    ``n_centres=1000``, ``n_mc=1000`` (mixtures).

    Parameters
    ----------
    X_true : array-like of shape (n_samples_true, n_features)
        Observed trajectory; defines the grid.
    X_gen : array-like of shape (n_samples_gen, n_features)
        Generated (free-run) trajectory.
    n_bins : int, default=30
        Bins per dimension.
    pseudo_count : float, default=1e-5
        Additive smoothing per bin, in counts; keeps the divergence finite when the model
        never visits a bin the data visits.
    method : {"auto", "binning", "gmm"}, default="auto"
        Histograms on a grid, or Gaussian mixtures on the points; "auto" bins up to 5
        features.
    direction : {"true_gen", "gen_true"}, default="true_gen"
        KL(true || generated), which punishes a model that misses parts of the attractor,
        or KL(generated || true), which punishes mass where the data never go.
    margin : float, default=0.05
        Binning: widening of the grid on each side, as a fraction of the data's range.
    n_centres : int, default=1000
        Mixtures: components per series (all points if fewer).
    scale : float, default=1.0
        Mixtures: standard deviation of each component, in units of X_true's std.
    n_mc : int, default=1000
        Mixtures: Monte Carlo samples.
    random_state : int, RandomState instance or None, default=0
        Mixtures: seeds the Monte Carlo samples.

    Returns
    -------
    divergence : float
        Zero for identical histograms; larger is worse.

    Examples
    --------
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import state_space_divergence
    >>> X = make_lorenz63(20000, random_state=0)
    >>> Y = make_lorenz63(20000, random_state=1)
    >>> bool(state_space_divergence(X, Y) < state_space_divergence(X, Y[:, ::-1]))
    True
    """
    X_true, X_gen = _check_pair(X_true, X_gen)
    if method not in ("auto", "binning", "gmm"):
        raise ValueError(f"method must be 'auto', 'binning' or 'gmm', got {method!r}.")
    if direction not in ("true_gen", "gen_true"):
        raise ValueError(f"direction must be 'true_gen' or 'gen_true', got {direction!r}.")
    if method == "gmm" or (method == "auto" and X_true.shape[1] > 5):
        return _gmm_divergence(X_true, X_gen, direction, n_centres, scale, n_mc,
                               random_state)
    if direction == "gen_true":
        # The grid stays the data's: generated mass off the grid is lost, not binned.
        finite = np.isfinite(X_gen).all(axis=1)
        low, high = X_true.min(axis=0), X_true.max(axis=0)
        width = np.where(high > low, high - low, 1.0)
        inside = finite & np.all((X_gen >= low - margin * width)
                                 & (X_gen <= high + margin * width), axis=1)
        if not inside.any():
            return float("inf")
        return _binned_divergence(X_gen[inside], X_true, n_bins, pseudo_count, margin,
                                  grid_from=X_true)
    return _binned_divergence(X_true, X_gen, n_bins, pseudo_count, margin, grid_from=X_true)


def _binned_divergence(P, Q, n_bins, pseudo_count, margin, grid_from):
    """KL(P || Q) of smoothed occupation histograms on the grid of ``grid_from``."""
    if not isinstance(n_bins, Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    if not isinstance(pseudo_count, Real) or pseudo_count <= 0:
        raise ValueError(f"pseudo_count must be a positive float, got {pseudo_count!r}.")
    low, high = grid_from.min(axis=0), grid_from.max(axis=0)
    width = np.where(high > low, high - low, 1.0)
    low = low - margin * width
    bin_width = width * (1.0 + 2.0 * margin) / n_bins

    def bin_codes(X):
        with np.errstate(invalid="ignore", over="ignore"):
            idx = np.floor((X - low) / bin_width)
        inside = np.all((idx >= 0) & (idx < n_bins), axis=1)
        return idx[inside].astype(np.int64)

    codes_true, codes_gen = bin_codes(P), bin_codes(Q)
    occupied, inverse = np.unique(np.concatenate([codes_true, codes_gen]), axis=0,
                                  return_inverse=True)
    inverse = inverse.ravel()
    counts_true = np.bincount(inverse[:len(codes_true)], minlength=len(occupied))
    counts_gen = np.bincount(inverse[len(codes_true):], minlength=len(occupied))

    n_total_bins = float(n_bins) ** P.shape[1]
    p_norm = len(P) + pseudo_count * n_total_bins
    q_norm = len(Q) + pseudo_count * n_total_bins
    p = (counts_true + pseudo_count) / p_norm
    q = (counts_gen + pseudo_count) / q_norm
    divergence = np.sum(p * np.log(p / q))
    # Bins that neither series visits all hold the same smoothed mass.
    p_empty, q_empty = pseudo_count / p_norm, pseudo_count / q_norm
    divergence += (n_total_bins - len(occupied)) * p_empty * np.log(p_empty / q_empty)
    return float(divergence)


def _gmm_divergence(X_true, X_gen, direction, n_centres, scale, n_mc, random_state):
    """Monte Carlo KL between Gaussian mixtures centred on (a subset of) each series."""
    rng = check_random_state(random_state)
    mean, std = X_true.mean(axis=0), X_true.std(axis=0)
    std[std == 0] = 1.0
    finite = np.isfinite(X_gen).all(axis=1)
    if not finite.any():
        return float("inf")
    A = (X_true - mean) / std
    G = (X_gen[finite] - mean) / std

    def centres(X):
        # Evenly spaced along the run: covers all of it, and equal series get equal centres.
        if len(X) <= n_centres:
            return X
        return X[np.linspace(0, len(X) - 1, n_centres).astype(np.int64)]

    A, G = centres(A), centres(G)
    P, Q = (A, G) if direction == "true_gen" else (G, A)
    samples = P[rng.randint(len(P), size=n_mc)] + scale * rng.standard_normal(
        (n_mc, P.shape[1]))

    def log_density(centres_):
        sq = ((samples[:, None, :] - centres_[None, :, :]) ** 2).sum(axis=2)
        # The Gaussian normalisation is common to both mixtures and cancels.
        return logsumexp(-0.5 * sq / scale**2, axis=1) - np.log(len(centres_))

    return float(np.mean(log_density(P) - log_density(Q)))


def _smoothed_spectrum(x, smoothing, segment_length, cutoff):
    """Power spectrum of a z-scored series, averaged over segments, smoothed, normalised."""
    x = (x - x.mean()) / x.std()
    n_segments = max(1, len(x) // segment_length) if segment_length else 1
    length = len(x) // n_segments
    segments = x[:n_segments * length].reshape(n_segments, length)
    spectrum = (np.abs(np.fft.rfft(segments, axis=1)) ** 2).mean(axis=0)
    if cutoff is not None:
        spectrum = spectrum[:cutoff]
    if smoothing > 0:
        spectrum = gaussian_filter1d(spectrum, smoothing)
    return spectrum / spectrum.sum()


def power_spectrum_distance(X_true, X_gen, smoothing=20.0, *, segment_length=None,
                            cutoff=None):
    """Hellinger distance between power spectra, averaged over features.

    Per feature, each series is z-scored, its power spectrum ``|FFT|^2`` (averaged over
    segments of ``segment_length`` samples for long series) is cut to its first
    ``cutoff`` frequencies, smoothed by a Gaussian of width ``smoothing`` frequency bins
    and normalised to sum to one; the distance is sqrt(1 - sum_f sqrt(p_f q_f)), between 0
    (same spectrum) and 1 (disjoint). Series of different lengths are cut to the shorter
    one so both spectra share one frequency grid. The paper's published settings are
    ``smoothing=20`` with a cutoff of 20,000 frequency bins.

    Parameters
    ----------
    X_true : array-like of shape (n_samples, n_features)
        Observed series.
    X_gen : array-like of shape (n_samples_gen, n_features)
        Generated series.
    smoothing : float, default=20.0
        Standard deviation of the Gaussian smoothing kernel, in frequency bins; 0 for none.
    segment_length : int, default=None
        Average the spectra of consecutive segments this long (less noise, coarser
        frequencies); None uses the whole series.
    cutoff : int, default=None
        Keep only the first ``cutoff`` frequency bins (the slow, well-resolved part).

    Returns
    -------
    distance : float
        Mean Hellinger distance over features, in [0, 1]. A generated series that is
        non-finite or constant scores 1 on that feature.

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.metrics import power_spectrum_distance
    >>> t = np.arange(4096)[:, None]
    >>> slow, fast = np.sin(0.05 * t), np.sin(0.5 * t)
    >>> power_spectrum_distance(slow, np.sin(0.05 * t + 1.0)) < 0.05
    True
    >>> power_spectrum_distance(slow, fast) > 0.9
    True
    """
    X_true, X_gen = _check_pair(X_true, X_gen)
    if not isinstance(smoothing, Real) or smoothing < 0:
        raise ValueError(f"smoothing must be a non-negative float, got {smoothing!r}.")
    for name, value in (("segment_length", segment_length), ("cutoff", cutoff)):
        if value is not None and (not isinstance(value, Integral) or value < 2):
            raise ValueError(f"{name} must be an integer >= 2 or None, got {value!r}.")
    n = min(len(X_true), len(X_gen))
    distances = []
    for j in range(X_true.shape[1]):
        x_true, x_gen = X_true[:n, j], X_gen[:n, j]
        with np.errstate(over="ignore", invalid="ignore"):
            gen_std = x_gen.std()
        # A run so large that its spread overflows is as diverged as a non-finite one.
        if not np.isfinite(gen_std) or gen_std == 0 or x_true.std() == 0:
            both_constant = x_true.std() == 0 and np.all(x_gen == x_gen[0])
            distances.append(0.0 if both_constant else 1.0)
            continue
        p = _smoothed_spectrum(x_true, smoothing, segment_length, cutoff)
        q = _smoothed_spectrum(x_gen, smoothing, segment_length, cutoff)
        overlap = np.sum(np.sqrt(p * q))
        distances.append(np.sqrt(max(0.0, 1.0 - overlap)) if np.isfinite(overlap) else 1.0)
    return float(np.mean(distances))


def _forecasts(estimator, X, n_steps, n_warmup, stride):
    """Free runs of ``n_steps`` from teacher-forced starts along X.

    Start s is forced along rows s - n_warmup + 1 .. s; returns the starts and the
    forecasts, shape (n_starts, n_steps, n_features), in the data's units.
    """
    X = check_array(X, dtype=np.float64, input_name="X")
    for name, value in (("n_steps", n_steps), ("n_warmup", n_warmup), ("stride", stride)):
        if not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    starts = np.arange(n_warmup - 1, len(X) - n_steps, stride)
    if len(starts) == 0:
        raise ValueError(f"X has {len(X)} samples, too few for n_warmup={n_warmup} and "
                         f"n_steps={n_steps}.")
    runs = np.stack([estimator.simulate(n_steps, X_context=X[s - n_warmup + 1:s + 1])
                     for s in starts])
    return X, starts, runs


def prediction_error(estimator, X, n_steps, *, n_warmup=10, stride=10):
    """Mean squared error after ``n_steps`` free steps from teacher-forced starts.

    Every ``stride`` rows along X the model is teacher-forced on the ``n_warmup`` rows up
    to that start, free-runs ``n_steps``, and the last step is compared with the data.
    Errors are in units of X's standard deviation per feature, so features weigh alike.
    With ``n_steps`` around one Lyapunov time it ranks models usefully; with 1 it is the
    one-step error, which always favours tau = 1 on chaotic data.

    Parameters
    ----------
    estimator : fitted ChaoticRNNRegressor
        Anything with ``simulate(n_steps, X_context)``.
    X : array-like of shape (n_samples, n_features)
        Test series, rows in time order.
    n_steps : int
        Forecast horizon.
    n_warmup : int, default=10
        Rows of teacher forcing before each start.
    stride : int, default=10
        Rows between starts.

    Returns
    -------
    error : float

    Examples
    --------
    >>> from skchaos import ChaoticRNNRegressor
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import prediction_error
    >>> X = make_lorenz63(3000, random_state=0)
    >>> est = ChaoticRNNRegressor(n_latent=10, n_epochs=5, random_state=0).fit(X)
    >>> bool(prediction_error(est, X[-500:], 5) < prediction_error(est, X[-500:], 100))
    True
    """
    X, starts, runs = _forecasts(estimator, X, n_steps, n_warmup, stride)
    std = X.std(axis=0)
    std[std == 0] = 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        error = ((runs[:, -1] - X[starts + n_steps]) / std) ** 2
    error = np.where(np.isfinite(error), error, np.finfo(float).max)
    return float(np.mean(error))


ValidPredictionTime = namedtuple("ValidPredictionTime", ["steps", "lyapunov_times"])


def valid_prediction_time(estimator, X, threshold=0.4, *, lyapunov=None, dt=1.0,
                          max_steps=1000, n_warmup=10, stride=50):
    """Steps a free run from the true state stays close to the data (median over starts).

    The error of a run at step t is ||x_hat_t - x_t|| / sqrt(mean ||x - mean(x)||^2) (the
    data's overall spread); the valid time is the first step where it exceeds
    ``threshold`` (``max_steps`` if it never does), the median over starts every
    ``stride`` rows, each after ``n_warmup`` rows of teacher forcing.

    Parameters
    ----------
    estimator : fitted ChaoticRNNRegressor
        Anything with ``simulate(n_steps, X_context)``.
    X : array-like of shape (n_samples, n_features)
        Test series, rows in time order.
    threshold : float, default=0.4
        Normalised error at which a forecast stops being valid.
    lyapunov : float, default=None
        The system's largest Lyapunov exponent per time unit; gives the time in Lyapunov
        times, lyapunov * dt * steps.
    dt : float, default=1.0
        Sampling interval.
    max_steps : int, default=1000
        Longest run checked.
    n_warmup, stride : int
        Teacher-forced rows before each start; rows between starts.

    Returns
    -------
    ValidPredictionTime
        ``steps``, and ``lyapunov_times`` (None without ``lyapunov``).

    Examples
    --------
    >>> from skchaos import ChaoticRNNRegressor
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import valid_prediction_time
    >>> X = make_lorenz63(3000, random_state=0)
    >>> est = ChaoticRNNRegressor(n_latent=10, n_epochs=5, random_state=0).fit(X)
    >>> vpt = valid_prediction_time(est, X[-1500:], lyapunov=0.9056, dt=0.01, max_steps=500)
    >>> vpt.lyapunov_times == 0.9056 * 0.01 * vpt.steps
    True
    """
    n_steps = min(max_steps, len(X) - n_warmup)
    X, starts, runs = _forecasts(estimator, X, n_steps, n_warmup, stride)
    spread = np.sqrt(np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1)))
    targets = X[starts[:, None] + 1 + np.arange(n_steps)[None, :]]
    with np.errstate(over="ignore", invalid="ignore"):
        error = np.linalg.norm(runs - targets, axis=2) / spread
    exceeded = ~(error <= threshold)  # NaN counts as exceeded
    steps = np.where(exceeded.any(axis=1), exceeded.argmax(axis=1), n_steps)
    median = float(np.median(steps))
    return ValidPredictionTime(median, None if lyapunov is None else lyapunov * dt * median)


# A free run at least this long (in all, over its starts) keeps the generated side's
# sampling noise in the state-space divergence small next to the differences between
# models, also on test blocks of a few thousand samples (docs/decisions.md).
SCORE_MIN_GENERATED = 50_000
# Free runs from several points of a test block: a model with more than one attractor is
# judged on where its runs go from several starts, not from one.
SCORE_N_STARTS = 4


def long_free_runs(simulate, X, n_warmup, n_generated, n_starts=SCORE_N_STARTS):
    """Free runs from up to ``n_starts`` points of X, ``n_generated`` steps in all.

    ``simulate(n_steps, X_context)`` free-runs after teacher forcing along ``X_context``.
    Run ``i`` is warmed up on the ``n_warmup`` rows before the ``i``-th of ``n_starts``
    evenly spaced points of ``X[n_warmup:]``. Returns the runs stacked in time order.
    """
    n_rest = len(X) - n_warmup
    n_starts = max(1, min(n_starts, n_rest))
    ends = n_warmup + (np.arange(n_starts) * n_rest) // n_starts
    lengths = np.full(n_starts, n_generated // n_starts)
    lengths[: n_generated % n_starts] += 1
    return np.concatenate([simulate(int(n), X[end - n_warmup:end])
                           for end, n in zip(ends, lengths, strict=True) if n > 0])


def sample_observation_noise(X_observed, level, n_samples, random_state=0):
    """Gaussian noise of std ``level`` times each feature's std in ``X_observed``.

    Added to a model's free run before it is compared with noisy observations: a clean
    run loses to noise it rightly does not reproduce, by so much that the state-space
    divergence stops ranking models (docs/decisions.md). A fixed ``random_state`` gives
    every model the same noise, so their scores differ by the models alone.
    """
    std = np.asarray(X_observed, dtype=np.float64).std(axis=0)
    rng = np.random.RandomState(random_state)
    return level * std * rng.standard_normal((n_samples, len(std)))


def make_free_run_scorer(measure="state_space_divergence", *, n_warmup=None,
                         observation_noise=0.0, **measure_params):
    """Scorer for ``scoring=``: minus a long-term measure of a free run along X.

    The returned ``scorer(estimator, X, y=None)`` compares the rows of X after the first
    ``n_warmup`` (default: ``min(sequence_length, n_samples // 2)``) with free runs of
    the estimator, and returns minus ``measure(X_rest, X_gen, **measure_params)``: higher
    is better. For the power spectrum, one free run as long as ``X_rest`` follows teacher
    forcing on the first ``n_warmup`` rows. For the state-space divergence, free runs
    from 4 points of X (each warmed up on the ``n_warmup`` rows before it), at least
    50,000 steps in all, lower the generated side's sampling noise; this is what
    :meth:`ChaoticRNNRegressor.score <skchaos.ChaoticRNNRegressor.score>` computes.

    Parameters
    ----------
    measure : {"state_space_divergence", "power_spectrum_distance"}
        The long-term measure.
    n_warmup : int, default=None
        Rows of teacher forcing before the free run.
    observation_noise : float, default=0.0
        Standard deviation of the noise in X, as a fraction of each feature's standard
        deviation; Gaussian noise of that size (a fixed draw) is added to the free runs
        before they are compared with X, so that noisy test data ranks models by their
        dynamics rather than by how little noise they reproduce.
    **measure_params
        Passed to the measure.

    Returns
    -------
    scorer : callable

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score, TimeSeriesSplit
    >>> from skchaos import ChaoticRNNRegressor
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import make_free_run_scorer
    >>> X = make_lorenz63(3000, random_state=0)
    >>> est = ChaoticRNNRegressor(n_latent=8, n_epochs=2, random_state=0)
    >>> scorer = make_free_run_scorer("power_spectrum_distance")
    >>> cross_val_score(est, X, cv=TimeSeriesSplit(2), scoring=scorer).shape
    (2,)
    """
    measures = {"state_space_divergence": state_space_divergence,
                "power_spectrum_distance": power_spectrum_distance}
    if measure not in measures:
        raise ValueError(f"measure must be one of {sorted(measures)}, got {measure!r}.")
    function = measures[measure]
    if not isinstance(observation_noise, Real) or not observation_noise >= 0:
        raise ValueError("observation_noise must be a non-negative float, got "
                         f"{observation_noise!r}.")

    def scorer(estimator, X, y=None):
        X = check_array(X, dtype=np.float64, ensure_min_samples=2, input_name="X")
        warmup = (min(estimator.sequence_length, len(X) // 2) if n_warmup is None
                  else n_warmup)
        warmup = max(1, min(warmup, len(X) - 1))
        n_rest = len(X) - warmup
        if measure == "state_space_divergence":
            X_gen = long_free_runs(estimator.simulate, X, warmup,
                                   max(n_rest, SCORE_MIN_GENERATED))
        else:
            X_gen = estimator.simulate(n_rest, X_context=X[:warmup])
        if observation_noise > 0:
            X_gen = X_gen + sample_observation_noise(X[warmup:], observation_noise,
                                                     len(X_gen))
        return -function(X[warmup:], X_gen, **measure_params)

    return scorer


def make_prediction_error_scorer(n_steps, **params):
    """Scorer for ``scoring=``: minus :func:`prediction_error` at ``n_steps``.

    Examples
    --------
    >>> from skchaos.metrics import make_prediction_error_scorer
    >>> scorer = make_prediction_error_scorer(77, stride=20)
    >>> callable(scorer)
    True
    """
    def scorer(estimator, X, y=None):
        return -prediction_error(estimator, X, n_steps, **params)

    return scorer


def make_valid_prediction_time_scorer(threshold=0.4, **params):
    """Scorer for ``scoring=``: :func:`valid_prediction_time` in steps (higher is better).

    Examples
    --------
    >>> from skchaos.metrics import make_valid_prediction_time_scorer
    >>> callable(make_valid_prediction_time_scorer(0.4, max_steps=300))
    True
    """
    def scorer(estimator, X, y=None):
        return valid_prediction_time(estimator, X, threshold, **params).steps

    return scorer
