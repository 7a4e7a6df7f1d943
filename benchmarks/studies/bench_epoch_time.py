"""Epoch time of skchaos's compiled training against the same loop in PyTorch and in JAX.

One epoch = ``batches_per_epoch`` minibatches of ``batch_size`` windows of
``sequence_length`` steps, PLRNN with pinv forcing every ``tau`` steps, Adam. Columns:

- ``kernel_ms``: skchaos's kernels driven directly (the estimator's inner loop);
- ``fit_ms`` (one column per ``--fit-params`` setting): an epoch through
  ``ChaoticRNNRegressor.fit``, as (time of a fit of N2 epochs - time of a fit of N1 epochs)
  / (N2 - N1), so start-up costs (standardising, compiling, initialising) cancel;
- ``torch_ms``: the same model and epoch in PyTorch, eager, autograd, ``torch.optim.Adam``;
- ``jax_ms``: the same in JAX, the whole minibatch step (forward, ``value_and_grad``,
  Adam) one ``jax.jit`` function with the time loop a ``lax.scan``, float64.

Everything runs in this process, alternately, so machine noise hits all alike; each column
is the median over ``--repeats``. BLAS and numba are pinned to one thread; torch and JAX
run ``--threads`` threads (default 1) and the estimator whatever its ``--fit-params`` ask
for (numba's pool is sized to the largest ``n_threads`` there, its default kept at 1).
Before timing, the script checks that the peers compute the same thing: the loss of one
minibatch from the same initial parameters in JAX, PyTorch, plain numpy and skchaos's
kernels, and the JAX and PyTorch gradients, agree to 1e-10 relative. After the table, each
column's cores busy (process CPU time / wall time) checks the thread settings: JAX is held
to ``--threads`` by the CPU affinity its client starts under (``import_jax``), as the
``XLA_FLAGS`` of older jaxlibs no longer bound it.

    python bench_epoch_time.py                       # M=30, everything one thread
    python bench_epoch_time.py --latents 30 100 --repeats 7 --json out.json
    python bench_epoch_time.py --fit-params '{}' '{"n_threads": 2}' --threads 2

Epoch time against M and window length, alone, is an asv benchmark
(``benchmarks/speed/training.py``); ``results/epoch_scaling.json`` is the last table of this
script's former ``--scaling`` mode.

PyTorch and JAX are benchmark-only dependencies (extra ``bench``):
``pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu`` and
``pip install "jax[cpu]==0.10.2"``.
"""

import argparse
import json
import os
import statistics
import time
import warnings

import numpy as np
from _common import machine_record, median_time, pin_threads, print_table, write_json

RTOL = 1e-10  # agreement asked of the peers' losses and gradients


def initial_parameters(n_latent, n_features, seed=0):
    """skchaos's own initial PLRNN parameters (a, W, h, B), shared by every peer."""
    from skchaos.dynamics import PLRNN

    model = PLRNN(n_latent, n_features, "pinv").initialise(np.random.RandomState(seed))
    return {"a": model.a.copy(), "W": model.W.copy(), "h": model.h.copy(),
            "B": model.B.copy()}


class SkchaosEpoch:
    """One training epoch through skchaos's kernels (the estimator's inner loop)."""

    def __init__(self, X, n_latent, seq_len, tau, batch_size, batches_per_epoch, forcing):
        from skchaos._training import Adam, window_starts
        from skchaos.dynamics import PLRNN

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

    def __init__(self, X, n_latent, seq_len, tau, batch_size, batches_per_epoch, threads=1):
        import torch

        torch.set_num_threads(threads)
        self.torch = torch
        self.X = torch.as_tensor(X)
        init = initial_parameters(n_latent, X.shape[1])
        self.a, self.W, self.h, self.B = (torch.nn.Parameter(torch.tensor(init[k]))
                                          for k in ("a", "W", "h", "B"))
        self.mask = 1.0 - torch.eye(n_latent, dtype=torch.float64)
        self.optimiser = torch.optim.Adam([self.a, self.W, self.h, self.B], lr=1e-3)
        self.seq_len, self.tau = seq_len, tau
        self.batch_size, self.batches_per_epoch = batch_size, batches_per_epoch
        self.rng = np.random.RandomState(0)

    def loss(self, starts):
        torch = self.torch
        idx = torch.as_tensor(starts)[:, None] + torch.arange(self.seq_len + 1)[None, :]
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
        return loss / self.seq_len

    def __call__(self):
        n_starts = len(self.X) - self.seq_len
        for _ in range(self.batches_per_epoch):
            loss = self.loss(self.rng.randint(0, n_starts, size=self.batch_size))
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()


