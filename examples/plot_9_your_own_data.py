"""
Your own data, step by step
===========================

This guide walks a measured series through skchaos from start to finish: preparing it,
rebuilding a state from one measured quantity, training, judging the model against what
the recording itself allows, reading its Lyapunov spectrum and fixed points, and knowing
when another tool is the better choice. Every step runs here, on a recording made to look
like a real one: **one** coordinate of the Lorenz-63 system (the first), sampled every
0.01 time units, with 5% measurement noise, a slow drift of the sensor, and outages
where nothing was recorded. Because the system behind it is known, every number the
guide prints can be checked against the truth; the gallery's two real recordings (the
Santa Fe laser and the Niño 1+2 sea surface temperature) follow the same steps without
that luxury.

The figures quoted from the package's benchmarks name the file they come from
(``benchmarks/results/``); the numbers printed below are measured when the
documentation is built.
"""

# %%
# The recording
# -------------
# 20,000 samples. The sensor drifts upward by 5 units over the recording, and eight
# outages of 50-400 samples (about 10% of the recording) are NaN: that is how a gap
# must be marked, never as 0 or a repeated value. The last 4,000 samples are kept as a
# test block and never used in training.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.analysis import fixed_points
from skchaos.datasets import make_lorenz63
from skchaos.metrics import power_spectrum_distance, recording_floor, state_space_divergence
from skchaos.preprocessing import DelayEmbedding, longest_complete_stretch

DT = 0.01
rng = np.random.default_rng(0)
truth = make_lorenz63(20_000, dt=DT, random_state=1)[:, :1]
drift = np.linspace(0.0, 5.0, len(truth))[:, None]
recording = truth + drift + 0.05 * truth.std() * rng.standard_normal(truth.shape)
for start in rng.choice(15_000, size=8, replace=False):
    recording[start:start + rng.integers(50, 400)] = np.nan
print(f"{len(recording)} samples, {np.isnan(recording).mean():.1%} missing")
train, test = recording[:16_000], recording[16_000:]

# %%
# 1. Prepare the series
# ---------------------
# **Sampling.** Rows must be evenly spaced in time. Resample an irregular record onto a
# grid first (and mark the grid points without a measurement as NaN rather than
# inventing them). The model takes one step per row, so the sampling interval sets how
# far a step reaches: finely sampled flows work (Lorenz-63 at 0.01 is 110 steps per
# predictability time), but a series sampled much more finely than it changes wastes
# training on nearly identical rows; thin it until a predictability time (step 3) is
# tens to a few hundred rows. Pass the interval as ``dt`` so that exponents come out per
# time unit of your data.
#
# **Trends and seasons.** A slow drift is not part of the dynamics, and a model that sees
# it has to learn it as if it were. Remove it before fitting: here a straight line fitted
# to the observed samples. It cannot tell the sensor's drift from a slow wandering of
# the system's own mean over the recording, so expect it to take a little more or less
# than the drift. A seasonal cycle driven from outside (a year, a day) is
# removed by subtracting the mean of each phase of the cycle, as the Niño example does
# with the monthly climatology.
#
# **Scale.** Leave it: the regressor standardises each feature itself
# (``standardize=True``) and reports everything back in your units.
#
# **Gaps.** Leave them as NaN and tell the regressor: ``missing="skip"`` leaves missing
# values out of the loss and lets the model run free across a gap where it would
# otherwise be reset from the data. The default, ``missing="raise"``, refuses NaN, so
# that an accidental NaN is not mistaken for a gap.
observed = ~np.isnan(train[:, 0])
t = np.arange(len(recording))
slope, intercept = np.polyfit(t[:16_000][observed], train[observed, 0], deg=1)
detrended = recording - (slope * t + intercept)[:, None]
print(f"drift removed: {slope * len(t):.2f} units over the recording (true: 5.00)")

# %%
# 2. One measured quantity: rebuild the state
# -------------------------------------------
# A chaotic flow needs at least three dimensions; one measured coordinate is a shadow of
# the state. Delayed copies of it rebuild one (Takens' theorem):
# :class:`~skchaos.preprocessing.DelayEmbedding`. Its automatic choices (the delay at the
# first minimum of the mutual information, the dimension by false nearest neighbours)
# need consecutive samples: with gaps, ``fit`` makes them on the longest stretch without
# any (and warns). Choose them on that stretch yourself
# (:func:`~skchaos.preprocessing.longest_complete_stretch`) to see how long it is, then
# embed the whole series with those values; NaN passes through the embedding (an
# embedded entry is missing where the sample it copies is).


stretch = longest_complete_stretch(detrended[:16_000])
auto = DelayEmbedding().fit(stretch)
print(f"longest complete stretch: {len(stretch)} samples -> delay {auto.delay_}, "
      f"dimension {auto.dimension_}")
embedding = DelayEmbedding(dimension=auto.dimension_, delay=auto.delay_)
E = embedding.fit_transform(detrended)  # the whole series at once: rows keep their past
E_train, E_test = E[:16_000], E[16_000:]

