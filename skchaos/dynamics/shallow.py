"""The shallow PLRNN of Hess et al. (ICML 2023): ``z_t = A z_{t-1} + W1 phi(z_{t-1}) + h1``
with a one-hidden-layer piecewise-linear network ``phi``, standard or clipped."""

import numpy as np

from .._kernels import shallow as _k
from ._base import PiecewiseLinear, check_listable
from ._compiled import CompiledModel, WindowGradient
from .plrnn import A_BOUND, FORCING_SCHEMES

__all__ = ["ShallowPLRNN"]


class ShallowPLRNN(CompiledModel, PiecewiseLinear):
    """Shallow PLRNN: a diagonal linear part plus a one-hidden-layer ReLU network.

    ``z_t = a * z_{t-1} + W1 phi(z_{t-1}) + h1`` with L hidden units and

    - ``phi(z) = relu(W2 z + h2)`` (standard), or
    - ``phi(z) = relu(W2 z + h2) - relu(W2 z)`` (clipped, the default).

    The clipped nonlinearity is bounded, ``|phi_l| <= |h2_l|``, so with ``|a_i| < 1``
    (which :meth:`constrain` enforces) every orbit stays bounded:
    ``|z_i| <= max(|z0_i|, (sum_l |W1_il| |h2_l| + |h1_i|) / (1 - |a_i|))``. The latent
    dimension can stay as small as the data's (M = N under identity forcing) while the
    hidden width L carries the nonlinearity.

    Observations are ``x = B z``. Under ``forcing="identity"`` ``B`` is the fixed
    selection [I 0], forcing overwrites the first N units, and a window starts with units
    N.. at ``C[N:] x`` (C learned); under ``"pinv"`` ``B`` is learned and forcing sets
    every unit to ``pinv(B) x``.

    Parameters
    ----------
    n_latent : int
        Latent units M, at least ``n_features``.
    n_features : int
        Observed features N.
    n_hidden : int
        Hidden units L of the nonlinearity, at least 1.
    clipped : bool, default=True
        Use the clipped (bounded) nonlinearity.
    forcing : {"identity", "pinv"}, default="identity"
        The forcing scheme, which also fixes the readout.

    Attributes
    ----------
    a, W1, W2, h1, h2 : ndarray
        Views into :attr:`parameters`: diag(A) (M,), W1 (M, L), W2 (L, M), h1 (M,),
        h2 (L,).
    B : ndarray of shape (N, M)
        Readout: a view into :attr:`parameters` under pinv forcing, else [I 0].
    C : ndarray of shape (M, N)
        Initial map of the unobserved units: a view into :attr:`parameters` under
        identity forcing (rows N.. used), else zeros.

    Examples
    --------
    >>> import numpy as np
    >>> from skchaos.dynamics.shallow import ShallowPLRNN
    >>> model = ShallowPLRNN(2, 1, n_hidden=3)
    >>> model.a[:] = 0.5
    >>> model.W1[:] = 1.0
    >>> model.W2[:] = 1.0
    >>> model.h2[:] = 1.0
    >>> model.step(np.zeros(2))  # each hidden unit: relu(0 + 1) - relu(0) = 1
    array([3., 3.])
    >>> model.step(np.array([10.0, 10.0]))  # saturated: still 1 per hidden unit
    array([8., 8.])
    >>> model.jacobian(np.array([10.0, 10.0]))
    array([[0.5, 0. ],
           [0. , 0.5]])
    """

    _kernels = _k

    def __init__(self, n_latent, n_features, n_hidden, clipped=True, forcing="identity"):
        if forcing not in FORCING_SCHEMES:
            raise ValueError(f"forcing must be one of {sorted(FORCING_SCHEMES)}, got "
                             f"{forcing!r}.")
        if not 1 <= n_features <= n_latent:
            raise ValueError(f"A ShallowPLRNN needs 1 <= n_features <= n_latent, got "
                             f"n_features={n_features}, n_latent={n_latent}.")
        if not n_hidden >= 1:
            raise ValueError(f"A ShallowPLRNN needs n_hidden >= 1, got n_hidden={n_hidden}.")
        if not isinstance(clipped, bool | np.bool_):
            raise ValueError(f"clipped must be True or False, got {clipped!r}.")
        self.n_latent, self.n_features, self.n_hidden = (int(n_latent), int(n_features),
                                                         int(n_hidden))
        self.clipped, self.forcing = bool(clipped), forcing
        self.mode = FORCING_SCHEMES[forcing]
        self._set_theta(np.zeros(self._size()))

    def _size(self):
        M, N, L = self.n_latent, self.n_features, self.n_hidden
        return 2 * M + 2 * M * L + L + N * M

    def _set_theta(self, theta):
        self._theta = theta
        self.a, self.W1, self.W2, self.h1, self.h2, B, C = self._views(theta)
        M, N = self.n_latent, self.n_features
        if B is None:
            B = np.zeros((N, M))
            B[:, :N] = np.eye(N)
        if C is None:
            C = np.zeros((M, N))
        self.B, self.C = B, C

    def _views(self, flat):
        """Split a flat vector laid out like :attr:`parameters` into (a, W1, W2, h1, h2, B,
        C), with None for the readout part the forcing scheme does not train."""
        M, N, L = self.n_latent, self.n_features, self.n_hidden
        ends = np.cumsum([M, M * L, L * M, M, L])
        a = flat[:ends[0]]
        W1 = flat[ends[0]:ends[1]].reshape(M, L)
        W2 = flat[ends[1]:ends[2]].reshape(L, M)
        h1 = flat[ends[2]:ends[3]]
        h2 = flat[ends[3]:ends[4]]
        rest = flat[ends[4]:]
        if self.mode == _k.PINV_FORCING:
            return a, W1, W2, h1, h2, rest.reshape(N, M), None
        return a, W1, W2, h1, h2, None, rest.reshape(M, N)

    # pickle the flat vector only; the views are rebuilt (pickling them would copy them
    # apart from it).
    def __getstate__(self):
        state = dict(vars(self))
        for view in ("a", "W1", "W2", "h1", "h2", "B", "C"):
            del state[view]
        return state

    def __setstate__(self, state):
        theta = state.pop("_theta")
        vars(self).update(state)
        self._set_theta(theta)

    def __repr__(self):
        return (f"ShallowPLRNN(n_latent={self.n_latent}, n_features={self.n_features}, "
                f"n_hidden={self.n_hidden}, clipped={self.clipped}, "
                f"forcing={self.forcing!r})")

    # ------------------------------------------------------------------ parameters
    @property
    def parameters(self):
        return self._theta

    def initialise(self, rng):
        """Random initial parameters: a leaky blend of the state and a small random network.

        The step starts as ``z_i <- a_i z_i + (1 - a_i) (V phi(z))_i`` with ``W1 =
        diag(1 - a) V``: each unit keeps a fraction ``a_i`` of its state and moves the rest
        of the way to the output of a random one-hidden-layer network.

        - ``a`` uniform in [0.5, 0.9]: every unit remembers its input for a few to ten steps
          whatever M (the diagonal of a normalised positive-definite matrix, which the
          PLRNN and Hess et al.'s code use, tends to 1 for small M, where the shallow model
          is meant to be used).
        - ``V`` and ``W2`` uniform in +-1/sqrt(fan-in) (L for V, M for W2), Hess et al.'s
          ``uniform_init``: the network's gain ``||V relu(W2 z)|| / ||z||`` is about 0.24
          whatever M and L. Without the factor ``(1 - a)`` the gain added to ``a`` near 0.9
          made a fifth to a third of untrained standard models diverge in free runs; with
          it each unit's far-field map is a convex blend of z and a map of gain well below
          1, and none of 100 seeds per size (M from 1 to 100, L from 2 to 1000, either
          forcing) did. For the clipped model it makes the absorbing box
          ``|z_i| <= sum_l |V_il| |h2_l|`` independent of ``a``.
        - ``h2`` uniform in +-2 s_l, where s_l is the standard deviation of the
          pre-activation ``(W2 z)_l`` over standardised data (unit-variance features forced
          into the state; C = 0): the hidden units' kinks cut through the bulk of the data
          at random offsets. With ``h2`` symmetric about 0 half the standard units are
          active at a typical state, and about a third of the clipped units sit on their
          ramp (phi' != 0). ``h2 = 0``, the authors' choice for the standard model, would
          make the clipped nonlinearity identically zero.
        - ``h1`` and the initial map ``C`` start at zero; ``B`` (pinv forcing) with entries
          uniform in +-1/sqrt(M), as the PLRNN's.
        """
        M, N, L = self.n_latent, self.n_features, self.n_hidden
        self._theta[:] = 0.0
        self.a[:] = rng.uniform(0.5, 0.9, size=M)
        self.W1[:] = (1.0 - self.a)[:, None] * rng.uniform(-1.0, 1.0, size=(M, L)) / np.sqrt(L)
        self.W2[:] = rng.uniform(-1.0, 1.0, size=(L, M)) / np.sqrt(M)
        if self.mode == _k.PINV_FORCING:
            self.B[:] = rng.uniform(-1.0, 1.0, size=self.B.shape) / np.sqrt(M)
            to_state = np.linalg.pinv(self.B)
        else:
            to_state = np.eye(M, N)
        # x ~ (0, I): u = W2 F x has standard deviations the row norms of W2 F.
        spread = np.linalg.norm(self.W2 @ to_state, axis=1)
        self.h2[:] = rng.uniform(-2.0, 2.0, size=L) * spread
        return self

    def constrain(self):
        np.clip(self.a, -A_BOUND, A_BOUND, out=self.a)

    def copy(self):
        model = ShallowPLRNN(self.n_latent, self.n_features, self.n_hidden, self.clipped,
                             self.forcing)
        model._theta[:] = self._theta
        return model

    def minibatch_gradient(self, X, seq_len, tau, batch_size, forcing_strength=1.0,
                           alpha=0.0, n_threads=1, dtype=np.float64):
        return ShallowPLRNNGradient(self, X, seq_len, tau, batch_size, forcing_strength,
                                    alpha, n_threads, dtype)

    # ------------------------------------------------------- kernel arguments
    def weights(self):
        """The parameters as the kernels take them."""
        return _k.ShallowWeights(self.a, self.W1, self.W2, self.h1, self.h2, self.B, self.C,
                                 int(self.clipped))

    # ---------------------------------------------------------- linear regions
    # A region's code is [u + h2 > 0] for the L hidden units (u = W2 z), followed for the
    # clipped model by [u > 0]: each clipped unit has three pieces (off, ramp, saturated),
    # so a code has 2L bits of which 3^L combinations are possible.
    def region(self, Z):
        U = np.asarray(Z) @ self.W2.T
        active = U + self.h2 > 0.0
        if self.clipped:
            active = np.concatenate([active, U > 0.0], axis=-1)
        return active.astype(np.int8)

    def affine_maps(self, codes):
        codes = np.atleast_2d(codes)
        L = self.n_hidden
        shifted = codes[:, :L].astype(np.float64)
        slopes = shifted - codes[:, L:] if self.clipped else shifted
        J = np.einsum("il,nl,lj->nij", self.W1, slopes, self.W2)
        diagonal = np.arange(self.n_latent)
        J[:, diagonal, diagonal] += self.a
        c = self.h1 + (shifted * self.h2) @ self.W1.T
        return J, c

    def steps(self, Z):
        U = Z @ self.W2.T
        phi = np.maximum(U + self.h2, 0.0)
        if self.clipped:
            phi -= np.maximum(U, 0.0)
        return Z * self.a + phi @ self.W1.T + self.h1

    def _unit_pieces(self):
        """Per hidden unit, the codes ([u + h2 > 0], [u > 0]) its pieces can have."""
        if not self.clipped:
            return [[(0,), (1,)]] * self.n_hidden
        # u + h2 > 0 and u > 0 are nested half-lines: h2 > 0 allows (0, 0), (1, 0),
        # (1, 1); h2 < 0 allows (0, 0), (0, 1), (1, 1); h2 = 0 only the two ends.
        pieces = []
        for h in self.h2:
            middle = [(1, 0)] if h > 0 else [(0, 1)] if h < 0 else []
            pieces.append([(0, 0), *middle, (1, 1)])
        return pieces

    def region_count(self):
        return int(np.prod([len(p) for p in self._unit_pieces()], dtype=object))

    def all_regions(self):
        check_listable(self)
        pieces = self._unit_pieces()
        grids = np.meshgrid(*[np.arange(len(p)) for p in pieces], indexing="ij")
        choice = np.stack([g.ravel() for g in grids], axis=1)
        return self._codes_from_choices(choice, pieces)

    def random_codes(self, n, rng):
        pieces = self._unit_pieces()
        choice = np.stack([rng.randint(len(p), size=n) for p in pieces], axis=1)
        return self._codes_from_choices(choice, pieces)

    def _codes_from_choices(self, choice, pieces):
        L = self.n_hidden
        codes = np.zeros((len(choice), 2 * L if self.clipped else L), dtype=np.int8)
        for unit, unit_pieces in enumerate(pieces):
            table = np.array(unit_pieces, dtype=np.int8)[choice[:, unit]]
            codes[:, unit] = table[:, 0]
            if self.clipped:
                codes[:, L + unit] = table[:, 1]
        return codes


class ShallowPLRNNGradient(WindowGradient):
    """Minibatch loss and gradient of a shallow PLRNN (see ``WindowGradient``)."""

    _workspace_type = _k.ShallowWorkspace

    def _workspace_shapes(self, seq_len, batch_size):
        M, N = self.model.n_latent, self.model.n_features
        return ((seq_len + 1, batch_size, M), (seq_len, batch_size, M),
                (seq_len, batch_size, N), (seq_len, batch_size, M))

    def _pack(self, blocks):
        return _k.ShallowWeights(*blocks, int(self.model.clipped))
