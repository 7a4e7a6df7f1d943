"""Lyapunov spectra by tangent-space QR: of fitted models, of known systems, from data.

The largest exponent sets how fast nearby orbits separate, and with it the time over which
a chaotic system can be predicted, ``ln 2 / lambda_max``: the forcing interval that sparse
teacher forcing needs.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._kernels import lyapunov as _k
from ._kernels.plrnn import PINV_FORCING
from .datasets import DynamicalSystem

__all__ = ["LyapunovSpectrum", "delay_embedding", "kaplan_yorke_dimension",
           "lyapunov_spectrum", "predictability_time"]

# Running estimates kept for convergence plots.
_N_RECORDS = 200


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
        if system.kind == "flow":
            dt = system.default_dt if dt is None else float(dt)
            n_substeps = max(1, math.ceil(dt / 0.01 - 1e-9))
            exponents, _ = _k.flow_spectrum(system._code, system.params, x0, dt, n_substeps,
                                            n_transient, n_steps, qr_interval, Q, running)
        else:
            exponents, _ = _k.map_spectrum(system._code, system.params, x0, n_transient,
                                           n_steps, qr_interval, Q, running)
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


def delay_embedding(x, dimension, delay):
    """Rows ``(x_t, x_{t-delay}, ..., x_{t-(dimension-1) delay})`` of a scalar series.

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.lyapunov import delay_embedding
    >>> delay_embedding(np.arange(6.0), 3, 2)
    array([[4., 2., 0.],
           [5., 3., 1.]])
    """
    x = np.asarray(x, dtype=float).ravel()
    n = len(x) - (dimension - 1) * delay
    if n < 1:
        raise ValueError(f"A series of {len(x)} samples is too short for a delay embedding "
                         f"of dimension {dimension} and delay {delay}.")
    return np.column_stack([x[(dimension - 1 - k) * delay:(dimension - 1 - k) * delay + n]
                            for k in range(dimension)])


def _decorrelation_time(X):
    """First lag (in samples) at which the mean autocorrelation falls below 1/e."""
    Xc = X - X.mean(axis=0)
    std = Xc.std(axis=0)
    Xc = Xc[:, std > 0] / std[std > 0]
    if Xc.shape[1] == 0:
        return 1
    n = len(Xc)
    spectrum = np.abs(np.fft.rfft(Xc, n=2 * n, axis=0)) ** 2
    acf = np.fft.irfft(spectrum, axis=0)[:n].mean(axis=1)
    below = np.nonzero(acf < acf[0] / np.e)[0]
    return int(below[0]) if len(below) else n


class LyapunovSpectrum(TransformerMixin, BaseEstimator):
    """Lyapunov spectrum of a fitted ChaoticRNNRegressor, or estimated from data.

    With an ``estimator``, the spectrum of the learned model along its own free-run
    orbit, from its exact Jacobians ``A + W diag(z > 0)`` (all ``n_latent`` exponents by
    default); a fitted estimator is used as is, an unfitted one is cloned and fitted on X.
    With ``estimator=None``, the spectrum of the system behind the data X: local linear
    Jacobians are fitted by least squares on each point's nearest neighbours (in the state
    given, or in a delay embedding of one coordinate), then pushed through the same QR
    recursion (Eckmann-Ruelle / Sano-Sawada).

    Parameters
    ----------
    estimator : ChaoticRNNRegressor or None, default=None
        The model whose spectrum to compute, or None to estimate it from data.
    n_exponents : int, default=None
        How many of the largest exponents; all when None.
    n_steps : int, default=20000
        Model steps averaged over (model only; from data every sample is used).
    n_transient : int, default=1000
        Model steps run first so the orbit settles on the model's attractor.
    qr_interval : int, default=1
        Re-orthonormalise every this many steps (the frame carries the product of that
        many Jacobians): cheaper for large models.
    dt : float, default=1.0
        Sampling interval: ``exponents_`` are per time unit, ``exponents_ * dt`` per step.
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
        Lyapunov exponents per time unit (given ``dt``), largest first.
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
    estimator_ : ChaoticRNNRegressor
        The fitted model (model mode only).
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
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "simulate"]), None],
        "n_exponents": [Interval(Integral, 1, None, closed="left"), None],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "n_transient": [Interval(Integral, 0, None, closed="left")],
        "qr_interval": [Interval(Integral, 1, None, closed="left")],
        "dt": [Interval(Real, 0, None, closed="neither")],
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
                 qr_interval=1, dt=1.0, embedding_dimension=None, delay=1, n_neighbors=20,
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
        """
        self._validate_params()
        rng = check_random_state(self.random_state)
        if self.estimator is None:
            X = validate_data(self, X, dtype=np.float64, order="C", ensure_min_samples=2)
            per_step, running = self._fit_from_data(X, rng)
        else:
            per_step, running = self._fit_model(X, rng)
        self.exponents_per_step_ = per_step
        self.exponents_ = per_step / self.dt
        self.convergence_ = running / self.dt
        self.max_exponent_ = float(self.exponents_[0])
        self.predictability_time_ = predictability_time(float(per_step[0]))
        self.kaplan_yorke_dimension_ = kaplan_yorke_dimension(self.exponents_)
        if per_step[0] <= 0:
            warnings.warn(
                f"The largest Lyapunov exponent is {self.max_exponent_:.3g} <= 0: the data "
                f"look non-chaotic, so no forcing interval follows from them; "
                f"suggested_tau_ is capped at max_tau={self.max_tau}.", UserWarning,
                stacklevel=2)
        self.suggested_tau_ = int(min(max(1, round(self.predictability_time_)), self.max_tau)
                                  if math.isfinite(self.predictability_time_)
                                  else self.max_tau)
        return self

    # ------------------------------------------------------------------------- model
    def _fit_model(self, X, rng):
        estimator = self.estimator
        if hasattr(estimator, "__sklearn_is_fitted__") and estimator.__sklearn_is_fitted__():
            self.estimator_ = estimator
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=1)
            if X.shape[1] != estimator.n_features_in_:
                raise ValueError(f"X has {X.shape[1]} features, but the estimator was "
                                 f"fitted on {estimator.n_features_in_}.")
        else:
            self.estimator_ = clone(estimator)
            if self.estimator_.get_params().get("random_state") is None:
                self.estimator_.set_params(random_state=rng.randint(2**31 - 1))
            self.estimator_.fit(X)
            self.n_features_in_ = self.estimator_.n_features_in_
        mode, a, W, h, _, _ = self.estimator_._kernel_parameters()
        n_latent = len(a)
        k = n_latent if self.n_exponents is None else min(self.n_exponents, n_latent)
        if self.n_steps < self.qr_interval:
            raise ValueError(f"n_steps={self.n_steps} is smaller than "
                             f"qr_interval={self.qr_interval}.")
        Q = _initial_frame(n_latent, k, rng)
        running = np.zeros((min(_N_RECORDS, self.n_steps // self.qr_interval), k))
        exponents, _ = _k.plrnn_spectrum(a, W, h, self.estimator_.latent_state_,
                                         self.n_transient, self.n_steps, self.qr_interval,
                                         Q, running)
        return exponents, running

    # -------------------------------------------------------------------------- data
    def _embed(self, X):
        if self.embedding_dimension is None:
            return X
        return delay_embedding(X[:, 0], self.embedding_dimension, self.delay)

    def _fit_from_data(self, X, rng):
        E = np.ascontiguousarray(self._embed(X))
        d = E.shape[1]
        decorrelation = _decorrelation_time(E)
        theiler = 2 * decorrelation if self.theiler_window is None else self.theiler_window
        m = (max(1, decorrelation // 2) if self.evolution_steps is None
             else self.evolution_steps)
        n_usable = len(E) - m  # rows with a successor m samples ahead
        n_candidates = n_usable - 2 * theiler - 1
        n_neighbors = min(self.n_neighbors, n_candidates)
        if n_neighbors < d + 1:
            raise ValueError(
                f"Too few samples for the neighbourhoods: {len(E)} rows of dimension {d} "
                f"with theiler_window={theiler} and evolution_steps={m} leave "
                f"{max(n_candidates, 0)} candidate neighbours per point, fewer than the "
                f"{d + 1} a local linear fit needs. Use more data, a smaller embedding, or "
                "a smaller theiler_window.")
        neighbours = _neighbours(E[:n_usable], n_neighbors, theiler)
        jacobians = np.empty((n_usable, d, d))
        _k.local_linear_jacobians(E, neighbours, m, 1e-6, jacobians)
        k = d if self.n_exponents is None else min(self.n_exponents, d)
        orbit = np.ascontiguousarray(jacobians[::m])
        n_qr = len(orbit) // self.qr_interval
        if n_qr < 1:
            raise ValueError(f"Too few samples ({len(E)}) for qr_interval={self.qr_interval}.")
        Q = _initial_frame(d, k, rng)
        running = np.zeros((min(_N_RECORDS, n_qr), k))
        exponents = _k.jacobian_sequence_spectrum(orbit, self.qr_interval, Q, running) / m
        self.embedding_ = E
        self.tree_ = cKDTree(E[:n_usable])
        self.jacobians_ = jacobians
        self.theiler_window_, self.evolution_steps_ = theiler, m
        self.n_neighbors_ = n_neighbors
        return exponents, running / m

    # --------------------------------------------------------------------- transform
    def transform(self, X):
        """Finite-time exponents over ``horizon`` steps, started at each row.

        Model: the row is mapped to a latent state (forced with the row, unforced units at
        zero) and the model's Jacobians along ``horizon`` steps are multiplied. From data:
        the local linear map at the row (fitted on its neighbours in the training data),
        followed by those along the training orbit from the row's nearest neighbour. The
        result is ``log(singular values) / horizon`` per time unit, largest first; with
        ``horizon=1`` the log singular values of the one-step Jacobian.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_exponents)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        k = len(self.exponents_)
        out = np.empty((len(X), k))
        for row, jacobians in enumerate(self._row_jacobians(X)):
            P = np.eye(jacobians[0].shape[0])
            log_scale = 0.0
            for J in jacobians:
                P = J @ P
                norm = np.linalg.norm(P)
                if norm > 0:  # rescale so long horizons cannot overflow
                    P /= norm
                    log_scale += np.log(norm)
            with np.errstate(divide="ignore"):
                s = np.log(np.linalg.svd(P, compute_uv=False)[:k]) + log_scale
            steps = self.horizon * getattr(self, "evolution_steps_", 1)
            out[row] = s / (steps * self.dt)
        return out

    def _row_jacobians(self, X):
        if self.estimator is not None:
            mode, a, W, h, B, P = self.estimator_._kernel_parameters()
            X_std = self.estimator_._transform_input(X)
            for x in X_std:
                z = np.zeros(len(a))
                if mode == PINV_FORCING:
                    z[:] = P @ x
                else:
                    z[:len(x)] = x
                jacobians = []
                for _ in range(self.horizon):
                    jacobians.append(np.diag(a) + W * (z > 0)[None, :])
                    z = a * z + W @ np.maximum(z, 0) + h
                yield jacobians
            return
        if self.embedding_dimension is not None:
            raise ValueError("transform from delay-embedded data needs rows of the "
                             "embedding; fit on embedded rows (embedding_dimension=None) "
                             "to transform row by row.")
        n_usable = len(self.jacobians_)
        m = self.evolution_steps_
        E = self.embedding_
        for x in X:
            _, idx = self.tree_.query(x, k=max(self.n_neighbors_, E.shape[1] + 1))
            idx = np.atleast_1d(idx)
            # Affine least-squares fit of the m-step map on the row's neighbourhood.
            dX = E[idx] - E[idx].mean(axis=0)
            dY = E[idx + m] - E[idx + m].mean(axis=0)
            G = dX.T @ dX
            G += (1e-6 * np.trace(G) / len(G) + 1e-300) * np.eye(len(G))
            chain = [np.linalg.solve(G, (dY.T @ dX).T).T]
            for step in range(1, self.horizon):
                chain.append(self.jacobians_[min(idx[0] + step * m, n_usable - 1)])
            yield chain


def _neighbours(E, n_neighbors, theiler):
    """Nearest neighbours of each row outside its Theiler window, (n_rows, n_neighbors)."""
    n = len(E)
    tree = cKDTree(E)
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
