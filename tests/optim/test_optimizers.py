"""Optimizers: update rules by hand, param groups, state dicts, in-place updates, errors.

Trajectories against PyTorch live in test_optimizers_torch.py.
"""

import copy
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim


def param(values):
    return nn.Parameter(mg.tensor(np.asarray(values, dtype=np.float64)))


def set_grad(p, g):
    p.grad = mg.tensor(np.asarray(g, dtype=np.float64))


def mlp():
    mg.manual_seed(3)
    return nn.Sequential(nn.Linear(4, 8, dtype=mg.float64), nn.Tanh(),
                         nn.Linear(8, 3, dtype=mg.float64))


def batch():
    r = np.random.default_rng(0)
    return mg.tensor(r.standard_normal((16, 4))), mg.tensor(r.integers(0, 3, 16))


def train_step(model, opt, x, y):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


# ------------------------------------------------------------------- update rules
def test_sgd_plain_step():
    p = param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    set_grad(p, [0.5, 1.0])
    opt.step()
    np.testing.assert_allclose(p.array, [0.95, -2.1], rtol=1e-15)


def test_sgd_momentum_dampening_weight_decay_by_hand():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1)
    w, buf = 1.0, None
    for g in [1.0, -2.0, 0.5]:
        set_grad(p, [g])
        opt.step()
        d = g + 0.1 * w
        buf = d if buf is None else 0.9 * buf + 0.5 * d
        w -= 0.1 * buf
        assert p.array[0] == pytest.approx(w, rel=1e-14)


def test_sgd_nesterov_by_hand():
    p = param([2.0])
    opt = optim.SGD([p], lr=0.05, momentum=0.8, nesterov=True)
    w, buf = 2.0, None
    for g in [1.0, 3.0, -1.0]:
        set_grad(p, [g])
        opt.step()
        buf = g if buf is None else 0.8 * buf + g
        w -= 0.05 * (g + 0.8 * buf)
        assert p.array[0] == pytest.approx(w, rel=1e-14)


def test_adam_first_step_is_lr_times_sign():
    # after bias correction, the first Adam step is lr * g / (|g| + eps) ~ lr * sign(g)
    p = param([1.0, 1.0, 1.0])
    opt = optim.Adam([p], lr=0.01)
    set_grad(p, [3.0, -0.002, 50.0])
    opt.step()
    np.testing.assert_allclose(p.array, [0.99, 1.01, 0.99], rtol=1e-7)


def test_adam_by_hand_with_amsgrad_and_weight_decay():
    p = param([0.5])
    b1, b2, eps, lr, wd = 0.8, 0.9, 1e-6, 0.1, 0.05
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd, amsgrad=True)
    w, m, v, vmax = 0.5, 0.0, 0.0, 0.0
    for t, g in enumerate([2.0, -0.1, 0.3, 0.0], start=1):
        set_grad(p, [g])
        opt.step()
        g = g + wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        w -= lr * (m / (1 - b1 ** t)) / (math.sqrt(vmax / (1 - b2 ** t)) + eps)
        assert p.array[0] == pytest.approx(w, rel=1e-13)


def test_adamw_decouples_weight_decay():
    p, q = param([1.0]), param([1.0])
    adamw = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    adam = optim.Adam([q], lr=0.1)
    set_grad(p, [0.0])
    set_grad(q, [0.0])
    adamw.step()
    adam.step()
    # zero gradient: Adam does not move, AdamW only shrinks the weight by lr * wd
    assert q.array[0] == 1.0
    assert p.array[0] == pytest.approx(1 - 0.1 * 0.5, rel=1e-15)
    assert optim.AdamW([param([1.0])]).param_groups[0]["weight_decay"] == 0.01


def test_maximize_climbs():
    p = param([0.0])
    opt = optim.SGD([p], lr=0.1, maximize=True)
    set_grad(p, [1.0])
    opt.step()
    assert p.array[0] == pytest.approx(0.1)


