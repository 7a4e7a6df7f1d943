"""Lyapunov spectra by tangent-space QR: of fitted models, of known systems, from data.

The largest exponent sets how fast nearby orbits separate, and with it the time over which
a chaotic system can be predicted, ``ln 2 / lambda_max``: the forcing interval that sparse
teacher forcing needs.
"""

import math
import operator
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._atomic_fit import atomic_fit
from ._kernels import lyapunov as _k
from ._kernels.lyapunov import QRSchedule
from ._scaling import common_standardisation
from .datasets import DynamicalSystem
from .dynamics._base import LatentModel, fitted_latent_model
from .exceptions import UnreliableEstimateWarning
from .preprocessing import _autocorrelation, _decorrelation_lag, delay_embedding

__all__ = ["LyapunovSpectrum", "delay_embedding", "kaplan_yorke_dimension",
           "lyapunov_spectrum", "predictability_time"]

# Running estimates kept for convergence plots.
_N_RECORDS = 200

# Estimates from data (the measurements behind each number: docs/decisions.md).
# Ridge of the local least-squares fits, relative to the neighbourhood's mean squared
# singular value.
_RIDGE = 1e-6
# A neighbourhood is degenerate when its points' spread (rms distance from the row, in
# standard deviations of the data), or its local Jacobian's smallest over largest singular
# value, is below this: coincident points, or points spanning fewer dimensions than the
# state.
_DEGENERATE = 1e-10
# Warn when at least this fraction of the neighbourhoods is degenerate.
_MAX_DEGENERATE_FRACTION = 0.1
# Typical out-of-sample error of the local linear predictions, in standard deviations of
# the data (prediction_error_), above which the data are noisy (the exponents inflated),
# and above which they do not look deterministic at all.
_NOISY_PREDICTION_ERROR = 0.05
_NOISE_LIKE_PREDICTION_ERROR = 0.3
# Warn when the orbit has fewer steps (of evolution_steps_ samples) than this per
# dimension of the state.
_MIN_STEPS_PER_DIMENSION = 100
# log 0 is floored here in transform (and by the kernels' QR steps).
_TINY = float(np.finfo(np.float64).tiny)
# An exponent per step below this (contraction past rounding at every step on average)
# can only come from that floor.
_LOG_EPS = float(np.log(np.finfo(np.float64).eps))


def predictability_time(max_exponent_per_step):
    """``ln 2 / lambda_max``: steps over which a small error doubles.

    Parameters
    ----------
    max_exponent_per_step : float
        Largest Lyapunov exponent per sampling step (per time unit times dt).

    Returns
    -------
    steps : float
        ``inf`` when the exponent is not positive.

    Examples
    --------
    >>> from skchaos.lyapunov import predictability_time
    >>> round(predictability_time(0.9056 * 0.01), 1)
    76.5
    """
    return math.log(2.0) / max_exponent_per_step if max_exponent_per_step > 0 else math.inf


def kaplan_yorke_dimension(exponents):
    """Kaplan-Yorke (Lyapunov) dimension of a spectrum.

    ``j + (lambda_1 + ... + lambda_j) / |lambda_{j+1}|`` with j the largest index whose
    partial sum is non-negative; 0 when lambda_1 < 0, and the number of exponents when
    every partial sum is non-negative (the spectrum given is too short to tell).

    Examples
    --------
    >>> from skchaos.lyapunov import kaplan_yorke_dimension
    >>> round(kaplan_yorke_dimension([0.9056, 0.0, -14.5723]), 3)
    2.062
    """
    lam = np.sort(np.asarray(exponents, dtype=float))[::-1]
    partial = np.cumsum(lam)
    if lam[0] < 0:
        return 0.0
    j = int(np.nonzero(partial >= 0)[0][-1])  # 0-based index of the last non-negative sum
    if j + 1 == len(lam):
        return float(len(lam))
    return float(j + 1 + partial[j] / abs(lam[j + 1]))


