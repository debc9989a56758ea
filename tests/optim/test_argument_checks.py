"""Optimizer and scheduler arguments checked at construction, as torch checks them: a bad
value is a ValueError naming the optimizer and the value (torch's wording), never a
training run that silently turns every parameter into nan.

minigrad is stricter than torch in three places, each a value that can only be a
mistake: SGD refuses nan (torch accepts a nan lr, momentum, weight_decay or dampening),
options given in a param group are checked like the defaults, and a nan ``factor`` of
ReduceLROnPlateau is refused."""

import math

import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import lr_scheduler

nan, inf = math.nan, math.inf

BAD = [  # (optimizer, options, what the message names); torch raises ValueError for each
    ("Adam", dict(lr=nan), "invalid learning rate: nan"),
    ("Adam", dict(lr=-1e-3), "invalid learning rate: -0.001"),
    ("Adam", dict(eps=nan), "invalid epsilon value: nan"),
    ("Adam", dict(eps=-1.0), "invalid epsilon value: -1.0"),
    ("Adam", dict(weight_decay=nan), "invalid weight_decay value: nan"),
    ("Adam", dict(weight_decay=-0.1), "invalid weight_decay value: -0.1"),
    ("Adam", dict(betas=(1.0, 0.999)), r"beta parameter at index 0: 1.0; it must be in \[0, 1\)"),
    ("Adam", dict(betas=(0.9, nan)), "beta parameter at index 1: nan"),
    ("Adam", dict(betas=(-0.1, 0.999)), "beta parameter at index 0: -0.1"),
    ("AdamW", dict(lr=nan), "AdamW: invalid learning rate: nan"),
    ("AdamW", dict(eps=nan), "AdamW: invalid epsilon value: nan"),
    ("AdamW", dict(weight_decay=nan), "AdamW: invalid weight_decay value: nan"),
    ("AdamW", dict(betas=(0.9, 1.0)), "beta parameter at index 1: 1.0"),
    ("SGD", dict(lr=-0.1), "SGD: invalid learning rate: -0.1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1), "invalid weight_decay value: -1"),
    ("SGD", dict(lr=0.1, nesterov=True), "nesterov=True requires a momentum and zero damp"),
    ("SGD", dict(lr=0.1, nesterov=True, momentum=0.9, dampening=0.1), "zero dampening"),
]
STRICTER = [  # torch accepts these; each would make every parameter nan
    ("SGD", dict(lr=nan), "invalid learning rate: nan"),
    ("SGD", dict(lr=0.1, momentum=nan), "invalid momentum value: nan"),
    ("SGD", dict(lr=0.1, weight_decay=nan), "invalid weight_decay value: nan"),
    ("SGD", dict(lr=0.1, dampening=nan), "invalid dampening value: nan"),
]


def params():
    return [nn.Parameter(mg.ones(2))]


@pytest.mark.parametrize("name, options, message", BAD + STRICTER)
def test_bad_optimizer_arguments_are_value_errors(name, options, message):
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)(params(), **options)


@pytest.mark.needs_torch
@pytest.mark.parametrize("name, options, message", BAD)
def test_torch_refuses_the_same_arguments(name, options, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))], **options)


@pytest.mark.parametrize("name, options", [("Adam", {}), ("AdamW", {}), ("SGD", {"lr": 0.1}),
                                           ("Adam", dict(lr=inf, eps=0.0, betas=(0.0, 0.0))),
                                           ("SGD", dict(lr=0.0, momentum=0.9, nesterov=True))])
def test_good_arguments_are_accepted(name, options):
    getattr(optim, name)(params(), **options)


@pytest.mark.parametrize("name, options", [("Adam", dict(lr="0.1")), ("SGD", dict(lr=None)),
                                           ("Adam", dict(eps=mg.tensor(1e-8)))])
def test_non_numbers_are_type_errors(name, options):
    with pytest.raises(TypeError, match=f"{name}: .* must be a number"):
        getattr(optim, name)(params(), **options)


def test_betas_must_be_a_pair():
    with pytest.raises(ValueError, match=r"Adam: betas must be a pair .* got \(0.9,\)"):
        optim.Adam(params(), betas=(0.9,))


def test_param_group_options_are_checked_like_the_defaults():
    opt = optim.Adam(params(), lr=1e-3)
    with pytest.raises(ValueError, match="Adam: invalid learning rate: nan"):
        opt.add_param_group({"params": params(), "lr": nan})
    with pytest.raises(ValueError, match="Adam: invalid epsilon value: -1"):
        optim.Adam([{"params": params(), "eps": -1}])
    with pytest.raises(ValueError, match="SGD: nesterov=True"):
        optim.SGD([{"params": params(), "nesterov": True}], lr=0.1, momentum=0.9,
                  dampening=0.5)
    assert len(opt.param_groups) == 1  # the refused group was not added


# ------------------------------------------------------------------------- schedulers
def sgd():
    return optim.SGD(params(), lr=0.1)


def test_resuming_a_scheduler_needs_initial_lr_as_torch():
    # torch: KeyError "param 'initial_lr' is not specified in param_groups[0] ..."
    with pytest.raises(KeyError, match=r"initial_lr.*param_groups\[0\].*last_epoch=3"):
        lr_scheduler.StepLR(sgd(), step_size=2, last_epoch=3)
    opt = sgd()
    lr_scheduler.StepLR(opt, step_size=2)  # sets initial_lr
    resumed = lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    assert resumed.last_epoch == 4 and opt.param_groups[0]["lr"] == pytest.approx(0.001)


@pytest.mark.parametrize("options, error, message", [
    (dict(factor=1.0), ValueError, "factor should be < 1.0, got 1.0"),
    (dict(factor=nan), ValueError, "factor should be < 1.0, got nan"),
    (dict(mode="up"), ValueError, "mode 'up' is unknown"),
    (dict(threshold_mode="x"), ValueError, "threshold mode 'x' is unknown"),
    (dict(min_lr=[0.1, 0.2]), ValueError, "expected 1 min_lrs .* got 2"),
])
def test_reduce_on_plateau_arguments(options, error, message):
    with pytest.raises(error, match=message):
        lr_scheduler.ReduceLROnPlateau(sgd(), **options)


def test_reduce_on_plateau_needs_an_optimizer():
    with pytest.raises(TypeError, match="ReduceLROnPlateau: expected an Optimizer, got list"):
        lr_scheduler.ReduceLROnPlateau([])  # pyright: ignore[reportArgumentType]


@pytest.mark.needs_torch
def test_torch_refuses_the_same_scheduler_arguments():
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=0.1)
    sched = torch.optim.lr_scheduler
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(opt, step_size=2, last_epoch=3)
    for options in [dict(factor=1.0), dict(mode="up"), dict(threshold_mode="x"),
                    dict(min_lr=[0.1, 0.2])]:
        with pytest.raises(ValueError):
            sched.ReduceLROnPlateau(opt, **options)
    with pytest.raises(TypeError):
        sched.ReduceLROnPlateau([])
