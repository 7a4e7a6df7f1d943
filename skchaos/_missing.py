"""Missing values (NaN): the rows and stretches of a series that have none.

Shared by the estimators that train across gaps (``ChaoticRNNRegressor(missing="skip")``),
the embedding that passes gaps through, and the free-run rule whose reference leaves
them out.
"""

import numpy as np

__all__ = ["complete_rows", "longest_complete_stretch"]


def complete_rows(X):
    """The rows of a 2-D float array without missing values (NaN); anything else as is.

    A state-space occupation does not need consecutive rows, so the free-run rule's
    reference leaves gaps out.

    Examples
    --------
    >>> import numpy as np
    >>> complete_rows(np.array([[1.0, 2.0], [np.nan, 3.0], [4.0, 5.0]]))
    array([[1., 2.],
           [4., 5.]])
    """
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind == "f":
        missing = np.isnan(X).any(axis=1)
        if missing.any():
            return X[~missing]
    return X


def longest_complete_stretch(X):
    """The longest run of consecutive rows of X without a missing value (NaN).

    What needs consecutive samples (the Lyapunov spectrum from data, the power-spectrum
    distance, :func:`~skchaos.metrics.recording_floor`, the "auto" choices of
    :class:`DelayEmbedding`) can use it on a series with gaps. Public as
    ``skchaos.preprocessing.longest_complete_stretch``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    stretch : ndarray of shape (n_rows, n_features)
        A view of X: the first of the longest runs, X itself if it has no NaN, and no
        rows if every row has one.

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.preprocessing import longest_complete_stretch
    >>> x = np.array([1.0, np.nan, 2.0, 3.0, np.nan, 4.0])[:, None]
    >>> longest_complete_stretch(x).ravel()
    array([2., 3.])
    """
    complete = ~np.isnan(X).any(axis=1)
    if complete.all():
        return X
    edges = np.flatnonzero(np.diff(np.concatenate([[0], complete.astype(np.int8), [0]])))
    starts, ends = edges[::2], edges[1::2]
    if not len(starts):
        return X[:0]
    i = int(np.argmax(ends - starts))
    return X[starts[i]:ends[i]]