def _initial_frame(n, k, rng):
    """k random orthonormal tangent vectors of dimension n, as rows (the kernels' layout)."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, k)))
    return np.ascontiguousarray(Q.T)


def lyapunov_spectrum(system, *, n_steps=100_000, n_transient=1000, dt=None,
                      n_exponents=None, qr_interval=1, initial_state=None, jacobian=None,
                      random_state=0, return_convergence=False):
    """Lyapunov spectrum of a known system by tangent-space QR.

    The skchaos benchmark systems run through compiled kernels: maps through their
    Jacobians, flows through their variational equations (RK4, steps of at most 0.01 time
    units). Any other map goes through a generic, slower Python path: pass its step
    function ``x -> x_next`` as ``system`` and its Jacobian ``x -> J`` as ``jacobian``.

    Parameters
    ----------
    system : DynamicalSystem or callable
        A :mod:`skchaos.datasets` system, or a step function of a map.
    n_steps : int, default=100000
        Steps (map iterations, or flow intervals of ``dt``) averaged over.
    n_transient : int, default=1000
        Steps run first so the orbit settles on the attractor.
    dt : float, default=None
        Sampling interval of a flow (its ``default_dt`` when None); ignored for maps.
    n_exponents : int, default=None
        How many of the largest exponents; all when None.
    qr_interval : int, default=1
        Re-orthonormalise every this many steps (the frame then carries the product of
        that many Jacobians).
    initial_state : array-like, default=None
        Start of the orbit; drawn near the attractor when None (required for a callable).
    jacobian : callable, default=None
        Jacobian of a callable ``system``.
    random_state : int, RandomState instance or None, default=0
        Seeds the initial state and frame.
    return_convergence : bool, default=False
        Also return the running estimate, shape (n_records, n_exponents).

    Returns
    -------
    exponents : ndarray of shape (n_exponents,)
        Largest first; per time unit for flows, per iteration for maps.
    convergence : ndarray, only if ``return_convergence``

    Examples
    --------
    >>> from skchaos.datasets import HenonMap
    >>> from skchaos.lyapunov import lyapunov_spectrum
    >>> lyapunov_spectrum(HenonMap(), n_steps=20000).round(2)
    array([ 0.42, -1.62])
    >>> import numpy as np
    >>> lyapunov_spectrum(lambda x: 4 * x * (1 - x), jacobian=lambda x: 4 * (1 - 2 * x),
    ...                   initial_state=[0.3], n_steps=20000).round(2)  # ln 2
    array([0.69])
    """
    rng = check_random_state(random_state)
    for name, value in (("n_steps", n_steps), ("qr_interval", qr_interval)):
        if not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if n_steps < qr_interval:
        raise ValueError(f"n_steps={n_steps} is smaller than qr_interval={qr_interval}.")
    if isinstance(system, DynamicalSystem):
        n = system.n_dim
        k = n if n_exponents is None else int(n_exponents)
        x0 = (system._default_initial_state(rng) if initial_state is None
              else system._check_state(initial_state))
        Q = _initial_frame(n, k, rng)
        running = np.zeros((min(_N_RECORDS, n_steps // qr_interval), k))
        schedule = QRSchedule(operator.index(n_transient), int(n_steps), int(qr_interval))
        if system.kind == "flow":
            dt = system.default_dt if dt is None else float(dt)
            n_substeps = max(1, math.ceil(dt / 0.01 - 1e-9))
            exponents, _ = _k.flow_spectrum(system._code, system.params, x0,
                                            _k.FlowSampling(dt, n_substeps), schedule, Q,
                                            running)
        else:
            exponents, _ = _k.map_spectrum(system._code, system.params, x0, schedule, Q,
                                           running)
    elif callable(system):
        if jacobian is None or initial_state is None:
            raise TypeError("A callable system needs jacobian= and initial_state=.")
        exponents, running = _generic_map_spectrum(
            system, jacobian, initial_state, n_steps, n_transient, n_exponents, qr_interval,
            rng)
    else:
        raise TypeError("system must be a skchaos.datasets system or a step function, got "
                        f"{type(system).__name__}.")
    return (exponents, running) if return_convergence else exponents


def _generic_map_spectrum(step, jacobian, x0, n_steps, n_transient, n_exponents,
                          qr_interval, rng):
    """The same recursion in numpy for a user's step function (slower, any callable)."""
    x = np.atleast_1d(np.asarray(x0, dtype=float))
    n = len(x)
    k = n if n_exponents is None else int(n_exponents)
    for _ in range(n_transient):
        x = np.atleast_1d(step(x))
    Q = _initial_frame(n, k, rng).T  # tangent vectors as columns here: J @ Q
    log_sums = np.zeros(k)
    n_qr = n_steps // qr_interval
    every = max(1, n_qr // _N_RECORDS)
    running = np.zeros((min(_N_RECORDS, n_qr), k))
    for step_index in range(n_qr * qr_interval):
        Q = np.atleast_2d(jacobian(x)) @ Q
        x = np.atleast_1d(step(x))
        if (step_index + 1) % qr_interval == 0:
            Q, R = np.linalg.qr(Q)
            log_sums += np.log(np.abs(np.diag(R)))
            qr_done = (step_index + 1) // qr_interval
            if qr_done % every == 0 and qr_done // every - 1 < len(running):
                running[qr_done // every - 1] = log_sums / (step_index + 1)
    return log_sums / (n_qr * qr_interval), running


def _decorrelation_time(X):
    """First lag (in samples) at which the mean autocorrelation of the columns of X falls
    below 1/e: the number of rows if it never does, 1 if no column varies."""
    varies = X.std(axis=0) > 0
    if not varies.any():
        return 1
    return _decorrelation_lag(_autocorrelation(X[:, varies], len(X) - 1).mean(axis=1), len(X))


def _is_fitted(estimator):
    """Whether a scikit-learn estimator reports itself fitted (never fits or raises)."""
    return hasattr(estimator, "__sklearn_is_fitted__") and estimator.__sklearn_is_fitted__()


class LyapunovSpectrum(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Lyapunov spectrum of a fitted ChaoticRNNRegressor, or estimated from data.

    With an ``estimator``, the spectrum of the learned model along its own free-run
    orbit, from its exact Jacobians (``A + W diag(z > 0)`` for the PLRNN; all
    ``n_latent`` exponents by default); a fitted estimator is used as is, an unfitted one
    is cloned and fitted on X. scikit-learn's searches, ``cross_val_score`` and Pipelines
    clone the spectrum, and with it the estimator, whose clone is unfitted and is then
    trained anew (cloning warns): wrap a fitted model in
    :class:`sklearn.frozen.FrozenEstimator` to measure it as it is in every fold.
    With ``estimator=None``, the spectrum of the system behind the data X: local linear
    Jacobians are fitted by least squares on each point's nearest neighbours (in the state
    given, or in a delay embedding of one coordinate), then pushed through the same QR
    recursion (Eckmann-Ruelle / Sano-Sawada).

    From data, ``fit`` raises ``ValueError`` where no estimate can be formed (a constant
    column, linearly dependent columns, too few samples for a neighbourhood, every
    neighbourhood degenerate), and warns with
    :class:`~skchaos.exceptions.UnreliableEstimateWarning` where an estimate is formed but
    should not be trusted, saying why: the data look noisy or not deterministic
    (``prediction_error_``), too many neighbourhoods are degenerate
    (``degenerate_fraction_``: duplicate or quantised values), or the series is too short
    (fewer than 100 steps of ``evolution_steps_`` samples per dimension).

    Parameters
    ----------
    estimator : ChaoticRNNRegressor, FrozenEstimator, LatentModel or None, default=None
        The model whose spectrum to compute, or None to estimate it from data. A
        :class:`~skchaos.dynamics.LatentModel` (such as a fitted estimator's
        ``dynamics_``) works in its own units: X is then in those units, and the orbit
        starts from the state reached by teacher forcing along X.
    n_exponents : int, default=None
        How many of the largest exponents; all when None.
    n_steps : int, default=20000
        Model steps averaged over (model only; from data every sample is used).
    n_transient : int, default=1000
        Model steps run first so the orbit settles on the model's attractor.
    qr_interval : int, default=1
        Re-orthonormalise every this many steps (the frame carries the product of that
        many Jacobians): cheaper for large models.
    dt : float, default=None
        Sampling interval: ``exponents_`` are per time unit, ``exponents_ * dt`` per step.
        None: the estimator's ``dt`` in model mode (1.0 for an estimator without one and
        for a bare latent model), 1.0 from data: per step.
    embedding_dimension : int, default=None
        From data: delay-embed the first column of X in this many dimensions. None uses
        the columns of X as the state.
    delay : int, default=1
        Delay of the embedding, in samples.
    n_neighbors : int, default=20
        Neighbours per local linear fit (fewer if the data are short; at least
        ``n_features + 1``).
    theiler_window : int, default=None
        Neighbours closer in time than this many samples are excluded (they lie on the
        same stretch of orbit and say nothing about the directions across it). None: twice
        the lag at which the autocorrelation falls below 1/e.
    evolution_steps : int, default=None
        Samples over which each local map is fitted (then exponents are divided by it).
        Several samples average out observation noise in finely sampled flows. None: half
        the 1/e autocorrelation lag, at least 1 (1 for maps).
    horizon : int, default=1
        Steps of the finite-time exponents returned by :meth:`transform`.
    max_tau : int, default=1000
        Cap on ``suggested_tau_`` when lambda_max is tiny or not positive.
    random_state : int, RandomState instance or None, default=0
        Seeds the initial frame (and the fit of an unfitted estimator).

    Attributes
    ----------
    exponents_ : ndarray of shape (n_exponents,)
        Lyapunov exponents per time unit (of ``dt_``), largest first.
    dt_ : float
        The sampling interval used: ``dt``, or the estimator's when ``dt`` is None.
    exponents_per_step_ : ndarray of shape (n_exponents,)
        The same per sampling step.
    max_exponent_ : float
        ``exponents_[0]``.
    predictability_time_ : float
        ``ln 2 / lambda_max`` per step, in steps (inf when lambda_max <= 0).
    suggested_tau_ : int
        The forcing interval to use: the predictability time rounded, capped at
        ``max_tau``.
    kaplan_yorke_dimension_ : float
        Kaplan-Yorke dimension of ``exponents_``.
    convergence_ : ndarray of shape (n_records, n_exponents)
        Running estimate (per time unit) at evenly spaced QR steps.
    estimator_ : ChaoticRNNRegressor or LatentModel
        The fitted model (model mode only): the estimator given (unwrapped from a
        FrozenEstimator), its fitted clone, or the latent model given.
    prediction_error_ : float
        From data: how well the local linear maps predict the data ``evolution_steps_``
        samples ahead, out of sample (each point from the fit on its neighbours), as the
        root median squared error over the standard deviation, in the worst column. About
        the observation noise over the signal: 0.001 or less for clean 20,000-row
        Lorenz-63, Rossler and Henon series (up to 0.03 at the shortest length that does
        not warn), 0.016 for the Santa Fe laser, about 0.7 for white noise. Above 0.05 the
        exponents are inflated by noise; above 0.3 the data are not deterministic (or not
        a state).
    degenerate_fraction_ : float
        From data: the fraction of neighbourhoods whose points (or their successors)
        coincide or span fewer dimensions than the state, so that no local Jacobian could
        be fitted; each took the previous Jacobian along the orbit.
    jacobians_ : ndarray of shape (n_rows, d, d)
        From data: the local Jacobians of the ``evolution_steps_``-step map at each row
        of the state (or embedding).
    n_features_in_ : int
        Columns of X seen in fit.

    Examples
    --------
    >>> from skchaos import LyapunovSpectrum
    >>> from skchaos.datasets import make_henon
    >>> X = make_henon(20000, random_state=0)
    >>> ls = LyapunovSpectrum().fit(X)
    >>> bool(abs(ls.max_exponent_ - 0.419) < 0.04)
    True
    >>> ls.transform(X[:3]).shape
    (3, 2)

    :meth:`transform` returns one column per exponent, largest first, named like
    scikit-learn's PCA names its components (for ``set_output(transform="pandas")``):

    >>> ls.get_feature_names_out()
    array(['lyapunovspectrum0', 'lyapunovspectrum1'], dtype=object)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "simulate"]), LatentModel, None],
        "n_exponents": [Interval(Integral, 1, None, closed="left"), None],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "n_transient": [Interval(Integral, 0, None, closed="left")],
        "qr_interval": [Interval(Integral, 1, None, closed="left")],
        "dt": [Interval(Real, 0, None, closed="neither"), None],
        "embedding_dimension": [Interval(Integral, 1, None, closed="left"), None],
        "delay": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "theiler_window": [Interval(Integral, 0, None, closed="left"), None],
        "evolution_steps": [Interval(Integral, 1, None, closed="left"), None],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "max_tau": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, n_exponents=None, n_steps=20000, n_transient=1000,
                 qr_interval=1, dt=None, embedding_dimension=None, delay=1, n_neighbors=20,
                 theiler_window=None, evolution_steps=None, horizon=1, max_tau=1000,
                 random_state=0):
        self.estimator = estimator
        self.n_exponents = n_exponents
        self.n_steps = n_steps
        self.n_transient = n_transient
        self.qr_interval = qr_interval
        self.dt = dt
        self.embedding_dimension = embedding_dimension
        self.delay = delay
        self.n_neighbors = n_neighbors
        self.theiler_window = theiler_window
        self.evolution_steps = evolution_steps
        self.horizon = horizon
        self.max_tau = max_tau
        self.random_state = random_state

    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Compute the spectrum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Time series, rows in time order: the data to estimate from, or the data to
            fit an unfitted estimator on (ignored for a fitted one, but validated).
        y : None
            Ignored.

        Returns
        -------
        self : LyapunovSpectrum

        Raises
        ------
        ValueError
            From data, where no estimate can be formed: a constant column, linearly
            dependent columns, too few samples for a neighbourhood, or every neighbourhood
            degenerate. Also for NaN or infinite values.

        Warns
        -----
        UnreliableEstimateWarning
            Where an estimate was formed but cannot be trusted; the message says why and
            what to do (see the class description).
        """
        rng = check_random_state(self.random_state)
        self._doubts = []  # reasons not to trust the estimate, warned once fit succeeds
        if self.estimator is None:
            X = validate_data(self, X, dtype=np.float64, order="C", ensure_min_samples=2,
                              ensure_all_finite="allow-nan")
            if np.isnan(X).any():
                raise ValueError(
                    "X contains NaN (missing values). The spectrum from data follows "
                    "neighbouring states forward in time and needs consecutive rows: "
                    "estimate it on a stretch without gaps, or fit a ChaoticRNNRegressor "
                    "with missing='skip' and estimate the spectrum of the model.")
            per_step, running = self._fit_from_data(X, rng)
        else:
            per_step, running = self._fit_model(X, rng)
        model_owner = self.estimator_ if self.estimator is not None else None
        dt = self.dt if self.dt is not None else float(getattr(model_owner, "dt", 1.0))
        with np.errstate(over="ignore"):
            exponents, convergence = per_step / dt, running / dt
        if not (np.all(np.isfinite(exponents)) and np.all(np.isfinite(convergence))):
            raise ValueError(f"dt={dt!r} is too small: the exponents per time unit "
                             "overflow. Give the sampling interval in larger units.")
        self.dt_ = dt
        self.exponents_per_step_ = per_step
        self.exponents_ = exponents
        self.convergence_ = convergence
        self.max_exponent_ = float(self.exponents_[0])
        self.predictability_time_ = predictability_time(float(per_step[0]))
        self.kaplan_yorke_dimension_ = kaplan_yorke_dimension(self.exponents_)
        # Warn only once the fit has succeeded; stacklevel 4 is fit's caller, past the
        # two decorators.
        for message in self._doubts:
            warnings.warn(message, UnreliableEstimateWarning, stacklevel=4)
        del self._doubts
        if per_step[0] <= 0:
            warnings.warn(
                f"The largest Lyapunov exponent is {self.max_exponent_:.3g} <= 0: the data "
                f"look non-chaotic, so no forcing interval follows from them; "
                f"suggested_tau_ is capped at max_tau={self.max_tau}.", UserWarning,
                stacklevel=4)
        self.suggested_tau_ = int(min(max(1, round(self.predictability_time_)), self.max_tau)
                                  if math.isfinite(self.predictability_time_)
                                  else self.max_tau)
        return self

    # ------------------------------------------------------------------------- model
    def _fit_model(self, X, rng):
        model, start = self._fitted_model(X, rng)
        k = model.n_latent if self.n_exponents is None else min(self.n_exponents,
                                                                 model.n_latent)
        if self.n_steps < self.qr_interval:
            raise ValueError(f"n_steps={self.n_steps} is smaller than "
                             f"qr_interval={self.qr_interval}.")
        Q = _initial_frame(model.n_latent, k, rng)
        running = np.zeros((min(_N_RECORDS, self.n_steps // self.qr_interval), k))
        schedule = QRSchedule(int(self.n_transient), int(self.n_steps), int(self.qr_interval))
        exponents, _ = model.tangent_spectrum(start, schedule, Q, running)
        if np.any(exponents < _LOG_EPS):
            self._doubts.append(
                "The model's Jacobians collapse some tangent directions to exactly zero "
                "(singular Jacobians): their exponents are minus infinity, floored at "
                f"log({_TINY:.3g}) per collapse; only their sign means anything.")
        return exponents, running

    def _fitted_model(self, X, rng):
        """The latent model and the state its orbit starts from; fits only an unfitted
        estimator (a clone of it)."""
        estimator = self.estimator
        if isinstance(estimator, LatentModel):
            self.estimator_ = estimator
            # Rows with missing values do not force (the model runs free across them).
            X = validate_data(self, X, dtype=np.float64, order="C", ensure_min_samples=1,
                              ensure_all_finite="allow-nan")
            self._check_features(X, estimator.n_features)
            return estimator, estimator.forced_state(X)
        if isinstance(estimator, FrozenEstimator) or _is_fitted(estimator):
            self.estimator_ = (estimator.estimator if isinstance(estimator, FrozenEstimator)
                               else estimator)
            # X only names the features here: the orbit starts from the model's state.
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=1,
                              ensure_all_finite="allow-nan")
            self._check_features(X, self.estimator_.n_features_in_)
        else:
            self.estimator_ = clone(estimator)
            if self.estimator_.get_params().get("random_state") is None:
                self.estimator_.set_params(random_state=rng.randint(2**31 - 1))
            self.estimator_.fit(X)
            self.n_features_in_ = self.estimator_.n_features_in_
        model, _, start = fitted_latent_model(self.estimator_)
        return model, start

    @staticmethod
    def _check_features(X, n_features):
        if X.shape[1] != n_features:
            raise ValueError(f"X has {X.shape[1]} features, but the model was fitted on "
                             f"{n_features}.")

    def __sklearn_clone__(self):
        # A clone holds an unfitted copy of the estimator, which its fit trains anew:
        # say so where a search or cross-validation clones a spectrum of a fitted model.
        if (not isinstance(self.estimator, (LatentModel, FrozenEstimator))
                and _is_fitted(self.estimator)):
            warnings.warn(
                "Cloning a LyapunovSpectrum of a fitted estimator: the clone's fit trains "
                "an unfitted copy of it (as GridSearchCV, cross_val_score and Pipelines "
                "do). To keep the fitted model, pass "
                "estimator=sklearn.frozen.FrozenEstimator(fitted_estimator).",
                UserWarning, stacklevel=2)
        return super().__sklearn_clone__()

    # -------------------------------------------------------------------------- data
    def _embed(self, X):
        if self.embedding_dimension is None:
            return X
        return delay_embedding(X[:, 0], self.embedding_dimension, self.delay)

    def _fit_from_data(self, X, rng):
        _check_no_constant_column(X, self.embedding_dimension is not None)
        E = np.ascontiguousarray(self._embed(X))
        standardisation = common_standardisation(E)
        if not standardisation.scale > 0:
            raise ValueError("X varies only below floating-point resolution; it carries no "
                             "dynamics to estimate.")
        # One scale for every column: neighbours and local Jacobians are exactly those of E.
        Z = standardisation.apply(E)
        _check_columns_independent(Z, self.embedding_dimension is not None)
        theiler, m, n_neighbors = self._neighbourhood_settings(Z)
        n_usable = len(E) - m  # rows with a successor m samples ahead
        tree = cKDTree(Z[:n_usable])
        neighbours = _neighbours(tree, n_neighbors, theiler)
        jacobians, degenerate, sq_error = _local_jacobians(Z, neighbours, m)
        d = E.shape[1]
        k = d if self.n_exponents is None else min(self.n_exponents, d)
        orbit = np.ascontiguousarray(jacobians[::m])
        n_qr = len(orbit) // self.qr_interval
        if n_qr < 1:
            raise ValueError(f"Too few samples ({len(E)}) for qr_interval={self.qr_interval}.")
        Q = _initial_frame(d, k, rng)
        running = np.zeros((min(_N_RECORDS, n_qr), k))
        exponents, n_lost = _k.jacobian_sequence_spectrum(orbit, self.qr_interval, Q, running)
        if not np.all(np.isfinite(exponents)):  # the kernels floor log 0; a guard only
            raise ValueError("The local linear maps gave non-finite exponents; the data "
                             "cannot support an estimate.")
        self.embedding_ = E
        self.tree_ = tree  # of standardised rows, queried in transform
        self.jacobians_ = jacobians
        self.theiler_window_, self.evolution_steps_ = theiler, m
        self.n_neighbors_ = n_neighbors
        self.prediction_error_ = _prediction_error(sq_error, Z[:n_usable])
        self.degenerate_fraction_ = float(degenerate.mean())
        self._standardisation = standardisation
        self._reach = (_largest_radius(Z, neighbours), _diameter(Z[:n_usable]))
        self._doubts = self._doubts_about_data(n_lost, len(orbit))
        return exponents / m, running / m

    def _neighbourhood_settings(self, Z):
        """(Theiler window, evolution steps, neighbours per fit), or a ValueError."""
        n, d = Z.shape
        decorrelation = _decorrelation_time(Z)
        theiler = 2 * decorrelation if self.theiler_window is None else self.theiler_window
        m = (max(1, decorrelation // 2) if self.evolution_steps is None
             else self.evolution_steps)
        n_candidates = n - m - 2 * theiler - 1
        if self.n_neighbors < d + 1:
            raise ValueError(f"n_neighbors={self.n_neighbors} is too small: a local linear "
                             f"fit in {d} dimensions needs at least {d + 1} neighbours.")
        n_neighbors = min(self.n_neighbors, n_candidates)
        if n_neighbors < d + 1:
            raise ValueError(
                f"Too few samples for the neighbourhoods: {n} rows of dimension {d} "
                f"with theiler_window={theiler} and evolution_steps={m} leave "
                f"{max(n_candidates, 0)} candidate neighbours per point, fewer than the "
                f"{d + 1} a local linear fit needs. Use more data, a smaller embedding, or "
                "a smaller theiler_window.")
        return theiler, m, n_neighbors

    def _doubts_about_data(self, n_lost, n_steps):
        """Why not to trust a spectrum estimated from data: one message per reason."""
        d = self.embedding_.shape[1]
        m = self.evolution_steps_
        doubts = []
        if self.degenerate_fraction_ >= _MAX_DEGENERATE_FRACTION:
            doubts.append(
                f"{self.degenerate_fraction_:.0%} of the neighbourhoods are degenerate: "
                f"their {self.n_neighbors_} nearest neighbours (or those neighbours' "
                f"successors) coincide or span fewer than {d} dimensions, as duplicate "
                "rows, quantised values or data on a lower-dimensional set do, so no local "
                "Jacobian could be fitted there and the previous one along the orbit was "
                "used. Use more neighbours (n_neighbors), a smaller embedding_dimension, or "
                "data with a finer resolution.")
        if n_lost:
            doubts.append(
                f"The product of the local Jacobians was singular at {n_lost} of {n_steps} "
                "steps: the smallest exponents count those steps at the floor "
                "log(rounding error) and are unreliable.")
        minimum = _MIN_STEPS_PER_DIMENSION * d
        if n_steps < minimum:
            # Too few rows also widen the neighbourhoods, which raises the prediction
            # error of clean data: that error says nothing about noise here.
            doubts.append(
                f"Too few samples: the orbit has {n_steps} steps of evolution_steps_={m} "
                f"samples, fewer than the {minimum} ({_MIN_STEPS_PER_DIMENSION} per "
                "dimension) below which estimates on known systems (Henon, Lorenz-63, "
                "Rossler, the Santa Fe laser) strayed by more than 20% for many seeds. Use "
                f"at least about {minimum * m + m} rows.")
            return doubts
        hint = (" X has a single column: if it is one observed coordinate rather than the "
                "full state, delay-embed it (embedding_dimension > 1)."
                if d == 1 and self.embedding_dimension is None else "")
        if self.prediction_error_ > _NOISE_LIKE_PREDICTION_ERROR:
            doubts.append(
                f"The data do not look deterministic: local linear maps predict them "
                f"{m} step(s) ahead, out of sample, with a typical error of "
                f"{self.prediction_error_:.2f} standard deviations (prediction_error_; "
                f"noise gives about 0.7, deterministic data below "
                f"{_NOISY_PREDICTION_ERROR}). Exponents estimated from noise, or from "
                f"coordinates that are not a state, are meaningless.{hint}")
        elif self.prediction_error_ > _NOISY_PREDICTION_ERROR:
            doubts.append(
                f"The data look noisy: local linear maps predict them {m} step(s) ahead, "
                f"out of sample, with a typical error of {self.prediction_error_:.2f} "
                "standard deviations (prediction_error_, about the observation noise over "
                "the signal). Noise inflates the exponents: at 5% noise lambda_max came out "
                f"twice the true value or more. Reduce the noise.{hint}")
        return doubts

    # --------------------------------------------------------------------- transform
    @property
    def _n_features_out(self):
        """Columns of :meth:`transform`: one per exponent (for get_feature_names_out)."""
        return len(self.exponents_)

    def transform(self, X):
        """Finite-time exponents over ``horizon`` steps, started at each row.

        Model: the row is mapped to a latent state (forced with the row, unforced units at
        zero) and the model's Jacobians along ``horizon`` steps are multiplied. From data:
        the local linear map at the row (fitted on its neighbours in the training data),
        followed by those along the training orbit from the row's nearest neighbour. The
        result is ``log(singular values) / horizon`` per time unit, largest first; with
        ``horizon=1`` the log singular values of the one-step Jacobian. A zero singular
        value (a singular Jacobian) is floored at the smallest positive double, with an
        :class:`~skchaos.exceptions.UnreliableEstimateWarning`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_exponents)

        Raises
        ------
        ValueError
            From data, for rows farther from every training row than the training data's
            own extent: no local linear map fitted on the data reaches them.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        k = len(self.exponents_)
        steps = self.horizon * (self.evolution_steps_ if self.estimator is None else 1)
        out = np.empty((len(X), k))
        n_singular = 0
        for row, jacobians in enumerate(self._row_jacobians(X)):
            P = np.eye(jacobians[0].shape[0])
            log_scale = 0.0
            for J in jacobians:
                P = J @ P
                norm = np.linalg.norm(P)
                if norm > 0:  # rescale so long horizons cannot overflow
                    P /= norm
                    log_scale += np.log(norm)
            s = np.linalg.svd(P, compute_uv=False)[:k]
            n_singular += int(np.any(s < _TINY))
            out[row] = np.log(np.maximum(s, _TINY)) + log_scale
        with np.errstate(over="ignore"):
            out /= steps * self.dt_
        if not np.all(np.isfinite(out)):
            raise ValueError(f"dt={self.dt_!r} is too small: the finite-time exponents per "
                             "time unit overflow. Give the sampling interval in larger units.")
        if n_singular:
            warnings.warn(
                f"The Jacobian product of {n_singular} of {len(X)} rows is singular: their "
                f"smallest finite-time exponents (log 0) are floored at log({_TINY:.3g}) / "
                "(horizon * dt) and mean only 'contracted to nothing'.",
                UnreliableEstimateWarning, stacklevel=3)  # past scikit-learn's wrapper
        return out

    def _row_jacobians(self, X):
        if self.estimator is not None:
            model, to_model_units, _ = fitted_latent_model(self.estimator_)
            for x in to_model_units(X):
                z = model.force(x)
                jacobians = []
                for _ in range(self.horizon):
                    jacobians.append(model.jacobian(z))
                    z = model.step(z)
                yield jacobians
            return
        if self.embedding_dimension is not None:
            raise ValueError("transform from delay-embedded data needs rows of the "
                             "embedding; fit on embedded rows (embedding_dimension=None) "
                             "to transform row by row.")
        yield from self._data_row_jacobians(X)

    def _data_row_jacobians(self, X):
        """The local map at each row of X, then the training orbit's from its neighbour."""
        n_usable = len(self.jacobians_)
        m = self.evolution_steps_
        Z = self._standardisation.apply(self.embedding_)
        with np.errstate(over="ignore", invalid="ignore"):
            queries = self._standardisation.apply(X)
        nearest = np.full(len(X), np.inf)
        finite = np.all(np.isfinite(queries), axis=1)
        n_query = min(self.n_neighbors_, self.tree_.n)  # never more than the tree holds
        distances, idx = self.tree_.query(queries[finite], k=list(range(1, n_query + 1)))
        nearest[finite] = distances[:, 0]
        radius, diameter = self._reach
        beyond = np.nonzero(~(nearest <= diameter))[0]
        if len(beyond):
            raise ValueError(
                f"{len(beyond)} row(s) of X (first: row {beyond[0]}) lie farther from every "
                f"training row than the training data's own extent (in units of its "
                f"standard deviation: nearest {nearest[beyond[0]]:.3g}, extent "
                f"{diameter:.3g}); no local linear map fitted on the data reaches them. "
                "Transform rows on or near the attractor the spectrum was fitted on.")
        outside = int(np.sum(nearest > radius))
        if outside:
            warnings.warn(
                f"{outside} of {len(X)} rows of X lie outside every neighbourhood used in "
                f"fit (nearest training row farther than {radius:.3g} standard deviations); "
                "their local maps are extrapolated from the nearest neighbourhood.",
                UnreliableEstimateWarning, stacklevel=5)  # past transform and its wrapper
        d = Z.shape[1]
        local = np.empty((len(X), d, d))
        spread, flatness = np.empty(len(X)), np.empty(len(X))
        _k.affine_jacobians(np.ascontiguousarray(queries),
                            _k.Neighbourhoods(Z, np.ascontiguousarray(idx), m), _RIDGE,
                            _k.LocalFits(local, spread, flatness, np.empty((0, d))))
        degenerate = (spread <= _DEGENERATE) | (flatness <= _DEGENERATE)
        # As in fit: a degenerate neighbourhood has no Jacobian; take the nearest row's.
        local[degenerate] = self.jacobians_[idx[degenerate, 0]]
        for row in range(len(X)):
            chain = [local[row]]
            for step in range(1, self.horizon):
                chain.append(self.jacobians_[min(idx[row, 0] + step * m, n_usable - 1)])
            yield chain


