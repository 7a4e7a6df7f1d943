"""Compile every numba kernel of skchaos once: ``python -m skchaos.warm_up`` (add
``--float32`` for the single-precision training kernels too).

Run it where the compiled code should be cached, for example while building a container
image or before a cluster's workers start, so that no later process pays the compilation
(docs/user_guide/deployment.md).
"""

import sys
import time
import warnings

__all__ = ["compile_kernels"]


def compile_kernels(float32=False):
    """Run every compiled code path once on tiny inputs, so that each kernel compiles.

    Where numba can write its cache (``NUMBA_CACHE_DIR``, or beside the package, or the
    user's cache directory), the compiled code is stored there and later processes load it.
    Kernels take the same argument types whatever the data, so one call covers every later
    use.

    Parameters
    ----------
    float32 : bool, default=False
        Also compile the training kernels in single precision (for
        ``ChaoticRNNRegressor(precision="float32")``; otherwise they compile on first use).

    Returns
    -------
    seconds : float
        Wall-clock time the compilation (or the loading from the cache) took.

    Examples
    --------
    >>> from skchaos.warm_up import compile_kernels
    >>> compile_kernels() > 0
    True
    """
    # Imported here: `python -m skchaos.warm_up` should time the kernels, not the import.
    from . import ChaoticRNNRegressor, LyapunovSpectrum
    from .datasets import HenonMap, Lorenz63, make_henon, make_lorenz63
    from .lyapunov import lyapunov_spectrum

    start = time.perf_counter()
    precisions = ("float64", "float32") if float32 else ("float64",)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny inputs: short-series warnings
        X = make_lorenz63(300, random_state=0)
        henon = HenonMap()
        henon.step(henon.jacobian(make_henon(10, random_state=0)[-1])[0])
        Lorenz63().vector_field(Lorenz63().jacobian(X[-1])[0])
        lyapunov_spectrum(henon, n_steps=10, n_transient=1)
        lyapunov_spectrum(Lorenz63(), n_steps=10, n_transient=1)
        # The PLRNN and the ALRNN share their kernels; the shallow PLRNNs share theirs. A
        # minibatch of 32 windows runs in two chunks, on threads.
        for model, forcing, precision in [(m, f, p) for m in ("plrnn", "shplrnn")
                                          for f in ("pinv", "identity")
                                          for p in precisions]:
            est = ChaoticRNNRegressor(model=model, n_latent=4, n_hidden=5, tau=3,
                                      forcing=forcing, gtf_alpha=0.1, sequence_length=10,
                                      batch_size=32, batches_per_epoch=1, n_epochs=1,
                                      teacher_noise=0.1, precision=precision,
                                      random_state=0).fit(X)
            if precision == "float32":
                continue  # the rest runs in float64 whatever the training precision
            est.predict(5)
            est.predict(X[:5])
            est.score(X[:50])
            LyapunovSpectrum(est, n_steps=10, n_transient=1).fit(X).transform(X[:2])
        from_data = LyapunovSpectrum().fit(X)
        from_data.transform(X[:2])
    return time.perf_counter() - start


def main():
    seconds = compile_kernels(float32="--float32" in sys.argv[1:])
    print(f"skchaos: kernels compiled or loaded from the cache in {seconds:.1f} s")


if __name__ == "__main__":
    main()
