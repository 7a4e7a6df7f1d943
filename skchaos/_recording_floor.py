"""The floor of the long-term measures, estimated from one recording.

A perfect model of the system still scores above zero: its free run is another trajectory
of the system, and a finite test block samples the attractor unevenly. With a second
recording (or the true equations) that floor is the second trajectory's score; with one
recording, blocks of it stand in. Scored against the rest of the recording, a block
overestimates the floor (the rest is a short "free run" that misses parts of the
attractor the long run covers); scored against the whole recording, itself included, it
underestimates it (the block's own states are always covered). The floor is taken between
the two, at their geometric mean.
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .metrics import (
    MISSING_SERIES,
    _check_data,
    power_spectrum_distance,
    state_space_divergence,
)

# At least this many blocks: one block against the rest needs a rest.
MIN_BLOCKS = 2


@dataclass(frozen=True)
class RecordingFloor:
    """What a perfect model would score on test blocks of one recording.

    Attributes
    ----------
    state_space_divergence : float
        The state-space divergence a model's free run cannot be expected to beat on a
        test block of ``test_length`` samples of this data: the geometric mean of
        ``divergence_bounds``.
    divergence_bounds : tuple of float
        Medians over the blocks of each block's divergence from the whole recording (a
        lower estimate) and from the rest of the recording (an upper one).
    power_spectrum_distance : float
        Median over the blocks of each block's power-spectrum distance from the rest.
    divergences, distances : ndarray of shape (n_blocks,)
        Each block's divergence and distance from the rest of the recording, whose range
        shows how unevenly the blocks sample the attractor.
    test_length : int
        Samples per block.
    """

    state_space_divergence: float
    divergence_bounds: tuple
    power_spectrum_distance: float
    divergences: np.ndarray
    distances: np.ndarray
    test_length: int

    def ratio(self, divergence):
        """A model's state-space divergence in units of the floor (1: as good as the data
        allow)."""
        return float(divergence) / self.state_space_divergence


def recording_floor(X, test_length=None, *, n_bins=30, smoothing=20.0):
    """Estimate the measures' floor from one recording, without a second one.

    The recording is cut into consecutive blocks of ``test_length`` samples, and each
    block is scored as a test block would be (the block as the true side of
    :func:`~skchaos.metrics.state_space_divergence`, and
    :func:`~skchaos.metrics.power_spectrum_distance`) against stand-ins for a perfect
    model's free run: the rest of the recording (too short a run: its divergence errs
    high) and the whole recording (which contains the block: it errs low). The floor of
    the divergence is the geometric mean of the two medians over blocks, that of the
    spectrum distance the median against the rest. A model's score on a test block of
    the same length reads as a multiple of the floor.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The recording, rows in time order (training and test data together, or any
        stretch of the same system).
    test_length : int, default=None
        Samples of the test block the model is scored on; at most half the recording.
        None: a quarter of the recording.
    n_bins : int, default=30
        Bins per feature of the state-space divergence (as in
        :func:`~skchaos.metrics.state_space_divergence`).
    smoothing : float, default=20.0
        Smoothing of the power spectra (as in
        :func:`~skchaos.metrics.power_spectrum_distance`).

    Returns
    -------
    floor : RecordingFloor
        Medians and per-block scores.

    Notes
    -----
    Measured against what the true system scores with a 50,000-step run on test blocks of
    the same length (Lorenz-63, Rössler and Hénon recordings of 300, 1,000 and 3,000
    samples, 0% and 20% noise, 20 recordings each), the divergence from the rest erred
    high by a median 1.5-5x, that from the whole recording low by 0.16-0.77x, and their
    geometric mean stayed within 0.49-1.82x in median
    (``benchmarks/studies/bench_recording_floor.py``).

    Examples
    --------
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.metrics import recording_floor
    >>> X = make_lorenz63(20_000, random_state=0)
    >>> floor = recording_floor(X, test_length=5000)
    >>> floor.divergences.shape
    (4,)
    >>> print(f"a model scoring 0.9 is {floor.ratio(0.9):.1f}x the floor")
    a model scoring 0.9 is 2.7x the floor
    """
    X = _check_data(X, MISSING_SERIES, ensure_min_samples=2 * MIN_BLOCKS, input_name="X")
    n = len(X)
    if test_length is None:
        test_length = n // 4
    if (not isinstance(test_length, Integral) or isinstance(test_length, bool)
            or not 2 <= test_length <= n // MIN_BLOCKS):
        raise ValueError(f"test_length must be an int from 2 to half the recording "
                         f"({n // MIN_BLOCKS} samples), got {test_length!r}.")
    n_blocks = n // test_length
    divergences, distances = np.empty(n_blocks), np.empty(n_blocks)
    covered = np.empty(n_blocks)
    for i in range(n_blocks):
        block = X[i * test_length:(i + 1) * test_length]
        rest = np.concatenate([X[:i * test_length], X[(i + 1) * test_length:]])
        divergences[i] = state_space_divergence(block, rest, n_bins)
        covered[i] = state_space_divergence(block, X, n_bins)
        distances[i] = power_spectrum_distance(block, rest, smoothing)
    low, high = float(np.median(covered)), float(np.median(divergences))
    return RecordingFloor(float(np.sqrt(low * high)), (low, high),
                          float(np.median(distances)), divergences, distances,
                          int(test_length))
