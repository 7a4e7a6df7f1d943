"""How far the minibatch loss rises above its first value, in fits that recover and in
fits that run away: the evidence behind ``skchaos._training.LOSS_EXPLOSION_FACTOR``.

Each configuration trains 150 epochs (40 latent units, no validation) on 4,000 samples,
two seeds, and records every minibatch loss. Prints a table and writes JSON:

    python studies/study_loss_explosion.py --json results/loss_explosion.json
"""

import argparse
import json
import platform
import warnings

import numpy as np
from threadpoolctl import threadpool_info

from skchaos import ChaoticRNNRegressor, _training
from skchaos.datasets import load_santafe_laser, make_lorenz63, make_rossler
from skchaos.dynamics.plrnn import PLRNNGradient
from skchaos.exceptions import TrainingDivergedError

CONFIGS = [
    ("lorenz", "tau=30 (default)", {}),
    ("lorenz", "tau=1", dict(tau=1)),
    ("lorenz", "tau=None", dict(tau=None)),
    ("lorenz", "tau=None identity", dict(tau=None, forcing="identity")),
    ("lorenz", "tau=None no clip lr=1e-2", dict(tau=None, max_grad_norm=None,
                                                learning_rate=1e-2)),
    ("lorenz", "tau=None unstandardised", dict(tau=None, standardize=False)),
    ("rossler", "tau=None", dict(tau=None)),
    ("laser", "tau=None no clip lr=1e-2", dict(tau=None, max_grad_norm=None,
                                               learning_rate=1e-2)),
    ("lorenz", "lr=1 no clip", dict(learning_rate=1.0, max_grad_norm=None)),
    ("lorenz", "lr=10", dict(learning_rate=10.0)),
    ("lorenz", "lr=1e6", dict(learning_rate=1e6)),
]


def record_losses():
    """Wrap the minibatch gradient so every loss lands in the returned list."""
    losses, original = [], PLRNNGradient.__call__

    def recording(self, starts, noise=None):
        loss, grad = original(self, starts, noise)
        losses.append(loss)
        return loss, grad

    PLRNNGradient.__call__ = recording
    return losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the table here")
    args = parser.parse_args()
    data = {"lorenz": make_lorenz63(4000, random_state=0),
            "rossler": make_rossler(4000, random_state=0),
            "laser": load_santafe_laser()[:4000, None]}
    losses = record_losses()
    rows = []
    print(f"{'system':8s} {'setting':28s} seed  first   max/first  last       outcome")
    for system, name, params in CONFIGS:
        for seed in range(2):
            losses.clear()
            est = ChaoticRNNRegressor(**dict(dict(n_latent=40, n_epochs=150,
                                                  validation_fraction=0.0,
                                                  random_state=seed), **params))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    est.fit(data[system])
                    outcome = "fitted"
                except TrainingDivergedError as exc:
                    outcome = str(exc).split(":")[0]
            finite = np.array([loss for loss in losses if np.isfinite(loss)])
            row = dict(system=system, setting=name, seed=seed, first=losses[0],
                       max_ratio=float(finite.max() / losses[0]), last=losses[-1],
                       n_minibatches=len(losses), outcome=outcome)
            rows.append(row)
            print(f"{system:8s} {name:28s} {seed:4d}  {row['first']:.3g}  "
                  f"{row['max_ratio']:9.3g}  {row['last']:9.3g}  {outcome}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": platform.platform(), "processor": platform.processor(),
                       "threadpools": threadpool_info(),
                       "loss_explosion_factor": _training.LOSS_EXPLOSION_FACTOR,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
