"""skchaos: learn chaotic dynamical systems from time series, scikit-learn style."""

from .regressor import ChaoticRNNRegressor

__version__ = "0.1.0"

__all__ = ["ChaoticRNNRegressor", "__version__"]
