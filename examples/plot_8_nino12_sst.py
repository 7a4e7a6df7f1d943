"""
Real data: a climate index, the Niño 1+2 sea surface temperature
================================================================

The sea surface temperature off Ecuador and Peru (the Niño 1+2 region, 0-10°S, 90-80°W)
is where El Niño shows first and strongest: every few years the eastern Pacific warms by
one to four degrees for a year or so, then cools again. Whether that irregular rhythm is
low-dimensional chaos or a damped oscillation kept going by weather noise is an open
question. This walk-through asks what a :class:`~skchaos.ChaoticRNNRegressor` can learn
from one index of it, and, above all, how much a series this short lets us judge.

The series (:func:`~skchaos.datasets.load_nino12_sst`, NOAA's Climate Prediction Center,
public domain) holds 61 years of monthly means, 732 samples: a few dozen times fewer than
the benchmark systems, and fewer than twenty El Niño events in all. The model is the default,
trained for 500 epochs instead of 2,000 so that this page builds in about a minute (the
last section says what the full training changed).
"""

# %%
# The series and its seasonal cycle
# ---------------------------------
# The last 11 years (2000-2010, 132 months, 18% of the series) are the test block; the
# model and everything it is told come from 1950-1999 only.
import calendar
import textwrap
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.signal import welch

from skchaos import ChaoticRNNRegressor
from skchaos.analysis import fixed_points
from skchaos.datasets import load_nino12_sst
from skchaos.metrics import power_spectrum_distance, recording_floor, state_space_divergence
from skchaos.preprocessing import DelayEmbedding, first_minimum_delay

sst = load_nino12_sst()  # degrees Celsius, January 1950 - December 2010
years = 1950 + np.arange(len(sst)) / 12
n_test = 132
n_train = len(sst) - n_test

