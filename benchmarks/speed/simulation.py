"""Free runs of a fitted model: ``predict(n_steps)``, the loop behind every long-term score."""

import warnings

from ._models import compile_once, fitted_model

N_STEPS = 100_000


class FreeRun:
    """``predict(100_000)`` of a small fitted model (Lorenz-63, 5 epochs)."""

    params = [30, 100]
    param_names = ["n_latent"]
    repeat = (3, 10, 10.0)

    def setup_cache(self):
        return {n_latent: fitted_model(n_latent) for n_latent in self.params}

    def setup(self, models, n_latent):
        compile_once()
        self.estimator = models[n_latent]

    def time_predict(self, models, n_latent):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a barely trained model may leave the range
            self.estimator.predict(N_STEPS)
