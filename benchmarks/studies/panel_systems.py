"""The panel of chaotic systems that ``bench_panel.py`` judges reconstructions on.

``load(name)`` returns a dict: ``train`` (3x10^4 rows; the laser 8,000), ``test`` (an
independent 10^5-row trajectory; the laser the 2,087 rows after its training block),
``floor`` (a second independent 10^5-row trajectory of the true system, scored against
``test`` it is the floor of the measures; the laser: its training block), ``dt``,
``lambda_max_per_step`` (the true largest Lyapunov exponent per sampling step) and
``source`` (where that exponent comes from). ``PANEL`` lists the names in order.

- Lorenz63 (dt 0.01) and Rossler (dt 0.1): ``skchaos.datasets``, the seeds of
  ``bench_reconstruction.py`` (train 100, test 101, floor 102); lambda_max from
  ``skchaos.lyapunov.lyapunov_spectrum`` of the known system (QR on its variational
  equations).
- Lorenz96_N10, Lorenz96_N20 (F = 8, dt 0.05): the customary sampling of Lorenz-96 (the
  "6 hours" of Lorenz 1996). It resolves the dynamics: about 32 samples per dominant
  oscillation (period 1.6 time units), 6 per 1/e autocorrelation time, 17 (N = 10) and 13
  (N = 20) per Lyapunov time. Exponent as for Lorenz-63.
- SantaFeLaser: the delay embedding (dimension 4, delay 2) of ``bench_reconstruction``;
  lambda_max per sample estimated from the data (``LyapunovSpectrum()``, data mode, on
  training and test rows), as ``bench_peers.py`` does: there is no known system.
- Chen, Rucklidge, Dadras, HindmarshRose, Arneodo, LuChen, GenesioTesi, SprottC: the
  equations, parameters, initial conditions and periods of the dysts catalogue
  (williamgilpin/dysts, ``flows.py`` and ``data/chaotic_attractors.json``; dysts is not
  needed), integrated here by RK4 with 10 substeps per sample, sampled at dt = period /
  100. Each trajectory starts from the catalogue's initial condition (a point on the
  attractor) with a seeded perturbation of 1% of its mean magnitude, run through a
  transient of 200 periods. lambda_max is computed here from the equations (Benettin's
  two-trajectory method, 10^6 samples, renormalised every sample; two different orbits
  agree within 0.5%; Sprott C gives 0.164 per time unit, Sprott's 0.163): dysts'
  ``maximum_lyapunov_estimated`` is per time unit but disagrees with the first entry of
  its own ``lyapunov_spectrum_estimated`` by a factor of 2.5 on HindmarshRose and 2 on
  LuChen; both are recorded in ``DYSTS`` and shown by ``python panel_systems.py``.
- Lorenz63_noisy, Rossler_noisy: the same training trajectory plus Gaussian noise of 5% of
  each feature's standard deviation; test and floor are the clean trajectories (does the
  model learn the clean dynamics?).

Arrays are cached in ``benchmarks/.cache/panel/`` (generation is seeded, so the cache only
saves time). ``python panel_systems.py`` builds the cache and prints the panel.
"""

import math

import numba
import numpy as np
from _common import BENCHMARKS_DIR

CACHE_DIR = BENCHMARKS_DIR / ".cache" / "panel"
CACHE_VERSION = 1
N_TRAIN, N_TEST = 30_000, 100_000
SEEDS = {"train": 100, "test": 101, "floor": 102}
NOISE = 0.05

# name: (code, parameters in the order of dysts' _rhs, initial condition, period,
#        dysts' maximum_lyapunov_estimated, first of dysts' lyapunov_spectrum_estimated)
DYSTS = {
    "Chen": (0, [35.0, 3.0, 28.0], [3.2689697, 5.2990458, 19.435349], 0.58689,
             2.005961349488129, 2.0471208808332557),
    "Rucklidge": (1, [2.0, 6.7], [1.9257158, 3.1923835, 5.7829655], 6.0721,
                  0.1936356650629198, 0.18286378999435815),
    "Dadras": (2, [2.0, 9.0, 2.7, 3.0, 1.7], [1.0284085, -3.5348655, -0.72081646], 3.2886,
               0.40591521049520063, 0.47344233096408),
    "HindmarshRose": (3, [0.49, 1.0, 0.0322, 1.0, 1.0, 0.03, 0.8],
                      [0.031111835, -0.021557059, 0.041475046], 1.752,
                      0.6535393283242747, 0.2621464274609406),
    "Arneodo": (4, [-5.5, 4.5, 1.0, -1.0], [-2.7515698, 0.19079818, 3.4703629], 3.1641,
                0.23737468667051287, 0.24285661379003065),
    "LuChen": (5, [36.0, 3.0, 18.0], [10.956479, 9.8813092, 22.676714], 2.3385,
               0.3266868574498627, 0.6651845739025707),
    "GenesioTesi": (6, [0.44, 1.1, 1.0], [-0.053772565, -0.26162564, 0.33501557], 5.9431,
                    0.10509061137519304, 0.09974381765927798),
    "SprottC": (7, [], [-0.47199823, -0.27198066, 1.9418244], 8.8852,
                0.15806924766944033, 0.17898394736414464),
}
N_SUBSTEPS = 10
TRANSIENT_PERIODS = 200