def test_params_without_grad_are_skipped():
    a, b = param([1.0]), param([2.0])
    opt = optim.Adam([a, b], lr=0.1)
    set_grad(a, [1.0])
    opt.step()
    assert b.array[0] == 2.0 and a.array[0] != 1.0
    assert b not in opt.state


# ---------------------------------------------------- in place, no graph recorded
@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, momentum=0.9, centered=True, weight_decay=0.1),
    lambda ps: optim.Adagrad(ps, lr_decay=0.1, weight_decay=0.1),
    lambda ps: optim.Adadelta(ps, weight_decay=0.1)])
def test_updates_are_in_place_and_record_no_graph(make):
    model = mlp()
    opt = make(model.parameters())
    arrays = [p.array for p in model.parameters()]
    before = [a.copy() for a in arrays]
    x, y = batch()
    for _ in range(3):
        train_step(model, opt, x, y)
    for p, arr, old in zip(model.parameters(), arrays, before):
        assert p.array is arr  # the same numpy array object
        assert not np.array_equal(arr, old)
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
        assert isinstance(p, nn.Parameter)
    # the parameters are still usable in a new graph
    train_step(model, opt, x, y)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, maximize=True),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, momentum=0.9, centered=True, weight_decay=0.1,
                             maximize=True),
    lambda ps: optim.RMSprop(ps, alpha=0.2, centered=True),
    lambda ps: optim.Adagrad(ps, lr_decay=0.1, weight_decay=0.1, maximize=True),
    lambda ps: optim.Adadelta(ps, weight_decay=0.1, maximize=True)])
def test_step_allocates_no_parameter_sized_temporaries(make):
    import tracemalloc

    w = param(np.linspace(-1, 1, 50_000))  # 400 kB
    opt = make([w])
    set_grad(w, np.linspace(2, 3, 50_000))
    opt.step()  # the first step creates the state and the scratch arrays
    before = w.array.copy()
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not np.array_equal(w.array, before)
    assert peak < 20_000  # bytes: no temporary of the parameter's size (400 kB)


def test_step_bumps_version_for_saved_tensor_checks():
    # a graph that saved a parameter must notice that step() changed it in place
    w = param([1.0, 2.0])
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    set_grad(w, [1.0, 1.0])
    opt.step()
    with pytest.raises(RuntimeError):
        loss.backward()


def test_step_under_grad_mode_leaves_no_graph():
    w = param([1.0])
    opt = optim.Adam([w], lr=0.1)
    with mg.enable_grad():
        (w * 3).sum().backward()
        opt.step()
    assert w.grad_fn is None and w.is_leaf


# -------------------------------------------------------------- zero_grad, groups
def test_zero_grad_set_to_none_and_zeros():
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = batch()
    F.cross_entropy(model(x), y).backward()
    grads = [p.grad for p in model.parameters()]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(model.parameters(), grads):
        assert p.grad is g and not g.array.any()
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_param_groups_have_own_options():
    model = mlp()
    opt = optim.SGD([{"params": model[0].parameters(), "lr": 0.5},
                     {"params": model[2].parameters()}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    ps = list(model.parameters())
    for p in ps:
        set_grad(p, np.ones(p.shape))
    before = [p.array.copy() for p in ps]
    opt.step()
    np.testing.assert_allclose(before[0] - ps[0].array, 0.5)
    np.testing.assert_allclose(before[3] - ps[3].array, 0.1)


def test_add_param_group():
    a, b = param([1.0]), param([1.0])
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01, "betas": (0.5, 0.5)})
    assert len(opt.param_groups) == 2
    g = opt.param_groups[1]
    assert g["lr"] == 0.01 and g["betas"] == (0.5, 0.5) and g["eps"] == 1e-8
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    opt.step()
    assert a.array[0] == pytest.approx(0.9, rel=1e-6)
    assert b.array[0] == pytest.approx(0.99, rel=1e-6)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [a]})