climatology = sst[:n_train].reshape(-1, 12).mean(axis=0)  # mean of each calendar month
anomaly = sst - np.tile(climatology, len(sst) // 12)
warmest, coolest = np.argmax(climatology), np.argmin(climatology)
print(f"{len(sst)} months; warmest calendar month {calendar.month_name[warmest + 1]} "
      f"({climatology[warmest]:.1f} °C), coolest {calendar.month_name[coolest + 1]} "
      f"({climatology[coolest]:.1f} °C)")
print(f"standard deviation: {sst[:n_train].std():.2f} °C with the seasons, "
      f"{anomaly[:n_train].std():.2f} °C without")

# %%
# The seasonal cycle is most of the variance, and it is not what we want to learn: it is
# driven from outside, by the sun, at a period we know, and it does not depend on the
# ocean's state. An autonomous model, which has no calendar, would have to spend its
# dynamics imitating a clock. Subtracting each calendar month's mean (the monthly
# climatology, from the training years only, so that the test block stays unseen)
# leaves the anomaly: El Niño and La Niña. The cycle would also set the embedding: the
# mutual information of the raw series has its first minimum at a quarter of a year.
print(f"delay at the first minimum of the mutual information: raw series "
      f"{first_minimum_delay(sst[:n_train])} months, anomaly "
      f"{first_minimum_delay(anomaly[:n_train])} months")

fig, axes = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
axes[0].plot(years, sst, lw=0.8, label="monthly mean")
axes[0].plot(years, np.tile(climatology, len(sst) // 12), lw=0.8, color="0.5",
             label="monthly climatology (1950-1999)")
axes[0].set_ylabel("SST (°C)")
axes[0].legend(loc="upper left", fontsize=8)
axes[1].plot(years, anomaly, lw=0.8)
axes[1].axvspan(years[n_train], years[-1] + 1 / 12, color="C1", alpha=0.15, lw=0)
axes[1].text(years[n_train] + 0.5, anomaly.max() - 0.5, "test block", fontsize=8)
axes[1].set_ylabel("anomaly (°C)")
axes[1].set_xlabel("year")
fig.tight_layout()

# %%
# Delay embedding
# ---------------
# One scalar is measured, so delayed copies of it stand in for the state. With ``"auto"``
# settings, :class:`~skchaos.preprocessing.DelayEmbedding` takes the delay at the first
# minimum of the mutual information and the smallest dimension whose fraction of false
# nearest neighbours is below 5%. No scaling is needed first: the regressor standardises
# each column itself (``standardize=True``), so the anomaly goes in, in °C.
embedding = DelayEmbedding().fit(anomaly[:n_train, None])
print(f"delay {embedding.delay_} months, dimension {embedding.dimension_}")
print("false-nearest-neighbour fraction by dimension:",
      embedding.fnn_fractions_[:6].round(3))

# %%
# Four copies half a year apart span a year and a half, about the time an El Niño takes
# to build up and decay. The whole series is embedded at once, so the test rows have
# their true past; the first ``(dimension - 1) * delay`` rows have no full past (the
# embedding repeats the first sample) and are dropped.
E = embedding.transform(anomaly[:, None])
start = (embedding.dimension_ - 1) * embedding.delay_
E_train, E_test = E[start:n_train], E[n_train:]
print(f"training rows {len(E_train)}, test rows {len(E_test)}")

# %%
# Fit
# ---
# ``fit`` warns when a series is this short. The warning is recorded here to show it.
est = ChaoticRNNRegressor(n_epochs=500, random_state=0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    est.fit(E_train)
for warning in caught:
    print(textwrap.fill(f"{warning.category.__name__}: {warning.message}", 88))

# %%
# Free run
# --------
# ``predict(n_steps)`` continues from the end of the training data (December 1999) with
# nothing but the model: 100,000 months, over 8,000 years. No model of a chaotic system
# can follow the data for long, so the test block and the run part ways within months;
# what can match is how the run behaves: how far it swings, how often, and where in
# state space it spends its time.
E_gen = est.predict(100_000)
a_gen = embedding.inverse_transform(E_gen)[:, 0]  # the anomaly, back from the embedding
print(f"anomaly of the data, 1950-1999: mean 0 (by construction), "
      f"std {anomaly[:n_train].std():.2f} °C")
for label, stretch in (("first", a_gen[:600]), ("last", a_gen[-600:])):
    print(f"free run, its {label:5s} 50 years: mean {stretch.mean():5.2f} °C, "
          f"std {stretch.std():.2f} °C")

# %%
# What the model is
# -----------------
# The fitted model is a piecewise-linear map, so its fixed points can be found exactly
# (:func:`~skchaos.analysis.fixed_points`); a stable one attracts the runs that come near
# it. Positions are in the data's units: the first coordinate is the anomaly.
orbits = fixed_points(est, X=E_train, random_state=0)
print(f"{len(orbits)} fixed points, of which stable:")
for orbit in orbits:
    if orbit.stable:
        where = "inside" if orbit.in_data_range else "outside"
        print(f"  anomaly {orbit.position[0]:5.2f} °C, {orbit.kind}, {where} the data's range")

# %%
# Compare the two stretches of the run with the stable points. When this example was
# written, this fit's run swung like the data for over 800 years and then settled for
# good on a stable fixed point about 5.6 °C above the climatology: a state warmer than
# any month on record, which the model made up. Nothing in 50 years of data ruled it out,
# and a test block of 11 years could not reveal it. The figure shows the whole run.
years_gen = years[n_train] + np.arange(len(a_gen)) / 12
fig = plt.figure(figsize=(10, 9.5))
recent = fig.add_subplot(3, 1, 1)
recent.plot(years, anomaly, lw=0.8, label="data")
shown = n_test + 600
recent.plot(years_gen[:shown], a_gen[:shown], lw=0.8, color="C1",
            label="free run from December 1999")
recent.set_xlim(1950, years_gen[shown - 1])
recent.set_xlabel("year")
recent.set_ylabel("anomaly (°C)")
recent.legend(loc="upper left", fontsize=8)

whole = fig.add_subplot(3, 1, 2)
whole.plot(np.arange(len(a_gen)) / 12, a_gen, lw=0.6, color="C1")
for level in (anomaly.min(), anomaly.max()):
    whole.axhline(level, color="C0", lw=0.8, ls="--")
whole.set_xlim(0, len(a_gen) / 12)
whole.set_ylim(anomaly.min() - 1, max(anomaly.max(), a_gen.max()) + 1)
whole.set_xlabel("years of free run")
whole.set_ylabel("anomaly (°C)")
whole.set_title("the whole free run; dashed: the data's range", fontsize=9)

spectra = fig.add_subplot(3, 2, 5)
for series, label, color in ((anomaly[:n_train], "data (1950-1999)", "C0"),
                             (a_gen[:n_train], "free run (its first 50 years)", "C1")):
    frequency, power = welch(series - series.mean(), fs=12.0, nperseg=256)
    spectra.loglog(frequency[1:], power[1:], color=color, label=label)
spectra.set_xlabel("frequency (cycles per year)")
spectra.set_ylabel("power (°C² per cycle/year)")
spectra.legend(fontsize=8)

projection = fig.add_subplot(3, 2, 6)
projection.plot(E_gen[:6000, 1], E_gen[:6000, 0], ",", color="C1", alpha=0.5)
projection.plot(E[start:, 1], E[start:, 0], ".", ms=2, color="C0")
for orbit in orbits:
    if orbit.stable:
        projection.plot(orbit.position[1], orbit.position[0], "kx", ms=8)
projection.set_xlabel(f"anomaly {embedding.delay_} months earlier (°C)")
projection.set_ylabel("anomaly (°C)")
projection.set_title("data (blue), 500 years of free run (orange),\n"
                     "stable fixed points (x)", fontsize=9)
fig.tight_layout()
plt.show()

# %%
# Over its first decades the run swings about as far as the data and with the same
# multi-year rhythm, but more smoothly: the data's spectrum flattens above about two
# cycles per year (month-to-month weather and measurement noise), which a deterministic
# model does not produce.
#
# Judged against the recording's floor
# ------------------------------------
# A perfect model would not score 0 on a test block of 132 months either: its free run is
# another history of the ocean, and 11 years show only a few events.
# :func:`~skchaos.metrics.recording_floor` estimates what a perfect model would score on
# a test block of this length from the training recording alone, from blocks of it scored
# against the rest of it (an upper bound) and against all of it (a lower one). It gets
# the embedded rows, on which the state-space divergence is computed.
floor = recording_floor(E_train, test_length=n_test)
d_stsp = state_space_divergence(E_test, E_gen)
d_h = power_spectrum_distance(E_test, E_gen)
below, above = floor.divergence_bounds
print(f"floor from {len(floor.divergences)} blocks of {floor.test_length} training months")
print(f"{'':26s}{'model':>8s}{'floor':>8s}{'ratio':>8s}")
print(f"{'D_stsp (embedded state)':26s}{d_stsp:8.3f}{floor.state_space_divergence:8.3f}"
      f"{floor.ratio(d_stsp):7.1f}x")
print(f"{'D_H':26s}{d_h:8.3f}{floor.power_spectrum_distance:8.3f}"
      f"{d_h / floor.power_spectrum_distance:7.1f}x")
print(f"bounds of the D_stsp floor: {below:.3f} (block against all) to {above:.3f} "
      f"(block against the rest)")

# %%
# Read the state-space ratio with care: at this length it says almost nothing. Four
# embedded dimensions at 30 bins each make 810,000 bins for 132 test rows, so almost
# every row of a block sits in a bin of its own, and at most a few percent of them in a
# bin that the rest of the recording visits: a block scored against the rest reaches the
# measure's ceiling, which is set by the sample counts, and so does any model's free
# run. The floor's bounds, a factor of about 8 apart, say the same. When this example
# was written, fits with seeds 0 to 5 (500 epochs) all scored 4.0-4.2x the floor, and
# 0.073-0.093 in D_H, although two of them ended on a fixed point, two in a smaller
# swing away from zero, and only two kept swinging like the data; with the default
# 2,000 epochs, seeds 0 and 2 both kept swinging for all 100,000 months and scored
# 3.9x. The same divergence on the anomaly alone (one dimension, 30 bins) is a measure
# this length can support: it scored the six short fits from 1.3x to 18.6x its floor,
# the two that kept swinging best, and the two with 2,000 epochs 2.3x and 1.9x. For
# this fit:
floor_1d = recording_floor(E_train[:, :1], test_length=n_test)
d_stsp_1d = state_space_divergence(E_test[:, :1], E_gen[:, :1])
print(f"D_stsp of the anomaly alone: model {d_stsp_1d:.3f}, floor "
      f"{floor_1d.state_space_divergence:.3f}, {floor_1d.ratio(d_stsp_1d):.1f}x the floor")

# %%
# So for a series of 732 months, a ratio of a few times the embedded floor cannot tell a
# good model from a bad one, and neither can the spectrum distance; the ratio on the
# scalar anomaly can, roughly, and the whole free run and the model's fixed points say
# more than any of them. On a series this short, fit several seeds, look at each whole
# free run, and judge them with measures the test block's length can resolve. Sixty
# years of one index can show what ENSO-like dynamics look like; they cannot show that a
# model has learned them.