PANEL = ["Lorenz63", "Rossler", "Lorenz96_N10", "Lorenz96_N20", "SantaFeLaser", *DYSTS,
         "Lorenz63_noisy", "Rossler_noisy"]


# ------------------------------------------------------------- dysts' equations
@numba.njit(cache=True)
def _rhs(code, x, p):
    """The right-hand sides of dysts' flows.py, parameters in the order of its _rhs."""
    X, Y, Z = x[0], x[1], x[2]
    if code == 0:  # Chen: a, b, c
        a, b, c = p[0], p[1], p[2]
        return np.array([a * Y - a * X, (c - a) * X - X * Z + c * Y, X * Y - b * Z])
    if code == 1:  # Rucklidge: a, b
        return np.array([-p[0] * X + p[1] * Y - Y * Z, X, -Z + Y * Y])
    if code == 2:  # Dadras: c, e, o, p, r
        c, e, o, pp, r = p[0], p[1], p[2], p[3], p[4]
        return np.array([Y - pp * X + o * Y * Z, r * Y - X * Z + Z, c * X * Y - e * Z])
    if code == 3:  # HindmarshRose: a, b, c, d, s, tx, tz
        a, b, c, d, s, tx, tz = p[0], p[1], p[2], p[3], p[4], p[5], p[6]
        return np.array([-X + Y / tx - a / tx * X**3 + b / tx * X**2 + Z / tx,
                         -a * X**3 - (d - b) * X**2 + Z,
                         -s / tz * X - Z / tz + c / tz])
    if code == 4:  # Arneodo: a, b, c, d
        return np.array([Y, Z, -p[0] * X - p[1] * Y - p[2] * Z + p[3] * X**3])
    if code == 5:  # LuChen: a, b, c
        return np.array([p[0] * Y - p[0] * X, -X * Z + p[2] * Y, X * Y - p[1] * Z])
    if code == 6:  # GenesioTesi: a, b, c
        return np.array([Y, Z, -p[2] * X - p[1] * Y - p[0] * Z + X * X])
    return np.array([Y * Z, X - Y, 1.0 - X * X])  # SprottC


@numba.njit(cache=True)
def _rk4(code, x, p, h, n):
    for _ in range(n):
        k1 = _rhs(code, x, p)
        k2 = _rhs(code, x + 0.5 * h * k1, p)
        k3 = _rhs(code, x + 0.5 * h * k2, p)
        k4 = _rhs(code, x + h * k3, p)
        x = x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return x


@numba.njit(cache=True)
def _integrate(code, p, x0, dt, n_substeps, n_transient, out):
    """Rows of ``out``: the states every dt after ``n_transient`` discarded samples."""
    h = dt / n_substeps
    x = _rk4(code, x0, p, h, n_transient * n_substeps)
    for t in range(out.shape[0]):
        x = _rk4(code, x, p, h, n_substeps)
        out[t] = x


@numba.njit(cache=True)
def _benettin(code, p, x0, dt, n_substeps, n_steps, d0):
    """Largest exponent per sample: a companion orbit at distance d0, renormalised."""
    h = dt / n_substeps
    v = np.ones(x0.shape[0]) / math.sqrt(x0.shape[0])
    x, log_sum = x0, 0.0
    for _ in range(n_steps):
        y = _rk4(code, x + d0 * v, p, h, n_substeps)
        x = _rk4(code, x, p, h, n_substeps)
        v = y - x
        norm = math.sqrt(np.sum(v * v))
        log_sum += math.log(norm / d0)
        v = v / norm
    return log_sum / n_steps


