"""Devices: ``mg.device("cpu")`` everywhere torch takes a device; accelerators are a clear
error; ``mg.cuda`` / ``mg.backends.mps`` / ``mg.accelerator`` answer "none here", so the
tutorials' device preambles pick the CPU."""

import pickle

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

FACTORIES = {
    "tensor": lambda **kw: mg.tensor([1.0, 2.0], **kw),
    "zeros": lambda **kw: mg.zeros(2, 3, **kw),
    "ones": lambda **kw: mg.ones((2, 3), **kw),
    "full": lambda **kw: mg.full((2,), 1.5, **kw),
    "empty": lambda **kw: mg.empty(2, **kw),
    "zeros_like": lambda **kw: mg.zeros_like(mg.ones(2), **kw),
    "ones_like": lambda **kw: mg.ones_like(mg.ones(2), **kw),
    "full_like": lambda **kw: mg.full_like(mg.ones(2), 7.0, **kw),
    "empty_like": lambda **kw: mg.empty_like(mg.ones(2), **kw),
    "rand_like": lambda **kw: mg.rand_like(mg.ones(2), **kw),
    "randn_like": lambda **kw: mg.randn_like(mg.ones(2), **kw),
    "arange": lambda **kw: mg.arange(0, 5, **kw),
    "linspace": lambda **kw: mg.linspace(0, 1, 5, **kw),
    "eye": lambda **kw: mg.eye(3, **kw),
    "rand": lambda **kw: mg.rand(2, 2, **kw),
    "randn": lambda **kw: mg.randn(2, 2, **kw),
    "randint": lambda **kw: mg.randint(0, 5, (3,), **kw),
    "randperm": lambda **kw: mg.randperm(4, **kw),
    "normal": lambda **kw: mg.normal(0.0, 1.0, size=(3,), **kw),
}


def test_device_class_like_torch():
    d = mg.device("cpu")
    assert (d.type, d.index, str(d), repr(d)) == ("cpu", None, "cpu", "device(type='cpu')")
    d0 = mg.device("cpu:0")
    assert (d0.index, str(d0), repr(d0)) == (0, "cpu:0", "device(type='cpu', index=0)")
    assert mg.device("cpu", 0) == d0 and d0 != d and mg.device(d) == d
    assert d == mg.device("cpu") and hash(d) == hash(mg.device("cpu"))
    assert not (d == "cpu")  # as torch: a string is not a device
    assert pickle.loads(pickle.dumps(d0)) == d0
    with pytest.raises(AttributeError):
        d.type = "cuda"


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps", "xpu", "meta"])
def test_accelerators_are_a_clear_error(name):
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        mg.device(name)
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        mg.zeros(2, device=name)
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        mg.ones(2).to(name)
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        nn.Linear(2, 2).to(name)
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        mg.set_default_device(name)


def test_bad_device_strings():
    with pytest.raises(RuntimeError, match="unknown device type 'gpu'"):
        mg.device("gpu")
    with pytest.raises(RuntimeError, match="invalid device string"):
        mg.device("cpu:x")
    with pytest.raises(TypeError, match="no accelerator"):
        mg.device(0)
    with pytest.raises(RuntimeError, match="index"):
        mg.device("cpu", -1)


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("where", ["cpu", mg.device("cpu"), "cpu:0", None])
def test_factories_take_device(name, where):
    t = FACTORIES[name](device=where)
    assert t.device == mg.device("cpu")
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        FACTORIES[name](device="cuda")


def test_tensor_to_overloads():
    x = mg.ones(2, requires_grad=True)
    assert x.to("cpu") is x and x.to(mg.device("cpu")) is x and x.cpu() is x
    assert x.to(mg.float32) is x and x.to(device="cpu", dtype=mg.float32) is x
    y = x.to("cpu", mg.float64)
    assert y.dtype == np.float64 and y.grad_fn is not None  # a differentiable cast
    assert x.to(mg.zeros(1, dtype=mg.int64)).dtype == np.int64  # other tensor's dtype
    assert x.to(dtype=mg.half, non_blocking=True).dtype == np.float16
    assert x.to("cpu", mg.float16, True, False).dtype == np.float16  # non_blocking, copy
    c = x.to("cpu", copy=True)
    assert c is not x and np.array_equal(np.asarray(c.detach()), [1, 1])
    c.sum().backward()
    assert np.array_equal(np.asarray(x.grad), [1, 1])  # a copy stays in the graph
    assert x.to(mg.float32, copy=True) is not x
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(devcie="cpu")
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        x.cuda()


def test_tensor_device_and_is_cuda():
    t = mg.zeros(3)
    assert t.device == mg.device("cpu") and t.device.type == "cpu" and not t.is_cuda
    assert mg.zeros(1, device=t.device).device == t.device


def test_module_to_and_cpu():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert m.to("cpu") is m and m.cpu() is m and m.to(mg.device("cpu")) is m
    assert m.to(device="cpu", non_blocking=True) is m
    assert m[0].weight.dtype == np.float32
    m.to("cpu", mg.float64)
    assert all(p.dtype == np.float64 for p in m.parameters())
    m.to(mg.zeros(1, dtype=mg.float32))
    assert all(p.dtype == np.float32 for p in m.parameters())
    m.half()
    assert all(p.dtype == np.float16 for p in m.parameters())
    with pytest.raises(TypeError, match="only floating point"):
        m.to(mg.int64)
    with pytest.raises(RuntimeError, match="numpy on the CPU"):
        m.cuda()


def test_availability_answers():
    assert mg.cuda.is_available() is False and mg.cuda.device_count() == 0
    assert mg.backends.mps.is_available() is False and mg.backends.mps.is_built() is False
    assert mg.accelerator.is_available() is False
    assert mg.accelerator.current_accelerator() is None
    mg.cuda.manual_seed(0)
    mg.cuda.manual_seed_all(0)  # accepted, as torch without a GPU


def test_default_device():
    mg.set_default_device("cpu")
    mg.set_default_device(None)
    assert mg.get_default_device() == mg.device("cpu")


def test_tutorial_preambles_pick_the_cpu():
    torch = mg  # the tutorials' code, with only the import changed
    device = ("cuda" if torch.cuda.is_available()
              else "mps" if torch.backends.mps.is_available() else "cpu")
    assert device == "cpu"
    device = (torch.accelerator.current_accelerator().type  # pyright: ignore
              if torch.accelerator.is_available() else "cpu")
    assert device == "cpu"
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    model = torch.nn.Sequential(torch.nn.Linear(4, 2)).to(device)
    x = torch.randn(3, 4, device=device, dtype=torch.float)
    y = torch.linspace(-1, 1, 3, device=device).to(device)
    assert model(x.to(device)).shape == (3, 2) and y.device == device


@pytest.mark.needs_torch
def test_device_matches_torch():
    torch = pytest.importorskip("torch")
    for spec in ["cpu", "cpu:0", "cpu:3"]:
        ours, theirs = mg.device(spec), torch.device(spec)
        assert (ours.type, ours.index, str(ours), repr(ours)) == (
            theirs.type, theirs.index, str(theirs), repr(theirs))
        assert (ours == mg.device("cpu")) == (theirs == torch.device("cpu"))
        assert (ours == spec) == (theirs == spec)