def test_state_holds_per_parameter_buffers():
    p = param([1.0, 2.0])
    opt = optim.Adam([p], lr=0.1)
    set_grad(p, [1.0, 1.0])
    opt.step()
    opt.step()
    st = opt.state[p]
    assert st["step"] == 2
    assert st["exp_avg"].shape == (2,) and st["exp_avg_sq"].shape == (2,)


# -------------------------------------------------------------------- bad input
def test_bad_inputs_are_clear_errors():
    p = param([1.0])
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match="learning rate"):
        optim.Adam([p], lr=-1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD(nn.ReLU().parameters(), lr=0.1)
    with pytest.raises(TypeError, match="single"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        optim.SGD([p], lr=0.1, momentum=-1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="eps"):
        optim.Adam([p], eps=-1)
    with pytest.raises(ValueError, match="weight_decay"):
        optim.AdamW([p], weight_decay=-0.1)
    with pytest.raises(TypeError):
        optim.SGD([1.0, 2.0], lr=0.1)


# ------------------------------------------------------------------ state dicts
@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.01, betas=(0.8, 0.95), weight_decay=0.1),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1),
    lambda ps: optim.Adadelta(ps, rho=0.8, weight_decay=0.01)])
@pytest.mark.parametrize("through_file", [False, True])
def test_resumed_optimizer_continues_exactly(make, through_file, tmp_path):
    x, y = batch()
    model = mlp()
    opt = make(model.parameters())
    for _ in range(5):
        train_step(model, opt, x, y)
    ckpt = {"model": model.state_dict(), "optim": opt.state_dict()}
    if through_file:
        mg.save(ckpt, tmp_path / "ckpt.safetensors")
        ckpt = mg.load(tmp_path / "ckpt.safetensors")
    else:
        ckpt = copy.deepcopy(ckpt)
    # a fresh model and optimizer, from different weights, restored from the checkpoint
    mg.manual_seed(99)
    model2 = nn.Sequential(nn.Linear(4, 8, dtype=mg.float64), nn.Tanh(),
                           nn.Linear(8, 3, dtype=mg.float64))
    opt2 = make(model2.parameters())
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optim"])
    for _ in range(5):
        train_step(model, opt, x, y)
        train_step(model2, opt2, x, y)
        for p, q in zip(model.parameters(), model2.parameters()):
            np.testing.assert_array_equal(p.array, q.array)


def test_state_dict_is_a_snapshot_not_a_live_view():
    model = mlp()
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, y = batch()
    train_step(model, opt, x, y)
    sd = copy.deepcopy(opt.state_dict())
    model2 = mlp()
    opt2 = optim.Adam(model2.parameters(), lr=0.01)
    opt2.load_state_dict(sd)
    train_step(model2, opt2, x, y)
    # stepping opt2 must not change what opt holds
    assert opt.state[next(model.parameters())]["step"] == 1
    assert opt2.state[next(model2.parameters())]["step"] == 2


def test_state_dict_structure_uses_indices():
    model = mlp()
    opt = optim.SGD([{"params": model[0].parameters(), "lr": 0.2},
                     {"params": model[2].parameters()}], lr=0.1, momentum=0.5)
    x, y = batch()
    train_step(model, opt, x, y)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.2, 0.1]
    assert set(sd["state"]) == {0, 1, 2, 3}
    assert "momentum_buffer" in sd["state"][0]


def test_load_state_dict_restores_options():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.7
    opt2 = optim.SGD([param([1.0])], lr=0.1)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.7


def test_load_state_dict_mismatch_is_clear_error():
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="group"):
        optim.SGD([param([1.0])], lr=0.1).load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="param_groups"):
        opt.load_state_dict({"state": {}})


