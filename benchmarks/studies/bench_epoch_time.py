"""Epoch time of skchaos's compiled training against the same loop in PyTorch.

One epoch = ``batches_per_epoch`` minibatches of ``batch_size`` windows of
``sequence_length`` steps, PLRNN with pinv forcing every ``tau`` steps, Adam; both sides
run in this process, alternately, one thread each (BLAS, numba and torch pinned).

    python studies/bench_epoch_time.py                 # torch comparison at M=30, 100
    python studies/bench_epoch_time.py --json out.json

Epoch time against M and window length, alone, is an asv benchmark
(``benchmarks/speed/training.py``); ``results/epoch_scaling.json`` is the last table of this
script's former ``--scaling`` mode.

PyTorch is a benchmark-only dependency: ``pip install torch==2.13.0``.
"""

import argparse
import statistics

import numpy as np
from _common import machine_record, median_time, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from skchaos._training import Adam, window_starts  # noqa: E402
from skchaos.datasets import make_lorenz63  # noqa: E402
from skchaos.dynamics import PLRNN  # noqa: E402


class SkchaosEpoch:
    """One training epoch through skchaos's kernels (the estimator's inner loop)."""

    def __init__(self, X, n_latent, seq_len, tau, batch_size, batches_per_epoch, forcing):
        rng = np.random.RandomState(0)
        self.rng = rng
        self.model = PLRNN(n_latent, X.shape[1], forcing).initialise(rng)
        self.gradient = self.model.minibatch_gradient(X, seq_len, tau, batch_size)
        self.optimiser = Adam(self.model.parameters.size, 1e-3)
        self.starts = window_starts([len(X)], seq_len)
        self.shape = (batches_per_epoch, batch_size)

    def __call__(self):
        picks = self.starts[self.rng.randint(0, len(self.starts), size=self.shape)]
        for batch in picks:
            _, grad = self.gradient(batch)
            self.optimiser.step(self.model.parameters, grad)


class TorchEpoch:
    """The same model and loop written the usual way in PyTorch (autograd, pinv forcing)."""

    def __init__(self, X, n_latent, seq_len, tau, batch_size, batches_per_epoch):
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(0)
        self.torch = torch
        n_features = X.shape[1]
        self.X = torch.as_tensor(X)
        f64 = torch.float64
        self.a = torch.nn.Parameter(0.5 * torch.ones(n_latent, dtype=f64))
        self.W = torch.nn.Parameter(0.01 * torch.randn(n_latent, n_latent, dtype=f64))
        self.h = torch.nn.Parameter(torch.zeros(n_latent, dtype=f64))
        self.B = torch.nn.Parameter(torch.randn(n_features, n_latent, dtype=f64)
                                    / n_latent ** 0.5)
        self.mask = 1.0 - torch.eye(n_latent, dtype=torch.float64)
        self.optimiser = torch.optim.Adam([self.a, self.W, self.h, self.B], lr=1e-3)
        self.seq_len, self.tau = seq_len, tau
        self.batch_size, self.batches_per_epoch = batch_size, batches_per_epoch
        self.rng = np.random.RandomState(0)

    def __call__(self):
        torch = self.torch
        n_starts = len(self.X) - self.seq_len
        for _ in range(self.batches_per_epoch):
            starts = torch.as_tensor(self.rng.randint(0, n_starts, size=self.batch_size))
            idx = starts[:, None] + torch.arange(self.seq_len + 1)[None, :]
            windows = self.X[idx]  # (batch, seq_len + 1, N)
            P = torch.linalg.pinv(self.B).detach()
            W = self.W * self.mask
            z = windows[:, 0] @ P.T
            loss = 0.0
            for t in range(1, self.seq_len + 1):
                z = self.a * z + torch.relu(z) @ W.T + self.h
                loss = loss + ((z @ self.B.T - windows[:, t]) ** 2).mean()
                if t % self.tau == 0:
                    z = windows[:, t] @ P.T
            loss = loss / self.seq_len
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()


def compare_with_torch(X, latents, repeats, seq_len=100, tau=30, batch_size=32,
                       batches_per_epoch=10):
    rows = []
    for n_latent in latents:
        ours = SkchaosEpoch(X, n_latent, seq_len, tau, batch_size, batches_per_epoch, "pinv")
        theirs = TorchEpoch(X, n_latent, seq_len, tau, batch_size, batches_per_epoch)
        ours(), theirs()
        t_ours, t_torch = [], []
        for _ in range(repeats):  # interleaved, so machine noise hits both alike
            t_ours.append(median_time(ours, 1))
            t_torch.append(median_time(theirs, 1))
        rows.append({"M": n_latent, "skchaos_ms": 1e3 * statistics.median(t_ours),
                     "torch_ms": 1e3 * statistics.median(t_torch),
                     "speedup": statistics.median(t_torch) / statistics.median(t_ours)})
    print_table(rows, ["M", "skchaos_ms", "torch_ms", "speedup"])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latents", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", default=None, help="write results to this JSON file")
    args = parser.parse_args()
    X = np.ascontiguousarray(make_lorenz63(30_000, random_state=0))
    X = (X - X.mean(0)) / X.std(0)
    record = machine_record()
    print(f"{record['cpu']}; numba threads {record['numba_threads']}; BLAS "
          + ", ".join(f"{b['internal_api']} {b['version']} x{b['num_threads']}"
                      for b in record["blas"]))
    payload = {"torch_comparison": compare_with_torch(X, args.latents, args.repeats)}
    if args.json:
        write_json("epoch_time", payload, args.json)


if __name__ == "__main__":
    main()
