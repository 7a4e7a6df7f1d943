"""The piecewise-linear RNN of the paper, ``z_t = A z_{t-1} + W relu(z_{t-1}) + h``, and
the almost-linear RNN, whose first units are linear."""

import numpy as np

from .._kernels import plrnn as _k
from ._base import PiecewiseLinear, check_listable
from ._compiled import CompiledModel, WindowGradient

__all__ = ["ALRNN", "PLRNN"]

FORCING_SCHEMES = {"identity": _k.IDENTITY_FORCING, "pinv": _k.PINV_FORCING}

# |a_i| < 1 keeps a unit without recurrent input from running away on its own: the
# failure mode of unconstrained training, where one diagonal entry of A grew above 1.
A_BOUND = 0.999


class PLRNN(CompiledModel, PiecewiseLinear):
    """Piecewise-linear RNN with diagonal ``A``, off-diagonal ``W`` and bias ``h``.

    Observations are ``x = B z``. Under ``forcing="pinv"`` (the paper's scheme) ``B`` is
    learned and forcing sets every unit to ``pinv(B) x``; under ``"identity"`` ``B`` is
    the fixed selection [I 0] (not trained) and forcing overwrites the first N units.

    Parameters
    ----------
    n_latent : int
        Latent units M, at least ``n_features``.
    n_features : int
        Observed features N.
    forcing : {"pinv", "identity"}, default="pinv"
        The forcing scheme, which also fixes the readout.

    Attributes
    ----------
    a, W, h : ndarray
        Views into :attr:`parameters`: diag(A) (M,), W (M, M), h (M,).
    B : ndarray of shape (N, M)
        Readout: a view into :attr:`parameters` under pinv forcing, else [I 0].

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.dynamics import PLRNN
    >>> model = PLRNN(3, 1)
    >>> model.a[:] = 0.5
    >>> model.h[:] = 1.0
    >>> model.step(np.zeros(3))
    array([1., 1., 1.])
    >>> model.jacobian(np.array([1.0, -1.0, 1.0])).diagonal()
    array([0.5, 0.5, 0.5])
    """

    _kernels = _k

    def __init__(self, n_latent, n_features, forcing="pinv"):
        if forcing not in FORCING_SCHEMES:
            raise ValueError(f"forcing must be one of {sorted(FORCING_SCHEMES)}, got "
                             f"{forcing!r}.")
        if not 1 <= n_features <= n_latent:
            raise ValueError(f"A PLRNN needs 1 <= n_features <= n_latent, got "
                             f"n_features={n_features}, n_latent={n_latent}.")
        self.n_latent, self.n_features, self.forcing = int(n_latent), int(n_features), forcing
        self.mode = FORCING_SCHEMES[forcing]
        self._set_theta(np.zeros(self._size()))

    # Units 0..n_linear-1 are linear; the PLRNN has none.
    n_linear = 0

    def _size(self):
        M, N = self.n_latent, self.n_features
        return 2 * M + M * M + N * M

    def _set_theta(self, theta):
        self._theta = theta
        self.a, self.W, self.h, B, C = self._views(theta)
        M, N = self.n_latent, self.n_features
        if B is None:
            B = np.zeros((N, M))
            B[:, :N] = np.eye(N)
        if C is None:
            C = np.zeros((M, N))
        self.B, self.C = B, C

    def _views(self, flat):
        """Split a flat vector laid out like :attr:`parameters` into (a, W, h, B, C), with
        None for the readout part the forcing scheme does not train."""
        M, N = self.n_latent, self.n_features
        a = flat[:M]
        W = flat[M:M + M * M].reshape(M, M)
        h = flat[M + M * M:2 * M + M * M]
        rest = flat[2 * M + M * M:]
        if self.mode == _k.PINV_FORCING:
            return a, W, h, rest.reshape(N, M), None
        return a, W, h, None, rest.reshape(M, N)

    @classmethod
    def from_matrices(cls, A, W, h, B, forcing="pinv"):
        """A PLRNN with the given parameters; ``A`` diagonal, ``B`` of shape (N, M).

        Under identity forcing ``B`` must be the selection matrix [I 0].
        """
        A, W, h, B = (np.asarray(v, dtype=np.float64) for v in (A, W, h, B))
        model = cls(len(h), B.shape[0], forcing)
        if A.shape != W.shape or W.shape != (model.n_latent, model.n_latent):
            raise ValueError(f"A {A.shape} and W {W.shape} must both be (M, M) with M = "
                             f"len(h) = {model.n_latent}.")
        if forcing == "identity" and not np.array_equal(B, model.B):
            raise ValueError("Under identity forcing B must be the selection matrix [I 0].")
        model.a[:] = np.diag(A)
        model.W[:] = W
        model.h[:] = h
        model.B[:] = B
        return model

    # pickle the flat vector only; the views are rebuilt (pickling them would copy them
    # apart from it).
    def __getstate__(self):
        state = dict(vars(self))
        for view in ("a", "W", "h", "B", "C"):
            del state[view]
        return state

    def __setstate__(self, state):
        theta = state.pop("_theta")
        vars(self).update(state)
        self._set_theta(theta)

    def __repr__(self):
        return (f"PLRNN(n_latent={self.n_latent}, n_features={self.n_features}, "
                f"forcing={self.forcing!r})")

    # ------------------------------------------------------------------ parameters
    @property
    def parameters(self):
        return self._theta

    def initialise(self, rng):
        """Random initial parameters whose linear part is stable but slow.

        A + W starts as a random positive-definite matrix scaled to spectral radius 1
        (split into its diagonal A and off-diagonal W), so the untrained network neither
        explodes nor forgets its input within a few steps; h and the initial map C start
        at zero and B with entries of size 1/sqrt(M).
        """
        M = self.n_latent
        R = rng.standard_normal((M, M))
        K = R.T @ R / M + np.eye(M)
        K /= np.linalg.eigvalsh(K).max()
        self._theta[:] = 0.0
        self.a[:] = np.diag(K)
        self.W[:] = K - np.diag(np.diag(K))
        if self.mode == _k.PINV_FORCING:
            self.B[:] = rng.uniform(-1.0, 1.0, size=self.B.shape) / np.sqrt(M)
        return self

    def constrain(self):
        np.clip(self.a, -A_BOUND, A_BOUND, out=self.a)

    def copy(self):
        model = self._empty_like()
        model._theta[:] = self._theta
        return model

    def _empty_like(self):
        return PLRNN(self.n_latent, self.n_features, self.forcing)

    def minibatch_gradient(self, X, seq_len, tau, batch_size, forcing_strength=1.0,
                           alpha=0.0, n_threads=1, dtype=np.float64):
        return PLRNNGradient(self, X, seq_len, tau, batch_size, forcing_strength, alpha,
                             n_threads, dtype)

    # ------------------------------------------------------- kernel arguments
    def weights(self):
        """The parameters as the kernels take them."""
        return _k.Weights(self.a, self.W, self.h, self.B, self.C, self.n_linear)

    # ---------------------------------------------------------- linear regions
    # A region's code is the sign pattern of the ReLU units (the last M - n_linear): one bit
    # per unit, 2^P regions, each an orthant, so every code is a non-empty region.
    def region(self, Z):
        return (np.asarray(Z)[..., self.n_linear:] > 0.0).astype(np.int8)

    def affine_maps(self, codes):
        codes = np.atleast_2d(codes)
        slopes = np.ones((len(codes), self.n_latent))
        slopes[:, self.n_linear:] = codes
        J = self.W[None, :, :] * slopes[:, None, :]
        diagonal = np.arange(self.n_latent)
        J[:, diagonal, diagonal] += self.a
        return J, np.broadcast_to(self.h, (len(codes), self.n_latent)).copy()

    def steps(self, Z):
        phi = np.array(Z, dtype=np.float64)
        np.maximum(phi[:, self.n_linear:], 0.0, out=phi[:, self.n_linear:])
        return Z * self.a + phi @ self.W.T + self.h

    def region_count(self):
        return 2 ** (self.n_latent - self.n_linear)

    def all_regions(self):
        check_listable(self)
        n_bits = self.n_latent - self.n_linear
        index = np.arange(2 ** n_bits)[:, None]
        return ((index >> np.arange(n_bits)) & 1).astype(np.int8)

    def random_codes(self, n, rng):
        return rng.randint(0, 2, size=(n, self.n_latent - self.n_linear)).astype(np.int8)


