"""The shallow PLRNN: its kernels against finite differences and plain numpy, its
boundedness, and the latent-model protocol."""

import copy
import pickle

import numpy as np
import pytest

from skchaos import LyapunovSpectrum
from skchaos._kernels.lyapunov import QRSchedule
from skchaos._kernels.shallow import (
    IDENTITY_FORCING,
    PINV_FORCING,
    ForcingMap,
    ShallowWeights,
    ShallowWorkspace,
    WindowBatch,
    forced_pass,
    forward_backward,
    free_run,
    jacobian,
    one_step_map,
    step,
    tangent_spectrum,
)
from skchaos.diagnostics import gradient_norms
from skchaos.dynamics import LatentModel
from skchaos.dynamics.plrnn import A_BOUND
from skchaos.dynamics.shallow import ShallowPLRNN, ShallowPLRNNGradient
from skchaos.metrics import prediction_error

M, L, N, SEQ_LEN, N_BATCH = 5, 7, 3, 20, 4


# --------------------------------------------------------------------- references
def _random_weights(rng, mode, clipped, M=M, L=L, N=N):
    a = rng.uniform(0.5, 0.9, M) * rng.choice([-1.0, 1.0], M)
    W1 = 0.6 * rng.standard_normal((M, L)) / np.sqrt(L)
    W2 = rng.standard_normal((L, M)) / np.sqrt(M)
    h1 = 0.1 * rng.standard_normal(M)
    h2 = 0.7 * rng.standard_normal(L)
    C = 0.5 * rng.standard_normal((M, N))
    if mode == PINV_FORCING:
        B = rng.standard_normal((N, M))
    else:
        B = np.hstack([np.eye(N), np.zeros((N, M - N))])
    P = np.ascontiguousarray(np.linalg.pinv(B))
    return ShallowWeights(a, W1, W2, h1, h2, B, C, int(clipped)), ForcingMap(mode, P)


def _phi(w, z):
    u = w.W2 @ z
    return np.maximum(u + w.h2, 0.0) - w.clipped * np.maximum(u, 0.0)


def _step(w, z):
    return w.a * z + w.W1 @ _phi(w, z) + w.h1


def _jacobian(w, z):
    u = w.W2 @ z
    slope = (u + w.h2 > 0).astype(float) - w.clipped * (u > 0)
    return np.diag(w.a) + w.W1 @ np.diag(slope) @ w.W2


def _initial(w, forcing, x):
    if forcing.mode == PINV_FORCING:
        return forcing.P @ x
    return np.concatenate([x, (w.C @ x)[N:]])


def _numpy_loss(w, forcing, X, starts, schedule, noise, kinks=None):
    """The loss written directly from the method's definition; ``kinks`` (a list) receives
    each step's distances of the hidden pre-activations from their kinks."""
    tau, strength, alpha = schedule
    total = 0.0
    for b, s in enumerate(starts):
        z = _initial(w, forcing, X[s] + noise[0, b])
        for t in range(1, SEQ_LEN + 1):
            if kinks is not None:
                u = w.W2 @ z
                kinks.append(np.abs(u + w.h2))
                if w.clipped:
                    kinks.append(np.abs(u))
            z = _step(w, z)
            x_hat = w.B @ z if forcing.mode == PINV_FORCING else z[:N]
            total += np.sum((x_hat - X[s + t]) ** 2)
            if t == SEQ_LEN:
                break
            s_t = strength if tau and t % tau == 0 else alpha
            x_teacher = X[s + t] + noise[t, b]
            if forcing.mode == PINV_FORCING:
                z = (1 - s_t) * z + s_t * (forcing.P @ x_teacher)
            else:
                z[:N] = (1 - s_t) * z[:N] + s_t * x_teacher
    return total / (N_BATCH * SEQ_LEN * N)


def _workspace(M=M):
    return ShallowWorkspace(np.empty((SEQ_LEN + 1, N_BATCH, M)),
                            np.empty((SEQ_LEN, N_BATCH, M)), np.empty((SEQ_LEN, N_BATCH, N)),
                            np.empty((SEQ_LEN, N_BATCH, M)))


