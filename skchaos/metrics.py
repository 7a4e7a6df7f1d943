"""Measures of how well a generated trajectory reproduces a system's long-term behaviour.

A chaotic model cannot track a trajectory for long, so a reconstruction is judged by its
invariant statistics: where the orbit spends its time (:func:`state_space_divergence`) and
at which frequencies it oscillates (:func:`power_spectrum_distance`). Short-term accuracy
is measured from teacher-forced starts (:func:`prediction_error`,
:func:`valid_prediction_time`). The ``make_*_scorer`` functions turn each measure into a
``scoring=`` callable for model selection, higher is better.
"""

import math
from collections import namedtuple
from numbers import Integral, Real

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.special import logsumexp
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)

from ._missing import complete_rows

__all__ = [
    "RecordingFloor",
    "StateSpaceReference",
    "make_free_run_scorer",
    "make_prediction_error_scorer",
    "make_valid_prediction_time_scorer",
    "plan_free_runs",
    "power_spectrum_distance",
    "prediction_error",
    "recording_floor",
    "state_space_divergence",
    "valid_prediction_time",
]


# Parameter constraints. An Interval rejects NaN, and one open at an unbounded end (None)
# rejects infinity there: Interval(Real, 0, None, closed="left") is [0, inf).
_POSITIVE_INT = Interval(Integral, 1, None, closed="left")
_POSITIVE_REAL = Interval(Real, 0, None, closed="neither")
_NON_NEGATIVE_REAL = Interval(Real, 0, None, closed="left")
# Bin positions are float64, whose integers are exact up to 2**53.
_MAX_BINS = 2**53
# Above this many features, "auto" uses mixtures: bins are too sparse.
_MAX_BINNED_FEATURES = 5
# A Gaussian kernel this many times wider than the spectrum flattens it (measured: to within
# 3e-6 of uniform); a wider one changes nothing but the memory its kernel needs.
_FLAT_SMOOTHING = 10
# Below this standard deviation scipy's Gaussian kernel has radius 0: the identity (and a
# tiny one divides by zero).
_MIN_SMOOTHING = 0.125
# Smallest exponent of the rescaling below: 2**1021 is still finite.
_MIN_SCALE_EXPONENT = -1021


def _unit_scale(X, axis=0):
    """Powers of two that bring the largest magnitude (per column, or overall) near 1.

    Multiplying by a power of two is exact, so a measure that does not depend on the
    data's units is unchanged, and its squares and ranges can neither overflow nor vanish.
    """
    _, exponent = np.frexp(np.max(np.abs(X), axis=axis, initial=0.0))
    return np.ldexp(1.0, -np.maximum(exponent, _MIN_SCALE_EXPONENT))


def _scaled(X, scale):
    """X times the powers of two ``scale``; values too large for the new units become
    infinite."""
    with np.errstate(over="ignore"):
        return X * scale


def _in_units_of(X_ref, *others, axis=0):
    """X_ref and the other arrays rescaled by the powers of two of :func:`_unit_scale`
    (X_ref); values of the others too large for the new units become infinite."""
    scale = _unit_scale(X_ref, axis=axis)
    return (_scaled(X_ref, scale), *(_scaled(X, scale) for X in others))


def _check_data(X, missing=None, **kwargs):
    """``check_array(X, dtype=np.float64, **kwargs)`` without the RuntimeWarning that its
    quick finiteness test (a sum, where inf + -inf is invalid) raises on finite data near
    the float64 limit, before its exact test passes them.

    ``missing`` says what to do instead where X holds NaN (missing values), which the
    measures refuse: a series with gaps is not evenly sampled, and none of them can tell a
    gap from the data (docs/decisions.md).
    """
    try:
        with np.errstate(invalid="ignore"):
            return check_array(X, dtype=np.float64, **kwargs)
    except ValueError as exc:
        if missing is None or "NaN" not in str(exc):
            raise
        name = kwargs.get("input_name", "X")
        raise ValueError(f"{name} contains NaN (missing values): {missing}") from exc


# What to do with gaps, per measure.
MISSING_ROWS = ("the state-space divergence compares occupations of state space, which do "
                "not need consecutive rows: leave out the incomplete rows first, "
                "X[~np.isnan(X).any(axis=1)].")
MISSING_SERIES = ("this measure needs an evenly sampled series without gaps: use a stretch "
                  "without missing values, or fill the gaps first.")


def _check_true(X_true, missing=MISSING_ROWS):
    return _check_data(X_true, missing, ensure_min_samples=1, input_name="X_true")


def _check_gen(X_gen, n_features):
    # A diverged free run is a bad model, not bad input: non-finite rows fall off the grid.
    X_gen = _check_data(X_gen, ensure_min_samples=1, ensure_all_finite=False,
                        input_name="X_gen")
    if X_gen.shape[1] != n_features:
        raise ValueError(f"X_true has {n_features} features but X_gen has {X_gen.shape[1]}.")
    return X_gen


