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


class WindowGradient:
    """Loss and flat gradient of minibatches of windows, with workspaces allocated once.

    ``alpha`` (generalised teacher forcing between the sparse forcing steps) may be changed
    between calls; :meth:`forced_states` gives the states the last call ran through.
    Subclasses build the kernel module's workspace (:meth:`_workspace`) and the gradient's
    weights tuple as views into :attr:`grad` (:meth:`_gradient_weights`).
    """

    def __init__(self, model, X, seq_len, tau, batch_size, forcing_strength=1.0, alpha=0.0):
        self.model = model
        # The kernels' encoding of "never force" is tau = 0.
        self.tau = 0 if tau is None else int(tau)
        self.X, self.seq_len, self.forcing_strength = X, int(seq_len), float(forcing_strength)
        self.alpha = float(alpha)
        self.workspace = self._workspace(self.seq_len, batch_size)
        self.grad = np.zeros(model.parameters.size)
        self.grad_weights = self._gradient_weights(self.grad)
        self.noise_shape = (self.seq_len, batch_size, model.n_features)
        self.zero_noise = np.zeros(self.noise_shape)

    def _workspace(self, seq_len, batch_size):
        raise NotImplementedError

    def _gradient_weights(self, grad):
        raise NotImplementedError

    def __call__(self, starts, noise=None):
        k = self.model._kernels
        batch = k.WindowBatch(self.X, starts, self.seq_len, self.tau, self.forcing_strength,
                              self.alpha, self.zero_noise if noise is None else noise)
        loss = k.forward_backward(self.model.weights(), self.model.forcing_map(), batch,
                                  self.workspace, self.grad_weights)
        return loss, self.grad

    def forced_states(self):
        """States (before forcing) of the last call's windows, shape (seq_len, batch, M)."""
        return self.workspace.Z[1:]
