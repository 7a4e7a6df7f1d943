"""The latent-model protocol: what training, prediction, scoring and analysis may ask of a
learned dynamical system.

A latent model lives in the standardised units the estimator trains in; the estimator
owns the standardisation, the data checks and the fitted attributes around it. A new model
family is one new module: a subclass of :class:`LatentModel` with its numba kernels.
"""

from abc import ABC, abstractmethod

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["LatentModel", "PiecewiseLinear"]


class LatentModel(ABC):
    """A recurrent model ``z_t = F(z_{t-1})`` with observations ``x_t = G(z_t)``.

    Subclasses hold their trainable parameters in one flat float64 vector
    (:attr:`parameters`), which the optimiser, gradient clipping and finiteness checks
    treat as one array, and expose named views into it. States ``z`` are 1-D arrays of
    length :attr:`n_latent`; observations have :attr:`n_features` columns.

    Forcing (teacher forcing) sets the latent state from an observation; a model defines
    which units it overwrites and how (its forcing map). Everything below works in the
    units the model was trained in.
    """

    n_latent: int
    n_features: int

    # ------------------------------------------------------------------ parameters
    @property
    @abstractmethod
    def parameters(self):
        """The flat parameter vector, updated in place by the optimiser."""

    @abstractmethod
    def initialise(self, rng):
        """Draw random initial parameters in place from the RandomState ``rng``."""

    @abstractmethod
    def constrain(self):
        """Project the parameters back onto their allowed set after an optimiser step."""

    @abstractmethod
    def copy(self):
        """An independent copy (parameters not shared)."""

    @abstractmethod
    def minibatch_gradient(self, X, seq_len, tau, batch_size, forcing_strength=1.0,
                           alpha=0.0, n_threads=1, dtype=np.float64):
        """A callable ``(starts, noise) -> (loss, flat gradient)`` over windows of X.

        The callable reads the model's current parameters on each call and owns its
        workspaces (allocated once). Every ``tau`` steps the forced units move a fraction
        ``forcing_strength`` towards the data (``tau=None``: never), at every other step a
        fraction ``alpha`` (generalised teacher forcing). It has a ``noise_shape``
        attribute (the shape of the teacher-noise array it takes), a settable ``alpha``
        attribute, and ``forced_states()``: the latent states of the last call's windows,
        shape (seq_len, batch_size, n_latent). The windows of a minibatch may be split over
        ``n_threads`` threads, and the kernels may run in ``dtype`` (float64 or float32);
        the gradient is float64 either way.
        """

    # ------------------------------------------------------------------- dynamics
    @abstractmethod
    def step(self, z):
        """The state after one step from ``z``."""

    @abstractmethod
    def jacobian(self, z):
        """The Jacobian dF/dz at ``z``, shape (n_latent, n_latent)."""

    @abstractmethod
    def force(self, x, z=None):
        """The state ``z`` (zeros when None) with its forced units set from ``x``."""

    @abstractmethod
    def forced_state(self, X, z_init=None):
        """The state after teacher forcing at every row of X (model steps in between)."""

    @abstractmethod
    def free_run(self, z0, n_steps):
        """Observations of ``n_steps`` free steps from ``z0``, and the final state."""

    @abstractmethod
    def one_step(self, X):
        """Each row forced on its own (other units at zero), one step, observed."""

    @abstractmethod
    def tangent_spectrum(self, z0, schedule, frame, running):
        """Lyapunov exponents per step along the free run from ``z0`` by tangent QR.

        ``schedule`` is a :class:`skchaos._kernels.lyapunov.QRSchedule`, ``frame`` (k, M)
        the initial orthonormal tangent vectors as rows (overwritten) and ``running`` the
        buffer of running estimates. Returns (exponents, final state).
        """

    # ---------------------------------------------------------------- derived
    def simulate(self, n_steps, X_context):
        """Teacher-force along ``X_context`` (every row), then free-run ``n_steps``.

        The estimators' convention, so that a latent model can be scored like them.
        """
        X_context = np.ascontiguousarray(X_context, dtype=np.float64)
        if X_context.ndim != 2 or X_context.shape[1] != self.n_features or not len(X_context):
            raise ValueError(f"A context of shape {X_context.shape} cannot force a model of "
                             f"{self.n_features} observed features.")
        return self.free_run(self.forced_state(X_context), n_steps)[0]


class PiecewiseLinear(ABC):
    """A latent model whose step is affine inside each region of a partition of its state
    space: ``F(z) = J_d z + c_d`` for every ``z`` in region ``d``.

    A region is named by its *code*, a 1-D array of 0/1 (the activation pattern of the
    model's kinks: one entry per ReLU, two per clipped hidden unit). Fixed points, cycles
    and their stability are then exact (:mod:`skchaos.analysis`).
    """

    @abstractmethod
    def region(self, Z):
        """The codes of the regions of the states ``Z``: (P,) int8 for a state (M,), (n, P)
        for states (n, M)."""

    @abstractmethod
    def affine_maps(self, codes):
        """The affine maps of the regions ``codes`` (n, P): ``J`` (n, M, M) and ``c`` (n, M)
        with ``F(z) = J[i] z + c[i]`` inside region ``codes[i]``."""

    @abstractmethod
    def steps(self, Z):
        """One step from each row of ``Z`` (n, M), vectorised: (n, M)."""

    @abstractmethod
    def region_count(self):
        """How many codes :meth:`all_regions` enumerates (an int, possibly huge)."""

    @abstractmethod
    def all_regions(self):
        """Every code a state can have, (region_count(), P) int8; some may be empty sets.
        Only for small models: the count grows exponentially (more than
        ``MAX_LISTED_REGIONS`` raise a ValueError)."""

    @abstractmethod
    def random_codes(self, n, rng):
        """``n`` codes (n, P) drawn at random (uniformly over what :meth:`all_regions`
        enumerates) with the RandomState ``rng``."""


# all_regions lists at most this many codes (2^24 codes of 24 bits take 400 MB).
MAX_LISTED_REGIONS = 2**24


def check_listable(model):
    """Refuse to list the regions of a model with more than MAX_LISTED_REGIONS."""
    count = model.region_count()
    if count > MAX_LISTED_REGIONS:
        raise ValueError(f"{type(model).__name__} has {float(count):.3g} linear regions, "
                         f"too many to list (at most {MAX_LISTED_REGIONS}).")


def fitted_latent_model(obj):
    """The latent model of ``obj``, a map from data to its units, and a start state.

    ``obj`` is a fitted estimator with a ``dynamics_`` model (a
    :class:`~skchaos.ChaoticRNNRegressor`), a :class:`sklearn.frozen.FrozenEstimator`
    around one, or a :class:`LatentModel` itself (whose units are the data's). The start
    state is the estimator's ``latent_state_``, or None for a bare model.
    """
    if isinstance(obj, LatentModel):
        return obj, _unchanged, None
    estimator = obj.estimator if isinstance(obj, FrozenEstimator) else obj
    check_is_fitted(estimator)
    if not isinstance(getattr(estimator, "dynamics_", None), LatentModel):
        raise TypeError(f"{type(estimator).__name__} has no latent model (dynamics_): "
                        "pass a fitted skchaos estimator or a skchaos.dynamics model.")
    return estimator.dynamics_, estimator._transform_input, estimator.latent_state_


def _unchanged(X):
    return X
