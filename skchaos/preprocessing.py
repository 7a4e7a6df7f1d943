"""Delay embedding: turn a scalar or partially observed series into a state-space trajectory.

By Takens' theorem, delayed copies of one observable of a deterministic system
reconstruct its state up to a smooth change of coordinates, which is what a dynamical
model needs as input when only part of the state is measured.
"""

from numbers import Integral, Real

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["DelayEmbedding", "false_nearest_neighbours", "first_minimum_delay"]


def _mutual_information(x, lag, n_bins):
    a, b = x[:-lag], x[lag:]
    joint, _, _ = np.histogram2d(a, b, bins=n_bins)
    joint /= joint.sum()
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    nonzero = joint > 0
    return float(np.sum(joint[nonzero] * np.log(joint[nonzero] / np.outer(pa, pb)[nonzero])))


def _autocorrelation(x, max_lag):
    x = x - x.mean()
    n = len(x)
    spectrum = np.abs(np.fft.rfft(x, n=2 * n)) ** 2
    acf = np.fft.irfft(spectrum)[:max_lag + 1]
    return acf / acf[0]


def first_minimum_delay(x, method="mutual_information", max_delay=100, n_bins=32):
    """Delay (in samples) at the first local minimum of the mutual information, or where
    the autocorrelation first falls below 1/e.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        Scalar series.
    method : {"mutual_information", "autocorrelation"}, default="mutual_information"
    max_delay : int, default=100
        Largest delay tried; returned when no minimum comes first.
    n_bins : int, default=32
        Histogram bins of the mutual-information estimate.

    Returns
    -------
    delay : int

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.preprocessing import first_minimum_delay
    >>> t = np.arange(5000)
    >>> first_minimum_delay(np.sin(2 * np.pi * t / 40), method="autocorrelation")
    8
    """
    x = np.asarray(x, dtype=float).ravel()
    max_delay = max(1, min(max_delay, len(x) // 4))
    if method == "autocorrelation":
        below = np.nonzero(_autocorrelation(x, max_delay) < 1 / np.e)[0]
        return int(below[0]) if len(below) else max_delay
    if method != "mutual_information":
        raise ValueError(f"method must be 'mutual_information' or 'autocorrelation', got "
                         f"{method!r}.")
    mi = [_mutual_information(x, lag, n_bins) for lag in range(1, max_delay + 1)]
    for lag in range(1, len(mi) - 1):
        if mi[lag] < mi[lag - 1] and mi[lag] <= mi[lag + 1]:
            return lag + 1
    return max_delay


def _embed(X, dimension, delay):
    """Rows (x_t, x_{t-delay}, ..., x_{t-(dimension-1) delay}) per column block, same
    number of rows: history before the first sample repeats the first sample."""
    n, n_features = X.shape
    out = np.empty((n, n_features * dimension))
    for k in range(dimension):
        shift = k * delay
        block = out[:, k * n_features:(k + 1) * n_features]
        block[shift:] = X[:n - shift] if shift else X
        block[:shift] = X[0]
    return out


def false_nearest_neighbours(x, delay, max_dimension=10, ratio=10.0):
    """Fraction of false nearest neighbours for embedding dimensions 1 .. max_dimension.

    A neighbour in dimension m is false if adding the next delayed coordinate moves it
    more than ``ratio`` times their distance away (Kennel, Brown & Abarbanel, 1992).

    Parameters
    ----------
    x : array-like of shape (n_samples,)
    delay : int
    max_dimension : int, default=10
    ratio : float, default=10.0

    Returns
    -------
    fractions : ndarray of shape (max_dimension,)

    Examples
    --------
    >>> from skchaos.datasets import make_henon
    >>> from skchaos.preprocessing import false_nearest_neighbours
    >>> fnn = false_nearest_neighbours(make_henon(5000, random_state=0)[:, 0], 1, 4)
    >>> bool(fnn[0] > 0.5 and fnn[1] < 0.05)
    True
    """
    x = np.asarray(x, dtype=float).ravel()
    fractions = np.zeros(max_dimension)
    for m in range(1, max_dimension + 1):
        n = len(x) - m * delay
        if n < 3:
            fractions[m - 1:] = np.nan
            break
        E = np.column_stack([x[(m - 1 - k) * delay + delay:(m - 1 - k) * delay + delay + n]
                             for k in range(m)])
        extra = x[:n]  # the coordinate dimension m + 1 would add
        distance, index = cKDTree(E).query(E, k=2)
        d, j = distance[:, 1], index[:, 1]
        usable = d > 0
        growth = np.abs(extra - extra[j])[usable] / d[usable]
        fractions[m - 1] = float(np.mean(growth > ratio)) if usable.any() else 0.0
    return fractions


class DelayEmbedding(TransformerMixin, BaseEstimator):
    """Delay-embed every column of a series, keeping one row per sample.

    Row t becomes ``(x_t, x_{t-delay}, ..., x_{t-(dimension-1) delay})`` (for several
    columns, one block of columns per delay, current values first). Rows at the start have
    no full history; their missing past repeats the first sample, so the row count stays
    and the transformer composes with estimators in a Pipeline. The current values are
    the first ``n_features_in_`` columns, which :meth:`inverse_transform` returns: the
    route from a free run of a model trained on embedded data back to the original
    coordinates.

    Parameters
    ----------
    dimension : int or "auto", default="auto"
        Copies per column; "auto" picks the smallest dimension whose fraction of false
        nearest neighbours (first column) is below ``fnn_threshold``, at most
        ``max_dimension``.
    delay : int or "auto", default="auto"
        Samples between copies; "auto" takes the first minimum of the mutual information
        of the first column.
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
        False-nearest-neighbour fractions per dimension when ``dimension="auto"``.
    n_features_in_ : int

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

    def fit(self, X, y=None):
        """Choose the delay and dimension (if "auto") from the first column of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Series, rows in time order.
        y : None
            Ignored.

        Returns
        -------
        self : DelayEmbedding
        """
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        x = X[:, 0]
        self.delay_ = (first_minimum_delay(x) if self.delay == "auto" else int(self.delay))
        self.fnn_fractions_ = None
        if self.dimension == "auto":
            self.fnn_fractions_ = false_nearest_neighbours(x, self.delay_, self.max_dimension)
            low = np.nonzero(self.fnn_fractions_ < self.fnn_threshold)[0]
            self.dimension_ = int(low[0] + 1) if len(low) else self.max_dimension
        else:
            self.dimension_ = int(self.dimension)
        return self

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
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return _embed(X, self.dimension_, self.delay_)

    def inverse_transform(self, X):
        """The current-time coordinates: the first ``n_features_in_`` columns.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_features_in_ * dimension_)``

        Returns
        -------
        X_original : ndarray of shape ``(n_samples, n_features_in_)``
        """
        check_is_fitted(self)
        X = np.asarray(X, dtype=np.float64)
        expected = self.n_features_in_ * self.dimension_
        if X.ndim != 2 or X.shape[1] != expected:
            raise ValueError(f"Expected embedded rows with {expected} columns, got shape "
                             f"{X.shape}.")
        return X[:, :self.n_features_in_].copy()