def _check_pair(X_true, X_gen, missing=MISSING_ROWS):
    X_true = _check_true(X_true, missing)
    return X_true, _check_gen(X_gen, X_true.shape[1])


# The parameters of state_space_divergence, less the two series.
_STATE_SPACE_PARAMETERS = {
    "n_bins": [Interval(Integral, 1, _MAX_BINS, closed="both")],
    "method": [StrOptions({"auto", "binning", "gmm"})],
    "direction": [StrOptions({"true_gen", "gen_true"})],
    "pseudo_count": [_POSITIVE_REAL],
    "margin": [_NON_NEGATIVE_REAL],
    "n_centres": [_POSITIVE_INT],
    "scale": [_POSITIVE_REAL],
    "n_mc": [_POSITIVE_INT],
    "random_state": ["random_state"],
}


@validate_params(
    {"X_true": ["array-like"], "X_gen": ["array-like"], **_STATE_SPACE_PARAMETERS},
    prefer_skip_nested_validation=True,
)
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
        Observed trajectory; defines the grid. Must be finite.
    X_gen : array-like of shape (n_samples_gen, n_features)
        Generated (free-run) trajectory; may hold NaN or inf (a diverged run).
    n_bins : int, default=30
        Bins per dimension, at most 2**53.
    pseudo_count : float, default=1e-5
        Additive smoothing per bin, in counts, > 0; keeps the divergence finite when the
        model never visits a bin the data visits.
    method : {"auto", "binning", "gmm"}, default="auto"
        Histograms on a grid, or Gaussian mixtures on the points; "auto" bins up to 5
        features.
    direction : {"true_gen", "gen_true"}, default="true_gen"
        KL(true || generated), which punishes a model that misses parts of the attractor,
        or KL(generated || true), which punishes mass where the data never go.
    margin : float, default=0.05
        Binning: widening of the grid on each side, as a fraction of the data's range, >= 0.
    n_centres : int, default=1000
        Mixtures: components per series (all points if fewer).
    scale : float, default=1.0
        Mixtures: standard deviation of each component, in units of X_true's std, > 0.
    n_mc : int, default=1000
        Mixtures: Monte Carlo samples.
    random_state : int, RandomState instance or None, default=0
        Mixtures: seeds the Monte Carlo samples.

    Returns
    -------
    divergence : float
        Zero for identical histograms; larger is worse. KL(true || generated) on bins is
        always finite. It is +inf for KL(generated || true) on bins when no generated point
        falls on the grid, for mixtures when no generated point is finite, and for mixtures
        when some sample has no density under the other mixture at float64 precision
        (components so narrow, or runs so far apart, that exp underflows).

    Examples
    --------
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import state_space_divergence
    >>> X = make_lorenz63(20000, random_state=0)
    >>> Y = make_lorenz63(20000, random_state=1)
    >>> bool(state_space_divergence(X, Y) < state_space_divergence(X, Y[:, ::-1]))
    True

    To score many runs against one series, prepare it once with
    :class:`StateSpaceReference`.
    """
    return StateSpaceReference(
        X_true, n_bins, method=method, direction=direction, pseudo_count=pseudo_count,
        margin=margin, n_centres=n_centres, scale=scale, n_mc=n_mc,
        random_state=random_state).divergence(X_gen)


class StateSpaceReference:
    """The reference side of :func:`state_space_divergence`, prepared once (grid, scale,
    histogram).

    Scoring many generated runs against one observed series (each validation step of a
    fit, each candidate of a search) then bins the observed series once, not once a run:
    ``StateSpaceReference(X_true, **params).divergence(X_gen)`` equals
    ``state_space_divergence(X_true, X_gen, **params)`` exactly. With mixtures
    (``method="gmm"``) only the rescaled series is kept.

    Parameters
    ----------
    X_true : array-like of shape (n_samples_true, n_features)
        Observed trajectory; defines the grid and the units. Must be finite.
    n_bins, method, direction, pseudo_count, margin, n_centres, scale, n_mc
        As in :func:`state_space_divergence`.
    random_state : int, RandomState instance or None, default=0
        Mixtures: seeds the Monte Carlo samples of each call (an int gives every call the
        same samples; an instance is drawn from by each call in turn).

    Attributes
    ----------
    n_features_in_ : int
        Features of X_true, and so of every X_gen.
    method_ : {"binning", "gmm"}
        The method used, ``"auto"`` resolved.

    Examples
    --------
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import StateSpaceReference, state_space_divergence
    >>> X = make_lorenz63(20000, random_state=0)
    >>> reference = StateSpaceReference(X, n_bins=20)
    >>> runs = [make_lorenz63(20000, random_state=seed) for seed in (1, 2)]
    >>> [reference.divergence(Y) == state_space_divergence(X, Y, n_bins=20) for Y in runs]
    [True, True]
    """

    @validate_params({"X_true": ["array-like"], **_STATE_SPACE_PARAMETERS},
                     prefer_skip_nested_validation=True)
    def __init__(self, X_true, n_bins=30, *, method="auto", direction="true_gen",
                 pseudo_count=1e-5, margin=0.05, n_centres=1000, scale=1.0, n_mc=1000,
                 random_state=0):
        X_true = _check_true(X_true)
        self.n_bins, self.method, self.direction = n_bins, method, direction
        self.pseudo_count, self.margin = pseudo_count, margin
        self.n_centres, self.scale, self.n_mc = n_centres, scale, n_mc
        self.random_state = random_state
        self.n_features_in_ = X_true.shape[1]
        self._n_true = len(X_true)
        # Both measures are unchanged by a common rescaling of each feature; every X_gen
        # is put in the same units.
        self._units = _unit_scale(X_true)
        X_true = _scaled(X_true, self._units)
        if method == "gmm" or (method == "auto"
                               and self.n_features_in_ > _MAX_BINNED_FEATURES):
            self.method_ = "gmm"
            self._X_true = X_true
            return
        self.method_ = "binning"
        self._low = X_true.min(axis=0)
        self._width = X_true.max(axis=0) - self._low
        self._width[self._width == 0] = 1.0
        self._histogram = _Histogram(self._bin_codes(X_true), n_bins)

    def _bin_codes(self, X):
        return _bin_codes(X, self._low, self._width, self.n_bins, self.margin)

    def divergence(self, X_gen):
        """The divergence between the reference and a generated trajectory.

        Parameters
        ----------
        X_gen : array-like of shape (n_samples_gen, n_features)
            Generated (free-run) trajectory; may hold NaN or inf (a diverged run).

        Returns
        -------
        divergence : float
            ``state_space_divergence(X_true, X_gen, ...)``, with its parameters.
        """
        X_gen = _scaled(_check_gen(X_gen, self.n_features_in_), self._units)
        if self.method_ == "gmm":
            return _gmm_divergence(self._X_true, X_gen, self.direction, self.n_centres,
                                   self.scale, self.n_mc, self.random_state)
        codes_gen = self._bin_codes(X_gen)
        smoothing = (self.n_bins, self.n_features_in_, self.pseudo_count)
        if self.direction == "true_gen":
            counts_true, counts_gen = self._histogram.joint_counts(codes_gen)
            # Generated rows off the grid stay in the normaliser: mass the model misplaced.
            return _smoothed_kl(counts_true, self._n_true, counts_gen, len(X_gen),
                                *smoothing)
        # The grid stays the data's: generated mass off the grid is lost, not binned.
        if len(codes_gen) == 0:
            return float("inf")
        counts_true, counts_gen = self._histogram.joint_counts(codes_gen)
        return _smoothed_kl(counts_gen, len(codes_gen), counts_true, self._n_true,
                            *smoothing)


def _bin_codes(X, low, width, n_bins, margin):
    """Integer bin coordinates of the rows of X on the grid; rows off it are left out.

    The grid spans [low - margin * width, low + (1 + margin) * width] per feature, its
    last bin closed (as in ``np.histogram``). The position in bins is
    ``n_bins * (u + margin) / (1 + 2 margin)`` with ``u = (X - low) / width``, written so
    that no finite margin overflows it.
    """
    margin = float(margin)  # Python floats overflow to inf without a numpy warning
    shrink = 1.0 / (1.0 + 2.0 * margin)  # 0.0 for a margin so large that 2 * margin is inf
    offset = 1.0 / (2.0 + 1.0 / margin) if margin > 0 else 0.0  # margin / (1 + 2 margin)
    with np.errstate(over="ignore", invalid="ignore"):
        position = n_bins * ((X - low) / width * shrink + offset)
    inside = np.all((position >= 0) & (position <= n_bins), axis=1)
    return np.minimum(np.floor(position[inside]), n_bins - 1).astype(np.int64)


# Up to this many bins a histogram is a dense array of counts: 8 MiB for the reference
# and 8 MiB more per call at the limit. Beyond about 2**21 bins, clearing and scanning
# every bin costs more than sorting the codes of a 10^5-row run (measured: 12 ms against
# 19 ms at 2**20 bins, 88 ms against 23 ms at 2**24), so larger grids keep occupied bins
# only.
_MAX_DENSE_BINS = 2**20
# Flat bin numbers are int64 (np.ravel_multi_index refuses larger grids); on larger grids
# bins are named by their rows of per-feature codes.
_MAX_FLAT_BINS = 2**63 - 1


class _Histogram:
    """Counts of rows of bin codes on a grid of ``n_bins`` per feature, ready to be joined
    with another set of rows.

    Bins are numbered in row-major order, the lexicographic order of their rows of codes,
    so joint counts come in the order of ``np.unique(codes, axis=0)`` and sums over them
    in the same order.
    """

    def __init__(self, codes, n_bins):
        self._shape = (int(n_bins),) * codes.shape[1]
        n_total = math.prod(self._shape)
        self._flat = n_total <= _MAX_FLAT_BINS
        self._dense = self._flat and n_total <= _MAX_DENSE_BINS
        keys = self._keys(codes)
        if self._dense:
            self._counts = np.bincount(keys, minlength=n_total)
            self._occupied = self._counts > 0
        else:
            self._bins, self._counts = np.unique(keys, axis=self._axis, return_counts=True)

    @property
    def _axis(self):
        return None if self._flat else 0

    def _keys(self, codes):
        return np.ravel_multi_index(codes.T, self._shape) if self._flat else codes

    def joint_counts(self, codes):
        """The counts of this histogram and of the rows ``codes``, in the bins that either
        occupies, in row-major order."""
        keys = self._keys(codes)
        if self._dense:
            counts = np.bincount(keys, minlength=len(self._counts))
            occupied = np.flatnonzero(self._occupied | (counts > 0))
            return self._counts[occupied], counts[occupied]
        keys, counts = np.unique(keys, axis=self._axis, return_counts=True)
        occupied, inverse = np.unique(np.concatenate([self._bins, keys]), axis=self._axis,
                                      return_inverse=True)
        inverse = inverse.ravel()
        joint = np.zeros((2, len(occupied)), dtype=np.int64)
        joint[0, inverse[:len(self._bins)]] = self._counts
        joint[1, inverse[len(self._bins):]] = counts
        return joint[0], joint[1]


def _smoothed_kl(counts_p, n_p, counts_q, n_q, n_bins, n_features, pseudo_count):
    """KL(P || Q) of histograms smoothed by ``pseudo_count`` in each of all K bins.

    ``counts_p`` are P's counts in the bins that P or Q occupies, ``n_p`` all of P's rows
    (on the grid or not); the same for Q. p_i = (c_i + pseudo_count) / (n_p + pseudo_count
    * K), with K = n_bins ** n_features. Only occupied bins are stored; the normalisers are
    kept as logarithms because K (and ``pseudo_count``) can lie far outside the range of a
    float.
    """
    log_alpha = math.log(pseudo_count)
    log_smoothing = log_alpha + n_features * math.log(n_bins)  # log(pseudo_count * K)
    log_norm_p = float(np.logaddexp(math.log(n_p), log_smoothing))
    log_norm_q = float(np.logaddexp(math.log(n_q), log_smoothing))
    log_p = np.log(counts_p + pseudo_count) - log_norm_p
    log_q = np.log(counts_q + pseudo_count) - log_norm_q
    divergence = float(np.sum(np.exp(log_p) * (log_p - log_q)))
    # Bins that neither series visits all hold the same smoothed mass.
    n_empty = int(n_bins) ** n_features - len(counts_p)
    if n_empty > 0:
        empty_mass_p = math.exp(math.log(n_empty) + log_alpha - log_norm_p)
        divergence += empty_mass_p * (log_norm_q - log_norm_p)
    return divergence


def _even_subset(X, n_rows):
    """At most ``n_rows`` rows evenly spaced along X: covers all of a run, and equal series
    give equal subsets."""
    if len(X) <= n_rows:
        return X
    return X[np.linspace(0, len(X) - 1, n_rows).astype(np.int64)]


def _gmm_divergence(X_true, X_gen, direction, n_centres, scale, n_mc, random_state):
    """Monte Carlo KL between Gaussian mixtures centred on (a subset of) each series."""
    rng = check_random_state(random_state)
    mean, std = X_true.mean(axis=0), X_true.std(axis=0)
    std[std == 0] = 1.0
    A = (X_true - mean) / std
    with np.errstate(over="ignore", invalid="ignore"):
        G = (X_gen - mean) / std
    G = G[np.isfinite(G).all(axis=1)]
    if len(G) == 0:
        return float("inf")
    A, G = _even_subset(A, n_centres), _even_subset(G, n_centres)
    P, Q = (A, G) if direction == "true_gen" else (G, A)
    # Each sample is a centre of P plus scale * noise; kept apart, so that neither a tiny
    # nor a huge scale overflows the sample itself.
    picks = P[rng.randint(len(P), size=n_mc)]
    noise = rng.standard_normal((n_mc, P.shape[1]))

    def log_density(centres):
        with np.errstate(over="ignore"):
            offsets = (picks[:, None, :] - centres[None, :, :]) / scale + noise[:, None, :]
            sq = (offsets**2).sum(axis=2)
        # The Gaussian normalisation is common to both mixtures and cancels.
        return logsumexp(-0.5 * sq, axis=1) - np.log(len(centres))

    # Finite or +inf: a sample's own centre keeps log_density(P) finite.
    with np.errstate(over="ignore"):
        return float(np.mean(log_density(P) - log_density(Q)))


def _smoothed_spectrum(x, smoothing, segment_length, cutoff):
    """Power spectrum of a z-scored series, averaged over segments, smoothed, normalised;
    None if the kept frequencies hold no power."""
    x = (x - x.mean()) / x.std()
    n_segments = max(1, len(x) // segment_length) if segment_length else 1
    length = len(x) // n_segments
    segments = x[:n_segments * length].reshape(n_segments, length)
    spectrum = (np.abs(np.fft.rfft(segments, axis=1)) ** 2).mean(axis=0)
    if cutoff is not None:
        spectrum = spectrum[:cutoff]
    if smoothing >= _MIN_SMOOTHING:
        spectrum = gaussian_filter1d(spectrum, min(smoothing, _FLAT_SMOOTHING * len(spectrum)))
    total = spectrum.sum()
    return spectrum / total if total > 0 else None


def _spectral_distance(x_true, x_gen, smoothing, segment_length, cutoff):
    """Hellinger distance between the spectra of two series of equal length."""
    with np.errstate(over="ignore", invalid="ignore"):
        gen_std = x_gen.std()
    # A run so large that its spread overflows is as diverged as a non-finite one.
    if not np.isfinite(gen_std) or gen_std == 0 or x_true.std() == 0:
        both_constant = x_true.std() == 0 and np.all(x_gen == x_gen[0])
        return 0.0 if both_constant else 1.0
    p = _smoothed_spectrum(x_true, smoothing, segment_length, cutoff)
    q = _smoothed_spectrum(x_gen, smoothing, segment_length, cutoff)
    if p is None or q is None:  # no power below the cutoff: alike only if both lack it
        return 0.0 if p is None and q is None else 1.0
    overlap = np.sum(np.sqrt(p * q))
    return float(np.sqrt(max(0.0, 1.0 - overlap))) if np.isfinite(overlap) else 1.0


@validate_params(
    {
        "X_true": ["array-like"],
        "X_gen": ["array-like"],
        "smoothing": [_NON_NEGATIVE_REAL],
        "segment_length": [Interval(Integral, 2, None, closed="left"), None],
        "cutoff": [Interval(Integral, 2, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
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
        Observed series. Must be finite.
    X_gen : array-like of shape (n_samples_gen, n_features)
        Generated series; may hold NaN or inf (a diverged run).
    smoothing : float, default=20.0
        Standard deviation of the Gaussian smoothing kernel, in frequency bins; 0 for none.
        Values above ten times the number of frequency bins act as that (the smoothed
        spectra are then flat to within a few parts per million).
    segment_length : int >= 2, default=None
        Average the spectra of consecutive segments this long (less noise, coarser
        frequencies); None uses the whole series.
    cutoff : int >= 2, default=None
        Keep only the first ``cutoff`` frequency bins (the slow, well-resolved part).

    Returns
    -------
    distance : float
        Mean Hellinger distance over features, in [0, 1]. A generated series that is
        non-finite, constant, or so large next to the data that its spread overflows
        scores 1 on that feature (0 if the data are constant too). A series without power
        below ``cutoff`` counts as disjoint from one with power there.

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
    X_true, X_gen = _check_pair(X_true, X_gen, MISSING_SERIES)
    # Spectra of z-scored series do not depend on units; in X_true's units, spreads
    # cannot overflow unless X_gen dwarfs the data.
    X_true, X_gen = _in_units_of(X_true, X_gen)
    n = min(len(X_true), len(X_gen))
    return float(np.mean([
        _spectral_distance(X_true[:n, j], X_gen[:n, j], smoothing, segment_length, cutoff)
        for j in range(X_true.shape[1])]))


def _forecasts(estimator, X, n_steps, n_warmup, stride):
    """Free runs of ``n_steps`` from teacher-forced starts along the checked array X.

    Start s is forced along rows s - n_warmup + 1 .. s; returns the starts and the
    forecasts, shape (n_starts, n_steps, n_features), in the data's units.
    """
    starts = np.arange(n_warmup - 1, len(X) - n_steps, stride)
    if len(starts) == 0:
        raise ValueError(f"X has {len(X)} samples, too few for n_warmup={n_warmup} and "
                         f"n_steps={n_steps}: at least {n_warmup + n_steps} are needed.")
    runs = np.stack([estimator.simulate(n_steps, X_context=X[s - n_warmup + 1:s + 1])
                     for s in starts])
    return starts, np.asarray(runs, dtype=np.float64)


# The error given to a forecast that is non-finite (or overflows): the model ranks below
# every finite one, and the result stays a number.
_LARGEST_ERROR = np.finfo(np.float64).max


@validate_params(
    {
        "estimator": [HasMethods(["simulate"])],
        "X": ["array-like"],
        "n_steps": [_POSITIVE_INT],
        "n_warmup": [_POSITIVE_INT],
        "stride": [_POSITIVE_INT],
    },
    prefer_skip_nested_validation=True,
)
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
        Finite: a forecast that is non-finite or overflows counts as the largest float.

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
    X = _check_data(X, MISSING_SERIES, input_name="X")
    starts, runs = _forecasts(estimator, X, n_steps, n_warmup, stride)
    # Powers of two per feature: the standardised error is unchanged, and X's squares
    # cannot overflow.
    scale = _unit_scale(X)
    X = X * scale
    std = X.std(axis=0)
    std = np.where(std > 0, std, scale)  # constant feature: absolute error, in X's units
    with np.errstate(over="ignore", invalid="ignore"):
        error = ((runs[:, -1] * scale - X[starts + n_steps]) / std) ** 2
        error = np.where(np.isfinite(error), error, _LARGEST_ERROR)
        return float(min(np.mean(error), _LARGEST_ERROR))


ValidPredictionTime = namedtuple("ValidPredictionTime", ["steps", "lyapunov_times"])


@validate_params(
    {
        "estimator": [HasMethods(["simulate"])],
        "X": ["array-like"],
        "threshold": [_NON_NEGATIVE_REAL],
        "lyapunov": [_POSITIVE_REAL, None],
        "dt": [_POSITIVE_REAL],
        "max_steps": [_POSITIVE_INT],
        "n_warmup": [_POSITIVE_INT],
        "stride": [_POSITIVE_INT],
    },
    prefer_skip_nested_validation=True,
)
def valid_prediction_time(estimator, X, threshold=0.4, *, lyapunov=None, dt=1.0,
                          max_steps=1000, n_warmup=10, stride=50):
    """Steps a free run from the true state stays close to the data (median over starts).

    The error of a run at step t is ||x_hat_t - x_t|| / sqrt(mean ||x - mean(x)||^2) (the
    data's overall spread; 1 for constant data); the valid time is the first step where it
    exceeds ``threshold`` (``max_steps`` if it never does), the median over starts every
    ``stride`` rows, each after ``n_warmup`` rows of teacher forcing.

    Parameters
    ----------
    estimator : fitted ChaoticRNNRegressor
        Anything with ``simulate(n_steps, X_context)``.
    X : array-like of shape (n_samples, n_features)
        Test series, rows in time order.
    threshold : float, default=0.4
        Normalised error at which a forecast stops being valid, >= 0.
    lyapunov : float, default=None
        The system's largest Lyapunov exponent per time unit, > 0; gives the time in
        Lyapunov times, lyapunov * dt * steps.
    dt : float, default=1.0
        Sampling interval, > 0.
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
    X = _check_data(X, MISSING_SERIES, input_name="X")
    if len(X) <= n_warmup:
        raise ValueError(f"X has {len(X)} samples, too few for n_warmup={n_warmup}: at "
                         f"least {n_warmup + 1} are needed.")
    n_steps = min(max_steps, len(X) - n_warmup)
    starts, runs = _forecasts(estimator, X, n_steps, n_warmup, stride)
    # One power of two for all features (the error is a norm across them): the normalised
    # error is unchanged, and squares of X cannot overflow.
    scale = _unit_scale(X, axis=None)
    X = X * scale
    spread = np.sqrt(np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1)))
    if spread == 0:  # constant data: absolute error, in X's units
        spread = scale
    targets = X[starts[:, None] + 1 + np.arange(n_steps)[None, :]]
    with np.errstate(over="ignore", invalid="ignore"):
        error = np.linalg.norm(runs * scale - targets, axis=2) / spread
    exceeded = ~(error <= threshold)  # NaN counts as exceeded
    steps = np.where(exceeded.any(axis=1), exceeded.argmax(axis=1), n_steps)
    median = float(np.median(steps))
    if lyapunov is None:
        return ValidPredictionTime(median, None)
    # Python floats overflow to inf without a warning; 0 steps are 0 time, not inf * 0.
    time = float(lyapunov) * float(dt) * median if median > 0 else 0.0
    return ValidPredictionTime(median, time)


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
    X_observed = np.asarray(X_observed, dtype=np.float64)
    scale = _unit_scale(X_observed)  # exact: the std is the same, without overflow
    rng = np.random.RandomState(random_state)
    with np.errstate(over="ignore"):
        std = (X_observed * scale).std(axis=0) / scale
        return level * std * rng.standard_normal((n_samples, len(std)))


