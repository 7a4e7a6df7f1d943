"""Data, small fitted models and the numba warm-up shared by the benchmark modules."""

import warnings

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.datasets import make_lorenz63

_compiled = False


# The paper's model and forcing: these benchmarks follow its cost over the latent size.
PLRNN = dict(model="plrnn", forcing="pinv", gtf_alpha=0.0)


def lorenz(n_samples):
    """Lorenz-63, dt = 0.01, seed 0: the series every benchmark trains on."""
    return make_lorenz63(n_samples, random_state=0)


def fitted_model(n_latent, n_samples=2000, n_epochs=5):
    """A small model fitted in a second or so: its speed, not its quality, is measured."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ChaoticRNNRegressor(**PLRNN, n_latent=n_latent, tau=30, sequence_length=100,
                                   n_epochs=n_epochs, validation_fraction=0.0,
                                   random_state=0).fit(lorenz(n_samples))


def compile_once():
    """Run fit, predict and the model's spectrum once on tiny inputs, once per process.

    asv calls ``setup`` before every timed call; the first call in a process compiles
    numba's kernels (or loads them from numba's cache), so that no timing includes it.
    """
    global _compiled
    if _compiled:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = lorenz(300)
        est = ChaoticRNNRegressor(**PLRNN, n_latent=5, tau=30, sequence_length=50, n_epochs=1,
                                  validation_fraction=0.0, random_state=0).fit(X)
        est.predict(10)
        LyapunovSpectrum(est, n_steps=10, n_transient=0).fit(X)
    _compiled = True


class FittedModels:
    """Base of the benchmarks over small fitted models, one per ``n_latent`` in ``params``.

    Each subclass fits its models once per run in its own ``setup_cache`` (asv keys the
    cache by where that method is defined, so it cannot be inherited), returning
    ``self.fitted_models()``; ``setup`` warms the compiled code up before any timing.
    """

    param_names = ["n_latent"]
    repeat = (3, 10, 10.0)

    def fitted_models(self):
        return {n_latent: fitted_model(n_latent) for n_latent in self.params}

    def setup(self, models, n_latent):
        compile_once()
        self.estimator = models[n_latent]
