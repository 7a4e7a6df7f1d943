"""Fixed points and cycles drawn over a model's attractor (needs matplotlib)."""

import numpy as np

from ._context import model_context

# Marker fill by stability, shape by the number of unstable directions.
_MARKERS = {0: "o", 1: "^", 2: "s"}
# Cycles up to this period get a marker on each state; longer ones are drawn as a line.
MARKED_PERIOD = 12


def plot_orbits(estimator, orbits, *, n_steps=20000, dims=None, ax=None):
    """Draw a free run of ``estimator`` with its fixed points and cycles on top.

    Stable orbits are filled markers, unstable ones hollow; the marker's shape gives the
    number of unstable directions (circle 0, triangle 1, square 2, diamond more). Cycles
    are joined by dashed lines in the order visited; cycles longer than 12 steps are
    drawn as a solid line without markers (blue stable, red unstable). Positions are in
    the data's units.

    Parameters
    ----------
    estimator : fitted ChaoticRNNRegressor, FrozenEstimator or skchaos.dynamics model
        The model the orbits belong to.
    orbits : list of Orbit
        From :func:`fixed_points` or :func:`cycles` (or several such lists joined).
    n_steps : int, default=20000
        Steps of the free run drawn under the orbits (from the state the training data
        leave the model in).
    dims : tuple of 2 or 3 ints, default=None
        The features drawn: (0, 1, 2) for three or more features, else (0, 1), or (0,)
        against time-delayed copies for one feature.
    ax : matplotlib Axes, default=None
        Where to draw (3-D axes for three dims); a new figure when None.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skchaos.dynamics import ShallowPLRNN
    >>> from skchaos.analysis import fixed_points, plot_orbits
    >>> model = ShallowPLRNN(2, 2, n_hidden=1)
    >>> model.a[:] = 0.5
    >>> ax = plot_orbits(model, fixed_points(model, random_state=0), n_steps=100)
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("plot_orbits needs matplotlib: pip install "
                          "'skchaos[plot]'.") from error
    context = model_context(estimator)
    run = context.unscale(context.model.free_run(context.start, n_steps)[0])
    n_features = run.shape[1]
    if dims is None:
        dims = (0, 1, 2) if n_features >= 3 else (0, 1) if n_features == 2 else (0,)
    dims = tuple(int(d) for d in dims)
    if not 1 <= len(dims) <= 3 or not all(0 <= d < n_features for d in dims):
        raise ValueError(f"dims must be 1 to 3 feature indices below {n_features}, got "
                         f"{dims}.")
    project = _projection(dims)
    if ax is None:
        figure = plt.figure(figsize=(6, 5))
        ax = (figure.add_subplot(projection="3d") if len(project(run)) == 3
              else figure.add_subplot())
    ax.plot(*project(run), lw=0.3, color="0.6", label="free run")
    for orbit in orbits:
        coords = project(orbit.points)
        colour = "tab:blue" if orbit.stable else "tab:red"
        marker = _MARKERS.get(orbit.n_unstable, "D")
        label = f"{orbit.kind} (period {orbit.period})"
        if orbit.period > 1:
            closed = [np.append(c, c[0]) for c in coords]
            long = orbit.period > MARKED_PERIOD
            ax.plot(*closed, ls="-" if long else "--", lw=1.5 if long else 1.0,
                    color=colour, label=label if long else None)
            if long:  # markers on every state would hide the cycle's shape
                continue
        ax.plot(*coords, ls="none", marker=marker, ms=8, color=colour,
                markerfacecolor=colour if orbit.stable else "none", label=label)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), fontsize="small")
    names = [f"x{d}" for d in dims] if len(dims) > 1 else ["x0(t)", "x0(t+1)"]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if len(names) > 2:
        ax.set_zlabel(names[2])
    return ax


def _projection(dims):
    if len(dims) > 1:
        return lambda P: [P[:, d] for d in dims]
    # One feature: the value against its successor (a return map).
    return lambda P: [P[:-1, dims[0]], P[1:, dims[0]]] if len(P) > 1 else [P[:, dims[0]],
                                                                              P[:, dims[0]]]
