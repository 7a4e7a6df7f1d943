"""Chaotic benchmark systems: generators, Jacobians and literature Lyapunov spectra."""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from .._kernels import systems as _k

# Samples of the integrated flow are RK4 steps no longer than this (time units).
_MAX_RK4_STEP = 0.01


class DynamicalSystem:
    """A chaotic benchmark system: a flow (ODE) or a map.

    Subclasses fix the equations; an instance fixes the parameters. Use
    :meth:`generate` for trajectories, :meth:`jacobian` for the linearisation and
    :attr:`literature_spectrum` for the reference Lyapunov exponents.

    Attributes
    ----------
    kind : {"flow", "map"}
        A flow is sampled every ``dt`` time units; a map is iterated.
    n_dim : int
        Dimension of the state.
    literature_spectrum : tuple of float or None
        Lyapunov exponents from the literature (per time unit for flows, per iteration
        for maps), largest first; None where no reference exists for these parameters.

    Examples
    --------
    >>> from skchaos.datasets import DynamicalSystem, HenonMap, Lorenz63
    >>> henon = HenonMap()
    >>> isinstance(henon, DynamicalSystem), henon.kind, henon.n_dim
    (True, 'map', 2)
    >>> henon.step([0.1, 0.2])
    array([1.186, 0.03 ])
    >>> henon.jacobian([0.1, 0.2])
    array([[-0.28,  1.  ],
           [ 0.3 ,  0.  ]])
    >>> Lorenz63().vector_field([1.0, 1.0, 1.0]).round(3)
    array([ 0.   , 26.   , -1.667])
    """

    kind = "flow"
    default_dt = 0.01
    _code = -1
    _transient_time = 50.0

    def __init__(self, params, n_dim):
        self.params = np.ascontiguousarray(params, dtype=np.float64)
        self.n_dim = int(n_dim)

    @property
    def literature_spectrum(self):
        """Lyapunov exponents from the literature, largest first, or None where unknown.

        Per time unit for flows, per iteration for maps; None where no reference exists
        for these parameters.
        """
        return None

    @property
    def literature_max_exponent(self):
        """Largest literature Lyapunov exponent, or None where unknown."""
        spectrum = self.literature_spectrum
        return None if spectrum is None else spectrum[0]

    def _default_initial_state(self, rng):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({self._param_repr()})"

    def vector_field(self, x):
        """dx/dt at ``x`` (flows only).

        Parameters
        ----------
        x : array-like of shape (n_dim,)

        Returns
        -------
        dxdt : ndarray of shape (n_dim,)
        """
        if self.kind != "flow":
            raise TypeError(f"{type(self).__name__} is a map; use step(x).")
        out = np.empty(self.n_dim)
        _k.vector_field(self._code, self.params, self._check_state(x), out)
        return out

    def step(self, x):
        """The next state of a map (maps only).

        Parameters
        ----------
        x : array-like of shape (n_dim,)

        Returns
        -------
        x_next : ndarray of shape (n_dim,)
        """
        if self.kind != "map":
            raise TypeError(f"{type(self).__name__} is a flow; use vector_field(x).")
        out = np.empty(self.n_dim)
        _k.map_step(self._code, self.params, self._check_state(x), out)
        return out

    def jacobian(self, x):
        """Jacobian at ``x``: of the vector field (flow) or of the map (map).

        Parameters
        ----------
        x : array-like of shape (n_dim,)

        Returns
        -------
        J : ndarray of shape (n_dim, n_dim)
        """
        x = self._check_state(x)
        J = np.empty((self.n_dim, self.n_dim))
        if self.kind == "flow":
            _k.vector_field_jacobian(self._code, self.params, x, J)
        else:
            _k.map_jacobian(self._code, self.params, x, J)
        return J

    def _check_state(self, x):
        x = np.ascontiguousarray(x, dtype=np.float64)
        if x.shape != (self.n_dim,):
            raise ValueError(f"Expected a state of shape ({self.n_dim},), got {x.shape}.")
        return x

    def generate(self, n_samples=10000, *, dt=None, n_transient=None, noise=0.0,
                 initial_state=None, random_state=None):
        """Sample a trajectory on the attractor.

        Parameters
        ----------
        n_samples : int, default=10000
            Number of returned samples.
        dt : float, default=None
            Sampling interval of a flow in time units (``default_dt`` when None); each
            interval is integrated with RK4 steps of at most 0.01. Ignored for maps.
        n_transient : int, default=None
            Samples discarded first so the orbit settles on the attractor; None means
            50 time units for a flow and 1000 iterations for a map.
        noise : float, default=0.0
            Standard deviation of additive Gaussian observation noise, as a fraction of
            each coordinate's standard deviation.
        initial_state : array-like of shape (n_dim,), default=None
            Start of the transient; None draws one near the attractor from ``random_state``.
        random_state : int, RandomState instance or None, default=None
            Seeds the initial state and the noise.

        Returns
        -------
        X : ndarray of shape (n_samples, n_dim)
        """
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        if not isinstance(noise, Real) or noise < 0:
            raise ValueError(f"noise must be a non-negative float, got {noise!r}.")
        rng = check_random_state(random_state)
        x0 = (self._default_initial_state(rng) if initial_state is None
              else self._check_state(initial_state))
        if self.kind == "flow":
            dt = self.default_dt if dt is None else float(dt)
            if not dt > 0:
                raise ValueError(f"dt must be positive, got {dt}.")
            if n_transient is None:
                n_transient = int(round(self._transient_time / dt))
            out = np.empty((n_transient + n_samples, self.n_dim))
            n_substeps = max(1, math.ceil(dt / _MAX_RK4_STEP - 1e-9))
            _k.integrate_flow(self._code, self.params, x0, dt, n_substeps, out)
        else:
            if n_transient is None:
                n_transient = 1000
            out = np.empty((n_transient + n_samples, self.n_dim))
            _k.iterate_map(self._code, self.params, x0, out)
        X = out[n_transient:].copy()
        if not np.all(np.isfinite(X)):
            raise FloatingPointError(
                f"{self!r} left the attractor (non-finite states); use a smaller dt "
                "or another initial_state.")
        if noise > 0:
            X += noise * X.std(axis=0) * rng.standard_normal(X.shape)
        return X