def _check_no_constant_column(X, embedded):
    """ValueError naming the columns of X that never change (only column 0 if embedded)."""
    constant = np.nonzero(X.min(axis=0) == X.max(axis=0))[0]
    if embedded and constant[:1].tolist() == [0]:
        raise ValueError(f"Column 0 of X, the one delay-embedded, is constant ({X[0, 0]!r}): "
                         "a constant series has no dynamics to estimate.")
    if not embedded and len(constant):
        raise ValueError(
            f"Column(s) {constant.tolist()} of X are constant: they carry no dynamics, and "
            "no local linear fit can tell how the state moves along them. Drop them.")


def _check_columns_independent(Z, embedded):
    """ValueError if the (standardised) columns are linearly dependent, naming one."""
    if Z.shape[1] < 2:
        return
    _, s, Vt = np.linalg.svd(Z, full_matrices=False)
    if s[-1] > _DEGENERATE * s[0]:
        return
    column = int(np.argmax(np.abs(Vt[-1])))
    if embedded:
        raise ValueError(
            f"The columns of the delay embedding are linearly dependent (column {column} "
            "is a linear combination of the others): the delay maps the series onto itself, "
            "as half a period of a sine does. Choose another delay or a smaller "
            "embedding_dimension.")
    raise ValueError(
        f"The columns of X are linearly dependent: column {column} is, to 10 digits, a "
        "linear combination of the others (or varies on a scale 10^10 times smaller than "
        "theirs), so the data lie in a lower-dimensional subspace and no local linear fit "
        f"can tell how the state moves across it. Drop column {column} (or rescale it).")


