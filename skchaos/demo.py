"""The demo behind ``python -m skchaos``: learn Lorenz-63 from data and judge the free run.

Steps: generate a Lorenz-63 training series and an independent test trajectory; estimate
the Lyapunov spectrum of the data, whose largest exponent sets the predictability time
``ln 2 / lambda_max`` (the paper's forcing interval tau); choose the forcing: by default
generalised teacher forcing, whose strength follows the model's Jacobians during training
(``paper=True``: the paper's PLRNN with sparse forcing every tau steps); train a
ChaoticRNNRegressor; free-run it; report the state-space divergence and the
power-spectrum distance against the test trajectory, with the true system's own scores
(the floor) for scale, the same on a shorter test block against the floor estimated from
the training recording alone (what a user without the equations can do), and the model's
largest Lyapunov exponent against the data's; save a figure of both attractors when
matplotlib is installed.
"""

import argparse
import time

from . import ChaoticRNNRegressor, LyapunovSpectrum
from .datasets import Lorenz63
from .metrics import power_spectrum_distance, recording_floor, state_space_divergence

DT = 0.01
# The paper's configuration (NeurIPS 2022), with tau from the data's spectrum.
PAPER = {"model": "plrnn", "n_latent": 80, "forcing": "pinv", "gtf_alpha": 0.0,
         "n_epochs": 1000, "learning_rate": 2e-3}


def run_demo(n_train=30_000, n_test=100_000, n_epochs=None, random_state=0,
             figure="skchaos_demo.png", verbose=1, paper=False):
    """Run the demo and return its measures as a dict.

    Parameters
    ----------
    n_train : int, default=30000
        Training samples of Lorenz-63 at dt = 0.01.
    n_test : int, default=100000
        Length of the independent test trajectory and of the free run.
    n_epochs : int, default=None
        Training epochs; None keeps the estimator's default.
    random_state : int, default=0
        Seeds the data and the fit.
    figure : str or None, default="skchaos_demo.png"
        Where to save the figure; None for no figure.
    verbose : int, default=1
        Print progress and results.
    paper : bool, default=False
        Train the paper's configuration (PLRNN, 80 units, pinv forcing every
        ``tau = ln 2 / lambda_max`` steps) instead of the package's defaults.

    Returns
    -------
    results : dict
        ``tau`` (the predictability time in steps), ``max_exponent`` (estimated from the
        data, per time unit), ``model_max_exponent`` (of the fitted model, per time unit),
        ``gtf_alpha`` (the last forcing strength used), ``fit_seconds``,
        ``state_space_divergence``, ``power_spectrum_distance``, and the true system's
        scores against the same test trajectory (``reference_divergence``,
        ``reference_spectrum_distance``); ``block_divergence``, the model's divergence
        on a test block of a quarter of the training length, and ``recording_floor``,
        the floor for such a block estimated from the training recording alone
        (:func:`~skchaos.metrics.recording_floor`).

    Examples
    --------
    >>> from skchaos.demo import run_demo
    >>> results = run_demo(n_train=2000, n_test=2000, n_epochs=2, figure=None, verbose=0)
    >>> sorted(results)[:3]
    ['block_divergence', 'figure', 'fit_seconds']
    """
    say = print if verbose else (lambda *args, **kwargs: None)
    system = Lorenz63()
    X_train = system.generate(n_train, dt=DT, random_state=random_state)
    X_test = system.generate(n_test, dt=DT, random_state=random_state + 1)
    X_reference = system.generate(n_test, dt=DT, random_state=random_state + 2)

    say(f"Lorenz-63, dt={DT}: {n_train} training samples")
    spectrum = LyapunovSpectrum(dt=DT, random_state=0).fit(X_train)
    lambda_max = spectrum.max_exponent_
    tau = spectrum.suggested_tau_
    say(f"lambda_max estimated from the data: {lambda_max:.3f} per time unit (literature "
        f"{system.literature_max_exponent}) -> predictability time ln 2 / (lambda_max dt) "
        f"= {spectrum.predictability_time_:.0f} steps")
    # dt: the model's exponents then come out per time unit, like the data's.
    params = {"random_state": random_state, "verbose": verbose, "dt": DT}
    if paper:
        params.update(PAPER, tau=tau)
        say(f"forcing: the paper's sparse teacher forcing, every tau = {tau} steps")
    else:
        say("forcing: generalised teacher forcing, its strength chosen from the model's "
            "Jacobians as it trains (gtf_alpha='auto')")
    if n_epochs is not None:
        params["n_epochs"] = n_epochs
    est = ChaoticRNNRegressor(**params)
    start = time.perf_counter()
    est.fit(X_train)
    fit_seconds = time.perf_counter() - start
    X_gen = est.predict(n_test)
    model_spectrum = LyapunovSpectrum(estimator=est, n_exponents=1, random_state=0)
    model_lambda = model_spectrum.fit(X_train).max_exponent_

    results = {
        "tau": tau,
        "max_exponent": lambda_max,
        "model_max_exponent": model_lambda,
        "gtf_alpha": est.gtf_alpha_curve_[-1],
        "fit_seconds": fit_seconds,
        "state_space_divergence": state_space_divergence(X_test, X_gen),
        "power_spectrum_distance": power_spectrum_distance(X_test, X_gen),
        "reference_divergence": state_space_divergence(X_test, X_reference),
        "reference_spectrum_distance": power_spectrum_distance(X_test, X_reference),
        "figure": None,
    }
    # What a user without the equations can do: the floor from the training recording
    # alone, for test blocks of a quarter of its length, and the model on such a block.
    floor = recording_floor(X_train)
    block = X_test[:floor.test_length]
    results["block_divergence"] = state_space_divergence(block, X_gen)
    results["recording_floor"] = floor.state_space_divergence
    say(f"trained {est.n_iter_} epochs in {fit_seconds:.1f} s (last gtf_alpha "
        f"{results['gtf_alpha']:.3f}); free run of {n_test} steps")
    say(f"{'':28s}{'model':>10s}{'true system':>14s}")
    say(f"{'state-space divergence':28s}{results['state_space_divergence']:10.3f}"
        f"{results['reference_divergence']:14.3f}")
    say(f"{'power-spectrum distance':28s}{results['power_spectrum_distance']:10.3f}"
        f"{results['reference_spectrum_distance']:14.3f}")
    say(f"{'lambda_max (per time unit)':28s}{model_lambda:10.3f}{lambda_max:14.3f}")
    say(f"without the equations: on a test block of {floor.test_length} samples the model "
        f"scores D_stsp {results['block_divergence']:.3f}, "
        f"{floor.ratio(results['block_divergence']):.1f}x the floor estimated from the "
        f"training recording alone ({floor.state_space_divergence:.3f})")
    if figure is not None:
        results["figure"] = _save_figure(X_test, X_gen, figure)
        say(f"figure: {results['figure']}" if results["figure"]
            else "figure skipped: install matplotlib (pip install -e '.[plot]')")
    return results


