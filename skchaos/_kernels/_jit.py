"""The decorator every kernel uses: ``njit`` with an on-disk cache where one can be written.

numba decides where to cache when a function is decorated, and raises ``RuntimeError`` ("no
locator available") when neither the package's own ``__pycache__`` nor the user's cache
directory is writable: a read-only install in a container or a shared site-packages. There
the kernels compile in memory instead, once per process, so that ``import skchaos`` still
works. ``NUMBA_CACHE_DIR`` pointed at a private writable directory restores the cache
(docs/user_guide/deployment.md).
"""

from numba import njit

__all__ = ["kernel"]


def kernel(function=None, **options):
    """``njit(cache=True, **options)(function)``, or without the cache where none can be
    written. Used bare (``@kernel``) or with numba options (``@kernel(parallel=True)``)."""
    if function is None:
        return lambda f: kernel(f, **options)
    try:
        return njit(cache=True, **options)(function)
    except RuntimeError as exc:
        if "no locator available" not in str(exc):
            raise
        return njit(**options)(function)
