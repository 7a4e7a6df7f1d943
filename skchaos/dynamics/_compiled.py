"""What every latent model with compiled kernels shares: forcing and the dynamics methods,
each a thin call into the model's kernel module."""

import weakref
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from .._kernels.forcing import average_chunks, pseudo_inverse
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
            return k.ForcingMap(self.mode, pseudo_inverse(self.B))
        if getattr(self, "_no_P", None) is None:  # one dummy per model, not per minibatch
            self._no_P = np.zeros((self.n_latent, self.n_features))
        return k.ForcingMap(self.mode, self._no_P)

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
        if z_init is None:
            # Rows with missing values (NaN) do not force; the pass starts at the first
            # complete row, from the state a window would start from.
            first = first_complete_row(X)
            X = X[first:]
            z_init = self.force(X[0])
        else:
            z_init = np.ascontiguousarray(z_init, dtype=np.float64)
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


def first_complete_row(X):
    """Index of the first row of ``X`` without a missing value (NaN)."""
    complete = ~np.isnan(X).any(axis=1)
    if not complete.any():
        raise ValueError(f"All {len(X)} rows of the context have missing values (NaN): "
                         "forcing needs at least one complete row.")
    return int(np.argmax(complete))


# A minibatch splits into equal chunks of at least this many windows, at most this many
# chunks, whatever the number of threads: a fit's result then does not depend on how many
# threads ran it. Smaller chunks made each thread's matrix products less efficient
# (measured on the PLRNN at M = 30 and 80 on 2 threads: 2 chunks of 16 windows ran
# 10-30% faster than 4 of 8; docs/decisions.md).
MIN_CHUNK_WINDOWS = 16
MAX_CHUNKS = 8