def test_optimizer_repr_lists_groups():
    text = repr(optim.SGD([param([1.0])], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


def test_load_state_dict_checks_state_shapes():
    w = mg.zeros(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = mg.ones(3)
    opt.step()
    sd = opt.state_dict()
    other = optim.SGD([mg.zeros(4, requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="momentum_buffer.*shape"):
        other.load_state_dict(sd)


def _optimizer_snapshot(opt):
    state = {id(p): {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
             for p, s in opt.state.items()}
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    return state, copy.deepcopy(groups), dict(opt.state)


def _assert_optimizer_unchanged(opt, snap):
    state, groups, entries = snap
    assert dict(opt.state) == entries  # the same per-parameter dicts
    for p, s in opt.state.items():
        assert s.keys() == state[id(p)].keys()
        for k, v in s.items():
            np.testing.assert_array_equal(v, state[id(p)][k])
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == groups


def _two_stepped_adams():
    model, model2 = mlp(), mlp()
    opt = optim.Adam(model.parameters(), lr=0.01)
    opt2 = optim.Adam(model2.parameters(), lr=0.02)
    x, y = batch()
    train_step(model, opt, x, y)
    train_step(model2, opt2, x, y)
    train_step(model2, opt2, x, y)
    return copy.deepcopy(opt.state_dict()), opt2


@pytest.mark.parametrize("damage, match", [
    (lambda sd: sd["state"][3].update(exp_avg=np.full(sd["state"][3]["exp_avg"].shape, "x")),
     r"state\[3\]\['exp_avg'\] has dtype <U1"),
    (lambda sd: sd["state"][3].update(exp_avg_sq=mg.zeros(7)),
     r"state\[3\]\['exp_avg_sq'\] has shape \(7,\)"),
    (lambda sd: sd["state"].update({9: {"step": 1}}), r"state\[9\]"),
    (lambda sd: sd["state"].update({"x": {"step": 1}}), r"state\['x'\]"),
    (lambda sd: sd["state"].update({0: "not a dict"}), r"state\[0\]"),
    (lambda sd: sd["param_groups"][0].update(lr=-1.0), r"param_groups\[0\].*learning rate"),
    (lambda sd: sd["param_groups"][0].update(lr="fast"), r"param_groups\[0\]"),
    (lambda sd: sd["param_groups"][0].pop("params"), r"param_groups\[0\] has no param"),
    (lambda sd: sd.update(state=[]), "expected a dict"),
])
def test_optimizer_load_state_dict_is_all_or_nothing(damage, match):
    sd, opt2 = _two_stepped_adams()
    sd["param_groups"][0]["lr"] = 0.5  # a good change that must not be applied either
    damage(sd)
    snap = _optimizer_snapshot(opt2)
    with pytest.raises(ValueError, match=match):
        opt2.load_state_dict(sd)
    _assert_optimizer_unchanged(opt2, snap)
    assert opt2.param_groups[0]["lr"] == 0.02


def test_optimizer_load_state_dict_converts_dtypes_and_copies():
    sd, opt2 = _two_stepped_adams()
    p0 = opt2.param_groups[0]["params"][0]
    other = mg.float32 if p0.dtype == np.float64 else mg.float64
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"].to(other)
    opt2.load_state_dict(sd)
    assert opt2.state[p0]["exp_avg"].dtype == p0.dtype and opt2.state[p0]["step"] == 1
    saved = np.asarray(sd["state"][0]["exp_avg"])
    np.testing.assert_allclose(opt2.state[p0]["exp_avg"], saved, rtol=1e-6)
    assert not np.shares_memory(opt2.state[p0]["exp_avg"], saved)


# ------------------------------------------------------ RMSprop, Adagrad, Adadelta
def test_rmsprop_by_hand():
    p = param([1.0, -2.0])
    opt = optim.RMSprop([p], lr=0.1, alpha=0.5, eps=0.0, momentum=0.5, centered=True)
    g = np.array([2.0, 4.0])
    v, m, buf, w = np.zeros(2), np.zeros(2), np.zeros(2), np.array([1.0, -2.0])
    for _ in range(3):
        set_grad(p, g)
        opt.step()
        v = 0.5 * v + 0.5 * g * g
        m = m + 0.5 * (g - m)
        buf = 0.5 * buf + g / np.sqrt(v - m * m)
        w = w - 0.1 * buf
        g = g * 0.5
    assert opt.state[p]["step"] == 3
    np.testing.assert_allclose(p.array, w, rtol=1e-12)


def test_rmsprop_first_step_size():
    p = param([3.0])
    opt = optim.RMSprop([p], lr=0.01)  # torch's defaults: alpha 0.99
    set_grad(p, [5.0])
    opt.step()
    assert p.array[0] == pytest.approx(3.0 - 0.01 / np.sqrt(0.01), rel=1e-6)


def test_adagrad_by_hand_with_decay():
    p = param([1.0])
    opt = optim.Adagrad([p], lr=0.5, lr_decay=0.5, initial_accumulator_value=1.0, eps=0.0)
    assert opt.state[p]["step"] == 0 and opt.state[p]["sum"][0] == 1.0  # from construction
    w, acc = 1.0, 1.0
    for t, g in enumerate([2.0, 1.0, 3.0], start=1):
        set_grad(p, [g])
        opt.step()
        acc += g * g
        w -= 0.5 / (1 + (t - 1) * 0.5) * g / np.sqrt(acc)
    assert p.array[0] == pytest.approx(w, rel=1e-14)


def test_adadelta_by_hand():
    p = param([1.0])
    opt = optim.Adadelta([p], lr=2.0, rho=0.5, eps=1e-3)
    w, v, u = 1.0, 0.0, 0.0
    for g in [1.0, -2.0, 0.5]:
        set_grad(p, [g])
        opt.step()
        v = 0.5 * v + 0.5 * g * g
        delta = np.sqrt(u + 1e-3) / np.sqrt(v + 1e-3) * g
        u = 0.5 * u + 0.5 * delta * delta
        w -= 2.0 * delta
    assert p.array[0] == pytest.approx(w, rel=1e-14)
    assert set(opt.state[p]) == {"step", "square_avg", "acc_delta"}


@pytest.mark.parametrize("make, bad", [
    (lambda ps: optim.RMSprop(ps, lr=-1), "invalid learning rate: -1;"),
    (lambda ps: optim.RMSprop(ps, alpha=-0.5), "invalid alpha value: -0.5;"),
    (lambda ps: optim.RMSprop(ps, eps=-1e-8), "invalid epsilon value: -1e-08;"),
    (lambda ps: optim.RMSprop(ps, momentum=-0.1), "invalid momentum value: -0.1;"),
    (lambda ps: optim.RMSprop(ps, weight_decay=-1), "invalid weight_decay value: -1;"),
    (lambda ps: optim.Adagrad(ps, lr_decay=-1), "invalid lr_decay value: -1;"),
    (lambda ps: optim.Adagrad(ps, initial_accumulator_value=-1),
     "invalid initial_accumulator_value: -1;"),
    (lambda ps: optim.Adagrad(ps, eps=-1), "invalid epsilon value: -1;"),
    (lambda ps: optim.Adagrad(ps, weight_decay=-1), "invalid weight_decay value: -1;"),
    (lambda ps: optim.Adadelta(ps, rho=1.5), "invalid rho value: 1.5;"),
    (lambda ps: optim.Adadelta(ps, eps=-1), "invalid epsilon value: -1;"),
    (lambda ps: optim.Adadelta(ps, lr=-0.1), "invalid learning rate: -0.1;")])
def test_new_optimizers_check_arguments(make, bad):
    with pytest.raises(ValueError, match=bad):
        make([param([1.0])])


@pytest.mark.parametrize("cls, defaults", [
    (optim.RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                         centered=False, maximize=False)),
    (optim.Adagrad, dict(lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                         eps=1e-10, maximize=False)),
    (optim.Adadelta, dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False))])
def test_new_optimizers_defaults_are_torchs(cls, defaults):
    group = cls([param([1.0])]).param_groups[0]
    assert {k: group[k] for k in defaults} == defaults