def _dysts_trajectory(name, n_samples, seed):
    code, params, ic, period, _, _ = DYSTS[name]
    rng = np.random.RandomState(seed)
    ic = np.asarray(ic)
    x0 = ic + 0.01 * np.abs(ic).mean() * rng.standard_normal(3)
    out = np.empty((n_samples, 3))
    _integrate(code, np.asarray(params, dtype=np.float64), x0, period / 100, N_SUBSTEPS,
               100 * TRANSIENT_PERIODS, out)
    if not np.isfinite(out).all():
        raise FloatingPointError(f"{name} left the finite range")
    return out


def _dysts_exponent(name, n_steps=1_000_000):
    code, params, _, period, _, _ = DYSTS[name]
    x0 = _dysts_trajectory(name, 1, SEEDS["floor"] + 1)[0]
    return _benettin(code, np.asarray(params, dtype=np.float64), x0, period / 100,
                     N_SUBSTEPS, n_steps, 1e-8)


# ------------------------------------------------------------------- the panel
def _known_system(name):
    from skchaos.datasets import Lorenz63, Lorenz96, Rossler

    base = name.removesuffix("_noisy")
    if base == "Lorenz63":
        return Lorenz63(), 0.01
    if base == "Rossler":
        return Rossler(), 0.1
    return Lorenz96(n_dim=int(base.removeprefix("Lorenz96_N")), forcing=8.0), 0.05


def _generate(name):
    from skchaos import LyapunovSpectrum
    from skchaos.lyapunov import lyapunov_spectrum

    if name == "SantaFeLaser":
        from bench_reconstruction import laser_data

        train, test, floor = laser_data()
        lam = LyapunovSpectrum(n_exponents=1, random_state=0).fit(
            np.concatenate([train, test])).max_exponent_
        return {"train": train, "test": test, "floor": floor, "dt": 1.0,
                "lambda_max_per_step": lam,
                "source": "estimated from the data (LyapunovSpectrum, data mode, on the "
                          "training and test rows); per sample"}
    if name in DYSTS:
        period, lam_dysts, lam_spectrum = DYSTS[name][3:]
        dt = period / 100
        arrays = {part: _dysts_trajectory(name, N_TRAIN if part == "train" else N_TEST,
                                          seed) for part, seed in SEEDS.items()}
        return {**arrays, "dt": dt, "lambda_max_per_step": _dysts_exponent(name),
                "source": f"computed from the equations (Benettin, 1e6 samples); dysts: "
                          f"maximum_lyapunov_estimated {lam_dysts:.4g}, spectrum "
                          f"{lam_spectrum:.4g} per time unit, x dt = "
                          f"{lam_dysts * dt:.4g} / {lam_spectrum * dt:.4g} per step"}
    system, dt = _known_system(name)
    noise = NOISE if name.endswith("_noisy") else 0.0
    arrays = {part: system.generate(N_TRAIN if part == "train" else N_TEST, dt=dt,
                                    random_state=seed, noise=noise if part == "train" else 0.0)
              for part, seed in SEEDS.items()}
    lam = lyapunov_spectrum(system, dt=dt, n_exponents=1, random_state=0)[0]
    return {**arrays, "dt": dt, "lambda_max_per_step": lam * dt,
            "source": f"skchaos.lyapunov.lyapunov_spectrum of the known system: "
                      f"{lam:.4g} per time unit x dt"}


def load(name):
    """The data of one panel system (cached): train, test, floor, dt, lambda_max, source."""
    if name not in PANEL:
        raise ValueError(f"unknown system {name!r}; the panel: {PANEL}")
    path = CACHE_DIR / f"{name}_v{CACHE_VERSION}.npz"
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        data = _generate(name)
        np.savez(path, **data)
    with np.load(path) as f:
        data = {k: f[k] for k in f.files}
    for key in ("dt", "lambda_max_per_step"):
        data[key] = float(data[key])
    data["source"] = str(data["source"])
    return data


def main():
    from _common import print_table

    rows = []
    for name in PANEL:
        d = load(name)
        rows.append({"system": name, "dim": d["train"].shape[1], "n_train": len(d["train"]),
                     "n_test": len(d["test"]), "dt": d["dt"],
                     "lambda_per_step": d["lambda_max_per_step"],
                     "ln2/lambda": math.log(2) / d["lambda_max_per_step"],
                     "source": d["source"]})
    print_table(rows, list(rows[0]))


if __name__ == "__main__":
    main()
