"""pytorch/examples' ``regression/main.py`` on ``import minigrad as torch`` and
``import minigrad.nn.functional as F``: polynomial features by ``torch.cat`` of
``x ** i`` along dim 1, targets by ``x.mm(W_target) + b_target.item()``, an
``nn.Linear`` trained by ``fc.zero_grad()``, ``F.smooth_l1_loss``, ``backward`` and a
hand-written step ``param.data.add_(-0.1 * param.grad)`` until the loss is below 1e-3,
and a report formatted with ``'{:+.2f}'.format(w)`` of 0-d tensors. Our batches come from
a seeded numpy generator (the script draws them with ``torch.randn``) so that torch, where
installed, sees the same ones and learns the same weights."""

from itertools import count

import numpy as np
import pytest

import minigrad

POLY_DEGREE = 4


def run(torch, W, b, fc_init, max_batches=400):
    F = torch.nn.functional
    W_target = torch.tensor(W)
    b_target = torch.tensor(b)

    def make_features(x):
        x = x.unsqueeze(1)
        return torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)

    def f(x):
        return x.mm(W_target) + b_target.item()

    def poly_desc(W, b):
        result = "y = "  # str.format of 0-d tensors, as the script writes it
        for i, w in enumerate(W):
            result += "{:+.2f} x^{} ".format(w, i + 1)  # noqa: UP032
        result += "{:+.2f}".format(b[0])  # noqa: UP032
        return result

    rng = np.random.default_rng(0)

    def get_batch(batch_size=32):
        random = torch.tensor(rng.standard_normal(batch_size).astype(np.float32))
        x = make_features(random)
        return x, f(x)

    fc = torch.nn.Linear(W_target.size(0), 1)
    with torch.no_grad():
        fc.weight.copy_(torch.tensor(fc_init[0]))
        fc.bias.copy_(torch.tensor(fc_init[1]))
    losses = []
    for batch_idx in count(1):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        losses.append(loss)
        if loss < 1e-3 or batch_idx == max_batches:
            break
    return (losses, "Loss: {:.6f} after {} batches".format(loss, batch_idx),  # noqa: UP032
            poly_desc(fc.weight.view(-1), fc.bias), poly_desc(W_target.view(-1), b_target))


def _problem():
    rng = np.random.default_rng(3)
    W = (rng.standard_normal((POLY_DEGREE, 1)) * 0.5).astype(np.float32)
    b = (rng.standard_normal(1) * 0.5).astype(np.float32)
    init = (rng.uniform(-0.5, 0.5, (1, POLY_DEGREE)).astype(np.float32),
            rng.uniform(-0.5, 0.5, 1).astype(np.float32))
    return W, b, init


def test_the_example_learns_the_polynomial():
    W, b, init = _problem()
    losses, summary, learned, actual = run(minigrad, W, b, init)
    assert summary.startswith("Loss: ") and losses[-1] < losses[0] / 10
    assert learned.startswith("y = ") and learned.count("x^") == POLY_DEGREE
    assert actual == "y = " + "".join(f"{w:+.2f} x^{i + 1} " for i, w in enumerate(W[:, 0])) \
        + f"{b[0]:+.2f}"


def test_param_data_add_changes_the_parameter_unseen_by_autograd():
    fc = minigrad.nn.Linear(2, 1)
    before = fc.weight.detach().numpy().copy()
    fc.weight.data.add_(minigrad.ones(1, 2))
    np.testing.assert_array_equal(fc.weight.detach().numpy(), before + 1)
    assert fc.weight.grad_fn is None and fc.weight.is_leaf


@pytest.mark.needs_torch
def test_torch_learns_the_same_weights_and_prints_the_same_report():
    torch = pytest.importorskip("torch")
    W, b, init = _problem()
    ours, theirs = run(minigrad, W, b, init), run(torch, W, b, init)
    # float32 x**4 features, summed in different orders: a drift of a few 1e-5
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-3, atol=1e-6)
    assert ours[1].split()[-2] == theirs[1].split()[-2]  # the same number of batches
    assert ours[2:] == theirs[2:]
