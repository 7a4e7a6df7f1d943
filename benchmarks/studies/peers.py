"""The peer models of ``bench_peers.py``, as scikit-learn-style generative estimators.

Each learns the dynamics from a series with ``fit(X)`` and is then used like
:class:`skchaos.ChaoticRNNRegressor`: ``simulate(n_steps, X_context=None)`` free-runs after
a teacher-forced pass over ``X_context`` (None: continue from the end of the training
series), ``predict(n_steps)`` is the same run from the end of the training series, and
``predict(X)`` maps each row of X one step ahead. So every model goes through the same
scoring code (``skchaos.metrics``) as the package's own estimator.

- :class:`EchoStateNetwork`: reservoirpy's ``Reservoir`` (leaky tanh units, bias scaled
  like the inputs) with a linear ridge readout (the formula of ``reservoirpy.nodes.Ridge``:
  centred, unpenalised intercept), trained on one-step prediction and run in closed loop.
- :class:`SINDy`: pysindy's polynomial library and STLSQ; the identified ODE is integrated
  by RK4.

Both train on the series standardised to zero mean and unit variance per feature, as
ChaoticRNNRegressor does, and answer in the data's units. :func:`validation_divergence`
is the tuning criterion, and :func:`tune_esn` and :func:`tune_sindy` the grids.
"""

import warnings

import numba
import numpy as np
from sklearn.base import BaseEstimator

from skchaos.lyapunov import lyapunov_spectrum
from skchaos.metrics import FreeRunDivergence

# Forced rows before every free run, all models: the RNN's window length, and what
# skchaos.metrics' scorers read from ``sequence_length`` as their warm-up.
N_WARMUP = 200
VALIDATION_FRACTION = 0.1

# Noise on the reservoir's training input: the usual regulariser of an ESN that runs on
# its own output (without it, the clean-Rössler ESN scored 2.28 instead of 0.031).
ESN_INPUT_NOISE = [0.0, 0.01, 0.05]


# ------------------------------------------------------------------------ kernels
@numba.njit(cache=False)
def _esn_drive(r, W, Win, b, lr, U):
    """Teacher-forced reservoir: r <- (1 - lr) r + lr tanh(W r + Win u + b), per row of U."""
    for t in range(U.shape[0]):
        r = (1.0 - lr) * r + lr * np.tanh(W @ r + Win @ U[t] + b)
    return r


@numba.njit(cache=False)
def _esn_closed_loop(r, M, c, WoutT, bo, lr, out):
    """Closed loop: y = Wout' r + bo is written out and fed back (M = W + Win Wout')."""
    for t in range(out.shape[0]):
        out[t] = WoutT @ r + bo
        r = (1.0 - lr) * r + lr * np.tanh(M @ r + c)
    return r


@numba.njit(cache=False)
def _esn_max_exponent(r, M, c, lr, v, n_transient, n_steps):
    """Largest exponent per step of r -> (1 - lr) r + lr tanh(M r + c), one tangent vector."""
    for _ in range(n_transient):
        r = (1.0 - lr) * r + lr * np.tanh(M @ r + c)
    log_sum = 0.0
    for _ in range(n_steps):
        a = np.tanh(M @ r + c)
        v = (1.0 - lr) * v + lr * (1.0 - a * a) * (M @ v)
        r = (1.0 - lr) * r + lr * a
        norm = np.sqrt(v @ v)
        log_sum += np.log(norm)
        v = v / norm
    return log_sum / n_steps


@numba.njit(cache=False)
def _poly_rhs(x, powers, coef):
    n_terms, n_dim = powers.shape
    theta = np.ones(n_terms)
    for k in range(n_terms):
        for j in range(n_dim):
            for _ in range(powers[k, j]):
                theta[k] *= x[j]
    return coef @ theta


@numba.njit(cache=False)
def _poly_flow(x0, powers, coef, dt, n_substeps, limit, out):
    """RK4 of dx/dt = coef @ theta(x); rows of out are the states after each dt.

    Stops when the state leaves |x| <= limit or the finite range, fills the rest with NaN
    and returns the number of valid rows.
    """
    x = x0.copy()
    h = dt / n_substeps
    for t in range(out.shape[0]):
        for _ in range(n_substeps):
            k1 = _poly_rhs(x, powers, coef)
            k2 = _poly_rhs(x + 0.5 * h * k1, powers, coef)
            k3 = _poly_rhs(x + 0.5 * h * k2, powers, coef)
            k4 = _poly_rhs(x + h * k3, powers, coef)
            x = x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        if not (np.all(np.isfinite(x)) and np.max(np.abs(x)) <= limit):
            out[t:] = np.nan
            return t
        out[t] = x
    return out.shape[0]


