"""What every latent model with compiled kernels shares: forcing and the dynamics methods,
each a thin call into the model's kernel module."""

import numpy as np

from ._base import LatentModel


class CompiledModel(LatentModel):
    """A latent model whose dynamics run in a kernel module (``_kernels``).

    The module provides ``ForcingMap``, ``PINV_FORCING``, ``force``, ``initial_state``,
    ``step``, ``jacobian``, ``forced_pass``, ``free_run``, ``one_step_map`` and
    ``tangent_spectrum``, all taking the subclass's :meth:`weights`. Inputs are converted to
    C-contiguous float64 (a no-op for the estimators' arrays), so that each kernel compiles
    once. Subclasses set ``_kernels`` and ``mode`` and define ``weights``, ``B`` and ``C``.
    """

    _kernels = None

    def forcing_map(self):
        """The forcing scheme and pinv(B), computed now (treated as data by the kernels)."""
        k = self._kernels
        if self.mode == k.PINV_FORCING:
            return k.ForcingMap(self.mode, np.ascontiguousarray(np.linalg.pinv(self.B)))
        return k.ForcingMap(self.mode, np.zeros((self.n_latent, self.n_features)))

    def step(self, z):
        out = np.empty(self.n_latent)
        self._kernels.step(self.weights(), np.ascontiguousarray(z, dtype=np.float64), out)
        return out

    def jacobian(self, z):
        out = np.empty((self.n_latent, self.n_latent))
        self._kernels.jacobian(self.weights(), np.ascontiguousarray(z, dtype=np.float64), out)
        return out

    def force(self, x, z=None):
        x = np.ascontiguousarray(x, dtype=np.float64)
        if z is None:
            z = np.empty(self.n_latent)
            self._kernels.initial_state(self.forcing_map(), self.C, x, z)
        else:
            z = np.array(z, dtype=np.float64)
            self._kernels.force(self.forcing_map(), x, z)
        return z

    def forced_state(self, X, z_init=None):
        X = np.ascontiguousarray(X, dtype=np.float64)
        z_init = (self.force(X[0]) if z_init is None
                  else np.ascontiguousarray(z_init, dtype=np.float64))
        return self._kernels.forced_pass(self.weights(), self.forcing_map(), X, z_init)

    def free_run(self, z0, n_steps):
        out = np.empty((n_steps, self.n_features))
        z_end = self._kernels.free_run(self.weights(), self.forcing_map(),
                                       np.ascontiguousarray(z0, dtype=np.float64), out)
        return out, z_end

    def one_step(self, X):
        X = np.ascontiguousarray(X, dtype=np.float64)
        out = np.empty_like(X)
        self._kernels.one_step_map(self.weights(), self.forcing_map(), X, out)
        return out

    def tangent_spectrum(self, z0, schedule, frame, running):
        return self._kernels.tangent_spectrum(
            self.weights(), np.ascontiguousarray(z0, dtype=np.float64), schedule, frame,
            running)
