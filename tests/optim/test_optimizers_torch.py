"""Optimizers against PyTorch: an MLP trained from the same float64 weights on the same
batches follows torch's trajectory to round-off, step by step."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: threads only add contention

STEPS = 60
RTOL, ATOL = 1e-10, 1e-12


def make_pair():
    mg.manual_seed(0)
    ours = nn.Sequential(nn.Linear(5, 16, dtype=mg.float64), nn.Tanh(),
                         nn.Linear(16, 8, dtype=mg.float64), nn.ReLU(),
                         nn.Linear(8, 3, dtype=mg.float64))
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.Tanh(),
                                 torch.nn.Linear(16, 8), torch.nn.ReLU(),
                                 torch.nn.Linear(8, 3)).double()
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname and p.shape == tuple(tp.shape)
            tp.copy_(torch.from_numpy(p.array))
    return ours, theirs


def batches():
    r = np.random.default_rng(1)
    return [(r.standard_normal((12, 5)), r.integers(0, 3, 12)) for _ in range(STEPS)]


def step_both(ours, opt, theirs, topt, xb, yb):
    """One training step of each model on the same batch; returns both losses."""
    opt.zero_grad()
    loss = F.cross_entropy(ours(mg.tensor(xb)), mg.tensor(yb))
    loss.backward()
    opt.step()
    topt.zero_grad()
    tloss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(xb)),
                                              torch.from_numpy(yb))
    tloss.backward()
    topt.step()
    return loss.item(), tloss.item()


def groups(model, split, lib_kwargs):
    """All parameters in one group, or the first layer in its own group with options."""
    params = list(model.parameters())
    if not split:
        return params
    return [{"params": params[:2], **lib_kwargs}, {"params": params[2:]}]


CASES = {
    "sgd": (optim.SGD, "SGD", dict(lr=0.1)),
    "sgd_momentum": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.9)),
    "sgd_dampening_wd": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.8, dampening=0.3,
                                                weight_decay=0.01)),
    "sgd_nesterov_wd": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.9, nesterov=True,
                                               weight_decay=0.001)),
    "sgd_maximize": (optim.SGD, "SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    "adam": (optim.Adam, "Adam", dict(lr=0.01)),
    "adam_betas_eps": (optim.Adam, "Adam", dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6)),
    "adam_wd_amsgrad": (optim.Adam, "Adam", dict(lr=0.01, weight_decay=0.05, amsgrad=True)),
    "adam_maximize_wd": (optim.Adam, "Adam", dict(lr=0.001, weight_decay=0.01, maximize=True)),
    "adamw": (optim.AdamW, "AdamW", dict(lr=0.01)),
    "adamw_amsgrad": (optim.AdamW, "AdamW", dict(lr=0.005, weight_decay=0.2, amsgrad=True,
                                                 betas=(0.85, 0.99))),
    "rmsprop": (optim.RMSprop, "RMSprop", dict(lr=0.01)),
    "rmsprop_centered_momentum_wd": (optim.RMSprop, "RMSprop", dict(
        lr=0.005, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.01)),
    "rmsprop_centered_small_alpha": (optim.RMSprop, "RMSprop", dict(  # lerp weight >= 0.5
        lr=0.001, alpha=0.3, centered=True, eps=1e-6)),
    "rmsprop_maximize": (optim.RMSprop, "RMSprop", dict(lr=0.001, momentum=0.5,
                                                        maximize=True)),
    "adagrad": (optim.Adagrad, "Adagrad", dict(lr=0.1)),
    "adagrad_decay_wd_init": (optim.Adagrad, "Adagrad", dict(
        lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-8)),
    "adagrad_maximize": (optim.Adagrad, "Adagrad", dict(lr=0.01, maximize=True)),
    "adadelta": (optim.Adadelta, "Adadelta", dict(lr=1.0)),
    "adadelta_rho_eps_wd": (optim.Adadelta, "Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5,
                                                              weight_decay=0.01)),
    "adadelta_maximize": (optim.Adadelta, "Adadelta", dict(lr=0.1, maximize=True)),
}


@pytest.mark.parametrize("split", [False, True], ids=["one_group", "two_groups"])
@pytest.mark.parametrize("case", list(CASES))
def test_trajectory_matches_torch(case, split):
    ours_cls, torch_name, kwargs = CASES[case]
    ours, theirs = make_pair()
    group_opts = {"lr": kwargs["lr"] * 3}
    if "weight_decay" in kwargs:
        group_opts["weight_decay"] = kwargs["weight_decay"] * 2
    opt = ours_cls(groups(ours, split, group_opts), **kwargs)
    topt = getattr(torch.optim, torch_name)(groups(theirs, split, group_opts), **kwargs)
    for i, (xb, yb) in enumerate(batches()):
        loss, tloss = step_both(ours, opt, theirs, topt, xb, yb)
        assert loss == pytest.approx(tloss, rel=RTOL, abs=ATOL), f"step {i}"
        for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.array, tp.detach().numpy(), rtol=RTOL, atol=ATOL,
                                       err_msg=f"{case}: {name} after step {i + 1}")


def test_training_actually_moves_the_weights():
    # guards against a vacuous comparison (e.g. both sides never stepping)
    ours, _ = make_pair()
    before = [p.array.copy() for p in ours.parameters()]
    opt = optim.Adam(ours.parameters(), lr=0.01)
    losses = []
    for xb, yb in batches()[:20]:
        opt.zero_grad()
        loss = F.cross_entropy(ours(mg.tensor(xb)), mg.tensor(yb))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(not np.allclose(b, p.array) for b, p in zip(before, ours.parameters()))


def test_state_dict_keys_match_torch():
    ours, theirs = make_pair()
    opt = optim.Adam(ours.parameters(), lr=0.01, amsgrad=True)
    topt = torch.optim.Adam(theirs.parameters(), lr=0.01, amsgrad=True)
    step_both(ours, opt, theirs, topt, *batches()[0])
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd["state"]) == set(tsd["state"])
    assert set(sd["state"][0]) == set(tsd["state"][0])
    for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        np.testing.assert_allclose(sd["state"][0][k].array, tsd["state"][0][k].numpy(),
                                   rtol=RTOL, atol=ATOL)
    assert [g["params"] for g in sd["param_groups"]] == \
        [g["params"] for g in tsd["param_groups"]]


NEW_STATE = {
    "rmsprop": (lambda ps, lib: lib.RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
                ("square_avg", "momentum_buffer", "grad_avg")),
    "adagrad": (lambda ps, lib: lib.Adagrad(ps, lr=0.1, initial_accumulator_value=0.2),
                ("sum",)),
    "adadelta": (lambda ps, lib: lib.Adadelta(ps, rho=0.8), ("square_avg", "acc_delta")),
}


@pytest.mark.parametrize("name", list(NEW_STATE))
def test_new_optimizers_state_dict_matches_torch(name):
    make, buffers = NEW_STATE[name]
    ours, theirs = make_pair()
    opt, topt = make(ours.parameters(), optim), make(theirs.parameters(), torch.optim)
    for xb, yb in batches()[:3]:
        step_both(ours, opt, theirs, topt, xb, yb)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd["state"]) == set(tsd["state"])
    assert set(sd["state"][0]) == set(tsd["state"][0])
    assert sd["state"][0]["step"] == tsd["state"][0]["step"].item() == 3
    for k in buffers:
        np.testing.assert_allclose(sd["state"][0][k].array, tsd["state"][0][k].numpy(),
                                   rtol=RTOL, atol=ATOL)
    tgroup = {k: v for k, v in tsd["param_groups"][0].items()
              if k not in ("foreach", "capturable", "differentiable", "fused")}
    assert {k: sd["param_groups"][0][k] for k in tgroup} == tgroup


def test_adagrad_state_exists_before_the_first_step_as_torch():
    ours, theirs = make_pair()
    sd = optim.Adagrad(ours.parameters(), initial_accumulator_value=0.5).state_dict()
    tsd = torch.optim.Adagrad(theirs.parameters(), initial_accumulator_value=0.5).state_dict()
    assert set(sd["state"]) == set(tsd["state"])
    np.testing.assert_array_equal(sd["state"][0]["sum"].array, tsd["state"][0]["sum"].numpy())
