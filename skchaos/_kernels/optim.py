"""The optimiser's update as one compiled pass over the flat parameter vector.

A step of Adam written with NumPy costs about ten array operations, each a Python call: at
the paper's model size (M = 30) that was a sizeable part of a minibatch. Here the gradient's
norm, its rescaling and the update run in one loop.
"""

from collections import namedtuple

import numpy as np

from ._jit import kernel

AdamMoments = namedtuple("AdamMoments", ["m", "v"])
AdamMoments.__doc__ = """Adam's running first and second moments, flat float64 arrays
updated in place."""

AdamStep = namedtuple("AdamStep",
                      ["learning_rate", "beta1", "beta2", "eps", "t", "max_grad_norm"])
AdamStep.__doc__ = """Settings of one update: the step size, Adam's decay rates and
epsilon, the (1-based) step count for the bias correction, and the norm the gradient is
rescaled to when larger (0: never rescaled). Floats, and ``t`` an int."""


@kernel
def adam_update(theta, grad, moments, step):
    """Rescale ``grad`` to ``step.max_grad_norm`` if larger, then update ``theta`` in place.

    Returns the gradient's norm before rescaling. A non-finite norm (a NaN or an infinity
    anywhere in ``grad``) returns at once, with ``theta`` and the moments untouched, so that
    the caller can report the divergence.
    """
    m, v = moments.m, moments.v
    beta1, beta2 = step.beta1, step.beta2
    squares = 0.0
    for i in range(grad.shape[0]):
        squares += grad[i] * grad[i]
    norm = np.sqrt(squares)
    if not np.isfinite(norm):
        return norm
    scale = 1.0
    if step.max_grad_norm > 0.0 and norm > step.max_grad_norm:
        scale = step.max_grad_norm / norm
    first_correction = 1.0 - beta1 ** step.t
    second_correction = 1.0 - beta2 ** step.t
    for i in range(theta.shape[0]):
        g = grad[i] * scale
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        m_hat = m[i] / first_correction
        v_hat = v[i] / second_correction
        theta[i] -= step.learning_rate * m_hat / (np.sqrt(v_hat) + step.eps)
    return norm
