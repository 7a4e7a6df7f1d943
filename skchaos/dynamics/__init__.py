"""Learned dynamical systems behind the estimators: the latent-model protocol and its
implementations.

A fitted :class:`~skchaos.ChaoticRNNRegressor` exposes its model as ``dynamics_``;
:class:`~skchaos.LyapunovSpectrum` and the diagnostics work with any
:class:`LatentModel`; :mod:`skchaos.analysis` with any :class:`PiecewiseLinear` one (all
of the models here).
"""

from ._base import LatentModel, PiecewiseLinear
from .plrnn import ALRNN, PLRNN
from .shallow import ShallowPLRNN

__all__ = ["ALRNN", "PLRNN", "LatentModel", "PiecewiseLinear", "ShallowPLRNN"]
