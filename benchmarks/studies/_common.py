"""Shared helpers of the benchmark scripts: machine record, thread pinning, tables, JSON."""

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BENCHMARKS_DIR / "results"


def pin_threads(n_threads=1):
    """Pin BLAS and numba to ``n_threads``; returns the threadpoolctl limiter (keep it).

    threadpoolctl only reaches libraries already loaded, so numpy's and scipy's BLAS
    (which numba's kernels call) are loaded first.
    """
    os.environ.setdefault("NUMBA_NUM_THREADS", str(n_threads))
    import numpy  # noqa: F401
    import scipy.linalg.cython_blas  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n_threads)


def machine_record():
    """What the numbers were measured on: CPU, Python, library versions, thread settings."""
    import numba
    import numpy
    import sklearn
    from threadpoolctl import threadpool_info

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "platform": platform.platform(),
        "cpu": cpu,
        "n_cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "scikit-learn": sklearn.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "blas": [{k: info.get(k) for k in ("internal_api", "version", "num_threads",
                                            "threading_layer", "filepath")}
                 for info in threadpool_info()],
    }


def median_time(fn, repeats):
    """Median wall time of ``repeats`` calls of ``fn`` (after one untimed call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_table(rows, columns):
    """Print ``rows`` (dicts) as an aligned text table with the given columns."""
    widths = [max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).rjust(w) for c, w in zip(columns, widths, strict=True)))


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def command_record():
    """The script (relative to benchmarks/) and its arguments: what produced a result file."""
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(BENCHMARKS_DIR)
    except ValueError:
        pass
    return {"script": script.as_posix(), "argv": sys.argv[1:]}


def write_json(name, payload, path=None):
    """Write ``payload`` plus the machine record and the command to ``path``.

    ``path`` defaults to results/NAME.json; ``make_results_readme.py`` reads the command
    back to say what produced each file.
    """
    path = Path(path) if path else RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine_record(), "command": command_record(),
                                **payload}, indent=2))
    print(f"wrote {path}")
    return path


def save_png(fig, path):
    """Lay out ``fig``, write it to ``path`` as PNG and say so."""
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")
