"""``skchaos.show_versions()``: what a bug report needs to say about the installation.

Besides the versions, what decides how skchaos runs: the BLAS and OpenMP libraries loaded
and their threads (threadpoolctl), numba's threads and threading layer, and where numba
caches the compiled kernels (a read-only install compiles them in memory, once per
process, which makes every new process slow).
"""

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version

__all__ = ["show_versions"]

# Distribution names, as pip knows them: the runtime dependencies, then the extras'.
REQUIRED = ("numpy", "scipy", "scikit-learn", "numba", "llvmlite", "joblib", "threadpoolctl")
OPTIONAL = ("matplotlib", "tqdm", "pandas", "distributed")

# What threadpoolctl reports of each library, in this order (others follow).
THREADPOOL_KEYS = ("user_api", "internal_api", "prefix", "version", "num_threads",
                   "threading_layer", "architecture", "filepath")

# numba's cache locators, by class name: where each puts the cache.
CACHE_LOCATIONS = {
    "UserProvidedCacheLocator": "NUMBA_CACHE_DIR",
    "InTreeCacheLocator": "beside the source",
    "InTreeCacheLocatorFsAgnostic": "beside the source",
    "UserWideCacheLocator": "the user's cache directory",
    "ZipCacheLocator": "the user's cache directory",
}


def _distribution_version(name):
    """The installed version of a distribution, or None when it is not installed."""
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _system_info():
    import skchaos

    return {
        "python": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "machine": platform.platform(),
        "skchaos from": os.path.dirname(skchaos.__file__),
    }


def _dependency_info():
    import skchaos

    info = {"skchaos": skchaos.__version__}
    info.update({name: _distribution_version(name) for name in REQUIRED + OPTIONAL})
    return info


def _threadpool_info():
    """One dict per BLAS or OpenMP library loaded in this process (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    libraries = []
    for library in threadpool_info():
        ordered = {key: library[key] for key in THREADPOOL_KEYS if key in library}
        ordered.update({key: value for key, value in library.items() if key not in ordered})
        libraries.append(ordered)
    return libraries


def _kernel_cache():
    """The cache directory numba chose for skchaos's kernels when it compiled them, and
    which locator chose it; (None, None) when none was writable (no on-disk cache)."""
    import importlib
    import pkgutil

    from numba.core.dispatcher import Dispatcher

    from . import _kernels

    for module_info in pkgutil.iter_modules(_kernels.__path__):
        module = importlib.import_module(f"{_kernels.__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, Dispatcher):
                cache = value._cache  # numba keeps its choice nowhere public
                path = getattr(cache, "cache_path", None)
                if path is None:
                    return None, None
                locator = type(getattr(getattr(cache, "_impl", None), "locator", None))
                return path, CACHE_LOCATIONS.get(locator.__name__, locator.__name__)
    return None, None


def _writable(path):
    """Whether this process can write into path, or create it (its nearest existing
    ancestor is writable)."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def _numba_info():
    import numba
    from numba.core import config

    info = {"NUMBA_THREADING_LAYER": f"{config.THREADING_LAYER} (priority: "
                                     f"{', '.join(config.THREADING_LAYER_PRIORITY)})"}
    try:
        info["threading layer"] = numba.threading_layer()
        info["threads"] = numba.get_num_threads()
    except ValueError:
        # numba picks the layer when its first parallel code runs, and asking for the
        # thread count would start it: report what is known without starting it.
        info["threading layer"] = "not chosen yet (no parallel numba code has run)"
    info["NUMBA_NUM_THREADS"] = config.NUMBA_NUM_THREADS

    info["NUMBA_CACHE_DIR"] = config.CACHE_DIR or "not set"
    try:
        from numba.misc.appdirs import AppDirs

        user_dir = AppDirs(appname="numba", appauthor=False).user_cache_dir
    except Exception:  # a private module of numba: report, never fail
        user_dir = "the user's cache directory"
    info["numba's default cache"] = f"__pycache__ beside each module, else {user_dir}"

    path, location = _kernel_cache()
    if path is None:
        info["skchaos kernel cache"] = ("none: no writable location, the kernels compile "
                                        "in memory in every process")
    else:
        access = "writable" if _writable(path) else "NOT writable"
        info["skchaos kernel cache"] = f"{path} ({location}, {access})"
    return info


def _get_versions_info():
    """Everything :func:`show_versions` prints, as a dict of sections.

    Returns
    -------
    info : dict
        ``"System"``, ``"Python dependencies"`` (None for a package that is not
        installed) and ``"numba"`` map names to values; ``"threadpoolctl info"`` is a
        list with one dict per library.
    """
    # skchaos (imported by the callers) imports numpy, scipy and scikit-learn, so their
    # BLAS and OpenMP libraries are loaded by now and threadpoolctl sees them.
    return {
        "System": _system_info(),
        "Python dependencies": _dependency_info(),
        "threadpoolctl info": _threadpool_info(),
        "numba": _numba_info(),
    }


def _format_section(title, items, width=None):
    width = width or max((len(key) for key in items), default=0)
    return [f"{title}:"] + [f"{key:>{width}}: {value}" for key, value in items.items()]


def show_versions():
    """Print the versions and settings that a bug report about skchaos needs.

    Four sections, like :func:`sklearn.show_versions`, with what is specific to skchaos:

    - **System**: Python, its executable, the machine and platform, and where skchaos
      was imported from (an installed copy or a checkout).
    - **Python dependencies**: skchaos, numpy, scipy, scikit-learn, numba, llvmlite,
      joblib, threadpoolctl, and the optional matplotlib, tqdm, pandas and distributed
      ("None" when not installed).
    - **threadpoolctl info**: each BLAS and OpenMP library loaded, with its version,
      threads and file.
    - **numba**: the threading layer (numba chooses it when its first parallel code
      runs, so before that only the setting and its priority are known), its thread
      count (``NUMBA_NUM_THREADS``), and the cache: ``NUMBA_CACHE_DIR`` or numba's
      default, and the directory that skchaos's kernels cache into with whether this
      process can write there. Without a writable cache the kernels compile in every
      process (the user guide's "Security and deployment" page says where the cache
      may safely live).

    Nothing is imported that skchaos does not import itself, and nothing is started:
    the report does not change the process it describes.

    Examples
    --------
    >>> import skchaos
    >>> skchaos.show_versions()  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    System:
    ...
    Python dependencies:
          skchaos: ...
    threadpoolctl info:
    ...
    numba:
    ...
    """
    info = _get_versions_info()
    lines = _format_section("System", info["System"])
    lines += [""] + _format_section("Python dependencies", info["Python dependencies"])
    lines += ["", "threadpoolctl info:"]
    libraries = info["threadpoolctl info"]
    width = max((len(key) for library in libraries for key in library), default=0)
    for i, library in enumerate(libraries):
        lines += ([""] if i else []) + _format_section("", library, width)[1:]
    if not libraries:
        lines.append("no BLAS or OpenMP library loaded")
    lines += [""] + _format_section("numba", info["numba"])
    print("\n".join(lines))
