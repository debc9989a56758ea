"""``Tensor.data``, ``Tensor.grad`` assignment and the init-style in-place methods, as torch's."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def test_data_is_a_tensor_sharing_memory_that_records_nothing():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    d = p.data
    assert isinstance(d, mg.Tensor) and not isinstance(d, nn.Parameter)
    assert not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.array, p.array)


def test_writes_through_data_change_the_parameter_unseen_by_autograd():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    p.data.add_(mg.tensor([1.0, 1.0]), alpha=-0.5)
    p.data.mul_(2.0)
    assert p.tolist() == [1.0, 3.0]
    assert p._version == 0  # as torch: .data has its own version counter
    p.data.copy_(mg.tensor([5.0, 6.0]))
    assert p.tolist() == [5.0, 6.0]
    p.data.zero_()
    p.data.fill_(7.0)
    p.data.clamp_(max=4.0)
    assert p.tolist() == [4.0, 4.0]


def test_data_assignment_takes_a_tensor():
    p = nn.Parameter(mg.zeros(3))
    p.data = mg.ones(4)
    assert p.shape == (4,) and p.requires_grad
    with pytest.raises(TypeError, match="data: must be set to a Tensor, got list"):
        p.data = [1.0, 2.0]  # pyright: ignore[reportAttributeAccessIssue]


def test_numpy_of_a_tensor_that_requires_grad_needs_detach():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        p.numpy()
    assert np.shares_memory(p.detach().numpy(), p.array)
    assert np.shares_memory(p.data.numpy(), p.array)


@pytest.mark.parametrize("fill", ["normal_", "uniform_"])
def test_random_fills_are_seeded_and_keep_the_dtype(fill):
    mg.manual_seed(3)
    a = getattr(mg.zeros(1000).data, fill)()
    mg.manual_seed(3)
    b = getattr(mg.zeros(1000), fill)()
    assert a.dtype == mg.float32 and a.tolist() == b.tolist()


def test_normal_and_uniform_have_the_asked_distribution():
    x = mg.zeros(20000, dtype=mg.float64)
    x.normal_(2.0, 0.5)
    assert abs(x.mean().item() - 2.0) < 0.02 and abs(x.std().item() - 0.5) < 0.02
    x.uniform_(-3.0, -1.0)
    assert -3.0 <= x.min().item() and x.max().item() < -1.0
    assert abs(x.mean().item() + 2.0) < 0.03


def test_random_fill_of_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    p = nn.Parameter(mg.zeros(3))
    with pytest.raises(RuntimeError, match="normal_: a leaf tensor that requires grad"):
        p.normal_()
    with mg.no_grad():
        p.uniform_(1.0, 2.0)
    assert min(p.tolist()) >= 1.0


def test_grad_assignment_is_checked_where_it_happens():
    p = nn.Parameter(mg.zeros(3))
    with pytest.raises(TypeError, match="assigned grad must be a Tensor or None, got float"):
        p.grad = 0.0  # pyright: ignore[reportAttributeAccessIssue]
    with pytest.raises(RuntimeError, match=r"assigned grad has shape \(2,\), but the tensor "
                                            r"has shape \(3,\)"):
        p.grad = mg.zeros(2)
    with pytest.raises(TypeError, match="assigned grad has dtype float64, but the tensor has "
                                        "dtype float32"):
        p.grad = mg.zeros(3, dtype=mg.float64)
    assert p.grad is None


def test_a_tensor_is_not_its_own_grad():
    p = nn.Parameter(mg.zeros(3))
    with pytest.raises(RuntimeError, match="can't assign a tensor as its own grad"):
        p.grad = p  # torch: "can't assign Variable as its own grad"
    assert p.grad is None
    p.grad = p.detach().clone()  # a copy is fine
    assert p.grad is not None


@pytest.mark.parametrize("t", [mg.zeros(3), mg.zeros(3, dtype=mg.int64)], ids=str)
def test_grad_of_a_tensor_that_does_not_require_grad_is_settable_as_torch(t):
    # torch accepts x.grad = g for any tensor, checking only type, shape and dtype
    g = mg.ones_like(t)
    t.grad = g
    assert t.grad is g
    with pytest.raises(RuntimeError, match="shape"):
        t.grad = mg.ones(2, dtype=t.dtype)


@pytest.mark.needs_torch
def test_own_grad_is_refused_by_torch_too():
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(3))
    with pytest.raises(RuntimeError, match="own grad"):
        p.grad = p
    x = torch.zeros(3, dtype=torch.int64)
    x.grad = torch.ones(3, dtype=torch.int64)
    assert x.grad is not None


def test_an_assigned_grad_is_accumulated_into():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    p.grad = mg.tensor([10.0, 10.0])
    (p * p).sum().backward()
    assert p.grad is not None and p.grad.tolist() == [12.0, 14.0]
    p.grad = None
    (p * 3).sum().backward()
    assert p.grad is not None and p.grad.tolist() == [3.0, 3.0]


@pytest.mark.needs_torch
def test_the_init_and_update_idioms_match_torch():
    torch = pytest.importorskip("torch")
    values = {}
    for lib in (mg, torch):
        w = lib.nn.Parameter(lib.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=lib.float64))
        x = lib.tensor([[1.0, 2.0]], dtype=lib.float64)
        ((x @ w) ** 2).sum().backward()
        w.data.add_(w.grad, alpha=-0.1)      # pytorch/examples' regression update
        w.data.mul_(0.5)
        w.data.clamp_(min=-0.3)
        w.grad.data.zero_()
        values[lib.__name__] = (w.detach().numpy().copy(), w.grad.numpy().copy(),
                                w.data.requires_grad, w.data.is_leaf)
    ours, theirs = values["minigrad"], values["torch"]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2:] == theirs[2:]
