"""asv benchmarks of skchaos's speed and memory, through its public API only.

asv imports this package in every benchmark process, so the thread pinning below holds
for every benchmark: one BLAS thread and one numba thread, the setting of the studies
(``benchmarks/studies/_common.py``), so that timings do not depend on the machine's load
or core count. threadpoolctl only reaches libraries already loaded, so numpy's and scipy's
BLAS (which numba's kernels call) are loaded first.
"""

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy  # noqa: E402, F401
import scipy.linalg.cython_blas  # noqa: E402, F401
from threadpoolctl import threadpool_limits  # noqa: E402

_LIMITS = threadpool_limits(limits=1)
