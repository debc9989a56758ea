"""Every in-place write goes through ``write_in_place``, which bumps the tensor's version,
so a graph that saved the old values raises at backward instead of using the new ones."""

from __future__ import annotations

import ast
import pathlib
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

MODIFIED = "modified in place"
PACKAGE = pathlib.Path(mg.__file__).parent


def _second_order_setup():
    """The example of issue 10: w.grad = 3 w^2 is recorded, then saved by z."""
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w ** 3).sum().backward(create_graph=True)
    z = (w.grad * w.grad).sum()
    return w, z


@pytest.mark.parametrize("zero_grad", [
    lambda w: optim.SGD([w], lr=0.1).zero_grad(set_to_none=False),
    lambda w: optim.Adam([w]).zero_grad(set_to_none=False),
    lambda w: _module_holding(w).zero_grad(set_to_none=False),
], ids=["optimizer", "adam", "module"])
def test_zero_grad_in_place_under_a_saved_gradient_raises(zero_grad):
    w, z = _second_order_setup()
    zero_grad(w)
    with pytest.raises(RuntimeError, match=MODIFIED):
        z.backward()


def test_without_zero_grad_the_second_order_example_is_right():
    w, z = _second_order_setup()
    w.grad = None  # not in place: z's graph keeps the old gradient
    z.backward()   # d/dw sum (3 w^2)^2 = 36 w^3
    np.testing.assert_allclose(w.grad.array, [36.0, 288.0])


def test_zero_grad_in_place_keeps_the_memory_and_detaches():
    w, _ = _second_order_setup()
    grad = w.grad
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad is grad and grad.grad_fn is None and not grad.requires_grad
    assert grad.tolist() == [0.0, 0.0]


def _module_holding(w):
    module = nn.Module()
    module.w = nn.Parameter(mg.zeros(2))
    module._parameters["w"] = w  # the very tensor the graph saved
    return module


def _saved_param(shape=(2,)):
    """A parameter saved by a graph (w * w), and that graph's output."""
    p = nn.Parameter(mg.ones(*shape))
    p.grad = mg.ones(*shape)
    return p, (p * p).sum()


@pytest.mark.parametrize("write", [
    lambda p: optim.SGD([p], lr=0.1).step(),
    lambda p: optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1).step(),
    lambda p: optim.Adam([p]).step(),
    lambda p: optim.AdamW([p], weight_decay=0.1).step(),
    lambda p: nn.init.normal_(p),
    lambda p: nn.init.zeros_(p),
    lambda p: _module_with(p).load_state_dict({"p": np.full(2, 3.0)}),
], ids=["sgd", "sgd-momentum", "adam", "adamw", "init-normal", "init-zeros", "load"])
def test_every_parameter_write_bumps_the_version(write):
    p, loss = _saved_param()
    before = p._version
    write(p)
    assert p._version > before
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def _module_with(p):
    module = nn.Module()
    module.p = p
    return module


@pytest.mark.parametrize("write", [
    lambda x: x.add_(1.0),
    lambda x: x.mul_(2.0),
    lambda x: x.zero_(),
    lambda x: x.fill_(3.0),
    lambda x: x.copy_(mg.zeros(3)),
    lambda x: x.clamp_(0.0, 0.5),
    lambda x: x.__setitem__(0, 5.0),
], ids=["add_", "mul_", "zero_", "fill_", "copy_", "clamp_", "setitem"])
def test_tensor_writes_bump_the_version(write):
    x = mg.tensor([0.25, 1.0, 2.0])
    before = x._version
    with mg.no_grad():
        write(x)
    assert x._version == before + 1


def test_setitem_with_ellipsis_casts_as_item_assignment():
    x = mg.tensor([1, 2, 3])
    x[...] = 1.5  # numpy's (and torch's) item assignment truncates into an int tensor
    assert x.tolist() == [1, 1, 1] and x._version == 1


def test_gradient_accumulation_writes_through_the_version():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * 2).sum().backward()
    grad, version = w.grad, w.grad._version
    (w * 3).sum().backward()  # accumulates into the same array
    assert w.grad is grad and grad._version == version + 1
    assert grad.tolist() == [5.0, 5.0]


# Writes to a tensor's memory that bypass the version: an augmented or indexed assignment
# to ``.array``, a ufunc writing ``out=`` into it, np.copyto, or a hand-made bump.
_BYPASS = re.compile(r"\.array\[[^\]]*\]\s*=[^=]|\.array\s*[-+*/]=|out=[\w.]*\.array\b"
                     r"|copyto\(|_vc\[0\]\s*[-+]?=")


def _owner_lines() -> set:
    tree = ast.parse((PACKAGE / "_tensor.py").read_text())
    (fn,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "write_in_place"]
    return set(range(fn.lineno, fn.end_lineno + 1))


def test_no_write_to_a_tensor_bypasses_write_in_place():
    owner = _owner_lines()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for no, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if _BYPASS.search(code) and not (path.name == "_tensor.py" and no in owner):
                found.append(f"{path.relative_to(PACKAGE)}:{no}: {line.strip()}")
    assert found == []


def test_the_bypass_pattern_catches_each_kind_of_write():
    for line in ("p.array -= step", "t.array[...] = 0", "np.add(g.array, x, out=g.array)",
                 "np.copyto(t.array, v)", "t._vc[0] += 1", "p.grad.array[i] = 1"):
        assert _BYPASS.search(line), line
    for line in ("result.array = out", "x = p.array[0]", "if t.array[0] == 1:"):
        assert not _BYPASS.search(line), line
