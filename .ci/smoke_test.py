"""Smoke test of an installed skchaos wheel, run by .ci/run from outside the checkout.

It must find skchaos in the site-packages of the environment it runs in, never in the
checkout, so that a module or data file missing from the wheel fails here. Then it uses
what a first-time user would: the bundled data sets and their provenance note, a short
fit, a free run, a Lyapunov spectrum, and the version report.
"""

import sys
import sysconfig
import time
from importlib import metadata, resources
from pathlib import Path

import numpy as np

import skchaos
from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.datasets import load_nino12_sst, load_santafe_laser, make_lorenz63

start = time.perf_counter()


def step(message):
    print(f"[{time.perf_counter() - start:6.1f} s] {message}", flush=True)


def check(condition, message):
    if not condition:
        raise SystemExit(f"smoke test FAILED: {message}")


# Installed, not imported from the checkout.
location = Path(skchaos.__file__).resolve()
site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
checkout = Path(__file__).resolve().parent.parent
check(sys.prefix != sys.base_prefix, f"not in a virtual environment ({sys.prefix})")
check(location.is_relative_to(site_packages),
      f"skchaos imported from {location}, not from {site_packages}")
check(not location.is_relative_to(checkout), f"skchaos imported from the checkout {location}")
step(f"skchaos {skchaos.__version__} imported from {location.parent}")

distribution = metadata.distribution("skchaos")
check(distribution.version == skchaos.__version__,
      f"metadata version {distribution.version} != __version__ {skchaos.__version__}")
check(distribution.metadata["License-Expression"] == "BSD-3-Clause",
      f"licence metadata {distribution.metadata['License-Expression']!r}")
check(any(Path(str(f)).name == "LICENSE" for f in distribution.files or ()),
      "LICENSE not in the wheel's dist-info")
step("metadata: version and licence agree, LICENSE installed")

# The bundled data and the note on where each file comes from.
laser = load_santafe_laser()
sst = load_nino12_sst()
check(laser.shape == (10093,) and np.isfinite(laser).all(), f"Santa Fe laser {laser.shape}")
check(sst.shape == (732,) and np.isfinite(sst).all(), f"Nino 1+2 {sst.shape}")
data = resources.files("skchaos.datasets") / "data"
note = (data / "README.md").read_text(encoding="utf-8")
shipped = sorted(entry.name for entry in data.iterdir() if entry.name.endswith(".txt"))
check({"nino12_sst.txt", "santafe_laser_a.txt"} <= set(shipped), f"data files {shipped}")
for name in shipped:
    check(name in note, f"data/README.md says nothing about {name}")
step(f"datasets: laser {laser.shape}, Nino 1+2 {sst.shape}; data/README.md covers {shipped}")

# A short fit (the kernels compile here, into the installed package's cache), a free
# run and a spectrum.
X = make_lorenz63(3000, random_state=0)
est = ChaoticRNNRegressor(n_epochs=3, random_state=0).fit(X)
step(f"fit: {type(est.dynamics_).__name__}, {est.n_epochs} epochs on {X.shape}")
X_gen = est.predict(1000)
check(X_gen.shape == (1000, 3) and np.isfinite(X_gen).all(), f"free run {X_gen.shape}")
step(f"free run: {X_gen.shape}, finite")
spectrum = LyapunovSpectrum(est, n_steps=2000, n_transient=100).fit(X)
check(np.isfinite(spectrum.exponents_).all(), f"spectrum {spectrum.exponents_}")
step(f"spectrum of the model: {np.round(spectrum.exponents_, 4)}")

skchaos.show_versions()
step("smoke test passed")