class JaxEpoch:
    """The same model and loop written the usual way in JAX.

    One jitted function per minibatch: gather the windows, ``value_and_grad`` of a loss
    whose time loop is a ``lax.scan``, and Adam (by hand, as ``torch.optim.Adam``: lr 1e-3,
    betas 0.9 and 0.999, eps 1e-8, bias-corrected). The epoch is a Python loop over the
    minibatches and waits for the last update, since JAX dispatches asynchronously.
    """

    def __init__(self, X, n_latent, seq_len, tau, batch_size, batches_per_epoch,
                 learning_rate=1e-3, betas=(0.9, 0.999), eps=1e-8):
        import jax
        import jax.numpy as jnp

        self.jax = jax
        self.X = jnp.asarray(X)
        init = initial_parameters(n_latent, X.shape[1])
        self.params = {k: jnp.asarray(v) for k, v in init.items()}
        zeros = jax.tree_util.tree_map(jnp.zeros_like, self.params)
        self.state = {"m": zeros, "v": zeros, "t": jnp.zeros((), jnp.int64)}
        mask = 1.0 - jnp.eye(n_latent)
        offsets = jnp.arange(seq_len + 1)
        steps = jnp.arange(1, seq_len + 1)
        b1, b2 = betas

        def loss_fn(params, X, starts):
            windows = X[starts[:, None] + offsets[None, :]]  # (batch, seq_len + 1, N)
            P = jax.lax.stop_gradient(jnp.linalg.pinv(params["B"]))
            W = params["W"] * mask

            def step(z, inputs):
                t, x = inputs
                z = params["a"] * z + jax.nn.relu(z) @ W.T + params["h"]
                error = jnp.mean((z @ params["B"].T - x) ** 2)
                return jnp.where(t % tau == 0, x @ P.T, z), error

            _, errors = jax.lax.scan(step, windows[:, 0] @ P.T,
                                     (steps, jnp.swapaxes(windows[:, 1:], 0, 1)))
            return jnp.mean(errors)

        @jax.jit
        def train_step(params, state, X, starts):
            loss, grads = jax.value_and_grad(loss_fn)(params, X, starts)
            t = state["t"] + 1
            m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, state["m"], grads)
            v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g,
                                       state["v"], grads)
            params = jax.tree_util.tree_map(
                lambda p, m, v: p - learning_rate * (m / (1 - b1 ** t))
                / (jnp.sqrt(v / (1 - b2 ** t)) + eps), params, m, v)
            return params, {"m": m, "v": v, "t": t}, loss

        self.loss = jax.jit(loss_fn)
        self.gradient = jax.jit(jax.grad(loss_fn))
        self.train_step = train_step
        self.seq_len, self.batch_size = seq_len, batch_size
        self.batches_per_epoch = batches_per_epoch
        self.rng = np.random.RandomState(0)

    def __call__(self):
        n_starts = len(self.X) - self.seq_len
        for _ in range(self.batches_per_epoch):
            starts = self.rng.randint(0, n_starts, size=self.batch_size)
            self.params, self.state, loss = self.train_step(self.params, self.state,
                                                            self.X, starts)
        loss.block_until_ready()


