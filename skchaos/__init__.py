"""skchaos: learn chaotic dynamical systems from time series, scikit-learn style."""

from ._show_versions import show_versions
from .lyapunov import LyapunovSpectrum
from .regressor import ChaoticRNNRegressor

__version__ = "0.1.0"

__all__ = ["ChaoticRNNRegressor", "LyapunovSpectrum", "__version__", "show_versions"]
