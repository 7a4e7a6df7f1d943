"""Standardisation without overflow: per feature (the regressor), or with one scale for
all features (the Lyapunov spectrum from data).

Both divide the data by a number near their largest magnitude before any sum is formed,
so data up to the largest float64 (or down to subnormals) get finite, nonzero moments.
The two keep their own arithmetic, bit for bit as before they moved here: sharing the
prescale or the variance changed the last bits of the one-scale variant, and on quantised
data, where neighbour distances tie, those bits decide which neighbours are taken
(docs/decisions.md, issue 20).
"""

from typing import NamedTuple

import numpy as np

__all__ = ["Standardisation", "common_standardisation", "feature_standardisation"]


def feature_standardisation(series):
    """Per-feature mean and scale of ``series``, computed without overflow.

    The series is divided by a power of two at most its largest magnitude first, which is
    exact: ordinary data get bit for bit the mean and standard deviation of the direct
    formula, and data up to the largest float64 get finite ones. A constant feature gets
    scale 1 (in the units of the power of two), so standardising it gives zeros.

    Parameters
    ----------
    series : ndarray of shape (n_samples, n_features)
        Finite, or NaN where a value is missing: the moments are then those of each
        feature's observed values.

    Returns
    -------
    mean, scale : ndarray of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos._scaling import feature_standardisation
    >>> X = np.array([[1.0, 5.0], [3.0, 5.0]])
    >>> feature_standardisation(X)
    (array([2., 5.]), array([1., 1.]))
    >>> huge = np.array([[-1.7e308], [1.7e308]])  # np.std overflows on these
    >>> feature_standardisation(huge)
    (array([0.]), array([1.7e+308]))
    """
    if np.isnan(series).any():
        return _observed_standardisation(series)
    peak = np.max(np.abs(series), axis=0)
    exponent = np.frexp(np.where(peak > 0, peak, 1.0))[1]
    power = np.ldexp(1.0, exponent - 1)  # scaled values within (-2, 2); 2^1024 overflows
    scaled = series / power
    mean = scaled.mean(axis=0)
    scaled -= mean
    scale = np.sqrt(np.einsum("ij,ij->j", scaled, scaled) / len(scaled))
    scale[scale == 0] = 1.0 / power[scale == 0]  # a constant feature keeps unit scale
    return mean * power, scale * power


def _observed_standardisation(series):
    """:func:`feature_standardisation` over each feature's observed (non-NaN) values."""
    observed = ~np.isnan(series)
    counts = observed.sum(axis=0)
    if (counts == 0).any():
        empty = np.flatnonzero(counts == 0).tolist()
        raise ValueError(f"Feature(s) {empty} of X have no observed value (all NaN).")
    peak = np.nanmax(np.abs(series), axis=0)
    exponent = np.frexp(np.where(peak > 0, peak, 1.0))[1]
    power = np.ldexp(1.0, exponent - 1)
    scaled = np.where(observed, series / power, 0.0)
    mean = scaled.sum(axis=0) / counts
    scaled = np.where(observed, scaled - mean, 0.0)
    scale = np.sqrt(np.einsum("ij,ij->j", scaled, scaled) / counts)
    scale[scale == 0] = 1.0 / power[scale == 0]
    return mean * power, scale * power


class Standardisation(NamedTuple):
    """``(X / magnitude - mean) / scale``: per-column means, one scale for all columns."""

    magnitude: float
    mean: np.ndarray
    scale: float

    def apply(self, X):
        """X standardised, C-contiguous; huge rows far from the data may overflow to inf."""
        return np.ascontiguousarray((X / self.magnitude - self.mean) / self.scale)


def common_standardisation(X):
    """Centre each column of X and divide every column by one common scale.

    One scale for all columns keeps distances and local linear maps those of X up to a
    factor, so nearest neighbours are unchanged; the scale is the root mean of the
    columns' variances, so the standardised data have unit variance on average. Sums are
    formed after a division by the largest magnitude, so huge or tiny values neither
    overflow nor underflow.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite.

    Returns
    -------
    standardisation : Standardisation
        Its ``scale`` is not positive (0, or NaN if X is all zero) when X is constant or
        varies only below floating-point resolution relative to its magnitude.

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos._scaling import common_standardisation
    >>> X = np.array([[0.0, 10.0], [2.0, 10.0], [4.0, 16.0]])
    >>> s = common_standardisation(X)
    >>> s.apply(X).round(3)  # the second column keeps its larger spread
    array([[-0.866, -0.866],
           [ 0.   , -0.866],
           [ 0.866,  1.732]])
    >>> bool(np.isclose(s.apply(X).var(axis=0).mean(), 1.0))
    True
    """
    magnitude = float(np.max(np.abs(X)))
    scaled = X / magnitude
    scale = float(np.sqrt(np.mean(scaled.var(axis=0))))
    return Standardisation(magnitude, scaled.mean(axis=0), scale)
