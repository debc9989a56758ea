"""In-place ops: refused on leaves that require grad, allowed under no_grad, correct on
non-leaves, and version counters turn stale saved values into an error (never a wrong
gradient)."""

import numpy as np
import pytest

import minigrad as mg

INPLACE = {
    "add_": lambda t: t.add_(2.0),
    "sub_": lambda t: t.sub_(2.0),
    "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(5.0),
    "copy_": lambda t: t.copy_(mg.tensor([7.0, 8.0], dtype=mg.float64)),
    "relu_": lambda t: t.relu_(),
}


def _iop(name):
    def run(t):
        if name == "+=":
            t += 2.0
        elif name == "-=":
            t -= 2.0
        elif name == "*=":
            t *= 2.0
        else:
            t /= 2.0
        return t
    return run


INPLACE.update({n: _iop(n) for n in ("+=", "-=", "*=", "/=")})

# values each op gives for x = [1, 2], and the derivative d(result)/dx
EXPECT = {
    "add_": ([3.0, 4.0], 1.0), "+=": ([3.0, 4.0], 1.0),
    "sub_": ([-1.0, 0.0], 1.0), "-=": ([-1.0, 0.0], 1.0),
    "mul_": ([2.0, 4.0], 2.0), "*=": ([2.0, 4.0], 2.0),
    "div_": ([0.5, 1.0], 0.5), "/=": ([0.5, 1.0], 0.5),
    "zero_": ([0.0, 0.0], 0.0), "fill_": ([5.0, 5.0], 0.0), "copy_": ([7.0, 8.0], 0.0),
    "relu_": ([1.0, 2.0], 1.0),
}


def leaf():
    return mg.tensor(np.array([1.0, 2.0]), requires_grad=True)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_leaf_requiring_grad_raises(name):
    x = leaf()
    with pytest.raises(RuntimeError, match="leaf.*no_grad"):
        INPLACE[name](x)
    assert x.tolist() == [1.0, 2.0]  # untouched


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_leaf_fine_under_no_grad(name):
    x = leaf()
    with mg.no_grad():
        y = INPLACE[name](x)
    assert y is x
    assert x.tolist() == EXPECT[name][0]
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_plain_tensor(name):
    x = mg.tensor(np.array([1.0, 2.0]))
    INPLACE[name](x)
    assert x.tolist() == EXPECT[name][0]


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_nonleaf_gradient(name):
    x = leaf()
    h = x * 1.0  # a non-leaf; x * 1 saves only the constant
    out = INPLACE[name](h)
    assert out is h
    np.testing.assert_allclose(h.detach().numpy(), EXPECT[name][0])
    if EXPECT[name][1] == 0.0:  # zero_/fill_/copy_ of a constant cut the dependence
        (h * x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), EXPECT[name][0])
        return
    (h * h).sum().backward()  # d/dx h^2 = 2 h dh/dx
    want = 2 * np.array(EXPECT[name][0]) * EXPECT[name][1]
    np.testing.assert_allclose(x.grad.numpy(), want)


def test_inplace_grad_fn_renamed():
    x = leaf()
    h = x * 1.0
    h += 1
    assert h.grad_fn.name() == "AddBackward" and not h.is_leaf


def test_inplace_with_tensor_operand_requiring_grad():  # torch gives the same
    x, w = leaf(), mg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    h = x * 1.0
    h.mul_(w)
    h.add_(w)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 3.0])


def test_inplace_into_plain_tensor_from_grad_tensor_records():
    w = leaf()
    buf = mg.zeros(2, dtype=mg.float64)
    buf.add_(w * 2)
    assert buf.requires_grad and buf.grad_fn is not None
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 2.0])


def test_copy_gradient_flows_to_source():
    src = leaf()
    dst = mg.zeros(2, dtype=mg.float64)
    dst.copy_(src * 3)
    (dst * dst).sum().backward()
    np.testing.assert_allclose(src.grad.numpy(), 2 * 3 * np.array([3.0, 6.0]))


@pytest.mark.parametrize("name", ["add_", "sub_", "mul_", "div_", "+=", "*=", "fill_",
                                  "zero_", "copy_"])
def test_modified_after_saved_raises(name):
    x = leaf()
    h = x * 1.0
    y = h * h  # saves h
    INPLACE[name](h)
    with pytest.raises(RuntimeError, match="modified in place.*version"):
        y.sum().backward()


def test_modified_output_after_saved_raises():
    x = leaf()
    y = x.exp()  # saves its own output
    z = y.sum()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="ExpBackward.*modified in place"):
        z.backward()


def test_modified_under_no_grad_after_saved_raises():
    x = leaf()
    h = x * 1.0
    y = h.sin()
    with mg.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