def _default_warmup(estimator, n_samples):
    """``min(sequence_length, n_samples // 2)``, with the fitted ``sequence_length_`` where
    the estimator has one (``sequence_length="auto"``)."""
    sequence_length = getattr(estimator, "sequence_length_", None)
    if sequence_length is None:
        sequence_length = estimator.sequence_length
    return min(sequence_length, n_samples // 2)


def _check_forwarded_params(function, params, supplied):
    """Check now the parameters a scorer will pass on to ``function``.

    Inside a search, an error raised while scoring becomes a NaN score and a warning, so a
    misspelt or invalid parameter is rejected when the scorer is made. ``supplied`` are the
    parameters the scorer passes itself.
    """
    constraints = function._skl_parameter_constraints
    accepted = set(constraints) - set(supplied)
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise TypeError(f"{function.__name__} got unexpected parameter(s) {unknown}; the "
                        f"scorer passes on only {sorted(accepted)}.")
    validate_parameter_constraints({name: constraints[name] for name in params}, params,
                                   caller_name=function.__name__)


_FREE_RUN_MEASURES = {"state_space_divergence": state_space_divergence,
                      "power_spectrum_distance": power_spectrum_distance}


@validate_params(
    {
        "measure": [StrOptions(set(_FREE_RUN_MEASURES))],
        "n_warmup": [_POSITIVE_INT, None],
        "observation_noise": [_NON_NEGATIVE_REAL],
    },
    prefer_skip_nested_validation=True,
)
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
        Passed to the measure; checked when the scorer is made (TypeError for a name the
        measure does not take, ValueError for an invalid value).

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
    function = _FREE_RUN_MEASURES[measure]
    _check_forwarded_params(function, measure_params, supplied=("X_true", "X_gen"))

    def scorer(estimator, X, y=None):
        X = _check_data(X, MISSING_SERIES, ensure_min_samples=2, input_name="X")
        warmup = _default_warmup(estimator, len(X)) if n_warmup is None else n_warmup
        warmup = max(1, min(warmup, len(X) - 1))
        if measure == "state_space_divergence":
            plan = plan_free_runs([X], [warmup])
            rule = FreeRunDivergence.for_plan(plan, observation_noise=observation_noise,
                                              measure_params=measure_params)
            return -rule(estimator.simulate, plan)
        X_gen = estimator.simulate(len(X) - warmup, X_context=X[:warmup])
        if observation_noise > 0:
            noise = sample_observation_noise(X[warmup:], observation_noise, len(X_gen))
            with np.errstate(over="ignore", invalid="ignore"):  # as in FreeRunDivergence
                X_gen += noise
        return -function(X[warmup:], X_gen, **measure_params)

    return scorer


@validate_params({"n_steps": [_POSITIVE_INT]}, prefer_skip_nested_validation=True)
def make_prediction_error_scorer(n_steps, **params):
    """Scorer for ``scoring=``: minus :func:`prediction_error` at ``n_steps``.

    ``params`` (``n_warmup``, ``stride``) are passed on to :func:`prediction_error` and
    checked when the scorer is made.

    Examples
    --------
    >>> from skchaos import ChaoticRNNRegressor
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import make_prediction_error_scorer, prediction_error
    >>> X = make_lorenz63(3000, random_state=0)
    >>> X_train, X_test = X[:2000], X[2000:]
    >>> est = ChaoticRNNRegressor(n_latent=8, n_epochs=2, random_state=0).fit(X_train)
    >>> scorer = make_prediction_error_scorer(20, stride=50)
    >>> scorer(est, X_test) == -prediction_error(est, X_test, 20, stride=50)
    True

    Errors grow with the horizon, so a short forecast scores higher than a long one:

    >>> short, long = (make_prediction_error_scorer(n, stride=50)(est, X_test)
    ...                for n in (5, 100))
    >>> bool(short > long)
    True
    """
    _check_forwarded_params(prediction_error, params, supplied=("estimator", "X", "n_steps"))

    def scorer(estimator, X, y=None):
        return -prediction_error(estimator, X, n_steps, **params)

    return scorer


@validate_params({"threshold": [_NON_NEGATIVE_REAL]}, prefer_skip_nested_validation=True)
def make_valid_prediction_time_scorer(threshold=0.4, **params):
    """Scorer for ``scoring=``: :func:`valid_prediction_time` in steps (higher is better).

    ``params`` (``max_steps``, ``n_warmup``, ``stride``, ...) are passed on to
    :func:`valid_prediction_time` and checked when the scorer is made.

    Examples
    --------
    >>> from skchaos import ChaoticRNNRegressor
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import make_valid_prediction_time_scorer, valid_prediction_time
    >>> X = make_lorenz63(3000, random_state=0)
    >>> X_train, X_test = X[:2000], X[2000:]
    >>> est = ChaoticRNNRegressor(n_latent=8, n_epochs=2, random_state=0).fit(X_train)
    >>> scorer = make_valid_prediction_time_scorer(0.4, max_steps=300)
    >>> scorer(est, X_test) == valid_prediction_time(est, X_test, 0.4, max_steps=300).steps
    True

    A looser threshold keeps forecasts valid for longer:

    >>> loose = make_valid_prediction_time_scorer(1.0, max_steps=300)
    >>> bool(loose(est, X_test) > scorer(est, X_test))
    True
    """
    _check_forwarded_params(valid_prediction_time, params,
                            supplied=("estimator", "X", "threshold"))

    def scorer(estimator, X, y=None):
        return valid_prediction_time(estimator, X, threshold, **params).steps

    return scorer


# ----------------------------------------------------------- the free-run scoring rule
def plan_free_runs(blocks, n_warmups, min_steps=SCORE_MIN_GENERATED):
    """Where the free runs of a score start and how long they are.

    Each block's rows after its ``n_warmup`` are the observed side; the runs have as many
    steps in all as those rows, and at least ``min_steps``, shared among the blocks in
    proportion to their observed rows (rounded up, in exact integer arithmetic).

    Parameters
    ----------
    blocks : list of ndarray of shape (n_rows, n_features)
        Test blocks (trials), rows in time order.
    n_warmups : list of int
        Rows of teacher forcing before each block's runs, each in [1, n_rows).
    min_steps : int, default=50000
        Fewest generated steps in all.

    Returns
    -------
    plan : list of (block, n_warmup, n_steps)

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.metrics import plan_free_runs
    >>> blocks = [np.zeros((300, 1)), np.zeros((100, 1))]
    >>> [(len(b), w, n) for b, w, n in plan_free_runs(blocks, [100, 50], 1000)]
    [(300, 100, 800), (100, 50, 200)]
    """
    observed = [len(block) - n for block, n in zip(blocks, n_warmups, strict=True)]
    total_observed = sum(observed)
    total = max(total_observed, min_steps)
    return [(block, n_warmup, -(-total * n // total_observed))
            for block, n_warmup, n in zip(blocks, n_warmups, observed, strict=True)]


class FreeRunDivergence:
    """The one rule by which skchaos judges a model: free runs against a reference.

    A model is teacher-forced along the ``n_warmup`` rows before each of up to
    ``n_starts`` evenly spaced points of each block of a plan (:func:`plan_free_runs`),
    free-runs from there, and the pooled runs (plus observation noise of
    ``observation_noise`` times the reference's standard deviation per feature, one fixed
    draw) are compared with ``reference`` by :func:`state_space_divergence`. The
    reference's histogram and the noise are prepared once, so scoring many models or
    checkpoints against one reference bins the reference once.
    :meth:`ChaoticRNNRegressor.score <skchaos.ChaoticRNNRegressor.score>`, the validation
    during its fit, :func:`make_free_run_scorer` and the benchmark studies all use it.

    Parameters
    ----------
    reference : array-like of shape (n_samples, n_features)
        The observed side. Rows with missing values (NaN) are left out.
    n_generated : int
        Steps of the plans this rule will score (the length of the noise draw).
    observation_noise : float, default=0.0
        Standard deviation of the noise added to the runs, as a fraction of each
        feature's standard deviation in ``reference``.
    n_starts : int, default=4
        Free runs per block, from evenly spaced points: a model with more than one
        attractor is judged on where its runs go from several starts.
    random_state : int, default=0
        Seeds the noise draw; fixed, so that models differ by their dynamics alone.
    measure_params : dict, default=None
        Parameters of :func:`state_space_divergence` (``n_bins``, ``method``, ...).

    Examples
    --------
    >>> from skchaos.datasets import Lorenz63, make_lorenz63
    >>> from skchaos.metrics import FreeRunDivergence, plan_free_runs
    >>> X = make_lorenz63(20000, random_state=0)
    >>> plan = plan_free_runs([X], [100])
    >>> rule = FreeRunDivergence.for_plan(plan)
    >>> def lorenz(rho):  # a "model": the Lorenz system itself, at some rho
    ...     def simulate(n_steps, X_context):
    ...         system = Lorenz63(rho=rho)
    ...         return system.generate(n_steps + 1, n_transient=0,
    ...                                initial_state=X_context[-1])[1:]
    ...     return simulate
    >>> bool(rule(lorenz(28.0), plan) < 0.2 < rule(lorenz(35.0), plan))
    True
    """

    def __init__(self, reference, n_generated, *, observation_noise=0.0,
                 n_starts=SCORE_N_STARTS, random_state=0, measure_params=None):
        reference = complete_rows(reference)
        self.reference = StateSpaceReference(reference, **(measure_params or {}))
        self.n_generated, self.n_starts = int(n_generated), int(n_starts)
        self.noise = (sample_observation_noise(reference, observation_noise, self.n_generated,
                                               random_state)
                      if observation_noise > 0 else None)

    @classmethod
    def for_plan(cls, plan, **params):
        """The rule with the plan's observed rows (pooled) as the reference."""
        reference = np.concatenate([block[n_warmup:] for block, n_warmup, _ in plan])
        return cls(reference, sum(n_steps for _, _, n_steps in plan), **params)

    def free_runs(self, simulate, plan):
        """The pooled runs of ``simulate(n_steps, X_context)`` along the plan."""
        runs = np.concatenate([long_free_runs(simulate, block, n_warmup, n_steps,
                                              self.n_starts)
                               for block, n_warmup, n_steps in plan])
        if self.noise is not None:
            # A diverged run (inf) plus noise may turn NaN: off the grid either way.
            with np.errstate(over="ignore", invalid="ignore"):
                runs += self.noise
        return runs

    def __call__(self, simulate, plan):
        """The divergence of ``simulate``'s runs along ``plan`` from the reference."""
        return self.reference.divergence(self.free_runs(simulate, plan))


# Defined in its own module, which builds on the measures above.
from ._recording_floor import RecordingFloor, recording_floor  # noqa: E402