class Lorenz63(DynamicalSystem):
    """The Lorenz-63 flow, dx/dt = s(y - x), dy/dt = x(r - z) - y, dz/dt = xy - bz.

    Examples
    --------
    >>> from skchaos.datasets import Lorenz63
    >>> X = Lorenz63().generate(1000, random_state=0)
    >>> X.shape
    (1000, 3)
    >>> Lorenz63().literature_spectrum
    (0.9056, 0.0, -14.5723)
    """

    _code = _k.LORENZ63

    def __init__(self, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
        super().__init__([sigma, rho, beta], 3)

    def _param_repr(self):
        s, r, b = self.params
        return f"sigma={s:g}, rho={r:g}, beta={b:g}"

    @property
    def literature_spectrum(self):
        if np.allclose(self.params, [10.0, 28.0, 8.0 / 3.0]):
            return (0.9056, 0.0, -14.5723)
        return None

    def _default_initial_state(self, rng):
        return np.array([1.0, 1.0, 20.0]) + rng.standard_normal(3)


class Rossler(DynamicalSystem):
    """The Rössler flow, dx/dt = -y - z, dy/dt = x + ay, dz/dt = b + z(x - c).

    Examples
    --------
    >>> from skchaos.datasets import Rossler
    >>> Rossler().generate(500, dt=0.05, random_state=0).shape
    (500, 3)
    """

    _code = _k.ROSSLER
    _transient_time = 200.0

    def __init__(self, a=0.2, b=0.2, c=5.7):
        super().__init__([a, b, c], 3)

    def _param_repr(self):
        a, b, c = self.params
        return f"a={a:g}, b={b:g}, c={c:g}"

    @property
    def literature_spectrum(self):
        if np.allclose(self.params, [0.2, 0.2, 5.7]):
            return (0.0714, 0.0, -5.3943)
        return None

    def _default_initial_state(self, rng):
        return np.array([1.0, 1.0, 0.0]) + 0.1 * rng.standard_normal(3)


class Lorenz96(DynamicalSystem):
    """The Lorenz-96 flow, dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F, cyclic in i.

    Examples
    --------
    >>> from skchaos.datasets import Lorenz96
    >>> Lorenz96(n_dim=10, forcing=8.0).generate(200, random_state=0).shape
    (200, 10)
    """

    _code = _k.LORENZ96

    def __init__(self, n_dim=40, forcing=8.0):
        if n_dim < 4:
            raise ValueError(f"Lorenz96 needs n_dim >= 4, got {n_dim}.")
        super().__init__([forcing], n_dim)

    def _param_repr(self):
        return f"n_dim={self.n_dim}, forcing={self.params[0]:g}"

    @property
    def literature_spectrum(self):
        # Only lambda_max is tabulated for N = 40, F = 8 (see literature_max_exponent).
        return None

    @property
    def literature_max_exponent(self):
        if self.n_dim == 40 and self.params[0] == 8.0:
            return 1.69
        return None

    def _default_initial_state(self, rng):
        return self.params[0] + 0.01 * rng.standard_normal(self.n_dim)


class HenonMap(DynamicalSystem):
    """The Hénon map, x' = 1 - a x^2 + y, y' = b x.

    Examples
    --------
    >>> from skchaos.datasets import HenonMap
    >>> HenonMap().generate(100, random_state=0).shape
    (100, 2)
    """

    kind = "map"
    _code = _k.HENON

    def __init__(self, a=1.4, b=0.3):
        super().__init__([a, b], 2)

    def _param_repr(self):
        a, b = self.params
        return f"a={a:g}, b={b:g}"

    @property
    def literature_spectrum(self):
        if np.allclose(self.params, [1.4, 0.3]):
            return (0.41922, -1.62319)
        return None

    def _default_initial_state(self, rng):
        return np.array([0.1, 0.1]) + 0.01 * rng.standard_normal(2)


class LogisticMap(DynamicalSystem):
    """The logistic map, x' = r x (1 - x).

    Examples
    --------
    >>> from skchaos.datasets import LogisticMap
    >>> X = LogisticMap(r=4.0).generate(100, random_state=0)
    >>> bool(X.min() >= 0.0 and X.max() <= 1.0)
    True
    """

    kind = "map"
    _code = _k.LOGISTIC

    def __init__(self, r=4.0):
        super().__init__([r], 1)

    def _param_repr(self):
        return f"r={self.params[0]:g}"

    @property
    def literature_spectrum(self):
        if self.params[0] == 4.0:
            return (math.log(2.0),)
        return None

    def _default_initial_state(self, rng):
        return rng.uniform(0.1, 0.9, size=1)


def make_lorenz63(n_samples=10000, *, dt=0.01, n_transient=None, noise=0.0,
                  random_state=None, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    """Sample the Lorenz-63 attractor; see :meth:`DynamicalSystem.generate`.

    Examples
    --------
    >>> from skchaos.datasets import make_lorenz63
    >>> make_lorenz63(1000, random_state=0).shape
    (1000, 3)
    """
    return Lorenz63(sigma, rho, beta).generate(
        n_samples, dt=dt, n_transient=n_transient, noise=noise, random_state=random_state)


def make_rossler(n_samples=10000, *, dt=0.05, n_transient=None, noise=0.0,
                 random_state=None, a=0.2, b=0.2, c=5.7):
    """Sample the Rössler attractor; see :meth:`DynamicalSystem.generate`.

    Examples
    --------
    >>> from skchaos.datasets import make_rossler
    >>> make_rossler(1000, random_state=0).shape
    (1000, 3)
    """
    return Rossler(a, b, c).generate(
        n_samples, dt=dt, n_transient=n_transient, noise=noise, random_state=random_state)


def make_lorenz96(n_samples=10000, *, n_dim=40, forcing=8.0, dt=0.01, n_transient=None,
                  noise=0.0, random_state=None):
    """Sample the Lorenz-96 attractor; see :meth:`DynamicalSystem.generate`.

    Examples
    --------
    >>> from skchaos.datasets import make_lorenz96
    >>> make_lorenz96(100, n_dim=8, random_state=0).shape
    (100, 8)
    """
    return Lorenz96(n_dim, forcing).generate(
        n_samples, dt=dt, n_transient=n_transient, noise=noise, random_state=random_state)


def make_henon(n_samples=10000, *, n_transient=None, noise=0.0, random_state=None,
               a=1.4, b=0.3):
    """Iterate the Hénon map; see :meth:`DynamicalSystem.generate`.

    Examples
    --------
    >>> from skchaos.datasets import make_henon
    >>> make_henon(1000, random_state=0).shape
    (1000, 2)
    """
    return HenonMap(a, b).generate(
        n_samples, n_transient=n_transient, noise=noise, random_state=random_state)


def make_logistic(n_samples=10000, *, n_transient=None, noise=0.0, random_state=None,
                  r=4.0):
    """Iterate the logistic map; see :meth:`DynamicalSystem.generate`.

    Examples
    --------
    >>> from skchaos.datasets import make_logistic
    >>> make_logistic(1000, random_state=0).shape
    (1000, 1)
    """
    return LogisticMap(r).generate(
        n_samples, n_transient=n_transient, noise=noise, random_state=random_state)
