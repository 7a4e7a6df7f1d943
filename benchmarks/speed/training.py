"""Training: fit time over latent size and window length, and the memory of a long fit."""

import resource
import warnings

from skchaos import ChaoticRNNRegressor

from ._models import PLRNN, compile_once, lorenz

N_EPOCHS = 4  # each of 10 minibatches of 32 windows: divide the fit time by 4 for an epoch


def _estimator(n_latent, sequence_length, n_epochs):
    # validation_fraction=0: validation free-runs thousands of steps 50 times per fit,
    # which is a cost of its own (see simulation.py), not of training.
    return ChaoticRNNRegressor(**PLRNN, n_latent=n_latent, tau=30,
                               sequence_length=sequence_length,
                               n_epochs=n_epochs, validation_fraction=0.0, random_state=0)


class Fit:
    """``fit`` of ``N_EPOCHS`` epochs on 5,000 Lorenz-63 samples, tau = 30.

    The cost of training is linear in the window length and between linear and quadratic
    in the latent size M; a change to the training kernels shows here first.
    """

    params = ([20, 40, 80], [50, 100, 200])
    param_names = ["n_latent", "sequence_length"]
    number = 1
    repeat = (3, 10, 10.0)
    timeout = 120

    def setup_cache(self):
        return lorenz(5000)

    def setup(self, X, n_latent, sequence_length):
        compile_once()
        self.estimator = _estimator(n_latent, sequence_length, N_EPOCHS)

    def time_fit(self, X, n_latent, sequence_length):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.estimator.fit(X)


class FitMemory:
    """Memory of fitting a 10^6 x 3 series (23 MB), 2 epochs, default model size.

    Windows are read in place: a fit holds one standardised copy of the series and the
    minibatch workspaces, not a copy per window.
    """

    number = 1
    repeat = 1
    timeout = 120

    def setup_cache(self):
        return lorenz(1_000_000)

    def setup(self, X):
        compile_once()
        self.estimator = _estimator(80, 200, 2)

    def _fit(self, X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.estimator.fit(X)

    def peakmem_fit(self, X):
        """Peak resident memory of the process during the fit (the series included)."""
        self._fit(X)

    def track_fit_memory_increase(self, X):
        """How far the fit raises the process's peak resident memory, in MB."""
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self._fit(X)
        return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024.0

    track_fit_memory_increase.unit = "MB"


def _supports(**params):
    """Whether the installed ChaoticRNNRegressor has these parameters (older commits,
    which asv also measures, lack the newer ones)."""
    return set(params) <= set(ChaoticRNNRegressor().get_params())


class DefaultFit:
    """The default model's ``fit`` (shallow PLRNN, 3 latent and 100 hidden units, adaptive
    GTF), 20 epochs on 3x10^4 Lorenz-63 samples, over threads and kernel precision.

    ``threads="default"`` is what a user gets (numba's thread count; one thread before
    n_threads existed). Validation is on, as by default: 20 epochs make it weigh about
    ten times what it does in a 2000-epoch fit (the validation runs 50 times either way).
    """

    params = (["default", 1, 2], ["float64", "float32"])
    param_names = ["threads", "precision"]
    number = 1
    repeat = (3, 5, 30.0)
    timeout = 300

    def setup_cache(self):
        return lorenz(30_000)

    def setup(self, X, threads, precision):
        params = {} if threads == "default" else {"n_threads": threads}
        if precision != "float64":
            params["precision"] = precision
        if not _supports(**params):
            raise NotImplementedError("not in this version")
        self.estimator = ChaoticRNNRegressor(n_epochs=20, random_state=0, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ChaoticRNNRegressor(n_epochs=1, random_state=0, **params).fit(X[:2000])

    def time_fit(self, X, threads, precision):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.estimator.fit(X)


class PaperEpochs:
    """20 epochs at the paper's published settings (M = 30, tau = 30, 10 minibatches of 32
    windows of 100 steps), validation off: the epoch as ``fit`` runs it, with clipping, the
    optimiser and every per-minibatch step, over threads."""

    params = (["default", 1, 2],)
    param_names = ["threads"]
    number = 1
    repeat = (3, 10, 20.0)
    timeout = 120

    def setup_cache(self):
        return lorenz(30_000)

    def setup(self, X, threads):
        params = {} if threads == "default" else {"n_threads": threads}
        if not _supports(**params):
            raise NotImplementedError("not in this version")
        compile_once()
        self.estimator = ChaoticRNNRegressor(**PLRNN, n_latent=30, tau=30, sequence_length=100,
                                             learning_rate=1e-3, n_epochs=20,
                                             validation_fraction=0.0, random_state=0,
                                             **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.estimator.fit(X[:2000])

    def time_fit(self, X, threads):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.estimator.fit(X)