def chunk_count(batch_size):
    """How many equal chunks a minibatch of ``batch_size`` windows splits into: the largest
    divisor of ``batch_size`` that leaves at least ``MIN_CHUNK_WINDOWS`` windows per chunk,
    at most ``MAX_CHUNKS`` (equal chunks average to the minibatch's loss and gradient
    exactly)."""
    most = max(1, min(batch_size // MIN_CHUNK_WINDOWS, MAX_CHUNKS))
    return max(c for c in range(1, most + 1) if batch_size % c == 0)


class WindowGradient:
    """Loss and flat gradient of minibatches of windows, with workspaces allocated once.

    ``alpha`` (generalised teacher forcing between the sparse forcing steps) may be changed
    between calls; :meth:`forced_states` gives the states the last call ran through.
    Subclasses give the kernel module's workspace arrays (:meth:`_workspace_shapes`) and
    pack a weights tuple from the model's parameter views (:meth:`_pack`).

    Each minibatch splits into equal chunks of windows (:func:`chunk_count`, fixed by the
    batch size), each with its own workspace and gradient buffers (arrays with a leading
    chunk axis); ``n_threads`` threads share the chunks (the kernel releases the GIL), and
    the chunks' gradients are averaged once per minibatch, in a fixed order: the result
    does not depend on the number of threads. With ``dtype=float32`` the series, the
    noise, the buffers and a copy of the parameters (refreshed on every call) are
    float32; the returned gradient is float64 either way.
    """

    def __init__(self, model, X, seq_len, tau, batch_size, forcing_strength=1.0, alpha=0.0,
                 n_threads=1, dtype=np.float64):
        self.model = model
        # The kernels' encoding of "never force" is tau = 0.
        self.tau = 0 if tau is None else int(tau)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {self.dtype}.")
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.seq_len, self.forcing_strength = int(seq_len), float(forcing_strength)
        self.alpha = float(alpha)
        self.n_chunks = chunk_count(int(batch_size))
        # numba cannot run more threads than it started with (NUMBA_NUM_THREADS).
        self.n_threads = max(1, min(int(n_threads), self.n_chunks,
                                    numba.config.NUMBA_NUM_THREADS))
        self.chunk_size = int(batch_size) // self.n_chunks
        n_features = model.n_features
        self.workspace = self._workspace_type(
            *(np.empty((self.n_chunks, *shape), self.dtype)
              for shape in self._workspace_shapes(self.seq_len, self.chunk_size)))
        # The gradient: one stacked array per parameter block (the untrained readout part
        # a dummy), averaged over the chunks into the flat float64 vector.
        self.grad = np.zeros(model.parameters.size)
        blocks = model._views(np.arange(model.parameters.size))
        # The readout part the forcing fixes (B or C, the last two blocks) is not trained.
        fixed = [None] * (len(blocks) - 2) + [model.B, model.C]
        self._stacks = [np.zeros((self.n_chunks, *(f if b is None else b).shape), self.dtype)
                        for b, f in zip(blocks, fixed, strict=True)]
        # Where the chunks' mean goes: views into the flat gradient (None: untrained).
        self._totals = list(model._views(self.grad))
        self._chunk_works = [self._workspace_type(*(w[c] for w in self.workspace))
                             for c in range(self.n_chunks)]
        self._chunk_grads = [self._pack([stack[c] for stack in self._stacks])
                             for c in range(self.n_chunks)]
        self._losses = np.zeros(self.n_chunks)
        self._pool = None
        if self.dtype == np.float64:
            self.theta = None
        else:
            self.theta = np.empty(model.parameters.size, dtype=self.dtype)
            self.shadow_weights = self._pack(
                [f.astype(self.dtype) if b is None else b
                 for b, f in zip(model._views(self.theta), fixed, strict=True)])
        self.noise_shape = (self.seq_len, int(batch_size), n_features)
        self.zero_noise = np.zeros((self.n_chunks, self.seq_len, self.chunk_size, n_features),
                                   self.dtype)

    _workspace_type = None  # the kernel module's workspace named tuple

    def _workspace_shapes(self, seq_len, batch_size):
        """Shapes of the kernel module's workspace arrays for one chunk of windows."""
        raise NotImplementedError

    def _pack(self, blocks):
        """The kernel module's weights tuple from the parameter blocks, in the order of
        the model's ``_views``."""
        raise NotImplementedError

    def _weights_and_forcing(self):
        weights, forcing = self.model.weights(), self.model.forcing_map()
        if self.theta is None:
            return weights, forcing
        self.theta[:] = self.model.parameters
        return self.shadow_weights, type(forcing)(forcing.mode, forcing.P.astype(self.dtype))

    def _chunked_noise(self, noise):
        """(seq_len, batch, N) -> (chunks, seq_len, chunk, N), window b in chunk
        b // chunk_size."""
        if noise is None:
            return self.zero_noise
        shape = (self.seq_len, self.n_chunks, self.chunk_size, noise.shape[-1])
        return np.ascontiguousarray(noise.reshape(shape).transpose(1, 0, 2, 3),
                                    dtype=self.dtype)

    def __call__(self, starts, noise=None):
        k = self.model._kernels
        weights, forcing = self._weights_and_forcing()
        starts = starts.reshape(self.n_chunks, self.chunk_size)
        noise = self._chunked_noise(noise)

        def run(chunks):
            for c in chunks:
                batch = k.WindowBatch(self.X, starts[c], self.seq_len, self.tau,
                                      self.forcing_strength, self.alpha, noise[c])
                self._losses[c] = k.forward_backward(weights, forcing, batch,
                                                     self._chunk_works[c],
                                                     self._chunk_grads[c])

        # Thread j runs chunks j, j + n_threads, ...; this thread runs its own share.
        shares = [range(j, self.n_chunks, self.n_threads) for j in range(self.n_threads)]
        others = [self._executor().submit(run, share) for share in shares[1:]]
        run(shares[0])
        for future in others:
            future.result()
        for stack, total in zip(self._stacks, self._totals, strict=True):
            if total is not None:
                average_chunks(stack, total)
        return float(np.sum(self._losses) / self.n_chunks), self.grad

    def _executor(self):
        """The threads that run the other chunks, started on first use (the kernel
        releases the GIL); they end with this object."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.n_threads - 1,
                                            thread_name_prefix="skchaos-chunk")
            weakref.finalize(self, self._pool.shutdown, wait=False)
        return self._pool

    def forced_states(self):
        """States (before forcing) of the last call's windows, shape (seq_len, batch, M)."""
        Z = self.workspace.Z[:, 1:]  # (chunks, seq_len, chunk, M)
        return np.concatenate(list(Z), axis=1)
