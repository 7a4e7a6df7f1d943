"""The theory made visible: how loss gradients grow with the length of BPTT.

Along a chaotic orbit the product of Jacobians in backpropagation through time grows like
exp(lambda_max T), so the gradient of a loss over T steps must diverge as T grows; along
orbits with only negative exponents it stays bounded. Sparse teacher forcing cuts the
product every tau steps. :func:`gradient_norms` measures this for a fitted model.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_array, check_random_state

from ._training import window_starts
from .dynamics._base import fitted_latent_model

__all__ = ["gradient_norms"]


def gradient_norms(estimator, X, sequence_lengths, tau=None, *, n_windows=50,
                   random_state=0):
    """Norm of the loss gradient with respect to all parameters, per window length.

    For each length T the gradient of the training loss (mean squared error over the T
    steps of one window) is computed at the fitted parameters for ``n_windows`` random
    windows of X, with the estimator's forcing scheme and strength, forcing every ``tau``
    steps (None: never). Returned is the geometric mean over windows (the exponential of
    the mean log norm), which a few extreme windows cannot dominate.

    Parameters
    ----------
    estimator : fitted ChaoticRNNRegressor, FrozenEstimator of one, or LatentModel
        The model; a bare :class:`~skchaos.dynamics.LatentModel` takes X in its own units
        and forcing strength 1.
    X : array-like of shape (n_samples, n_features)
        Series in the data's units, rows in time order.
    sequence_lengths : sequence of int
        Window lengths T.
    tau : int or None, default=None
        Forcing interval during the measurement.
    n_windows : int, default=50
        Windows per length.
    random_state : int, RandomState instance or None, default=0
        Seeds the window draws.

    Returns
    -------
    norms : ndarray of shape (len(sequence_lengths),)

    Examples
    --------
    >>> from skchaos import ChaoticRNNRegressor
    >>> from skchaos.datasets import make_lorenz63
    >>> from skchaos.diagnostics import gradient_norms
    >>> X = make_lorenz63(3000, random_state=0)
    >>> est = ChaoticRNNRegressor(n_latent=10, n_epochs=5, random_state=0).fit(X)
    >>> gradient_norms(est, X, [10, 50]).shape
    (2,)
    """
    model, to_model_units, _ = fitted_latent_model(estimator)
    X = check_array(X, dtype=np.float64, input_name="X")
    X_std = np.ascontiguousarray(to_model_units(X))
    if tau is not None and (not isinstance(tau, Integral) or tau < 1):
        raise ValueError(f"tau must be a positive integer or None, got {tau!r}.")
    rng = check_random_state(random_state)
    strength = getattr(estimator, "forcing_strength", 1.0)
    norms = []
    for length in sequence_lengths:
        if not isinstance(length, Integral) or not 1 <= length < len(X_std):
            raise ValueError(f"Each sequence length must be an integer in [1, {len(X_std)}),"
                             f" got {length!r}.")
        gradient = model.minibatch_gradient(X_std, int(length), tau, batch_size=1,
                                            forcing_strength=strength)
        starts = window_starts([len(X_std)], int(length))
        logs = [np.log(np.linalg.norm(gradient(starts[[i]])[1]))
                for i in rng.randint(len(starts), size=n_windows)]
        norms.append(np.exp(np.mean(logs)))
    return np.array(norms)