class FitEpoch:
    """An epoch through ``ChaoticRNNRegressor.fit``: the difference of two fits' times."""

    def __init__(self, X_raw, n_latent, fit_params, n_epochs=(20, 220)):
        import skchaos

        self.X = X_raw
        self.n_epochs = n_epochs
        self.estimator = skchaos.ChaoticRNNRegressor(
            model="plrnn", forcing="pinv", gtf_alpha=0.0, n_latent=n_latent, tau=30,
            sequence_length=100, batch_size=32, batches_per_epoch=10, learning_rate=1e-3,
            validation_fraction=0.0, random_state=0, **fit_params)

    def fit_time(self, n_epochs):
        self.estimator.set_params(n_epochs=n_epochs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            self.estimator.fit(self.X)
            return time.perf_counter() - start

    def warm_up(self):
        self.fit_time(self.n_epochs[0])

    def __call__(self):
        """Seconds per epoch, from one fit of each length (the shorter first)."""
        n1, n2 = self.n_epochs
        t1 = self.fit_time(n1)
        cpu = time.process_time()
        t2 = self.fit_time(n2)
        self.cores_busy = (time.process_time() - cpu) / t2
        return (t2 - t1) / (n2 - n1)


def numpy_loss(params, X, starts, seq_len, tau):
    """The minibatch loss in plain float64 numpy: the reference of the correctness check."""
    windows = X[starts[:, None] + np.arange(seq_len + 1)[None, :]]
    P = np.linalg.pinv(params["B"])
    W = params["W"] * (1.0 - np.eye(len(params["a"])))
    z = windows[:, 0] @ P.T
    loss = 0.0
    for t in range(1, seq_len + 1):
        z = params["a"] * z + np.maximum(z, 0.0) @ W.T + params["h"]
        loss += np.mean((z @ params["B"].T - windows[:, t]) ** 2)
        if t % tau == 0:
            z = windows[:, t] @ P.T
    return loss / seq_len


def check_agreement(X, n_latent, seq_len, tau, batch_size, torch_epoch, jax_epoch):
    """Loss and gradient of one minibatch, from the shared initial parameters, by every peer.

    Run before any training step (the peers' parameters are still the initial ones).
    """
    from skchaos.dynamics import PLRNN

    params = initial_parameters(n_latent, X.shape[1])
    starts = np.random.RandomState(1).randint(0, len(X) - seq_len, size=batch_size)
    reference = numpy_loss(params, X, starts, seq_len, tau)

    model = PLRNN(n_latent, X.shape[1], "pinv").initialise(np.random.RandomState(0))
    kernel_loss, _ = model.minibatch_gradient(X, seq_len, tau, batch_size)(starts)

    torch_loss = torch_epoch.loss(starts)
    torch_loss.backward()
    torch_grad = {k: getattr(torch_epoch, k).grad.numpy().copy() for k in params}
    torch_epoch.optimiser.zero_grad()

    jax_loss = float(jax_epoch.loss(jax_epoch.params, jax_epoch.X, starts))
    jax_grad = {k: np.asarray(v)
                for k, v in jax_epoch.gradient(jax_epoch.params, jax_epoch.X, starts).items()}

    losses = {"numpy": reference, "skchaos_kernel": float(kernel_loss),
              "torch": torch_loss.item(), "jax": jax_loss}
    loss_error = {k: abs(v - reference) / abs(reference) for k, v in losses.items()}
    grad_error = max(np.linalg.norm(jax_grad[k] - torch_grad[k])
                     / np.linalg.norm(torch_grad[k]) for k in params)
    record = {"M": n_latent, "losses": losses, "loss_rel_error": loss_error,
              "grad_rel_error_jax_vs_torch": float(grad_error)}
    print(f"M={n_latent}: loss {reference:.12g}; relative error: "
          + ", ".join(f"{k} {v:.1e}" for k, v in loss_error.items() if k != "numpy")
          + f"; gradient jax vs torch {grad_error:.1e}")
    assert loss_error["jax"] < RTOL and loss_error["torch"] < RTOL, record
    assert grad_error < RTOL, record
    return record


def cores_busy(fn, seconds=1.0):
    """CPU time of the whole process over wall time while calling ``fn`` for ``seconds``:
    how many cores a peer really keeps busy (at most the cores that other work leaves)."""
    cpu, wall = time.process_time(), time.perf_counter()
    while time.perf_counter() < wall + seconds:
        fn()
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def fit_label(params):
    if not params:
        return "fit_ms"
    return "fit[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]_ms"


def compare(X, X_raw, latents, repeats, fit_params, fit_epochs, threads, seq_len=100, tau=30,
            batch_size=32, batches_per_epoch=10):
    labels = [fit_label(p) for p in fit_params]
    rows, checks = [], []
    for n_latent in latents:
        kernel = SkchaosEpoch(X, n_latent, seq_len, tau, batch_size, batches_per_epoch,
                              "pinv")
        torch_epoch = TorchEpoch(X, n_latent, seq_len, tau, batch_size, batches_per_epoch,
                                 threads)
        jax_epoch = JaxEpoch(X, n_latent, seq_len, tau, batch_size, batches_per_epoch)
        checks.append(check_agreement(X, n_latent, seq_len, tau, batch_size, torch_epoch,
                                      jax_epoch))
        fits = [FitEpoch(X_raw, n_latent, p, fit_epochs) for p in fit_params]
        kernel(), torch_epoch(), jax_epoch()  # compile (numba, XLA), warm caches
        for fit in fits:
            fit.warm_up()
        busy = {"kernel": cores_busy(kernel), "torch": cores_busy(torch_epoch),
                "jax": cores_busy(jax_epoch)}
        times = {"kernel_ms": [], "torch_ms": [], "jax_ms": [], **{k: [] for k in labels}}
        for _ in range(repeats):  # interleaved, so machine noise hits all alike
            times["kernel_ms"].append(median_time(kernel, 1))
            times["torch_ms"].append(median_time(torch_epoch, 1))
            times["jax_ms"].append(median_time(jax_epoch, 1))
            for label, fit in zip(labels, fits, strict=True):
                times[label].append(fit())
        row = {"M": n_latent, **{k: 1e3 * statistics.median(v) for k, v in times.items()}}
        busy.update({label: fit.cores_busy for label, fit in zip(labels, fits, strict=True)})
        for peer in ("torch", "jax"):
            for base in ("kernel_ms", *labels):
                row[f"{peer}/{base[:-3]}"] = row[f"{peer}_ms"] / row[base]
        rows.append({**row, "cores_busy": busy})
    columns = ["M", "kernel_ms", *labels, "torch_ms", "jax_ms",
               *(f"{peer}/{base[:-3]}" for peer in ("torch", "jax")
                 for base in ("kernel_ms", *labels))]
    print_table(rows, columns)
    print("cores busy (process CPU time / wall time): " + "; ".join(
        f"M={r['M']} " + ", ".join(f"{k} {v:.2f}" for k, v in r["cores_busy"].items())
        for r in rows))
    return rows, checks


def import_jax(threads):
    """Import JAX with ``threads`` intra-op threads and float64.

    ``XLA_FLAGS`` must be set before the import; in jaxlib 0.10 they no longer bound
    the CPU client's thread pool, which is sized from the CPUs the process may run on
    when the client is created. So the client is created under a CPU affinity of
    ``threads`` CPUs, then every thread's affinity is widened back.
    """
    if threads == 1:
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flags).strip()
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    narrow = allowed is not None and threads < len(allowed)
    if narrow:
        os.sched_setaffinity(0, sorted(allowed)[:threads])
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.numpy.zeros(1).block_until_ready()  # creates the CPU client and its threads
    finally:
        if narrow:
            for tid in os.listdir("/proc/self/task"):
                try:
                    os.sched_setaffinity(int(tid), allowed)
                except OSError:
                    pass
    return jax


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latents", type=int, nargs="+", default=[30])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--fit-params", type=json.loads, nargs="+", default=[{}],
                        metavar="JSON", help="extra ChaoticRNNRegressor parameters, one "
                        "fit column each (default '{}')")
    parser.add_argument("--fit-epochs", type=int, nargs=2, default=[20, 220],
                        metavar=("N1", "N2"), help="fit lengths whose time difference "
                        "gives the epoch time through fit")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of torch and JAX (default 1)")
    parser.add_argument("--json", default=None, help="write results to this JSON file")
    args = parser.parse_args()
    if any(not isinstance(p, dict) or "n_epochs" in p for p in args.fit_params):
        parser.error("each --fit-params is a JSON object without n_epochs")
    n1, n2 = args.fit_epochs
    if not 0 <= n1 < n2:
        parser.error("--fit-epochs needs 0 <= N1 < N2")

    # numba's pool must be large enough for the estimator's n_threads; its default stays 1.
    pool = max([args.threads] + [int(p.get("n_threads") or 1) for p in args.fit_params])
    if pool > 1:
        os.environ["NUMBA_NUM_THREADS"] = str(max(pool, int(os.environ.get(
            "NUMBA_NUM_THREADS", 1))))
    with pin_threads(1):  # BLAS (numpy's, scipy's, so the kernels') at one thread
        run(args, (n1, n2))


