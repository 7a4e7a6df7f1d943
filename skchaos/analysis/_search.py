"""SCYFI: fixed points and k-cycles of a piecewise-linear map, region by region.

Inside a sequence of regions ``d_1 .. d_k`` the k-fold map is affine, so a k-cycle through
them solves one linear system. The heuristic (Eisenmann, Monfared, Göring & Durstewitz,
NeurIPS 2023) solves it, moves to the regions the solution's orbit actually visits, and
repeats until the two agree (a true cycle) or it gives up; many starts advance together.
The exhaustive search solves every sequence of regions, which only small models allow.
"""

import math
from dataclasses import dataclass

import numpy as np

# The search stops for lack of news: after this many starts in a row found nothing new.
# 200 missed 1 to 3 solutions of 36 on strongly coupled random models that 1000 found
# (docs/decisions.md).
DEFAULT_PATIENCE = 1000
# A damped step halves at most this many times before the search gives up on a start.
MAX_HALVINGS = 30
# Region sequences solved at once by the exhaustive search.
EXHAUSTIVE_BATCH = 1024


@dataclass(frozen=True)
class Solution:
    """One cycle in latent units: its states (k, M), the regions they lie in (k, P), and
    the product of its Jacobians (the monodromy matrix, M x M) from its first state."""

    latent: np.ndarray
    regions: np.ndarray
    monodromy: np.ndarray


def canonical_rotation(codes):
    """The state a cycle is reported from: the rotation of its region sequence that sorts
    first, as (its index, its bytes)."""
    rows = [row.tobytes() for row in codes]
    return min(((i, b"".join(rows[i:] + rows[:i])) for i in range(len(rows))),
               key=lambda rotation: rotation[1])


def canonical_key(codes):
    """A cycle's name, the same from whichever of its states it starts: its smallest
    rotation (two cycles through one region sequence would both solve the same
    nonsingular linear system, so the sequence names the cycle)."""
    return canonical_rotation(codes)[1]


def _has_shorter_period(codes):
    k = len(codes)
    return any(k % p == 0 and np.array_equal(codes[p:], codes[:-p]) for p in range(1, k))


def _run_through_regions(model, Z, period):
    """States (n, k, M) of the k-step orbits from the rows of ``Z`` (n, M) and their
    returns F^k(z) (n, M)."""
    states = np.empty((len(Z), period, model.n_latent))
    z = Z
    for step in range(period):
        states[:, step] = z
        z = model.steps(z)
    return states, z


def _solve_batch(model, codes):
    """The cycles (n, k, M) of the affine maps of the region sequences ``codes``
    (n, k, P), and their monodromy matrices (n, M, M); rows that cannot be solved (a
    singular system) are nan."""
    n, period = codes.shape[:2]
    M = model.n_latent
    J, c = model.affine_maps(codes.reshape(n * period, -1))
    J, c = J.reshape(n, period, M, M), c.reshape(n, period, M)
    product, offset = np.broadcast_to(np.eye(M), (n, M, M)).copy(), np.zeros((n, M))
    for step in range(period):
        product = J[:, step] @ product
        offset = np.einsum("nij,nj->ni", J[:, step], offset) + c[:, step]
    system = np.eye(M) - product
    try:
        z0 = np.linalg.solve(system, offset[..., None])[..., 0]
    except np.linalg.LinAlgError:  # one singular system fails the batch: solve one by one
        z0 = np.full((n, M), np.nan)
        for i in range(n):
            try:
                z0[i] = np.linalg.solve(system[i], offset[i])
            except np.linalg.LinAlgError:
                pass
    orbit = np.empty((n, period, M))
    orbit[:, 0] = z0
    for step in range(1, period):
        orbit[:, step] = np.einsum("nij,nj->ni", J[:, step - 1], orbit[:, step - 1]) \
            + c[:, step - 1]
    return orbit, product


def _consistent(model, orbit, codes):
    """Which solutions (n, k, M) lie in the regions (n, k, P) they were solved in."""
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(orbit).all(axis=(1, 2))
        return finite & (model.region(orbit) == codes).all(axis=(1, 2))