def _save_figure(X_true, X_gen, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    n_show = min(len(X_true), 20_000)
    fig = plt.figure(figsize=(12, 4.5))
    for k, (X, title) in enumerate([(X_true, "Lorenz-63 (data)"),
                                    (X_gen, "ChaoticRNNRegressor (free run)")]):
        ax = fig.add_subplot(1, 3, k + 1, projection="3d")
        ax.plot(*X[:n_show].T, lw=0.3)
        ax.set_title(title)
    ax = fig.add_subplot(1, 3, 3)
    ax.plot(X_true[:2000, 0], lw=0.8, label="data")
    ax.plot(X_gen[:2000, 0], lw=0.8, label="free run")
    ax.set_xlabel("step")
    ax.set_ylabel("x")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skchaos",
        description="Learn Lorenz-63 from data and judge the learned system's free run.")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default: the estimator's default)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--figure", default="skchaos_demo.png",
                        help="figure path (default: skchaos_demo.png)")
    parser.add_argument("--no-figure", action="store_true", help="do not save a figure")
    parser.add_argument("--paper", action="store_true",
                        help="train the paper's configuration (PLRNN, sparse forcing every "
                             "tau = predictability time steps)")
    args = parser.parse_args(argv)
    run_demo(n_epochs=args.epochs, random_state=args.seed,
             figure=None if args.no_figure else args.figure, paper=args.paper)
