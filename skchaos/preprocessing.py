"""Delay embedding: turn a scalar or partially observed series into a state-space trajectory.

By Takens' theorem, delayed copies of one observable of a deterministic system
reconstruct its state up to a smooth change of coordinates, which is what a dynamical
model needs as input when only part of the state is measured.

The embedding and the autocorrelation (with its 1/e decorrelation lag) live here once;
:mod:`skchaos.lyapunov` uses them for spectra from data.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from ._atomic_fit import atomic_fit
from ._missing import longest_complete_stretch
from .exceptions import UnreliableEstimateWarning
from .metrics import _check_data, _unit_scale

__all__ = ["DelayEmbedding", "delay_embedding", "false_nearest_neighbours",
           "first_minimum_delay", "longest_complete_stretch"]

_POSITIVE_INT = Interval(Integral, 1, None, closed="left")
# The delay search looks at lags up to n_samples // 4, and a first minimum needs three.
_MIN_LAGS = 3
_MIN_SAMPLES_DELAY = 4 * _MIN_LAGS
# Embedded points needed in a dimension for nearest neighbours to mean anything.
_MIN_POINTS_FNN = 3
# DelayEmbedding.fit runs inside atomic_fit and _fit_context: its helpers' warnings name
# the user's call at this stack level.
_FIT_HELPER_STACKLEVEL = 5


def _check_series(x):
    """A finite float64 series from an array-like of shape (n_samples,) or (n_samples, 1)."""
    x = _check_data(x, ensure_2d=False, ensure_min_samples=0, input_name="x")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"x must be a series of shape (n_samples,) or (n_samples, 1), got "
                         f"shape {x.shape}.")
    return x


def _delay_search_problem(x, name="x"):
    """Why no delay can be chosen from the series x, or None."""
    if len(x) < _MIN_SAMPLES_DELAY:
        return (f"{name} has {len(x)} samples; choosing a delay needs at least "
                f"{_MIN_SAMPLES_DELAY} (a first minimum needs {_MIN_LAGS} lags, and lags "
                "go up to n_samples // 4)")
    if x.min() == x.max():  # not np.ptp, which overflows on a range beyond float64
        return f"{name} is constant, so no delay is better than another"
    return None


def _fnn_min_samples(delay, dimension):
    """Samples needed for false nearest neighbours up to ``dimension`` at ``delay``."""
    return dimension * delay + _MIN_POINTS_FNN


def _mutual_information(x, lag, n_bins):
    a, b = x[:-lag], x[lag:]
    joint, _, _ = np.histogram2d(a, b, bins=n_bins)
    joint /= joint.sum()
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    nonzero = joint > 0
    return float(np.sum(joint[nonzero] * np.log(joint[nonzero] / np.outer(pa, pb)[nonzero])))


def _autocorrelation(x, max_lag):
    """Autocorrelation at lags 0 .. max_lag of a series, or of each column of a 2-D array
    (rows in time order), 1 at lag 0; the series or columns must vary.

    By FFT, padded to twice the length so that no lag wraps around.
    """
    x = x - x.mean(axis=0)
    n = len(x)
    spectrum = np.abs(np.fft.rfft(x, n=2 * n, axis=0)) ** 2
    acf = np.fft.irfft(spectrum, axis=0)[:max_lag + 1]
    return acf / acf[0]


def _decorrelation_lag(acf, default):
    """The first lag at which the autocorrelation ``acf`` falls below 1/e, or ``default``."""
    below = np.flatnonzero(acf < 1 / np.e)
    return int(below[0]) if len(below) else default


@validate_params(
    {
        "x": ["array-like"],
        "method": [StrOptions({"mutual_information", "autocorrelation"})],
        "max_delay": [_POSITIVE_INT],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def first_minimum_delay(x, method="mutual_information", max_delay=100, n_bins=32):
    """Delay (in samples) at the first local minimum of the mutual information, or where
    the autocorrelation first falls below 1/e.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, 1)
        Scalar series, finite, not constant, at least 12 samples.
    method : {"mutual_information", "autocorrelation"}, default="mutual_information"
    max_delay : int, default=100
        Largest delay tried (also at most ``n_samples // 4``); returned when no minimum
        comes first.
    n_bins : int >= 2, default=32
        Histogram bins of the mutual-information estimate.

    Returns
    -------
    delay : int

    Raises
    ------
    ValueError
        If x has fewer than 12 samples (lags go up to ``n_samples // 4``, and a first
        minimum needs three of them), is constant, or is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.preprocessing import first_minimum_delay
    >>> t = np.arange(5000)
    >>> first_minimum_delay(np.sin(2 * np.pi * t / 40), method="autocorrelation")
    8
    """
    x = _check_series(x)
    problem = _delay_search_problem(x)
    if problem is not None:
        raise ValueError(problem + ".")
    x = x * _unit_scale(x)  # exact; both criteria are scale-free, and squares stay finite
    max_delay = min(max_delay, len(x) // 4)
    if method == "autocorrelation":
        return _decorrelation_lag(_autocorrelation(x, max_delay), int(max_delay))
    mi = [_mutual_information(x, lag, n_bins) for lag in range(1, max_delay + 1)]
    for lag in range(1, len(mi) - 1):
        if mi[lag] < mi[lag - 1] and mi[lag] <= mi[lag + 1]:
            return lag + 1
    return int(max_delay)


def _embed(X, dimension, delay):
    """Rows (x_t, x_{t-delay}, ..., x_{t-(dimension-1) delay}) per column block, same
    number of rows: history before the first sample repeats the first sample."""
    n, n_features = X.shape
    out = np.empty((n, n_features * dimension))
    for k in range(dimension):
        shift = min(k * delay, n)  # a block shorter than the shift is all history
        block = out[:, k * n_features:(k + 1) * n_features]
        block[shift:] = X[:n - shift] if shift else X
        block[:shift] = X[0]
    return out


def _delay_vectors(x, dimension, delay):
    """The rows of the delay embedding of the series x that have a full history."""
    return _embed(x[:, None], dimension, delay)[(dimension - 1) * delay:]


@validate_params(
    {"x": ["array-like"], "dimension": [_POSITIVE_INT], "delay": [_POSITIVE_INT]},
    prefer_skip_nested_validation=True,
)
def delay_embedding(x, dimension, delay):
    """Rows ``(x_t, x_{t-delay}, ..., x_{t-(dimension-1) delay})`` of a scalar series.

    Only the times t with a full history give a row, so the first
    ``(dimension - 1) * delay`` samples start no row: the textbook embedding.
    :class:`DelayEmbedding` keeps one row per sample instead (its later rows are these).

    Parameters
    ----------
    x : array-like
        The series (flattened).
    dimension : int
        Coordinates per row.
    delay : int
        Samples between coordinates.

    Returns
    -------
    E : ndarray of shape (n_samples - (dimension - 1) * delay, dimension)

    Raises
    ------
    ValueError
        If x has fewer than ``(dimension - 1) * delay + 1`` samples.

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.preprocessing import delay_embedding
    >>> delay_embedding(np.arange(6.0), 3, 2)
    array([[4., 2., 0.],
           [5., 3., 1.]])
    """
    x = np.asarray(x, dtype=float).ravel()
    if len(x) <= (dimension - 1) * delay:
        raise ValueError(f"A series of {len(x)} samples is too short for a delay embedding "
                         f"of dimension {dimension} and delay {delay}.")
    return _delay_vectors(x, dimension, delay)


@validate_params(
    {
        "x": ["array-like"],
        "delay": [_POSITIVE_INT],
        "max_dimension": [_POSITIVE_INT],
        "ratio": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def false_nearest_neighbours(x, delay, max_dimension=10, ratio=10.0):
    """Fraction of false nearest neighbours for embedding dimensions 1 .. max_dimension.

    A neighbour in dimension m is false if adding the next delayed coordinate moves it
    more than ``ratio`` times their distance away (Kennel, Brown & Abarbanel, 1992).
    Points whose nearest neighbour is at distance 0 (repeated values) are left out; a
    dimension where no point has a neighbour at positive distance (a constant series)
    has fraction 0.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, 1)
        Scalar series, finite, with at least ``max_dimension * delay + 3`` samples.
    delay : int
    max_dimension : int, default=10
    ratio : float, default=10.0
        Positive and finite.

    Returns
    -------
    fractions : ndarray of shape (max_dimension,)

    Raises
    ------
    ValueError
        If x is too short for ``max_dimension`` at ``delay`` (dimension m compares m + 1
        coordinates, and needs at least 3 such points) or is not finite.

    Examples
    --------
    >>> from skchaos.datasets import make_henon
    >>> from skchaos.preprocessing import false_nearest_neighbours
    >>> fnn = false_nearest_neighbours(make_henon(5000, random_state=0)[:, 0], 1, 4)
    >>> bool(fnn[0] > 0.5 and fnn[1] < 0.05)
    True
    """
    x = _check_series(x)
    needed = _fnn_min_samples(delay, max_dimension)
    if len(x) < needed:
        raise ValueError(f"x has {len(x)} samples; false nearest neighbours up to "
                         f"dimension {max_dimension} with delay {delay} need at least "
                         f"{needed}.")
    if x.min() == x.max():
        return np.zeros(max_dimension)  # no neighbour at positive distance anywhere
    x = x * _unit_scale(x)  # exact; the criterion is scale-free, and distances stay finite
    return np.array([_false_neighbour_fraction(x, m, delay, ratio)
                     for m in range(1, max_dimension + 1)])


def _false_neighbour_fraction(x, dimension, delay, ratio):
    """Fraction of nearest neighbours in ``dimension`` that the next coordinate separates."""
    rows = _delay_vectors(x, dimension + 1, delay)
    E, extra = rows[:, :dimension], rows[:, dimension]  # extra: what dimension + 1 adds
    distance, index = cKDTree(E).query(E, k=2)
    d, j = distance[:, 1], index[:, 1]
    usable = d > 0
    if not usable.any():
        return 0.0
    with np.errstate(over="ignore"):  # a subnormal distance: growth inf, a false neighbour
        growth = np.abs(extra - extra[j])[usable] / d[usable]
    return float(np.mean(growth > ratio))


class DelayEmbedding(TransformerMixin, BaseEstimator):
    """Delay-embed every column of a series, keeping one row per sample.

    Row t becomes ``(x_t, x_{t-delay}, ..., x_{t-(dimension-1) delay})`` (for several
    columns, one block of columns per delay, current values first). Rows at the start have
    no full history; their missing past repeats the first sample, so the row count stays
    and the transformer composes with estimators in a Pipeline. The same holds for a block
    shorter than the embedding window: each of its rows is the corresponding row of a
    longer block that starts with the same first sample. The current values are
    the first ``n_features_in_`` columns, which :meth:`inverse_transform` returns: the
    route from a free run of a model trained on embedded data back to the original
    coordinates.

    Missing values (NaN) pass through: an embedded entry is missing where the sample it
    copies is, so that a series with gaps can be embedded and fitted by
    ``ChaoticRNNRegressor(missing="skip")``. The "auto" choices need consecutive samples:
    with gaps they are made on the longest stretch of the first column without any, with
    a warning that says how long it was.

    Parameters
    ----------
    dimension : int or "auto", default="auto"
        Copies per column; "auto" picks the smallest dimension whose fraction of false
        nearest neighbours (first column) is below ``fnn_threshold``, at most
        ``max_dimension``. Dimension m can be tested on ``m * delay + 3`` samples or more;
        if none of the testable dimensions passes and the series is too short for the
        next one, "auto" takes that next one (1 if none is testable) and warns.
    delay : int or "auto", default="auto"
        Samples between copies; "auto" takes the first minimum of the mutual information
        of the first column. On fewer than 12 samples, or a constant first column, "auto"
        takes 1 and warns (:class:`~skchaos.exceptions.UnreliableEstimateWarning`).
    max_dimension : int, default=10
        Upper limit of the automatic dimension.
    fnn_threshold : float, default=0.05
        Fraction of false nearest neighbours accepted by the automatic dimension. A few
        percent remain even in a sufficient dimension wherever the next delayed coordinate
        is a steep function of the others (seen: 3.4% for the Hénon map at dimension 2).

    Attributes
    ----------
    dimension_, delay_ : int
        The values used.
    fnn_fractions_ : ndarray or None
        False-nearest-neighbour fractions per tested dimension (1, 2, ...) when
        ``dimension="auto"``; fewer than ``max_dimension`` when the series is too short.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column names of X in fit, when it had string column names (a DataFrame).

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.preprocessing import DelayEmbedding
    >>> x = np.arange(6.0)[:, None]
    >>> DelayEmbedding(dimension=3, delay=2).fit_transform(x)
    array([[0., 0., 0.],
           [1., 0., 0.],
           [2., 0., 0.],
           [3., 1., 0.],
           [4., 2., 0.],
           [5., 3., 1.]])

    With ``set_output(transform="pandas")`` the embedded columns are named after the
    input's, one block per lag (in samples):

    >>> DelayEmbedding(dimension=2, delay=5).fit(np.zeros((20, 2))).get_feature_names_out()
    array(['x0_lag0', 'x1_lag0', 'x0_lag5', 'x1_lag5'], dtype=object)
    """

    _parameter_constraints = {
        "dimension": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "delay": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_dimension": [Interval(Integral, 1, None, closed="left")],
        "fnn_threshold": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(self, dimension="auto", delay="auto", max_dimension=10, fnn_threshold=0.05):
        self.dimension = dimension
        self.delay = delay
        self.max_dimension = max_dimension
        self.fnn_threshold = fnn_threshold

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # transform passes NaN through; fit refuses it only where it chooses a value.
        tags.input_tags.allow_nan = True
        return tags

    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose the delay and dimension (if "auto") from the first column of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Series, rows in time order, at least 2.
        y : None
            Ignored.

        Returns
        -------
        self : DelayEmbedding

        Warns
        -----
        UnreliableEstimateWarning
            If an "auto" value cannot be chosen from the data (see the class docstring for
            the value used then).
        UserWarning
            If an "auto" value is chosen on the longest stretch without missing values.
        """
        with np.errstate(invalid="ignore"):  # as in metrics._check_data
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2,
                              ensure_all_finite="allow-nan")
        x = X[:, 0]
        choosing = [name for name in ("delay", "dimension") if getattr(self, name) == "auto"]
        if choosing and np.isnan(x).any():
            x = longest_complete_stretch(x[:, None])[:, 0]
            if not len(x):
                raise ValueError(f"The first column of X is all NaN (missing): "
                                 f"{' and '.join(choosing)}='auto' has nothing to choose on.")
            warnings.warn(
                f"{' and '.join(choosing)}='auto' chosen on the longest stretch of the "
                f"first column without missing values ({len(x)} of {len(X)} samples).",
                UserWarning, stacklevel=_FIT_HELPER_STACKLEVEL - 1)
        self.delay_ = self._choose_delay(x) if self.delay == "auto" else int(self.delay)
        if self.dimension == "auto":
            self.dimension_, self.fnn_fractions_ = self._choose_dimension(x)
        else:
            self.dimension_, self.fnn_fractions_ = int(self.dimension), None
        return self

    @staticmethod
    def _choose_delay(x):
        """The first minimum of the mutual information, or 1 if x cannot show one."""
        problem = _delay_search_problem(x, name="The first column of X")
        if problem is None:
            return first_minimum_delay(x)
        warnings.warn(f"{problem}: delay='auto' uses delay 1.", UnreliableEstimateWarning,
                      stacklevel=_FIT_HELPER_STACKLEVEL)
        return 1

    def _choose_dimension(self, x):
        """The smallest dimension that false nearest neighbours do not reject, and the
        fractions of the dimensions x is long enough to test (at most max_dimension)."""
        testable = min(self.max_dimension, (len(x) - _MIN_POINTS_FNN) // self.delay_)
        fractions = (false_nearest_neighbours(x, self.delay_, testable) if testable >= 1
                     else np.empty(0))
        passing = np.flatnonzero(fractions < self.fnn_threshold)
        if len(passing):
            return int(passing[0]) + 1, fractions
        dimension = min(len(fractions) + 1, self.max_dimension)
        if len(fractions) < self.max_dimension:
            needed = _fnn_min_samples(self.delay_, dimension)
            warnings.warn(
                f"The first column of X has {len(x)} samples, too few to test dimension "
                f"{dimension} at delay {self.delay_} (needs {needed}): dimension='auto' "
                f"uses {dimension}, the smallest not rejected by false nearest neighbours.",
                UnreliableEstimateWarning, stacklevel=_FIT_HELPER_STACKLEVEL)
        return dimension, fractions

    def transform(self, X):
        """Embed X (rows in time order).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_embedded : ndarray of shape ``(n_samples, n_features * dimension_)``
        """
        check_is_fitted(self)
        with np.errstate(invalid="ignore"):  # as in metrics._check_data
            X = validate_data(self, X, dtype=np.float64, reset=False,
                              ensure_all_finite="allow-nan")
        return _embed(X, self.dimension_, self.delay_)

    def get_feature_names_out(self, input_features=None):
        """Names of the embedded columns, in :meth:`transform`'s order.

        ``"{name}_lag{k * delay_}"`` for k = 0 .. ``dimension_ - 1``, one block of all
        input features per lag (in samples): ``x0_lag0, x1_lag0, x0_lag5, x1_lag5`` for two
        features, dimension 2 and delay 5. The first block, lag 0, holds the current values
        that :meth:`inverse_transform` returns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names: ``feature_names_in_`` if fit saw column names, else
            ``x0, x1, ...``. If given, they must match ``feature_names_in_`` (when defined)
            and number ``n_features_in_``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return np.asarray([f"{name}_lag{k * self.delay_}" for k in range(self.dimension_)
                           for name in names], dtype=object)

    def inverse_transform(self, X):
        """The current-time coordinates: the first ``n_features_in_`` columns.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_features_in_ * dimension_)``
            May hold NaN or inf (a diverged free run).

        Returns
        -------
        X_original : ndarray of shape ``(n_samples, n_features_in_)``
        """
        check_is_fitted(self)
        # A free run may have diverged: non-finite rows map back like any other.
        X = _check_data(X, ensure_all_finite=False, ensure_min_samples=0, input_name="X")
        expected = self.n_features_in_ * self.dimension_
        if X.shape[1] != expected:
            raise ValueError(f"Expected embedded rows with {expected} columns, got shape "
                             f"{X.shape}.")
        return X[:, :self.n_features_in_].copy()
