"""skchaos imports and fits where nothing can be written: read-only installs, containers."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from skchaos._kernels._jit import kernel

REPO = Path(__file__).resolve().parents[1]

SMOKE = """
import sys
from pathlib import Path
import skchaos
from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.datasets import make_lorenz63
assert Path(skchaos.__file__).is_relative_to(sys.argv[1]), skchaos.__file__
try:
    open(Path(sys.argv[1]) / "probe", "w")
    raise SystemExit("the install location is writable: the test proves nothing")
except OSError:
    pass
X = make_lorenz63(400, random_state=0)
est = ChaoticRNNRegressor(n_latent=6, tau=5, sequence_length=20, n_epochs=2,
                          random_state=0).fit(X)
assert est.predict(10).shape == (10, 3)
assert len(LyapunovSpectrum(est, n_steps=200, n_transient=10).fit(X).exponents_) == 6
print("read-only import and fit: ok")
"""


def test_kernels_compile_where_numba_cannot_cache():
    # numba finds no cache locator for a function without a source file, as for one in a
    # read-only tree: the decorator must fall back to compiling in memory.
    namespace = {}
    exec("def add_one(x):\n    return x + 1\n", namespace)
    assert kernel(namespace["add_one"])(41) == 42


# A subprocess loads every kernel (seconds): in the slow suite, to keep the README's
# pytest under 3 minutes from a cold cache.
@pytest.mark.slow
def test_warm_up_compiles_every_kernel():
    """After `python -m skchaos.warm_up`'s work, no kernel that Python calls is left to
    compile (the private ones compile inside their callers)."""
    script = """
import inspect
from numba.core.registry import CPUDispatcher
from skchaos._kernels import lyapunov, optim, plrnn, shallow, systems
from skchaos.warm_up import compile_kernels
compile_kernels()
modules = (lyapunov, optim, plrnn, shallow, systems)
left = [f"{module.__name__}.{name}" for module in modules
        for name, obj in inspect.getmembers(module, lambda o: isinstance(o, CPUDispatcher))
        if obj.__module__ == module.__name__ and not name.startswith("_")
        and name != "orthonormalise"  # called from Python by the tests only
        and name != "qr_step"  # a building block of the latent models' spectrum kernels
        and not obj.signatures]
print(left)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"


def _read_only_command(install_dir, home):
    """The smoke test under a command that makes ``install_dir`` and ``home`` read-only."""
    python = [sys.executable, "-c", SMOKE, str(install_dir)]
    if os.geteuid() != 0:
        for root, dirs, files in os.walk(install_dir):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o555)
        os.chmod(install_dir, 0o555)
        os.chmod(home, 0o555)
        return python
    # Root ignores file permissions: bind-mount both directories read-only in a private
    # mount namespace instead.
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: cannot make a read-only location")
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root where mount namespaces are not allowed: "
                    f"{probe.stderr.decode().strip()}")
    mounts = " && ".join(f"mount --bind {d} {d} && mount -o remount,bind,ro {d}"
                         for d in (install_dir, home))
    return ["unshare", "--mount", "sh", "-c", f'{mounts} && exec "$0" "$@"', *python]


@pytest.mark.slow
def test_import_and_fit_from_a_read_only_install():
    base = Path(tempfile.mkdtemp(prefix="skchaos-readonly-"))
    try:
        install_dir, home = base / "site", base / "home"
        home.mkdir()
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(install_dir), str(REPO)], check=True)
        env = {key: value for key, value in os.environ.items()
               if key not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH")}
        env.update(HOME=str(home), PYTHONPATH=str(install_dir), PYTHONDONTWRITEBYTECODE="1")
        result = subprocess.run(_read_only_command(install_dir, home), env=env, cwd=home,
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "read-only import and fit: ok" in result.stdout
    finally:
        for root, dirs, _ in os.walk(base):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        os.chmod(base, 0o755)
        shutil.rmtree(base, ignore_errors=True)