def run(args, fit_epochs):
    jax = import_jax(args.threads)
    import jaxlib
    import numba
    import torch

    from skchaos import ChaoticRNNRegressor
    from skchaos.datasets import make_lorenz63

    unknown = {k for p in args.fit_params for k in p} - set(ChaoticRNNRegressor().get_params())
    if unknown:
        raise SystemExit(f"--fit-params: ChaoticRNNRegressor has no {sorted(unknown)}")
    numba.set_num_threads(1)
    torch.set_num_threads(args.threads)
    X_raw = np.ascontiguousarray(make_lorenz63(30_000, random_state=0))
    X = (X_raw - X_raw.mean(0)) / X_raw.std(0)
    record = machine_record()
    versions = {"torch": torch.__version__, "jax": jax.__version__,
                "jaxlib": jaxlib.__version__}
    print(f"{record['cpu']}; numba threads {numba.get_num_threads()} of "
          f"{record['numba_threads']}; BLAS "
          + ", ".join(f"{b['internal_api']} {b['version']} x{b['num_threads']}"
                      for b in record["blas"])
          + f"; torch {torch.__version__} x{torch.get_num_threads()}; jax {jax.__version__}"
          f" x{args.threads}; fit epochs {fit_epochs[1]} - {fit_epochs[0]}")
    rows, checks = compare(X, X_raw, args.latents, args.repeats, args.fit_params,
                           fit_epochs, args.threads)
    if args.json:
        write_json("epoch_time", {"settings": {"threads": args.threads,
                                               "fit_params": args.fit_params,
                                               "fit_epochs": list(fit_epochs),
                                               "repeats": args.repeats,
                                               "xla_flags": os.environ.get("XLA_FLAGS")},
                                  "versions": versions, "agreement": checks,
                                  "comparison": rows}, args.json)


if __name__ == "__main__":
    main()
