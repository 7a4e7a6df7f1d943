"""Compiled vector fields, maps, Jacobians and integrators of the benchmark systems.

A system is named by an integer code and its parameters by a float64 array, so each
kernel compiles once for all systems. Nothing here imports scikit-learn.
"""

import numpy as np

from ._jit import kernel

LORENZ63 = 0
ROSSLER = 1
LORENZ96 = 2
HENON = 3
LOGISTIC = 4


@kernel
def vector_field(system, params, x, out):
    """dx/dt of a flow, written into ``out``."""
    if system == LORENZ63:
        sigma, rho, beta = params[0], params[1], params[2]
        out[0] = sigma * (x[1] - x[0])
        out[1] = x[0] * (rho - x[2]) - x[1]
        out[2] = x[0] * x[1] - beta * x[2]
    elif system == ROSSLER:
        a, b, c = params[0], params[1], params[2]
        out[0] = -x[1] - x[2]
        out[1] = x[0] + a * x[1]
        out[2] = b + x[2] * (x[0] - c)
    elif system == LORENZ96:
        forcing = params[0]
        n = x.shape[0]
        for i in range(n):
            out[i] = (x[(i + 1) % n] - x[i - 2]) * x[i - 1] - x[i] + forcing
    else:
        raise ValueError("unknown flow")


@kernel
def vector_field_jacobian(system, params, x, J):
    """Jacobian of the vector field at ``x``, written into ``J``."""
    J[:, :] = 0.0
    if system == LORENZ63:
        sigma, rho, beta = params[0], params[1], params[2]
        J[0, 0] = -sigma
        J[0, 1] = sigma
        J[1, 0] = rho - x[2]
        J[1, 1] = -1.0
        J[1, 2] = -x[0]
        J[2, 0] = x[1]
        J[2, 1] = x[0]
        J[2, 2] = -beta
    elif system == ROSSLER:
        a, c = params[0], params[2]
        J[0, 1] = -1.0
        J[0, 2] = -1.0
        J[1, 0] = 1.0
        J[1, 1] = a
        J[2, 0] = x[2]
        J[2, 2] = x[0] - c
    elif system == LORENZ96:
        n = x.shape[0]
        for i in range(n):
            J[i, i] = -1.0
            J[i, (i + 1) % n] += x[i - 1]
            J[i, (i - 2) % n] -= x[i - 1]
            J[i, (i - 1) % n] += x[(i + 1) % n] - x[i - 2]
    else:
        raise ValueError("unknown flow")


@kernel
def map_step(system, params, x, out):
    """One iteration of a map, written into ``out``."""
    if system == HENON:
        a, b = params[0], params[1]
        out[0] = 1.0 - a * x[0] * x[0] + x[1]
        out[1] = b * x[0]
    elif system == LOGISTIC:
        r = params[0]
        out[0] = r * x[0] * (1.0 - x[0])
    else:
        raise ValueError("unknown map")


@kernel
def map_jacobian(system, params, x, J):
    """Jacobian of a map at ``x``, written into ``J``."""
    J[:, :] = 0.0
    if system == HENON:
        a, b = params[0], params[1]
        J[0, 0] = -2.0 * a * x[0]
        J[0, 1] = 1.0
        J[1, 0] = b
    elif system == LOGISTIC:
        r = params[0]
        J[0, 0] = r * (1.0 - 2.0 * x[0])
    else:
        raise ValueError("unknown map")


@kernel
def _rk4_step(system, params, x, dt, k1, k2, k3, k4, tmp, out):
    vector_field(system, params, x, k1)
    for i in range(x.shape[0]):
        tmp[i] = x[i] + 0.5 * dt * k1[i]
    vector_field(system, params, tmp, k2)
    for i in range(x.shape[0]):
        tmp[i] = x[i] + 0.5 * dt * k2[i]
    vector_field(system, params, tmp, k3)
    for i in range(x.shape[0]):
        tmp[i] = x[i] + dt * k3[i]
    vector_field(system, params, tmp, k4)
    for i in range(x.shape[0]):
        out[i] = x[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@kernel
def integrate_flow(system, params, x0, dt, n_substeps, out):
    """Classical RK4; ``out[k]`` is the state at time k * dt (``out[0] = x0``).

    Each sampling interval ``dt`` is split into ``n_substeps`` RK4 steps.
    """
    n = x0.shape[0]
    h = dt / n_substeps
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    tmp = np.empty(n)
    x = x0.copy()
    x_next = np.empty(n)
    out[0] = x
    for t in range(1, out.shape[0]):
        for _ in range(n_substeps):
            _rk4_step(system, params, x, h, k1, k2, k3, k4, tmp, x_next)
            x, x_next = x_next, x
        out[t] = x


@kernel
def iterate_map(system, params, x0, out):
    """Orbit of a map; ``out[0] = x0``."""
    out[0] = x0
    for t in range(1, out.shape[0]):
        map_step(system, params, out[t - 1], out[t])
