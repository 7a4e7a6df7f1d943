"""What the analysis needs of its argument: the piecewise-linear latent model, a map from its
states to the data's units, a start state on the model's attractor, and the data's box."""

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils import check_array

from ..dynamics._base import LatentModel, PiecewiseLinear, fitted_latent_model

# The data's box is widened by this fraction of its extent on every side before a point is
# called outside it: Lorenz-63's origin lies just below the lowest z its attractor reaches.
RANGE_MARGIN = 0.1


@dataclass(frozen=True)
class ModelContext:
    """A fitted model as the analysis sees it.

    ``observe`` maps latent states (n, M) to observations in the data's units (n, N),
    ``unscale`` the model's observations (a free run's output) to the data's units and
    ``to_model`` data back to the model's;
    ``data_range`` is the training data's (2, N) min and max, or None for a bare model;
    ``data_scale`` the per-feature scale (N,) in which positions are compared; ``dt``
    the estimator's sampling interval (1.0: exponents per step).
    """

    model: LatentModel
    unscale: object
    to_model: object
    start: np.ndarray
    data_range: np.ndarray | None
    data_scale: np.ndarray
    dt: float = 1.0

    def observe(self, Z):
        """Latent states (n, M) as observations in the data's units (n, N)."""
        return self.unscale(np.atleast_2d(Z) @ self.model.B.T)

    def in_data_range(self, points):
        """Whether every point (n, N) lies in the data's widened box (None without data)."""
        if self.data_range is None:
            return None
        low, high = self.data_range
        margin = RANGE_MARGIN * (high - low)
        return bool(np.all((points >= low - margin) & (points <= high + margin)))


def model_context(estimator):
    """The :class:`ModelContext` of a fitted skchaos estimator, a FrozenEstimator around one,
    or a piecewise-linear :class:`~skchaos.dynamics.LatentModel` (whose units are the
    data's)."""
    if isinstance(estimator, Pipeline):
        raise TypeError(
            "Pass the pipeline's fitted skchaos estimator (pipe[-1]) rather than the "
            "pipeline: positions are then in the units that estimator was fitted on (the "
            "output of the steps before it).")
    if not isinstance(estimator, LatentModel | BaseEstimator):
        raise TypeError(f"Expected a fitted skchaos estimator or a skchaos.dynamics model, "
                        f"got {type(estimator).__name__}.")
    model, _, start = fitted_latent_model(estimator)
    if not isinstance(model, PiecewiseLinear):
        raise TypeError(
            f"{type(model).__name__} has no piecewise-linear structure (it does not "
            "implement skchaos.dynamics.PiecewiseLinear): its fixed points and cycles "
            "cannot be found region by region.")
    if start is None:
        start = np.zeros(model.n_latent)
    if isinstance(estimator, LatentModel):
        return ModelContext(model, _unchanged, _unchanged, start, None,
                            np.ones(model.n_features))
    fitted = getattr(estimator, "estimator", estimator)  # through a FrozenEstimator
    mean, scale = fitted.data_mean_, fitted.data_scale_
    data_range = getattr(fitted, "data_range_", None)

    def unscale(X):
        return X * scale + mean

    data_scale = np.broadcast_to(np.asarray(scale, dtype=np.float64),
                                 (model.n_features,)).copy()
    return ModelContext(model, unscale, fitted._transform_input, start, data_range,
                        data_scale, float(getattr(fitted, "dt", 1.0)))


def _unchanged(X):
    return X


def forced_states(context, X, max_rows):
    """The latent states along the first ``max_rows`` rows of data ``X`` (data units), each
    forced from its row after a model step from the previous one, as in training."""
    X = check_array(X, dtype=np.float64, input_name="X")
    if X.shape[1] != context.model.n_features:
        raise ValueError(f"X has {X.shape[1]} features, the model observes "
                         f"{context.model.n_features}.")
    X = np.ascontiguousarray(context.to_model(X[:max_rows]))
    model = context.model
    Z = np.empty((len(X), model.n_latent))
    Z[0] = model.force(X[0])
    for t in range(1, len(X)):
        Z[t] = model.force(X[t], model.step(Z[t - 1]))
    return Z


def latent_orbit(model, z0, n_steps):
    """The latent states (n_steps, M) of a free run from ``z0`` (its first row is z0)."""
    Z = np.empty((n_steps, model.n_latent))
    Z[0] = z0
    for t in range(1, n_steps):
        Z[t] = model.step(Z[t - 1])
    return Z
