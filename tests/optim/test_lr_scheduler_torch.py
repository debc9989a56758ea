"""Learning-rate schedules against PyTorch's lr sequences."""

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import lr_scheduler

torch = pytest.importorskip("torch")

BASE_LRS = (0.1, 0.03)


def pair():
    ours = optim.SGD([{"params": [nn.Parameter(mg.zeros(1))], "lr": lr} for lr in BASE_LRS],
                     lr=BASE_LRS[0], momentum=0.9)
    theirs = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr}
                              for lr in BASE_LRS], lr=BASE_LRS[0], momentum=0.9)
    return ours, theirs


def lrs(opt):
    return [g["lr"] for g in opt.param_groups]


@pytest.mark.parametrize("name, kwargs, epochs", [
    ("StepLR", dict(step_size=3), 20),
    ("StepLR", dict(step_size=4, gamma=0.7), 25),
    ("ExponentialLR", dict(gamma=0.95), 40),
    ("CosineAnnealingLR", dict(T_max=10), 35),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.005), 30),
])
def test_epoch_schedules_match_torch(name, kwargs, epochs):
    ours, theirs = pair()
    s = getattr(lr_scheduler, name)(ours, **kwargs)
    ts = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    for epoch in range(epochs + 1):
        np.testing.assert_allclose(lrs(ours), lrs(theirs), rtol=1e-12, atol=1e-15,
                                   err_msg=f"{name} epoch {epoch}")
        np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12, atol=1e-15)
        ours.step()
        theirs.step()
        s.step()
        ts.step()


METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.89999, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85,
           0.7, 0.7, 0.71, 0.72, 0.69, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(patience=1, factor=0.5),
    dict(patience=2, factor=0.5, cooldown=2),
    dict(patience=0, factor=0.3, min_lr=0.004),
    dict(patience=1, factor=0.5, min_lr=[0.02, 0.001], threshold=0.05),
    dict(patience=1, factor=0.5, threshold=0.02, threshold_mode="abs"),
    dict(mode="max", patience=1, factor=0.5),
    dict(mode="max", patience=0, factor=0.5, threshold=0.01, threshold_mode="abs",
         cooldown=1),
])
def test_reduce_on_plateau_matches_torch(kwargs):
    ours, theirs = pair()
    s = lr_scheduler.ReduceLROnPlateau(ours, **kwargs)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    metrics = METRICS if kwargs.get("mode") != "max" else [-m for m in METRICS]
    changed = False
    for epoch, m in enumerate(metrics * 2):
        ours.step()
        theirs.step()
        s.step(m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts.step(m)
        np.testing.assert_allclose(lrs(ours), lrs(theirs), rtol=1e-14,
                                   err_msg=f"{kwargs} epoch {epoch}")
        assert s.num_bad_epochs == ts.num_bad_epochs
        changed |= lrs(ours) != list(BASE_LRS)
    assert changed  # the case exercised at least one reduction
