"""Learning-rate schedules: closed forms, groups, state dicts, bad input."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import lr_scheduler


def make_opt(lrs=(0.1,)):
    groups = [{"params": [nn.Parameter(mg.zeros(1))], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0])


def run(sched, opt, n):
    out = [[g["lr"] for g in opt.param_groups]]
    for _ in range(n):
        opt.step()
        sched.step()
        out.append([g["lr"] for g in opt.param_groups])
    return out


def test_step_lr_closed_form_two_groups():
    opt = make_opt((0.1, 1.0))
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    lrs = run(sched, opt, 10)
    for epoch, (a, b) in enumerate(lrs):
        assert a == pytest.approx(0.1 * 0.5 ** (epoch // 3), rel=1e-14)
        assert b == pytest.approx(1.0 * 0.5 ** (epoch // 3), rel=1e-14)
    assert sched.get_last_lr() == lrs[-1]


def test_exponential_lr_closed_form():
    opt = make_opt()
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    for epoch, (lr,) in enumerate(run(sched, opt, 8)):
        assert lr == pytest.approx(0.1 * 0.9 ** epoch, rel=1e-13)


def test_cosine_annealing_closed_form():
    opt = make_opt()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    lrs = [lr for (lr,) in run(sched, opt, 10)]
    for t, lr in enumerate(lrs):
        assert lr == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi * t / 10)) / 2,
                                   rel=1e-12)
    assert lrs[0] == pytest.approx(0.1) and lrs[10] == pytest.approx(0.01)
    assert lrs[5] == pytest.approx(0.055)


def test_scheduler_drives_the_update():
    p = nn.Parameter(mg.tensor([0.0], dtype=mg.float64))
    opt = optim.SGD([p], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
    for _ in range(3):
        p.grad = mg.tensor([1.0], dtype=mg.float64)
        opt.step()
        sched.step()
    assert p.array[0] == pytest.approx(-1.11, rel=1e-12)


def test_reduce_on_plateau_min_mode_patience_and_cooldown():
    opt = make_opt((1.0,))
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
    metrics = [10, 9, 9, 9, 9, 9, 9, 9, 8, 8, 8, 8]
    lrs = []
    for m in metrics:
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    # bad epochs after 9: 1, 2, 3 -> cut (epoch 5); cooldown 1 epoch; then 1, 2, 3 -> cut
    assert lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]
    assert sched.get_last_lr() == [0.25]


def test_reduce_on_plateau_max_mode_min_lr_and_threshold():
    opt = make_opt((1.0, 0.02))
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0,
                                           min_lr=[0.0, 0.01], threshold=0.1,
                                           threshold_mode="abs")
    sched.step(1.0)
    sched.step(1.05)  # not better than best + 0.1: bad epoch -> cut
    assert [g["lr"] for g in opt.param_groups] == [pytest.approx(0.1), 0.01]
    sched.step(1.2)  # better by more than 0.1
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_reduce_on_plateau_bad_input():
    opt = make_opt()
    with pytest.raises(ValueError, match="factor"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="up")


def test_scheduler_bad_input():
    with pytest.raises(TypeError, match="Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(make_opt(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(make_opt(), T_max=0)


def test_scheduler_state_dict_resume():
    opt = make_opt()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=20)
    run(sched, opt, 7)
    sd = sched.state_dict()
    assert "optimizer" not in sd
    # the usual resume order: build both, then load both
    opt2 = make_opt()
    sched2 = lr_scheduler.CosineAnnealingLR(opt2, T_max=20)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sd)
    a, b = run(sched, opt, 5), run(sched2, opt2, 5)
    np.testing.assert_array_equal(a, b)


def test_scheduler_with_checkpoint_file(tmp_path):
    opt = make_opt()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    for m in [3, 3, 3, 2]:
        sched.step(m)
    mg.save(sched.state_dict(), tmp_path / "s.safetensors")
    sched2 = lr_scheduler.ReduceLROnPlateau(make_opt(), patience=1)
    sched2.load_state_dict(mg.load(tmp_path / "s.safetensors"))
    assert sched2.best == sched.best and sched2.num_bad_epochs == sched.num_bad_epochs