def test_leaf_modified_under_no_grad_after_saved_raises():
    x, w = leaf(), leaf()
    y = (x * w).sum()
    with mg.no_grad():
        w.sub_(0.1)  # an optimizer step before backward
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_setitem_after_saved_raises():
    x = leaf()
    c = mg.tensor(np.array([1.0, 2.0]))
    y = (x * c).sum()
    c[0] = 10.0
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_detached_alias_modified_raises():
    x = leaf()
    h = x * 1.0
    y = h.log()
    h.detach().mul_(3)  # shares memory and version with h
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


def test_unsaved_modification_is_fine():
    x = leaf()
    h = x * 2.0
    y = h + 1  # Add saves nothing
    h.mul_(10)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


@pytest.mark.parametrize("view", [
    lambda h: h.reshape(1, 2), lambda h: h[:], lambda h: h.unsqueeze(0), lambda h: h.view(2, 1),
    lambda h: h.detach(),
])
def test_view_modified_after_base_saved_raises(view):
    x = leaf()
    h = x * 1.0
    y = h.sin()  # saves h
    v = view(h)
    with mg.no_grad():
        v.mul_(2)  # writes into h's memory
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


def test_base_modified_after_view_saved_raises():
    x = leaf()
    h = x * 1.0
    v = h.reshape(2, 1)
    y = v.sin()  # saves the view
    with mg.no_grad():
        h.mul_(2)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


def test_inplace_on_view_while_recording_raises():
    x = leaf()
    h = x * 1.0
    v = h.reshape(1, 2)
    with pytest.raises(RuntimeError, match="shares its memory.*clone"):
        v.mul_(2)  # h's grad_fn would no longer describe h's values
    with pytest.raises(RuntimeError, match="shares its memory"):
        h.mul_(2)  # and the other way round
    np.testing.assert_allclose(h.detach().numpy(), [1.0, 2.0])


def test_inplace_on_view_of_leaf_raises():
    x = leaf()
    with pytest.raises(RuntimeError, match="shares its memory"):
        x[:].mul_(2)


def test_inplace_allowed_again_once_views_are_gone():
    x = leaf()
    h = x * 1.0
    v = h.reshape(1, 2)
    del v
    h.mul_(3)
    (h * h).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [18.0, 36.0])


def test_inplace_on_clone_of_view_is_fine():
    x = leaf()
    h = x * 1.0
    v = h.reshape(1, 2).clone()
    v.mul_(2)
    (v.sum() + h.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_view_modified_under_no_grad_after_base_saved_raises():
    x = leaf()
    h = x * 1.0
    y = h.exp().sum() + h.sin().sum()
    with mg.no_grad():
        h[:].mul_(2)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_inplace_op_that_saves_its_input_keeps_the_old_values():
    x, w = leaf(), mg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    h = x * 1.0
    h.mul_(w)  # d/dw needs the old h, which the write overwrites
    h.add_(w)
    h.div_(w)  # d/dw needs the old h again
    h.sum().backward()
    xv, wv = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), wv / wv)
    np.testing.assert_allclose(w.grad.numpy(), (xv + 1) / wv - (xv * wv + wv) / wv ** 2)


def test_inplace_shape_change_rejected():
    x = mg.zeros(2)
    with pytest.raises(ValueError, match="shape"):
        x.add_(mg.ones(3, 2))


def test_inplace_float_into_int_rejected():
    x = mg.tensor([1, 2])
    with pytest.raises(TypeError, match="int64"):
        x.mul_(1.5)


def test_optimizer_style_update():
    w = mg.tensor(np.array([1.0, -1.0]), requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with mg.no_grad():
            w -= 0.25 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), [0.125, -0.125])


def test_relu_inplace_matches_relu_values_and_gradient_including_zero():
    values = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    x = mg.tensor(values, requires_grad=True)
    h = x * 1.0
    assert h.relu_() is h and h.grad_fn.name() == "ReluBackward"
    (h * mg.tensor(values + 10)).sum().backward()

    x2 = mg.tensor(values, requires_grad=True)
    ((x2 * 1.0).relu() * mg.tensor(values + 10)).sum().backward()
    np.testing.assert_array_equal(h.detach().numpy(), np.maximum(values, 0))
    np.testing.assert_array_equal(x.grad.numpy(), x2.grad.numpy())
    assert x.grad.numpy()[2] == 0.0  # the gradient at 0 is 0, as relu's (not clamp's 1)


def test_relu_inplace_after_its_input_was_saved_raises_at_backward():
    x = leaf()
    h = x * 1.0
    y = h * h  # saves h
    h.relu_()
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


def test_relu_inplace_then_inplace_again_is_caught():
    x = leaf()
    h = x * 1.0
    h.relu_()  # relu saved its output, which lives in h now
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        h.sum().backward()
