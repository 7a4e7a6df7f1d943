"""Learned dynamical systems behind the estimators: the latent-model protocol and its
implementations.

A fitted :class:`~skchaos.ChaoticRNNRegressor` exposes its model as ``dynamics_``;
:class:`~skchaos.LyapunovSpectrum` and the diagnostics work with any
:class:`LatentModel`.
"""

from ._base import LatentModel
from .plrnn import ALRNN, PLRNN
from .shallow import ShallowPLRNN

__all__ = ["ALRNN", "PLRNN", "LatentModel", "ShallowPLRNN"]