class PLRNNGradient(WindowGradient):
    """Minibatch loss and gradient of a PLRNN or an ALRNN (see ``WindowGradient``)."""

    _workspace_type = _k.Workspace

    def _workspace_shapes(self, seq_len, batch_size):
        M, N = self.model.n_latent, self.model.n_features
        return ((seq_len + 1, batch_size, M), (seq_len, batch_size, M),
                (seq_len, batch_size, N), (seq_len, batch_size, N), (seq_len, batch_size, M))

    def _pack(self, blocks):
        return _k.Weights(*blocks, self.model.n_linear)


class ALRNN(PLRNN):
    """Almost-linear RNN: a PLRNN whose first ``M - P`` units are linear.

    ``z_t = A z_{t-1} + W phi(z_{t-1}) + h`` with ``phi(z) = [z_1 .. z_{M-P},
    relu(z_{M-P+1}) .. relu(z_M)]`` (Brenner et al., NeurIPS 2024). With few piecewise-linear
    units the model has few linear regions (at most 2^P), each readable as an affine map,
    and a step costs little more than a linear one. Under identity forcing the observed
    units are the first N, which are linear when ``M - P >= N``.

    Parameters
    ----------
    n_latent : int
        Latent units M, at least ``n_features``.
    n_features : int
        Observed features N.
    n_piecewise : int
        Piecewise-linear (ReLU) units P, 1 <= P <= M.
    forcing : {"identity", "pinv"}, default="identity"
        The forcing scheme, which also fixes the readout.

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.dynamics import ALRNN
    >>> model = ALRNN(4, 2, n_piecewise=1)
    >>> model.h[:] = -1.0
    >>> model.W[0, 3] = 5.0
    >>> model.step(np.array([0.0, 0.0, 0.0, 1.0]))  # the ReLU unit 3 drives unit 0
    array([ 4., -1., -1., -1.])
    """

    def __init__(self, n_latent, n_features, n_piecewise, forcing="identity"):
        super().__init__(n_latent, n_features, forcing)
        if not 1 <= n_piecewise <= self.n_latent:
            raise ValueError(f"An ALRNN needs 1 <= n_piecewise <= n_latent, got "
                             f"n_piecewise={n_piecewise}, n_latent={n_latent}.")
        self.n_piecewise = int(n_piecewise)
        self.n_linear = self.n_latent - self.n_piecewise

    def _empty_like(self):
        return ALRNN(self.n_latent, self.n_features, self.n_piecewise, self.forcing)

    def __repr__(self):
        return (f"ALRNN(n_latent={self.n_latent}, n_features={self.n_features}, "
                f"n_piecewise={self.n_piecewise}, forcing={self.forcing!r})")