# %%
# 3. How chaotic is it, and what does that ask of training?
# ----------------------------------------------------------
# The largest Lyapunov exponent from the data sets the predictability time
# ln 2 / lambda_max, the horizon beyond which two nearby states have drifted apart. It
# is what the paper's sparse teacher forcing resets at (``tau``), and what a forecast
# can hope for. From data it needs a complete stretch too. Noise makes it come out too
# large (``benchmarks/README.md``: ``tau="auto"`` fell from 81 to 26 steps on Lorenz-63
# with 5% noise), so take it as a rough guide.
start = time.perf_counter()
from_data = LyapunovSpectrum(dt=DT, embedding_dimension=auto.dimension_,
                             delay=auto.delay_, random_state=0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from_data.fit(stretch)
seconds_spectrum = time.perf_counter() - start
print(f"lambda_max from the data: {from_data.max_exponent_:.2f} per time unit "
      f"(Lorenz-63: 0.91); predictability time {from_data.predictability_time_:.0f} steps")
for warning in caught:
    print("warning:", str(warning.message)[:160], "...")

# %%
# 4. Train
# --------
# The defaults are the ones that did best on the benchmark panel of 15 systems
# (``benchmarks/results/panel_comparison.txt``): a clipped shallow PLRNN, whose free runs
# stay bounded by construction, trained with generalised teacher forcing whose strength
# adapts to the model as it trains. The settings a user most often changes:
#
# - ``missing="skip"`` for a series with gaps, and ``dt`` for exponents per time unit;
# - ``observation_noise`` when you know the noise level (a fraction of each feature's
#   standard deviation): validation then compares like with like (user guide, "Real
#   data");
# - ``n_epochs``: the default 2000 took a median 331 s on one core of the panel machine
#   (``panel_comparison.txt``); fewer cost quality (on this recording, the free run of
#   a 600-epoch fit scored 1.4 times the state-space divergence of the 2000-epoch fit's
#   against the whole test block);
# - a search over ``tau`` or ``forcing_strength`` with ``GridSearchCV`` when one fit is
#   not good enough (:doc:`/user_guide/choosing_tau`): each candidate costs one fit.
est = ChaoticRNNRegressor(missing="skip", dt=DT, observation_noise=0.05, random_state=0)
start = time.perf_counter()
est.fit(E_train)
seconds_fit = time.perf_counter() - start
print(f"trained {est.n_iter_} epochs in {seconds_fit:.0f} s; best validation at epoch "
      f"{est.best_epoch_}")

# %%
# 5. Judge the model against the recording's own floor
# ------------------------------------------------------
# A free run of a perfect model would not score 0 against a finite, noisy test block:
# the block samples the attractor only partly. :func:`~skchaos.metrics.recording_floor`
# estimates what a perfect model would score, from the training recording alone, by
# scoring blocks of it against each other with the same measures and lengths. A score
# is then read as a multiple of the floor. The floor needs consecutive rows, so it is
# estimated on the longest complete stretch (embedded), with test blocks of a quarter
# of its length, and the model is scored on a test block of that length. On the
# benchmark's 27 short recordings the floor came out within a factor 2 of the true
# system's own divergence in 26 (``benchmarks/results/recording_floor.txt``).
#
# The recording is noisy and the model's run is not: a clean run loses to noise it
# rightly does not reproduce. Add noise of the known level to the run before comparing,
# as ``score`` and validation do with ``observation_noise``
# (:doc:`/user_guide/judging`, "Noisy data"). Here, and only here, the system is
# known: its own long run (the same coordinate, noise and embedding) scored on the same
# block shows how far one floor estimate can be off.
run = est.predict(100_000)
noise_level = 0.05 * np.nanstd(E_train, axis=0)
noisy_run = run + noise_level * rng.standard_normal(run.shape)
floor = recording_floor(longest_complete_stretch(E_train))
block = E_test[:floor.test_length]
divergence = state_space_divergence(block, noisy_run)
clean_divergence = state_space_divergence(block, run)
spectrum_distance = power_spectrum_distance(block[:, :1], noisy_run[:, :1])

x_true = make_lorenz63(100_000, dt=DT, random_state=2)[:, :1]
x_true = x_true - x_true.mean() + 0.05 * x_true.std() * rng.standard_normal(x_true.shape)
E_true = embedding.transform(x_true)
true_divergence = state_space_divergence(block, E_true)
true_spectrum_distance = power_spectrum_distance(block[:, :1], x_true)

print(f"{'':26s}{'model':>8s}{'floor':>8s}{'ratio':>8s}{'true system':>13s}")
print(f"{'state-space divergence':26s}{divergence:8.3f}{floor.state_space_divergence:8.3f}"
      f"{floor.ratio(divergence):7.1f}x{true_divergence:13.3f}")
print(f"{'power-spectrum distance':26s}{spectrum_distance:8.3f}"
      f"{floor.power_spectrum_distance:8.3f}"
      f"{spectrum_distance / floor.power_spectrum_distance:7.1f}x"
      f"{true_spectrum_distance:13.3f}")
print(f"without the noise added to the run, the model's state-space divergence is "
      f"{clean_divergence:.3f} ({floor.ratio(clean_divergence):.1f}x the floor)")

# %%
# Read the ratio with the floor's own uncertainty in mind: within about 2x of the
# floor, a test block of this length cannot tell the model's attractor from the
# system's; well above it, the model has not learned the attractor's shape or where the
# orbit spends its time. A short test block makes every score, the true system's
# included, larger than on a long one: compare scores only at equal lengths. Look as
# well as measure: the measured coordinate against the free run.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(DT * np.arange(1500), E_test[:1500, 0], label="test block")
axes[0].plot(DT * np.arange(1500), run[:1500, 0], label="free run", alpha=0.8)
axes[0].set_xlabel("time")
axes[0].set_ylabel("detrended x")
axes[0].legend(loc="upper right")
lag = auto.delay_
axes[1].plot(E_test[:, 0], E_test[:, 1], lw=0.3, label="test block")
axes[1].plot(run[:20_000, 0], run[:20_000, 1], lw=0.3, alpha=0.6, label="free run")
axes[1].set_xlabel("x(t)")
axes[1].set_ylabel(f"x(t - {lag} dt)")
fig.tight_layout()

# %%
# 6. Read the model: its Lyapunov spectrum and its fixed points
# --------------------------------------------------------------
# The spectrum of the model comes from its exact Jacobians along a long free run
# (``LyapunovSpectrum(est)``), so it is not disturbed by noise the way an estimate from
# data is. A largest exponent near the data's says the model is as chaotic as the
# system; the sum of all exponents is negative for a dissipative system.
start = time.perf_counter()
model_spectrum = LyapunovSpectrum(est, random_state=0).fit(E_train)
seconds_model_spectrum = time.perf_counter() - start
print("model's spectrum per time unit:", np.round(model_spectrum.exponents_, 2),
      "(Lorenz-63: 0.91, 0, -14.57)")

# %%
# The model is piecewise linear, so its fixed points are exact solutions of linear
# systems, found by a search over its linear regions
# (:func:`skchaos.analysis.fixed_points`), each with its stability. The positions are in
# the embedded coordinates: a fixed point of a delay embedding repeats one value in
# every column. Lorenz-63's are at x = 0 and x = ±8.49, here shifted by the little of
# the attractor's mean that the straight line's intercept took away.
start = time.perf_counter()
points = fixed_points(est, random_state=0)
seconds_fixed_points = time.perf_counter() - start
print(points)

# %%
# What each step cost here (on the machine that built this page):
print(f"spectrum from data {seconds_spectrum:.1f} s, training {seconds_fit:.0f} s, "
      f"model's spectrum {seconds_model_spectrum:.1f} s, fixed points "
      f"{seconds_fixed_points:.1f} s")

# %%
# 7. When a free run blows up, or the score is far above the floor
# ----------------------------------------------------------------
# - The default model cannot blow up (its nonlinearity is clipped). With
#   ``model="plrnn"`` or ``"shplrnn"`` a run can: ``simulate`` warns at the step where
#   it left the finite range, and validation never keeps a checkpoint whose run leaves
#   three times the data's range. Go back to the default model, lower
#   ``learning_rate``, or train longer.
# - Far above the floor: train longer (``n_epochs``), search ``tau`` and
#   ``forcing_strength``, give the noise level (``observation_noise``), and check the
#   embedding (a dimension too small folds the attractor onto itself).
# - A short recording (fit warns below about 2,000 complete rows) limits every model:
#   read its scores against its own floor, which is larger for short series.
#
# When another tool is the better choice
# --------------------------------------
# The package's benchmarks compared it with an echo state network (reservoirpy) and
# SINDy (pysindy), each tuned on the same data (``benchmarks/README.md``, "Peers";
# ``benchmarks/results/panel_comparison.txt``):
#
# - **An echo state network** was closer to the floor on more of the 12-system panel
#   (free runs within 2x of the floor on 6 systems, against 2 for skchaos's default) and
#   trained in 4 s rather than 5 minutes. On clean Lorenz-63 it scored 0.032 against
#   skchaos's 0.502. Try one first when you need a good free run quickly. It gives no
#   exact Jacobians and no piecewise-linear structure to analyse.
# - **SINDy** recovers a system whose equations are sparse polynomials exactly from
#   clean, fully observed data (Lorenz-63: 0.020, below the true system's own 0.043 on
#   that test series). It fell behind with 5% noise (Rössler 0.992 against skchaos's
#   0.436) and failed on the laser, whose free run left the data's range.
# - **skchaos** was ahead of both on Rössler (0.190 against 2.28 and 0.312), trains
#   across gaps, keeps free runs bounded, and gives a model whose spectrum, fixed points
#   and cycles can be computed exactly: the analysis above.
plt.show()
