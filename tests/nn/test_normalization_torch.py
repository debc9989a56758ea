"""BatchNorm1d / BatchNorm2d against PyTorch, in float64: outputs, gradients of input,
weight and bias, and the running statistics after several training steps, then eval;
state dicts moved both ways."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

pytestmark = pytest.mark.needs_torch

RTOL, ATOL = 1e-7, 1e-10

CONFIGS = [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False},
           {"momentum": 0.3, "eps": 1e-3}, {"bias": False}]
LAYERS = [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (5, 3, 4)), ("BatchNorm2d", (4, 3, 5, 2)),
          ("BatchNorm2d", (2, 3, 1, 1))]


def _pair(name, kwargs):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(3, dtype=mg.float64, **kwargs)
    theirs = getattr(torch.nn, name)(3, dtype=torch.float64, **kwargs)
    rng = np.random.default_rng(0)
    with torch.no_grad():  # parameters other than the default ones and zeros
        for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters()):
            value = rng.standard_normal(p_ours.shape)
            p_theirs.copy_(torch.tensor(value))
            ours.load_state_dict({**ours.state_dict(), _name_of(ours, p_ours): value})
    return ours, theirs


def _name_of(module, param):
    return next(n for n, p in module.named_parameters() if p is param)


def _assert_close(a, b, what):
    np.testing.assert_allclose(np.asarray(a), b.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg=what)


@pytest.mark.parametrize("name, shape", LAYERS)
@pytest.mark.parametrize("kwargs", CONFIGS, ids=lambda k: ",".join(map(str, k.items())))
def test_training_steps_then_eval_match_torch(name, shape, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(name, kwargs)
    rng = np.random.default_rng(1)
    for step in range(4):
        x = rng.standard_normal(shape) * 3 + step
        up = rng.standard_normal(shape)
        x_ours, x_theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        _assert_close(y_ours.detach(), y_theirs, f"output, step {step}")
        y_ours.backward(mg.tensor(up))
        y_theirs.backward(torch.tensor(up))
        _assert_close(x_ours.grad, x_theirs.grad, f"input gradient, step {step}")
        for (n, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
            _assert_close(p_ours.grad, p_theirs.grad, f"{n} gradient, step {step}")
            p_ours.grad, p_theirs.grad = None, None
    state_ours, state_theirs = ours.state_dict(), theirs.state_dict()
    assert list(state_ours) == list(state_theirs)
    for k in state_ours:
        _assert_close(state_ours[k], state_theirs[k], k)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    _assert_close(ours(mg.tensor(x)).detach(), theirs(torch.tensor(x)), "eval output")
    assert repr(ours) == repr(theirs)


def test_functional_with_and_without_running_statistics_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((4, 3, 5)), rng.standard_normal(3), rng.standard_normal(3)
    stats = [rng.standard_normal(3), rng.random(3) + 0.5]
    for training in (True, False):
        mean_o, var_o = (mg.tensor(s.copy()) for s in stats)
        mean_t, var_t = (torch.tensor(s.copy()) for s in stats)
        y_o = F.batch_norm(mg.tensor(x), mean_o, var_o, mg.tensor(w), mg.tensor(b), training,
                           0.25, 1e-4)
        y_t = torch.nn.functional.batch_norm(torch.tensor(x), mean_t, var_t, torch.tensor(w),
                                             torch.tensor(b), training, 0.25, 1e-4)
        _assert_close(y_o, y_t, f"output, training={training}")
        _assert_close(mean_o, mean_t, "running mean")
        _assert_close(var_o, var_t, "running var")


def test_second_derivatives_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((3, 2, 4)), rng.standard_normal(2)
    up = rng.standard_normal((3, 2, 4))
    results = []
    for lib, tensor, bn in ((mg, mg.tensor, F.batch_norm),
                            (torch, torch.tensor, torch.nn.functional.batch_norm)):
        xs, ws = tensor(x, requires_grad=True), tensor(w, requires_grad=True)
        y = bn(xs, None, None, ws, None, True)
        gx, gw = lib.autograd.grad(y, (xs, ws), tensor(up), create_graph=True)
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        results.append((gx, gw, xs.grad, ws.grad))
    for a, b, what in zip(*results, ("grad x", "grad w", "d/dx", "d/dw")):
        _assert_close(a.detach(), b, what)


@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"track_running_stats": False}])
def test_state_dict_moves_between_torch_and_minigrad(kwargs):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)  # the same data every run
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 1), torch.nn.BatchNorm2d(3, **kwargs))
    for _ in range(3):  # running statistics away from their initial values
        theirs(torch.randn(4, 1, 5, 5) * 2 + 1)
    theirs.eval()
    ours = nn.BatchNorm2d(3, **kwargs)
    ours.load_state_dict({k.removeprefix("1."): v.numpy()
                          for k, v in theirs.state_dict().items() if k.startswith("1.")})
    for k, v in ours.state_dict().items():
        assert v.dtype == theirs.state_dict()["1." + k].numpy().dtype, k
    x = torch.randn(2, 1, 5, 5)
    with torch.no_grad():
        features = theirs[0](x)
        expected = theirs(x)
    np.testing.assert_allclose(ours.eval()(mg.tensor(features.numpy())).detach().numpy(),
                               expected.numpy(), rtol=1e-5, atol=1e-5)  # float32 z-scores
    # ... and back: a fresh torch layer loads minigrad's state dict (strictly)
    ours.train()(mg.randn(6, 3, 2, 2))
    back = torch.nn.BatchNorm2d(3, **kwargs)
    back.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in ours.state_dict().items()})
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[k].numpy(), v.numpy())
        assert back.state_dict()[k].dtype == torch.from_numpy(v.numpy()).dtype