def compile_kernels():
    """JIT-compile the kernels on tiny inputs, so that no fit time includes compiling."""
    r, M, out = np.zeros(2), np.eye(2), np.empty((1, 1))
    _esn_drive(r, M, np.ones((2, 1)), r, 0.5, np.zeros((1, 1)))
    _esn_closed_loop(r, M, r, np.ones((1, 2)), np.zeros(1), 0.5, out)
    _esn_max_exponent(r, M, r, 0.5, np.ones(2), 1, 1)
    _poly_flow(np.zeros(1), np.zeros((1, 1), dtype=np.int64), np.zeros((1, 1)), 0.1, 1,
               1000.0, out)


# ----------------------------------------------------------------------- estimators
class _StandardisedForecaster(BaseEstimator):
    """Standardisation, and the public methods that every peer shares.

    A subclass implements ``_fit_z(Z)`` (Z the standardised series), ``_simulate_z(n_steps,
    Z_context)`` and ``_end_context_z()`` (the context that ``simulate(n_steps)`` continues
    from); everything is in standardised units there.
    """

    sequence_length = N_WARMUP

    def _standardise(self, X):
        self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        return (X - self.mean_) / self.scale_

    def _to_z(self, X):
        return (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_

    def _from_z(self, Z):
        return Z * self.scale_ + self.mean_

    def fit(self, X, y=None):
        """Learn the dynamics of the series X (rows in time order); y is ignored."""
        X = np.asarray(X, dtype=np.float64)
        self.n_features_in_ = X.shape[1]
        return self._fit_z(self._standardise(X))

    def simulate(self, n_steps, X_context=None):
        """``n_steps`` free-run steps after teacher forcing along ``X_context``.

        None continues from the end of the training series, as ``predict(n_steps)``.
        """
        Z_context = self._end_context_z() if X_context is None else self._to_z(X_context)
        return self._from_z(self._simulate_z(int(n_steps), Z_context))

    def predict(self, X):
        """An int: ``simulate(X)``. An array: each row mapped one step ahead."""
        if np.ndim(X) == 0:
            return self.simulate(X)
        return self._from_z(self._one_step_z(self._to_z(X)))

    def max_exponent_per_step(self, X_context, n_steps, n_transient=1000):
        """Largest Lyapunov exponent per step along the free run after ``X_context``."""
        return self._max_exponent_z(self._to_z(X_context), n_steps, n_transient)


class EchoStateNetwork(_StandardisedForecaster):
    """reservoirpy's Reservoir with a ridge readout on one-step prediction, closed loop.

    ``simulate(n_steps, X_context)`` drives the reservoir (from zero) along the context,
    then feeds its own predictions back. Lyapunov exponents are those of the closed-loop
    map on reservoir states, r -> (1 - lr) r + lr tanh(M r + c).

    Parameters
    ----------
    units : int, default=500
        Reservoir size.
    sr, lr, input_scaling : float
        Spectral radius, leak rate, and the scale of the input and bias weights.
    ridge : float, default=1e-6
        Ridge penalty of the readout.
    random_state : int, default=0
        Seeds the reservoir's weights and the training-input noise.
    washout : int, default=100
        Leading reservoir states left out of the readout's fit.
    input_noise : float, default=0.0
        Gaussian noise of this size (standardised units) on the reservoir's training input;
        the readout still targets the clean next row.
    """

    def __init__(self, units=500, sr=0.9, lr=0.5, input_scaling=0.5, ridge=1e-6,
                 random_state=0, washout=100, input_noise=0.0):
        self.units = units
        self.sr = sr
        self.lr = lr
        self.input_scaling = input_scaling
        self.ridge = ridge
        self.random_state = random_state
        self.washout = washout
        self.input_noise = input_noise

    def _fit_z(self, Z):
        reservoir, S = self._reservoir_states(Z)
        self._set_reservoir(reservoir)
        self._set_readout(self._gram(S[self.washout:], Z[1 + self.washout:]), self.ridge)
        self.context_z_ = Z[-N_WARMUP:]
        return self

    def _reservoir_states(self, Z):
        """(Reservoir, states after each row of Z[:-1]) via reservoirpy."""
        from reservoirpy.mat_gen import bernoulli
        from reservoirpy.nodes import Reservoir

        reservoir = Reservoir(self.units, lr=self.lr, sr=self.sr,
                              input_scaling=self.input_scaling, input_connectivity=1.0,
                              bias=bernoulli(input_scaling=self.input_scaling),
                              seed=self.random_state)
        U = Z[:-1]
        if self.input_noise > 0:
            rng = np.random.RandomState(self.random_state)
            U = U + self.input_noise * rng.standard_normal(U.shape)
        return reservoir, reservoir.run(U)

    def _set_reservoir(self, reservoir):
        W = reservoir.W
        self.W_ = np.ascontiguousarray(W.toarray() if hasattr(W, "toarray") else W)
        Win = reservoir.Win
        self.Win_ = np.ascontiguousarray(Win.toarray() if hasattr(Win, "toarray") else Win)
        self.b_ = np.ascontiguousarray(np.broadcast_to(
            np.asarray(reservoir.bias, dtype=np.float64).ravel(), (self.units,)))

    @staticmethod
    def _gram(S, Y):
        """Centred normal equations of the readout (as reservoirpy.nodes.Ridge)."""
        s_mean, y_mean = S.mean(axis=0), Y.mean(axis=0)
        Sc = S - s_mean
        return Sc.T @ Sc, Sc.T @ (Y - y_mean), s_mean, y_mean

    def _set_readout(self, gram, ridge):
        from scipy import linalg

        G, C, s_mean, y_mean = gram
        Wout = linalg.solve(G + ridge * np.eye(len(G)), C, assume_a="sym")
        self.ridge = ridge
        self.WoutT_ = np.ascontiguousarray(Wout.T)
        self.bo_ = y_mean - s_mean @ Wout
        self.M_ = np.ascontiguousarray(self.W_ + self.Win_ @ self.WoutT_)
        self.c_ = self.b_ + self.Win_ @ self.bo_
        return self

    def _drive(self, Z_context, r=None):
        r = np.zeros(self.units) if r is None else r
        return _esn_drive(r, self.W_, self.Win_, self.b_, float(self.lr),
                          np.ascontiguousarray(Z_context))

    def _end_context_z(self):
        return self.context_z_

    def _simulate_z(self, n_steps, Z_context):
        out = np.empty((n_steps, self.WoutT_.shape[0]))
        _esn_closed_loop(self._drive(Z_context), self.M_, self.c_, self.WoutT_, self.bo_,
                         float(self.lr), out)
        return out

    def _one_step_z(self, Z):
        # The reservoir needs a history: row t is predicted from the drive along rows <= t.
        out, r = np.empty_like(Z), None
        for t in range(len(Z)):
            r = self._drive(Z[t:t + 1], r)
            out[t] = self.WoutT_ @ r + self.bo_
        return out

    def _max_exponent_z(self, Z_context, n_steps, n_transient):
        # One tangent vector through exact Jacobian-vector products: the QR recursion with
        # one exponent (lyapunov_spectrum's callable path would need all of them here).
        rng = np.random.RandomState(0)
        v = rng.standard_normal(self.units)
        return float(_esn_max_exponent(self._drive(Z_context), self.M_, self.c_,
                                       float(self.lr), v / np.linalg.norm(v), n_transient,
                                       n_steps))


class SINDy(_StandardisedForecaster):
    """pysindy's polynomial SINDy on standardised data, integrated by RK4.

    ``simulate(n_steps, X_context)`` starts from the last context row (the ODE's state is
    the observation itself; the rest of the context is not needed). Runs that leave
    ``limit`` standard deviations are cut and filled with NaN.

    Parameters
    ----------
    degree : int, default=2
        Degree of the polynomial library.
    threshold : float, default=0.1
        STLSQ's sparsity threshold.
    derivative : {"finite_difference", "smoothed"}, default="finite_difference"
        Finite differences, or Savitzky-Golay smoothed ones (window 11, order 3).
    dt : float, default=1.0
        Sampling interval.
    n_substeps : int, default=10
        RK4 steps per sample.
    limit : float, default=1000.0
        Largest |z| (standardised units) a run may reach before it is cut.
    """

    def __init__(self, degree=2, threshold=0.1, derivative="finite_difference", dt=1.0,
                 n_substeps=10, limit=1000.0):
        self.degree = degree
        self.threshold = threshold
        self.derivative = derivative
        self.dt = dt
        self.n_substeps = n_substeps
        self.limit = limit

    def _fit_z(self, Z):
        import pysindy as ps

        derivative = (ps.FiniteDifference() if self.derivative == "finite_difference"
                      else ps.SmoothedFiniteDifference(
                          smoother_kws={"window_length": 11, "polyorder": 3}))
        model = ps.SINDy(optimizer=ps.STLSQ(threshold=self.threshold),
                         feature_library=ps.PolynomialLibrary(degree=self.degree),
                         differentiation_method=derivative)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # STLSQ's "eliminated all coefficients" etc.
            model.fit(Z, t=self.dt)
        self.coef_ = np.ascontiguousarray(model.coefficients(), dtype=np.float64)
        self.powers_ = np.ascontiguousarray(model.feature_library.powers_, dtype=np.int64)
        self.n_terms_ = int(np.count_nonzero(self.coef_))
        self.equations_ = model.equations(precision=3)
        self.context_z_ = Z[-1:]
        return self

    def _run(self, z0, n_steps):
        out = np.empty((n_steps, len(z0)))
        _poly_flow(np.ascontiguousarray(z0, dtype=np.float64), self.powers_, self.coef_,
                   float(self.dt), self.n_substeps, self.limit, out)
        return out

    def _end_context_z(self):
        return self.context_z_

    def _simulate_z(self, n_steps, Z_context):
        return self._run(Z_context[-1], n_steps)

    def _one_step_z(self, Z):
        return np.stack([self._run(z, 1)[0] for z in Z])

    def _max_exponent_z(self, Z_context, n_steps, n_transient):
        def step(z):
            return self._run(z, 1)[0]

        def jacobian(z, eps=1e-6):
            # Central differences of the one-sample flow map.
            J = np.empty((len(z), len(z)))
            for j in range(len(z)):
                dz = np.zeros(len(z))
                dz[j] = eps
                J[:, j] = (step(z + dz) - step(z - dz)) / (2 * eps)
            return J

        # All exponents (n_exponents=None): the callable path of lyapunov_spectrum
        # mis-shapes its frame for fewer exponents than dimensions.
        with np.errstate(all="ignore"):
            return float(lyapunov_spectrum(step, jacobian=jacobian,
                                           initial_state=Z_context[-1],
                                           n_steps=n_steps, n_transient=n_transient)[0])


# ------------------------------------------------------------------------- tuning
def validation_divergence(model, Z, n_validation, n_generated, noise_level=0.0):
    """ChaoticRNNRegressor's validation rule, for a peer fitted on Z minus its last block.

    The package's rule (:class:`skchaos.metrics.FreeRunDivergence`): D_stsp of free runs
    from 4 points of the held-out block (the last ``n_validation`` rows of the
    standardised series Z, each run after a forced warm-up of up to ``N_WARMUP`` rows)
    against the whole series, a block of a few thousand samples being too noisy a
    reference. With ``noise_level`` the runs get observation noise of that size first,
    drawn as ChaoticRNNRegressor(observation_noise=noise_level) draws it.
    """
    block = Z[len(Z) - n_validation:]
    plan = [(block, min(N_WARMUP, n_validation // 2), n_generated)]
    rule = FreeRunDivergence(Z, n_generated, observation_noise=noise_level)
    with np.errstate(all="ignore"):
        return rule(model._simulate_z, plan)


def grid_points(grid):
    """Every combination of a dict of lists, the last key varying fastest."""
    combos = [{}]
    for key in grid:
        combos = [{**c, key: v} for c in combos for v in grid[key]]
    return combos


def tune_esn(X, units, grid, n_generated, random_state=0, noise_level=0.0,
             input_noises=tuple(ESN_INPUT_NOISE)):
    """Grid over (sr, lr, input_scaling, training-input noise); every ridge per reservoir.

    Each setting is fitted on the first 90% of X and judged by
    :func:`validation_divergence`; the ridges share one Gram matrix per reservoir, so they
    cost one solve each. Returns (best setting, its divergence, [(divergence, setting)]).
    """
    probe = EchoStateNetwork(units=units, random_state=random_state)
    Z = probe._standardise(np.asarray(X, dtype=np.float64))
    n_validation = int(round(VALIDATION_FRACTION * len(Z)))
    Z_fit = Z[:len(Z) - n_validation]
    grid = dict(grid)
    ridges = grid.pop("ridge")
    grid["input_noise"] = list(input_noises)
    trials = []
    for params in grid_points(grid):
        model = EchoStateNetwork(units=units, random_state=random_state, **params)
        model.mean_, model.scale_ = probe.mean_, probe.scale_
        reservoir, S = model._reservoir_states(Z_fit)
        model._set_reservoir(reservoir)
        gram = model._gram(S[model.washout:], Z_fit[1 + model.washout:])
        for ridge in ridges:
            model._set_readout(gram, ridge)
            score = validation_divergence(model, Z, n_validation, n_generated, noise_level)
            trials.append((score, {**params, "ridge": ridge}))
    best_score, best = min(trials, key=lambda t: t[0])
    return best, best_score, trials


def tune_sindy(X, grid, dt, n_generated, noise_level=0.0):
    """Grid over SINDy's settings, each fitted on the first 90% of X (as :func:`tune_esn`)."""
    n_validation = int(round(VALIDATION_FRACTION * len(X)))
    trials = []
    for params in grid_points(grid):
        model = SINDy(dt=dt, **params).fit(X[:len(X) - n_validation])
        score = validation_divergence(model, model._to_z(X), n_validation, n_generated,
                                      noise_level)
        trials.append((score, params))
    best_score, best = min(trials, key=lambda t: t[0])
    return best, best_score, trials