def _local_jacobians(Z, neighbours, m):
    """Local Jacobians of the m-step map at each row, degenerate ones replaced.

    Returns (jacobians, degenerate rows, squared out-of-sample prediction errors).
    """
    n_usable, d = len(neighbours), Z.shape[1]
    jacobians = np.empty((n_usable, d, d))
    spread, flatness = np.empty(n_usable), np.empty(n_usable)
    sq_error = np.empty((n_usable, d))
    _k.local_linear_jacobians(_k.Neighbourhoods(Z, neighbours, m), _RIDGE,
                              _k.LocalFits(jacobians, spread, flatness, sq_error))
    degenerate = (spread <= _DEGENERATE) | (flatness <= _DEGENERATE)
    jacobians = _replace_degenerate(jacobians, degenerate, neighbours.shape[1])
    return jacobians, degenerate, sq_error


def _replace_degenerate(jacobians, degenerate, n_neighbors):
    """Jacobians with each degenerate neighbourhood's replaced by the previous good one.

    A neighbourhood whose points coincide or span fewer dimensions than the state gives J
    = 0 along the missing directions, which would collapse the tangent frame; the Jacobian
    of the previous row along the orbit (of the first good row, before it) stands in.
    """
    if degenerate.all():
        raise ValueError(
            f"Every neighbourhood is degenerate: the {n_neighbors} nearest neighbours of "
            "each point coincide or span fewer dimensions than the state (repeated rows, "
            "e.g. a periodic orbit sampled a whole number of times per period, quantised "
            "values, or data on a lower-dimensional set), so no local Jacobian can be "
            "fitted. Use more neighbours (n_neighbors), a smaller embedding_dimension, or "
            "data with a finer resolution.")
    if not degenerate.any():
        return jacobians
    rows = np.arange(len(degenerate))
    previous = np.maximum.accumulate(np.where(degenerate, -1, rows))
    previous[previous < 0] = np.argmin(degenerate)
    return jacobians[previous]