def batch_search(model, start_codes, max_iter, damped):
    """Cycles found from a batch of starting region sequences (n, k, P).

    Each iteration solves the cycle equation in the regions the current point's orbit
    visits (SCYFI's step, which is Newton's step for the piecewise-linear equation
    ``F^k(z) = z``); a solution that lies in those regions is a cycle. Otherwise plain
    SCYFI (``damped=False``) moves to the solution, while the damped search moves there
    only if that shrinks the residual ``|F^k(z) - z|``, else halves the step until it does
    (giving up after 30 halvings: a local minimum). The two find different cycles from
    the same starts (docs/decisions.md), so the heuristic alternates them.
    Returns a list of :class:`Solution` (possibly repeated).
    """
    found = []
    codes = start_codes
    orbit, product = _solve_batch(model, codes)
    ok = _consistent(model, orbit, codes)
    found += [Solution(orbit[i], codes[i], product[i]) for i in np.flatnonzero(ok)]
    keep = ~ok & np.isfinite(orbit).all(axis=(1, 2))
    z = orbit[keep, 0]
    period = codes.shape[1]
    states, back = _run_through_regions(model, z, period)
    residual = np.linalg.norm(back - z, axis=1)
    for _ in range(max_iter):
        if not len(z):
            break
        codes = model.region(states)
        orbit, product = _solve_batch(model, codes)
        ok = _consistent(model, orbit, codes)
        found += [Solution(orbit[i], codes[i], product[i]) for i in np.flatnonzero(ok)]
        alive = ~ok & np.isfinite(orbit).all(axis=(1, 2))
        z, residual, target = z[alive], residual[alive], orbit[alive, 0]
        if damped:
            z, states, residual = _damped_step(model, z, target, residual, period)
        else:
            z = target
            states, back = _run_through_regions(model, z, period)
            residual = np.linalg.norm(back - z, axis=1)
            finite = np.isfinite(residual)
            z, states, residual = z[finite], states[finite], residual[finite]
    return found


def _damped_step(model, z, target, residual, period):
    """Move each point towards its target by the largest step 1, 1/2, 1/4, .. that
    shrinks its residual; points for which none does are dropped."""
    direction = target - z
    new_z = np.empty_like(z)
    new_states = np.empty((len(z), period, model.n_latent))
    new_residual = np.full(len(z), np.inf)
    pending = np.arange(len(z))
    for _ in range(MAX_HALVINGS):
        trial = z[pending] + direction[pending]
        states, back = _run_through_regions(model, trial, period)
        trial_residual = np.linalg.norm(back - trial, axis=1)
        better = trial_residual < residual[pending]
        done = pending[better]
        new_z[done], new_states[done], new_residual[done] = (trial[better], states[better],
                                                             trial_residual[better])
        pending = pending[~better]
        if not len(pending):
            break
        direction[pending] /= 2.0
    moved = np.isfinite(new_residual)
    return new_z[moved], new_states[moved], new_residual[moved]


def heuristic_search(model, starts, *, max_iter, patience, max_starts):
    """Cycles found from the batches of region sequences (n, k, P) that the iterator
    ``starts`` yields, at their minimal period k, by canonical key; stops after
    ``max_starts`` starts or ``patience`` starts without a new cycle. Batches alternate
    plain and damped SCYFI. Returns (found, number of starts used)."""
    found, since_new, used = {}, 0, 0
    for batch_index, codes in enumerate(starts):
        if used >= max_starts or since_new >= patience:
            break
        codes = codes[:max_starts - used]
        used += len(codes)
        since_new += len(codes)
        for solution in batch_search(model, codes, max_iter, damped=batch_index % 2 == 1):
            if _has_shorter_period(solution.regions):
                continue
            key = canonical_key(solution.regions)
            if key not in found:
                found[key] = solution
                since_new = 0
    return found, used


def exhaustive_search(model, period, max_sequences):
    """Every cycle of exactly ``period`` steps, by solving every sequence of ``period``
    regions; refuses (ValueError) when that is more than ``max_sequences`` systems."""
    n_regions = model.region_count()
    if period * math.log10(n_regions) > math.log10(max_sequences):
        raise ValueError(
            f"An exhaustive search for {period}-cycles of this model solves (its number of "
            f"regions)^{period}, about 10^{period * math.log10(n_regions):.1f} linear "
            f"systems, more than max_sequences={max_sequences}; use method='heuristic' (or "
            "raise max_sequences).")
    regions = model.all_regions()
    sequences, seen = [], set()
    for index in np.ndindex(*([n_regions] * period)):
        codes = regions[list(index)]
        key = canonical_key(codes)
        # A rotation of a sequence already listed names the same cycle.
        if key not in seen and not _has_shorter_period(codes):
            seen.add(key)
            sequences.append(codes)
    found = {}
    for first in range(0, len(sequences), EXHAUSTIVE_BATCH):
        codes = np.array(sequences[first:first + EXHAUSTIVE_BATCH])
        orbit, product = _solve_batch(model, codes)
        for i in np.flatnonzero(_consistent(model, orbit, codes)):
            found[canonical_key(codes[i])] = Solution(orbit[i], codes[i], product[i])
    return found