def _loss_and_grads(w, forcing, X, starts, schedule, noise, work=None):
    tau, strength, alpha = schedule
    m = w.a.shape[0]
    grads = ShallowWeights(np.empty(m), np.empty((m, L)), np.empty((L, m)), np.empty(m),
                           np.empty(L), np.empty((N, m)), np.empty((m, N)), w.clipped)
    batch = WindowBatch(X, starts, SEQ_LEN, tau, strength, alpha, noise)
    loss = forward_backward(w, forcing, batch, _workspace(m) if work is None else work, grads)
    return loss, grads


# (tau, strength at tau, alpha elsewhere): sparse forcing, classical teacher forcing, none,
# partial sparse forcing, generalised teacher forcing alone and combined with sparse.
SCHEDULES = [(1, 1.0, 0.0), (7, 1.0, 0.0), (0, 1.0, 0.0), (1, 0.6, 0.0), (7, 0.3, 0.0),
             (0, 1.0, 0.4), (7, 1.0, 0.2)]


# ------------------------------------------------------------------------- kernels
# 4 latent units run the kernel's padded one-pass path (SMALL_LATENT), 5 the general one.
@pytest.mark.parametrize("n_latent", [4, M])
@pytest.mark.parametrize("clipped", [True, False])
@pytest.mark.parametrize("mode", [IDENTITY_FORCING, PINV_FORCING])
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_gradient_matches_finite_differences(mode, schedule, clipped, n_latent, rng):
    X = rng.standard_normal((200, N))
    starts = np.array([0, 10, 50, 150], dtype=np.int64)
    noise = 0.05 * rng.standard_normal((SEQ_LEN, N_BATCH, N))
    # Central differences hold away from the kinks: redraw a model whose pre-activations
    # all keep a margin from theirs.
    while True:
        w, forcing = _random_weights(rng, mode, clipped, M=n_latent)
        kinks = []
        expected = _numpy_loss(w, forcing, X, starts, schedule, noise, kinks)
        if np.min(kinks) > 1e-4:
            break
    loss, grads = _loss_and_grads(w, forcing, X, starts, schedule, noise)
    assert loss == pytest.approx(expected, rel=1e-12)

    names = ["a", "W1", "W2", "h1", "h2", "B" if mode == PINV_FORCING else "C"]
    eps = 1e-6
    for name in names:
        param, grad = getattr(w, name), getattr(grads, name)
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            if name == "C" and idx[0] < N:
                continue  # the observed units start at the data
            old = param[idx]
            param[idx] = old + eps
            up, _ = _loss_and_grads(w, forcing, X, starts, schedule, noise)
            param[idx] = old - eps
            down, _ = _loss_and_grads(w, forcing, X, starts, schedule, noise)
            param[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        scale = np.abs(numeric).max()
        assert scale > 0, name
        np.testing.assert_allclose(grad, numeric, atol=1e-6 * scale, rtol=1e-5, err_msg=name)


def test_the_clipped_and_standard_gradients_differ_and_repeat(rng):
    """The clipped flag reaches the backward pass, and a reused workspace changes nothing."""
    X = rng.standard_normal((100, N))
    starts = np.array([0, 5, 20, 40], dtype=np.int64)
    noise = np.zeros((SEQ_LEN, N_BATCH, N))
    w, forcing = _random_weights(rng, IDENTITY_FORCING, True)
    work = _workspace()
    loss, grads = _loss_and_grads(w, forcing, X, starts, (7, 1.0, 0.0), noise, work)
    again, grads_again = _loss_and_grads(w, forcing, X, starts, (7, 1.0, 0.0), noise, work)
    assert again == loss
    for g, h in zip(grads[:7], grads_again[:7], strict=True):
        np.testing.assert_array_equal(g, h)
    _, standard = _loss_and_grads(w._replace(clipped=0), forcing, X, starts, (7, 1.0, 0.0),
                                  noise, work)
    assert not np.allclose(standard.W2, grads.W2)


@pytest.mark.parametrize("clipped", [True, False])
@pytest.mark.parametrize("mode", [IDENTITY_FORCING, PINV_FORCING])
def test_free_run_forced_pass_and_one_step_match_numpy(mode, clipped, rng):
    w, forcing = _random_weights(rng, mode, clipped)
    w.a[:] *= 0.5  # a contracting model keeps the long run finite
    w.W1[:] *= 0.5
    X = rng.standard_normal((12, N))

    z = forced_pass(w, forcing, X, np.zeros(M))
    z_ref = np.zeros(M)
    for t, x in enumerate(X):
        if t > 0:
            z_ref = _step(w, z_ref)
        if mode == PINV_FORCING:
            z_ref = forcing.P @ x
        else:
            z_ref[:N] = x
    np.testing.assert_allclose(z, z_ref, rtol=1e-13, atol=1e-13)

    out = np.empty((30, N))
    z_end = free_run(w, forcing, z, out)
    for t in range(30):
        z_ref = _step(w, z_ref)
        np.testing.assert_allclose(out[t], w.B @ z_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(z_end, z_ref, rtol=1e-12, atol=1e-12)

    one_step = np.empty_like(X)
    one_step_map(w, forcing, X, one_step)
    for t, x in enumerate(X):
        expected = w.B @ _step(w, _initial(w, forcing, x))
        np.testing.assert_allclose(one_step[t], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("clipped", [True, False])
def test_step_and_jacobian_match_numpy_and_finite_differences(clipped, rng):
    w, _ = _random_weights(rng, IDENTITY_FORCING, clipped)
    out = np.empty(M)
    J = np.empty((M, M))
    for _ in range(5):
        z = 2.0 * rng.standard_normal(M)
        step(w, z, out)
        np.testing.assert_allclose(out, _step(w, z), rtol=1e-13, atol=1e-13)
        jacobian(w, z, J)
        np.testing.assert_allclose(J, _jacobian(w, z), rtol=1e-13, atol=1e-13)
        # Central differences of the compiled step (no hidden unit within eps of a kink).
        u = w.W2 @ z
        assert np.min(np.abs(np.concatenate([u, u + w.h2]))) > 1e-5
        eps = 1e-7
        numeric = np.empty((M, M))
        up, down = np.empty(M), np.empty(M)
        for j, e in enumerate(np.eye(M)):
            step(w, z + eps * e, up)
            step(w, z - eps * e, down)
            numeric[:, j] = (up - down) / (2 * eps)
        np.testing.assert_allclose(J, numeric, atol=1e-7)


def _numpy_spectrum(w, z, n_transient, n_steps, k):
    """Tangent QR at every step, written with numpy."""
    for _ in range(n_transient):
        z = _step(w, z)
    Q = np.eye(M)[:, :k]
    log_sums = np.zeros(k)
    for _ in range(n_steps):
        Q, R = np.linalg.qr(_jacobian(w, z) @ Q)
        log_sums += np.log(np.abs(np.diag(R)))
        z = _step(w, z)
    return log_sums / n_steps, z


@pytest.mark.parametrize("clipped", [True, False])
def test_tangent_spectrum_matches_numpy(clipped, rng):
    w, _ = _random_weights(rng, IDENTITY_FORCING, clipped)
    w.W1[:] *= 3.0  # a richer orbit: many linear regions visited
    z0 = rng.standard_normal(M)
    k = 3
    F = np.ascontiguousarray(np.eye(M)[:k])
    running = np.zeros((5, k))
    exponents, z_end = tangent_spectrum(w, z0, QRSchedule(50, 400, 1), F, running)
    expected, z_ref = _numpy_spectrum(w, z0, 50, 400, k)
    np.testing.assert_allclose(exponents, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(z_end, z_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(running[-1], exponents, rtol=1e-12)
    # Sparser re-orthonormalisation gives the same exponents.
    sparse, _ = tangent_spectrum(w, z0, QRSchedule(50, 400, 4),
                                 np.ascontiguousarray(np.eye(M)[:k]), np.zeros((0, k)))
    np.testing.assert_allclose(sparse, exponents, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("clipped", [True, False])
def test_without_the_network_the_exponents_are_log_abs_a(clipped, rng):
    w, _ = _random_weights(rng, IDENTITY_FORCING, clipped)
    w.W1[:] = 0.0
    w.a[:] = [0.9, -0.7, 0.5, -0.3, 0.2]
    exponents, _ = tangent_spectrum(w, rng.standard_normal(M), QRSchedule(10, 200, 5),
                                    np.ascontiguousarray(np.eye(M)), np.zeros((0, M)))
    np.testing.assert_allclose(exponents, np.log(np.abs(w.a)), rtol=1e-12)


# ------------------------------------------------------------------- boundedness
def _bound(a, W1, h1, h2):
    """Half-widths of the clipped model's absorbing box: |phi_l| <= |h2_l| elementwise,
    since |relu(u + h) - relu(u)| <= |h|, so |z_i'| <= |a_i| |z_i| + c_i."""
    return (np.abs(W1) @ np.abs(h2) + np.abs(h1)) / (1.0 - np.abs(a))


def test_the_clipped_model_stays_in_its_analytic_box(rng):
    M_big, L_big = 6, 40
    model = ShallowPLRNN(M_big, M_big, L_big, clipped=True)  # observations = whole state
    model.a[:] = rng.uniform(0.8, 0.99, M_big) * rng.choice([-1.0, 1.0], M_big)
    model.W1[:] = 20.0 * rng.standard_normal((M_big, L_big))
    model.W2[:] = 20.0 * rng.standard_normal((L_big, M_big))
    model.h1[:] = 5.0 * rng.standard_normal(M_big)
    model.h2[:] = 10.0 * rng.standard_normal(L_big)
    z0 = 1e8 * rng.standard_normal(M_big)
    n_steps = 100_000
    Z, z_end = model.free_run(z0, n_steps)
    c = np.abs(model.W1) @ np.abs(model.h2) + np.abs(model.h1)
    a = np.abs(model.a)
    box = _bound(model.a, model.W1, model.h1, model.h2)
    assert np.all(np.isfinite(Z))
    assert np.all(np.abs(Z) <= np.maximum(np.abs(z0), box) * (1 + 1e-9))
    # The sharper bound at every step: |z_t| <= |a|^t |z0| + c (1 - |a|^t) / (1 - |a|).
    powers = a ** np.arange(1, n_steps + 1)[:, None]
    envelope = powers * np.abs(z0) + (1 - powers) * c / (1 - a)
    assert np.all(np.abs(Z) <= envelope * (1 + 1e-9) + 1e-9)
    # Long after the start the state is inside the box, and it moves (not a trivial bound).
    assert np.all(np.abs(Z[-1000:]) <= box * (1 + 1e-9))
    assert np.ptp(Z[-1000:], axis=0).max() > 1.0


def test_the_standard_model_blows_up_where_the_clipped_one_does_not(rng):
    M_big, L_big = 4, 30
    clipped = ShallowPLRNN(M_big, M_big, L_big, clipped=True)
    clipped.a[:] = 0.9
    clipped.W1[:] = 3.0 * rng.standard_normal((M_big, L_big)) / np.sqrt(L_big)
    clipped.W2[:] = 3.0 * rng.standard_normal((L_big, M_big)) / np.sqrt(M_big)
    clipped.h2[:] = rng.standard_normal(L_big)
    standard = ShallowPLRNN(M_big, M_big, L_big, clipped=False)
    standard.parameters[:] = clipped.parameters
    z0 = rng.standard_normal(M_big)
    with np.errstate(over="ignore", invalid="ignore"):
        run_standard = np.abs(standard.free_run(z0, 2000)[0])
    run_clipped = np.abs(clipped.free_run(z0, 2000)[0])
    assert not np.all(run_standard < 1e6)  # inf and nan compare False
    box = _bound(clipped.a, clipped.W1, clipped.h1, clipped.h2)
    assert np.all(run_clipped <= np.maximum(np.abs(z0), box) * (1 + 1e-9))


# ---------------------------------------------------------------------- the model
def _model(rng, forcing="identity", clipped=True, M=M, L=L, N=N):
    model = ShallowPLRNN(M, N, L, clipped=clipped, forcing=forcing)
    model.initialise(np.random.RandomState(0))
    model.W1[:] *= 2.0
    model.h1[:] = 0.1 * rng.standard_normal(M)
    if forcing == "identity":
        model.C[N:] = 0.3 * rng.standard_normal((M - N, N))
    return model


@pytest.mark.parametrize("clipped", [True, False])
@pytest.mark.parametrize("forcing", ["identity", "pinv"])
def test_the_model_runs_its_kernels(forcing, clipped, rng):
    model = _model(rng, forcing, clipped)
    w = model.weights()
    assert w.clipped == int(clipped)
    z = rng.standard_normal(M)
    np.testing.assert_allclose(model.step(z), _step(w, z), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(model.jacobian(z), _jacobian(w, z), rtol=1e-13, atol=1e-13)
    x = rng.standard_normal(N)
    forced = model.force(x, z)
    if forcing == "pinv":
        np.testing.assert_allclose(forced, np.linalg.pinv(model.B) @ x, rtol=1e-12)
        np.testing.assert_allclose(model.force(x), forced, rtol=1e-12)
    else:
        np.testing.assert_array_equal(forced[:N], x)
        np.testing.assert_array_equal(forced[N:], z[N:])
        np.testing.assert_allclose(model.force(x)[N:], model.C[N:] @ x, rtol=1e-12)
    X = rng.standard_normal((15, N))
    z_end = model.forced_state(X)
    run, z_run = model.free_run(z_end, 10)
    z_ref = z_end.copy()
    for t in range(10):
        z_ref = _step(w, z_ref)
        np.testing.assert_allclose(run[t], model.B @ z_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.simulate(10, X), run, rtol=1e-13)
    np.testing.assert_allclose(model.one_step(X)[0], model.B @ _step(w, model.force(X[0])),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("forcing", ["identity", "pinv"])
def test_minibatch_gradient_matches_finite_differences_of_the_flat_parameters(forcing, rng):
    model = _model(rng, forcing, clipped=True)
    X = rng.standard_normal((80, N))
    starts = np.array([0, 7, 30], dtype=np.int64)
    gradient = model.minibatch_gradient(X, 12, 5, batch_size=3, forcing_strength=0.7,
                                        alpha=0.1)
    assert isinstance(gradient, ShallowPLRNNGradient)
    assert gradient.noise_shape == (12, 3, N)
    assert gradient.zero_noise.shape == (1, 12, 3, N) and not gradient.zero_noise.any()
    loss, grad = gradient(starts)
    grad = grad.copy()
    theta = model.parameters
    eps = 1e-6
    # B moves pinv(B) too, which the gradient treats as data: perturb the rest.
    n_trained = theta.size - (N * M if forcing == "pinv" else 0)
    C_start = theta.size - M * N
    for i in rng.choice(n_trained, 40, replace=False):
        old = theta[i]
        theta[i] = old + eps
        up = gradient(starts)[0]
        theta[i] = old - eps
        down = gradient(starts)[0]
        theta[i] = old
        unused = forcing == "identity" and i >= C_start and (i - C_start) // N < N
        expected = 0.0 if unused else (up - down) / (2 * eps)
        assert grad[i] == pytest.approx(expected, abs=1e-7, rel=1e-5), i
    assert gradient(starts)[0] == loss
    # The states of the last call; alpha can be changed between calls.
    states = gradient.forced_states()
    assert states.shape == (12, 3, M)
    np.testing.assert_allclose(states[0, 0], model.step(model.force(X[0])), rtol=1e-12)
    gradient.alpha = 0.0
    assert gradient(starts)[0] != loss
    noisy, _ = gradient(starts, 0.1 * rng.standard_normal(gradient.noise_shape))
    assert noisy != gradient(starts)[0]
    never = model.minibatch_gradient(X, 12, None, batch_size=3)
    assert never.tau == 0 and np.isfinite(never(starts)[0])


def test_the_parameters_are_one_flat_vector_with_named_views(rng):
    for forcing, trained in (("identity", "C"), ("pinv", "B")):
        model = ShallowPLRNN(M, N, L, forcing=forcing)
        shapes = {"a": (M,), "W1": (M, L), "W2": (L, M), "h1": (M,), "h2": (L,),
                  trained: (N, M) if trained == "B" else (M, N)}
        assert model.parameters.ndim == 1
        assert model.parameters.size == sum(np.prod(s) for s in shapes.values())
        offset = 0
        for name, shape in shapes.items():
            view = getattr(model, name)
            assert view.shape == shape and np.shares_memory(view, model.parameters), name
            model.parameters[:] = 0.0
            view.flat[-1] = 1.0
            offset += view.size
            assert model.parameters[offset - 1] == 1.0, name  # the documented layout
        untrained = "B" if trained == "C" else "C"
        assert not np.shares_memory(getattr(model, untrained), model.parameters)
    assert np.array_equal(ShallowPLRNN(M, N, L).B, np.eye(N, M))


@pytest.mark.parametrize("forcing", ["identity", "pinv"])
def test_pickle_and_copy_keep_the_views_on_one_parameter_vector(forcing, rng):
    model = _model(rng, forcing, clipped=False)
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model), model.copy()):
        assert repr(other) == repr(model)
        assert other.clipped is False and other.n_hidden == L
        np.testing.assert_array_equal(other.parameters, model.parameters)
        for name in ("a", "W1", "W2", "h1", "h2", "B" if forcing == "pinv" else "C"):
            assert np.shares_memory(getattr(other, name), other.parameters), name
        z = rng.standard_normal(M)
        np.testing.assert_array_equal(other.step(z), model.step(z))
        other.parameters[:] = 0.0
        assert np.all(other.W1 == 0) and np.any(model.W1 != 0)


def test_constrain_clips_the_diagonal_only(rng):
    model = _model(rng)
    model.a[:] = [1.5, -2.0, 0.3, A_BOUND, -0.999999]
    before = model.parameters.copy()
    model.constrain()
    np.testing.assert_array_equal(model.a, [A_BOUND, -A_BOUND, 0.3, A_BOUND, -A_BOUND])
    np.testing.assert_array_equal(model.parameters[M:], before[M:])


def test_repr_and_argument_checks():
    model = ShallowPLRNN(3, 2, 10, clipped=False, forcing="pinv")
    assert repr(model) == ("ShallowPLRNN(n_latent=3, n_features=2, n_hidden=10, "
                           "clipped=False, forcing='pinv')")
    assert isinstance(model, LatentModel)
    with pytest.raises(ValueError, match="n_features <= n_latent"):
        ShallowPLRNN(2, 3, 10)
    with pytest.raises(ValueError, match="n_features <= n_latent"):
        ShallowPLRNN(2, 0, 10)
    with pytest.raises(ValueError, match="n_hidden >= 1"):
        ShallowPLRNN(3, 3, 0)
    with pytest.raises(ValueError, match="forcing must be one of"):
        ShallowPLRNN(3, 3, 5, forcing="full")
    with pytest.raises(ValueError, match="clipped must be True or False"):
        ShallowPLRNN(3, 3, 5, clipped="yes")


@pytest.mark.parametrize("clipped", [True, False])
def test_the_initialised_model_does_not_explode(clipped):
    """Untrained free runs from standardised data stay of the data's size, for small and
    large latent and hidden sizes (the standard model has no bound to fall back on)."""
    for forcing, sizes in (("identity", [(1, 1), (2, 1), (3, 3), (10, 3), (40, 3)]),
                           ("pinv", [(5, 3), (20, 3)])):
        for M_i, N_i in sizes:
            for L_i in (2, 30, 300):
                for seed in range(15):
                    model = ShallowPLRNN(M_i, N_i, L_i, clipped, forcing)
                    model.initialise(np.random.RandomState(seed))
                    rng = np.random.default_rng(seed)
                    z0 = model.force(rng.standard_normal(N_i))
                    run = model.free_run(z0, 2000)[0]
                    assert np.abs(run).max() < 10.0, (forcing, M_i, N_i, L_i, seed)


def test_initialise_follows_its_documented_recipe():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, N))
    for clipped in (True, False):
        model = ShallowPLRNN(6, N, 400, clipped).initialise(np.random.RandomState(1))
        assert np.all((model.a >= 0.5) & (model.a <= 0.9))
        assert np.all(model.h1 == 0) and np.all(model.C == 0)
        assert np.abs(model.W2).max() <= 1 / np.sqrt(6)
        assert np.all(np.abs(model.W1) <= (1 - model.a)[:, None] / np.sqrt(400))
        U = np.array([model.W2 @ model.force(x) for x in X])
        if clipped:  # on the ramp: phi' != 0
            active = np.mean((U + model.h2 > 0) != (U > 0))
            assert 0.2 < active < 0.4
        else:
            assert 0.45 < np.mean(U + model.h2 > 0) < 0.55
    again = ShallowPLRNN(6, N, 400, clipped=False).initialise(np.random.RandomState(1))
    np.testing.assert_array_equal(again.parameters, model.parameters)
    pinv = ShallowPLRNN(6, N, 40, forcing="pinv").initialise(np.random.RandomState(1))
    assert np.all(pinv.B != 0) and np.abs(pinv.B).max() <= 1 / np.sqrt(6)


@pytest.mark.filterwarnings("ignore:The largest Lyapunov exponent:UserWarning")
def test_a_bare_model_works_wherever_a_latent_model_does(rng):
    model = ShallowPLRNN(3, 3, 30).initialise(np.random.RandomState(0))
    model.a[:] = 0.95
    model.W1[:] *= 10.0
    # The model's own orbit, observed with a little noise: on the exact orbit (it settles
    # onto a fixed point) the loss and its gradient are exactly zero.
    X = model.simulate(600, rng.standard_normal((5, 3)))
    X += 1e-3 * rng.standard_normal(X.shape)
    spectrum = LyapunovSpectrum(model, n_steps=500, n_transient=100).fit(X)
    assert spectrum.exponents_.shape == (3,) and np.all(np.isfinite(spectrum.exponents_))
    assert np.isfinite(prediction_error(model, X, 5))
    norms = gradient_norms(model, X, [5, 20], tau=5, n_windows=2)
    assert norms.shape == (2,) and np.all(norms > 0)


def test_inputs_are_converted_so_each_kernel_compiles_once(rng):
    from skchaos._kernels import shallow as kernels

    model = _model(rng)
    X = np.arange(30.0).reshape(10, 3) / 30
    z = np.arange(float(M))
    expected = (model.simulate(3, X), model.one_step(X), model.forced_state(X),
                model.step(z), model.jacobian(z), model.one_step(30 * X))
    names = ("forced_pass", "free_run", "one_step_map", "step", "jacobian")
    signatures = {name: len(getattr(kernels, name).signatures) for name in names}
    odd = np.asfortranarray(X)  # column-major
    ints = np.asfortranarray(np.arange(30).reshape(10, 3))
    for got, want in zip((model.simulate(3, odd), model.one_step(odd),
                          model.forced_state(odd.tolist()), model.step(z.astype(int).tolist()),
                          model.jacobian(range(M)), model.one_step(ints)), expected,
                         strict=True):
        np.testing.assert_array_equal(got, want)
    assert signatures == {name: len(getattr(kernels, name).signatures) for name in names}