def _prediction_error(sq_error, Z):
    """Typical out-of-sample prediction error over the standard deviation, worst column.

    Typical: the root of the median squared error, so that rare bursts the local maps
    cannot foresee (the laser's collapses) do not count as noise. The worst column, because
    the columns of a delay embedding other than the newest are predicted trivially (they
    are shifted copies).
    """
    std = Z.std(axis=0)
    varies = std > 0
    if not varies.any():
        return 0.0
    return float(np.max(np.sqrt(np.median(sq_error, axis=0)[varies]) / std[varies]))


def _largest_radius(Z, neighbours):
    """Largest distance from a row to one of its neighbours in fit."""
    radius = 0.0
    for block in np.array_split(np.arange(len(neighbours)), max(1, len(neighbours) // 4096)):
        offsets = Z[neighbours[block]] - Z[block, None, :]
        radius = max(radius, float(np.sqrt((offsets ** 2).sum(axis=2)).max()))
    return radius


def _diameter(Z):
    """Diagonal of the bounding box of the rows of Z."""
    return float(np.linalg.norm(Z.max(axis=0) - Z.min(axis=0)))


def _neighbours(tree, n_neighbors, theiler):
    """Nearest neighbours of each row of the tree outside its Theiler window, as an array
    of shape (n_rows, n_neighbors)."""
    E = tree.data
    n = len(E)
    out = np.empty((n, n_neighbors), dtype=np.int64)
    n_query = min(n, n_neighbors + 2 * theiler + 1)
    todo = np.arange(n)
    while len(todo):
        _, idx = tree.query(E[todo], k=n_query)
        idx = idx.reshape(len(todo), -1)
        far = np.abs(idx - todo[:, None]) > theiler
        enough = far.sum(axis=1) >= n_neighbors
        for r in np.nonzero(enough)[0]:
            out[todo[r]] = idx[r][far[r]][:n_neighbors]
        todo = todo[~enough]
        if n_query == n:
            if len(todo):  # cannot happen: n_neighbors <= n - 2 theiler - 1 was checked
                raise ValueError("Not enough neighbours outside the Theiler window.")
            break
        n_query = min(n, 2 * n_query)
    return out
